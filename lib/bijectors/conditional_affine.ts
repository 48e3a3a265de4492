/**
 * A conditional affine map whose shift and log-scale are linear functions of
 * the context, followed by a learned unit-lower-triangular mixing:
 * `h = (x − (c·W + b)) ⊙ exp(−s)`, `s = clamp·tanh((c·V + a)/clamp)`,
 * `z = h·Tᵀ` with `T = I + strictly-lower(L)` (log-determinant `−Σ s`; `T`
 * has determinant 1). Together they represent every Gaussian posterior whose
 * mean is affine in the context, exactly. It starts as the identity (all
 * weights zero). At the start of a conditional flow it is the linear path from the
 * condition to the parameters: a posterior whose mean moves linearly with the
 * data (the linear-Gaussian case, and the first-order part of most others) is
 * fitted by a linear regression inside the flow, and the couplings after it
 * only model what is left.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { makeVariable, type NamedVariable } from "../core/variables.ts";
import { DenseNetwork } from "../nn/dense_network.ts";
import {
  Bijector,
  type BijectorCallOptions,
  type BijectorConfig,
  type BijectorResult,
  registerBijector,
} from "./bijector.ts";

/** Settings of {@link ConditionalAffine}. */
export interface ConditionalAffineConfig {
  /** Width of `x`. */
  dims: number;
  /** Width of the context `c`. */
  contextDim: number;
  /** Soft bound of the log-scales. Default 8 (a posterior up to e⁸ times narrower than the standardized prior). */
  logScaleClip?: number;
  /** Seed (the weights start at zero; kept for the saved config's symmetry). Default 0. */
  seed?: number;
}

/**
 * `x ↦ (x − shift(c)) ⊙ exp(−logScale(c))`, shift and log-scale linear in `c`.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { ConditionalAffine } from "./conditional_affine.ts";
 * const b = new ConditionalAffine({ dims: 2, contextDim: 3 });
 * const x = tf.tensor2d([[1, 2]]);
 * const context = tf.tensor2d([[0.5, -1, 2]]);
 * b.forward(x, { context }).print(); // [[1, 2]]: the identity until trained
 * ```
 */
export class ConditionalAffine extends Bijector {
  readonly type = "conditional_affine";
  readonly #config: Required<ConditionalAffineConfig>;
  /** The linear map `c → [shift, raw log-scale]`. */
  readonly linear: DenseNetwork;
  /** The mixing `L` (only its strictly lower triangle is used). */
  readonly lower: tf.Variable;
  readonly #mask: tf.Tensor2D;

  /** @param config Widths and clamp. */
  constructor(config: ConditionalAffineConfig) {
    super();
    const { dims, contextDim } = config;
    if (!Number.isInteger(dims) || dims < 1) {
      throw new Error(`dims must be a positive integer, got ${dims}`);
    }
    if (!Number.isInteger(contextDim) || contextDim < 1) {
      throw new Error(`A conditional affine map needs contextDim ≥ 1, got ${contextDim}`);
    }
    this.#config = { logScaleClip: 8, seed: 0, ...config };
    this.linear = new DenseNetwork(contextDim, 2 * dims, {
      hiddenLayers: [],
      zeroInitOutput: true,
    }, this.#config.seed);
    this.lower = makeVariable(tf.zeros([dims, dims]), true);
    this.#mask = tf.keep(
      tf.tensor2d(
        Float32Array.from(
          { length: dims * dims },
          (_, i) => Math.floor(i / dims) > i % dims ? 1 : 0,
        ),
        [dims, dims],
      ),
    );
  }

  /** `T − I`, strictly lower triangular. */
  #strict(): tf.Tensor2D {
    return tf.mul(this.lower, this.#mask) as tf.Tensor2D;
  }

  /** `T⁻¹`, by forward substitution on the small matrix (sampling only, no gradient). */
  #inverseMixing(): tf.Tensor2D {
    const d = this.#config.dims;
    const t = this.#strict().dataSync();
    const inv = new Float64Array(d * d);
    for (let col = 0; col < d; col++) {
      inv[col * d + col] = 1;
      for (let row = col + 1; row < d; row++) {
        let s = 0;
        for (let k = col; k < row; k++) s += t[row * d + k] * inv[k * d + col];
        inv[row * d + col] = -s;
      }
    }
    return tf.tensor2d(Float32Array.from(inv), [d, d]);
  }

  override get contextDim(): number {
    return this.#config.contextDim;
  }

  #parts(x: tf.Tensor, options: BijectorCallOptions | undefined) {
    const { dims, logScaleClip } = this.#config;
    if (x.rank !== 2 || x.shape[1] !== dims) {
      throw new Error(`${this.type} expects input of shape [batch, ${dims}], got [${x.shape}]`);
    }
    const out = this.linear.apply(this.requireContext(x, options));
    const shift = tf.slice(out, [0, 0], [-1, dims]);
    const raw = tf.slice(out, [0, dims], [-1, dims]);
    const logScale = tf.mul(logScaleClip, tf.tanh(tf.div(raw, logScaleClip)));
    return { shift, logScale };
  }

  forwardAndLogDet(x: tf.Tensor, options?: BijectorCallOptions): BijectorResult {
    return tf.tidy(() => {
      const { shift, logScale } = this.#parts(x, options);
      const h = tf.mul(tf.sub(x, shift), tf.exp(tf.neg(logScale))) as tf.Tensor2D;
      return {
        value: tf.add(h, tf.matMul(h, this.#strict(), false, true)),
        logDet: tf.neg(tf.sum(logScale, 1)) as tf.Tensor1D,
      };
    });
  }

  inverseAndLogDet(y: tf.Tensor, options?: BijectorCallOptions): BijectorResult {
    return tf.tidy(() => {
      const { shift, logScale } = this.#parts(y, options);
      const h = tf.matMul(y as tf.Tensor2D, this.#inverseMixing(), false, true);
      return {
        value: tf.add(tf.mul(h, tf.exp(logScale)), shift),
        logDet: tf.sum(logScale, 1) as tf.Tensor1D,
      };
    });
  }

  override variables(): NamedVariable[] {
    return [
      ...this.linear.variables().map((v) => ({ ...v, name: `linear/${v.name}` })),
      { name: "mixing", variable: this.lower },
    ];
  }

  override dispose(): void {
    super.dispose();
    this.#mask.dispose();
  }

  config(): BijectorConfig {
    return { type: this.type, ...this.#config };
  }
}

registerBijector(
  "conditional_affine",
  (c) => new ConditionalAffine(c as unknown as ConditionalAffineConfig),
);
