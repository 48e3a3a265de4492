/**
 * The conditional INN (cINN; Ardizzone et al. 2019, "Guided image generation
 * with conditional invertible neural networks"): a flow over the parameters
 * `x` alone whose affine couplings are conditioned on the observation `y`
 * through a small conditioning network, trained by maximum likelihood of
 * `x` given `y` (standard-normal latent, change of variables):
 * `log p(x | y) = log N(f(x; c(y)); 0, I) + log |det ∂f/∂x|`.
 * Sampling `p(x | y*)` is `x = f⁻¹(z; c(y*))` with `z ~ N(0, I)`; unlike
 * the INN, no observation block and no padding are needed.
 *
 * Training goes through the toolkit's {@link ../training/trainer.ts trainFlow}
 * on rows `[x, y]` ({@link ./conditional_joint.ts}).
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { ActNorm } from "../bijectors/act_norm.ts";
import { AffineCoupling } from "../bijectors/affine_coupling.ts";
import type { Bijector } from "../bijectors/bijector.ts";
import { Chain } from "../bijectors/chain.ts";
import { Permute } from "../bijectors/permute.ts";
import { TransformedDistribution } from "../distributions/transformed.ts";
import type { Activation } from "../nn/dense_network.ts";
import { Rng } from "../core/random.ts";
import { trainFlow, type TrainOptions, type TrainResult } from "../training/trainer.ts";
import { ConditionalBase, ConditionalJoint } from "./conditional_joint.ts";
import { type PairedData, pairedDataSource } from "./paired_data.ts";
import { drawPosterior, type PosteriorOptions, type PosteriorSampler } from "./posterior.ts";

/** Architecture of a {@link Cinn}; JSON-serialisable. */
export interface CinnOptions {
  /** Width of the parameters `x` (≥ 2, the smallest coupling width). */
  dimX: number;
  /** Width of the observations `y` (≥ 1). */
  dimY: number;
  /** Number of blocks (ActNorm → Permute → coupling on each half). */
  blocks: number;
  /** Hidden widths of every coupling network. */
  hiddenLayers: number[];
  /** Hidden widths of the conditioning network `y → context`. Default `[32]`. */
  conditionHidden?: number[];
  /** Width of the context the conditioning network produces. Default 8. */
  contextDim?: number;
  /** Soft clamp of the coupling log-scales. Default 2. */
  logScaleClip?: number;
  /** Start each block with an ActNorm. Default true. */
  actNorm?: boolean;
  /** Activation of all networks. Default `relu`. */
  activation?: Activation;
  /** L2 penalty on network kernels. Default 0. */
  regLevel?: number;
  /** Seed of permutations and initial weights. */
  seed: number;
}

function buildFlow(options: CinnOptions, contextDim: number, rng: Rng): Chain {
  const { dimX } = options;
  const network = {
    hiddenLayers: options.hiddenLayers,
    activation: options.activation ?? "relu",
    regLevel: options.regLevel ?? 0,
  };
  const half = Math.floor(dimX / 2);
  const swap = Array.from({ length: dimX }, (_, i) => (i + half) % dimX);
  const coupling = (numMasked: number) =>
    new AffineCoupling({
      dims: dimX,
      numMasked,
      contextDim,
      network,
      seed: rng.seed(),
      logScaleClip: options.logScaleClip ?? 2,
    });
  const layers: Bijector[] = [];
  for (let b = 0; b < options.blocks; b++) {
    if (options.actNorm ?? true) layers.push(new ActNorm({ dims: dimX }));
    layers.push(Permute.random(dimX, rng.seed()), coupling(half));
    layers.push(new Permute(swap), coupling(dimX - half));
  }
  return new Chain(layers);
}

/** A conditional INN: a flow over `x` conditioned on `y`. */
export class Cinn implements PosteriorSampler {
  /** The architecture it was built from. */
  readonly options: CinnOptions;
  /** The flow on rows `[x, y]` whose `logProb` is `log p(x | y)`; train it with `trainFlow`. */
  readonly joint: TransformedDistribution;
  /** The bijector `[x, y] ↦ [z, y]`. */
  readonly bijector: ConditionalJoint;

  /**
   * @param options Widths, architecture and seed.
   * @param bijector A conditional joint built earlier for these options (e.g. read back
   *   from a saved model's config) to use instead of building a fresh one.
   * @throws Error naming the invalid width or setting, or when `bijector` does not fit.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { Cinn } from "./cinn.ts";
   * const cinn = new Cinn({ dimX: 2, dimY: 1, blocks: 2, hiddenLayers: [16], seed: 1 });
   * const y = tf.tensor2d([[0.5], [0.5]]);
   * console.log(cinn.logProb(tf.zeros([2, 2]), y).shape); // [2]
   * ```
   */
  constructor(options: CinnOptions, bijector?: ConditionalJoint) {
    const { dimX, dimY } = options;
    if (!Number.isInteger(dimX) || dimX < 2) {
      throw new Error(`A cINN needs dimX ≥ 2 (the smallest coupling width), got ${dimX}`);
    }
    if (!Number.isInteger(dimY) || dimY < 1) {
      throw new Error(`dimY must be a positive integer, got ${dimY}`);
    }
    if (!Number.isInteger(options.blocks) || options.blocks < 1) {
      throw new Error(`blocks must be a positive integer, got ${options.blocks}`);
    }
    this.options = { ...options };
    if (bijector) {
      const c = bijector.config();
      if (c.dimX !== dimX || c.dimY !== dimY) {
        throw new Error(
          `The given conditional joint has widths x ${c.dimX}, y ${c.dimY}; the cINN needs ` +
            `x ${dimX}, y ${dimY}`,
        );
      }
    }
    const contextDim = options.contextDim ?? 8;
    const rng = new Rng(options.seed);
    this.bijector = bijector ?? new ConditionalJoint({
      flow: buildFlow(options, contextDim, rng),
      dimX,
      dimY,
      conditioner: {
        hiddenLayers: options.conditionHidden ?? [32],
        activation: options.activation ?? "relu",
        regLevel: options.regLevel ?? 0,
      },
      contextDim,
      conditionerSeed: rng.seed(),
    });
    this.joint = new TransformedDistribution(new ConditionalBase(dimX, dimY), this.bijector);
  }

  /** Width of the parameters. */
  get dimX(): number {
    return this.options.dimX;
  }

  /** Width of the observations. */
  get dimY(): number {
    return this.options.dimY;
  }

  /**
   * @param x Parameters `[n, dimX]`.
   * @param y Observations `[n, dimY]`.
   * @param options Training mode.
   * @returns `log p(x | y)` per pair, in nats.
   * @throws Error naming the shapes when they do not fit.
   */
  logProb(x: tf.Tensor2D, y: tf.Tensor2D, options: { training?: boolean } = {}): tf.Tensor1D {
    this.#checkPair(x, y);
    return tf.tidy(() => this.joint.logProb(tf.concat([x, y], 1), options));
  }

  /**
   * One sample of `p(x | y)` for each row of `y`.
   * @param y Observations `[n, dimY]`.
   * @param options Seed of the latent draw; temperature scales it (default 1).
   * @returns Parameters `[n, dimX]`.
   * @throws Error naming the shape of `y` when it does not fit.
   */
  sample(y: tf.Tensor2D, options: { seed: number; temperature?: number }): tf.Tensor2D {
    if (y.rank !== 2 || y.shape[1] !== this.dimY) {
      throw new Error(`Observations must have shape [batch, ${this.dimY}], got [${y.shape}]`);
    }
    return tf.tidy(() => {
      const z = tf.randomNormal(
        [y.shape[0], this.dimX],
        0,
        options.temperature ?? 1,
        "float32",
        options.seed,
      );
      return this.bijector.flow.inverse(z, { context: this.bijector.context(y) }) as tf.Tensor2D;
    });
  }

  /**
   * Samples `p(x | y*)`.
   * @param yObserved The observation, length `dimY`.
   * @param nSamples How many samples.
   * @param options Seed (same seed, same samples) and batch size.
   * @returns Row-major samples `[nSamples × dimX]`.
   * @example
   * ```ts
   * import { Cinn } from "./cinn.ts";
   * const cinn = new Cinn({ dimX: 2, dimY: 1, blocks: 1, hiddenLayers: [8], seed: 1 });
   * const xs = await cinn.posterior(new Float32Array([0.5]), 10, { seed: 3 });
   * console.log(xs.length); // 20
   * ```
   */
  posterior(
    yObserved: Float32Array,
    nSamples: number,
    options: PosteriorOptions = {},
  ): Promise<Float32Array> {
    return drawPosterior(this, yObserved, nSamples, options, (y, seed) => this.sample(y, { seed }));
  }

  /** The variables the optimizer updates (flow and conditioning network). */
  trainableVariables(): tf.Variable[] {
    return this.bijector.trainableVariables();
  }

  /** Frees every variable. */
  dispose(): void {
    this.bijector.dispose();
  }

  #checkPair(x: tf.Tensor2D, y: tf.Tensor2D): void {
    if (x.rank !== 2 || y.rank !== 2 || x.shape[1] !== this.dimX || y.shape[1] !== this.dimY) {
      throw new Error(
        `Expected x [n, ${this.dimX}] and y [n, ${this.dimY}], got [${x.shape}] and [${y.shape}]`,
      );
    }
    if (x.shape[0] !== y.shape[0]) {
      throw new Error(`x and y need the same batch size, got [${x.shape}] and [${y.shape}]`);
    }
  }
}

/** Options of {@link trainCinn}: the trainer's, with held-out pairs instead of a data source. */
export type CinnTrainOptions = Omit<TrainOptions, "validation"> & {
  /** Held-out pairs, evaluated after every epoch (early stopping, best weights). */
  validation?: PairedData;
};

/**
 * Trains a cINN by maximum likelihood of `x` given `y`, with the toolkit's
 * one trainer (schedules, clipping, NaN guard, validation and early stopping,
 * checkpoints, history). The reported NLL is `−log p(x | y)` in nats per pair;
 * its bits per dimension divide by `dimX + dimY` (the row width).
 * @param cinn The model (updated in place).
 * @param data Pairs `(x, y)`.
 * @param options The trainer's options, with held-out pairs as `validation`.
 * @returns The trainer's result.
 * @throws NonFiniteError naming the epoch and step when training diverges.
 * @example
 * ```ts
 * import { silentProgress } from "../training/progress.ts";
 * import { Cinn, trainCinn } from "./cinn.ts";
 * const cinn = new Cinn({ dimX: 2, dimY: 1, blocks: 1, hiddenLayers: [16], seed: 1 });
 * const x = Float32Array.from({ length: 512 }, (_, i) => Math.sin(i));
 * const y = Float32Array.from({ length: 256 }, (_, i) => x[2 * i]);
 * await trainCinn(cinn, { x, y }, {
 *   epochs: 1, batchSize: 64, learningRate: 1e-3, seed: 1, progress: silentProgress,
 * });
 * ```
 */
export function trainCinn(
  cinn: Cinn,
  data: PairedData,
  options: CinnTrainOptions,
): Promise<TrainResult> {
  const { validation, ...rest } = options;
  return trainFlow(cinn.joint, pairedDataSource(data, cinn), {
    statisticsExamples: 0,
    ...rest,
    ...(validation ? { validation: pairedDataSource(validation, cinn) } : {}),
  });
}
