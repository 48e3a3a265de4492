/**
 * The image-source abstraction: a dataset is a list of items, each with its
 * split (`train` or `val`) and class label, and a way to fetch one item's
 * content. Three sources implement it: a local folder
 * ({@link ./folder_source.ts}), an S3 prefix ({@link ./s3_source.ts}) and
 * MNIST-format IDX files ({@link ./idx_source.ts}).
 *
 * The layout is the one of the original project: `train/<class>/<image>` and
 * `val/<class>/<image>`. Classes are merged for training; labels are kept so
 * that an evaluation can tell in-class validation images (their class also
 * occurs under `train/`) from anomalies (a class seen only under `val/`).
 *
 * @module
 */

/** The two splits of the layout. */
export type Split = "train" | "val";

/** The splits, in order. */
export const SPLITS: readonly Split[] = ["train", "val"];

/** One image of a dataset, not yet fetched. */
export interface ImageItem {
  /** Where it comes from, unique in its source: a file path, an S3 key or `file#index`. */
  readonly id: string;
  /** Its split. */
  readonly split: Split;
  /** Its class label (the class folder name). */
  readonly label: string;
}

/** An image file's bytes (PNG, JPEG, …), to be decoded. */
export interface EncodedImage {
  /** Discriminator. */
  readonly kind: "encoded";
  /** The file content. */
  readonly bytes: Uint8Array;
}

/** Pixels already decoded, row-major `[height, width, channels]`, 0..255. */
export interface RawImage {
  /** Discriminator. */
  readonly kind: "raw";
  /** `height · width · channels` values. */
  readonly pixels: Uint8Array;
  /** Rows. */
  readonly height: number;
  /** Columns. */
  readonly width: number;
  /** 1 (grey) or 3 (RGB). */
  readonly channels: number;
}

/** What {@link ImageSource.fetch} returns. */
export type ImagePayload = EncodedImage | RawImage;

/** A dataset of images laid out in `train/` and `val/` splits of classes. */
export interface ImageSource {
  /** Where the data is, as a user would write it (folder path, `s3://…`, `idx:…`). */
  readonly location: string;
  /** How many fetches may usefully run at once (higher for network sources). */
  readonly concurrency: number;
  /**
   * Lists every item of both splits, sorted by split, label and id.
   * @returns The items.
   * @throws {ImageDataError} When the location is missing, unreadable or not in the layout.
   */
  list(): Promise<ImageItem[]>;
  /**
   * Fetches one item's content.
   * @param item An item from {@link list}.
   * @returns Its bytes or pixels.
   * @throws When this one item cannot be read (the caller may skip it).
   */
  fetch(item: ImageItem): Promise<ImagePayload>;
  /** Releases connections or handles. */
  close(): Promise<void>;
}

/**
 * The items of one split.
 * @param items Items of a source.
 * @param split `train` or `val`.
 * @returns Those of `split`, in their order.
 * @example
 * ```ts
 * import { itemsOfSplit } from "./source.ts";
 * itemsOfSplit([{ id: "a", split: "val", label: "cat" }], "val").length; // 1
 * ```
 */
export function itemsOfSplit(items: readonly ImageItem[], split: Split): ImageItem[] {
  return items.filter((it) => it.split === split);
}

/**
 * Which validation items are anomalies: those whose class does not occur in
 * the training split (the "beachball among cats").
 * @param items Items of a source (both splits).
 * @returns For each `val` item, in order, `true` when it is an anomaly.
 * @example
 * ```ts
 * import { anomalyFlags } from "./source.ts";
 * anomalyFlags([
 *   { id: "t", split: "train", label: "cat" },
 *   { id: "v1", split: "val", label: "cat" },
 *   { id: "v2", split: "val", label: "ball" },
 * ]); // [false, true]
 * ```
 */
export function anomalyFlags(items: readonly ImageItem[]): boolean[] {
  const normal = new Set(itemsOfSplit(items, "train").map((it) => it.label));
  return itemsOfSplit(items, "val").map((it) => !normal.has(it.label));
}

/**
 * Item counts per split and class, e.g. for a log line or `metrics.json`.
 * @param items Items of a source.
 * @returns `{ train: { cat: 120 }, val: { cat: 20, ball: 5 } }`.
 * @example
 * ```ts
 * import { countByClass } from "./source.ts";
 * countByClass([{ id: "a", split: "train", label: "cat" }]); // { train: { cat: 1 }, val: {} }
 * ```
 */
export function countByClass(
  items: readonly ImageItem[],
): Record<Split, Record<string, number>> {
  const out: Record<Split, Record<string, number>> = { train: {}, val: {} };
  for (const it of items) out[it.split][it.label] = (out[it.split][it.label] ?? 0) + 1;
  return out;
}

/**
 * Sorts items by split (train first), label, then id, the order every
 * source's {@link ImageSource.list} returns.
 * @param items Items in any order.
 * @returns A new sorted array.
 * @example
 * ```ts
 * import { sortItems } from "./source.ts";
 * sortItems([{ id: "b", split: "val", label: "x" }, { id: "a", split: "train", label: "y" }]);
 * ```
 */
export function sortItems(items: readonly ImageItem[]): ImageItem[] {
  const rank = (s: Split) => (s === "train" ? 0 : 1);
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...items].sort((a, b) =>
    rank(a.split) - rank(b.split) || cmp(a.label, b.label) || cmp(a.id, b.id)
  );
}

/** File extensions (lower case, with the dot) read as images. */
export const IMAGE_EXTENSIONS: readonly string[] = [".png", ".jpg", ".jpeg"];

/**
 * Whether a file name has an image extension (case-insensitive).
 * @param name A file name or key.
 * @returns True for `.png`, `.jpg`, `.jpeg`.
 * @example
 * ```ts
 * import { isImageName } from "./source.ts";
 * isImageName("a/B.JPG"); // true
 * ```
 */
export function isImageName(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}
