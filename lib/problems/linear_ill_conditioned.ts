/**
 * Application 4's default problem: a linear-Gaussian inverse problem with a
 * nearly collinear design, so that the posterior is a long, thin,
 * correlated ridge and known exactly.
 *
 * The parameters are the amplitudes `a_j` of decays with known, close rates
 * `k_j`, observed at a few times `t_i` with Gaussian noise:
 *
 *   y_i = Σ_j a_j · exp(−k_j t_i) + σ ε_i,   a ~ N(μ₀, s₀² I),  ε ~ N(0, I).
 *
 * The columns `exp(−k_j t)` of the design matrix are almost parallel (the
 * default rates 0.9, 1, 1.1 at six times give a condition number of about
 * 1.3e3), so the data fix one combination of the amplitudes sharply and
 * leave the others to the prior. The exact posterior comes from
 * {@link ../inference/linear_gaussian.ts LinearGaussian}.
 *
 * @module
 */
import { linearGaussianReference } from "./reference_posteriors.ts";
import { LinearGaussian } from "../inference/linear_gaussian.ts";
import { diagonal, fromRows, type Matrix, matVec } from "../linalg/matrix.ts";
import type { Rng } from "../core/random.ts";
import type { InverseProblem, ReferencePosterior } from "./problem.ts";
import { conditionNumber } from "../linalg/symmetric_eigen.ts";

/** Settings of {@link LinearIllConditioned}. */
export interface LinearIllConditionedOptions {
  /** Decay rates `k_j`, one per parameter. Default `[0.9, 1, 1.1]`. */
  rates?: readonly number[];
  /** Observation times `t_i`. Default `[0, 0.5, 1, 1.5, 2, 3]`. */
  times?: readonly number[];
  /** Noise standard deviation σ (> 0). Default {@link LINEAR_DEFAULT_NOISE}. */
  noise?: number;
  /** Prior mean of every amplitude. Default 0. */
  priorMean?: number;
  /** Prior standard deviation of every amplitude. Default 1. */
  priorStd?: number;
}

/** Default decay rates of the linear problem. */
export const LINEAR_DEFAULT_RATES: readonly number[] = [0.9, 1, 1.1];
/** Default observation times of both app-4 problems. */
export const DEFAULT_TIMES: readonly number[] = [0, 0.5, 1, 1.5, 2, 3];
/** Default noise standard deviation of the linear problem. */
export const LINEAR_DEFAULT_NOISE = 0.05;

/**
 * The design matrix `A_ij = exp(−k_j t_i)`.
 * @param rates Decay rates `k_j` (columns).
 * @param times Observation times `t_i` (rows).
 * @returns `[times, rates]`.
 * @example
 * ```ts
 * import { decayDesign } from "./linear_ill_conditioned.ts";
 * decayDesign([1], [0, 1]).data; // [1, e⁻¹]
 * ```
 */
export function decayDesign(rates: readonly number[], times: readonly number[]): Matrix {
  return fromRows(times.map((t) => rates.map((k) => Math.exp(-k * t))));
}

/** Amplitudes of decays with close, known rates: linear, Gaussian, ill-conditioned. */
export class LinearIllConditioned implements InverseProblem {
  readonly name = "linear";
  readonly description: string;
  readonly dimX: number;
  readonly dimY: number;
  readonly paramNames: readonly string[];
  readonly observationGrid: { label: string; values: readonly number[] };
  readonly noise: number;
  /** The design matrix `A` `[dimY, dimX]`. */
  readonly design: Matrix;
  /** The decay rates. */
  readonly rates: readonly number[];
  /** The analytic model (posterior, evidence, simulation). */
  readonly gaussian: LinearGaussian;
  readonly #priorMean: number;
  readonly #priorStd: number;

  /**
   * @param options Rates, times, noise and prior.
   * @throws Error when a setting is out of range.
   * @example
   * ```ts
   * import { LinearIllConditioned } from "./linear_ill_conditioned.ts";
   * const p = new LinearIllConditioned();
   * console.log(p.conditionNumber() > 1e3); // true
   * ```
   */
  constructor(options: LinearIllConditionedOptions = {}) {
    const rates = options.rates ?? LINEAR_DEFAULT_RATES;
    const times = options.times ?? DEFAULT_TIMES;
    const noise = options.noise ?? LINEAR_DEFAULT_NOISE;
    const priorMean = options.priorMean ?? 0, priorStd = options.priorStd ?? 1;
    if (rates.length < 1 || times.length < rates.length) {
      throw new Error(
        `The linear problem needs at least as many times as rates, got ${times.length} and ${rates.length}`,
      );
    }
    if (![...rates, ...times].every(Number.isFinite)) {
      throw new Error("Rates and times must be finite numbers");
    }
    if (!(noise > 0) || !Number.isFinite(noise)) {
      throw new Error(`Noise standard deviation must be a positive number, got ${noise}`);
    }
    if (!(priorStd > 0) || !Number.isFinite(priorMean)) {
      throw new Error(
        `Prior must have a finite mean and positive std, got ${priorMean}, ${priorStd}`,
      );
    }
    this.rates = [...rates];
    this.dimX = rates.length;
    this.dimY = times.length;
    this.noise = noise;
    this.#priorMean = priorMean;
    this.#priorStd = priorStd;
    this.paramNames = rates.map((_, j) => `a${j + 1}`);
    this.observationGrid = { label: "t", values: [...times] };
    this.design = decayDesign(rates, times);
    this.gaussian = new LinearGaussian({
      forward: this.design,
      noiseCov: diagonal(new Array(this.dimY).fill(noise * noise)),
      priorMean: new Array(this.dimX).fill(priorMean),
      priorCov: diagonal(new Array(this.dimX).fill(priorStd * priorStd)),
    });
    this.description = `linear: amplitudes of ${this.dimX} decays with rates ${
      rates.join(", ")
    } at ${this.dimY} times, noise σ = ${noise}`;
  }

  /** The condition number of the design matrix. */
  conditionNumber(): number {
    return conditionNumber(this.design);
  }

  priorSample(n: number, rng: Rng): Float64Array {
    const out = new Float64Array(n * this.dimX);
    for (let i = 0; i < out.length; i++) out[i] = this.#priorMean + this.#priorStd * rng.normal();
    return out;
  }

  forward(x: ArrayLike<number>): Float64Array {
    if (x.length !== this.dimX) {
      throw new Error(`Parameters must have dimX=${this.dimX} values, got ${x.length}`);
    }
    return matVec(this.design, x);
  }

  referencePosterior(y: ArrayLike<number>, n: number, seed: number): ReferencePosterior {
    return linearGaussianReference(this.gaussian, y, n, seed);
  }
}
