/**
 * Test fixtures for the image tests: small generated images written as PNG
 * files in the `train/<class>/`, `val/<class>/` layout.
 *
 * @module
 */
import { join } from "node:path";
import { encodePng } from "../lib/images/decode.ts";
import type { ImageShape } from "../lib/core/shapes.ts";
import { Rng } from "../lib/core/random.ts";
import type { Split } from "../lib/images/source.ts";

/** Images to generate in one class folder. */
export interface ClassSpec {
  /** Split. */
  split: Split;
  /** Class folder name. */
  label: string;
  /** Number of images. */
  count: number;
}

/**
 * Random pixels with every value 0..255 likely to occur.
 * @param shape `[h, w, c]`.
 * @param seed Seed.
 * @returns `h · w · c` bytes.
 */
export function randomPixels(shape: ImageShape, seed: number): Uint8Array {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: shape[0] * shape[1] * shape[2] }, () => rng.int(256));
}

/**
 * Writes PNGs `<root>/<split>/<label>/<i>.png` of random pixels.
 * @param root Folder (created).
 * @param classes What to write.
 * @param shape Image shape.
 * @returns Pixels by relative path `split/label/name.png`.
 */
export async function writeImageTree(
  root: string,
  classes: ClassSpec[],
  shape: ImageShape,
): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  let seed = 1;
  for (const { split, label, count } of classes) {
    await Deno.mkdir(join(root, split, label), { recursive: true });
    for (let i = 0; i < count; i++) {
      const pixels = randomPixels(shape, seed++);
      const rel = `${split}/${label}/${String(i).padStart(3, "0")}.png`;
      await Deno.writeFile(join(root, rel), await encodePng(pixels, shape));
      out.set(rel, pixels);
    }
  }
  return out;
}
