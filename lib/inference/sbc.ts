/**
 * Simulation-based calibration (Talts et al. 2018): draw θ from the prior,
 * simulate y from θ, draw L samples from the posterior sampler given y, and
 * record the rank of θ among them, coordinate by coordinate. If the sampler
 * is the true posterior, every rank in 0..L is equally likely; a U-shaped
 * histogram means an over-confident sampler, a hump an under-confident
 * one, a slope a biased one. Uniformity is tested per coordinate by a
 * chi-square test over bins of ranks.
 *
 * @module
 */
import type { Rng } from "../core/random.ts";
import { rngFrom } from "./seeding.ts";
import { chiSquareSurvival } from "./special.ts";

/** Options of {@link simulationBasedCalibration}. */
export interface SbcOptions {
  /** Draws one θ from the prior. */
  priorSample: (rng: Rng) => ArrayLike<number>;
  /** Simulates one observation y from θ (drawing its noise from `rng`). */
  simulate: (theta: Float64Array, rng: Rng) => ArrayLike<number>;
  /** Draws `count` posterior samples given y, row-major `[count, dims]`. */
  posteriorSample: (observed: Float64Array, count: number, rng: Rng) => ArrayLike<number>;
  /** Number of replications N. Default 200. */
  replications?: number;
  /** Posterior draws L per replication (ranks lie in 0..L). Default 99. */
  posteriorDraws?: number;
  /** Histogram bins for the uniformity test. Default 10. */
  bins?: number;
  /** Seed of all the randomness. Default 0. */
  seed?: number;
}

/** Ranks, histograms and uniformity tests of each coordinate. */
export interface SbcResult {
  /** Number of parameters. */
  dims: number;
  /** Number of replications N. */
  replications: number;
  /** Posterior draws L per replication. */
  posteriorDraws: number;
  /** `ranks[j][i]`: rank of θ_j in replication i among the L draws, in 0..L. */
  ranks: Int32Array[];
  /** `histograms[j][b]`: replications whose rank of θ_j fell into bin b. */
  histograms: Int32Array[];
  /** Expected count of each bin under uniform ranks. */
  expected: Float64Array;
  /** Chi-square statistic of each coordinate's histogram. */
  chiSquare: Float64Array;
  /** Its p-value (bins − 1 degrees of freedom); small values reject calibration. */
  pValue: Float64Array;
}

function positiveInt(value: number, name: string, min = 1): number {
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer of at least ${min}, got ${value}`);
  }
  return value;
}

/**
 * Runs simulation-based calibration of a posterior sampler.
 * @param options Prior sampler, simulator, posterior sampler, N, L, bins, seed.
 * @returns Ranks `[dims][N]`, histograms `[dims][bins]`, chi-square statistics and p-values.
 * @throws Error on invalid counts or on a posterior sampler returning the wrong number of values.
 * @example
 * ```ts
 * import { simulationBasedCalibration } from "./sbc.ts";
 * // θ ~ N(0, 1), y ~ N(θ, 1): the posterior is N(y/2, 1/2)
 * const sbc = simulationBasedCalibration({
 *   priorSample: (rng) => [rng.normal()],
 *   simulate: (t, rng) => [t[0] + rng.normal()],
 *   posteriorSample: (y, count, rng) =>
 *     Float64Array.from({ length: count }, () => y[0] / 2 + Math.SQRT1_2 * rng.normal()),
 *   seed: 1,
 * });
 * console.log(sbc.pValue); // not small: calibrated
 * ```
 */
export function simulationBasedCalibration(options: SbcOptions): SbcResult {
  const replications = positiveInt(options.replications ?? 200, "Number of replications");
  const draws = positiveInt(options.posteriorDraws ?? 99, "Number of posterior draws");
  const bins = positiveInt(options.bins ?? 10, "Number of bins", 2);
  if (bins > draws + 1) {
    throw new Error(
      `Number of bins must be at most posteriorDraws + 1 = ${draws + 1}, got ${bins}`,
    );
  }
  const rng = rngFrom({ seed: options.seed });
  let dims = -1;
  let ranks: Int32Array[] = [];
  for (let i = 0; i < replications; i++) {
    const theta = Float64Array.from(options.priorSample(rng));
    if (dims < 0) {
      dims = theta.length;
      ranks = Array.from({ length: dims }, () => new Int32Array(replications));
    } else if (theta.length !== dims) {
      throw new Error(`Prior draws must all have ${dims} coordinates, got ${theta.length}`);
    }
    const y = Float64Array.from(options.simulate(theta, rng));
    const post = options.posteriorSample(y, draws, rng);
    if (post.length !== draws * dims) {
      throw new Error(
        `Posterior sampler must return ${draws}×${dims} = ${
          draws * dims
        } values, got ${post.length}`,
      );
    }
    for (let j = 0; j < dims; j++) {
      let below = 0, ties = 0;
      for (let l = 0; l < draws; l++) {
        const v = post[l * dims + j];
        if (v < theta[j]) below++;
        else if (v === theta[j]) ties++;
      }
      ranks[j][i] = below + (ties > 0 ? rng.int(ties + 1) : 0);
    }
  }
  // Ranks 0..L go to bin floor(r·bins/(L+1)); a bin's expectation counts its ranks.
  const binOf = (r: number) => Math.floor(r * bins / (draws + 1));
  const expected = new Float64Array(bins);
  for (let r = 0; r <= draws; r++) expected[binOf(r)] += replications / (draws + 1);
  const histograms = ranks.map((rs) => {
    const h = new Int32Array(bins);
    for (const r of rs) h[binOf(r)]++;
    return h;
  });
  const chiSquare = Float64Array.from(
    histograms,
    (h) => h.reduce((s, c, b) => s + (c - expected[b]) ** 2 / expected[b], 0),
  );
  const pValue = chiSquare.map((x) => chiSquareSurvival(x, bins - 1));
  return {
    dims,
    replications,
    posteriorDraws: draws,
    ranks,
    histograms,
    expected,
    chiSquare,
    pValue,
  };
}
