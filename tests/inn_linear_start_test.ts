/**
 * The linear start of an INN (lib/inn/linear_start.ts, `InnModel`'s
 * `linearStart`, lib/bijectors/affine_map.ts): on a linear-Gaussian problem
 * with the noise among the inputs, the untrained INN initialised from pairs
 * already samples the exact posterior (the same INN without the linear start
 * does not); the fitted map survives save/load and resume; bad batches are
 * refused with the reason.
 */
import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { Rng } from "../lib/core/random.ts";
import { initBackend } from "../lib/kernels/backend.ts";
import type { AffineMap } from "../lib/bijectors/affine_map.ts";
import { InnModel } from "../lib/inn/inn_model.ts";
import { linearStart } from "../lib/inn/linear_start.ts";
import { loadInnNetwork, saveInnNetwork } from "../lib/inn/inn_io.ts";
import { trainInn } from "../lib/inn/train_inn.ts";
import { silentProgress } from "../lib/training/progress.ts";
import { fromRows, inverseSpd, matVec } from "../lib/linalg/matrix.ts";
import { sampleCovariance, sampleMean } from "../lib/linalg/covariance.ts";

await initBackend("wasm");

const A = [[1, 0.5, 0], [0, 1, -0.8]];
const NOISE = 0.1;

/** x ~ N(0, I₃), ε ~ N(0, I₂), y = A·x + σ·ε; INN inputs [x, ε]. */
function pairs(n: number, seed: number): { input: Float32Array; y: Float32Array } {
  const rng = new Rng(seed);
  const input = new Float32Array(5 * n), y = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 5; j++) input[5 * i + j] = rng.normal();
    for (let k = 0; k < 2; k++) {
      y[2 * i + k] = A[k].reduce((s, a, j) => s + a * input[5 * i + j], 0) +
        NOISE * input[5 * i + 3 + k];
    }
  }
  return { input, y };
}

/** The exact posterior of x given y: precision I + AᵀA/σ². */
function exactPosterior(y: number[]): { mean: Float64Array; cov: Float64Array } {
  const precision = Array.from(
    { length: 3 },
    (_, i) =>
      Array.from(
        { length: 3 },
        (_, j) => +(i === j) + (A[0][i] * A[0][j] + A[1][i] * A[1][j]) / NOISE ** 2,
      ),
  );
  const cov = inverseSpd(fromRows(precision));
  const aty = [0, 1, 2].map((j) => (A[0][j] * y[0] + A[1][j] * y[1]) / NOISE ** 2);
  return { mean: matVec(cov, aty), cov: cov.data };
}

/** Largest posterior-mean error in posterior σ and largest |σ ratio − 1| of the x block. */
async function posteriorErrors(inn: InnModel, yObs: number[]): Promise<[number, number]> {
  const draws = await inn.posterior(Float32Array.from(yObs), 20000, { seed: 5 });
  const x = new Float64Array(20000 * 3);
  for (let i = 0; i < 20000; i++) for (let j = 0; j < 3; j++) x[3 * i + j] = draws[5 * i + j];
  const mean = sampleMean(x, 3), cov = sampleCovariance(x, 3, mean);
  const exact = exactPosterior(yObs);
  let meanErr = 0, sdErr = 0;
  for (let j = 0; j < 3; j++) {
    const sd = Math.sqrt(exact.cov[4 * j]);
    meanErr = Math.max(meanErr, Math.abs(mean[j] - exact.mean[j]) / sd);
    sdErr = Math.max(sdErr, Math.abs(Math.sqrt(cov.data[4 * j]) / sd - 1));
  }
  return [meanErr, sdErr];
}

const make = (linear: boolean) =>
  new InnModel({
    dimX: 5,
    dimY: 2,
    dimZ: 3,
    blocks: 2,
    hiddenLayers: [16],
    seed: 3,
    ...(linear ? { linearStart: true } : {}),
  });

Deno.test("an INN with a linear start samples the exact posterior of a linear-Gaussian problem before training", async () => {
  const { input, y } = pairs(4000, 1);
  const x = tf.tensor2d(input, [4000, 5]), yt = tf.tensor2d(y, [4000, 2]);
  const withStart = make(true), without = make(false);
  try {
    withStart.initialize(x, 1, yt);
    without.initialize(x, 1, yt);
    assert.ok(withStart.initialized);
    for (const yObs of [[0.3, -0.5], [1.5, 1.0]]) {
      const [meanErr, sdErr] = await posteriorErrors(withStart, yObs);
      assert.ok(meanErr < 0.05, `mean error ${meanErr} posterior σ at y = ${yObs}`);
      assert.ok(sdErr < 0.05, `σ ratio off by ${sdErr} at y = ${yObs}`);
      const [badMean] = await posteriorErrors(without, yObs);
      assert.ok(badMean > 1, `without the linear start the mean error is ${badMean} σ`);
    }
    // The predicted observations are the simulator's, and z is whitened and centred.
    const f = withStart.forwardAndLogDet(x);
    const fit = tf.max(tf.abs(tf.sub(f.y, yt))).dataSync()[0];
    assert.ok(fit < 1e-4, `max |ŷ − y| = ${fit}`);
    const z = f.z.dataSync();
    const zMean = sampleMean(z, 3), zCov = sampleCovariance(z, 3, zMean);
    for (let i = 0; i < 3; i++) {
      assert.ok(Math.abs(zMean[i]) < 1e-4, `z̄[${i}] = ${zMean[i]}`);
      for (let j = 0; j < 3; j++) {
        assert.ok(Math.abs(zCov.data[3 * i + j] - +(i === j)) < 1e-4, `Cov(z)[${i}][${j}]`);
      }
    }
    tf.dispose([f.y, f.z, f.pad, f.logDet]);
  } finally {
    tf.dispose([x, yt]);
    withStart.dispose();
    without.dispose();
  }
});

Deno.test("the fitted linear start survives save/load and a resumed training does not refit it", async () => {
  const data = pairs(1024, 2);
  const dir = await Deno.makeTempDir();
  const inn = make(true);
  try {
    const options = {
      mode: "ml" as const,
      epochs: 1,
      batchSize: 256,
      learningRate: 1e-3,
      seed: 1,
      progress: silentProgress,
      checkpointDir: `${dir}/ckpt`,
    };
    await trainInn(inn, { x: data.input, y: data.y }, options);
    const before = await inn.posterior(Float32Array.from([0.3, -0.5]), 50, { seed: 2 });
    await saveInnNetwork(inn, `${dir}/model`);
    const { network } = await loadInnNetwork(`${dir}/model`);
    assert.ok(network instanceof InnModel && network.initialized);
    const after = await network.posterior(Float32Array.from([0.3, -0.5]), 50, { seed: 2 });
    assert.deepEqual(Array.from(after), Array.from(before));
    network.dispose();
    // Resume to epoch 2 from the epoch-1 checkpoint: the map is restored, not refitted.
    const resumed = make(true);
    const matrixOf = (m: InnModel) =>
      Array.from(
        (m.bijector.bijectors.at(-1) as AffineMap).matrix().dataSync(),
      );
    await trainInn(resumed, { x: data.input, y: data.y }, { ...options, epochs: 2, resume: true });
    assert.deepEqual(matrixOf(resumed), matrixOf(inn));
    resumed.dispose();
  } finally {
    inn.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("linearStart refuses batches it cannot fit, naming why", () => {
  const rng = new Rng(1);
  const u = Float64Array.from({ length: 3 * 50 }, () => rng.normal());
  assert.throws(() => linearStart(u, new Float64Array(49), 3, 1, 1), /same rows/);
  assert.throws(
    () => linearStart(u.subarray(0, 9), new Float64Array(3), 3, 1, 1),
    /at least 4 rows/,
  );
  // Two observations that are the same combination of u.
  const y = new Float64Array(2 * 50);
  for (let i = 0; i < 50; i++) y[2 * i] = y[2 * i + 1] = u[3 * i] + u[3 * i + 1];
  assert.throws(() => linearStart(u, y, 3, 2, 1), /linearly dependent/);
  // A column of u that never varies.
  const flat = Float64Array.from(u);
  for (let i = 0; i < 50; i++) flat[3 * i + 2] = 1;
  assert.throws(() => linearStart(flat, y.subarray(0, 50), 3, 1, 1), /singular/);
  const inn = make(true);
  try {
    assert.throws(
      () => inn.initialize(tf.zeros([64, 5]) as tf.Tensor2D, 1),
      /initialize\(x, seed, y\)/,
    );
    assert.throws(
      () => inn.initialize(tf.zeros([64, 5]) as tf.Tensor2D, 1, tf.zeros([64, 3]) as tf.Tensor2D),
      /y must be \[64, 2\]/,
    );
  } finally {
    inn.dispose();
  }
});
