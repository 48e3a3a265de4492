/**
 * Seeded synthetic point datasets for application 1 (distribution mapping):
 * the original's `moons`, `gmm`, `mvn`, and `circles`, `swiss_roll`,
 * `checkerboard`, `pinwheel` in 2-D; `gmm3d` and `swiss_roll3d` in 3-D.
 * `mvn`, `gmm` and `gmm3d` have an analytic density and a known entropy
 * (re-exported from `toy_density.ts`).
 *
 * @module
 */
import { Rng } from "../core/random.ts";
import { hasToyDensity, toyMixture } from "./toy_density.ts";
import {
  checkerboard,
  circles,
  moons,
  pinwheel,
  type ShapeGenerator,
  swissRoll,
  swissRoll3d,
} from "./toy_shapes.ts";

export { type GaussianComponent, GaussianMixture } from "./gaussian_mixture.ts";
export { validatePoints } from "./validate_points.ts";
export {
  ANALYTIC_TOY_DATASETS,
  type AnalyticToyDataset,
  hasToyDensity,
  toyEntropy,
  toyLogDensity,
  toyMixture,
} from "./toy_density.ts";

/** Names of all toy datasets. */
export const TOY_DATASETS = [
  "moons",
  "gmm",
  "mvn",
  "circles",
  "swiss_roll",
  "checkerboard",
  "pinwheel",
  "gmm3d",
  "swiss_roll3d",
] as const;

/** A toy dataset name. */
export type ToyDatasetName = typeof TOY_DATASETS[number];

/** What a toy dataset is. */
export interface ToyDatasetInfo {
  /** Dimension of the points. */
  dims: number;
  /** Whether {@link toyLogDensity} and {@link toyEntropy} are available. */
  analytic: boolean;
  /** Default noise standard deviation (always 0 for analytic datasets). */
  defaultNoise: number;
  /** One line for help text and plots. */
  description: string;
}

/** Dimension, density availability, default noise and description of each dataset. */
export const TOY_DATASET_INFO: Readonly<Record<ToyDatasetName, ToyDatasetInfo>> = {
  moons: info(2, false, 0.05, "two interleaving half circles"),
  gmm: info(2, true, 0, "mixture of 5 Gaussians (analytic density)"),
  mvn: info(2, true, 0, "correlated Gaussian, ρ = 0.8 (analytic density)"),
  circles: info(2, false, 0.05, "two concentric circles"),
  swiss_roll: info(2, false, 0.1, "spiral (2-D swiss roll)"),
  checkerboard: info(2, false, 0, "uniform on 8 checkerboard cells"),
  pinwheel: info(2, false, 0, "five curved arms"),
  gmm3d: info(3, true, 0, "mixture of 4 Gaussians in 3-D (analytic density)"),
  swiss_roll3d: info(3, false, 0.1, "3-D swiss roll"),
};

const SHAPES: Partial<Record<ToyDatasetName, ShapeGenerator>> = {
  moons,
  circles,
  swiss_roll: swissRoll,
  checkerboard,
  pinwheel,
  swiss_roll3d: swissRoll3d,
};

function info(
  dims: number,
  analytic: boolean,
  defaultNoise: number,
  description: string,
): ToyDatasetInfo {
  return { dims, analytic, defaultNoise, description };
}

/** Options of {@link generateToyData}. */
export interface ToyDataOptions {
  /** Seed of the generator; the same seed gives the same points. */
  seed: number;
  /**
   * Standard deviation of isotropic Gaussian noise added to shape datasets;
   * default {@link ToyDatasetInfo.defaultNoise}. Analytic datasets are fixed
   * distributions and accept only 0.
   */
  noise?: number;
}

/** A generated toy dataset. */
export interface ToyData {
  /** Dataset name. */
  name: ToyDatasetName;
  /** Row-major n×dims coordinates. */
  points: Float32Array;
  /** Dimension of each point. */
  dims: number;
  /** Number of points. */
  n: number;
  /** Part of the shape or mixture component of each point (for colouring plots). */
  labels: Int32Array;
}

/**
 * Whether a string names a toy dataset.
 * @param name Any string.
 * @returns True if it is one of {@link TOY_DATASETS}.
 * @example
 * ```ts
 * import { isToyDataset } from "./toy.ts";
 * isToyDataset("moons"); // true
 * ```
 */
export function isToyDataset(name: string): name is ToyDatasetName {
  return (TOY_DATASETS as readonly string[]).includes(name);
}

/**
 * Checks a toy dataset name.
 * @param name Any string.
 * @returns The name, typed.
 * @example
 * ```ts
 * import { checkToyDataset } from "./toy.ts";
 * checkToyDataset("gmm"); // "gmm"; checkToyDataset("gm") throws
 * ```
 */
export function checkToyDataset(name: string): ToyDatasetName {
  if (!isToyDataset(name)) {
    throw new Error(`Toy dataset must be one of ${TOY_DATASETS.join(", ")}, got "${name}"`);
  }
  return name;
}

/**
 * Draws `n` points of a toy dataset, deterministically from `seed`.
 * @param name One of {@link TOY_DATASETS}.
 * @param n Number of points, a positive integer.
 * @param options Seed and noise.
 * @returns The points (Float32, row-major n×dims), their dimension and labels.
 * @example
 * ```ts
 * import { generateToyData } from "./toy.ts";
 * const { points, dims } = generateToyData("moons", 1000, { seed: 1 });
 * // points.length === 1000 * dims, dims === 2
 * ```
 */
export function generateToyData(name: string, n: number, options: ToyDataOptions): ToyData {
  const key = checkToyDataset(name);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`Number of points must be a positive integer, got ${n}`);
  }
  const { seed } = options;
  if (!Number.isInteger(seed)) throw new Error(`Seed must be an integer, got ${seed}`);
  const meta = TOY_DATASET_INFO[key];
  const noise = options.noise ?? meta.defaultNoise;
  if (!(noise >= 0) || !Number.isFinite(noise)) {
    throw new Error(`Noise must be a finite number ≥ 0, got ${noise}`);
  }
  if (meta.analytic && noise !== 0) {
    throw new Error(
      `Noise must be 0 for dataset "${key}" (a fixed distribution with an analytic density), got ${noise}`,
    );
  }
  const rng = new Rng(seed);
  const sample = hasToyDensity(key) ? toyMixture(key).sample(n, rng) : SHAPES[key]!(n, rng, noise);
  return {
    name: key,
    points: Float32Array.from(sample.points),
    dims: meta.dims,
    n,
    labels: sample.labels,
  };
}
