/**
 * The figures of application 7 (Bayesian travel-time tomography), as
 * Vega-Lite specs built from plain arrays; the app saves them with
 * lib/plot's `savePlot`, a notebook shows the same specs inline:
 *
 * - {@link velocityMapFigure}: a velocity model (the true one, or a posterior
 *   mean) with ray paths and the stations on top;
 * - {@link posteriorMapsFigure}: posterior mean and standard deviation maps of
 *   every method, one column each, one colour scale per row;
 * - {@link marginalsFigure}: marginal densities at a few nodes
 *   ({@link chooseMarginalNodes}), all methods overlaid, the true value as a rule;
 * - {@link dataFitFigure}: predicted against observed travel times and the
 *   residuals in units of σ;
 * - {@link historyFigure}: ELBO and loss histories.
 *
 * Distances are in km, velocities in km/s, times in s.
 *
 * @module
 */
import {
  concatPlots,
  type FieldGrid,
  fieldMap,
  linePlot,
  type VegaLiteSpec,
} from "../../lib/plot/mod.ts";
import { PALETTE } from "../../lib/plot/style.ts";
import type { RayPath } from "../../lib/problems/ray_paths.ts";

/** Colour scheme of velocity maps: red slow, blue fast (the seismologist's convention). */
const VELOCITY_SCHEME = "redblue";
/** Colour scheme of standard-deviation maps. */
const STD_SCHEME = "viridis";

/** Options of {@link velocityMapFigure}. */
export interface VelocityMapOptions {
  /** Plot title. */
  title: string;
  /** Station positions, drawn as triangles. */
  stations?: readonly (readonly [number, number])[];
  /** Ray paths drawn over the map. */
  rays?: readonly RayPath[];
  /** Colour domain `[low, high]`, km/s (e.g. the prior's bounds). */
  domain: readonly [number, number];
  /** Smaller second title line. Default: the number of rays, if any. */
  subtitle?: string;
}

/**
 * One velocity model as a map, with ray paths and stations on top: the true model, or a
 * posterior mean with the rays traced through it.
 * @param grid The grid of velocity nodes.
 * @param velocity Velocity at every node, index `j·nx + i`, km/s.
 * @param options Title, stations, rays, colour domain.
 * @returns The spec.
 * @example
 * ```ts
 * import { velocityMapFigure } from "./figures.ts";
 * const grid = { nx: 5, ny: 5, spacing: 1, x0: -2, y0: -2 };
 * const v = Array.from({ length: 25 }, (_, k) => (k === 12 ? 1 : 2));
 * const spec = velocityMapFigure(grid, v, {
 *   title: "True model",
 *   domain: [0.5, 3],
 *   stations: [[-1.5, 0], [1.5, 0]],
 * });
 * ```
 */
export function velocityMapFigure(
  grid: FieldGrid,
  velocity: ArrayLike<number>,
  options: VelocityMapOptions,
): VegaLiteSpec {
  const rays = options.rays ?? [];
  const failed = rays.filter((r) => !r.traced).length;
  const note = rays.length
    ? `${rays.length} ray paths${failed ? ` (${failed} not traced, drawn straight)` : ""}` +
      (options.stations?.length ? `, ${options.stations.length} stations` : "")
    : undefined;
  return fieldMap({
    grid,
    values: velocity,
    title: options.title,
    subtitle: options.subtitle ?? note,
    xLabel: "x (km)",
    yLabel: "y (km)",
    valueLabel: "velocity (km/s)",
    scheme: VELOCITY_SCHEME,
    domain: options.domain,
    lines: rays.length ? { paths: rays.map((r) => r.points) } : undefined,
    markers: options.stations ? { points: options.stations } : undefined,
    height: 420,
  });
}

/** One method's posterior summary for {@link posteriorMapsFigure}. */
export interface PosteriorMaps {
  /** Column title, e.g. "MCMC reference". */
  label: string;
  /** Posterior mean at every node, km/s. */
  mean: ArrayLike<number>;
  /** Posterior standard deviation at every node, km/s. */
  std: ArrayLike<number>;
}

/** Options of {@link posteriorMapsFigure}. */
export interface PosteriorMapsOptions {
  /** Colour domain of the mean row. Default: the range of all means. */
  meanDomain?: readonly [number, number];
  /** Colour domain of the std row. Default: 0 to the largest std. */
  stdDomain?: readonly [number, number];
  /** Station positions, drawn on every map. */
  stations?: readonly (readonly [number, number])[];
  /** Overall title. Default: "Posterior mean (top) and standard deviation (bottom)". */
  title?: string;
}

function range(arrays: ArrayLike<number>[]): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const a of arrays) {
    for (let k = 0; k < a.length; k++) {
      if (Number.isFinite(a[k])) lo = Math.min(lo, a[k]), hi = Math.max(hi, a[k]);
    }
  }
  return lo <= hi ? [lo, hi > lo ? hi : lo + 1] : [0, 1];
}

/**
 * Posterior mean and standard-deviation maps of every method in one figure: two rows (mean,
 * std), one column per method, one colour scale per row (colour bar at the row's end),
 * square cells, axes in km.
 * @param grid The grid of velocity nodes.
 * @param methods One entry per method, in column order (the reference first).
 * @param options Colour domains, stations, title.
 * @returns The spec: a `concat` of `2·methods.length` maps, row by row.
 * @example
 * ```ts
 * import { posteriorMapsFigure } from "./figures.ts";
 * const grid = { nx: 3, ny: 3, spacing: 1, x0: -1, y0: -1 };
 * const spec = posteriorMapsFigure(grid, [
 *   { label: "MCMC", mean: new Float64Array(9).fill(2), std: new Float64Array(9).fill(0.1) },
 *   { label: "flow", mean: new Float64Array(9).fill(1.9), std: new Float64Array(9).fill(0.2) },
 * ], { meanDomain: [1, 3], stdDomain: [0, 0.5] });
 * ```
 */
export function posteriorMapsFigure(
  grid: FieldGrid,
  methods: readonly PosteriorMaps[],
  options: PosteriorMapsOptions = {},
): VegaLiteSpec {
  if (methods.length === 0) throw new RangeError("posteriorMapsFigure needs at least one method");
  const meanDomain = options.meanDomain ?? range(methods.map((m) => m.mean));
  const stdDomain = options.stdDomain ?? [0, range(methods.map((m) => m.std))[1]];
  const markers = options.stations ? { points: options.stations, size: 45 } : undefined;
  const rows = [
    {
      key: "mean" as const,
      name: "mean",
      unit: "mean (km/s)",
      domain: meanDomain,
      scheme: VELOCITY_SCHEME,
    },
    { key: "std" as const, name: "std", unit: "std (km/s)", domain: stdDomain, scheme: STD_SCHEME },
  ];
  const panels = rows.flatMap((row, r) =>
    methods.map((m, c) =>
      fieldMap({
        grid,
        values: m[row.key],
        title: `${m.label}: ${row.name}`,
        xLabel: r === rows.length - 1 ? "x (km)" : null,
        yLabel: c === 0 ? "y (km)" : null,
        valueLabel: row.unit,
        scheme: row.scheme,
        domain: row.domain,
        legend: c === methods.length - 1,
        markers,
        height: 210,
      })
    )
  );
  return {
    ...concatPlots(panels, {
      columns: methods.length,
      title: options.title ??
        "Posterior mean (top) and standard deviation (bottom) of the velocity",
      spacing: 14,
    }),
    resolve: { scale: { color: "independent" }, legend: { color: "independent" } },
  };
}

/** A node whose marginal is shown by {@link marginalsFigure}. */
export interface MarginalNode {
  /** Panel title, e.g. "disc centre". */
  label: string;
  /** Index of the node, `j·nx + i`. */
  index: number;
  /** x of the node, km. */
  x: number;
  /** y of the node, km. */
  y: number;
}

/** One method's posterior samples for {@link marginalsFigure}. */
export interface MethodSamples {
  /** Legend entry. */
  label: string;
  /** CSS colour. Default from the palette by position. */
  color?: string;
  /** Row-major `[n × dims]` velocities. */
  samples: ArrayLike<number>;
}

/** Options of {@link marginalsFigure}. */
export interface MarginalsOptions {
  /** Lower end of the velocity axis (e.g. the prior's lower bound), km/s. */
  low: number;
  /** Upper end of the velocity axis, km/s. */
  high: number;
  /** The true model, one velocity per node (indexed by `MarginalNode.index`). */
  trueValues?: ArrayLike<number>;
  /** Parameters per sample row. Default `trueValues.length`. */
  dims?: number;
  /** Points at which each density is evaluated. Default 160. */
  points?: number;
  /** Overall title. */
  title?: string;
}

/**
 * Gaussian kernel density of values confined to `[low, high]` (reflected at both ends, so the
 * density does not leak past a prior bound), on `points` equally spaced values.
 * @param values The sample values.
 * @param low Lower bound.
 * @param high Upper bound.
 * @param points Evaluation points.
 * @returns `x` and density `y`.
 * @example
 * ```ts
 * import { boundedKde } from "./figures.ts";
 * const { x, y } = boundedKde([0.2, 0.4, 0.5, 0.9], 0, 1, 101);
 * console.log(x[50], y.reduce((a, b) => a + b, 0) / 100); // 0.5, ≈ 1
 * ```
 */
export function boundedKde(
  values: ArrayLike<number>,
  low: number,
  high: number,
  points = 160,
): { x: number[]; y: number[] } {
  const v = Array.from(values).filter((a) => Number.isFinite(a));
  const n = v.length,
    x = Array.from({ length: points }, (_, i) => low + (high - low) * i / (points - 1));
  if (n === 0) return { x, y: x.map(() => 0) };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  const sorted = v.slice().sort((a, b) => a - b);
  const iqr = sorted[Math.floor(0.75 * (n - 1))] - sorted[Math.floor(0.25 * (n - 1))];
  const spread = Math.min(sd, iqr / 1.34) || sd || (high - low) / 10;
  // Silverman's rule, at least 1/200 of the axis so a near-constant sample stays visible.
  const bw = Math.max(0.9 * spread * n ** -0.2, (high - low) / 200);
  const norm = 1 / (n * bw * Math.sqrt(2 * Math.PI)), cut = 5 * bw;
  const y = x.map((xi) => {
    let s = 0;
    for (const a of sorted) {
      if (Math.abs(a - xi) < cut) s += Math.exp(-0.5 * ((xi - a) / bw) ** 2);
      const lo = 2 * low - a, hi = 2 * high - a;
      if (Math.abs(lo - xi) < cut) s += Math.exp(-0.5 * ((xi - lo) / bw) ** 2);
      if (Math.abs(hi - xi) < cut) s += Math.exp(-0.5 * ((xi - hi) / bw) ** 2);
    }
    return s * norm;
  });
  return { x, y };
}

/**
 * Marginal posterior densities of the velocity at a few nodes: one panel per node, one line
 * per method (a kernel density reflected at `low` and `high`), the true value as a dashed rule.
 * @param nodes The nodes, e.g. from {@link chooseMarginalNodes}.
 * @param methods Samples of each method (all with the same `dims`).
 * @param options Axis range, true model, `dims`.
 * @returns The spec: a `concat` of one layered panel per node.
 * @throws RangeError when `dims` is unknown or a sample array is not a whole number of rows.
 * @example
 * ```ts
 * import { marginalsFigure } from "./figures.ts";
 * const spec = marginalsFigure(
 *   [{ label: "centre", index: 1, x: 0, y: 0 }],
 *   [{ label: "MCMC", samples: [2, 1.1, 2, 0.9, 2, 1.0] }],
 *   { low: 0.5, high: 3, trueValues: [2, 1] },
 * );
 * ```
 */
export function marginalsFigure(
  nodes: readonly MarginalNode[],
  methods: readonly MethodSamples[],
  options: MarginalsOptions,
): VegaLiteSpec {
  const dims = options.dims ?? options.trueValues?.length;
  if (!(dims && Number.isInteger(dims) && dims > 0)) {
    throw new RangeError("marginalsFigure needs `dims` (or `trueValues`) to read the sample rows");
  }
  for (const m of methods) {
    if (m.samples.length % dims !== 0) {
      throw new RangeError(
        `marginalsFigure: "${m.label}" has ${m.samples.length} values, not a multiple of ${dims}`,
      );
    }
  }
  const { low, high } = options, points = options.points ?? 160;
  const labels = methods.map((m) => m.label);
  const colors = methods.map((m, i) => m.color ?? PALETTE[i % PALETTE.length]);
  const panels = nodes.map((node, p) => {
    const rows = methods.flatMap((m) => {
      const n = m.samples.length / dims;
      const column = Array.from({ length: n }, (_, r) => m.samples[r * dims + node.index]);
      const { x, y } = boundedKde(column, low, high, points);
      return x.map((xi, i) => ({ x: xi, y: y[i], method: m.label, i }));
    });
    const layers: VegaLiteSpec[] = [{
      data: { values: rows },
      mark: { type: "line", strokeWidth: 2, clip: true },
      encoding: {
        x: {
          field: "x",
          type: "quantitative",
          title: "velocity (km/s)",
          scale: { domain: [low, high], nice: false, zero: false },
        },
        y: { field: "y", type: "quantitative", title: p === 0 ? "density" : null },
        color: {
          field: "method",
          type: "nominal",
          scale: { domain: labels, range: colors },
          legend: p === nodes.length - 1 ? { title: null } : null,
        },
        order: { field: "i", type: "quantitative" },
      },
    }];
    const truth = options.trueValues?.[node.index];
    if (truth !== undefined && Number.isFinite(truth)) {
      layers.push({
        data: { values: [{ x: truth }] },
        mark: { type: "rule", color: "black", strokeDash: [5, 3], strokeWidth: 1.5 },
        encoding: { x: { field: "x", type: "quantitative" } },
      });
    }
    return {
      width: 230,
      height: 180,
      title: {
        text: node.label,
        subtitle: `node ${node.index} at (${fmt(node.x)}, ${fmt(node.y)}) km`,
        fontSize: 13,
      },
      layer: layers,
    } as VegaLiteSpec;
  });
  return {
    ...concatPlots(panels, {
      columns: nodes.length,
      title: options.title ??
        (options.trueValues
          ? "Marginal posteriors of the velocity (dashed: true value)"
          : "Marginal posteriors of the velocity"),
    }),
    // One legend (on the last panel); every panel has the same explicit colours.
    resolve: { scale: { color: "independent" }, legend: { color: "independent" } },
  };
}

function fmt(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** Predicted times of one method for {@link dataFitFigure}. */
export interface PredictedTimes {
  /** Legend entry, e.g. "MCMC mean model". */
  label: string;
  /** Predicted travel time of every datum, s. */
  times: ArrayLike<number>;
  /** CSS colour. Default from the palette by position. */
  color?: string;
}

/**
 * Fit to the data: predicted against observed travel times (with the 1:1 line), and the
 * residuals `(predicted − observed)/σ` of every datum, one series per method, with their RMS
 * in the legend and rules at 0 and ±2.
 * @param observed Observed travel time of every datum, s.
 * @param predicted Predicted times of each method.
 * @param sigma Noise standard deviation, s.
 * @returns The spec: a `concat` of the two panels.
 * @throws RangeError when a method's times do not match the observed ones in length.
 * @example
 * ```ts
 * import { dataFitFigure } from "./figures.ts";
 * const spec = dataFitFigure([2.1, 3.0, 4.2], [{ label: "MCMC", times: [2.0, 3.1, 4.1] }], 0.05);
 * ```
 */
export function dataFitFigure(
  observed: ArrayLike<number>,
  predicted: readonly PredictedTimes[],
  sigma: number,
): VegaLiteSpec {
  if (!(sigma > 0)) throw new RangeError(`sigma must be > 0, got ${sigma}`);
  const names: string[] = [], colors: string[] = [];
  const rows: { datum: number; observed: number; predicted: number; r: number; method: string }[] =
    [];
  predicted.forEach((m, k) => {
    if (m.times.length !== observed.length) {
      throw new RangeError(
        `dataFitFigure: "${m.label}" has ${m.times.length} times, expected ${observed.length}`,
      );
    }
    let ss = 0;
    for (let d = 0; d < observed.length; d++) ss += ((m.times[d] - observed[d]) / sigma) ** 2;
    const name = `${m.label} (RMS ${(Math.sqrt(ss / observed.length)).toFixed(2)} σ)`;
    names.push(name), colors.push(m.color ?? PALETTE[k % PALETTE.length]);
    for (let d = 0; d < observed.length; d++) {
      rows.push({
        datum: d,
        observed: observed[d],
        predicted: m.times[d],
        r: (m.times[d] - observed[d]) / sigma,
        method: name,
      });
    }
  });
  const all = [...Array.from(observed), ...rows.map((r) => r.predicted)].filter(Number.isFinite);
  const lo = Math.min(...all), hi = Math.max(...all), pad = 0.04 * (hi - lo || 1);
  const domain = [lo - pad, hi + pad];
  const color = {
    field: "method",
    type: "nominal",
    scale: { domain: names, range: colors },
    legend: { title: null, orient: "bottom", direction: "vertical", labelLimit: 360 },
  };
  const point = { type: "point", filled: true, size: 22, opacity: 0.75 };
  const scatter: VegaLiteSpec = {
    width: 300,
    height: 300,
    title: { text: "Predicted against observed", fontSize: 13 },
    layer: [
      {
        data: { values: [{ a: domain[0] }, { a: domain[1] }] },
        mark: { type: "line", color: "#777", strokeDash: [4, 3], strokeWidth: 1 },
        encoding: {
          x: { field: "a", type: "quantitative" },
          y: { field: "a", type: "quantitative" },
        },
      },
      {
        data: { values: rows },
        mark: point,
        encoding: {
          x: {
            field: "observed",
            type: "quantitative",
            title: "observed travel time (s)",
            scale: { domain, nice: false, zero: false },
          },
          y: {
            field: "predicted",
            type: "quantitative",
            title: "predicted travel time (s)",
            scale: { domain, nice: false, zero: false },
          },
          color: { ...color, legend: null },
        },
      },
    ],
  };
  const residuals: VegaLiteSpec = {
    width: 460,
    height: 300,
    title: { text: "Residuals (predicted − observed) / σ", fontSize: 13 },
    layer: [
      {
        data: { values: [{ r: 0 }, { r: -2 }, { r: 2 }] },
        mark: { type: "rule", color: "#777", strokeDash: [4, 3] },
        encoding: { y: { field: "r", type: "quantitative" } },
      },
      {
        data: { values: rows },
        mark: point,
        encoding: {
          x: {
            field: "datum",
            type: "quantitative",
            title: "datum (station pair)",
            scale: { domain: [-1, observed.length], nice: false },
          },
          y: { field: "r", type: "quantitative", title: "residual / σ" },
          color,
        },
      },
    ],
  };
  return {
    ...concatPlots([scatter, residuals], {
      columns: 2,
      title: `Fit to the ${observed.length} travel times (σ = ${sigma} s)`,
    }),
    // One legend (under the residuals); both panels have the same explicit colours.
    resolve: { scale: { color: "independent" }, legend: { color: "independent" } },
  };
}

/** One curve of {@link historyFigure}. */
export interface HistorySeries {
  /** Legend entry, e.g. "variational flow". */
  label: string;
  /** Step (iteration or epoch) of each value. */
  step: readonly number[];
  /** The values. */
  value: readonly number[];
  /** Quantity, e.g. "ELBO" or "loss": series with the same one share a panel. */
  yTitle: string;
  /** CSS colour. Default from the palette by position. */
  color?: string;
}

/**
 * Training histories: one panel per quantity (`yTitle`), the series of that quantity
 * overlaid. Each panel's y axis is zoomed on the later steps, so the first iterations (an
 * ELBO of −10⁶, say) do not flatten the rest: it reaches no further than five times the
 * spread of the series' last halves beyond that spread; values outside are clipped, and the
 * subtitle says so.
 * @param series The curves.
 * @returns The spec: a `concat` of one line plot per quantity.
 * @example
 * ```ts
 * import { historyFigure } from "./figures.ts";
 * const spec = historyFigure([
 *   { label: "flow", step: [0, 1, 2, 3], value: [-900, -300, -250, -240], yTitle: "ELBO" },
 *   { label: "cINN", step: [0, 1, 2, 3], value: [5, 2, 1.5, 1.4], yTitle: "loss" },
 * ]);
 * ```
 */
export function historyFigure(series: readonly HistorySeries[]): VegaLiteSpec {
  if (series.length === 0) throw new RangeError("historyFigure needs at least one series");
  const quantities = [...new Set(series.map((s) => s.yTitle))];
  const panels = quantities.map((q) => {
    const group = series.filter((s) => s.yTitle === q);
    const [allLo, allHi] = range(group.map((s) => s.value));
    const [tailLo, tailHi] = range(
      group.map((s) => s.value.slice(Math.floor(0.5 * s.value.length))),
    );
    const reach = 5 * (tailHi - tailLo);
    const yLo = Math.max(allLo, tailLo - reach), yHi = Math.min(allHi, tailHi + reach);
    const clipped = allLo < yLo || allHi > yHi;
    const spec = linePlot({
      series: group.map((s) => ({
        name: s.label,
        x: s.step,
        y: s.value,
        color: s.color ?? PALETTE[series.indexOf(s) % PALETTE.length],
      })),
      title: q,
      subtitle: clipped ? "zoomed on later steps (early values clipped)" : undefined,
      xLabel: "step",
      yLabel: q,
      points: false,
      width: 360,
      height: 240,
    });
    const enc = spec.encoding as Record<string, Record<string, unknown>>;
    enc.color.legend = { title: null, orient: "bottom", direction: "vertical", labelLimit: 360 };
    if (clipped && yLo < yHi) {
      const pad = 0.05 * (yHi - yLo);
      enc.y.scale = { domain: [yLo - pad, yHi + pad], nice: false, zero: false };
      spec.mark = { ...(spec.mark as Record<string, unknown>), clip: true };
    }
    return spec;
  });
  return {
    ...concatPlots(panels, { columns: Math.min(panels.length, 3), title: "Training histories" }),
    resolve: { scale: { color: "independent" }, legend: { color: "independent" } },
  };
}

/** Where the true model's disc and the stations are, for {@link chooseMarginalNodes}. */
export interface MarginalNodeLayout {
  /** Centre of the disc, km. */
  discCenter: readonly [number, number];
  /** Radius of the disc, km. */
  discRadius: number;
  /** Radius of the station circle (centred on the grid's centre), km. */
  stationRadius: number;
}

/**
 * Three nodes whose marginals tell the story: the disc's centre (well constrained, slow), a
 * node on its edge (the velocity jumps there: a wide or two-humped marginal), and a node in a
 * corner outside the station circle, where no ray passes (the marginal is the prior's).
 * @param grid The grid of velocity nodes.
 * @param layout Disc and station circle.
 * @returns The three nodes, labelled, in that order.
 * @example
 * ```ts
 * import { chooseMarginalNodes } from "./figures.ts";
 * const grid = { nx: 21, ny: 21, spacing: 0.5, x0: -5, y0: -5 };
 * const nodes = chooseMarginalNodes(grid, { discCenter: [0, 0], discRadius: 2, stationRadius: 4 });
 * console.log(nodes.map((n) => [n.x, n.y])); // [[0, 0], [2, 0], [4.5, 4.5]]
 * ```
 */
export function chooseMarginalNodes(
  grid: FieldGrid,
  layout: MarginalNodeLayout,
): MarginalNode[] {
  const { nx, ny, spacing: h, x0, y0 } = grid;
  const nearest = (x: number, y: number) => {
    const i = Math.min(nx - 1, Math.max(0, Math.round((x - x0) / h)));
    const j = Math.min(ny - 1, Math.max(0, Math.round((y - y0) / h)));
    return { index: j * nx + i, x: x0 + i * h, y: y0 + j * h };
  };
  const [cx, cy] = layout.discCenter;
  const centre = nearest(cx, cy);
  const edge = nearest(cx + layout.discRadius, cy);
  // The upper-right corner, one node in where that is still clear of the station circle.
  const mx = x0 + (nx - 1) * h / 2, my = y0 + (ny - 1) * h / 2;
  let corner = nearest(x0 + (nx - 2) * h, y0 + (ny - 2) * h);
  if (Math.hypot(corner.x - mx, corner.y - my) < layout.stationRadius + h) {
    corner = nearest(x0 + (nx - 1) * h, y0 + (ny - 1) * h);
  }
  return [
    { label: "disc centre", ...centre },
    { label: "disc edge", ...edge },
    { label: "no ray coverage (corner)", ...corner },
  ];
}
