/**
 * The one bijector interface of the toolkit.
 *
 * Convention: `forward` maps the data side to the latent side (the
 * normalizing direction, as in FrEIA and zuko), `inverse` maps latent to
 * data. Inputs are batched: the first axis is the batch, and every
 * log-determinant has one value per batch element. A bijector computes its
 * output and log-det in one pass ({@link Bijector.forwardAndLogDet}); its
 * inverse is itself a bijector ({@link Bijector.inv}).
 *
 * @module
 */
import { type Tensor1D, tf } from "../core/tf.ts";
import type { NamedVariable } from "../core/variables.ts";

/** Options for one pass through a bijector. */
export interface BijectorCallOptions {
  /**
   * Training mode: normalization layers use batch statistics and update their
   * moving averages; data-dependent initialisation happens on the first call.
   */
  training?: boolean;
  /**
   * Conditioning input `[batch, contextDim]` for conditional bijectors (those
   * with {@link Bijector.contextDim} > 0); unconditional ones ignore it.
   */
  context?: tf.Tensor2D;
  /**
   * In training mode, overrides the momentum of batch-normalization moving
   * averages for this call; 0 replaces them with this batch's statistics
   * (used to recompute exact statistics after training steps).
   */
  statisticsMomentum?: number;
}

/** An output tensor and the log-determinant of the Jacobian of the map that made it. */
export interface BijectorResult {
  /** The transformed batch. */
  value: tf.Tensor;
  /** `log |det J|` of the map, one entry per batch element. */
  logDet: Tensor1D;
}

/** JSON-serialisable description from which {@link bijectorFromConfig} rebuilds a bijector. */
export interface BijectorConfig {
  /** Registered type name, e.g. `"affine_coupling"`. */
  type: string;
  /** Type-specific fields. */
  [key: string]: unknown;
}

/**
 * An invertible map with a tractable log-determinant. A subclass supplies
 * `type`, both maps with their log-dets, and `config()`; everything else
 * (`forward`, `inverse`, `inv`, the log-det helpers) comes from here.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { Bijector, type BijectorConfig, type BijectorResult } from "./bijector.ts";
 * // y = x + 1: a shift, so the log-det is 0.
 * class AddOne extends Bijector {
 *   readonly type = "add_one";
 *   forwardAndLogDet(x: tf.Tensor): BijectorResult {
 *     return { value: tf.add(x, 1), logDet: tf.zeros([x.shape[0]]) };
 *   }
 *   inverseAndLogDet(y: tf.Tensor): BijectorResult {
 *     return { value: tf.sub(y, 1), logDet: tf.zeros([y.shape[0]]) };
 *   }
 *   config(): BijectorConfig {
 *     return { type: this.type };
 *   }
 * }
 * const b = new AddOne();
 * b.forward(tf.tensor2d([[1, 2]])).print(); // [[2, 3]]
 * b.inv.forward(tf.tensor2d([[1, 2]])).print(); // [[0, 1]]
 * b.forwardLogDetJacobian(tf.tensor2d([[1, 2]])).print(); // [0]
 * ```
 */
export abstract class Bijector {
  /** Registered type name, the `type` of {@link Bijector.config}. */
  abstract readonly type: string;

  /**
   * Maps data side → latent side and returns the log-det of that map.
   * @param x Input batch.
   * @param options Training mode and conditioning context.
   * @returns The output and `log |det ∂f/∂x|` per batch element.
   */
  abstract forwardAndLogDet(x: tf.Tensor, options?: BijectorCallOptions): BijectorResult;

  /**
   * Maps latent side → data side and returns the log-det of that (inverse) map.
   * @param y Input batch on the latent side.
   * @param options Training mode and conditioning context.
   * @returns The output and `log |det ∂f⁻¹/∂y|` per batch element.
   */
  abstract inverseAndLogDet(y: tf.Tensor, options?: BijectorCallOptions): BijectorResult;

  /** The serialisable configuration (architecture, fixed permutations, sizes). */
  abstract config(): BijectorConfig;

  /**
   * Width of the conditioning context this bijector takes in
   * {@link BijectorCallOptions.context}, `[batch, contextDim]`; 0 when it is
   * unconditional. Composite bijectors report the width their members share
   * ({@link commonContextDim}).
   * @example
   * ```ts
   * import { AffineCoupling } from "./affine_coupling.ts";
   * import { Permute } from "./permute.ts";
   * console.log(Permute.reverse(2).contextDim); // 0
   * const c = new AffineCoupling({ dims: 2, contextDim: 3, network: { hiddenLayers: [8] }, seed: 1 });
   * console.log(c.contextDim); // 3
   * ```
   */
  get contextDim(): number {
    return 0;
  }

  /**
   * True when the log-det is zero for every input (a permutation); a
   * {@link Chain} then leaves it out of its sum. False unless a bijector says so.
   * @example
   * ```ts
   * import { ActNorm } from "./act_norm.ts";
   * import { Permute } from "./permute.ts";
   * console.log(Permute.reverse(3).volumePreserving, new ActNorm({ dims: 3 }).volumePreserving); // true false
   * ```
   */
  get volumePreserving(): boolean {
    return false;
  }

  /**
   * The context of a call to a conditional bijector, checked against the
   * batch and {@link Bijector.contextDim}.
   * @param x The call's input (its first axis is the batch).
   * @param options The call's options.
   * @returns The context `[batch, contextDim]`.
   * @throws Error naming the type and the expected and actual shapes.
   */
  protected requireContext(x: tf.Tensor, options: BijectorCallOptions | undefined): tf.Tensor2D {
    const ctx = options?.context;
    const width = this.contextDim;
    if (!ctx || ctx.rank !== 2 || ctx.shape[1] !== width || ctx.shape[0] !== x.shape[0]) {
      throw new Error(
        `${this.type} is conditional and needs a context of shape [${x.shape[0]}, ${width}], ` +
          `got ${ctx ? `[${ctx.shape}]` : "none"}`,
      );
    }
    return ctx;
  }

  /** All variables, trainable or not (moving statistics, init flags), with stable names. */
  variables(): NamedVariable[] {
    return [];
  }

  /** The variables an optimizer updates. */
  trainableVariables(): tf.Variable[] {
    return this.variables().filter((v) => v.variable.trainable).map((v) => v.variable);
  }

  /** The weight penalty (e.g. L2 on network kernels) to add to the loss, or null if none. */
  regularization(): tf.Scalar | null {
    return null;
  }

  /**
   * Forward map only.
   * @param x Input batch.
   * @param options Training mode and context.
   * @returns `f(x)`.
   */
  forward(x: tf.Tensor, options?: BijectorCallOptions): tf.Tensor {
    return tf.tidy(() => this.forwardAndLogDet(x, options).value);
  }

  /**
   * Inverse map only.
   * @param y Latent-side batch.
   * @param options Training mode and context.
   * @returns `f⁻¹(y)`.
   */
  inverse(y: tf.Tensor, options?: BijectorCallOptions): tf.Tensor {
    return tf.tidy(() => this.inverseAndLogDet(y, options).value);
  }

  /**
   * @param x Input batch.
   * @param options Training mode and context.
   * @returns `log |det ∂f/∂x|` per batch element.
   */
  forwardLogDetJacobian(x: tf.Tensor, options?: BijectorCallOptions): Tensor1D {
    return tf.tidy(() => this.forwardAndLogDet(x, options).logDet);
  }

  /**
   * @param y Latent-side batch.
   * @param options Training mode and context.
   * @returns `log |det ∂f⁻¹/∂y|` per batch element.
   */
  inverseLogDetJacobian(y: tf.Tensor, options?: BijectorCallOptions): Tensor1D {
    return tf.tidy(() => this.inverseAndLogDet(y, options).logDet);
  }

  /** The inverse map as a bijector of its own (shares variables with this one). */
  get inv(): Bijector {
    return new Inverse(this);
  }

  /** Frees every variable this bijector owns. */
  dispose(): void {
    for (const v of this.variables()) v.variable.dispose();
  }
}

/** The inverse of a bijector: forward and inverse swapped, same variables. */
export class Inverse extends Bijector {
  readonly type = "inverse";
  /** The wrapped bijector. */
  readonly base: Bijector;

  /**
   * @param base The bijector to invert.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { Inverse } from "./bijector.ts";
   * import { Permute } from "./permute.ts";
   * const p = new Permute([1, 2, 0]);
   * p.forward(tf.tensor2d([[10, 20, 30]])).print(); // [[20, 30, 10]]
   * new Inverse(p).forward(tf.tensor2d([[10, 20, 30]])).print(); // [[30, 10, 20]] (= p.inv)
   * ```
   */
  constructor(base: Bijector) {
    super();
    this.base = base;
  }

  forwardAndLogDet(x: tf.Tensor, options?: BijectorCallOptions): BijectorResult {
    return this.base.inverseAndLogDet(x, options);
  }

  inverseAndLogDet(y: tf.Tensor, options?: BijectorCallOptions): BijectorResult {
    return this.base.forwardAndLogDet(y, options);
  }

  override variables(): NamedVariable[] {
    return this.base.variables();
  }

  override regularization(): tf.Scalar | null {
    return this.base.regularization();
  }

  override get inv(): Bijector {
    return this.base;
  }

  override get contextDim(): number {
    return this.base.contextDim;
  }

  override get volumePreserving(): boolean {
    return this.base.volumePreserving;
  }

  config(): BijectorConfig {
    return { type: this.type, base: this.base.config() };
  }
}

/** Builds a bijector from its config; registered per type in {@link registerBijector}. */
export type BijectorFactory = (config: BijectorConfig) => Bijector;

const registry = new Map<string, BijectorFactory>();

/**
 * Makes a bijector type constructible from its config.
 * @param type The `type` field this factory handles.
 * @param factory Function from config to a new bijector.
 * @example
 * ```ts
 * import { bijectorFromConfig, registerBijector } from "./bijector.ts";
 * import { Permute } from "./permute.ts";
 * // Each bijector module registers its own type when imported; a new type does the same:
 * registerBijector("reverse", (c) => Permute.reverse(c.dims as number));
 * const b = bijectorFromConfig({ type: "reverse", dims: 3 });
 * console.log((b as Permute).permutation); // [2, 1, 0]
 * ```
 */
export function registerBijector(type: string, factory: BijectorFactory): void {
  registry.set(type, factory);
}

/**
 * The bijector types {@link bijectorFromConfig} can build, in registration
 * order. A type registers itself when its module is imported; import
 * `lib/bijectors/mod.ts` (as `lib/io/model_io.ts` does) to have them all.
 * @returns The registered type names.
 * @example
 * ```ts
 * import "./mod.ts";
 * import { registeredBijectorTypes } from "./bijector.ts";
 * console.log(registeredBijectorTypes().includes("chain")); // true
 * ```
 */
export function registeredBijectorTypes(): string[] {
  return [...registry.keys()];
}

/**
 * The context width shared by the members of a composite bijector (a chain,
 * a multi-scale flow): 0 when none is conditional, else the one width every
 * conditional member takes (they all receive the same context).
 * @param members The member bijectors.
 * @param owner Name of the composite, for the error message.
 * @returns The shared context width, or 0.
 * @throws Error naming the members' widths when conditional members take different widths.
 * @example
 * ```ts
 * import { AffineCoupling } from "./affine_coupling.ts";
 * import { commonContextDim } from "./bijector.ts";
 * import { Permute } from "./permute.ts";
 * const c = new AffineCoupling({ dims: 2, contextDim: 3, network: { hiddenLayers: [8] }, seed: 1 });
 * console.log(commonContextDim([Permute.reverse(2), c], "chain")); // 3
 * ```
 */
export function commonContextDim(members: readonly Bijector[], owner: string): number {
  let width = 0;
  for (const b of members) {
    const w = b.contextDim;
    if (w === 0) continue;
    if (width !== 0 && w !== width) {
      throw new Error(
        `The members of a ${owner} must take contexts of one width, got ${
          members.map((m) => `${m.type}: ${m.contextDim}`).join(", ")
        }`,
      );
    }
    width = w;
  }
  return width;
}

/**
 * Rebuilds a bijector (fresh variables) from {@link Bijector.config} output.
 * @param config A config produced by `bijector.config()`.
 * @returns A new bijector of the same type and architecture.
 * @throws Error naming the unknown type.
 * @example
 * ```ts
 * import { bijectorFromConfig } from "./bijector.ts";
 * import { Permute } from "./permute.ts"; // importing a bijector's module registers its type
 * const p = Permute.random(4, 1);
 * const copy = bijectorFromConfig(p.config());
 * console.log(copy.type, JSON.stringify(copy.config()) === JSON.stringify(p.config()));
 * // permute true
 * ```
 */
export function bijectorFromConfig(config: BijectorConfig): Bijector {
  const factory = registry.get(config.type);
  if (!factory) {
    throw new Error(
      `Unknown bijector type "${config.type}": known types are ${[...registry.keys()].join(", ")}`,
    );
  }
  return factory(config);
}

registerBijector("inverse", (c) => new Inverse(bijectorFromConfig(c.base as BijectorConfig)));

/**
 * Sum of a tensor over every axis except the first (batch) one.
 * @param t A batch `[n, ...]`; a rank-1 tensor is returned as it is.
 * @returns `[n]`, one sum per example.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { sumPerExample } from "./bijector.ts";
 * sumPerExample(tf.ones([2, 3, 4])).print(); // [12, 12]
 * ```
 */
export function sumPerExample(t: tf.Tensor): Tensor1D {
  if (t.rank === 1) return t as Tensor1D;
  const axes = Array.from({ length: t.rank - 1 }, (_, i) => i + 1);
  return tf.sum(t, axes) as Tensor1D;
}
