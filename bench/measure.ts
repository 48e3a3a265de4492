/**
 * Measurements of one workload on one configuration of this toolkit:
 * training-step time, log-prob and sampling throughput, memory.
 *
 * @module
 */
import { tf } from "../lib/core/tf.ts";
import { Adam } from "../lib/training/adam.ts";
import { createTrainStep } from "../lib/training/train_step.ts";
import { disposeBatch } from "../lib/training/data_source.ts";
import type { Workload } from "./workloads.ts";

/** Results of {@link measureWorkload}. */
export interface Measurement {
  /** Median ms per training step (gradient + Adam update). */
  msPerStep: number;
  /** Training examples per second. */
  samplesPerSecond: number;
  /** ms to evaluate log p of 1 000 points (one batch, inference mode). */
  msPer1000LogProb: number;
  /** ms to draw 1 000 samples (base draw + inverse). */
  msPer1000Samples: number;
  /** Peak resident set size seen during the measurement, MiB. */
  peakRssMiB: number;
  /** Live tfjs tensors after the measurement. */
  tensors: number;
  /** Bytes held by those tensors. */
  tensorBytes: number;
  /** Steps timed. */
  steps: number;
  /** Trainable parameters (sum of the trainable variables' sizes). */
  parameters: number;
  /** Loss of the first (warm-up) step. */
  firstLoss: number;
}

/** A configuration whose first step exceeded {@link MeasureOptions.maxStepMs}. */
export interface Skipped {
  /** Why nothing was timed. */
  skipped: string;
}

/** Options of {@link measureWorkload}. */
export interface MeasureOptions {
  /** Timed steps. */
  steps: number;
  /** Untimed steps before them (at least one runs when `maxStepMs` is set). */
  warmup: number;
  /** Skip the configuration when the first step takes longer than this (ms). */
  maxStepMs?: number;
  /** Time budget of each of log-prob and sampling (ms, default 20 000): fewer repeats past it. */
  evalBudgetMs?: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times a workload on the active backend.
 * Steps are the trainer's own (`createTrainStep`: gradients, norm, NaN check, Adam).
 * @param w The workload.
 * @param options Timed steps, warm-up steps, limits.
 * @returns The measurement, or why it was skipped.
 */
export async function measureWorkload(
  w: Workload,
  options: MeasureOptions,
): Promise<Measurement | Skipped> {
  let peak = Deno.memoryUsage().rss;
  const { flow, dispose } = w.build();
  const variables = flow.bijector.trainableVariables();
  const parameters = variables.reduce((a, v) => a + v.size, 0);
  const optimizer = new Adam(variables);
  const trainStep = createTrainStep(flow, optimizer, w.gradNormThresh);
  const batch = w.batch(w.batchSize, 2);
  let firstLoss = NaN;
  const step = async () => {
    const t0 = performance.now();
    const r = await trainStep(batch, w.learningRate);
    if (Number.isNaN(firstLoss)) firstLoss = r.loss;
    return performance.now() - t0;
  };
  const release = () => {
    disposeBatch(batch);
    optimizer.dispose();
    dispose();
  };
  const warmup = Math.max(options.warmup, options.maxStepMs ? 1 : 0);
  for (let i = 0; i < warmup; i++) {
    const ms = await step();
    if (options.maxStepMs && ms > options.maxStepMs) {
      release();
      return {
        skipped: `first step took ${(ms / 1000).toFixed(1)} s (limit ${
          (options.maxStepMs / 1000).toFixed(0)
        } s)`,
      };
    }
  }
  const times: number[] = [];
  for (let i = 0; i < options.steps; i++) {
    times.push(await step());
    peak = Math.max(peak, Deno.memoryUsage().rss);
  }
  const points = w.batch(1000, 3);
  const budget = options.evalBudgetMs ?? 20_000;
  // 7 runs, the first 2 untimed; fewer when one run is slow (Glow on 1 000 images).
  // Read back asynchronously: WebGPU in Deno cannot read synchronously.
  const timeIt = async (fn: () => tf.Tensor) => {
    const runs: number[] = [];
    let spent = 0;
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      const out = fn();
      await out.data();
      const ms = performance.now() - t0;
      out.dispose();
      peak = Math.max(peak, Deno.memoryUsage().rss);
      spent += ms;
      if (i >= 2 || (i >= 1 && spent > budget / 3)) runs.push(ms);
      if (runs.length && spent > budget) break;
    }
    return median(runs);
  };
  const context = points.context;
  const msPer1000LogProb = await timeIt(() => flow.logProb(points.x, { context }));
  const msPer1000Samples = await timeIt(() => flow.sample(1000, { seed: 4, context }));
  peak = Math.max(peak, Deno.memoryUsage().rss);
  const mem = tf.memory();
  disposeBatch(points);
  release();
  const msPerStep = median(times);
  return {
    msPerStep,
    samplesPerSecond: (w.batchSize * 1000) / msPerStep,
    msPer1000LogProb,
    msPer1000Samples,
    peakRssMiB: peak / 2 ** 20,
    tensors: mem.numTensors,
    tensorBytes: mem.numBytes,
    steps: options.steps,
    parameters,
    firstLoss,
  };
}
