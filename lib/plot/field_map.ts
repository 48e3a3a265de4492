/**
 * Maps of a field given at the nodes of a regular 2-D grid (e.g. a velocity
 * model), with polylines (e.g. ray paths) and markers (e.g. stations) drawn
 * on top, a fixed colour domain so that several maps can share one colour
 * scale, and square cells.
 *
 * @module
 */
import { type Points, toRows } from "./points.ts";
import { titleBlock, VEGA_LITE_SCHEMA } from "./style.ts";
import { PlotError, type VegaLiteSpec } from "./types.ts";

/** A regular grid of nodes: node `(i, j)` at `(x0 + i·spacing, y0 + j·spacing)`, index `j·nx + i`. */
export interface FieldGrid {
  /** Nodes along x. */
  nx: number;
  /** Nodes along y. */
  ny: number;
  /** Distance between neighbouring nodes. */
  spacing: number;
  /** x of the first column of nodes. */
  x0: number;
  /** y of the first row of nodes. */
  y0: number;
}

/** Polylines drawn over a {@link fieldMap}. */
export interface FieldMapLines {
  /** One polyline per entry, points `[x₀, y₀, x₁, y₁, …]`. */
  paths: readonly ArrayLike<number>[];
  /** CSS colour. Default black. */
  color?: string;
  /** Stroke width in pixels. Default 0.8. */
  width?: number;
  /** Stroke opacity. Default 0.45. */
  opacity?: number;
}

/** Markers drawn over a {@link fieldMap}. */
export interface FieldMapMarkers {
  /** Positions, `[x, y]` rows. */
  points: Points;
  /** Vega shape, e.g. "triangle-up", "circle", "cross". Default "triangle-up". */
  shape?: string;
  /** Fill colour. Default white. */
  fill?: string;
  /** Outline colour. Default black. */
  stroke?: string;
  /** Marker area in square pixels. Default 90. */
  size?: number;
}

/** Options of {@link fieldMap}. */
export interface FieldMapOptions {
  /** The grid of nodes. */
  grid: FieldGrid;
  /** One value per node, index `j·nx + i`; non-finite nodes are left blank. */
  values: ArrayLike<number>;
  /** Plot title. */
  title?: string;
  /** Smaller second title line. */
  subtitle?: string;
  /** x-axis title; `null` for none. Default "x". */
  xLabel?: string | null;
  /** y-axis title; `null` for none. Default "y". */
  yLabel?: string | null;
  /** Colour-bar title. Default "value". */
  valueLabel?: string;
  /** Vega colour scheme name. Default "viridis". */
  scheme?: string;
  /** Reverse the colour scheme. Default false. */
  reverse?: boolean;
  /** Colour domain `[low, high]`; values outside take the end colours. Default the values' range. */
  domain?: readonly [number, number];
  /** Show the colour bar. Default true. */
  legend?: boolean;
  /** Polylines on top of the map. */
  lines?: FieldMapLines;
  /** Markers on top of the lines. */
  markers?: FieldMapMarkers;
  /** Height of the map in pixels; the width follows from square cells. Default 400. */
  height?: number;
}

/**
 * Drops points of a polyline that lie within `tolerance` of the line through their
 * neighbours kept (Ramer–Douglas–Peucker); the ends are always kept.
 */
function simplify(p: ArrayLike<number>, tolerance: number): number[] {
  const n = p.length >> 1;
  if (n <= 2) return Array.from(p);
  const keep = new Uint8Array(n);
  keep[0] = keep[n - 1] = 1;
  const stack: [number, number][] = [[0, n - 1]];
  while (stack.length) {
    const [a, b] = stack.pop()!;
    const ax = p[2 * a], ay = p[2 * a + 1], dx = p[2 * b] - ax, dy = p[2 * b + 1] - ay;
    const length = Math.hypot(dx, dy);
    let worst = -1, far = 0;
    for (let k = a + 1; k < b; k++) {
      const ex = p[2 * k] - ax, ey = p[2 * k + 1] - ay;
      const d = length > 0 ? Math.abs(dx * ey - dy * ex) / length : Math.hypot(ex, ey);
      if (d > far) (far = d), (worst = k);
    }
    if (worst >= 0 && far > tolerance) {
      keep[worst] = 1;
      stack.push([a, worst], [worst, b]);
    }
  }
  const out: number[] = [];
  for (let k = 0; k < n; k++) if (keep[k]) out.push(p[2 * k], p[2 * k + 1]);
  return out;
}

/**
 * Builds a map of a field on a regular grid: one square cell per node, centred on it,
 * coloured on a continuous scale with a fixed (or data) domain, with optional polylines and
 * markers on top. Polylines are simplified to within 1/1000 of the map's width (a fraction of
 * a pixel), so hundreds of finely stepped paths stay light. Maps built with the same `domain`
 * share their colours: in a figure of several, show the colour bar on one only (`legend`).
 *
 * @param options See {@link FieldMapOptions}.
 * @returns A Vega-Lite spec.
 * @throws {PlotError} When `values` does not have `nx·ny` entries or the grid is malformed.
 * @example
 * ```ts
 * import { fieldMap } from "./mod.ts";
 * const grid = { nx: 3, ny: 3, spacing: 1, x0: -1, y0: -1 };
 * const spec = fieldMap({
 *   grid,
 *   values: [2, 2, 2, 2, 1, 2, 2, 2, 2],
 *   domain: [1, 2],
 *   title: "Velocity",
 *   valueLabel: "km/s",
 *   lines: { paths: [[-1, -1, 1, 1]] },
 *   markers: { points: [[-1, -1], [1, 1]] },
 * });
 * ```
 */
export function fieldMap(options: FieldMapOptions): VegaLiteSpec {
  const { grid, values } = options, { nx, ny, spacing: h, x0, y0 } = grid;
  if (!(Number.isInteger(nx) && Number.isInteger(ny) && nx >= 1 && ny >= 1 && h > 0)) {
    throw new PlotError(`fieldMap: bad grid ${JSON.stringify(grid)}`);
  }
  if (values.length !== nx * ny) {
    throw new PlotError(
      `fieldMap: expected ${nx * ny} values (${nx} × ${ny} nodes), got ${values.length}`,
    );
  }
  const cells = [];
  let lo = Infinity, hi = -Infinity;
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const v = Number(values[j * nx + i]);
      if (!Number.isFinite(v)) continue;
      lo = Math.min(lo, v), hi = Math.max(hi, v);
      const x = x0 + (i - 0.5) * h, y = y0 + (j - 0.5) * h;
      // Cells overlap their right/top neighbours a little, so anti-aliasing leaves no seams.
      cells.push({ x0: x, x1: x + 1.25 * h, y0: y, y1: y + 1.25 * h, v });
    }
  }
  const domain = options.domain ?? (lo <= hi ? [lo, hi === lo ? lo + 1 : hi] : [0, 1]);
  const xDomain = [x0 - h / 2, x0 + (nx - 0.5) * h], yDomain = [y0 - h / 2, y0 + (ny - 0.5) * h];
  const height = options.height ?? 400, width = Math.round(height * nx / ny);
  const axisTitle = (t: string | null | undefined, fallback: string) =>
    t === null ? null : t ?? fallback;
  const layers: VegaLiteSpec[] = [{
    data: { values: cells },
    mark: { type: "rect", aria: false, clip: true },
    encoding: {
      x: {
        field: "x0",
        type: "quantitative",
        title: axisTitle(options.xLabel, "x"),
        scale: { domain: xDomain, nice: false, zero: false },
        axis: { grid: false },
      },
      x2: { field: "x1" },
      y: {
        field: "y0",
        type: "quantitative",
        title: axisTitle(options.yLabel, "y"),
        scale: { domain: yDomain, nice: false, zero: false },
        axis: { grid: false },
      },
      y2: { field: "y1" },
      color: {
        field: "v",
        type: "quantitative",
        title: options.valueLabel ?? "value",
        scale: {
          scheme: options.scheme ?? "viridis",
          domain: [...domain],
          clamp: true,
          ...(options.reverse ? { reverse: true } : {}),
        },
        legend: options.legend === false
          ? null
          : { gradientLength: Math.max(60, height - 40), titleLimit: height },
      },
    },
  }];
  const lines = options.lines;
  if (lines && lines.paths.length > 0) {
    const tolerance = (xDomain[1] - xDomain[0]) / 1000, rows = [];
    for (let l = 0; l < lines.paths.length; l++) {
      const p = simplify(lines.paths[l], tolerance);
      for (let k = 0; k + 1 < p.length; k += 2) rows.push({ x: p[k], y: p[k + 1], path: l, i: k });
    }
    layers.push({
      data: { values: rows },
      mark: {
        type: "line",
        aria: false,
        clip: true,
        color: lines.color ?? "black",
        strokeWidth: lines.width ?? 0.8,
        opacity: lines.opacity ?? 0.45,
      },
      encoding: {
        x: { field: "x", type: "quantitative" },
        y: { field: "y", type: "quantitative" },
        detail: { field: "path", type: "nominal" },
        order: { field: "i", type: "quantitative" },
      },
    });
  }
  const markers = options.markers;
  if (markers) {
    layers.push({
      data: { values: toRows(markers.points) },
      mark: {
        type: "point",
        aria: false,
        shape: markers.shape ?? "triangle-up",
        filled: true,
        fill: markers.fill ?? "white",
        stroke: markers.stroke ?? "black",
        strokeWidth: 1.2,
        size: markers.size ?? 90,
        opacity: 1,
      },
      encoding: {
        x: { field: "x", type: "quantitative" },
        y: { field: "y", type: "quantitative" },
      },
    });
  }
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...titleBlock(options.title, options.subtitle),
    width,
    height,
    layer: layers,
  };
}
