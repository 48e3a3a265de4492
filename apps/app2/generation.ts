/**
 * Latent points for new images, by `run.sampling_mode`:
 *
 * - `pca`: the PCA-reduced Gaussian of the training latents, its variances
 *   scaled by `cov_scale` (the original project's way);
 * - `direct`: the flow's base distribution N(0, T²·I) at temperature
 *   T = √`cov_scale` (T ≈ 0.7 is Glow's usual choice).
 *
 * and for the "simulated" points beside the training points, by
 * `run.regen_source` (`pca_stats`, `flow_base`, `train_pts`; see
 * `regenerationLatents`).
 *
 * @module
 */
import {
  type PcaResult,
  regenerationLatents,
  type RegenSource,
  sampleBaseGaussian,
  samplePcaGaussian,
} from "../../lib/analysis/mod.ts";

/** `run.sampling_mode`. */
export type SamplingMode = "pca" | "direct";

/** Inputs of {@link sampleLatents} and {@link simulatedLatents}. */
export interface LatentSamplingOptions {
  /** Latent dimension D. */
  dims: number;
  /** PCA of the training latents. */
  pca: PcaResult;
  /** `[n, D]` training latents (for `train_pts`). */
  trainLatents: Float32Array;
  /** `run.cov_scale`: variance factor (pca) or temperature² (direct, flow_base). */
  covScale: number;
  /** Seed. */
  seed: number;
}

/**
 * Latent points to turn into new images.
 * @param mode `pca` or `direct`.
 * @param count Number of points.
 * @param options See {@link LatentSamplingOptions}.
 * @returns `[count, D]` row-major latent points.
 * @throws Error on an unknown mode.
 * @example
 * ```ts
 * import { pca, sampleBaseGaussian } from "../../lib/analysis/mod.ts";
 * import { sampleLatents } from "./generation.ts";
 * const train = sampleBaseGaussian(50, 8, { seed: 1 });
 * const fit = pca(train, 50, 8, { nComponents: 3 });
 * const z = sampleLatents("pca", 4, { dims: 8, pca: fit, trainLatents: train, covScale: 1, seed: 2 });
 * ```
 */
export function sampleLatents(
  mode: SamplingMode,
  count: number,
  options: LatentSamplingOptions,
): Float32Array {
  switch (mode) {
    case "pca":
      return samplePcaGaussian(options.pca, count, {
        covScale: options.covScale,
        seed: options.seed,
      }).latents;
    case "direct":
      return sampleBaseGaussian(count, options.dims, {
        temperature: Math.sqrt(options.covScale),
        seed: options.seed,
      });
    default:
      throw new Error(`sampling_mode must be pca or direct, got ${String(mode)}`);
  }
}

/**
 * The "simulated" latent points of `regen_source`, at most the number of
 * training latents for `train_pts`.
 * @param source `pca_stats`, `flow_base` or `train_pts`.
 * @param count Number of points wanted.
 * @param options See {@link LatentSamplingOptions}.
 * @returns The points and, for `train_pts`, the training rows they are.
 * @example
 * ```ts
 * import { pca, sampleBaseGaussian } from "../../lib/analysis/mod.ts";
 * import { simulatedLatents } from "./generation.ts";
 * const train = sampleBaseGaussian(50, 8, { seed: 1 });
 * const fit = pca(train, 50, 8, { nComponents: 3 });
 * const { latents, indices } = simulatedLatents("train_pts", 5, {
 *   dims: 8, pca: fit, trainLatents: train, covScale: 1, seed: 2,
 * });
 * ```
 */
export function simulatedLatents(
  source: RegenSource,
  count: number,
  options: LatentSamplingOptions,
): { latents: Float32Array; indices?: number[] } {
  const available = options.trainLatents.length / options.dims;
  return regenerationLatents(source, source === "train_pts" ? Math.min(count, available) : count, {
    dims: options.dims,
    pca: options.pca,
    trainLatents: options.trainLatents,
    covScale: options.covScale,
    temperature: Math.sqrt(options.covScale),
    seed: options.seed,
  });
}
