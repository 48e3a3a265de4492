/**
 * Batch normalization in training mode as one wasm kernel forward and one
 * backward (JavaScript loops on the wasm heap, float64 accumulators). The
 * channel statistics of a flow's batch-norm layer are small (`C` channels,
 * `M` rows), so the cost of the tf-ops version is almost all kernel dispatch:
 * about 60 dispatches per layer and step there, 4 here. The maths and the
 * gradients are those of lib/kernels/batch_norm_ops.ts, which is the
 * path on other backends and the reference in the tests.
 *
 * Layout: `x` as `[N, P·C]` (P positions per example); the forward output
 * packs `[z, logDet]` as `[N, P·C + 1]`.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { customGradOp } from "./custom_grad.ts";
import {
  defineWasmKernels,
  runKernel,
  type WasmHeapBackend,
  type WasmKernelArgs as KernelArgs,
} from "./heap.ts";

/** Forward kernel name. */
export const BATCH_NORM_TRAIN_KERNEL = "FlowModelsBatchNormTrain";
/** Backward kernel name. */
export const BATCH_NORM_TRAIN_GRAD_KERNEL = "FlowModelsBatchNormTrainGrad";

function forwardKernel(args: KernelArgs): tf.TensorInfo[] {
  const { x, gamma, beta, movingMean, movingVariance } = args.inputs as Record<
    string,
    tf.TensorInfo
  >;
  const { epsilon, channels, positions, momentum } = args.attrs as Record<string, number>;
  const backend = args.backend as WasmHeapBackend;
  const [n, width] = x.shape;
  const packedInfo = backend.makeOutput([n, width + 1], "float32");
  const meanInfo = backend.makeOutput([channels], "float32");
  const varInfo = backend.makeOutput([channels], "float32");
  const movingMeanInfo = backend.makeOutput([channels], "float32");
  const movingVarInfo = backend.makeOutput([channels], "float32");
  const [xs, g, b, out, meanOut, varOut, mm0, mv0, mm1, mv1] = [
    x,
    gamma,
    beta,
    packedInfo,
    meanInfo,
    varInfo,
    movingMean,
    movingVariance,
    movingMeanInfo,
    movingVarInfo,
  ].map((t) => backend.typedArrayFromHeap(t));
  const c = channels, rows = n * positions;
  const mean = new Float64Array(c), sq = new Float64Array(c);
  for (let i = 0; i < xs.length; i++) mean[i % c] += xs[i];
  for (let k = 0; k < c; k++) mean[k] /= rows;
  for (let i = 0; i < xs.length; i++) {
    const d = xs[i] - mean[i % c];
    sq[i % c] += d * d;
  }
  const scale = new Float64Array(c);
  let logDet = 0;
  for (let k = 0; k < c; k++) {
    const variance = sq[k] / rows;
    meanOut[k] = mean[k];
    varOut[k] = variance;
    mm1[k] = mm0[k] * momentum + mean[k] * (1 - momentum);
    mv1[k] = mv0[k] * momentum + variance * (1 - momentum);
    scale[k] = g[k] / Math.sqrt(variance + epsilon);
    logDet += Math.log(Math.abs(g[k])) - 0.5 * Math.log(variance + epsilon);
  }
  logDet *= positions;
  for (let r = 0; r < n; r++) {
    const src = r * width, dst = r * (width + 1);
    for (let j = 0; j < width; j++) {
      const k = j % c;
      out[dst + j] = (xs[src + j] - mean[k]) * scale[k] + b[k];
    }
    out[dst + width] = logDet;
  }
  return [packedInfo, meanInfo, varInfo, movingMeanInfo, movingVarInfo];
}

function backwardKernel(args: KernelArgs): tf.TensorInfo[] {
  const { dy, x, gamma, mean, variance } = args.inputs as Record<string, tf.TensorInfo>;
  const { epsilon, channels, positions } = args.attrs as Record<string, number>;
  const backend = args.backend as WasmHeapBackend;
  const [n, width] = x.shape;
  const dxInfo = backend.makeOutput([n, width], "float32");
  const dgInfo = backend.makeOutput([channels], "float32");
  const dbInfo = backend.makeOutput([channels], "float32");
  const [d, xs, g, mu, v, dx, dg, db] = [dy, x, gamma, mean, variance, dxInfo, dgInfo, dbInfo]
    .map((t) => backend.typedArrayFromHeap(t));
  const c = channels, rows = n * positions;
  let s = 0;
  for (let r = 0; r < n; r++) s += d[r * (width + 1) + width];
  const r_ = new Float64Array(c);
  for (let k = 0; k < c; k++) r_[k] = 1 / Math.sqrt(v[k] + epsilon);
  // Σ dz, Σ dz·x̂ per channel.
  const sumDz = new Float64Array(c), sumDzXhat = new Float64Array(c);
  for (let r = 0; r < n; r++) {
    const src = r * width, dsrc = r * (width + 1);
    for (let j = 0; j < width; j++) {
      const k = j % c;
      const dz = d[dsrc + j];
      sumDz[k] += dz;
      sumDzXhat[k] += dz * (xs[src + j] - mu[k]) * r_[k];
    }
  }
  const a = new Float64Array(c), bCoef = new Float64Array(c), e = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    db[k] = sumDz[k];
    dg[k] = sumDzXhat[k] + positions * s / g[k];
    // dx = r γ (dz − mean(dz) − x̂ mean(dz x̂)) − P S (x − μ) / (M (σ² + ε))
    a[k] = r_[k] * g[k];
    bCoef[k] = g[k] * sumDzXhat[k] / rows * r_[k] * r_[k];
    e[k] = r_[k] * g[k] * sumDz[k] / rows;
  }
  for (let r = 0; r < n; r++) {
    const src = r * width, dsrc = r * (width + 1);
    for (let j = 0; j < width; j++) {
      const k = j % c;
      const centred = xs[src + j] - mu[k];
      dx[src + j] = a[k] * d[dsrc + j] - e[k] - centred * bCoef[k] -
        positions * s * centred * r_[k] * r_[k] / rows;
    }
  }
  return [dxInfo, dgInfo, dbInfo];
}

defineWasmKernels({
  [BATCH_NORM_TRAIN_KERNEL]: forwardKernel,
  [BATCH_NORM_TRAIN_GRAD_KERNEL]: backwardKernel,
});

/** Moving averages a training-mode batch normalization updates. */
export interface MovingStatistics {
  /** Moving mean `[C]`. */
  mean: tf.Variable;
  /** Moving variance `[C]`. */
  variance: tf.Variable;
  /** New = momentum · old + (1 − momentum) · batch. */
  momentum: number;
}

/**
 * Batch normalization in training mode on wasm: output and per-example
 * log-det in one differentiable op; updates the moving averages.
 * @param x Input `[batch, …, C]`.
 * @param gamma Scale `[C]`.
 * @param beta Offset `[C]`.
 * @param epsilon Variance floor.
 * @param moving Moving averages to update, if any.
 * @returns Output shaped like `x` and log-det `[batch]`.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { batchNormTrainingWasm } from "./batch_norm_kernels.ts";
 * await tf.setBackend("wasm");
 * const { value } = batchNormTrainingWasm(tf.tensor2d([[1], [3]]), tf.ones([1]), tf.zeros([1]), 0);
 * value.print(); // [[-1], [1]]
 * ```
 */
export function batchNormTrainingWasm(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
  moving?: MovingStatistics,
): { value: tf.Tensor; logDet: tf.Tensor1D } {
  const n = x.shape[0];
  const channels = x.shape[x.rank - 1];
  const width = x.size / n;
  const positions = width / channels;
  const attrs = { epsilon, channels, positions, momentum: moving?.momentum ?? 1 };
  return tf.tidy(() => {
    const packed = customGradOp<tf.Tensor2D>(
      [tf.reshape(x, [n, width]), gamma, beta],
      ([xIn, g, b]) => {
        const stats = moving ?? { mean: tf.zeros([channels]), variance: tf.ones([channels]) };
        const [out, mean, variance, newMean, newVariance] = runKernel<tf.Tensor[]>(
          BATCH_NORM_TRAIN_KERNEL,
          { x: xIn, gamma: g, beta: b, movingMean: stats.mean, movingVariance: stats.variance },
          attrs,
        );
        if (moving) {
          moving.mean.assign(newMean);
          moving.variance.assign(newVariance);
        }
        return { value: out as tf.Tensor2D, save: [xIn, g, mean, variance] };
      },
      (dy, [xs, gs, mu, v]) =>
        runKernel<tf.Tensor[]>(
          BATCH_NORM_TRAIN_GRAD_KERNEL,
          { dy, x: xs, gamma: gs, mean: mu, variance: v },
          attrs,
        ),
    );
    const [z, logDet] = tf.split(packed, [width, 1], 1);
    return { value: tf.reshape(z, x.shape), logDet: tf.reshape(logDet, [n]) as tf.Tensor1D };
  });
}
