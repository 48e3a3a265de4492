/**
 * The shared machinery of the INN applications (4–7), generic over an
 * {@link ../../lib/problems/problem.ts InverseProblem}: simulate training pairs, build the
 * three posterior models from params — the INN of Ardizzone et al. trained
 * with MMD losses (`mmd`), the same INN trained by maximum likelihood
 * (`ml`, Zhang & Curtis 2021), and the conditional INN (`cinn`) — train
 * them, sample `p(x | y*)` in the problem's units, and compare the samples
 * with the problem's reference posterior.
 *
 * Each model is a {@link PosteriorEstimator} of the library with every
 * setting taken from the params ({@link posteriorEstimatorOf}): it
 * standardizes (or whitens) the parameters and standardizes the
 * observations with the training pairs' statistics, holds out the
 * validation pairs, checkpoints, saves and loads. When the problem has observation noise
 * and `model_arch.inn_noise_inputs` is on, the INN's input side is
 * `[x, ε]`, the parameters and the standardized noise draws, so that its
 * forward map `[x, ε] → y = f(x) + σε` is deterministic and `p(x | y*)` is
 * the `x` part of `f⁻¹(y*, z)`, `z ~ N(0, I)` (noise treated as nuisance
 * parameters). Without noise inputs a noisy `y` cannot be matched exactly
 * by any forward map, and the INN's posterior is only approximate.
 *
 * @module
 */
import { join } from "node:path";
import { Cinn, cinnModelSize } from "../../lib/inn/cinn.ts";
import { currentBackend } from "../../lib/kernels/mod.ts";
import { checkModelFits } from "../common/model_size.ts";
import { type InnModel, innModelSize } from "../../lib/inn/inn_model.ts";
import type { PosteriorOptions, PosteriorSampler } from "../../lib/inn/posterior.ts";
import { innPosteriorArchitecture } from "../../lib/posterior/inn_posterior.ts";
import {
  customPrior,
  type EstimatorSettings,
  type FitReport,
  loadPosteriorEstimator,
  PosteriorEstimator,
  type PosteriorModelName,
  type Prior,
} from "../../lib/posterior/mod.ts";
import type { Params } from "../../lib/params/mod.ts";
import type { LearningRate } from "../../lib/training/schedule.ts";
import { ConsoleProgress, type ProgressSink } from "../../lib/training/progress.ts";
import type { Activation } from "../../lib/nn/dense_network.ts";
import {
  type InverseProblem,
  type SimulatedPairs,
  simulatePairs,
} from "../../lib/problems/problem.ts";

/** The three posterior models. */
export const POSTERIOR_MODEL_KINDS = ["mmd", "ml", "cinn"] as const;
/** One of {@link POSTERIOR_MODEL_KINDS}. */
export type PosteriorModelKind = typeof POSTERIOR_MODEL_KINDS[number];

/** Display names of the models. */
export const MODEL_LABELS: Readonly<Record<PosteriorModelKind, string>> = {
  mmd: "INN (MMD)",
  ml: "INN (ML)",
  cinn: "cINN",
};

/**
 * The models named by a `model_arch.inn_models` value such as `"mmd,cinn"`.
 * @param value Comma-separated kinds.
 * @returns The kinds, in canonical order (mmd, ml, cinn), without repeats.
 * @throws Error naming an unknown kind.
 * @example
 * ```ts
 * import { parseModelList } from "./inn_app.ts";
 * parseModelList("cinn,mmd"); // ["mmd", "cinn"]
 * ```
 */
export function parseModelList(value: string): PosteriorModelKind[] {
  const parts = value.split(",").map((s) => s.trim()).filter(Boolean);
  for (const p of parts) {
    if (!(POSTERIOR_MODEL_KINDS as readonly string[]).includes(p)) {
      throw new Error(
        `Unknown posterior model "${p}": expected ${POSTERIOR_MODEL_KINDS.join(", ")}`,
      );
    }
  }
  if (parts.length === 0) throw new Error("No posterior model named");
  return POSTERIOR_MODEL_KINDS.filter((k) => parts.includes(k));
}

/** Settings of the posterior models and their training (from params, or by hand). */
export interface InnAppConfig {
  /** Models to train. */
  models: PosteriorModelKind[];
  /** Coupling blocks of the INN and of the cINN. */
  blocks: number;
  /** Hidden widths of every coupling network. */
  hiddenLayers: number[];
  /** Soft clamp of the coupling log-scales. */
  clamp: number;
  /** Activation of the networks. */
  activation: Activation;
  /** L2 penalty on network kernels. */
  regLevel: number;
  /** INN input side `[x, ε]` when the problem is noisy. */
  noiseInputs: boolean;
  /** Whiten the parameters (PCA of the training pairs) instead of standardizing each. Default false. */
  whiten?: boolean;
  /** INN: end in a fixed affine map fitted to the first batch ({@link InnModelOptions.linearStart}). */
  linearStart?: boolean;
  /** cINN: model the residual of the parameters' linear regression on `y`. Default false. */
  regressionAdjust?: boolean;
  /**
   * cINN with `regressionAdjust`: regress on the interactions of `y` with the condition's
   * last column up to this degree (for a `[y, log σ]` condition; 0, the default: none).
   */
  regressionNoiseDegree?: number;
  /** Hidden widths of the cINN's conditioning network. */
  conditionLayers: number[];
  /** Width of the cINN's context. */
  contextDim: number;
  /** Epochs of every model. */
  epochs: number;
  /** Mini-batch size. */
  batchSize: number;
  /** Adam learning rate or staircase schedule. */
  learningRate: LearningRate;
  /** Global gradient-norm clipping (0: none). */
  gradNormThresh: number;
  /** cINN early-stopping patience on the validation pairs (0: none). */
  earlyStoppingPatience: number;
  /** Weights of the MMD losses. */
  mmdWeights: { fit: number; latent: number; backward: number; padding: number };
  /** Width σ_y of the ML loss's observation block (standardized units). */
  sigmaY: number;
  /** Seed of the models' initial weights and training. */
  seed: number;
}

/**
 * The {@link InnAppConfig} described by an app's params.
 * @param params Validated params.
 * @returns The settings.
 * @throws Error when `model_arch.inn_models` names an unknown model.
 */
export function innAppConfig(params: Params): InnAppConfig {
  const a = params.model_arch, t = params.training;
  return {
    models: parseModelList(a.inn_models),
    blocks: a.inn_blocks,
    hiddenLayers: [...a.inn_hidden_layers],
    clamp: a.inn_clamp,
    activation: a.activation,
    regLevel: t.reg_level,
    noiseInputs: a.inn_noise_inputs,
    whiten: a.inn_whiten,
    linearStart: a.inn_linear_start,
    regressionAdjust: a.cinn_regression_adjust,
    conditionLayers: [...a.cinn_condition_layers],
    contextDim: a.cinn_context_dim,
    epochs: t.num_epochs,
    batchSize: t.batch_size,
    learningRate: structuredClone(t.learning_rate),
    gradNormThresh: t.grad_norm_thresh,
    earlyStoppingPatience: t.early_stopping_patience,
    mmdWeights: {
      fit: t.inn_fit_weight,
      latent: t.inn_latent_weight,
      backward: t.inn_backward_weight,
      padding: t.inn_padding_weight,
    },
    sigmaY: t.inn_sigma_y,
    seed: params.run.seed,
  };
}

/** Simulated training and validation pairs of a problem. */
export interface TrainingSet {
  /** The problem they were simulated from. */
  problem: InverseProblem;
  /** Training pairs. */
  train: SimulatedPairs;
  /** Validation pairs (early stopping of the cINN, held-out NLL of the INNs). */
  validation: SimulatedPairs;
}

function slicePairs(p: SimulatedPairs, problem: InverseProblem, from: number, to: number) {
  const { dimX, dimY } = problem;
  return {
    x: p.x.slice(from * dimX, to * dimX),
    eps: p.eps.slice(from * dimY, to * dimY),
    y: p.y.slice(from * dimY, to * dimY),
  };
}

/**
 * Simulates training and validation pairs from the prior predictive.
 * @param problem The problem.
 * @param numTrain Training pairs (≥ 2).
 * @param numValidation Validation pairs (≥ 1).
 * @param seed Seed of the simulation.
 * @returns The pairs.
 * @example
 * ```ts
 * import { LinearIllConditioned } from "../../lib/problems/linear_ill_conditioned.ts";
 * import { prepareTrainingSet } from "./inn_app.ts";
 * const set = prepareTrainingSet(new LinearIllConditioned(), 1000, 200, 1);
 * console.log(set.train.x.length); // 3000
 * ```
 */
export function prepareTrainingSet(
  problem: InverseProblem,
  numTrain: number,
  numValidation: number,
  seed: number,
): TrainingSet {
  checkPairCounts(numTrain, numValidation);
  const all = simulatePairs(problem, numTrain + numValidation, seed);
  return trainingSetOf(
    problem,
    slicePairs(all, problem, 0, numTrain),
    slicePairs(all, problem, numTrain, numTrain + numValidation),
  );
}

/**
 * Throws unless the training and validation pair counts are usable.
 * @param numTrain Training pairs (an integer ≥ 2).
 * @param numValidation Validation pairs (an integer ≥ 1).
 * @throws Error naming the bad count.
 */
export function checkPairCounts(numTrain: number, numValidation: number): void {
  if (!Number.isInteger(numTrain) || numTrain < 2) {
    throw new Error(`Training pairs must be an integer ≥ 2, got ${numTrain}`);
  }
  if (!Number.isInteger(numValidation) || numValidation < 1) {
    throw new Error(`Validation pairs must be a positive integer, got ${numValidation}`);
  }
}

/**
 * A training set of simulated pairs.
 * @param problem The problem the pairs belong to (its `dimX` and `dimY` are the pairs' widths).
 * @param train Training pairs.
 * @param validation Validation pairs.
 * @returns The set.
 */
export function trainingSetOf(
  problem: InverseProblem,
  train: SimulatedPairs,
  validation: SimulatedPairs,
): TrainingSet {
  return { problem, train, validation };
}

/** Whether the INN of this problem gets noise inputs `[x, ε]`. */
export function usesNoiseInputs(
  problem: InverseProblem,
  config: { noiseInputs: boolean },
): boolean {
  return config.noiseInputs && (problem.noise ?? 0) > 0;
}

/**
 * The prior of a problem as the estimator takes it: the problem's own draws, no box. The
 * problems of the apps do not give a prior density, and the estimator only needs one for a box.
 * @param problem The problem.
 * @returns The prior.
 */
export function problemPrior(problem: InverseProblem): Prior {
  return customPrior({
    dim: problem.dimX,
    name: problem.name,
    sample: (n, rng) => problem.priorSample(n, rng),
    logProb: () => {
      throw new Error(`The prior of problem "${problem.name}" has no density here`);
    },
  });
}

/**
 * A {@link PosteriorEstimator} as a {@link PosteriorSampler} of the apps (whose `dimX` is the
 * parameters' width and `dimY` the observations').
 */
export class EstimatorSampler implements PosteriorSampler {
  /** @param estimator A fitted or loaded estimator. */
  constructor(readonly estimator: PosteriorEstimator) {}

  get dimX(): number {
    return this.estimator.dimTheta;
  }

  get dimY(): number {
    return this.estimator.dimX;
  }

  async posterior(
    yObserved: Float32Array,
    nSamples: number,
    options: PosteriorOptions = {},
  ): Promise<Float32Array> {
    if (yObserved.length !== this.dimY) {
      throw new Error(
        `The observation must have dimY=${this.dimY} values, got ${yObserved.length}`,
      );
    }
    const theta = await this.estimator.sample(yObserved, nSamples, { seed: options.seed ?? 0 });
    return Float32Array.from(theta);
  }
}

/** One epoch of a model's training, in a common form. */
export interface TrainingEpoch {
  /** 1-based epoch. */
  epoch: number;
  /** Mean training loss (MMD: weighted total; ML and cINN: NLL in nats per pair). */
  loss: number;
  /** Validation NLL (cINN every epoch; the INNs after the last). */
  validationLoss?: number;
}

/** A trained posterior model. */
export interface TrainedPosterior {
  /** Which model. */
  kind: PosteriorModelKind;
  /** Display name. */
  label: string;
  /** The estimator: network, prior, scalings. */
  estimator: PosteriorEstimator;
  /** Samples `p(x | y*)` in the problem's units. */
  sampler: PosteriorSampler;
  /** The network (for inspection). */
  network: InnModel | Cinn;
  /** Training wall time in seconds. */
  trainSeconds: number;
  /** Optimizer steps. */
  steps: number;
  /** History per epoch. */
  history: TrainingEpoch[];
  /** Trainable weights. */
  numParameters: number;
  /** Partition and sizes, for the metrics. */
  architecture: Record<string, unknown>;
  /** Epoch the training resumed after (0: fresh; absent for a loaded model). */
  resumedFromEpoch?: number;
  /** Folder the model was loaded from, when it was not trained in this run. */
  loadedFrom?: string;
  /** The metadata a loaded model was saved with (the app and its params), when loaded. */
  savedMetadata?: Record<string, unknown>;
  /** Frees the network. */
  dispose(): void;
}

/** Options of {@link trainPosteriorModel}. */
export interface TrainModelOptions {
  /** Progress sink. Default: console. */
  progress?: ProgressSink;
  /** JSON-lines history file of the cINN trainer. */
  historyPath?: string;
  /** Checkpoint folder of this model; absent: no checkpoints. */
  checkpointDir?: string;
  /** Checkpoint period in epochs (the last epoch is always saved). Default 1. */
  checkpointEveryNEpochs?: number;
  /** Continue from the checkpoint in `checkpointDir` when there is one. */
  resume?: boolean;
}

/** The estimator's name of each app model. */
const ESTIMATOR_MODEL: Readonly<Record<PosteriorModelKind, PosteriorModelName>> = {
  mmd: "inn-mmd",
  ml: "inn-ml",
  cinn: "cinn",
};

/**
 * The estimator of one app model, with the settings of the app's params (nothing left to the
 * estimator's size rule).
 * @param kind `mmd`, `ml` or `cinn`.
 * @param problem The problem (its prior).
 * @param config Architecture and training settings.
 * @returns The estimator, not fitted.
 */
export function posteriorEstimatorOf(
  kind: PosteriorModelKind,
  problem: InverseProblem,
  config: InnAppConfig,
): PosteriorEstimator {
  const settings: Partial<EstimatorSettings> = {
    batchSize: config.batchSize,
    maxEpochs: config.epochs,
    patience: config.earlyStoppingPatience,
    learningRate: config.learningRate,
    gradNormThresh: config.gradNormThresh,
    regLevel: config.regLevel,
    blocks: config.blocks,
    members: 1,
    coupling: "affine",
    hiddenLayers: [...config.hiddenLayers],
    embeddingLayers: [...config.conditionLayers],
    embeddingDim: config.contextDim,
    linearPath: false,
    logScaleClip: config.clamp,
    activation: config.activation,
    linearStart: config.linearStart ?? false,
    mmdWeights: { ...config.mmdWeights },
    sigmaY: config.sigmaY,
  };
  return new PosteriorEstimator({
    prior: problemPrior(problem),
    model: ESTIMATOR_MODEL[kind],
    settings,
    ...(config.whiten ? { scaling: "whiten" as const } : {}),
    regressionAdjust: kind === "cinn" && config.regressionAdjust
      ? { noiseDegree: config.regressionNoiseDegree ?? 0 }
      : false,
  });
}

function architectureOf(
  estimator: PosteriorEstimator,
  report: FitReport | null,
  extra: { whiten: boolean; regression: boolean },
): Record<string, unknown> {
  const network = estimator.network!;
  const scaling = {
    ...(extra.whiten ? { x_scale: "whitened" } : {}),
    ...(extra.regression ? { regression_adjusted: true } : {}),
  };
  if (network instanceof Cinn) {
    const o = network.options;
    return {
      dim_x: o.dimX,
      dim_y: o.dimY,
      blocks: o.blocks,
      hidden_layers: o.hiddenLayers,
      condition_layers: o.conditionHidden,
      context_dim: o.contextDim,
      ...(report ? { best_epoch: report.bestEpoch, stopped_early: report.stoppedEarly } : {}),
      ...scaling,
    };
  }
  const o = network.options;
  return {
    input: network.dimX > estimator.dimTheta ? "[x, noise]" : "x",
    dim_in: network.dimX,
    dim_y: network.dimY,
    dim_z: network.dimZ,
    width: network.layout.width,
    blocks: o.blocks,
    hidden_layers: o.hiddenLayers,
    ...(o.linearStart ? { linear_start: true } : {}),
    ...scaling,
  };
}

/** The noise inputs of a set's pairs, `σ·ε` per observation value. */
function noiseOf(pairs: SimulatedPairs, sigma: number): Float64Array {
  return Float64Array.from(pairs.eps, (e) => sigma * e);
}

/**
 * Builds and trains one posterior model on a training set: a {@link PosteriorEstimator} with
 * the settings of the app's params, fitted on the training pairs with the validation pairs
 * held out.
 * @param kind `mmd`, `ml` or `cinn`.
 * @param set Training and validation pairs.
 * @param config Architecture and training settings.
 * @param options Progress, history file, checkpoints.
 * @returns The trained model with a sampler in the problem's units.
 * @throws NonFiniteError when training diverges.
 */
export async function trainPosteriorModel(
  kind: PosteriorModelKind,
  set: TrainingSet,
  config: InnAppConfig,
  options: TrainModelOptions = {},
): Promise<TrainedPosterior> {
  const { problem } = set;
  const progress = options.progress ?? new ConsoleProgress();
  const seedOffset = { mmd: 11, ml: 23, cinn: 37 }[kind];
  const seed = config.seed + seedOffset;
  const backend = await currentBackend();
  const knobs = [
    `model_arch.inn_blocks = ${config.blocks}`,
    `inn_hidden_layers = ${JSON.stringify(config.hiddenLayers)}`,
  ];
  const say = (line: string) => progress.line(line);
  const network = {
    blocks: config.blocks,
    hiddenLayers: config.hiddenLayers,
    logScaleClip: config.clamp,
    activation: config.activation,
    regLevel: config.regLevel,
    seed,
  };
  const noise = kind !== "cinn" && usesNoiseInputs(problem, config);
  if (kind === "cinn") {
    const size = cinnModelSize({
      dimX: problem.dimX,
      dimY: problem.dimY,
      ...network,
      conditionHidden: config.conditionLayers,
      contextDim: config.contextDim,
    });
    checkModelFits(MODEL_LABELS[kind], size, config.batchSize, backend, [
      ...knobs,
      `cinn_condition_layers = ${JSON.stringify(config.conditionLayers)}`,
    ], say);
  } else {
    const size = innModelSize({
      ...innPosteriorArchitecture(problem.dimX, problem.dimY, noise, network),
      ...network,
    });
    checkModelFits(MODEL_LABELS[kind], size, config.batchSize, backend, knobs, say);
  }
  const estimator = posteriorEstimatorOf(kind, problem, config);
  try {
    const sigma = problem.noise ?? 0;
    const report = await estimator.fit(set.train.x, set.train.y, {
      seed,
      progress,
      validation: {
        theta: set.validation.x,
        x: set.validation.y,
        ...(noise ? { noise: noiseOf(set.validation, sigma) } : {}),
      },
      ...(noise ? { noise: noiseOf(set.train, sigma) } : {}),
      ...(options.checkpointDir
        ? {
          checkpoint: {
            dir: options.checkpointDir,
            everyNEpochs: options.checkpointEveryNEpochs ?? 1,
            resume: options.resume ?? false,
          },
        }
        : {}),
      ...(options.historyPath && kind === "cinn" ? { historyPath: options.historyPath } : {}),
    });
    return trainedOf(kind, estimator, report, config);
  } catch (e) {
    estimator.dispose();
    throw e;
  }
}

function trainedOf(
  kind: PosteriorModelKind,
  estimator: PosteriorEstimator,
  report: FitReport,
  config: { whiten?: boolean; regressionAdjust?: boolean },
): TrainedPosterior {
  const network = estimator.network!;
  return {
    kind,
    label: MODEL_LABELS[kind],
    estimator,
    sampler: new EstimatorSampler(estimator),
    network,
    trainSeconds: report.trainSeconds,
    steps: report.steps,
    history: (report.history ?? []).map((h) => ({
      epoch: h.epoch,
      loss: h.trainNll,
      ...(h.validationNll !== null ? { validationLoss: h.validationNll } : {}),
    })),
    numParameters: report.parameters,
    architecture: architectureOf(estimator, report, {
      whiten: config.whiten ?? false,
      regression: kind === "cinn" && (config.regressionAdjust ?? false),
    }),
    resumedFromEpoch: report.resumedFromEpoch,
    dispose: () => estimator.dispose(),
  };
}

/** What {@link savePosteriorModel} stores beside the estimator, under `posterior_model`. */
export interface PosteriorModelRecord {
  /** Which model. */
  kind: PosteriorModelKind;
  /** Display name. */
  label: string;
  /** The problem it was trained on. */
  problem: { name: string; dim_x: number; dim_y: number; noise: number };
  /** Training history. */
  history: TrainingEpoch[];
  /** Training wall time in seconds. */
  train_seconds: number;
  /** Optimizer steps. */
  steps: number;
  /** Trainable weights. */
  num_parameters: number;
  /** Partition and sizes. */
  architecture: Record<string, unknown>;
}

/**
 * Saves a trained posterior model — its estimator (network, scalings) and the training
 * record — to a folder (`model.json` + `weights.bin`, atomically), for
 * {@link loadPosteriorModel}.
 * @param trained The model.
 * @param problem The problem it was trained on (its name, widths and noise are checked on load).
 * @param dir Destination folder; replaced if it exists.
 * @param metadata Extra JSON stored alongside (e.g. the app and its params).
 */
export async function savePosteriorModel(
  trained: TrainedPosterior,
  problem: InverseProblem,
  dir: string,
  metadata: Record<string, unknown> = {},
): Promise<void> {
  const record: PosteriorModelRecord = {
    kind: trained.kind,
    label: trained.label,
    problem: {
      name: problem.name,
      dim_x: problem.dimX,
      dim_y: problem.dimY,
      noise: problem.noise ?? 0,
    },
    history: trained.history,
    train_seconds: trained.trainSeconds,
    steps: trained.steps,
    num_parameters: trained.numParameters,
    architecture: trained.architecture,
  };
  await trained.estimator.save(dir, { ...metadata, posterior_model: record });
}

/**
 * Loads a posterior model saved by {@link savePosteriorModel}, ready to sample
 * `p(x | y*)` in the problem's units.
 * @param dir The folder.
 * @param expect The kind it must be and the problem it must have been trained on.
 * @returns The model; `trainSeconds`, `steps` and `history` are those of its training.
 * @throws Error naming the folder when it is missing or malformed, holds another kind of
 *   model, or was trained on another problem (name, widths or noise level).
 */
export async function loadPosteriorModel(
  dir: string,
  expect: { kind: PosteriorModelKind; problem: InverseProblem },
): Promise<TrainedPosterior> {
  const where = join(dir, "model.json");
  const p = expect.problem;
  // The record is checked before the estimator is built, so a model of another problem is
  // named as such (its prior would not fit either).
  let saved: { metadata?: { posterior_model?: PosteriorModelRecord } } | null = null;
  try {
    saved = JSON.parse(await Deno.readTextFile(where));
  } catch {
    // loadPosteriorEstimator names the missing or unreadable file.
  }
  const r = saved?.metadata?.posterior_model;
  if (saved) {
    if (!r || typeof r !== "object" || !r.problem) {
      throw new Error(`${where} has no "posterior_model" record (problem, history)`);
    }
    if (r.kind !== expect.kind) {
      throw new Error(`${where} holds a ${r.kind} model, expected ${expect.kind}`);
    }
    const want = { name: p.name, dim_x: p.dimX, dim_y: p.dimY, noise: p.noise ?? 0 };
    for (const key of ["name", "dim_x", "dim_y", "noise"] as const) {
      if (r.problem[key] !== want[key]) {
        throw new Error(
          `${where} was trained on problem ${JSON.stringify(r.problem)}, but this run's problem ` +
            `is ${JSON.stringify(want)} (${key} differs): train it again or point run.model_dir ` +
            `at a model of this problem`,
        );
      }
    }
  }
  let estimator: PosteriorEstimator;
  try {
    estimator = await loadPosteriorEstimator(dir, { prior: problemPrior(p) });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(
      `${message}${saved ? " (saved by an earlier version of the apps? train it again)" : ""}`,
    );
  }
  try {
    const metadata = estimator.metadata;
    if (!r) throw new Error(`${where} has no "posterior_model" record (problem, history)`);
    const network = estimator.network!;
    return {
      kind: r.kind,
      label: MODEL_LABELS[r.kind],
      estimator,
      sampler: new EstimatorSampler(estimator),
      network,
      trainSeconds: r.train_seconds,
      steps: r.steps,
      history: r.history ?? [],
      numParameters: r.num_parameters,
      architecture: r.architecture ?? {},
      loadedFrom: dir,
      savedMetadata: metadata,
      dispose: () => estimator.dispose(),
    };
  } catch (err) {
    estimator.dispose();
    throw err;
  }
}
