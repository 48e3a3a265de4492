/**
 * Shared types and the error class of the plotting module.
 *
 * @module
 */

/**
 * A Vega-Lite specification as a plain JSON object.
 *
 * The builders of this module return this type; any hand-written
 * Vega-Lite spec (https://vega.github.io/vega-lite/docs/spec.html) is accepted
 * by the renderers too.
 */
export type VegaLiteSpec = Record<string, unknown>;

/**
 * Error thrown when a spec cannot be compiled or rendered, or an image cannot
 * be written. The message says what went wrong; `cause` holds the original
 * error from Vega, Vega-Lite or sharp, when there is one.
 *
 * @example
 * ```ts
 * import { PlotError, renderSvg } from "./mod.ts";
 * try {
 *   await renderSvg({ mark: "nonsense" });
 * } catch (e) {
 *   if (e instanceof PlotError) console.error(e.message);
 * }
 * ```
 */
export class PlotError extends Error {
  /**
   * Creates the error.
   *
   * @param message What went wrong, in words.
   * @param options `cause`: the underlying error, if any.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PlotError";
  }
}
