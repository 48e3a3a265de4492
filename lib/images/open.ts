/**
 * One entry point from a user's `--images` value to data sources: a folder
 * path, an `s3://bucket/prefix` URL or an `idx:` spec (MNIST-format files
 * with a chosen normal class).
 *
 * @module
 */
import { FolderImageSource } from "./folder_source.ts";
import { IdxImageSource, parseIdxSpec } from "./idx_source.ts";
import { type ImageDataOptions, ImageDataSource } from "./image_data_source.ts";
import { S3ImageSource, type S3SourceOptions } from "./s3_source.ts";
import {
  anomalyFlags,
  countByClass,
  type ImageItem,
  type ImageSource,
  itemsOfSplit,
  type Split,
} from "./source.ts";

/**
 * Picks the source for a spec.
 * @param spec A folder path, `s3://bucket/prefix`, or `idx:[DIR][?normal=…]`.
 * @param s3 Options for an S3 source (endpoint, region, credentials, …).
 * @returns The source (nothing is read yet).
 * @example
 * ```ts
 * import { openImageSource } from "./open.ts";
 * const a = openImageSource("data/fashion_mnist");
 * const b = openImageSource("s3://my-bucket/pets", { endpoint: "http://127.0.0.1:9000" });
 * const c = openImageSource("idx:?normal=sneaker");
 * ```
 */
export function openImageSource(spec: string, s3: S3SourceOptions = {}): ImageSource {
  if (spec.startsWith("s3://")) return new S3ImageSource(spec, s3);
  if (spec.startsWith("idx:")) return new IdxImageSource(parseIdxSpec(spec));
  return new FolderImageSource(spec);
}

/** Both splits of a dataset, ready for training and evaluation. */
export interface ImageDataset {
  /** The source. */
  source: ImageSource;
  /** Every item of both splits. */
  items: ImageItem[];
  /** The training images (augmented in passes with an rng). */
  train: ImageDataSource;
  /** The validation images, never augmented; null when there is no `val/`. */
  val: ImageDataSource | null;
  /** For each validation item, whether its class is absent from `train/` (an anomaly). */
  anomalies: boolean[];
  /** Images per split and class. */
  counts: Record<Split, Record<string, number>>;
  /** Closes the source. */
  close(): Promise<void>;
}

/**
 * Opens a dataset: lists it once and serves both splits.
 * @param spec A folder path, `s3://bucket/prefix` or `idx:` spec.
 * @param options Decoding and batching options (augmentation applies to `train` only), plus `s3`.
 * @returns The dataset.
 * @throws {ImageDataError} When the location is missing, unreadable or not in the layout.
 * @example
 * ```ts
 * import { loadImageDataset } from "./open.ts";
 * const data = await loadImageDataset("data/fashion_mnist", { imageShape: [28, 28, 1] });
 * console.log(data.counts.train, data.val?.size);
 * await data.close();
 * ```
 */
export async function loadImageDataset(
  spec: string,
  options: ImageDataOptions & { s3?: S3SourceOptions },
): Promise<ImageDataset> {
  const { s3, ...decode } = options;
  const source = openImageSource(spec, s3);
  try {
    const items = await source.list();
    const valItems = itemsOfSplit(items, "val");
    return {
      source,
      items,
      train: new ImageDataSource(source, itemsOfSplit(items, "train"), decode),
      val: valItems.length
        ? new ImageDataSource(source, valItems, { ...decode, augment: {} })
        : null,
      anomalies: anomalyFlags(items),
      counts: countByClass(items),
      close: () => source.close(),
    };
  } catch (e) {
    await source.close();
    throw e;
  }
}
