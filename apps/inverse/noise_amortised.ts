/**
 * The noise-amortised cINN of the INN applications: one conditional INN for
 * a whole range of noise levels. It is trained on pairs whose σ is drawn
 * log-uniformly from the range ({@link simulateNoiseAmortisedPairs}), with
 * `log σ` appended to the observation as part of the condition, so the same
 * network samples `p(x | y*, σ)` for any σ in the range — and, because the
 * mean of `k` repeats is sufficient with noise `σ/√k`, the posterior given
 * repeated measurements too ({@link NoiseConditionedPosterior}).
 *
 * Training, saving and loading go through the shared cINN machinery of
 * {@link ./inn_app.ts}: the network sees the problem through
 * {@link noiseConditionProblem}, whose observation is `[y, log σ]`.
 *
 * @module
 */
import type { Rng } from "../../lib/core/random.ts";
import {
  checkNoiseRange,
  type NoiseRange,
  type NoisyProblem,
  simulateNoiseAmortisedPairs,
} from "../../lib/problems/noise_levels.ts";
import { NoiseConditionedPosterior } from "../../lib/problems/noise_conditioned_posterior.ts";
import type { InverseProblem, SimulatedPairs } from "../../lib/problems/problem.ts";
import {
  checkPairCounts,
  type InnAppConfig,
  loadPosteriorModel,
  savePosteriorModel,
  type TrainedPosterior,
  type TrainingSet,
  trainingSetOf,
  type TrainModelOptions,
  trainPosteriorModel,
} from "./inn_app.ts";

/** Display name of the noise-amortised cINN. */
export const NOISE_AMORTISED_LABEL = "cINN (σ-amortised)";

/** Folder name of the noise-amortised cINN under `run.model_dir` and the checkpoints. */
export const NOISE_AMORTISED_KIND = "cinn_amortised";

/** Degree of the regression adjustment's interactions of y with log σ. */
const NOISE_DEGREE = 2;

/** Offset of the amortised cINN's seed from the run's, so it does not share the cINN's. */
const SEED_OFFSET = 1009;

/**
 * The problem as the noise-amortised cINN sees it: the same parameters and prior, and
 * the observation `[y, log σ]`. Its name carries the σ range, so a model saved for one
 * range is not loaded for another. Its `forward` gives `[f(x), log σ]` at the problem's
 * own σ.
 * @param problem The noisy problem.
 * @param range The σ range of training.
 * @returns The problem with a condition of width `dimY + 1`.
 * @example
 * ```ts
 * import { BlurredProfile } from "../../lib/problems/blurred_profile.ts";
 * import { noiseConditionProblem } from "./noise_amortised.ts";
 * noiseConditionProblem(new BlurredProfile(), { min: 0.01, max: 0.125 }).dimY; // 17
 * ```
 */
export function noiseConditionProblem(problem: NoisyProblem, range: NoiseRange): InverseProblem {
  checkNoiseRange(range);
  const logSigma = Math.log(problem.noise);
  return {
    name: `${problem.name}, σ-amortised over [${range.min}, ${range.max}]`,
    description: `${problem.description}; condition [y, log σ], σ in [${range.min}, ${range.max}]`,
    dimX: problem.dimX,
    dimY: problem.dimY + 1,
    paramNames: problem.paramNames,
    noise: problem.noise,
    priorSample: (n: number, rng: Rng) => problem.priorSample(n, rng),
    forward: (x: ArrayLike<number>) => Float64Array.from([...problem.forward(x), logSigma]),
  };
}

function withLogSigma(
  pairs: SimulatedPairs & { sigma: Float64Array },
  dimY: number,
  from: number,
  to: number,
): SimulatedPairs {
  const w = dimY + 1, n = to - from;
  const y = new Float64Array(n * w), eps = new Float64Array(n * w);
  for (let i = 0; i < n; i++) {
    const src = (from + i) * dimY;
    y.set(pairs.y.subarray(src, src + dimY), i * w);
    eps.set(pairs.eps.subarray(src, src + dimY), i * w);
    y[i * w + dimY] = Math.log(pairs.sigma[from + i]);
  }
  const dimX = pairs.x.length / pairs.sigma.length;
  return { x: pairs.x.slice(from * dimX, to * dimX), eps, y };
}

/**
 * Training and validation pairs of the noise-amortised cINN: σ drawn log-uniformly from
 * the range for every pair, observations `[y, log σ]`.
 * @param problem The noisy problem.
 * @param range The σ range.
 * @param numTrain Training pairs (≥ 2).
 * @param numValidation Validation pairs (≥ 1).
 * @param seed Seed of the simulation.
 * @returns A training set of {@link noiseConditionProblem}.
 * @example
 * ```ts
 * import { BlurredProfile } from "../../lib/problems/blurred_profile.ts";
 * import { prepareNoiseAmortisedSet } from "./noise_amortised.ts";
 * const set = prepareNoiseAmortisedSet(new BlurredProfile(), { min: 0.01, max: 0.1 }, 100, 20, 1);
 * console.log(set.train.y.length); // 1700 (100 pairs of 16 values and log σ)
 * ```
 */
export function prepareNoiseAmortisedSet(
  problem: NoisyProblem,
  range: NoiseRange,
  numTrain: number,
  numValidation: number,
  seed: number,
): TrainingSet {
  checkPairCounts(numTrain, numValidation);
  const all = simulateNoiseAmortisedPairs(problem, numTrain + numValidation, range, seed);
  return trainingSetOf(
    noiseConditionProblem(problem, range),
    withLogSigma(all, problem.dimY, 0, numTrain),
    withLogSigma(all, problem.dimY, numTrain, numTrain + numValidation),
  );
}

/** A trained (or loaded) noise-amortised cINN. */
export interface NoiseAmortisedModel {
  /** The network with its training record, as every posterior model of the apps. */
  trained: TrainedPosterior;
  /** `p(x | y, σ)` for σ in the range; `atNoise(σ)` is an ordinary posterior sampler. */
  posterior: NoiseConditionedPosterior;
  /** The σ range it was trained on. */
  range: NoiseRange;
}

function wrap(trained: TrainedPosterior, range: NoiseRange): NoiseAmortisedModel {
  trained.label = NOISE_AMORTISED_LABEL;
  return { trained, posterior: new NoiseConditionedPosterior(trained.sampler, range), range };
}

/**
 * Trains the noise-amortised cINN on a set from {@link prepareNoiseAmortisedSet}.
 * @param set Training set of {@link noiseConditionProblem}.
 * @param range The σ range the set was drawn from.
 * @param config Architecture and training settings (those of the cINN).
 * @param options Progress, checkpoints, resume.
 * @returns The model.
 */
export async function trainNoiseAmortisedCinn(
  set: TrainingSet,
  range: NoiseRange,
  config: InnAppConfig,
  options: TrainModelOptions = {},
): Promise<NoiseAmortisedModel> {
  // With regression adjustment, the posterior mean's gain changes with σ: regress on the
  // observation's interactions with log σ up to the second power as well.
  const trained = await trainPosteriorModel(
    "cinn",
    set,
    { ...config, seed: config.seed + SEED_OFFSET, regressionNoiseDegree: NOISE_DEGREE },
    options,
  );
  return wrap(trained, range);
}

/**
 * Saves a noise-amortised cINN (see {@link savePosteriorModel}).
 * @param model The model.
 * @param problem The noisy problem it was trained on.
 * @param dir Destination folder; replaced if it exists.
 * @param metadata Extra JSON stored alongside.
 */
export async function saveNoiseAmortisedCinn(
  model: NoiseAmortisedModel,
  problem: NoisyProblem,
  dir: string,
  metadata: Record<string, unknown> = {},
): Promise<void> {
  await savePosteriorModel(model.trained, noiseConditionProblem(problem, model.range), dir, {
    ...metadata,
    noise_range: model.range,
  });
}

/**
 * Loads a noise-amortised cINN saved by {@link saveNoiseAmortisedCinn}.
 * @param dir The folder.
 * @param problem The noisy problem it must have been trained on.
 * @param range The σ range it must have been trained on.
 * @returns The model.
 * @throws Error naming the folder when it is missing or holds a model of another problem
 *   or σ range.
 */
export async function loadNoiseAmortisedCinn(
  dir: string,
  problem: NoisyProblem,
  range: NoiseRange,
): Promise<NoiseAmortisedModel> {
  const trained = await loadPosteriorModel(dir, {
    kind: "cinn",
    problem: noiseConditionProblem(problem, range),
  });
  return wrap(trained, range);
}
