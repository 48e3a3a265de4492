/**
 * Out-of-distribution inputs for application 3 and how well the classifier's
 * density flags them. No other image set is at hand, so they are made:
 * images of the class held out of training (`run.ood_class`), and test
 * images of the training classes transformed — `inverted` (255 − x),
 * `flipped` (upside down), `noise` (uniform integer pixels) and `blurred`
 * (Gaussian, σ = {@link BLUR_SIGMA} px). Three scores, "higher = more out of
 * distribution": `nll` (−log p(x) in bits/dim, the marginal of the mixture),
 * `typicality` (|NLL − mean NLL of the held-out validation split|,
 * Nalisnick et al. 2019) and `joint_typicality`, the app's detector
 * ({@link OOD_PRIMARY_SCORE}): the typicality of the two terms of
 * log p(x) = log p_Z(z) + log |det J| together (squared Mahalanobis distance
 * from their mean on the validation split; Morningstar et al. 2021). The
 * volume term varies so much from image to image that the NLL hides an
 * atypical latent term (an inverted image's). Each set is scored against the
 * in-distribution test images by AUROC.
 *
 * @module
 */
import {
  auroc,
  jointTypicalityScores,
  nllScores,
  type RocCurve,
  rocCurve,
  typicalityScores,
} from "../../lib/analysis/mod.ts";
import { Rng } from "../../lib/core/random.ts";
import type { ImageShape } from "../../lib/core/shapes.ts";

/** The transformed-image OoD sets, in the order they are reported. */
export const OOD_TRANSFORMS = ["inverted", "flipped", "noise", "blurred"] as const;

/** One of {@link OOD_TRANSFORMS}. */
export type OodTransform = (typeof OOD_TRANSFORMS)[number];

/** The OoD scores, in the order they are reported. */
export const OOD_SCORES = ["nll", "typicality", "joint_typicality"] as const;

/** One of {@link OOD_SCORES}. */
export type OodScoreName = (typeof OOD_SCORES)[number];

/** Legend labels of the scores. */
export const OOD_SCORE_LABELS: Record<OodScoreName, string> = {
  nll: "marginal NLL (bits/dim)",
  typicality: "NLL typicality",
  joint_typicality: "typicality of (log p(z), log-det)",
};

/** The score the application's targets and β sweep are judged by. */
export const OOD_PRIMARY_SCORE: OodScoreName = "joint_typicality";

/** Standard deviation of the Gaussian blur, in pixels. */
export const BLUR_SIGMA = 1.5;

/**
 * A Gaussian blur of each channel of each image (edges clamped), rounded to integer pixels.
 * @param pixels `[n, h·w·c]` pixels.
 * @param shape `[h, w, c]`.
 * @param sigma Standard deviation in pixels.
 * @returns The blurred pixels.
 * @example
 * ```ts
 * import { gaussianBlur } from "./ood.ts";
 * const dot = new Float32Array(25);
 * dot[12] = 255; // one bright pixel in the centre of 5×5
 * gaussianBlur(dot, [5, 5, 1], 1)[12]; // ≈ 41: spread over its neighbours
 * ```
 */
export function gaussianBlur(pixels: Float32Array, shape: ImageShape, sigma: number): Float32Array {
  const [h, w, c] = shape;
  const r = Math.ceil(3 * sigma);
  const kernel = Array.from(
    { length: 2 * r + 1 },
    (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma ** 2)),
  );
  const norm = kernel.reduce((a, v) => a + v, 0);
  const k = kernel.map((v) => v / norm);
  const size = h * w * c;
  const out = new Float32Array(pixels.length);
  const tmp = new Float32Array(size);
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi - 1);
  for (let img = 0; img < pixels.length / size; img++) {
    const src = pixels.subarray(img * size, (img + 1) * size);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          for (let i = -r; i <= r; i++) s += k[i + r] * src[(y * w + clamp(x + i, w)) * c + ch];
          tmp[(y * w + x) * c + ch] = s;
        }
      }
    }
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          for (let i = -r; i <= r; i++) s += k[i + r] * tmp[(clamp(y + i, h) * w + x) * c + ch];
          out[img * size + (y * w + x) * c + ch] = Math.round(s);
        }
      }
    }
  }
  return out;
}

/**
 * Makes one transformed OoD set from in-distribution images.
 * @param kind The transform.
 * @param pixels `[n, h·w·c]` integer pixels 0..255.
 * @param shape `[h, w, c]`.
 * @param seed Seed of the noise images.
 * @returns `[n, h·w·c]` integer pixels 0..255.
 * @example
 * ```ts
 * import { transformImages } from "./ood.ts";
 * transformImages("inverted", new Float32Array([0, 255, 10, 20]), [2, 2, 1], 1); // [255, 0, 245, 235]
 * transformImages("flipped", new Float32Array([1, 2, 3, 4]), [2, 2, 1], 1); // [3, 4, 1, 2]
 * ```
 */
export function transformImages(
  kind: OodTransform,
  pixels: Float32Array,
  shape: ImageShape,
  seed: number,
): Float32Array {
  const [h, w, c] = shape;
  const size = h * w * c, row = w * c;
  switch (kind) {
    case "inverted":
      return pixels.map((v) => 255 - v);
    case "flipped": {
      const out = new Float32Array(pixels.length);
      for (let img = 0; img < pixels.length / size; img++) {
        for (let y = 0; y < h; y++) {
          const from = img * size + (h - 1 - y) * row;
          out.set(pixels.subarray(from, from + row), img * size + y * row);
        }
      }
      return out;
    }
    case "noise": {
      const rng = new Rng(seed);
      return Float32Array.from(pixels, () => Math.min(255, Math.floor(256 * rng.uniform())));
    }
    case "blurred":
      return gaussianBlur(pixels, shape, BLUR_SIGMA);
  }
}

/** The two terms of the log-density of a set of images. */
export interface OodStatistics {
  /** log p(x) per image, nats. */
  logProb: ArrayLike<number>;
  /** log p_Z(z) per image, nats (log p(x) minus the log-det). */
  baseLogProb: ArrayLike<number>;
}

/** Log-densities of one OoD set. */
export interface OodSet extends OodStatistics {
  /** Its name, e.g. `inverted` or `held-out class bag`. */
  name: string;
}

/** How well each score separates each OoD set from the in-distribution test images. */
export interface OodEvaluation {
  /** AUROC by set and score. */
  auroc: Record<string, Record<OodScoreName, number>>;
  /** ROC curves by set and score. */
  roc: Record<string, Record<OodScoreName, RocCurve>>;
  /** Mean NLL in bits/dim of each set, and of the in-distribution test images (`in-distribution`). */
  bitsPerDim: Record<string, number>;
}

/**
 * Scores the OoD sets against the in-distribution test images.
 * @param inDistribution log p(x) and log p_Z(z) of the in-distribution test images, nats.
 * @param sets The OoD sets.
 * @param reference The same of held-out in-distribution images (the typicality scores' reference, ≥ 3 images).
 * @param dims Values per image.
 * @returns AUROC and ROC curves per set and score, bits/dim per set.
 * @example
 * ```ts
 * import { evaluateOod } from "./ood.ts";
 * const e = evaluateOod(
 *   { logProb: [-10, -11], baseLogProb: [-5, -6] },
 *   [{ name: "noise", logProb: [-40, -50], baseLogProb: [-30, -35] }],
 *   { logProb: [-10.5, -10, -11.5], baseLogProb: [-5, -6, -5.5] },
 *   4,
 * );
 * e.auroc.noise.nll; // 1
 * ```
 */
export function evaluateOod(
  inDistribution: OodStatistics,
  sets: OodSet[],
  reference: OodStatistics,
  dims: number,
): OodEvaluation {
  const terms = (s: OodStatistics) => {
    if (s.baseLogProb.length !== s.logProb.length) {
      throw new Error(
        `evaluateOod: ${s.logProb.length} log-densities but ${s.baseLogProb.length} base log-densities`,
      );
    }
    return [s.baseLogProb, Float64Array.from(s.logProb, (v, i) => v - s.baseLogProb[i])];
  };
  const refNll = nllScores(reference.logProb, { dims });
  const refTerms = terms(reference);
  const scoresOf = (s: OodStatistics): Record<OodScoreName, Float64Array> => {
    const nll = nllScores(s.logProb, { dims });
    return {
      nll,
      typicality: typicalityScores(nll, refNll),
      joint_typicality: jointTypicalityScores(terms(s), refTerms),
    };
  };
  const inScores = scoresOf(inDistribution);
  const mean = (v: Float64Array) => v.reduce((a, x) => a + x, 0) / v.length;
  const out: OodEvaluation = {
    auroc: {},
    roc: {},
    bitsPerDim: { "in-distribution": mean(inScores.nll) },
  };
  for (const set of sets) {
    const scores = scoresOf(set);
    const labels = [
      ...new Array<boolean>(inDistribution.logProb.length).fill(false),
      ...new Array<boolean>(set.logProb.length).fill(true),
    ];
    const both = (name: OodScoreName) => {
      const all = new Float64Array(labels.length);
      all.set(inScores[name]);
      all.set(scores[name], inDistribution.logProb.length);
      return all;
    };
    out.roc[set.name] = Object.fromEntries(
      OOD_SCORES.map((s) => [s, rocCurve(both(s), labels)]),
    ) as Record<OodScoreName, RocCurve>;
    out.auroc[set.name] = Object.fromEntries(
      OOD_SCORES.map((s) => [s, auroc(both(s), labels)]),
    ) as Record<OodScoreName, number>;
    out.bitsPerDim[set.name] = mean(scores.nll);
  }
  return out;
}
