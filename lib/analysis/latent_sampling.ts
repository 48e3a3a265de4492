/**
 * Drawing latent points to turn into new images with the inverse flow.
 *
 * - {@link samplePcaGaussian} (`sampling_mode: pca`): a Gaussian fitted to
 *   the training latents and reduced to their k leading principal
 *   components, `z = mean + Σⱼ cⱼ·vⱼ` with `cⱼ ~ N(0, cov_scale·λⱼ)`. It
 *   follows where the training images really landed (a flow's latents are
 *   only approximately N(0, I)), and `cov_scale` < 1 trades diversity for
 *   cleaner images.
 * - {@link sampleBaseGaussian} (`sampling_mode: direct`): the flow's base
 *   distribution at a temperature T, `z ~ N(0, T²·I)` (T² plays the role of
 *   `cov_scale`; T ≈ 0.7 is the usual choice for Glow).
 * - {@link regenerationLatents}: latent points by `regen_source`, the three
 *   sources of the "regenerated" (simulated) points shown beside the
 *   training points.
 *
 * @module
 */
import { Rng } from "../core/random.ts";
import type { PcaResult } from "./pca.ts";

/** Options of {@link samplePcaGaussian}. */
export interface PcaSampleOptions {
  /** Factor on every component variance (temperature²). Default 1. */
  covScale?: number;
  /**
   * Also add isotropic noise in the directions the PCA left out, with the
   * average variance of those directions (times `covScale`), as in
   * probabilistic PCA. Default false: samples lie in the k-dimensional
   * affine subspace.
   */
  residualNoise?: boolean;
  /** Seed. Default 0. Ignored when `rng` is given. */
  seed?: number;
  /** Generator to draw from (advanced by the call). */
  rng?: Rng;
}

/** Latent samples from {@link samplePcaGaussian}. */
export interface PcaSamples {
  /** `[count, d]` row-major latent points. */
  latents: Float32Array;
  /** `[count, k]` row-major PCA coefficients they were made from. */
  coeffs: Float32Array;
}

function checkCount(count: number, what: string): void {
  if (!Number.isInteger(count) || count < 0) {
    throw new Error(`${what}: count must be a non-negative integer, got ${count}`);
  }
}

/**
 * Samples the PCA-reduced Gaussian of a fitted {@link PcaResult}.
 * @param fit PCA of the training latents.
 * @param count Number of latent points.
 * @param options See {@link PcaSampleOptions}.
 * @returns The latent points and their coefficients.
 * @throws Error on a negative count or a non-positive `covScale`.
 * @example
 * ```ts
 * import { pca } from "./pca.ts";
 * import { samplePcaGaussian } from "./latent_sampling.ts";
 * const fit = pca(new Float32Array([0, 0, 1, 1, 2, 2.2, 3, 2.9]), 4, 2, { nComponents: 1 });
 * const { latents } = samplePcaGaussian(fit, 5, { covScale: 0.5, seed: 1 }); // [5, 2]
 * ```
 */
export function samplePcaGaussian(
  fit: PcaResult,
  count: number,
  options: PcaSampleOptions = {},
): PcaSamples {
  checkCount(count, "samplePcaGaussian");
  const covScale = options.covScale ?? 1;
  if (!(covScale > 0)) throw new Error(`covScale must be > 0, got ${covScale}`);
  const rng = options.rng ?? new Rng(options.seed ?? 0);
  const { dims: d, nComponents: k, mean, components, explainedVariance } = fit;
  const sd = Float64Array.from(explainedVariance, (v) => Math.sqrt(covScale * v));
  const residualSd = options.residualNoise && d > k
    ? Math.sqrt(covScale * Math.max(0, fit.totalVariance - sum(explainedVariance)) / (d - k))
    : 0;
  const latents = new Float32Array(count * d);
  const coeffs = new Float32Array(count * k);
  const z = new Float64Array(d), g = new Float64Array(d);
  for (let r = 0; r < count; r++) {
    z.set(mean);
    for (let c = 0; c < k; c++) {
      const a = sd[c] * rng.normal();
      coeffs[r * k + c] = a;
      const o = c * d;
      for (let j = 0; j < d; j++) z[j] += a * components[o + j];
    }
    if (residualSd > 0) {
      // Isotropic noise with its part along the k components removed.
      for (let j = 0; j < d; j++) g[j] = residualSd * rng.normal();
      for (let c = 0; c < k; c++) {
        const o = c * d;
        let dot = 0;
        for (let j = 0; j < d; j++) dot += g[j] * components[o + j];
        for (let j = 0; j < d; j++) g[j] -= dot * components[o + j];
      }
      for (let j = 0; j < d; j++) z[j] += g[j];
    }
    latents.set(z, r * d);
  }
  return { latents, coeffs };
}

function sum(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s;
}

/**
 * Samples the flow's base distribution at a temperature: `z ~ N(0, T²·I)`.
 * @param count Number of latent points.
 * @param dims Latent dimension D.
 * @param options `temperature` T (default 1), `seed` (default 0) or `rng`.
 * @returns `[count, dims]` row-major latent points.
 * @throws Error on a negative count, a bad dimension or a non-positive temperature.
 * @example
 * ```ts
 * import { sampleBaseGaussian } from "./latent_sampling.ts";
 * const z = sampleBaseGaussian(16, 784, { temperature: 0.7, seed: 3 });
 * ```
 */
export function sampleBaseGaussian(
  count: number,
  dims: number,
  options: { temperature?: number; seed?: number; rng?: Rng } = {},
): Float32Array {
  checkCount(count, "sampleBaseGaussian");
  if (!Number.isInteger(dims) || dims < 1) {
    throw new Error(`sampleBaseGaussian: dims must be a positive integer, got ${dims}`);
  }
  const t = options.temperature ?? 1;
  if (!(t > 0)) throw new Error(`temperature must be > 0, got ${t}`);
  const rng = options.rng ?? new Rng(options.seed ?? 0);
  const out = new Float32Array(count * dims);
  for (let i = 0; i < out.length; i++) out[i] = t * rng.normal();
  return out;
}

/**
 * Where regenerated latent points come from (the `regen_source` parameter):
 *
 * - `pca_stats`: draws from the PCA-reduced Gaussian fitted to the training
 *   latents ({@link samplePcaGaussian}, with `covScale`);
 * - `flow_base`: draws from the flow's base N(0, T²·I) ({@link sampleBaseGaussian});
 * - `train_pts`: actual training latent points, picked at random without
 *   replacement, so their images are round trips x → z → x of training images.
 */
export type RegenSource = "pca_stats" | "flow_base" | "train_pts";

/** Inputs of {@link regenerationLatents}. */
export interface RegenerationOptions {
  /** Latent dimension D. */
  dims: number;
  /** PCA of the training latents; needed for `pca_stats`. */
  pca?: PcaResult;
  /** `[n, D]` training latents; needed for `train_pts`. */
  trainLatents?: ArrayLike<number>;
  /** Variance factor of `pca_stats`. Default 1. */
  covScale?: number;
  /** Temperature of `flow_base`. Default 1. */
  temperature?: number;
  /** Seed. Default 0. */
  seed?: number;
}

/** Latent points from {@link regenerationLatents}. */
export interface RegeneratedLatents {
  /** `[count, D]` row-major latent points. */
  latents: Float32Array;
  /** For `train_pts`: the training rows that were taken, in order. */
  indices?: number[];
}

/**
 * Latent points to regenerate images from, by source (see {@link RegenSource}).
 * @param source `pca_stats`, `flow_base` or `train_pts`.
 * @param count Number of points (for `train_pts` at most the number of training latents).
 * @param options See {@link RegenerationOptions}.
 * @returns The latent points (and, for `train_pts`, their row indices).
 * @throws Error when the source is unknown or its input is missing or too small.
 * @example
 * ```ts
 * import { regenerationLatents } from "./latent_sampling.ts";
 * const train = new Float32Array([0, 1, 2, 3, 4, 5]); // 3 latents of dimension 2
 * const { latents, indices } = regenerationLatents("train_pts", 2, {
 *   dims: 2,
 *   trainLatents: train,
 *   seed: 7,
 * });
 * ```
 */
export function regenerationLatents(
  source: RegenSource,
  count: number,
  options: RegenerationOptions,
): RegeneratedLatents {
  checkCount(count, "regenerationLatents");
  const { dims } = options;
  const seed = options.seed ?? 0;
  switch (source) {
    case "pca_stats": {
      if (!options.pca) throw new Error('regen_source "pca_stats" needs the PCA of the latents');
      if (options.pca.dims !== dims) {
        throw new Error(`regen_source "pca_stats": PCA of ${options.pca.dims} dims, not ${dims}`);
      }
      const covScale = options.covScale ?? 1;
      return { latents: samplePcaGaussian(options.pca, count, { covScale, seed }).latents };
    }
    case "flow_base":
      return {
        latents: sampleBaseGaussian(count, dims, { temperature: options.temperature ?? 1, seed }),
      };
    case "train_pts": {
      const train = options.trainLatents;
      if (!train) throw new Error('regen_source "train_pts" needs the training latents');
      if (train.length % dims !== 0) {
        throw new Error(`regen_source "train_pts": ${train.length} values are not rows of ${dims}`);
      }
      const n = train.length / dims;
      if (count > n) {
        throw new Error(`regen_source "train_pts": ${count} points asked, only ${n} available`);
      }
      const indices = new Rng(seed).permutation(n).slice(0, count);
      const latents = new Float32Array(count * dims);
      indices.forEach((row, i) => {
        for (let j = 0; j < dims; j++) latents[i * dims + j] = train[row * dims + j];
      });
      return { latents, indices };
    }
    default:
      throw new Error(
        `regen_source must be pca_stats, flow_base or train_pts, got ${String(source)}`,
      );
  }
}
