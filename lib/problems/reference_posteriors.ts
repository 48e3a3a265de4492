/**
 * The reference posteriors the problems draw theirs from: the exact Gaussian
 * posterior of a linear-Gaussian model, and, for problems without a closed
 * form, adaptive random-walk Metropolis chains from given starting points,
 * thinned evenly to the number of samples asked for, with the convergence
 * diagnostics (split-R̂, ESS, acceptance) reported.
 *
 * @module
 */
import { sampleCovariance, sampleMean } from "../linalg/covariance.ts";
import { sampleMcmc } from "../inference/mcmc.ts";
import type { ReferencePosterior } from "./problem.ts";
import type { LinearGaussian } from "../inference/linear_gaussian.ts";

/** What {@link mcmcReferencePosterior} runs. */
export interface McmcReferenceOptions {
  /** Unnormalised log-posterior of one parameter vector. */
  logPosterior: (x: ArrayLike<number>) => number;
  /** One starting point per chain. */
  init: number[][];
  /** Warm-up iterations per chain. */
  warmup: number;
  /** Kept draws per chain. */
  draws: number;
  /** Seed of the chains. */
  seed: number;
  /** Samples to return (thinned evenly from all chains). */
  n: number;
}

/**
 * Runs the chains and returns the thinned samples with their moments and diagnostics.
 * @param options Target, starting points, lengths, seed and sample count.
 * @returns The reference posterior (`exact: false`).
 * @example
 * ```ts
 * import { mcmcReferencePosterior } from "./reference_posteriors.ts";
 * const r = mcmcReferencePosterior({
 *   logPosterior: (x) => -0.5 * (x[0] ** 2 + x[1] ** 2),
 *   init: [[0, 0], [1, -1]],
 *   warmup: 500,
 *   draws: 1000,
 *   seed: 1,
 *   n: 500,
 * });
 * console.log(r.samples.length, r.diagnostics.max_rhat); // 1000, ≈ 1
 * ```
 */
export function mcmcReferencePosterior(options: McmcReferenceOptions): ReferencePosterior {
  const { init, warmup, draws, n } = options;
  const chains = init.length;
  const dim = init[0].length;
  const run = sampleMcmc({
    kernel: "rwm",
    logDensity: options.logPosterior,
    init,
    chains,
    warmup,
    draws,
    seed: options.seed,
  });
  const total = chains * draws;
  const samples = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(i * total / n);
    samples.set(run.samples[k % chains][Math.floor(k / chains)], i * dim);
  }
  const d = run.diagnostics;
  return {
    method: "mcmc (random-walk Metropolis)",
    samples,
    mean: sampleMean(samples, dim),
    cov: sampleCovariance(samples, dim),
    exact: false,
    diagnostics: {
      chains,
      warmup,
      draws_per_chain: draws,
      rhat: Array.from(d.rhat),
      ess: Array.from(d.ess),
      max_rhat: Math.max(...d.rhat),
      min_ess: Math.min(...d.ess),
      acceptance_rate: Array.from(d.acceptanceRate),
      seconds: d.seconds,
    },
  };
}

/**
 * The exact posterior of a linear-Gaussian model given `y`, as a reference.
 * @param model The model.
 * @param y The observation.
 * @param n Samples to draw.
 * @param seed Their seed.
 * @returns The reference posterior (`exact: true`).
 * @example
 * ```ts
 * import { LinearGaussian } from "../inference/linear_gaussian.ts";
 * import { diagonal, identity } from "../linalg/matrix.ts";
 * import { linearGaussianReference } from "./reference_posteriors.ts";
 * const model = new LinearGaussian({
 *   forward: identity(2), noiseCov: diagonal([1, 1]), priorMean: [0, 0], priorCov: identity(2),
 * });
 * linearGaussianReference(model, [2, 0], 100, 1).mean; // [1, 0]
 * ```
 */
export function linearGaussianReference(
  model: LinearGaussian,
  y: ArrayLike<number>,
  n: number,
  seed: number,
): ReferencePosterior {
  const post = model.posterior(y);
  return {
    method: "analytic",
    samples: post.sample(n, { seed }),
    mean: post.mean,
    cov: post.cov,
    exact: true,
    diagnostics: {},
  };
}
