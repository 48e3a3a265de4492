/**
 * The inverse problem the INN applications (4–7) are built around: a prior
 * over parameters `x`, a forward model `f(x)`, optional additive Gaussian
 * noise on the observations `y = f(x) + σ·ε`, and optionally a reference
 * posterior `p(x | y*)` (analytic, MCMC or rejection sampling) to measure
 * the learned posteriors against.
 *
 * Everything here is plain float64 JavaScript: problems know nothing about
 * networks, and the networks ({@link ../../apps/inverse/inn_app.ts}) know problems only through
 * this interface.
 *
 * @module
 */
import type { Matrix } from "../linalg/matrix.ts";
import { Rng } from "../core/random.ts";

/** A reference posterior for one observation. */
export interface ReferencePosterior {
  /** How it was obtained, e.g. `"analytic"` or `"mcmc (rwm)"`. */
  method: string;
  /** Samples, row-major `[n × dimX]`. */
  samples: Float64Array;
  /** Posterior mean (exact when analytic, else the sample mean). */
  mean: Float64Array;
  /** Posterior covariance (exact when analytic, else the sample covariance). */
  cov: Matrix;
  /** Whether `mean` and `cov` are exact. */
  exact: boolean;
  /** Sampler diagnostics (e.g. R-hat, ESS), JSON-serialisable. */
  diagnostics: Record<string, unknown>;
}

/** A Bayesian inverse problem: prior, forward model, noise, reference posterior. */
export interface InverseProblem {
  /** Short name, e.g. `"linear"`. */
  readonly name: string;
  /** One line for logs and figure titles. */
  readonly description: string;
  /** Number of parameters. */
  readonly dimX: number;
  /** Number of observations. */
  readonly dimY: number;
  /** Display names of the parameters (length `dimX`). */
  readonly paramNames: readonly string[];
  /**
   * Where each observation is taken (e.g. times), for plots of the forward-model fit;
   * absent: observations are plotted against their index.
   */
  readonly observationGrid?: { label: string; values: readonly number[] };
  /** Standard deviation of the i.i.d. Gaussian noise on each observation; 0 or absent: none. */
  readonly noise?: number;
  /**
   * Draws parameters from the prior.
   * @param n Number of draws.
   * @param rng Random stream.
   * @returns Row-major `[n × dimX]`.
   */
  priorSample(n: number, rng: Rng): Float64Array;
  /**
   * The noise-free forward model of one parameter vector.
   * @param x Parameters, length `dimX`.
   * @returns Predicted observations, length `dimY`.
   */
  forward(x: ArrayLike<number>): Float64Array;
  /**
   * A reference posterior for an observation.
   * @param y The observation, length `dimY`.
   * @param n Number of samples.
   * @param seed Seed of its randomness.
   * @returns Samples, mean, covariance and diagnostics.
   */
  referencePosterior?(
    y: ArrayLike<number>,
    n: number,
    seed: number,
  ): ReferencePosterior | Promise<ReferencePosterior>;
}

/** Simulated pairs of an {@link InverseProblem}, row-major. */
export interface SimulatedPairs {
  /** Parameters `[n × dimX]`. */
  x: Float64Array;
  /** Standardized noise draws `ε ~ N(0, I)` `[n × dimY]` (zeros for a noise-free problem). */
  eps: Float64Array;
  /** Observations `y = f(x) + σ·ε` `[n × dimY]`. */
  y: Float64Array;
}

/**
 * Forward model of many parameter vectors.
 * @param problem The problem.
 * @param x Row-major `[n × dimX]`.
 * @returns Row-major `[n × dimY]`, noise-free.
 * @example
 * ```ts
 * import { LinearIllConditioned } from "./linear_ill_conditioned.ts";
 * import { forwardRows } from "./problem.ts";
 * const p = new LinearIllConditioned();
 * forwardRows(p, new Float64Array(6)); // two zero parameter vectors → zero observations
 * ```
 */
export function forwardRows(problem: InverseProblem, x: ArrayLike<number>): Float64Array {
  const { dimX, dimY } = problem;
  const n = x.length / dimX;
  if (!Number.isInteger(n)) {
    throw new Error(`Parameters must be rows of dimX=${dimX} values, got ${x.length} values`);
  }
  const out = new Float64Array(n * dimY);
  const row = new Float64Array(dimX);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dimX; j++) row[j] = x[i * dimX + j];
    const f = problem.forward(row);
    if (f.length !== dimY) {
      throw new Error(`The forward model must give dimY=${dimY} values, got ${f.length}`);
    }
    out.set(f, i * dimY);
  }
  return out;
}

/**
 * Draws `n` pairs from the prior predictive: `x ~ prior`, `ε ~ N(0, I)`, `y = f(x) + σ·ε`.
 * @param problem The problem.
 * @param n Number of pairs.
 * @param seed Seed of the prior and noise draws.
 * @returns Parameters, noise draws and observations.
 * @example
 * ```ts
 * import { LinearIllConditioned } from "./linear_ill_conditioned.ts";
 * import { simulatePairs } from "./problem.ts";
 * const { x, y } = simulatePairs(new LinearIllConditioned(), 100, 1);
 * console.log(x.length, y.length); // 300 600
 * ```
 */
export function simulatePairs(problem: InverseProblem, n: number, seed: number): SimulatedPairs {
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`Number of simulated pairs must be a positive integer, got ${n}`);
  }
  const rng = new Rng(seed);
  const x = problem.priorSample(n, rng);
  if (x.length !== n * problem.dimX) {
    throw new Error(
      `The prior sampler must give ${n}×${problem.dimX} values, got ${x.length}`,
    );
  }
  const sigma = problem.noise ?? 0;
  const y = forwardRows(problem, x);
  const eps = new Float64Array(y.length);
  if (sigma > 0) {
    for (let i = 0; i < y.length; i++) {
      eps[i] = rng.normal();
      y[i] += sigma * eps[i];
    }
  }
  return { x, eps, y };
}

/**
 * The Gaussian log-likelihood `log N(y; f(x), σ² I)` of a noisy problem.
 * @param problem The problem (its `noise` must be positive).
 * @param x Parameters, length `dimX`.
 * @param y The observation, length `dimY`.
 * @returns The log-likelihood in nats.
 * @throws Error when the problem has no noise.
 * @example
 * ```ts
 * import { LinearIllConditioned } from "./linear_ill_conditioned.ts";
 * import { gaussianLogLikelihood } from "./problem.ts";
 * const p = new LinearIllConditioned();
 * gaussianLogLikelihood(p, [0, 0, 0], p.forward([0, 0, 0])); // the peak value
 * ```
 */
export function gaussianLogLikelihood(
  problem: InverseProblem,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
): number {
  const sigma = problem.noise ?? 0;
  if (!(sigma > 0)) throw new Error(`A Gaussian likelihood needs noise > 0, got ${sigma}`);
  const f = problem.forward(x);
  let q = 0;
  for (let i = 0; i < f.length; i++) q += (y[i] - f[i]) ** 2;
  return -0.5 * q / (sigma * sigma) - f.length * (Math.log(sigma) + 0.5 * Math.log(2 * Math.PI));
}
