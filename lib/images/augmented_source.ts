/**
 * Augmentation of any image {@link DataSource} (e.g. images held in memory):
 * each training example gets a fresh random transformation
 * ({@link drawAugmentation}, {@link transformImage}), seeded; passes in order
 * (`rng` null: validation, evaluation) are left untouched. Contexts (labels)
 * go through unchanged.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { Rng } from "../core/random.ts";
import type { ImageShape } from "../core/shapes.ts";
import type { DataSource, FlowBatch } from "../training/data_source.ts";
import {
  type AugmentOptions,
  drawAugmentation,
  isAugmenting,
  transformImage,
  validateAugment,
} from "./augment.ts";

/** An image source whose training passes are augmented. */
export class AugmentedSource implements DataSource {
  readonly size: number;
  readonly eventShape: number[];
  readonly contextDim: number;
  readonly #source: DataSource;
  readonly #options: AugmentOptions;
  readonly #rng: Rng;

  /**
   * @param source Images `[h, w, c]` per example.
   * @param options Flip, zoom and rotation ranges (nothing on: the source unchanged).
   * @param seed Seed of the transformations.
   * @throws Error when the source's examples are not images `[h, w, c]` or an option is out of range.
   * @example
   * ```ts
   * import { ArrayDataSource } from "../training/data_source.ts";
   * import { Rng } from "../core/random.ts";
   * import { AugmentedSource } from "./augmented_source.ts";
   * const pixels = new ArrayDataSource(new Float32Array([1, 2, 3, 4]), [2, 2, 1]);
   * const data = new AugmentedSource(pixels, { horizontalFlip: true }, 1);
   * for await (const b of data.batches(1, new Rng(2))) b.x.print(); // as is, or mirrored: [[[2], [1]], [[4], [3]]]
   * ```
   */
  constructor(source: DataSource, options: AugmentOptions, seed: number) {
    if (source.eventShape.length !== 3) {
      throw new Error(
        `AugmentedSource needs images [h, w, c], got examples of shape [${source.eventShape}]`,
      );
    }
    validateAugment(options);
    this.#source = source;
    this.#options = options;
    this.#rng = new Rng(seed);
    this.size = source.size;
    this.eventShape = source.eventShape;
    this.contextDim = source.contextDim;
  }

  async *batches(batchSize: number, rng: Rng | null): AsyncIterable<FlowBatch> {
    const augment = rng !== null && isAugmenting(this.#options);
    const shape = this.eventShape as unknown as ImageShape;
    const size = shape[0] * shape[1] * shape[2];
    for await (const batch of this.#source.batches(batchSize, rng)) {
      if (!augment) {
        yield batch;
        continue;
      }
      const src = (await batch.x.data()) as Float32Array;
      const out = new Float32Array(src.length);
      for (let i = 0; i < src.length / size; i++) {
        transformImage(
          src.subarray(i * size, (i + 1) * size),
          shape,
          drawAugmentation(this.#options, this.#rng),
          out.subarray(i * size, (i + 1) * size),
          this.#options,
        );
      }
      const x = tf.tensor(out, batch.x.shape);
      batch.x.dispose();
      yield batch.context ? { x, context: batch.context } : { x };
    }
  }
}
