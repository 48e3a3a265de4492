/**
 * Joining row-major float arrays (batches read back from tensors, image
 * pixel blocks) into one.
 *
 * @module
 */

/**
 * The arrays one after another in a new Float32Array.
 * @param parts Arrays to join, in order.
 * @returns Their concatenation.
 * @example
 * ```ts
 * import { concatFloat32 } from "./float_arrays.ts";
 * concatFloat32([new Float32Array([1, 2]), new Float32Array([3])]); // Float32Array [1, 2, 3]
 * ```
 */
export function concatFloat32(parts: readonly ArrayLike<number>[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
