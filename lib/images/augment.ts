/**
 * Random image augmentation as in the original project (Keras'
 * ImageDataGenerator): horizontal flip, zoom range and rotation range, drawn
 * per image from a seeded {@link Rng} and applied in plain TypeScript on
 * Float32Arrays (bilinear resampling about the image centre), so it runs on
 * any backend. The original's fourth option, rescale, is the `rescale`
 * option of {@link ./image_data_source.ts} (it is not random).
 *
 * Differences from Keras, on purpose: one zoom factor for both axes (Keras
 * draws two, which also stretches), and a zoom factor above 1 enlarges the
 * content (zooms in). Interpolated values are rounded to integers by default
 * (`quantize`), so augmented images stay on the 0..255 grid that uniform
 * dequantisation expects.
 *
 * @module
 */
import type { Rng } from "../core/random.ts";
import { ImageDataError } from "./errors.ts";
import type { ImageShape } from "../core/shapes.ts";

/** What the augmentation may do; everything is off by default. */
export interface AugmentOptions {
  /** Flip left–right with probability ½. */
  horizontalFlip?: boolean;
  /** Zoom factor range: `z` means [1 − z, 1 + z]; or `[low, high]`. 0: no zoom. */
  zoomRange?: number | [number, number];
  /** Rotation drawn uniformly in [−r, r] degrees (positive: counter-clockwise). 0: none. */
  rotationRange?: number;
  /** Pixels from outside the image: `nearest` edge pixel (Keras' default) or `constant` 0. */
  fillMode?: "nearest" | "constant";
  /** Round interpolated values to integers. Default true. */
  quantize?: boolean;
}

/** One image's drawn transformation. */
export interface AugmentDraw {
  /** Mirror left–right. */
  flip: boolean;
  /** Zoom factor (> 1 enlarges). */
  zoom: number;
  /** Rotation in radians, counter-clockwise. */
  angle: number;
}

/** The transformation that changes nothing. */
export const IDENTITY_DRAW: AugmentDraw = { flip: false, zoom: 1, angle: 0 };

/**
 * Checks augmentation options.
 * @param options Options to check.
 * @returns The zoom interval `[low, high]`.
 * @throws {ImageDataError} Naming the bad field.
 * @example
 * ```ts
 * import { validateAugment } from "./augment.ts";
 * validateAugment({ zoomRange: 0.1 }); // [0.9, 1.1]
 * ```
 */
export function validateAugment(options: AugmentOptions): [number, number] {
  const z = options.zoomRange ?? 0;
  const range: [number, number] = typeof z === "number" ? [1 - z, 1 + z] : z;
  if (
    !Array.isArray(range) || range.length !== 2 || !range.every(Number.isFinite) ||
    !(range[0] > 0 && range[0] <= range[1])
  ) {
    throw new ImageDataError(
      `augmentation zoom_range must be a number in [0, 1) or [low, high] with 0 < low ≤ high, ` +
        `got ${JSON.stringify(z)}`,
    );
  }
  const r = options.rotationRange ?? 0;
  if (!(Number.isFinite(r) && r >= 0 && r <= 180)) {
    throw new ImageDataError(`augmentation rotation_range must be in [0, 180] degrees, got ${r}`);
  }
  const fill = options.fillMode ?? "nearest";
  if (fill !== "nearest" && fill !== "constant") {
    throw new ImageDataError(`augmentation fill_mode must be nearest or constant, got ${fill}`);
  }
  return range;
}

/**
 * Whether the options can change an image at all.
 * @param options Augmentation options.
 * @returns False when flip, zoom and rotation are all off.
 * @example
 * ```ts
 * import { isAugmenting } from "./augment.ts";
 * isAugmenting({ zoomRange: 0 }); // false
 * ```
 */
export function isAugmenting(options: AugmentOptions): boolean {
  const [lo, hi] = validateAugment(options);
  return !!options.horizontalFlip || lo !== 1 || hi !== 1 || (options.rotationRange ?? 0) > 0;
}

/**
 * Draws one image's transformation. Always consumes three uniforms, so the
 * stream of draws does not depend on which options are on.
 * @param options Augmentation options.
 * @param rng Seeded generator.
 * @returns The draw.
 * @example
 * ```ts
 * import { drawAugmentation } from "./augment.ts";
 * import { Rng } from "../core/random.ts";
 * drawAugmentation({ horizontalFlip: true, rotationRange: 10 }, new Rng(1));
 * ```
 */
export function drawAugmentation(options: AugmentOptions, rng: Rng): AugmentDraw {
  const [lo, hi] = validateAugment(options);
  const u1 = rng.uniform(), u2 = rng.uniform(), u3 = rng.uniform();
  const degrees = options.rotationRange ?? 0;
  return {
    flip: !!options.horizontalFlip && u1 < 0.5,
    zoom: lo + (hi - lo) * u2,
    angle: ((2 * u3 - 1) * degrees * Math.PI) / 180,
  };
}

/**
 * Applies one transformation to one image: out(p) = in(c + R(−angle)(p′ − c)/zoom),
 * with p′ the mirrored p when flipping and c the centre, bilinear.
 * @param src `height · width · channels` values, row-major.
 * @param shape `[height, width, channels]`.
 * @param draw The transformation.
 * @param out Destination, same length as `src` (not `src` itself).
 * @param options `fillMode` and `quantize`.
 * @example
 * ```ts
 * import { transformImage } from "./augment.ts";
 * const src = new Float32Array([1, 2, 3, 4]), out = new Float32Array(4);
 * transformImage(src, [2, 2, 1], { flip: true, zoom: 1, angle: 0 }, out);
 * // out = [2, 1, 4, 3]
 * ```
 */
export function transformImage(
  src: ArrayLike<number>,
  shape: ImageShape,
  draw: AugmentDraw,
  out: Float32Array,
  options: Pick<AugmentOptions, "fillMode" | "quantize"> = {},
): void {
  const [h, w, c] = shape;
  if (src.length !== h * w * c || out.length !== src.length) {
    throw new ImageDataError(
      `transformImage: shape [${shape}] needs ${
        h * w * c
      } values, got ${src.length} → ${out.length}`,
    );
  }
  const nearest = (options.fillMode ?? "nearest") === "nearest";
  const quantize = options.quantize ?? true;
  const cy = (h - 1) / 2, cx = (w - 1) / 2;
  const cos = Math.cos(draw.angle) / draw.zoom, sin = Math.sin(draw.angle) / draw.zoom;
  // Value of channel k at integer (row, col), with the fill rule outside.
  const at = (row: number, col: number, k: number): number => {
    if (row < 0 || row >= h || col < 0 || col >= w) {
      if (!nearest) return 0;
      row = row < 0 ? 0 : row >= h ? h - 1 : row;
      col = col < 0 ? 0 : col >= w ? w - 1 : col;
    }
    return src[(row * w + col) * c + k];
  };
  for (let y = 0; y < h; y++) {
    const dy = y - cy;
    for (let x = 0; x < w; x++) {
      const dx = (draw.flip ? w - 1 - x : x) - cx;
      const sx = cx + cos * dx - sin * dy;
      const sy = cy + sin * dx + cos * dy;
      const x0 = Math.floor(sx), y0 = Math.floor(sy);
      const fx = sx - x0, fy = sy - y0;
      for (let k = 0; k < c; k++) {
        let v = at(y0, x0, k);
        if (fx !== 0 || fy !== 0) {
          v = (1 - fy) * ((1 - fx) * v + fx * at(y0, x0 + 1, k)) +
            fy * ((1 - fx) * at(y0 + 1, x0, k) + fx * at(y0 + 1, x0 + 1, k));
        }
        out[(y * w + x) * c + k] = quantize ? Math.round(v) : v;
      }
    }
  }
}

/**
 * Augments a batch of images in place, one fresh draw per image.
 * @param pixels `count` images back to back.
 * @param shape One image's `[height, width, channels]`.
 * @param options Augmentation options.
 * @param rng Seeded generator; the same seed gives the same batch.
 * @example
 * ```ts
 * import { augmentBatch } from "./augment.ts";
 * import { Rng } from "../core/random.ts";
 * const batch = new Float32Array(2 * 28 * 28).fill(128);
 * augmentBatch(batch, [28, 28, 1], { horizontalFlip: true, zoomRange: 0.1, rotationRange: 10 }, new Rng(3));
 * ```
 */
export function augmentBatch(
  pixels: Float32Array,
  shape: ImageShape,
  options: AugmentOptions,
  rng: Rng,
): void {
  const size = shape[0] * shape[1] * shape[2];
  if (pixels.length % size !== 0) {
    throw new ImageDataError(
      `augmentBatch: ${pixels.length} values are not whole images of shape [${shape}]`,
    );
  }
  const copy = new Float32Array(size);
  for (let offset = 0; offset < pixels.length; offset += size) {
    const image = pixels.subarray(offset, offset + size);
    copy.set(image);
    transformImage(copy, shape, drawAugmentation(options, rng), image, options);
  }
}
