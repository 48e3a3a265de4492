/**
 * Classifier two-sample test (Lopez-Paz & Oquab 2017; the posterior metric
 * of Lueckmann et al. 2021): train a small MLP to tell two samples apart and
 * report its held-out accuracy under k-fold cross-validation. 0.5 means the
 * samples are indistinguishable, 1 means perfectly separable.
 *
 * Runs on any tfjs backend, wasm included: data are standardized, shuffled
 * and split in JavaScript and each batch becomes its own tensor (no
 * `tf.gather` under a gradient).
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { validatePoints } from "../data/validate_points.ts";
import { DenseNetwork } from "../nn/dense_network.ts";
import { Adam } from "../training/adam.ts";
import type { Rng } from "../core/random.ts";
import { rngFrom } from "./seeding.ts";

/** Options of {@link classifierTwoSampleTest}. */
export interface C2stOptions {
  /** Number of columns of both samples. */
  dims: number;
  /** Cross-validation folds. Default 5. */
  folds?: number;
  /** Hidden layer widths of the classifier. Default `[64, 64]`. */
  hiddenLayers?: number[];
  /** Training epochs per fold. Default 40. */
  epochs?: number;
  /** Mini-batch size. Default 128. */
  batchSize?: number;
  /** Adam learning rate. Default 3e-3. */
  learningRate?: number;
  /** Seed of subsampling, folds, shuffling and initialization. Default 0. */
  seed?: number;
}

/** Held-out accuracies of the classifier. */
export interface C2stResult {
  /** Mean accuracy over the folds (0.5: indistinguishable). */
  accuracy: number;
  /** Accuracy on each fold's held-out part. */
  foldAccuracies: number[];
  /** Points used from each sample (the larger sample is subsampled to the smaller's size). */
  pointsPerSample: number;
}

/** Random rows `[count, dims]` of a row-major array, without replacement. */
function subsample(x: ArrayLike<number>, dims: number, count: number, rng: Rng): Float64Array {
  const n = x.length / dims;
  const rows = count === n ? Array.from({ length: n }, (_, i) => i) : rng.permutation(n);
  const out = new Float64Array(count * dims);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dims; j++) out[i * dims + j] = x[rows[i] * dims + j];
  }
  return out;
}

/** Rows `idx` of row-major `features` as float32, and their labels. */
function gatherRows(
  features: Float64Array,
  labels: Uint8Array,
  idx: ArrayLike<number>,
  dims: number,
): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(idx.length * dims);
  const y = new Float32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i];
    for (let j = 0; j < dims; j++) x[i * dims + j] = features[r * dims + j];
    y[i] = labels[r];
  }
  return { x, y };
}

/** Mean logistic loss of logits against 0/1 labels, in a numerically stable form. */
function logisticLoss(logits: tf.Tensor2D, labels: tf.Tensor2D): tf.Scalar {
  // log(1 + e^l) − y·l = relu(l) − y·l + log(1 + e^−|l|)
  return tf.mean(
    tf.add(
      tf.sub(tf.relu(logits), tf.mul(labels, logits)),
      tf.log(tf.add(1, tf.exp(tf.neg(tf.abs(logits))))),
    ),
  ) as tf.Scalar;
}

async function trainAndScore(
  features: Float64Array,
  labels: Uint8Array,
  train: number[],
  test: number[],
  dims: number,
  options: Required<Omit<C2stOptions, "seed" | "dims" | "folds">>,
  rng: Rng,
): Promise<number> {
  const net = new DenseNetwork(dims, 1, { hiddenLayers: options.hiddenLayers }, rng.seed());
  const variables = net.variables().map((v) => v.variable);
  const adam = new Adam(variables);
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const order = rng.permutation(train.length).map((i) => train[i]);
      for (let start = 0; start < order.length; start += options.batchSize) {
        const batch = order.slice(start, start + options.batchSize);
        if (batch.length < 2) continue;
        const { x, y } = gatherRows(features, labels, batch, dims);
        const xt = tf.tensor2d(x, [batch.length, dims]);
        const yt = tf.tensor2d(y, [batch.length, 1]);
        const { value, grads } = tf.variableGrads(
          () => tf.tidy(() => logisticLoss(net.apply(xt), yt)),
          variables,
        );
        const gradList = variables.map((v) => grads[v.name]);
        adam.apply(gradList, options.learningRate);
        tf.dispose([xt, yt, value, ...gradList]);
      }
    }
    const { x, y } = gatherRows(features, labels, test, dims);
    const logits = tf.tidy(() => net.apply(tf.tensor2d(x, [test.length, dims])));
    const out = await logits.data(); // asynchronous: WebGPU in Deno cannot read synchronously
    logits.dispose();
    let correct = 0;
    for (let i = 0; i < test.length; i++) if ((out[i] > 0 ? 1 : 0) === y[i]) correct++;
    return correct / test.length;
  } finally {
    adam.dispose();
    tf.dispose(variables);
  }
}

/**
 * The classifier two-sample test accuracy of two samples.
 * @param x First sample, row-major `[n, dims]`.
 * @param y Second sample, row-major `[m, dims]`; the larger sample is
 *   subsampled to the smaller's size so that chance level is 0.5.
 * @param options `dims`, folds, network, epochs, batch size, learning rate, seed.
 * @returns Mean held-out accuracy and the accuracy of each fold.
 * @throws Error on malformed samples or fewer points than folds.
 * @example
 * ```ts
 * import { classifierTwoSampleTest } from "./c2st.ts";
 * import { Rng } from "../core/random.ts";
 * const rng = new Rng(1);
 * const a = Float64Array.from({ length: 2000 }, () => rng.normal());
 * const b = Float64Array.from({ length: 2000 }, () => rng.normal() + 3);
 * const { accuracy } = await classifierTwoSampleTest(a, b, { dims: 2, seed: 1 }); // ≈ 0.98
 * ```
 */
export async function classifierTwoSampleTest(
  x: Float64Array | Float32Array,
  y: Float64Array | Float32Array,
  options: C2stOptions,
): Promise<C2stResult> {
  const { dims } = options;
  validatePoints(x, dims, "the first C2ST sample");
  validatePoints(y, dims, "the second C2ST sample");
  const folds = options.folds ?? 5;
  if (!Number.isInteger(folds) || folds < 2) {
    throw new Error(`Number of folds must be an integer of at least 2, got ${folds}`);
  }
  const rng = rngFrom({ seed: options.seed });
  const n = Math.min(x.length, y.length) / dims;
  if (2 * n < 2 * folds) {
    throw new Error(`C2ST needs at least ${folds} points per sample for ${folds} folds, got ${n}`);
  }
  const features = new Float64Array(2 * n * dims);
  features.set(subsample(x, dims, n, rng), 0);
  features.set(subsample(y, dims, n, rng), n * dims);
  const labels = new Uint8Array(2 * n).fill(1, n);
  for (let j = 0; j < dims; j++) {
    let mean = 0, sq = 0;
    for (let i = 0; i < 2 * n; i++) mean += features[i * dims + j] / (2 * n);
    for (let i = 0; i < 2 * n; i++) sq += (features[i * dims + j] - mean) ** 2 / (2 * n);
    const sd = Math.sqrt(sq) || 1;
    for (let i = 0; i < 2 * n; i++) features[i * dims + j] = (features[i * dims + j] - mean) / sd;
  }
  const train = {
    hiddenLayers: options.hiddenLayers ?? [64, 64],
    epochs: options.epochs ?? 40,
    batchSize: options.batchSize ?? 128,
    learningRate: options.learningRate ?? 3e-3,
  };
  const order = rng.permutation(2 * n);
  const foldAccuracies: number[] = [];
  for (let k = 0; k < folds; k++) {
    const lo = Math.floor(k * 2 * n / folds), hi = Math.floor((k + 1) * 2 * n / folds);
    const test = order.slice(lo, hi);
    const trainIdx = [...order.slice(0, lo), ...order.slice(hi)];
    foldAccuracies.push(await trainAndScore(features, labels, trainIdx, test, dims, train, rng));
  }
  const accuracy = foldAccuracies.reduce((s, a) => s + a, 0) / folds;
  return { accuracy, foldAccuracies, pointsPerSample: n };
}
