/**
 * The figures of the INN applications, as Vega-Lite specs built from plain
 * arrays (the apps save them as PNG, the notebooks show the same specs
 * inline): corner plots of learned posteriors against the reference, the
 * forward-model fit of posterior samples, training histories, and a summary
 * of the posterior metrics.
 *
 * @module
 */
import {
  barChart,
  concatPlots,
  cornerPlot,
  linePlot,
  type VegaLiteSpec,
} from "../../lib/plot/mod.ts";
import { PALETTE, VEGA_LITE_SCHEMA } from "../../lib/plot/style.ts";
import type { Matrix } from "../../lib/linalg/matrix.ts";
import type { InverseProblem } from "../../lib/problems/problem.ts";
import type { TrainingEpoch } from "./inn_app.ts";
import { symmetricEigen } from "../../lib/linalg/symmetric_eigen.ts";

/** Colour of the reference posterior in every figure. */
export const REFERENCE_COLOR = "#8c8c8c";

/** Colours of the models, by kind. */
export const MODEL_COLORS: Readonly<Record<string, string>> = {
  mmd: PALETTE[0],
  ml: PALETTE[1],
  cinn: PALETTE[3],
};

/** Samples of one posterior (reference or model) for one observation. */
export interface LabelledSamples {
  /** Legend entry, e.g. "reference" or "cINN". */
  label: string;
  /** Row-major `[n × dimX]`. */
  samples: ArrayLike<number>;
  /** CSS colour. */
  color?: string;
}

/**
 * Corner plot of the learned posteriors of one observation against the reference.
 * @param problem The problem (parameter names, dimension).
 * @param sets Reference first, then the models.
 * @param options Title and the true parameters that produced the observation.
 * @returns The spec.
 */
export function posteriorCornerFigure(
  problem: InverseProblem,
  sets: LabelledSamples[],
  options: { title: string; truth?: ArrayLike<number> },
): VegaLiteSpec {
  return cornerPlot({
    sets: sets.map((s, i) => ({
      name: s.label,
      points: s.samples,
      color: s.color ?? PALETTE[i % PALETTE.length],
      opacity: i === 0 ? 0.3 : 0.4,
    })),
    dims: problem.dimX,
    labels: problem.paramNames,
    title: options.title,
    ...(options.truth ? { truth: options.truth, truthName: "true x" } : {}),
    cellSize: problem.dimX > 3 ? 150 : 180,
  });
}

/**
 * Corner plot in the principal axes of the reference posterior, each in units of its own
 * standard deviation: `u_k = v_kᵀ(x − m) / √λ_k` for the eigenpairs `(λ_k, v_k)` of the
 * reference covariance, widest axis first. The reference is then round, N(0, I), and errors
 * across a thin ridge — invisible in the parameters' own coordinates — show as plainly as
 * errors along it.
 * @param problem The problem (dimension).
 * @param sets Reference first, then the models.
 * @param reference Mean and covariance of the reference posterior.
 * @param options Title and the true parameters.
 * @returns The spec.
 */
export function principalAxesFigure(
  problem: InverseProblem,
  sets: LabelledSamples[],
  reference: { mean: ArrayLike<number>; cov: Matrix },
  options: { title: string; truth?: ArrayLike<number> },
): VegaLiteSpec {
  const d = problem.dimX;
  const { values, vectors } = symmetricEigen(reference.cov);
  const scale = Array.from(values, (l) => Math.sqrt(Math.max(l, 1e-300)));
  const project = (x: ArrayLike<number>) => {
    const n = x.length / d;
    const out = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < d; k++) {
        let u = 0;
        for (let j = 0; j < d; j++) {
          u += vectors.data[j * d + k] * (x[i * d + j] - reference.mean[j]);
        }
        out[i * d + k] = u / scale[k];
      }
    }
    return out;
  };
  return cornerPlot({
    sets: sets.map((s, i) => ({
      name: s.label,
      points: project(s.samples),
      color: s.color ?? PALETTE[i % PALETTE.length],
      opacity: i === 0 ? 0.3 : 0.4,
    })),
    dims: d,
    labels: scale.map((s, k) => `u${k + 1} (σ = ${s.toPrecision(2)})`),
    title: options.title,
    ...(options.truth ? { truth: project(options.truth), truthName: "true x" } : {}),
    ranges: scale.map(() => [-4, 4] as const),
    cellSize: d > 3 ? 150 : 180,
  });
}

function quantiles(values: number[], qs: number[]): number[] {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  return qs.map((q) => {
    const pos = q * (s.length - 1);
    const lo = Math.floor(pos), hi = Math.ceil(pos);
    return s[lo] + (s[hi] - s[lo]) * (pos - lo);
  });
}

/** One observation of {@link forwardFitFigure}: y* and the posterior samples of each source. */
export interface ForwardFitPanel {
  /** Title of the row, e.g. "y* #1". */
  name: string;
  /** The observation. */
  observed: ArrayLike<number>;
  /** Reference first, then the models. */
  sets: LabelledSamples[];
}

/**
 * The forward-model fit: for each observation (row) and posterior (column),
 * the 5–95 % band and median of `f(x)` over the posterior samples, with the
 * observed `y*` and its ±σ noise bars.
 * @param problem The problem (forward model, observation grid, noise).
 * @param panels Observations with their posterior samples.
 * @returns The spec.
 */
export function forwardFitFigure(problem: InverseProblem, panels: ForwardFitPanel[]): VegaLiteSpec {
  const grid = problem.observationGrid?.values ?? Array.from({ length: problem.dimY }, (_, i) => i);
  const gridLabel = problem.observationGrid?.label ?? "observation index";
  const sigma = problem.noise ?? 0;
  const gridLo = Math.min(...grid), gridHi = Math.max(...grid);
  const xPad = 0.04 * (gridHi - gridLo || 1);
  const xRange = [gridLo - xPad, gridHi + xPad];
  const cells: VegaLiteSpec[] = [];
  panels.forEach((panel, row) => {
    // One y range per row, from the first set (the reference) and y* ± σ: bands of the
    // models are drawn on the same axes, clipped where they stray far.
    let yRange: [number, number] | null = null;
    panel.sets.forEach((set, col) => {
      const d = problem.dimX;
      const n = set.samples.length / d;
      const preds: number[][] = Array.from({ length: problem.dimY }, () => []);
      const x = new Float64Array(d);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < d; j++) x[j] = set.samples[i * d + j];
        const f = problem.forward(x);
        f.forEach((v, k) => preds[k].push(v));
      }
      const band = preds.map((p, k) => {
        const [lo, med, hi] = quantiles(p, [0.05, 0.5, 0.95]);
        return { t: grid[k], lo, med, hi };
      });
      const obs = Array.from(panel.observed, (v, k) => ({
        t: grid[k],
        y: v,
        lo: v - sigma,
        hi: v + sigma,
      }));
      if (yRange === null) {
        const values = [...band.flatMap((b) => [b.lo, b.hi]), ...obs.flatMap((o) => [o.lo, o.hi])];
        const lo = Math.min(...values), hi = Math.max(...values);
        const pad = 0.1 * (hi - lo || 1);
        yRange = [lo - pad, hi + pad];
      }
      const yScale = { domain: yRange, nice: false, zero: false };
      const color = set.color ?? PALETTE[col % PALETTE.length];
      const xEnc = {
        field: "t",
        type: "quantitative",
        title: row === panels.length - 1 ? gridLabel : null,
        scale: { domain: xRange, nice: false, zero: false },
      };
      cells.push({
        width: 190,
        height: 140,
        title: { text: `${panel.name}: ${set.label}`, fontSize: 12 },
        layer: [
          {
            data: { values: band },
            mark: { type: "area", color, fillOpacity: 0.3, clip: true },
            encoding: {
              x: xEnc,
              y: {
                field: "lo",
                type: "quantitative",
                title: col === 0 ? "y" : null,
                scale: yScale,
              },
              y2: { field: "hi" },
            },
          },
          {
            data: { values: band },
            mark: { type: "line", color, strokeWidth: 1.8, clip: true },
            encoding: {
              x: { field: "t", type: "quantitative" },
              y: { field: "med", type: "quantitative" },
            },
          },
          ...(sigma > 0
            ? [{
              data: { values: obs },
              mark: { type: "rule", color: "#111", strokeWidth: 1.2, clip: true },
              encoding: {
                x: { field: "t", type: "quantitative" },
                y: { field: "lo", type: "quantitative" },
                y2: { field: "hi" },
              },
            }]
            : []),
          {
            data: { values: obs },
            mark: {
              type: "point",
              shape: "diamond",
              filled: true,
              color: "#111",
              size: 30,
              opacity: 1,
              clip: true,
            },
            encoding: {
              x: { field: "t", type: "quantitative" },
              y: { field: "y", type: "quantitative" },
            },
          },
        ],
      });
    });
  });
  const columns = panels[0]?.sets.length ?? 1;
  return concatPlots(cells, {
    columns,
    title: `Forward-model fit: f(x) of posterior samples (median, 5–95 %) vs observed y*${
      sigma > 0 ? " ± σ" : ""
    }`,
    spacing: 14,
  });
}

/**
 * Training history of each model (loss per epoch; validation NLL for the cINN).
 * @param models Label and history of each model.
 * @returns The spec (one panel per model: the losses are not on a common scale).
 */
export function trainingHistoryFigure(
  models: { label: string; kind: string; history: TrainingEpoch[] }[],
): VegaLiteSpec {
  const panels = models.filter((m) => m.history.length > 0).map((m) => {
    const epochs = m.history.map((h) => h.epoch);
    const series = [{
      name: "training loss",
      x: epochs,
      y: m.history.map((h) => h.loss),
      color: MODEL_COLORS[m.kind],
    }];
    const val = m.history.filter((h) => h.validationLoss !== undefined);
    if (val.length) {
      series.push({
        name: "validation NLL",
        x: val.map((h) => h.epoch),
        y: val.map((h) => h.validationLoss!),
        color: REFERENCE_COLOR,
      });
    }
    // The first epoch's loss is often far above the rest: the axis covers epochs 2 on.
    const later = series.flatMap((s) => s.y.filter((_, i) => s.x[i] >= 2));
    const clipFirst = m.history.length >= 3 && later.length > 0;
    const spec = linePlot({
      title: m.label,
      ...(clipFirst
        ? { subtitle: `epoch 1: ${m.history[0].loss.toPrecision(4)} (off the axis)` }
        : {}),
      xLabel: "epoch",
      yLabel: m.kind === "mmd" ? "weighted MMD loss" : "NLL (nats per pair)",
      series,
      width: 300,
      height: 220,
    });
    if (clipFirst) {
      const lo = Math.min(...later), hi = Math.max(...later);
      const pad = 0.08 * (hi - lo || 1);
      const enc = spec.encoding as Record<string, Record<string, unknown>>;
      enc.y.scale = { domain: [lo - pad, hi + pad], nice: false, zero: false };
      spec.mark = { ...(spec.mark as Record<string, unknown>), clip: true };
    }
    return spec;
  });
  if (panels.length === 0) {
    return {
      $schema: VEGA_LITE_SCHEMA,
      title: "no training history",
      mark: "point",
      data: { values: [] },
    };
  }
  return {
    ...concatPlots(panels, { columns: panels.length, title: "Training history" }),
    resolve: { scale: { color: "independent" }, legend: { color: "independent" } },
  };
}

/** One model's averaged metrics for {@link metricsSummaryFigure}. */
export interface ModelSummary {
  /** Display name. */
  label: string;
  /** Mean error of the posterior mean in posterior σ. */
  meanErrorSigma: number;
  /** Mean |σ̂/σ − 1|. */
  sigmaRatioAbsDev: number;
  /** C2ST accuracy (null when skipped). */
  c2st: number | null;
}

/**
 * Bar chart of the main posterior metrics of each model, averaged over the observations.
 * @param models Averaged metrics per model.
 * @returns The spec.
 */
export function metricsSummaryFigure(models: ModelSummary[]): VegaLiteSpec {
  const bars = models.flatMap((m) => [
    { group: "mean error / σ", name: m.label, value: m.meanErrorSigma },
    { group: "|σ ratio − 1|", name: m.label, value: m.sigmaRatioAbsDev },
    ...(m.c2st !== null
      ? [{ group: "C2ST accuracy − 0.5", name: m.label, value: m.c2st - 0.5 }]
      : []),
  ]);
  return barChart({
    bars,
    title: "Posterior quality, averaged over the test observations",
    subtitle: "targets: mean error ≤ 0.1, |σ ratio − 1| ≤ 0.1, C2ST − 0.5 ≤ 0.1",
    yLabel: "value (lower is better)",
    width: 420,
    height: 300,
  });
}
