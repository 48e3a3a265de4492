/**
 * Eigen-decomposition of small symmetric matrices by cyclic Jacobi rotations
 * (float64), for condition numbers of design matrices and the principal axes
 * of posterior covariances. Accurate to rounding for the few-by-few matrices
 * of the inverse-problem applications; not meant for large ones.
 *
 * @module
 */
import { matMul, type Matrix, matrix, transpose } from "./matrix.ts";

/** Eigenvalues (descending) and unit eigenvectors of a symmetric matrix. */
export interface SymmetricEigen {
  /** Eigenvalues, largest first. */
  values: Float64Array;
  /** Eigenvectors as columns, in the order of `values`. */
  vectors: Matrix;
}

/**
 * Eigenvalues and eigenvectors of a symmetric matrix.
 * @param a A symmetric matrix (only symmetric input gives meaningful output).
 * @returns Eigenvalues in descending order and the matching eigenvectors as columns.
 * @throws Error when `a` is not square or holds a non-finite value.
 * @example
 * ```ts
 * import { fromRows } from "./matrix.ts";
 * import { symmetricEigen } from "./symmetric_eigen.ts";
 * symmetricEigen(fromRows([[2, 1], [1, 2]])).values; // [3, 1]
 * ```
 */
export function symmetricEigen(a: Matrix): SymmetricEigen {
  const n = a.rows;
  if (a.cols !== n) {
    throw new Error(`Eigen-decomposition needs a square matrix, got ${n}×${a.cols}`);
  }
  if (!a.data.every(Number.isFinite)) throw new Error("Eigen-decomposition of a non-finite matrix");
  const m = Float64Array.from(a.data);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (const x of m) scale = Math.max(scale, Math.abs(x));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off <= (1e-30 * scale) ** 2 || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (apq === 0) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const kp = m[k * n + p], kq = m[k * n + q];
          m[k * n + p] = c * kp - s * kq;
          m[k * n + q] = s * kp + c * kq;
        }
        for (let k = 0; k < n; k++) {
          const pk = m[p * n + k], qk = m[q * n + k];
          m[p * n + k] = c * pk - s * qk;
          m[q * n + k] = s * pk + c * qk;
        }
        for (let k = 0; k < n; k++) {
          const kp = v[k * n + p], kq = v[k * n + q];
          v[k * n + p] = c * kp - s * kq;
          v[k * n + q] = s * kp + c * kq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[j * n + j] - m[i * n + i]);
  const values = Float64Array.from(order, (i) => m[i * n + i]);
  const vectors = matrix(n, n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors.data[k * n + dst] = v[k * n + src];
  });
  return { values, vectors };
}

/**
 * Singular values of a matrix (square roots of the eigenvalues of `AᵀA`), largest first.
 * @param a Any matrix.
 * @returns One value per column, largest first (the trailing ones are 0 when `rows < cols`).
 * @example
 * ```ts
 * import { fromRows } from "./matrix.ts";
 * import { singularValues } from "./symmetric_eigen.ts";
 * singularValues(fromRows([[3, 0], [0, 4]])); // [4, 3]
 * ```
 */
export function singularValues(a: Matrix): Float64Array {
  return symmetricEigen(matMul(transpose(a), a)).values.map((l) => Math.sqrt(Math.max(0, l)));
}

/**
 * The 2-norm condition number `σ_max / σ_min` of a matrix with at least as many rows as columns.
 * Computed from `AᵀA`, so values beyond about 1e7 lose accuracy.
 * @param a The matrix.
 * @returns The condition number (Infinity when rank-deficient).
 * @example
 * ```ts
 * import { fromRows } from "./matrix.ts";
 * import { conditionNumber } from "./symmetric_eigen.ts";
 * conditionNumber(fromRows([[1, 0], [0, 0.01]])); // 100
 * ```
 */
export function conditionNumber(a: Matrix): number {
  const s = singularValues(a);
  const min = s[s.length - 1];
  return min > 0 ? s[0] / min : Infinity;
}
