/**
 * Application 6's default problem: recover a 1-D profile — say a layered
 * density or slowness profile along depth — from a few blurred, sub-sampled
 * measurements with Gaussian noise. Linear and Gaussian, so the posterior is
 * known exactly, and ill-posed twice over: half as many data as unknowns,
 * and a smooth blur whose singular values decay fast, so that the data fix
 * the profile's long wavelengths and leave the short ones to the prior.
 *
 * The profile `x_j` is given at `n` cell centres `z_j = (j + ½)/n` of the
 * unit interval, with a Matérn-5/2 Gaussian-process prior (twice
 * differentiable profiles, correlation length `ℓ`):
 *
 *   C(r) = s² (1 + √5 r/ℓ + 5r²/(3ℓ²)) exp(−√5 r/ℓ),
 *
 * and each of `m` measurements at `t_i = (i + ½)/m` is a Gaussian-weighted
 * average of the profile around `t_i` (kernel width `w`, weights summing to
 * one), plus noise:
 *
 *   y_i = Σ_j G_ij x_j + σ ε_i,   G_ij ∝ exp(−(t_i − z_j)² / (2w²)).
 *
 * The exact posterior comes from
 * {@link ../inference/linear_gaussian.ts LinearGaussian}.
 *
 * @module
 */
import { linearGaussianReference } from "./reference_posteriors.ts";
import { LinearGaussian } from "../inference/linear_gaussian.ts";
import { diagonal, fromRows, type Matrix, matVec, transpose } from "../linalg/matrix.ts";
import { singularValues } from "../linalg/symmetric_eigen.ts";
import type { Rng } from "../core/random.ts";
import type { InverseProblem, ReferencePosterior } from "./problem.ts";

/** Settings of {@link BlurredProfile}. */
export interface BlurredProfileOptions {
  /** Cells of the profile (parameters). Default 32. */
  cells?: number;
  /** Measurements, evenly spread (observations). Default 16. */
  measurements?: number;
  /** Standard deviation `w` of the Gaussian blur, in units of the profile's length. Default 0.1. */
  blurWidth?: number;
  /** Correlation length `ℓ` of the Matérn-5/2 prior, in units of the profile's length. Default 0.15. */
  correlationLength?: number;
  /** Prior mean of every cell. Default 0. */
  priorMean?: number;
  /** Prior standard deviation `s` of every cell. Default 1. */
  priorStd?: number;
  /** Noise standard deviation σ (> 0). Default {@link PROFILE_DEFAULT_NOISE}. */
  noise?: number;
}

/** Default noise standard deviation of the blurred profile. */
export const PROFILE_DEFAULT_NOISE = 0.05;

/**
 * The Matérn-5/2 covariance matrix of a Gaussian process at given positions.
 * @param positions Positions (any order).
 * @param correlationLength `ℓ` > 0.
 * @param std Marginal standard deviation `s` > 0.
 * @returns `[n, n]` with `C_ij = s² (1 + √5 r/ℓ + 5r²/(3ℓ²)) exp(−√5 r/ℓ)`, `r = |p_i − p_j|`.
 * @example
 * ```ts
 * import { maternCovariance } from "./blurred_profile.ts";
 * maternCovariance([0, 1], 1, 1).data; // [1, 0.5240, 0.5240, 1] (rounded)
 * ```
 */
export function maternCovariance(
  positions: readonly number[],
  correlationLength: number,
  std: number,
): Matrix {
  if (!(correlationLength > 0) || !(std > 0)) {
    throw new Error(
      `A Matérn covariance needs a positive correlation length and std, got ${correlationLength}, ${std}`,
    );
  }
  return fromRows(positions.map((a) =>
    positions.map((b) => {
      const r = Math.sqrt(5) * Math.abs(a - b) / correlationLength;
      return std * std * (1 + r + r * r / 3) * Math.exp(-r);
    })
  ));
}

/**
 * The blur-and-sample operator: row `i` holds Gaussian weights of the cells around
 * measurement position `t_i`, normalised to sum to one.
 * @param cellCentres Cell centres `z_j` (columns).
 * @param positions Measurement positions `t_i` (rows).
 * @param width Kernel standard deviation `w` > 0.
 * @returns `[positions, cells]`.
 * @example
 * ```ts
 * import { blurDesign } from "./blurred_profile.ts";
 * blurDesign([0, 1], [0.5], 1).data; // [0.5, 0.5]
 * ```
 */
export function blurDesign(
  cellCentres: readonly number[],
  positions: readonly number[],
  width: number,
): Matrix {
  if (!(width > 0) || !Number.isFinite(width)) {
    throw new Error(`The blur width must be a positive number, got ${width}`);
  }
  return fromRows(positions.map((t) => {
    const row = cellCentres.map((z) => Math.exp(-0.5 * ((t - z) / width) ** 2));
    const sum = row.reduce((a, b) => a + b, 0);
    return row.map((v) => v / sum);
  }));
}

function evenCentres(count: number): number[] {
  return Array.from({ length: count }, (_, i) => (i + 0.5) / count);
}

/** A 1-D profile from blurred, sub-sampled, noisy measurements: linear, Gaussian, ill-posed. */
export class BlurredProfile implements InverseProblem {
  readonly name = "blurred_profile";
  readonly description: string;
  readonly dimX: number;
  readonly dimY: number;
  readonly paramNames: readonly string[];
  readonly observationGrid: { label: string; values: readonly number[] };
  readonly noise: number;
  /** Cell centres `z_j` of the profile. */
  readonly depths: readonly number[];
  /** The blur-and-sample operator `G` `[dimY, dimX]`. */
  readonly design: Matrix;
  /** The prior covariance `[dimX, dimX]`. */
  readonly priorCov: Matrix;
  /** The analytic model (posterior, evidence, simulation). */
  readonly gaussian: LinearGaussian;
  /** The settings it was built with, defaults filled in. */
  readonly options: Readonly<Required<BlurredProfileOptions>>;

  /**
   * @param options Grid, blur, prior and noise.
   * @throws Error when a setting is out of range.
   * @example
   * ```ts
   * import { BlurredProfile } from "./blurred_profile.ts";
   * const p = new BlurredProfile();
   * console.log(p.dimX, p.dimY, p.conditionNumber() > 1e4); // 32 16 true
   * ```
   */
  constructor(options: BlurredProfileOptions = {}) {
    const o: Required<BlurredProfileOptions> = {
      cells: 32,
      measurements: 16,
      blurWidth: 0.1,
      correlationLength: 0.15,
      priorMean: 0,
      priorStd: 1,
      noise: PROFILE_DEFAULT_NOISE,
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    };
    for (const key of ["cells", "measurements"] as const) {
      if (!Number.isInteger(o[key]) || o[key] < 2) {
        throw new Error(`The profile needs an integer number of ${key} ≥ 2, got ${o[key]}`);
      }
    }
    if (!(o.noise > 0) || !Number.isFinite(o.noise)) {
      throw new Error(`Noise standard deviation must be a positive number, got ${o.noise}`);
    }
    if (!Number.isFinite(o.priorMean)) {
      throw new Error(`The prior mean must be finite, got ${o.priorMean}`);
    }
    this.options = o;
    this.dimX = o.cells;
    this.dimY = o.measurements;
    this.noise = o.noise;
    this.depths = evenCentres(o.cells);
    const positions = evenCentres(o.measurements);
    this.observationGrid = { label: "position", values: positions };
    this.paramNames = this.depths.map((_, j) => `x${j + 1}`);
    this.design = blurDesign(this.depths, positions, o.blurWidth);
    this.priorCov = maternCovariance(this.depths, o.correlationLength, o.priorStd);
    this.gaussian = new LinearGaussian({
      forward: this.design,
      noiseCov: diagonal(new Array(this.dimY).fill(o.noise * o.noise)),
      priorMean: new Array(this.dimX).fill(o.priorMean),
      priorCov: this.priorCov,
    });
    this.description =
      `blurred_profile: ${this.dimX}-cell profile (Matérn-5/2 prior, ℓ = ${o.correlationLength}) from ${this.dimY} measurements blurred with w = ${o.blurWidth}, noise σ = ${o.noise}`;
  }

  /**
   * The same problem with another noise level.
   * @param noise σ > 0.
   * @returns A new problem.
   */
  withNoise(noise: number): BlurredProfile {
    return new BlurredProfile({ ...this.options, noise });
  }

  /**
   * Singular values of the blur-and-sample operator, largest first: their decay is what
   * makes the problem ill-posed.
   * @returns `dimY` values (`G` has rank at most `dimY`).
   */
  singularValues(): Float64Array {
    return singularValues(transpose(this.design)).slice(0, Math.min(this.dimX, this.dimY));
  }

  /** The condition number `σ_max / σ_min` of the operator's `dimY` singular values. */
  conditionNumber(): number {
    const s = this.singularValues();
    const min = s[s.length - 1];
    return min > 0 ? s[0] / min : Infinity;
  }

  priorSample(n: number, rng: Rng): Float64Array {
    return this.gaussian.prior.sample(n, { rng });
  }

  forward(x: ArrayLike<number>): Float64Array {
    if (x.length !== this.dimX) {
      throw new Error(`A profile must have dimX=${this.dimX} values, got ${x.length}`);
    }
    return matVec(this.design, x);
  }

  referencePosterior(y: ArrayLike<number>, n: number, seed: number): ReferencePosterior {
    return linearGaussianReference(this.gaussian, y, n, seed);
  }
}
