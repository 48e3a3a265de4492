/**
 * Putting several plots side by side (wrapping into rows).
 *
 * @module
 */
import { mergeConfig } from "./render.ts";
import { VEGA_LITE_SCHEMA } from "./style.ts";
import { PlotError, type VegaLiteSpec } from "./types.ts";

/** Options of {@link concatPlots}. */
export interface ConcatOptions {
  /** Plots per row; more wrap to the next row. Default: all in one row. */
  columns?: number;
  /** Overall title above the grid. */
  title?: string;
  /** Pixels between plots. Default 24. */
  spacing?: number;
}

/**
 * Combines specs into one figure, laid out in rows of `columns` plots. Each
 * plot keeps its own scales, axes and legend. The children's `$schema` is
 * dropped and their `config` objects are merged into the figure's.
 *
 * @param specs The plots, e.g. from {@link scatterPlot} and {@link heatmap}.
 * @param options See {@link ConcatOptions}.
 * @returns A Vega-Lite `concat` spec.
 * @throws {PlotError} When `specs` is empty.
 * @example
 * ```ts
 * import { concatPlots, heatmap, scatterPlot } from "./mod.ts";
 * const a = scatterPlot({ layers: [{ name: "x", points: [[0, 0]] }], title: "data" });
 * const b = scatterPlot({ layers: [{ name: "z", points: [[1, 1]] }], title: "latent" });
 * const fig = concatPlots([a, b], { columns: 2, title: "Data and latent space" });
 * ```
 */
export function concatPlots(specs: VegaLiteSpec[], options: ConcatOptions = {}): VegaLiteSpec {
  if (!Array.isArray(specs) || specs.length === 0) {
    throw new PlotError("concatPlots needs at least one spec");
  }
  let config: VegaLiteSpec = {};
  const children = specs.map((s) => {
    const { $schema: _schema, config: c, ...rest } = s;
    config = mergeConfig(config, c);
    return rest;
  });
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(options.title ? { title: { text: options.title, fontSize: 17 } } : {}),
    columns: Math.max(1, Math.floor(options.columns ?? specs.length)),
    spacing: options.spacing ?? 24,
    concat: children,
    ...(Object.keys(config).length ? { config } : {}),
  };
}
