/**
 * One posterior API for every inverse-problem model of the toolkit: given an
 * observation `y*`, draw samples of `p(x | y*)`. The MMD-trained INN and the
 * maximum-likelihood INN ({@link ./inn_model.ts InnModel}) and the
 * conditional INN ({@link ./cinn.ts Cinn}) all implement
 * {@link PosteriorSampler}, so applications and comparisons (e.g. against
 * Monte Carlo) do not care which one they hold; any other conditional flow
 * becomes one through {@link asPosteriorSampler}.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { Rng } from "../core/random.ts";
import type { TransformedDistribution } from "../distributions/transformed.ts";

/** Options of {@link PosteriorSampler.posterior}. */
export interface PosteriorOptions {
  /** Seed of the latent draws; the same seed gives the same samples. Default 0. */
  seed?: number;
  /** Samples pushed through the network at once. Default 4096. */
  batchSize?: number;
}

/** A model that samples the posterior of parameters given one observation. */
export interface PosteriorSampler {
  /** Width of the parameters `x`. */
  readonly dimX: number;
  /** Width of the observations `y`. */
  readonly dimY: number;
  /**
   * Draws from `p(x | y*)`.
   * @param yObserved The observation `y*`, length `dimY`.
   * @param nSamples How many samples.
   * @param options Seed and batch size.
   * @returns Row-major samples `[nSamples × dimX]`.
   */
  posterior(
    yObserved: Float32Array,
    nSamples: number,
    options?: PosteriorOptions,
  ): Promise<Float32Array>;
}

/**
 * Draws a posterior sample in batches, for implementers of {@link PosteriorSampler}.
 * @param sampler Widths of the model, for checks and the result's layout.
 * @param yObserved The observation, length `dimY`.
 * @param nSamples How many samples.
 * @param options Seed and batch size.
 * @param draw Maps `y*` repeated `[k, dimY]` and a seed to `k` samples `[k, dimX]`.
 * @returns Row-major samples `[nSamples × dimX]`.
 * @throws Error when the observation's length, a value or `nSamples` is invalid.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { drawPosterior } from "./posterior.ts";
 * // A "model" whose posterior is N(y*, I) in one dimension:
 * const s = await drawPosterior({ dimX: 1, dimY: 1 }, new Float32Array([2]), 5, {}, (y, seed) =>
 *   tf.add(y, tf.randomNormal(y.shape, 0, 1, "float32", seed)) as tf.Tensor2D);
 * console.log(s.length); // 5
 * ```
 */
export async function drawPosterior(
  sampler: { dimX: number; dimY: number },
  yObserved: Float32Array,
  nSamples: number,
  options: PosteriorOptions,
  draw: (yRepeated: tf.Tensor2D, seed: number) => tf.Tensor2D,
): Promise<Float32Array> {
  const { dimX, dimY } = sampler;
  if (yObserved.length !== dimY) {
    throw new Error(`The observation must have dimY=${dimY} values, got ${yObserved.length}`);
  }
  if (!yObserved.every(Number.isFinite)) {
    throw new Error(`The observation must be finite, got [${yObserved}]`);
  }
  if (!Number.isInteger(nSamples) || nSamples < 1) {
    throw new Error(`nSamples must be a positive integer, got ${nSamples}`);
  }
  const batchSize = options.batchSize ?? 4096;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  }
  const rng = new Rng(options.seed ?? 0);
  const out = new Float32Array(nSamples * dimX);
  for (let start = 0; start < nSamples; start += batchSize) {
    const k = Math.min(batchSize, nSamples - start);
    const samples = tf.tidy(() => {
      const y = tf.tile(tf.tensor2d(yObserved, [1, dimY]), [k, 1]) as tf.Tensor2D;
      const x = draw(y, rng.seed());
      if (x.rank !== 2 || x.shape[0] !== k || x.shape[1] !== dimX) {
        throw new Error(`A posterior draw must have shape [${k}, ${dimX}], got [${x.shape}]`);
      }
      return x;
    });
    out.set(await samples.data() as Float32Array, start * dimX);
    samples.dispose();
  }
  return out;
}

/**
 * Any conditional flow as a {@link PosteriorSampler}: the flow models
 * `p(x | y)` with the observation `y` as its context (`dimX` = `flow.dims`,
 * `dimY` = `flow.contextDim`), and the posterior of `y*` is sampled as
 * `flow.sample(k, { seed, context: y* })`, in batches.
 * @param flow A conditional flow (trained on examples `x` with context `y`).
 * @returns The sampler; it holds the flow, which stays the caller's to dispose.
 * @throws Error when the flow is unconditional.
 * @example
 * ```ts
 * import { buildRealNvpFlow } from "../flows/realnvp_flow.ts";
 * import { asPosteriorSampler } from "./posterior.ts";
 * const flow = buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [8], contextDim: 1, seed: 1 });
 * const sampler = asPosteriorSampler(flow);
 * const xs = await sampler.posterior(new Float32Array([0.5]), 10, { seed: 3 });
 * console.log(sampler.dimX, sampler.dimY, xs.length); // 2 1 20
 * ```
 */
export function asPosteriorSampler(flow: TransformedDistribution): PosteriorSampler {
  const dimX = flow.dims, dimY = flow.contextDim;
  if (dimY < 1) {
    throw new Error(
      "The flow is unconditional (it takes no context), so it has no posterior given an " +
        "observation: build it with a context of the observation's width",
    );
  }
  return {
    dimX,
    dimY,
    posterior: (yObserved, nSamples, options = {}) =>
      drawPosterior(
        { dimX, dimY },
        yObserved,
        nSamples,
        options,
        (y, seed) => flow.sample(y.shape[0], { seed, context: y }) as tf.Tensor2D,
      ),
  };
}

/**
 * Per-dimension mean and standard deviation of row-major samples (float64).
 * @param samples `[n × dim]` row-major.
 * @param dim Values per sample.
 * @returns Means and (population) standard deviations, each of length `dim`.
 * @throws Error when the length is not a positive multiple of `dim`.
 * @example
 * ```ts
 * import { sampleMoments } from "./posterior.ts";
 * const { mean, std } = sampleMoments(new Float32Array([0, 10, 2, 10]), 2);
 * console.log(mean, std); // Float64Array [1, 10] Float64Array [1, 0]
 * ```
 */
export function sampleMoments(
  samples: ArrayLike<number>,
  dim: number,
): { mean: Float64Array; std: Float64Array } {
  if (!Number.isInteger(dim) || dim < 1 || samples.length === 0 || samples.length % dim !== 0) {
    throw new Error(
      `Expected a positive number of samples of ${dim} values, got ${samples.length}`,
    );
  }
  const n = samples.length / dim;
  const mean = new Float64Array(dim), sq = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) mean[j] += samples[i * dim + j];
  }
  for (let j = 0; j < dim; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) sq[j] += (samples[i * dim + j] - mean[j]) ** 2;
  }
  return { mean, std: sq.map((s) => Math.sqrt(s / n)) };
}
