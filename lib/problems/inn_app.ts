/**
 * The shared machinery of the INN applications (4–7), generic over an
 * {@link ./problem.ts InverseProblem}: simulate training pairs, build the
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
import type { tf } from "../tf.ts";
import { Cinn, trainCinn } from "../inn/cinn.ts";
import { InnModel } from "../inn/inn_model.ts";
import type { PosteriorOptions, PosteriorSampler } from "../inn/posterior.ts";
import { trainInn } from "../inn/train_inn.ts";
import type { Params } from "../params/mod.ts";
import type { LearningRate } from "../training/schedule.ts";
import { ConsoleProgress, type ProgressSink } from "../training/progress.ts";
import type { Activation } from "../nn/dense_network.ts";
import { type InverseProblem, type SimulatedPairs, simulatePairs } from "./problem.ts";
import { Standardizer } from "./standardizer.ts";

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
 * @returns Pairs and standardizers fitted to the training pairs.
 * @example
 * ```ts
 * import { LinearIllConditioned } from "./linear_ill_conditioned.ts";
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
): TrainingSet {
  if (!Number.isInteger(numTrain) || numTrain < 2) {
    throw new Error(`Training pairs must be an integer ≥ 2, got ${numTrain}`);
  }
  if (!Number.isInteger(numValidation) || numValidation < 1) {
    throw new Error(`Validation pairs must be a positive integer, got ${numValidation}`);
  }
  const all = simulatePairs(problem, numTrain + numValidation, seed);
  const train = slicePairs(all, problem, 0, numTrain);
  const validation = slicePairs(all, problem, numTrain, numTrain + numValidation);
  return {
    problem,
    train,
    validation,
    xScale: Standardizer.fit(train.x, problem.dimX),
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
  if (!noiseInputs) return x;
  const { dimX, dimY } = set.problem;
  const n = x.length / dimX, w = dimX + dimY;
  const out = new Float32Array(n * w);
  for (let i = 0; i < n; i++) {
    out.set(x.subarray(i * dimX, (i + 1) * dimX), i * w);
    for (let j = 0; j < dimY; j++) out[i * w + dimX + j] = pairs.eps[i * dimY + j];
  }
  return out;
}

/**
 * A posterior sampler in the problem's units around one trained on
 * standardized values: standardizes `y*`, samples, keeps the first `dimX`
 * columns (dropping noise inputs), and maps them back.
 */
export class StandardizedPosterior implements PosteriorSampler {
  readonly #inner: PosteriorSampler;
  readonly #xScale: Standardizer;
  readonly #yScale: Standardizer;

  /**
   * @param inner The sampler on standardized values (its `dimX` may include noise inputs).
   * @param xScale Standardization of the parameters.
   * @param yScale Standardization of the observations.
   */
  constructor(inner: PosteriorSampler, xScale: Standardizer, yScale: Standardizer) {
    if (inner.dimY !== yScale.dims || inner.dimX < xScale.dims) {
      throw new Error(
        `The sampler's widths (x ${inner.dimX}, y ${inner.dimY}) do not fit the ` +
          `standardizers (x ${xScale.dims}, y ${yScale.dims})`,
      );
    }
    this.#inner = inner;
    this.#xScale = xScale;
    this.#yScale = yScale;
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
    const raw = await this.#inner.posterior(this.#yScale.apply(yObserved), nSamples, options);
    const w = this.#inner.dimX, d = this.dimX;
    const x = new Float32Array(nSamples * d);
    for (let i = 0; i < nSamples; i++) x.set(raw.subarray(i * w, i * w + d), i * d);
    return this.#xScale.invert(x);
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
  /** Frees the network. */
  dispose(): void;
}

/** Options of {@link trainPosteriorModel}. */
export interface TrainModelOptions {
  /** Progress sink. Default: console. */
  progress?: ProgressSink;
  /** JSON-lines history file of the cINN trainer. */
  historyPath?: string;
}

function countParameters(vars: tf.Variable[]): number {
  return vars.reduce((a, v) => a + v.size, 0);
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
  };
  const network = {
    blocks: config.blocks,
    hiddenLayers: config.hiddenLayers,
    logScaleClip: config.clamp,
    activation: config.activation,
    regLevel: config.regLevel,
    seed,
  };
  if (kind === "cinn") {
    const cinn = new Cinn({
      dimX: problem.dimX,
      dimY: problem.dimY,
      ...network,
      conditionHidden: config.conditionLayers,
      contextDim: config.contextDim,
    });
    try {
      const r = await trainCinn(cinn, { x: set.xScale.apply(set.train.x), y }, {
        ...schedule,
        validation: {
          x: set.xScale.apply(set.validation.x),
          y: set.yScale.apply(set.validation.y),
        },
        earlyStoppingPatience: config.earlyStoppingPatience,
        ...(options.historyPath ? { historyPath: options.historyPath } : {}),
      });
      return {
        kind,
        label: MODEL_LABELS[kind],
        sampler: new StandardizedPosterior(cinn, set.xScale, set.yScale),
        network: cinn,
        trainSeconds: r.wallSeconds,
        steps: r.steps,
        history: r.history.map((h) => ({
          epoch: h.epoch,
          loss: h.trainNll,
          ...(h.valNll !== undefined ? { validationLoss: h.valNll } : {}),
        })),
        numParameters: countParameters(cinn.trainableVariables()),
        architecture: {
          dim_x: problem.dimX,
          dim_y: problem.dimY,
          blocks: config.blocks,
          hidden_layers: config.hiddenLayers,
          condition_layers: config.conditionLayers,
          context_dim: config.contextDim,
          best_epoch: r.bestEpoch,
          stopped_early: r.stoppedEarly,
        },
        dispose: () => cinn.dispose(),
      };
    } catch (e) {
      cinn.dispose();
      throw e;
    }
  }
  const noise = usesNoiseInputs(problem, config);
  const dimIn = problem.dimX + (noise ? problem.dimY : 0);
  const dimZ = dimIn > problem.dimY ? dimIn - problem.dimY : problem.dimX;
  const inn = new InnModel({ dimX: dimIn, dimY: problem.dimY, dimZ, ...network });
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
        input: noise ? "[x, noise]" : "x",
        dim_in: dimIn,
        dim_y: problem.dimY,
        dim_z: dimZ,
        width: inn.layout.width,
        blocks: config.blocks,
        hidden_layers: config.hiddenLayers,
        final_terms: r.history[r.history.length - 1]?.terms ?? {},
      },
      dispose: () => inn.dispose(),
    };
  } catch (e) {
    inn.dispose();
    throw e;
  }
}
