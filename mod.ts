/**
 * flow_models: normalizing flows (invertible neural networks) for Deno on
 * TensorFlow.js — bijectors, flow distributions, one maximum-likelihood
 * trainer, save/load, toy datasets, a params loader and plotting, shared by
 * the seven applications under `apps/`.
 *
 * Convention: a bijector's `forward` maps data → latent.
 *
 * @example
 * ```ts
 * import { ArrayDataSource, buildRealNvpFlow, generateToyData, silentProgress, tf, trainFlow } from "./mod.ts";
 * const { points } = generateToyData("moons", 1024, { seed: 1 });
 * const flow = buildRealNvpFlow({ dims: 2, flowSteps: 4, hiddenLayers: [32, 32], seed: 1 });
 * await trainFlow(flow, new ArrayDataSource(points, [2]), {
 *   epochs: 2, batchSize: 128, learningRate: 1e-3, seed: 1, progress: silentProgress,
 * });
 * const samples = flow.sample(5, { seed: 2 }); // [5, 2] points on the data side
 * const logDensity = flow.logProb(samples); // [5] log-densities in nats
 * tf.dispose([samples, logDensity]);
 * ```
 *
 * @module
 */
export * from "./lib/core/tf.ts";
export * from "./lib/kernels/backend.ts";
export * from "./lib/core/random.ts";
export * from "./lib/bijectors/bijector.ts";
export * from "./lib/bijectors/chain.ts";
export * from "./lib/bijectors/permute.ts";
export * from "./lib/bijectors/batch_norm.ts";
export * from "./lib/bijectors/act_norm.ts";
export * from "./lib/bijectors/coupling.ts";
export * from "./lib/bijectors/affine_coupling.ts";
export * from "./lib/bijectors/spline_coupling.ts";
export * from "./lib/nn/dense_network.ts";
export * from "./lib/kernels/ops.ts";
export * from "./lib/distributions/normal.ts";
export * from "./lib/distributions/transformed.ts";
export * from "./lib/flows/realnvp_flow.ts";
export * from "./lib/training/schedule.ts";
export * from "./lib/training/adam.ts";
export * from "./lib/training/data_source.ts";
export * from "./lib/training/progress.ts";
export * from "./lib/training/checkpoint.ts";
export * from "./lib/training/trainer.ts";
export * from "./lib/core/atomic.ts";
export * from "./lib/io/model_io.ts";
export * from "./lib/data/toy.ts";
export * from "./lib/training/recalibrate.ts";
export * from "./lib/kernels/blas.ts";
export * from "./lib/data/points_csv.ts";
export * from "./lib/distributions/batched.ts";
export * from "./apps/app1/density_grid.ts";
export * from "./apps/app1/figures.ts";
export * from "./apps/app1/distribution_mapping.ts";
export * from "./lib/plot/mod.ts";
export * from "./lib/training/train_step.ts";
export * from "./lib/inference/mod.ts";
export * from "./lib/training/loss_step.ts";
export * from "./lib/inn/mod.ts";
export * from "./lib/problems/mod.ts";
export * from "./lib/analysis/mod.ts";
export * from "./lib/kernels/global_norm.ts";
export * from "./lib/images/mod.ts";
export * from "./apps/app2/mod.ts";
export * from "./lib/nn/conv.ts";
export * from "./lib/nn/conv_channels.ts";
export * from "./lib/nn/conv_network.ts";
export * from "./lib/bijectors/squeeze.ts";
export * from "./lib/bijectors/invertible_conv1x1.ts";
export * from "./lib/bijectors/glow_coupling.ts";
export * from "./lib/bijectors/logit.ts";
export * from "./lib/bijectors/multiscale.ts";
export * from "./lib/images/dequantize.ts";
export * from "./lib/flows/glow_flow.ts";
export * from "./apps/common/flow_params.ts";
export * from "./lib/kernels/custom_grad.ts";
