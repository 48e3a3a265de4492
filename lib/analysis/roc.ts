/**
 * Receiver operating characteristic of an anomaly score: positives are the
 * anomalies, and a higher score means "more anomalous". Ties are handled
 * exactly: all examples with one score value cross the threshold together,
 * so the curve has one point per distinct score and the area under it equals
 * the Mann–Whitney statistic U / (n₊·n₋), counting tied pairs as one half.
 *
 * @module
 */

/** A ROC curve from {@link rocCurve}. */
export interface RocCurve {
  /** False-positive rate per threshold, from 0 up to 1. */
  fpr: Float64Array;
  /** True-positive rate per threshold, from 0 up to 1. */
  tpr: Float64Array;
  /**
   * Thresholds: point i counts an example as positive when its score ≥
   * `thresholds[i]`. The first is +Infinity (nothing flagged).
   */
  thresholds: Float64Array;
  /** Area under the curve (trapezoids), in [0, 1]. */
  auroc: number;
  /** Number of positives (anomalies). */
  numPositive: number;
  /** Number of negatives (normal examples). */
  numNegative: number;
}

function checkInputs(
  scores: ArrayLike<number>,
  labels: ArrayLike<boolean | number>,
  what: string,
): { pos: number; neg: number } {
  if (scores.length !== labels.length) {
    throw new Error(`${what}: ${scores.length} scores but ${labels.length} labels`);
  }
  let pos = 0;
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) throw new Error(`${what}: score ${i} is NaN`);
    if (labels[i]) pos++;
  }
  const neg = scores.length - pos;
  if (pos === 0 || neg === 0) {
    throw new Error(
      `${what} needs at least one positive and one negative label, got ${pos} and ${neg}`,
    );
  }
  return { pos, neg };
}

/**
 * The ROC curve of a score: one point per distinct score value, from (0, 0)
 * to (1, 1).
 * @param scores Score per example (higher = more anomalous; ±Infinity allowed, NaN not).
 * @param labels Per example: true or non-zero for a positive (anomaly).
 * @returns False- and true-positive rates, thresholds and the AUROC.
 * @throws Error when lengths differ, a score is NaN, or one class is empty.
 * @example
 * ```ts
 * import { rocCurve } from "./roc.ts";
 * const roc = rocCurve([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0]);
 * roc.auroc; // 0.75
 * ```
 */
export function rocCurve(
  scores: ArrayLike<number>,
  labels: ArrayLike<boolean | number>,
): RocCurve {
  const { pos, neg } = checkInputs(scores, labels, "rocCurve");
  const order = Array.from({ length: scores.length }, (_, i) => i)
    .sort((a, b) => (scores[b] > scores[a] ? 1 : scores[b] < scores[a] ? -1 : 0));
  const fpr = [0], tpr = [0], thresholds = [Infinity];
  let tp = 0, fp = 0, area = 0;
  for (let i = 0; i < order.length;) {
    const s = scores[order[i]];
    let j = i;
    for (; j < order.length && scores[order[j]] === s; j++) {
      if (labels[order[j]]) tp++;
      else fp++;
    }
    const x = fp / neg, y = tp / pos;
    area += (x - fpr[fpr.length - 1]) * (y + tpr[tpr.length - 1]) / 2;
    fpr.push(x);
    tpr.push(y);
    thresholds.push(s);
    i = j;
  }
  return {
    fpr: Float64Array.from(fpr),
    tpr: Float64Array.from(tpr),
    thresholds: Float64Array.from(thresholds),
    auroc: area,
    numPositive: pos,
    numNegative: neg,
  };
}

/**
 * Area under the ROC curve from ranks (Mann–Whitney U / (n₊·n₋), tied
 * scores getting their average rank), without building the curve: the
 * probability that a random anomaly scores above a random normal example,
 * ties counting one half.
 * @param scores Score per example (higher = more anomalous).
 * @param labels Per example: true or non-zero for a positive (anomaly).
 * @returns The AUROC in [0, 1]; 0.5 is chance.
 * @throws Error when lengths differ, a score is NaN, or one class is empty.
 * @example
 * ```ts
 * import { auroc } from "./roc.ts";
 * auroc([1, 1, 0], [1, 0, 0]); // 0.75
 * ```
 */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<boolean | number>): number {
  const { pos, neg } = checkInputs(scores, labels, "auroc");
  const order = Array.from({ length: scores.length }, (_, i) => i)
    .sort((a, b) => (scores[a] < scores[b] ? -1 : scores[a] > scores[b] ? 1 : 0));
  let rankSum = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    let posInGroup = 0;
    for (; j < order.length && scores[order[j]] === scores[order[i]]; j++) {
      if (labels[order[j]]) posInGroup++;
    }
    // Ranks i+1 … j share their average (i + 1 + j) / 2.
    rankSum += posInGroup * (i + 1 + j) / 2;
    i = j;
  }
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}
