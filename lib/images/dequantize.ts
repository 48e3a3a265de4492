/**
 * Uniform dequantisation of integer pixels (Theis et al. 2016): a density
 * model of continuous values is trained on `x = k + u`, `u ~ U(0, 1)`
 * independently per sub-pixel, where `k ∈ {0, …, L−1}` is the integer
 * pixel. Then `∫_{[0,1)^D} p(k + u) du ≤ P(k)`, so the continuous negative
 * log-likelihood in bits per dimension (see `logit.ts`) bounds the discrete
 * code length from above: the figure reported in the literature.
 *
 * Fresh noise is drawn for every training batch; evaluation passes (no
 * shuffling) use the same noise every time, so held-out NLLs of different
 * epochs are comparable.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { Rng } from "../core/random.ts";
import type { DataSource, FlowBatch } from "../training/data_source.ts";

/**
 * Adds `U(0, 1)` noise to integer pixel values.
 * @param pixels Integer pixel values, e.g. 0–255.
 * @param seed Seed of the noise.
 * @returns `pixels[i] + u_i`, in `[k, k + 1)`.
 * @example
 * ```ts
 * import { dequantize } from "./dequantize.ts";
 * const x = dequantize(new Uint8Array([0, 255, 7]), 1); // e.g. [0.37, 255.81, 7.06]
 * ```
 */
export function dequantize(pixels: ArrayLike<number>, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i] + rng.uniform();
  return out;
}

/**
 * A data source of integer pixels whose batches carry fresh `U(0, 1)` noise;
 * a context of the wrapped source (e.g. class labels) passes through unchanged.
 */
export class DequantizedSource implements DataSource {
  readonly size: number;
  readonly eventShape: number[];
  readonly contextDim: number;
  readonly #source: DataSource;
  readonly #rng: Rng;
  readonly #evalSeed: number;

  /**
   * @param source Integer-valued pixels (e.g. 0–255), any batch shape.
   * @param seed Seed of the noise.
   * @example
   * ```ts
   * import { ArrayDataSource } from "../training/data_source.ts";
   * import { DequantizedSource } from "./dequantize.ts";
   * const pixels = new ArrayDataSource(new Float32Array([0, 255, 3, 4]), [2, 2, 1]);
   * const data = new DequantizedSource(pixels, 1);
   * for await (const b of data.batches(1, null)) b.x.print(); // [[[[0.x], [255.x]], [[3.x], [4.x]]]]
   * ```
   */
  constructor(source: DataSource, seed: number) {
    this.#source = source;
    this.size = source.size;
    this.eventShape = source.eventShape;
    this.contextDim = source.contextDim;
    this.#rng = new Rng(seed);
    this.#evalSeed = this.#rng.seed();
  }

  async *batches(batchSize: number, rng: Rng | null): AsyncIterable<FlowBatch> {
    const noiseRng = rng ? this.#rng : new Rng(this.#evalSeed);
    for await (const { x, context } of this.#source.batches(batchSize, rng)) {
      const seed = noiseRng.seed();
      const noisy = tf.tidy(() => tf.add(x, tf.randomUniform(x.shape, 0, 1, "float32", seed)));
      x.dispose();
      yield context ? { x: noisy, context } : { x: noisy };
    }
  }
}
