/**
 * A normalizing flow as a distribution: a base distribution on the latent
 * side and a bijector mapping data → latent. By the change of variables,
 * `log p(x) = log p_base(f(x)) + log |det ∂f/∂x|`.
 *
 * A flow whose bijector takes a context (`bijector.contextDim > 0`:
 * couplings built with `contextDim`, a chain of them, a cINN's
 * {@link ../bijectors/context_embedding.ts ContextEmbedding}) is a
 * conditional flow: with the condition `c` given as `context`,
 * `log p(x | c) = log p_base(f(x; c)) + log |det ∂f(x; c)/∂x|`, and
 * sampling maps base draws through `f⁻¹(·; c)`. Every method checks the
 * context against the flow: a conditional flow needs one of its width,
 * an unconditional flow refuses one. A context of one row is broadcast to
 * the whole batch (all samples, or all points, under the same condition).
 *
 * The base may be conditional too ({@link ./base.ts BaseDistribution} with a
 * `contextDim`), e.g. the class-conditional Gaussian mixture of a generative
 * classifier ({@link ./class_mixture.ts}): the context (one-hot classes) then
 * reaches the base, `logProb(x, { context })` is `log p(x | y)` and
 * `sample(n, { context })` draws images of the given classes. When only the
 * base is conditional, a call without a context is the marginal: `logProb(x)`
 * is `log p(x) = log Σ_y p(y) p(x | y)`.
 *
 * @module
 */
import { type Tensor1D, type Tensor2D, tf } from "../core/tf.ts";
import type { Bijector, BijectorCallOptions } from "../bijectors/bijector.ts";
import type { NamedVariable } from "../core/variables.ts";
import type { BaseDistribution } from "./base.ts";

/** Options of {@link TransformedDistribution.sample}. */
export interface SampleOptions {
  /** Seed of the base draw. */
  seed: number;
  /** Multiplies the base's standard deviation. Default 1. */
  temperature?: number;
  /**
   * The condition of a conditional flow: `[n, contextDim]`, one row per
   * sample, or `[1, contextDim]` for `n` samples under the same condition.
   */
  context?: Tensor2D;
}

/** The flow distribution: base on the latent side, bijector data → latent. */
export class TransformedDistribution {
  /** Latent-side distribution. */
  readonly base: BaseDistribution;
  /** Map from data to latent side. */
  readonly bijector: Bijector;

  /**
   * @param base The latent distribution, e.g. `DiagonalNormal.standard(2)`.
   * @param bijector Data → latent map.
   * @throws Error when both the base and the bijector take a context, of different widths.
   * @example
   * ```ts
   * import { DiagonalNormal, Permute, TransformedDistribution, tf } from "../../mod.ts";
   * const flow = new TransformedDistribution(DiagonalNormal.standard(2), Permute.reverse(2));
   * flow.logProb(tf.tensor2d([[0, 0]])).print(); // log N(0; 0, I) = -1.8379
   * ```
   */
  constructor(base: BaseDistribution, bijector: Bijector) {
    const b = base.contextDim ?? 0, f = bijector.contextDim;
    if (b > 0 && f > 0 && b !== f) {
      throw new Error(
        `The base takes a context of width ${b} and the bijector one of width ${f}; ` +
          `a flow passes one context to both`,
      );
    }
    this.base = base;
    this.bijector = bijector;
  }

  /** Number of data dimensions (flattened). */
  get dims(): number {
    return this.base.dims;
  }

  /**
   * Width of the condition a conditional flow takes as `context`; 0 for an
   * unconditional flow.
   * @example
   * ```ts
   * import { buildRealNvpFlow } from "../flows/realnvp_flow.ts";
   * const flow = buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [8], contextDim: 3, seed: 1 });
   * console.log(flow.contextDim); // 3
   * ```
   */
  get contextDim(): number {
    return this.bijector.contextDim || (this.base.contextDim ?? 0);
  }

  /**
   * Every variable of the flow, named for save/load: the bijector's, then the base's.
   * @returns The named variables.
   * @example
   * ```ts
   * import { buildRealNvpFlow } from "../flows/realnvp_flow.ts";
   * const flow = buildRealNvpFlow({ dims: 2, flowSteps: 1, hiddenLayers: [4], seed: 1 });
   * console.log(flow.variables().length > 0); // true
   * ```
   */
  variables(): NamedVariable[] {
    return [...this.bijector.variables(), ...(this.base.variables?.() ?? [])];
  }

  /**
   * The variables training updates (bijector and base).
   * @returns The trainable variables.
   * @example
   * ```ts
   * import { buildRealNvpFlow } from "../flows/realnvp_flow.ts";
   * const flow = buildRealNvpFlow({ dims: 2, flowSteps: 1, hiddenLayers: [4], seed: 1 });
   * const n = flow.trainableVariables().reduce((a, v) => a + v.size, 0); // parameters
   * ```
   */
  trainableVariables(): tf.Variable[] {
    return this.variables().filter((v) => v.variable.trainable).map((v) => v.variable);
  }

  /**
   * Checks the context of a call against the flow and broadcasts a one-row
   * context to `n` rows. Call inside `tf.tidy` (the broadcast allocates).
   */
  #withContext(
    options: BijectorCallOptions | undefined,
    n: number,
    what: string,
  ): BijectorCallOptions | undefined {
    const width = this.contextDim;
    const ctx = options?.context;
    if (!ctx) {
      // Only the base conditional: no context means the marginal.
      if (width === 0 || this.bijector.contextDim === 0) return options;
      throw new Error(
        `${what}: this flow is conditional and needs a context of shape [${n}, ${width}] ` +
          `(or [1, ${width}]), got none; pass { context }`,
      );
    }
    if (width === 0) {
      throw new Error(
        `${what}: this flow is unconditional (it takes no context), but a context of shape ` +
          `[${ctx.shape}] was given`,
      );
    }
    if (ctx.rank !== 2 || ctx.shape[1] !== width || (ctx.shape[0] !== n && ctx.shape[0] !== 1)) {
      throw new Error(
        `${what}: the context must have shape [${n}, ${width}] or [1, ${width}], got [${ctx.shape}]`,
      );
    }
    if (ctx.shape[0] === n) return options;
    return { ...options, context: tf.tile(ctx, [n, 1]) as Tensor2D };
  }

  /**
   * @param x Data batch.
   * @param options Training mode (batch statistics) and, for a conditional flow,
   *   the context `[n, contextDim]` (or one row for every point).
   * @returns `log p(x)` (or `log p(x | context)`) per example, in nats.
   * @throws Error naming the expected shape when the context is missing, unexpected or
   *   of the wrong shape.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { buildRealNvpFlow } from "../flows/realnvp_flow.ts";
   * const flow = buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [8], contextDim: 1, seed: 1 });
   * const x = tf.tensor2d([[0, 0], [1, 2]]);
   * flow.logProb(x, { context: tf.tensor2d([[0.5], [-1]]) }).print(); // log p(x | c), shape [2]
   * flow.logProb(x, { context: tf.tensor2d([[0.5]]) }).print(); // both points given c = 0.5
   * ```
   */
  logProb(x: tf.Tensor, options?: BijectorCallOptions): Tensor1D {
    return tf.tidy(() => {
      const call = this.#withContext(options, x.shape[0], "logProb");
      const { value, logDet } = this.bijector.forwardAndLogDet(x, call);
      return tf.add(this.base.logProb(value, call?.context), logDet) as Tensor1D;
    });
  }

  /**
   * Draws from the flow: base samples mapped latent → data.
   * @param n Number of samples.
   * @param options Seed, temperature of the base draw and, for a conditional flow,
   *   the context: `[n, contextDim]` (one condition per sample) or `[1, contextDim]`
   *   (all `n` samples under one condition, e.g. a posterior given one observation).
   * @returns Samples on the data side.
   * @throws Error naming the expected shape when the context does not fit.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { buildRealNvpFlow } from "../flows/realnvp_flow.ts";
   * const flow = buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [8], contextDim: 1, seed: 1 });
   * const xs = flow.sample(100, { seed: 2, context: tf.tensor2d([[0.5]]) }); // 100 draws of p(x | 0.5)
   * console.log(xs.shape); // [100, 2]
   * ```
   */
  sample(n: number, options: SampleOptions): tf.Tensor {
    return tf.tidy(() => {
      const call = this.#withContext({ context: options.context }, n, "sample");
      const z = this.base.sample(n, options.seed, options.temperature ?? 1, call?.context);
      return this.bijector.inverse(z, { ...call, training: false });
    });
  }

  /**
   * @param x Data batch.
   * @param options Context, if conditional.
   * @returns Latent points `f(x)` (inference mode).
   */
  toLatent(x: tf.Tensor, options: BijectorCallOptions = {}): tf.Tensor {
    return tf.tidy(() => {
      const call = this.#withContext(options, x.shape[0], "toLatent");
      return this.bijector.forward(x, { ...call, training: false });
    });
  }

  /**
   * @param z Latent batch.
   * @param options Context, if conditional.
   * @returns Data points `f⁻¹(z)`.
   */
  toData(z: tf.Tensor, options: BijectorCallOptions = {}): tf.Tensor {
    return tf.tidy(() => {
      const call = this.#withContext(options, z.shape[0], "toData");
      return this.bijector.inverse(z, { ...call, training: false });
    });
  }

  /** Frees the variables of the bijector and the base. */
  dispose(): void {
    this.bijector.dispose();
    this.base.dispose?.();
  }
}
