/**
 * The information-bottleneck objective of a generative classifier
 * (Ardizzone et al. 2020, "Training Normalizing Flows with the Information
 * Bottleneck for Competitive Generative Classification", IB-INN): a flow
 * z = f(x) whose base is a {@link ../distributions/class_mixture.ts
 * ClassGaussianMixture}, trained on labelled examples (one-hot labels as the
 * batch's context) with
 *
 *   loss = 2/(1+β) · L_X + 2β/(1+β) · L_Y,
 *   L_X = −log p(x) / D                       (generative NLL per dimension,
 *                                              under the mixture's marginal)
 *   L_Y = −Σ_y ỹ · log p(y | x)               (cross-entropy of the labels ỹ,
 *                                              optionally label-smoothed)
 *
 * (L_Y here is the negative of the paper's log-posterior term, so both parts
 * are minimised.) β trades the two: β → 0 is a pure density model of x
 * (the best density, in principle the best at telling inputs of no class),
 * β → ∞ a discriminative classifier (cross-entropy of a linear softmax head
 * on z). As in the authors' code, L_X is per dimension, so β values are
 * comparable with theirs (the joint likelihood −log p(x, y) = D·L_X + L_Y
 * corresponds to β = 1/D), and the class weights enter L_Y without gradient.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { ClassGaussianMixture } from "../distributions/class_mixture.ts";
import type { TransformedDistribution } from "../distributions/transformed.ts";
import { customGradOp } from "../kernels/mod.ts";
import type { FlowBatch } from "./data_source.ts";
import type { FlowLoss } from "./flow_loss.ts";
import type { LossTerms } from "./loss_step.ts";

/** Options of {@link informationBottleneckLoss}. */
export interface InformationBottleneckOptions {
  /** β ≥ 0; `Infinity` gives the cross-entropy alone (a discriminative classifier). */
  beta: number;
  /** ε of label smoothing: the target is (1 − ε)·onehot + ε/K. Default 0. */
  labelSmoothing?: number;
}

/**
 * The weights of L_X and L_Y for a given β.
 * @param beta β ≥ 0, or `Infinity`.
 * @returns `[2/(1+β), 2β/(1+β)]`; `[0, 2]` for β = ∞.
 * @throws Error when β is negative or NaN.
 * @example
 * ```ts
 * import { informationBottleneckWeights } from "./information_bottleneck.ts";
 * informationBottleneckWeights(1); // [1, 1]
 * informationBottleneckWeights(0); // [2, 0]
 * informationBottleneckWeights(Infinity); // [0, 2]
 * ```
 */
export function informationBottleneckWeights(beta: number): [number, number] {
  if (!(beta >= 0)) throw new Error(`β must be ≥ 0 (or Infinity), got ${beta}`);
  if (beta === Infinity) return [0, 2];
  return [2 / (1 + beta), (2 * beta) / (1 + beta)];
}

/** x with no gradient: its value, a zero gradient. */
function stopGradient<T extends tf.Tensor>(x: T): T {
  return customGradOp<T>([x], ([t]) => ({ value: tf.clone(t) as T, save: [] }), (dy) => [
    tf.zerosLike(dy),
  ]);
}

/** The mixture base of a flow, or an error saying what the loss needs. */
function mixtureOf(flow: TransformedDistribution): ClassGaussianMixture {
  if (!(flow.base instanceof ClassGaussianMixture)) {
    throw new Error(
      `The information-bottleneck loss needs a flow whose base is a ClassGaussianMixture, ` +
        `got a base of type "${flow.base.config().type}"`,
    );
  }
  return flow.base;
}

/**
 * The information-bottleneck loss, for {@link ./trainer.ts trainFlow}'s `loss` option.
 * Each batch must carry its one-hot labels as `context` (`[n, K]`). Its parts,
 * reported per epoch: `nll_per_dim` (L_X, nats), `label_nll` (L_Y, nats) and
 * `accuracy` (of the Bayes-rule class, against the labels).
 * @param options β and label smoothing.
 * @returns The loss.
 * @throws Error when β is negative, or the label smoothing is outside [0, 1).
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { buildRealNvpFlow } from "../flows/realnvp_flow.ts";
 * import { ClassGaussianMixture } from "../distributions/class_mixture.ts";
 * import { TransformedDistribution } from "../distributions/transformed.ts";
 * import { ArrayDataSource } from "./data_source.ts";
 * import { informationBottleneckLoss } from "./information_bottleneck.ts";
 * import { silentProgress } from "./progress.ts";
 * import { trainFlow } from "./trainer.ts";
 * // 200 points of two classes around (−2, −2) and (2, 2), labels one-hot as the context.
 * const c = Array.from({ length: 200 }, (_, i) => i % 2);
 * const x = Float32Array.from({ length: 400 }, (_, j) => (c[j >> 1] ? 2 : -2) + Math.sin(j));
 * const y = Float32Array.from({ length: 400 }, (_, j) => (j % 2 === c[j >> 1] ? 1 : 0));
 * const dense = buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [16], seed: 1 });
 * const flow = new TransformedDistribution(
 *   new ClassGaussianMixture({ dims: 2, numClasses: 2 }),
 *   dense.bijector,
 * );
 * const r = await trainFlow(flow, new ArrayDataSource(x, [2], { context: y, contextDim: 2 }), {
 *   epochs: 2, batchSize: 50, learningRate: 1e-3, seed: 1, progress: silentProgress,
 *   loss: informationBottleneckLoss({ beta: 1 }),
 * });
 * console.log(Object.keys(r.history[0].terms!)); // ["nll_per_dim", "label_nll", "accuracy"]
 * ```
 */
export function informationBottleneckLoss(options: InformationBottleneckOptions): FlowLoss {
  const [wx, wy] = informationBottleneckWeights(options.beta);
  const smoothing = options.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing < 1)) {
    throw new Error(`labelSmoothing must be in [0, 1), got ${smoothing}`);
  }
  return (
    flow: TransformedDistribution,
    batch: FlowBatch,
    { training }: { training: boolean },
  ): LossTerms => {
    const mixture = mixtureOf(flow);
    const labels = batch.context;
    const k = mixture.numClasses;
    if (!labels || labels.shape[1] !== k) {
      throw new Error(
        `The information-bottleneck loss needs one-hot labels [n, ${k}] as each batch's ` +
          `context, got ${labels ? `[${labels.shape}]` : "none"}`,
      );
    }
    const n = batch.x.shape[0];
    const { value, logDet } = flow.bijector.forwardAndLogDet(batch.x, { training });
    const z = tf.reshape(value, [n, -1]);
    const classLogProb = mixture.classLogProb(z);
    const logWeights = mixture.logWeights();
    // L_X: −log p(x) per dimension under the marginal of the mixture.
    const logPx = tf.add(tf.logSumExp(tf.add(classLogProb, logWeights), 1), logDet);
    const nllPerDim = tf.div(tf.neg(tf.mean(logPx)), mixture.dims) as tf.Scalar;
    // L_Y: cross-entropy of the (smoothed) labels under p(y | x), weights without gradient.
    const logPosterior = tf.logSoftmax(tf.add(classLogProb, stopGradient(logWeights)));
    const target = smoothing > 0 ? tf.add(tf.mul(labels, 1 - smoothing), smoothing / k) : labels;
    const labelNll = tf.neg(tf.mean(tf.sum(tf.mul(target, logPosterior), 1))) as tf.Scalar;
    const hits = tf.equal(tf.argMax(logPosterior, 1), tf.argMax(labels, 1));
    const accuracy = tf.mean(tf.cast(hits, "float32")) as tf.Scalar;
    const total = wx > 0
      ? tf.add(tf.mul(wx, nllPerDim), tf.mul(wy, labelNll)) as tf.Scalar
      : tf.mul(wy, labelNll) as tf.Scalar;
    return { total, terms: { nll_per_dim: nllPerDim, label_nll: labelNll, accuracy } };
  };
}
