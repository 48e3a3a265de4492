/**
 * Figures of the image applications that are not already in
 * `lib/analysis`: image batches for the image grids (pixels in `[0, 256)`),
 * the training history in bits per dimension, and the ROC chart of the
 * anomaly scores.
 *
 * @module
 */
import { concatFloat32 } from "../../lib/core/float_arrays.ts";
import {
  type NamedRoc,
  pcaProject,
  type PcaResult,
  rocChart,
  type RocCurve,
} from "../../lib/analysis/mod.ts";
import type { ImageShape } from "../../lib/core/shapes.ts";
import {
  type ImageBatch,
  type ImageGridOptions,
  linePlot,
  scatterPlot,
  type VegaLiteSpec,
} from "../../lib/plot/mod.ts";
import type { ScatterHighlight, ScatterLayer } from "../../lib/plot/scatter.ts";
import type { EpochRecord } from "../../lib/training/trainer.ts";
import { ANOMALY_SCORE_LABELS, ANOMALY_SCORES, type AnomalyScoreName } from "./anomaly.ts";
import { takeRows } from "./latents.ts";

/** Grid options for pixel values in `[0, 256)`. */
export const PIXEL_GRID: ImageGridOptions = { valueRange: [0, 256] };

/**
 * An image batch of some rows of flat pixels, for `saveImageGrid` / `showImages`.
 * @param pixels `[n, h·w·c]` pixel values 0..256.
 * @param shape `[h, w, c]`.
 * @param rows Rows to take, in order; all when absent.
 * @returns The batch `[rows, h, w, c]`.
 * @example
 * ```ts
 * import { imageBatch } from "./figures.ts";
 * imageBatch(new Float32Array(2 * 4), [2, 2, 1], [1]).shape; // [1, 2, 2, 1]
 * ```
 */
export function imageBatch(
  pixels: Float32Array,
  shape: ImageShape,
  rows?: number[],
): ImageBatch {
  const d = shape[0] * shape[1] * shape[2];
  const data = rows ? takeRows(pixels, d, rows) : pixels;
  return { data, shape: [data.length / d, ...shape] };
}

/**
 * Concatenates image batches of one shape (e.g. originals above their round trips).
 * @param batches Batches of one image shape.
 * @returns One batch.
 * @throws Error when the image shapes differ.
 * @example
 * ```ts
 * import { concatBatches } from "./figures.ts";
 * const a = { data: new Float32Array(4), shape: [1, 2, 2, 1] };
 * concatBatches([a, a]).shape; // [2, 2, 2, 1]
 * ```
 */
export function concatBatches(batches: ImageBatch[]): ImageBatch {
  const inner = batches[0].shape.slice(1);
  let n = 0;
  for (const b of batches) {
    if (b.shape.slice(1).join(",") !== inner.join(",")) {
      throw new Error(`concatBatches: image shapes [${inner}] and [${b.shape.slice(1)}] differ`);
    }
    n += b.shape[0];
  }
  return { data: concatFloat32(batches.map((b) => b.data)), shape: [n, ...inner] };
}

/**
 * Training and held-out bits per dimension per epoch.
 * @param history The trainer's history.
 * @returns A Vega-Lite spec.
 * @example
 * ```ts
 * import { bitsHistoryFigure } from "./figures.ts";
 * const spec = bitsHistoryFigure([
 *   { epoch: 1, step: 10, trainNll: 1, trainBitsPerDim: 4, valBitsPerDim: 3.9, learningRate: 1e-3,
 *     gradNorm: 1, seconds: 1 },
 * ]);
 * ```
 */
export function bitsHistoryFigure(history: EpochRecord[]): VegaLiteSpec {
  const epochs = history.map((h) => h.epoch);
  const series = [{
    name: "training (batches, training mode)",
    x: epochs,
    y: history.map((h) => h.trainBitsPerDim),
  }];
  if (history.some((h) => h.valBitsPerDim !== undefined)) {
    series.push({
      name: "validation split",
      x: epochs,
      y: history.map((h) => h.valBitsPerDim ?? NaN),
    });
  }
  return linePlot({
    title: "Training history",
    subtitle: "negative log-likelihood of dequantised pixels in bits per dimension",
    xLabel: "epoch",
    yLabel: "bits/dim",
    series,
  });
}

/**
 * ROC curves of the anomaly scores.
 * @param roc Curves by score name.
 * @param subtitle Second title line.
 * @returns A Vega-Lite spec.
 * @example
 * ```ts
 * import { rocCurve } from "../../lib/analysis/mod.ts";
 * import { anomalyRocFigure } from "./figures.ts";
 * const c = rocCurve([3, 1, 2, 0], [1, 0, 1, 0]);
 * const spec = anomalyRocFigure({ nll: c, latent_norm: c, nll_typicality: c, nll_complexity: c });
 * ```
 */
export function anomalyRocFigure(
  roc: Record<AnomalyScoreName, RocCurve>,
  subtitle?: string,
): VegaLiteSpec {
  const curves: NamedRoc[] = ANOMALY_SCORES.map((name) => ({
    name: ANOMALY_SCORE_LABELS[name],
    roc: roc[name],
  }));
  return rocChart(curves, {
    title: "Anomaly detection: ROC of the validation images",
    ...(subtitle ? { subtitle } : {}),
  });
}

/** A set of latent points of {@link latentScatterFigure}. */
export interface LatentPointSet {
  /** Legend entry. */
  name: string;
  /** `[n, D]` row-major latent points. */
  points: ArrayLike<number>;
  /** CSS colour. */
  color: string;
  /** Marker opacity. Default 0.5. */
  opacity?: number;
}

/** Numbered rows of the training points of {@link latentScatterFigure}. */
export interface NumberedRows {
  /** Legend entry, e.g. "lowest density". */
  name: string;
  /** Rows of the training latents, numbered 1, 2, … in this order. */
  rows: number[];
  /** CSS colour of the rings and numbers. */
  color: string;
}

/**
 * The latent point sets on the first two principal components of the
 * training latents, with numbered rings on chosen training rows (the same
 * numbers as under their images).
 * @param fit PCA of the training latents (≥ 2 components).
 * @param training `[n, D]` training latents (drawn first).
 * @param sets Further sets (simulated, validation, anomalies), drawn in order.
 * @param numbered Groups of training rows to ring and number.
 * @param subtitle Second title line; default names the PCA.
 * @returns A Vega-Lite spec.
 * @throws Error when the PCA has fewer than 2 components.
 * @example
 * ```ts
 * import { pca, sampleBaseGaussian } from "../../lib/analysis/mod.ts";
 * import { latentScatterFigure } from "./figures.ts";
 * const z = sampleBaseGaussian(40, 6, { seed: 1 });
 * const spec = latentScatterFigure(pca(z, 40, 6, { nComponents: 2 }), z, [], [
 *   { name: "lowest density", rows: [3, 7], color: "#d62728" },
 * ]);
 * ```
 */
export function latentScatterFigure(
  fit: PcaResult,
  training: ArrayLike<number>,
  sets: LatentPointSet[],
  numbered: NumberedRows[],
  subtitle?: string,
): VegaLiteSpec {
  const k = fit.nComponents;
  if (k < 2) throw new Error(`latentScatterFigure needs ≥ 2 PCA components, got ${k}`);
  const project = (points: ArrayLike<number>) => {
    const c = pcaProject(fit, points);
    return Array.from({ length: c.length / k }, (_, i) => [c[i * k], c[i * k + 1]]);
  };
  const train = project(training);
  const layers: ScatterLayer[] = [
    { name: "training", points: train, color: "#9e9e9e", opacity: 0.35 },
    ...sets.map((s) => ({
      name: s.name,
      points: project(s.points),
      color: s.color,
      opacity: s.opacity ?? 0.5,
    })),
  ];
  const highlight: ScatterHighlight[] = numbered.filter((g) => g.rows.length).map((g) => ({
    name: g.name,
    points: g.rows.map((r) => train[r]),
    color: g.color,
  }));
  const pct = (c: number) => (100 * fit.explainedVarianceRatio[c]).toFixed(1);
  return scatterPlot({
    title: "Latent points on the first two principal components",
    subtitle: subtitle ?? `PCA of ${fit.numPoints} training latents (${fit.dims}-D)`,
    xLabel: `PC 1 (${pct(0)} % of variance)`,
    yLabel: `PC 2 (${pct(1)} % of variance)`,
    layers,
    highlight,
    width: 480,
    height: 420,
  });
}
