/**
 * Figures of the latent-space analysis, as Vega-Lite specs built on the
 * chart builders of `lib/plot` (so apps save them with `savePlot` and
 * notebooks show them with `show`): the ROC curves of anomaly scores, the
 * histogram of latent norms against χ(D), and the 2-D PCA scatter of
 * training, simulated and validation latents with numbered points.
 *
 * @module
 */
import { histogram, linePlot, scatterPlot, type VegaLiteSpec } from "../plot/mod.ts";
import type { ScatterHighlight, ScatterLayer } from "../plot/scatter.ts";
import { chiMean, chiPdf, chiVariance } from "./chi.ts";
import { pcaProject, type PcaResult } from "./pca.ts";
import type { RocCurve } from "./roc.ts";

/** One named ROC curve of {@link rocChart}. */
export interface NamedRoc {
  /** Legend entry, e.g. "NLL"; the AUROC is appended. */
  name: string;
  /** The curve from `rocCurve`. */
  roc: RocCurve;
  /** CSS colour; default from the palette. */
  color?: string;
}

/** Options of {@link rocChart}. */
export interface RocChartOptions {
  /** Plot title. Default "ROC: anomalies vs normal examples". */
  title?: string;
  /** Smaller second title line. */
  subtitle?: string;
  /** Plot side in pixels. Default 420. */
  size?: number;
}

/**
 * ROC curves of one or more anomaly scores, with the chance diagonal.
 * @param curves The curves, e.g. of the NLL score and the latent-norm score.
 * @param options See {@link RocChartOptions}.
 * @returns A Vega-Lite spec.
 * @throws Error when no curve is given.
 * @example
 * ```ts
 * import { rocChart } from "./figures.ts";
 * import { rocCurve } from "./roc.ts";
 * const spec = rocChart([{ name: "NLL", roc: rocCurve([3, 1, 2, 0], [1, 0, 1, 0]) }]);
 * ```
 */
export function rocChart(curves: NamedRoc[], options: RocChartOptions = {}): VegaLiteSpec {
  if (curves.length === 0) throw new Error("rocChart needs at least one curve");
  const size = options.size ?? 420;
  const first = curves[0].roc;
  const subtitle = options.subtitle ??
    `${first.numPositive} anomalies, ${first.numNegative} normal examples`;
  const spec = linePlot({
    title: options.title ?? "ROC: anomalies vs normal examples",
    subtitle,
    xLabel: "false-positive rate",
    yLabel: "true-positive rate",
    points: false,
    width: size,
    height: size,
    series: [
      ...curves.map((c) => ({
        name: `${c.name} (AUROC ${c.roc.auroc.toFixed(3)})`,
        x: c.roc.fpr,
        y: c.roc.tpr,
        ...(c.color ? { color: c.color } : {}),
      })),
      { name: "chance", x: [0, 1], y: [0, 1], color: "#999999" },
    ],
  });
  // Room for "name (AUROC 0.000)" entries (Vega cuts legend labels at 160 px by default).
  const color = (spec.encoding as Record<string, Record<string, unknown>>).color;
  color.legend = { ...(color.legend as object), labelLimit: 400 };
  return spec;
}

/** Options of {@link normHistogramChart}. */
export interface NormHistogramOptions {
  /** Plot title. Default "Norms of latent vectors". */
  title?: string;
  /** Smaller second title line; default gives the sample and χ(D) means. */
  subtitle?: string;
  /** Legend entry of the bars. Default "‖z‖ of the points". */
  name?: string;
  /** Number of bins. Default: the histogram's rule (√n in [10, 80]). */
  bins?: number;
  /** Plot width in pixels. Default 480. */
  width?: number;
  /** Plot height in pixels. Default 420. */
  height?: number;
}

/**
 * Histogram (as a density) of latent-vector norms with the χ(D) density they
 * should follow if the latents were N(0, I_D). The x range covers both the
 * data and the central part of χ(D) (mean ± 5 sd), so a shifted histogram
 * shows next to the curve rather than instead of it.
 *
 * @param norms ‖z‖ per example (see `rowNorms`).
 * @param dims Latent dimension D.
 * @param options See {@link NormHistogramOptions}.
 * @returns A Vega-Lite spec (bars and the curve, layered, one legend).
 * @throws Error when `dims` is not positive.
 * @example
 * ```ts
 * import { normHistogramChart } from "./figures.ts";
 * const spec = normHistogramChart([27.5, 28.3, 27.9, 28.8], 784);
 * ```
 */
export function normHistogramChart(
  norms: ArrayLike<number>,
  dims: number,
  options: NormHistogramOptions = {},
): VegaLiteSpec {
  const mean = chiMean(dims), sd = Math.sqrt(chiVariance(dims));
  let lo = Math.max(0, mean - 5 * sd), hi = mean + 5 * sd;
  let sum = 0, count = 0;
  for (let i = 0; i < norms.length; i++) {
    const r = norms[i];
    if (!Number.isFinite(r)) continue;
    lo = Math.min(lo, r);
    hi = Math.max(hi, r);
    sum += r;
    count++;
  }
  const steps = 240;
  const x = Array.from({ length: steps + 1 }, (_, i) => lo + ((hi - lo) * i) / steps);
  const subtitle = options.subtitle ??
    `mean ‖z‖ = ${(sum / Math.max(count, 1)).toFixed(3)}; χ(${dims}) mean = ${mean.toFixed(3)}`;
  return histogram({
    values: norms,
    density: true,
    range: [lo, hi],
    ...(options.bins !== undefined ? { bins: options.bins } : {}),
    name: options.name ?? "‖z‖ of the points",
    title: options.title ?? "Norms of latent vectors",
    subtitle,
    xLabel: "‖z‖",
    curve: { name: `χ(${dims}) density`, x, y: x.map((r) => chiPdf(r, dims)) },
    ...(options.width !== undefined ? { width: options.width } : {}),
    ...(options.height !== undefined ? { height: options.height } : {}),
  });
}

/** One set of latent points of {@link pcaScatterChart}. */
export interface PcaScatterSet {
  /** Legend entry, e.g. "training", "simulated", "validation". */
  name: string;
  /** `[n, d]` row-major latent points. */
  points: ArrayLike<number>;
  /** CSS colour; default from the palette. */
  color?: string;
  /** Marker opacity. Default 0.6. */
  opacity?: number;
  /** Rows of this set to ring and number (e.g. the top outliers). */
  highlight?: number[];
  /** Labels of the highlighted rows; default "1", "2", … in the given order. */
  labels?: string[];
  /** Legend entry of the highlighted rows. Default "<name>: marked". */
  highlightName?: string;
  /** Colour of the rings. Default red. */
  highlightColor?: string;
}

/** Options of {@link pcaScatterChart}. */
export interface PcaScatterOptions {
  /** Plot title. Default "Latent points on the first two principal components". */
  title?: string;
  /** Smaller second title line. */
  subtitle?: string;
  /** Plot side in pixels. Default 420. */
  size?: number;
}

/**
 * Scatter of latent point sets on the first two principal components of a
 * fitted PCA, with numbered rings on chosen rows (the same numbers as the
 * labels under the images of those rows).
 *
 * @param fit PCA with at least 2 components (fitted on the training latents).
 * @param sets The point sets, drawn in order (later on top).
 * @param options See {@link PcaScatterOptions}.
 * @returns A Vega-Lite spec.
 * @throws Error when the PCA has fewer than 2 components or a highlighted row does not exist.
 * @example
 * ```ts
 * import { pca } from "./pca.ts";
 * import { pcaScatterChart } from "./figures.ts";
 * const train = new Float32Array([0, 0, 0, 1, 1, 0, 2, 2, 1, 3, 1, 1]);
 * const fit = pca(train, 4, 3, { nComponents: 2 });
 * const spec = pcaScatterChart(fit, [{ name: "training", points: train, highlight: [3] }]);
 * ```
 */
export function pcaScatterChart(
  fit: PcaResult,
  sets: PcaScatterSet[],
  options: PcaScatterOptions = {},
): VegaLiteSpec {
  if (fit.nComponents < 2) {
    throw new Error(`pcaScatterChart needs a PCA with ≥ 2 components, got ${fit.nComponents}`);
  }
  const k = fit.nComponents;
  const layers: ScatterLayer[] = [];
  const highlights: ScatterHighlight[] = [];
  for (const set of sets) {
    const coeffs = pcaProject(fit, set.points);
    const n = coeffs.length / k;
    const xy = (i: number) => [coeffs[i * k], coeffs[i * k + 1]];
    layers.push({
      name: set.name,
      points: Array.from({ length: n }, (_, i) => xy(i)),
      ...(set.color ? { color: set.color } : {}),
      opacity: set.opacity ?? 0.6,
    });
    if (set.highlight?.length) {
      for (const i of set.highlight) {
        if (!(Number.isInteger(i) && i >= 0 && i < n)) {
          throw new Error(`pcaScatterChart: set "${set.name}" has no row ${i} (it has ${n})`);
        }
      }
      highlights.push({
        points: set.highlight.map(xy),
        ...(set.labels ? { labels: set.labels } : {}),
        name: set.highlightName ?? `${set.name}: marked`,
        ...(set.highlightColor ? { color: set.highlightColor } : {}),
      });
    }
  }
  const pct = (c: number) => (100 * fit.explainedVarianceRatio[c]).toFixed(1);
  const size = options.size ?? 420;
  return scatterPlot({
    title: options.title ?? "Latent points on the first two principal components",
    ...(options.subtitle ? { subtitle: options.subtitle } : {}),
    xLabel: `PC 1 (${pct(0)} % of variance)`,
    yLabel: `PC 2 (${pct(1)} % of variance)`,
    layers,
    highlight: highlights,
    width: size,
    height: size,
  });
}
