/**
 * Column-wise standardization `(v − mean) / std` of row-major data, so that
 * the networks of the inverse-problem applications see parameters and
 * observations of unit scale whatever the problem's units.
 *
 * @module
 */

/** A per-column affine map to zero mean and unit standard deviation. */
export class Standardizer {
  /** Column means. */
  readonly mean: Float64Array;
  /** Column standard deviations (> 0). */
  readonly std: Float64Array;

  /**
   * @param mean Column means.
   * @param std Column standard deviations, all positive.
   * @throws Error when the lengths differ or a std is not positive.
   * @example
   * ```ts
   * import { Standardizer } from "./standardizer.ts";
   * const s = new Standardizer([1, 2], [2, 4]);
   * s.apply([3, 6]); // Float32Array [1, 1]
   * ```
   */
  constructor(mean: ArrayLike<number>, std: ArrayLike<number>) {
    if (mean.length !== std.length || mean.length === 0) {
      throw new Error(
        `Standardizer needs as many stds as means, got ${std.length} and ${mean.length}`,
      );
    }
    this.mean = Float64Array.from(mean);
    this.std = Float64Array.from(std);
    if (!this.std.every((s) => s > 0 && Number.isFinite(s)) || !this.mean.every(Number.isFinite)) {
      throw new Error(`Standardizer needs finite means and positive stds, got [${this.std}]`);
    }
  }

  /** Number of columns. */
  get dims(): number {
    return this.mean.length;
  }

  /**
   * Fits the column means and standard deviations of row-major data.
   * @param rows Row-major `[n × dims]`, n ≥ 2.
   * @param dims Columns.
   * @returns The standardizer (a constant column gets std 1).
   * @example
   * ```ts
   * import { Standardizer } from "./standardizer.ts";
   * Standardizer.fit([0, 10, 2, 10], 2).mean; // [1, 10]
   * ```
   */
  static fit(rows: ArrayLike<number>, dims: number): Standardizer {
    const n = rows.length / dims;
    if (!Number.isInteger(n) || n < 2) {
      throw new Error(
        `Standardizer.fit needs at least 2 rows of ${dims} values, got ${rows.length}`,
      );
    }
    const mean = new Float64Array(dims), sq = new Float64Array(dims);
    for (let i = 0; i < n; i++) for (let j = 0; j < dims; j++) mean[j] += rows[i * dims + j] / n;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < dims; j++) sq[j] += (rows[i * dims + j] - mean[j]) ** 2;
    }
    return new Standardizer(mean, sq.map((s) => Math.sqrt(s / (n - 1)) || 1));
  }

  /**
   * Standardizes rows.
   * @param rows Row-major `[n × dims]`.
   * @returns `(v − mean) / std`, as float32 for the networks.
   */
  apply(rows: ArrayLike<number>): Float32Array {
    const d = this.dims;
    this.#check(rows.length);
    return Float32Array.from(rows, (v, i) => (v - this.mean[i % d]) / this.std[i % d]);
  }

  /**
   * Maps standardized rows back to the original units.
   * @param rows Row-major `[n × dims]` standardized values.
   * @returns `v · std + mean`.
   */
  invert(rows: ArrayLike<number>): Float32Array {
    const d = this.dims;
    this.#check(rows.length);
    return Float32Array.from(rows, (v, i) => v * this.std[i % d] + this.mean[i % d]);
  }

  /**
   * `log |det|` of the Jacobian of {@link apply} (the same for every row): `−Σ log std_j`.
   * A log-density of the standardized values plus this is the log-density in the original
   * units.
   * @example
   * ```ts
   * import { Standardizer } from "./standardizer.ts";
   * new Standardizer([0, 0], [2, 4]).logAbsDet; // −log 8
   * ```
   */
  get logAbsDet(): number {
    let sum = 0;
    for (const s of this.std) sum -= Math.log(s);
    return sum;
  }

  /** JSON form: means and stds as plain arrays. */
  toJSON(): { mean: number[]; std: number[] } {
    return { mean: Array.from(this.mean), std: Array.from(this.std) };
  }

  #check(length: number): void {
    if (length % this.dims !== 0) {
      throw new Error(`Expected rows of ${this.dims} values, got ${length} values in all`);
    }
  }
}
