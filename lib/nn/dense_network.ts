/**
 * A fully connected network used as the parameter network of couplings:
 * Glorot-uniform kernels, zero biases, an activation between layers, and an
 * optional L2 penalty (`regLevel`) on the kernels.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { makeVariable, type NamedVariable } from "../core/variables.ts";
import { Rng } from "../core/random.ts";
import { type DenseStack, denseStack, sumTensors } from "../kernels/mod.ts";

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
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { DenseNetwork } from "./dense_network.ts";
   * const net = new DenseNetwork(2, 3, { hiddenLayers: [16, 16], activation: "tanh" }, 1);
   * console.log(net.apply(tf.zeros([5, 2])).shape); // [5, 3]
   * console.log(net.variables().length); // 6 (a kernel and a bias per layer)
   * ```
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
    return denseStack(x, this.weights());
  }

  /**
   * The layers as tensors with the hidden activation, as `denseStack` and
   * ops that run the whole network in one kernel (`affineCouplingNetwork`) take them.
   * @returns Kernels, biases and activation.
   */
  weights(): DenseStack {
    return {
      kernels: this.#kernels as tf.Tensor[] as tf.Tensor2D[],
      biases: this.#biases as tf.Tensor[] as tf.Tensor1D[],
      activation: this.config.activation ?? "relu",
    };
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

/**
 * Trainable values of a {@link DenseNetwork} with these widths (kernels and
 * biases), computed without building it — for sizing a model before any
 * memory is allocated.
 * @param inDim Input width.
 * @param outDim Output width.
 * @param hiddenLayers Hidden widths.
 * @returns The count.
 * @example
 * ```ts
 * import { denseNetworkParameterCount } from "./dense_network.ts";
 * denseNetworkParameterCount(2, 4, [8]); // (2·8 + 8) + (8·4 + 4) = 60
 * ```
 */
export function denseNetworkParameterCount(
  inDim: number,
  outDim: number,
  hiddenLayers: readonly number[],
): number {
  const widths = [inDim, ...hiddenLayers, outDim];
  let n = 0;
  for (let i = 0; i + 1 < widths.length; i++) n += (widths[i] + 1) * widths[i + 1];
  return n;
}
