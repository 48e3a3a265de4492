/**
 * Training pairs `(x, y)` of an inverse problem — parameters and their
 * observations — as one data source whose batches are the parameters `x`
 * with the observations `y` as their context (a `FlowBatch`), so the
 * toolkit's shuffling and batching serve the INN trainer, and the trainer
 * trains a conditional flow such as the cINN on `log p(x | y)` directly.
 *
 * @module
 */
import { ArrayDataSource } from "../training/data_source.ts";

/** Paired training data, row-major. */
export interface PairedData {
  /** Parameters `[n × dimX]`. */
  x: Float32Array;
  /** Observations `[n × dimY]`. */
  y: Float32Array;
}

/**
 * Checks paired data and makes it a data source: examples `x`, context `y`.
 * @param data Parameters and observations.
 * @param dims Widths `dimX` and `dimY`.
 * @returns A data source of `n` examples of width `dimX`, each with its `y`
 *   (width `dimY`) as context.
 * @throws Error when the lengths do not describe the same number of pairs, or a value is
 * not finite.
 * @example
 * ```ts
 * import { pairedDataSource } from "./paired_data.ts";
 * const data = { x: new Float32Array([1, 2, 3, 4]), y: new Float32Array([5, 6]) };
 * const src = pairedDataSource(data, { dimX: 2, dimY: 1 });
 * console.log(src.size, src.eventShape, src.contextDim); // 2 [2] 1
 * for (const { x, context } of src.batches(2, null)) console.log(x.shape, context!.shape); // [2, 2] [2, 1]
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
  return new ArrayDataSource(data.x, [dimX], { context: data.y, contextDim: dimY });
}
