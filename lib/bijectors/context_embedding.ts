/**
 * Conditioning through a learned embedding, as in the conditional INN
 * (cINN; Ardizzone et al. 2019, "Guided image generation with conditional
 * invertible neural networks"): the raw condition `y` given as the context
 * is first mapped by a conditioning network `c` to an embedding, which is
 * the context of an inner conditional bijector `f`:
 *
 * `x ↦ f(x; c(y))`, with `log |det ∂/∂x|` that of `f` (`c` does not touch `x`).
 *
 * The embedding is computed once per call and shared by every conditional
 * member of `f`, and `c` is trained jointly with `f`. A flow built on it is
 * an ordinary conditional flow: `logProb(x, { context: y })` is
 * `log p(x | y)`, `sample(n, { seed, context: y })` draws from it, and the
 * trainer trains it on a data source whose batches carry `y` as context.
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
} from "./bijector.ts";
import type { NamedVariable } from "../core/variables.ts";
import { sumPenalties } from "./_penalty.ts";
import { DenseNetwork, type DenseNetworkConfig } from "../nn/dense_network.ts";

/** Parts of a {@link ContextEmbedding}. */
export interface ContextEmbeddingParts {
  /** Conditional bijector over `x`; its `contextDim` is the embedding width. */
  flow: Bijector;
  /** Width of the raw condition `y` the bijector takes as its context. */
  contextDim: number;
  /** Architecture of the conditioning network `y → embedding`. */
  conditioner: DenseNetworkConfig;
  /** Seed of the conditioning network's initial weights. */
  conditionerSeed: number;
  /**
   * Pass the raw condition on beside the embedding: the inner bijector's
   * context is `[c(y), y]` (its `contextDim` is the embedding width plus the
   * width of `y`), so that a linear path from `y` exists. Default false.
   */
  passCondition?: boolean;
}

/** The bijector `x ↦ f(x; c(y))` with the raw condition `y` as its context. */
export class ContextEmbedding extends Bijector {
  readonly type = "context_embedding";
  /** The conditional bijector over `x`. */
  readonly flow: Bijector;
  /** The conditioning network `y → embedding`. */
  readonly conditioner: DenseNetwork;
  readonly #parts: Omit<ContextEmbeddingParts, "flow">;

  /**
   * @param parts The inner conditional flow, the condition width and the conditioning network.
   * @throws Error when `contextDim` is not a positive integer or the inner flow is unconditional.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { AffineCoupling } from "./affine_coupling.ts";
   * import { ContextEmbedding } from "./context_embedding.ts";
   * const network = { hiddenLayers: [8] };
   * // y (width 1) → embedding (width 4) → context of the coupling over x (width 2)
   * const flow = new AffineCoupling({ dims: 2, contextDim: 4, network, seed: 1 });
   * const b = new ContextEmbedding({ flow, contextDim: 1, conditioner: network, conditionerSeed: 2 });
   * const { value } = b.forwardAndLogDet(tf.randomNormal([3, 2]), { context: tf.ones([3, 1]) });
   * console.log(b.contextDim, value.shape); // 1 [3, 2]
   * ```
   */
  constructor(parts: ContextEmbeddingParts) {
    super();
    const { flow, ...rest } = parts;
    if (!Number.isInteger(rest.contextDim) || rest.contextDim < 1) {
      throw new Error(`contextDim must be a positive integer, got ${rest.contextDim}`);
    }
    if (flow.contextDim < 1) {
      throw new Error(
        `The inner flow of a context embedding must be conditional, but its ${flow.type} ` +
          `takes no context (build its couplings with a contextDim)`,
      );
    }
    this.flow = flow;
    this.#parts = { ...rest };
    const embeddingOut = flow.contextDim - (rest.passCondition ? rest.contextDim : 0);
    if (embeddingOut < 1) {
      throw new Error(
        `With passCondition the inner flow's context (${flow.contextDim}) must be wider than ` +
          `the condition y (${rest.contextDim}), to leave room for the embedding`,
      );
    }
    this.conditioner = new DenseNetwork(
      rest.contextDim,
      embeddingOut,
      rest.conditioner,
      rest.conditionerSeed,
    );
  }

  /** Width of the raw condition `y`. */
  override get contextDim(): number {
    return this.#parts.contextDim;
  }

  /** Width of the embedding `c(y)`, the inner flow's context. */
  get embeddingDim(): number {
    return this.flow.contextDim;
  }

  /**
   * The embedding the inner flow is conditioned on.
   * @param context Raw conditions `[n, contextDim]`.
   * @returns `c(y)` `[n, embeddingDim]`.
   * @throws Error naming the expected and actual shapes.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { AffineCoupling } from "./affine_coupling.ts";
   * import { ContextEmbedding } from "./context_embedding.ts";
   * const network = { hiddenLayers: [8] };
   * const flow = new AffineCoupling({ dims: 2, contextDim: 4, network, seed: 1 });
   * const b = new ContextEmbedding({ flow, contextDim: 1, conditioner: network, conditionerSeed: 2 });
   * console.log(b.embed(tf.ones([5, 1])).shape); // [5, 4]
   * ```
   */
  embed(context: tf.Tensor2D): tf.Tensor2D {
    if (context.rank !== 2 || context.shape[1] !== this.contextDim) {
      throw new Error(
        `${this.type} needs a context of shape [batch, ${this.contextDim}], got [${context.shape}]`,
      );
    }
    const embedding = this.conditioner.apply(context);
    return this.#parts.passCondition
      ? tf.tidy(() => tf.concat([embedding, context], 1) as tf.Tensor2D)
      : embedding;
  }

  #run(x: tf.Tensor, options: BijectorCallOptions | undefined, inverse: boolean): BijectorResult {
    const ctx = this.requireContext(x, options);
    return tf.tidy(() => {
      const call = { ...options, context: this.embed(ctx) };
      const r = inverse ? this.flow.inverseAndLogDet(x, call) : this.flow.forwardAndLogDet(x, call);
      return { value: r.value, logDet: r.logDet };
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
    return sumPenalties([this.flow.regularization(), this.conditioner.regularization()]);
  }

  config(): BijectorConfig {
    const { contextDim, conditioner, conditionerSeed, passCondition } = this.#parts;
    return {
      type: this.type,
      contextDim,
      embeddingDim: this.embeddingDim,
      conditioner,
      conditionerSeed,
      ...(passCondition ? { passCondition: true } : {}),
      flow: this.flow.config(),
    };
  }
}

/** The retired type that {@link upgradeBijectorConfig} rewrites. */
const LEGACY_JOINT_TYPE = "inn_conditional_joint";

/**
 * Rewrites the config of a retired bijector type into that of its
 * replacement, so that model folders and checkpoints written by earlier
 * versions load. Today one type is retired: `"inn_conditional_joint"`, the
 * cINN's joint bijector `[x, y] ↦ [f(x; c(y)), y]` on rows `[x, y]`, which
 * becomes a {@link ContextEmbedding} taking `y` as its context (same inner
 * flow, conditioning network and variable names, so the saved weights
 * load unchanged). Other configs are returned as they are.
 * @param config A bijector config as read from a file.
 * @returns The config in the current form.
 * @example
 * ```ts
 * import { upgradeBijectorConfig } from "./context_embedding.ts";
 * const flow = { type: "affine_coupling", dims: 2, contextDim: 4, network: { hiddenLayers: [8] }, seed: 1 };
 * const old = {
 *   type: "inn_conditional_joint", dimX: 2, dimY: 1, contextDim: 4,
 *   conditioner: { hiddenLayers: [8] }, conditionerSeed: 2, flow,
 * };
 * console.log(upgradeBijectorConfig(old).type); // context_embedding
 * ```
 */
export function upgradeBijectorConfig(config: BijectorConfig): BijectorConfig {
  if (config?.type !== LEGACY_JOINT_TYPE) return config;
  return {
    type: "context_embedding",
    contextDim: config.dimY,
    embeddingDim: config.contextDim,
    conditioner: config.conditioner,
    conditionerSeed: config.conditionerSeed,
    flow: config.flow,
  };
}

registerBijector("context_embedding", (c) => {
  const flow = bijectorFromConfig(c.flow as BijectorConfig);
  if (c.embeddingDim !== undefined && c.embeddingDim !== flow.contextDim) {
    flow.dispose();
    throw new Error(
      `context_embedding: embeddingDim ${c.embeddingDim} differs from the inner flow's ` +
        `context width ${flow.contextDim}`,
    );
  }
  try {
    return new ContextEmbedding({
      flow,
      contextDim: c.contextDim as number,
      conditioner: c.conditioner as DenseNetworkConfig,
      conditionerSeed: c.conditionerSeed as number,
      passCondition: c.passCondition === true,
    });
  } catch (err) {
    flow.dispose();
    throw err;
  }
});
