/**
 * Noise levels and repeated measurements of inverse problems with additive,
 * independent Gaussian noise `y = f(x) + σ ε`: the problem at another σ,
 * training pairs whose σ varies (for a posterior model that takes σ as part
 * of its condition, one model for a whole range of noise levels), and
 * repeated measurements of the same unknowns.
 *
 * Repeated measurements reduce to one: for `k` independent observations
 * `y_r = f(x) + σ ε_r` the likelihood is
 *
 *   Π_r N(y_r; f(x), σ² I) ∝ exp(−k ‖ȳ − f(x)‖² / (2σ²)) = N(ȳ; f(x), (σ²/k) I) · const,
 *
 * with a constant that does not depend on `x` — whatever the forward model
 * `f`. So the mean `ȳ` of the repeats is sufficient for `x`, and the
 * posterior given `k` repeats at noise σ is the posterior given the single
 * observation `ȳ` at noise `σ/√k` ({@link repeatsNoise}). A posterior model
 * amortised over σ therefore answers repeated measurements too.
 *
 * @module
 */
import { Rng } from "../core/random.ts";
import { type InverseProblem, type SimulatedPairs, simulatePairs } from "./problem.ts";

/** An inverse problem with additive Gaussian noise whose level σ can be changed. */
export interface NoisyProblem extends InverseProblem {
  /** Standard deviation σ > 0 of the noise on each observation. */
  readonly noise: number;
  /**
   * The same problem with another noise level.
   * @param noise σ > 0.
   * @returns A new problem.
   */
  withNoise(noise: number): NoisyProblem;
}

/**
 * Whether a problem's noise level can be changed (it has `noise > 0` and `withNoise`).
 * @param problem Any inverse problem.
 * @returns True for a {@link NoisyProblem}.
 * @example
 * ```ts
 * import { BlurredProfile } from "./blurred_profile.ts";
 * import { RobotArm } from "./robot_arm.ts";
 * import { isNoisyProblem } from "./noise_levels.ts";
 * console.log(isNoisyProblem(new BlurredProfile()), isNoisyProblem(new RobotArm())); // true false
 * ```
 */
export function isNoisyProblem(problem: InverseProblem): problem is NoisyProblem {
  return (problem.noise ?? 0) > 0 &&
    typeof (problem as Partial<NoisyProblem>).withNoise === "function";
}

/** A range `[min, max]` of noise standard deviations, 0 < min ≤ max. */
export interface NoiseRange {
  /** Smallest σ. */
  min: number;
  /** Largest σ. */
  max: number;
}

/**
 * Checks a noise range.
 * @param range The range.
 * @returns The range, unchanged.
 * @throws Error naming the bounds when they are not finite, not positive, or reversed.
 * @example
 * ```ts
 * import { checkNoiseRange } from "./noise_levels.ts";
 * checkNoiseRange({ min: 0.01, max: 0.1 }); // fine
 * ```
 */
export function checkNoiseRange(range: NoiseRange): NoiseRange {
  const { min, max } = range;
  if (!(min > 0) || !(max >= min) || !Number.isFinite(max)) {
    throw new Error(`A noise range needs 0 < min ≤ max, both finite, got [${min}, ${max}]`);
  }
  return range;
}

/**
 * The noise level of the mean of `k` independent repeats: `σ/√k`.
 * @param sigma σ of one observation.
 * @param repeats Number of repeats `k` ≥ 1.
 * @returns `σ/√k`.
 * @example
 * ```ts
 * import { repeatsNoise } from "./noise_levels.ts";
 * repeatsNoise(0.1, 4); // 0.05
 * ```
 */
export function repeatsNoise(sigma: number, repeats: number): number {
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw new Error(`The number of repeats must be a positive integer, got ${repeats}`);
  }
  if (!(sigma > 0) || !Number.isFinite(sigma)) {
    throw new Error(`Noise σ must be a positive number, got ${sigma}`);
  }
  return sigma / Math.sqrt(repeats);
}

/**
 * The mean of repeated observations of the same unknowns.
 * @param observations Row-major `[k × dimY]`, k ≥ 1.
 * @param dimY Values per observation.
 * @returns The mean `ȳ`, length `dimY`.
 * @throws Error when the length is not a positive multiple of `dimY`.
 * @example
 * ```ts
 * import { meanOfRepeats } from "./noise_levels.ts";
 * meanOfRepeats([1, 2, 3, 4], 2); // [2, 3]
 * ```
 */
export function meanOfRepeats(observations: ArrayLike<number>, dimY: number): Float64Array {
  const k = observations.length / dimY;
  if (!Number.isInteger(dimY) || dimY < 1 || !Number.isInteger(k) || k < 1) {
    throw new Error(
      `Repeated observations must be k ≥ 1 rows of dimY=${dimY} values, got ${observations.length} values`,
    );
  }
  const mean = new Float64Array(dimY);
  for (let r = 0; r < k; r++) {
    for (let j = 0; j < dimY; j++) mean[j] += observations[r * dimY + j] / k;
  }
  return mean;
}

/**
 * Simulates `k` independent noisy observations of the same parameters.
 * @param problem A noisy problem.
 * @param x Parameters, length `dimX`.
 * @param repeats Number of repeats `k` ≥ 1.
 * @param rng Random stream of the noise.
 * @returns Row-major `[k × dimY]`.
 * @example
 * ```ts
 * import { Rng } from "../core/random.ts";
 * import { BlurredProfile } from "./blurred_profile.ts";
 * import { meanOfRepeats, simulateRepeats } from "./noise_levels.ts";
 * const p = new BlurredProfile();
 * const ys = simulateRepeats(p, new Float64Array(32), 4, new Rng(1));
 * meanOfRepeats(ys, p.dimY); // noise of σ/2 around f(x) = 0
 * ```
 */
export function simulateRepeats(
  problem: NoisyProblem,
  x: ArrayLike<number>,
  repeats: number,
  rng: Rng,
): Float64Array {
  repeatsNoise(problem.noise, repeats);
  const f = problem.forward(x);
  const out = new Float64Array(repeats * problem.dimY);
  for (let r = 0; r < repeats; r++) {
    for (let j = 0; j < problem.dimY; j++) {
      out[r * problem.dimY + j] = f[j] + problem.noise * rng.normal();
    }
  }
  return out;
}

/** Pairs simulated at varying noise levels: each row has its own σ. */
export interface NoiseAmortisedPairs extends SimulatedPairs {
  /** The noise σ of each pair, length n. */
  sigma: Float64Array;
}

/**
 * Draws `n` pairs from the prior predictive with the noise level of each pair drawn
 * log-uniformly from a range: `x ~ prior`, `log σ ~ U(log min, log max)`, `ε ~ N(0, I)`,
 * `y = f(x) + σ ε`. The parameters and noise draws are those of
 * {@link simulatePairs} with the same seed, so only the noise scale differs.
 * @param problem A noisy problem.
 * @param n Number of pairs.
 * @param range Range of σ.
 * @param seed Seed of the draws.
 * @returns Parameters, standardized noise draws, observations and each pair's σ.
 * @example
 * ```ts
 * import { BlurredProfile } from "./blurred_profile.ts";
 * import { simulateNoiseAmortisedPairs } from "./noise_levels.ts";
 * const pairs = simulateNoiseAmortisedPairs(new BlurredProfile(), 100, { min: 0.01, max: 0.2 }, 1);
 * console.log(pairs.sigma.length, pairs.y.length); // 100 1600
 * ```
 */
export function simulateNoiseAmortisedPairs(
  problem: NoisyProblem,
  n: number,
  range: NoiseRange,
  seed: number,
): NoiseAmortisedPairs {
  checkNoiseRange(range);
  const pairs = simulatePairs(problem, n, seed);
  const rng = new Rng(seed + 7919);
  const lo = Math.log(range.min), hi = Math.log(range.max);
  const sigma = Float64Array.from({ length: n }, () => Math.exp(lo + (hi - lo) * rng.uniform()));
  const { dimY } = problem;
  for (let i = 0; i < n; i++) {
    const shift = sigma[i] - problem.noise;
    for (let j = 0; j < dimY; j++) pairs.y[i * dimY + j] += shift * pairs.eps[i * dimY + j];
  }
  return { ...pairs, sigma };
}
