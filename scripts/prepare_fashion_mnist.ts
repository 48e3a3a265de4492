/**
 * Builds the shipped default image data, `data/fashion_mnist/`, from the IDX
 * files of Debian's package `dataset-fashion-mnist`: a seeded, class-balanced
 * subset as PNG files, laid out for anomaly detection — the normal class's
 * training images in `train/<class>/`, held-out images of every class
 * (in-class ones and anomalies) in `val/<class>/`.
 *
 * ```sh
 * deno task prepare:fashion-mnist                      # the shipped subset
 * deno task prepare:fashion-mnist --normal bag --out output/fashion_bag
 * deno task prepare:fashion-mnist --full --out output/fashion_full   # every image
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { exportIdxLayout } from "../lib/images/idx_export.ts";
import {
  classIndex,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DIR,
} from "../lib/images/fashion_mnist.ts";

const DEFAULT_OUT = "data/fashion_mnist";

const HELP = `Usage: deno task prepare:fashion-mnist [options]

Lays out Fashion-MNIST (Debian package dataset-fashion-mnist) as PNG files:
train/<normal class>/*.png from the training file, val/<class>/*.png of every
class from the test file (in-class images and anomalies).

Options:
  --out DIR            destination folder (replaced)        [${DEFAULT_OUT}]
  --normal CLASS       normal class, index or name, or "all" [sneaker]
                       (${FASHION_MNIST_CLASSES.map((n, i) => `${i} ${n}`).join(", ")})
  --train N|all        training images of the normal class(es) [3000]
  --val-per-class N|all  validation images per class        [150]
  --full               every image: --train all --val-per-class all (needs --out)
  --seed N             seed of the subset draws             [1]
  --source DIR         folder of the IDX .gz files          [${FASHION_MNIST_DIR}]
  --help               this text`;

const LICENSE = `Fashion-MNIST
Copyright (c) 2017 Zalando SE, https://tech.zalando.com

The MIT License (Expat)

Permission is hereby granted, free of charge, to any person obtaining a
copy of this software and associated documentation files (the "Software"),
to deal in the Software without restriction, including without limitation
the rights to use, copy, modify, merge, publish, distribute, sublicense,
and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included
in all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS
OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT.
IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY
CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT,
TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE
SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
`;

/** Settings of one run of the script. */
export interface PrepareSettings {
  /** Destination folder. */
  out: string;
  /** Normal class index, or "all". */
  normal: number | "all";
  /** Training images. */
  train: number | "all";
  /** Validation images per class. */
  valPerClass: number | "all";
  /** Seed. */
  seed: number;
  /** IDX folder. */
  source: string;
}

function countArg(value: string, flag: string): number | "all" {
  if (value === "all") return "all";
  const n = Number(value);
  if (!(Number.isInteger(n) && n > 0)) {
    throw new Error(`${flag} must be a positive integer or "all", got "${value}"`);
  }
  return n;
}

/**
 * Parses the command line.
 * @param args Arguments after the script name.
 * @returns The settings, or null when `--help` was asked for.
 * @throws {Error} Naming the bad flag.
 * @example
 * ```ts
 * import { parsePrepareArgs } from "./prepare_fashion_mnist.ts";
 * parsePrepareArgs(["--normal", "bag", "--out", "output/bag"])?.normal; // 8
 * ```
 */
export function parsePrepareArgs(args: string[]): PrepareSettings | null {
  const { values } = parseArgs({
    args,
    options: {
      out: { type: "string", default: DEFAULT_OUT },
      normal: { type: "string", default: "sneaker" },
      train: { type: "string", default: "3000" },
      "val-per-class": { type: "string", default: "150" },
      full: { type: "boolean", default: false },
      seed: { type: "string", default: "1" },
      source: { type: "string", default: FASHION_MNIST_DIR },
      help: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return null;
  if (values.full && values.out === DEFAULT_OUT) {
    throw new Error(
      `--full writes all 70 000 images: give it another --out than ${DEFAULT_OUT}, e.g. output/fashion_full`,
    );
  }
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got "${values.seed}"`);
  return {
    out: values.out,
    normal: values.normal === "all" ? "all" : classIndex(values.normal, FASHION_MNIST_CLASSES),
    train: values.full ? "all" : countArg(values.train, "--train"),
    valPerClass: values.full ? "all" : countArg(values["val-per-class"], "--val-per-class"),
    seed,
    source: values.source,
  };
}

/**
 * Greedy word wrap at 100 columns, the way `deno fmt` wraps Markdown prose
 * (list items continue with two spaces, code spans are not broken), so the
 * README passes `deno fmt --check`.
 */
function wrapMarkdown(text: string, width = 100): string {
  return text.split("\n").map((line) => {
    const indent = line.startsWith("- ") ? "  " : "";
    const lines: string[] = [];
    let current = "";
    // Words, with each `code span` kept whole (deno fmt never breaks inside one).
    for (const word of line.match(/(?:`[^`]*`|[^\s`])+/g) ?? [""]) {
      const next = current ? `${current} ${word}` : word;
      if (next.length > width && current) {
        lines.push(current);
        current = indent + word;
      } else {
        current = next;
      }
    }
    lines.push(current);
    return lines.join("\n");
  }).join("\n");
}

function readme(s: PrepareSettings, counts: Record<string, Record<string, number>>): string {
  const normal = s.normal === "all" ? "all classes" : FASHION_MNIST_CLASSES[s.normal];
  const list = (c: Record<string, number>) =>
    Object.entries(c).map(([k, v]) => `${k} ${v}`).join(", ");
  const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
  const trainDir = s.normal === "all" ? "<class>" : normal;
  const perClass = s.valPerClass === "all" ? "all of them" : `${s.valPerClass} per class`;
  const valRoles = s.normal === "all"
    ? "every class is in-class (no anomalies)"
    : `the ${normal} ones are held-out in-class images, the other classes are anomalies`;
  const flags = `--normal ${s.normal === "all" ? "all" : normal} --train ${s.train} ` +
    `--val-per-class ${s.valPerClass} --seed ${s.seed}`;
  return wrapMarkdown(`# Fashion-MNIST subset (${normal} as the normal class)

Grey 28×28 PNG images from Fashion-MNIST (Han Xiao, Kashif Rasul, Roland Vollgraf: "Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning Algorithms", Zalando Research, 2017), laid out for image generation and anomaly detection (application 2):

- \`train/${trainDir}/\`: ${
    total(counts.train)
  } images of the normal class from the Fashion-MNIST training set (${list(counts.train)}).
- \`val/<class>/\`: ${
    total(counts.val)
  } images from the Fashion-MNIST test set, ${perClass}: ${valRoles}.

File names keep the image's index in its IDX file (\`train_01234.png\` is image 1234 of \`train-images-idx3-ubyte\`, \`t10k_00042.png\` image 42 of \`t10k-images-idx3-ubyte\`).

## Provenance

Made by \`scripts/prepare_fashion_mnist.ts\` from the IDX files of the Debian package \`dataset-fashion-mnist\` (\`${s.source}\`), with \`${flags}\`. The subsets are drawn class by class with that seed, so running the command again gives the same files. Other normal classes and the full dataset: \`deno task prepare:fashion-mnist --help\`, or read the IDX files directly with an \`idx:\` image spec (e.g. \`idx:?normal=bag\`).

## Licence

Fashion-MNIST is © 2017 Zalando SE and distributed under the MIT licence; the full text is in [LICENSE](LICENSE) beside this file. The images here are unmodified (re-encoded losslessly from IDX to PNG).
`);
}

if (import.meta.main) {
  let settings: PrepareSettings | null;
  try {
    settings = parsePrepareArgs(Deno.args);
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n\n${HELP}`);
    Deno.exit(2);
  }
  if (!settings) {
    console.log(HELP);
    Deno.exit(0);
  }
  const t0 = performance.now();
  const s = settings;
  const summary = await exportIdxLayout({
    out: s.out,
    sourceDir: s.source,
    normalClasses: s.normal === "all" ? "all" : [s.normal],
    trainCount: s.train,
    valPerClass: s.valPerClass,
    seed: s.seed,
    extraFiles: (counts) => ({ "README.md": readme(s, counts), LICENSE }),
  });
  console.log(
    `wrote ${summary.files} PNG files (${
      (summary.bytes / 1e6).toFixed(2)
    } MB) to ${settings.out} ` +
      `in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}
