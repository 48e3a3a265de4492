/**
 * The generative classifier of application 3, from params: the image flow
 * of application 2 (`model_arch`: Glow by default, after the logit
 * pre-processing) with a class-conditional Gaussian mixture as its base
 * instead of N(0, I): one unit-covariance component per training class,
 * orthogonal initial means `model_arch.mixture_mean_spacing` apart, class
 * weights fixed to the training class frequencies (or learned, with
 * `model_arch.mixture_learn_weights`).
 *
 * @module
 */
import { ClassGaussianMixture } from "../../lib/distributions/class_mixture.ts";
import { TransformedDistribution } from "../../lib/distributions/transformed.ts";
import type { ImageShape } from "../../lib/core/shapes.ts";
import type { Params } from "../../lib/params/mod.ts";
import { imageFlowFromParams } from "../app2/model.ts";

/**
 * Training-class frequencies, the mixture's class weights.
 * @param labels Class index of each training image.
 * @param numClasses K.
 * @returns K weights summing to 1 (a class without images gets a small positive weight).
 * @example
 * ```ts
 * import { classFrequencies } from "./model.ts";
 * classFrequencies(Int32Array.from([0, 1, 1, 1]), 2); // [0.25, 0.75]
 * ```
 */
export function classFrequencies(labels: ArrayLike<number>, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  const total = counts.reduce((a, v) => a + v, 0);
  return counts.map((c) => Math.max(c, 0.5) / Math.max(total, 1));
}

/**
 * Builds the untrained generative classifier.
 * @param params App params (`model_arch`, `run.seed`).
 * @param imageShape `[height, width, channels]`.
 * @param weights Class weights (e.g. {@link classFrequencies}); their number is K.
 * @returns The flow; its base is a {@link ClassGaussianMixture} of K classes.
 * @example
 * ```ts
 * import { schemaDefaults } from "../../lib/params/mod.ts";
 * import { generativeClassifierFromParams } from "./model.ts";
 * const params = schemaDefaults();
 * Object.assign(params.model_arch, {
 *   bijector: "glow", glow_num_blocks: 2, glow_steps_per_block: 1, glow_num_hidden: 8,
 * });
 * const flow = generativeClassifierFromParams(params, [28, 28, 1], [0.5, 0.5]);
 * flow.contextDim; // 2: one-hot classes
 * flow.dispose();
 * ```
 */
export function generativeClassifierFromParams(
  params: Params,
  imageShape: ImageShape,
  weights: number[],
): TransformedDistribution {
  const image = imageFlowFromParams(params, imageShape);
  const base = new ClassGaussianMixture({
    dims: image.dims,
    numClasses: weights.length,
    meanSpacing: params.model_arch.mixture_mean_spacing,
    weights,
    learnWeights: params.model_arch.mixture_learn_weights,
  });
  return new TransformedDistribution(base, image.bijector);
}

/**
 * The mixture base of a generative classifier.
 * @param flow A flow from {@link generativeClassifierFromParams} (or loaded from one).
 * @returns Its base.
 * @throws Error when the flow's base is not a class mixture (a model of another app).
 * @example
 * ```ts
 * import { schemaDefaults } from "../../lib/params/mod.ts";
 * import { generativeClassifierFromParams, mixtureOf } from "./model.ts";
 * const params = schemaDefaults();
 * Object.assign(params.model_arch, {
 *   bijector: "glow", glow_num_blocks: 1, glow_steps_per_block: 1, glow_num_hidden: 4,
 * });
 * const flow = generativeClassifierFromParams(params, [4, 4, 1], [0.5, 0.5]);
 * mixtureOf(flow).numClasses; // 2
 * flow.dispose();
 * ```
 */
export function mixtureOf(flow: TransformedDistribution): ClassGaussianMixture {
  if (!(flow.base instanceof ClassGaussianMixture)) {
    throw new Error(
      `not a generative classifier: the model's base is "${flow.base.config().type}", ` +
        `not a class-conditional Gaussian mixture`,
    );
  }
  return flow.base;
}
