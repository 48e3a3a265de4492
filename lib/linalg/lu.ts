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
