/**
 * Corner plots: every pair of coordinates of one or more samples as a 2-D
 * scatter (lower triangle) and every coordinate as a 1-D density histogram
 * (diagonal), in a grid built with {@link ./concat.ts concatPlots} — the
 * usual way to compare posterior samples (e.g. a learned posterior against
 * a reference) in more than two dimensions.
 *
 * @module
 */
import { binValues } from "./histogram.ts";
import { concatPlots } from "./concat.ts";
import { colorFor } from "./style.ts";
import { PlotError, type VegaLiteSpec } from "./types.ts";

/** One sample drawn in a {@link cornerPlot}. */
export interface CornerSet {
  /** Legend entry. */
  name: string;
  /** Row-major points `[n × dims]`. */
  points: ArrayLike<number>;
  /** CSS colour; default from the palette by set index. */
  color?: string;
  /**
   * Marker fill opacity in the scatter panels, in [0, 1]. Default 0.35. (Drawn as
   * `fill-opacity`: SVG `opacity` on thousands of markers makes PNG rendering slow.)
   */
  opacity?: number;
}

/** Options of {@link cornerPlot}. */
export interface CornerPlotOptions {
  /** The samples, drawn in order (later on top). At least one. */
  sets: CornerSet[];
  /** Coordinates per point (≥ 1). */
  dims: number;
  /** Axis titles, one per coordinate. Default `x1`, `x2`, …. */
  labels?: readonly string[];
  /** Overall title. */
  title?: string;
  /** A point to mark in every panel (e.g. the true parameters): a cross and rules. */
  truth?: ArrayLike<number>;
  /** Legend entry of `truth`. Default "truth". */
  truthName?: string;
  /** Side of each panel in pixels. Default 170. */
  cellSize?: number;
  /** Histogram bins on the diagonal. Default 30. */
  bins?: number;
  /** Most points drawn per set in each scatter panel (even subsample). Default 800. */
  maxPoints?: number;
  /** Axis range of each coordinate; default the central 99 % of all sets, padded by 5 %. */
  ranges?: ReadonlyArray<readonly [number, number]>;
}

function column(points: ArrayLike<number>, dims: number, j: number): number[] {
  const out: number[] = [];
  for (let i = j; i < points.length; i += dims) out.push(Number(points[i]));
  return out;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function defaultRange(values: number[]): [number, number] {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  let lo = quantile(sorted, 0.005), hi = quantile(sorted, 0.995);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (!(hi > lo)) [lo, hi] = [lo - 0.5, lo + 0.5];
  const pad = 0.05 * (hi - lo);
  return [lo - pad, hi + pad];
}

/**
 * Builds a corner plot of one or more samples: scatter plots of every pair
 * of coordinates below the diagonal, density histograms (as step lines, so
 * that several samples stay readable) on the diagonal, one shared legend.
 * Non-finite values are left out.
 *
 * @param options See {@link CornerPlotOptions}.
 * @returns A Vega-Lite spec for {@link ./save.ts savePlot} or {@link ./jupyter.ts show}.
 * @throws {PlotError} When there is no set, `dims` is not a positive integer, or a set's
 *   length is not a multiple of `dims`.
 * @example
 * ```ts
 * import { cornerPlot } from "./corner.ts";
 * const a = Float64Array.from({ length: 600 }, (_, i) => Math.sin(i));
 * const b = Float64Array.from({ length: 600 }, (_, i) => Math.cos(i));
 * const spec = cornerPlot({
 *   sets: [{ name: "reference", points: a }, { name: "model", points: b }],
 *   dims: 3,
 *   labels: ["a", "b", "c"],
 *   truth: [0, 0, 0],
 * });
 * ```
 */
export function cornerPlot(options: CornerPlotOptions): VegaLiteSpec {
  const { sets, dims } = options;
  if (!Array.isArray(sets) || sets.length === 0) {
    throw new PlotError("cornerPlot needs at least one set of points");
  }
  if (!Number.isInteger(dims) || dims < 1) {
    throw new PlotError(`cornerPlot needs dims ≥ 1, got ${dims}`);
  }
  for (const s of sets) {
    if (s.points.length % dims !== 0) {
      throw new PlotError(
        `cornerPlot set "${s.name}": ${s.points.length} values is not a multiple of dims=${dims}`,
      );
    }
  }
  if (options.truth && options.truth.length !== dims) {
    throw new PlotError(`cornerPlot truth has ${options.truth.length} values, expected ${dims}`);
  }
  const labels = options.labels ?? Array.from({ length: dims }, (_, j) => `x${j + 1}`);
  const size = options.cellSize ?? 170;
  const bins = options.bins ?? 30;
  const maxPoints = options.maxPoints ?? 800;
  const columns = sets.map((s) =>
    Array.from({ length: dims }, (_, j) => column(s.points, dims, j))
  );
  const ranges = Array.from(
    { length: dims },
    (_, j) => options.ranges?.[j] ?? defaultRange(columns.flatMap((c) => c[j])),
  );

  const truthName = options.truthName ?? "truth";
  const names = sets.map((s) => s.name);
  const colors = sets.map((s, i) => colorFor(i, s.color));
  if (options.truth) {
    names.push(truthName);
    colors.push("#111");
  }
  const color = {
    field: "set",
    type: "nominal",
    scale: { domain: names, range: colors },
    legend: { title: null, symbolOpacity: 1 },
  };
  const axis = (j: number, show: boolean) => ({
    field: "v",
    type: "quantitative",
    scale: { domain: ranges[j], nice: false, zero: false },
    axis: { title: show ? labels[j] : null, tickCount: 4, labelFlush: true },
  });

  const cells: VegaLiteSpec[] = [];
  for (let i = 0; i < dims; i++) {
    for (let j = 0; j < dims; j++) {
      const bottom = i === dims - 1;
      if (j > i) {
        cells.push({
          width: size,
          height: size,
          data: { values: [{}] },
          mark: { type: "text", text: "" },
          view: { stroke: null },
        });
        continue;
      }
      if (i === j) {
        const rows: Record<string, unknown>[] = [];
        sets.forEach((s, k) => {
          const { edges, counts, total } = binValues(
            columns[k][j],
            bins,
            ranges[j] as [number, number],
          );
          const w = edges[1] - edges[0];
          const scale = 1 / (Math.max(total, 1) * w);
          counts.forEach((c, b) => rows.push({ v: edges[b], d: c * scale, set: s.name, o: b }));
          rows.push({ v: edges[counts.length], d: 0, set: s.name, o: counts.length });
        });
        const layers: VegaLiteSpec[] = [{
          data: { values: rows },
          mark: { type: "line", interpolate: "step-after", strokeWidth: 1.8, clip: true },
          encoding: {
            x: axis(j, bottom),
            y: {
              field: "d",
              type: "quantitative",
              axis: { title: null, labels: false, ticks: false },
            },
            color,
            order: { field: "o", type: "quantitative" },
          },
        }];
        if (options.truth && Number.isFinite(options.truth[j])) {
          layers.push({
            data: { values: [{ v: Number(options.truth[j]), set: truthName }] },
            mark: { type: "rule", strokeDash: [4, 3], strokeWidth: 1.5, opacity: 1 },
            encoding: { x: { field: "v", type: "quantitative" }, color },
          });
        }
        cells.push({ width: size, height: size, layer: layers });
        continue;
      }
      const rows: Record<string, unknown>[] = [];
      sets.forEach((s, k) => {
        const xs = columns[k][j], ys = columns[k][i];
        const n = xs.length, m = Math.min(n, maxPoints);
        for (let r = 0; r < m; r++) {
          const idx = Math.floor(r * n / m);
          if (Number.isFinite(xs[idx]) && Number.isFinite(ys[idx])) {
            rows.push({ v: xs[idx], w: ys[idx], set: s.name, op: s.opacity ?? 0.35 });
          }
        }
      });
      const yAxis = {
        field: "w",
        type: "quantitative",
        scale: { domain: ranges[i], nice: false, zero: false },
        axis: { title: j === 0 ? labels[i] : null, tickCount: 4, labelFlush: true },
      };
      const layers: VegaLiteSpec[] = [{
        data: { values: rows },
        // No SVG opacity (Vega-Lite's default for circles is 0.7): only fill-opacity below.
        mark: { type: "circle", size: 7, opacity: null, clip: true },
        encoding: {
          x: axis(j, bottom),
          y: yAxis,
          color,
          fillOpacity: { field: "op", type: "quantitative", scale: null, legend: null },
        },
      }];
      if (options.truth && Number.isFinite(options.truth[j]) && Number.isFinite(options.truth[i])) {
        layers.push({
          data: {
            values: [{ v: Number(options.truth[j]), w: Number(options.truth[i]), set: truthName }],
          },
          mark: { type: "point", shape: "cross", size: 110, filled: true, opacity: 1, clip: true },
          encoding: {
            x: { field: "v", type: "quantitative" },
            y: { field: "w", type: "quantitative" },
            color,
          },
        });
      }
      cells.push({ width: size, height: size, layer: layers });
    }
  }
  return {
    ...concatPlots(cells, { columns: dims, title: options.title, spacing: 10 }),
    resolve: { scale: { color: "shared" }, legend: { color: "shared" } },
  };
}
