/**
 * Batch normalization in training mode as two differentiable ops with
 * hand-written gradients: the normalized output and the per-example log-det.
 * Written with plain tf ops they record about 25 tape nodes per layer (each
 * saving clones of its inputs) and their gradients dispatch about 100 small
 * kernels; as custom-gradient ops they take about 30 kernels forward and
 * backward together. Statistics are taken over every axis but the last
 * (`M` positions per channel: batch × spatial), biased variance, as
 * `tf.moments` does.
 *
 * With `x̂ = (x − μ) r`, `r = (σ² + ε)^(−½)`, `z = γ x̂ + β` and upstream `dz`:
 * `dβ = Σ dz`, `dγ = Σ dz x̂`, `dx = r (g − mean(g) − x̂ mean(g x̂))`, `g = γ dz`.
 * The log-det `P Σ_c (log|γ_c| − ½ log(σ²_c + ε))` (P positions per example)
 * has `dγ = P S / γ` and `dx = −P S (x − μ) / (M (σ² + ε))`, `S = Σ_n dlogDet_n`.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { customGradOp } from "./custom_grad.ts";
import { batchNormTrainingWasm, type MovingStatistics } from "./batch_norm_kernels.ts";
import { positionsPerExample } from "../core/shapes.ts";

/** Mean and biased variance per channel of `x` reshaped to `[M, C]`. */
function channelMoments(x2: tf.Tensor2D): { mean: tf.Tensor1D; variance: tf.Tensor1D } {
  return tf.moments(x2, 0) as { mean: tf.Tensor1D; variance: tf.Tensor1D };
}

function asRows(x: tf.Tensor): tf.Tensor2D {
  const c = x.shape[x.rank - 1];
  return tf.reshape(x, [-1, c]);
}

/**
 * Normalizes `x` with its own batch statistics and applies `γ`, `β`.
 * @param x Input `[batch, …, C]`.
 * @param gamma Scale `[C]`.
 * @param beta Offset `[C]`.
 * @param epsilon Variance floor.
 * @param onMoments Called with the batch mean and variance, e.g. to update
 *   moving averages; the tensors are disposed when it returns.
 * @returns `γ (x − μ) / √(σ² + ε) + β`, shaped like `x`, differentiable in all three inputs.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { batchNormalizeTraining } from "./batch_norm_ops.ts";
 * const z = batchNormalizeTraining(tf.tensor2d([[1], [3]]), tf.ones([1]), tf.zeros([1]), 0);
 * z.print(); // [[-1], [1]]
 * ```
 */
export function batchNormalizeTraining(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
  onMoments?: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void,
): tf.Tensor {
  return customGradOp(
    [x, gamma, beta],
    ([xIn, g, b]) => {
      const rows = asRows(xIn);
      const { mean, variance } = channelMoments(rows);
      const r = tf.rsqrt(tf.add(variance, epsilon));
      const xHat = tf.mul(tf.sub(rows, mean), r);
      onMoments?.(mean, variance);
      return { value: tf.reshape(tf.add(tf.mul(xHat, g), b), xIn.shape), save: [xHat, r, g] };
    },
    (dy, [xh, rs, gs]) => {
      const dz = asRows(dy);
      const dBeta = tf.sum(dz, 0);
      const dGamma = tf.sum(tf.mul(dz, xh), 0);
      const gz = tf.mul(dz, gs);
      const dx = tf.mul(
        tf.sub(tf.sub(gz, tf.mean(gz, 0)), tf.mul(xh, tf.mean(tf.mul(gz, xh), 0))),
        rs,
      );
      return [tf.reshape(dx, dy.shape), dGamma, dBeta];
    },
  );
}

/**
 * Per-example log-det of batch normalization in training mode, as a function
 * of the batch (through its variance) and of `γ`.
 * @param x Input `[batch, …, C]`.
 * @param gamma Scale `[C]`.
 * @param epsilon Variance floor.
 * @returns `[batch]`, every entry `P Σ_c (log|γ_c| − ½ log(σ²_c + ε))`.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { batchNormLogDetTraining } from "./batch_norm_ops.ts";
 * batchNormLogDetTraining(tf.tensor2d([[1], [3]]), tf.ones([1]), 0).print(); // [0, 0]
 * ```
 */
export function batchNormLogDetTraining(
  x: tf.Tensor,
  gamma: tf.Tensor,
  epsilon: number,
): tf.Tensor1D {
  const batch = x.shape[0];
  const positions = positionsPerExample(x);
  return customGradOp<tf.Tensor1D>(
    [x, gamma],
    ([xIn, g]) => {
      const rows = asRows(xIn);
      const { mean, variance } = channelMoments(rows);
      const varEps = tf.add(variance, epsilon);
      const perExample = tf.mul(
        tf.sum(tf.sub(tf.log(tf.abs(g)), tf.mul(0.5, tf.log(varEps)))),
        positions,
      );
      return { value: tf.add(tf.zeros([batch]), perExample), save: [rows, mean, varEps, g] };
    },
    (dy, [xs, mu, ve, gs]) => {
      const s = tf.mul(tf.sum(dy), positions);
      const dGamma = tf.div(s, gs);
      const dx = tf.mul(tf.div(tf.sub(xs, mu), ve), tf.div(tf.neg(s), xs.shape[0]));
      return [tf.reshape(dx, x.shape), dGamma];
    },
  );
}

/**
 * Batch normalization in training mode, output and per-example log-det, and
 * the update of the moving averages: one kernel each way on wasm
 * ({@link batchNormTrainingWasm}), the two custom-gradient ops above elsewhere.
 * @param x Input `[batch, …, C]`.
 * @param gamma Scale `[C]`.
 * @param beta Offset `[C]`.
 * @param epsilon Variance floor.
 * @param moving Moving averages to update, if any.
 * @returns Output shaped like `x` and log-det `[batch]`.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { batchNormTraining } from "./batch_norm_ops.ts";
 * const { logDet } = batchNormTraining(tf.tensor2d([[1], [3]]), tf.ones([1]), tf.zeros([1]), 0);
 * logDet.print(); // [0, 0]
 * ```
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
  moving?: MovingStatistics,
): { value: tf.Tensor; logDet: tf.Tensor1D } {
  if (tf.getBackend() === "wasm") return batchNormTrainingWasm(x, gamma, beta, epsilon, moving);
  const update = moving
    ? (mean: tf.Tensor1D, variance: tf.Tensor1D) => {
      const m = moving.momentum;
      moving.mean.assign(tf.add(tf.mul(moving.mean, m), tf.mul(mean, 1 - m)));
      moving.variance.assign(tf.add(tf.mul(moving.variance, m), tf.mul(variance, 1 - m)));
    }
    : undefined;
  return {
    value: batchNormalizeTraining(x, gamma, beta, epsilon, update),
    logDet: batchNormLogDetTraining(x, gamma, epsilon),
  };
}
