/**
 * Saving plots to disk: PNG plus an SVG beside it, written atomically.
 *
 * @module
 */
import { dirname } from "node:path";
import { writeFileAtomic } from "../core/atomic.ts";
import { type PngOptions, renderSvg, svgSize, svgToPng } from "./render.ts";
import { PlotError, type VegaLiteSpec } from "./types.ts";

/** Options of {@link savePlot}. */
export interface SavePlotOptions extends PngOptions {
  /** Also write the `.svg` beside the PNG. Default true. */
  svg?: boolean;
}

/** Where {@link savePlot} / {@link saveSvg} wrote, and the image size. */
export interface SavedPlot {
  /** Path of the PNG written (absent for {@link saveSvg}). */
  png?: string;
  /** Path of the SVG written, if one was. */
  svg?: string;
  /** Image width in pixels (PNG pixels for savePlot, SVG pixels for saveSvg). */
  width: number;
  /** Image height in pixels. */
  height: number;
}

function wrapWriteError(path: string, e: unknown): PlotError {
  const msg = e instanceof Error ? e.message : String(e);
  return new PlotError(`could not write ${path}: ${msg}`, { cause: e });
}

/**
 * Renders `spec` and writes it as a PNG at `path` (which must end in `.png`)
 * and, unless `svg: false`, as an SVG beside it (same name, `.svg`). The
 * directory is created if missing. Everything is rendered before anything is
 * written, so a bad spec leaves no file; each file is written atomically
 * (temp file in the same directory, then rename).
 *
 * Needs `--allow-write` and `--allow-read` for the directory (the rename
 * needs both), and for sharp `--allow-ffi --allow-env --allow-read` (plus
 * `--allow-sys` when `--allow-read` is narrowed to some paths).
 *
 * @param spec A Vega-Lite spec.
 * @param path Output PNG path, e.g. `output/app1/density.png`.
 * @param options `scale` (PNG pixels per SVG pixel, default 2), `svg`.
 * @returns The paths written and the PNG size in pixels.
 * @throws {PlotError} On a bad spec, a path not ending in `.png`, missing
 *   sharp, or a write failure.
 * @example
 * ```ts
 * import { savePlot, scatterPlot } from "./mod.ts";
 * await savePlot(
 *   scatterPlot({ layers: [{ name: "data", points: [[0, 0], [1, 2]] }], title: "Data" }),
 *   "output/data.png",
 * );
 * // writes output/data.png and output/data.svg
 * ```
 */
export async function savePlot(
  spec: VegaLiteSpec,
  path: string,
  options: SavePlotOptions = {},
): Promise<SavedPlot> {
  if (!/\.png$/i.test(path)) {
    throw new PlotError(`savePlot path must end in .png, got ${JSON.stringify(path)}`);
  }
  const svg = await renderSvg(spec);
  const png = await svgToPng(svg, options);
  const scale = options.scale ?? 2;
  const size = svgSize(svg);
  const svgPath = path.replace(/\.png$/i, ".svg");
  const writeSvg = options.svg ?? true;
  try {
    await Deno.mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, png);
    if (writeSvg) await writeFileAtomic(svgPath, svg);
  } catch (e) {
    throw wrapWriteError(path, e);
  }
  return {
    png: path,
    svg: writeSvg ? svgPath : undefined,
    width: Math.round(size.width * scale),
    height: Math.round(size.height * scale),
  };
}

/**
 * Renders `spec` and writes only an SVG at `path` (which must end in
 * `.svg`), atomically, creating the directory if missing. Needs no FFI, so
 * it works where sharp cannot be loaded.
 *
 * @param spec A Vega-Lite spec.
 * @param path Output SVG path.
 * @returns The path written and the SVG size in pixels.
 * @throws {PlotError} On a bad spec, a path not ending in `.svg`, or a
 *   write failure.
 * @example
 * ```ts
 * import { saveSvg, linePlot } from "./mod.ts";
 * await saveSvg(linePlot({ series: [{ name: "loss", x: [0, 1], y: [3, 2] }] }), "output/loss.svg");
 * ```
 */
export async function saveSvg(spec: VegaLiteSpec, path: string): Promise<SavedPlot> {
  if (!/\.svg$/i.test(path)) {
    throw new PlotError(`saveSvg path must end in .svg, got ${JSON.stringify(path)}`);
  }
  const svg = await renderSvg(spec);
  try {
    await Deno.mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, svg);
  } catch (e) {
    throw wrapWriteError(path, e);
  }
  return { svg: path, ...svgSize(svg) };
}
