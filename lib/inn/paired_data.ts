/**
 * Training pairs `(x, y)` of an inverse problem — parameters and their
 * observations — as one data source whose rows are `[x, y]`, so the
 * toolkit's shuffling and batching serve the INN and cINN trainers.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { ArrayDataSource } from "../training/data_source.ts";

/** Paired training data, row-major. */
export interface PairedData {
  /** Parameters `[n × dimX]`. */
  x: Float32Array;
  /** Observations `[n × dimY]`. */
  y: Float32Array;
}

/**
 * Checks paired data and joins it into rows `[x, y]`.
 * @param data Parameters and observations.
 * @param dims Widths `dimX` and `dimY`.
 * @returns A data source of `n` rows of width `dimX + dimY`.
 * @throws Error when the lengths do not describe the same number of pairs, or a value is
 * not finite.
 * @example
 * ```ts
 * import { pairedDataSource } from "./paired_data.ts";
 * const data = { x: new Float32Array([1, 2, 3, 4]), y: new Float32Array([5, 6]) };
 * const src = pairedDataSource(data, { dimX: 2, dimY: 1 });
 * console.log(src.size, src.eventShape); // 2 [3]
 * ```
 */
export function pairedDataSource(
  data: PairedData,
  dims: { dimX: number; dimY: number },
): ArrayDataSource {
  const { dimX, dimY } = dims;
  const n = data.x.length / dimX;
  if (!Number.isInteger(n) || n < 1 || data.y.length !== n * dimY) {
    throw new Error(
      `Paired data must hold n pairs: x of n × dimX=${dimX} and y of n × dimY=${dimY} values, ` +
        `got ${data.x.length} and ${data.y.length}`,
    );
  }
  const bad = [data.x, data.y].findIndex((a) => !a.every(Number.isFinite));
  if (bad >= 0) throw new Error(`Paired data ${bad === 0 ? "x" : "y"} holds NaN or Inf values`);
  const w = dimX + dimY;
  const rows = new Float32Array(n * w);
  for (let i = 0; i < n; i++) {
    rows.set(data.x.subarray(i * dimX, (i + 1) * dimX), i * w);
    rows.set(data.y.subarray(i * dimY, (i + 1) * dimY), i * w + dimX);
  }
  return new ArrayDataSource(rows, [w]);
}

/**
 * Splits a batch of rows `[x, y]` back into its parts.
 * @param batch `[n, dimX + dimY]`.
 * @param dims Widths `dimX` and `dimY`.
 * @returns `x` `[n, dimX]` and `y` `[n, dimY]`.
 * @throws Error naming the expected and actual shapes.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { splitPairs } from "./paired_data.ts";
 * const { y } = splitPairs(tf.tensor2d([[1, 2, 5]]), { dimX: 2, dimY: 1 });
 * y.print(); // [[5]]
 * ```
 */
export function splitPairs(
  batch: tf.Tensor,
  dims: { dimX: number; dimY: number },
): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const { dimX, dimY } = dims;
  if (batch.rank !== 2 || batch.shape[1] !== dimX + dimY) {
    throw new Error(`Expected rows [batch, dimX + dimY = ${dimX + dimY}], got [${batch.shape}]`);
  }
  const [x, y] = tf.split(batch, [dimX, dimY], 1) as [tf.Tensor2D, tf.Tensor2D];
  return { x, y };
}
