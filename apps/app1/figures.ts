/**
 * The figures of application 1, as Vega-Lite specs built from plain arrays:
 * the app saves them as PNG and the notebook shows the same specs inline.
 * Points of more than two dimensions are shown in their first two
 * coordinates.
 *
 * @module
 */
import { heatmap, linePlot, scatterPlot, type VegaLiteSpec } from "../../lib/plot/mod.ts";
import type { EpochRecord } from "../../lib/training/trainer.ts";
import type { DensityGrid } from "./density_grid.ts";

/**
 * Rows `[x, y]` of the first two coordinates of row-major points.
 * @param points Row-major points.
 * @param dims Width of a row.
 * @param indices Rows to take; all when absent.
 * @returns The rows.
 */
export function xyRows(points: Float32Array, dims: number, indices?: number[]): number[][] {
  const idx = indices ?? Array.from({ length: points.length / dims }, (_, i) => i);
  return idx.map((i) => [points[i * dims], points[i * dims + 1]]);
}

function projectionNote(dims: number): string | undefined {
  return dims > 2 ? `first two of ${dims} coordinates` : undefined;
}

/** Inputs of the figures: one set of points with its lowest-density rows. */
export interface PointSet {
  /** Row-major points. */
  points: Float32Array;
  /** Width of a row. */
  dims: number;
  /** Rows to ring and number (lowest density first). */
  outliers: number[];
}

function outlierHighlight(set: PointSet) {
  return {
    points: xyRows(set.points, set.dims, set.outliers),
    labels: set.outliers.map((_, i) => String(i + 1)),
    name: "lowest density",
  };
}

/**
 * Training points in data space with the lowest-density ones ringed and numbered.
 * @param set Data points and outlier rows.
 * @param dataset Dataset name for the title.
 * @returns The spec.
 */
export function dataSpaceFigure(set: PointSet, dataset: string): VegaLiteSpec {
  const subtitle = projectionNote(set.dims);
  return scatterPlot({
    title: `Data space: ${dataset} training points`,
    ...(subtitle ? { subtitle } : {}),
    layers: [{ name: "training points", points: xyRows(set.points, set.dims) }],
    highlight: outlierHighlight(set),
    equalAxes: true,
  });
}

/**
 * The same points mapped to latent space, with N(0, I) contours at 1, 2, 3 σ.
 * @param set Latent points and the same outlier rows.
 * @returns The spec.
 */
export function latentSpaceFigure(set: PointSet): VegaLiteSpec {
  const subtitle = projectionNote(set.dims);
  return scatterPlot({
    title: "Latent space: training points mapped by the flow",
    ...(subtitle ? { subtitle } : {}),
    xLabel: "z₁",
    yLabel: "z₂",
    layers: [{ name: "latent points", points: xyRows(set.points, set.dims), color: "#4c78a8" }],
    highlight: outlierHighlight(set),
    circles: [1, 2, 3],
    equalAxes: true,
  });
}

/**
 * Generated samples over the training points.
 * @param train Training points.
 * @param generated Samples from the flow.
 * @param dims Width of a row.
 * @returns The spec.
 */
export function samplesFigure(
  train: Float32Array,
  generated: Float32Array,
  dims: number,
): VegaLiteSpec {
  const subtitle = projectionNote(dims);
  return scatterPlot({
    title: "Generated samples vs training points",
    ...(subtitle ? { subtitle } : {}),
    layers: [
      { name: "training points", points: xyRows(train, dims), color: "#bab0ac", opacity: 0.4 },
      { name: "generated", points: xyRows(generated, dims), color: "#e45756" },
    ],
    equalAxes: true,
  });
}

/**
 * Heat map of the learned log-density.
 * @param grid The evaluated grid.
 * @param note Subtitle (e.g. the slice of a 3-D density).
 * @returns The spec.
 */
export function densityFigure(grid: DensityGrid, note?: string): VegaLiteSpec {
  let max = -Infinity;
  for (const row of grid.logDensity) for (const v of row) if (v > max) max = v;
  return heatmap({
    title: "Learned log-density log p(x)",
    ...(note ? { subtitle: note } : {}),
    x: grid.x,
    y: grid.y,
    values: grid.logDensity,
    valueLabel: "log p(x)",
    clampMin: max - 12,
  });
}

/**
 * Training and held-out NLL per epoch.
 * @param history Trainer history.
 * @param entropy True entropy, drawn as a reference line when known.
 * @returns The spec.
 */
export function historyFigure(history: EpochRecord[], entropy: number | null): VegaLiteSpec {
  const epochs = history.map((h) => h.epoch);
  const series = [{ name: "train NLL", x: epochs, y: history.map((h) => h.trainNll) }];
  const val = history.filter((h) => h.valNll !== undefined);
  if (val.length) {
    series.push({
      name: "validation NLL",
      x: val.map((h) => h.epoch),
      y: val.map((h) => h.valNll!),
    });
  }
  if (entropy !== null) {
    series.push({
      name: "true entropy",
      x: [epochs[0], epochs[epochs.length - 1]],
      y: [entropy, entropy],
    });
  }
  return linePlot({
    title: "Negative log-likelihood per epoch",
    xLabel: "epoch",
    yLabel: "NLL (nats)",
    series,
  });
}
