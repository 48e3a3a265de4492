/**
 * A conditional flow written as an ordinary flow on the joint space, so the
 * toolkit's one maximum-likelihood trainer ({@link ../training/trainer.ts
 * trainFlow}) trains it unchanged — with its schedules, clipping, NaN guard,
 * early stopping, checkpoints and history.
 *
 * {@link ConditionalJoint} is the triangular bijector
 * `[x, y] ↦ [f(x; c(y)), y]`: a conditional bijector `f` over `x` whose
 * context is an embedding `c(y)` computed by a conditioning network, with
 * `y` passed through (so it is invertible, and its log-det is that of `f`).
 * {@link ConditionalBase} is a standard normal over the `x` block only; the
 * `y` block is given, not modelled. Together, as a
 * {@link ../distributions/transformed.ts TransformedDistribution},
 * `logProb([x, y]) = log p(x | y)`.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import {
  Bijector,
  type BijectorCallOptions,
  type BijectorConfig,
  bijectorFromConfig,
  type BijectorResult,
  registerBijector,
} from "../bijectors/bijector.ts";
import { type NamedVariable } from "../core/variables.ts";
import { DiagonalNormal } from "../distributions/normal.ts";
import { DenseNetwork, type DenseNetworkConfig } from "../nn/dense_network.ts";

/** Parts of a {@link ConditionalJoint}. */
export interface ConditionalJointParts {
  /** Conditional bijector over `x`, whose context width is the conditioner's output. */
  flow: Bijector;
  /** Width of `x`. */
  dimX: number;
  /** Width of `y`. */
  dimY: number;
  /** Architecture of the conditioning network `y → context`. */
  conditioner: DenseNetworkConfig;
  /** Context width (the conditioning network's output). */
  contextDim: number;
  /** Seed of the conditioning network's initial weights. */
  conditionerSeed: number;
}

/** The bijector `[x, y] ↦ [f(x; c(y)), y]`. */
export class ConditionalJoint extends Bijector {
  readonly type = "inn_conditional_joint";
  /** The conditional bijector over `x`. */
  readonly flow: Bijector;
  /** The conditioning network `y → context`. */
  readonly conditioner: DenseNetwork;
  readonly #parts: ConditionalJointParts;

  /**
   * @param parts The conditional flow over `x`, the widths and the conditioning network.
   * @throws Error when a width is not a positive integer.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { AffineCoupling } from "../bijectors/affine_coupling.ts";
   * import { ConditionalJoint } from "./conditional_joint.ts";
   * const network = { hiddenLayers: [8] };
   * const flow = new AffineCoupling({ dims: 2, contextDim: 4, network, seed: 1 });
   * const joint = new ConditionalJoint({
   *   flow, dimX: 2, dimY: 1, conditioner: network, contextDim: 4, conditionerSeed: 2,
   * });
   * console.log(joint.forward(tf.randomNormal([3, 3])).shape); // [3, 3]
   * ```
   */
  constructor(parts: ConditionalJointParts) {
    super();
    for (const key of ["dimX", "dimY", "contextDim"] as const) {
      if (!Number.isInteger(parts[key]) || parts[key] < 1) {
        throw new Error(`${key} must be a positive integer, got ${parts[key]}`);
      }
    }
    this.flow = parts.flow;
    this.#parts = { ...parts };
    this.conditioner = new DenseNetwork(
      parts.dimY,
      parts.contextDim,
      parts.conditioner,
      parts.conditionerSeed,
    );
  }

  /**
   * The context fed to the flow for observations `y`.
   * @param y Observations `[n, dimY]`.
   * @returns `c(y)` `[n, contextDim]`.
   * @throws Error naming the expected and actual shapes.
   */
  context(y: tf.Tensor2D): tf.Tensor2D {
    if (y.rank !== 2 || y.shape[1] !== this.#parts.dimY) {
      throw new Error(
        `Observations must have shape [batch, ${this.#parts.dimY}], got [${y.shape}]`,
      );
    }
    return this.conditioner.apply(y);
  }

  #run(t: tf.Tensor, options: BijectorCallOptions | undefined, inverse: boolean): BijectorResult {
    const { dimX, dimY } = this.#parts;
    if (t.rank !== 2 || t.shape[1] !== dimX + dimY) {
      throw new Error(
        `${this.type} expects rows [batch, dimX + dimY = ${dimX + dimY}], got [${t.shape}]`,
      );
    }
    return tf.tidy(() => {
      const [x, y] = tf.split(t, [dimX, dimY], 1) as [tf.Tensor2D, tf.Tensor2D];
      const call = { ...options, context: this.context(y) };
      const r = inverse ? this.flow.inverseAndLogDet(x, call) : this.flow.forwardAndLogDet(x, call);
      return { value: tf.concat([r.value, y], 1), logDet: r.logDet };
    });
  }

  forwardAndLogDet(x: tf.Tensor, options?: BijectorCallOptions): BijectorResult {
    return this.#run(x, options, false);
  }

  inverseAndLogDet(y: tf.Tensor, options?: BijectorCallOptions): BijectorResult {
    return this.#run(y, options, true);
  }

  override variables(): NamedVariable[] {
    return [
      ...this.flow.variables().map((v) => ({ ...v, name: `flow/${v.name}` })),
      ...this.conditioner.variables().map((v) => ({ ...v, name: `conditioner/${v.name}` })),
    ];
  }

  override regularization(): tf.Scalar | null {
    const terms = [this.flow.regularization(), this.conditioner.regularization()].filter(
      (t) => t !== null,
    );
    if (terms.length === 0) return null;
    return tf.tidy(() => tf.addN(terms) as tf.Scalar);
  }

  config(): BijectorConfig {
    const { flow: _flow, ...rest } = this.#parts;
    return { type: this.type, ...rest, flow: this.flow.config() };
  }
}

registerBijector("inn_conditional_joint", (c) =>
  new ConditionalJoint({
    ...(c as unknown as ConditionalJointParts),
    flow: bijectorFromConfig(c.flow as BijectorConfig),
  }));

/** A standard normal over the first `dimX` coordinates of rows `[x, y]`; `y` is not modelled. */
export class ConditionalBase extends DiagonalNormal {
  /** Width of the modelled block. */
  readonly dimX: number;
  readonly #standard: DiagonalNormal;

  /**
   * @param dimX Width of the modelled block `x`.
   * @param dimY Width of the given block `y`.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { ConditionalBase } from "./conditional_joint.ts";
   * new ConditionalBase(1, 1).logProb(tf.tensor2d([[0, 5]])).print(); // -0.9189 (y ignored)
   * ```
   */
  constructor(dimX: number, dimY: number) {
    super(new Array(dimX + dimY).fill(0), new Array(dimX + dimY).fill(1));
    this.dimX = dimX;
    this.#standard = DiagonalNormal.standard(dimX);
  }

  /**
   * @param z Rows `[batch, dimX + dimY]`.
   * @returns The standard-normal log-density of each row's first `dimX` values.
   */
  override logProb(z: tf.Tensor): tf.Tensor1D {
    if (z.rank !== 2 || z.shape[1] !== this.dims) {
      throw new Error(`Expected rows [batch, ${this.dims}], got [${z.shape}]`);
    }
    return tf.tidy(() =>
      this.#standard.logProb(tf.slice(z, [0, 0], [z.shape[0], this.dimX])) as tf.Tensor1D
    );
  }

  /** Differential entropy of the modelled block, in nats. */
  override entropy(): number {
    return this.#standard.entropy();
  }
}
