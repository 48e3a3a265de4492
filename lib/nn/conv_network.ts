/**
 * A small convolutional network used as the parameter network of image
 * couplings (Glow's `NN()`): SAME, stride-1 convolutions with ReLU between
 * them and a zero-initialised output layer, so that the coupling it drives
 * starts as a fixed, input-independent map. Hidden kernels are He-normal
 * (standard deviation `√(2 / fan-in)`), biases zero. Built on
 * {@link conv2d}, whose gradients exist on the wasm backend.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { makeVariable, type NamedVariable } from "../core/variables.ts";
import { conv2d } from "../kernels/mod.ts";

/** One hidden convolution. */
export interface ConvLayerSpec {
  /** Odd kernel size (3 or 1 in Glow). */
  kernelSize: number;
  /** Output channels. */
  filters: number;
}

/** Architecture of a {@link ConvNetwork}; JSON-serialisable. */
export interface ConvNetworkConfig {
  /** Hidden layers, each followed by a ReLU, e.g. Glow's `[3×3 512, 1×1 512]`. */
  hiddenLayers: ConvLayerSpec[];
  /** Kernel size of the (zero-initialised) output layer. Default 3. */
  outputKernelSize?: number;
}

/**
 * Glow's coupling network: 3×3 → ReLU → 1×1 → ReLU → 3×3 (zero-initialised).
 * @param numHidden Filters of the two hidden layers (`glow_num_hidden`).
 * @returns The network architecture.
 * @example
 * ```ts
 * import { glowNetwork } from "./conv_network.ts";
 * console.log(glowNetwork(64).hiddenLayers.length); // 2
 * ```
 */
export function glowNetwork(numHidden: number): ConvNetworkConfig {
  return {
    hiddenLayers: [{ kernelSize: 3, filters: numHidden }, { kernelSize: 1, filters: numHidden }],
    outputKernelSize: 3,
  };
}

/** A convolutional network `[n, h, w, inChannels] → [n, h, w, outChannels]`. */
export class ConvNetwork {
  /** Input channels. */
  readonly inChannels: number;
  /** Output channels. */
  readonly outChannels: number;
  /** Architecture. */
  readonly config: ConvNetworkConfig;
  readonly #kernels: tf.Variable[] = [];
  readonly #biases: tf.Variable[] = [];

  /**
   * @param inChannels Input channels.
   * @param outChannels Output channels.
   * @param config Architecture.
   * @param seed Seed of the hidden kernels' initialisation.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { ConvNetwork, glowNetwork } from "./conv_network.ts";
   * const net = new ConvNetwork(2, 4, glowNetwork(16), 1);
   * console.log(net.apply(tf.ones([1, 4, 4, 2]) as tf.Tensor4D).shape); // [1, 4, 4, 4]
   * ```
   */
  constructor(inChannels: number, outChannels: number, config: ConvNetworkConfig, seed: number) {
    const layers = [
      ...config.hiddenLayers,
      { kernelSize: config.outputKernelSize ?? 3, filters: outChannels },
    ];
    for (const { kernelSize, filters } of layers) {
      if (!Number.isInteger(kernelSize) || kernelSize < 1 || kernelSize % 2 !== 1) {
        throw new Error(`Kernel sizes must be positive odd integers, got ${kernelSize}`);
      }
      if (!Number.isInteger(filters) || filters < 1) {
        throw new Error(`Filter counts must be positive integers, got ${filters}`);
      }
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.config = config;
    let channels = inChannels;
    layers.forEach(({ kernelSize, filters }, i) => {
      const shape = [kernelSize, kernelSize, channels, filters];
      const std = Math.sqrt(2 / (kernelSize * kernelSize * channels));
      const init = i === layers.length - 1
        ? tf.zeros(shape)
        : tf.randomNormal(shape, 0, std, "float32", seed + 7919 * i);
      this.#kernels.push(makeVariable(init, true));
      this.#biases.push(makeVariable(tf.zeros([filters]), true));
      channels = filters;
    });
  }

  /**
   * @param x Images `[n, h, w, inChannels]`.
   * @returns `[n, h, w, outChannels]`.
   */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    let h = x;
    const last = this.#kernels.length - 1;
    for (let i = 0; i <= last; i++) {
      h = conv2d(h, this.#kernels[i] as tf.Tensor4D, this.#biases[i] as tf.Tensor1D, i < last);
    }
    return h;
  }

  /** Named variables (`conv{i}/kernel`, `conv{i}/bias`). */
  variables(): NamedVariable[] {
    return this.#kernels.flatMap((k, i) => [
      { name: `conv${i}/kernel`, variable: k },
      { name: `conv${i}/bias`, variable: this.#biases[i] },
    ]);
  }
}

/**
 * Trainable values of a {@link ConvNetwork} (kernels and biases), computed
 * without building it.
 * @param inChannels Input channels.
 * @param outChannels Output channels.
 * @param config Its layers.
 * @returns The count.
 * @example
 * ```ts
 * import { convNetworkParameterCount, glowNetwork } from "./conv_network.ts";
 * convNetworkParameterCount(2, 4, glowNetwork(8)); // 3·3·2·8+8 + 8·8+8 + 3·3·8·4+4 = 516
 * ```
 */
export function convNetworkParameterCount(
  inChannels: number,
  outChannels: number,
  config: ConvNetworkConfig,
): number {
  const layers = [
    ...config.hiddenLayers,
    { kernelSize: config.outputKernelSize ?? 3, filters: outChannels },
  ];
  let channels = inChannels, n = 0;
  for (const { kernelSize, filters } of layers) {
    n += kernelSize * kernelSize * channels * filters + filters;
    channels = filters;
  }
  return n;
}
