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
 * A {@link Cinn} is an ordinary conditional flow — a
 * {@link ../distributions/transformed.ts TransformedDistribution} over `x`
 * whose bijector is a {@link ../bijectors/context_embedding.ts ContextEmbedding}
 * (conditioning network, then the conditional couplings) taking `y` as its
 * context — so `logProb(x, { context: y })`, `sample(n, { seed, context })`,
 * the trainer ({@link ../training/trainer.ts trainFlow} on a source whose
 * context is `y`, e.g. {@link ./paired_data.ts pairedDataSource}) and
 * save/load work on it as on any flow.
 *
 * @module
 */
import { ActNorm } from "../bijectors/act_norm.ts";
import { AffineCoupling } from "../bijectors/affine_coupling.ts";
import type { Bijector } from "../bijectors/bijector.ts";
import { Chain } from "../bijectors/chain.ts";
import { ContextEmbedding } from "../bijectors/context_embedding.ts";
import { ConditionalAffine } from "../bijectors/conditional_affine.ts";
import { Permute } from "../bijectors/permute.ts";
import { SplineCoupling } from "../bijectors/spline_coupling.ts";
import { DiagonalNormal } from "../distributions/normal.ts";
import { TransformedDistribution } from "../distributions/transformed.ts";
import { type Activation, denseNetworkParameterCount } from "../nn/dense_network.ts";
import type { ModelSize } from "../nn/model_size.ts";
import { Rng } from "../core/random.ts";
import { asPosteriorSampler, type PosteriorOptions, type PosteriorSampler } from "./posterior.ts";

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
  /**
   * A linear path from `y` to `x`: the raw `y` is passed beside the embedding,
   * and a {@link ConditionalAffine} map (shift and log-scale linear in that
   * context, zero at the start) comes first. Default false.
   */
  linearPath?: boolean;
  /**
   * The couplings: `affine` (default) or `spline` (rational-quadratic splines on [−3, 3] with
   * 8 bins, {@link SplineCoupling}: a multimodal posterior from few layers).
   */
  coupling?: "affine" | "spline";
}

function buildFlow(options: CinnOptions, contextDim: number, rng: Rng): Chain {
  const linear = options.linearPath
    ? [new ConditionalAffine({ dims: options.dimX, contextDim, seed: rng.seed() })]
    : [];
  const { dimX } = options;
  const network = {
    hiddenLayers: options.hiddenLayers,
    activation: options.activation ?? "relu",
    regLevel: options.regLevel ?? 0,
  };
  const half = Math.floor(dimX / 2);
  const swap = Array.from({ length: dimX }, (_, i) => (i + half) % dimX);
  const coupling = (numMasked: number) =>
    options.coupling === "spline"
      ? new SplineCoupling({ dims: dimX, numMasked, contextDim, network, seed: rng.seed() })
      : new AffineCoupling({
        dims: dimX,
        numMasked,
        contextDim,
        network,
        seed: rng.seed(),
        logScaleClip: options.logScaleClip ?? 2,
      });
  const layers: Bijector[] = [...linear];
  for (let b = 0; b < options.blocks; b++) {
    if (options.actNorm ?? true) layers.push(new ActNorm({ dims: dimX }));
    layers.push(Permute.random(dimX, rng.seed()), coupling(half));
    layers.push(new Permute(swap), coupling(dimX - half));
  }
  return new Chain(layers);
}

/**
 * The cINN's bijector for an architecture: blocks of ActNorm → random
 * permutation → affine coupling → half swap → affine coupling over `x`, all
 * couplings conditioned on the embedding of `y` by one conditioning network.
 * Seeds are drawn from `options.seed` in a fixed order (the couplings' and
 * permutations' block by block, then the conditioning network's), so the
 * same options give the same initial weights.
 * @param options Widths, architecture and seed.
 * @returns A {@link ContextEmbedding} taking `y` (width `dimY`) as its context.
 * @throws Error naming the invalid width or setting.
 * @example
 * ```ts
 * import { buildCinnBijector } from "./cinn.ts";
 * const b = buildCinnBijector({ dimX: 2, dimY: 1, blocks: 1, hiddenLayers: [8], seed: 1 });
 * console.log(b.type, b.contextDim, b.embeddingDim); // context_embedding 1 8
 * ```
 */
export function buildCinnBijector(options: CinnOptions): ContextEmbedding {
  validateOptions(options);
  const contextDim = options.contextDim ?? 8;
  const rng = new Rng(options.seed);
  const flow = buildFlow(
    options,
    contextDim + (options.linearPath ? options.dimY : 0),
    rng,
  );
  return new ContextEmbedding({
    flow,
    contextDim: options.dimY,
    passCondition: options.linearPath === true,
    conditioner: {
      hiddenLayers: options.conditionHidden ?? [32],
      activation: options.activation ?? "relu",
      regLevel: options.regLevel ?? 0,
    },
    conditionerSeed: rng.seed(),
  });
}

function validateOptions(options: CinnOptions): void {
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
  if (options.coupling !== undefined && !["affine", "spline"].includes(options.coupling)) {
    throw new Error(`coupling must be "affine" or "spline", got "${options.coupling}"`);
  }
  const contextDim = options.contextDim ?? 8;
  if (!Number.isInteger(contextDim) || contextDim < 1) {
    throw new Error(`contextDim must be a positive integer, got ${contextDim}`);
  }
}

/**
 * A conditional INN: the conditional flow `p(x | y)` with `y` as its context,
 * and a {@link PosteriorSampler}.
 */
export class Cinn extends TransformedDistribution implements PosteriorSampler {
  /** The architecture it was built from. */
  readonly options: CinnOptions;
  /** The bijector `x ↦ z` given `y`: conditioning network, then the conditional couplings. */
  declare readonly bijector: ContextEmbedding;

  /**
   * @param options Widths, architecture and seed.
   * @param bijector A bijector built earlier for these options (e.g. read back from a
   *   saved model's config) to use instead of building a fresh one.
   * @throws Error naming the invalid width or setting, or when `bijector` does not fit.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { Cinn } from "./cinn.ts";
   * const cinn = new Cinn({ dimX: 2, dimY: 1, blocks: 2, hiddenLayers: [16], seed: 1 });
   * const y = tf.tensor2d([[0.5], [0.5]]);
   * console.log(cinn.logProb(tf.zeros([2, 2]), { context: y }).shape); // [2]: log p(x | y)
   * console.log(cinn.sample(5, { seed: 2, context: tf.tensor2d([[0.5]]) }).shape); // [5, 2]
   * ```
   */
  constructor(options: CinnOptions, bijector?: ContextEmbedding) {
    validateOptions(options);
    if (bijector) {
      if (!(bijector instanceof ContextEmbedding)) {
        throw new Error(
          `A cINN's bijector must be a context_embedding, got "${(bijector as Bijector).type}"`,
        );
      }
      if (bijector.contextDim !== options.dimY) {
        throw new Error(
          `The given bijector takes a condition of width ${bijector.contextDim}; the cINN ` +
            `needs y of width ${options.dimY}`,
        );
      }
    }
    const b = bijector ?? buildCinnBijector(options);
    super(DiagonalNormal.standard(options.dimX), b);
    this.options = { ...options };
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
    return asPosteriorSampler(this).posterior(yObserved, nSamples, options);
  }
}

/**
 * The size of the cINN {@link buildCinnBijector} would build, computed from
 * the options alone (no memory allocated).
 * @param options The cINN's options.
 * @returns Trainable values (equal to the built bijector's) and activations per example (estimate).
 * @example
 * ```ts
 * import { cinnModelSize } from "./cinn.ts";
 * cinnModelSize({ dimX: 4, dimY: 3, blocks: 6, hiddenLayers: [128, 128], seed: 1 });
 * ```
 */
export function cinnModelSize(options: CinnOptions): ModelSize {
  const { dimX, dimY } = options;
  const embedding = options.contextDim ?? 8;
  const context = embedding + (options.linearPath ? dimY : 0);
  const half = Math.floor(dimX / 2);
  const h = options.hiddenLayers;
  const linear = options.linearPath
    ? denseNetworkParameterCount(context, 2 * dimX, []) + dimX * dimX
    : 0;
  // Network outputs per transformed value: shift and log-scale, or a spline's 3K − 1 (K = 8).
  const per = options.coupling === "spline" ? 23 : 2;
  const block = denseNetworkParameterCount(half + context, per * (dimX - half), h) +
    denseNetworkParameterCount(dimX - half + context, per * half, h) +
    ((options.actNorm ?? true) ? 2 * dimX : 0);
  const hidden = h.reduce((a, b) => a + b, 0);
  return {
    parameters: options.blocks * block + linear +
      denseNetworkParameterCount(dimY, embedding, options.conditionHidden ?? [32]),
    activationsPerExample: options.blocks * 2 * (2 * hidden + 6 * dimX + context),
  };
}
