/**
 * The coupling pattern shared by every coupling bijector (Dinh et al. 2016):
 * split the last axis into `[x1, x2]`, leave `x1` unchanged, and transform
 * `x2` elementwise with parameters computed by a network from `x1` (and the
 * conditioning context, when there is one). Subclasses supply only the
 * elementwise transform, so the affine and spline couplings share the rest.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { Bijector, type BijectorCallOptions, type BijectorResult } from "./bijector.ts";
import type { NamedVariable } from "../core/variables.ts";
import { DenseNetwork, type DenseNetworkConfig } from "../nn/dense_network.ts";

/** Fields common to every coupling's config. */
export interface CouplingConfig {
  /** Width of the last axis. */
  dims: number;
  /** How many leading dims pass through unchanged; default `floor(dims / 2)`. */
  numMasked?: number;
  /** Width of the conditioning context; 0 (default) for an unconditional coupling. */
  contextDim?: number;
  /** The parameter network's architecture. */
  network: DenseNetworkConfig;
  /** Seed of the network's initialisation. */
  seed: number;
}

/** Output of an elementwise coupling transform. */
export interface ElementwiseResult {
  /** Transformed `x2`. */
  value: tf.Tensor2D;
  /** Log-det per element of `x2`, same shape. */
  logDetElements: tf.Tensor2D;
}

/**
 * Base class of couplings over `[batch, dims]` inputs. A subclass gives the
 * network outputs per transformed dim, its `type`, the elementwise
 * `transform` and `config()`.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import type { BijectorConfig } from "./bijector.ts";
 * import { CouplingBijector, type ElementwiseResult } from "./coupling.ts";
 * // Additive coupling (NICE): x2 + t(x1), one network output per transformed dim.
 * class AdditiveCoupling extends CouplingBijector {
 *   readonly type = "additive_coupling";
 *   constructor(dims: number) {
 *     super({ dims, network: { hiddenLayers: [8] }, seed: 1 }, 1);
 *   }
 *   protected transform(x2: tf.Tensor2D, t: tf.Tensor2D, inverse: boolean): ElementwiseResult {
 *     return { value: inverse ? tf.sub(x2, t) : tf.add(x2, t), logDetElements: tf.zerosLike(x2) };
 *   }
 *   config(): BijectorConfig {
 *     return { type: this.type, ...this.couplingConfig(1) };
 *   }
 * }
 * const c = new AdditiveCoupling(4);
 * const x = tf.tensor2d([[1, 2, 3, 4]]);
 * c.inverse(c.forward(x)).print(); // ≈ [[1, 2, 3, 4]]
 * ```
 */
export abstract class CouplingBijector extends Bijector {
  /** Dims passed through. */
  readonly numMasked: number;
  /** Total dims. */
  readonly dims: number;
  readonly #contextDim: number;
  /** The parameter network `[x1, context] → parameters of x2`. */
  readonly network: DenseNetwork;

  /**
   * @param config Shared coupling fields.
   * @param paramsPerDim How many network outputs each transformed dim needs.
   */
  constructor(config: CouplingConfig, paramsPerDim: number) {
    super();
    const { dims } = config;
    const numMasked = config.numMasked ?? Math.floor(dims / 2);
    if (!Number.isInteger(dims) || dims < 2) {
      throw new Error(`A coupling needs at least 2 dims, got dims=${dims}`);
    }
    if (!Number.isInteger(numMasked) || numMasked < 1 || numMasked >= dims) {
      throw new Error(`numMasked must be an integer in [1, ${dims - 1}], got ${numMasked}`);
    }
    this.dims = dims;
    this.numMasked = numMasked;
    const contextDim = config.contextDim ?? 0;
    if (!Number.isInteger(contextDim) || contextDim < 0) {
      throw new Error(`contextDim must be a non-negative integer, got ${contextDim}`);
    }
    this.#contextDim = contextDim;
    this.network = new DenseNetwork(
      numMasked + contextDim,
      paramsPerDim * (dims - numMasked),
      config.network,
      config.seed,
    );
  }

  /** Width of the conditioning context the parameter network takes besides `x1`; 0: none. */
  override get contextDim(): number {
    return this.#contextDim;
  }

  /**
   * The elementwise map of `x2` given network outputs.
   * @param x2 Transformed part `[n, dims - numMasked]`.
   * @param params Network output `[n, paramsPerDim · (dims - numMasked)]`.
   * @param inverse Whether to apply the inverse map.
   */
  protected abstract transform(
    x2: tf.Tensor2D,
    params: tf.Tensor2D,
    inverse: boolean,
  ): ElementwiseResult;

  #run(x: tf.Tensor, options: BijectorCallOptions | undefined, inverse: boolean): BijectorResult {
    if (x.rank !== 2 || x.shape[1] !== this.dims) {
      throw new Error(
        `${this.type} expects input of shape [batch, ${this.dims}], got [${x.shape}]`,
      );
    }
    const ctx = this.#contextDim > 0 ? this.requireContext(x, options) : null;
    return tf.tidy(() => {
      const { value, logDet } = this.coupleThroughNetwork(x as tf.Tensor2D, ctx, inverse);
      return { value, logDet };
    });
  }

  /**
   * The whole coupling: the network's parameters from `[x1, context]`, then
   * {@link CouplingBijector.couple}. Subclasses may replace it with an op
   * that runs network and coupling together.
   * @param x Input `[n, dims]`.
   * @param ctx Context `[n, contextDim]`, or null without one.
   * @param inverse Whether to apply the inverse map.
   * @returns Output and log-det.
   */
  protected coupleThroughNetwork(
    x: tf.Tensor2D,
    ctx: tf.Tensor2D | null,
    inverse: boolean,
  ): BijectorResult {
    const x1 = tf.slice(x, [0, 0], [-1, this.numMasked]) as tf.Tensor2D;
    const netIn = ctx ? tf.concat([x1, ctx], 1) as tf.Tensor2D : x1;
    const params = this.network.apply(netIn);
    return this.couple(x, params, inverse);
  }

  /**
   * The coupling given the network outputs: `[x1, transform(x2)]` and the
   * summed log-det. Subclasses may replace it with a fused version.
   * @param x Input `[n, dims]`.
   * @param params Network output for `x1`.
   * @param inverse Whether to apply the inverse map.
   * @returns Output and log-det.
   */
  protected couple(x: tf.Tensor2D, params: tf.Tensor2D, inverse: boolean): BijectorResult {
    const [x1, x2] = tf.split(x, [this.numMasked, this.dims - this.numMasked], 1) as [
      tf.Tensor2D,
      tf.Tensor2D,
    ];
    const { value, logDetElements } = this.transform(x2, params, inverse);
    return { value: tf.concat([x1, value], 1), logDet: tf.sum(logDetElements, 1) as tf.Tensor1D };
  }

  forwardAndLogDet(x: tf.Tensor, options?: BijectorCallOptions): BijectorResult {
    return this.#run(x, options, false);
  }

  inverseAndLogDet(y: tf.Tensor, options?: BijectorCallOptions): BijectorResult {
    return this.#run(y, options, true);
  }

  override variables(): NamedVariable[] {
    return this.network.variables().map((v) => ({ ...v, name: `net/${v.name}` }));
  }

  override regularization(): tf.Scalar | null {
    return this.network.regularization();
  }

  /** The coupling fields of the config, for subclasses' `config()`. */
  protected couplingConfig(seed: number): CouplingConfig {
    return {
      dims: this.dims,
      numMasked: this.numMasked,
      contextDim: this.contextDim,
      network: this.network.config,
      seed,
    };
  }
}
