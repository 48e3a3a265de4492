/**
 * Re-simulation error (Kruse et al. 2021): how well posterior samples
 * explain the observation when pushed back through the forward model,
 * `‖f(x) − y*‖` over the samples. Exact inverses of a noise-free model give
 * 0; for noisy problems it is compared with the noise level.
 *
 * @module
 */
import { validatePoints } from "../data/validate_points.ts";
import { euclidean } from "./rejection.ts";

/** Options of {@link resimulationError}. */
export interface ResimulationOptions {
  /** Number of columns of the samples (parameters). */
  dims: number;
  /** The forward model f(x) of one sample. */
  forward: (x: Float64Array) => ArrayLike<number>;
  /** The observation y*. */
  observed: ArrayLike<number>;
}

/** Distances between re-simulations and the observation. */
export interface ResimulationResult {
  /** Mean of `‖f(xᵢ) − y*‖`. */
  mean: number;
  /** Median of `‖f(xᵢ) − y*‖`. */
  median: number;
  /** Mean of `‖f(xᵢ) − y*‖²`. */
  meanSquared: number;
  /** `‖f(xᵢ) − y*‖` of each sample, in sample order. */
  distances: Float64Array;
}

/**
 * The re-simulation error of posterior samples.
 * @param samples Posterior samples, row-major `[n, dims]`.
 * @param options `dims`, the forward model and the observation.
 * @returns Mean, median and mean-square distance, and each distance.
 * @throws Error on malformed samples, or a forward output whose length differs from y*.
 * @example
 * ```ts
 * import { resimulationError } from "./resimulation.ts";
 * const r = resimulationError(new Float64Array([1, 2, 1, 3]), {
 *   dims: 2,
 *   forward: (x) => [x[0] + x[1]],
 *   observed: [3],
 * });
 * console.log(r.mean, r.median); // 0.5 0.5
 * ```
 */
export function resimulationError(
  samples: ArrayLike<number>,
  options: ResimulationOptions,
): ResimulationResult {
  const { dims, forward, observed } = options;
  validatePoints(samples, dims, "the posterior samples");
  const n = samples.length / dims;
  const distances = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = new Float64Array(dims);
    for (let j = 0; j < dims; j++) x[j] = samples[i * dims + j];
    const f = forward(x);
    if (f.length !== observed.length) {
      throw new Error(
        `Forward model output must have ${observed.length} entries like y*, got ${f.length}`,
      );
    }
    distances[i] = euclidean(f, observed);
  }
  const sorted = Float64Array.from(distances).sort();
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
  let sum = 0, sumSq = 0;
  for (const d of distances) {
    sum += d;
    sumSq += d * d;
  }
  return { mean: sum / n, median, meanSquared: sumSq / n, distances };
}
