/**
 * Grouped bar charts, e.g. benchmark timings of several configurations per
 * workload.
 *
 * @module
 */
import { DEFAULT_HEIGHT, DEFAULT_WIDTH, titleBlock, VEGA_LITE_SCHEMA } from "./style.ts";
import { PlotError, type VegaLiteSpec } from "./types.ts";

/** One bar: its group on the x axis, its name within the group (colour), its value. */
export interface Bar {
  /** Group on the x axis. */
  group: string;
  /** Series within the group (legend entry). */
  name: string;
  /** Height. */
  value: number;
}

/** Options of {@link barChart}. */
export interface BarChartOptions {
  /** The bars; non-finite values are left out. */
  bars: Bar[];
  /** Plot title. */
  title?: string;
  /** Smaller second title line. */
  subtitle?: string;
  /** x-axis title. */
  xLabel?: string;
  /** y-axis title. */
  yLabel?: string;
  /**
   * Logarithmic y axis, from the decade below the smallest bar to the decade at least
   * 25 % above the tallest. Bars ≤ 0 are left out.
   */
  logY?: boolean;
  /** Plot width in pixels. Default 480. */
  width?: number;
  /** Plot height in pixels. Default 420. */
  height?: number;
}

/**
 * @param options Bars and labels.
 * @returns A Vega-Lite spec of bars grouped by `group`, coloured by `name`.
 * @example
 * ```ts
 * import { barChart } from "./bar.ts";
 * const spec = barChart({
 *   bars: [{ group: "a", name: "ours", value: 70 }, { group: "a", name: "TFP", value: 90 }],
 *   yLabel: "ms per step",
 * });
 * ```
 */
export function barChart(options: BarChartOptions): VegaLiteSpec {
  const rows = options.bars.filter((b) =>
    Number.isFinite(b.value) && (!options.logY || b.value > 0)
  );
  if (rows.length === 0) throw new PlotError("barChart needs at least one finite bar");
  const names = [...new Set(rows.map((b) => b.name))];
  // On a log axis bars cannot start at zero: they start at the decade below the smallest bar,
  // and the axis ends at a decade at least 25 % above the tallest (Vega's own top would be the
  // tallest value itself, which leaves that bar flush with the frame and its top unlabelled).
  const values = rows.map((b) => b.value);
  const floor = options.logY ? 10 ** (Math.ceil(Math.log10(Math.min(...values))) - 1) : 0;
  const ceiling = options.logY ? 10 ** Math.ceil(Math.log10(1.25 * Math.max(...values))) : 0;
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...titleBlock(options.title, options.subtitle),
    width: options.width ?? DEFAULT_WIDTH,
    height: options.height ?? DEFAULT_HEIGHT,
    data: { values: rows },
    mark: { type: "bar" },
    encoding: {
      x: {
        field: "group",
        type: "nominal",
        title: options.xLabel ?? null,
        axis: { labelAngle: 0 },
      },
      xOffset: { field: "name", type: "nominal", sort: names },
      y: {
        field: "value",
        type: "quantitative",
        title: options.yLabel ?? "value",
        ...(options.logY ? { scale: { type: "log", domainMin: floor, domainMax: ceiling } } : {}),
      },
      ...(options.logY ? { y2: { datum: floor } } : {}),
      color: { field: "name", type: "nominal", title: null, sort: names },
      tooltip: [{ field: "group" }, { field: "name" }, { field: "value", format: ".1f" }],
    },
  };
}
