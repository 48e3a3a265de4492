/**
 * The two training objectives of an {@link ./inn_model.ts InnModel} on
 * pairs `(x, y)`:
 *
 * - **Bidirectional (Ardizzone et al. 2019)**, {@link innMmdLoss}: a supervised
 *   L2 fit of the predicted observations, an MMD between the output
 *   `[y, z]` and `[y, N(0, I)]` (with the gradient into `y` blocked, so `y`
 *   is only pulled by the L2 term), an MMD between backward samples
 *   `x̂ = f⁻¹(y + ε, z ~ N(0, I))` and the prior samples `x`, and an L2
 *   penalty on the output padding and on the input padding of `x̂`. The
 *   backward terms are multiplied by a ramp factor that grows during training.
 * - **Maximum likelihood (Zhang & Curtis 2021)**, {@link innMaxLikelihoodLoss}:
 *   the INN as a density on `[y, z]` with the observation block Gaussian of
 *   small width `σ_y` around the true `y`:
 *   `NLL = ‖z‖²/2 + ‖(ŷ − y)/σ_y‖²/2 + ‖padOut/σ_y‖²/2 − log|det J| + const`.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import type { InnModel } from "./inn_model.ts";
import { mmd, stopGradient } from "./mmd.ts";

/** A total loss and its named parts (all scalars). */
export type { LossTerms } from "../training/loss_step.ts";
import type { LossTerms } from "../training/loss_step.ts";

/** Weights of the bidirectional loss. */
export interface MmdLossWeights {
  /** Supervised L2 on `y`. Default 1. */
  fit?: number;
  /** Forward MMD on `[y, z]`. Default 50. */
  latent?: number;
  /** Backward MMD on `x` (ramped). Default 50. */
  backward?: number;
  /** L2 on the padding blocks (backward part ramped). Default 1. */
  padding?: number;
}

/** Settings of {@link innMmdLoss}. */
export interface MmdLossOptions {
  /** Term weights. */
  weights?: MmdLossWeights;
  /** Multiplies the backward terms this step (the ramp-up), in [0, 1]. Default 1. */
  backwardFactor?: number;
  /** Noise added to `y` for the backward pass. Default 0. */
  yNoise?: number;
  /** Noise in the padding fed to the network (input side, and output side backward). Default 0. */
  padNoise?: number;
  /** Kernel widths of the forward MMD. Default {@link ./mmd.ts DEFAULT_MMD_WIDTHS}. */
  latentWidths?: readonly number[];
  /** Kernel widths of the backward MMD. Default {@link ./mmd.ts DEFAULT_MMD_WIDTHS}. */
  backwardWidths?: readonly number[];
  /** Seed of this step's latent draws and noise. */
  seed: number;
}

/** Default weights of {@link innMmdLoss}. */
export const DEFAULT_MMD_LOSS_WEIGHTS: Readonly<Required<MmdLossWeights>> = {
  fit: 1,
  latent: 50,
  backward: 50,
  padding: 1,
};

function checkPair(model: InnModel, x: tf.Tensor2D, y: tf.Tensor2D): void {
  const { dimX, dimY } = model.layout;
  if (x.rank !== 2 || y.rank !== 2 || x.shape[1] !== dimX || y.shape[1] !== dimY) {
    throw new Error(
      `Expected x [n, ${dimX}] and y [n, ${dimY}], got [${x.shape}] and [${y.shape}]`,
    );
  }
  if (x.shape[0] !== y.shape[0]) {
    throw new Error(`x and y need the same batch size, got [${x.shape}] and [${y.shape}]`);
  }
}

/** Squared norm of each row; 0 for `[n, 0]`. */
function squaredNorms(t: tf.Tensor2D): tf.Tensor1D {
  if (t.shape[1] === 0) return tf.zeros([t.shape[0]]);
  return tf.sum(tf.square(t), 1);
}

/** Mean over the batch of the squared norm of each row. */
function meanSquaredNorm(t: tf.Tensor2D): tf.Scalar {
  return tf.mean(squaredNorms(t));
}

/**
 * The bidirectional MMD loss of Ardizzone et al. 2019 for one batch.
 * @param model The INN.
 * @param x Parameters `[n, dimX]`.
 * @param y Their observations `[n, dimY]`.
 * @param options Weights, ramp factor, noise, kernel widths, seed.
 * @returns The weighted total and the unweighted parts `fit`, `latent`, `backward`, `padding`
 * (output side) and `backwardPadding` (input side of the backward samples).
 * @throws Error naming the shapes when they do not fit the model.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { InnModel } from "./inn_model.ts";
 * import { innMmdLoss } from "./losses.ts";
 * const inn = new InnModel({ dimX: 2, dimY: 1, dimZ: 1, blocks: 1, hiddenLayers: [8], seed: 1 });
 * const x = tf.randomNormal([32, 2]) as tf.Tensor2D;
 * const y = tf.sum(x, 1, true) as tf.Tensor2D;
 * const { total, terms } = innMmdLoss(inn, x, y, { seed: 1 });
 * console.log(Object.keys(terms)); // ["fit", "latent", "backward", "padding", "backwardPadding"]
 * ```
 */
export function innMmdLoss(
  model: InnModel,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  options: MmdLossOptions,
): LossTerms {
  checkPair(model, x, y);
  const w = { ...DEFAULT_MMD_LOSS_WEIGHTS, ...options.weights };
  const ramp = options.backwardFactor ?? 1;
  const n = x.shape[0];
  const { dimZ } = model.layout;
  const seed = options.seed;
  return tf.tidy(() => {
    const fwd = model.forwardAndLogDet(x, {
      training: true,
      pad: { noise: options.padNoise ?? 0, seed: seed + 1 },
    });
    const fit = meanSquaredNorm(tf.sub(fwd.y, y));
    const zPrior = tf.randomNormal([n, dimZ], 0, 1, "float32", seed + 2) as tf.Tensor2D;
    const latent = mmd(
      tf.concat([stopGradient(fwd.y), fwd.z], 1),
      tf.concat([y, zPrior], 1),
      { widths: options.latentWidths },
    );
    const yNoise = options.yNoise ?? 0;
    const yBack = yNoise > 0
      ? tf.add(y, tf.randomNormal(y.shape, 0, yNoise, "float32", seed + 3)) as tf.Tensor2D
      : y;
    const zBack = tf.randomNormal([n, dimZ], 0, 1, "float32", seed + 4) as tf.Tensor2D;
    const back = model.inverseAndLogDet(yBack, zBack, {
      training: true,
      pad: { noise: options.padNoise ?? 0, seed: seed + 5 },
    });
    const backward = mmd(back.x, x, { widths: options.backwardWidths });
    const padding = meanSquaredNorm(fwd.pad);
    const backwardPadding = meanSquaredNorm(back.pad);
    const total = tf.addN([
      tf.mul(w.fit, fit),
      tf.mul(w.latent, latent),
      tf.mul(w.backward * ramp, backward),
      tf.mul(w.padding, padding),
      tf.mul(w.padding * ramp, backwardPadding),
    ]) as tf.Scalar;
    const terms = { fit, latent, backward, padding, backwardPadding };
    return { total, terms: terms as Record<string, tf.Scalar> };
  });
}

/** Settings of {@link innMaxLikelihoodLoss}. */
export interface MaxLikelihoodLossOptions {
  /** Width `σ_y` of the Gaussian around the observations (and output padding). */
  sigmaY: number;
  /** Noise in the input padding (needed for a proper density when `padX > 0`). Default 0. */
  padNoise?: number;
  /** Seed of the padding noise. */
  seed: number;
}

/**
 * The negative log-likelihood of each pair under the INN as a density of
 * `[x, padX]` given `y` (Zhang & Curtis 2021): `z` standard normal, the
 * observation block (and output padding) `N(y, σ_y² I)` (resp. `N(0, σ_y² I)`).
 * @param model The INN.
 * @param x Parameters `[n, dimX]`.
 * @param y Their observations `[n, dimY]`.
 * @param options `σ_y`, padding noise, seed, training mode (default false).
 * @returns `−log q(x | y)` per pair, in nats `[n]`.
 * @throws Error naming the shapes, or when `σ_y` is not positive.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { InnModel } from "./inn_model.ts";
 * import { innNegativeLogLikelihood } from "./losses.ts";
 * const inn = new InnModel({ dimX: 2, dimY: 1, dimZ: 1, blocks: 1, hiddenLayers: [8], seed: 1 });
 * const x = tf.randomNormal([4, 2]) as tf.Tensor2D;
 * const nll = innNegativeLogLikelihood(inn, x, tf.sum(x, 1, true), { sigmaY: 0.1, seed: 1 });
 * console.log(nll.shape); // [4]
 * ```
 */
export function innNegativeLogLikelihood(
  model: InnModel,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  options: MaxLikelihoodLossOptions & { training?: boolean },
): tf.Tensor1D {
  return tf.tidy(() => maxLikelihoodParts(model, x, y, options).perPair);
}

function maxLikelihoodParts(
  model: InnModel,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  options: MaxLikelihoodLossOptions & { training?: boolean },
): { perPair: tf.Tensor1D; fit: tf.Tensor1D; latent: tf.Tensor1D } {
  checkPair(model, x, y);
  const sigma = options.sigmaY;
  if (!(sigma > 0) || !Number.isFinite(sigma)) {
    throw new Error(`sigmaY must be a positive number, got ${sigma}`);
  }
  const { width, dimY, padOut } = model.layout;
  const constant = 0.5 * width * Math.log(2 * Math.PI) + (dimY + padOut) * Math.log(sigma);
  const fwd = model.forwardAndLogDet(x, {
    training: options.training ?? false,
    pad: { noise: options.padNoise ?? 0, seed: options.seed },
  });
  const fit = squaredNorms(tf.sub(fwd.y, y));
  const latent = squaredNorms(fwd.z);
  const perPair = tf.addN([
    tf.mul(0.5 / (sigma * sigma), tf.add(fit, squaredNorms(fwd.pad))),
    tf.mul(0.5, latent),
    tf.neg(fwd.logDet),
  ]);
  return { perPair: tf.add(perPair, constant) as tf.Tensor1D, fit, latent };
}

/**
 * The maximum-likelihood loss of Zhang & Curtis 2021 for one batch: the mean
 * of {@link innNegativeLogLikelihood}, in training mode.
 * @param model The INN.
 * @param x Parameters `[n, dimX]`.
 * @param y Their observations `[n, dimY]`.
 * @param options `σ_y`, padding noise, seed.
 * @returns The mean NLL as total, with parts `nll`, `fit` (mean ‖ŷ − y‖²) and `latent` (mean ‖z‖²).
 * @throws Error naming the shapes, or when `σ_y` is not positive.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { InnModel } from "./inn_model.ts";
 * import { innMaxLikelihoodLoss } from "./losses.ts";
 * const inn = new InnModel({ dimX: 2, dimY: 1, dimZ: 1, blocks: 1, hiddenLayers: [8], seed: 1 });
 * const x = tf.randomNormal([32, 2]) as tf.Tensor2D;
 * const { total } = innMaxLikelihoodLoss(inn, x, tf.sum(x, 1, true), { sigmaY: 0.1, seed: 1 });
 * total.print();
 * ```
 */
export function innMaxLikelihoodLoss(
  model: InnModel,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  options: MaxLikelihoodLossOptions,
): LossTerms {
  return tf.tidy(() => {
    const parts = maxLikelihoodParts(model, x, y, { ...options, training: true });
    const nll = tf.mean(parts.perPair) as tf.Scalar;
    return {
      total: nll,
      terms: { nll, fit: tf.mean(parts.fit), latent: tf.mean(parts.latent) } as Record<
        string,
        tf.Scalar
      >,
    };
  });
}
