/**
 * Input complexity of images as their lossless PNG code length, for the
 * complexity-corrected anomaly score of Serrà et al. 2020 ("Input complexity
 * and out-of-distribution detection with likelihood-based generative
 * models"): a flow's NLL is dominated by how compressible an image is, so
 * simple images of another class (a sandal for a model of bags) get a
 * *higher* likelihood than the training class. Subtracting a generic
 * compressor's code length, `S(x) = NLL(x) − L(x)` (both in bits per
 * dimension), leaves the part of the likelihood that is specific to the
 * model.
 *
 * @module
 */
import { encodePng } from "../../lib/images/decode.ts";
import type { ImageShape } from "../../lib/core/shapes.ts";

/**
 * PNG code length of each image, in bits per dimension (sub-pixel).
 * @param pixels `[n, h·w·c]` pixel values 0..255 (rounded and clipped).
 * @param shape `[h, w, c]`.
 * @returns One value per image: `8 · bytes(PNG) / (h·w·c)`.
 * @throws When the length is not a multiple of the image size.
 * @example
 * ```ts
 * import { pngBitsPerDim } from "./complexity.ts";
 * const flat = new Float32Array(2 * 16);
 * flat.fill(200, 16); // a black and a grey 4×4 image
 * const bits = await pngBitsPerDim(flat, [4, 4, 1]); // two small values
 * ```
 */
export async function pngBitsPerDim(
  pixels: Float32Array,
  shape: ImageShape,
): Promise<Float64Array> {
  const d = shape[0] * shape[1] * shape[2];
  if (pixels.length % d !== 0) {
    throw new Error(`pngBitsPerDim: ${pixels.length} values are not images of ${d}`);
  }
  const n = pixels.length / d;
  const out = new Float64Array(n);
  const bytes = new Uint8Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      bytes[j] = Math.min(255, Math.max(0, Math.round(pixels[i * d + j])));
    }
    out[i] = (8 * (await encodePng(bytes, shape)).length) / d;
  }
  return out;
}
