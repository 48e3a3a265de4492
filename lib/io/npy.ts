/**
 * NumPy `.npy` files of float arrays: little-endian `'<f4'` (`Float32Array`)
 * and `'<f8'` (`Float64Array`), C order, any shape, so arrays move between
 * this toolkit and Python (`numpy.load` / `numpy.save`) without a converter.
 *
 * Written files are format version 1.0 with the header padded to a multiple
 * of 64 bytes, byte for byte what `numpy.save` writes for the same array.
 * Reading also accepts versions 2.0 and 3.0 (a 4-byte header length), and
 * turns a damaged or foreign file into an error naming the file: a bad magic
 * string, an unsupported dtype (named), `fortran_order: True`, or data
 * shorter or longer than the shape promises (both byte counts).
 *
 * @module
 */
import { writeFileAtomic } from "../core/atomic.ts";

/** A float array and its shape, as held in a `.npy` file. */
export interface NpyArray {
  /** The values in C (row-major) order: `Float32Array` for `'<f4'`, `Float64Array` for `'<f8'`. */
  data: Float32Array | Float64Array;
  /** The array's shape (`[]` for a scalar). */
  shape: number[];
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const ALIGN = 64;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const DTYPE_NAMES: Record<string, string> = {
  f2: "float16",
  f4: "float32",
  f8: "float64",
  f16: "float128",
  i1: "int8",
  i2: "int16",
  i4: "int32",
  i8: "int64",
  u1: "uint8",
  u2: "uint16",
  u4: "uint32",
  u8: "uint64",
  b1: "bool",
  c8: "complex64",
  c16: "complex128",
};

function checkShape(shape: readonly number[], length: number, where: string): void {
  for (const n of shape) {
    if (!(Number.isInteger(n) && n >= 0)) {
      throw new RangeError(`${where}: shape [${shape}] has a dimension that is not an integer ≥ 0`);
    }
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== length) {
    throw new RangeError(
      `${where}: shape [${shape}] holds ${size} values but the array has ${length}`,
    );
  }
}

/**
 * Encodes a float array as the bytes of a `.npy` file (version 1.0, C order, little-endian).
 * @param data The values in C order; `Float32Array` is written as `'<f4'`, `Float64Array` as
 *   `'<f8'`.
 * @param shape The array's shape; its product must equal `data.length` (`[]` for a scalar).
 * @returns The file's bytes (header padded to 64 bytes, as `numpy.save` writes).
 * @throws RangeError when the shape does not hold `data.length` values.
 * @example
 * ```ts
 * import { decodeNpy, encodeNpy } from "./npy.ts";
 * const bytes = encodeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
 * console.log(bytes.length); // 152: a 128-byte header and 24 bytes of data
 * console.log(decodeNpy(bytes).shape); // [2, 3]
 * ```
 */
export function encodeNpy(data: Float32Array | Float64Array, shape: readonly number[]): Uint8Array {
  checkShape(shape, data.length, "encodeNpy");
  const descr = data instanceof Float32Array ? "<f4" : "<f8";
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = MAGIC.length + 2 + 2 + header.length + 1;
  header += " ".repeat((ALIGN - (unpadded % ALIGN)) % ALIGN) + "\n";
  const headerBytes = new TextEncoder().encode(header);
  const offset = MAGIC.length + 4 + headerBytes.length;
  const out = new Uint8Array(offset + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1, out[7] = 0;
  new DataView(out.buffer).setUint16(8, headerBytes.length, true);
  out.set(headerBytes, 10);
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset);
  } else {
    const view = new DataView(out.buffer, offset), f4 = data instanceof Float32Array;
    for (let i = 0; i < data.length; i++) {
      if (f4) view.setFloat32(4 * i, data[i], true);
      else view.setFloat64(8 * i, data[i], true);
    }
  }
  return out;
}

/**
 * Decodes the bytes of a `.npy` file holding a little-endian float array in C order.
 * @param bytes The file's bytes.
 * @param name The file's name for error messages. Default `"npy data"`.
 * @returns The values (a fresh array, not a view of `bytes`) and the shape.
 * @throws Error naming the file on a bad magic string, an unsupported format version, a
 *   header that cannot be read, a dtype other than `'<f4'`/`'<f8'` (named), Fortran order, or
 *   data of the wrong length (expected and actual bytes).
 * @example
 * ```ts
 * import { decodeNpy, encodeNpy } from "./npy.ts";
 * const { data, shape } = decodeNpy(encodeNpy(new Float64Array([0.5, 1.5]), [2]));
 * console.log(data, shape); // Float64Array [0.5, 1.5], [2]
 * try {
 *   decodeNpy(new TextEncoder().encode("not a npy file"), "a.npy");
 * } catch (err) {
 *   console.log((err as Error).message); // a.npy: not a .npy file (bad magic string …)
 * }
 * ```
 */
export function decodeNpy(bytes: Uint8Array, name = "npy data"): NpyArray {
  if (MAGIC.some((b, i) => bytes[i] !== b)) {
    const start = Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, "0"));
    throw new Error(
      `${name}: not a .npy file (bad magic string: starts with bytes ${
        start.join(" ") || "(none)"
      }, expected 93 4e 55 4d 50 59 = "\\x93NUMPY")`,
    );
  }
  if (bytes.length < 10) throw new Error(`${name}: truncated .npy header (${bytes.length} bytes)`);
  const major = bytes[6], minor = bytes[7];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number, headerLength: number;
  if (major === 1) {
    headerStart = 10, headerLength = view.getUint16(8, true);
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) {
      throw new Error(`${name}: truncated .npy header (${bytes.length} bytes)`);
    }
    headerStart = 12, headerLength = view.getUint32(8, true);
  } else {
    throw new Error(
      `${name}: unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`,
    );
  }
  const offset = headerStart + headerLength;
  if (offset > bytes.length) {
    throw new Error(
      `${name}: truncated .npy header: it promises ${headerLength} bytes but the file has ${
        bytes.length - headerStart
      } after the preamble`,
    );
  }
  const decoder = new TextDecoder(major === 3 ? "utf-8" : "latin1");
  const header = decoder.decode(bytes.subarray(headerStart, offset));
  const { descr, fortranOrder, shape } = parseHeader(header, name);
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  const kind = m ? `${m[2]}${m[3]}` : "";
  const known = DTYPE_NAMES[kind];
  const littleEndian = m !== null && (m[1] === "<" || (m[1] === "=" && LITTLE_ENDIAN) ||
    (m[1] === "|" && m[3] === "1"));
  if (!(littleEndian && (kind === "f4" || kind === "f8"))) {
    const what = m === null
      ? `dtype ${descr}`
      : `dtype '${descr}' (${m[1] === ">" ? "big-endian " : ""}${known ?? "unknown"})`;
    throw new Error(
      `${name}: unsupported ${what}; only little-endian float32 ('<f4') and float64 ('<f8') ` +
        `arrays can be read`,
    );
  }
  if (fortranOrder) {
    throw new Error(
      `${name}: the array is stored in Fortran order (fortran_order: True); only C order is ` +
        `supported (save numpy.ascontiguousarray(a) instead)`,
    );
  }
  const itemSize = kind === "f4" ? 4 : 8;
  const size = shape.reduce((a, b) => a * b, 1);
  const expected = size * itemSize, actual = bytes.length - offset;
  if (actual !== expected) {
    throw new Error(
      `${name}: ${actual < expected ? "truncated data" : "unexpected trailing data"}: shape [${
        shape.join(", ")
      }] of '${descr}' needs ${expected} bytes after the ${offset}-byte header, the file has ${actual}`,
    );
  }
  const copy = bytes.slice(offset, offset + expected).buffer;
  let data: Float32Array | Float64Array;
  if (LITTLE_ENDIAN) {
    data = itemSize === 4 ? new Float32Array(copy) : new Float64Array(copy);
  } else {
    const dv = new DataView(copy);
    data = itemSize === 4 ? new Float32Array(size) : new Float64Array(size);
    for (let i = 0; i < size; i++) {
      data[i] = itemSize === 4 ? dv.getFloat32(4 * i, true) : dv.getFloat64(8 * i, true);
    }
  }
  return { data, shape };
}

/** Reads `descr`, `fortran_order` and `shape` from the Python dict literal of a header. */
function parseHeader(
  header: string,
  name: string,
): { descr: string; fortranOrder: boolean; shape: number[] } {
  const bad = (what: string) =>
    new Error(`${name}: cannot read the .npy header (${what}): ${JSON.stringify(header.trim())}`);
  const descrMatch = /['"]descr['"]\s*:\s*(['"])(.*?)\1/.exec(header);
  if (!descrMatch) {
    const other = /['"]descr['"]\s*:\s*(\[.*\]|[^,}]+)/.exec(header);
    if (other) {
      throw new Error(
        `${name}: unsupported dtype ${other[1].trim()} (a structured or non-string dtype); ` +
          `only little-endian float32 ('<f4') and float64 ('<f8') arrays can be read`,
      );
    }
    throw bad("no 'descr'");
  }
  const orderMatch = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header);
  if (!orderMatch) throw bad("no 'fortran_order'");
  const shapeMatch = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if (!shapeMatch) throw bad("no 'shape'");
  const parts = shapeMatch[1].split(",").map((s) => s.trim()).filter((s) => s !== "");
  const shape = parts.map((s) => (/^\d+L?$/.test(s) ? parseInt(s, 10) : NaN));
  if (shape.some((n) => !Number.isSafeInteger(n))) throw bad(`shape (${shapeMatch[1]})`);
  return { descr: descrMatch[2], fortranOrder: orderMatch[1] === "True", shape };
}

/**
 * Writes a float array to a `.npy` file atomically (a temporary file renamed into place, so a
 * reader never sees a half-written file), creating the folder if needed.
 * @param path Destination, e.g. `theta.npy`.
 * @param data The values in C order (`Float32Array` → `'<f4'`, `Float64Array` → `'<f8'`).
 * @param shape The array's shape; its product must equal `data.length`.
 * @throws RangeError naming the file when the shape does not hold `data.length` values.
 * @example
 * ```ts
 * import { readNpy, writeNpy } from "./npy.ts";
 * const path = (await Deno.makeTempDir()) + "/a.npy";
 * await writeNpy(path, new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]);
 * const { data, shape } = await readNpy(path); // numpy.load(path) reads the same
 * console.log(data.length, shape); // 6 [3, 2]
 * ```
 */
export async function writeNpy(
  path: string,
  data: Float32Array | Float64Array,
  shape: readonly number[],
): Promise<void> {
  checkShape(shape, data.length, path);
  await writeFileAtomic(path, encodeNpy(data, shape));
}

/**
 * Reads a `.npy` file holding a little-endian float32 or float64 array in C order.
 * @param path The file.
 * @returns The values (`Float32Array` for `'<f4'`, `Float64Array` for `'<f8'`) and the shape.
 * @throws Deno.errors.NotFound when the file is missing; Error naming the file on a bad magic
 *   string, an unsupported dtype, Fortran order or a truncated file (see {@link decodeNpy}).
 * @example
 * ```ts
 * import { readNpy, writeNpy } from "./npy.ts";
 * const path = (await Deno.makeTempDir()) + "/b.npy";
 * await writeNpy(path, new Float64Array([0.25]), []);
 * console.log(await readNpy(path)); // { data: Float64Array [0.25], shape: [] }
 * ```
 */
export async function readNpy(path: string): Promise<NpyArray> {
  return decodeNpy(await Deno.readFile(path), path);
}
