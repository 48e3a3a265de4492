/**
 * Plotting for flow_models: chart builders that return Vega-Lite specs,
 * headless rendering to SVG (no native code) and PNG (sharp, loaded only when
 * a PNG is written), atomic saving, and inline display in Deno Jupyter
 * notebooks.
 *
 * Permissions: building specs and rendering SVG need none; {@link savePlot}
 * needs `--allow-write` and `--allow-read` for the output directory, plus
 * `--allow-ffi --allow-env --allow-read` for sharp (and `--allow-sys` when
 * `--allow-read` is narrowed to some paths). {@link saveSvg} needs no FFI.
 *
 * @example
 * ```ts
 * import { savePlot, scatterPlot, showPlot } from "./mod.ts";
 * const spec = scatterPlot({
 *   layers: [{ name: "samples", points: [[0, 0], [1, 2], [-1, 0.5]] }],
 *   title: "Samples",
 *   highlight: { points: [[1, 2]] },
 * });
 * await savePlot(spec, "output/samples.png"); // also output/samples.svg
 * showPlot(spec); // in a notebook cell: shown inline
 * ```
 *
 * @module
 */
export * from "./charts.ts";
export {
  type FieldGrid,
  fieldMap,
  type FieldMapLines,
  type FieldMapMarkers,
  type FieldMapOptions,
} from "./field_map.ts";
export {
  loadSharp,
  mergeConfig,
  type PngOptions,
  type RenderedPlot,
  renderPlot,
  renderSvg,
  type SharpFactory,
  svgSize,
  svgToPng,
  withBaseConfig,
} from "./render.ts";
export { type SavedPlot, savePlot, type SavePlotOptions, saveSvg } from "./save.ts";
export {
  display,
  JUPYTER_DISPLAY,
  type MimeBundle,
  PlotDisplay,
  plotMimeBundle,
  show,
  showPlot,
  type ShowPlotOptions,
} from "./jupyter.ts";
export { PlotError, type VegaLiteSpec } from "./types.ts";
export { DEFAULT_MAX_POINTS, subsample } from "./subsample.ts";
export { type Points } from "./points.ts";
export { validateSpec } from "./validate.ts";
export {
  type ImageBatch,
  type ImageGridLayout,
  imageGridLayout,
  type ImageGridOptions,
  type RenderedImageGrid,
  renderImageGrid,
  saveImageGrid,
} from "./image_grid.ts";
export { ImageGridDisplay, showImageGrid, showImages } from "./image_grid_display.ts";
