/**
 * Activation normalization (Kingma & Dhariwal 2018, Glow): a per-channel
 * affine map `z = x · exp(s) + b` whose parameters are initialised from the
 * first training batch so that the output has zero mean and unit variance
 * per channel (data-dependent initialisation), then trained freely.
 * Log-det: `Σ s` times the positions per example.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { makeVariable, type NamedVariable } from "../core/variables.ts";
import {
  Bijector,
  type BijectorCallOptions,
  type BijectorConfig,
  type BijectorResult,
  registerBijector,
} from "./bijector.ts";
import { channelReductionAxes, checkChannels } from "../core/shapes.ts";
import { channelAffine } from "../kernels/mod.ts";

/** Config of an {@link ActNorm}. */
export interface ActNormConfig {
  /** Width of the last (channel) axis. */
  dims: number;
}

/** ActNorm bijector with data-dependent initialisation. */
export class ActNorm extends Bijector {
  readonly type = "act_norm";
  readonly #dims: number;
  /** Log-scale `s` (trainable). */
  readonly logScale: tf.Variable;
  /** Bias `b` (trainable). */
  readonly bias: tf.Variable;
  /** 1 once the data-dependent initialisation has run (saved with the model). */
  readonly initialized: tf.Variable;
  #initializedCache = false;

  /**
   * @param config Channel width.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { ActNorm } from "./act_norm.ts";
   * const an = new ActNorm({ dims: 2 });
   * const x = tf.tensor2d([[0, 10], [2, 30]]);
   * // The first training call sets scale and bias from the batch (zero mean, unit variance).
   * an.forward(x, { training: true }).print(); // ≈ [[-1, -1], [1, 1]]
   * console.log(an.isInitialized); // true
   * ```
   */
  constructor(config: ActNormConfig) {
    super();
    this.#dims = config.dims;
    this.logScale = makeVariable(tf.zeros([config.dims]), true);
    this.bias = makeVariable(tf.zeros([config.dims]), true);
    this.initialized = makeVariable(tf.scalar(0), false);
  }

  /** Whether the data-dependent initialisation has happened. */
  get isInitialized(): boolean {
    if (!this.#initializedCache) this.#initializedCache = this.initialized.dataSync()[0] === 1;
    return this.#initializedCache;
  }

  #initialize(x: tf.Tensor): void {
    tf.tidy(() => {
      const { mean, variance } = tf.moments(x, channelReductionAxes(x));
      const logScale = tf.neg(tf.log(tf.add(tf.sqrt(variance), 1e-6)));
      this.logScale.assign(logScale);
      this.bias.assign(tf.neg(tf.mul(mean, tf.exp(logScale))));
      this.initialized.assign(tf.scalar(1));
    });
    this.#initializedCache = true;
  }

  #apply(x: tf.Tensor, inverse: boolean): { value: tf.Tensor; logDet: tf.Tensor1D } {
    return channelAffine(x, this.logScale as tf.Tensor1D, this.bias as tf.Tensor1D, inverse);
  }

  forwardAndLogDet(x: tf.Tensor, options?: BijectorCallOptions): BijectorResult {
    checkChannels(this.type, x, this.#dims);
    if (options?.training && !this.isInitialized) this.#initialize(x);
    return tf.tidy(() => this.#apply(x, false));
  }

  inverseAndLogDet(y: tf.Tensor): BijectorResult {
    checkChannels(this.type, y, this.#dims);
    return tf.tidy(() => this.#apply(y, true));
  }

  override variables(): NamedVariable[] {
    return [
      { name: "log_scale", variable: this.logScale },
      { name: "bias", variable: this.bias },
      { name: "initialized", variable: this.initialized },
    ];
  }

  /** Forgets the cached init flag, e.g. after weights were loaded into the variables. */
  refresh(): void {
    this.#initializedCache = false;
  }

  config(): BijectorConfig {
    return { type: this.type, dims: this.#dims };
  }
}

registerBijector("act_norm", (c) => new ActNorm(c as unknown as ActNormConfig));
