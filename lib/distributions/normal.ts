/**
 * Diagonal normal distribution `N(loc, diag(scale²))` over `[batch, dims]`,
 * the base distribution of flows (standard normal by default).
 *
 * @module
 */
import { type Tensor1D, type Tensor2D, tf } from "../core/tf.ts";

/** JSON form of a {@link DiagonalNormal}. */
export interface DiagonalNormalConfig {
  /** Always `"diagonal_normal"`. */
  type: "diagonal_normal";
  /** Mean per dimension. */
  loc: number[];
  /** Standard deviation per dimension (positive). */
  scale: number[];
}

const LOG_2PI = Math.log(2 * Math.PI);

/** A normal distribution with independent components. */
export class DiagonalNormal {
  /** Mean per dimension. */
  readonly loc: number[];
  /** Standard deviation per dimension. */
  readonly scale: number[];

  /**
   * @param loc Means.
   * @param scale Standard deviations, same length, all positive.
   * @example
   * ```ts
   * import { DiagonalNormal } from "./normal.ts";
   * const base = DiagonalNormal.standard(2);
   * base.logProb(base.sample(3, 1)).print();
   * ```
   */
  constructor(loc: number[], scale: number[]) {
    if (loc.length !== scale.length || loc.length === 0) {
      throw new Error(
        `loc and scale must have the same positive length, got ${loc.length} and ${scale.length}`,
      );
    }
    if (scale.some((s) => !(s > 0))) {
      throw new Error(`Every scale must be positive, got [${scale}]`);
    }
    this.loc = [...loc];
    this.scale = [...scale];
  }

  /**
   * @param dims Dimension.
   * @returns `N(0, I)` in `dims` dimensions.
   */
  static standard(dims: number): DiagonalNormal {
    return new DiagonalNormal(new Array(dims).fill(0), new Array(dims).fill(1));
  }

  /** Number of dimensions. */
  get dims(): number {
    return this.loc.length;
  }

  /**
   * @param z Points `[batch, dims]`.
   * @returns Log-density per point.
   */
  logProb(z: tf.Tensor): Tensor1D {
    return tf.tidy(() => {
      const flat = tf.reshape(z, [z.shape[0], -1]) as Tensor2D;
      if (flat.shape[1] !== this.dims) {
        throw new Error(`Expected points with ${this.dims} dims, got shape [${z.shape}]`);
      }
      const std = tf.div(tf.sub(flat, this.loc), this.scale);
      const constant = -0.5 * this.dims * LOG_2PI - this.scale.reduce((a, s) => a + Math.log(s), 0);
      return tf.add(tf.mul(-0.5, tf.sum(tf.square(std), 1)), constant) as Tensor1D;
    });
  }

  /**
   * @param n Number of samples.
   * @param seed Seed of the draw.
   * @param temperature Multiplies the standard deviation (1 = the distribution itself).
   * @returns Samples `[n, dims]`.
   */
  sample(n: number, seed: number, temperature = 1): Tensor2D {
    return tf.tidy(() =>
      tf.add(
        tf.mul(
          tf.randomNormal([n, this.dims], 0, 1, "float32", seed),
          tf.mul(this.scale, temperature),
        ),
        this.loc,
      ) as Tensor2D
    );
  }

  /** Differential entropy in nats. */
  entropy(): number {
    return 0.5 * this.dims * (1 + LOG_2PI) + this.scale.reduce((a, s) => a + Math.log(s), 0);
  }

  /** The JSON form. */
  config(): DiagonalNormalConfig {
    return { type: "diagonal_normal", loc: [...this.loc], scale: [...this.scale] };
  }
}
