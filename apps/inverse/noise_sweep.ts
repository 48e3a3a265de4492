/**
 * Posteriors of a noisy problem checked across noise levels and repeated
 * measurements, for the noise-amortised model of application 6 (and any
 * other {@link PosteriorSampler}): at each σ of a sweep, test observations
 * drawn from the prior predictive at that σ (the same parameters and noise
 * draws at every σ, only the noise scale changes), their reference
 * posteriors, the model's samples compared with them (the moments, C2ST and
 * MMD² of {@link comparePosterior}, summarised as
 * {@link summarizeComparisons}) and simulation-based calibration; and the
 * same for `k` repeated measurements of each test parameter vector, whose
 * reference is the problem at `σ/√k` given the mean of the repeats.
 *
 * @module
 */
import { Rng } from "../../lib/core/random.ts";
import type { PosteriorSampler } from "../../lib/inn/posterior.ts";
import {
  meanOfRepeats,
  type NoisyProblem,
  repeatsNoise,
  simulateRepeats,
} from "../../lib/problems/noise_levels.ts";
import { calibratePosterior, comparePosterior } from "../../lib/problems/posterior_metrics.ts";
import {
  calibrationJson,
  type ReferenceSampler,
  summarizeComparisons,
  type TestObservation,
  testObservations,
} from "./inn_run.ts";

/** How a posterior is checked at one noise level. */
export interface NoiseCheckOptions {
  /** Test observations. */
  observations: number;
  /** Posterior (and reference) samples per observation. */
  samples: number;
  /** Points of each sample in the C2ST (0: skip). */
  c2stPoints: number;
  /** SBC replications (0: skip). */
  sbcReplications: number;
  /** Seed: test observations from `seed + 1000`, as the INN apps draw them. */
  seed: number;
  /** Observations whose samples are kept for figures. Default 0. */
  keepSamples?: number;
  /** Draws a reference posterior of the problem at this σ; default its `referencePosterior`. */
  referenceSampler?: (problem: NoisyProblem) => ReferenceSampler | undefined;
}

/** What one noise level (or number of repeats) gave. */
export interface NoiseCheck {
  /** Noise σ of the (mean) observation the posterior was conditioned on. */
  sigma: number;
  /** The summarised comparison with the reference, as `metrics.json` writes it per model. */
  summary: ReturnType<typeof summarizeComparisons>;
  /** Calibration JSON, or null when skipped. */
  calibration: Record<string, unknown> | null;
  /** Mean over observations of the reference posterior's marginal stds. */
  referenceStd: number[];
  /** Mean over observations of the model posterior's marginal stds. */
  modelStd: number[];
  /** The observations (with references), for figures. */
  observations: TestObservation[];
  /** Model samples of the first `keepSamples` observations. */
  samples: Float32Array[];
}

function marginalStds(samples: ArrayLike<number>, d: number): number[] {
  const n = samples.length / d;
  const mean = new Float64Array(d), sq = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += samples[i * d + j] / n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) sq[j] += (samples[i * d + j] - mean[j]) ** 2;
  }
  return Array.from(sq, (s) => Math.sqrt(s / (n - 1)));
}

function columnMean(rows: number[][]): number[] {
  return rows[0].map((_, j) => rows.reduce((a, r) => a + r[j], 0) / rows.length);
}

async function check(
  problem: NoisyProblem,
  observations: TestObservation[],
  draw: (o: TestObservation, i: number) => Promise<Float32Array>,
  sampler: PosteriorSampler,
  options: NoiseCheckOptions,
): Promise<NoiseCheck> {
  const d = problem.dimX;
  const comparisons = [], kept: Float32Array[] = [], modelStds: number[][] = [];
  for (const [i, o] of observations.entries()) {
    const samples = await draw(o, i);
    comparisons.push(
      await comparePosterior(problem, samples, o.y, o.reference, {
        seed: options.seed + 4000 + i,
        c2stPoints: options.c2stPoints,
      }),
    );
    modelStds.push(marginalStds(samples, d));
    if (i < (options.keepSamples ?? 0)) kept.push(samples);
  }
  const calibration = options.sbcReplications > 0
    ? calibrationJson(
      await calibratePosterior(problem, sampler, {
        replications: options.sbcReplications,
        seed: options.seed + 5000,
      }),
    )
    : null;
  return {
    sigma: problem.noise,
    summary: summarizeComparisons(comparisons),
    calibration,
    referenceStd: columnMean(
      observations.map((o) =>
        Array.from({ length: d }, (_, j) => Math.sqrt(o.reference.cov.data[j * d + j]))
      ),
    ),
    modelStd: columnMean(modelStds),
    observations,
    samples: kept,
  };
}

/**
 * Checks a posterior sampler of the problem at its own σ against reference posteriors.
 * @param problem The problem at the σ to check.
 * @param sampler A sampler of `p(x | y)` at that σ (e.g. `atNoise(σ)` of an amortised model).
 * @param options Observations, samples, C2ST and SBC sizes, seed.
 * @returns Summary, calibration, mean marginal stds, observations and kept samples.
 */
export async function checkAtNoise(
  problem: NoisyProblem,
  sampler: PosteriorSampler,
  options: NoiseCheckOptions,
): Promise<NoiseCheck> {
  const observations = await testObservations(
    problem,
    options.observations,
    options.samples,
    options.seed + 1000,
    options.referenceSampler?.(problem),
  );
  return check(
    problem,
    observations,
    (o, i) =>
      sampler.posterior(Float32Array.from(o.y), options.samples, { seed: options.seed + 3000 + i }),
    sampler,
    options,
  );
}

/**
 * Checks the posterior given `k` repeated measurements: for each test parameter vector
 * (from the prior), `k` noisy observations at the problem's σ; the model answers from all
 * `k` (`posteriorOfRepeats`), the reference is the problem at `σ/√k` given their mean.
 * @param problem The problem at the σ of one measurement.
 * @param repeats Number of repeats `k`.
 * @param model Draws the posterior of `k` observations `[k × dimY]` at σ, and is a sampler
 *   at `σ/√k` for calibration.
 * @param options Observations, samples, C2ST and SBC sizes, seed.
 * @returns As {@link checkAtNoise}, with `sigma` = `σ/√k`; each observation's `y` is the mean.
 */
export async function checkRepeats(
  problem: NoisyProblem,
  repeats: number,
  model: {
    posteriorOfRepeats(
      ys: ArrayLike<number>,
      sigma: number,
      n: number,
      o: { seed: number },
    ): Promise<Float32Array>;
    atNoise(sigma: number): PosteriorSampler;
  },
  options: NoiseCheckOptions,
): Promise<NoiseCheck> {
  const effective = problem.withNoise(repeatsNoise(problem.noise, repeats));
  const reference = options.referenceSampler?.(effective) ??
    ((y: Float64Array, n: number, s: number) => effective.referencePosterior!(y, n, s));
  const rng = new Rng(options.seed + 1000 + 17 * repeats);
  const repeatsOf: Float64Array[] = [];
  const observations: TestObservation[] = [];
  for (let i = 0; i < options.observations; i++) {
    const xTrue = problem.priorSample(1, rng);
    const ys = simulateRepeats(problem, xTrue, repeats, rng);
    const y = meanOfRepeats(ys, problem.dimY);
    const t0 = performance.now();
    const ref = await reference(y, options.samples, options.seed + 2000 + i);
    repeatsOf.push(ys);
    observations.push({
      xTrue,
      y,
      reference: ref,
      referenceSeconds: (performance.now() - t0) / 1000,
    });
  }
  return check(
    effective,
    observations,
    (_o, i) =>
      model.posteriorOfRepeats(repeatsOf[i], problem.noise, options.samples, {
        seed: options.seed + 3000 + i,
      }),
    model.atNoise(effective.noise),
    options,
  );
}
