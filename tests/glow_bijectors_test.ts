/**
 * The properties specific to each Glow bijector: the squeeze's pixel layout,
 * the LU convolution's initial rotation and cheap inverse, the couplings'
 * zero-initialised start, the logit's analytic log-det on pixel values, and
 * the dequantisation noise. The shared harness (round trip, log-det against
 * the autodiff Jacobian, inverse log-det, gradients, wasm vs cpu, config
 * round trip; all at random parameters) runs on their cases in
 * tests/bijector_cases.ts, through tests/bijectors_test.ts.
 */
import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { initBackend } from "../lib/kernels/backend.ts";
import { ActNorm } from "../lib/bijectors/act_norm.ts";
import { dequantize, DequantizedSource } from "../lib/images/dequantize.ts";
import { GlowCoupling } from "../lib/bijectors/glow_coupling.ts";
import { InvertibleConv1x1 } from "../lib/bijectors/invertible_conv1x1.ts";
import { luDecompose } from "../lib/linalg/lu.ts";
import { randomRotation } from "../lib/linalg/orthogonal.ts";
import { LogitTransform } from "../lib/bijectors/logit.ts";
import { levelShapes, MultiScale } from "../lib/bijectors/multiscale.ts";
import { squeeze2x2, unsqueeze2x2 } from "../lib/bijectors/squeeze.ts";
import { glowNetwork } from "../lib/nn/conv_network.ts";
import { ArrayDataSource } from "../lib/training/data_source.ts";
import { Rng } from "../lib/core/random.ts";
import { logAbsDet, randomizeVariables } from "./bijector_harness.ts";

Deno.test("squeeze puts 2×2 blocks into channels and undoes it (= tf.depthToSpace)", async () => {
  await initBackend("wasm");
  tf.tidy(() => {
    // one 4×4 image with 2 channels: value = 100·row + 10·col + channel
    const values = [];
    for (let r = 0; r < 4; r++) {
      for (let c = 0; c < 4; c++) values.push(100 * r + 10 * c, 100 * r + 10 * c + 1);
    }
    const x = tf.tensor4d(values, [1, 4, 4, 2]);
    const y = squeeze2x2(x);
    assert.deepEqual(y.shape, [1, 2, 2, 8]);
    // output pixel (1, 0) holds input rows 2–3, columns 0–1; channel (2·dy + dx)·2 + k
    assert.deepEqual(
      Array.from(tf.slice(y, [0, 1, 0, 0], [1, 1, 1, 8]).dataSync()),
      [200, 201, 210, 211, 300, 301, 310, 311],
    );
    assert.deepEqual(Array.from(unsqueeze2x2(y).dataSync()), values);
    assert.deepEqual(Array.from(tf.depthToSpace(y as tf.Tensor4D, 2).dataSync()), values);
  });
  assert.throws(() => squeeze2x2(tf.zeros([1, 3, 4, 1])), /even h and w/);
});

Deno.test("luDecompose reconstructs a random matrix as P·L·U", () => {
  const rng = new Rng(5);
  const a = Array.from({ length: 6 }, () => Array.from({ length: 6 }, () => rng.normal()));
  const { permutation, lower, upper } = luDecompose(a);
  for (let i = 0; i < 6; i++) {
    assert.equal(lower[i][i], 1);
    for (let j = 0; j < 6; j++) {
      if (j > i) assert.equal(lower[i][j], 0);
      if (j < i) assert.ok(Math.abs(upper[i][j]) < 1e-12);
      // (P·L·U)[r][j] = (L·U)[i][j] where P[r][i] = 1, r = permutation[i]
      const lu = lower[i].reduce((s, l, k) => s + l * upper[k][j], 0);
      assert.ok(Math.abs(lu - a[permutation[i]][j]) < 1e-12);
    }
  }
});

Deno.test("invertible_conv1x1 starts as a rotation and its cheap inverse is exact", async () => {
  await initBackend("wasm");
  const q = randomRotation(5, 9);
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 5; j++) {
      const dot = q[i].reduce((s, v, k) => s + v * q[j][k], 0);
      assert.ok(Math.abs(dot - +(i === j)) < 1e-12);
    }
  }
  const conv = new InvertibleConv1x1({ channels: 6, seed: 3 });
  try {
    tf.tidy(() => {
      const w = conv.weight();
      const gram = tf.matMul(w, w, false, true);
      assert.ok(tf.max(tf.abs(tf.sub(gram, tf.eye(6)))).dataSync()[0] < 1e-5, "W·Wᵀ = I");
      assert.ok(Math.abs(tf.sum(conv.logScale).dataSync()[0]) < 1e-5, "log|det W| = 0");
    });
    randomizeVariables(conv, 77);
    tf.tidy(() => {
      const product = tf.matMul(conv.weight(), conv.inverseWeight());
      const err = tf.max(tf.abs(tf.sub(product, tf.eye(6)))).dataSync()[0];
      assert.ok(err < 1e-4, `W·W⁻¹ differs from I by ${err}`);
      const sumLogS = tf.sum(conv.logScale).dataSync()[0];
      const det = logAbsDet(conv.weight().arraySync());
      assert.ok(Math.abs(det - sumLogS) < 1e-4, `log|det W| ${det} vs Σ logS ${sumLogS}`);
    });
  } finally {
    conv.dispose();
  }
});

Deno.test("glow_coupling at initialisation: sigmoid scales by sigmoid(2), clamp is the identity", async () => {
  await initBackend("wasm");
  const sigmoid = new GlowCoupling({
    channels: 4,
    network: glowNetwork(8),
    seed: 1,
    scale: "sigmoid",
  });
  const clamp = new GlowCoupling({ channels: 4, network: glowNetwork(8), seed: 1 });
  try {
    tf.tidy(() => {
      const x = tf.randomNormal([2, 3, 3, 4], 0, 1, "float32", 4);
      const s = Math.log(1 / (1 + Math.exp(-2)));
      const a = sigmoid.forwardAndLogDet(x);
      const expected = tf.concat([
        tf.slice(x, [0, 0, 0, 0], [2, 3, 3, 2]),
        tf.mul(tf.slice(x, [0, 0, 0, 2], [2, 3, 3, 2]), Math.exp(s)),
      ], 3);
      assert.ok(tf.max(tf.abs(tf.sub(a.value, expected))).dataSync()[0] < 1e-6);
      for (const v of a.logDet.dataSync()) assert.ok(Math.abs(v - 18 * s) < 1e-4);
      const b = clamp.forwardAndLogDet(x);
      assert.ok(tf.max(tf.abs(tf.sub(b.value, x))).dataSync()[0] === 0);
      assert.deepEqual(Array.from(b.logDet.dataSync()), [0, 0]);
    });
  } finally {
    sigmoid.dispose();
    clamp.dispose();
  }
});

Deno.test("logit: log-det on pixel values matches the analytic derivative", async () => {
  await initBackend("wasm");
  const levels = 256;
  const pixels = dequantize(Array.from({ length: 12 }, (_, i) => i * 23), 3);
  for (const alpha of [0.05, 1e-6]) {
    const logit = new LogitTransform({ alpha, levels });
    tf.tidy(() => {
      const x = tf.tensor2d(pixels, [2, 6]);
      const { value, logDet } = logit.forwardAndLogDet(x);
      const y = value.dataSync(), ld = logDet.dataSync();
      for (let n = 0; n < 2; n++) {
        let expected = 0;
        for (let i = 0; i < 6; i++) {
          const p = alpha + (1 - 2 * alpha) * pixels[n * 6 + i] / levels;
          const err = Math.abs(y[n * 6 + i] - Math.log(p / (1 - p)));
          assert.ok(
            err < 1e-4 * Math.max(1, Math.abs(y[n * 6 + i])),
            `α=${alpha}: logit error ${err}`,
          );
          expected += Math.log((1 - 2 * alpha) / levels) - Math.log(p) - Math.log(1 - p);
        }
        assert.ok(Math.abs(ld[n] - expected) < 1e-3, `α=${alpha}: ${ld[n]} vs ${expected}`);
      }
      const back = logit.inverse(value).dataSync();
      pixels.forEach((v, i) => assert.ok(Math.abs(back[i] - v) < 2e-3, `${back[i]} vs ${v}`));
    });
  }
  assert.throws(() => new LogitTransform({ alpha: 0.5 }), /alpha must be in/);
});

Deno.test("multiscale levelShapes: 28×28×1 in two levels, and shapes that cannot squeeze", () => {
  assert.deepEqual(levelShapes([28, 28, 1], 2), [
    { inner: [14, 14, 4], factoredChannels: 2 },
    { inner: [7, 7, 8], factoredChannels: 0 },
  ]);
  assert.deepEqual(levelShapes([8, 8, 3], 3).map((s) => s.inner), [[4, 4, 12], [2, 2, 24], [
    1,
    1,
    48,
  ]]);
  assert.throws(() => levelShapes([28, 28, 1], 3), /divisible by 8/);
});

Deno.test("multiscale factors out the second half of the channels first in the latent vector", async () => {
  await initBackend("wasm");
  const identity = (dims: number) => new ActNorm({ dims }); // identity at initialisation
  const ms = new MultiScale({
    imageShape: [4, 4, 1],
    levels: [identity(4), identity(8)],
    priors: [
      new GlowCoupling({
        channels: 4,
        network: { hiddenLayers: [] },
        seed: 1,
        scale: "clamp",
      }),
    ],
  });
  try {
    tf.tidy(() => {
      const x = tf.reshape(tf.range(0, 16), [1, 4, 4, 1]);
      const z = ms.forward(x).dataSync();
      const squeezed = squeeze2x2(x); // [1, 2, 2, 4]
      const factored = tf.slice(squeezed, [0, 0, 0, 2], [1, 2, 2, 2]).dataSync();
      assert.deepEqual(Array.from(z.slice(0, 8)), Array.from(factored));
      const rest = squeeze2x2(tf.slice(squeezed, [0, 0, 0, 0], [1, 2, 2, 2])).dataSync();
      assert.deepEqual(Array.from(z.slice(8)), Array.from(rest));
      assert.deepEqual(ms.inverse(tf.tensor2d([Array.from(z)])).shape, [1, 4, 4, 1]);
    });
    assert.throws(
      () => ms.forward(tf.zeros([1, 15])),
      /expects \[batch, 4, 4, 1\] or \[batch, 16\]/,
    );
  } finally {
    ms.dispose();
  }
});

Deno.test("dequantize adds U(0, 1) noise; evaluation passes reuse the same noise", async () => {
  await initBackend("wasm");
  const pixels = Float32Array.from({ length: 4000 }, (_, i) => i % 256);
  const x = dequantize(pixels, 1);
  let mean = 0;
  x.forEach((v, i) => {
    assert.ok(v >= pixels[i] && v < pixels[i] + 1);
    mean += (v - pixels[i]) / x.length;
  });
  assert.ok(Math.abs(mean - 0.5) < 0.02, `noise mean ${mean}`);
  const source = new DequantizedSource(new ArrayDataSource(pixels, [10, 10, 1]), 2);
  const pass = async (rng: Rng | null) => {
    const out: number[] = [];
    for await (const { x, context } of source.batches(16, rng)) {
      assert.deepEqual(x.shape.slice(1), [10, 10, 1]);
      assert.equal(context, undefined);
      out.push(...x.dataSync());
      x.dispose();
    }
    return out;
  };
  const [e1, e2] = [await pass(null), await pass(null)];
  assert.deepEqual(e1, e2);
  e1.forEach((v, i) => assert.ok(v >= pixels[i] && v < pixels[i] + 1));
  const [t1, t2] = [await pass(new Rng(1)), await pass(new Rng(1))];
  assert.notDeepEqual(t1, t2, "training passes draw fresh noise");
});

Deno.test("act_norm on images: the first training batch initialises per-channel mean 0, variance 1", async () => {
  await initBackend("wasm");
  const norm = new ActNorm({ dims: 3 });
  try {
    tf.tidy(() => {
      const scales = tf.tensor1d([0.5, 3, 20]), shifts = tf.tensor1d([-4, 0, 7]);
      const x = tf.add(tf.mul(tf.randomNormal([16, 5, 5, 3], 0, 1, "float32", 8), scales), shifts);
      const y = norm.forward(x, { training: true });
      const { mean, variance } = tf.moments(y, [0, 1, 2]);
      mean.dataSync().forEach((m) => assert.ok(Math.abs(m) < 1e-4, `mean ${m}`));
      variance.dataSync().forEach((v) => assert.ok(Math.abs(v - 1) < 1e-3, `variance ${v}`));
      // log-det counts each channel's log-scale once per pixel: 25 · Σ log(1 / σ_c)
      const ld = norm.forwardLogDetJacobian(x).dataSync()[0];
      const expected = -25 *
        tf.sum(tf.log(tf.sqrt(tf.moments(x, [0, 1, 2]).variance))).dataSync()[0];
      assert.ok(Math.abs(ld - expected) < 1e-2, `${ld} vs ${expected}`);
    });
  } finally {
    norm.dispose();
  }
});
