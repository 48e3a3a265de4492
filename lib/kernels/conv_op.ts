/**
 * 2-D convolution of NHWC images (stride 1, SAME zero padding, odd square
 * kernels such as 1×1 and 3×3) with a gradient of its own, so convolution
 * weights train on the wasm backend, which has no `Conv2DBackpropFilter`
 * kernel.
 *
 * On wasm with the native BLAS, each layer (with its bias and ReLU) is one
 * fused kernel forward and one backward: SIMD im2col/col2im on the side with
 * fewer channels plus native sgemm ({@link ./conv_kernels.ts fusedConv2d}). Measured on
 * Glow's training step (2 levels × 4 steps, 64 filters, batch 64 of 28×28×1,
 * one BLAS thread): 225 → 114 ms under the profiler, the convolutions at
 * about 50 GFLOP/s instead of XNNPACK's 6–17 on these few-channel shapes.
 *
 * Elsewhere (no native BLAS, or the cpu and webgpu backends) every product is
 * one that the backend runs natively:
 *
 * - 1×1 kernels are matrix products, `[n·h·w, cIn] · [cIn, cOut]`, through
 *   {@link gemm}; input gradient `dy · Wᵀ`, kernel gradient `xᵀ · dy`.
 * - `k×k` kernels run the backend's forward `Conv2D` (XNNPACK on wasm) three
 *   times. Input gradient: the transposed convolution, which for SAME and
 *   stride 1 is a SAME convolution of `dy` with the kernel flipped in space
 *   and with its channel axes swapped. Kernel gradient:
 *   `dW[a, b, i, o] = Σ_{n,y,x} xpad[n, y+a, x+b, i] · dy[n, y, x, o]`, which
 *   is a convolution of the input with batch and channel axes swapped
 *   (`[cIn, h, w, n]`) by `dy` used as a `[h, w, n, cOut]` filter, with
 *   explicit padding `(k−1)/2`, giving `[cIn, k, k, cOut]`.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { gemm } from "./blas.ts";
import { fusedConv2d } from "./conv_kernels.ts";
import { fusedKernelsAvailable } from "./fused_layer.ts";

type Shape4 = [number, number, number, number];

function flatRows(t: tf.Tensor4D): tf.Tensor2D {
  return tf.reshape(t, [-1, t.shape[3]]);
}

/**
 * `x ⊛ kernel` without bias. The wasm backend's XNNPACK `Conv2D` and `MatMul`
 * keep the weights they packed on first use, keyed by the tensor's buffer,
 * and the trainer's Adam updates variables in place in their buffers; so the
 * kernel goes in as a fresh copy (a few thousand floats), never as the
 * variable itself, or the forward pass would keep the first weights forever.
 */
function convolve(x: tf.Tensor4D, kernel: tf.Tensor4D): tf.Tensor4D {
  const [k, , cIn, cOut] = kernel.shape;
  const weights = tf.mul(kernel, 1) as tf.Tensor4D;
  if (k === 1) {
    const [n, h, w] = x.shape;
    return tf.reshape(gemm(flatRows(x), tf.reshape(weights, [cIn, cOut])), [n, h, w, cOut]);
  }
  return tf.conv2d(x, weights, 1, "same");
}

/** Gradient with respect to the input: the transposed convolution of `dy`. */
function inputGradient(dy: tf.Tensor4D, kernel: tf.Tensor4D, xShape: Shape4): tf.Tensor4D {
  const [k, , cIn, cOut] = kernel.shape;
  if (k === 1) {
    return tf.reshape(gemm(flatRows(dy), tf.reshape(kernel, [cIn, cOut]), false, true), xShape);
  }
  const flipped = tf.transpose(tf.reverse(kernel, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
  return tf.conv2d(dy, flipped, 1, "same");
}

/** Gradient with respect to the kernel, `[k, k, cIn, cOut]`. */
function kernelGradient(x: tf.Tensor4D, dy: tf.Tensor4D, k: number): tf.Tensor4D {
  const cIn = x.shape[3], cOut = dy.shape[3];
  if (k === 1) return tf.reshape(gemm(flatRows(x), flatRows(dy), true, false), [1, 1, cIn, cOut]);
  const r = (k - 1) / 2;
  const images = tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D; // [cIn, h, w, n]
  const filter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [h, w, n, cOut]
  const out = tf.conv2d(images, filter, 1, [[0, 0], [r, r], [r, r], [0, 0]]); // [cIn, k, k, cOut]
  return tf.transpose(out, [1, 2, 0, 3]);
}

/** Gradient with respect to the bias, `1ᵀ · dy` (a gemm; wasm's Sum over leading axes transposes first). */
function biasGradient(dy: tf.Tensor4D): tf.Tensor1D {
  const rows = flatRows(dy);
  return tf.reshape(gemm(tf.ones([1, rows.shape[0]]) as tf.Tensor2D, rows), [rows.shape[1]]);
}

const convWithBias = tf.customGrad(
  // deno-lint-ignore no-explicit-any
  ((x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D, save: any) => {
    save([x, kernel]);
    return {
      value: tf.add(convolve(x, kernel), bias),
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, ks] = saved as [tf.Tensor4D, tf.Tensor4D];
        return [
          inputGradient(dy, ks, xs.shape),
          kernelGradient(xs, dy, ks.shape[0]),
          biasGradient(dy),
        ];
      },
    };
    // deno-lint-ignore no-explicit-any
  }) as any,
) as (x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D) => tf.Tensor4D;

const convNoBias = tf.customGrad(
  // deno-lint-ignore no-explicit-any
  ((x: tf.Tensor4D, kernel: tf.Tensor4D, save: any) => {
    save([x, kernel]);
    return {
      value: convolve(x, kernel),
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, ks] = saved as [tf.Tensor4D, tf.Tensor4D];
        return [inputGradient(dy, ks, xs.shape), kernelGradient(xs, dy, ks.shape[0])];
      },
    };
    // deno-lint-ignore no-explicit-any
  }) as any,
) as (x: tf.Tensor4D, kernel: tf.Tensor4D) => tf.Tensor4D;

/**
 * SAME, stride-1 convolution `y = x ⊛ kernel + bias` of NHWC images, with
 * gradients for the input, the kernel and the bias that exist on the wasm,
 * cpu and webgpu backends.
 * @param x Images `[n, h, w, cIn]`.
 * @param kernel Weights `[k, k, cIn, cOut]`, `k` odd (1 and 3 in the Glow couplings).
 * @param bias Optional bias `[cOut]`.
 * @param relu Apply a ReLU to the result (one fused kernel with the convolution on wasm with
 *   native BLAS).
 * @returns `[n, h, w, cOut]`, equal to `tf.conv2d(x, kernel, 1, "same") + bias` (then `relu`).
 * @throws Error when the shapes do not fit.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { conv2d } from "./conv_op.ts";
 * const x = tf.randomNormal([2, 5, 5, 3]) as tf.Tensor4D;
 * const kernel = tf.randomNormal([3, 3, 3, 8]) as tf.Tensor4D;
 * const y = conv2d(x, kernel, tf.zeros([8]) as tf.Tensor1D);
 * console.log(y.shape); // [2, 5, 5, 8]
 * ```
 */
export function conv2d(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  bias?: tf.Tensor1D,
  relu = false,
): tf.Tensor4D {
  if (x.rank !== 4 || kernel.rank !== 4) {
    throw new Error(
      `conv2d expects images [n, h, w, c] and a kernel [k, k, cIn, cOut], got [${x.shape}] and [${kernel.shape}]`,
    );
  }
  const [k, k2, cIn, cOut] = kernel.shape;
  if (!Number.isInteger(k) || k < 1 || k % 2 !== 1) {
    throw new Error(`The kernel size must be a positive odd integer, got kernel [${kernel.shape}]`);
  }
  if (k2 !== k || cIn !== x.shape[3]) {
    throw new Error(
      `conv2d needs a square kernel whose third axis matches the ${
        x.shape[3]
      } input channels, got kernel [${kernel.shape}]`,
    );
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== cOut)) {
    throw new Error(`conv2d bias must have shape [${cOut}], got [${bias.shape}]`);
  }
  if (fusedKernelsAvailable()) return fusedConv2d(x, kernel, bias, relu);
  const y = bias ? convWithBias(x, kernel, bias) : convNoBias(x, kernel);
  return relu ? tf.relu(y) : y;
}
