/**
 * Noise augmentation of a conditional data source: every batch's context (the
 * simulated data) gets fresh Gaussian noise, so a posterior estimator trained on
 * noise-free simulator outputs sees each simulation with a new noise draw in every
 * epoch instead of one draw forever. With `rng` null (validation, evaluation) the
 * draws come from a fixed seed, so every pass sees the same noisy data and held-out
 * losses stay comparable between epochs.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { Rng } from "../core/random.ts";
import type { DataSource, FlowBatch } from "../training/data_source.ts";

/**
 * A data source whose batches carry `context + σ ⊙ ε`, ε ~ N(0, I) drawn per batch.
 * @example
 * ```ts
 * import { ArrayDataSource } from "../training/data_source.ts";
 * import { NoisyContextSource } from "./noisy_context.ts";
 * const clean = new ArrayDataSource(new Float32Array([1, 2]), [1], {
 *   context: new Float32Array([0, 0]),
 *   contextDim: 1,
 * });
 * const noisy = new NoisyContextSource(clean, new Float32Array([0.1]), 7);
 * for await (const b of noisy.batches(2, null)) b.context!.print(); // two draws of N(0, 0.1²)
 * ```
 */
export class NoisyContextSource implements DataSource {
  readonly #source: DataSource;
  readonly #sigma: Float32Array;
  readonly #fixedSeed: number;

  /**
   * @param source A source whose batches carry a context.
   * @param sigma Noise standard deviation per context value (length `contextDim`, ≥ 0).
   * @param fixedSeed Seed of the draws of passes without a random-number generator.
   * @throws Error when the source has no context or σ has the wrong length or a negative value.
   */
  constructor(source: DataSource, sigma: Float32Array, fixedSeed: number) {
    if (source.contextDim < 1) throw new Error("Noise augmentation needs a source with a context");
    if (sigma.length !== source.contextDim) {
      throw new Error(
        `The noise σ holds ${sigma.length} values; the context has ${source.contextDim}`,
      );
    }
    if (!sigma.every((s) => s >= 0 && Number.isFinite(s))) {
      throw new Error("The noise σ must be finite and ≥ 0 everywhere");
    }
    this.#source = source;
    this.#sigma = sigma;
    this.#fixedSeed = fixedSeed;
  }

  get size(): number {
    return this.#source.size;
  }

  get eventShape(): number[] {
    return this.#source.eventShape;
  }

  get contextDim(): number {
    return this.#source.contextDim;
  }

  /**
   * One pass, each batch's context with its own noise draw.
   * @param batchSize Examples per batch.
   * @param rng Shuffles and draws when given; in order with the fixed draws when null.
   */
  async *batches(batchSize: number, rng: Rng | null): AsyncIterable<FlowBatch> {
    const draw = new Rng(rng ? rng.seed() : this.#fixedSeed);
    const sigma = this.#sigma, w = sigma.length;
    for await (const batch of this.#source.batches(batchSize, rng)) {
      const context = batch.context!;
      const n = context.shape[0];
      const noise = new Float32Array(n * w);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < w; j++) noise[i * w + j] = sigma[j] * draw.normal();
      }
      const noisy = tf.tidy(() => tf.add(context, tf.tensor2d(noise, [n, w])) as tf.Tensor2D);
      context.dispose();
      yield { ...batch, context: noisy };
    }
  }
}
