/**
 * Rejection sampling of a posterior p(x | y*) for low-dimensional problems,
 * the exact (or ε-exact) reference that flow posteriors are compared with:
 *
 * - likelihood-based: draw x from the prior, accept with probability
 *   `exp(log L(x) − bound)`, where `bound ≥ max log L`;
 * - ABC-style for noise-free problems (e.g. inverse kinematics): draw x from
 *   the prior and accept when `‖f(x) − y*‖ < ε`.
 *
 * Both report the acceptance rate and stop with a clear error after
 * `maxTries` proposals.
 *
 * @module
 */
import type { Rng } from "../core/random.ts";
import { rngFrom } from "./seeding.ts";

/** Accepted draws and how many proposals they took. */
export interface RejectionResult {
  /** Accepted draws, row-major `[n, dims]`. */
  samples: Float64Array;
  /** Dimension of x. */
  dims: number;
  /** Number of accepted draws (= n). */
  accepted: number;
  /** Number of prior draws proposed. */
  tries: number;
  /** `accepted / tries`. */
  acceptanceRate: number;
}

/** Options shared by both rejection samplers. */
export interface RejectionBaseOptions {
  /** Number of posterior draws wanted. */
  n: number;
  /** Draws one x from the prior. */
  priorSample: (rng: Rng) => ArrayLike<number>;
  /** Largest number of proposals before giving up. Default 10 000 000. */
  maxTries?: number;
  /** Seed of the proposals and acceptance tests. Default 0. */
  seed?: number;
}

/** Options of {@link rejectionSample}. */
export interface RejectionOptions extends RejectionBaseOptions {
  /** log p(y* | x); −Infinity where impossible. */
  logLikelihood: (x: Float64Array) => number;
  /** An upper bound of `logLikelihood` (e.g. its value at the maximum-likelihood point). */
  logLikelihoodBound: number;
}

/** Options of {@link abcRejectionSample}. */
export interface AbcRejectionOptions extends RejectionBaseOptions {
  /** The forward model f(x) (it may draw noise from `rng`). */
  simulate: (x: Float64Array, rng: Rng) => ArrayLike<number>;
  /** The observation y*. */
  observed: ArrayLike<number>;
  /** Acceptance tolerance ε > 0 on the distance. */
  epsilon: number;
  /** Distance between a simulation and y*. Default Euclidean. */
  distance?: (simulated: ArrayLike<number>, observed: ArrayLike<number>) => number;
}

/**
 * Euclidean distance between two vectors of equal length.
 * @param a First vector.
 * @param b Second vector.
 * @returns ‖a − b‖₂.
 * @example
 * ```ts
 * import { euclidean } from "./rejection.ts";
 * console.log(euclidean([0, 0], [3, 4])); // 5
 * ```
 */
export function euclidean(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new Error(`Distance needs vectors of equal length, got ${a.length} and ${b.length}`);
  }
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

function rejectionLoop(
  options: RejectionBaseOptions,
  accept: (x: Float64Array, rng: Rng, tries: number) => boolean,
  hint: string,
): RejectionResult {
  const { n } = options;
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`Number of samples must be a positive integer, got ${n}`);
  }
  const maxTries = options.maxTries ?? 10_000_000;
  if (!(maxTries >= n)) {
    throw new Error(`Maximum number of tries must be at least n = ${n}, got ${maxTries}`);
  }
  const rng = rngFrom({ seed: options.seed });
  let dims = -1;
  let samples = new Float64Array(0);
  let accepted = 0, tries = 0;
  while (accepted < n) {
    if (tries >= maxTries) {
      const rate = accepted / tries;
      throw new Error(
        `Rejection sampling accepted ${accepted} of the ${n} samples requested within the ` +
          `maximum of ${maxTries} tries (acceptance rate ${rate.toPrecision(3)}, ` +
          `so about ${rate > 0 ? Math.ceil(n / rate).toPrecision(3) : "∞"} tries are needed): ` +
          `raise maxTries, ${hint}`,
      );
    }
    tries++;
    const x = Float64Array.from(options.priorSample(rng));
    if (dims < 0) {
      dims = x.length;
      samples = new Float64Array(n * dims);
    } else if (x.length !== dims) {
      throw new Error(`Prior draws must all have ${dims} coordinates, got ${x.length}`);
    }
    if (accept(x, rng, tries)) samples.set(x, dims * accepted++);
  }
  return { samples, dims, accepted, tries, acceptanceRate: accepted / tries };
}

/**
 * Draws exact posterior samples by rejection from the prior, accepting x with
 * probability `L(x) / exp(logLikelihoodBound)`.
 * @param options Prior sampler, log-likelihood and its upper bound, n, maxTries, seed.
 * @returns Samples `[n, dims]` and the acceptance rate.
 * @throws Error when maxTries proposals do not yield n samples, or when the
 *   log-likelihood exceeds the bound (then the samples would be wrong).
 * @example
 * ```ts
 * import { rejectionSample } from "./rejection.ts";
 * // prior N(0, 1), one observation y* = 1 with noise σ = 0.5: posterior N(0.8, 0.2)
 * const r = rejectionSample({
 *   n: 1000,
 *   priorSample: (rng) => [rng.normal()],
 *   logLikelihood: (x) => -0.5 * ((1 - x[0]) / 0.5) ** 2,
 *   logLikelihoodBound: 0,
 *   seed: 1,
 * });
 * console.log(r.acceptanceRate); // ≈ 0.30
 * ```
 */
export function rejectionSample(options: RejectionOptions): RejectionResult {
  const { logLikelihood, logLikelihoodBound: bound } = options;
  if (!Number.isFinite(bound)) {
    throw new Error(`Log-likelihood bound must be a finite number, got ${bound}`);
  }
  return rejectionLoop(options, (x, rng, tries) => {
    const ll = logLikelihood(x);
    if (ll > bound + 1e-9 * Math.max(1, Math.abs(bound))) {
      throw new Error(
        `Log-likelihood ${ll} at try ${tries} exceeds logLikelihoodBound ${bound}: ` +
          `the bound must be at least the maximum of the log-likelihood`,
      );
    }
    return ll > -Infinity && rng.uniform() < Math.exp(ll - bound);
  }, "use a prior closer to the posterior or a tighter logLikelihoodBound");
}

/**
 * Draws approximate posterior samples by ABC rejection: prior draws whose
 * simulation lies within ε of the observation (exact as ε → 0 for
 * noise-free forward models).
 * @param options Prior sampler, simulator, observation, ε, distance, n, maxTries, seed.
 * @returns Samples `[n, dims]` and the acceptance rate.
 * @throws Error when maxTries proposals do not yield n samples.
 * @example
 * ```ts
 * import { abcRejectionSample } from "./rejection.ts";
 * // x ~ N(0, I₂), f(x) = x₀ + x₁, y* = 1: x concentrates on the line x₀ + x₁ = 1
 * const r = abcRejectionSample({
 *   n: 500,
 *   priorSample: (rng) => [rng.normal(), rng.normal()],
 *   simulate: (x) => [x[0] + x[1]],
 *   observed: [1],
 *   epsilon: 0.05,
 *   seed: 1,
 * });
 * ```
 */
export function abcRejectionSample(options: AbcRejectionOptions): RejectionResult {
  const { simulate, observed, epsilon } = options;
  const distance = options.distance ?? euclidean;
  if (!(epsilon > 0)) throw new Error(`Tolerance epsilon must be positive, got ${epsilon}`);
  return rejectionLoop(
    options,
    (x, rng) => distance(simulate(x, rng), observed) < epsilon,
    "widen epsilon or use a prior closer to the posterior",
  );
}
