/**
 * A fixed invertible affine map of the last axis, `y = W·x + b`, set from
 * data rather than trained: the dense layers of both directions (kernels `Wᵀ`
 * and `W⁻ᵀ`, biases `b` and `−W⁻¹·b`) and `log |det W|` are kept as
 * non-trainable variables (saved with the model, so the config stays `dims`),
 * and each direction is one {@link denseLayer} of the kernel door.
 * It starts as the identity; {@link AffineMap.assign} sets any invertible `W`
 * and shift `b` (inverse and log-determinant computed in float64 by LU). Used
 * as the linear start of an INN (`InnModel`'s `linearStart`).
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { makeVariable, type NamedVariable } from "../core/variables.ts";
import { invertMatrix } from "../linalg/lu.ts";
import { denseLayer } from "../kernels/mod.ts";
import {
  Bijector,
  type BijectorConfig,
  type BijectorResult,
  registerBijector,
} from "./bijector.ts";

/** Config of a {@link AffineMap}. */
export interface AffineMapConfig {
  /** Width of the last axis. */
  dims: number;
}

/** `y = W·x + b` with a fixed invertible `W`; log-det `log |det W|` per row. */
export class AffineMap extends Bijector {
  readonly type = "affine_map";
  /** Width of the last axis. */
  readonly dims: number;
  /** `Wᵀ`, `[in, out]` as {@link denseLayer} takes it. */
  readonly #kernel: tf.Variable;
  /** `b`. */
  readonly #bias: tf.Variable;
  /** `W⁻ᵀ`. */
  readonly #inverseKernel: tf.Variable;
  /** `−W⁻¹·b`. */
  readonly #inverseBias: tf.Variable;
  readonly #logDet: tf.Variable;
  readonly #assigned: tf.Variable;
  /** True once {@link AffineMap.isAssigned} has seen the flag set (it is never unset). */
  #assignedCache = false;

  /**
   * @param config The width.
   * @throws Error when `dims` is not a positive integer.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { AffineMap } from "./affine_map.ts";
   * const map = new AffineMap({ dims: 2 });
   * map.assign([[2, 0], [1, 1]], [0, 1]);
   * const { value, logDet } = map.forwardAndLogDet(tf.tensor2d([[1, 1]]));
   * value.print(); // [[2, 3]]
   * logDet.print(); // [0.6931]
   * ```
   */
  constructor(config: AffineMapConfig) {
    super();
    if (!Number.isInteger(config.dims) || config.dims < 1) {
      throw new Error(`dims must be a positive integer, got ${config.dims}`);
    }
    this.dims = config.dims;
    this.#kernel = makeVariable(tf.eye(config.dims), false);
    this.#bias = makeVariable(tf.zeros([config.dims]), false);
    this.#inverseKernel = makeVariable(tf.eye(config.dims), false);
    this.#inverseBias = makeVariable(tf.zeros([config.dims]), false);
    this.#logDet = makeVariable(tf.scalar(0), false);
    this.#assigned = makeVariable(tf.scalar(0), false);
  }

  /** Whether {@link AffineMap.assign} has set `W` (saved with the weights). */
  get isAssigned(): boolean {
    if (!this.#assignedCache) this.#assignedCache = this.#assigned.dataSync()[0] === 1;
    return this.#assignedCache;
  }

  /**
   * Sets `W` and `b`.
   * @param w Invertible `[dims, dims]` matrix as rows.
   * @param shift `b`, `dims` values. Default zeros.
   * @throws Error naming the shape, a non-finite entry or a singular matrix.
   * @example
   * ```ts
   * import { AffineMap } from "./affine_map.ts";
   * const map = new AffineMap({ dims: 2 });
   * map.assign([[0, 1], [1, 0]]);
   * ```
   */
  assign(w: number[][], shift?: ArrayLike<number>): void {
    const d = this.dims;
    if (w.length !== d || w.some((row) => row.length !== d)) {
      throw new Error(`${this.type}: the matrix must be ${d} × ${d}`);
    }
    const b = Array.from(shift ?? new Array<number>(d).fill(0));
    if (b.length !== d || b.some((v) => !Number.isFinite(v))) {
      throw new Error(`${this.type}: the shift must be ${d} finite values, got ${b.length}`);
    }
    let inv;
    try {
      inv = invertMatrix(w);
    } catch (err) {
      throw new Error(`${this.type}: ${(err as Error).message}`);
    }
    if (
      !Number.isFinite(inv.logAbsDet) || inv.inverse.some((r) => r.some((v) => !Number.isFinite(v)))
    ) {
      throw new Error(`${this.type}: the matrix is numerically singular`);
    }
    const inverseBias = inv.inverse.map((row) => -row.reduce((a, v, j) => a + v * b[j], 0));
    tf.tidy(() => {
      this.#kernel.assign(tf.transpose(tf.tensor2d(w)));
      this.#bias.assign(tf.tensor1d(b));
      this.#inverseKernel.assign(tf.transpose(tf.tensor2d(inv.inverse)));
      this.#inverseBias.assign(tf.tensor1d(inverseBias));
      this.#logDet.assign(tf.scalar(inv.logAbsDet));
      this.#assigned.assign(tf.scalar(1));
    });
    this.#assignedCache = true;
  }

  /** @returns `W`, `[dims, dims]`. */
  matrix(): tf.Tensor2D {
    return tf.transpose(this.#kernel as tf.Tensor2D);
  }

  #logDetRows(x: tf.Tensor, sign: number): tf.Tensor1D {
    return tf.mul(tf.ones([x.shape[0]!]), tf.mul(this.#logDet, sign)) as tf.Tensor1D;
  }

  #check(x: tf.Tensor): void {
    if (x.rank !== 2 || x.shape[1] !== this.dims) {
      throw new Error(`${this.type} expects [batch, ${this.dims}], got [${x.shape}]`);
    }
  }

  forwardAndLogDet(x: tf.Tensor): BijectorResult {
    this.#check(x);
    return tf.tidy(() => ({
      value: denseLayer(
        x as tf.Tensor2D,
        this.#kernel as tf.Tensor2D,
        this.#bias as tf.Tensor1D,
        "linear",
      ),
      logDet: this.#logDetRows(x, 1),
    }));
  }

  inverseAndLogDet(y: tf.Tensor): BijectorResult {
    this.#check(y);
    return tf.tidy(() => ({
      value: denseLayer(
        y as tf.Tensor2D,
        this.#inverseKernel as tf.Tensor2D,
        this.#inverseBias as tf.Tensor1D,
        "linear",
      ),
      logDet: this.#logDetRows(y, -1),
    }));
  }

  override variables(): NamedVariable[] {
    return [
      { name: "kernel", variable: this.#kernel },
      { name: "bias", variable: this.#bias },
      { name: "inverse_kernel", variable: this.#inverseKernel },
      { name: "inverse_bias", variable: this.#inverseBias },
      { name: "log_det", variable: this.#logDet },
      { name: "assigned", variable: this.#assigned },
    ];
  }

  config(): BijectorConfig {
    return { type: this.type, dims: this.dims };
  }
}

registerBijector("affine_map", (c) => new AffineMap(c as unknown as AffineMapConfig));
