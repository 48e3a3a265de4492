/**
 * Per-example anomaly scores for a trained flow, all oriented so that a
 * higher score means "more anomalous", plus the selection of the most and
 * least anomalous examples to show.
 *
 * - {@link nllScores}: the negative log-likelihood −log p(x). Simple, but
 *   flows are known to give some out-of-distribution data a *higher*
 *   likelihood than their training data (Nalisnick et al. 2019, "Do deep
 *   generative models know what they don't know?").
 * - {@link normDeviationScores}: typicality of the latent norm, `|‖z‖ − E‖z‖|`
 *   under χ(D). In-distribution latents lie in a thin shell of radius ≈ √D;
 *   points inside the shell (too likely) are as suspicious as points outside.
 * - {@link normLogDensityScores}: `−log χ_D(‖z‖)`, the same idea through the
 *   density of the norm.
 * - {@link typicalityScores}: `|s − mean(reference)|` for any statistic, e.g.
 *   the NLL against the training NLLs (the typicality test of Nalisnick et al.
 *   2019, "Detecting out-of-distribution inputs … using typicality").
 * - {@link jointTypicalityScores}: the typicality of several statistics at once,
 *   e.g. the two terms of a flow's log-density, `log p_Z(z)` and the log-det:
 *   the squared Mahalanobis distance from their mean on reference data (a
 *   Gaussian "density of states", Morningstar et al. 2021). Inputs whose NLL is
 *   typical can still have an atypical split between the two terms.
 *
 * @module
 */
import { chiLogPdf, chiMean } from "./chi.ts";
import { checkRows, sampleCovariance, sampleMean } from "../linalg/covariance.ts";
import { cholesky, solveLower } from "../linalg/matrix.ts";

/**
 * Euclidean norm of each row.
 * @param points `[n, d]` row-major points (e.g. latent vectors).
 * @param n Number of rows.
 * @param d Width of a row.
 * @returns The n norms.
 * @example
 * ```ts
 * import { rowNorms } from "./anomaly.ts";
 * rowNorms(new Float32Array([3, 4, 0, 1]), 2, 2); // [5, 1]
 * ```
 */
export function rowNorms(points: ArrayLike<number>, n: number, d: number): Float64Array {
  checkRows(points, n, d, "rowNorms");
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += points[r * d + j] ** 2;
    out[r] = Math.sqrt(s);
  }
  return out;
}

/**
 * Euclidean distance of each row to a centre point.
 * @param points `[n, d]` row-major points.
 * @param n Number of rows.
 * @param center The centre, length d (e.g. the PCA mean).
 * @returns The n distances.
 * @throws Error when the sizes disagree.
 * @example
 * ```ts
 * import { distancesTo } from "./anomaly.ts";
 * distancesTo(new Float32Array([1, 1, 4, 5]), 2, [1, 1]); // [0, 5]
 * ```
 */
export function distancesTo(
  points: ArrayLike<number>,
  n: number,
  center: ArrayLike<number>,
): Float64Array {
  const d = center.length;
  checkRows(points, n, d, "distancesTo");
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += (points[r * d + j] - center[j]) ** 2;
    out[r] = Math.sqrt(s);
  }
  return out;
}

/**
 * Negative log-likelihoods as scores.
 * @param logProb log p(x) per example (nats).
 * @param options `dims`: when given, scores are bits per dimension, −log p / (D·ln 2).
 * @returns One score per example.
 * @example
 * ```ts
 * import { nllScores } from "./anomaly.ts";
 * nllScores([-10, -3]); // [10, 3]
 * ```
 */
export function nllScores(
  logProb: ArrayLike<number>,
  options: { dims?: number } = {},
): Float64Array {
  const scale = options.dims ? 1 / (options.dims * Math.LN2) : 1;
  return Float64Array.from(logProb, (v) => -v * scale);
}

/**
 * Latent-norm typicality: `|‖z‖ − E‖z‖|` with the mean of χ(D).
 * @param norms ‖z‖ per example (see {@link rowNorms}).
 * @param dims Latent dimension D.
 * @returns One score per example.
 * @example
 * ```ts
 * import { normDeviationScores } from "./anomaly.ts";
 * normDeviationScores([28, 20, 40], 784); // ≈ [0.01, 7.99, 12.01]
 * ```
 */
export function normDeviationScores(norms: ArrayLike<number>, dims: number): Float64Array {
  const m = chiMean(dims);
  return Float64Array.from(norms, (r) => Math.abs(r - m));
}

/**
 * Latent-norm typicality through the χ(D) density: `−log χ_D(‖z‖)`.
 * @param norms ‖z‖ per example.
 * @param dims Latent dimension D.
 * @returns One score per example.
 * @example
 * ```ts
 * import { normLogDensityScores } from "./anomaly.ts";
 * normLogDensityScores([1], 2); // 0.5 (−log of the Rayleigh density at 1)
 * ```
 */
export function normLogDensityScores(norms: ArrayLike<number>, dims: number): Float64Array {
  return Float64Array.from(norms, (r) => -chiLogPdf(r, dims));
}

/**
 * Typicality of any statistic against a reference sample: `|s − mean(reference)|`.
 * @param values The statistic per example (e.g. NLL of validation images).
 * @param reference The same statistic on in-distribution data (e.g. training NLLs).
 * @returns One score per example.
 * @throws Error when the reference is empty.
 * @example
 * ```ts
 * import { typicalityScores } from "./anomaly.ts";
 * typicalityScores([1, 5], [2, 4]); // [2, 2]
 * ```
 */
export function typicalityScores(
  values: ArrayLike<number>,
  reference: ArrayLike<number>,
): Float64Array {
  if (reference.length === 0) throw new Error("typicalityScores needs a non-empty reference");
  let m = 0;
  for (let i = 0; i < reference.length; i++) m += reference[i];
  m /= reference.length;
  return Float64Array.from(values, (v) => Math.abs(v - m));
}

/**
 * Typicality of k statistics jointly: `(s − m)ᵀ C⁻¹ (s − m)`, with `m` and `C`
 * the mean and covariance of the statistics on the reference examples.
 * @param values The statistics of the examples to score, one array per statistic (k arrays of n).
 * @param reference The same statistics on in-distribution data (k arrays of ≥ k + 1 values).
 * @returns One score per example (the squared Mahalanobis distance).
 * @throws Error when the numbers of statistics differ, the arrays of one side
 *   have different lengths, the reference is too small, or its covariance is singular.
 * @example
 * ```ts
 * import { jointTypicalityScores } from "./anomaly.ts";
 * // Reference: two uncorrelated statistics with unit variance around (0, 0).
 * const ref = [[1, -1, 1, -1], [1, 1, -1, -1]];
 * jointTypicalityScores([[0, 2], [0, 0]], ref); // [0, 3]: 2² / (4/3)
 * ```
 */
export function jointTypicalityScores(
  values: ArrayLike<number>[],
  reference: ArrayLike<number>[],
): Float64Array {
  const k = reference.length;
  if (k < 1 || values.length !== k) {
    throw new Error(
      `jointTypicalityScores: ${values.length} statistics to score but ${k} in the reference`,
    );
  }
  const rows = (side: ArrayLike<number>[], what: string) => {
    const n = side[0].length;
    if (side.some((s) => s.length !== n)) {
      throw new Error(`jointTypicalityScores: the ${what} statistics have different lengths`);
    }
    const out = new Float64Array(n * k);
    for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[i * k + j] = side[j][i];
    return { n, out };
  };
  const ref = rows(reference, "reference");
  if (ref.n < k + 1) {
    throw new Error(
      `jointTypicalityScores: needs at least ${k + 1} reference examples, got ${ref.n}`,
    );
  }
  const mean = sampleMean(ref.out, k);
  let l;
  try {
    l = cholesky(sampleCovariance(ref.out, k, mean));
  } catch (err) {
    throw new Error(
      `jointTypicalityScores: the reference statistics' covariance is singular (${
        (err as Error).message
      })`,
    );
  }
  const x = rows(values, "scored");
  const scores = new Float64Array(x.n);
  const d = new Float64Array(k);
  for (let i = 0; i < x.n; i++) {
    for (let j = 0; j < k; j++) d[j] = x.out[i * k + j] - mean[j];
    const w = solveLower(l, d);
    scores[i] = w.reduce((a, v) => a + v * v, 0);
  }
  return scores;
}

/**
 * Indices of the `count` largest (or smallest) scores, best first; ties keep
 * index order and NaN scores are never picked.
 * @param scores One score per example.
 * @param count How many indices (fewer when there are fewer finite scores).
 * @param options `smallest`: pick the smallest scores instead. Default false.
 * @returns The indices.
 * @example
 * ```ts
 * import { topIndices } from "./anomaly.ts";
 * topIndices([0.1, 3, 2, 5], 2); // [3, 1]
 * topIndices([0.1, 3, 2, 5], 1, { smallest: true }); // [0]
 * ```
 */
export function topIndices(
  scores: ArrayLike<number>,
  count: number,
  options: { smallest?: boolean } = {},
): number[] {
  const sign = options.smallest ? 1 : -1;
  const idx = [];
  for (let i = 0; i < scores.length; i++) if (!Number.isNaN(scores[i])) idx.push(i);
  idx.sort((a, b) => sign * (scores[a] - scores[b]) || a - b);
  return idx.slice(0, Math.max(0, count));
}
