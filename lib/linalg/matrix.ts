/**
 * Small dense linear algebra in float64 for reference posteriors: matrices
 * of a few to a few hundred rows, stored row-major. Cholesky factors are
 * lower triangular (`A = L·Lᵀ`); every solve goes through them, never through
 * an explicit inverse.
 *
 * @module
 */

/** A dense row-major float64 matrix. */
export interface Matrix {
  /** Number of rows. */
  readonly rows: number;
  /** Number of columns. */
  readonly cols: number;
  /** Entries, row-major: entry (i, j) is `data[i * cols + j]`. */
  readonly data: Float64Array;
}

/**
 * Wraps (a copy of) row-major entries as a matrix.
 * @param rows Number of rows.
 * @param cols Number of columns.
 * @param data `rows·cols` entries, row-major; zeros when omitted.
 * @returns The matrix.
 * @example
 * ```ts
 * import { matrix } from "./matrix.ts";
 * const a = matrix(2, 2, [1, 2, 3, 4]); // [[1, 2], [3, 4]]
 * ```
 */
export function matrix(rows: number, cols: number, data?: ArrayLike<number>): Matrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new Error(`Matrix shape must be two positive integers, got ${rows}×${cols}`);
  }
  if (data !== undefined && data.length !== rows * cols) {
    throw new Error(`A ${rows}×${cols} matrix needs ${rows * cols} entries, got ${data.length}`);
  }
  return {
    rows,
    cols,
    data: data === undefined ? new Float64Array(rows * cols) : Float64Array.from(data),
  };
}

/**
 * Builds a matrix from an array of rows.
 * @param rows Rows of equal length.
 * @returns The matrix.
 * @example
 * ```ts
 * import { fromRows } from "./matrix.ts";
 * const a = fromRows([[2, 0], [1, 3]]);
 * console.log(a.data); // Float64Array [2, 0, 1, 3]
 * ```
 */
export function fromRows(rows: ArrayLike<number>[]): Matrix {
  if (rows.length === 0) throw new Error("Matrix needs at least one row, got none");
  const cols = rows[0].length;
  if (cols === 0) throw new Error("Matrix rows need at least one entry, got empty rows");
  const out = matrix(rows.length, cols);
  rows.forEach((row, i) => {
    if (row.length !== cols) {
      throw new Error(`Matrix rows must all have length ${cols}, got ${row.length} in row ${i}`);
    }
    out.data.set(row, i * cols);
  });
  return out;
}

/**
 * The rows of a matrix as plain arrays (for printing and JSON).
 * @param a Matrix.
 * @returns `a.rows` arrays of `a.cols` numbers.
 * @example
 * ```ts
 * import { identity, toRows } from "./matrix.ts";
 * console.log(toRows(identity(2))); // [[1, 0], [0, 1]]
 * ```
 */
export function toRows(a: Matrix): number[][] {
  return Array.from(
    { length: a.rows },
    (_, i) => Array.from(a.data.subarray(i * a.cols, (i + 1) * a.cols)),
  );
}

/**
 * The n×n identity.
 * @param n Size.
 * @returns The identity matrix.
 * @example
 * ```ts
 * import { identity } from "./matrix.ts";
 * const eye = identity(3);
 * ```
 */
export function identity(n: number): Matrix {
  const out = matrix(n, n);
  for (let i = 0; i < n; i++) out.data[i * n + i] = 1;
  return out;
}

/**
 * A diagonal matrix.
 * @param values Diagonal entries.
 * @returns The square matrix with `values` on its diagonal.
 * @example
 * ```ts
 * import { diagonal } from "./matrix.ts";
 * const cov = diagonal([1, 0.25]);
 * ```
 */
export function diagonal(values: ArrayLike<number>): Matrix {
  const n = values.length;
  const out = matrix(n, n);
  for (let i = 0; i < n; i++) out.data[i * n + i] = values[i];
  return out;
}

/**
 * The transpose.
 * @param a Matrix `[m, n]`.
 * @returns `aᵀ`, `[n, m]`.
 * @example
 * ```ts
 * import { fromRows, transpose } from "./matrix.ts";
 * const t = transpose(fromRows([[1, 2, 3]])); // 3×1
 * ```
 */
export function transpose(a: Matrix): Matrix {
  const out = matrix(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < a.cols; j++) out.data[j * a.rows + i] = a.data[i * a.cols + j];
  }
  return out;
}

/**
 * The matrix product `a·b`.
 * @param a Matrix `[m, k]`.
 * @param b Matrix `[k, n]`.
 * @returns `[m, n]`.
 * @example
 * ```ts
 * import { fromRows, matMul } from "./matrix.ts";
 * const c = matMul(fromRows([[1, 2]]), fromRows([[3], [4]])); // [[11]]
 * ```
 */
export function matMul(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) {
    throw new Error(
      `Matrix product needs a.cols = b.rows, got ${a.rows}×${a.cols} times ${b.rows}×${b.cols}`,
    );
  }
  const out = matrix(a.rows, b.cols);
  const n = b.cols;
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out.data[i * n + j] += aik * b.data[k * n + j];
    }
  }
  return out;
}

/**
 * The matrix-vector product `a·x`.
 * @param a Matrix `[m, n]`.
 * @param x Vector of length n.
 * @returns Vector of length m.
 * @example
 * ```ts
 * import { fromRows, matVec } from "./matrix.ts";
 * const y = matVec(fromRows([[1, 2], [3, 4]]), [1, 1]); // [3, 7]
 * ```
 */
export function matVec(a: Matrix, x: ArrayLike<number>): Float64Array {
  if (x.length !== a.cols) {
    throw new Error(`Matrix-vector product needs a vector of length ${a.cols}, got ${x.length}`);
  }
  const out = new Float64Array(a.rows);
  for (let i = 0; i < a.rows; i++) {
    let s = 0;
    for (let j = 0; j < a.cols; j++) s += a.data[i * a.cols + j] * x[j];
    out[i] = s;
  }
  return out;
}

function checkTriangularProduct(
  l: Matrix,
  x: ArrayLike<number>,
  offset: number,
  out: Float64Array,
): void {
  assertSquare(l, "Triangular product");
  const n = l.rows;
  if (x.length < offset + n || out.length < n) {
    throw new Error(
      `Triangular product needs ${n} entries of x from ${offset} and room for ${n}, got ${x.length} and ${out.length}`,
    );
  }
}

/**
 * The product `L·x` of a lower-triangular matrix and a vector (only the lower
 * triangle of `l` is read), summed in index order. With `offset` and `out`
 * it works in place on a stretch of a larger array, allocation-free.
 * @param l Lower-triangular `[n, n]` (e.g. from {@link cholesky}).
 * @param x Vector; entries `offset … offset + n − 1` are used.
 * @param offset Where the vector starts in `x`. Default 0.
 * @param out Array for the result (length ≥ n); a new one when omitted.
 * @returns `out`, holding `L·x` in its first n entries.
 * @example
 * ```ts
 * import { fromRows, lowerMatVec } from "./matrix.ts";
 * lowerMatVec(fromRows([[2, 0], [1, 3]]), [1, 1]); // Float64Array [2, 4]
 * ```
 */
export function lowerMatVec(
  l: Matrix,
  x: ArrayLike<number>,
  offset = 0,
  out: Float64Array = new Float64Array(l.rows),
): Float64Array {
  checkTriangularProduct(l, x, offset, out);
  const n = l.rows, d = l.data;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j <= i; j++) s += d[i * n + j] * x[offset + j];
    out[i] = s;
  }
  return out;
}

/**
 * The product `Lᵀ·x` with `L` lower triangular (only the lower triangle of `l`
 * is read), summed in index order; allocation-free with `offset` and `out`.
 * @param l Lower-triangular `[n, n]` (e.g. from {@link cholesky}).
 * @param x Vector; entries `offset … offset + n − 1` are used.
 * @param offset Where the vector starts in `x`. Default 0.
 * @param out Array for the result (length ≥ n); a new one when omitted.
 * @returns `out`, holding `Lᵀ·x` in its first n entries.
 * @example
 * ```ts
 * import { fromRows, lowerTransposedMatVec } from "./matrix.ts";
 * lowerTransposedMatVec(fromRows([[2, 0], [1, 3]]), [1, 1]); // Float64Array [3, 3]
 * ```
 */
export function lowerTransposedMatVec(
  l: Matrix,
  x: ArrayLike<number>,
  offset = 0,
  out: Float64Array = new Float64Array(l.rows),
): Float64Array {
  checkTriangularProduct(l, x, offset, out);
  const n = l.rows, d = l.data;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i; j < n; j++) s += d[j * n + i] * x[offset + j];
    out[i] = s;
  }
  return out;
}

/**
 * The sum `a + scale·b` of two matrices of one shape.
 * @param a Matrix.
 * @param b Matrix of the same shape.
 * @param scale Factor on `b`. Default 1.
 * @returns A new matrix.
 * @example
 * ```ts
 * import { addMatrices, identity } from "./matrix.ts";
 * const twoI = addMatrices(identity(2), identity(2)); // 2·I
 * ```
 */
export function addMatrices(a: Matrix, b: Matrix, scale = 1): Matrix {
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new Error(
      `Matrix sum needs equal shapes, got ${a.rows}×${a.cols} and ${b.rows}×${b.cols}`,
    );
  }
  const out = matrix(a.rows, a.cols, a.data);
  for (let i = 0; i < out.data.length; i++) out.data[i] += scale * b.data[i];
  return out;
}

/**
 * `(a + aᵀ) / 2`, to remove round-off asymmetry from a computed covariance.
 * @param a Square matrix.
 * @returns The symmetric part of `a`.
 * @example
 * ```ts
 * import { fromRows, symmetrize } from "./matrix.ts";
 * const s = symmetrize(fromRows([[1, 2], [0, 1]])); // [[1, 1], [1, 1]]
 * ```
 */
export function symmetrize(a: Matrix): Matrix {
  assertSquare(a, "Symmetrization");
  const n = a.rows;
  const out = matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) out.data[i * n + j] = 0.5 * (a.data[i * n + j] + a.data[j * n + i]);
  }
  return out;
}

function assertSquare(a: Matrix, what: string): void {
  if (a.rows !== a.cols) throw new Error(`${what} needs a square matrix, got ${a.rows}×${a.cols}`);
}

/**
 * The Cholesky factor of a symmetric positive-definite matrix.
 * @param a Symmetric positive-definite matrix `[n, n]`.
 * @returns Lower-triangular `L` with `a = L·Lᵀ`.
 * @throws Error when `a` is not square, not symmetric, or not positive definite.
 * @example
 * ```ts
 * import { cholesky, fromRows } from "./matrix.ts";
 * const l = cholesky(fromRows([[4, 2], [2, 5]])); // [[2, 0], [1, 2]]
 * ```
 */
export function cholesky(a: Matrix): Matrix {
  assertSquare(a, "Cholesky factorization");
  const n = a.rows;
  const d = a.data;
  let scale = 0;
  for (let i = 0; i < d.length; i++) scale = Math.max(scale, Math.abs(d[i]));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (!(Math.abs(d[i * n + j] - d[j * n + i]) <= 1e-8 * scale)) {
        throw new Error(
          `Cholesky factorization needs a symmetric matrix, got entries (${i}, ${j}) = ${
            d[i * n + j]
          } and (${j}, ${i}) = ${d[j * n + i]}`,
        );
      }
    }
  }
  const l = matrix(n, n);
  const ld = l.data;
  for (let j = 0; j < n; j++) {
    let s = d[j * n + j];
    for (let k = 0; k < j; k++) s -= ld[j * n + k] * ld[j * n + k];
    if (!(s > 0)) {
      throw new Error(
        `Cholesky factorization needs a positive-definite matrix, got pivot ${s} at row ${j}`,
      );
    }
    const ljj = Math.sqrt(s);
    ld[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let t = d[i * n + j];
      for (let k = 0; k < j; k++) t -= ld[i * n + k] * ld[j * n + k];
      ld[i * n + j] = t / ljj;
    }
  }
  return l;
}

function asColumns(b: Matrix | ArrayLike<number>, n: number, what: string): Matrix {
  const m = "data" in b ? b : matrix(b.length, 1, b);
  if (m.rows !== n) {
    throw new Error(`${what} needs a right-hand side with ${n} rows, got ${m.rows}`);
  }
  return matrix(m.rows, m.cols, m.data);
}

/**
 * Solves `L·x = b` by forward substitution.
 * @param l Lower-triangular `[n, n]` (e.g. from {@link cholesky}).
 * @param b Vector of length n, or a matrix `[n, k]` of k right-hand sides.
 * @returns `x`, of the shape of `b` (a Float64Array for a vector).
 * @example
 * ```ts
 * import { fromRows, solveLower } from "./matrix.ts";
 * const x = solveLower(fromRows([[2, 0], [1, 1]]), [2, 3]); // [1, 2]
 * ```
 */
export function solveLower(l: Matrix, b: ArrayLike<number>): Float64Array;
export function solveLower(l: Matrix, b: Matrix): Matrix;
export function solveLower(l: Matrix, b: Matrix | ArrayLike<number>): Matrix | Float64Array {
  assertSquare(l, "Triangular solve");
  const n = l.rows;
  const x = asColumns(b, n, "Triangular solve");
  const k = x.cols;
  for (let i = 0; i < n; i++) {
    const lii = l.data[i * n + i];
    for (let c = 0; c < k; c++) {
      let s = x.data[i * k + c];
      for (let j = 0; j < i; j++) s -= l.data[i * n + j] * x.data[j * k + c];
      x.data[i * k + c] = s / lii;
    }
  }
  return "data" in b ? x : x.data;
}

/**
 * Solves `Lᵀ·x = b` by back substitution, with `L` lower triangular.
 * @param l Lower-triangular `[n, n]` (e.g. from {@link cholesky}).
 * @param b Vector of length n, or a matrix `[n, k]` of k right-hand sides.
 * @returns `x`, of the shape of `b` (a Float64Array for a vector).
 * @example
 * ```ts
 * import { fromRows, solveLowerTransposed } from "./matrix.ts";
 * const x = solveLowerTransposed(fromRows([[2, 0], [1, 1]]), [4, 2]); // [1, 2]
 * ```
 */
export function solveLowerTransposed(l: Matrix, b: ArrayLike<number>): Float64Array;
export function solveLowerTransposed(l: Matrix, b: Matrix): Matrix;
export function solveLowerTransposed(
  l: Matrix,
  b: Matrix | ArrayLike<number>,
): Matrix | Float64Array {
  assertSquare(l, "Triangular solve");
  const n = l.rows;
  const x = asColumns(b, n, "Triangular solve");
  const k = x.cols;
  for (let i = n - 1; i >= 0; i--) {
    const lii = l.data[i * n + i];
    for (let c = 0; c < k; c++) {
      let s = x.data[i * k + c];
      for (let j = i + 1; j < n; j++) s -= l.data[j * n + i] * x.data[j * k + c];
      x.data[i * k + c] = s / lii;
    }
  }
  return "data" in b ? x : x.data;
}

/**
 * Solves `A·x = b` given the Cholesky factor `L` of `A`.
 * @param l Cholesky factor of `A`.
 * @param b Vector of length n, or a matrix `[n, k]`.
 * @returns `x = A⁻¹·b`, of the shape of `b`.
 * @example
 * ```ts
 * import { cholesky, choleskySolve, fromRows } from "./matrix.ts";
 * const x = choleskySolve(cholesky(fromRows([[4, 2], [2, 5]])), [6, 7]); // [1, 1]
 * ```
 */
export function choleskySolve(l: Matrix, b: ArrayLike<number>): Float64Array;
export function choleskySolve(l: Matrix, b: Matrix): Matrix;
export function choleskySolve(l: Matrix, b: Matrix | ArrayLike<number>): Matrix | Float64Array {
  // Two branches only so that each call resolves to one overload.
  if ("data" in b) return solveLowerTransposed(l, solveLower(l, b));
  return solveLowerTransposed(l, solveLower(l, b));
}

/**
 * The inverse of `A` given its Cholesky factor.
 * @param l Cholesky factor of `A`.
 * @returns `A⁻¹`, symmetric.
 * @example
 * ```ts
 * import { cholesky, choleskyInverse, fromRows } from "./matrix.ts";
 * const inv = choleskyInverse(cholesky(fromRows([[4, 0], [0, 2]]))); // [[0.25, 0], [0, 0.5]]
 * ```
 */
export function choleskyInverse(l: Matrix): Matrix {
  return symmetrize(choleskySolve(l, identity(l.rows)));
}

/**
 * The inverse of a symmetric positive-definite matrix, via its Cholesky factor.
 * @param a Symmetric positive-definite matrix.
 * @returns `a⁻¹`.
 * @example
 * ```ts
 * import { fromRows, inverseSpd } from "./matrix.ts";
 * const inv = inverseSpd(fromRows([[2, 1], [1, 2]]));
 * ```
 */
export function inverseSpd(a: Matrix): Matrix {
  return choleskyInverse(cholesky(a));
}

/**
 * `log det A` from the Cholesky factor of `A`.
 * @param l Cholesky factor of `A`.
 * @returns `2·Σ log Lᵢᵢ`.
 * @example
 * ```ts
 * import { cholesky, fromRows, logDetCholesky } from "./matrix.ts";
 * const ld = logDetCholesky(cholesky(fromRows([[4, 0], [0, 9]]))); // log 36
 * ```
 */
export function logDetCholesky(l: Matrix): number {
  assertSquare(l, "Log-determinant");
  let s = 0;
  for (let i = 0; i < l.rows; i++) s += Math.log(l.data[i * l.rows + i]);
  return 2 * s;
}

/**
 * `log det A` of a symmetric positive-definite matrix.
 * @param a Symmetric positive-definite matrix.
 * @returns The log-determinant.
 * @example
 * ```ts
 * import { diagonal, logDetSpd } from "./matrix.ts";
 * const ld = logDetSpd(diagonal([2, 3])); // log 6
 * ```
 */
export function logDetSpd(a: Matrix): number {
  return logDetCholesky(cholesky(a));
}
