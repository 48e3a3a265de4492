/**
 * Glow's invertible 1×1 convolution with the LU parametrisation
 * (Kingma & Dhariwal 2018, section 3.2): every pixel's channel vector is
 * multiplied by one `c × c` matrix
 *
 *     W = P · L · (U + diag(sign · exp(logS)))
 *
 * with a fixed permutation `P`, a unit lower-triangular `L`, a strictly upper
 * triangular `U` and fixed signs; `L`, `U` and `logS` are trained. Then
 * `log |det W| = Σ logS`, and the log-det of the map on an `h × w` image is
 * `h · w · Σ logS`, with no determinant to compute.
 *
 * The inverse `W⁻¹ = (U + D)⁻¹ L⁻¹ Pᵀ` needs only products: for a strictly
 * triangular (nilpotent) `N` of size `c`,
 * `(I + N)⁻¹ = (I − N)(I + N²)(I + N⁴)…(I + N^(2^(k−1)))` with `2^k ≥ c`,
 * i.e. about `log₂ c` matrix products, and `(U + D)⁻¹ = (I + D⁻¹U)⁻¹ D⁻¹`.
 *
 * Initialisation as in Glow: `W` is a random rotation (QR of a Gaussian
 * matrix, seeded), factored by LU with partial pivoting in float64
 * (`randomRotation` and `luDecompose` of `lib/linalg`).
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { makeVariable, type NamedVariable } from "../core/variables.ts";
import {
  Bijector,
  type BijectorConfig,
  type BijectorResult,
  registerBijector,
} from "./bijector.ts";
import { conv2d } from "../kernels/mod.ts";
import { luDecompose } from "../linalg/lu.ts";
import { randomRotation } from "../linalg/orthogonal.ts";

/** Config of an {@link InvertibleConv1x1}. */
export interface InvertibleConv1x1Config {
  /** Channels `c`. */
  channels: number;
  /** Seed of the initial rotation. */
  seed: number;
  /** `P` as a list: `P[permutation[i]][i] = 1`; computed from the seed when absent. */
  permutation?: number[];
  /** Fixed signs of the diagonal `D` of the upper factor; computed from the seed when absent. */
  signs?: number[];
}

/** `(I + n)⁻¹` for a strictly triangular `n` of size `c`, by repeated squaring. */
function unitTriangularInverse(n: tf.Tensor2D, c: number): tf.Tensor2D {
  const eye = tf.eye(c);
  let result = tf.sub(eye, n) as tf.Tensor2D;
  let power = n;
  for (let k = 2; k < c; k *= 2) {
    power = tf.matMul(power, power);
    result = tf.matMul(result, tf.add(eye, power));
  }
  return result;
}

/** The invertible 1×1 convolution of Glow, LU-parametrised. */
export class InvertibleConv1x1 extends Bijector {
  readonly type = "invertible_conv1x1";
  /** Channels. */
  readonly channels: number;
  /** Strictly lower part of `L` (entries on and above the diagonal are ignored). */
  readonly lower: tf.Variable;
  /** Strictly upper part of `U` (entries on and below the diagonal are ignored). */
  readonly upper: tf.Variable;
  /** `log |diagonal|` of the upper factor. */
  readonly logScale: tf.Variable;
  readonly #config: Required<InvertibleConv1x1Config>;

  /**
   * @param config Channels and seed (and, when rebuilt from a config, `P` and the signs).
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { InvertibleConv1x1 } from "./invertible_conv1x1.ts";
   * const conv = new InvertibleConv1x1({ channels: 4, seed: 1 });
   * const { value, logDet } = conv.forwardAndLogDet(tf.randomNormal([2, 3, 3, 4]));
   * console.log(value.shape, logDet.shape); // [2, 3, 3, 4] [2]
   * ```
   */
  constructor(config: InvertibleConv1x1Config) {
    super();
    const c = config.channels;
    if (!Number.isInteger(c) || c < 1) {
      throw new Error(`channels must be a positive integer, got ${c}`);
    }
    const lu = luDecompose(randomRotation(c, config.seed));
    const permutation = config.permutation ?? lu.permutation;
    const signs = config.signs ?? lu.upper.map((row, i) => Math.sign(row[i]));
    if (
      permutation.length !== c || [...permutation].sort((a, b) => a - b).some((p, i) => p !== i)
    ) {
      throw new Error(`permutation must be a permutation of 0..${c - 1}, got [${permutation}]`);
    }
    if (signs.length !== c || signs.some((s) => s !== 1 && s !== -1)) {
      throw new Error(`signs must be ${c} values of ±1, got [${signs}]`);
    }
    this.channels = c;
    this.#config = { channels: c, seed: config.seed, permutation, signs };
    this.lower = makeVariable(tf.tensor2d(lu.lower), true);
    this.upper = makeVariable(tf.tensor2d(lu.upper), true);
    this.logScale = makeVariable(
      tf.tensor1d(lu.upper.map((row, i) => Math.log(Math.abs(row[i])))),
      true,
    );
  }

  /** The factors as tensors: `P`, `L` (unit lower), strictly upper `U`, diagonal `D`. */
  #factors(): { p: tf.Tensor2D; l: tf.Tensor2D; u: tf.Tensor2D; d: tf.Tensor1D } {
    const c = this.channels;
    const matrix = (f: (i: number, j: number) => number) =>
      tf.tensor2d(
        Array.from({ length: c }, (_, i) => Array.from({ length: c }, (_, j) => f(i, j))),
      );
    const perm = this.#config.permutation;
    return {
      p: matrix((i, j) => +(perm[j] === i)),
      l: tf.add(tf.mul(this.lower, matrix((i, j) => +(j < i))), tf.eye(c)) as tf.Tensor2D,
      u: tf.mul(this.upper, matrix((i, j) => +(j > i))) as tf.Tensor2D,
      d: tf.mul(this.#config.signs, tf.exp(this.logScale)) as tf.Tensor1D,
    };
  }

  /**
   * @returns The matrix `W` (`y = W · x` per pixel), `[c, c]`.
   */
  weight(): tf.Tensor2D {
    return tf.tidy(() => {
      const { p, l, u, d } = this.#factors();
      return tf.matMul(p, tf.matMul(l, tf.add(u, tf.mul(tf.eye(this.channels), d))));
    });
  }

  /**
   * @returns `W⁻¹`, `[c, c]`, from the triangular factors (no general inversion).
   */
  inverseWeight(): tf.Tensor2D {
    return tf.tidy(() => {
      const c = this.channels;
      const { p, l, u, d } = this.#factors();
      const lInv = unitTriangularInverse(tf.sub(l, tf.eye(c)) as tf.Tensor2D, c);
      const scaledU = tf.div(u, tf.reshape(d, [c, 1])) as tf.Tensor2D; // D⁻¹ U
      const uInv = tf.div(unitTriangularInverse(scaledU, c), d); // (I + D⁻¹U)⁻¹ D⁻¹
      return tf.matMul(tf.matMul(uInv, lInv), p, false, true);
    });
  }

  #apply(x: tf.Tensor, matrix: () => tf.Tensor2D, sign: number): BijectorResult {
    const c = this.channels;
    if (x.rank !== 4 || x.shape[3] !== c) {
      throw new Error(`${this.type} expects images [batch, h, w, ${c}], got [${x.shape}]`);
    }
    return tf.tidy(() => {
      const kernel = tf.reshape(tf.transpose(matrix()), [1, 1, c, c]) as tf.Tensor4D;
      const positions = x.shape[1]! * x.shape[2]!;
      const logDet = tf.mul(tf.sum(this.logScale), sign * positions);
      return {
        value: conv2d(x as tf.Tensor4D, kernel),
        logDet: tf.mul(tf.ones([x.shape[0]]), logDet) as tf.Tensor1D,
      };
    });
  }

  forwardAndLogDet(x: tf.Tensor): BijectorResult {
    return this.#apply(x, () => this.weight(), 1);
  }

  inverseAndLogDet(y: tf.Tensor): BijectorResult {
    return this.#apply(y, () => this.inverseWeight(), -1);
  }

  override variables(): NamedVariable[] {
    return [
      { name: "lower", variable: this.lower },
      { name: "upper", variable: this.upper },
      { name: "log_scale", variable: this.logScale },
    ];
  }

  config(): BijectorConfig {
    return { type: this.type, ...this.#config };
  }
}

registerBijector(
  "invertible_conv1x1",
  (c) => new InvertibleConv1x1(c as unknown as InvertibleConv1x1Config),
);
