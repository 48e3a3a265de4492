/**
 * Batched evaluation of a flow over points held in a Float32Array, so large
 * point sets never become one huge tensor.
 *
 * @module
 */
import { concatFloat32 } from "../core/float_arrays.ts";
import { tf } from "../core/tf.ts";
import type { TransformedDistribution } from "./transformed.ts";

/**
 * Applies a tensor function to row-major points in batches.
 * @param fn Map from a `[n, dims]` batch to a `[n, ...]` tensor.
 * @param points Row-major points.
 * @param dims Width of a row.
 * @param batchSize Rows per batch.
 * @returns The concatenated outputs, flattened.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { mapInBatches } from "./batched.ts";
 * const points = new Float32Array([1, 2, 3, 4, 5, 6]); // three rows of 2
 * await mapInBatches((b) => tf.sum(b, 1), points, 2, 2); // Float32Array [3, 7, 11]
 * ```
 */
export async function mapInBatches(
  fn: (batch: tf.Tensor2D) => tf.Tensor,
  points: Float32Array,
  dims: number,
  batchSize = 4096,
): Promise<Float32Array> {
  const n = points.length / dims;
  const parts: Float32Array[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const rows = Math.min(batchSize, n - start);
    const out = tf.tidy(() =>
      fn(tf.tensor2d(points.subarray(start * dims, (start + rows) * dims), [rows, dims]))
    );
    parts.push((await out.data()) as Float32Array);
    out.dispose();
  }
  return concatFloat32(parts);
}

/**
 * Log-density of each point under the flow (inference mode).
 * @param flow The flow.
 * @param points Row-major points.
 * @param dims Width of a row.
 * @returns One log-density per point, in nats.
 * @example
 * ```ts
 * import { buildRealNvpFlow } from "../flows/realnvp_flow.ts";
 * import { logProbOf } from "./batched.ts";
 * const flow = buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [8], seed: 1 });
 * const lp = await logProbOf(flow, new Float32Array([0, 0, 1, 1]), 2); // length 2
 * ```
 */
export function logProbOf(
  flow: TransformedDistribution,
  points: Float32Array,
  dims: number,
): Promise<Float32Array> {
  return mapInBatches((b) => flow.logProb(b), points, dims);
}

/**
 * Maps points data → latent.
 * @param flow The flow.
 * @param points Row-major data points.
 * @param dims Width of a row.
 * @returns Row-major latent points.
 * @example
 * ```ts
 * import { buildRealNvpFlow } from "../flows/realnvp_flow.ts";
 * import { toLatentOf } from "./batched.ts";
 * const flow = buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [8], seed: 1 });
 * const z = await toLatentOf(flow, new Float32Array([0, 0, 1, 1]), 2); // 2 latent points
 * ```
 */
export function toLatentOf(
  flow: TransformedDistribution,
  points: Float32Array,
  dims: number,
): Promise<Float32Array> {
  return mapInBatches((b) => flow.toLatent(b), points, dims);
}

/**
 * Maps points latent → data.
 * @param flow The flow.
 * @param points Row-major latent points.
 * @param dims Width of a row.
 * @returns Row-major data points.
 * @example
 * ```ts
 * import { buildRealNvpFlow } from "../flows/realnvp_flow.ts";
 * import { toDataOf, toLatentOf } from "./batched.ts";
 * const flow = buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [8], seed: 1 });
 * const z = await toLatentOf(flow, new Float32Array([0, 0, 1, 1]), 2);
 * const x = await toDataOf(flow, z, 2); // ≈ [0, 0, 1, 1]
 * ```
 */
export function toDataOf(
  flow: TransformedDistribution,
  points: Float32Array,
  dims: number,
): Promise<Float32Array> {
  return mapInBatches((b) => flow.toData(b), points, dims);
}

/**
 * Draws samples from the flow in batches.
 * @param flow The flow.
 * @param n Number of samples.
 * @param seed Seed of the base draws.
 * @returns Row-major samples on the data side.
 * @example
 * ```ts
 * import { buildRealNvpFlow } from "../flows/realnvp_flow.ts";
 * import { sampleOf } from "./batched.ts";
 * const flow = buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [8], seed: 1 });
 * const xs = await sampleOf(flow, 100, 1);
 * console.log(xs.length); // 200 (100 points of 2)
 * ```
 */
export async function sampleOf(
  flow: TransformedDistribution,
  n: number,
  seed: number,
): Promise<Float32Array> {
  const z = flow.base.sample(n, seed);
  try {
    const zs = (await z.data()) as Float32Array;
    return await toDataOf(flow, zs, flow.dims);
  } finally {
    z.dispose();
  }
}
