/**
 * Inverse problems with invertible neural networks: the INN of Ardizzone et
 * al. 2019 (`[x, pad] ↔ [y, z, pad]`), trained bidirectionally with MMD
 * losses or by maximum likelihood (Zhang & Curtis 2021), and the conditional
 * INN (a flow over `x` conditioned on `y`). All three sample the posterior
 * `p(x | y*)` through one interface, {@link PosteriorSampler}.
 *
 * @example
 * ```ts
 * import { InnModel, sampleMoments, trainInn } from "./mod.ts";
 * import { Rng } from "../core/random.ts";
 * import { silentProgress } from "../training/progress.ts";
 * // x ~ N(0, I₂), y = x₀ + x₁ + noise: one observation, one latent dimension.
 * const rng = new Rng(1);
 * const x = Float32Array.from({ length: 4096 }, () => rng.normal());
 * const y = Float32Array.from(
 *   { length: 2048 },
 *   (_, i) => x[2 * i] + x[2 * i + 1] + 0.1 * rng.normal(),
 * );
 * const inn = new InnModel({ dimX: 2, dimY: 1, dimZ: 1, blocks: 2, hiddenLayers: [32], seed: 1 });
 * await trainInn(inn, { x, y }, {
 *   mode: "ml", sigmaY: 0.1, epochs: 10, batchSize: 128, learningRate: [3e-3, 50, 0.6], seed: 1,
 *   progress: silentProgress,
 * });
 * const samples = await inn.posterior(new Float32Array([1]), 2000, { seed: 2 });
 * console.log(sampleMoments(samples, 2).mean); // ≈ [0.5, 0.5] (exact posterior mean: 0.4975 each)
 * inn.dispose();
 * ```
 *
 * @module
 */
export * from "./padding.ts";
export * from "./mmd.ts";
export * from "./inn_model.ts";
export * from "./linear_start.ts";
export * from "./losses.ts";
export * from "./paired_data.ts";
export * from "./train_inn.ts";
export * from "./cinn.ts";
export * from "./posterior.ts";
export * from "./inn_io.ts";
