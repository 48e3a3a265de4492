/**
 * Application 4's nonlinear problem: the sum of two decaying exponentials
 * with close rates, observed at a few times with Gaussian noise,
 *
 *   y_i = a₁·exp(−k₁ t_i) + a₂·exp(−k₂ t_i) + σ ε_i,
 *
 * parameters `x = (a₁, k₁, a₂, k₂)` with independent Gaussian priors. Fitting
 * exponentials with close rates is a textbook ill-conditioned problem
 * (amplitudes and rates trade off along curved ridges). The prior keeps
 * `k₁` below `k₂` (their prior means are 4 standard deviations apart), so the
 * label-switched copy of the posterior carries negligible mass. The
 * reference posterior is sampled by adaptive random-walk Metropolis
 * ({@link ../inference/mcmc.ts sampleMcmc}) with R̂ and ESS reported.
 *
 * @module
 */
import { mcmcReferencePosterior } from "./reference_posteriors.ts";
import { Rng } from "../core/random.ts";
import { DEFAULT_TIMES } from "./linear_ill_conditioned.ts";
import { gaussianLogLikelihood, type InverseProblem, type ReferencePosterior } from "./problem.ts";

/** MCMC settings of the reference posterior. */
export interface ReferenceMcmcOptions {
  /** Number of chains. Default 4. */
  chains?: number;
  /** Warm-up iterations per chain. Default 2000. */
  warmup?: number;
  /** Kept draws per chain. Default 5000. */
  draws?: number;
}

/** Settings of {@link TwoExponentials}. */
export interface TwoExponentialsOptions {
  /** Observation times. Default `[0, 0.5, 1, 1.5, 2, 3]`. */
  times?: readonly number[];
  /** Noise standard deviation σ (> 0). Default {@link EXPONENTIALS_DEFAULT_NOISE}. */
  noise?: number;
  /** Prior means of `(a₁, k₁, a₂, k₂)`. Default `[1, 0.8, 1, 1.2]`. */
  priorMean?: readonly number[];
  /** Prior standard deviations of `(a₁, k₁, a₂, k₂)`. Default `[0.3, 0.1, 0.3, 0.1]`. */
  priorStd?: readonly number[];
  /** MCMC settings of the reference posterior. */
  mcmc?: ReferenceMcmcOptions;
}

/** Default noise standard deviation of the exponentials problem. */
export const EXPONENTIALS_DEFAULT_NOISE = 0.02;
/** Default prior means of `(a₁, k₁, a₂, k₂)`. */
export const EXPONENTIALS_PRIOR_MEAN: readonly number[] = [1, 0.8, 1, 1.2];
/** Default prior standard deviations of `(a₁, k₁, a₂, k₂)`. */
export const EXPONENTIALS_PRIOR_STD: readonly number[] = [0.3, 0.1, 0.3, 0.1];

/**
 * `a₁·exp(−k₁ t) + a₂·exp(−k₂ t)` at each time.
 * @param x `(a₁, k₁, a₂, k₂)`.
 * @param times Times `t_i`.
 * @returns One value per time.
 * @example
 * ```ts
 * import { twoExponentials } from "./two_exponentials.ts";
 * twoExponentials([1, 1, 2, 0], [0, 1]); // [3, e⁻¹ + 2]
 * ```
 */
export function twoExponentials(x: ArrayLike<number>, times: readonly number[]): Float64Array {
  if (x.length !== 4) {
    throw new Error(`Parameters must be (a1, k1, a2, k2), got ${x.length} values`);
  }
  const [a1, k1, a2, k2] = [x[0], x[1], x[2], x[3]];
  return Float64Array.from(times, (t) => a1 * Math.exp(-k1 * t) + a2 * Math.exp(-k2 * t));
}

/** The sum of two decaying exponentials with close rates. */
export class TwoExponentials implements InverseProblem {
  readonly name = "exponentials";
  readonly description: string;
  readonly dimX = 4;
  readonly dimY: number;
  readonly paramNames: readonly string[] = ["a1", "k1", "a2", "k2"];
  readonly observationGrid: { label: string; values: readonly number[] };
  readonly noise: number;
  /** Prior means. */
  readonly priorMean: readonly number[];
  /** Prior standard deviations. */
  readonly priorStd: readonly number[];
  readonly #times: readonly number[];
  readonly #mcmc: Required<ReferenceMcmcOptions>;

  /**
   * @param options Times, noise, prior and MCMC settings.
   * @throws Error when a setting is out of range.
   * @example
   * ```ts
   * import { TwoExponentials } from "./two_exponentials.ts";
   * const p = new TwoExponentials();
   * p.forward([1, 0.8, 1, 1.2]); // six noise-free observations
   * ```
   */
  constructor(options: TwoExponentialsOptions = {}) {
    const times = options.times ?? DEFAULT_TIMES;
    const noise = options.noise ?? EXPONENTIALS_DEFAULT_NOISE;
    const mean = options.priorMean ?? EXPONENTIALS_PRIOR_MEAN;
    const std = options.priorStd ?? EXPONENTIALS_PRIOR_STD;
    if (times.length < 1 || !times.every(Number.isFinite)) {
      throw new Error("The exponentials problem needs at least one finite observation time");
    }
    if (!(noise > 0) || !Number.isFinite(noise)) {
      throw new Error(`Noise standard deviation must be a positive number, got ${noise}`);
    }
    if (mean.length !== 4 || std.length !== 4 || !mean.every(Number.isFinite)) {
      throw new Error("The prior needs 4 finite means and 4 standard deviations");
    }
    if (!std.every((s) => s > 0 && Number.isFinite(s))) {
      throw new Error(`Prior standard deviations must be positive, got [${std.join(", ")}]`);
    }
    this.#times = [...times];
    this.dimY = times.length;
    this.noise = noise;
    this.priorMean = [...mean];
    this.priorStd = [...std];
    this.observationGrid = { label: "t", values: [...times] };
    this.#mcmc = { chains: 4, warmup: 2000, draws: 5000, ...options.mcmc };
    this.description = `exponentials: y(t) = a1·exp(−k1·t) + a2·exp(−k2·t) at ${this.dimY} ` +
      `times, noise σ = ${noise}`;
  }

  priorSample(n: number, rng: Rng): Float64Array {
    const out = new Float64Array(n * 4);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 4; j++) {
        out[i * 4 + j] = this.priorMean[j] + this.priorStd[j] * rng.normal();
      }
    }
    return out;
  }

  forward(x: ArrayLike<number>): Float64Array {
    return twoExponentials(x, this.#times);
  }

  /**
   * The unnormalised log-posterior `log p(x) + log p(y | x)`.
   * @param x Parameters.
   * @param y The observation.
   * @returns Log-density in nats, up to a constant.
   */
  logPosterior(x: ArrayLike<number>, y: ArrayLike<number>): number {
    let lp = 0;
    for (let j = 0; j < 4; j++) lp -= 0.5 * ((x[j] - this.priorMean[j]) / this.priorStd[j]) ** 2;
    return lp + gaussianLogLikelihood(this, x, y);
  }

  /**
   * Samples the posterior by adaptive random-walk Metropolis (full proposal
   * covariance learned in warm-up), chains started at prior draws, and
   * thins the draws evenly to `n` samples.
   */
  referencePosterior(y: ArrayLike<number>, n: number, seed: number): ReferencePosterior {
    const { chains, warmup, draws } = this.#mcmc;
    const rng = new Rng(seed);
    const init = Array.from({ length: chains }, () => Array.from(this.priorSample(1, rng)));
    return mcmcReferencePosterior({
      logPosterior: (x) => this.logPosterior(x, y),
      init,
      warmup,
      draws,
      seed: rng.seed(),
      n,
    });
  }
}
