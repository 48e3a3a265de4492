/**
 * Anomaly detection with a trained image flow: three scores per validation
 * image, each "higher = more anomalous",
 *
 * - `nll`: −log p(x) in bits per dimension,
 * - `latent_norm`: typicality of the latent norm, `|‖z‖ − E‖z‖|` under χ(D),
 * - `nll_typicality`: `|NLL − mean training NLL|` (Nalisnick et al. 2019),
 * - `nll_complexity`: NLL minus the image's PNG code length, both in bits per
 *   dimension (Serrà et al. 2020; see `complexity.ts`),
 *
 * and their ROC curves and AUROC for anomalies (classes absent from `train/`)
 * against in-class validation images, overall and per anomaly class.
 *
 * @module
 */
import {
  auroc,
  nllScores,
  normDeviationScores,
  type RocCurve,
  rocCurve,
  rowNorms,
  typicalityScores,
} from "../../lib/analysis/mod.ts";

/** Names of the scores, in the order they are reported. */
export const ANOMALY_SCORES = ["nll", "latent_norm", "nll_typicality", "nll_complexity"] as const;

/** One of {@link ANOMALY_SCORES}. */
export type AnomalyScoreName = (typeof ANOMALY_SCORES)[number];

/** Legend labels of the scores. */
export const ANOMALY_SCORE_LABELS: Record<AnomalyScoreName, string> = {
  nll: "NLL (bits/dim)",
  latent_norm: "latent-norm typicality",
  nll_typicality: "NLL typicality",
  nll_complexity: "NLL − PNG bits/dim",
};

/** Scores and ROC results of the validation images. */
export interface AnomalyEvaluation {
  /** Scores per validation image, by name. */
  scores: Record<AnomalyScoreName, Float64Array>;
  /** ‖z‖ per validation image. */
  norms: Float64Array;
  /** The complexity given, bits/dim per validation image. */
  complexity: Float64Array;
  /** ROC curves by score name; null when there are no anomalies or no in-class images. */
  roc: Record<AnomalyScoreName, RocCurve> | null;
  /** AUROC by score name (null without both kinds of images). */
  auroc: Record<AnomalyScoreName, number | null>;
  /** AUROC of each anomaly class against the in-class images, by score name. */
  aurocPerClass: Record<string, Record<AnomalyScoreName, number>>;
  /** Mean NLL in bits/dim per validation class. */
  bitsPerDimPerClass: Record<string, number>;
}

/** Inputs of {@link evaluateAnomalies}. */
export interface AnomalyInputs {
  /** log p(x) per validation image (nats). */
  logProb: ArrayLike<number>;
  /** `[n, D]` latent points of the validation images. */
  latents: ArrayLike<number>;
  /** Class of each validation image. */
  labels: string[];
  /** Whether each validation image is an anomaly. */
  anomalies: boolean[];
  /** log p(x) of training images (the reference of `nll_typicality`). */
  trainLogProb: ArrayLike<number>;
  /** Code length of each validation image by a generic compressor, bits/dim (see `pngBitsPerDim`). */
  complexity: ArrayLike<number>;
  /** Data dimension (for bits/dim). */
  dims: number;
  /** Latent dimension D (equal to `dims` for a flow). */
  latentDims: number;
}

/**
 * Scores every validation image and measures how well each score separates anomalies.
 * @param input See {@link AnomalyInputs}.
 * @returns Scores, ROC curves, AUROC overall and per class, bits/dim per class.
 * @throws Error when the lengths disagree.
 * @example
 * ```ts
 * import { evaluateAnomalies } from "./anomaly.ts";
 * const e = evaluateAnomalies({
 *   logProb: [-10, -12, -30], latents: [1, 0, 0, 1, 5, 5], labels: ["a", "a", "b"],
 *   anomalies: [false, false, true], trainLogProb: [-11], complexity: [1, 1, 1], dims: 2,
 *   latentDims: 2,
 * });
 * e.auroc.nll; // 1
 * ```
 */
export function evaluateAnomalies(input: AnomalyInputs): AnomalyEvaluation {
  const n = input.logProb.length;
  if (
    input.labels.length !== n || input.anomalies.length !== n || input.complexity.length !== n
  ) {
    throw new Error(
      `evaluateAnomalies: ${n} log-densities, ${input.labels.length} labels, ` +
        `${input.anomalies.length} anomaly flags, ${input.complexity.length} complexities`,
    );
  }
  const nll = nllScores(input.logProb, { dims: input.dims });
  const trainNll = nllScores(input.trainLogProb, { dims: input.dims });
  const norms = rowNorms(input.latents, n, input.latentDims);
  const scores: Record<AnomalyScoreName, Float64Array> = {
    nll,
    latent_norm: normDeviationScores(norms, input.latentDims),
    nll_typicality: typicalityScores(nll, trainNll),
    nll_complexity: nll.map((v, i) => v - input.complexity[i]),
  };
  const anomalies = input.anomalies.filter((a) => a).length;
  const both = anomalies > 0 && anomalies < n;
  const roc = both
    ? Object.fromEntries(
      ANOMALY_SCORES.map((name) => [name, rocCurve(scores[name], input.anomalies)]),
    ) as Record<AnomalyScoreName, RocCurve>
    : null;
  const aurocs = Object.fromEntries(
    ANOMALY_SCORES.map((name) => [name, roc ? roc[name].auroc : null]),
  ) as Record<AnomalyScoreName, number | null>;

  const aurocPerClass: Record<string, Record<AnomalyScoreName, number>> = {};
  const normalRows = input.anomalies.flatMap((a, i) => (a ? [] : [i]));
  const classes = [...new Set(input.labels)].sort();
  if (normalRows.length > 0) {
    for (const c of classes) {
      const rows = input.labels.flatMap((l, i) => (l === c && input.anomalies[i] ? [i] : []));
      if (rows.length === 0) continue;
      const all = [...normalRows, ...rows];
      const flags = all.map((_, k) => k >= normalRows.length);
      aurocPerClass[c] = Object.fromEntries(
        ANOMALY_SCORES.map((name) => [name, auroc(all.map((i) => scores[name][i]), flags)]),
      ) as Record<AnomalyScoreName, number>;
    }
  }
  const bitsPerDimPerClass: Record<string, number> = {};
  for (const c of classes) {
    let s = 0, k = 0;
    input.labels.forEach((l, i) => {
      if (l === c) {
        s += nll[i];
        k++;
      }
    });
    bitsPerDimPerClass[c] = s / k;
  }
  return {
    scores,
    norms,
    complexity: Float64Array.from(input.complexity),
    roc,
    auroc: aurocs,
    aurocPerClass,
    bitsPerDimPerClass,
  };
}

/**
 * The per-image scores as CSV: id, class, anomaly flag, ‖z‖, PNG bits/dim, then each score.
 * @param ids Image ids.
 * @param labels Classes.
 * @param anomalies Anomaly flags.
 * @param evaluation The scores.
 * @returns CSV text with a header line.
 * @example
 * ```ts
 * import { anomalyScoresCsv, evaluateAnomalies } from "./anomaly.ts";
 * const e = evaluateAnomalies({
 *   logProb: [-10, -30], latents: [1, 0, 5, 5], labels: ["a", "b"],
 *   anomalies: [false, true], trainLogProb: [-11], complexity: [1, 1], dims: 2, latentDims: 2,
 * });
 * anomalyScoresCsv(["x.png", "y.png"], ["a", "b"], [false, true], e);
 * ```
 */
export function anomalyScoresCsv(
  ids: string[],
  labels: string[],
  anomalies: boolean[],
  evaluation: AnomalyEvaluation,
): string {
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const header = [
    "id",
    "class",
    "anomaly",
    "latent_norm",
    "png_bits_per_dim",
    ...ANOMALY_SCORES.map((s) => `${s}_score`),
  ];
  const rows = ids.map((id, i) =>
    [
      quote(id),
      quote(labels[i]),
      anomalies[i] ? "1" : "0",
      evaluation.norms[i].toFixed(4),
      evaluation.complexity[i].toFixed(4),
      ...ANOMALY_SCORES.map((s) => evaluation.scores[s][i].toFixed(5)),
    ].join(",")
  );
  return [header.join(","), ...rows].join("\n") + "\n";
}
