/**
 * Images in a local folder laid out as `train/<class>/*.{png,jpg,jpeg}` and
 * `val/<class>/*` (sub-folders inside a class folder are searched too; other
 * files are ignored). `val/` may be absent. Needs `--allow-read` for the
 * folder.
 *
 * @module
 */
import { join, relative } from "node:path";
import { ImageDataError } from "./errors.ts";
import {
  type EncodedImage,
  type ImageItem,
  type ImageSource,
  isImageName,
  sortItems,
  type Split,
  SPLITS,
} from "./source.ts";

const LAYOUT = "expected train/<class>/*.png|jpg|jpeg and val/<class>/*";

async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw new ImageDataError(`${path}: cannot read (${(e as Error).message})`, { cause: e });
  }
}

async function* walkImages(dir: string): AsyncGenerator<string> {
  const entries: Deno.DirEntry[] = [];
  for await (const e of Deno.readDir(dir)) entries.push(e);
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory) yield* walkImages(path);
    else if (isImageName(e.name)) yield path;
  }
}

async function listSplit(root: string, split: Split): Promise<ImageItem[]> {
  const dir = join(root, split);
  const items: ImageItem[] = [];
  const loose: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) {
      for await (const file of walkImages(path)) {
        items.push({ id: file, split, label: entry.name });
      }
    } else if (isImageName(entry.name)) {
      loose.push(relative(root, path));
    }
  }
  if (loose.length > 0 && items.length === 0) {
    throw new ImageDataError(
      `${dir}: images must be inside class folders (found ${loose[0]}` +
        `${loose.length > 1 ? ` and ${loose.length - 1} more` : ""}); ${LAYOUT}`,
    );
  }
  return items;
}

/** A local folder in the `train/`/`val/` class layout. */
export class FolderImageSource implements ImageSource {
  readonly location: string;
  readonly concurrency: number;

  /**
   * @param root The folder holding `train/` (and usually `val/`).
   * @param concurrency Files read and decoded at once. Default 4.
   * @example
   * ```ts
   * import { FolderImageSource } from "./folder_source.ts";
   * const source = new FolderImageSource("data/fashion_mnist");
   * const items = await source.list(); // [{ id: "data/fashion_mnist/train/sneaker/train_00006.png", split: "train", label: "sneaker" }, …]
   * ```
   */
  constructor(root: string, concurrency = 4) {
    this.location = root;
    this.concurrency = concurrency;
  }

  /**
   * @returns Every image of both splits, sorted.
   * @throws {ImageDataError} Naming the folder when it is missing, has no
   *   `train/` folder, or `train/` holds no image in a class folder.
   */
  async list(): Promise<ImageItem[]> {
    const root = this.location;
    const info = await statOrNull(root);
    if (!info) throw new ImageDataError(`${root}: image folder not found; ${LAYOUT}`);
    if (!info.isDirectory) {
      throw new ImageDataError(`${root}: is a file, not an image folder; ${LAYOUT}`);
    }
    const items: ImageItem[] = [];
    for (const split of SPLITS) {
      const dir = await statOrNull(join(root, split));
      if (!dir?.isDirectory) {
        if (split === "train") throw new ImageDataError(`${root}: no train/ folder; ${LAYOUT}`);
        continue;
      }
      items.push(...await listSplit(root, split));
    }
    if (!items.some((it) => it.split === "train")) {
      throw new ImageDataError(`${join(root, "train")}: no images in class folders; ${LAYOUT}`);
    }
    return sortItems(items);
  }

  /**
   * @param item An item from {@link list}.
   * @returns The file's bytes.
   */
  async fetch(item: ImageItem): Promise<EncodedImage> {
    return { kind: "encoded", bytes: await Deno.readFile(item.id) };
  }

  /** Nothing to release. */
  async close(): Promise<void> {}
}
