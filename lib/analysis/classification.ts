/**
 * A classifier's predictions and how often they are right: the most
 * probable class and its probability (the confidence) of each row of class
 * probabilities, the confusion matrix, accuracy overall and per class.
 *
 * @module
 */

/** Class predictions of a probability table. */
export interface ClassPredictions {
  /** The most probable class of each row. */
  predicted: Int32Array;
  /** Its probability (the confidence). */
  confidence: Float64Array;
}

/**
 * The most probable class of each row of class probabilities, and its probability.
 * @param probabilities Row-major `[n, K]` probabilities.
 * @param numClasses K.
 * @returns The predictions and confidences.
 * @throws Error when the length is not a multiple of K.
 * @example
 * ```ts
 * import { predictClasses } from "./classification.ts";
 * predictClasses([0.2, 0.8, 0.6, 0.4], 2); // predicted [1, 0], confidence [0.8, 0.6]
 * ```
 */
export function predictClasses(
  probabilities: ArrayLike<number>,
  numClasses: number,
): ClassPredictions {
  if (probabilities.length % numClasses !== 0) {
    throw new Error(`${probabilities.length} values are not rows of ${numClasses} classes`);
  }
  const n = probabilities.length / numClasses;
  const predicted = new Int32Array(n);
  const confidence = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < numClasses; k++) {
      if (probabilities[i * numClasses + k] > probabilities[i * numClasses + best]) best = k;
    }
    predicted[i] = best;
    confidence[i] = probabilities[i * numClasses + best];
  }
  return { predicted, confidence };
}

/**
 * The confusion matrix: `counts[t][p]` examples of true class t predicted as p.
 * @param labels True class of each example, 0..K−1.
 * @param predicted Predicted class of each example.
 * @param numClasses K.
 * @returns K rows of K counts.
 * @throws Error when the lengths differ or a class is outside 0..K−1.
 * @example
 * ```ts
 * import { confusionMatrix } from "./classification.ts";
 * confusionMatrix([0, 0, 1], [0, 1, 1], 2); // [[1, 1], [0, 1]]
 * ```
 */
export function confusionMatrix(
  labels: ArrayLike<number>,
  predicted: ArrayLike<number>,
  numClasses: number,
): number[][] {
  if (labels.length !== predicted.length) {
    throw new Error(`${labels.length} labels but ${predicted.length} predictions`);
  }
  const counts = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i], p = predicted[i];
    if (!(t >= 0 && t < numClasses && p >= 0 && p < numClasses)) {
      throw new Error(`example ${i}: class ${t} or prediction ${p} is not in 0..${numClasses - 1}`);
    }
    counts[t][p]++;
  }
  return counts;
}

/**
 * Accuracy overall and per true class, from a confusion matrix.
 * @param counts `counts[t][p]` from {@link confusionMatrix}.
 * @returns `overall` and `perClass` (NaN for a class without examples).
 * @example
 * ```ts
 * import { classAccuracy } from "./classification.ts";
 * classAccuracy([[1, 1], [0, 1]]); // { overall: 0.667, perClass: [0.5, 1] }
 * ```
 */
export function classAccuracy(counts: number[][]): { overall: number; perClass: number[] } {
  let right = 0, all = 0;
  const perClass = counts.map((row, t) => {
    const n = row.reduce((a, v) => a + v, 0);
    right += row[t];
    all += n;
    return n ? row[t] / n : NaN;
  });
  return { overall: all ? right / all : NaN, perClass };
}
