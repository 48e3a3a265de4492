/**
 * Line plots of one or more series, e.g. training and validation loss.
 *
 * @module
 */
import { colorFor, DEFAULT_HEIGHT, DEFAULT_WIDTH, titleBlock, VEGA_LITE_SCHEMA } from "./style.ts";
import { PlotError, type VegaLiteSpec } from "./types.ts";

/** One named curve of a {@link linePlot}. */
export interface LineSeries {
  /** Legend entry. */
  name: string;
  /** x values (e.g. epochs). */
  x: ArrayLike<number>;
  /** y values, same length as `x`. */
  y: ArrayLike<number>;
  /** CSS colour; default from the palette by series index. */
  color?: string;
}

/** Options of {@link linePlot}. */
export interface LinePlotOptions {
  /** The curves. At least one. */
  series: LineSeries[];
  /** Plot title. */
  title?: string;
  /** Smaller second title line. */
  subtitle?: string;
  /** x-axis title. Default "epoch". */
  xLabel?: string;
  /** y-axis title. Default "value". */
  yLabel?: string;
  /** Logarithmic y axis; non-positive values are then left out (and counted in the subtitle). */
  logY?: boolean;
  /** Draw a dot at each value as well. Default: only when a series has ≤ 50 values. */
  points?: boolean;
  /** Plot width in pixels. Default 480. */
  width?: number;
  /** Plot height in pixels. Default 420. */
  height?: number;
}

/**
 * Builds a line plot with one coloured line per series and a legend, e.g. a
 * training history. Non-finite values are left out (a NaN loss shows as a
 * gap in the points, not as an error).
 *
 * @param options See {@link LinePlotOptions}.
 * @returns A Vega-Lite spec.
 * @throws {PlotError} When no series is given or `x` and `y` differ in length.
 * @example
 * ```ts
 * import { linePlot } from "./mod.ts";
 * const spec = linePlot({
 *   series: [
 *     { name: "train", x: [1, 2, 3], y: [2.1, 1.7, 1.5] },
 *     { name: "validation", x: [1, 2, 3], y: [2.2, 1.9, 1.8] },
 *   ],
 *   title: "Training history",
 *   yLabel: "negative log-likelihood",
 * });
 * ```
 */
export function linePlot(options: LinePlotOptions): VegaLiteSpec {
  const { series } = options;
  if (!Array.isArray(series) || series.length === 0) {
    throw new PlotError("linePlot needs at least one series");
  }
  const rows: { x: number; y: number; series: string; i: number }[] = [];
  const names: string[] = [], colors: string[] = [];
  let dropped = 0, longest = 0;
  series.forEach((s, k) => {
    if (s.x.length !== s.y.length) {
      throw new PlotError(
        `linePlot series "${s.name}": x has ${s.x.length} values, y has ${s.y.length}`,
      );
    }
    longest = Math.max(longest, s.x.length);
    if (!names.includes(s.name)) {
      names.push(s.name);
      colors.push(colorFor(k, s.color));
    }
    for (let i = 0; i < s.x.length; i++) {
      const x = Number(s.x[i]), y = Number(s.y[i]);
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      if (options.logY && y <= 0) {
        dropped++;
        continue;
      }
      rows.push({ x, y, series: s.name, i });
    }
  });
  const notes = dropped ? [`${dropped} non-positive values left out (log scale)`] : [];
  const point = options.points ?? longest <= 50;
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...titleBlock(options.title, options.subtitle, notes),
    width: options.width ?? DEFAULT_WIDTH,
    height: options.height ?? DEFAULT_HEIGHT,
    data: { values: rows },
    mark: { type: "line", strokeWidth: 2, point: point ? { size: 25 } : false },
    encoding: {
      x: {
        field: "x",
        type: "quantitative",
        title: options.xLabel ?? "epoch",
        scale: { zero: false },
      },
      y: {
        field: "y",
        type: "quantitative",
        title: options.yLabel ?? "value",
        scale: options.logY ? { type: "log" } : { zero: false },
      },
      color: {
        field: "series",
        type: "nominal",
        scale: { domain: names, range: colors },
        legend: { title: null },
      },
      order: { field: "i", type: "quantitative" },
    },
  };
}
