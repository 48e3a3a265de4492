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
  /** Conditioning input `[batch, contextDim]` for conditional bijectors. */
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

/** An invertible map with a tractable log-determinant. */
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

  /** @param base The bijector to invert. */
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
 */
export function registerBijector(type: string, factory: BijectorFactory): void {
  registry.set(type, factory);
}

/**
 * Rebuilds a bijector (fresh variables) from {@link Bijector.config} output.
 * @param config A config produced by `bijector.config()`.
 * @returns A new bijector of the same type and architecture.
 * @throws Error naming the unknown type.
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

/** Sum of a tensor over every axis except the first (batch) one. */
export function sumPerExample(t: tf.Tensor): Tensor1D {
  if (t.rank === 1) return t as Tensor1D;
  const axes = Array.from({ length: t.rank - 1 }, (_, i) => i + 1);
  return tf.sum(t, axes) as Tensor1D;
}
