/**
 * One optimizer step of maximum-likelihood training, shared by the trainer
 * and the benchmarks: loss = mean NLL (training mode) + weight penalty,
 * gradients of every trainable variable, global gradient norm, a NaN/Inf
 * check before anything is updated, clipping, and an Adam update.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import type { TransformedDistribution } from "../distributions/transformed.ts";
import type { Adam } from "./adam.ts";
import type { FlowBatch } from "./data_source.ts";
import { createLossStep } from "./loss_step.ts";

/** What one step measured. */
export interface StepResult {
  /** Loss before the update (NLL + penalty). */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Whether the step was applied (false when the loss or norm is not finite). */
  applied: boolean;
}

/**
 * Builds the step function of a flow and its optimizer.
 * @param flow The flow to train.
 * @param optimizer Adam over `flow.bijector.trainableVariables()`.
 * @param gradNormThresh Global-norm clipping threshold; 0: none.
 * @returns `step(batch, learningRate)`, where `batch` is a {@link FlowBatch}
 *   (with the context a conditional flow needs); it disposes nothing it was given.
 * @example
 * ```ts
 * import { buildRealNvpFlow, tf } from "../../mod.ts";
 * import { Adam } from "./adam.ts";
 * import { createTrainStep } from "./train_step.ts";
 * const flow = buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [8], seed: 1 });
 * const step = createTrainStep(flow, new Adam(flow.bijector.trainableVariables()), 25);
 * const x = tf.randomNormal([16, 2]);
 * const r = await step({ x }, 1e-3); // { loss, gradNorm, applied: true }
 * ```
 */
export function createTrainStep(
  flow: TransformedDistribution,
  optimizer: Adam,
  gradNormThresh = 0,
): (batch: FlowBatch, learningRate: number) => Promise<StepResult> {
  const step = createLossStep(flow.bijector.trainableVariables(), optimizer, gradNormThresh);
  return async (batch, learningRate) => {
    const { loss, gradNorm, applied } = await step(() => {
      const options = { training: true, context: batch.context };
      const nll = tf.neg(tf.mean(flow.logProb(batch.x, options))) as tf.Scalar;
      const penalty = flow.bijector.regularization();
      return { total: penalty ? tf.add(nll, penalty) : nll, terms: {} };
    }, learningRate);
    return { loss, gradNorm, applied };
  };
}
