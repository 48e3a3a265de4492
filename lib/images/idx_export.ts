/**
 * Lays out IDX images (MNIST, Fashion-MNIST) as PNG files in the
 * `train/<class>/`, `val/<class>/` layout: the normal classes' images of
 * the training file go to `train/`, images of every class of the test file
 * go to `val/` (held-out in-class images and anomalies). Subsets are drawn
 * class by class with a seeded generator, so the same options always give
 * the same files. The folder is written atomically: complete, or not at all.
 *
 * @module
 */
import { join } from "node:path";
import { writeDirAtomic } from "../core/atomic.ts";
import { Rng } from "../core/random.ts";
import { encodePng } from "./decode.ts";
import { ImageDataError } from "./errors.ts";
import { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, IDX_FILES } from "./fashion_mnist.ts";
import { type IdxImages, readIdxImages } from "./idx.ts";
import { Limiter } from "./limiter.ts";

/** Options of {@link exportIdxLayout}. */
export interface IdxExportOptions {
  /** Destination folder (replaced when complete). */
  out: string;
  /** Folder of the four IDX files (`.gz` ones). Default {@link FASHION_MNIST_DIR}. */
  sourceDir?: string;
  /** Label indices that form `train/`; `"all"` for every class. */
  normalClasses: number[] | "all";
  /** Training images in total, split evenly over the normal classes; `"all"` for every one. */
  trainCount: number | "all";
  /** Validation images per class (every class); `"all"` for every one. */
  valPerClass: number | "all";
  /** Seed of the subset draws. */
  seed: number;
  /** Class folder names by label. Default: the Fashion-MNIST names. */
  classNames?: readonly string[];
  /** Also write these files (name → content) into the folder, e.g. a README that quotes the counts. */
  extraFiles?: (counts: IdxExportSummary["counts"]) => Record<string, string>;
}

/** What {@link exportIdxLayout} wrote. */
export interface IdxExportSummary {
  /** Images per split and class. */
  counts: { train: Record<string, number>; val: Record<string, number> };
  /** PNG files written. */
  files: number;
  /** Their total size in bytes. */
  bytes: number;
}

function pick(indices: number[], count: number | "all", rng: Rng): number[] {
  if (count === "all" || count >= indices.length) return indices;
  return rng.permutation(indices.length).slice(0, count).map((k) => indices[k]).sort((a, b) =>
    a - b
  );
}

function byClass(data: IdxImages, classes: number): number[][] {
  const out: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < data.count; i++) out[data.labels[i]]?.push(i);
  return out;
}

function checkCount(value: number | "all", field: string): void {
  if (value !== "all" && !(Number.isInteger(value) && value > 0)) {
    throw new ImageDataError(`${field} must be a positive integer or "all", got ${value}`);
  }
}

/**
 * Writes the layout.
 * @param options Source, destination, classes, counts, seed.
 * @returns Counts and sizes.
 * @throws {ImageDataError} On a bad option or unreadable IDX files.
 * @example
 * ```ts
 * import { exportIdxLayout } from "./idx_export.ts";
 * const summary = await exportIdxLayout({
 *   out: "output/fashion_sneaker", normalClasses: [7], trainCount: 500, valPerClass: 20, seed: 1,
 * });
 * console.log(summary.counts.train); // { sneaker: 500 }
 * ```
 */
export async function exportIdxLayout(options: IdxExportOptions): Promise<IdxExportSummary> {
  const names = options.classNames ?? FASHION_MNIST_CLASSES;
  checkCount(options.trainCount, "trainCount");
  checkCount(options.valPerClass, "valPerClass");
  const normal = options.normalClasses === "all" ? names.map((_, i) => i) : options.normalClasses;
  if (
    normal.length === 0 || !normal.every((c) => Number.isInteger(c) && c >= 0 && c < names.length)
  ) {
    throw new ImageDataError(
      `normalClasses must be label indices 0..${names.length - 1}, got [${normal}]`,
    );
  }
  const dir = options.sourceDir ?? FASHION_MNIST_DIR;
  const file = (base: string) => join(dir, `${base}.gz`);
  const train = await readIdxImages(
    file(IDX_FILES.train.images),
    file(IDX_FILES.train.labels),
  );
  const val = await readIdxImages(file(IDX_FILES.val.images), file(IDX_FILES.val.labels));
  const rng = new Rng(options.seed);
  const jobs: { split: "train" | "val"; data: IdxImages; index: number; label: string }[] = [];
  const trainByClass = byClass(train, names.length);
  const perClass = options.trainCount === "all"
    ? "all"
    : Math.floor(options.trainCount / normal.length);
  if (perClass === 0) {
    throw new ImageDataError(
      `trainCount ${options.trainCount} is less than one image per normal class (${normal.length})`,
    );
  }
  for (const c of normal) {
    for (const index of pick(trainByClass[c], perClass, rng)) {
      jobs.push({ split: "train", data: train, index, label: names[c] });
    }
  }
  const valByClass = byClass(val, names.length);
  names.forEach((label, c) => {
    for (const index of pick(valByClass[c], options.valPerClass, rng)) {
      jobs.push({ split: "val", data: val, index, label });
    }
  });
  const counts: IdxExportSummary["counts"] = { train: {}, val: {} };
  for (const job of jobs) counts[job.split][job.label] = (counts[job.split][job.label] ?? 0) + 1;
  let bytes = 0;
  await writeDirAtomic(options.out, async (tmp) => {
    for (const [name, text] of Object.entries(options.extraFiles?.(counts) ?? {})) {
      await Deno.writeTextFile(join(tmp, name), text);
    }
    const limiter = new Limiter(4);
    const folders = new Map<string, Promise<void>>();
    await Promise.all(jobs.map((job) =>
      limiter.run(async () => {
        const folder = join(tmp, job.split, job.label);
        if (!folders.has(folder)) folders.set(folder, Deno.mkdir(folder, { recursive: true }));
        await folders.get(folder);
        const size = job.data.height * job.data.width;
        const png = await encodePng(
          job.data.images.subarray(job.index * size, (job.index + 1) * size),
          [job.data.height, job.data.width, 1],
        );
        const prefix = job.split === "train" ? "train" : "t10k";
        await Deno.writeFile(
          join(folder, `${prefix}_${String(job.index).padStart(5, "0")}.png`),
          png,
        );
        bytes += png.length;
      })
    ));
  });
  return { counts, files: jobs.length, bytes };
}
