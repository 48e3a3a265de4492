/**
 * Reader of IDX files, the format of MNIST and Fashion-MNIST: a 4-byte magic
 * number (two zero bytes, a type code, the number of dimensions), the
 * dimensions as big-endian 32-bit integers, then the values. Only unsigned
 * bytes (type code 0x08) are supported, the type of every MNIST-family
 * dataset. Files may be gzip-compressed (detected from their first bytes).
 *
 * @module
 */
import { gunzipSync } from "node:zlib";
import { ImageDataError } from "./errors.ts";

/** An IDX array of unsigned bytes. */
export interface IdxArray {
  /** Dimensions, e.g. `[60000, 28, 28]`. */
  dims: number[];
  /** The values, row-major. */
  data: Uint8Array;
}

/** Images and labels from a pair of IDX files. */
export interface IdxImages {
  /** Number of images. */
  count: number;
  /** Rows per image. */
  height: number;
  /** Columns per image. */
  width: number;
  /** `count · height · width` grey values, 0..255, row-major. */
  images: Uint8Array;
  /** One class index per image. */
  labels: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

/**
 * Whether bytes start with the gzip magic number.
 * @param bytes File content.
 * @returns True for gzip data.
 * @example
 * ```ts
 * import { isGzip } from "./idx.ts";
 * isGzip(new Uint8Array([0x1f, 0x8b, 8])); // true
 * ```
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses the content of an IDX file (gzip-compressed or not).
 * @param bytes File content.
 * @param name File name for error messages.
 * @returns Dimensions and values.
 * @throws {ImageDataError} Naming the file when the magic number, the type
 *   or the length is wrong.
 * @example
 * ```ts
 * import { parseIdx } from "./idx.ts";
 * const idx = parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 7, 9]), "tiny");
 * // { dims: [2], data: Uint8Array [7, 9] }
 * ```
 */
export function parseIdx(bytes: Uint8Array, name: string): IdxArray {
  let raw = bytes;
  if (isGzip(bytes)) {
    try {
      raw = new Uint8Array(gunzipSync(bytes));
    } catch (e) {
      throw new ImageDataError(`${name}: corrupt gzip data (${(e as Error).message})`, {
        cause: e,
      });
    }
  }
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0) {
    throw new ImageDataError(`${name}: not an IDX file (bad magic number)`);
  }
  if (raw[2] !== UNSIGNED_BYTE) {
    throw new ImageDataError(
      `${name}: IDX value type 0x${raw[2].toString(16).padStart(2, "0")} is not supported ` +
        `(only unsigned bytes, 0x08)`,
    );
  }
  const rank = raw[3];
  const header = 4 + 4 * rank;
  if (rank === 0 || raw.length < header) {
    throw new ImageDataError(`${name}: truncated IDX header (rank ${rank})`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  if (raw.length - header !== expected) {
    throw new ImageDataError(
      `${name}: IDX dims [${dims}] need ${expected} values, the file holds ${raw.length - header}`,
    );
  }
  return { dims, data: raw.subarray(header) };
}

/**
 * Reads an IDX file.
 * @param path File path (`.gz` or raw).
 * @returns Dimensions and values.
 * @throws {ImageDataError} When the file is missing or malformed.
 * @example
 * ```ts
 * import { readIdx } from "./idx.ts";
 * const labels = await readIdx("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
 * labels.dims; // [10000]
 * ```
 */
export async function readIdx(path: string): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new ImageDataError(`${path}: cannot read IDX file (${(e as Error).message})`, {
      cause: e,
    });
  }
  return parseIdx(bytes, path);
}

/**
 * Reads images and their labels from two IDX files.
 * @param imagesPath An IDX file of rank 3, `[count, height, width]`.
 * @param labelsPath An IDX file of rank 1, `[count]`.
 * @returns Images and labels.
 * @throws {ImageDataError} When a file is malformed or the counts differ.
 * @example
 * ```ts
 * import { readIdxImages } from "./idx.ts";
 * const dir = "/usr/share/datasets/fashion-mnist";
 * const test = await readIdxImages(`${dir}/t10k-images-idx3-ubyte.gz`, `${dir}/t10k-labels-idx1-ubyte.gz`);
 * test.count; // 10000
 * ```
 */
export async function readIdxImages(imagesPath: string, labelsPath: string): Promise<IdxImages> {
  const [images, labels] = await Promise.all([readIdx(imagesPath), readIdx(labelsPath)]);
  if (images.dims.length !== 3) {
    throw new ImageDataError(
      `${imagesPath}: image IDX files have dims [count, height, width], got [${images.dims}]`,
    );
  }
  if (labels.dims.length !== 1) {
    throw new ImageDataError(
      `${labelsPath}: label IDX files have dims [count], got [${labels.dims}]`,
    );
  }
  const [count, height, width] = images.dims;
  if (labels.dims[0] !== count) {
    throw new ImageDataError(
      `${labelsPath}: ${labels.dims[0]} labels for the ${count} images of ${imagesPath}`,
    );
  }
  return { count, height, width, images: images.data, labels: labels.data };
}
