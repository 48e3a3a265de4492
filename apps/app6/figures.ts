/**
 * The figures of application 6, as Vega-Lite specs built from plain arrays
 * (the app saves them as PNG, the notebook shows the same specs inline): the
 * profile with posterior mean and 50 %/90 % credible bands of each model
 * beside the exact posterior, sample profiles, the posterior standard
 * deviation against the noise level σ and against the number of repeated
 * measurements, and calibration (coverage) curves.
 *
 * @module
 */
import { concatPlots, type VegaLiteSpec } from "../../lib/plot/mod.ts";
import { PALETTE } from "../../lib/plot/style.ts";
import type { LabelledSamples } from "../inverse/inn_figures.ts";

/** One row of {@link profileBandsFigure}: an observation, its true profile and the posteriors. */
export interface ProfilePanel {
  /** Row title, e.g. "y* 1". */
  name: string;
  /** The true profile. */
  truth: ArrayLike<number>;
  /** Exact (reference) posterior first, then the models. */
  sets: LabelledSamples[];
}

function quantile(sorted: number[], q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Per-cell mean and central 50 % and 90 % intervals of profile samples.
 * @param samples Row-major `[n × cells]`.
 * @param cells Cells per profile.
 * @returns One row per cell: mean, 5/25/75/95 % quantiles.
 * @example
 * ```ts
 * import { profileBands } from "./figures.ts";
 * profileBands([0, 10, 2, 20], 2)[1].mean; // 15
 * ```
 */
export function profileBands(
  samples: ArrayLike<number>,
  cells: number,
): { mean: number; q05: number; q25: number; q75: number; q95: number }[] {
  const n = samples.length / cells;
  return Array.from({ length: cells }, (_, j) => {
    const v = Array.from({ length: n }, (_, i) => samples[i * cells + j]).sort((a, b) => a - b);
    return {
      mean: v.reduce((a, b) => a + b, 0) / n,
      q05: quantile(v, 0.05),
      q25: quantile(v, 0.25),
      q75: quantile(v, 0.75),
      q95: quantile(v, 0.95),
    };
  });
}

/**
 * The profile figure: one row per observation, one column per posterior (exact first).
 * Each cell shows the 90 % band (light), the 50 % band (dark), the posterior mean, the
 * true profile (black dots) and, in the models' cells, the exact mean (grey dashes).
 * @param depths Cell centres.
 * @param panels Observations with their samples.
 * @returns The spec.
 */
export function profileBandsFigure(
  depths: readonly number[],
  panels: ProfilePanel[],
): VegaLiteSpec {
  const cells: VegaLiteSpec[] = [];
  const d = depths.length;
  panels.forEach((panel, row) => {
    // One y range per row, from the exact posterior's 90 % band and the truth: a model's
    // band is drawn on the same axes, clipped where it strays far.
    const exact = profileBands(panel.sets[0].samples, d);
    const all = exact.flatMap((b) => [b.q05, b.q95]);
    const lo = Math.min(...all, ...Array.from(panel.truth));
    const hi = Math.max(...all, ...Array.from(panel.truth));
    const pad = 0.15 * (hi - lo || 1);
    const yScale = { domain: [lo - pad, hi + pad], nice: false, zero: false };
    panel.sets.forEach((set, col) => {
      const color = set.color ?? PALETTE[col % PALETTE.length];
      const bands = profileBands(set.samples, d).map((b, j) => ({ z: depths[j], ...b }));
      const truth = Array.from(panel.truth, (v, j) => ({ z: depths[j], x: v }));
      const x = {
        field: "z",
        type: "quantitative",
        title: row === panels.length - 1 ? "depth (profile length 1)" : null,
        scale: { domain: [0, 1], nice: false },
      };
      cells.push({
        width: 190,
        height: 150,
        title: { text: `${panel.name}: ${set.label}`, fontSize: 12 },
        layer: [
          {
            data: { values: bands },
            mark: { type: "area", color, fillOpacity: 0.22, clip: true },
            encoding: {
              x,
              y: {
                field: "q05",
                type: "quantitative",
                title: col === 0 ? "x" : null,
                scale: yScale,
              },
              y2: { field: "q95" },
            },
          },
          {
            data: { values: bands },
            mark: { type: "area", color, fillOpacity: 0.45, clip: true },
            encoding: {
              x: { field: "z", type: "quantitative" },
              y: { field: "q25", type: "quantitative" },
              y2: { field: "q75" },
            },
          },
          ...(col > 0
            ? [{
              data: { values: exact.map((b, j) => ({ z: depths[j], mean: b.mean })) },
              mark: { type: "line", color: "#555", strokeDash: [4, 3], strokeWidth: 1.2 },
              encoding: {
                x: { field: "z", type: "quantitative" },
                y: { field: "mean", type: "quantitative" },
              },
            }]
            : []),
          {
            data: { values: bands },
            mark: { type: "line", color, strokeWidth: 1.8, clip: true },
            encoding: {
              x: { field: "z", type: "quantitative" },
              y: { field: "mean", type: "quantitative" },
            },
          },
          {
            data: { values: truth },
            mark: { type: "point", filled: true, color: "#111", size: 14, opacity: 1 },
            encoding: {
              x: { field: "z", type: "quantitative" },
              y: { field: "x", type: "quantitative" },
            },
          },
        ],
      });
    });
  });
  return concatPlots(cells, {
    columns: panels[0]?.sets.length ?? 1,
    title: "Profile posteriors: mean (line), 50 % and 90 % credible bands, true profile " +
      "(dots), exact mean (dashes)",
    spacing: 12,
  });
}

/**
 * A few sample profiles of each posterior for one observation, with the true profile.
 * @param depths Cell centres.
 * @param truth The true profile.
 * @param sets Exact posterior first, then the models.
 * @param count Profiles drawn per posterior. Default 15.
 * @returns The spec.
 */
export function profileSamplesFigure(
  depths: readonly number[],
  truth: ArrayLike<number>,
  sets: LabelledSamples[],
  count = 15,
): VegaLiteSpec {
  const d = depths.length;
  const panels = sets.map((set, col) => {
    const n = Math.min(count, set.samples.length / d);
    const rows = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) rows.push({ z: depths[j], x: set.samples[i * d + j], sample: i });
    }
    const color = set.color ?? PALETTE[col % PALETTE.length];
    return {
      width: 200,
      height: 160,
      title: { text: set.label, fontSize: 12 },
      layer: [
        {
          data: { values: rows },
          mark: { type: "line", color, strokeWidth: 0.8, opacity: 0.6 },
          encoding: {
            x: { field: "z", type: "quantitative", title: "depth" },
            y: { field: "x", type: "quantitative", title: col === 0 ? "x" : null },
            detail: { field: "sample", type: "nominal" },
          },
        },
        {
          data: { values: Array.from(truth, (v, j) => ({ z: depths[j], x: v })) },
          mark: { type: "line", color: "#111", strokeWidth: 2 },
          encoding: {
            x: { field: "z", type: "quantitative" },
            y: { field: "x", type: "quantitative" },
          },
        },
      ],
    } as VegaLiteSpec;
  });
  return concatPlots(panels, {
    columns: panels.length,
    title: `Posterior samples of test observation 1 (${count} profiles each; black: true profile)`,
  });
}

/** One curve of {@link noiseWidthFigure}: mean posterior std at each σ (or number of repeats). */
export interface WidthSeries {
  /** Legend entry. */
  name: string;
  /** x values: σ, or the number of repeats. */
  x: number[];
  /** Mean marginal posterior std at each x. */
  y: number[];
  /** CSS colour. */
  color: string;
  /** Draw as a line (true) or as points only. */
  line?: boolean;
}

function widthPanel(series: WidthSeries[], title: string, xTitle: string): VegaLiteSpec {
  const rows = series.flatMap((s) => s.x.map((x, i) => ({ series: s.name, x, y: s.y[i] })));
  const domain = series.map((s) => s.name), range = series.map((s) => s.color);
  const color = {
    field: "series",
    type: "nominal",
    scale: { domain, range },
    title: null,
    legend: { labelLimit: 320, orient: "bottom", direction: "vertical" },
  };
  // Axes from the curves (drawn as lines): a stray point of a poor model is clipped.
  const xs = rows.map((r) => r.x), ys = series.filter((s) => s.line).flatMap((s) => s.y);
  const enc = {
    x: {
      field: "x",
      type: "quantitative",
      title: xTitle,
      scale: { type: "log", domain: [Math.min(...xs) / 1.2, Math.max(...xs) * 1.2], nice: false },
    },
    y: {
      field: "y",
      type: "quantitative",
      title: "mean posterior std",
      scale: { domain: [0, 1.25 * Math.max(...ys.filter(Number.isFinite))], nice: false },
    },
    color,
  };
  return {
    width: 320,
    height: 240,
    title: { text: title, fontSize: 12 },
    layer: [
      {
        data: { values: rows.filter((r) => series.find((s) => s.name === r.series)?.line) },
        mark: { type: "line", strokeWidth: 1.8, clip: true },
        encoding: enc,
      },
      {
        data: { values: rows },
        mark: { type: "point", filled: true, size: 55, opacity: 0.9, clip: true },
        encoding: { ...enc, shape: { field: "series", type: "nominal", title: null } },
      },
    ],
  } as VegaLiteSpec;
}

/**
 * Posterior width against the noise level and against the number of repeated measurements:
 * the mean over parameters of the marginal posterior std, exact (or reference) beside the
 * models.
 * @param sweep Series against σ.
 * @param repeats Series against the number of repeats (empty: no second panel).
 * @returns The spec.
 */
export function noiseWidthFigure(sweep: WidthSeries[], repeats: WidthSeries[]): VegaLiteSpec {
  const panels = [widthPanel(sweep, "Posterior width against the noise σ", "noise σ (log)")];
  if (repeats.length) {
    panels.push(
      widthPanel(repeats, "… and against repeated measurements", "repeats k (log)"),
    );
  }
  return {
    ...concatPlots(panels, { columns: panels.length, title: "Posteriors widen as σ grows" }),
    resolve: { scale: { color: "independent", shape: "independent" } },
  };
}

/** One curve of {@link calibrationFigure}. */
export interface CoverageCurve {
  /** Legend entry. */
  name: string;
  /** Nominal level and observed coverage of central intervals. */
  points: { level: number; coverage: number }[];
  /** CSS colour. */
  color: string;
}

/**
 * Calibration curves: coverage of central credible intervals against their nominal level
 * (simulation-based calibration over prior-predictive replications), with the diagonal of
 * perfect calibration.
 * @param curves One curve per model (and noise level).
 * @returns The spec.
 */
export function calibrationFigure(curves: CoverageCurve[]): VegaLiteSpec {
  const rows = curves.flatMap((c) =>
    c.points.map((p) => ({ series: c.name, level: p.level, coverage: p.coverage }))
  );
  const domain = curves.map((c) => c.name), range = curves.map((c) => c.color);
  return {
    width: 380,
    height: 340,
    title: {
      text: "Calibration: coverage of central credible intervals (SBC)",
      subtitle: "on the diagonal: calibrated; below: too narrow; above: too wide",
    },
    layer: [
      {
        data: { values: [{ a: 0, b: 0 }, { a: 1, b: 1 }] },
        mark: { type: "line", color: "#999", strokeDash: [4, 4] },
        encoding: {
          x: { field: "a", type: "quantitative" },
          y: { field: "b", type: "quantitative" },
        },
      },
      {
        data: { values: rows },
        mark: { type: "line", point: true, strokeWidth: 1.5 },
        encoding: {
          x: {
            field: "level",
            type: "quantitative",
            title: "nominal level",
            scale: { domain: [0, 1] },
          },
          y: {
            field: "coverage",
            type: "quantitative",
            title: "observed coverage",
            scale: { domain: [0, 1] },
          },
          color: {
            field: "series",
            type: "nominal",
            scale: { domain, range },
            title: null,
            legend: { labelLimit: 320 },
          },
        },
      },
    ],
  } as VegaLiteSpec;
}
