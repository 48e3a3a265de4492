/**
 * Histograms with an optional overlaid reference curve (e.g. the chi
 * distribution that latent norms should follow).
 *
 * @module
 */
import { extent } from "./points.ts";
import {
  colorFor,
  DEFAULT_HEIGHT,
  DEFAULT_WIDTH,
  HIGHLIGHT_COLOR,
  VEGA_LITE_SCHEMA,
} from "./style.ts";
import { PlotError, type VegaLiteSpec } from "./types.ts";

/** A curve drawn over a {@link histogram}. */
export interface HistogramCurve {
  /** Legend entry, e.g. "χ(2) density". */
  name: string;
  /** x values, increasing. */
  x: ArrayLike<number>;
  /** y values, same length as `x` (densities when `density` is on). */
  y: ArrayLike<number>;
  /** CSS colour. Default red. */
  color?: string;
}

/** Options of {@link histogram}. */
export interface HistogramOptions {
  /** The sample values; non-finite ones are left out. */
  values: ArrayLike<number>;
  /** Number of equal-width bins. Default: √n clamped to [10, 80]. */
  bins?: number;
  /** Range `[lo, hi]` binned; default the data's extent. Values outside are left out. */
  range?: [number, number];
  /** Scale bar heights so the bars' total area is 1 (to compare with a density). Default false. */
  density?: boolean;
  /** Reference curve drawn over the bars. */
  curve?: HistogramCurve;
  /** Legend entry of the bars (shown when there is a curve). Default "data". */
  name?: string;
  /** Bar colour. Default the first palette colour. */
  color?: string;
  /** Plot title. */
  title?: string;
  /** Smaller second title line. */
  subtitle?: string;
  /** x-axis title. Default "value". */
  xLabel?: string;
  /** y-axis title. Default "count", or "density" with `density`. */
  yLabel?: string;
  /** Plot width in pixels. Default 480. */
  width?: number;
  /** Plot height in pixels. Default 420. */
  height?: number;
}

/** Bin counts of a histogram. */
export interface Bins {
  /** Bin edges, `counts.length + 1` of them. */
  edges: number[];
  /** Values per bin; the last bin includes its upper edge. */
  counts: number[];
  /** Values that fell inside the range. */
  total: number;
}

/**
 * Counts finite values into equal-width bins.
 *
 * @param values The values.
 * @param bins Number of bins (at least 1).
 * @param range `[lo, hi]`; default the finite values' extent.
 * @returns Edges, counts and the number of values counted.
 * @example
 * ```ts
 * import { binValues } from "./histogram.ts";
 * binValues([0, 1, 1, 2], 2).counts; // [1, 3]
 * ```
 */
export function binValues(values: ArrayLike<number>, bins: number, range?: [number, number]): Bins {
  const nb = Math.max(1, Math.floor(bins));
  const finite = Array.from(values, Number).filter(Number.isFinite);
  let [lo, hi] = range ?? extent(finite) ?? [0, 1];
  if (!(hi > lo)) [lo, hi] = [lo - 0.5, lo + 0.5];
  const w = (hi - lo) / nb;
  const edges = Array.from({ length: nb + 1 }, (_, i) => lo + i * w);
  const counts = new Array<number>(nb).fill(0);
  let total = 0;
  for (const v of finite) {
    if (v < lo || v > hi) continue;
    counts[Math.min(nb - 1, Math.floor((v - lo) / w))]++;
    total++;
  }
  return { edges, counts, total };
}

/**
 * Builds a histogram, optionally normalised to a density and overlaid with
 * a reference curve; bars and curve share one legend when a curve is given.
 *
 * @param options See {@link HistogramOptions}.
 * @returns A Vega-Lite spec.
 * @throws {PlotError} When the curve's `x` and `y` differ in length.
 * @example
 * ```ts
 * import { histogram } from "./mod.ts";
 * const norms = [0.5, 1.2, 1.4, 0.9, 2.1, 1.1];
 * const x = Array.from({ length: 50 }, (_, i) => i * 0.08);
 * const spec = histogram({
 *   values: norms,
 *   density: true,
 *   title: "Latent norms",
 *   xLabel: "‖z‖",
 *   curve: { name: "χ(2)", x, y: x.map((r) => r * Math.exp(-r * r / 2)) },
 * });
 * ```
 */
export function histogram(options: HistogramOptions): VegaLiteSpec {
  const n = options.values.length;
  const nb = options.bins ?? Math.min(80, Math.max(10, Math.ceil(Math.sqrt(n))));
  const { edges, counts, total } = binValues(options.values, nb, options.range);
  const width = edges[1] - edges[0];
  const scale = options.density ? 1 / (Math.max(total, 1) * width) : 1;
  const name = options.name ?? "data";
  const bars = counts.map((c, i) => ({
    x0: edges[i],
    x1: edges[i + 1],
    y: c * scale,
    series: name,
  }));
  const names = [name], colors = [colorFor(0, options.color)];
  const layers: VegaLiteSpec[] = [{
    data: { values: bars },
    mark: { type: "rect", stroke: "white", strokeWidth: 0.5, aria: false },
    encoding: {
      x: {
        field: "x0",
        type: "quantitative",
        title: options.xLabel ?? "value",
        scale: { zero: false },
      },
      x2: { field: "x1" },
      y: {
        field: "y",
        type: "quantitative",
        title: options.yLabel ?? (options.density ? "density" : "count"),
      },
      y2: { datum: 0 },
      color: { field: "series", type: "nominal" },
    },
  }];
  const curve = options.curve;
  if (curve) {
    if (curve.x.length !== curve.y.length) {
      throw new PlotError(
        `histogram curve "${curve.name}": x has ${curve.x.length} values, y has ${curve.y.length}`,
      );
    }
    const rows = [];
    for (let i = 0; i < curve.x.length; i++) {
      const x = Number(curve.x[i]), y = Number(curve.y[i]);
      if (Number.isFinite(x) && Number.isFinite(y)) rows.push({ x, y, series: curve.name, i });
    }
    names.push(curve.name);
    colors.push(curve.color ?? HIGHLIGHT_COLOR);
    layers.push({
      data: { values: rows },
      mark: { type: "line", strokeWidth: 2.5 },
      encoding: {
        x: { field: "x", type: "quantitative" },
        y: { field: "y", type: "quantitative" },
        color: { field: "series", type: "nominal" },
        order: { field: "i", type: "quantitative" },
      },
    });
  }
  for (const l of layers) {
    const enc = l.encoding as Record<string, Record<string, unknown>>;
    enc.color.scale = { domain: names, range: colors };
    enc.color.legend = curve ? { title: null } : null;
  }
  const subtitle = [options.subtitle, `${total} values, ${nb} bins`].filter(Boolean) as string[];
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: options.title ?? "", subtitle },
    width: options.width ?? DEFAULT_WIDTH,
    height: options.height ?? DEFAULT_HEIGHT,
    layer: layers,
  };
}
