/**
 * The INNs behind `PosteriorEstimator({ model: "inn-ml" | "inn-mmd" })`: one invertible
 * network maps the (standardized, unbounded) parameters — and, when the simulator's noise
 * draws are known, the noise as extra parameters — to the data and a standard normal latent,
 * `[u, ε] → [x̂, z]`. `ml` trains it by maximum likelihood with the data block `N(x, σ_y²)`
 * (Zhang & Curtis 2021); `mmd` by the bidirectional objective of Ardizzone et al. 2019 (a fit of
 * the data, MMD of the latent against a standard normal and of the parameters run backwards
 * against the training parameters). Posterior samples run it backwards with the data held at
 * the observation and `z ~ N(0, I)`; the noise columns of the result are dropped.
 *
 * With the noise as inputs the data are a deterministic function of the inputs and `σ_y`
 * only has to be small; without them `σ_y` is the data's noise (in standardized units) and
 * the latent has `dimTheta − dimX` values fewer than the parameters (padding fills the rest).
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { InnModel, type InnModelOptions } from "../inn/inn_model.ts";
import { innNegativeLogLikelihood, type MmdLossWeights } from "../inn/losses.ts";
import type { Activation } from "../nn/dense_network.ts";
import { type InnTrainingMode, trainInn } from "../inn/train_inn.ts";
import type { ProgressSink } from "../training/progress.ts";
import type { LearningRate } from "../training/schedule.ts";

/** What {@link trainInnPosterior} needs besides the data. */
export interface InnPosteriorTraining {
  /** The objective: maximum likelihood or the bidirectional MMD one. */
  mode: InnTrainingMode;
  /** Coupling blocks. */
  blocks: number;
  /** Hidden widths of every coupling network. */
  hiddenLayers: number[];
  /** L2 penalty on the network kernels. */
  regLevel: number;
  /** Soft clamp of the coupling log-scales. Default 2. */
  logScaleClip?: number;
  /** Activation of the coupling networks. Default `relu`. */
  activation?: Activation;
  /** End in a fixed affine map fitted to the first batch (`InnModelOptions.linearStart`). */
  linearStart?: boolean;
  /** `mmd`: weights of the loss terms. Default: those of `DEFAULT_MMD_LOSS_WEIGHTS`. */
  mmdWeights?: MmdLossWeights;
  /** `ml`: width of the Gaussian around the standardized data. */
  sigmaY: number;
  /** Passes over the training rows. */
  epochs: number;
  /** Rows per step. */
  batchSize: number;
  /** Adam's learning rate or schedule. */
  learningRate: LearningRate;
  /** Global gradient-norm clipping threshold. */
  gradNormThresh: number;
  /** Seed of the weights, shuffling and padding noise. */
  seed: number;
  /** Progress sink. */
  progress: ProgressSink;
  /** Checkpoints of the training (weights, optimizer, random state, history) and resume. */
  checkpoint?: { dir: string; everyNEpochs?: number; resume?: boolean };
}

/** Rows of the training and held-out parts, standardized, row-major float32. */
export interface InnPosteriorData {
  /** Number of rows. */
  rows: number;
  /** Parameters (unbounded, standardized), `n × dimTheta`. */
  theta: Float32Array;
  /** Data (standardized), `n × dimX`. */
  x: Float32Array;
  /** The noise draws of each row (standardized), `n × dimX`, or null. */
  noise: Float32Array | null;
}

/** A trained INN and what its training did. */
export interface InnPosteriorFit {
  /** The network. */
  inn: InnModel;
  /** Mean training loss per epoch (`ml`: NLL in nats per row, with the weight penalty). */
  history: number[];
  /** Mean NLL of the held-out rows after training (for either objective, with `σ_y`). */
  validationNll: number;
  /** Wall time of training, s. */
  seconds: number;
  /** Optimizer steps (of this run and the one it resumed). */
  steps: number;
  /** Epoch the training resumed after (0: fresh). */
  resumedFromEpoch: number;
}

/**
 * The trainers' checkpoint options (`trainFlow`, `trainInn`) for the estimator's
 * `checkpoint` option: none without it, every epoch unless said, no resume unless said.
 * @param checkpoint Folder, period and resume, or undefined.
 * @returns The options to spread into a trainer's schedule.
 * @example
 * ```ts
 * import { checkpointSchedule } from "./inn_posterior.ts";
 * checkpointSchedule({ dir: "ckpt" }); // { checkpointDir: "ckpt", checkpointEveryNEpochs: 1, resume: false }
 * ```
 */
export function checkpointSchedule(
  checkpoint: { dir: string; everyNEpochs?: number; resume?: boolean } | undefined,
): { checkpointDir?: string; checkpointEveryNEpochs?: number; resume?: boolean } {
  if (!checkpoint) return {};
  return {
    checkpointDir: checkpoint.dir,
    checkpointEveryNEpochs: checkpoint.everyNEpochs ?? 1,
    resume: checkpoint.resume ?? false,
  };
}

/**
 * The network's input rows: the parameters, followed by the noise when it is given.
 * @param theta `n × dimTheta` values.
 * @param noise `n × dimX` values, or null.
 * @param dimTheta Parameters per row.
 * @returns `n × (dimTheta + dimX)` rows, or `theta` itself without noise.
 * @example
 * ```ts
 * import { innPosteriorInputs } from "./inn_posterior.ts";
 * innPosteriorInputs(new Float32Array([1, 2]), new Float32Array([9]), 2); // [1, 2, 9]
 * ```
 */
export function innPosteriorInputs(
  theta: Float32Array,
  noise: Float32Array | null,
  dimTheta: number,
): Float32Array {
  if (!noise) return theta;
  const n = theta.length / dimTheta, m = noise.length / n, w = dimTheta + m;
  const out = new Float32Array(n * w);
  for (let i = 0; i < n; i++) {
    out.set(theta.subarray(i * dimTheta, (i + 1) * dimTheta), i * w);
    out.set(noise.subarray(i * m, (i + 1) * m), i * w + dimTheta);
  }
  return out;
}

/**
 * The architecture of the INN for `dimTheta` parameters, `dimX` data values and noise
 * inputs or not: the latent takes what the data leave of the input width.
 * @param dimTheta Parameters per row.
 * @param dimX Data per row.
 * @param noiseInputs Whether the noise is an input.
 * @param network Blocks, hidden widths, penalty and seed; optionally the clamp, the
 *   activation and a linear start.
 * @returns Options of {@link InnModel}.
 * @example
 * ```ts
 * import { innPosteriorArchitecture } from "./inn_posterior.ts";
 * innPosteriorArchitecture(441, 120, true, { blocks: 4, hiddenLayers: [256], regLevel: 0, seed: 1 }).dimZ; // 441
 * ```
 */
export function innPosteriorArchitecture(
  dimTheta: number,
  dimX: number,
  noiseInputs: boolean,
  network: {
    blocks: number;
    hiddenLayers: number[];
    regLevel: number;
    seed: number;
    logScaleClip?: number;
    activation?: Activation;
    linearStart?: boolean;
  },
): InnModelOptions {
  const dimIn = dimTheta + (noiseInputs ? dimX : 0);
  return {
    dimX: dimIn,
    dimY: dimX,
    dimZ: dimIn > dimX ? dimIn - dimX : dimTheta,
    blocks: network.blocks,
    hiddenLayers: [...network.hiddenLayers],
    regLevel: network.regLevel,
    seed: network.seed,
    ...(network.logScaleClip !== undefined ? { logScaleClip: network.logScaleClip } : {}),
    ...(network.activation !== undefined ? { activation: network.activation } : {}),
    ...(network.linearStart ? { linearStart: true } : {}),
  };
}

/**
 * Trains an INN on standardized rows and scores it on held-out ones.
 * @param train Training rows.
 * @param validation Held-out rows (their mean NLL is reported).
 * @param options Architecture and schedule.
 * @returns The network and its record.
 * @example
 * ```ts
 * import { trainInnPosterior } from "./inn_posterior.ts";
 * import { silentProgress } from "../training/progress.ts";
 * const theta = Float32Array.from({ length: 400 }, (_, i) => Math.sin(i));
 * const x = Float32Array.from({ length: 200 }, (_, i) => theta[2 * i] + theta[2 * i + 1]);
 * const rows = { rows: 200, theta, x, noise: null };
 * const fit = await trainInnPosterior(rows, rows, {
 *   mode: "ml",
 *   blocks: 2, hiddenLayers: [16], regLevel: 0, sigmaY: 0.1, epochs: 2, batchSize: 50,
 *   learningRate: 1e-3, gradNormThresh: 10, seed: 1, progress: silentProgress,
 * });
 * console.log(fit.history.length); // 2
 * fit.inn.dispose();
 * ```
 */
export async function trainInnPosterior(
  train: InnPosteriorData,
  validation: InnPosteriorData,
  options: InnPosteriorTraining,
): Promise<InnPosteriorFit> {
  checkRows(train, "training");
  checkRows(validation, "held-out");
  const dimTheta = train.theta.length / train.rows, dataWidth = train.x.length / train.rows;
  const inn = new InnModel(
    innPosteriorArchitecture(dimTheta, dataWidth, train.noise !== null, options),
  );
  try {
    const r = await trainInn(inn, {
      x: innPosteriorInputs(train.theta, train.noise, dimTheta),
      y: train.x,
    }, {
      mode: options.mode,
      epochs: options.epochs,
      batchSize: options.batchSize,
      learningRate: options.learningRate,
      gradNormThresh: options.gradNormThresh,
      ...(options.mode === "ml"
        ? { sigmaY: options.sigmaY }
        : options.mmdWeights
        ? { weights: options.mmdWeights }
        : {}),
      seed: options.seed,
      progress: options.progress,
      ...checkpointSchedule(options.checkpoint),
    });
    const validationNll = heldOutNll(inn, validation, dimTheta, options);
    return {
      inn,
      history: r.history.map((h) => h.loss),
      validationNll,
      seconds: r.wallSeconds,
      steps: r.steps,
      resumedFromEpoch: r.resumedFromEpoch,
    };
  } catch (e) {
    inn.dispose();
    throw e;
  }
}

/** Throws unless the parts of a data set hold whole rows. */
function checkRows(data: InnPosteriorData, what: string): void {
  const ok = (values: Float32Array | null) =>
    values === null || (values.length % data.rows === 0 && values.length > 0);
  if (!(data.rows > 0) || !ok(data.theta) || !ok(data.x) || !ok(data.noise)) {
    throw new Error(
      `The ${what} rows do not fit: ${data.rows} rows, ${data.theta.length} parameter, ` +
        `${data.x.length} data and ${data.noise?.length ?? 0} noise values`,
    );
  }
  if (data.noise && data.noise.length !== data.x.length) {
    throw new Error(
      `The ${what} noise holds ${data.noise.length} values for ${data.x.length} data values`,
    );
  }
}

/** Mean NLL of held-out rows, in batches. */
function heldOutNll(
  inn: InnModel,
  data: InnPosteriorData,
  dimTheta: number,
  options: InnPosteriorTraining,
): number {
  const rows = data.rows;
  const inputs = innPosteriorInputs(data.theta, data.noise, dimTheta);
  const w = inn.dimX, m = inn.dimY;
  let sum = 0;
  for (let start = 0; start < rows; start += 1024) {
    const k = Math.min(1024, rows - start);
    sum += tf.tidy(() =>
      tf.sum(
        innNegativeLogLikelihood(
          inn,
          tf.tensor2d(inputs.subarray(start * w, (start + k) * w), [k, w]),
          tf.tensor2d(data.x.subarray(start * m, (start + k) * m), [k, m]),
          { sigmaY: options.sigmaY, seed: options.seed + 1 },
        ),
      ).dataSync()[0]
    );
  }
  return sum / rows;
}
