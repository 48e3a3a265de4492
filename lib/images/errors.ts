/**
 * The error raised for image data that cannot be used at all: a missing
 * folder or bucket, a wrong layout, an empty split, a malformed IDX file,
 * denied access. (A single unreadable image inside a good dataset is not an
 * error: the loader skips it with a warning, see {@link ./image_data_source.ts}.)
 *
 * @module
 */

/** A dataset that cannot be read; the message names the path, field or shape at fault. */
export class ImageDataError extends Error {
  /**
   * @param message What is wrong and where, e.g. `data/x: no train/ folder`.
   * @param options `cause`: the underlying error, if any.
   * @example
   * ```ts
   * import { ImageDataError } from "./errors.ts";
   * const err = new ImageDataError("data/pets: no train/ folder (expected train/<class>/*.png)");
   * console.log(err.name); // "ImageDataError"
   * ```
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ImageDataError";
  }
}

/**
 * The message of any thrown value.
 * @param e A caught value.
 * @returns Its `message` when it is an Error, else its string form.
 * @example
 * ```ts
 * import { errorMessage } from "./errors.ts";
 * errorMessage(new Error("boom")); // "boom"
 * ```
 */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
