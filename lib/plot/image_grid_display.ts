/**
 * Inline display of image grids in Jupyter notebooks run by the Deno kernel,
 * the same way charts are shown (see {@link ./jupyter.ts}).
 *
 * @module
 */
import { encodeBase64 } from "./base64.ts";
import { type ImageBatch, type ImageGridOptions, renderImageGrid } from "./image_grid.ts";
import { JUPYTER_DISPLAY, type MimeBundle } from "./jupyter.ts";

/**
 * An image grid that Deno's Jupyter kernel displays inline; the PNG is
 * rendered when the kernel asks for it (once; then cached).
 */
export class ImageGridDisplay {
  #bundle?: Promise<MimeBundle>;
  /**
   * Wraps a batch; nothing is rendered until the kernel asks.
   * @param batch The images.
   * @param options Grid options, see {@link ImageGridOptions}.
   * @example
   * ```ts
   * import { ImageGridDisplay } from "./image_grid_display.ts";
   * const data = new Float32Array(4 * 8 * 8).map((_, i) => (i % 8) / 7);
   * const grid = new ImageGridDisplay({ data, shape: [4, 8, 8, 1] }, { title: "ramps" });
   * // As the last expression of a notebook cell, `grid` is shown inline.
   * const bundle = await grid.bundle();
   * console.log(bundle["text/plain"]); // <image grid: 4 images, 2 × 2: ramps>
   * ```
   */
  constructor(readonly batch: ImageBatch, readonly options: ImageGridOptions = {}) {}

  /**
   * Renders (once) and returns the MIME bundle: `image/png` (base64) and a
   * `text/plain` fallback.
   * @returns The MIME bundle.
   */
  bundle(): Promise<MimeBundle> {
    this.#bundle ??= renderImageGrid(this.batch, this.options).then(({ png, layout }) => ({
      "text/plain": `<image grid: ${this.batch.shape[0]} images, ${layout.rows} × ${layout.cols}${
        this.options.title ? `: ${this.options.title}` : ""
      }>`,
      "image/png": encodeBase64(png),
    }));
    return this.#bundle;
  }

  /**
   * Called by the Deno Jupyter kernel to display this value.
   * @returns The MIME bundle.
   */
  [JUPYTER_DISPLAY](): Promise<MimeBundle> {
    return this.bundle();
  }
}

/**
 * Wraps a batch of images so that a notebook shows it as a grid, as the last
 * expression of a cell or through `Deno.jupyter.display`.
 * @param batch The images, see {@link ImageBatch}.
 * @param options See {@link ImageGridOptions}.
 * @returns A displayable value.
 * @example
 * ```ts
 * import { showImageGrid } from "./image_grid_display.ts";
 * const data = new Float32Array(9 * 28 * 28).map(() => Math.random());
 * showImageGrid({ data, shape: [9, 28, 28, 1] }, { labels: true }); // last expression of a cell
 * ```
 */
export function showImageGrid(batch: ImageBatch, options: ImageGridOptions = {}): ImageGridDisplay {
  return new ImageGridDisplay(batch, options);
}

/**
 * Displays an image grid from anywhere in a notebook cell and waits briefly
 * so that headless runners keep the output (see `show` in {@link ./jupyter.ts}).
 * @param batch The images, see {@link ImageBatch}.
 * @param options Grid options; `settleMs` is the pause after displaying (default 200).
 * @returns When the grid has been displayed.
 * @example
 * ```ts ignore
 * import { showImages } from "../lib/plot/mod.ts";
 * await showImages({ data: await images.data(), shape: images.shape }, { labels: true });
 * ```
 */
export async function showImages(
  batch: ImageBatch,
  options: ImageGridOptions & { settleMs?: number } = {},
): Promise<void> {
  const { settleMs = 200, ...rest } = options;
  await Deno.jupyter.display(showImageGrid(batch, rest));
  await new Promise((resolve) => setTimeout(resolve, settleMs));
}
