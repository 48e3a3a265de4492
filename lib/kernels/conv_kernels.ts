/**
 * A convolution layer `act(x ⊛ W + b)` (SAME, stride 1, odd `k×k` kernel,
 * act: identity or ReLU) as one wasm kernel forward and one backward, built
 * from native sgemm on the wasm heap and the SIMD `im2col`/`col2im` kernels
 * of lib/kernels/simd_kernels.wat. Used by {@link ./conv_op.ts conv2d} when the
 * native BLAS and the SIMD kernels are both available on wasm
 * (`fusedKernelsAvailable` in fused_layer.ts).
 *
 * Notation: `M = n·h·w` pixels, `T = k·k` taps, tap `t` offsets the pixel by
 * `δ_t = (a − r, e − r)`, and the flipped tap `T−1−t` by `−δ_t`. `P(x)` is the
 * patch matrix `[M, T·c]` (`P(x)[p, t] = x[p + δ_t]`) and `P*` its adjoint.
 * Each layer forms the patch matrix of whichever side has fewer channels, so
 * the matrices stay small (`T·min(cIn, cOut)` columns) in Glow's couplings,
 * whose 3×3 layers map a few channels to many or many to a few:
 *
 * - `cIn ≤ cOut`: `y = P(x) · W` (`W` as `[T·cIn, cOut]`, its own layout),
 *   `dW = P(x)ᵀ · g`, `dx = P*(g · Wᵀ)`.
 * - `cIn > cOut`: `y = P*(x · W̃)` with `W̃[i, t, o] = W[T−1−t, i, o]`,
 *   `dx = P(g) · W̄` with `W̄[t, o, i] = W[T−1−t, i, o]`, and
 *   `dW[t, i, o] = (xᵀ · P(g))[i, T−1−t, o]`.
 * - `k = 1`: plain gemms, `y = x · W`, `dx = g · Wᵀ`, `dW = xᵀ · g`.
 *
 * Native sgemm reads the variables' buffers directly, so in-place weight
 * updates are always seen (unlike XNNPACK's packed-weight cache).
 *
 * @module
 */
import type { tf } from "../core/tf.ts";
import {
  defineWasmKernels,
  type WasmHeapBackend,
  type WasmKernelArgs as KernelArgs,
  withScratch,
} from "./heap.ts";
import { nativeSgemm } from "./blas.ts";
import { requireSimdKernels } from "./simd.ts";
import { fusedLayer } from "./fused_layer.ts";

/** Forward kernel name. */
export const CONV_KERNEL = "FlowModelsConv2D";
/** Backward kernel name. */
export const CONV_GRAD_KERNEL = "FlowModelsConv2DGrad";

/** Geometry of one layer. */
interface Geometry {
  n: number;
  h: number;
  w: number;
  cIn: number;
  cOut: number;
  k: number;
  taps: number;
  pixels: number;
}

function geometry(x: tf.TensorInfo, kernel: tf.TensorInfo): Geometry {
  const [n, h, w, cIn] = x.shape;
  const [k, , , cOut] = kernel.shape;
  return { n, h, w, cIn, cOut, k, taps: k * k, pixels: n * h * w };
}

/**
 * The kernel with flipped taps and regrouped axes: `out[i, t, o]` (`inFirst`)
 * or `out[t, o, i]` from `W[T−1−t, i, o]`.
 */
function flippedKernel(weights: Float32Array, g: Geometry, inFirst: boolean): Float32Array {
  const { taps, cIn, cOut } = g;
  const out = new Float32Array(taps * cIn * cOut);
  for (let t = 0; t < taps; t++) {
    const src = (taps - 1 - t) * cIn * cOut;
    for (let i = 0; i < cIn; i++) {
      for (let o = 0; o < cOut; o++) {
        const dst = inFirst ? (i * taps + t) * cOut + o : (t * cOut + o) * cIn + i;
        out[dst] = weights[src + i * cOut + o];
      }
    }
  }
  return out;
}

function forwardKernel(args: KernelArgs): tf.TensorInfo {
  const { x, kernel, bias } = args.inputs as Record<string, tf.TensorInfo>;
  const relu = args.attrs?.relu ? 1 : 0;
  const backend = args.backend as WasmHeapBackend;
  const simd = requireSimdKernels(backend, "The fused convolution kernel");
  const g = geometry(x, kernel);
  const { n, h, w, cIn, cOut, k, taps, pixels } = g;
  const out = backend.makeOutput([n, h, w, cOut], "float32");
  const smallInput = cIn <= cOut;
  const scratchSize = taps === 1 ? 0 : pixels * taps * (smallInput ? cIn : cOut);
  withScratch(backend, [scratchSize, bias ? 0 : cOut], ([cols, zeroBias]) => {
    const [xs, ws, y, s] = [x, kernel, out, cols].map((t) => backend.typedArrayFromHeap(t));
    if (taps === 1) {
      nativeSgemm(false, false, pixels, cOut, cIn, xs, cIn, ws, cOut, 0, y);
    } else if (smallInput) {
      simd.im2col(xs.byteOffset, n, h, w, cIn, k, s.byteOffset);
      nativeSgemm(false, false, pixels, cOut, taps * cIn, s, taps * cIn, ws, cOut, 0, y);
    } else {
      const wt = flippedKernel(ws, g, true);
      nativeSgemm(false, false, pixels, taps * cOut, cIn, xs, cIn, wt, taps * cOut, 0, s);
      simd.col2im(s.byteOffset, n, h, w, cOut, k, y.byteOffset);
    }
    const b = backend.typedArrayFromHeap(bias ?? zeroBias);
    if (!bias) b.fill(0);
    if (bias || relu) simd.bias_act(y.byteOffset, b.byteOffset, pixels, cOut, relu);
  });
  return out;
}

function backwardKernel(args: KernelArgs): tf.TensorInfo[] {
  const { dy, x, kernel, y } = args.inputs as Record<string, tf.TensorInfo>;
  const relu = Boolean(args.attrs?.relu);
  const withBias = Boolean(args.attrs?.bias);
  const backend = args.backend as WasmHeapBackend;
  const simd = requireSimdKernels(backend, "The fused convolution kernel");
  const g = geometry(x, kernel);
  const { n, h, w, cIn, cOut, k, taps, pixels } = g;
  const dxInfo = backend.makeOutput(x.shape, "float32");
  const dwInfo = backend.makeOutput(kernel.shape, "float32");
  const dbInfo = withBias ? backend.makeOutput([cOut], "float32") : null;
  const smallInput = cIn <= cOut;
  const colsSize = taps === 1 ? 0 : pixels * taps * (smallInput ? cIn : cOut);
  withScratch(backend, [relu ? pixels * cOut : 0, colsSize], ([gradScratch, colsScratch]) => {
    const [d, xs, ws, dx, dw, cols] = [dy, x, kernel, dxInfo, dwInfo, colsScratch].map((t) =>
      backend.typedArrayFromHeap(t)
    );
    let grad = d;
    if (relu) {
      grad = backend.typedArrayFromHeap(gradScratch);
      simd.relu_grad(
        d.byteOffset,
        backend.typedArrayFromHeap(y).byteOffset,
        grad.byteOffset,
        grad.length,
      );
    }
    if (dbInfo) {
      simd.column_sums(
        grad.byteOffset,
        pixels,
        cOut,
        backend.typedArrayFromHeap(dbInfo).byteOffset,
      );
    }
    if (taps === 1) {
      nativeSgemm(false, true, pixels, cIn, cOut, grad, cOut, ws, cOut, 0, dx);
      nativeSgemm(true, false, cIn, cOut, pixels, xs, cIn, grad, cOut, 0, dw);
    } else if (smallInput) {
      simd.im2col(xs.byteOffset, n, h, w, cIn, k, cols.byteOffset);
      nativeSgemm(true, false, taps * cIn, cOut, pixels, cols, taps * cIn, grad, cOut, 0, dw);
      nativeSgemm(false, true, pixels, taps * cIn, cOut, grad, cOut, ws, cOut, 0, cols);
      simd.col2im(cols.byteOffset, n, h, w, cIn, k, dx.byteOffset);
    } else {
      simd.im2col(grad.byteOffset, n, h, w, cOut, k, cols.byteOffset);
      const wf = flippedKernel(ws, g, false);
      nativeSgemm(false, false, pixels, cIn, taps * cOut, cols, taps * cOut, wf, cIn, 0, dx);
      const dFlipped = new Float32Array(cIn * taps * cOut);
      nativeSgemm(true, false, cIn, taps * cOut, pixels, xs, cIn, cols, taps * cOut, 0, dFlipped);
      for (let t = 0; t < taps; t++) {
        for (let i = 0; i < cIn; i++) {
          const src = (i * taps + taps - 1 - t) * cOut;
          dw.set(dFlipped.subarray(src, src + cOut), (t * cIn + i) * cOut);
        }
      }
    }
  });
  return dbInfo ? [dxInfo, dwInfo, dbInfo] : [dxInfo, dwInfo];
}

defineWasmKernels({ [CONV_KERNEL]: forwardKernel, [CONV_GRAD_KERNEL]: backwardKernel });

/**
 * `act(x ⊛ kernel + bias)` (SAME, stride 1) with its gradient, as two fused kernels.
 * @param x Images `[n, h, w, cIn]`.
 * @param kernel Weights `[k, k, cIn, cOut]`, `k` odd.
 * @param bias Optional bias `[cOut]`.
 * @param relu Apply a ReLU.
 * @returns `[n, h, w, cOut]`.
 * @example
 * ```ts ignore
 * import { tf } from "../core/tf.ts";
 * import { fusedConv2d } from "./conv_kernels.ts";
 * const y = fusedConv2d(tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 8]), tf.zeros([8]), true);
 * ```
 */
export function fusedConv2d(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  bias: tf.Tensor1D | undefined,
  relu: boolean,
): tf.Tensor4D {
  return fusedLayer({ forward: CONV_KERNEL, backward: CONV_GRAD_KERNEL }, x, kernel, bias, relu);
}
