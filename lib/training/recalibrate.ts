/**
 * Exact normalization statistics after training ("precise batch norm"):
 * moving averages with momentum 0.99 lag far behind weights that change at
 * every step, which makes inference-mode densities much worse than
 * training-mode ones early in training. One forward pass in training mode
 * with momentum 0 over a large batch replaces every BatchNormalization's
 * moving mean and variance with the statistics of its actual inputs, layer
 * after layer.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import type { TransformedDistribution } from "../distributions/transformed.ts";
import { checkSourceContext, type DataSource, disposeBatch } from "./data_source.ts";

/**
 * Sets the moving statistics of every batch normalization from data.
 * @param flow The flow.
 * @param source Data (its first `maxExamples`, in order, are used), with the
 *   context of each example when the flow is conditional.
 * @param maxExamples Examples in the pass. Default 4096.
 * @example
 * ```ts
 * import { ArrayDataSource, buildRealNvpFlow } from "../../mod.ts";
 * import { recalibrateStatistics } from "./recalibrate.ts";
 * const flow = buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [8], seed: 1 });
 * await recalibrateStatistics(flow, new ArrayDataSource(new Float32Array([0, 1, 2, 3, 4, 6]), [2]));
 * ```
 */
export async function recalibrateStatistics(
  flow: TransformedDistribution,
  source: DataSource,
  maxExamples = 4096,
): Promise<void> {
  checkSourceContext(source, flow.contextDim, "recalibration");
  for await (const batch of source.batches(Math.min(maxExamples, source.size), null)) {
    tf.tidy(() => {
      flow.bijector.forward(batch.x, {
        training: true,
        statisticsMomentum: 0,
        context: batch.context,
      });
    });
    disposeBatch(batch);
    break;
  }
}
