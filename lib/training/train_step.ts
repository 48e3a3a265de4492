/**
 * One optimizer step of maximum-likelihood training, shared by the trainer
 * and the benchmarks: loss = mean NLL (training mode; or another
 * {@link ./flow_loss.ts FlowLoss}) + weight penalty,
 * gradients of every trainable variable, global gradient norm, a NaN/Inf
 * check before anything is updated, clipping, and an Adam update.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import type { TransformedDistribution } from "../distributions/transformed.ts";
import type { Adam } from "./adam.ts";
import type { FlowBatch } from "./data_source.ts";
import { type FlowLoss, nllLoss } from "./flow_loss.ts";
import { createLossStep } from "./loss_step.ts";

/** What one step measured. */
export interface StepResult {
  /** Loss before the update (NLL, or the given loss, + penalty). */
  loss: number;
  /** The loss's named parts before the update (none for the NLL). */
  terms: Record<string, number>;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Whether the step was applied (false when the loss or norm is not finite). */
  applied: boolean;
}

/**
 * Builds the step function of a flow and its optimizer.
 * @param flow The flow to train.
 * @param optimizer Adam over `flow.trainableVariables()` (the bijector's and the base's).
 * @param gradNormThresh Global-norm clipping threshold; 0: none.
 * @param loss The objective. Default {@link nllLoss}, the mean NLL.
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
 * const r = await step({ x }, 1e-3); // { loss, terms: {}, gradNorm, applied: true }
 * ```
 */
export function createTrainStep(
  flow: TransformedDistribution,
  optimizer: Adam,
  gradNormThresh = 0,
  loss: FlowLoss = nllLoss,
): (batch: FlowBatch, learningRate: number) => Promise<StepResult> {
  const step = createLossStep(flow.trainableVariables(), optimizer, gradNormThresh);
  return async (batch, learningRate) => {
    const result = await step(() => {
      const { total, terms } = loss(flow, batch, { training: true });
      const penalty = flow.bijector.regularization();
      return { total: penalty ? tf.add(total, penalty) : total, terms };
    }, learningRate);
    return {
      loss: result.loss,
      terms: result.terms,
      gradNorm: result.gradNorm,
      applied: result.applied,
    };
  };
}
