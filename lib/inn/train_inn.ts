/**
 * Trains an {@link ./inn_model.ts InnModel} on pairs `(x, y)` with either
 * objective of {@link ./losses.ts}: `mode: "mmd"`, the bidirectional
 * training of Ardizzone et al. 2019 (L2 fit of `y`, forward MMD on `[y, z]`,
 * backward MMD on `x` with a ramp-up of the backward weights, padding
 * penalty), or `mode: "ml"`, the maximum-likelihood training of Zhang &
 * Curtis 2021. Adam with the toolkit's learning-rate schedules, global
 * gradient-norm clipping, a NaN/Inf guard that names the step, progress
 * through a {@link ../training/progress.ts ProgressSink} and one history
 * record per epoch; optional checkpoints (model, optimizer moments, random
 * state and history, written atomically) and resume from the latest one.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { Rng } from "../core/random.ts";
import { Adam } from "../training/adam.ts";
import { ConsoleProgress, type ProgressSink } from "../training/progress.ts";
import { type LearningRate, learningRateAt, validateLearningRate } from "../training/schedule.ts";
import { NonFiniteError } from "../training/trainer.ts";
import { loadCheckpoint, saveCheckpoint } from "../training/checkpoint.ts";
import type { InnModel } from "./inn_model.ts";
import { createLossStep } from "../training/loss_step.ts";
import { type PairedData, pairedDataSource } from "./paired_data.ts";
import type { FlowBatch } from "../training/data_source.ts";
import { innMaxLikelihoodLoss, innMmdLoss, type LossTerms, type MmdLossWeights } from "./losses.ts";

/** Training objectives of {@link trainInn}. */
export type InnTrainingMode = "mmd" | "ml";

/** Exponential ramp of the backward weights from `from` to 1 over `steps` optimizer steps. */
export interface BackwardRamp {
  /** Steps until full weight; 0 disables the ramp. */
  steps: number;
  /** Initial factor in (0, 1]. Default 0.01. */
  from?: number;
}

/** Settings of {@link trainInn}. */
export interface InnTrainOptions {
  /** `mmd` (Ardizzone et al. 2019, default) or `ml` (Zhang & Curtis 2021). */
  mode?: InnTrainingMode;
  /** Passes over the data. */
  epochs: number;
  /** Pairs per step. */
  batchSize: number;
  /** Constant rate or `[initial, decay_steps, decay_rate]`. */
  learningRate: LearningRate;
  /** Seed of shuffling, latent draws and noise. */
  seed: number;
  /** Global gradient-norm threshold; 0 or absent: no clipping. */
  gradNormThresh?: number;
  /** `mmd`: loss weights. */
  weights?: MmdLossWeights;
  /** `mmd`: ramp of the backward terms. Default: from 0.01 over the first quarter of the steps. */
  backwardRamp?: BackwardRamp;
  /** `mmd`: noise added to `y` in the backward pass. Default 0. */
  yNoise?: number;
  /** `mmd`: forward MMD kernel widths. */
  latentWidths?: readonly number[];
  /** `mmd`: backward MMD kernel widths. */
  backwardWidths?: readonly number[];
  /** `ml`: width `σ_y` of the Gaussian around the observations. Default 0.05. */
  sigmaY?: number;
  /** Noise in the padding fed to the network. Default 0; for `ml` with `x` padded, 0.01. */
  padNoise?: number;
  /** Progress sink. Default: {@link ConsoleProgress}. */
  progress?: ProgressSink;
  /** Where checkpoints go (`<dir>/latest`); absent: no checkpoints. */
  checkpointDir?: string;
  /** Checkpoint period in epochs (the last epoch is always saved). Default 1. */
  checkpointEveryNEpochs?: number;
  /**
   * Continue from the checkpoint in `checkpointDir` if there is one: weights, optimizer
   * moments, random state and history are restored and training goes on from the next
   * epoch up to `epochs`. Run it with the options of the interrupted run.
   */
  resume?: boolean;
}

/** One epoch of {@link trainInn}'s history. */
export interface InnEpochRecord {
  /** 1-based epoch. */
  epoch: number;
  /** Optimizer steps so far. */
  step: number;
  /** Mean total loss of the epoch (for `ml`: NLL in nats per pair, plus any weight penalty). */
  loss: number;
  /** Mean of each unweighted loss part. */
  terms: Record<string, number>;
  /** Backward ramp factor at the end of the epoch (`mmd`; 1 for `ml`). */
  backwardFactor: number;
  /** Learning rate at the end of the epoch. */
  learningRate: number;
  /** Mean global gradient norm before clipping. */
  gradNorm: number;
  /** Seconds since the start. */
  seconds: number;
}

/** What {@link trainInn} returns. */
export interface InnTrainResult {
  /** One record per epoch. */
  history: InnEpochRecord[];
  /** Optimizer steps. */
  steps: number;
  /** Wall time in seconds. */
  wallSeconds: number;
  /** Mean milliseconds per optimizer step (of this run). */
  msPerStep: number;
  /** Epoch the run resumed after (0 when fresh). */
  resumedFromEpoch: number;
}

/**
 * The backward ramp factor at a step.
 * @param ramp Steps and initial factor.
 * @param step 0-based optimizer step.
 * @returns `from^(1 − step/steps)`, and 1 from `steps` on.
 * @example
 * ```ts
 * import { backwardRampFactor } from "./train_inn.ts";
 * backwardRampFactor({ steps: 100, from: 0.01 }, 50); // 0.1
 * ```
 */
export function backwardRampFactor(ramp: BackwardRamp, step: number): number {
  if (ramp.steps <= 0 || step >= ramp.steps) return 1;
  return Math.pow(ramp.from ?? 0.01, 1 - step / ramp.steps);
}

function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, got ${value}`);
  }
}

function validate(model: InnModel, options: InnTrainOptions): void {
  const mode = options.mode ?? "mmd";
  if (mode !== "mmd" && mode !== "ml") throw new Error(`mode must be "mmd" or "ml", got ${mode}`);
  checkPositiveInteger("epochs", options.epochs);
  checkPositiveInteger("batchSize", options.batchSize);
  validateLearningRate(options.learningRate);
  if (mode === "ml" && model.layout.padX > 0 && options.padNoise === 0) {
    throw new Error(
      `Maximum-likelihood training needs padNoise > 0 when x is padded (padX=${model.layout.padX})`,
    );
  }
  const every = options.checkpointEveryNEpochs ?? 1;
  if (!Number.isInteger(every) || every < 0) {
    throw new Error(`checkpointEveryNEpochs must be an integer ≥ 0, got ${every}`);
  }
  const from = options.backwardRamp?.from ?? 0.01;
  if (!(from > 0 && from <= 1)) throw new Error(`backwardRamp.from must be in (0, 1], got ${from}`);
}

function withPenalty(model: InnModel, terms: LossTerms): LossTerms {
  const penalty = model.bijector.regularization();
  return penalty ? { total: tf.add(terms.total, penalty) as tf.Scalar, terms: terms.terms } : terms;
}

/**
 * Trains an INN on paired data by the bidirectional MMD objective or by maximum likelihood.
 * @param model The INN (its variables are updated in place).
 * @param data Pairs `(x, y)`, row-major.
 * @param options Objective, schedule, clipping, loss settings, seed.
 * @returns One record per epoch and timings.
 * @throws NonFiniteError naming the epoch and step when the loss or gradients stop being finite.
 * @example
 * ```ts
 * import { silentProgress } from "../training/progress.ts";
 * import { InnModel } from "./inn_model.ts";
 * import { trainInn } from "./train_inn.ts";
 * const inn = new InnModel({ dimX: 2, dimY: 1, dimZ: 1, blocks: 2, hiddenLayers: [16], seed: 1 });
 * const x = Float32Array.from({ length: 512 }, (_, i) => Math.sin(i));
 * const y = Float32Array.from({ length: 256 }, (_, i) => x[2 * i] + x[2 * i + 1]);
 * const r = await trainInn(inn, { x, y }, {
 *   mode: "ml", epochs: 2, batchSize: 64, learningRate: 1e-3, seed: 1, progress: silentProgress,
 * });
 * console.log(r.history.length); // 2
 * ```
 */
export async function trainInn(
  model: InnModel,
  data: PairedData,
  options: InnTrainOptions,
): Promise<InnTrainResult> {
  validate(model, options);
  const mode = options.mode ?? "mmd";
  const { width, padX } = model.layout;
  const source = pairedDataSource(data, model.layout);
  const n = source.size;
  const progress = options.progress ?? new ConsoleProgress();
  const rng = new Rng(options.seed);
  const stepsPerEpoch = Math.ceil(n / options.batchSize);
  const totalSteps = stepsPerEpoch * options.epochs;
  const ramp = options.backwardRamp ?? { steps: Math.round(totalSteps / 4) };
  const padNoise = options.padNoise ?? (mode === "ml" && padX > 0 ? 0.01 : 0);
  const trainable = model.trainableVariables();
  const optimizer = new Adam(trainable);
  const step = createLossStep(trainable, optimizer, options.gradNormThresh ?? 0);
  let history: InnEpochRecord[] = [];
  const variables = model.bijector.variables();
  const bijectorConfig = model.bijector.config();
  let startEpoch = 1;
  const t0 = performance.now();
  try {
    if (options.resume && options.checkpointDir) {
      const ckpt = await loadCheckpoint(options.checkpointDir, {
        variables,
        optimizer,
        bijectorConfig,
      });
      if (ckpt) {
        history = ckpt.state.history as InnEpochRecord[];
        rng.state = ckpt.state.rngState;
        startEpoch = ckpt.state.epoch + 1;
        progress.line(
          `resumed from checkpoint at epoch ${ckpt.state.epoch} (step ${ckpt.state.step})`,
        );
      } else {
        progress.line(`no checkpoint in ${options.checkpointDir}; starting from scratch`);
      }
    }
    const stepsAtStart = optimizer.step;
    const every = options.checkpointEveryNEpochs ?? 1;
    for (let epoch = startEpoch; epoch <= options.epochs; epoch++) {
      let lossSum = 0, normSum = 0, count = 0, stepInEpoch = 0;
      const termSums: Record<string, number> = {};
      for (const batch of source.batches(options.batchSize, rng) as Iterable<FlowBatch>) {
        stepInEpoch++;
        const x = batch.x as tf.Tensor2D, y = batch.context!;
        const seed = rng.seed();
        if (!model.initialized) model.initialize(x, seed, y);
        const lr = learningRateAt(options.learningRate, optimizer.step);
        const factor = mode === "mmd" ? backwardRampFactor(ramp, optimizer.step) : 1;
        const lossFn = () =>
          withPenalty(
            model,
            mode === "mmd"
              ? innMmdLoss(model, x, y, {
                weights: options.weights,
                backwardFactor: factor,
                yNoise: options.yNoise,
                padNoise,
                latentWidths: options.latentWidths,
                backwardWidths: options.backwardWidths,
                seed,
              })
              : innMaxLikelihoodLoss(model, x, y, {
                sigmaY: options.sigmaY ?? 0.05,
                padNoise,
                seed,
              }),
          );
        const r = await step(lossFn, lr).finally(() => tf.dispose([x, y]));
        if (!r.applied) {
          const parts = Object.entries(r.terms).map(([k, v]) => `${k}=${v}`).join(", ");
          throw new NonFiniteError(
            `INN training (${mode}) diverged at epoch ${epoch}, step ${stepInEpoch} ` +
              `(global step ${optimizer.step + 1}): loss=${r.loss} (${parts}), ` +
              `gradient norm=${r.gradNorm}. ` +
              `Lower the learning rate (now ${lr}) or set gradNormThresh.`,
          );
        }
        lossSum += r.loss;
        normSum += r.gradNorm;
        count++;
        for (const [k, v] of Object.entries(r.terms)) termSums[k] = (termSums[k] ?? 0) + v;
        const elapsed = (performance.now() - t0) / 1000;
        const rate = (optimizer.step - stepsAtStart) / elapsed;
        progress.step({
          epoch,
          epochs: options.epochs,
          step: stepInEpoch,
          stepsPerEpoch,
          loss: r.loss,
          ...(mode === "ml" ? { bitsPerDim: r.loss / (width * Math.LN2) } : {}),
          stepsPerSecond: rate,
          etaSeconds: (totalSteps - optimizer.step) / rate,
        });
      }
      const record: InnEpochRecord = {
        epoch,
        step: optimizer.step,
        loss: lossSum / count,
        terms: Object.fromEntries(Object.entries(termSums).map(([k, v]) => [k, v / count])),
        backwardFactor: mode === "mmd" ? backwardRampFactor(ramp, optimizer.step) : 1,
        learningRate: learningRateAt(options.learningRate, optimizer.step),
        gradNorm: normSum / count,
        seconds: (performance.now() - t0) / 1000,
      };
      history.push(record);
      if (options.checkpointDir && every > 0 && (epoch % every === 0 || epoch === options.epochs)) {
        await saveCheckpoint(options.checkpointDir, {
          variables,
          optimizer,
          best: null,
          bijectorConfig,
          state: {
            epoch,
            step: optimizer.step,
            rngState: rng.state,
            bestValue: null,
            bestEpoch: 0,
            epochsWithoutImprovement: 0,
            history,
          },
        });
      }
      const parts = Object.entries(record.terms).map(([k, v]) => `${k} ${v.toFixed(4)}`);
      progress.line(
        `epoch ${epoch}/${options.epochs}: loss ${record.loss.toFixed(4)} (${parts.join(", ")}), ` +
          `lr ${record.learningRate.toExponential(2)}`,
      );
    }
    const wallSeconds = (performance.now() - t0) / 1000;
    const stepsThisRun = optimizer.step - stepsAtStart;
    return {
      history,
      steps: optimizer.step,
      wallSeconds,
      msPerStep: stepsThisRun ? 1000 * wallSeconds / stepsThisRun : 0,
      resumedFromEpoch: startEpoch - 1,
    };
  } finally {
    progress.done();
    optimizer.dispose();
  }
}
