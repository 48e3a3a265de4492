/**
 * The global norm of a list of gradients, `√(Σ_i ‖g_i‖²)`. On wasm it runs as
 * one kernel reading every gradient from the wasm heap (a trainable flow has
 * about a hundred variables; as tf ops that is two kernels per variable plus
 * a sum); elsewhere it uses tf ops.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { sumTensors } from "./ops.ts";
import {
  defineWasmKernels,
  runKernel,
  type WasmHeapBackend,
  type WasmKernelArgs as KernelArgs,
} from "./heap.ts";
import { simdKernelsFor } from "./simd.ts";

/** Kernel name of the fused sum of squares. */
export const SUM_OF_SQUARES_KERNEL = "FlowModelsSumOfSquares";

function sumOfSquaresKernel(
  args: KernelArgs,
): tf.TensorInfo {
  const backend = args.backend as WasmHeapBackend;
  const out = backend.makeOutput([], "float32");
  const simd = simdKernelsFor(backend);
  let total = 0;
  for (const t of Object.values(args.inputs)) {
    const a = backend.typedArrayFromHeap(t as tf.TensorInfo);
    if (simd) {
      total += simd.sum_of_squares(a.byteOffset, a.length);
      continue;
    }
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i] * a[i];
    total += s;
  }
  backend.typedArrayFromHeap(out)[0] = total;
  return out;
}

defineWasmKernels({ [SUM_OF_SQUARES_KERNEL]: sumOfSquaresKernel });

/**
 * Global L2 norm of several tensors, as used for gradient clipping.
 * @param tensors The tensors (float32).
 * @returns A scalar `√(Σ_i Σ_j t_ij²)`.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { globalNorm } from "./global_norm.ts";
 * globalNorm([tf.tensor1d([3]), tf.tensor1d([4])]).print(); // 5
 * ```
 */
export function globalNorm(tensors: tf.Tensor[]): tf.Scalar {
  if (tensors.length === 0) return tf.scalar(0);
  if (tf.getBackend() === "wasm") {
    const inputs = Object.fromEntries(tensors.map((t, i) => [`g${i}`, t]));
    return tf.tidy(() => tf.sqrt(runKernel<tf.Scalar>(SUM_OF_SQUARES_KERNEL, inputs)));
  }
  return tf.tidy(() => tf.sqrt(sumTensors(tensors.map((g) => tf.sum(tf.square(g))))));
}
