/**
 * Inline display of plots in Jupyter notebooks run by the Deno kernel.
 *
 * Deno's kernel shows any value that has a `Symbol.for("Jupyter.display")`
 * method returning a MIME bundle, both when it is the last expression of a
 * cell and when passed to `Deno.jupyter.display(...)`.
 *
 * @module
 */
import { encodeBase64 } from "./base64.ts";
import { renderSvg, svgToPng } from "./render.ts";
import type { VegaLiteSpec } from "./types.ts";

/** The symbol Deno's Jupyter kernel looks up to display a value. */
export const JUPYTER_DISPLAY: symbol = Symbol.for("Jupyter.display");

/** A Jupyter MIME bundle: MIME type → data (base64 for binary types). */
export type MimeBundle = Record<string, string>;

/** Options of {@link showPlot} and {@link plotMimeBundle}. */
export interface ShowPlotOptions {
  /**
   * Add an `image/png` (needs sharp, so `--allow-ffi`; the Deno kernel
   * allows everything). When sharp cannot be loaded the bundle silently
   * holds the SVG only. Default true.
   */
  png?: boolean;
  /** Add an `image/svg+xml`. Default true. */
  svg?: boolean;
  /** PNG pixels per SVG pixel. Default 1 (the notebook shows PNGs at pixel size). */
  scale?: number;
}

/**
 * Renders a spec to a Jupyter MIME bundle: `image/svg+xml`, `image/png`
 * (base64) when sharp is available, and a `text/plain` fallback.
 *
 * @param spec A Vega-Lite spec.
 * @param options See {@link ShowPlotOptions}.
 * @returns The MIME bundle.
 * @throws {PlotError} When the spec cannot be rendered.
 * @example
 * ```ts
 * import { plotMimeBundle, scatterPlot } from "./mod.ts";
 * const bundle = await plotMimeBundle(scatterPlot({ layers: [{ name: "a", points: [[0, 0]] }] }));
 * // in a notebook: await Deno.jupyter.display(bundle, { raw: true });
 * ```
 */
export async function plotMimeBundle(
  spec: VegaLiteSpec,
  options: ShowPlotOptions = {},
): Promise<MimeBundle> {
  const svg = await renderSvg(spec);
  const bundle: MimeBundle = { "text/plain": plainText(spec) };
  if (options.svg ?? true) bundle["image/svg+xml"] = svg;
  if (options.png ?? true) {
    try {
      bundle["image/png"] = encodeBase64(await svgToPng(svg, { scale: options.scale ?? 1 }));
    } catch (e) {
      // SVG alone still displays; only fail when nothing else is left.
      if (!bundle["image/svg+xml"]) throw e;
    }
  }
  return bundle;
}

function plainText(spec: VegaLiteSpec): string {
  const t = spec.title;
  const text = typeof t === "string"
    ? t
    : typeof t === "object" && t !== null
    ? (t as { text?: unknown }).text
    : "";
  return `<plot${typeof text === "string" && text ? `: ${text}` : ""}>`;
}

/**
 * A plot that Deno's Jupyter kernel displays inline. Rendering happens when
 * the kernel asks for it (once; the bundle is cached).
 */
export class PlotDisplay {
  #bundle?: Promise<MimeBundle>;
  /**
   * Wraps a spec; nothing is rendered until the kernel asks.
   *
   * @param spec The Vega-Lite spec to show.
   * @param options See {@link ShowPlotOptions}.
   * @example
   * ```ts
   * import { PlotDisplay, scatterPlot } from "./mod.ts";
   * const spec = scatterPlot({ layers: [{ name: "a", points: [[0, 0], [1, 1]] }], title: "A" });
   * const plot = new PlotDisplay(spec, { png: false }); // last expression of a cell: shown inline
   * const bundle = await plot.bundle();
   * console.log(bundle["text/plain"], "image/svg+xml" in bundle); // <plot: A> true
   * ```
   */
  constructor(readonly spec: VegaLiteSpec, readonly options: ShowPlotOptions = {}) {}

  /**
   * Renders (once) and returns the MIME bundle.
   *
   * @returns The MIME bundle, see {@link plotMimeBundle}.
   */
  bundle(): Promise<MimeBundle> {
    this.#bundle ??= plotMimeBundle(this.spec, this.options);
    return this.#bundle;
  }

  /**
   * Called by the Deno Jupyter kernel to display this value.
   *
   * @returns The MIME bundle.
   */
  [JUPYTER_DISPLAY](): Promise<MimeBundle> {
    return this.bundle();
  }
}

/**
 * Wraps a spec so that a Deno Jupyter notebook shows it inline, as the last
 * expression of a cell or through `Deno.jupyter.display`.
 *
 * @param spec A Vega-Lite spec, e.g. from {@link scatterPlot}.
 * @param options See {@link ShowPlotOptions}.
 * @returns A displayable value.
 * @example
 * ```ts
 * // In a notebook cell; from notebooks/*.ipynb the path is "../lib/plot/mod.ts".
 * import { scatterPlot, showPlot } from "./mod.ts";
 * const spec = scatterPlot({ layers: [{ name: "a", points: [[0, 0], [1, 1]] }], title: "A" });
 * showPlot(spec); // last expression: shown inline
 * // or, anywhere in a cell:
 * // await Deno.jupyter.display(showPlot(spec));
 * ```
 */
export function showPlot(spec: VegaLiteSpec, options: ShowPlotOptions = {}): PlotDisplay {
  return new PlotDisplay(spec, options);
}

/**
 * Alias of {@link showPlot}.
 *
 * @param spec A Vega-Lite spec.
 * @param options See {@link ShowPlotOptions}.
 * @returns A displayable value.
 * @example
 * ```ts
 * import { display, linePlot } from "./mod.ts";
 * display(linePlot({ series: [{ name: "loss", x: [1, 2], y: [3, 2] }] }));
 * ```
 */
export const display: (spec: VegaLiteSpec, options?: ShowPlotOptions) => PlotDisplay = showPlot;

/**
 * Displays a plot from anywhere in a notebook cell and waits until the
 * kernel has had time to send it. The Deno kernel (2.9) can report a cell as
 * finished before its display messages are out, and headless runners
 * (nbconvert) then drop them; a short pause after the display avoids that.
 *
 * @param spec A Vega-Lite spec.
 * @param options See {@link ShowPlotOptions}; `settleMs` is the pause (default 200).
 * @returns When the plot has been displayed.
 * @example
 * ```ts ignore
 * import { linePlot, show } from "../lib/plot/mod.ts";
 * await show(linePlot({ series: [{ name: "loss", x: [1, 2], y: [3, 2] }] }));
 * ```
 */
export async function show(
  spec: VegaLiteSpec,
  options: ShowPlotOptions & { settleMs?: number } = {},
): Promise<void> {
  const { settleMs = 200, ...rest } = options;
  await Deno.jupyter.display(showPlot(spec, rest));
  await new Promise((resolve) => setTimeout(resolve, settleMs));
}
