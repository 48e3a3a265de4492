/**
 * How application 7 compares posteriors: per-node mean and standard deviation of samples,
 * and, against the MCMC reference, the RMS difference of the mean and std maps in units of
 * the prior's standard deviation and the correlation of the std maps.
 *
 * @module
 */
import { sampleMoments } from "../../lib/inn/posterior.ts";

/** Per-node mean and standard deviation of a posterior's samples. */
export interface PosteriorSummary {
  /** Mean of each node. */
  mean: Float64Array;
  /** Standard deviation of each node. */
  std: Float64Array;
}

/**
 * Mean and standard deviation of each column of row-major samples.
 * @param samples Row-major `n × dims`.
 * @param dims Columns.
 * @returns Per-column mean and std (population).
 * @example
 * ```ts
 * import { summarize } from "./compare.ts";
 * summarize([1, 10, 3, 30], 2); // mean [2, 20], std [1, 10]
 * ```
 */
export function summarize(samples: ArrayLike<number>, dims: number): PosteriorSummary {
  if (samples.length < 2 * dims) {
    throw new RangeError(`Need at least 2 rows of ${dims} values, got ${samples.length} values`);
  }
  return sampleMoments(samples, dims);
}

/** A method's maps against the reference's. */
export interface ReferenceComparison {
  /** RMS over nodes of the difference of mean maps, in prior standard deviations. */
  meanRmsPriorStd: number;
  /** RMS over nodes of the difference of std maps, in prior standard deviations. */
  stdRmsPriorStd: number;
  /** Pearson correlation of the std maps over nodes. */
  stdCorrelation: number;
  /** Pearson correlation of the mean maps over nodes. */
  meanCorrelation: number;
}

function rms(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += (a[k] - b[k]) ** 2;
  return Math.sqrt(s / a.length);
}

/**
 * Pearson correlation of two equally long series (NaN when either is constant).
 * @param a First series.
 * @param b Second series.
 * @returns The correlation in [−1, 1].
 * @example
 * ```ts
 * import { correlation } from "./compare.ts";
 * correlation([1, 2, 3], [2, 4, 7]); // ≈ 0.99
 * ```
 */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let k = 0; k < n; k++) ma += a[k] / n, mb += b[k] / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let k = 0; k < n; k++) {
    sab += (a[k] - ma) * (b[k] - mb), saa += (a[k] - ma) ** 2, sbb += (b[k] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

/**
 * A method's mean and std maps against the reference's.
 * @param method The method's summary.
 * @param reference The reference's summary.
 * @param priorStd The prior's standard deviation per node.
 * @returns RMS differences (in prior stds) and correlations.
 * @example
 * ```ts
 * import { compareWithReference } from "./compare.ts";
 * const r = { mean: Float64Array.of(1, 2), std: Float64Array.of(0.1, 0.3) };
 * compareWithReference(r, r, 0.7).meanRmsPriorStd; // 0
 * ```
 */
export function compareWithReference(
  method: PosteriorSummary,
  reference: PosteriorSummary,
  priorStd: number,
): ReferenceComparison {
  return {
    meanRmsPriorStd: rms(method.mean, reference.mean) / priorStd,
    stdRmsPriorStd: rms(method.std, reference.std) / priorStd,
    stdCorrelation: correlation(method.std, reference.std),
    meanCorrelation: correlation(method.mean, reference.mean),
  };
}
