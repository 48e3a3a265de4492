/**
 * Figures of a classifier: the reliability diagram (accuracy against
 * confidence per bin, with the diagonal of perfect calibration and the ECE
 * in the legend) and the confusion matrix (as row fractions, counts written
 * in the cells).
 *
 * @module
 */
import { linePlot, matrixChart, type VegaLiteSpec } from "../plot/mod.ts";
import type { ReliabilityBin } from "./calibration.ts";

/** One classifier's bins in a {@link reliabilityChart}. */
export interface NamedReliability {
  /** Legend entry, e.g. "IB-INN"; the ECE is appended. */
  name: string;
  /** Its bins from `reliabilityBins`. */
  bins: ReliabilityBin[];
  /** Its ECE over the same bins. */
  ece: number;
  /** CSS colour; default from the palette. */
  color?: string;
}

/**
 * The reliability diagram: for each non-empty bin, the fraction right against
 * the mean confidence, for one or more classifiers, with the diagonal.
 * @param curves The classifiers.
 * @param options Title and subtitle.
 * @returns A Vega-Lite spec.
 * @throws Error when no curve is given.
 * @example
 * ```ts
 * import { expectedCalibrationError, reliabilityBins } from "./calibration.ts";
 * import { reliabilityChart } from "./classification_figures.ts";
 * const conf = [0.95, 0.9, 0.7, 0.6], right = [true, true, false, true];
 * const spec = reliabilityChart([{
 *   name: "model", bins: reliabilityBins(conf, right, 10), ece: expectedCalibrationError(conf, right, 10),
 * }]);
 * ```
 */
export function reliabilityChart(
  curves: NamedReliability[],
  options: { title?: string; subtitle?: string } = {},
): VegaLiteSpec {
  if (curves.length === 0) throw new Error("reliabilityChart needs at least one classifier");
  const spec = linePlot({
    title: options.title ?? "Reliability diagram",
    subtitle: options.subtitle ??
      `${curves[0].bins.length} equal-width confidence bins; empty bins left out`,
    xLabel: "confidence (largest class probability)",
    yLabel: "accuracy",
    points: true,
    width: 420,
    height: 420,
    series: [
      ...curves.map((c) => {
        const used = c.bins.filter((b) => b.count > 0);
        return {
          name: `${c.name} (ECE ${c.ece.toFixed(4)})`,
          x: used.map((b) => b.confidence),
          y: used.map((b) => b.accuracy),
          ...(c.color ? { color: c.color } : {}),
        };
      }),
      { name: "perfect calibration", x: [0, 1], y: [0, 1], color: "#999999" },
    ],
  });
  const color = (spec.encoding as Record<string, Record<string, unknown>>).color;
  color.legend = { ...(color.legend as object), labelLimit: 400 };
  return spec;
}

/**
 * The confusion matrix, each row as fractions of its true class (the
 * diagonal is the per-class accuracy), the counts written in the cells.
 * @param counts `counts[t][p]` from `confusionMatrix`.
 * @param classNames Name of each class.
 * @param options Title and subtitle.
 * @returns A Vega-Lite spec.
 * @example
 * ```ts
 * import { confusionMatrixChart } from "./classification_figures.ts";
 * const spec = confusionMatrixChart([[48, 2], [5, 45]], ["cat", "dog"]);
 * ```
 */
export function confusionMatrixChart(
  counts: number[][],
  classNames: readonly string[],
  options: { title?: string; subtitle?: string } = {},
): VegaLiteSpec {
  const fractions = counts.map((row) => {
    const n = row.reduce((a, v) => a + v, 0);
    return row.map((v) => (n ? v / n : NaN));
  });
  return matrixChart({
    rows: classNames,
    columns: classNames,
    values: fractions,
    text: counts.map((row) => row.map(String)),
    title: options.title ?? "Confusion matrix",
    subtitle: options.subtitle ?? "cells: counts; colour: fraction of the true class",
    rowLabel: "true class",
    columnLabel: "predicted class",
    valueLabel: "fraction",
    size: Math.max(240, 40 * classNames.length),
  });
}
