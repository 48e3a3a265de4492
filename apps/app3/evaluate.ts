/**
 * Everything application 3 measures of one trained classifier: its
 * predictions on the in-distribution test images (accuracy, per-class
 * accuracy, confusion matrix, ECE over 15 bins, label NLL, before and after
 * temperature scaling fitted on the validation split), its bits/dim, and —
 * for a generative classifier — how well its marginal density flags the
 * out-of-distribution sets.
 *
 * @module
 */
import { fitTemperature } from "../../lib/analysis/mod.ts";
import type { TransformedDistribution } from "../../lib/distributions/transformed.ts";
import type { Params } from "../../lib/params/mod.ts";
import { dequantizePixels } from "../app2/latents.ts";
import {
  type ClassificationReport,
  classificationReport,
  type ClassifierOutputs,
  classifyImages,
  meanBitsPerDim,
} from "./classify.ts";
import { type ClassifierImages, type LabelledImages, sampleRows, selectImages } from "./data.ts";
import {
  evaluateOod,
  OOD_TRANSFORMS,
  type OodEvaluation,
  type OodSet,
  transformImages,
} from "./ood.ts";

/** Transformed OoD images made from in-distribution test images (a random choice), per transform. */
export const OOD_IMAGES = 2000;

/** Name of the OoD set of a held-out class. */
export const heldOutSetName = (className: string): string => `held_out:${className}`;

/** What {@link evaluateClassifier} measured. */
export interface ClassifierEvaluation {
  /** The in-distribution test images (a training class each). */
  test: LabelledImages;
  /** The classifier's outputs on them. */
  outputs: ClassifierOutputs;
  /** Its predictions judged. */
  report: ClassificationReport;
  /** Temperature fitted on the validation split (1 without one). */
  temperature: number;
  /** The predictions after temperature scaling (same classes, other confidences). */
  scaledReport: ClassificationReport;
  /** Mean −log p(x) of the test images, bits/dim. */
  bitsPerDim: number;
  /** log p(x) of the validation images (the typicality reference). */
  validationLogProb: Float32Array;
  /** The OoD evaluation; null when not asked for. */
  ood: OodEvaluation | null;
  /** NLL in bits/dim per image of the test images (`in-distribution`) and of each OoD set. */
  nllBySet: Record<string, Float64Array>;
  /** Latent points of the held-out class images, by class name. */
  heldOutLatents: Record<string, Float32Array>;
}

function rowsWhere(labels: Int32Array, test: (label: number, i: number) => boolean): number[] {
  const rows: number[] = [];
  labels.forEach((l, i) => {
    if (test(l, i)) rows.push(i);
  });
  return rows;
}

/**
 * Evaluates a classifier on the test images (and the OoD sets).
 * @param flow A trained classifier.
 * @param images The data.
 * @param params App params (`run.seed`, `run.img2lat_chunk_size`).
 * @param options `ood`: also score the OoD sets (for the generative classifier).
 * @returns What was measured.
 * @example
 * ```ts ignore
 * import { evaluateClassifier } from "./evaluate.ts";
 * const e = await evaluateClassifier(flow, images, params, { ood: true });
 * console.log(e.report.accuracy, e.report.ece, e.ood?.auroc);
 * ```
 */
export async function evaluateClassifier(
  flow: TransformedDistribution,
  images: ClassifierImages,
  params: Params,
  options: { ood: boolean },
): Promise<ClassifierEvaluation> {
  const { dims, classNames, imageShape } = images;
  const k = classNames.length;
  const seed = params.run.seed;
  const chunk = params.run.img2lat_chunk_size;
  const run = (pixels: Float32Array, noiseSeed: number) =>
    classifyImages(flow, dequantizePixels(pixels, noiseSeed), dims, chunk);

  const test = selectImages(images.test, dims, rowsWhere(images.test.labels, (l) => l >= 0));
  const outputs = await run(test.pixels, seed + 202);
  const reference = images.validation ?? selectImages(
    images.train,
    dims,
    Array.from({ length: Math.min(OOD_IMAGES, images.train.labels.length) }, (_, i) => i),
  );
  const held = await run(reference.pixels, seed + 203);
  const temperature = images.validation ? fitTemperature(held.logits, reference.labels, k) : 1;
  const nllBySet: Record<string, Float64Array> = {
    "in-distribution": Float64Array.from(outputs.logProb, (v) => -v / (dims * Math.LN2)),
  };
  const heldOutLatents: Record<string, Float32Array> = {};
  let ood: OodEvaluation | null = null;
  if (options.ood) {
    const sets: OodSet[] = [];
    for (const name of images.heldOutClasses) {
      const rows = rowsWhere(
        images.test.labels,
        (l, i) => l < 0 && images.test.classes[i] === name,
      );
      if (!rows.length) continue;
      const out = await run(selectImages(images.test, dims, rows).pixels, seed + 204);
      sets.push({ name: heldOutSetName(name), ...out });
      heldOutLatents[name] = out.latents;
    }
    // Spread over every class: the test images are listed class by class.
    const rows = sampleRows(test.labels.length, OOD_IMAGES, seed + 209);
    const source = selectImages(test, dims, rows).pixels;
    for (const [i, kind] of OOD_TRANSFORMS.entries()) {
      const out = await run(
        transformImages(kind, source, imageShape, seed + 210 + i),
        seed + 220 + i,
      );
      sets.push({ name: kind, ...out });
    }
    ood = evaluateOod(outputs, sets, held, dims);
    for (const set of sets) {
      nllBySet[set.name] = Float64Array.from(set.logProb, (v) => -v / (dims * Math.LN2));
    }
  }
  return {
    test,
    outputs,
    report: classificationReport(outputs.logits, test.labels, k),
    temperature,
    scaledReport: classificationReport(outputs.logits, test.labels, k, temperature),
    bitsPerDim: meanBitsPerDim(outputs.logProb, dims),
    validationLogProb: held.logProb,
    ood,
    nllBySet,
    heldOutLatents,
  };
}
