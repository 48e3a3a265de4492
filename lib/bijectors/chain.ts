/**
 * Composition of bijectors. `forward` applies them in order (data → latent),
 * `inverse` in reverse order; log-dets add.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { sumTensors } from "../kernels/mod.ts";
import {
  Bijector,
  type BijectorCallOptions,
  type BijectorConfig,
  bijectorFromConfig,
  type BijectorResult,
  commonContextDim,
  registerBijector,
} from "./bijector.ts";
import type { NamedVariable } from "../core/variables.ts";
import { sumPenalties } from "./_penalty.ts";

/** Sum of the steps' log-dets in one kernel (one `add` per step costs a dispatch each way). */
function sumLogDets(logDets: tf.Tensor1D[], batch: number): tf.Tensor1D {
  if (logDets.length === 0) return tf.zeros([batch]);
  return sumTensors(logDets);
}

/** A sequence of bijectors applied one after another. */
export class Chain extends Bijector {
  readonly type = "chain";
  /** The members, in forward order. */
  readonly bijectors: readonly Bijector[];
  readonly #contextDim: number;

  /**
   * @param bijectors Members in forward (data → latent) order. Conditional
   *   members all receive the chain's context, so they must take one width.
   * @throws Error when conditional members take contexts of different widths.
   * @example
   * ```ts
   * import { Chain, Permute, tf } from "../../mod.ts";
   * const flow = new Chain([Permute.reverse(3), Permute.reverse(3)]);
   * flow.forward(tf.tensor2d([[1, 2, 3]])).print(); // [[1, 2, 3]]
   * ```
   */
  constructor(bijectors: readonly Bijector[]) {
    super();
    this.bijectors = bijectors;
    this.#contextDim = commonContextDim(bijectors, "chain");
  }

  /** True when every member is volume-preserving. */
  override get volumePreserving(): boolean {
    return this.bijectors.every((b) => b.volumePreserving);
  }

  /** The context width of the conditional members; 0 when none is conditional. */
  override get contextDim(): number {
    return this.#contextDim;
  }

  forwardAndLogDet(x: tf.Tensor, options?: BijectorCallOptions): BijectorResult {
    return tf.tidy(() => {
      let value = x;
      const logDets: tf.Tensor1D[] = [];
      for (const b of this.bijectors) {
        const r = b.forwardAndLogDet(value, options);
        value = r.value;
        if (!b.volumePreserving) logDets.push(r.logDet);
      }
      return { value, logDet: sumLogDets(logDets, x.shape[0]) };
    });
  }

  inverseAndLogDet(y: tf.Tensor, options?: BijectorCallOptions): BijectorResult {
    return tf.tidy(() => {
      let value = y;
      const logDets: tf.Tensor1D[] = [];
      for (let i = this.bijectors.length - 1; i >= 0; i--) {
        const b = this.bijectors[i];
        const r = b.inverseAndLogDet(value, options);
        value = r.value;
        if (!b.volumePreserving) logDets.push(r.logDet);
      }
      return { value, logDet: sumLogDets(logDets, y.shape[0]) };
    });
  }

  override variables(): NamedVariable[] {
    return this.bijectors.flatMap((b, i) =>
      b.variables().map((v) => ({ ...v, name: `${i}.${b.type}/${v.name}` }))
    );
  }

  override regularization(): tf.Scalar | null {
    return sumPenalties(this.bijectors.map((b) => b.regularization()));
  }

  config(): BijectorConfig {
    return { type: this.type, bijectors: this.bijectors.map((b) => b.config()) };
  }
}

registerBijector(
  "chain",
  (c) => new Chain((c.bijectors as BijectorConfig[]).map((b) => bijectorFromConfig(b))),
);
