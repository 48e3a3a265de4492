/**
 * flow_models: normalizing flows (invertible neural networks) for Deno on
 * TensorFlow.js. This root module is what most scripts need: build a flow
 * (RealNVP-style or Glow, unconditional or conditional), train it by maximum
 * likelihood, save and load it, evaluate log-densities, map to the latent
 * space and back, sample, and sample posteriors `p(x | y)` of inverse
 * problems with a cINN or an INN.
 *
 * The larger areas have their own entry points (see `deno.json` `exports`):
 * `./bijectors` (every bijector, the registry), `./training` (data sources,
 * Adam, steps, checkpoints), `./data` (toy datasets with exact densities),
 * `./images` (folder, S3 and IDX image sources), `./inn` (INN losses and
 * padding), `./inference` (MCMC, rejection/ABC, C2ST, MMD, SBC),
 * `./problems` (inverse problems and posterior comparison), `./posterior`
 * (priors, simulation and the posterior estimator), `./analysis`
 * (PCA, anomaly scores, ROC), `./linalg`, `./plot`, `./params`, and
 * `./backend` (backends, native BLAS, the fused kernels' ops).
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

// Engine, randomness, backends.
export { type Tensor1D, type Tensor2D, tf } from "./lib/core/tf.ts";
export { Rng } from "./lib/core/random.ts";
export type { NamedVariable } from "./lib/core/variables.ts";
export {
  type BackendName,
  BACKENDS,
  currentBackend,
  describeRuntime,
  initBackend,
} from "./lib/kernels/mod.ts";

// Bijectors: the interface, the registry and the flow steps.
export {
  Bijector,
  type BijectorCallOptions,
  type BijectorConfig,
  bijectorFromConfig,
  type BijectorResult,
  registerBijector,
  registeredBijectorTypes,
} from "./lib/bijectors/bijector.ts";
export { Chain } from "./lib/bijectors/chain.ts";
export { Permute } from "./lib/bijectors/permute.ts";
export { BatchNormalization, type BatchNormalizationConfig } from "./lib/bijectors/batch_norm.ts";
export { ActNorm, type ActNormConfig } from "./lib/bijectors/act_norm.ts";
export { CouplingBijector, type CouplingConfig } from "./lib/bijectors/coupling.ts";
export { AffineCoupling, type AffineCouplingConfig } from "./lib/bijectors/affine_coupling.ts";
export { SplineCoupling, type SplineCouplingConfig } from "./lib/bijectors/spline_coupling.ts";
export { ContextEmbedding, type ContextEmbeddingParts } from "./lib/bijectors/context_embedding.ts";
export { type Activation, DenseNetwork, type DenseNetworkConfig } from "./lib/nn/dense_network.ts";

// Distributions and flows.
export { DiagonalNormal, type DiagonalNormalConfig } from "./lib/distributions/normal.ts";
export { type SampleOptions, TransformedDistribution } from "./lib/distributions/transformed.ts";
export type { BaseDistribution } from "./lib/distributions/base.ts";
export { ClassGaussianMixture } from "./lib/distributions/class_mixture.ts";
export {
  logProbOf,
  mapInBatches,
  sampleOf,
  toDataOf,
  toLatentOf,
} from "./lib/distributions/batched.ts";
export {
  buildRealNvpFlow,
  type CouplingKind,
  type PermutationScheme,
  type RealNvpFlowOptions,
} from "./lib/flows/realnvp_flow.ts";
export { buildGlowFlow, type GlowFlowOptions } from "./lib/flows/glow_flow.ts";

// Training.
export {
  bitsPerDim,
  type EpochRecord,
  evaluateNll,
  NonFiniteError,
  trainFlow,
  type TrainOptions,
  type TrainResult,
} from "./lib/training/trainer.ts";
export {
  ArrayDataSource,
  type ArrayDataSourceOptions,
  type DataSource,
  type FlowBatch,
} from "./lib/training/data_source.ts";
export { type LearningRate, learningRateAt } from "./lib/training/schedule.ts";
export { informationBottleneckLoss } from "./lib/training/information_bottleneck.ts";
export {
  ConsoleProgress,
  type ProgressSink,
  type ProgressState,
  silentProgress,
} from "./lib/training/progress.ts";

// Save and load.
export { loadFlow, saveFlow } from "./lib/io/model_io.ts";
export { decodeNpy, encodeNpy, type NpyArray, readNpy, writeNpy } from "./lib/io/npy.ts";

// Data.
export {
  generateToyData,
  TOY_DATASETS,
  type ToyData,
  type ToyDataOptions,
  type ToyDatasetName,
} from "./lib/data/toy.ts";
export { hasToyDensity, toyEntropy, toyLogDensity } from "./lib/data/toy_density.ts";
export { type CsvPoints, readPointsCsv } from "./lib/data/points_csv.ts";
export { loadImageDataset } from "./lib/images/open.ts";
export { DequantizedSource } from "./lib/images/dequantize.ts";

// Posteriors of inverse problems: cINN, INN, one sampler interface.
export { Cinn, type CinnOptions } from "./lib/inn/cinn.ts";
export { InnModel, type InnModelOptions } from "./lib/inn/inn_model.ts";
export { type InnTrainOptions, type InnTrainResult, trainInn } from "./lib/inn/train_inn.ts";
export { type PairedData, pairedDataSource } from "./lib/inn/paired_data.ts";
export {
  asPosteriorSampler,
  type PosteriorOptions,
  type PosteriorSampler,
  sampleMoments,
} from "./lib/inn/posterior.ts";
export { loadInnNetwork, saveInnNetwork } from "./lib/inn/inn_io.ts";

// Posterior estimation for your own simulator.
export {
  BoxUniformPrior,
  customPrior,
  GaussianPrior,
  type Prior,
  simulateFromPrior,
  type Simulator,
} from "./lib/posterior/mod.ts";
export { loadPosteriorEstimator, PosteriorEstimator } from "./lib/posterior/estimator.ts";
export { Standardizer } from "./lib/problems/standardizer.ts";
export { type InverseProblem, simulatePairs } from "./lib/problems/problem.ts";
export { comparePosterior } from "./lib/problems/posterior_metrics.ts";
export { sampleMcmc } from "./lib/inference/mcmc.ts";
export { effectiveSampleSize, splitRhat } from "./lib/inference/diagnostics.ts";
export { classifierTwoSampleTest } from "./lib/inference/c2st.ts";
export { mmdSquared } from "./lib/inference/mmd.ts";

// Analysis and plots.
export { pca } from "./lib/analysis/pca.ts";
export { auroc, rocCurve } from "./lib/analysis/roc.ts";
export {
  cornerPlot,
  histogram,
  linePlot,
  savePlot,
  scatterPlot,
  show,
  showImages,
  type VegaLiteSpec,
} from "./lib/plot/mod.ts";
