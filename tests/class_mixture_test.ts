/**
 * The class-conditional Gaussian mixture as a flow's base (application 3):
 * per-class log-densities, the marginal and the class posterior against a
 * direct computation in float64; draws of a chosen class land in its
 * component; Bayes-rule classification through an identity-initialised flow
 * is the exact Bayes classifier; save/load, the information-bottleneck loss
 * against a hand computation, and training that moves the means.
 */
import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { Rng } from "../lib/core/random.ts";
import { AffineCoupling } from "../lib/bijectors/affine_coupling.ts";
import { Chain } from "../lib/bijectors/chain.ts";
import { ClassGaussianMixture, initialClassMeans } from "../lib/distributions/class_mixture.ts";
import { TransformedDistribution } from "../lib/distributions/transformed.ts";
import { loadFlow, saveFlow } from "../lib/io/model_io.ts";
import { ArrayDataSource } from "../lib/training/data_source.ts";
import {
  informationBottleneckLoss,
  informationBottleneckWeights,
} from "../lib/training/information_bottleneck.ts";
import { silentProgress } from "../lib/training/progress.ts";
import { trainFlow } from "../lib/training/trainer.ts";

const LOG_2PI = Math.log(2 * Math.PI);

/** log N(z; μ, I) in float64. */
function logNormal(z: number[], mu: number[]): number {
  let s = 0;
  for (let j = 0; j < z.length; j++) s += (z[j] - mu[j]) ** 2;
  return -0.5 * s - 0.5 * z.length * LOG_2PI;
}

function logSumExp(v: number[]): number {
  const m = Math.max(...v);
  return m + Math.log(v.reduce((a, x) => a + Math.exp(x - m), 0));
}

function oneHot(labels: number[], k: number): tf.Tensor2D {
  return tf.oneHot(tf.tensor1d(labels, "int32"), k).toFloat() as tf.Tensor2D;
}

/** A flow that is the identity at initialisation: couplings with zero-initialised outputs. */
function identityFlow(dims: number, base: ClassGaussianMixture): TransformedDistribution {
  const coupling = (seed: number) =>
    new AffineCoupling({ dims, network: { hiddenLayers: [8], zeroInitOutput: true }, seed });
  return new TransformedDistribution(base, new Chain([coupling(1), coupling(2)]));
}

Deno.test("class mixture: log-density per class, marginal and posterior match a direct computation", () => {
  const rng = new Rng(3);
  const D = 5, K = 3, n = 7;
  const means = Array.from({ length: K }, () => Array.from({ length: D }, () => 2 * rng.normal()));
  const weights = [0.2, 0.5, 0.3];
  const z = Array.from({ length: n }, () => Array.from({ length: D }, () => 1.5 * rng.normal()));
  const labels = Array.from({ length: n }, (_, i) => i % K);
  const m = new ClassGaussianMixture({ dims: D, numClasses: K, means, weights });
  try {
    const zt = tf.tensor2d(z);
    const perClass = m.classLogProb(zt).arraySync();
    const posterior = m.classPosterior(zt).arraySync();
    const marginal = m.logProb(zt).arraySync();
    const conditional = m.logProb(zt, oneHot(labels, K)).arraySync();
    for (let i = 0; i < n; i++) {
      const direct = means.map((mu) => logNormal(z[i], mu));
      const joint = direct.map((v, k) => v + Math.log(weights[k]));
      const lse = logSumExp(joint);
      for (let k = 0; k < K; k++) {
        assert.ok(Math.abs(perClass[i][k] - direct[k]) < 1e-4 * (1 + Math.abs(direct[k])));
        assert.ok(Math.abs(posterior[i][k] - Math.exp(joint[k] - lse)) < 1e-5);
      }
      assert.ok(Math.abs(marginal[i] - lse) < 1e-4 * (1 + Math.abs(lse)));
      assert.ok(Math.abs(conditional[i] - direct[labels[i]]) < 1e-4 * (1 + Math.abs(direct[0])));
    }
    assert.throws(() => m.logProb(zt, oneHot([0, 1], K)), /one-hot rows of shape \[7, 3\]/);
    tf.dispose(zt);
  } finally {
    m.dispose();
  }
});

Deno.test("class mixture: initial means are spacing apart; bad options are refused", () => {
  for (const [d, k] of [[784, 10], [3, 3], [2, 4], [1, 3]]) {
    const mu = initialClassMeans(d, k, 5);
    for (let a = 0; a < k; a++) {
      for (let b = a + 1; b < k; b++) {
        // Orthogonal means (D ≥ K) are all 5 apart; on a circle or a line, neighbours are.
        if (d < k && b !== a + 1) continue;
        const dist = Math.hypot(...mu[a].map((v, j) => v - mu[b][j]));
        assert.ok(Math.abs(dist - 5) < 1e-9, `D ${d}, K ${k}: classes ${a}, ${b} ${dist} apart`);
      }
    }
  }
  assert.throws(() => new ClassGaussianMixture({ dims: 2, numClasses: 1 }), /at least 2 classes/);
  assert.throws(
    () => new ClassGaussianMixture({ dims: 2, numClasses: 2, weights: [1, 0] }),
    /2 positive numbers/,
  );
  assert.throws(
    () => new ClassGaussianMixture({ dims: 2, numClasses: 2, means: [[0, 0]] }),
    /2 rows of 2 values/,
  );
});

Deno.test("class mixture: draws of a chosen class land in its component", () => {
  const m = new ClassGaussianMixture({ dims: 3, numClasses: 3, meanSpacing: 8 });
  try {
    const means = m.means.arraySync() as number[][];
    for (let k = 0; k < 3; k++) {
      const z = m.sampleClass(k, 4000, { seed: 10 + k, temperature: 0.5 });
      const mean = tf.mean(z, 0).arraySync() as number[];
      const std = tf.moments(tf.sub(z, tf.tensor1d(means[k])), 0).variance.sqrt()
        .arraySync() as number[];
      means[k].forEach((mu, j) => assert.ok(Math.abs(mean[j] - mu) < 0.05, `mean ${mean}`));
      std.forEach((s) => assert.ok(Math.abs(s - 0.5) < 0.03, `std ${std}`));
      const predicted = tf.argMax(m.classPosterior(z), 1).arraySync() as number[];
      assert.ok(predicted.every((p) => p === k), `class ${k}: a draw classified elsewhere`);
      tf.dispose(z);
    }
    // Without a class: classes drawn from the weights.
    const w = new ClassGaussianMixture({
      dims: 2,
      numClasses: 2,
      means: [[-10, 0], [10, 0]],
      weights: [1, 3],
    });
    const x0 = w.sample(4000, 5).slice([0, 0], [-1, 1]).arraySync() as number[][];
    const share = x0.filter(([v]) => v > 0).length / x0.length;
    assert.ok(Math.abs(share - 0.75) < 0.03, `share of class 1: ${share}`);
    w.dispose();
  } finally {
    m.dispose();
  }
});

Deno.test("class mixture: Bayes-rule classification through an identity-initialised flow is exact", () => {
  const D = 4;
  const mu0 = [-3, 0, 0, 0], mu1 = [3, 0, 0, 0], weights = [0.3, 0.7];
  const flow = identityFlow(
    D,
    new ClassGaussianMixture({ dims: D, numClasses: 2, means: [mu0, mu1], weights }),
  );
  try {
    const rng = new Rng(7);
    const n = 1000;
    const labels = Array.from({ length: n }, (_, i) => i % 2);
    const x = labels.map((y) => (y ? mu1 : mu0).map((m) => m + rng.normal()));
    const xt = tf.tensor2d(x);
    const mixture = flow.base as ClassGaussianMixture;
    const posterior = mixture.classPosterior(flow.toLatent(xt)).arraySync();
    const conditional = flow.logProb(xt, { context: oneHot(labels, 2) }).arraySync();
    let bayesRight = 0, flowRight = 0;
    for (let i = 0; i < n; i++) {
      // Bayes: log-odds of class 1 = log(0.7/0.3) + 6·x₀ for means ∓3 on axis 0.
      const logOdds = Math.log(weights[1] / weights[0]) + 6 * x[i][0];
      const p1 = 1 / (1 + Math.exp(-logOdds));
      assert.ok(Math.abs(posterior[i][1] - p1) < 1e-4, `point ${i}: ${posterior[i][1]} vs ${p1}`);
      const bayes = logOdds > 0 ? 1 : 0;
      const fromFlow = posterior[i][1] > posterior[i][0] ? 1 : 0;
      assert.equal(fromFlow, bayes, `point ${i}: the flow decides otherwise than Bayes' rule`);
      bayesRight += bayes === labels[i] ? 1 : 0;
      flowRight += fromFlow === labels[i] ? 1 : 0;
      const exact = logNormal(x[i], labels[i] ? mu1 : mu0);
      assert.ok(Math.abs(conditional[i] - exact) < 1e-4 * (1 + Math.abs(exact)));
    }
    assert.equal(flowRight, bayesRight);
    assert.ok(flowRight / n > 0.99, `accuracy ${flowRight / n}`); // well separated: Φ(3) ≈ 0.9987
    // The flow is conditional through its base only: no context gives the marginal.
    assert.equal(flow.contextDim, 2);
    const marginal = flow.logProb(xt).arraySync();
    const direct = logSumExp([
      Math.log(0.3) + logNormal(x[0], mu0),
      Math.log(0.7) + logNormal(x[0], mu1),
    ]);
    assert.ok(Math.abs(marginal[0] - direct) < 1e-4 * (1 + Math.abs(direct)));
    // Class-conditional draws through the flow, one context row broadcast.
    const drawn = flow.sample(500, { seed: 3, temperature: 0.5, context: oneHot([1], 2) });
    assert.ok(Math.abs((tf.mean(drawn, 0).arraySync() as number[])[0] - 3) < 0.1);
    tf.dispose([xt, drawn]);
  } finally {
    flow.dispose();
  }
});

Deno.test("class mixture flow: save/load keeps means and weights; the trainer moves the means", async () => {
  const D = 2;
  const base = new ClassGaussianMixture({
    dims: D,
    numClasses: 2,
    means: [[-1, 0], [1, 0]],
    learnWeights: true,
  });
  const flow = identityFlow(D, base);
  const dir = await Deno.makeTempDir();
  try {
    // Two classes around (−2, 1) and (2, −1): the means should move towards them.
    const rng = new Rng(2);
    const n = 512;
    const labels = Array.from({ length: n }, (_, i) => i % 2);
    const x = new Float32Array(n * D);
    labels.forEach((y, i) => {
      x[2 * i] = (y ? 2 : -2) + 0.3 * rng.normal();
      x[2 * i + 1] = (y ? -1 : 1) + 0.3 * rng.normal();
    });
    const context = new Float32Array(labels.flatMap((y) => (y ? [0, 1] : [1, 0])));
    const before = base.means.arraySync() as number[][];
    const result = await trainFlow(flow, new ArrayDataSource(x, [D], { context, contextDim: 2 }), {
      epochs: 3,
      batchSize: 64,
      learningRate: 5e-2,
      seed: 1,
      progress: silentProgress,
      loss: informationBottleneckLoss({ beta: 1, labelSmoothing: 0.02 }),
    });
    const after = base.means.arraySync() as number[][];
    assert.ok(after[0][1] > before[0][1] + 0.05, `mean 0 did not move: ${after[0]}`);
    const terms = result.history.at(-1)!.terms!;
    assert.deepEqual(Object.keys(terms), ["nll_per_dim", "label_nll", "accuracy"]);
    assert.ok(terms.accuracy > 0.95, `training accuracy ${terms.accuracy}`);

    await saveFlow(flow, dir);
    const again = await loadFlow(dir);
    try {
      assert.ok(again.base instanceof ClassGaussianMixture);
      assert.deepEqual(again.base.means.arraySync(), after);
      assert.deepEqual(again.base.logWeights().arraySync(), base.logWeights().arraySync());
      const xt = tf.tensor2d(x.subarray(0, 8), [4, D]);
      assert.deepEqual(again.logProb(xt).arraySync(), flow.logProb(xt).arraySync());
      xt.dispose();
    } finally {
      again.dispose();
    }
  } finally {
    flow.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("information-bottleneck loss: weights, and its value against a hand computation", () => {
  assert.deepEqual(informationBottleneckWeights(1), [1, 1]);
  assert.deepEqual(informationBottleneckWeights(3), [0.5, 1.5]);
  assert.deepEqual(informationBottleneckWeights(Infinity), [0, 2]);
  assert.throws(() => informationBottleneckWeights(-1), /β must be ≥ 0/);
  assert.throws(() => informationBottleneckLoss({ beta: 1, labelSmoothing: 1 }), /labelSmoothing/);

  const D = 2, means = [[-1, 0], [2, 1]], weights = [0.4, 0.6];
  const flow = identityFlow(
    D,
    new ClassGaussianMixture({ dims: D, numClasses: 2, means, weights }),
  );
  try {
    const x = [[0.5, 0.2], [-1.5, 0.3], [1, 1]];
    const labels = [1, 0, 0];
    const eps = 0.1, beta = 2;
    let lx = 0, ly = 0, right = 0;
    for (let i = 0; i < x.length; i++) {
      const joint = means.map((mu, k) => logNormal(x[i], mu) + Math.log(weights[k]));
      const lse = logSumExp(joint);
      lx += -lse / D;
      const logPost = joint.map((v) => v - lse);
      const target = [0, 1].map((k) => (k === labels[i] ? 1 - eps : 0) + eps / 2);
      ly += -(target[0] * logPost[0] + target[1] * logPost[1]);
      right += (logPost[1] > logPost[0] ? 1 : 0) === labels[i] ? 1 : 0;
    }
    lx /= x.length;
    ly /= x.length;
    const loss = informationBottleneckLoss({ beta, labelSmoothing: eps });
    const { total, terms } = loss(flow, { x: tf.tensor2d(x), context: oneHot(labels, 2) }, {
      training: false,
    });
    const expected = (2 / (1 + beta)) * lx + ((2 * beta) / (1 + beta)) * ly;
    assert.ok(Math.abs(total.arraySync() - expected) < 1e-5, `${total.arraySync()} vs ${expected}`);
    assert.ok(Math.abs(terms.nll_per_dim.arraySync() - lx) < 1e-5);
    assert.ok(Math.abs(terms.label_nll.arraySync() - ly) < 1e-5);
    assert.ok(Math.abs(terms.accuracy.arraySync() - right / x.length) < 1e-7);
    tf.dispose([total, ...Object.values(terms)]);
    assert.throws(
      () => loss(flow, { x: tf.tensor2d(x) }, { training: false }),
      /one-hot labels \[n, 2\]/,
    );
  } finally {
    flow.dispose();
  }
});
