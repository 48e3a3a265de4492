/**
 * How close a learned posterior is to a reference posterior, for the
 * inverse-problem applications: moments in units of the reference's
 * posterior standard deviations (per parameter and along the principal axes
 * of the reference covariance, which is where a thin ridge shows), the
 * classifier two-sample test, MMD², re-simulation error, and calibration by
 * simulation-based calibration (SBC) with coverage of central intervals.
 *
 * @module
 */
import { classifierTwoSampleTest } from "../inference/c2st.ts";
import { cholesky, choleskySolve, type Matrix } from "../linalg/matrix.ts";
import { sampleCovariance, sampleMean } from "../linalg/covariance.ts";
import { mmdSquared } from "../inference/mmd.ts";
import { resimulationError } from "../inference/resimulation.ts";
import { simulationBasedCalibration } from "../inference/sbc.ts";
import type { PosteriorSampler } from "../inn/posterior.ts";
import { Rng } from "../core/random.ts";
import { type InverseProblem, type ReferencePosterior, simulatePairs } from "./problem.ts";
import { symmetricEigen } from "../linalg/symmetric_eigen.ts";

/** Moments of a posterior sample against a reference. */
export interface MomentComparison {
  /** `|m̂_j − m_j| / σ_j` per parameter (σ: the reference's marginal std). */
  meanErrorSigma: number[];
  /** `σ̂_j / σ_j` per parameter. */
  sigmaRatio: number[];
  /** Std ratio along each principal axis of the reference covariance, widest axis first. */
  principalSigmaRatio: number[];
  /** Mean error along each principal axis in units of that axis's std, widest first. */
  principalMeanError: number[];
  /** Mahalanobis distance `√(Δᵀ Σ⁻¹ Δ)` of the mean error under the reference covariance. */
  mahalanobis: number;
  /** Reference std along each principal axis, widest first. */
  principalSigma: number[];
}

/**
 * Compares the mean and covariance of samples with a reference mean and covariance.
 * @param samples Row-major `[n × dims]`.
 * @param mean Reference mean.
 * @param cov Reference covariance.
 * @returns Per-parameter and principal-axis errors and ratios.
 * @example
 * ```ts
 * import { identity } from "../linalg/matrix.ts";
 * import { compareMoments } from "./posterior_metrics.ts";
 * compareMoments(new Float64Array([1, 1, -1, -1]), [0, 0], identity(2)).sigmaRatio; // [1, 1]
 * ```
 */
export function compareMoments(
  samples: ArrayLike<number>,
  mean: ArrayLike<number>,
  cov: Matrix,
): MomentComparison {
  const d = mean.length;
  const m = sampleMean(samples, d);
  const c = sampleCovariance(samples, d);
  const delta = Float64Array.from(m, (v, j) => v - mean[j]);
  const sigma = Array.from({ length: d }, (_, j) => Math.sqrt(cov.data[j * d + j]));
  const eig = symmetricEigen(cov);
  const principalSigma = Array.from(eig.values, (l) => Math.sqrt(Math.max(l, 0)));
  const principalSigmaRatio: number[] = [], principalMeanError: number[] = [];
  for (let k = 0; k < d; k++) {
    let proj = 0, quad = 0;
    for (let i = 0; i < d; i++) {
      const vi = eig.vectors.data[i * d + k];
      proj += vi * delta[i];
      for (let j = 0; j < d; j++) quad += vi * c.data[i * d + j] * eig.vectors.data[j * d + k];
    }
    principalSigmaRatio.push(Math.sqrt(Math.max(quad, 0)) / principalSigma[k]);
    principalMeanError.push(Math.abs(proj) / principalSigma[k]);
  }
  const solved = choleskySolve(cholesky(cov), delta);
  let maha = 0;
  for (let j = 0; j < d; j++) maha += delta[j] * solved[j];
  return {
    meanErrorSigma: sigma.map((s, j) => Math.abs(delta[j]) / s),
    sigmaRatio: sigma.map((s, j) => Math.sqrt(c.data[j * d + j]) / s),
    principalSigmaRatio,
    principalMeanError,
    mahalanobis: Math.sqrt(Math.max(maha, 0)),
    principalSigma,
  };
}

/** Settings of {@link comparePosterior}. */
export interface ComparePosteriorOptions {
  /** Seed of the C2ST and the subsampling. */
  seed: number;
  /** Points of each sample given to the C2ST; 0 skips it. Default 1000. */
  c2stPoints?: number;
  /** C2ST training epochs per fold. Default 40. */
  c2stEpochs?: number;
  /** Points of each sample given to the MMD² estimate. Default 1000. */
  mmdPoints?: number;
}

/** A learned posterior against the reference for one observation. */
export interface PosteriorComparison extends MomentComparison {
  /** Held-out accuracy of a classifier telling the two samples apart (0.5: indistinguishable). */
  c2st: number | null;
  /** MMD² (inverse multiquadric kernels) of the samples, standardized by the reference's stds. */
  mmd2: number;
  /** Mean `‖f(x) − y*‖` over the posterior samples. */
  resimulationError: number;
}

function firstRows(rows: ArrayLike<number>, dims: number, count: number): Float64Array {
  const n = Math.min(count, rows.length / dims);
  return Float64Array.from({ length: n * dims }, (_, i) => rows[i]);
}

function scaled(rows: Float64Array, dims: number, std: number[], mean: ArrayLike<number>) {
  return rows.map((v, i) => (v - mean[i % dims]) / std[i % dims]);
}

/**
 * Compares posterior samples with a reference posterior for one observation.
 * @param problem The problem (forward model for the re-simulation error).
 * @param samples Samples of the learned posterior, row-major `[n × dimX]`.
 * @param observed The observation y*.
 * @param reference The reference posterior of y*.
 * @param options Seeds and C2ST/MMD sizes.
 * @returns Moments, C2ST accuracy, MMD² and re-simulation error.
 * @example
 * ```ts
 * import { LinearIllConditioned } from "./linear_ill_conditioned.ts";
 * import { comparePosterior } from "./posterior_metrics.ts";
 * const problem = new LinearIllConditioned();
 * const y = problem.forward([0.5, -0.2, 0.1]);
 * const reference = problem.referencePosterior(y, 500, 1);
 * // Stand-in for a learned posterior: more exact draws with another seed.
 * const samples = problem.referencePosterior(y, 500, 2).samples;
 * const cmp = await comparePosterior(problem, samples, y, reference, {
 *   seed: 1,
 *   c2stPoints: 0, // skip the classifier test here
 *   mmdPoints: 200,
 * });
 * console.log(cmp.c2st, cmp.mahalanobis < 0.5); // null true
 * ```
 */
export async function comparePosterior(
  problem: InverseProblem,
  samples: ArrayLike<number>,
  observed: ArrayLike<number>,
  reference: ReferencePosterior,
  options: ComparePosteriorOptions,
): Promise<PosteriorComparison> {
  const d = problem.dimX;
  const moments = compareMoments(samples, reference.mean, reference.cov);
  const c2stPoints = options.c2stPoints ?? 1000;
  const mmdPoints = options.mmdPoints ?? 1000;
  const c2st = c2stPoints > 0
    ? (await classifierTwoSampleTest(
      firstRows(samples, d, c2stPoints),
      firstRows(reference.samples, d, c2stPoints),
      { dims: d, seed: options.seed, epochs: options.c2stEpochs ?? 40 },
    )).accuracy
    : null;
  const sigma = Array.from({ length: d }, (_, j) => Math.sqrt(reference.cov.data[j * d + j]));
  const mmd2 = mmdSquared(
    scaled(firstRows(samples, d, mmdPoints), d, sigma, reference.mean),
    scaled(firstRows(reference.samples, d, mmdPoints), d, sigma, reference.mean),
    { dims: d },
  );
  const resim = resimulationError(samples, {
    dims: d,
    forward: (x) => problem.forward(x),
    observed,
  });
  return { ...moments, c2st, mmd2, resimulationError: resim.mean };
}

/** Settings of {@link calibratePosterior}. */
export interface CalibrationOptions {
  /** Number of simulated (θ, y) replications. */
  replications: number;
  /** Posterior draws per replication (ranks in 0..draws). Default 99. */
  draws?: number;
  /** Histogram bins of the χ² uniformity test. Default 10. */
  bins?: number;
  /** Seed of the simulations and posterior draws. */
  seed: number;
}

/** Simulation-based calibration of a posterior sampler. */
export interface CalibrationResult {
  /** Replications run. */
  replications: number;
  /** Posterior draws per replication. */
  draws: number;
  /** χ² p-value of the rank histogram of each parameter (small: miscalibrated). */
  sbcPValues: number[];
  /** χ² statistic of each parameter. */
  sbcChiSquare: number[];
  /** Fraction of (replication, parameter) pairs whose true value lies in the central 90 % interval. */
  coverage90: number;
  /** The same for the central 50 % interval. */
  coverage50: number;
  /**
   * Coverage of central intervals at the nominal levels 0.1, 0.2, …, 0.9, 0.95 (the
   * calibration curve: a calibrated posterior has `coverage ≈ level` at every level).
   */
  coverageCurve: { level: number; coverage: number }[];
}

/** Nominal levels of {@link CalibrationResult.coverageCurve}. */
export const COVERAGE_LEVELS: readonly number[] = [
  0.1,
  0.2,
  0.3,
  0.4,
  0.5,
  0.6,
  0.7,
  0.8,
  0.9,
  0.95,
];

/**
 * Simulation-based calibration (Talts et al. 2018) of any posterior sampler:
 * draws `(θ, y)` from the prior predictive, samples the posterior of each
 * `y`, ranks `θ` among the draws, and tests the rank histograms for
 * uniformity; also reports coverage of central 50 % and 90 % intervals.
 * The posterior draws are made first (asynchronously), then replayed to the
 * library's {@link simulationBasedCalibration}.
 * @param problem The problem (prior and simulator).
 * @param sampler A sampler of `p(x | y)` in the problem's units, or a function drawing samples.
 * @param options Replications, draws, bins, seed.
 * @returns p-values, χ² statistics and coverages.
 * @example
 * ```ts
 * import { LinearIllConditioned } from "./linear_ill_conditioned.ts";
 * import { calibratePosterior } from "./posterior_metrics.ts";
 * const problem = new LinearIllConditioned();
 * // The exact posterior is calibrated: coverage90 ≈ 0.9, p-values not small.
 * const result = await calibratePosterior(
 *   problem,
 *   (y, n, seed) => problem.referencePosterior(y, n, seed).samples,
 *   { replications: 40, draws: 19, bins: 5, seed: 1 },
 * );
 * console.log(result.coverage90, result.sbcPValues); // ≈ 0.9, three p-values
 * ```
 */
export async function calibratePosterior(
  problem: InverseProblem,
  sampler:
    | PosteriorSampler
    | ((
      y: Float64Array,
      n: number,
      seed: number,
    ) => ArrayLike<number> | Promise<ArrayLike<number>>),
  options: CalibrationOptions,
): Promise<CalibrationResult> {
  const draws = options.draws ?? 99;
  const { replications } = options;
  if (!Number.isInteger(replications) || replications < 1) {
    throw new Error(`Calibration replications must be a positive integer, got ${replications}`);
  }
  const sims = simulatePairs(problem, replications, options.seed);
  const seeds = new Rng(options.seed + 1);
  const posteriors: ArrayLike<number>[] = [];
  for (let i = 0; i < replications; i++) {
    const y = sims.y.subarray(i * problem.dimY, (i + 1) * problem.dimY);
    const seed = seeds.seed();
    posteriors.push(
      typeof sampler === "function"
        ? await sampler(Float64Array.from(y), draws, seed)
        : await sampler.posterior(Float32Array.from(y), draws, { seed }),
    );
  }
  let iPrior = 0, iSim = 0, iPost = 0;
  const d = problem.dimX;
  const sbc = simulationBasedCalibration({
    priorSample: () => sims.x.subarray(iPrior * d, ++iPrior * d),
    simulate: () => sims.y.subarray(iSim * problem.dimY, ++iSim * problem.dimY),
    posteriorSample: () => posteriors[iPost++],
    replications,
    posteriorDraws: draws,
    bins: options.bins ?? 10,
    seed: options.seed + 2,
  });
  let in90 = 0, in50 = 0;
  const inLevel = COVERAGE_LEVELS.map(() => 0);
  for (const ranks of sbc.ranks) {
    for (const r of ranks) {
      const q = r / draws;
      if (q >= 0.05 && q <= 0.95) in90++;
      if (q >= 0.25 && q <= 0.75) in50++;
      COVERAGE_LEVELS.forEach((level, i) => {
        if (q >= (1 - level) / 2 - 1e-12 && q <= (1 + level) / 2 + 1e-12) inLevel[i]++;
      });
    }
  }
  const total = d * replications;
  return {
    replications,
    draws,
    sbcPValues: Array.from(sbc.pValue),
    sbcChiSquare: Array.from(sbc.chiSquare),
    coverage90: in90 / total,
    coverage50: in50 / total,
    coverageCurve: COVERAGE_LEVELS.map((level, i) => ({ level, coverage: inLevel[i] / total })),
  };
}
