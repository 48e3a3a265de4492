/**
 * What the fused layer kernels (dense in dense_kernels.ts, convolution in
 * conv_kernels.ts) share: when they can run, and the differentiable op that
 * calls a forward kernel `act(x ∘ kernel + bias)` and its backward kernel.
 * Both kernels take the inputs `x`, `kernel`, optional `bias` forward and
 * `dy`, `x`, `kernel`, (with ReLU) `y` backward, and the attributes `relu`
 * and `bias`.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { customGradOp } from "./custom_grad.ts";
import { runKernel } from "./heap.ts";
import { nativeGemmActive } from "./blas.ts";
import { simdKernelsFor } from "./simd.ts";

/**
 * Whether the fused layer kernels can run: wasm backend with native BLAS and wasm SIMD.
 * @returns True when they are usable.
 * @example
 * ```ts
 * import { fusedKernelsAvailable } from "./fused_layer.ts";
 * console.log(fusedKernelsAvailable()); // true on wasm with OpenBLAS loaded
 * ```
 */
export function fusedKernelsAvailable(): boolean {
  return nativeGemmActive() && simdKernelsFor(tf.backend()) !== null;
}

/** Names of a fused layer's forward and backward kernels. */
export interface FusedLayerKernels {
  /** Forward kernel: `act(x ∘ kernel + bias)`. */
  forward: string;
  /** Backward kernel: gradients of `x`, `kernel` and (when given) `bias`. */
  backward: string;
}

/**
 * `act(x ∘ kernel + bias)` with its gradient, as one forward and one backward kernel.
 * @param kernels The registered kernel names.
 * @param x Layer input.
 * @param kernel Weights.
 * @param bias Optional bias (one per output channel).
 * @param relu Apply a ReLU.
 * @returns The layer output.
 */
export function fusedLayer<T extends tf.Tensor>(
  kernels: FusedLayerKernels,
  x: tf.Tensor,
  kernel: tf.Tensor,
  bias: tf.Tensor1D | undefined,
  relu: boolean,
): T {
  const attrs = { relu, bias: bias !== undefined };
  return customGradOp(
    bias ? [x, kernel, bias] : [x, kernel],
    ([xIn, w, b]) => {
      const inputs: Record<string, tf.Tensor> = { x: xIn, kernel: w };
      if (b) inputs.bias = b;
      const y = runKernel<T>(kernels.forward, inputs, attrs);
      return { value: y, save: relu ? [xIn, w, y] : [xIn, w] };
    },
    (dy, [xs, ws, ys]) =>
      runKernel<tf.Tensor[]>(
        kernels.backward,
        relu ? { dy, x: xs, kernel: ws, y: ys } : { dy, x: xs, kernel: ws },
        attrs,
      ),
  );
}
