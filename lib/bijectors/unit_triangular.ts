/**
 * A learned linear map with a unit triangular matrix: on the latent → data
 * side `x = L·z` with `L` unit lower-triangular (ones on the diagonal, every
 * entry below it trained), so the map is volume-preserving (log-det 0) and
 * mixes every dimension with all those before it. After an elementwise affine
 * layer ({@link ActNorm}: shift and scale) it gives a flow every Gaussian with a
 * full covariance (`Σ = (S·L)(S·L)ᵀ`, a Cholesky factor), which couplings with
 * fixed permutations only reach slowly: what a variational posterior needs
 * where parameters are strongly correlated (a mean-field-like fit is too
 * narrow there).
 *
 * The cheap side is latent → data (one matrix product, as a variational fit
 * samples); data → latent multiplies by `L⁻¹`, computed in float64 by back
 * substitution against the identity (`lib/linalg`) with the gradient `−L⁻ᵀ·G·L⁻ᵀ`. Starts as the
 * identity. Rows are kept as `x = z·Lᵀ`, so the trained matrix is `Lᵀ − I`,
 * strictly upper-triangular (entries on and below its diagonal are ignored).
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
import { customGradOp, denseLayer } from "../kernels/mod.ts";
import { identity, solveLowerTransposed } from "../linalg/matrix.ts";

/** Config of a {@link UnitTriangular}. */
export interface UnitTriangularConfig {
  /** Width of the last axis. */
  dims: number;
}

/** `[d, d]` row-major: 1 strictly above the diagonal, 0 elsewhere. */
function strictlyUpperMask(d: number): Float32Array {
  const mask = new Float32Array(d * d);
  for (let i = 0; i < d; i++) mask.fill(1, i * d + i + 1, (i + 1) * d);
  return mask;
}

/**
 * `(I + U)⁻¹` for a strictly upper-triangular `U` (row-major, `[d, d]`; entries on and
 * below the diagonal ignored), in float64: `I + U = Lᵀ` with `L` unit lower-triangular, so
 * it is the back substitution `Lᵀ·W = I`.
 */
function unitUpperInverse(u: ArrayLike<number>, d: number): Float32Array {
  const l = identity(d);
  for (let i = 0; i < d; i++) {
    for (let k = i + 1; k < d; k++) l.data[k * d + i] = u[i * d + k];
  }
  return Float32Array.from(solveLowerTransposed(l, identity(d)).data);
}

/** A learned unit lower-triangular linear map, volume-preserving. */
export class UnitTriangular extends Bijector {
  readonly type = "unit_triangular";
  /** Width of the last axis. */
  readonly dims: number;
  /** `Lᵀ − I` (`[d, d]`): only the entries strictly above the diagonal are used. */
  readonly upper: tf.Variable;
  readonly #mask: Float32Array;

  /**
   * @param config The width.
   * @throws Error when `dims` is not a positive integer.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { UnitTriangular } from "./unit_triangular.ts";
   * const map = new UnitTriangular({ dims: 2 });
   * map.upper.assign(tf.tensor2d([[0, 0.5], [0, 0]])); // L = [[1, 0], [0.5, 1]]
   * map.inverse(tf.tensor2d([[2, 1]])).print(); // [[2, 2]]: x = L·z
   * const { value, logDet } = map.forwardAndLogDet(tf.tensor2d([[2, 2]]));
   * value.print(); // [[2, 1]]
   * logDet.print(); // [0]
   * ```
   */
  constructor(config: UnitTriangularConfig) {
    super();
    if (!Number.isInteger(config.dims) || config.dims < 1) {
      throw new Error(`dims must be a positive integer, got ${config.dims}`);
    }
    this.dims = config.dims;
    this.#mask = strictlyUpperMask(config.dims);
    this.upper = makeVariable(tf.zeros([config.dims, config.dims]), true);
  }

  override get volumePreserving(): boolean {
    return true;
  }

  #check(x: tf.Tensor): tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.dims) {
      throw new Error(`${this.type} expects [batch, ${this.dims}], got [${x.shape}]`);
    }
    return x as tf.Tensor2D;
  }

  /** `Lᵀ − I` with the ignored entries zeroed (differentiable in {@link UnitTriangular.upper}). */
  #strictUpper(): tf.Tensor2D {
    return tf.mul(this.upper, tf.tensor2d(this.#mask, [this.dims, this.dims])) as tf.Tensor2D;
  }

  /** `L⁻ᵀ = (I + U)⁻¹`, with the gradient `−L⁻ᵀ·G·L⁻ᵀ` masked to `U`'s entries. */
  #inverseTransposed(): tf.Tensor2D {
    const d = this.dims;
    return customGradOp<tf.Tensor2D>(
      [this.upper],
      ([upper]) => {
        const w = tf.tensor2d(unitUpperInverse(upper.dataSync(), d), [d, d]);
        return { value: w, save: [w] };
      },
      (dw, [w]) => [
        tf.tidy(() => {
          const g = tf.neg(tf.matMul(tf.matMul(w, dw, true, false), w, false, true));
          return tf.mul(g, tf.tensor2d(this.#mask, [d, d]));
        }),
      ],
    );
  }

  forwardAndLogDet(x: tf.Tensor): BijectorResult {
    const rows = this.#check(x);
    return tf.tidy(() => ({
      value: denseLayer(rows, this.#inverseTransposed(), tf.zeros([this.dims]), "linear"),
      logDet: tf.zeros([rows.shape[0]]) as tf.Tensor1D,
    }));
  }

  inverseAndLogDet(y: tf.Tensor): BijectorResult {
    const rows = this.#check(y);
    return tf.tidy(() => ({
      value: tf.add(rows, denseLayer(rows, this.#strictUpper(), tf.zeros([this.dims]), "linear")),
      logDet: tf.zeros([rows.shape[0]]) as tf.Tensor1D,
    }));
  }

  override variables(): NamedVariable[] {
    return [{ name: "upper", variable: this.upper }];
  }

  config(): BijectorConfig {
    return { type: this.type, dims: this.dims };
  }
}

registerBijector(
  "unit_triangular",
  (c) => new UnitTriangular(c as unknown as UnitTriangularConfig),
);
