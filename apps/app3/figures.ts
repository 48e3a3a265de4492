/**
 * Figures of application 3 that are not already in `lib/analysis` (the
 * confusion matrix and the reliability diagram are): the training history
 * (bits/dim and accuracy), the latent space on the plane of the class means, the histogram of the marginal log-likelihood of in- and
 * out-of-distribution inputs, the ROC curves of the OoD scores, and the β
 * trade-off of a sweep.
 *
 * @module
 */
import {
  pca,
  type PcaResult,
  pcaScatterChart,
  type PcaScatterSet,
  rocChart,
} from "../../lib/analysis/mod.ts";
import { binValues, concatPlots, linePlot, type VegaLiteSpec } from "../../lib/plot/mod.ts";
import type { EpochRecord } from "../../lib/training/trainer.ts";
import { OOD_PRIMARY_SCORE, OOD_SCORE_LABELS, OOD_SCORES, type OodEvaluation } from "./ood.ts";

/** Side-by-side panels with their own colour scales and legends. */
function independentColors(spec: VegaLiteSpec): VegaLiteSpec {
  return {
    ...spec,
    resolve: { scale: { color: "independent" }, legend: { color: "independent" } },
  };
}

/**
 * The training history: bits/dim of the NLL term and accuracy, training and
 * validation split, per epoch (a baseline's accuracy beside, when given).
 * @param history The generative classifier's history (`terms` of the IB loss).
 * @param baseline The baseline's history, if one was trained.
 * @returns A Vega-Lite spec.
 * @example
 * ```ts
 * import { classifierHistoryFigure } from "./figures.ts";
 * const r = {
 *   epoch: 1, step: 10, trainNll: 3, trainBitsPerDim: 0, learningRate: 1e-3, gradNorm: 1,
 *   seconds: 1, terms: { nll_per_dim: 2, label_nll: 0.5, accuracy: 0.8 },
 *   valTerms: { nll_per_dim: 2.1, label_nll: 0.6, accuracy: 0.78 },
 * };
 * const spec = classifierHistoryFigure([r]);
 * ```
 */
export function classifierHistoryFigure(
  history: EpochRecord[],
  baseline: EpochRecord[] = [],
): VegaLiteSpec {
  const series = (h: EpochRecord[], key: string, scale: number, from: "terms" | "valTerms") => ({
    x: h.map((r) => r.epoch),
    y: h.map((r) => (r[from]?.[key] ?? NaN) * scale),
  });
  const bits = linePlot({
    title: "Generative term",
    subtitle: "−log p(x) of dequantised pixels, bits per dimension",
    xLabel: "epoch",
    yLabel: "bits/dim",
    width: 360,
    height: 300,
    series: [
      { name: "training", ...series(history, "nll_per_dim", 1 / Math.LN2, "terms") },
      { name: "validation split", ...series(history, "nll_per_dim", 1 / Math.LN2, "valTerms") },
    ],
  });
  const acc = [
    { name: "training", ...series(history, "accuracy", 1, "terms") },
    { name: "validation split", ...series(history, "accuracy", 1, "valTerms") },
  ];
  if (baseline.length) {
    acc.push({ name: "baseline: training", ...series(baseline, "accuracy", 1, "terms") });
    acc.push({ name: "baseline: validation", ...series(baseline, "accuracy", 1, "valTerms") });
  }
  const accuracy = linePlot({
    title: "Accuracy",
    subtitle: "training: batches in training mode; validation: inference mode",
    xLabel: "epoch",
    yLabel: "accuracy",
    width: 360,
    height: 300,
    series: acc,
  });
  const color = (accuracy.encoding as Record<string, Record<string, unknown>>).color;
  color.legend = { ...(color.legend as object), labelLimit: 400 };
  return independentColors(concatPlots([bits, accuracy], { title: "Training history" }));
}

/** What {@link latentProjectionFigure} draws. */
export interface LatentProjection {
  /** Latent points `[n, D]` of each training class, by class name. */
  byClass: Record<string, Float32Array>;
  /** The class means, `[K, D]` row-major, in `classNames` order. */
  means: Float32Array;
  /** The training classes. */
  classNames: string[];
  /** Latent points of held-out (OoD) class images, with their name, if any. */
  heldOut?: { name: string; points: Float32Array };
  /** Second title line: what the plane is. */
  subtitle?: string;
}

/**
 * The plane of the class means: the first two principal components of the K
 * means (with fewer than 3 classes, of the given latents instead).
 * @param means The class means, `[K, D]` row-major.
 * @param k K.
 * @param latents Fallback points `[n, D]` (e.g. test latents).
 * @param seed Seed of the randomized solver.
 * @returns The PCA and what its plane is, for the subtitle.
 * @example
 * ```ts
 * import { classMeansPlane } from "./figures.ts";
 * const means = new Float32Array([0, 0, 0, 5, 0, 0, 0, 5, 0]);
 * classMeansPlane(means, 3, means, 1).fit.nComponents; // 2
 * ```
 */
export function classMeansPlane(
  means: Float32Array,
  k: number,
  latents: Float32Array,
  seed: number,
): { fit: PcaResult; subtitle: string } {
  const d = means.length / k;
  if (k >= 3) {
    return {
      fit: pca(means, k, d, { nComponents: 2, solver: "randomized", seed }),
      subtitle: "the plane of the class means (their first two principal components)",
    };
  }
  return {
    fit: pca(latents, latents.length / d, d, { nComponents: 2, solver: "randomized", seed }),
    subtitle: "first two principal components of the test latents",
  };
}

/**
 * Latent points of the test images and the class means (ringed, labelled) on a plane.
 * @param fit PCA (≥ 2 components) whose first two axes span the plane.
 * @param what The points, the means, the class names and the held-out images.
 * @returns A Vega-Lite spec.
 * @example
 * ```ts
 * import { pca } from "../../lib/analysis/mod.ts";
 * import { latentProjectionFigure } from "./figures.ts";
 * const a = new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]), b = new Float32Array([5, 5, 5, 6, 5, 5]);
 * const fit = pca(new Float32Array([...a, ...b]), 5, 3, { nComponents: 2 });
 * const spec = latentProjectionFigure(fit, {
 *   byClass: { a, b }, means: new Float32Array([0, 0, 0, 5, 5, 5]), classNames: ["a", "b"],
 * });
 * ```
 */
export function latentProjectionFigure(fit: PcaResult, what: LatentProjection): VegaLiteSpec {
  const { byClass, means, classNames, heldOut } = what;
  const sets: PcaScatterSet[] = classNames.map((name) => ({
    name,
    points: byClass[name] ?? new Float32Array(0),
    opacity: 0.35,
  }));
  if (heldOut && heldOut.points.length) {
    sets.push({ name: heldOut.name, points: heldOut.points, color: "#111111", opacity: 0.25 });
  }
  sets.push({
    name: "class means",
    points: means,
    color: "#d62728",
    opacity: 1,
    highlight: classNames.map((_, i) => i),
    labels: classNames,
    highlightName: "class means",
  });
  return pcaScatterChart(fit, sets, {
    title: "Latent space: test images and class means",
    subtitle: what.subtitle ?? "first two principal components",
    size: 520,
  });
}

/**
 * Histograms (as frequency polygons, each normalised to a density) of the
 * marginal NLL of in-distribution and OoD inputs, on one axis.
 * @param nllBySet NLL in bits/dim per image, by set name.
 * @param bins Number of bins. Default 60.
 * @returns A Vega-Lite spec.
 * @example
 * ```ts
 * import { oodHistogramFigure } from "./figures.ts";
 * const spec = oodHistogramFigure({ test: [3, 3.2, 3.1], noise: [8, 8.5] });
 * ```
 */
export function oodHistogramFigure(
  nllBySet: Record<string, ArrayLike<number>>,
  bins = 60,
): VegaLiteSpec {
  const all = Object.values(nllBySet).flatMap((v) => Array.from(v).filter(Number.isFinite));
  const sorted = all.sort((a, b) => a - b);
  // Clip the axis to the central 99.8 % so that a few extreme images do not squash the rest.
  const lo = sorted[Math.floor(0.001 * (sorted.length - 1))];
  const hi = sorted[Math.ceil(0.999 * (sorted.length - 1))];
  const series = Object.entries(nllBySet).map(([name, values]) => {
    const b = binValues(values, bins, [lo, hi]);
    const width = b.edges[1] - b.edges[0];
    const n = Math.max(1, values.length);
    return {
      name: `${name} (${values.length})`,
      x: b.counts.map((_, i) => (b.edges[i] + b.edges[i + 1]) / 2),
      y: b.counts.map((c) => c / (n * width)),
    };
  });
  const spec = linePlot({
    title: "Marginal likelihood of in- and out-of-distribution inputs",
    subtitle: `−log p(x) under the mixture, bits/dim; axis clipped to [${lo.toFixed(2)}, ${
      hi.toFixed(2)
    }]`,
    xLabel: "−log p(x) (bits/dim)",
    yLabel: "density",
    points: false,
    width: 560,
    height: 360,
    series,
  });
  const color = (spec.encoding as Record<string, Record<string, unknown>>).color;
  color.legend = { ...(color.legend as object), labelLimit: 400 };
  return spec;
}

/**
 * ROC curves of each OoD set against the in-distribution test images, one panel per score.
 * @param evaluation From `evaluateOod`.
 * @returns A Vega-Lite spec.
 * @example
 * ```ts
 * import { evaluateOod } from "./ood.ts";
 * import { oodRocFigure } from "./figures.ts";
 * const e = evaluateOod(
 *   { logProb: [-10, -11, -9], baseLogProb: [-5, -6, -4] },
 *   [{ name: "noise", logProb: [-40, -12], baseLogProb: [-30, -7] }],
 *   { logProb: [-10, -10.5, -9.5], baseLogProb: [-5, -5.2, -4.4] },
 *   4,
 * );
 * const spec = oodRocFigure(e);
 * ```
 */
export function oodRocFigure(evaluation: OodEvaluation): VegaLiteSpec {
  const sets = Object.keys(evaluation.roc);
  const panels = OOD_SCORES.map((score) =>
    rocChart(
      sets.map((name) => ({ name, roc: evaluation.roc[name][score] })),
      {
        title: `OoD score: ${OOD_SCORE_LABELS[score]}`,
        subtitle: "positives: OoD images",
        size: 340,
      },
    )
  );
  return independentColors(concatPlots(panels, { title: "Out-of-distribution detection: ROC" }));
}

/** One model of a β sweep. */
export interface BetaSweepPoint {
  /** Its β. */
  beta: number;
  /** Test accuracy. */
  accuracy: number;
  /** Expected calibration error (15 bins). */
  ece: number;
  /** Test bits/dim. */
  bitsPerDim: number;
  /** AUROC of the app's OoD score (`OOD_PRIMARY_SCORE`) per OoD set, if measured. */
  oodAuroc?: Record<string, number>;
}

/**
 * The trade-off of a β sweep: accuracy, calibration, bits/dim and — when
 * measured — the OoD AUROC of the app's score per set, against β (on a log₁₀ axis
 * when every β is positive).
 * @param points One per β.
 * @returns A Vega-Lite spec.
 * @example
 * ```ts
 * import { betaSweepFigure } from "./figures.ts";
 * const spec = betaSweepFigure([
 *   { beta: 0.1, accuracy: 0.85, ece: 0.01, bitsPerDim: 3.0 },
 *   { beta: 10, accuracy: 0.9, ece: 0.05, bitsPerDim: 3.4 },
 * ]);
 * ```
 */
export function betaSweepFigure(points: BetaSweepPoint[]): VegaLiteSpec {
  const sorted = [...points].sort((a, b) => a.beta - b.beta);
  const logX = sorted.every((p) => p.beta > 0);
  const x = sorted.map((p) => (logX ? Math.log10(p.beta) : p.beta));
  const xLabel = logX ? "log₁₀ β" : "β";
  const panel = (title: string, yLabel: string, series: { name: string; y: number[] }[]) =>
    linePlot({
      title,
      xLabel,
      yLabel,
      width: 260,
      height: 240,
      points: true,
      series: series.map((s) => ({ ...s, x })),
    });
  const one = (y: number[]) => [{ name: "IB-INN", y }];
  const panels = [
    panel("Test accuracy", "accuracy", one(sorted.map((p) => p.accuracy))),
    panel("Calibration", "ECE (15 bins)", one(sorted.map((p) => p.ece))),
    panel("Generative quality", "bits/dim", one(sorted.map((p) => p.bitsPerDim))),
  ];
  const sets = [...new Set(sorted.flatMap((p) => Object.keys(p.oodAuroc ?? {})))];
  if (sets.length) {
    panels.push(panel(
      "Out-of-distribution detection",
      `AUROC, ${OOD_SCORE_LABELS[OOD_PRIMARY_SCORE]}`,
      sets.map((name) => ({ name, y: sorted.map((p) => p.oodAuroc?.[name] ?? NaN) })),
    ));
  }
  return independentColors(
    concatPlots(panels, {
      title: "Information-bottleneck trade-off: one model per β",
      columns: 2,
    }),
  );
}
