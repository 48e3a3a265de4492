/**
 * A dense layer `act(x · W + b)` (act: identity or ReLU) as one wasm kernel
 * forward and one backward: native sgemm on the wasm heap plus SIMD
 * epilogues (bias, ReLU, ReLU gradient, bias gradient) from
 * lib/kernels/simd_kernels.wat. Four to five dispatches per layer and step
 * become two. {@link ./dense_op.ts denseLayer} uses them when the native
 * BLAS and the SIMD kernels are both available on wasm
 * (`fusedKernelsAvailable` in fused_layer.ts); otherwise the dense layer is
 * built from {@link ./ops.ts denseAffine} and tf activations.
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
export const DENSE_KERNEL = "FlowModelsDense";
/** Backward kernel name. */
export const DENSE_GRAD_KERNEL = "FlowModelsDenseGrad";

function forwardKernel(args: KernelArgs): tf.TensorInfo {
  const { x, kernel, bias } = args.inputs as Record<string, tf.TensorInfo>;
  const relu = args.attrs?.relu ? 1 : 0;
  const backend = args.backend as WasmHeapBackend;
  const [m, k] = x.shape, n = kernel.shape[1];
  const out = backend.makeOutput([m, n], "float32");
  const [xs, w, b, y] = [x, kernel, bias, out].map((t) => backend.typedArrayFromHeap(t));
  nativeSgemm(false, false, m, n, k, xs, k, w, n, 0, y);
  requireSimdKernels(backend, "The fused dense kernel").bias_act(
    y.byteOffset,
    b.byteOffset,
    m,
    n,
    relu,
  );
  return out;
}

function backwardKernel(args: KernelArgs): tf.TensorInfo[] {
  const { dy, x, kernel, y } = args.inputs as Record<string, tf.TensorInfo>;
  const relu = Boolean(args.attrs?.relu);
  const backend = args.backend as WasmHeapBackend;
  const simd = requireSimdKernels(backend, "The fused dense kernel");
  const [m, k] = x.shape, n = kernel.shape[1];
  const dxInfo = backend.makeOutput([m, k], "float32");
  const dwInfo = backend.makeOutput([k, n], "float32");
  const dbInfo = backend.makeOutput([n], "float32");
  withScratch(backend, [relu ? m * n : 0], ([scratch]) => {
    const [d, xs, w, dx, dw, db] = [dy, x, kernel, dxInfo, dwInfo, dbInfo].map((t) =>
      backend.typedArrayFromHeap(t)
    );
    let g = d;
    if (relu) {
      g = backend.typedArrayFromHeap(scratch);
      simd.relu_grad(d.byteOffset, backend.typedArrayFromHeap(y).byteOffset, g.byteOffset, m * n);
    }
    nativeSgemm(false, true, m, k, n, g, n, w, n, 0, dx); // dx = g · Wᵀ
    nativeSgemm(true, false, k, n, m, xs, k, g, n, 0, dw); // dW = xᵀ · g
    simd.column_sums(g.byteOffset, m, n, db.byteOffset);
  });
  return [dxInfo, dwInfo, dbInfo];
}

defineWasmKernels({ [DENSE_KERNEL]: forwardKernel, [DENSE_GRAD_KERNEL]: backwardKernel });

/**
 * `act(x · W + b)` with its gradient, as two fused kernels.
 * @param x Batch `[m, k]`.
 * @param kernel Weights `[k, n]`.
 * @param bias Bias `[n]`.
 * @param relu Apply a ReLU.
 * @returns `[m, n]`.
 * @example
 * ```ts ignore
 * import { tf } from "../core/tf.ts";
 * import { fusedDense } from "./dense_kernels.ts";
 * const y = fusedDense(tf.ones([2, 3]), tf.ones([3, 4]), tf.fill([4], -4), true); // all 0
 * ```
 */
export function fusedDense(
  x: tf.Tensor2D,
  kernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  relu: boolean,
): tf.Tensor2D {
  return fusedLayer({ forward: DENSE_KERNEL, backward: DENSE_GRAD_KERNEL }, x, kernel, bias, relu);
}
