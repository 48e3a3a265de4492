/**
 * Where training batches come from. The trainer asks a {@link DataSource} for
 * one epoch of batches at a time; sources may be synchronous (points in
 * memory) or asynchronous (images decoded while the previous batch trains).
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import type { Rng } from "../core/random.ts";

/** A finite collection of examples that yields batches. */
export interface DataSource {
  /** Number of examples. */
  readonly size: number;
  /** Shape of one example, e.g. `[2]` or `[28, 28, 1]`. */
  readonly eventShape: number[];
  /**
   * One pass over the data.
   * @param batchSize Examples per batch (the last batch may be smaller).
   * @param rng Shuffles when given; in order when null.
   */
  batches(batchSize: number, rng: Rng | null): Iterable<tf.Tensor> | AsyncIterable<tf.Tensor>;
}

/** Examples held in one Float32Array, row-major. */
export class ArrayDataSource implements DataSource {
  readonly size: number;
  readonly eventShape: number[];
  readonly #data: Float32Array;
  readonly #width: number;

  /**
   * @param data Row-major examples.
   * @param eventShape Shape of one example.
   * @example
   * ```ts
   * import { ArrayDataSource } from "./data_source.ts";
   * const src = new ArrayDataSource(new Float32Array([1, 2, 3, 4]), [2]);
   * for (const b of src.batches(1, null)) b.print();
   * ```
   */
  constructor(data: Float32Array, eventShape: number[]) {
    this.#width = eventShape.reduce((a, b) => a * b, 1);
    if (this.#width === 0 || data.length % this.#width !== 0) {
      throw new Error(
        `Data of length ${data.length} does not divide into examples of shape [${eventShape}]`,
      );
    }
    this.#data = data;
    this.eventShape = eventShape;
    this.size = data.length / this.#width;
  }

  *batches(batchSize: number, rng: Rng | null): Iterable<tf.Tensor> {
    const order = rng ? rng.permutation(this.size) : null;
    for (let start = 0; start < this.size; start += batchSize) {
      const n = Math.min(batchSize, this.size - start);
      const buf = new Float32Array(n * this.#width);
      for (let i = 0; i < n; i++) {
        const row = order ? order[start + i] : start + i;
        buf.set(this.#data.subarray(row * this.#width, (row + 1) * this.#width), i * this.#width);
      }
      yield tf.tensor(buf, [n, ...this.eventShape]);
    }
  }
}
