/**
 * The images of an image application, from `run.images_path`: the training
 * images (a shuffled subset of `train/`, at most `training.num_data_input`),
 * a validation split held out of them for early stopping, and the `val/`
 * images with their classes and anomaly flags (a `val/` class that is absent
 * from `train/` is an anomaly). Pixels are integer-valued 0..255, flattened
 * to `h·w·c` values per image; the flow adds the dequantisation noise.
 *
 * @module
 */
import { concatFloat32 } from "../../lib/core/float_arrays.ts";
import { fileURLToPath } from "node:url";
import { type ImageDataset, loadImageDataset } from "../../lib/images/open.ts";
import { type ResizeMode, validateImageShape } from "../../lib/images/decode.ts";
import type { ImageShape } from "../../lib/core/shapes.ts";
import type { AugmentOptions } from "../../lib/images/augment.ts";
import { ImageDataError } from "../../lib/images/errors.ts";
import { ImageDataSource } from "../../lib/images/image_data_source.ts";
import type { S3SourceOptions } from "../../lib/images/s3_source.ts";
import {
  type ImageItem,
  type ImageSource,
  itemsOfSplit,
  type Split,
} from "../../lib/images/source.ts";
import type { Params } from "../../lib/params/mod.ts";
import { Rng } from "../../lib/core/random.ts";
import type { DataSource } from "../../lib/training/data_source.ts";

/**
 * The shipped default images (Fashion-MNIST, sneakers as the normal class) as
 * a local path. Resolved when asked for, so that importing the library by an
 * http URL works; the shipped data only exist in a local checkout.
 * @returns The folder `data/fashion_mnist` of this checkout.
 */
export function defaultImagesPath(): string {
  const url = new URL("../../data/fashion_mnist", import.meta.url);
  if (url.protocol !== "file:") {
    throw new ImageDataError(
      `The shipped images exist only in a local checkout (this module was loaded from ${url.origin}); ` +
        `give run.images_path (a folder, s3://bucket/prefix or idx:?normal=CLASS)`,
    );
  }
  return fileURLToPath(url);
}

/** Label of {@link defaultImagesPath} in messages and metrics. */
export const DEFAULT_IMAGES_LABEL = "data/fashion_mnist";

/** Images decoded at once when loading a whole split into memory. */
const LOAD_CHUNK = 256;

/** Decoded images of one split, in memory. */
export interface ImageSet {
  /** `n · h·w·c` integer-valued pixels 0..255. */
  pixels: Float32Array;
  /** The items, in order (skipped images are not here). */
  items: ImageItem[];
}

/** Everything an image application reads. */
export interface AppImages {
  /** What `run.images_path` named (the default's label when empty). */
  location: string;
  /** `[height, width, channels]`. */
  imageShape: ImageShape;
  /** `height · width · channels`. */
  dims: number;
  /** Training images, augmented in training passes, in passes of `augmentation_factor`. */
  train: DataSource;
  /** The training images as served, for statistics and latent mapping. */
  trainImages: ImageDataSource;
  /** Training-split images held out for early stopping; null when none are held out. */
  validation: ImageDataSource | null;
  /** The `val/` images; null when the dataset has no `val/`. */
  val: ImageDataSource | null;
  /** Classes of `train/` (the normal classes). */
  normalClasses: string[];
  /** Images per split and class, as listed. */
  counts: Record<Split, Record<string, number>>;
  /** Images skipped as unreadable so far, over all splits. */
  skipped(): number;
  /** Closes the source. */
  close(): Promise<void>;
}

/**
 * The augmentation asked for by `training.horizontal_flip`, `zoom_range`, `rotation_range`.
 * @param params App params.
 * @returns The options (all off by default).
 * @example
 * ```ts
 * import { schemaDefaults } from "../../lib/params/mod.ts";
 * import { augmentationOf } from "./data.ts";
 * augmentationOf(schemaDefaults()); // { horizontalFlip: false, zoomRange: 0, rotationRange: 0 }
 * ```
 */
export function augmentationOf(params: Params): AugmentOptions {
  const t = params.training;
  return {
    horizontalFlip: t.horizontal_flip,
    zoomRange: t.zoom_range,
    rotationRange: t.rotation_range,
  };
}

/** Repeats a training source `factor` times per epoch (fresh augmentation each time). */
class RepeatedSource implements DataSource {
  readonly size: number;
  readonly eventShape: number[];
  readonly contextDim: number;
  readonly #source: DataSource;
  readonly #factor: number;

  constructor(source: DataSource, factor: number) {
    this.#source = source;
    this.#factor = factor;
    this.size = source.size * factor;
    this.eventShape = source.eventShape;
    this.contextDim = source.contextDim;
  }

  async *batches(batchSize: number, rng: Rng | null) {
    const passes = rng ? this.#factor : 1;
    for (let k = 0; k < passes; k++) yield* this.#source.batches(batchSize, rng);
  }
}

/**
 * The S3 options of `run.s3_endpoint`. With a custom endpoint the AWS SDK is
 * told not to probe the EC2 instance-metadata service for credentials
 * (`AWS_EC2_METADATA_DISABLED`), which an S3-compatible store never needs.
 * @param params App params.
 * @returns Options for `S3ImageSource`.
 * @example
 * ```ts ignore
 * import { s3OptionsOf } from "./data.ts";
 * s3OptionsOf(params); // { endpoint: "http://127.0.0.1:9000" }
 * ```
 */
export function s3OptionsOf(params: Params): S3SourceOptions {
  const endpoint = params.run.s3_endpoint;
  if (!endpoint) return {};
  if (!/^https?:\/\/[^/]/.test(endpoint)) {
    throw new ImageDataError(
      `run.s3_endpoint must be an http:// or https:// URL, got ${JSON.stringify(endpoint)}`,
    );
  }
  Deno.env.set("AWS_EC2_METADATA_DISABLED", "true");
  return { endpoint };
}

/**
 * How the image applications decode images, from their params: to
 * `imageShape` with `model_arch.image_resize`, flattened, with one `warn`
 * line per skipped image.
 * @param params App params.
 * @param imageShape The checked `model_arch.image_shape`.
 * @param warn Where warnings go (default `console.warn`).
 * @returns Options for `loadImageDataset` and `ImageDataSource`.
 * @example
 * ```ts
 * import { schemaDefaults } from "../../lib/params/mod.ts";
 * import { appImageDecoding } from "./data.ts";
 * appImageDecoding(schemaDefaults(), [28, 28, 1]).flatten; // true
 * ```
 */
export function appImageDecoding(
  params: Params,
  imageShape: ImageShape,
  warn?: (line: string) => void,
): { imageShape: ImageShape; resize: ResizeMode; flatten: true; warn?: (line: string) => void } {
  return {
    imageShape,
    resize: params.model_arch.image_resize as ResizeMode,
    flatten: true,
    ...(warn ? { warn } : {}),
  };
}

/**
 * Opens an image location with {@link appImageDecoding}, and for an `s3://`
 * location the S3 options of `run.s3_endpoint` (retries reported to `warn`).
 * @param params App params.
 * @param location A folder, `idx:` spec or `s3://` prefix.
 * @param imageShape The checked `model_arch.image_shape`.
 * @param warn Where warnings go (default `console.warn`).
 * @returns The opened dataset; call `close()` when done.
 * @example
 * ```ts ignore
 * import { openAppImageDataset } from "./data.ts";
 * const data = await openAppImageDataset(params, "data/fashion_mnist", [28, 28, 1]);
 * await data.close();
 * ```
 */
export function openAppImageDataset(
  params: Params,
  location: string,
  imageShape: ImageShape,
  warn?: (line: string) => void,
): Promise<ImageDataset> {
  const s3 = location.startsWith("s3://")
    ? { ...s3OptionsOf(params), ...(warn ? { warn } : {}) }
    : {};
  return loadImageDataset(location, { ...appImageDecoding(params, imageShape, warn), s3 });
}

/**
 * Opens the images of an image application and splits the training images.
 * @param params App params: `run.images_path`, `run.s3_endpoint`, `run.seed`,
 *   `model_arch.image_shape`, `model_arch.image_resize`, `training.num_data_input`,
 *   `training.validation_fraction` / `num_val`, augmentation fields.
 * @param options `warn`: receives one line per skipped image and per retried S3 request
 *   (default `console.warn`).
 * @returns The data; call `close()` when done.
 * @throws {ImageDataError} Naming the location, split or field at fault.
 * @example
 * ```ts ignore
 * import { loadAppImages } from "./data.ts";
 * const images = await loadAppImages(params);
 * const val = await loadImageSet(images.val!);
 * await images.close();
 * ```
 */
export async function loadAppImages(
  params: Params,
  options: { warn?: (line: string) => void } = {},
): Promise<AppImages> {
  const imageShape = validateImageShape(params.model_arch.image_shape, "model_arch.image_shape");
  const spec = params.run.images_path || defaultImagesPath();
  const location = params.run.images_path || DEFAULT_IMAGES_LABEL;
  const decode = appImageDecoding(params, imageShape, options.warn);
  const data = await openAppImageDataset(params, spec, imageShape, options.warn);
  try {
    const trainItems = itemsOfSplit(data.items, "train");
    const order = new Rng(params.run.seed).permutation(trainItems.length).map((i) => trainItems[i]);
    const t = params.training;
    const fraction = t.validation_fraction;
    const wanted = t.num_val ?? Math.round(fraction * order.length);
    const numValidation = Math.min(wanted, order.length - 1);
    const numTrain = Math.min(t.num_data_input, order.length - numValidation);
    const held = order.slice(0, numValidation);
    const used = order.slice(numValidation, numValidation + numTrain);
    const source: ImageSource = data.source;
    const augment = augmentationOf(params);
    const trainImages = new ImageDataSource(source, used, { ...decode, augment });
    const validation = held.length ? new ImageDataSource(source, held, decode) : null;
    const factor = Math.max(1, t.augmentation_factor);
    const normalClasses = [...new Set(trainItems.map((it) => it.label))].sort();
    return {
      location,
      imageShape,
      dims: imageShape[0] * imageShape[1] * imageShape[2],
      train: factor > 1 ? new RepeatedSource(trainImages, factor) : trainImages,
      trainImages,
      validation,
      val: data.val,
      normalClasses,
      counts: data.counts,
      skipped: () => trainImages.skipped + (validation?.skipped ?? 0) + (data.val?.skipped ?? 0),
      close: () => data.close(),
    };
  } catch (e) {
    await data.close();
    throw e;
  }
}

/**
 * Loads (at most `limit` of) the images of a source into memory, in order, without augmentation.
 * @param source Images.
 * @param limit Largest number of images. Default all.
 * @returns Pixels and items.
 * @example
 * ```ts ignore
 * import { loadImageSet } from "./data.ts";
 * const { pixels, items } = await loadImageSet(images.val!);
 * ```
 */
export async function loadImageSet(source: ImageDataSource, limit = Infinity): Promise<ImageSet> {
  const parts: Float32Array[] = [];
  const items: ImageItem[] = [];
  for await (const batch of source.labelledBatches(LOAD_CHUNK, null)) {
    const take = Math.min(batch.items.length, limit - items.length);
    const data = (await batch.images.data()) as Float32Array;
    batch.images.dispose();
    parts.push(data.subarray(0, (data.length / batch.items.length) * take));
    items.push(...batch.items.slice(0, take));
    if (items.length >= limit) break;
  }
  return { pixels: concatFloat32(parts), items };
}
