/**
 * A multivariate normal distribution in float64: exact sampling and
 * log-density through the Cholesky factor of its covariance. It is the
 * reference posterior of linear-Gaussian problems and the test target of the
 * samplers.
 *
 * @module
 */
import { cholesky, fromRows, logDetCholesky, type Matrix, solveLower } from "../linalg/matrix.ts";
import { rngFrom, type SeedOptions } from "./seeding.ts";

const LOG_2PI = Math.log(2 * Math.PI);

/** N(mean, cov) with a dense covariance. */
export class MultivariateNormal {
  /** Dimension. */
  readonly dims: number;
  /** Mean vector. */
  readonly mean: Float64Array;
  /** Covariance `[dims, dims]`. */
  readonly cov: Matrix;
  /** Lower-triangular Cholesky factor of `cov`. */
  readonly scaleTril: Matrix;
  readonly #logNorm: number;

  /**
   * @param mean Mean vector.
   * @param cov Symmetric positive-definite covariance, as a matrix or as rows.
   * @throws Error when the shapes disagree or `cov` is not positive definite.
   * @example
   * ```ts
   * import { MultivariateNormal } from "./gaussian.ts";
   * const mvn = new MultivariateNormal([0, 0], [[1, 0.8], [0.8, 1]]);
   * const xs = mvn.sample(1000, { seed: 1 }); // row-major [1000, 2]
   * ```
   */
  constructor(mean: ArrayLike<number>, cov: Matrix | ArrayLike<number>[]) {
    const c = "data" in cov ? cov : fromRows(cov);
    if (c.rows !== mean.length || c.cols !== mean.length) {
      throw new Error(
        `Covariance must be ${mean.length}×${mean.length} to match the mean, got ${c.rows}×${c.cols}`,
      );
    }
    this.dims = mean.length;
    this.mean = Float64Array.from(mean);
    this.cov = c;
    this.scaleTril = cholesky(c);
    this.#logNorm = -0.5 * (this.dims * LOG_2PI + logDetCholesky(this.scaleTril));
  }

  /**
   * Draws independent samples `mean + L·z`, `z ~ N(0, I)`.
   * @param n Number of samples.
   * @param options `seed` or `rng`.
   * @returns Row-major `[n, dims]`.
   * @example
   * ```ts
   * import { MultivariateNormal } from "./gaussian.ts";
   * const xs = new MultivariateNormal([1], [[4]]).sample(3, { seed: 7 });
   * ```
   */
  sample(n: number, options: SeedOptions = {}): Float64Array {
    if (!Number.isInteger(n) || n < 0) {
      throw new Error(`Sample count must be a non-negative integer, got ${n}`);
    }
    const rng = rngFrom(options);
    const d = this.dims;
    const l = this.scaleTril.data;
    const out = new Float64Array(n * d);
    const z = new Float64Array(d);
    for (let s = 0; s < n; s++) {
      for (let i = 0; i < d; i++) z[i] = rng.normal();
      for (let i = 0; i < d; i++) {
        let v = this.mean[i];
        for (let j = 0; j <= i; j++) v += l[i * d + j] * z[j];
        out[s * d + i] = v;
      }
    }
    return out;
  }

  /**
   * The log-density at one point.
   * @param x A point of length `dims`.
   * @returns `log N(x; mean, cov)` in nats.
   * @example
   * ```ts
   * import { MultivariateNormal } from "./gaussian.ts";
   * const lp = new MultivariateNormal([0], [[1]]).logDensity([0]); // -0.9189…
   * ```
   */
  logDensity(x: ArrayLike<number>): number {
    if (x.length !== this.dims) {
      throw new Error(`Point must have ${this.dims} coordinates, got ${x.length}`);
    }
    const diff = new Float64Array(this.dims);
    for (let i = 0; i < this.dims; i++) diff[i] = x[i] - this.mean[i];
    const w = solveLower(this.scaleTril, diff);
    let q = 0;
    for (let i = 0; i < this.dims; i++) q += w[i] * w[i];
    return this.#logNorm - 0.5 * q;
  }
}
