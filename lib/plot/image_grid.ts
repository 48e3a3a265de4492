/**
 * Image grids: a batch of images (e.g. generated digits, the top outliers,
 * interpolation strips) tiled into one PNG, with optional number labels under
 * or over each tile, labels left of each row and a title. Small images are
 * scaled up by whole factors with nearest-neighbour sampling, so every image
 * pixel becomes a crisp square. Text is drawn from an SVG overlay that sharp
 * (librsvg) composites onto the pixels, in the same font as the charts.
 *
 * An interpolation strip is the same grid with one row per interpolation:
 * `rows: 2, cols: steps, rowLabels: ["linear", "slerp"]`.
 *
 * @module
 */
import { dirname } from "node:path";
import { writeFileAtomic } from "../core/atomic.ts";
import { loadSharp } from "./render.ts";
import { FONT } from "./style.ts";
import { PlotError } from "./types.ts";

/** A batch of images, row-major NHWC (`[n, H, W, C]`, C = 1 grey or 3 RGB; `[n, H, W]` is grey). */
export interface ImageBatch {
  /** Pixel values, `n·H·W·C` of them (e.g. `await tensor.data()`). */
  data: ArrayLike<number>;
  /** `[n, H, W, C]` or `[n, H, W]` (e.g. `tensor.shape`). */
  shape: readonly number[];
}

/** Options of {@link renderImageGrid}. */
export interface ImageGridOptions {
  /** Rows of tiles. Default: enough for all images given `cols`. */
  rows?: number;
  /** Columns of tiles. Default: ⌈√n⌉, or enough for all images given `rows`. */
  cols?: number;
  /** Values mapped to black and white: `[0, 1]` (default) or e.g. `[0, 255]`; others are clipped. */
  valueRange?: [number, number];
  /** Whole-number upscaling (nearest neighbour). Default: the smallest making a tile ≥ 64 px. */
  scale?: number;
  /** Pixels between tiles and around the grid. Default 2. */
  gap?: number;
  /** Background colour, `#rrggbb`. Default white. */
  background?: string;
  /** One label per image, or `true` for "1", "2", …. */
  labels?: string[] | boolean;
  /** Where the labels go. Default `below`. */
  labelPosition?: "below" | "above";
  /** Label colour (CSS). Default `#222`. */
  labelColor?: string;
  /** One label per row, drawn left of the row (e.g. "linear", "slerp"). */
  rowLabels?: string[];
  /** Title above the grid. */
  title?: string;
  /** Font size of the labels in pixels (the title is 3 px larger). Default 12. */
  fontSize?: number;
}

/** Where everything goes in an image grid, from {@link imageGridLayout}. */
export interface ImageGridLayout {
  /** Width of the whole PNG in pixels. */
  width: number;
  /** Height of the whole PNG in pixels. */
  height: number;
  /** Rows of tiles. */
  rows: number;
  /** Columns of tiles. */
  cols: number;
  /** Upscaling factor. */
  scale: number;
  /** Tile width (image width · scale). */
  tileWidth: number;
  /** Tile height (image height · scale). */
  tileHeight: number;
  /** Top-left pixel of each image's tile, in batch order (row by row). */
  tiles: { x: number; y: number }[];
  /** Top pixel row of the tiles of each grid row. */
  rowTops: number[];
}

/** Most pixels a grid may have (a 10 000 × 10 000 image). */
const MAX_PIXELS = 1e8;

function fail(message: string): never {
  throw new PlotError(message);
}

function checkShape(shape: readonly number[]): [number, number, number, number] {
  if (shape.length !== 3 && shape.length !== 4) {
    fail(`Image batch shape must be [n, H, W, C] or [n, H, W], got [${shape.join(", ")}]`);
  }
  const [n, h, w, c = 1] = shape;
  for (const v of [n, h, w, c]) {
    if (!Number.isInteger(v) || v < 1) {
      fail(`Image batch shape needs positive integers, got [${shape.join(", ")}]`);
    }
  }
  if (c !== 1 && c !== 3) fail(`Images need 1 (grey) or 3 (RGB) channels, got ${c}`);
  return [n, h, w, c];
}

function labelTexts(labels: string[] | boolean | undefined, n: number): string[] | undefined {
  if (labels === undefined || labels === false) return undefined;
  if (labels === true) return Array.from({ length: n }, (_, i) => String(i + 1));
  if (labels.length !== n) fail(`Image grid: ${labels.length} labels for ${n} images`);
  return labels;
}

/**
 * Computes the size of the grid and where each tile goes, without drawing.
 * @param shape `[n, H, W, C]` or `[n, H, W]`.
 * @param options See {@link ImageGridOptions}.
 * @returns The layout.
 * @throws {PlotError} On a bad shape, a grid too small for the images, or bad options.
 * @example
 * ```ts
 * import { imageGridLayout } from "./image_grid.ts";
 * const l = imageGridLayout([10, 28, 28, 1], { cols: 5 });
 * // l.rows 2, l.scale 3, l.tileWidth 84, l.tiles[1] = { x: 88, y: 2 }
 * ```
 */
export function imageGridLayout(
  shape: readonly number[],
  options: ImageGridOptions = {},
): ImageGridLayout {
  const [n, h, w] = checkShape(shape);
  let { rows, cols } = options;
  if (cols === undefined) cols = rows === undefined ? Math.ceil(Math.sqrt(n)) : Math.ceil(n / rows);
  if (rows === undefined) rows = Math.ceil(n / cols);
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    fail(`Image grid rows and cols must be positive integers, got ${rows} × ${cols}`);
  }
  if (rows * cols < n) fail(`Image grid of ${rows} × ${cols} has no room for ${n} images`);
  const scale = options.scale ?? Math.max(1, Math.ceil(64 / Math.max(h, w)));
  if (!Number.isInteger(scale) || scale < 1 || scale > 64) {
    fail(`Image grid scale must be an integer in [1, 64], got ${scale}`);
  }
  const gap = options.gap ?? 2;
  if (!Number.isInteger(gap) || gap < 0) fail(`Image grid gap must be an integer ≥ 0, got ${gap}`);
  const font = options.fontSize ?? 12;
  if (!(font > 0)) fail(`Image grid fontSize must be > 0, got ${font}`);
  if (options.rowLabels && options.rowLabels.length !== rows) {
    fail(`Image grid: ${options.rowLabels.length} row labels for ${rows} rows`);
  }
  const labelBand = labelTexts(options.labels, n) ? Math.ceil(font * 1.5) : 0;
  const titleBand = options.title ? Math.ceil((font + 3) * 1.9) : 0;
  const longest = Math.max(0, ...(options.rowLabels ?? []).map((s) => s.length));
  const rowLabelBand = options.rowLabels ? Math.ceil(longest * font * 0.62 + font) : 0;
  const tileWidth = w * scale, tileHeight = h * scale;
  const cellHeight = tileHeight + labelBand;
  const width = 2 * gap + rowLabelBand + cols * tileWidth + (cols - 1) * gap;
  const height = 2 * gap + titleBand + rows * cellHeight + (rows - 1) * gap;
  if (width * height > MAX_PIXELS) {
    fail(`Image grid of ${width} × ${height} pixels is too large (limit ${MAX_PIXELS})`);
  }
  const above = options.labelPosition === "above" ? labelBand : 0;
  const rowTops = Array.from(
    { length: rows },
    (_, r) => gap + titleBand + r * (cellHeight + gap) + above,
  );
  const tiles = Array.from({ length: n }, (_, i) => ({
    x: gap + rowLabelBand + (i % cols) * (tileWidth + gap),
    y: rowTops[Math.floor(i / cols)],
  }));
  return { width, height, rows, cols, scale, tileWidth, tileHeight, tiles, rowTops };
}

function parseHex(color: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m) fail(`Image grid background must be #rrggbb, got ${JSON.stringify(color)}`);
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** The pixels of the grid, RGB, without text. */
function drawTiles(batch: ImageBatch, layout: ImageGridLayout, options: ImageGridOptions) {
  const [n, h, w, c] = checkShape(batch.shape);
  if (batch.data.length !== n * h * w * c) {
    fail(
      `Image batch of shape [${batch.shape.join(", ")}] needs ${n * h * w * c} values, ` +
        `got ${batch.data.length}`,
    );
  }
  const [lo, hi] = options.valueRange ?? [0, 1];
  if (!(hi > lo)) fail(`Image grid valueRange must have hi > lo, got [${lo}, ${hi}]`);
  const { width, height, scale, tiles } = layout;
  const out = new Uint8Array(width * height * 3);
  const bg = parseHex(options.background ?? "#ffffff");
  for (let p = 0; p < width * height; p++) out.set(bg, p * 3);
  const k = 255 / (hi - lo);
  const rgb = new Uint8Array(3);
  for (let i = 0; i < n; i++) {
    const { x, y } = tiles[i];
    for (let py = 0; py < h; py++) {
      for (let px = 0; px < w; px++) {
        const src = ((i * h + py) * w + px) * c;
        for (let ch = 0; ch < 3; ch++) {
          const v = (batch.data[src + (c === 3 ? ch : 0)] - lo) * k;
          rgb[ch] = Number.isFinite(v) ? Math.max(0, Math.min(255, Math.round(v))) : 0;
        }
        for (let sy = 0; sy < scale; sy++) {
          let o = ((y + py * scale + sy) * width + x + px * scale) * 3;
          for (let sx = 0; sx < scale; sx++, o += 3) out.set(rgb, o);
        }
      }
    }
  }
  return out;
}

/** The text overlay as SVG, or undefined when there is no text. */
function textOverlay(n: number, layout: ImageGridLayout, options: ImageGridOptions) {
  const labels = labelTexts(options.labels, n);
  if (!labels && !options.rowLabels && !options.title) return undefined;
  const font = options.fontSize ?? 12;
  const gap = options.gap ?? 2;
  const color = escapeXml(options.labelColor ?? "#222");
  const parts: string[] = [];
  const text = (x: number, y: number, s: string, attrs: string) =>
    parts.push(`<text x="${x}" y="${y}" ${attrs}>${escapeXml(s)}</text>`);
  const { tiles, tileWidth, tileHeight, width } = layout;
  labels?.forEach((s, i) => {
    const { x, y } = tiles[i];
    const base = options.labelPosition === "above" ? y - Math.ceil(font * 0.35) : y + tileHeight +
      Math.ceil(font * 1.1);
    text(x + tileWidth / 2, base, s, `font-size="${font}" text-anchor="middle" fill="${color}"`);
  });
  options.rowLabels?.forEach((s, r) => {
    const y = layout.rowTops[r] + tileHeight / 2 + font * 0.35;
    text(gap + font / 2, y, s, `font-size="${font}" fill="${color}"`);
  });
  if (options.title) {
    text(
      width / 2,
      gap + Math.ceil((font + 3) * 1.3),
      options.title,
      `font-size="${font + 3}" font-weight="bold" text-anchor="middle" fill="#222"`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${layout.height}" ` +
    `font-family="${escapeXml(FONT)}">${parts.join("")}</svg>`;
}

/** A rendered grid from {@link renderImageGrid}. */
export interface RenderedImageGrid {
  /** PNG file contents. */
  png: Uint8Array;
  /** Where the tiles are. */
  layout: ImageGridLayout;
}

/**
 * Tiles a batch of images into one PNG (RGB), with optional labels, row
 * labels and title. Needs sharp (`--allow-ffi --allow-env --allow-read`).
 *
 * @param batch The images, see {@link ImageBatch}.
 * @param options See {@link ImageGridOptions}.
 * @returns The PNG bytes and the layout.
 * @throws {PlotError} On a bad shape, a data length that does not match it,
 *   bad options, or when sharp cannot be loaded.
 * @example
 * ```ts
 * import { renderImageGrid } from "./image_grid.ts";
 * const data = new Float32Array(4 * 28 * 28).map((_, i) => (i % 28) / 27);
 * const { png, layout } = await renderImageGrid(
 *   { data, shape: [4, 28, 28, 1] },
 *   { cols: 4, labels: true },
 * );
 * ```
 */
export async function renderImageGrid(
  batch: ImageBatch,
  options: ImageGridOptions = {},
): Promise<RenderedImageGrid> {
  const layout = imageGridLayout(batch.shape, options);
  const pixels = drawTiles(batch, layout, options);
  const overlay = textOverlay(batch.shape[0], layout, options);
  const sharp = await loadSharp();
  try {
    let img = sharp(pixels, {
      raw: { width: layout.width, height: layout.height, channels: 3 },
    } as unknown as { density?: number });
    if (overlay) {
      img = img.composite([{ input: new TextEncoder().encode(overlay), top: 0, left: 0 }]);
    }
    const buf = await img.png().toBuffer();
    return { png: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), layout };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new PlotError(`could not encode the image grid as PNG: ${msg}`, { cause: e });
  }
}

/**
 * Renders an image grid and writes it atomically as a PNG (the folder is
 * created if missing).
 * @param batch The images, see {@link ImageBatch}.
 * @param path Output path ending in `.png`.
 * @param options See {@link ImageGridOptions}.
 * @returns The path and the image size in pixels.
 * @throws {PlotError} As {@link renderImageGrid}, on a path not ending in
 *   `.png`, or on a write failure.
 * @example
 * ```ts
 * import { saveImageGrid } from "./image_grid.ts";
 * const data = new Float32Array(2 * 8 * 8 * 3).fill(128);
 * await saveImageGrid({ data, shape: [2, 8, 8, 3] }, "output/grey.png", { valueRange: [0, 255] });
 * ```
 */
export async function saveImageGrid(
  batch: ImageBatch,
  path: string,
  options: ImageGridOptions = {},
): Promise<{ path: string; width: number; height: number }> {
  if (!/\.png$/i.test(path)) {
    throw new PlotError(`saveImageGrid path must end in .png, got ${JSON.stringify(path)}`);
  }
  const { png, layout } = await renderImageGrid(batch, options);
  try {
    await Deno.mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, png);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new PlotError(`could not write ${path}: ${msg}`, { cause: e });
  }
  return { path, width: layout.width, height: layout.height };
}
