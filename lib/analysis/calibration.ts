/**
 * Calibration of a classifier's confidence (Guo et al. 2017, "On Calibration
 * of Modern Neural Networks"): predictions are grouped by their confidence
 * (the largest class probability) into equal-width bins on [0, 1]; a
 * calibrated classifier is right in a fraction of each bin's predictions
 * equal to their mean confidence. The expected calibration error is the
 * gap averaged over the bins, weighted by their share of the predictions,
 *
 *   ECE = Σ_b (n_b / N) · |accuracy_b − confidence_b|.
 *
 * Also here: the negative log-likelihood of labels, and temperature scaling
 * (one scalar T fitted on held-out logits, softmax(logits / T)).
 *
 * @module
 */

/** Bins of the reliability diagram (and of the ECE) unless told otherwise. */
export const DEFAULT_CALIBRATION_BINS = 15;

/** One confidence bin of a reliability diagram. */
export interface ReliabilityBin {
  /** Lower edge (excluded, except 0 for the first bin). */
  lower: number;
  /** Upper edge (included). */
  upper: number;
  /** Predictions in the bin. */
  count: number;
  /** Their mean confidence; NaN when the bin is empty. */
  confidence: number;
  /** The fraction of them that is right; NaN when the bin is empty. */
  accuracy: number;
}

/**
 * Groups predictions by confidence into equal-width bins on [0, 1]; bin b
 * holds confidences in (b/B, (b+1)/B] (the first bin also holds 0).
 * @param confidence Confidence of each prediction, in [0, 1].
 * @param correct Whether each prediction is right.
 * @param bins Number of bins B. Default {@link DEFAULT_CALIBRATION_BINS}.
 * @returns B bins, lowest first.
 * @throws Error when the lengths differ, a confidence is outside [0, 1], or B < 1.
 * @example
 * ```ts
 * import { reliabilityBins } from "./calibration.ts";
 * const bins = reliabilityBins([0.9, 0.95, 0.6], [true, false, true], 2);
 * // [{ count: 0, … }, { lower: 0.5, upper: 1, count: 3, confidence: 0.8167, accuracy: 0.667 }]
 * ```
 */
export function reliabilityBins(
  confidence: ArrayLike<number>,
  correct: ArrayLike<boolean | number>,
  bins = DEFAULT_CALIBRATION_BINS,
): ReliabilityBin[] {
  if (confidence.length !== correct.length) {
    throw new Error(`${confidence.length} confidences but ${correct.length} outcomes`);
  }
  if (!(Number.isInteger(bins) && bins >= 1)) {
    throw new Error(`bins must be a positive integer, got ${bins}`);
  }
  const count = new Array<number>(bins).fill(0);
  const conf = new Array<number>(bins).fill(0);
  const hits = new Array<number>(bins).fill(0);
  for (let i = 0; i < confidence.length; i++) {
    const c = confidence[i];
    if (!(c >= 0 && c <= 1)) throw new Error(`confidence ${i} is ${c}, not in [0, 1]`);
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(c * bins) - 1));
    count[b]++;
    conf[b] += c;
    if (correct[i]) hits[b]++;
  }
  return count.map((n, b) => ({
    lower: b / bins,
    upper: (b + 1) / bins,
    count: n,
    confidence: n ? conf[b] / n : NaN,
    accuracy: n ? hits[b] / n : NaN,
  }));
}

/**
 * The expected calibration error over equal-width confidence bins.
 * @param confidence Confidence of each prediction, in [0, 1].
 * @param correct Whether each prediction is right.
 * @param bins Number of bins. Default {@link DEFAULT_CALIBRATION_BINS}.
 * @returns Σ_b (n_b / N)·|accuracy_b − confidence_b|, in [0, 1].
 * @throws Error as {@link reliabilityBins}, or when there are no predictions.
 * @example
 * ```ts
 * import { expectedCalibrationError } from "./calibration.ts";
 * // Ten bins, one prediction in each of three: |1 − 0.9|, |1 − 0.95| and |0 − 0.6|.
 * expectedCalibrationError([0.9, 0.95, 0.6], [true, true, false], 10); // (0.1 + 0.05 + 0.6) / 3 = 0.25
 * ```
 */
export function expectedCalibrationError(
  confidence: ArrayLike<number>,
  correct: ArrayLike<boolean | number>,
  bins = DEFAULT_CALIBRATION_BINS,
): number {
  if (confidence.length === 0) throw new Error("The ECE needs at least one prediction");
  let sum = 0;
  for (const bin of reliabilityBins(confidence, correct, bins)) {
    if (bin.count) sum += bin.count * Math.abs(bin.accuracy - bin.confidence);
  }
  return sum / confidence.length;
}

/**
 * Softmax of each row of logits divided by a temperature.
 * @param logits Row-major `[n, K]` logits (log-probabilities up to a constant per row).
 * @param numClasses K.
 * @param temperature T > 0. Default 1.
 * @returns Row-major `[n, K]` probabilities.
 * @example
 * ```ts
 * import { softmaxRows } from "./calibration.ts";
 * softmaxRows([0, Math.log(3)], 2); // [0.25, 0.75]
 * softmaxRows([0, Math.log(3)], 2, 1e9); // ≈ [0.5, 0.5]
 * ```
 */
export function softmaxRows(
  logits: ArrayLike<number>,
  numClasses: number,
  temperature = 1,
): Float64Array {
  const out = new Float64Array(logits.length);
  for (let row = 0; row < logits.length; row += numClasses) {
    let max = -Infinity;
    for (let k = 0; k < numClasses; k++) max = Math.max(max, logits[row + k] / temperature);
    let sum = 0;
    for (let k = 0; k < numClasses; k++) {
      out[row + k] = Math.exp(logits[row + k] / temperature - max);
      sum += out[row + k];
    }
    for (let k = 0; k < numClasses; k++) out[row + k] /= sum;
  }
  return out;
}

/**
 * The mean negative log-likelihood of the labels under class probabilities, in nats.
 * @param probabilities Row-major `[n, K]` probabilities.
 * @param labels The true class of each row.
 * @param numClasses K.
 * @returns −mean log p(label), with probabilities floored at 1e-300.
 * @example
 * ```ts
 * import { labelNll } from "./calibration.ts";
 * labelNll([0.5, 0.5, 0.9, 0.1], [0, 0], 2); // (ln 2 − ln 0.9) / 2 ≈ 0.399
 * ```
 */
export function labelNll(
  probabilities: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    sum -= Math.log(Math.max(probabilities[i * numClasses + labels[i]], 1e-300));
  }
  return sum / labels.length;
}

/**
 * Temperature scaling: the T > 0 that minimises the labels' NLL under
 * softmax(logits / T) (golden-section search on log T over [1/100, 100]);
 * fitted on held-out data, it calibrates a classifier without changing a
 * single prediction.
 * @param logits Row-major `[n, K]` logits.
 * @param labels The true class of each row.
 * @param numClasses K.
 * @returns The temperature.
 * @example
 * ```ts
 * import { fitTemperature } from "./calibration.ts";
 * // Overconfident logits (±5) that are right only 3 times in 4: T > 1 softens them.
 * fitTemperature([5, -5, 5, -5, 5, -5, 5, -5], [0, 0, 0, 1], 2); // ≈ 9.1
 * ```
 */
export function fitTemperature(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
): number {
  const nll = (logT: number) =>
    labelNll(softmaxRows(logits, numClasses, Math.exp(logT)), labels, numClasses);
  let a = Math.log(0.01), b = Math.log(100);
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a), d = a + g * (b - a);
  let fc = nll(c), fd = nll(d);
  for (let i = 0; i < 80; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = nll(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = nll(d);
    }
  }
  return Math.exp((a + b) / 2);
}
