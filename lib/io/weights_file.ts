/**
 * Reading a `weights.bin` against its manifest, with the checks that turn a
 * damaged file into a message a person can act on: the file's size against
 * the size the manifest promises (a truncated or overwritten file), and
 * every float weight finite (a file of the right size holding garbage).
 *
 * @module
 */
import { tf } from "../core/tf.ts";

const BYTES_PER_VALUE: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  float16: 2,
};

/**
 * Bytes a weights manifest describes (unquantized tensors).
 * @param specs Manifest entries.
 * @param path File name for the message when an entry cannot be sized.
 * @returns The total byte length.
 * @throws Error naming the file and the entry with an unknown dtype or a quantization.
 * @example
 * ```ts
 * import { manifestBytes } from "./weights_file.ts";
 * console.log(manifestBytes([{ name: "w", shape: [2, 3], dtype: "float32" }], "weights.bin")); // 24
 * ```
 */
export function manifestBytes(specs: tf.io.WeightsManifestEntry[], path: string): number {
  return specs.reduce((total, spec) => total + entryBytes(spec, path), 0);
}

function entryBytes(spec: tf.io.WeightsManifestEntry, path: string): number {
  const bytes = BYTES_PER_VALUE[spec.dtype];
  if (bytes === undefined || spec.quantization) {
    throw new Error(`${path}: weight "${spec.name}" has an unsupported encoding (${spec.dtype})`);
  }
  return bytes * spec.shape.reduce((a, b) => a * b, 1);
}

/**
 * Reads and decodes a weights file, checking it first.
 * @param path The `weights.bin` file.
 * @param specs Its manifest entries, in file order.
 * @returns The tensors by name (the caller disposes them).
 * @throws Error naming the file when it is missing, when its size is not the manifest's
 *   (with both sizes), or naming the first weight holding a NaN or an infinity.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { readWeightsFile } from "./weights_file.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeFile(path, new Uint8Array(new Float32Array([1, 2, 3]).buffer));
 * const t = await readWeightsFile(path, [{ name: "w", shape: [3], dtype: "float32" }]);
 * console.log(Array.from(t.w.dataSync())); // [1, 2, 3]
 * tf.dispose(Object.values(t));
 * try {
 *   await readWeightsFile(path, [{ name: "w", shape: [4], dtype: "float32" }]);
 * } catch (err) {
 *   console.log((err as Error).message); // …: 12 bytes, but its manifest describes 16 …
 * }
 * await Deno.remove(path);
 * ```
 */
export async function readWeightsFile(
  path: string,
  specs: tf.io.WeightsManifestEntry[],
): Promise<tf.NamedTensorMap> {
  let bin: Uint8Array;
  try {
    bin = await Deno.readFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw new Error(`${path} does not exist`);
    throw err;
  }
  const expected = manifestBytes(specs, path);
  if (bin.byteLength !== expected) {
    throw new Error(
      `${path}: ${bin.byteLength} bytes, but its manifest describes ${expected} bytes ` +
        `(${specs.length} tensors); the file is ${
          bin.byteLength < expected ? "truncated" : "not the one the manifest was written for"
        }`,
    );
  }
  // Checked on the file's bytes, before any tensor exists: nothing to free on failure.
  const buffer = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  let offset = 0;
  for (const spec of specs) {
    const bytes = entryBytes(spec, path);
    if (spec.dtype === "float32") {
      const values = offset % 4 === 0
        ? new Float32Array(buffer, offset, bytes / 4)
        : new Float32Array(buffer.slice(offset, offset + bytes));
      const bad = values.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        throw new Error(
          `${path}: weight "${spec.name}" holds ${values[bad]} at index ${bad}; ` +
            `the file is corrupt (retrain, or restore it from a copy)`,
        );
      }
    }
    offset += bytes;
  }
  const tensors = tf.io.decodeWeights(buffer, specs);
  return tensors;
}
