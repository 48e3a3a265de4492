/**
 * The invertible neural network of Ardizzone et al. 2019 for inverse
 * problems: parameters `x` (zero-padded to width `D`) on one side,
 * observations `y`, latent `z` (and padding) on the other. Trained, one
 * network gives the forward model `x → y` and, run backwards with `y*`
 * fixed and `z ~ N(0, I)`, samples of `p(x | y*)`.
 *
 * The bijector is a chain of `blocks` blocks over width `D`, each
 * ActNorm (optional) → random Permute → affine coupling with a softly
 * clamped log-scale (`c · tanh(s / c)`) and, by default, a second coupling
 * on the other half after swapping the halves — the "GLOW coupling block"
 * of FrEIA, which transforms every dimension in each block.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { ActNorm } from "../bijectors/act_norm.ts";
import { AffineCoupling } from "../bijectors/affine_coupling.ts";
import type { Bijector } from "../bijectors/bijector.ts";
import { Chain } from "../bijectors/chain.ts";
import { AffineMap } from "../bijectors/affine_map.ts";
import { Permute } from "../bijectors/permute.ts";
import { type Activation, denseNetworkParameterCount } from "../nn/dense_network.ts";
import type { ModelSize } from "../nn/model_size.ts";
import { Rng } from "../core/random.ts";
import {
  type InnDims,
  type InnLayout,
  innLayout,
  joinOutput,
  padInput,
  type PadOptions,
  splitInput,
  splitOutput,
} from "./padding.ts";
import { linearStart } from "./linear_start.ts";
import { drawPosterior, type PosteriorOptions, type PosteriorSampler } from "./posterior.ts";

/** Architecture of an {@link InnModel}; JSON-serialisable. */
export interface InnModelOptions extends InnDims {
  /** Number of blocks (≥ 1). */
  blocks: number;
  /** Hidden widths of every coupling network, e.g. `[128, 128]`. */
  hiddenLayers: number[];
  /** Soft clamp `c` of the coupling log-scales. Default 2 (as FrEIA). */
  logScaleClip?: number;
  /** Start each block with an ActNorm. Default true. */
  actNorm?: boolean;
  /** Couplings per block: 2 transforms both halves (GLOW style), 1 one half. Default 2. */
  couplingsPerBlock?: 1 | 2;
  /** Activation of the coupling networks. Default `relu`. */
  activation?: Activation;
  /** L2 penalty on network kernels. Default 0. */
  regLevel?: number;
  /**
   * End in a fixed invertible affine map fitted at initialisation (see
   * {@link ./linear_start.ts linearStart}), with every coupling starting as the
   * identity: the network starts as the best linear INN for the first batch's
   * pairs (exact for a linear-Gaussian problem) and training learns the rest.
   * Needs `y` in {@link InnModel.initialize}. Default false.
   */
  linearStart?: boolean;
  /** Seed of the permutations and initial weights. */
  seed: number;
}

/** Options of one pass through an {@link InnModel}. */
export interface InnCallOptions {
  /** Training mode: the first such call initialises the ActNorms from its batch. */
  training?: boolean;
  /** Padding of the side being assembled: zeros by default, or noise with a seed. */
  pad?: PadOptions;
}

/** The output side of an {@link InnModel}, split. */
export interface InnForwardResult {
  /** Predicted observations `[n, dimY]`. */
  y: tf.Tensor2D;
  /** Latent variables `[n, dimZ]`. */
  z: tf.Tensor2D;
  /** Output padding `[n, padOut]` (ideally ≈ 0). */
  pad: tf.Tensor2D;
  /** `log |det ∂f/∂[x, padX]|` per example. */
  logDet: tf.Tensor1D;
}

/** The input side of an {@link InnModel}, split. */
export interface InnInverseResult {
  /** Parameters `[n, dimX]`. */
  x: tf.Tensor2D;
  /** Input padding `[n, padX]` (ideally ≈ 0). */
  pad: tf.Tensor2D;
  /** `log |det ∂f⁻¹/∂[y, z, padOut]|` per example. */
  logDet: tf.Tensor1D;
}

function buildChain(options: InnModelOptions, width: number): Chain {
  if (!Number.isInteger(options.blocks) || options.blocks < 1) {
    throw new Error(`blocks must be a positive integer, got ${options.blocks}`);
  }
  const couplings = options.couplingsPerBlock ?? 2;
  if (couplings !== 1 && couplings !== 2) {
    throw new Error(`couplingsPerBlock must be 1 or 2, got ${couplings}`);
  }
  const rng = new Rng(options.seed);
  const network = {
    hiddenLayers: options.hiddenLayers,
    activation: options.activation ?? "relu",
    regLevel: options.regLevel ?? 0,
    ...(options.linearStart ? { zeroInitOutput: true } : {}),
  };
  const logScaleClip = options.logScaleClip ?? 2;
  const half = Math.floor(width / 2);
  const swap = Array.from({ length: width }, (_, i) => (i + half) % width);
  const layers: Bijector[] = [];
  for (let b = 0; b < options.blocks; b++) {
    if (options.actNorm ?? true) layers.push(new ActNorm({ dims: width }));
    layers.push(Permute.random(width, rng.seed()));
    layers.push(
      new AffineCoupling({ dims: width, numMasked: half, network, seed: rng.seed(), logScaleClip }),
    );
    if (couplings === 2) {
      layers.push(new Permute(swap));
      layers.push(
        new AffineCoupling({
          dims: width,
          numMasked: width - half,
          network,
          seed: rng.seed(),
          logScaleClip,
        }),
      );
    }
  }
  if (options.linearStart) layers.push(new AffineMap({ dims: width }));
  return new Chain(layers);
}

function checkWidth(bijector: Chain, width: number): void {
  try {
    tf.tidy(() => {
      const out = bijector.forward(tf.zeros([1, width]));
      if (out.shape[1] !== width) throw new Error(`it maps width ${width} to ${out.shape[1]}`);
    });
  } catch (err) {
    throw new Error(
      `The given bijector does not act on the INN's width D=${width}: ${(err as Error).message}`,
    );
  }
}

/** An INN for inverse problems: `[x, padX] ↔ [y, z, padOut]`. */
export class InnModel implements PosteriorSampler {
  /** The partition and padding widths. */
  readonly layout: InnLayout;
  /** The architecture it was built from. */
  readonly options: InnModelOptions;
  /** The bijector over width `D`, input side → output side. */
  readonly bijector: Chain;
  readonly #actNorms: ActNorm[];
  /** The final linear map of a model with `linearStart`. */
  readonly #linear?: AffineMap;

  /**
   * @param options Partition, architecture and seed.
   * @param bijector A chain built earlier for these options (e.g. read back from a saved
   *   model's config) to use instead of building a fresh one; it must act on width `D`.
   * @throws Error naming the invalid size or setting, or when `bijector` does not fit.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { InnModel } from "./inn_model.ts";
   * const inn = new InnModel({
   *   dimX: 2, dimY: 1, dimZ: 1, blocks: 2, hiddenLayers: [16], seed: 1,
   * });
   * const { y, z } = inn.forward(tf.randomNormal([5, 2]) as tf.Tensor2D);
   * console.log(y.shape, z.shape); // [5, 1] [5, 1]
   * const x = inn.inverse(y, z); // [5, 2]
   * ```
   */
  constructor(options: InnModelOptions, bijector?: Chain) {
    this.layout = innLayout(options);
    this.options = { ...options, hiddenLayers: [...options.hiddenLayers] };
    if (bijector) checkWidth(bijector, this.layout.width);
    this.bijector = bijector ?? buildChain(options, this.layout.width);
    this.#actNorms = this.bijector.bijectors.filter((b): b is ActNorm => b instanceof ActNorm);
    const last = this.bijector.bijectors.at(-1);
    if (options.linearStart) {
      if (!(last instanceof AffineMap)) {
        throw new Error("linearStart: the given bijector does not end in an AffineMap");
      }
      this.#linear = last;
    }
  }

  /** Width of the parameters. */
  get dimX(): number {
    return this.layout.dimX;
  }

  /** Width of the observations. */
  get dimY(): number {
    return this.layout.dimY;
  }

  /** Width of the latent variables. */
  get dimZ(): number {
    return this.layout.dimZ;
  }

  /** Whether every ActNorm (and the linear start) has been initialised (true when there are none). */
  get initialized(): boolean {
    return this.#actNorms.every((a) => a.isInitialized) && (this.#linear?.isAssigned ?? true);
  }

  /**
   * Data-dependent initialisation of the ActNorms from a batch of parameters
   * and, for a model with `linearStart`, of its final linear map from the
   * batch's pairs. The input padding is filled with unit noise for this one
   * pass, so that padding columns are left unscaled rather than blown up by their zero variance.
   * @param x Parameters `[n, dimX]`, n ≥ 2 (n > width for the linear start).
   * @param seed Seed of the noise.
   * @param y Observations of the same rows `[n, dimY]`; needed (and only used) with
   *   `linearStart`, whose linear map is fitted to them.
   * @throws Error when `linearStart` is set and `y` is missing, or from
   *   {@link ./linear_start.ts linearStart} when the batch cannot fit the linear map.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { InnModel } from "./inn_model.ts";
   * const inn = new InnModel({ dimX: 1, dimY: 1, dimZ: 1, blocks: 1, hiddenLayers: [8], seed: 1 });
   * inn.initialize(tf.randomNormal([64, 1], 3, 2) as tf.Tensor2D, 7);
   * console.log(inn.initialized); // true
   * ```
   */
  initialize(x: tf.Tensor2D, seed: number, y?: tf.Tensor2D): void {
    if (this.initialized) return;
    const linear = this.#linear?.isAssigned ? undefined : this.#linear;
    if (linear && !y) {
      throw new Error(
        "InnModel: a model with linearStart is initialised from pairs: call initialize(x, seed, y) before training",
      );
    }
    if (linear && y && (y.shape[0] !== x.shape[0] || y.shape[1] !== this.dimY)) {
      throw new Error(
        `InnModel.initialize: y must be [${
          x.shape[0]
        }, ${this.dimY}] like x's rows, got [${y.shape}]`,
      );
    }
    const u = tf.tidy(() => {
      const input = padInput(x, this.layout, { noise: 1, seed });
      if (!linear) {
        this.bijector.forward(input, { training: true });
        return undefined;
      }
      let value: tf.Tensor = input;
      for (const b of this.bijector.bijectors.slice(0, -1)) {
        value = b.forward(value, { training: true });
      }
      return value;
    });
    if (!linear || !u || !y) return;
    try {
      const start = linearStart(u.dataSync(), y.dataSync(), this.layout.width, this.dimY, seed);
      linear.assign(start.matrix, start.shift);
    } finally {
      u.dispose();
    }
  }

  /**
   * Maps parameters to the output side, with the log-determinant.
   * @param x Parameters `[n, dimX]`.
   * @param options Training mode and input padding.
   * @returns `y`, `z`, output padding and `log |det J|`.
   * @throws Error naming the expected and actual shapes.
   */
  forwardAndLogDet(x: tf.Tensor2D, options: InnCallOptions = {}): InnForwardResult {
    if (options.training && !this.initialized) this.initialize(x, this.options.seed + 1);
    return tf.tidy(() => {
      const input = padInput(x, this.layout, options.pad);
      const { value, logDet } = this.bijector.forwardAndLogDet(input, {
        training: options.training ?? false,
      });
      return { ...splitOutput(value as tf.Tensor2D, this.layout), logDet };
    });
  }

  /**
   * The forward model: parameters → predicted observations and latent variables.
   * @param x Parameters `[n, dimX]`.
   * @param options Training mode and input padding.
   * @returns `y` `[n, dimY]`, `z` `[n, dimZ]` and output padding `[n, padOut]`.
   */
  forward(
    x: tf.Tensor2D,
    options: InnCallOptions = {},
  ): { y: tf.Tensor2D; z: tf.Tensor2D; pad: tf.Tensor2D } {
    return tf.tidy(() => {
      const { y, z, pad } = this.forwardAndLogDet(x, options);
      return { y, z, pad };
    });
  }

  /**
   * Maps observations and latent variables back to parameters, with the log-determinant.
   * @param y Observations `[n, dimY]`.
   * @param z Latent variables `[n, dimZ]`.
   * @param options Training mode and output padding.
   * @returns `x`, input padding and `log |det J⁻¹|`.
   * @throws Error naming the expected and actual shapes.
   */
  inverseAndLogDet(
    y: tf.Tensor2D,
    z: tf.Tensor2D,
    options: InnCallOptions = {},
  ): InnInverseResult {
    return tf.tidy(() => {
      const output = joinOutput(y, z, this.layout, options.pad);
      const { value, logDet } = this.bijector.inverseAndLogDet(output, {
        training: options.training ?? false,
      });
      return { ...splitInput(value as tf.Tensor2D, this.layout), logDet };
    });
  }

  /**
   * The inverse model: `x = f⁻¹(y, z)` (input padding dropped).
   * @param y Observations `[n, dimY]`.
   * @param z Latent variables `[n, dimZ]`.
   * @param options Output padding.
   * @returns Parameters `[n, dimX]`.
   */
  inverse(y: tf.Tensor2D, z: tf.Tensor2D, options: InnCallOptions = {}): tf.Tensor2D {
    return tf.tidy(() => this.inverseAndLogDet(y, z, options).x);
  }

  /**
   * Samples `p(x | y*)`: `x = f⁻¹(y*, z)` with `z ~ N(0, I)` and zero padding, the
   * observation block held at `y*` exactly (as both Ardizzone et al. and Zhang & Curtis
   * sample; for the `ml` density this is its `σ_y → 0` limit).
   * @param yObserved The observation, length `dimY`.
   * @param nSamples How many samples.
   * @param options Seed (same seed, same samples) and batch size.
   * @returns Row-major samples `[nSamples × dimX]`.
   * @example
   * ```ts
   * import { InnModel } from "./inn_model.ts";
   * const inn = new InnModel({ dimX: 2, dimY: 1, dimZ: 1, blocks: 1, hiddenLayers: [8], seed: 1 });
   * const xs = await inn.posterior(new Float32Array([0.5]), 100, { seed: 3 });
   * console.log(xs.length); // 200
   * ```
   */
  posterior(
    yObserved: Float32Array,
    nSamples: number,
    options: PosteriorOptions = {},
  ): Promise<Float32Array> {
    return drawPosterior(this, yObserved, nSamples, options, (y, seed) => {
      const z = tf.randomNormal([y.shape[0], this.dimZ], 0, 1, "float32", seed) as tf.Tensor2D;
      return this.inverse(y, z);
    });
  }

  /** The variables the optimizer updates. */
  trainableVariables(): tf.Variable[] {
    return this.bijector.trainableVariables();
  }

  /** Frees every variable. */
  dispose(): void {
    this.bijector.dispose();
  }
}

/**
 * The size of the {@link InnModel} these options describe, computed without
 * building it (no memory allocated).
 * @param options The model's options.
 * @returns Trainable values (equal to the built model's) and activations per example (estimate).
 * @example
 * ```ts
 * import { innModelSize } from "./inn_model.ts";
 * innModelSize({ dimX: 4, dimY: 3, dimZ: 1, blocks: 6, hiddenLayers: [128, 128], seed: 1 });
 * ```
 */
export function innModelSize(options: InnModelOptions): ModelSize {
  const { width } = innLayout(options);
  const half = Math.floor(width / 2);
  const h = options.hiddenLayers;
  let block = denseNetworkParameterCount(half, 2 * (width - half), h);
  if ((options.couplingsPerBlock ?? 2) === 2) {
    block += denseNetworkParameterCount(width - half, 2 * half, h);
  }
  if (options.actNorm ?? true) block += 2 * width;
  const hidden = h.reduce((a, b) => a + b, 0);
  const couplings = options.couplingsPerBlock ?? 2;
  return {
    parameters: options.blocks * block,
    activationsPerExample: options.blocks * couplings * (2 * hidden + 6 * width),
  };
}
