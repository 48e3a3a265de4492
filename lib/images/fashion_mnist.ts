/**
 * Facts about Fashion-MNIST (Xiao, Rasul & Vollgraf 2017, Zalando Research,
 * MIT licence): 60 000 training and 10 000 test images, grey, 28×28, ten
 * classes. Debian's package `dataset-fashion-mnist` installs the IDX files
 * under {@link FASHION_MNIST_DIR}.
 *
 * @module
 */

/** Where Debian's `dataset-fashion-mnist` puts the IDX files. */
export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

/**
 * Class names by label index, as folder-friendly slugs: 0 T-shirt/top,
 * 1 trouser, 2 pullover, 3 dress, 4 coat, 5 sandal, 6 shirt, 7 sneaker,
 * 8 bag, 9 ankle boot.
 */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  "tshirt_top",
  "trouser",
  "pullover",
  "dress",
  "coat",
  "sandal",
  "shirt",
  "sneaker",
  "bag",
  "ankle_boot",
];

/** Base names (without `.gz`) of the four IDX files of an MNIST-format dataset. */
export const IDX_FILES = {
  train: { images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte" },
  val: { images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte" },
} as const;

/**
 * Resolves a class given by index or name.
 * @param value A label index (`"7"`, `7`) or a name (`"sneaker"`).
 * @param names Class names by index.
 * @returns The index.
 * @throws {Error} Listing the valid names when `value` is neither.
 * @example
 * ```ts
 * import { classIndex, FASHION_MNIST_CLASSES } from "./fashion_mnist.ts";
 * classIndex("sneaker", FASHION_MNIST_CLASSES); // 7
 * classIndex(2, FASHION_MNIST_CLASSES); // 2
 * ```
 */
export function classIndex(value: string | number, names: readonly string[]): number {
  const s = String(value).trim();
  if (/^\d+$/.test(s) && Number(s) < names.length) return Number(s);
  const i = names.indexOf(s);
  if (i >= 0) return i;
  throw new Error(
    `unknown class "${value}": use an index 0..${names.length - 1} or one of ${names.join(", ")}`,
  );
}
