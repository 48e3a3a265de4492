/**
 * Loads sharp (libvips), the image codec, on first use. It is a native
 * addon, so it needs `--allow-ffi`, `--allow-env` and `--allow-read` (plus
 * `--allow-sys` when `--allow-read` is narrowed); loading it lazily keeps the
 * rest of the toolkit usable without those permissions.
 *
 * @module
 */
// deno-lint-ignore no-import-prefix
import type SharpDefault from "npm:sharp@0.35.5";
import { ImageDataError } from "./errors.ts";

/** sharp's default export: `sharp(input, options)` returns a pipeline. */
export type Sharp = typeof SharpDefault;

let codec: Promise<Sharp> | undefined;

/**
 * @returns The sharp factory, loaded once.
 * @throws {ImageDataError} Naming the permissions sharp needs when it cannot be loaded.
 * @example
 * ```ts
 * import { loadImageCodec } from "./codec.ts";
 * const sharp = await loadImageCodec();
 * const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: "red" } })
 *   .png().toBuffer();
 * ```
 */
export function loadImageCodec(): Promise<Sharp> {
  // deno-lint-ignore no-import-prefix
  codec ??= import("npm:sharp@0.35.5").then(
    (m) => (m.default ?? m) as Sharp,
    (e) => {
      codec = undefined;
      throw new ImageDataError(
        `could not load npm:sharp@0.35.5 to decode images (it needs --allow-ffi, --allow-env ` +
          `and --allow-read, plus --allow-sys when --allow-read is narrowed): ${
            (e as Error).message
          }`,
        { cause: e },
      );
    },
  );
  return codec;
}
