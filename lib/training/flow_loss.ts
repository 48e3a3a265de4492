/**
 * The objective the trainer minimises, as a function of the flow and one
 * batch: by default the mean negative log-likelihood ({@link nllLoss});
 * another {@link FlowLoss} (e.g. the information-bottleneck loss of a
 * generative classifier, {@link ./information_bottleneck.ts}) can take its
 * place without another trainer. {@link evaluateLoss} averages one over a
 * data source in inference mode, for validation.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import type { TransformedDistribution } from "../distributions/transformed.ts";
import {
  checkSourceContext,
  type DataSource,
  disposeBatch,
  type FlowBatch,
} from "./data_source.ts";
import type { LossTerms } from "./loss_step.ts";

/**
 * A training objective: the mean loss of one batch (to minimise) and its
 * named parts (averaged into the training history). Called inside a
 * gradient tape and `tf.tidy`; it must not dispose the batch.
 * @param flow The flow being trained.
 * @param batch The examples and, for a conditional flow, their context.
 * @param options `training`: batch statistics (training) or moving averages (evaluation).
 * @returns The total and its parts, scalars.
 */
export type FlowLoss = (
  flow: TransformedDistribution,
  batch: FlowBatch,
  options: { training: boolean },
) => LossTerms;

/**
 * The default objective: mean −log p(x) (or −log p(x | context)) of the batch, in nats.
 * @param flow The flow.
 * @param batch Examples (and context).
 * @param options Training mode.
 * @returns `{ total: mean NLL, terms: {} }`.
 * @example
 * ```ts
 * import { buildRealNvpFlow, tf } from "../../mod.ts";
 * import { nllLoss } from "./flow_loss.ts";
 * const flow = buildRealNvpFlow({ dims: 2, flowSteps: 1, hiddenLayers: [4], seed: 1 });
 * const { total } = nllLoss(flow, { x: tf.zeros([3, 2]) }, { training: false });
 * total.print(); // ≈ 1.84 nats (log N(0; 0, I) = −1.838 at initialisation)
 * ```
 */
export function nllLoss(
  flow: TransformedDistribution,
  batch: FlowBatch,
  options: { training: boolean },
): LossTerms {
  const logProb = flow.logProb(batch.x, { training: options.training, context: batch.context });
  return { total: tf.neg(tf.mean(logProb)) as tf.Scalar, terms: {} };
}

/**
 * The mean of a loss and of its parts over a data source, in inference mode.
 * @param flow The flow.
 * @param source Data (with the context a conditional flow needs).
 * @param loss The objective.
 * @param batchSize Evaluation batch size. Default 1024.
 * @returns The example-weighted means of the total and of each part.
 * @throws Error when the source's context does not fit the flow.
 * @example
 * ```ts
 * import { ArrayDataSource, buildRealNvpFlow } from "../../mod.ts";
 * import { evaluateLoss, nllLoss } from "./flow_loss.ts";
 * const flow = buildRealNvpFlow({ dims: 2, flowSteps: 1, hiddenLayers: [4], seed: 1 });
 * const data = new ArrayDataSource(new Float32Array([0, 0, 1, 1, 2, 2]), [2]);
 * const { value } = await evaluateLoss(flow, data, nllLoss); // the mean NLL, as evaluateNll
 * ```
 */
export async function evaluateLoss(
  flow: TransformedDistribution,
  source: DataSource,
  loss: FlowLoss,
  batchSize = 1024,
): Promise<{ value: number; terms: Record<string, number> }> {
  checkSourceContext(source, flow.contextDim, "evaluation");
  let total = 0, count = 0;
  const sums: Record<string, number> = {};
  for await (const batch of source.batches(batchSize, null)) {
    const n = batch.x.shape[0];
    let names: string[] = [];
    const stacked = tf.tidy(() => {
      const { total, terms } = loss(flow, batch, { training: false });
      names = Object.keys(terms);
      return tf.stack([total, ...Object.values(terms)]);
    });
    const values = await stacked.data();
    stacked.dispose();
    disposeBatch(batch);
    total += values[0] * n;
    count += n;
    names.forEach((name, i) => (sums[name] = (sums[name] ?? 0) + values[i + 1] * n));
  }
  return {
    value: total / count,
    terms: Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / count])),
  };
}
