/**
 * Differentiable kernels with gradients written to avoid the slow or missing
 * paths of the wasm backend:
 * - `matMul` with `transposeA`/`transposeB` runs 10–25× slower there than an
 *   explicit transpose followed by a plain matMul; tfjs's own matMul gradient
 *   uses those flags, so {@link denseAffine} brings its own gradient, built on
 *   {@link gemm} (native BLAS when enabled, explicit transposes otherwise).
 * - The gradient of `gather` needs `UnsortedSegmentSum`, which wasm lacks; a
 *   permutation's gradient is the inverse permutation ({@link permuteLastAxis}).
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { gemm } from "./blas.ts";
import { customGradOp } from "./custom_grad.ts";
import { defineWasmKernels, runKernel, type WasmHeapBackend, type WasmKernelArgs } from "./heap.ts";

const denseGrad = tf.customGrad(
  // deno-lint-ignore no-explicit-any
  ((x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, save: any) => {
    save([x, kernel]);
    return {
      value: tf.add(gemm(x, kernel), bias),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [xs, ks] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [gemm(dy, ks, false, true), gemm(xs, dy, true, false), tf.sum(dy, 0)];
      },
    };
    // deno-lint-ignore no-explicit-any
  }) as any,
) as (x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D) => tf.Tensor2D;

/**
 * `x · kernel + bias` with a gradient that transposes explicitly.
 * @param x Batch `[n, in]`.
 * @param kernel Weights `[in, out]`.
 * @param bias Bias `[out]`.
 * @returns `[n, out]`.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { denseAffine } from "./ops.ts";
 * const y = denseAffine(tf.ones([2, 3]), tf.ones([3, 4]), tf.zeros([4]));
 * console.log(y.shape); // [2, 4]
 * ```
 */
export function denseAffine(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  return denseGrad(x, kernel, bias);
}

/**
 * Reorders the last axis of a batch by a fixed permutation; its gradient is the
 * inverse permutation, so it trains on backends without `UnsortedSegmentSum`.
 * @param x Tensor whose last axis has length `perm.length`.
 * @param perm Output column `i` is input column `perm[i]`.
 * @returns The permuted tensor.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { permuteLastAxis } from "./ops.ts";
 * permuteLastAxis(tf.tensor2d([[1, 2, 3]]), [2, 0, 1]).print(); // [[3, 1, 2]]
 * ```
 */
export function permuteLastAxis(x: tf.Tensor, perm: readonly number[]): tf.Tensor {
  const inversePerm = new Array<number>(perm.length);
  perm.forEach((p, i) => (inversePerm[p] = i));
  if (tf.getBackend() === "wasm" && x.dtype === "float32") {
    // tfjs-wasm's GatherV2 takes a generic path (≈ 50 µs for a [256, 4] batch); this is a loop.
    return customGradOp(
      [x],
      ([input]) => ({
        value: runKernel<tf.Tensor>(PERMUTE_KERNEL, { x: input }, { perm: perm as number[] }),
        save: [],
      }),
      (dy) => [runKernel<tf.Tensor>(PERMUTE_KERNEL, { x: dy }, { perm: inversePerm })],
    );
  }
  const axis = x.rank - 1;
  const op = tf.customGrad(
    ((input: tf.Tensor) => ({
      value: tf.gather(input, tf.tensor1d(perm as number[], "int32"), axis),
      gradFunc: (dy: tf.Tensor) => tf.gather(dy, tf.tensor1d(inversePerm, "int32"), axis),
      // deno-lint-ignore no-explicit-any
    })) as any,
  ) as (input: tf.Tensor) => tf.Tensor;
  return op(x);
}

/** Kernel name of the last-axis permutation on wasm. */
export const PERMUTE_KERNEL = "FlowModelsPermuteLastAxis";

function permuteKernel(args: WasmKernelArgs): tf.TensorInfo {
  const x = args.inputs.x as tf.TensorInfo;
  const perm = args.attrs?.perm as number[];
  const backend = args.backend as WasmHeapBackend;
  const out = backend.makeOutput([...x.shape], "float32");
  const xs = backend.typedArrayFromHeap(x), ys = backend.typedArrayFromHeap(out);
  const c = perm.length;
  for (let r = 0; r < xs.length; r += c) {
    for (let j = 0; j < c; j++) ys[r + j] = xs[r + perm[j]];
  }
  return out;
}

defineWasmKernels({ [PERMUTE_KERNEL]: permuteKernel });

/**
 * Inputs one `AddN` may take on WebGPU: tfjs-webgpu binds every input as a
 * storage buffer, and under the default device limits (8 per shader stage,
 * one for the output) a larger `AddN` returns a wrong sum without an error
 * (measured: 30 ones summed to 7).
 */
export const WEBGPU_MAX_ADDN_INPUTS = 7;

/**
 * The elementwise sum of tensors of one shape: one `addN` (one kernel on
 * wasm, however many inputs), in chunks on WebGPU. Differentiable.
 * @param tensors At least one tensor, all of the same shape.
 * @returns Their sum (the tensor itself when there is one).
 * @throws Error when the list is empty.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { sumTensors } from "./ops.ts";
 * sumTensors(Array.from({ length: 30 }, () => tf.ones([2]))).print(); // [30, 30]
 * ```
 */
export function sumTensors<T extends tf.Tensor>(tensors: readonly T[]): T {
  if (tensors.length === 0) throw new Error("sumTensors needs at least one tensor");
  if (tensors.length === 1) return tensors[0];
  // tfjs's AddN gradient keeps a copy of every input it never reads; this one keeps none
  // and hands each input its own handle on the output's gradient.
  return customGradOp<T>(
    tensors as T[],
    (xs) => ({ value: addNChunked(xs as T[]), save: [] }),
    (dy) => gradientHandles(tensors.length, dy),
  );
}

/** The output gradient for each of `n` inputs: `dy` once, then clones (each input's gradient
 * may be disposed on its own when the engine accumulates it). */
function gradientHandles(n: number, dy: tf.Tensor): tf.Tensor[] {
  return Array.from({ length: n }, (_, i) => i === 0 ? dy : tf.clone(dy));
}

function addNChunked<T extends tf.Tensor>(tensors: readonly T[]): T {
  if (tensors.length === 1) return tensors[0];
  const max = tf.getBackend() === "webgpu" ? WEBGPU_MAX_ADDN_INPUTS : Infinity;
  if (tensors.length <= max) return tf.addN(tensors as T[]);
  const partial: T[] = [];
  for (let i = 0; i < tensors.length; i += max) {
    partial.push(addNChunked(tensors.slice(i, i + max)));
  }
  return addNChunked(partial);
}
