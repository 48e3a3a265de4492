/**
 * A fully connected network used as the parameter network of couplings:
 * Glorot-uniform kernels, zero biases, an activation between layers, and an
 * optional L2 penalty (`regLevel`) on the kernels.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { makeVariable } from "../core/variables.ts";
import type { NamedVariable } from "../core/variables.ts";
import { Rng } from "../core/random.ts";
import { fusedDense } from "../kernels/dense_kernels.ts";
import { fusedKernelsAvailable } from "../kernels/fused_layer.ts";
import { denseAffine, sumTensors } from "../kernels/ops.ts";

/** Activations between hidden layers. */
export const ACTIVATIONS = ["relu", "tanh", "elu", "leaky_relu"] as const;
/** One of {@link ACTIVATIONS}. */
export type Activation = typeof ACTIVATIONS[number];

/** Architecture of a {@link DenseNetwork}; JSON-serialisable. */
export interface DenseNetworkConfig {
  /** Widths of the hidden layers, e.g. `[512, 512]`. */
  hiddenLayers: number[];
  /** Activation after each hidden layer. Default `relu`. */
  activation?: Activation;
  /** L2 penalty coefficient on kernels (the original's `reg_level`). Default 0. */
  regLevel?: number;
  /** Initialise the output layer at zero (the bijector then starts as identity). Default false. */
  zeroInitOutput?: boolean;
}

function activate(x: tf.Tensor2D, activation: Activation): tf.Tensor2D {
  switch (activation) {
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

/** A multilayer perceptron `[n, inDim] → [n, outDim]`. */
export class DenseNetwork {
  /** Input width. */
  readonly inDim: number;
  /** Output width. */
  readonly outDim: number;
  /** Architecture. */
  readonly config: DenseNetworkConfig;
  readonly #kernels: tf.Variable[] = [];
  readonly #biases: tf.Variable[] = [];

  /**
   * @param inDim Input width.
   * @param outDim Output width.
   * @param config Architecture.
   * @param seed Seed of the Glorot-uniform initialisation.
   */
  constructor(inDim: number, outDim: number, config: DenseNetworkConfig, seed: number) {
    for (const w of config.hiddenLayers) {
      if (!Number.isInteger(w) || w < 1) {
        throw new Error(
          `Hidden layer widths must be positive integers, got [${config.hiddenLayers}]`,
        );
      }
    }
    this.inDim = inDim;
    this.outDim = outDim;
    this.config = config;
    const rng = new Rng(seed);
    const widths = [inDim, ...config.hiddenLayers, outDim];
    for (let i = 0; i + 1 < widths.length; i++) {
      const fanIn = widths[i], fanOut = widths[i + 1];
      const isOutput = i + 2 === widths.length;
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      const init = isOutput && config.zeroInitOutput
        ? tf.zeros([fanIn, fanOut])
        : tf.randomUniform([fanIn, fanOut], -limit, limit, "float32", rng.seed());
      this.#kernels.push(makeVariable(init, true));
      this.#biases.push(makeVariable(tf.zeros([fanOut]), true));
    }
  }

  /**
   * @param x Batch `[n, inDim]`.
   * @returns `[n, outDim]`.
   */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    const activation = this.config.activation ?? "relu";
    let h = x;
    const last = this.#kernels.length - 1;
    const fused = fusedKernelsAvailable();
    for (let i = 0; i <= last; i++) {
      const kernel = this.#kernels[i] as tf.Tensor2D, bias = this.#biases[i] as tf.Tensor1D;
      const relu = i < last && activation === "relu";
      if (fused && (relu || i === last)) {
        h = fusedDense(h, kernel, bias, relu);
        continue;
      }
      h = denseAffine(h, kernel, bias);
      if (i < last) h = activate(h, activation);
    }
    return h;
  }

  /** Named variables (`dense{i}/kernel`, `dense{i}/bias`). */
  variables(): NamedVariable[] {
    return this.#kernels.flatMap((k, i) => [
      { name: `dense${i}/kernel`, variable: k },
      { name: `dense${i}/bias`, variable: this.#biases[i] },
    ]);
  }

  /** `regLevel · Σ‖W‖²` over kernels, or null when `regLevel` is 0. */
  regularization(): tf.Scalar | null {
    const level = this.config.regLevel ?? 0;
    if (level === 0) return null;
    return tf.tidy(() =>
      tf.mul(level, sumTensors(this.#kernels.map((k) => tf.sum(tf.square(k))))) as tf.Scalar
    );
  }
}
