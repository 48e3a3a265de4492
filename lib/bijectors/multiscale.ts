/**
 * Glow's multi-scale architecture (Dinh et al. 2017; Kingma & Dhariwal 2018)
 * as one bijector from images to a flat latent vector. For each of `L`
 * levels, data → latent:
 *
 * 1. squeeze (2×2 space-to-depth): `[h, w, c] → [h/2, w/2, 4c]`;
 * 2. the level's bijector (Glow: `K` steps of ActNorm → invertible 1×1
 *    convolution → affine coupling), which keeps the shape;
 * 3. on every level but the last, split: the level's prior bijector maps the
 *    second half of the channels `z2` to `(z2 − μ(z1)) / σ(z1)` (Glow's
 *    learned Gaussian of the factored-out half, conditioned on the kept half
 *    `z1`), and that half leaves the flow ("factored out"); the kept half
 *    goes on to the next level.
 *
 * The output is the concatenation `[flat z(1), …, flat z(L−1), flat h(L)]`, of
 * the same size `D = h·w·c` as the input, so a standard-normal base on `D`
 * dimensions is the product of Glow's per-level Gaussians and the whole model
 * fits the one bijector interface, the trainer and save/load unchanged. Input
 * may be `[n, h, w, c]` or flat `[n, h·w·c]`; the inverse returns images.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { concatChannels, splitChannels } from "../kernels/mod.ts";
import {
  Bijector,
  type BijectorCallOptions,
  type BijectorConfig,
  bijectorFromConfig,
  type BijectorResult,
  commonContextDim,
  registerBijector,
} from "./bijector.ts";
import type { NamedVariable } from "../core/variables.ts";
import { sumPenalties } from "./_penalty.ts";
import type { ImageShape } from "../core/shapes.ts";
import { squeeze2x2, unsqueeze2x2 } from "./squeeze.ts";

/** Construction options of a {@link MultiScale}. */
export interface MultiScaleOptions {
  /** Input images `[h, w, c]`; `h` and `w` divisible by `2^levels`. */
  imageShape: ImageShape;
  /** One shape-preserving bijector per level, applied after that level's squeeze. */
  levels: Bijector[];
  /** The split priors, one per level but the last (`levels.length − 1`). */
  priors: Bijector[];
}

/** Shapes inside a multi-scale flow, per level. */
export interface LevelShape {
  /** Image shape after the squeeze of this level (what the level's bijector sees). */
  inner: ImageShape;
  /** Channels factored out after this level (0 on the last level). */
  factoredChannels: number;
}

/**
 * The shape each level works on, and how many channels it factors out.
 * @param imageShape Input `[h, w, c]`.
 * @param numLevels Number of levels.
 * @returns One entry per level.
 * @throws Error when `h` or `w` is not divisible by `2^numLevels`.
 * @example
 * ```ts
 * import { levelShapes } from "./multiscale.ts";
 * console.log(levelShapes([28, 28, 1], 2));
 * // [{ inner: [14, 14, 4], factoredChannels: 2 }, { inner: [7, 7, 8], factoredChannels: 0 }]
 * ```
 */
export function levelShapes(imageShape: ImageShape, numLevels: number): LevelShape[] {
  const [h, w, c] = imageShape;
  if (!Number.isInteger(numLevels) || numLevels < 1) {
    throw new Error(`The number of levels must be a positive integer, got ${numLevels}`);
  }
  const f = 2 ** numLevels;
  if (![h, w, c].every((v) => Number.isInteger(v) && v > 0) || h % f !== 0 || w % f !== 0) {
    throw new Error(
      `An image of shape [${imageShape}] cannot be squeezed ${numLevels} times: height and width must be divisible by ${f}`,
    );
  }
  const shapes: LevelShape[] = [];
  let channels = c;
  for (let i = 0; i < numLevels; i++) {
    channels *= 4;
    const last = i === numLevels - 1;
    shapes.push({
      inner: [h / 2 ** (i + 1), w / 2 ** (i + 1), channels],
      factoredChannels: last ? 0 : channels - Math.floor(channels / 2),
    });
    if (!last) channels = Math.floor(channels / 2);
  }
  return shapes;
}

/** Glow's multi-scale flow: images → flat latent with factored-out halves. */
export class MultiScale extends Bijector {
  readonly type = "multiscale";
  /** Input image shape. */
  readonly imageShape: ImageShape;
  /** Per-level bijectors. */
  readonly levels: readonly Bijector[];
  /** Split priors. */
  readonly priors: readonly Bijector[];
  readonly #shapes: LevelShape[];
  readonly #contextDim: number;

  /**
   * @param options Image shape, level bijectors and split priors.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { ActNorm } from "./act_norm.ts";
   * import { GlowCoupling } from "./glow_coupling.ts";
   * import { MultiScale } from "./multiscale.ts";
   * const flow = new MultiScale({
   *   imageShape: [4, 4, 1],
   *   levels: [new ActNorm({ dims: 4 }), new ActNorm({ dims: 8 })],
   *   priors: [new GlowCoupling({ channels: 4, network: { hiddenLayers: [] }, seed: 1, scale: "clamp" })],
   * });
   * console.log(flow.forward(tf.randomNormal([3, 4, 4, 1])).shape); // [3, 16]
   * ```
   */
  constructor(options: MultiScaleOptions) {
    super();
    const { imageShape, levels, priors } = options;
    this.#shapes = levelShapes(imageShape, levels.length);
    if (priors.length !== levels.length - 1) {
      throw new Error(
        `A multi-scale flow of ${levels.length} levels needs ${
          levels.length - 1
        } split priors, got ${priors.length}`,
      );
    }
    this.imageShape = [...imageShape];
    this.levels = levels;
    this.priors = priors;
    this.#contextDim = commonContextDim([...levels, ...priors], "multi-scale flow");
  }

  /** The context width of the conditional levels and priors; 0 when none is conditional. */
  override get contextDim(): number {
    return this.#contextDim;
  }

  /** Latent dimension `h·w·c`. */
  get dims(): number {
    return this.imageShape.reduce((a, b) => a * b, 1);
  }

  /** Shapes per level (see {@link levelShapes}). */
  get shapes(): readonly LevelShape[] {
    return this.#shapes;
  }

  #checkSize(x: tf.Tensor): void {
    const size = x.shape.slice(1).reduce((a, b) => a * b, 1);
    if (size !== this.dims) {
      throw new Error(
        `${this.type} expects [batch, ${
          this.imageShape.join(", ")
        }] or [batch, ${this.dims}], got [${x.shape}]`,
      );
    }
  }

  forwardAndLogDet(x: tf.Tensor, options?: BijectorCallOptions): BijectorResult {
    this.#checkSize(x);
    return tf.tidy(() => {
      const n = x.shape[0];
      let h: tf.Tensor = tf.reshape(x, [n, ...this.imageShape]);
      let logDet: tf.Tensor1D = tf.zeros([n]);
      const outputs: tf.Tensor[] = [];
      this.levels.forEach((level, i) => {
        h = squeeze2x2(h);
        for (const b of i < this.priors.length ? [level, this.priors[i]] : [level]) {
          const r = b.forwardAndLogDet(h, options);
          h = r.value;
          logDet = tf.add(logDet, r.logDet);
        }
        const factored = this.#shapes[i].factoredChannels;
        if (factored > 0) {
          const kept = h.shape[3]! - factored;
          const [z1, z2] = splitChannels(h, [kept, factored]);
          outputs.push(tf.reshape(z2, [n, -1]));
          h = z1;
        }
      });
      outputs.push(tf.reshape(h, [n, -1]));
      return { value: tf.concat(outputs, 1), logDet };
    });
  }

  inverseAndLogDet(y: tf.Tensor, options?: BijectorCallOptions): BijectorResult {
    this.#checkSize(y);
    return tf.tidy(() => {
      const n = y.shape[0];
      const sizes = this.#shapes.map(({ inner: [hh, ww, cc], factoredChannels }, i) =>
        i === this.#shapes.length - 1 ? hh * ww * cc : hh * ww * factoredChannels
      );
      const parts = tf.split(tf.reshape(y, [n, this.dims]), sizes, 1);
      const last = this.#shapes.length - 1;
      let h: tf.Tensor = tf.reshape(parts[last], [n, ...this.#shapes[last].inner]);
      let logDet: tf.Tensor1D = tf.zeros([n]);
      for (let i = last; i >= 0; i--) {
        const { inner: [hh, ww], factoredChannels } = this.#shapes[i];
        if (factoredChannels > 0) {
          h = concatChannels([h, tf.reshape(parts[i], [n, hh, ww, factoredChannels])]);
        }
        for (
          const b of i < this.priors.length ? [this.priors[i], this.levels[i]] : [this.levels[i]]
        ) {
          const r = b.inverseAndLogDet(h, options);
          h = r.value;
          logDet = tf.add(logDet, r.logDet);
        }
        h = unsqueeze2x2(h);
      }
      return { value: h, logDet };
    });
  }

  override variables(): NamedVariable[] {
    const prefixed = (b: Bijector, prefix: string) =>
      b.variables().map((v) => ({ ...v, name: `${prefix}/${v.name}` }));
    return [
      ...this.levels.flatMap((b, i) => prefixed(b, `level${i}`)),
      ...this.priors.flatMap((b, i) => prefixed(b, `prior${i}`)),
    ];
  }

  override regularization(): tf.Scalar | null {
    return sumPenalties([...this.levels, ...this.priors].map((b) => b.regularization()));
  }

  config(): BijectorConfig {
    return {
      type: this.type,
      imageShape: this.imageShape,
      levels: this.levels.map((b) => b.config()),
      priors: this.priors.map((b) => b.config()),
    };
  }
}

registerBijector("multiscale", (c) =>
  new MultiScale({
    imageShape: c.imageShape as ImageShape,
    levels: (c.levels as BijectorConfig[]).map((b) => bijectorFromConfig(b)),
    priors: (c.priors as BijectorConfig[]).map((b) => bijectorFromConfig(b)),
  }));
