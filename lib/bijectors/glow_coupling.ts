/**
 * Affine coupling over the channels of NHWC images (Kingma & Dhariwal 2018,
 * Glow): the channels split into `[x1, x2]` (first `⌊c/2⌋`, rest), `x1`
 * passes unchanged and a convolutional network of `x1` gives a shift `t` and
 * a raw log-scale `r` per element of `x2`:
 *
 *     y2 = (x2 + t) · exp(s),   log |det| = Σ s   (over h, w and the x2 channels)
 *
 * with `s = c · tanh(r / c)` (`scale: "clamp"`, the default: the soft clamp
 * of the dense couplings, identity at initialisation) or
 * `s = log sigmoid(r + 2)` (`scale: "sigmoid"`, Glow's choice: scales in
 * (0, 1), 0.88 at initialisation). The network's last layer starts at zero.
 *
 * The same bijector with a network of no hidden layer is Glow's learned
 * prior of a factored-out half: `z2 ~ N(μ(z1), σ(z1)²)` is exactly
 * `(z2 − μ) / σ ~ N(0, I)`, an affine coupling with `t = −μ`, `s = −log σ`
 * (see `multiscale.ts`).
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import {
  Bijector,
  type BijectorConfig,
  type BijectorResult,
  registerBijector,
  sumPerExample,
} from "./bijector.ts";
import type { NamedVariable } from "../core/variables.ts";
import { concatChannels, splitChannels } from "../kernels/mod.ts";
import { ConvNetwork, type ConvNetworkConfig } from "../nn/conv_network.ts";

/** How the raw network output becomes a log-scale. */
export type GlowScale = "sigmoid" | "clamp";

/** Config of a {@link GlowCoupling}. */
export interface GlowCouplingConfig {
  /** Channels of the input images (≥ 2). */
  channels: number;
  /** The parameter network (e.g. `glowNetwork(512)`). */
  network: ConvNetworkConfig;
  /** Seed of the network's initialisation. */
  seed: number;
  /** Log-scale function. Default `clamp` (it trained better than `sigmoid`, see `glow_flow.ts`). */
  scale?: GlowScale;
  /** Soft bound `c` of the `clamp` log-scale. Default 5. */
  logScaleClip?: number;
}

/** Glow's affine coupling on image channels. */
export class GlowCoupling extends Bijector {
  readonly type = "glow_coupling";
  /** Channels passed through (conditioning). */
  readonly numMasked: number;
  /** The parameter network `x1 → [t, r]`. */
  readonly network: ConvNetwork;
  readonly #config: GlowCouplingConfig;

  /**
   * @param config Channels, network, seed and log-scale function.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { GlowCoupling } from "./glow_coupling.ts";
   * import { glowNetwork } from "../nn/conv_network.ts";
   * const c = new GlowCoupling({ channels: 4, network: glowNetwork(8), seed: 1 });
   * const { value, logDet } = c.forwardAndLogDet(tf.randomNormal([2, 4, 4, 4]));
   * console.log(value.shape, logDet.shape); // [2, 4, 4, 4] [2]
   * ```
   */
  constructor(config: GlowCouplingConfig) {
    super();
    const { channels } = config;
    if (!Number.isInteger(channels) || channels < 2) {
      throw new Error(`A glow coupling needs at least 2 channels, got ${channels}`);
    }
    const scale = config.scale ?? "clamp";
    if (scale !== "sigmoid" && scale !== "clamp") {
      throw new Error(`scale must be "sigmoid" or "clamp", got "${scale}"`);
    }
    this.numMasked = Math.floor(channels / 2);
    this.network = new ConvNetwork(
      this.numMasked,
      2 * (channels - this.numMasked),
      config.network,
      config.seed,
    );
    this.#config = { ...config, scale, logScaleClip: config.logScaleClip ?? 5 };
  }

  #logScale(raw: tf.Tensor): tf.Tensor {
    // log sigmoid(a) = −softplus(−a); tf.logSigmoid's own gradient reads a tensor that an
    // inner tidy has already freed when it runs under tf.grad, so it is not used here
    if (this.#config.scale === "sigmoid") return tf.neg(tf.softplus(tf.neg(tf.add(raw, 2))));
    const c = this.#config.logScaleClip!;
    return tf.mul(c, tf.tanh(tf.div(raw, c)));
  }

  #run(x: tf.Tensor, inverse: boolean): BijectorResult {
    const c = this.#config.channels;
    if (x.rank !== 4 || x.shape[3] !== c) {
      throw new Error(`${this.type} expects images [batch, h, w, ${c}], got [${x.shape}]`);
    }
    return tf.tidy(() => {
      const rest = c - this.numMasked;
      const [x1, x2] = splitChannels(x, [this.numMasked, rest]) as [tf.Tensor4D, tf.Tensor4D];
      const [shift, raw] = splitChannels(this.network.apply(x1), [rest, rest]);
      const s = this.#logScale(raw);
      const y2 = inverse
        ? tf.sub(tf.mul(x2, tf.exp(tf.neg(s))), shift)
        : tf.mul(tf.add(x2, shift), tf.exp(s));
      const logDet = sumPerExample(s);
      return { value: concatChannels([x1, y2]), logDet: inverse ? tf.neg(logDet) : logDet };
    });
  }

  forwardAndLogDet(x: tf.Tensor): BijectorResult {
    return this.#run(x, false);
  }

  inverseAndLogDet(y: tf.Tensor): BijectorResult {
    return this.#run(y, true);
  }

  override variables(): NamedVariable[] {
    return this.network.variables().map((v) => ({ ...v, name: `net/${v.name}` }));
  }

  config(): BijectorConfig {
    return { type: this.type, ...this.#config };
  }
}

registerBijector("glow_coupling", (c) => new GlowCoupling(c as unknown as GlowCouplingConfig));
