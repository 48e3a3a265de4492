/**
 * MNIST-format IDX files as an image source, with a chosen "normal" class:
 * the training file's images of the normal classes form `train/`, the test
 * file's images of every class form `val/` (in-class images and anomalies).
 * This lets an application evaluate anomaly detection for any normal class
 * straight from Debian's Fashion-MNIST files, without preparing folders.
 *
 * Spec strings (see {@link parseIdxSpec}): `idx:` (Fashion-MNIST from its
 * Debian folder, all classes), `idx:/path/to/dir?normal=sneaker`,
 * `idx:?normal=7,9&train_per_class=2000&val_per_class=200`.
 *
 * @module
 */
import { join } from "node:path";
import { ImageDataError } from "./errors.ts";
import {
  classIndex,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DIR,
  IDX_FILES,
} from "./fashion_mnist.ts";
import { type IdxImages, readIdxImages } from "./idx.ts";
import type { ImageItem, ImageSource, RawImage, Split } from "./source.ts";

/** Options of {@link IdxImageSource}. */
export interface IdxSourceOptions {
  /** Folder holding `train-images-idx3-ubyte[.gz]` and the three others. Default {@link FASHION_MNIST_DIR}. */
  dir?: string;
  /** Label indices that make up `train/`. Default: every class (no anomalies in `val/`). */
  normalClasses?: number[];
  /**
   * Class names by label index. Default: the Fashion-MNIST names when `dir`
   * contains "fashion" (case-insensitive), else the digits `"0"`, `"1"`, ….
   */
  classNames?: readonly string[];
  /** At most this many training images per class (the first ones in the file). */
  trainPerClass?: number;
  /** At most this many validation images per class (the first ones in the test file). */
  valPerClass?: number;
}

async function findIdxFile(dir: string, base: string): Promise<string> {
  for (const name of [`${base}.gz`, base]) {
    try {
      await Deno.stat(join(dir, name));
      return join(dir, name);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  throw new ImageDataError(`${dir}: no ${base} or ${base}.gz (an MNIST-format IDX folder)`);
}

function defaultNames(dir: string): string[] {
  if (/fashion/i.test(dir)) return [...FASHION_MNIST_CLASSES];
  return Array.from({ length: 10 }, (_, i) => String(i));
}

/** MNIST-format IDX files seen through the `train/`/`val/` class layout. */
export class IdxImageSource implements ImageSource {
  readonly location: string;
  readonly concurrency = 64;
  readonly #dir: string;
  readonly #options: IdxSourceOptions;
  readonly #files = new Map<Split, IdxImages>();

  /**
   * @param options Folder, normal classes, names, limits.
   * @example
   * ```ts
   * import { IdxImageSource } from "./idx_source.ts";
   * const source = new IdxImageSource({ normalClasses: [7], valPerClass: 100 });
   * const items = await source.list(); // 6000 train sneakers, 1000 val images (100 per class)
   * ```
   */
  constructor(options: IdxSourceOptions = {}) {
    this.#dir = options.dir ?? FASHION_MNIST_DIR;
    this.#options = options;
    const query = [
      options.normalClasses ? `normal=${options.normalClasses.join(",")}` : "",
      options.trainPerClass !== undefined ? `train_per_class=${options.trainPerClass}` : "",
      options.valPerClass !== undefined ? `val_per_class=${options.valPerClass}` : "",
    ].filter((s) => s).join("&");
    this.location = `idx:${this.#dir}${query ? `?${query}` : ""}`;
    for (const key of ["trainPerClass", "valPerClass"] as const) {
      const v = options[key];
      if (v !== undefined && !(Number.isInteger(v) && v > 0)) {
        throw new ImageDataError(`${this.location}: ${key} must be a positive integer, got ${v}`);
      }
    }
  }

  /** Class names by label index. */
  get classNames(): readonly string[] {
    return this.#options.classNames ?? defaultNames(this.#dir);
  }

  async #load(split: Split): Promise<IdxImages> {
    let data = this.#files.get(split);
    if (!data) {
      const base = IDX_FILES[split];
      data = await readIdxImages(
        await findIdxFile(this.#dir, base.images),
        await findIdxFile(this.#dir, base.labels),
      );
      this.#files.set(split, data);
    }
    return data;
  }

  /**
   * @returns Training-file images of the normal classes (`train`) and
   *   test-file images of every class (`val`), sorted.
   * @throws {ImageDataError} When a file is missing or malformed, a label
   *   has no name, or a normal class has no image.
   */
  async list(): Promise<ImageItem[]> {
    const names = this.classNames;
    const normal = new Set(this.#options.normalClasses ?? names.map((_, i) => i));
    for (const c of normal) {
      if (!(Number.isInteger(c) && c >= 0 && c < names.length)) {
        throw new ImageDataError(
          `${this.location}: normal class ${c} is not a label index 0..${names.length - 1}`,
        );
      }
    }
    const items: ImageItem[] = [];
    for (const split of ["train", "val"] as const) {
      const data = await this.#load(split);
      const limit = split === "train" ? this.#options.trainPerClass : this.#options.valPerClass;
      const seen = new Map<number, number>();
      const file = join(this.#dir, IDX_FILES[split].images);
      const width = String(data.count).length;
      for (let i = 0; i < data.count; i++) {
        const c = data.labels[i];
        if (c >= names.length) {
          throw new ImageDataError(
            `${file}: label ${c} of image ${i} has no class name (${names.length} names)`,
          );
        }
        if (split === "train" && !normal.has(c)) continue;
        const n = seen.get(c) ?? 0;
        if (limit !== undefined && n >= limit) continue;
        seen.set(c, n + 1);
        items.push({ id: `${file}#${String(i).padStart(width, "0")}`, split, label: names[c] });
      }
    }
    for (const c of normal) {
      if (!items.some((it) => it.split === "train" && it.label === names[c])) {
        throw new ImageDataError(`${this.location}: no training image of class ${c} (${names[c]})`);
      }
    }
    // Ids are zero-padded, so this is file order within each class.
    return items.sort((a, b) =>
      a.split === b.split
        ? (a.label < b.label ? -1 : a.label > b.label ? 1 : a.id < b.id ? -1 : 1)
        : a.split === "train"
        ? -1
        : 1
    );
  }

  /**
   * @param item An item from {@link list}.
   * @returns Its grey pixels.
   */
  async fetch(item: ImageItem): Promise<RawImage> {
    const data = await this.#load(item.split);
    const index = Number(item.id.slice(item.id.lastIndexOf("#") + 1));
    const size = data.height * data.width;
    return {
      kind: "raw",
      pixels: data.images.slice(index * size, (index + 1) * size),
      height: data.height,
      width: data.width,
      channels: 1,
    };
  }

  /** Drops the files from memory. */
  close(): Promise<void> {
    this.#files.clear();
    return Promise.resolve();
  }
}

/**
 * Parses an `idx:` spec into options of {@link IdxImageSource}.
 * @param spec `idx:[DIR][?normal=A[,B…]&train_per_class=N&val_per_class=M]`,
 *   classes by index or name; an empty DIR means {@link FASHION_MNIST_DIR}.
 * @returns The options.
 * @throws {ImageDataError} Naming the spec and the bad field.
 * @example
 * ```ts
 * import { parseIdxSpec } from "./idx_source.ts";
 * parseIdxSpec("idx:?normal=sneaker&val_per_class=100");
 * // { dir: "/usr/share/datasets/fashion-mnist", normalClasses: [7], valPerClass: 100 }
 * ```
 */
export function parseIdxSpec(spec: string): IdxSourceOptions {
  if (!spec.startsWith("idx:")) throw new ImageDataError(`${spec}: an IDX spec starts with idx:`);
  const [path, query = ""] = spec.slice(4).split("?", 2);
  const options: IdxSourceOptions = { dir: path || FASHION_MNIST_DIR };
  const names = defaultNames(options.dir!);
  for (const pair of query.split("&").filter((s) => s)) {
    const [key, value = ""] = pair.split("=", 2);
    const int = () => {
      const n = Number(value);
      if (!(Number.isInteger(n) && n > 0)) {
        throw new ImageDataError(`${spec}: ${key} must be a positive integer, got "${value}"`);
      }
      return n;
    };
    if (key === "normal") {
      try {
        options.normalClasses = value.split(",").map((v) => classIndex(v, names));
      } catch (e) {
        throw new ImageDataError(`${spec}: normal: ${(e as Error).message}`);
      }
    } else if (key === "train_per_class") options.trainPerClass = int();
    else if (key === "val_per_class") options.valPerClass = int();
    else {
      throw new ImageDataError(
        `${spec}: unknown option "${key}" (use normal, train_per_class, val_per_class)`,
      );
    }
  }
  return options;
}
