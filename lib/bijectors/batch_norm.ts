/**
 * Batch normalization as a bijector, with the semantics of TensorFlow
 * Probability's `BatchNormalization` bijector: in training mode the batch's
 * mean and variance normalize the input and update moving averages; in
 * inference mode the moving averages are used. The log-det is that of the
 * affine map actually applied, `Σ log|γ| − ½ log(σ² + ε)`, with the
 * statistics treated as constants.
 *
 * Forward (data → latent): `z = (x − μ) / √(σ² + ε) · γ + β`. The inverse
 * always uses the moving averages.
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
import { batchNormTraining } from "../kernels/mod.ts";
import { checkChannels, positionsPerExample } from "../core/shapes.ts";

/** Config of a {@link BatchNormalization}. */
export interface BatchNormalizationConfig {
  /** Width of the last (channel) axis. */
  dims: number;
  /** Moving-average momentum. Default 0.99. */
  momentum?: number;
  /** Variance floor ε. Default 1e-3. */
  epsilon?: number;
}

/** Batch normalization bijector (TFP semantics). */
export class BatchNormalization extends Bijector {
  readonly type = "batch_norm";
  readonly #config: Required<BatchNormalizationConfig>;
  /** Scale γ (trainable). */
  readonly gamma: tf.Variable;
  /** Offset β (trainable). */
  readonly beta: tf.Variable;
  /** Moving mean (updated in training mode). */
  readonly movingMean: tf.Variable;
  /** Moving variance (updated in training mode). */
  readonly movingVariance: tf.Variable;

  /**
   * @param config Channel width, momentum, epsilon.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { BatchNormalization } from "./batch_norm.ts";
   * const bn = new BatchNormalization({ dims: 2 });
   * const x = tf.tensor2d([[0, 10], [2, 30]]);
   * // Training mode: normalized by the batch statistics, moving averages updated.
   * bn.forward(x, { training: true }).print(); // ≈ [[-1, -1], [1, 1]]
   * bn.movingMean.print(); // [0.01, 0.2] (momentum 0.99)
   * ```
   */
  constructor(config: BatchNormalizationConfig) {
    super();
    this.#config = { momentum: 0.99, epsilon: 1e-3, ...config };
    const d = config.dims;
    this.gamma = makeVariable(tf.ones([d]), true);
    this.beta = makeVariable(tf.zeros([d]), true);
    this.movingMean = makeVariable(tf.zeros([d]), false);
    this.movingVariance = makeVariable(tf.ones([d]), false);
  }

  #logDet(x: tf.Tensor, variance: tf.Tensor): tf.Tensor1D {
    const perExample = tf.mul(
      tf.sum(
        tf.sub(
          tf.log(tf.abs(this.gamma)),
          tf.mul(0.5, tf.log(tf.add(variance, this.#config.epsilon))),
        ),
      ),
      positionsPerExample(x),
    );
    return tf.mul(tf.ones([x.shape[0]]), perExample) as tf.Tensor1D;
  }

  forwardAndLogDet(x: tf.Tensor, options?: BijectorCallOptions): BijectorResult {
    checkChannels(this.type, x, this.#config.dims);
    const { epsilon } = this.#config;
    return tf.tidy(() => {
      if (options?.training) {
        return batchNormTraining(x, this.gamma, this.beta, epsilon, {
          mean: this.movingMean,
          variance: this.movingVariance,
          momentum: options.statisticsMomentum ?? this.#config.momentum,
        });
      }
      const value = tf.add(
        tf.mul(
          tf.mul(tf.sub(x, this.movingMean), tf.rsqrt(tf.add(this.movingVariance, epsilon))),
          this.gamma,
        ),
        this.beta,
      );
      return { value, logDet: this.#logDet(x, this.movingVariance) };
    });
  }

  inverseAndLogDet(y: tf.Tensor): BijectorResult {
    checkChannels(this.type, y, this.#config.dims);
    return tf.tidy(() => {
      const std = tf.sqrt(tf.add(this.movingVariance, this.#config.epsilon));
      const value = tf.add(tf.mul(tf.div(tf.sub(y, this.beta), this.gamma), std), this.movingMean);
      return { value, logDet: tf.neg(this.#logDet(y, this.movingVariance)) as tf.Tensor1D };
    });
  }

  override variables(): NamedVariable[] {
    return [
      { name: "gamma", variable: this.gamma },
      { name: "beta", variable: this.beta },
      { name: "moving_mean", variable: this.movingMean },
      { name: "moving_variance", variable: this.movingVariance },
    ];
  }

  config(): BijectorConfig {
    return { type: this.type, ...this.#config };
  }
}

registerBijector(
  "batch_norm",
  (c) => new BatchNormalization(c as unknown as BatchNormalizationConfig),
);
