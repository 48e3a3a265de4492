/**
 * The one trainer: maximum likelihood (mean negative log-likelihood plus the
 * bijectors' weight penalty; or another objective given as `loss`) with
 * Adam, a constant or staircase-decayed learning rate, global gradient-norm
 * clipping, early stopping on held-out NLL that restores the best weights, a
 * NaN/Inf guard, progress, JSON-lines history and atomic checkpoints with
 * resume.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import type { TransformedDistribution } from "../distributions/transformed.ts";
import { writeFileAtomic } from "../core/atomic.ts";
import { Rng } from "../core/random.ts";
import { Adam } from "./adam.ts";
import { loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import { recalibrateStatistics } from "./recalibrate.ts";
import { createTrainStep } from "./train_step.ts";
import { checkSourceContext, type DataSource, disposeBatch } from "./data_source.ts";
import { evaluateLoss, type FlowLoss } from "./flow_loss.ts";
import { ConsoleProgress, type ProgressSink } from "./progress.ts";
import { type LearningRate, learningRateAt, validateLearningRate } from "./schedule.ts";
import { DivergenceWatch } from "./divergence.ts";

/** Initial learning rates above this get a warning before training. */
const HIGH_LEARNING_RATE = 0.1;

/** Settings of {@link trainFlow}. */
export interface TrainOptions {
  /** Number of passes over the training data. */
  epochs: number;
  /** Examples per optimizer step. */
  batchSize: number;
  /** Constant rate or `[initial, decay_steps, decay_rate]`. */
  learningRate: LearningRate;
  /** Seed of the shuffling. */
  seed: number;
  /** Global gradient-norm threshold (`grad_norm_thresh`); 0 or absent: no clipping. */
  gradNormThresh?: number;
  /** Held-out data, evaluated after every epoch. */
  validation?: DataSource;
  /** Stop after this many epochs without held-out improvement; 0 or absent: never. */
  earlyStoppingPatience?: number;
  /** Where checkpoints go; absent: no checkpoints. */
  checkpointDir?: string;
  /** Checkpoint period in epochs. Default 1 (when `checkpointDir` is set). */
  checkpointEveryNEpochs?: number;
  /** Continue from the checkpoint in `checkpointDir` if there is one. */
  resume?: boolean;
  /** JSON-lines history file, rewritten atomically after every epoch. */
  historyPath?: string;
  /** Progress sink. Default: {@link ConsoleProgress}. */
  progress?: ProgressSink;
  /**
   * Training examples used after every epoch to recompute exact
   * batch-normalization statistics ({@link recalibrateStatistics}). Default
   * 4096; 0 keeps the moving averages.
   */
  statisticsExamples?: number;
  /**
   * The objective, when it is not the mean NLL (e.g. {@link ./information_bottleneck.ts
   * informationBottleneckLoss} for a generative classifier). It is minimised in training
   * mode, evaluated on `validation` in inference mode for early stopping, and its named
   * parts are averaged into each epoch's record (`terms`, `valTerms`). Default: mean NLL.
   */
  loss?: FlowLoss;
}

/** One line of training history. */
export interface EpochRecord {
  /** 1-based epoch. */
  epoch: number;
  /** Optimizer steps taken so far. */
  step: number;
  /**
   * Mean training loss of the epoch: NLL in nats per example (training mode) plus the weight
   * penalty, which is 0 unless reg_level is set; with a `loss` option, that loss plus the penalty.
   */
  trainNll: number;
  /** `trainNll / (D ln 2)`. */
  trainBitsPerDim: number;
  /** Held-out NLL (inference mode), if there is held-out data; with a `loss` option, that loss. */
  valNll?: number;
  /** Held-out bits per dimension. */
  valBitsPerDim?: number;
  /** With a `loss` option: the mean of each of its named parts over the epoch (training mode). */
  terms?: Record<string, number>;
  /** With a `loss` option and validation data: its parts on the held-out data. */
  valTerms?: Record<string, number>;
  /** Learning rate at the end of the epoch. */
  learningRate: number;
  /** Mean global gradient norm (before clipping). */
  gradNorm: number;
  /** Seconds since the start of this run. */
  seconds: number;
}

/** What {@link trainFlow} returns. */
export interface TrainResult {
  /** All epochs, including those of a resumed run. */
  history: EpochRecord[];
  /** Last completed epoch. */
  epochsRun: number;
  /** Optimizer steps in total. */
  steps: number;
  /** Epoch whose weights the model holds at the end (best held-out when validating). */
  bestEpoch: number;
  /** Held-out NLL of that epoch. */
  bestValNll: number | null;
  /** Whether early stopping ended the run. */
  stoppedEarly: boolean;
  /** Epoch the run resumed after (0 when fresh). */
  resumedFromEpoch: number;
  /** Wall time of this run in seconds. */
  wallSeconds: number;
  /** Mean milliseconds per optimizer step in this run (gradient + update). */
  msPerStep: number;
}

/**
 * Raised when the loss or the gradients stop being finite.
 * @example
 * ```ts
 * import { NonFiniteError } from "./trainer.ts";
 * // trainFlow throws one when training diverges; a caller may retry with a smaller rate:
 * try {
 *   throw new NonFiniteError("Loss is NaN at epoch 3, step 12");
 * } catch (e) {
 *   console.log(e instanceof NonFiniteError, (e as Error).name); // true NonFiniteError
 * }
 * ```
 */
export class NonFiniteError extends Error {
  override name = "NonFiniteError";
}

/**
 * Bits per dimension of a negative log-likelihood in nats.
 * @param nll NLL per example in nats.
 * @param dims Dimensions per example.
 * @returns `nll / (dims · ln 2)`.
 * @example
 * ```ts
 * import { bitsPerDim } from "./trainer.ts";
 * bitsPerDim(6 * Math.LN2, 3); // 2
 * bitsPerDim(2000, 784); // ≈ 3.68 (an NLL of 2000 nats on a 28×28 image)
 * ```
 */
export function bitsPerDim(nll: number, dims: number): number {
  return nll / (dims * Math.LN2);
}

/**
 * Mean negative log-likelihood of a data source under the flow, in inference
 * mode; for a conditional flow, `−log p(x | context)` with each batch's context.
 * @param flow The flow.
 * @param source Data (with a context of the flow's width when the flow is conditional).
 * @param batchSize Evaluation batch size.
 * @returns Mean NLL in nats per example.
 * @throws Error when the source's context does not fit the flow ({@link checkSourceContext}).
 * @example
 * ```ts
 * import { ArrayDataSource, buildRealNvpFlow, evaluateNll } from "../../mod.ts";
 * const flow = buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [8], seed: 1 });
 * const nll = await evaluateNll(flow, new ArrayDataSource(new Float32Array([0, 1, 2, 3]), [2]));
 * ```
 */
export async function evaluateNll(
  flow: TransformedDistribution,
  source: DataSource,
  batchSize = 1024,
): Promise<number> {
  checkSourceContext(source, flow.contextDim, "evaluation");
  let total = 0;
  let count = 0;
  for await (const batch of source.batches(batchSize, null)) {
    const sum = tf.tidy(() => tf.neg(tf.sum(flow.logProb(batch.x, { context: batch.context }))));
    total += (await sum.data())[0];
    count += batch.x.shape[0];
    sum.dispose();
    disposeBatch(batch);
  }
  return total / count;
}

function snapshot(flow: TransformedDistribution): Map<string, tf.Tensor> {
  return new Map(
    flow.variables().map((v) => [v.name, tf.keep(tf.clone(v.variable))]),
  );
}

function disposeSnapshot(s: Map<string, tf.Tensor> | null): void {
  if (s) tf.dispose([...s.values()]);
}

function validate(options: TrainOptions, train: DataSource, contextDim: number): void {
  if (!Number.isInteger(options.epochs) || options.epochs < 1) {
    throw new Error(`epochs must be a positive integer, got ${options.epochs}`);
  }
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
    throw new Error(`batchSize must be a positive integer, got ${options.batchSize}`);
  }
  if (train.size < 1) throw new Error("The training data is empty");
  validateLearningRate(options.learningRate);
  checkSourceContext(train, contextDim, "training");
  if (options.validation) {
    checkSourceContext(options.validation, contextDim, "validation");
  }
}

/**
 * Trains a flow by maximum likelihood. A conditional flow (one whose bijector
 * takes a context, e.g. couplings built with `contextDim`, or a cINN) is
 * trained on `−log p(x | context)` with the context each batch carries; its
 * sources (training and validation) must then yield a context of the flow's
 * width, and an unconditional flow's none. The variables of the bijector and
 * of the base (e.g. a class mixture's means) are trained; `options.loss`
 * replaces the NLL by another objective (e.g. the information-bottleneck loss).
 * @param flow The flow to train (its variables are updated in place).
 * @param train Training data.
 * @param options Schedule, clipping, validation, checkpoints, objective.
 * @returns History and summary.
 * @throws Error naming both widths when a source's context does not fit the flow.
 * @throws NonFiniteError naming the epoch and step when the loss or gradients become NaN/Inf.
 * @example
 * ```ts
 * import { ArrayDataSource, buildRealNvpFlow, silentProgress, trainFlow } from "../../mod.ts";
 * const flow = buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [16], seed: 1 });
 * const data = new ArrayDataSource(Float32Array.from({ length: 512 }, () => Math.random()), [2]);
 * const result = await trainFlow(flow, data, {
 *   epochs: 2, batchSize: 64, learningRate: 1e-3, seed: 1, progress: silentProgress,
 * });
 * console.log(result.history.length); // 2
 * // A conditional flow p(x | c): each example comes with its condition c (width 1).
 * const cond = buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [16], contextDim: 1, seed: 1 });
 * const x = Float32Array.from({ length: 512 }, () => Math.random());
 * const c = Float32Array.from({ length: 256 }, (_, i) => x[2 * i] + x[2 * i + 1]);
 * await trainFlow(cond, new ArrayDataSource(x, [2], { context: c, contextDim: 1 }), {
 *   epochs: 1, batchSize: 64, learningRate: 1e-3, seed: 1, progress: silentProgress,
 * });
 * ```
 */
export async function trainFlow(
  flow: TransformedDistribution,
  train: DataSource,
  options: TrainOptions,
): Promise<TrainResult> {
  validate(options, train, flow.contextDim);
  const progress = options.progress ?? new ConsoleProgress();
  const dims = train.eventShape.reduce((a, b) => a * b, 1);
  const variables = flow.variables();
  const trainable = flow.trainableVariables();
  const optimizer = new Adam(trainable);
  const rng = new Rng(options.seed);
  const patience = options.earlyStoppingPatience ?? 0;
  const clip = options.gradNormThresh ?? 0;
  const stepsPerEpoch = Math.ceil(train.size / options.batchSize);
  const bijectorConfig = flow.bijector.config();

  let history: EpochRecord[] = [];
  let startEpoch = 1;
  let bestValue: number | null = null;
  let bestEpoch = 0;
  let sinceBest = 0;
  let best: Map<string, tf.Tensor> | null = null;
  const divergenceWatch = new DivergenceWatch();
  const initialRate = learningRateAt(options.learningRate, 0);
  if (initialRate > HIGH_LEARNING_RATE) {
    progress.line(
      `warning: learning rate ${initialRate} is far above what flows train with under Adam ` +
        `(1e-4 to 1e-2); expect an unstable or poor fit`,
    );
  }

  try {
    if (options.resume && options.checkpointDir) {
      const ckpt = await loadCheckpoint(options.checkpointDir, {
        variables,
        optimizer,
        bijectorConfig,
      });
      if (ckpt) {
        ({ bestValue, bestEpoch, epochsWithoutImprovement: sinceBest } = ckpt.state);
        history = ckpt.state.history as EpochRecord[];
        rng.state = ckpt.state.rngState;
        best = ckpt.best;
        startEpoch = ckpt.state.epoch + 1;
        progress.line(
          `resumed from checkpoint at epoch ${ckpt.state.epoch} (step ${ckpt.state.step})`,
        );
      } else {
        progress.line(`no checkpoint in ${options.checkpointDir}; starting from scratch`);
      }
    }
    const resumedFromEpoch = startEpoch - 1;
    const t0 = performance.now();
    let stepMs = 0;
    let stepsThisRun = 0;
    let stoppedEarly = false;
    const totalSteps = (options.epochs - resumedFromEpoch) * stepsPerEpoch;

    const trainStep = createTrainStep(flow, optimizer, clip, options.loss);
    const isNll = options.loss === undefined;

    for (let epoch = startEpoch; epoch <= options.epochs; epoch++) {
      let nllSum = 0, normSum = 0, count = 0, step = 0;
      const termSums: Record<string, number> = {};
      for await (const batch of train.batches(options.batchSize, rng)) {
        step++;
        const ts = performance.now();
        const lr = learningRateAt(options.learningRate, optimizer.step);
        const { loss, terms, gradNorm: norm, applied } = await trainStep(
          batch,
          lr,
        );
        disposeBatch(batch);
        if (!applied) {
          throw new NonFiniteError(
            `Training diverged at epoch ${epoch}, step ${step} (global step ${
              optimizer.step + 1
            }): ` +
              `loss=${loss}, gradient norm=${norm}. Lower the learning rate (now ${lr}) or set grad_norm_thresh.`,
          );
        }
        stepMs += performance.now() - ts;
        stepsThisRun++;
        nllSum += loss;
        normSum += norm;
        count++;
        for (const [k, v] of Object.entries(terms)) {
          termSums[k] = (termSums[k] ?? 0) + v;
        }
        const elapsed = (performance.now() - t0) / 1000;
        const rate = stepsThisRun / elapsed;
        progress.step({
          epoch,
          epochs: options.epochs,
          step,
          stepsPerEpoch,
          loss,
          bitsPerDim: isNll ? bitsPerDim(loss, dims) : undefined,
          stepsPerSecond: rate,
          etaSeconds: (totalSteps - stepsThisRun) / rate,
        });
      }
      const record: EpochRecord = {
        epoch,
        step: optimizer.step,
        trainNll: nllSum / count,
        trainBitsPerDim: bitsPerDim(nllSum / count, dims),
        learningRate: learningRateAt(options.learningRate, optimizer.step),
        gradNorm: normSum / count,
        seconds: (performance.now() - t0) / 1000,
      };
      if (!isNll) {
        record.terms = Object.fromEntries(
          Object.entries(termSums).map(([k, v]) => [k, v / count]),
        );
      }
      const statisticsExamples = options.statisticsExamples ?? 4096;
      if (statisticsExamples > 0) {
        await recalibrateStatistics(flow, train, statisticsExamples);
      }
      let monitored = record.trainNll;
      if (options.validation) {
        let valNll: number;
        if (options.loss) {
          const held = await evaluateLoss(
            flow,
            options.validation,
            options.loss,
          );
          valNll = held.value;
          record.valTerms = held.terms;
        } else {
          valNll = await evaluateNll(flow, options.validation);
        }
        if (!Number.isFinite(valNll)) {
          throw new NonFiniteError(`Held-out NLL is ${valNll} after epoch ${epoch}`);
        }
        record.valNll = valNll;
        record.valBitsPerDim = bitsPerDim(valNll, dims);
        monitored = valNll;
      }
      // With early stopping a rising held-out NLL is handled (the run stops, the best weights
      // are kept); without it, the user is told.
      const divergence = options.validation && patience === 0
        ? divergenceWatch.observe(epoch, monitored)
        : null;
      history.push(record);
      const what = isNll ? "NLL" : "loss";
      const parts = (terms?: Record<string, number>) =>
        terms && Object.keys(terms).length
          ? ` (${
            Object.entries(terms).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(
              ", ",
            )
          })`
          : "";
      progress.line(
        `epoch ${epoch}/${options.epochs}: train ${what} ${record.trainNll.toFixed(4)}` +
          (isNll ? "" : parts(record.terms)) +
          (record.valNll !== undefined
            ? `, held-out ${what} ${record.valNll.toFixed(4)}${parts(record.valTerms)}`
            : "") +
          (isNll ? ` (${record.trainBitsPerDim.toFixed(4)} bpd train)` : "") +
          `, lr ${record.learningRate.toExponential(2)}`,
      );
      if (divergence) progress.line(`warning: ${divergence}`);
      if (bestValue === null || monitored < bestValue) {
        bestValue = monitored;
        bestEpoch = epoch;
        sinceBest = 0;
        if (options.validation) {
          disposeSnapshot(best);
          best = snapshot(flow);
        }
      } else {
        sinceBest++;
      }
      if (options.historyPath) {
        await writeFileAtomic(
          options.historyPath,
          history.map((h) => JSON.stringify(h)).join("\n") + "\n",
        );
      }
      const every = options.checkpointEveryNEpochs ?? 1;
      if (options.checkpointDir && (epoch % every === 0 || epoch === options.epochs)) {
        await saveCheckpoint(options.checkpointDir, {
          variables,
          optimizer,
          best,
          bijectorConfig,
          state: {
            epoch,
            step: optimizer.step,
            rngState: rng.state,
            bestValue,
            bestEpoch,
            epochsWithoutImprovement: sinceBest,
            history,
          },
        });
      }
      if (patience > 0 && sinceBest >= patience) {
        progress.line(
          `early stopping: no held-out improvement for ${patience} epochs (best epoch ${bestEpoch})`,
        );
        stoppedEarly = true;
        break;
      }
    }
    if (best) {
      for (const v of variables) v.variable.assign(best.get(v.name)!);
    }
    progress.done();
    return {
      history,
      epochsRun: history.length ? history[history.length - 1].epoch : 0,
      steps: optimizer.step,
      bestEpoch,
      bestValNll: options.validation ? bestValue : null,
      stoppedEarly,
      resumedFromEpoch,
      wallSeconds: (performance.now() - t0) / 1000,
      msPerStep: stepsThisRun ? stepMs / stepsThisRun : 0,
    };
  } finally {
    progress.done();
    disposeSnapshot(best);
    optimizer.dispose();
  }
}
