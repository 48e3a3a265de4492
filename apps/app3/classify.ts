/**
 * Images through a generative classifier, in chunks: one forward pass gives
 * each image's latent point z = f(x), the joint log p(z, y) = log w_y +
 * log N(z; μ_y, I) of every class (the classifier's logits: Bayes' rule is
 * their softmax) and the marginal log-density log p(x) (out-of-distribution
 * score). Then the numbers a classifier is judged by: accuracy overall and
 * per class, confusion matrix, expected calibration error (15 bins), the
 * labels' negative log-likelihood, bits per dimension.
 *
 * @module
 */
import { tf } from "../../lib/core/tf.ts";
import type { TransformedDistribution } from "../../lib/distributions/transformed.ts";
import {
  classAccuracy,
  confusionMatrix,
  DEFAULT_CALIBRATION_BINS,
  expectedCalibrationError,
  labelNll,
  predictClasses,
  type ReliabilityBin,
  reliabilityBins,
  softmaxRows,
} from "../../lib/analysis/mod.ts";
import { bitsPerDim } from "../../lib/training/trainer.ts";
import { mixtureOf } from "./model.ts";

/** What a generative classifier says about a set of images. */
export interface ClassifierOutputs {
  /** `[n, D]` latent points. */
  latents: Float32Array;
  /** `[n, K]` joint log p(z, y): logits whose softmax is p(y | x). */
  logits: Float32Array;
  /** `[n]` marginal log p(x), nats (of the dequantised pixels). */
  logProb: Float32Array;
  /** `[n]` log p_Z(z) under the mixture, nats: the base term of `logProb` (the rest is the log-det). */
  baseLogProb: Float32Array;
}

/**
 * Runs images through the classifier, `chunkSize` at a time (inference mode).
 * @param flow A generative classifier (its base a class mixture).
 * @param pixels `[n, dims]` dequantised pixels.
 * @param dims Values per image.
 * @param chunkSize Images per pass (`run.img2lat_chunk_size`).
 * @returns Latents, logits and log-densities.
 * @throws Error when the length is not a multiple of `dims`.
 * @example
 * ```ts
 * import { schemaDefaults } from "../../lib/params/mod.ts";
 * import { generativeClassifierFromParams } from "./model.ts";
 * import { classifyImages } from "./classify.ts";
 * const params = schemaDefaults();
 * Object.assign(params.model_arch, {
 *   bijector: "glow", glow_num_blocks: 1, glow_steps_per_block: 1, glow_num_hidden: 4,
 * });
 * const flow = generativeClassifierFromParams(params, [4, 4, 1], [0.5, 0.5]);
 * const out = await classifyImages(flow, new Float32Array(32).fill(100.5), 16, 8);
 * out.logits.length; // 4: two images, two classes
 * flow.dispose();
 * ```
 */
export async function classifyImages(
  flow: TransformedDistribution,
  pixels: Float32Array,
  dims: number,
  chunkSize: number,
): Promise<ClassifierOutputs> {
  if (pixels.length % dims !== 0) {
    throw new Error(`classifyImages: ${pixels.length} values are not rows of ${dims}`);
  }
  const mixture = mixtureOf(flow);
  const n = pixels.length / dims, k = mixture.numClasses, d = mixture.dims;
  const latents = new Float32Array(n * d);
  const logits = new Float32Array(n * k);
  const logProb = new Float32Array(n);
  const baseLogProb = new Float32Array(n);
  for (let start = 0; start < n; start += chunkSize) {
    const rows = Math.min(chunkSize, n - start);
    const [z, joint, lp, base] = tf.tidy(() => {
      const x = tf.tensor2d(pixels.subarray(start * dims, (start + rows) * dims), [rows, dims]);
      const { value, logDet } = flow.bijector.forwardAndLogDet(x, { training: false });
      const flat = tf.reshape(value, [rows, -1]);
      const joint = mixture.jointLogProb(flat);
      const base = tf.logSumExp(joint, 1);
      return [flat, joint, tf.add(base, logDet), base];
    });
    latents.set((await z.data()) as Float32Array, start * d);
    logits.set((await joint.data()) as Float32Array, start * k);
    logProb.set((await lp.data()) as Float32Array, start);
    baseLogProb.set((await base.data()) as Float32Array, start);
    tf.dispose([z, joint, lp, base]);
  }
  return { latents, logits, logProb, baseLogProb };
}

/** How well a classifier does on labelled images. */
export interface ClassificationReport {
  /** Fraction right. */
  accuracy: number;
  /** Fraction right per true class. */
  perClassAccuracy: number[];
  /** `confusion[t][p]`: images of class t predicted as p. */
  confusion: number[][];
  /** Expected calibration error over {@link DEFAULT_CALIBRATION_BINS} equal-width bins. */
  ece: number;
  /** The bins of the reliability diagram. */
  bins: ReliabilityBin[];
  /** −mean log p(true class | x), nats. */
  labelNll: number;
  /** The predicted class of each image. */
  predicted: Int32Array;
  /** Its probability. */
  confidence: Float64Array;
}

/**
 * Scores the predictions of logits against true labels.
 * @param logits `[n, K]` logits (any per-row constant; e.g. the joint log p(z, y)).
 * @param labels True class of each image, 0..K−1.
 * @param numClasses K.
 * @param temperature Divides the logits first (temperature scaling). Default 1.
 * @returns Accuracy, per-class accuracy, confusion matrix, ECE (15 bins), label NLL.
 * @example
 * ```ts
 * import { classificationReport } from "./classify.ts";
 * const r = classificationReport([3, 0, 0, 3, 1, 0], Int32Array.from([0, 1, 1]), 2);
 * r.accuracy; // 2/3
 * ```
 */
export function classificationReport(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
  temperature = 1,
): ClassificationReport {
  const probabilities = softmaxRows(logits, numClasses, temperature);
  const { predicted, confidence } = predictClasses(probabilities, numClasses);
  const confusion = confusionMatrix(labels, predicted, numClasses);
  const { overall, perClass } = classAccuracy(confusion);
  const right = Array.from(predicted, (p, i) => p === labels[i]);
  return {
    accuracy: overall,
    perClassAccuracy: perClass,
    confusion,
    ece: expectedCalibrationError(confidence, right, DEFAULT_CALIBRATION_BINS),
    bins: reliabilityBins(confidence, right, DEFAULT_CALIBRATION_BINS),
    labelNll: labelNll(probabilities, labels, numClasses),
    predicted,
    confidence,
  };
}

/**
 * Mean −log p(x) of some images in bits per dimension.
 * @param logProb log p(x) per image, nats.
 * @param dims Values per image.
 * @returns Bits per dimension.
 * @example
 * ```ts
 * import { meanBitsPerDim } from "./classify.ts";
 * meanBitsPerDim([-2 * 784 * Math.LN2], 784); // 2
 * ```
 */
export function meanBitsPerDim(logProb: ArrayLike<number>, dims: number): number {
  let s = 0;
  for (let i = 0; i < logProb.length; i++) s -= logProb[i];
  return bitsPerDim(s / logProb.length, dims);
}
