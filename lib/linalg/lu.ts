/**
 * LU decomposition with partial pivoting of small dense matrices given as
 * rows, in float64 (used for the LU parametrisation of Glow's invertible
 * 1×1 convolution).
 *
 * @module
 */

/** LU factors `a = P · L · U`. */
export interface LuFactors {
  /** `P[permutation[i]][i] = 1`: row i of `L·U` is row `permutation[i]` of `a`. */
  permutation: number[];
  /** Unit lower-triangular factor (row-major, diagonal 1). */
  lower: number[][];
  /** Upper-triangular factor including its diagonal. */
  upper: number[][];
}

/**
 * LU decomposition with partial pivoting, `a = P · L · U`, in float64.
 * @param a Square matrix, as rows.
 * @returns The factors.
 * @throws Error when `a` is singular.
 * @example
 * ```ts
 * import { luDecompose } from "./lu.ts";
 * const { permutation, lower, upper } = luDecompose([[0, 1], [2, 3]]);
 * console.log(permutation, lower, upper); // [1, 0] [[1, 0], [0, 1]] [[2, 3], [0, 1]]
 * ```
 */
export function luDecompose(a: number[][]): LuFactors {
  const c = a.length;
  const u = a.map((r) => [...r]);
  const lower = Array.from(
    { length: c },
    (_, i) => Array.from({ length: c }, (_, j) => +(i === j)),
  );
  const rows = Array.from({ length: c }, (_, i) => i); // row i of L·U is row rows[i] of a
  for (let k = 0; k < c; k++) {
    let p = k;
    for (let i = k + 1; i < c; i++) if (Math.abs(u[i][k]) > Math.abs(u[p][k])) p = i;
    if (u[p][k] === 0) throw new Error("luDecompose: the matrix is singular");
    [u[k], u[p]] = [u[p], u[k]];
    [rows[k], rows[p]] = [rows[p], rows[k]];
    for (let j = 0; j < k; j++) [lower[k][j], lower[p][j]] = [lower[p][j], lower[k][j]];
    for (let i = k + 1; i < c; i++) {
      const f = u[i][k] / u[k][k];
      lower[i][k] = f;
      for (let j = k; j < c; j++) u[i][j] -= f * u[k][j];
    }
  }
  return { permutation: rows, lower, upper: u };
}

/**
 * The inverse of a square matrix and `log |det|`, through {@link luDecompose} (float64).
 * @param a Square matrix, as rows.
 * @returns `inverse` (rows) and `logAbsDet = Σ log |U_ii|`.
 * @throws Error when `a` is not square, holds a non-finite entry, or is singular.
 * @example
 * ```ts
 * import { invertMatrix } from "./lu.ts";
 * const { inverse, logAbsDet } = invertMatrix([[0, 2], [1, 1]]);
 * console.log(inverse, Math.exp(logAbsDet)); // [[-0.5, 1], [0.5, 0]] 2
 * ```
 */
export function invertMatrix(a: number[][]): { inverse: number[][]; logAbsDet: number } {
  const c = a.length;
  if (c < 1 || a.some((row) => row.length !== c)) {
    throw new Error(
      `invertMatrix needs a non-empty square matrix, got ${c} rows of lengths [${
        a.map((r) => r.length)
      }]`,
    );
  }
  if (a.some((row) => row.some((v) => !Number.isFinite(v)))) {
    throw new Error("invertMatrix: the matrix holds a non-finite entry");
  }
  const { permutation, lower, upper } = luDecompose(a);
  const inverse = Array.from({ length: c }, () => new Array<number>(c).fill(0));
  const x = new Float64Array(c);
  for (let col = 0; col < c; col++) {
    // Solve L·U·x = Pᵀ·e_col: row i of L·U is row permutation[i] of a.
    for (let i = 0; i < c; i++) {
      let s = permutation[i] === col ? 1 : 0;
      for (let k = 0; k < i; k++) s -= lower[i][k] * x[k];
      x[i] = s;
    }
    for (let i = c - 1; i >= 0; i--) {
      let s = x[i];
      for (let k = i + 1; k < c; k++) s -= upper[i][k] * x[k];
      x[i] = s / upper[i][i];
    }
    for (let i = 0; i < c; i++) inverse[i][col] = x[i];
  }
  let logAbsDet = 0;
  for (let i = 0; i < c; i++) logAbsDet += Math.log(Math.abs(upper[i][i]));
  return { inverse, logAbsDet };
}
