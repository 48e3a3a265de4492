/**
 * One dense layer `act(x · W + b)` on the active backend: the fused dense
 * kernels ({@link ./dense_kernels.ts fusedDense}: native sgemm plus SIMD
 * epilogues, one kernel each way) on wasm with native BLAS and wasm SIMD when
 * the activation is ReLU or none; otherwise {@link ./ops.ts denseAffine} (its
 * own gradient with explicit transposes or native gemm) followed by the tf
 * activation.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { fusedDense } from "./dense_kernels.ts";
import { fusedKernelsAvailable } from "./fused_layer.ts";
import { denseAffine } from "./ops.ts";

/** Activations {@link denseLayer} applies: `linear` is none. */
export type DenseActivation = "linear" | "relu" | "tanh" | "elu" | "leaky_relu";

function activate(x: tf.Tensor2D, activation: DenseActivation): tf.Tensor2D {
  switch (activation) {
    case "linear":
      return x;
    case "relu":
      return tf.relu(x);
    case "tanh":
      return tf.tanh(x);
    case "elu":
      return tf.elu(x);
    case "leaky_relu":
      return tf.leakyRelu(x, 0.01);
  }
}

/**
 * `act(x · kernel + bias)` with its gradient, on the fastest path of the
 * active backend (see the module notes). `leaky_relu` has slope 0.01.
 * @param x Batch `[n, in]`.
 * @param kernel Weights `[in, out]`.
 * @param bias Bias `[out]`.
 * @param activation Activation applied to the result.
 * @returns `[n, out]`.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { denseLayer } from "./dense_op.ts";
 * const y = denseLayer(tf.ones([2, 3]), tf.ones([3, 4]), tf.fill([4], -4), "relu");
 * y.print(); // [[0, 0, 0, 0], [0, 0, 0, 0]]
 * ```
 */
export function denseLayer(
  x: tf.Tensor2D,
  kernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  activation: DenseActivation,
): tf.Tensor2D {
  if ((activation === "relu" || activation === "linear") && fusedKernelsAvailable()) {
    return fusedDense(x, kernel, bias, activation === "relu");
  }
  return activate(denseAffine(x, kernel, bias), activation);
}

/** The layers of a dense network, as {@link denseStack} applies them. */
export interface DenseStack {
  /** Kernels `[in, out]` of every layer. */
  kernels: tf.Tensor2D[];
  /** Biases `[out]` of every layer. */
  biases: tf.Tensor1D[];
  /** Activation after each hidden layer (the output layer is linear). */
  activation: DenseActivation;
}

/**
 * A whole dense network: {@link denseLayer} for every layer, the activation
 * after each hidden layer and none after the last.
 * @param x Batch `[n, in]`.
 * @param net Kernels, biases and hidden activation.
 * @returns `[n, out]`.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { denseStack } from "./dense_op.ts";
 * const net = {
 *   kernels: [tf.ones([2, 3]), tf.ones([3, 1])] as tf.Tensor2D[],
 *   biases: [tf.fill([3], -4), tf.zeros([1])] as tf.Tensor1D[],
 *   activation: "relu" as const,
 * };
 * denseStack(tf.tensor2d([[1, 4]]), net).print(); // [[3]]: relu(5 − 4) three times
 * ```
 */
export function denseStack(x: tf.Tensor2D, net: DenseStack): tf.Tensor2D {
  const last = net.kernels.length - 1;
  let h = x;
  for (let i = 0; i <= last; i++) {
    h = denseLayer(h, net.kernels[i], net.biases[i], i < last ? net.activation : "linear");
  }
  return h;
}
