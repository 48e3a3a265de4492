/**
 * Sample moments of row-major point sets, and the flattening of MCMC output
 * `[chains][draws][dims]` into one such set.
 *
 * @module
 */
import { validatePoints } from "../data/validate_points.ts";
import { type Matrix, matrix } from "../linalg/matrix.ts";

/**
 * The mean of each column.
 * @param points Row-major `[n, dims]`.
 * @param dims Number of columns.
 * @returns Column means, length `dims`.
 * @example
 * ```ts
 * import { sampleMean } from "./moments.ts";
 * console.log(sampleMean([1, 2, 3, 4], 2)); // [2, 3]
 * ```
 */
export function sampleMean(points: ArrayLike<number>, dims: number): Float64Array {
  validatePoints(points, dims, "the sample");
  const n = points.length / dims;
  const mean = new Float64Array(dims);
  for (let i = 0; i < n; i++) for (let j = 0; j < dims; j++) mean[j] += points[i * dims + j];
  for (let j = 0; j < dims; j++) mean[j] /= n;
  return mean;
}

/**
 * The unbiased sample covariance (denominator n − 1).
 * @param points Row-major `[n, dims]`, n ≥ 2.
 * @param dims Number of columns.
 * @returns `[dims, dims]` covariance.
 * @example
 * ```ts
 * import { sampleCovariance } from "./moments.ts";
 * const cov = sampleCovariance([0, 0, 1, 2, 2, 4], 2); // [[1, 2], [2, 4]]
 * ```
 */
export function sampleCovariance(points: ArrayLike<number>, dims: number): Matrix {
  const mean = sampleMean(points, dims);
  const n = points.length / dims;
  if (n < 2) throw new Error(`Sample covariance needs at least 2 points, got ${n}`);
  const cov = matrix(dims, dims);
  const d = new Float64Array(dims);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dims; j++) d[j] = points[i * dims + j] - mean[j];
    for (let j = 0; j < dims; j++) {
      for (let k = 0; k <= j; k++) cov.data[j * dims + k] += d[j] * d[k];
    }
  }
  for (let j = 0; j < dims; j++) {
    for (let k = 0; k <= j; k++) {
      const v = cov.data[j * dims + k] / (n - 1);
      cov.data[j * dims + k] = v;
      cov.data[k * dims + j] = v;
    }
  }
  return cov;
}

/**
 * Concatenates the draws of all chains into one row-major array.
 * @param samples MCMC output `[chains][draws][dims]`.
 * @returns Row-major `[chains·draws, dims]`, chain by chain.
 * @example
 * ```ts
 * import { flattenChains } from "./moments.ts";
 * const flat = flattenChains([[new Float64Array([1, 2])], [new Float64Array([3, 4])]]);
 * console.log(flat); // [1, 2, 3, 4]
 * ```
 */
export function flattenChains(samples: ArrayLike<number>[][]): Float64Array {
  const dims = samples[0]?.[0]?.length ?? 0;
  const total = samples.reduce((s, chain) => s + chain.length, 0);
  const out = new Float64Array(total * dims);
  let k = 0;
  for (const chain of samples) {
    for (const draw of chain) {
      if (draw.length !== dims) {
        throw new Error(`Every draw must have ${dims} coordinates, got ${draw.length}`);
      }
      for (let j = 0; j < dims; j++) out[k++] = draw[j];
    }
  }
  return out;
}
