/**
 * One optimizer step for an arbitrary loss closure: gradients of every
 * variable, the global gradient norm, a NaN/Inf check before anything is
 * updated, global-norm clipping and an Adam update. The same step as
 * {@link ./train_step.ts createTrainStep}, for losses that are not
 * a flow's NLL (the INN's bidirectional MMD loss).
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import type { Adam } from "./adam.ts";
import { globalNorm } from "../kernels/mod.ts";

/** A loss to minimise and its named parts (for history and diagnostics). */
export interface LossTerms {
  /** The weighted sum that is minimised. */
  total: tf.Scalar;
  /** Unweighted parts. */
  terms: Record<string, tf.Scalar>;
}

/** What one step measured. */
export interface LossStepResult {
  /** Total loss before the update. */
  loss: number;
  /** The loss's named parts before the update. */
  terms: Record<string, number>;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Whether the update was applied (false when the loss or norm is not finite). */
  applied: boolean;
}

/**
 * Builds a step function over fixed variables and their optimizer.
 * @param variables The variables to update (the order of the optimizer's).
 * @param optimizer Adam over `variables`.
 * @param gradNormThresh Global-norm clipping threshold; 0: none.
 * @returns `step(loss, learningRate)`, where `loss` computes the loss terms of one batch.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { Adam } from "./adam.ts";
 * import { createLossStep } from "./loss_step.ts";
 * const w = tf.variable(tf.scalar(3));
 * const step = createLossStep([w], new Adam([w]), 0);
 * const total = () => tf.square(w) as tf.Scalar;
 * const r = await step(() => ({ total: total(), terms: {} }), 0.1); // r.loss = 9
 * ```
 */
export function createLossStep(
  variables: tf.Variable[],
  optimizer: Adam,
  gradNormThresh = 0,
): (loss: () => LossTerms, learningRate: number) => Promise<LossStepResult> {
  return async (loss, learningRate) => {
    let kept: [string, tf.Scalar][] = [];
    const { value, grads } = tf.variableGrads(() =>
      tf.tidy(() => {
        const { total, terms } = loss();
        kept = Object.entries(terms).map(([name, t]) => [name, tf.keep(t)]);
        return total;
      }), variables);
    const gradList = variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
    try {
      const stats = tf.tidy(() =>
        tf.stack([
          value,
          globalNorm(gradList),
          ...kept.map(([, t]) => t),
        ])
      );
      const [total, gradNorm, ...parts] = await stats.data();
      stats.dispose();
      const terms = Object.fromEntries(kept.map(([name], i) => [name, parts[i]]));
      if (!Number.isFinite(total) || !Number.isFinite(gradNorm)) {
        return { loss: total, terms, gradNorm, applied: false };
      }
      const scale = gradNormThresh > 0 && gradNorm > gradNormThresh ? gradNormThresh / gradNorm : 1;
      optimizer.apply(gradList, learningRate, scale);
      return { loss: total, terms, gradNorm, applied: true };
    } finally {
      tf.dispose([value, ...gradList, ...kept.map(([, t]) => t)]);
    }
  };
}
