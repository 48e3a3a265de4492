/**
 * Orthogonal matrices and orthonormal bases in float64: a seeded random
 * rotation, Gram–Schmidt orthonormalisation of a set of columns, and the
 * Gram matrix of inner products.
 *
 * @module
 */
import { type Matrix, matrix } from "./matrix.ts";
import { Rng } from "../core/random.ts";

/**
 * A random `c × c` rotation (orthogonal matrix), by modified Gram–Schmidt
 * on a seeded Gaussian matrix, in float64.
 * @param c Size.
 * @param seed Seed.
 * @returns Row-major orthogonal matrix, as rows.
 * @example
 * ```ts
 * import { randomRotation } from "./orthogonal.ts";
 * const q = randomRotation(3, 1); // q · qᵀ = I
 * ```
 */
export function randomRotation(c: number, seed: number): number[][] {
  const rng = new Rng(seed);
  const cols: number[][] = [];
  for (let j = 0; j < c; j++) {
    let v = Array.from({ length: c }, () => rng.normal());
    for (let attempt = 0;; attempt++) {
      for (const q of cols) {
        const dot = q.reduce((s, qi, i) => s + qi * v[i], 0);
        v = v.map((vi, i) => vi - dot * q[i]);
      }
      const norm = Math.hypot(...v);
      if (norm > 1e-6 || attempt > 10) {
        cols.push(v.map((vi) => vi / norm));
        break;
      }
      v = Array.from({ length: c }, () => rng.normal());
    }
  }
  return Array.from({ length: c }, (_, i) => cols.map((col) => col[i]));
}

/**
 * Makes the columns of a tall matrix (given as separate arrays of one length)
 * orthonormal in place, by modified Gram–Schmidt applied twice ("twice is
 * enough"). A column that is (numerically) in the span of the previous ones
 * is replaced by a random direction orthogonal to them.
 * @param columns The columns, changed in place; at most as many as their length.
 * @param rng Source of the normal variates for replaced columns (e.g. an `Rng`).
 * @throws Error when a column cannot be made independent of the previous ones
 *   (more columns than their length).
 * @example
 * ```ts
 * import { Rng } from "../core/random.ts";
 * import { orthonormalizeColumns } from "./orthogonal.ts";
 * const cols = [Float64Array.from([3, 4]), Float64Array.from([1, 0])];
 * orthonormalizeColumns(cols, new Rng(0)); // [0.6, 0.8] and [0.8, −0.6]
 * ```
 */
export function orthonormalizeColumns(
  columns: Float64Array[],
  rng: { normal(): number },
): void {
  for (let c = 0; c < columns.length; c++) {
    const v = columns[c];
    let start = 0;
    for (const x of v) start += x * x;
    for (let attempt = 0;; attempt++) {
      for (let pass = 0; pass < 2; pass++) {
        for (let p = 0; p < c; p++) {
          const u = columns[p];
          let dot = 0;
          for (let i = 0; i < v.length; i++) dot += u[i] * v[i];
          for (let i = 0; i < v.length; i++) v[i] -= dot * u[i];
        }
      }
      let norm2 = 0;
      for (const x of v) norm2 += x * x;
      if (norm2 > 1e-20 * start && norm2 > 0) {
        const inv = 1 / Math.sqrt(norm2);
        for (let i = 0; i < v.length; i++) v[i] *= inv;
        break;
      }
      if (attempt === 5) {
        throw new Error(
          `Could not orthonormalize column ${c} of ${columns.length} (of length ${v.length})`,
        );
      }
      for (let i = 0; i < v.length; i++) v[i] = rng.normal();
      start = v.length;
    }
  }
}

/**
 * The Gram matrix `G[a][b] = ⟨columns[a], columns[b]⟩` (that is `ZᵀZ` for the
 * columns of Z), summed in float64 in index order.
 * @param columns Vectors of one length.
 * @returns The symmetric `[k, k]` matrix of inner products, k = `columns.length` ≥ 1.
 * @throws Error when the columns differ in length.
 * @example
 * ```ts
 * import { gramMatrix } from "./orthogonal.ts";
 * gramMatrix([[1, 2], [3, 4]]).data; // Float64Array [5, 11, 11, 25]
 * ```
 */
export function gramMatrix(columns: ArrayLike<number>[]): Matrix {
  const k = columns.length;
  const len = columns[0]?.length ?? 0;
  columns.forEach((col, a) => {
    if (col.length !== len) {
      throw new Error(`Gram matrix needs columns of one length ${len}, got ${col.length} in ${a}`);
    }
  });
  const gram = matrix(k, k);
  for (let a = 0; a < k; a++) {
    for (let b = a; b < k; b++) {
      let s = 0;
      const za = columns[a], zb = columns[b];
      for (let j = 0; j < len; j++) s += za[j] * zb[j];
      gram.data[a * k + b] = s;
      gram.data[b * k + a] = s;
    }
  }
  return gram;
}
