/**
 * A posterior model amortised over the noise level: one sampler of
 * `p(x | y, σ)` for every σ in a range, built around any
 * {@link ../inn/posterior.ts PosteriorSampler} whose condition is the
 * observation with `log σ` appended, `[y, log σ]` (for example a cINN trained
 * on pairs whose σ was drawn from the range). At a fixed σ it is an ordinary
 * `PosteriorSampler` of `y` ({@link NoiseConditionedPosterior.atNoise}), so
 * every comparison and calibration tool takes it as it takes any model; given
 * `k` repeated measurements it answers with their mean at `σ/√k`, which is
 * exact for additive Gaussian noise (see {@link ./noise_levels.ts}).
 *
 * @module
 */
import type { PosteriorOptions, PosteriorSampler } from "../inn/posterior.ts";
import { checkNoiseRange, meanOfRepeats, type NoiseRange, repeatsNoise } from "./noise_levels.ts";

/**
 * The condition `[y, log σ]` of a noise-amortised model.
 * @param y The observation.
 * @param sigma Its noise σ > 0.
 * @returns Float32 `[y_1 … y_m, log σ]`.
 * @throws Error when σ is not a positive number or `y` holds a non-finite value.
 * @example
 * ```ts
 * import { noiseCondition } from "./noise_conditioned_posterior.ts";
 * noiseCondition([0.5, 1], Math.E); // Float32Array [0.5, 1, 1]
 * ```
 */
export function noiseCondition(y: ArrayLike<number>, sigma: number): Float32Array {
  if (!(sigma > 0) || !Number.isFinite(sigma)) {
    throw new Error(`The noise σ in the condition must be a positive number, got ${sigma}`);
  }
  const out = new Float32Array(y.length + 1);
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i])) {
      throw new Error(`The observation must be finite, got ${y[i]} at index ${i}`);
    }
    out[i] = y[i];
  }
  out[y.length] = Math.log(sigma);
  return out;
}

/** `p(x | y, σ)` for any σ in a range, from a sampler conditioned on `[y, log σ]`. */
export class NoiseConditionedPosterior {
  /** The sampler of `p(x | [y, log σ])`; its `dimY` is the observation's width plus one. */
  readonly inner: PosteriorSampler;
  /** The noise levels it was trained for. */
  readonly range: NoiseRange;

  /**
   * @param inner A sampler whose condition is `[y, log σ]` (`dimY` ≥ 2).
   * @param range The σ range it answers for; σ outside it is refused.
   * @throws Error when the range is invalid or the sampler has no room for `log σ`.
   * @example
   * ```ts
   * import { NoiseConditionedPosterior } from "./noise_conditioned_posterior.ts";
   * // A stand-in for a trained model: p(x | y, σ) = N(y, σ²), one sample per call.
   * const inner = {
   *   dimX: 1,
   *   dimY: 2,
   *   posterior: (c: Float32Array, n: number) =>
   *     Promise.resolve(new Float32Array(n).fill(c[0] + Math.exp(c[1]))),
   * };
   * const model = new NoiseConditionedPosterior(inner, { min: 0.1, max: 1 });
   * await model.posterior([2], 0.5, 3); // Float32Array [2.5, 2.5, 2.5]
   * await model.atNoise(0.2).posterior(new Float32Array([2]), 1); // Float32Array [2.2]
   * ```
   */
  constructor(inner: PosteriorSampler, range: NoiseRange) {
    checkNoiseRange(range);
    if (inner.dimY < 2) {
      throw new Error(
        `A noise-conditioned sampler needs a condition [y, log σ] of width ≥ 2, got dimY=${inner.dimY}`,
      );
    }
    this.inner = inner;
    this.range = { min: range.min, max: range.max };
  }

  /** Width of the parameters. */
  get dimX(): number {
    return this.inner.dimX;
  }

  /** Width of the observation `y` (the condition without `log σ`). */
  get dimY(): number {
    return this.inner.dimY - 1;
  }

  /**
   * Checks that σ lies in the trained range (with a relative slack of 1e-9).
   * @param sigma The noise level.
   * @throws Error naming σ and the range.
   */
  checkNoise(sigma: number): void {
    const { min, max } = this.range;
    if (!(sigma > 0) || !Number.isFinite(sigma)) {
      throw new Error(`The noise σ must be a positive number, got ${sigma}`);
    }
    if (sigma < min * (1 - 1e-9) || sigma > max * (1 + 1e-9)) {
      throw new Error(
        `σ = ${sigma} is outside the noise range [${min}, ${max}] the model was trained on`,
      );
    }
  }

  /**
   * Draws from `p(x | y*, σ)`.
   * @param yObserved The observation, length {@link dimY} (without `log σ`: pass σ on its own).
   * @param sigma Its noise σ, in the trained range.
   * @param nSamples How many samples.
   * @param options Seed and batch size.
   * @returns Row-major samples `[nSamples × dimX]`.
   * @throws Error naming the expected width when `y*` has the wrong length, or σ is out of range.
   */
  async posterior(
    yObserved: ArrayLike<number>,
    sigma: number,
    nSamples: number,
    options: PosteriorOptions = {},
  ): Promise<Float32Array> {
    if (yObserved.length !== this.dimY) {
      const hint = yObserved.length === this.dimY + 1
        ? " (pass σ on its own, not appended to y)"
        : "";
      throw new Error(
        `The observation must have dimY=${this.dimY} values (the model's condition is ` +
          `[y (${this.dimY} values), log σ]), got ${yObserved.length}${hint}`,
      );
    }
    this.checkNoise(sigma);
    return await this.inner.posterior(noiseCondition(yObserved, sigma), nSamples, options);
  }

  /**
   * Draws from the posterior given `k` independent repeated observations at noise σ:
   * the posterior of their mean at `σ/√k`, which must lie in the trained range.
   * @param observations Row-major `[k × dimY]`.
   * @param sigma Noise σ of one observation.
   * @param nSamples How many samples.
   * @param options Seed and batch size.
   * @returns Row-major samples `[nSamples × dimX]`.
   * @throws Error when the observations are not whole rows, or `σ/√k` is out of range.
   */
  async posteriorOfRepeats(
    observations: ArrayLike<number>,
    sigma: number,
    nSamples: number,
    options: PosteriorOptions = {},
  ): Promise<Float32Array> {
    const mean = meanOfRepeats(observations, this.dimY);
    const k = observations.length / this.dimY;
    return await this.posterior(mean, repeatsNoise(sigma, k), nSamples, options);
  }

  /**
   * This model at one noise level: an ordinary {@link PosteriorSampler} of `y`.
   * @param sigma σ in the trained range.
   * @returns The sampler (it holds this model, which stays the caller's to dispose).
   * @throws Error when σ is out of range.
   */
  atNoise(sigma: number): PosteriorSampler {
    this.checkNoise(sigma);
    return {
      dimX: this.dimX,
      dimY: this.dimY,
      posterior: (y, n, options) => this.posterior(y, sigma, n, options),
    };
  }
}
