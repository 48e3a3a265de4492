/**
 * Rendering: Vega-Lite spec → SVG (headless Vega, no native code needed) and
 * SVG → PNG (sharp, loaded only when a PNG is asked for, because it needs
 * `--allow-ffi`).
 *
 * @module
 */
// deno-lint-ignore no-import-prefix
import * as vega from "npm:vega@6.4.0";
// deno-lint-ignore no-import-prefix
import * as vl from "npm:vega-lite@6.5.0";
import { BASE_CONFIG } from "./style.ts";
import { PlotError, type VegaLiteSpec } from "./types.ts";
import { validateSpec } from "./validate.ts";

/** The sharp version loaded by {@link svgToPng}. */
export const SHARP_SPECIFIER = "npm:sharp@0.35.5";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Merges two Vega-Lite configs: top-level keys of `over` win, and where both
 * hold an object for a key, those objects are merged one level deep.
 *
 * @param base The defaults.
 * @param over The overrides (may be undefined).
 * @returns A new config object.
 * @example
 * ```ts
 * import { mergeConfig } from "./render.ts";
 * mergeConfig({ axis: { grid: true } }, { axis: { labelFontSize: 9 } });
 * // { axis: { grid: true, labelFontSize: 9 } }
 * ```
 */
export function mergeConfig(base: VegaLiteSpec, over: unknown): VegaLiteSpec {
  const out: VegaLiteSpec = { ...base };
  if (!isObject(over)) return out;
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isObject(b) && isObject(v) ? { ...b, ...v } : v;
  }
  return out;
}

/**
 * Returns the spec with the module's base config (white background, DejaVu
 * Sans font, font sizes) merged under the spec's own `config`.
 *
 * @param spec A Vega-Lite spec.
 * @returns A shallow copy of the spec with the merged config.
 * @example
 * ```ts
 * import { withBaseConfig } from "./render.ts";
 * withBaseConfig({ mark: "point" }).config; // { background: "white", ... }
 * ```
 */
export function withBaseConfig(spec: VegaLiteSpec): VegaLiteSpec {
  return { ...spec, config: mergeConfig(BASE_CONFIG, spec.config) };
}

function describe(spec: VegaLiteSpec): string {
  const t = spec.title;
  const text = typeof t === "string" ? t : isObject(t) ? t.text : undefined;
  return typeof text === "string" && text ? ` "${text}"` : "";
}

/**
 * Renders a Vega-Lite spec to an SVG document, headlessly (no browser, no
 * canvas, no FFI). The base config of this module is merged in (see
 * {@link withBaseConfig}); inline data only (`data.values`), since no loader
 * permissions are assumed.
 *
 * @param spec A Vega-Lite spec, e.g. from {@link ./charts.ts}.
 * @returns The SVG markup, starting with `<svg`.
 * @throws {PlotError} When the spec is malformed or Vega fails to render it;
 *   the message names the plot title and the cause.
 * @example
 * ```ts
 * import { renderSvg } from "./render.ts";
 * const svg = await renderSvg({
 *   data: { values: [{ a: 1, b: 2 }] },
 *   mark: "point",
 *   encoding: { x: { field: "a", type: "quantitative" }, y: { field: "b", type: "quantitative" } },
 * });
 * ```
 */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  validateSpec(spec);
  const full = withBaseConfig(spec);
  let view: vega.View | undefined;
  try {
    // deno-lint-ignore no-explicit-any
    const compiled = vl.compile(full as any).spec;
    view = new vega.View(vega.parse(compiled), { renderer: "none", logLevel: vega.Warn });
    return await view.toSVG();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new PlotError(`could not render Vega-Lite spec${describe(spec)}: ${msg}`, { cause: e });
  } finally {
    view?.finalize();
  }
}

/**
 * Reads the pixel size written on the root `<svg>` element.
 *
 * @param svg SVG markup as produced by {@link renderSvg}.
 * @returns `{ width, height }` in CSS pixels (NaN when absent).
 * @example
 * ```ts
 * import { svgSize } from "./render.ts";
 * svgSize('<svg width="10" height="20"></svg>'); // { width: 10, height: 20 }
 * ```
 */
export function svgSize(svg: string): { width: number; height: number } {
  const head = svg.slice(0, svg.indexOf(">") + 1);
  const num = (name: string) => Number(new RegExp(`\\s${name}="([0-9.]+)"`).exec(head)?.[1]);
  return { width: num("width"), height: num("height") };
}

/** Options of {@link svgToPng}. */
export interface PngOptions {
  /** Pixels per SVG pixel (1 = the SVG's own size; 2 = sharper). Default 2. */
  scale?: number;
}

/** The sharp module's default export: `sharp(input, options)` returns a pipeline. */
// deno-lint-ignore no-explicit-any
export type SharpFactory = (input: Uint8Array, options?: { density?: number }) => any;
let sharpPromise: Promise<SharpFactory> | undefined;

/**
 * Loads sharp on first use. Fails with a {@link PlotError} that names the
 * permissions sharp needs when it cannot be loaded.
 *
 * @returns The sharp factory function.
 * @example
 * ```ts
 * import { loadSharp } from "./render.ts";
 * const sharp = await loadSharp(); // needs --allow-ffi --allow-env --allow-read (--allow-sys)
 * ```
 */
export function loadSharp(): Promise<SharpFactory> {
  // A literal specifier (not SHARP_SPECIFIER) keeps the import analysable.
  // deno-lint-ignore no-import-prefix
  sharpPromise ??= import("npm:sharp@0.35.5").then(
    (m) => (m.default ?? m) as SharpFactory,
    (e) => {
      sharpPromise = undefined;
      const msg = e instanceof Error ? e.message : String(e);
      throw new PlotError(
        `could not load ${SHARP_SPECIFIER} to write PNGs (it needs --allow-ffi, --allow-env and ` +
          `--allow-read, plus --allow-sys when --allow-read is narrowed; SVG output needs none ` +
          `of them): ${msg}`,
        { cause: e },
      );
    },
  );
  return sharpPromise;
}

/**
 * Rasterises SVG markup to PNG bytes with sharp (librsvg). Text is drawn
 * with the fonts fontconfig finds (DejaVu Sans expected: Debian package
 * `fonts-dejavu-core`).
 *
 * @param svg SVG markup.
 * @param options See {@link PngOptions}.
 * @returns The PNG file contents.
 * @throws {PlotError} When sharp cannot be loaded or the SVG cannot be decoded.
 * @example
 * ```ts
 * import { renderSvg, svgToPng } from "./render.ts";
 * const png = await svgToPng(await renderSvg({ mark: "point" }), { scale: 1 });
 * ```
 */
export async function svgToPng(svg: string, options: PngOptions = {}): Promise<Uint8Array> {
  const scale = options.scale ?? 2;
  if (!(scale > 0 && scale <= 16)) {
    throw new PlotError(`PNG scale must be in (0, 16], got ${scale}`);
  }
  const sharp = await loadSharp();
  try {
    const buf = await sharp(new TextEncoder().encode(svg), { density: 72 * scale }).png()
      .toBuffer();
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new PlotError(`could not rasterise SVG to PNG: ${msg}`, { cause: e });
  }
}

/** A plot rendered to both formats, from {@link renderPlot}. */
export interface RenderedPlot {
  /** SVG markup. */
  svg: string;
  /** PNG file contents. */
  png: Uint8Array;
  /** PNG width in pixels. */
  width: number;
  /** PNG height in pixels. */
  height: number;
}

/**
 * Renders a spec to SVG and PNG at once.
 *
 * @param spec A Vega-Lite spec.
 * @param options See {@link PngOptions}.
 * @returns SVG markup, PNG bytes and the PNG size in pixels.
 * @throws {PlotError} On a bad spec or when sharp is unavailable.
 * @example
 * ```ts
 * import { renderPlot, scatterPlot } from "./mod.ts";
 * const { png, width } = await renderPlot(scatterPlot({ layers: [{ name: "a", points: [[0, 1]] }] }));
 * ```
 */
export async function renderPlot(
  spec: VegaLiteSpec,
  options: PngOptions = {},
): Promise<RenderedPlot> {
  const svg = await renderSvg(spec);
  const png = await svgToPng(svg, options);
  const scale = options.scale ?? 2;
  const { width, height } = svgSize(svg);
  return { svg, png, width: Math.round(width * scale), height: Math.round(height * scale) };
}
