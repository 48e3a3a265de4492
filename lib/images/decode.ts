/**
 * Decoding and resizing one image to the target `image_shape`
 * `[height, width, channels]` with sharp: PNG and JPEG files (EXIF
 * orientation applied, alpha composited on black), or raw pixels from an
 * IDX file. The result is 8-bit, row-major, `height · width · channels`
 * values in 0..255; channels is 1 (grey, sharp's luminance) or 3 (sRGB).
 *
 * @module
 */
import type { ImageShape } from "../core/shapes.ts";
import { loadImageCodec } from "./codec.ts";
import { ImageDataError } from "./errors.ts";
import type { ImagePayload } from "./source.ts";

/**
 * How an image of another size reaches the target size:
 * - `fill`: stretch to the target (aspect ratio not kept; the original's behaviour);
 * - `cover`: scale to cover the target, then crop the centre;
 * - `contain`: scale to fit inside, black bars on two sides;
 * - `pad`: never enlarge; smaller images are centred on black (e.g. 28×28 → 32×32
 *   for a multi-scale Glow), larger ones are scaled down to fit and centred.
 */
export type ResizeMode = "fill" | "cover" | "contain" | "pad";

/** The resize modes. */
export const RESIZE_MODES: readonly ResizeMode[] = ["fill", "cover", "contain", "pad"];

/**
 * Checks an `image_shape`.
 * @param shape The shape to check.
 * @param field Name used in the message. Default `image_shape`.
 * @returns The shape, typed.
 * @throws {ImageDataError} Naming the field and the bad value.
 * @example
 * ```ts
 * import { validateImageShape } from "./decode.ts";
 * validateImageShape([28, 28, 1]); // [28, 28, 1]
 * ```
 */
export function validateImageShape(shape: unknown, field = "image_shape"): ImageShape {
  const ok = Array.isArray(shape) && shape.length === 3 &&
    shape.every((v) => Number.isInteger(v) && v > 0 && v <= 16384) &&
    (shape[2] === 1 || shape[2] === 3);
  if (!ok) {
    throw new ImageDataError(
      `${field} must be [height, width, channels] with positive integer sizes and 1 (grey) ` +
        `or 3 (RGB) channels, got ${JSON.stringify(shape)}`,
    );
  }
  return shape as ImageShape;
}

function centre(
  pixels: Uint8Array,
  h: number,
  w: number,
  c: number,
  [th, tw]: ImageShape,
): Uint8Array {
  if (h === th && w === tw) return pixels;
  const out = new Uint8Array(th * tw * c);
  const top = Math.floor((th - h) / 2), left = Math.floor((tw - w) / 2);
  for (let y = 0; y < h; y++) {
    out.set(pixels.subarray(y * w * c, (y + 1) * w * c), ((top + y) * tw + left) * c);
  }
  return out;
}

/**
 * Decodes one image to `shape`.
 * @param payload File bytes or raw pixels.
 * @param shape Target `[height, width, channels]`.
 * @param resize How other sizes are mapped to it. Default `fill`.
 * @returns `height · width · channels` bytes, row-major.
 * @throws When the bytes are not a decodable image (callers skip such files).
 * @example
 * ```ts
 * import { decodeImage } from "./decode.ts";
 * const png = await Deno.readFile("data/fashion_mnist/train/sneaker/train_00006.png");
 * const pixels = await decodeImage({ kind: "encoded", bytes: png }, [32, 32, 1], "pad");
 * pixels.length; // 1024
 * ```
 */
export async function decodeImage(
  payload: ImagePayload,
  shape: ImageShape,
  resize: ResizeMode = "fill",
): Promise<Uint8Array> {
  const [th, tw, tc] = shape;
  if (
    payload.kind === "raw" && payload.channels === tc && payload.height === th &&
    payload.width === tw
  ) {
    return payload.pixels;
  }
  if (payload.kind === "encoded" && payload.bytes.length === 0) {
    throw new ImageDataError("empty file (0 bytes)");
  }
  const sharp = await loadImageCodec();
  let img = payload.kind === "raw"
    ? sharp(payload.pixels, {
      raw: { width: payload.width, height: payload.height, channels: payload.channels as 1 | 3 },
    })
    : sharp(payload.bytes, { failOn: "error" }).autoOrient();
  img = img.flatten({ background: "#000000" });
  img = tc === 1 ? img.toColourspace("b-w") : img.toColourspace("srgb");
  const black = { r: 0, g: 0, b: 0, alpha: 1 };
  if (resize === "pad") {
    img = img.resize(tw, th, { fit: "inside", withoutEnlargement: true });
  } else {
    img = img.resize(tw, th, {
      fit: resize === "fill" ? "fill" : resize === "cover" ? "cover" : "contain",
      background: black,
    });
  }
  let decoded;
  try {
    decoded = await img.raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new ImageDataError(decoderFailure(e, payload));
  }
  const { data, info } = decoded;
  if (info.channels !== tc) {
    throw new ImageDataError(`decoded ${info.channels} channels where ${tc} were asked for`);
  }
  const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (resize !== "pad") return pixels;
  return centre(pixels, info.height, info.width, tc, shape);
}

/**
 * The decoder's complaint as one line: its distinct lines joined, without
 * a dangling colon, with the payload's size (sharp reports a truncated PNG
 * as "Input buffer has corrupt header:" and nothing after the colon).
 */
function decoderFailure(e: unknown, payload: ImagePayload): string {
  const raw = e instanceof Error ? e.message : String(e);
  const lines = [
    ...new Set(raw.split("\n").map((l) => l.trim().replace(/:$/, "")).filter(Boolean)),
  ];
  const size = payload.kind === "encoded" ? `${payload.bytes.length} bytes` : "raw pixels";
  const what = lines.length > 0 ? lines.join("; ") : "the decoder gave no reason";
  return `not a decodable image (${size}): ${what}`;
}

/**
 * Encodes pixels as a PNG file (lossless), e.g. to write a dataset or an image grid.
 * @param pixels `height · width · channels` bytes, row-major.
 * @param shape `[height, width, channels]`, channels 1 or 3.
 * @returns The PNG file content.
 * @throws {ImageDataError} When the length does not match the shape.
 * @example
 * ```ts
 * import { encodePng } from "./decode.ts";
 * const png = await encodePng(new Uint8Array(4 * 4).fill(200), [4, 4, 1]);
 * ```
 */
export async function encodePng(pixels: Uint8Array, shape: ImageShape): Promise<Uint8Array> {
  const [h, w, c] = validateImageShape(shape, "shape");
  if (pixels.length !== h * w * c) {
    throw new ImageDataError(
      `encodePng: ${pixels.length} pixel values do not fit shape [${shape}] (${h * w * c})`,
    );
  }
  const sharp = await loadImageCodec();
  const buf = await sharp(pixels, { raw: { width: w, height: h, channels: c as 1 | 3 } })
    .png({ compressionLevel: 9 }).toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
