/**
 * Images as a training {@link DataSource}: decoded with sharp to
 * `image_shape`, batched, optionally augmented, with prefetch (the next
 * batches are fetched and decoded while the current one trains) and an
 * in-memory cache of decoded images when they all fit.
 *
 * Pixel values: float32, integer-valued 0..255 by default, so that uniform
 * dequantisation noise can be added later; `rescale` multiplies them (e.g.
 * `1 / 256` gives [0, 1), `1 / 255` gives [0, 1]). Batches are
 * `[n, height, width, channels]`, or `[n, height · width · channels]` with
 * `flatten`.
 *
 * Unreadable images never stop a run: each is skipped with one warning line
 * and counted ({@link ImageDataSource.skipped}). A file that cannot be
 * decoded is left out of later passes; a fetch that failed (after retries)
 * is tried again in the next pass.
 *
 * Augmentation is random, so it applies only to passes given an {@link Rng}
 * (training); passes without one (evaluation, statistics) see the images
 * as they are.
 *
 * @module
 */
import { concatFloat32 } from "../core/float_arrays.ts";
import { tf } from "../core/tf.ts";
import { Rng } from "../core/random.ts";
import type { DataSource, FlowBatch } from "../training/data_source.ts";
import {
  type AugmentDraw,
  type AugmentOptions,
  drawAugmentation,
  isAugmenting,
  transformImage,
} from "./augment.ts";
import { decodeImage, type ResizeMode, validateImageShape } from "./decode.ts";
import type { ImageShape } from "../core/shapes.ts";
import { errorMessage, ImageDataError } from "./errors.ts";
import { Limiter } from "./limiter.ts";
import { type ImageItem, type ImageSource, itemsOfSplit, type Split } from "./source.ts";

/** Options of {@link ImageDataSource}. */
export interface ImageDataOptions {
  /** `[height, width, channels]` every image is decoded to (channels 1: grey, 3: RGB). */
  imageShape: ImageShape;
  /** How other sizes reach `imageShape`. Default `fill`. */
  resize?: ResizeMode;
  /** Factor applied to the 0..255 values. Default 1. */
  rescale?: number;
  /** Random flip, zoom and rotation in passes with an rng. Default none. */
  augment?: AugmentOptions;
  /** Yield `[n, height · width · channels]` instead of `[n, height, width, channels]`. */
  flatten?: boolean;
  /** Batches fetched and decoded ahead, while the current one is in use. Default 2. */
  prefetch?: number;
  /** Fetches and decodes at once. Default: the source's `concurrency`. */
  concurrency?: number;
  /** Keep decoded images in memory when all of them fit in this many bytes. Default 512 MiB. */
  cacheBytes?: number;
  /** Receives one line per skipped image. Default `console.warn`. */
  warn?: (line: string) => void;
}

/** A batch with the items it holds (skipped images are not in it). */
export interface LabelledBatch {
  /** The pixels, shaped as {@link ImageDataSource.eventShape} with a batch dimension. */
  images: tf.Tensor;
  /** The items, in batch order. */
  items: ImageItem[];
}

/** A skipped image and why. */
export interface SkippedImage {
  /** The item's id. */
  id: string;
  /** The error message. */
  reason: string;
  /** Whether it failed to decode (left out for good) rather than to fetch. */
  corrupt: boolean;
}

interface Pending {
  pixels: Float32Array;
  items: ImageItem[];
}

/** Decoded, batched images of one split of an {@link ImageSource}. */
export class ImageDataSource implements DataSource {
  readonly eventShape: number[];
  /** Images carry no condition: 0. */
  readonly contextDim = 0;
  /** The items this source reads, in order. */
  readonly items: readonly ImageItem[];
  readonly #source: ImageSource;
  readonly #shape: ImageShape;
  readonly #options: ImageDataOptions;
  readonly #limiter: Limiter;
  readonly #cache: Map<number, Uint8Array> | null;
  readonly #skipped = new Map<string, SkippedImage>();
  readonly #corrupt = new Set<number>();

  /**
   * @param source Where the images come from.
   * @param items The items to serve (e.g. one split of `source.list()`).
   * @param options Shape, scaling, augmentation, prefetch, cache.
   * @throws {ImageDataError} When `items` is empty or an option is invalid.
   * @example
   * ```ts
   * import { FolderImageSource } from "./folder_source.ts";
   * import { ImageDataSource } from "./image_data_source.ts";
   * import { itemsOfSplit } from "./source.ts";
   * const source = new FolderImageSource("data/fashion_mnist");
   * const train = new ImageDataSource(source, itemsOfSplit(await source.list(), "train"), {
   *   imageShape: [28, 28, 1],
   *   augment: { horizontalFlip: true },
   * });
   * for await (const batch of train.batches(64, null)) batch.x.dispose();
   * ```
   */
  constructor(source: ImageSource, items: readonly ImageItem[], options: ImageDataOptions) {
    this.#shape = validateImageShape(options.imageShape);
    if (items.length === 0) {
      throw new ImageDataError(`${source.location}: no images to serve (empty split)`);
    }
    const rescale = options.rescale ?? 1;
    if (!(Number.isFinite(rescale) && rescale > 0)) {
      throw new ImageDataError(`rescale must be a positive number, got ${rescale}`);
    }
    const prefetch = options.prefetch ?? 2;
    if (!(Number.isInteger(prefetch) && prefetch >= 0)) {
      throw new ImageDataError(`prefetch must be a non-negative integer, got ${prefetch}`);
    }
    if (options.augment) isAugmenting(options.augment); // validates
    this.#source = source;
    this.items = items;
    this.#options = options;
    this.#limiter = new Limiter(options.concurrency ?? source.concurrency);
    const [h, w, c] = this.#shape;
    this.eventShape = options.flatten ? [h * w * c] : [h, w, c];
    const bytes = items.length * h * w * c;
    this.#cache = bytes <= (options.cacheBytes ?? 512 * 2 ** 20) ? new Map() : null;
  }

  /**
   * Lists a source and serves one split of it.
   * @param source Where the images come from.
   * @param split `train` or `val`.
   * @param options Shape, scaling, augmentation, prefetch, cache.
   * @returns The data source.
   * @throws {ImageDataError} Naming the location when the split is empty.
   * @example
   * ```ts
   * import { FolderImageSource } from "./folder_source.ts";
   * import { ImageDataSource } from "./image_data_source.ts";
   * const val = await ImageDataSource.open(new FolderImageSource("data/fashion_mnist"), "val", {
   *   imageShape: [28, 28, 1],
   * });
   * ```
   */
  static async open(
    source: ImageSource,
    split: Split,
    options: ImageDataOptions,
  ): Promise<ImageDataSource> {
    const items = itemsOfSplit(await source.list(), split);
    if (items.length === 0) {
      throw new ImageDataError(`${source.location}: no images in ${split}/<class>/`);
    }
    return new ImageDataSource(source, items, options);
  }

  /** Images served, less those found undecodable so far. */
  get size(): number {
    return this.items.length - this.#corrupt.size;
  }

  /** Number of distinct images skipped so far (for metrics). */
  get skipped(): number {
    return this.#skipped.size;
  }

  /** The skipped images with their reasons. */
  get skippedImages(): SkippedImage[] {
    return [...this.#skipped.values()];
  }

  /** Whether decoded images are kept in memory. */
  get caching(): boolean {
    return this.#cache !== null;
  }

  #skip(item: ImageItem, index: number, error: unknown, corrupt: boolean): null {
    if (corrupt) this.#corrupt.add(index);
    if (!this.#skipped.has(item.id)) {
      const reason = errorMessage(error).split("\n").map((l) => l.trim()).find((l) => l) ??
        `${(error as Error)?.name ?? "error"} without a message`;
      this.#skipped.set(item.id, { id: item.id, reason, corrupt });
      (this.#options.warn ?? console.warn)(
        `warning: skipping ${corrupt ? "unreadable image" : "image that could not be fetched"} ` +
          `${item.id}: ${reason}`,
      );
    }
    return null;
  }

  #decode(index: number): Promise<Uint8Array | null> {
    const hit = this.#cache?.get(index);
    if (hit) return Promise.resolve(hit);
    const item = this.items[index];
    return this.#limiter.run(async () => {
      let payload;
      try {
        payload = await this.#source.fetch(item);
      } catch (e) {
        return this.#skip(item, index, e, false);
      }
      try {
        const pixels = await decodeImage(payload, this.#shape, this.#options.resize);
        this.#cache?.set(index, pixels);
        return pixels;
      } catch (e) {
        return this.#skip(item, index, e, true);
      }
    });
  }

  async #assemble(indices: number[], draws: AugmentDraw[] | null): Promise<Pending> {
    const decoded = await Promise.all(indices.map((i) => this.#decode(i)));
    const size = this.#shape[0] * this.#shape[1] * this.#shape[2];
    const kept = decoded.flatMap((px, k) => (px ? [k] : []));
    const pixels = new Float32Array(kept.length * size);
    const scratch = draws ? new Float32Array(size) : null;
    const augment = this.#options.augment ?? {};
    kept.forEach((k, j) => {
      const out = pixels.subarray(j * size, (j + 1) * size);
      if (draws && scratch) {
        scratch.set(decoded[k]!);
        transformImage(scratch, this.#shape, draws[k], out, augment);
      } else {
        out.set(decoded[k]!);
      }
    });
    const rescale = this.#options.rescale ?? 1;
    if (rescale !== 1) { for (let i = 0; i < pixels.length; i++) pixels[i] *= rescale; }
    return { pixels, items: kept.map((k) => this.items[indices[k]]) };
  }

  /**
   * One pass with the items of each batch, e.g. for evaluation by class.
   * @param batchSize Images per batch (a batch may be smaller when images were skipped).
   * @param rng Shuffles and augments when given; in order, as-is when null.
   * @returns Batches with their items; the caller disposes each `images` tensor.
   * @throws {ImageDataError} When no image of the pass could be read.
   */
  async *labelledBatches(batchSize: number, rng: Rng | null): AsyncGenerator<LabelledBatch> {
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
      throw new ImageDataError(`batch size must be a positive integer, got ${batchSize}`);
    }
    const live = this.items.map((_, i) => i).filter((i) => !this.#corrupt.has(i));
    const order = rng ? rng.permutation(live.length).map((k) => live[k]) : live;
    const augment = this.#options.augment;
    const augRng = rng && augment && isAugmenting(augment) ? new Rng(rng.seed()) : null;
    const ahead = this.#options.prefetch ?? 2;
    const pending: Promise<Pending>[] = [];
    let start = 0;
    const schedule = () => {
      const indices = order.slice(start, start + batchSize);
      start += batchSize;
      // Draw now, in batch order, so the result does not depend on decode timing.
      const draws = augRng ? indices.map(() => drawAugmentation(augment!, augRng)) : null;
      pending.push(this.#assemble(indices, draws));
    };
    const fill = (count: number) => {
      while (pending.length < count && start < order.length) schedule();
    };
    let served = 0;
    try {
      fill(ahead + 1);
      while (true) {
        fill(1); // the batch needed now, unless it was prefetched
        if (pending.length === 0) break;
        const batch = await pending.shift()!;
        fill(ahead); // decoded while this batch is in use
        if (batch.items.length === 0) continue;
        served += batch.items.length;
        yield {
          images: tf.tensor(batch.pixels, [batch.items.length, ...this.eventShape]),
          items: batch.items,
        };
      }
    } finally {
      await Promise.allSettled(pending);
    }
    if (served === 0 && order.length > 0) {
      const first = this.skippedImages[0];
      throw new ImageDataError(
        `${this.#source.location}: none of the ${order.length} images could be read` +
          (first ? ` (first: ${first.id}: ${first.reason})` : ""),
      );
    }
  }

  /**
   * One pass over the images (the {@link DataSource} interface).
   * @param batchSize Images per batch.
   * @param rng Shuffles and augments when given.
   * @returns Batches whose `x` is `[n, ...eventShape]` (no context); the caller disposes them.
   * @example
   * ```ts
   * import { FolderImageSource } from "./folder_source.ts";
   * import { ImageDataSource } from "./image_data_source.ts";
   * const val = await ImageDataSource.open(new FolderImageSource("data/fashion_mnist"), "val", {
   *   imageShape: [28, 28, 1],
   * });
   * for await (const { x } of val.batches(256, null)) x.dispose(); // x: [256, 28, 28, 1]
   * ```
   */
  async *batches(batchSize: number, rng: Rng | null): AsyncGenerator<FlowBatch> {
    for await (const batch of this.labelledBatches(batchSize, rng)) yield { x: batch.images };
  }

  /**
   * Every readable image, in order and without augmentation, in one array.
   * @param batchSize Images decoded per step. Default 256.
   * @returns The pixels (`count · eventSize` values) and their items.
   * @example
   * ```ts
   * import { FolderImageSource } from "./folder_source.ts";
   * import { ImageDataSource } from "./image_data_source.ts";
   * const val = await ImageDataSource.open(new FolderImageSource("data/fashion_mnist"), "val", {
   *   imageShape: [28, 28, 1],
   * });
   * const { pixels, items } = await val.loadAll(); // items[i].label: class of image i
   * ```
   */
  async loadAll(batchSize = 256): Promise<{ pixels: Float32Array; items: ImageItem[] }> {
    const parts: Float32Array[] = [];
    const items: ImageItem[] = [];
    for await (const batch of this.labelledBatches(batchSize, null)) {
      parts.push(batch.images.dataSync() as Float32Array);
      batch.images.dispose();
      items.push(...batch.items);
    }
    return { pixels: concatFloat32(parts), items };
  }
}
