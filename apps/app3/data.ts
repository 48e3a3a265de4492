/**
 * The labelled images of application 3, from `run.images_path` (default
 * `idx:`, Debian's Fashion-MNIST: 60 000 training and 10 000 test images of
 * ten classes; also a folder or an S3 prefix with `train/<class>/…` and
 * `val/<class>/…`, the class names from the folder names):
 *
 * - the training classes are those of `train/`, less `run.ood_class`, which
 *   is held out of training entirely;
 * - a shuffled subset of their training images (at most
 *   `training.num_data_input`) is trained on, and a validation split
 *   (`training.num_val`, else `validation_fraction`) is held out for early
 *   stopping and temperature scaling;
 * - every `val/` image is a test image: those of a training class are the
 *   in-distribution test set, those of the held-out class (and of classes
 *   found only under `val/`) are out-of-distribution inputs.
 *
 * Pixels are integer-valued 0..255, flattened to `h·w·c` values per image.
 *
 * @module
 */
import type { ImageShape } from "../../lib/core/shapes.ts";
import { ImageDataError } from "../../lib/images/errors.ts";
import { ImageDataSource } from "../../lib/images/image_data_source.ts";
import { type ImageItem, itemsOfSplit, type Split } from "../../lib/images/source.ts";
import type { Params } from "../../lib/params/mod.ts";
import { Rng } from "../../lib/core/random.ts";
import { appImageDecoding, loadImageSet, openAppImageDataset } from "../app2/data.ts";
import { checkImageModel } from "../app2/model.ts";

/** The images application 3 reads when `run.images_path` is empty: all of Fashion-MNIST. */
export const DEFAULT_CLASSIFIER_IMAGES = "idx:";

/** Images of one split with their classes. */
export interface LabelledImages {
  /** `n · h·w·c` integer-valued pixels 0..255. */
  pixels: Float32Array;
  /** Index of each image's class in the training classes; −1 for a class not trained on. */
  labels: Int32Array;
  /** Class name of each image. */
  classes: string[];
  /** Id of each image (file, key or `file#index`). */
  ids: string[];
}

/** Everything application 3 reads. */
export interface ClassifierImages {
  /** What `run.images_path` named. */
  location: string;
  /** `[height, width, channels]`. */
  imageShape: ImageShape;
  /** `height · width · channels`. */
  dims: number;
  /** The training classes, sorted: class index i is `classNames[i]`. */
  classNames: string[];
  /** Classes of test images that were not trained on (the held-out class first). */
  heldOutClasses: string[];
  /** The training images. */
  train: LabelledImages;
  /** Training-split images held out for early stopping and temperature scaling; null if none. */
  validation: LabelledImages | null;
  /** Every `val/` image: in-distribution (label ≥ 0) and held-out classes (label −1). */
  test: LabelledImages;
  /** Images per split and class, as listed. */
  counts: Record<Split, Record<string, number>>;
  /** Images skipped as unreadable. */
  skipped: number;
}

/**
 * Class index of each item (−1 when not a training class), for the labels of a split.
 * @param items Items.
 * @param classNames Training classes.
 * @returns Their labels.
 */
function labelsOf(items: readonly ImageItem[], classNames: string[]): Int32Array {
  const index = new Map(classNames.map((c, i) => [c, i]));
  return Int32Array.from(items, (it) => index.get(it.label) ?? -1);
}

/**
 * The training classes of a dataset, after holding out `oodClass`.
 * @param location The dataset, for messages.
 * @param trainClasses Classes under `train/`.
 * @param allClasses Classes under `train/` or `val/`.
 * @param oodClass `run.ood_class` ("" for none).
 * @returns The training classes, sorted.
 * @throws {ImageDataError} When `oodClass` is not a class of the dataset, or fewer than two
 *   classes are left to train on.
 * @example
 * ```ts
 * import { trainingClasses } from "./data.ts";
 * trainingClasses("idx:", ["bag", "coat", "shirt"], ["bag", "coat", "shirt"], "bag");
 * // ["coat", "shirt"]
 * ```
 */
export function trainingClasses(
  location: string,
  trainClasses: readonly string[],
  allClasses: readonly string[],
  oodClass: string,
): string[] {
  if (oodClass && !allClasses.includes(oodClass)) {
    throw new ImageDataError(
      `run.ood_class "${oodClass}" is not a class of ${location} ` +
        `(its classes: ${[...allClasses].sort().join(", ")})`,
    );
  }
  const classes = [...new Set(trainClasses)].filter((c) => c !== oodClass).sort();
  if (classes.length < 2) {
    throw new ImageDataError(
      `${location}: train/ has ${
        classes.length === 0 ? "no class" : `only one class (${classes[0]})`
      }${
        oodClass ? ` once run.ood_class "${oodClass}" is held out` : ""
      }; a classifier needs images of at least two classes under train/<class>/`,
    );
  }
  return classes;
}

/**
 * Reads the labelled images of application 3 and splits them.
 * @param params App params: `run.images_path`, `run.s3_endpoint`, `run.ood_class`, `run.seed`,
 *   `model_arch.image_shape`, `image_resize`, `training.num_data_input`, `num_val`,
 *   `validation_fraction`.
 * @param options `warn`: one line per skipped image or retried request.
 * @returns The images, in memory.
 * @throws {ImageDataError} Naming the location, class or field at fault (before anything is
 *   written): a missing folder, too few classes, an unknown `run.ood_class`, no `val/` images.
 * @example
 * ```ts ignore
 * import { loadClassifierImages } from "./data.ts";
 * const images = await loadClassifierImages(params);
 * console.log(images.classNames, images.train.labels.length);
 * ```
 */
export async function loadClassifierImages(
  params: Params,
  options: { warn?: (line: string) => void } = {},
): Promise<ClassifierImages> {
  const imageShape = checkImageModel(params);
  const location = params.run.images_path || DEFAULT_CLASSIFIER_IMAGES;
  const decode = appImageDecoding(params, imageShape, options.warn);
  const data = await openAppImageDataset(params, location, imageShape, options.warn);
  try {
    const trainItems = itemsOfSplit(data.items, "train");
    const testItems = itemsOfSplit(data.items, "val");
    const all = [...new Set(data.items.map((it) => it.label))];
    const oodClass = params.run.ood_class.trim();
    const classNames = trainingClasses(
      location,
      trainItems.map((it) => it.label),
      all,
      oodClass,
    );
    if (testItems.length === 0) {
      throw new ImageDataError(
        `${location}: no test images under val/<class>/ (application 3 tests on them)`,
      );
    }
    const kept = trainItems.filter((it) => it.label !== oodClass);
    const order = new Rng(params.run.seed).permutation(kept.length).map((i) => kept[i]);
    const t = params.training;
    const wanted = t.num_val ?? Math.round(t.validation_fraction * order.length);
    const numValidation = Math.min(wanted, order.length - 2);
    const numTrain = Math.min(t.num_data_input, order.length - numValidation);
    const held = order.slice(0, numValidation);
    const used = order.slice(numValidation, numValidation + numTrain);
    const sources: ImageDataSource[] = [];
    const read = async (items: ImageItem[]): Promise<LabelledImages> => {
      const source = new ImageDataSource(data.source, items, decode);
      sources.push(source);
      const set = await loadImageSet(source);
      return {
        pixels: set.pixels,
        labels: labelsOf(set.items, classNames),
        classes: set.items.map((it) => it.label),
        ids: set.items.map((it) => it.id),
      };
    };
    const train = await read(used);
    const validation = held.length ? await read(held) : null;
    const test = await read(testItems);
    const unseen = [...new Set(test.classes)].filter((c) => !classNames.includes(c)).sort();
    const heldOutClasses = oodClass ? [oodClass, ...unseen.filter((c) => c !== oodClass)] : unseen;
    return {
      location,
      imageShape,
      dims: imageShape[0] * imageShape[1] * imageShape[2],
      classNames,
      heldOutClasses,
      train,
      validation,
      test,
      counts: data.counts,
      skipped: sources.reduce((a, s) => a + s.skipped, 0),
    };
  } finally {
    await data.close();
  }
}

/**
 * One-hot rows of class labels (the context of a class-conditional flow).
 * @param labels Class indices 0..K−1.
 * @param numClasses K.
 * @returns `[n, K]` row-major.
 * @throws Error when a label is outside 0..K−1.
 * @example
 * ```ts
 * import { oneHotRows } from "./data.ts";
 * oneHotRows(Int32Array.from([1, 0]), 2); // [0, 1, 1, 0]
 * ```
 */
export function oneHotRows(labels: ArrayLike<number>, numClasses: number): Float32Array {
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!(Number.isInteger(y) && y >= 0 && y < numClasses)) {
      throw new Error(`label ${i} is ${y}, not a class 0..${numClasses - 1}`);
    }
    out[i * numClasses + y] = 1;
  }
  return out;
}

/**
 * The images of some rows of a labelled set.
 * @param set The set.
 * @param dims Values per image.
 * @param rows Row indices.
 * @returns A new set of those rows.
 * @example
 * ```ts
 * import { selectImages } from "./data.ts";
 * const set = {
 *   pixels: new Float32Array([1, 2, 3, 4]), labels: Int32Array.from([0, 1]),
 *   classes: ["a", "b"], ids: ["x", "y"],
 * };
 * selectImages(set, 2, [1]).classes; // ["b"]
 * ```
 */
export function selectImages(set: LabelledImages, dims: number, rows: number[]): LabelledImages {
  const pixels = new Float32Array(rows.length * dims);
  rows.forEach((r, i) => pixels.set(set.pixels.subarray(r * dims, (r + 1) * dims), i * dims));
  return {
    pixels,
    labels: Int32Array.from(rows, (r) => set.labels[r]),
    classes: rows.map((r) => set.classes[r]),
    ids: rows.map((r) => set.ids[r]),
  };
}

/**
 * A seeded random choice of rows, in increasing order (e.g. a subset of test
 * images spread over every class, where the files list them class by class).
 * @param n Rows to choose from.
 * @param count How many; all when `count ≥ n`.
 * @param seed Seed of the choice.
 * @returns Row indices, sorted.
 * @example
 * ```ts
 * import { sampleRows } from "./data.ts";
 * sampleRows(10, 3, 1); // e.g. [1, 4, 8]
 * ```
 */
export function sampleRows(n: number, count: number, seed: number): number[] {
  if (count >= n) return Array.from({ length: n }, (_, i) => i);
  return new Rng(seed).permutation(n).slice(0, count).sort((a, b) => a - b);
}
