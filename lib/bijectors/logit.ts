/**
 * The usual pre-processing of image flows (Dinh et al. 2017, RealNVP) as a
 * bijector, so that its log-det enters the likelihood: a dequantised pixel
 * value `x ∈ [0, L)` (`L = levels`, 256 for 8-bit images, see
 * `dequantize.ts`) is scaled into `(α, 1 − α)` and mapped through the logit,
 *
 *     p = α + (1 − 2α) · x / L,    y = log p − log(1 − p),
 *
 * elementwise, with
 *
 *     log |dy/dx| = log((1 − 2α) / L) − log p − log(1 − p)
 *                 = log((1 − 2α) / L) + softplus(y) + softplus(−y).
 *
 * Bits per dimension. With this bijector first in the flow and the data in
 * pixel units (integer pixel `k ∈ {0, …, L−1}` plus `U(0, 1)` noise), the
 * flow's `log p(x)` is a density on `[0, L)^D`, and
 * `−log p(x) / (D · ln 2)` — what the trainer reports as bits/dim — is the
 * number published for RealNVP, Glow and others: an upper bound on the code
 * length of the discrete image in bits per sub-pixel. Data already divided by
 * `L` (values in `[0, 1)`) with `levels: 1` give a density on the unit cube
 * instead; add `log₂ L` (8 for 8-bit images) to its bits/dim to compare.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import {
  Bijector,
  type BijectorConfig,
  type BijectorResult,
  registerBijector,
  sumPerExample,
} from "./bijector.ts";

/** Config of a {@link LogitTransform}. */
export interface LogitConfig {
  /**
   * Margin `α` in (0, 0.5) keeping the logit finite. Default 1e-6 (RealNVP's value for MNIST;
   * it used 0.05 for CIFAR-10).
   */
  alpha?: number;
  /** Width `L` of the input range `[0, L)`. Default 256 (8-bit pixels). */
  levels?: number;
}

/** Scale into `(α, 1 − α)`, then logit; elementwise on any shape. */
export class LogitTransform extends Bijector {
  readonly type = "logit";
  /** Margin α. */
  readonly alpha: number;
  /** Input range width L. */
  readonly levels: number;

  /**
   * @param config α and L.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { LogitTransform } from "./logit.ts";
   * const logit = new LogitTransform({ alpha: 1e-6, levels: 256 });
   * logit.forward(tf.tensor2d([[128, 0.5]])).print(); // [[0, -6.24]]
   * ```
   */
  constructor(config: LogitConfig = {}) {
    super();
    const alpha = config.alpha ?? 1e-6;
    const levels = config.levels ?? 256;
    if (!(alpha > 0 && alpha < 0.5)) throw new Error(`alpha must be in (0, 0.5), got ${alpha}`);
    if (!(levels > 0)) throw new Error(`levels must be positive, got ${levels}`);
    this.alpha = alpha;
    this.levels = levels;
  }

  /** `log |dy/dx|` per element, from the logit `y`. */
  #logDerivative(y: tf.Tensor): tf.Tensor {
    const constant = Math.log((1 - 2 * this.alpha) / this.levels);
    return tf.add(tf.add(tf.softplus(y), tf.softplus(tf.neg(y))), constant);
  }

  forwardAndLogDet(x: tf.Tensor): BijectorResult {
    return tf.tidy(() => {
      const p = tf.add(tf.mul(x, (1 - 2 * this.alpha) / this.levels), this.alpha);
      const y = tf.sub(tf.log(p), tf.log1p(tf.neg(p)));
      return { value: y, logDet: sumPerExample(this.#logDerivative(y)) };
    });
  }

  inverseAndLogDet(y: tf.Tensor): BijectorResult {
    return tf.tidy(() => {
      const x = tf.mul(tf.sub(tf.sigmoid(y), this.alpha), this.levels / (1 - 2 * this.alpha));
      return { value: x, logDet: tf.neg(sumPerExample(this.#logDerivative(y))) };
    });
  }

  config(): BijectorConfig {
    return { type: this.type, alpha: this.alpha, levels: this.levels };
  }
}

registerBijector("logit", (c) => new LogitTransform(c as LogitConfig));
