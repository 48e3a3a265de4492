/**
 * All chart builders: each takes an options object and returns a Vega-Lite
 * spec, to be rendered with {@link ./render.ts}, saved with
 * {@link ./save.ts} or shown in a notebook with {@link ./jupyter.ts}.
 *
 * @module
 */
export {
  type ScatterHighlight,
  type ScatterLayer,
  type ScatterOptions,
  scatterPlot,
} from "./scatter.ts";
export { heatmap, type HeatmapOptions } from "./heatmap.ts";
export { linePlot, type LinePlotOptions, type LineSeries } from "./line.ts";
export {
  type Bins,
  binValues,
  histogram,
  type HistogramCurve,
  type HistogramOptions,
} from "./histogram.ts";
export { type ConcatOptions, concatPlots } from "./concat.ts";
export { type Bar, barChart, type BarChartOptions } from "./bar.ts";
export { cornerPlot, type CornerPlotOptions, type CornerSet } from "./corner.ts";
export { matrixChart, type MatrixChartOptions } from "./matrix.ts";
