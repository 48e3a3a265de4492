/**
 * A normalizing flow as a distribution: a base distribution on the latent
 * side and a bijector mapping data → latent. By the change of variables,
 * `log p(x) = log p_base(f(x)) + log |det ∂f/∂x|`.
 *
 * @module
 */
import { type Tensor1D, type Tensor2D, tf } from "../core/tf.ts";
import type { Bijector, BijectorCallOptions } from "../bijectors/bijector.ts";
import type { DiagonalNormal } from "./normal.ts";

/** The flow distribution: base on the latent side, bijector data → latent. */
export class TransformedDistribution {
  /** Latent-side distribution. */
  readonly base: DiagonalNormal;
  /** Map from data to latent side. */
  readonly bijector: Bijector;

  /**
   * @param base The latent distribution, e.g. `DiagonalNormal.standard(2)`.
   * @param bijector Data → latent map.
   * @example
   * ```ts
   * import { DiagonalNormal, Permute, TransformedDistribution, tf } from "../../mod.ts";
   * const flow = new TransformedDistribution(DiagonalNormal.standard(2), Permute.reverse(2));
   * flow.logProb(tf.tensor2d([[0, 0]])).print(); // log N(0; 0, I) = -1.8379
   * ```
   */
  constructor(base: DiagonalNormal, bijector: Bijector) {
    this.base = base;
    this.bijector = bijector;
  }

  /** Number of data dimensions (flattened). */
  get dims(): number {
    return this.base.dims;
  }

  /**
   * @param x Data batch.
   * @param options Training mode (batch statistics) and context.
   * @returns `log p(x)` per example, in nats.
   */
  logProb(x: tf.Tensor, options?: BijectorCallOptions): Tensor1D {
    return tf.tidy(() => {
      const { value, logDet } = this.bijector.forwardAndLogDet(x, options);
      return tf.add(this.base.logProb(value), logDet) as Tensor1D;
    });
  }

  /**
   * Draws from the flow: base samples mapped latent → data.
   * @param n Number of samples.
   * @param options Seed, temperature of the base draw, context.
   * @returns Samples on the data side.
   */
  sample(
    n: number,
    options: { seed: number; temperature?: number; context?: Tensor2D },
  ): tf.Tensor {
    return tf.tidy(() => {
      const z = this.base.sample(n, options.seed, options.temperature ?? 1);
      return this.toData(z, options.context ? { context: options.context } : {});
    });
  }

  /**
   * @param x Data batch.
   * @param options Context, if conditional.
   * @returns Latent points `f(x)` (inference mode).
   */
  toLatent(x: tf.Tensor, options: BijectorCallOptions = {}): tf.Tensor {
    return this.bijector.forward(x, { ...options, training: false });
  }

  /**
   * @param z Latent batch.
   * @param options Context, if conditional.
   * @returns Data points `f⁻¹(z)`.
   */
  toData(z: tf.Tensor, options: BijectorCallOptions = {}): tf.Tensor {
    return this.bijector.inverse(z, { ...options, training: false });
  }

  /** Frees the bijector's variables. */
  dispose(): void {
    this.bijector.dispose();
  }
}
