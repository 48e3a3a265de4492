/**
 * Default look shared by every chart: sizes, colours and the base Vega-Lite
 * config merged into each spec at render time.
 *
 * @module
 */
import type { VegaLiteSpec } from "./types.ts";

/** Default plot width in pixels (the data area, without axes and legend). */
export const DEFAULT_WIDTH = 480;
/** Default plot height in pixels (the data area, without axes and legend). */
export const DEFAULT_HEIGHT = 420;
/** Vega-Lite schema URL put on every top-level spec this module builds. */
export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/**
 * Font family used for all text. DejaVu Sans is what the PNG rasteriser
 * (librsvg, through sharp and fontconfig) is expected to find; browsers fall
 * back to their own sans-serif.
 */
export const FONT = "DejaVu Sans, Verdana, sans-serif";

/** Categorical colours given to layers / series that name none (Tableau 10). */
export const PALETTE: readonly string[] = [
  "#4c78a8",
  "#f58518",
  "#54a24b",
  "#e45756",
  "#72b7b2",
  "#eeca3b",
  "#b279a2",
  "#ff9da6",
  "#9d755d",
  "#bab0ac",
];

/** Colour of highlighted points (rings and their number labels). */
export const HIGHLIGHT_COLOR = "#d62728";

/**
 * The base Vega-Lite `config`: white background, one font, readable sizes.
 * A spec's own `config` entries win over these.
 */
export const BASE_CONFIG: VegaLiteSpec = {
  background: "white",
  font: FONT,
  padding: 8,
  title: { fontSize: 15, subtitleFontSize: 11, subtitleColor: "#555", anchor: "middle" },
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridColor: "#e6e6e6" },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  view: { stroke: "#bbb" },
};

/**
 * Colour for the `i`-th layer: the given one, else the palette entry.
 *
 * @param i Index of the layer or series.
 * @param color Colour asked for, if any.
 * @returns A CSS colour string.
 * @example
 * ```ts
 * import { colorFor } from "./style.ts";
 * colorFor(0); // "#4c78a8"
 * colorFor(1, "black"); // "black"
 * ```
 */
export function colorFor(i: number, color?: string): string {
  return color ?? PALETTE[i % PALETTE.length];
}

/**
 * The `title` property of a spec from a title, a subtitle and notes about the data (e.g. how
 * many points were left out); empty when there is nothing to show.
 * @param title Main title.
 * @param subtitle The caller's subtitle.
 * @param notes Extra subtitle lines.
 * @returns `{ title: { text, subtitle? } }` or `{}`.
 * @example
 * ```ts
 * import { titleBlock } from "./style.ts";
 * titleBlock("Samples", undefined, ["2 points left out"]);
 * // { title: { text: "Samples", subtitle: ["2 points left out"] } }
 * ```
 */
export function titleBlock(
  title: string | undefined,
  subtitle: string | undefined,
  notes: string[] = [],
): { title?: { text: string; subtitle?: string[] } } {
  const lines = [subtitle, ...notes].filter(Boolean) as string[];
  if (!title && lines.length === 0) return {};
  return { title: { text: title ?? "", ...(lines.length ? { subtitle: lines } : {}) } };
}
