/**
 * Maximum mean discrepancy (Gretton et al. 2012) between two samples with a
 * sum of inverse-multiquadric kernels `k(a, b) = h² / (h² + ‖a − b‖²)` over
 * several widths `h`, the loss Ardizzone et al. 2019 use to match
 * distributions in both directions of an INN. The estimate is the biased
 * (V-statistic) one, `mean K_aa + mean K_bb − 2 mean K_ab`: it is ≥ 0 and
 * exactly 0 for identical samples.
 *
 * Differentiable on every backend: the pairwise distances use
 * {@link ../kernels/blas.ts gemm} with a hand-written gradient (no transposed
 * matMul flags, no `gather`), so it trains on wasm.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { gemm, sumTensors } from "../kernels/mod.ts";

/** Default kernel widths: short to long range for data of unit scale. */
export const DEFAULT_MMD_WIDTHS: readonly number[] = [0.2, 0.5, 0.9, 1.3];

const crossProducts = tf.customGrad(
  // deno-lint-ignore no-explicit-any
  ((a: tf.Tensor2D, b: tf.Tensor2D, save: any) => {
    save([a, b]);
    return {
      value: gemm(a, b, false, true),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [as, bs] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [gemm(dy, bs), gemm(dy, as, true, false)];
      },
    };
    // deno-lint-ignore no-explicit-any
  }) as any,
) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

function checkSamples(a: tf.Tensor, b: tf.Tensor): void {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[1]) {
    throw new Error(
      `Both samples must be [n, d] with the same d, got [${a.shape}] and [${b.shape}]`,
    );
  }
  if (a.shape[0] === 0 || b.shape[0] === 0) {
    throw new Error(`Samples must not be empty, got [${a.shape}] and [${b.shape}]`);
  }
}

/**
 * Squared Euclidean distances between every row of `a` and every row of `b`.
 * @param a Sample `[n, d]`.
 * @param b Sample `[m, d]`.
 * @returns `[n, m]`, clamped at 0 against rounding.
 * @throws Error naming both shapes when they do not fit.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { pairwiseSquaredDistances } from "./mmd.ts";
 * const d2 = pairwiseSquaredDistances(tf.tensor2d([[0, 0]]), tf.tensor2d([[3, 4], [1, 0]]));
 * d2.print(); // [[25, 1]]
 * ```
 */
export function pairwiseSquaredDistances(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  checkSamples(a, b);
  return tf.tidy(() => {
    const na = tf.sum(tf.square(a), 1, true); // [n, 1]
    const nb = tf.reshape(tf.sum(tf.square(b), 1), [1, -1]); // [1, m]
    return tf.relu(tf.sub(tf.add(na, nb), tf.mul(2, crossProducts(a, b))));
  });
}

/**
 * `Σ_h h² / (h² + d²)` elementwise, with its derivative `−Σ_h k_h² / h²`
 * written out (tfjs's generic `div` gradient takes several times the ops).
 */
function kernelSum(d2: tf.Tensor2D, widths: readonly number[]): tf.Tensor2D {
  const op = tf.customGrad(
    // deno-lint-ignore no-explicit-any
    ((d: tf.Tensor2D, save: any) => {
      const parts = widths.map((h) => tf.div(h * h, tf.add(d, h * h)));
      save(parts);
      return {
        value: parts.length === 1 ? tf.clone(parts[0]) : sumTensors(parts),
        gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
          const slopes = saved.map((k, i) => tf.mul(tf.square(k), -1 / widths[i] ** 2));
          return tf.mul(dy, sumTensors(slopes));
        },
      };
      // deno-lint-ignore no-explicit-any
    }) as any,
  ) as (d: tf.Tensor2D) => tf.Tensor2D;
  return op(d2);
}

/** `w wᵀ` with `w = [1/n, …, 1/n, −1/m, …, −1/m]`, so `Σ (w wᵀ) ⊙ K` is the MMD². */
function mmdWeights(n: number, m: number): tf.Tensor2D {
  const w = new Float32Array(n + m).map((_, i) => (i < n ? 1 / n : -1 / m));
  const out = new Float32Array((n + m) * (n + m));
  for (let i = 0; i < n + m; i++) {
    for (let j = 0; j < n + m; j++) out[i * (n + m) + j] = w[i] * w[j];
  }
  return tf.tensor2d(out, [n + m, n + m]);
}

/** Options of {@link mmd}. */
export interface MmdOptions {
  /** Inverse-multiquadric widths `h`. Default {@link DEFAULT_MMD_WIDTHS}. */
  widths?: readonly number[];
}

/**
 * Squared maximum mean discrepancy between two samples.
 * @param a Sample `[n, d]`.
 * @param b Sample `[m, d]`.
 * @param options Kernel widths.
 * @returns The biased MMD² estimate, a differentiable scalar (0 when `a` equals `b`).
 * @throws Error naming the shapes, or when a width is not positive.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { mmd } from "./mmd.ts";
 * const a = tf.randomNormal([200, 2], 0, 1, "float32", 1) as tf.Tensor2D;
 * mmd(a, a).print(); // 0
 * mmd(a, tf.add(a, 1)).print(); // clearly > 0
 * ```
 */
export function mmd(a: tf.Tensor2D, b: tf.Tensor2D, options: MmdOptions = {}): tf.Scalar {
  const widths = options.widths ?? DEFAULT_MMD_WIDTHS;
  if (widths.length === 0 || widths.some((h) => !(h > 0) || !Number.isFinite(h))) {
    throw new Error(`MMD kernel widths must be positive numbers, got [${widths}]`);
  }
  checkSamples(a, b);
  return tf.tidy(() => {
    // One kernel matrix over both samples stacked (fewer, larger ops than three blocks).
    const both = tf.concat([a, b], 0);
    const k = kernelSum(pairwiseSquaredDistances(both, both), widths);
    return tf.sum(tf.mul(k, mmdWeights(a.shape[0], b.shape[0]))) as tf.Scalar;
  });
}

const blockGradient = tf.customGrad(
  ((x: tf.Tensor) => ({
    value: tf.clone(x),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
    // deno-lint-ignore no-explicit-any
  })) as any,
) as (x: tf.Tensor) => tf.Tensor;

/**
 * The identity whose gradient is zero (TensorFlow's `stop_gradient`).
 * @param x Any tensor.
 * @returns A copy of `x` through which no gradient flows.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { stopGradient } from "./mmd.ts";
 * tf.grad((x: tf.Tensor) => tf.sum(tf.mul(x, stopGradient(x))))(tf.tensor1d([3])).print(); // [3]
 * ```
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return blockGradient(x) as T;
}
