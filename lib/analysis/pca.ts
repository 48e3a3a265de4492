/**
 * Principal component analysis of latent points (or any row-major points):
 * the mean, the leading principal directions, their variances, and
 * projection to and reconstruction from component coefficients.
 *
 * Two solvers: `exact` forms the d × d covariance and takes its
 * eigendecomposition (n·d²/2 + ~3·d³ flops: 784 dimensions in a few
 * seconds); `randomized` (see {@link ./pca_randomized.ts}) never forms the
 * covariance and costs a few passes of n·d·(k + 10), for thousands of
 * dimensions. `auto` picks exact up to {@link AUTO_EXACT_MAX_DIMS} dimensions.
 *
 * @module
 */
import { checkRows, sampleCovariance, sampleMean, totalVariance } from "../linalg/covariance.ts";
import { randomizedPrincipalAxes } from "./pca_randomized.ts";
import { symmetricEigenLarge } from "../linalg/tridiagonal_eigen.ts";

/**
 * PCA algorithm. `"full"` is the name used by the `pca_solver` parameter and
 * means the same as `"exact"`.
 */
export type PcaSolver = "exact" | "full" | "randomized" | "auto";

/** Largest dimension for which `auto` uses the exact solver. */
export const AUTO_EXACT_MAX_DIMS = 1024;
/** Largest dimension the exact solver accepts (its d × d matrices take 2·8·d² bytes). */
export const EXACT_MAX_DIMS = 4096;

/** Options of {@link pca}. */
export interface PcaOptions {
  /** Number of components k, 1 ≤ k ≤ d. Default min(d, 20). */
  nComponents?: number;
  /** Algorithm. Default `"auto"`. */
  solver?: PcaSolver;
  /** Seed of the randomized solver. Default 0. */
  seed?: number;
  /** Randomized solver: extra random directions. Default 10. */
  oversamples?: number;
  /** Randomized solver: power iterations. Default 2. */
  powerIterations?: number;
}

/** A fitted PCA. All arrays are float64. */
export interface PcaResult {
  /** Dimension d of the points. */
  dims: number;
  /** Number of points fitted. */
  numPoints: number;
  /** Number of components k. */
  nComponents: number;
  /** The solver that ran. */
  solver: "exact" | "randomized";
  /** Column means, length d. */
  mean: Float64Array;
  /** `[k, d]` row-major: unit, mutually orthogonal directions, largest variance first. */
  components: Float64Array;
  /** Variance of the points along each component (n − 1 denominator), length k. */
  explainedVariance: Float64Array;
  /** `explainedVariance / totalVariance`, length k. */
  explainedVarianceRatio: Float64Array;
  /** Sum of the variances of all d coordinates. */
  totalVariance: number;
}

/**
 * Fits a PCA to `n` points of dimension `d`. Each component's sign is fixed
 * so that its entry of largest magnitude is positive.
 *
 * @param points `[n, d]` row-major points, n ≥ 2 (e.g. latent points of training images).
 * @param n Number of points.
 * @param d Dimension.
 * @param options See {@link PcaOptions}.
 * @returns The fitted {@link PcaResult}.
 * @throws Error on mismatched sizes, n < 2, k out of range, or `exact` above {@link EXACT_MAX_DIMS}.
 * @example
 * ```ts
 * import { pca, pcaProject } from "./pca.ts";
 * const pts = new Float32Array([0, 0, 1, 1.1, 2, 1.9, 3, 3.05]);
 * const fit = pca(pts, 4, 2, { nComponents: 1 });
 * fit.explainedVarianceRatio[0]; // ≈ 0.998
 * pcaProject(fit, pts); // 4 coefficients along the first axis
 * ```
 */
export function pca(
  points: ArrayLike<number>,
  n: number,
  d: number,
  options: PcaOptions = {},
): PcaResult {
  checkRows(points, n, d, "pca");
  if (n < 2) throw new Error(`pca needs at least 2 points, got ${n}`);
  const k = options.nComponents ?? Math.min(d, 20);
  if (!Number.isInteger(k) || k < 1 || k > d) {
    throw new Error(`pca nComponents must be an integer in [1, ${d}], got ${k}`);
  }
  const asked = options.solver ?? "auto";
  if (!["exact", "full", "randomized", "auto"].includes(asked)) {
    throw new Error(`pca solver must be exact, full, randomized or auto, got ${asked}`);
  }
  const solver = asked === "auto"
    ? (d <= AUTO_EXACT_MAX_DIMS || k > Math.min(n, d) ? "exact" : "randomized")
    : asked === "full"
    ? "exact"
    : asked;
  const mean = sampleMean(points, d);
  const total = totalVariance(points, d, mean);
  let components: Float64Array, variances: Float64Array;
  if (solver === "exact") {
    if (d > EXACT_MAX_DIMS) {
      throw new Error(
        `pca solver "exact" is limited to ${EXACT_MAX_DIMS} dimensions (memory), got ${d}; ` +
          `use "randomized"`,
      );
    }
    const eig = symmetricEigenLarge(sampleCovariance(points, d, mean), { count: k });
    components = new Float64Array(k * d);
    for (let c = 0; c < k; c++) {
      for (let j = 0; j < d; j++) components[c * d + j] = eig.vectors.data[j * k + c];
    }
    variances = Float64Array.from(eig.values.subarray(0, k), (v) => Math.max(0, v));
  } else {
    ({ components, variances } = randomizedPrincipalAxes(points, n, {
      d,
      k,
      mean,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.oversamples !== undefined ? { oversamples: options.oversamples } : {}),
      ...(options.powerIterations !== undefined
        ? { powerIterations: options.powerIterations }
        : {}),
    }));
  }
  fixSigns(components, k, d);
  return {
    dims: d,
    numPoints: n,
    nComponents: k,
    solver,
    mean,
    components,
    explainedVariance: variances,
    explainedVarianceRatio: variances.map((v) => (total > 0 ? v / total : 0)),
    totalVariance: total,
  };
}

function fixSigns(components: Float64Array, k: number, d: number): void {
  for (let c = 0; c < k; c++) {
    const row = components.subarray(c * d, (c + 1) * d);
    let big = 0;
    for (let j = 1; j < d; j++) if (Math.abs(row[j]) > Math.abs(row[big])) big = j;
    if (row[big] < 0) { for (let j = 0; j < d; j++) row[j] = -row[j]; }
  }
}

/**
 * Coefficients of points along the components: `cᵢ = Vᵀ(xᵢ − mean)`.
 * @param fit A fitted PCA.
 * @param points `[m, d]` row-major points.
 * @returns `[m, k]` row-major coefficients (float32).
 * @throws Error when the length is not a multiple of d.
 * @example
 * ```ts
 * import { pca, pcaProject } from "./pca.ts";
 * const pts = new Float32Array([0, 0, 2, 2]);
 * pcaProject(pca(pts, 2, 2, { nComponents: 1 }), pts); // [-1.414, 1.414]
 * ```
 */
export function pcaProject(fit: PcaResult, points: ArrayLike<number>): Float32Array {
  const { dims: d, nComponents: k, mean, components } = fit;
  if (points.length % d !== 0) {
    throw new Error(`pcaProject: ${points.length} values are not rows of ${d}`);
  }
  const m = points.length / d;
  const out = new Float32Array(m * k);
  const centred = new Float64Array(d);
  for (let r = 0; r < m; r++) {
    for (let j = 0; j < d; j++) centred[j] = points[r * d + j] - mean[j];
    for (let c = 0; c < k; c++) {
      let s = 0;
      const o = c * d;
      for (let j = 0; j < d; j++) s += components[o + j] * centred[j];
      out[r * k + c] = s;
    }
  }
  return out;
}

/**
 * Points from component coefficients: `xᵢ = mean + V·cᵢ` (the inverse of
 * {@link pcaProject} on the span of the components).
 * @param fit A fitted PCA.
 * @param coeffs `[m, k]` row-major coefficients.
 * @returns `[m, d]` row-major points (float32).
 * @throws Error when the length is not a multiple of k.
 * @example
 * ```ts
 * import { pca, pcaProject, pcaReconstruct } from "./pca.ts";
 * const pts = new Float32Array([0, 0, 2, 2]);
 * const fit = pca(pts, 2, 2, { nComponents: 1 });
 * pcaReconstruct(fit, pcaProject(fit, pts)); // ≈ [0, 0, 2, 2]
 * ```
 */
export function pcaReconstruct(fit: PcaResult, coeffs: ArrayLike<number>): Float32Array {
  const { dims: d, nComponents: k, mean, components } = fit;
  if (coeffs.length % k !== 0) {
    throw new Error(`pcaReconstruct: ${coeffs.length} values are not rows of ${k} coefficients`);
  }
  const m = coeffs.length / k;
  const out = new Float32Array(m * d);
  const row = new Float64Array(d);
  for (let r = 0; r < m; r++) {
    row.set(mean);
    for (let c = 0; c < k; c++) {
      const a = coeffs[r * k + c];
      const o = c * d;
      for (let j = 0; j < d; j++) row[j] += a * components[o + j];
    }
    out.set(row, r * d);
  }
  return out;
}
