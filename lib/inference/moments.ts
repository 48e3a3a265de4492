/**
 * The flattening of MCMC output `[chains][draws][dims]` into one row-major
 * point set, for the sample moments of `lib/linalg/covariance.ts`.
 *
 * @module
 */

/**
 * Concatenates the draws of all chains into one row-major array.
 * @param samples MCMC output `[chains][draws][dims]`.
 * @returns Row-major `[chains·draws, dims]`, chain by chain.
 * @example
 * ```ts
 * import { sampleMean } from "../linalg/covariance.ts";
 * import { flattenChains } from "./moments.ts";
 * const flat = flattenChains([[new Float64Array([1, 2])], [new Float64Array([3, 4])]]);
 * console.log(flat, sampleMean(flat, 2)); // [1, 2, 3, 4] [2, 3]
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
