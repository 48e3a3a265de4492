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
 * @returns `step(batch, learningRate)`; it disposes nothing it was given.
 * @example
 * ```ts
 * import { Adam, buildRealNvpFlow, createTrainStep, tf } from "../../mod.ts";
 * const flow = buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [8], seed: 1 });
 * const step = createTrainStep(flow, new Adam(flow.bijector.trainableVariables()), 25);
 * const batch = tf.randomNormal([16, 2]);
 * const r = await step(batch, 1e-3); // { loss, gradNorm, applied: true }
 * ```
 */
export function createTrainStep(
  flow: TransformedDistribution,
  optimizer: Adam,
  gradNormThresh = 0,
): (batch: tf.Tensor, learningRate: number) => Promise<StepResult> {
  const step = createLossStep(flow.bijector.trainableVariables(), optimizer, gradNormThresh);
  return async (batch, learningRate) => {
    const { loss, gradNorm, applied } = await step(() => {
      const nll = tf.neg(tf.mean(flow.logProb(batch, { training: true }))) as tf.Scalar;
      const penalty = flow.bijector.regularization();
      return { total: penalty ? tf.add(nll, penalty) : nll, terms: {} };
    }, learningRate);
    return { loss, gradNorm, applied };
  };
}
