/**
 * What a flow needs of the distribution on its latent side: a log-density
 * and draws, both optionally given a condition (`context`), its JSON form,
 * and the variables it learns, if any. The standard normal
 * ({@link ./normal.ts DiagonalNormal}) has no condition and no variables; the
 * class-conditional Gaussian mixture ({@link ./class_mixture.ts}) takes the
 * class as its condition and learns its means and class weights.
 *
 * @module
 */
import type { Tensor1D, Tensor2D, tf } from "../core/tf.ts";
import type { NamedVariable } from "../core/variables.ts";

/** The JSON form of a base distribution: its `type`, and whatever else rebuilds it. */
export interface BaseDistributionConfig {
  /** The kind of distribution, e.g. `"diagonal_normal"`. */
  type: string;
}

/**
 * The latent-side distribution of a flow ({@link ./transformed.ts TransformedDistribution}).
 *
 * A base with `contextDim > 0` is conditional: given a context `[n, contextDim]`
 * (e.g. one-hot class labels) its `logProb` is `log p(z | c)` and `sample`
 * draws from `p(z | c)`; without a context it gives the marginal `log p(z)`
 * and draws from it.
 *
 * @example
 * ```ts
 * import type { BaseDistribution } from "./base.ts";
 * import { DiagonalNormal } from "./normal.ts";
 * const base: BaseDistribution = DiagonalNormal.standard(2);
 * base.logProb(base.sample(3, 1)).print(); // three log-densities
 * ```
 */
export interface BaseDistribution {
  /** Number of dimensions. */
  readonly dims: number;
  /** Width of the condition it takes; 0 or absent when it takes none. */
  readonly contextDim?: number;
  /**
   * @param z Points `[n, dims]` (or `[n, …]` that flatten to `dims`).
   * @param context The condition `[n, contextDim]` of a conditional base; absent: marginal.
   * @returns Log-density per point, in nats.
   */
  logProb(z: tf.Tensor, context?: Tensor2D): Tensor1D;
  /**
   * @param n Number of draws.
   * @param seed Seed of the draw.
   * @param temperature Multiplies the spread around the mean (1 = the distribution itself).
   * @param context The condition `[n, contextDim]` of a conditional base; absent: marginal.
   * @returns Draws `[n, dims]`.
   */
  sample(n: number, seed: number, temperature?: number, context?: Tensor2D): Tensor2D;
  /** The JSON form, saved with a model. */
  config(): BaseDistributionConfig;
  /** The variables it learns, named for save/load; absent or empty when it learns none. */
  variables?(): NamedVariable[];
  /** Frees its variables. */
  dispose?(): void;
}
