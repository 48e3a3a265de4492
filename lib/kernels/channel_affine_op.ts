/**
 * A per-channel affine map with its log-det, the whole of an ActNorm step:
 * `y = x · exp(s) + b` over the last axis (inverse `y = (x − b) · exp(−s)`),
 * log-det `± P · Σ s` per example (`P` positions per example: 1 for
 * `[batch, dims]`, `h · w` for images). Written with tf ops that is six
 * kernels forward and about twenty backward (the multiply gradients cast and
 * reduce each operand); on wasm it is two small JavaScript kernels each way
 * (the map, the log-det), elsewhere the tf ops, the reference path.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { positionsPerExample } from "../core/shapes.ts";
import { customGradOp } from "./custom_grad.ts";
import {
  defineWasmKernels,
  runKernel,
  type WasmHeapBackend,
  type WasmKernelArgs as KernelArgs,
} from "./heap.ts";

/** Forward kernel of the map. */
export const CHANNEL_AFFINE_KERNEL = "FlowModelsChannelAffine";
/** Backward kernel of the map. */
export const CHANNEL_AFFINE_GRAD_KERNEL = "FlowModelsChannelAffineGrad";
/** Forward kernel of the log-det: `factor · Σ s` in every one of `batch` entries. */
export const SCALED_SUM_KERNEL = "FlowModelsScaledSum";
/** Backward kernel of the log-det. */
export const SCALED_SUM_GRAD_KERNEL = "FlowModelsScaledSumGrad";

function mapKernel(args: KernelArgs): tf.TensorInfo {
  const { x, logScale, bias } = args.inputs as Record<string, tf.TensorInfo>;
  const inverse = args.attrs?.inverse === 1;
  const backend = args.backend as WasmHeapBackend;
  const out = backend.makeOutput([...x.shape], "float32");
  const [xs, s, b, y] = [x, logScale, bias, out].map((t) => backend.typedArrayFromHeap(t));
  const c = s.length, scale = new Float32Array(c);
  for (let j = 0; j < c; j++) scale[j] = Math.exp(inverse ? -s[j] : s[j]);
  for (let i = 0, j = 0; i < xs.length; i++) {
    y[i] = inverse ? (xs[i] - b[j]) * scale[j] : xs[i] * scale[j] + b[j];
    if (++j === c) j = 0;
  }
  return out;
}

function mapGradKernel(args: KernelArgs): tf.TensorInfo[] {
  const { dy, x, logScale, bias } = args.inputs as Record<string, tf.TensorInfo>;
  const inverse = args.attrs?.inverse === 1;
  const backend = args.backend as WasmHeapBackend;
  const dxInfo = backend.makeOutput([...x.shape], "float32");
  const dsInfo = backend.makeOutput([...logScale.shape], "float32");
  const dbInfo = backend.makeOutput([...bias.shape], "float32");
  const [g, xs, s, b, dx, ds, db] = [dy, x, logScale, bias, dxInfo, dsInfo, dbInfo].map((t) =>
    backend.typedArrayFromHeap(t)
  );
  const c = s.length, scale = new Float64Array(c), sumS = new Float64Array(c);
  const sumB = new Float64Array(c);
  for (let j = 0; j < c; j++) scale[j] = Math.exp(inverse ? -s[j] : s[j]);
  for (let i = 0, j = 0; i < xs.length; i++) {
    const scaled = g[i] * scale[j];
    dx[i] = scaled;
    if (inverse) {
      // y = (x − b) e⁻ˢ: ∂/∂s = −dy·y, ∂/∂b = −dy e⁻ˢ.
      sumS[j] -= scaled * (xs[i] - b[j]);
      sumB[j] -= scaled;
    } else {
      // y = x eˢ + b: ∂/∂s = dy·x eˢ, ∂/∂b = dy.
      sumS[j] += scaled * xs[i];
      sumB[j] += g[i];
    }
    if (++j === c) j = 0;
  }
  for (let j = 0; j < c; j++) {
    ds[j] = sumS[j];
    db[j] = sumB[j];
  }
  return [dxInfo, dsInfo, dbInfo];
}

function scaledSumKernel(args: KernelArgs): tf.TensorInfo {
  const { v } = args.inputs as Record<string, tf.TensorInfo>;
  const { batch, factor } = args.attrs as Record<string, number>;
  const backend = args.backend as WasmHeapBackend;
  const out = backend.makeOutput([batch], "float32");
  const vs = backend.typedArrayFromHeap(v);
  let sum = 0;
  for (let j = 0; j < vs.length; j++) sum += vs[j];
  backend.typedArrayFromHeap(out).fill(factor * sum);
  return out;
}

function scaledSumGradKernel(args: KernelArgs): tf.TensorInfo {
  const { dy, v } = args.inputs as Record<string, tf.TensorInfo>;
  const { factor } = args.attrs as Record<string, number>;
  const backend = args.backend as WasmHeapBackend;
  const out = backend.makeOutput([...v.shape], "float32");
  const g = backend.typedArrayFromHeap(dy);
  let sum = 0;
  for (let i = 0; i < g.length; i++) sum += g[i];
  backend.typedArrayFromHeap(out).fill(factor * sum);
  return out;
}

defineWasmKernels({
  [CHANNEL_AFFINE_KERNEL]: mapKernel,
  [CHANNEL_AFFINE_GRAD_KERNEL]: mapGradKernel,
  [SCALED_SUM_KERNEL]: scaledSumKernel,
  [SCALED_SUM_GRAD_KERNEL]: scaledSumGradKernel,
});

function fusedMap(x: tf.Tensor, s: tf.Tensor1D, b: tf.Tensor1D, inverse: boolean): tf.Tensor {
  const attrs = { inverse: inverse ? 1 : 0 };
  return customGradOp(
    [x, s, b],
    ([xIn, sIn, bIn]) => ({
      value: runKernel<tf.Tensor>(
        CHANNEL_AFFINE_KERNEL,
        { x: xIn, logScale: sIn, bias: bIn },
        attrs,
      ),
      save: [xIn, sIn, bIn],
    }),
    (dy, [xs, ss, bs]) =>
      runKernel<tf.Tensor[]>(
        CHANNEL_AFFINE_GRAD_KERNEL,
        { dy, x: xs, logScale: ss, bias: bs },
        attrs,
      ),
  );
}

function fusedLogDet(s: tf.Tensor1D, batch: number, factor: number): tf.Tensor1D {
  const attrs = { batch, factor };
  return customGradOp<tf.Tensor1D>(
    [s],
    ([v]) => ({ value: runKernel<tf.Tensor1D>(SCALED_SUM_KERNEL, { v }, attrs), save: [v] }),
    (dy, [v]) => [runKernel<tf.Tensor>(SCALED_SUM_GRAD_KERNEL, { dy, v }, attrs)],
  );
}

/**
 * The per-channel affine map of an ActNorm step and its log-det, on the
 * fastest path of the active backend.
 * @param x Input whose last axis holds the channels (`[batch, dims]` or `[batch, h, w, c]`).
 * @param logScale Log-scales `s`, one per channel.
 * @param bias Biases `b`, one per channel.
 * @param inverse Apply the inverse map `(x − b) · exp(−s)`.
 * @returns Output (shape of `x`) and log-det per example `[batch]`, differentiable in all inputs.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { channelAffine } from "./channel_affine_op.ts";
 * const { value, logDet } = channelAffine(
 *   tf.tensor2d([[1, 2]]), tf.tensor1d([0, Math.log(2)]), tf.tensor1d([1, 0]), false,
 * );
 * value.print(); // [[2, 4]]
 * logDet.print(); // [0.6931]
 * ```
 */
export function channelAffine(
  x: tf.Tensor,
  logScale: tf.Tensor1D,
  bias: tf.Tensor1D,
  inverse: boolean,
): { value: tf.Tensor; logDet: tf.Tensor1D } {
  const batch = x.shape[0];
  const factor = (inverse ? -1 : 1) * positionsPerExample(x);
  if (tf.getBackend() === "wasm") {
    return {
      value: fusedMap(x, logScale, bias, inverse),
      logDet: fusedLogDet(logScale, batch, factor),
    };
  }
  const value = inverse
    ? tf.mul(tf.sub(x, bias), tf.exp(tf.neg(logScale)))
    : tf.add(tf.mul(x, tf.exp(logScale)), bias);
  const logDet = tf.mul(tf.ones([batch]), tf.mul(tf.sum(logScale), factor)) as tf.Tensor1D;
  return { value, logDet };
}
