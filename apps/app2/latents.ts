/**
 * Images ↔ latent points through a trained flow, in chunks of
 * `img2lat_chunk_size` images so that large image sets never become one
 * huge tensor. One forward pass gives both the latent point and the
 * log-density of each image; the inverse pass turns latent points into
 * images (pixel values in `[0, 256)`).
 *
 * @module
 */
import { tf } from "../../lib/core/tf.ts";
import { Rng } from "../../lib/core/random.ts";
import type { TransformedDistribution } from "../../lib/distributions/transformed.ts";

/** Latent points and log-densities of a set of images. */
export interface LatentMap {
  /** `[n, D]` row-major latent points. */
  latents: Float32Array;
  /** log p(x) per image, in nats (of the dequantised pixels). */
  logProb: Float32Array;
}

function checkChunk(chunkSize: number): void {
  if (!(Number.isInteger(chunkSize) && chunkSize >= 1)) {
    throw new Error(`img2lat_chunk_size must be a positive integer, got ${chunkSize}`);
  }
}

/**
 * Adds fixed `U(0, 1)` dequantisation noise to integer pixels (a seeded,
 * repeatable draw, so evaluations of one image set agree).
 * @param pixels Integer-valued pixels 0..255.
 * @param seed Seed of the noise.
 * @returns `pixels + u`, a new array.
 * @example
 * ```ts
 * import { dequantizePixels } from "./latents.ts";
 * dequantizePixels(new Float32Array([0, 255]), 1); // e.g. [0.37, 255.81]
 * ```
 */
export function dequantizePixels(pixels: Float32Array, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i] + rng.uniform();
  return out;
}

/**
 * Maps images to latent points and log-densities, chunk by chunk (inference mode).
 * @param flow A trained flow on `dims`-value images.
 * @param pixels `[n, dims]` dequantised pixel values.
 * @param dims Values per image.
 * @param chunkSize Images per forward pass (`img2lat_chunk_size`).
 * @returns The latent points and log p(x).
 * @throws Error on a bad chunk size or a length that is not a multiple of `dims`.
 * @example
 * ```ts
 * import { buildRealNvpFlow } from "../../lib/flows/realnvp_flow.ts";
 * import { imagesToLatents } from "./latents.ts";
 * const flow = buildRealNvpFlow({ dims: 4, flowSteps: 2, hiddenLayers: [8], seed: 1 });
 * const { latents, logProb } = await imagesToLatents(flow, new Float32Array(8).fill(1), 4, 1);
 * ```
 */
export async function imagesToLatents(
  flow: TransformedDistribution,
  pixels: Float32Array,
  dims: number,
  chunkSize: number,
): Promise<LatentMap> {
  checkChunk(chunkSize);
  if (pixels.length % dims !== 0) {
    throw new Error(`imagesToLatents: ${pixels.length} values are not rows of ${dims}`);
  }
  const n = pixels.length / dims;
  const latents = new Float32Array(n * flow.dims);
  const logProb = new Float32Array(n);
  for (let start = 0; start < n; start += chunkSize) {
    const rows = Math.min(chunkSize, n - start);
    const [z, lp] = tf.tidy(() => {
      const x = tf.tensor2d(pixels.subarray(start * dims, (start + rows) * dims), [rows, dims]);
      const { value, logDet } = flow.bijector.forwardAndLogDet(x, { training: false });
      const flat = tf.reshape(value, [rows, -1]);
      return [flat, tf.add(flow.base.logProb(flat), logDet)];
    });
    latents.set((await z.data()) as Float32Array, start * flow.dims);
    logProb.set((await lp.data()) as Float32Array, start);
    tf.dispose([z, lp]);
  }
  return { latents, logProb };
}

/**
 * Maps latent points back to images, chunk by chunk.
 * @param flow A trained flow.
 * @param latents `[n, D]` row-major latent points.
 * @param chunkSize Points per inverse pass.
 * @param levels Pixel range width L. Default 256.
 * @returns `[n, dims]` pixel values, clipped to `[0, levels)` with `levels` 256 by default.
 * @throws Error on a bad chunk size or a length that is not a multiple of `D`.
 * @example
 * ```ts
 * import { buildRealNvpFlow } from "../../lib/flows/realnvp_flow.ts";
 * import { latentsToImages } from "./latents.ts";
 * const flow = buildRealNvpFlow({ dims: 4, flowSteps: 2, hiddenLayers: [8], seed: 1 });
 * const images = await latentsToImages(flow, new Float32Array(8), 2);
 * ```
 */
export async function latentsToImages(
  flow: TransformedDistribution,
  latents: Float32Array,
  chunkSize: number,
  levels = 256,
): Promise<Float32Array> {
  checkChunk(chunkSize);
  const d = flow.dims;
  if (latents.length % d !== 0) {
    throw new Error(`latentsToImages: ${latents.length} values are not rows of ${d}`);
  }
  const n = latents.length / d;
  const out = new Float32Array(n * d);
  for (let start = 0; start < n; start += chunkSize) {
    const rows = Math.min(chunkSize, n - start);
    const x = tf.tidy(() => {
      const z = tf.tensor2d(latents.subarray(start * d, (start + rows) * d), [rows, d]);
      return tf.reshape(flow.toData(z), [rows, -1]);
    });
    out.set((await x.data()) as Float32Array, start * d);
    x.dispose();
  }
  const top = levels - 1e-3;
  for (let i = 0; i < out.length; i++) {
    const v = out[i];
    out[i] = Number.isFinite(v) ? Math.min(Math.max(v, 0), top) : 0;
  }
  return out;
}

/**
 * Rows of a row-major array.
 * @param values `[n, d]` row-major values.
 * @param d Width of a row.
 * @param rows Row indices, in the order wanted.
 * @returns `[rows.length, d]` row-major copy.
 * @example
 * ```ts
 * import { takeRows } from "./latents.ts";
 * takeRows(new Float32Array([1, 2, 3, 4, 5, 6]), 2, [2, 0]); // [5, 6, 1, 2]
 * ```
 */
export function takeRows(values: ArrayLike<number>, d: number, rows: number[]): Float32Array {
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => {
    for (let j = 0; j < d; j++) out[i * d + j] = values[r * d + j];
  });
  return out;
}
