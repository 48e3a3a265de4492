/**
 * Measurements of one workload on one configuration of this toolkit:
 * training-step time, log-prob and sampling throughput, memory.
 *
 * @module
 */
import { tf } from "../lib/tf.ts";
import { buildRealNvpFlow } from "../lib/flows/realnvp_flow.ts";
import { Adam } from "../lib/training/adam.ts";
import { createTrainStep } from "../lib/training/train_step.ts";
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
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times a workload on the active backend.
 * @param w The workload.
 * @param options Timed steps and warm-up steps.
 * Steps are the trainer's own (`createTrainStep`: gradients, norm, NaN check, Adam).
 * @returns The measurement.
 */
export async function measureWorkload(
  w: Workload,
  options: { steps: number; warmup: number },
): Promise<Measurement> {
  let peak = Deno.memoryUsage().rss;
  const flow = buildRealNvpFlow({
    dims: w.dims,
    flowSteps: w.flowSteps,
    hiddenLayers: w.hiddenLayers,
    coupling: w.coupling,
    seed: 1,
  });
  const optimizer = new Adam(flow.bijector.trainableVariables());
  const trainStep = createTrainStep(flow, optimizer, 25);
  const batch = tf.randomNormal([w.batchSize, w.dims], 0, 1, "float32", 2);
  const step = async () => {
    const t0 = performance.now();
    await trainStep(batch, 1e-4);
    return performance.now() - t0;
  };
  for (let i = 0; i < options.warmup; i++) await step();
  const times: number[] = [];
  for (let i = 0; i < options.steps; i++) {
    times.push(await step());
    peak = Math.max(peak, Deno.memoryUsage().rss);
  }
  const points = tf.randomNormal([1000, w.dims], 0, 1, "float32", 3);
  const timeIt = (fn: () => tf.Tensor) => {
    const runs: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      const out = fn();
      out.dataSync();
      runs.push(performance.now() - t0);
      out.dispose();
    }
    return median(runs.slice(2));
  };
  const msPer1000LogProb = timeIt(() => flow.logProb(points));
  const msPer1000Samples = timeIt(() => flow.sample(1000, { seed: 4 }));
  peak = Math.max(peak, Deno.memoryUsage().rss);
  const mem = tf.memory();
  tf.dispose([batch, points]);
  optimizer.dispose();
  flow.dispose();
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
  };
}
