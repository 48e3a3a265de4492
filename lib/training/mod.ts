/**
 * Training, in full: the one maximum-likelihood trainer ({@link trainFlow}),
 * the objectives it can minimise instead of the NLL (the information-bottleneck
 * loss of a generative classifier), and what it is made of — data sources
 * that yield batches (with a context for conditional flows), Adam,
 * learning-rate schedules, the optimizer steps for a flow's NLL and for any
 * loss closure, batch-norm recalibration, checkpoints and progress sinks.
 * The root module exports the parts most users need; this entry point also
 * has the building blocks for custom training loops.
 *
 * @example
 * ```ts
 * import { ArrayDataSource, silentProgress, trainFlow } from "./mod.ts";
 * import { buildRealNvpFlow } from "../flows/realnvp_flow.ts";
 * const x = Float32Array.from({ length: 512 }, (_, i) => Math.sin(i));
 * const flow = buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [8], seed: 1 });
 * const r = await trainFlow(flow, new ArrayDataSource(x, [2]), {
 *   epochs: 1, batchSize: 64, learningRate: 1e-3, seed: 1, progress: silentProgress,
 * });
 * console.log(r.steps); // 4
 * ```
 *
 * @module
 */
export * from "./trainer.ts";
export * from "./data_source.ts";
export * from "./schedule.ts";
export * from "./progress.ts";
export * from "./adam.ts";
export * from "./train_step.ts";
export * from "./flow_loss.ts";
export * from "./information_bottleneck.ts";
export * from "./loss_step.ts";
export * from "./recalibrate.ts";
export * from "./checkpoint.ts";
export * from "./divergence.ts";
export * from "./memory.ts";
