/**
 * Scatter plots of one or more point layers, with optional highlighted
 * points (red numbered rings) and centred reference circles.
 *
 * @module
 */
import { extent, type Points, toRows, type XYRow } from "./points.ts";
import {
  colorFor,
  DEFAULT_HEIGHT,
  DEFAULT_WIDTH,
  HIGHLIGHT_COLOR,
  titleBlock,
  VEGA_LITE_SCHEMA,
} from "./style.ts";
import { DEFAULT_MAX_POINTS, subsample } from "./subsample.ts";
import { PlotError, type VegaLiteSpec } from "./types.ts";

/** One named set of points of a {@link scatterPlot}. */
export interface ScatterLayer {
  /** Legend entry. */
  name: string;
  /** Points as `[x, y]` rows (e.g. from `tensor.arraySync()`). */
  points: Points;
  /** CSS colour; default from the Tableau-10 palette by layer index. */
  color?: string;
  /** Marker area in square pixels. Default 14 (small, for dense clouds). */
  size?: number;
  /** Marker opacity in [0, 1]. Default 0.6. */
  opacity?: number;
}

/** Points drawn as red rings with labels on top of a {@link scatterPlot}. */
export interface ScatterHighlight {
  /** Points as `[x, y]` rows. */
  points: Points;
  /** One label per point; default "1", "2", ... in the given order. */
  labels?: string[];
  /** Legend entry. Default "highlighted". */
  name?: string;
  /** CSS colour of the rings and labels. Default red. */
  color?: string;
}

/** Options of {@link scatterPlot}. */
export interface ScatterOptions {
  /** The point layers, drawn in order (later on top). At least one. */
  layers: ScatterLayer[];
  /** Plot title. */
  title?: string;
  /** Smaller second title line. */
  subtitle?: string;
  /** x-axis title. Default "x₁". */
  xLabel?: string;
  /** y-axis title. Default "x₂". */
  yLabel?: string;
  /**
   * Points to mark with numbered rings (e.g. the lowest-density samples); an
   * array draws several groups, each with its own legend entry and colour.
   */
  highlight?: ScatterHighlight | ScatterHighlight[];
  /** Radii of dashed grey circles centred at the origin (e.g. [1, 2, 3] σ of N(0, I)). */
  circles?: number[];
  /** Same data units per pixel on both axes (square plot). Default false. */
  equalAxes?: boolean;
  /** Plot width in pixels. Default 480 (420 with `equalAxes`). */
  width?: number;
  /** Plot height in pixels. Default 420. */
  height?: number;
  /** Most points drawn per layer; more are subsampled evenly. Default 20 000. */
  maxPointsPerLayer?: number;
}

const CIRCLE_SEGMENTS = 120;

function circleRows(radii: number[]): { x: number; y: number; r: number; k: number }[] {
  const rows = [];
  for (const r of radii) {
    for (let k = 0; k <= CIRCLE_SEGMENTS; k++) {
      const t = (2 * Math.PI * k) / CIRCLE_SEGMENTS;
      rows.push({ x: r * Math.cos(t), y: r * Math.sin(t), r, k });
    }
  }
  return rows;
}

function squareDomains(all: XYRow[]): { x: [number, number]; y: [number, number] } | undefined {
  const ex = extent(all.map((p) => p.x));
  const ey = extent(all.map((p) => p.y));
  if (!ex || !ey) return undefined;
  const span = Math.max(ex[1] - ex[0], ey[1] - ey[0]) * 1.06 || 1;
  const cx = (ex[0] + ex[1]) / 2, cy = (ey[0] + ey[1]) / 2;
  return { x: [cx - span / 2, cx + span / 2], y: [cy - span / 2, cy + span / 2] };
}

/**
 * Builds a scatter plot: one legend entry per layer, optional numbered rings
 * around one or more groups of highlighted points, optional centred
 * reference circles.
 *
 * Points with a non-finite coordinate are dropped. Layers with more than
 * `maxPointsPerLayer` points (default 20 000) are subsampled
 * deterministically (evenly spaced rows), and the subtitle says so; 10 000
 * points render in about a second.
 *
 * @param options See {@link ScatterOptions}.
 * @returns A Vega-Lite spec for {@link renderSvg}, {@link savePlot} or
 *   {@link showPlot}.
 * @throws {PlotError} When no layer is given or labels do not match points.
 * @example
 * ```ts
 * import { savePlot, scatterPlot } from "./mod.ts";
 * const spec = scatterPlot({
 *   layers: [
 *     { name: "data", points: [[0.1, 0.2], [1.5, -0.3], [-2.2, 0.9]] },
 *     { name: "samples", points: [[0.3, 0.1]], color: "#f58518" },
 *   ],
 *   title: "Moons: data and flow samples",
 *   highlight: { points: [[-2.2, 0.9]] },
 *   circles: [1, 2, 3],
 *   equalAxes: true,
 * });
 * await savePlot(spec, "output/moons.png");
 * ```
 */
export function scatterPlot(options: ScatterOptions): VegaLiteSpec {
  const { layers, highlight } = options;
  if (!Array.isArray(layers) || layers.length === 0) {
    throw new PlotError("scatterPlot needs at least one layer");
  }
  const max = options.maxPointsPerLayer ?? DEFAULT_MAX_POINTS;
  const notes: string[] = [];
  const names: string[] = [];
  const colors: string[] = [];
  const all: XYRow[] = [];
  const views: VegaLiteSpec[] = [];

  layers.forEach((layer, i) => {
    const rows = toRows(layer.points);
    const kept = subsample(rows, max);
    if (kept.length < rows.length) {
      notes.push(`${layer.name}: ${kept.length} of ${rows.length} points shown (even subsample)`);
    }
    all.push(...kept);
    if (!names.includes(layer.name)) {
      names.push(layer.name);
      colors.push(colorFor(i, layer.color));
    }
    views.push({
      data: { values: kept.map((p) => ({ ...p, layer: layer.name })) },
      mark: {
        type: "circle",
        size: layer.size ?? 14,
        opacity: 1,
        fillOpacity: layer.opacity ?? 0.6,
        aria: false,
      },
      encoding: { color: { field: "layer", type: "nominal" } },
    });
  });

  // Reference circles go above the data, below the highlighted points.
  if (options.circles?.length) {
    const radii = options.circles.filter((r) => Number.isFinite(r) && r > 0);
    const rows = circleRows(radii);
    all.push(...rows);
    views.push({
      data: { values: rows },
      mark: { type: "line", color: "#222", strokeDash: [5, 3], strokeWidth: 1.3, opacity: 0.85 },
      encoding: {
        detail: { field: "r", type: "nominal" },
        order: { field: "k", type: "quantitative" },
      },
    });
  }

  const groups = highlight === undefined ? [] : Array.isArray(highlight) ? highlight : [highlight];
  for (const group of groups) {
    if (group.points.length === 0) continue;
    const labels = group.labels;
    if (labels && labels.length !== group.points.length) {
      throw new PlotError(
        `scatterPlot highlight: ${labels.length} labels for ${group.points.length} points`,
      );
    }
    const rows = [];
    for (let i = 0; i < group.points.length; i++) {
      const [p] = toRows([group.points[i]]);
      if (p) rows.push({ ...p, label: labels ? labels[i] : String(i + 1) });
    }
    const name = group.name ?? "highlighted";
    const color = group.color ?? HIGHLIGHT_COLOR;
    all.push(...rows);
    if (!names.includes(name)) {
      names.push(name);
      colors.push(color);
    }
    views.push({
      data: { values: rows.map((r) => ({ ...r, layer: name })) },
      mark: {
        type: "point",
        shape: "circle",
        filled: false,
        size: 170,
        strokeWidth: 2,
        opacity: 1,
      },
      encoding: { color: { field: "layer", type: "nominal" } },
    }, {
      data: { values: rows },
      mark: {
        type: "text",
        color,
        align: "left",
        baseline: "bottom",
        dx: 7,
        dy: -5,
        fontSize: 12,
        fontWeight: "bold",
      },
      encoding: { text: { field: "label", type: "nominal" } },
    });
  }

  // Every layer using colour shares this scale, so there is a single legend.
  for (const v of views) {
    const enc = v.encoding as Record<string, Record<string, unknown>>;
    if (enc.color) {
      enc.color.scale = { domain: names, range: colors };
      enc.color.legend = { title: null, symbolOpacity: 1 };
    }
  }

  const xScale: Record<string, unknown> = { zero: false };
  const yScale: Record<string, unknown> = { zero: false };
  let width = options.width ?? DEFAULT_WIDTH;
  let height = options.height ?? DEFAULT_HEIGHT;
  if (options.equalAxes) {
    const side = Math.min(options.width ?? DEFAULT_HEIGHT, options.height ?? DEFAULT_HEIGHT);
    width = height = side;
    const d = squareDomains(all);
    if (d) {
      Object.assign(xScale, { domain: d.x, nice: false });
      Object.assign(yScale, { domain: d.y, nice: false });
    }
  }

  return {
    $schema: VEGA_LITE_SCHEMA,
    ...titleBlock(options.title, options.subtitle, notes),
    width,
    height,
    encoding: {
      x: { field: "x", type: "quantitative", title: options.xLabel ?? "x₁", scale: xScale },
      y: { field: "y", type: "quantitative", title: options.yLabel ?? "x₂", scale: yScale },
    },
    layer: views,
  };
}
