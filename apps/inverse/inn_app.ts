/**
 * The shared machinery of the INN applications (4–7), generic over an
 * {@link ../../lib/problems/problem.ts InverseProblem}: simulate training pairs, build the
 * three posterior models from params — the INN of Ardizzone et al. trained
 * with MMD losses (`mmd`), the same INN trained by maximum likelihood
 * (`ml`, Zhang & Curtis 2021), and the conditional INN (`cinn`) — train
 * them, sample `p(x | y*)` in the problem's units, and compare the samples
 * with the problem's reference posterior.
 *
 * The networks see standardized parameters and observations (column means
 * and stds of the training pairs). When the problem has observation noise
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
import type { tf } from "../../lib/core/tf.ts";
import { Cinn, cinnModelSize } from "../../lib/inn/cinn.ts";
import { currentBackend } from "../../lib/kernels/mod.ts";
import { checkModelFits } from "../common/model_size.ts";
import { InnModel, innModelSize } from "../../lib/inn/inn_model.ts";
import { loadInnNetwork, saveInnNetwork } from "../../lib/inn/inn_io.ts";
import type { PosteriorOptions, PosteriorSampler } from "../../lib/inn/posterior.ts";
import { trainInn } from "../../lib/inn/train_inn.ts";
import { pairedDataSource } from "../../lib/inn/paired_data.ts";
import { innPosteriorArchitecture, innPosteriorInputs } from "../../lib/posterior/inn_posterior.ts";
import { trainFlow } from "../../lib/training/trainer.ts";
import type { Params } from "../../lib/params/mod.ts";
import type { LearningRate } from "../../lib/training/schedule.ts";
import { ConsoleProgress, type ProgressSink } from "../../lib/training/progress.ts";
import type { Activation } from "../../lib/nn/dense_network.ts";
import {
  type InverseProblem,
  type SimulatedPairs,
  simulatePairs,
} from "../../lib/problems/problem.ts";
import { Standardizer } from "../../lib/problems/standardizer.ts";
import { scaleFromJSON, Whitening } from "../../lib/problems/whitening.ts";
import {
  RegressionAdjustment,
  type RegressionAdjustmentJson,
} from "../../lib/problems/regression_adjustment.ts";

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

/** Simulated training and validation pairs with the standardization fitted to them. */
export interface TrainingSet {
  /** The problem they were simulated from. */
  problem: InverseProblem;
  /** Training pairs. */
  train: SimulatedPairs;
  /** Validation pairs (cINN early stopping). */
  validation: SimulatedPairs;
  /** Standardization of the parameters. */
  xScale: Standardizer;
  /** Standardization of the observations. */
  yScale: Standardizer;
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
 * @param options `whiten`: fit a {@link Whitening} of the parameters instead of a
 *   per-column {@link Standardizer}.
 * @returns Pairs and standardizers fitted to the training pairs.
 * @example
 * ```ts
 * import { LinearIllConditioned } from "../../lib/problems/linear_ill_conditioned.ts";
 * import { prepareTrainingSet } from "./inn_app.ts";
 * const set = prepareTrainingSet(new LinearIllConditioned(), 1000, 200, 1);
 * console.log(set.xScale.mean.length); // 3
 * ```
 */
export function prepareTrainingSet(
  problem: InverseProblem,
  numTrain: number,
  numValidation: number,
  seed: number,
  options: { whiten?: boolean } = {},
): TrainingSet {
  checkPairCounts(numTrain, numValidation);
  const all = simulatePairs(problem, numTrain + numValidation, seed);
  return trainingSetOf(
    problem,
    slicePairs(all, problem, 0, numTrain),
    slicePairs(all, problem, numTrain, numTrain + numValidation),
    options,
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
 * A training set of simulated pairs, with the scalings fitted to the training pairs.
 * @param problem The problem the pairs belong to (its `dimX` and `dimY` are the pairs' widths).
 * @param train Training pairs.
 * @param validation Validation pairs.
 * @param options `whiten`: a {@link Whitening} of the parameters instead of a per-column {@link Standardizer}.
 * @returns The set.
 */
export function trainingSetOf(
  problem: InverseProblem,
  train: SimulatedPairs,
  validation: SimulatedPairs,
  options: { whiten?: boolean } = {},
): TrainingSet {
  return {
    problem,
    train,
    validation,
    xScale: (options.whiten ? Whitening : Standardizer).fit(train.x, problem.dimX),
    yScale: Standardizer.fit(train.y, problem.dimY),
  };
}

/** Whether the INN of this problem gets noise inputs `[x, ε]`. */
export function usesNoiseInputs(
  problem: InverseProblem,
  config: { noiseInputs: boolean },
): boolean {
  return config.noiseInputs && (problem.noise ?? 0) > 0;
}

/**
 * The INN's input rows: standardized `x`, followed by `ε` when noise inputs are used.
 * @param set Training set (for the standardizer).
 * @param pairs Pairs to convert.
 * @param noiseInputs Whether to append the noise draws.
 * @returns Row-major float32 rows.
 */
export function innInputs(
  set: TrainingSet,
  pairs: SimulatedPairs,
  noiseInputs: boolean,
): Float32Array {
  const x = set.xScale.apply(pairs.x);
  return innPosteriorInputs(x, noiseInputs ? Float32Array.from(pairs.eps) : null, set.problem.dimX);
}

/**
 * A posterior sampler in the problem's units around one trained on
 * standardized values: standardizes `y*`, samples, keeps the first `dimX`
 * columns (dropping noise inputs), adds back the regression prediction when the
 * network models regression residuals, and maps them back.
 */
export class StandardizedPosterior implements PosteriorSampler {
  readonly #inner: PosteriorSampler;
  readonly #xScale: Standardizer;
  readonly #yScale: Standardizer;
  readonly #regression: RegressionAdjustment | undefined;

  /**
   * @param inner The sampler on standardized values (its `dimX` may include noise inputs).
   * @param xScale Standardization of the parameters.
   * @param yScale Standardization of the observations.
   * @param regression When the network models residuals of this regression of the
   *   standardized parameters on the standardized observation.
   */
  constructor(
    inner: PosteriorSampler,
    xScale: Standardizer,
    yScale: Standardizer,
    regression?: RegressionAdjustment,
  ) {
    if (inner.dimY !== yScale.dims || inner.dimX < xScale.dims) {
      throw new Error(
        `The sampler's widths (x ${inner.dimX}, y ${inner.dimY}) do not fit the ` +
          `standardizers (x ${xScale.dims}, y ${yScale.dims})`,
      );
    }
    if (regression && (regression.dimX !== xScale.dims || regression.dimC !== yScale.dims)) {
      throw new Error(
        `The regression adjustment's widths (x ${regression.dimX}, y ${regression.dimC}) do ` +
          `not fit the standardizers (x ${xScale.dims}, y ${yScale.dims})`,
      );
    }
    this.#inner = inner;
    this.#xScale = xScale;
    this.#yScale = yScale;
    this.#regression = regression;
  }

  get dimX(): number {
    return this.#xScale.dims;
  }

  get dimY(): number {
    return this.#yScale.dims;
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
    const y = this.#yScale.apply(yObserved);
    const raw = await this.#inner.posterior(y, nSamples, options);
    const w = this.#inner.dimX, d = this.dimX;
    const x = new Float32Array(nSamples * d);
    for (let i = 0; i < nSamples; i++) x.set(raw.subarray(i * w, i * w + d), i * d);
    return this.#xScale.invert(this.#regression ? this.#regression.restore(x, y) : x);
  }
}

/** One epoch of a model's training, in a common form. */
export interface TrainingEpoch {
  /** 1-based epoch. */
  epoch: number;
  /** Mean training loss (MMD: weighted total; ML and cINN: NLL in nats per pair). */
  loss: number;
  /** Validation NLL (cINN only). */
  validationLoss?: number;
}

/** A trained posterior model. */
export interface TrainedPosterior {
  /** Which model. */
  kind: PosteriorModelKind;
  /** Display name. */
  label: string;
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
  /** Standardization of the parameters the network was trained with. */
  xScale: Standardizer;
  /** Standardization of the observations the network was trained with. */
  yScale: Standardizer;
  /** The regression whose residuals the network models (cINN with `regressionAdjust`). */
  xRegression?: RegressionAdjustment;
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

function countParameters(vars: tf.Variable[]): number {
  return vars.reduce((a, v) => a + v.size, 0);
}

function cinnArchitecture(
  cinn: Cinn,
  run: { bestEpoch: number; stoppedEarly: boolean },
): Record<string, unknown> {
  const o = cinn.options;
  return {
    dim_x: o.dimX,
    dim_y: o.dimY,
    blocks: o.blocks,
    hidden_layers: o.hiddenLayers,
    condition_layers: o.conditionHidden,
    context_dim: o.contextDim,
    best_epoch: run.bestEpoch,
    stopped_early: run.stoppedEarly,
  };
}

function innArchitecture(inn: InnModel, dimX: number): Record<string, unknown> {
  const o = inn.options;
  return {
    input: inn.dimX > dimX ? "[x, noise]" : "x",
    dim_in: inn.dimX,
    dim_y: inn.dimY,
    dim_z: inn.dimZ,
    width: inn.layout.width,
    blocks: o.blocks,
    hidden_layers: o.hiddenLayers,
    ...(o.linearStart ? { linear_start: true } : {}),
  };
}

/**
 * Builds and trains one posterior model on a training set.
 * @param kind `mmd`, `ml` or `cinn`.
 * @param set Training and validation pairs with their standardizers.
 * @param config Architecture and training settings.
 * @param options Progress and history file.
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
  const y = set.yScale.apply(set.train.y);
  const schedule = {
    epochs: config.epochs,
    batchSize: config.batchSize,
    learningRate: config.learningRate,
    gradNormThresh: config.gradNormThresh,
    seed: seed + 1,
    progress,
    ...(options.checkpointDir
      ? {
        checkpointDir: options.checkpointDir,
        checkpointEveryNEpochs: options.checkpointEveryNEpochs ?? 1,
        resume: options.resume ?? false,
      }
      : {}),
  };
  const network = {
    blocks: config.blocks,
    hiddenLayers: config.hiddenLayers,
    logScaleClip: config.clamp,
    activation: config.activation,
    regLevel: config.regLevel,
    seed,
  };
  const backend = await currentBackend();
  const knobs = [
    `model_arch.inn_blocks = ${config.blocks}`,
    `inn_hidden_layers = ${JSON.stringify(config.hiddenLayers)}`,
  ];
  const say = (line: string) => progress.line(line);
  if (kind === "cinn") {
    const cinnOptions = {
      dimX: problem.dimX,
      dimY: problem.dimY,
      ...network,
      conditionHidden: config.conditionLayers,
      contextDim: config.contextDim,
    };
    checkModelFits(MODEL_LABELS[kind], cinnModelSize(cinnOptions), config.batchSize, backend, [
      ...knobs,
      `cinn_condition_layers = ${JSON.stringify(config.conditionLayers)}`,
    ], say);
    const cinn = new Cinn(cinnOptions);
    try {
      // Maximum likelihood of x given y: examples x, context y. The cINN has no
      // batch normalization, so there are no statistics to recompute after each epoch.
      // With regressionAdjust the flow models x − (W y + b), the residual of the linear
      // regression of the standardized x on the standardized y (a shift for each y).
      const xTrain = set.xScale.apply(set.train.x);
      const xVal = set.xScale.apply(set.validation.x);
      const yVal = set.yScale.apply(set.validation.y);
      const regression = config.regressionAdjust
        ? RegressionAdjustment.fit(xTrain, y, {
          dimX: problem.dimX,
          dimC: problem.dimY,
          noiseDegree: config.regressionNoiseDegree ?? 0,
        })
        : undefined;
      const r = await trainFlow(
        cinn,
        pairedDataSource({ x: regression ? regression.residual(xTrain, y) : xTrain, y }, cinn),
        {
          ...schedule,
          statisticsExamples: 0,
          validation: pairedDataSource({
            x: regression ? regression.residual(xVal, yVal) : xVal,
            y: yVal,
          }, cinn),
          earlyStoppingPatience: config.earlyStoppingPatience,
          ...(options.historyPath ? { historyPath: options.historyPath } : {}),
        },
      );
      return {
        kind,
        label: MODEL_LABELS[kind],
        sampler: new StandardizedPosterior(cinn, set.xScale, set.yScale, regression),
        network: cinn,
        trainSeconds: r.wallSeconds,
        steps: r.steps,
        history: r.history.map((h) => ({
          epoch: h.epoch,
          loss: h.trainNll,
          ...(h.valNll !== undefined ? { validationLoss: h.valNll } : {}),
        })),
        numParameters: countParameters(cinn.bijector.trainableVariables()),
        architecture: {
          ...cinnArchitecture(cinn, {
            bestEpoch: r.bestEpoch,
            stoppedEarly: r.stoppedEarly,
          }),
          ...(set.xScale instanceof Whitening ? { x_scale: "whitened" } : {}),
          ...(regression ? { regression_adjusted: true } : {}),
        },
        resumedFromEpoch: r.resumedFromEpoch,
        xScale: set.xScale,
        yScale: set.yScale,
        ...(regression ? { xRegression: regression } : {}),
        dispose: () => cinn.dispose(),
      };
    } catch (e) {
      cinn.dispose();
      throw e;
    }
  }
  const noise = usesNoiseInputs(problem, config);
  const innOptions = {
    ...innPosteriorArchitecture(problem.dimX, problem.dimY, noise, network),
    ...network,
    ...(config.linearStart ? { linearStart: true } : {}),
  };
  checkModelFits(
    MODEL_LABELS[kind],
    innModelSize(innOptions),
    config.batchSize,
    backend,
    knobs,
    say,
  );
  const inn = new InnModel(innOptions);
  try {
    const r = await trainInn(inn, { x: innInputs(set, set.train, noise), y }, {
      ...schedule,
      mode: kind,
      ...(kind === "mmd" ? { weights: config.mmdWeights } : { sigmaY: config.sigmaY }),
    });
    return {
      kind,
      label: MODEL_LABELS[kind],
      sampler: new StandardizedPosterior(inn, set.xScale, set.yScale),
      network: inn,
      trainSeconds: r.wallSeconds,
      steps: r.steps,
      history: r.history.map((h) => ({ epoch: h.epoch, loss: h.loss })),
      numParameters: countParameters(inn.trainableVariables()),
      architecture: {
        ...innArchitecture(inn, problem.dimX),
        final_terms: r.history[r.history.length - 1]?.terms ?? {},
      },
      resumedFromEpoch: r.resumedFromEpoch,
      xScale: set.xScale,
      yScale: set.yScale,
      dispose: () => inn.dispose(),
    };
  } catch (e) {
    inn.dispose();
    throw e;
  }
}

/** What {@link savePosteriorModel} stores beside the weights, under `posterior_model`. */
export interface PosteriorModelRecord {
  /** Which model. */
  kind: PosteriorModelKind;
  /** Display name. */
  label: string;
  /** The problem it was trained on. */
  problem: { name: string; dim_x: number; dim_y: number; noise: number };
  /** Standardization of the parameters. */
  x_scale: { mean: number[]; std: number[] };
  /** Standardization of the observations. */
  y_scale: { mean: number[]; std: number[] };
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
  /** The regression whose residuals a regression-adjusted cINN models. */
  x_regression?: RegressionAdjustmentJson;
}

/**
 * Saves a trained posterior model — network, standardizers and training record — to a
 * folder (`model.json` + `weights.bin`, atomically), for {@link loadPosteriorModel}.
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
    x_scale: trained.xScale.toJSON(),
    y_scale: trained.yScale.toJSON(),
    history: trained.history,
    train_seconds: trained.trainSeconds,
    steps: trained.steps,
    num_parameters: trained.numParameters,
    architecture: trained.architecture,
    ...(trained.xRegression ? { x_regression: trained.xRegression.toJSON() } : {}),
  };
  await saveInnNetwork(trained.network, dir, { ...metadata, posterior_model: record });
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
  const { network, metadata } = await loadInnNetwork(dir);
  try {
    const where = join(dir, "model.json");
    const r = metadata.posterior_model as PosteriorModelRecord | undefined;
    if (!r || typeof r !== "object" || !r.x_scale || !r.y_scale || !r.problem) {
      throw new Error(`${where} has no "posterior_model" record (standardizers, problem)`);
    }
    if (r.kind !== expect.kind) {
      throw new Error(`${where} holds a ${r.kind} model, expected ${expect.kind}`);
    }
    const p = expect.problem;
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
    const xScale = scaleFromJSON(r.x_scale);
    const yScale = scaleFromJSON(r.y_scale);
    const regression = r.x_regression ? new RegressionAdjustment(r.x_regression) : undefined;
    return {
      kind: r.kind,
      label: MODEL_LABELS[r.kind],
      sampler: new StandardizedPosterior(network, xScale, yScale, regression),
      network,
      trainSeconds: r.train_seconds,
      steps: r.steps,
      history: r.history ?? [],
      numParameters: countParameters(network.bijector.trainableVariables()),
      architecture: r.architecture ?? {},
      loadedFrom: dir,
      savedMetadata: metadata,
      xScale,
      yScale,
      ...(regression ? { xRegression: regression } : {}),
      dispose: () => network.dispose(),
    };
  } catch (err) {
    network.dispose();
    throw err;
  }
}
