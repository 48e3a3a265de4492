import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { initBackend } from "../lib/kernels/backend.ts";
import { DualAveraging, metricWindows, RobbinsMonro } from "../lib/inference/adaptation.ts";
import { MultivariateNormal } from "../lib/inference/gaussian.ts";
import { inverseSpd, type Matrix, toRows } from "../lib/linalg/matrix.ts";
import { type McmcResult, sampleMcmc } from "../lib/inference/mcmc.ts";
import { flattenChains } from "../lib/inference/moments.ts";
import { sampleCovariance, sampleMean } from "../lib/linalg/covariance.ts";
import { Rng } from "../lib/core/random.ts";

await initBackend("wasm");

/** A correlated Gaussian with unequal scales: cov_ij = ρ^|i−j|·sᵢ·sⱼ. */
function target(dims: number, rho: number): MultivariateNormal {
  const s = Array.from({ length: dims }, (_, i) => 0.5 + 0.5 * i);
  const cov = Array.from(
    { length: dims },
    (_, i) => Array.from({ length: dims }, (_, j) => rho ** Math.abs(i - j) * s[i] * s[j]),
  );
  return new MultivariateNormal(Array.from({ length: dims }, (_, i) => 1 - i), cov);
}

/** Draws recover the target's mean and covariance; R̂ and ESS are healthy. */
function checkRecovery(run: McmcResult, mvn: MultivariateNormal, essFloor: number, label: string) {
  const d = mvn.dims;
  const { rhat, ess } = run.diagnostics;
  for (let j = 0; j < d; j++) {
    assert.ok(rhat[j] < 1.05, `${label}: R̂[${j}] = ${rhat[j]}`);
    assert.ok(ess[j] > essFloor, `${label}: ESS[${j}] = ${ess[j]} ≤ ${essFloor}`);
  }
  const flat = flattenChains(run.samples);
  const mean = sampleMean(flat, d);
  const cov = sampleCovariance(flat, d);
  const minEss = Math.min(...ess);
  for (let i = 0; i < d; i++) {
    const sd = Math.sqrt(mvn.cov.data[i * d + i]);
    const tol = 5 * sd / Math.sqrt(minEss);
    assert.ok(Math.abs(mean[i] - mvn.mean[i]) < tol, `${label}: mean[${i}] ${mean[i]}`);
    for (let j = 0; j < d; j++) {
      const scale = Math.sqrt(mvn.cov.data[i * d + i] * mvn.cov.data[j * d + j]);
      const err = Math.abs(cov.data[i * d + j] - mvn.cov.data[i * d + j]) / scale;
      assert.ok(err < 0.12, `${label}: cov[${i}][${j}] ${cov.data[i * d + j]}, error ${err}`);
    }
  }
}

/** tfjs log-density of N(mean, cov) for a batch [n, d]. */
function batchGaussian(mvn: MultivariateNormal) {
  const precision = tf.tensor2d(toRows(inverseSpd(mvn.cov)));
  const mu = tf.tensor1d(Array.from(mvn.mean));
  return {
    batchLogDensity: (x: tf.Tensor2D) => {
      const dx = tf.sub(x, mu);
      return tf.mul(-0.5, tf.sum(tf.mul(tf.matMul(dx, precision), dx), 1)) as tf.Tensor1D;
    },
    dispose: () => tf.dispose([precision, mu]),
  };
}

Deno.test("random-walk Metropolis recovers correlated 2-D and 5-D Gaussians", () => {
  for (const [dims, rho] of [[2, 0.9], [5, 0.7]]) {
    const mvn = target(dims, rho);
    const run = sampleMcmc({
      kernel: "rwm",
      logDensity: (x) => mvn.logDensity(x),
      init: new Array(dims).fill(0),
      initJitter: 2,
      warmup: 1500,
      draws: 3000,
      seed: dims,
    });
    assert.equal(run.samples.length, 4);
    assert.equal(run.samples[0].length, 3000);
    assert.equal(run.samples[0][0].length, dims);
    checkRecovery(run, mvn, 300, `rwm ${dims}-D`);
    for (const a of run.diagnostics.acceptanceRate) {
      assert.ok(a > 0.12 && a < 0.4, `acceptance ${a} near the 0.234 target`);
    }
    // The learned full proposal covariance follows the target's correlation.
    const m: Matrix = run.diagnostics.metric[0];
    const corr = m.data[1] / Math.sqrt(m.data[0] * m.data[dims + 1]);
    assert.ok(Math.abs(corr - rho) < 0.2, `learned proposal correlation ${corr} vs ${rho}`);
  }
});

Deno.test("HMC with a per-point tfjs log-density recovers a correlated 2-D Gaussian", () => {
  const mvn = target(2, 0.9);
  const precision = tf.tensor2d(toRows(inverseSpd(mvn.cov)));
  const mu = tf.tensor1d(Array.from(mvn.mean));
  const before = tf.memory().numTensors;
  const run = sampleMcmc({
    kernel: "hmc",
    logDensity: (x) => {
      const dx = tf.sub(x, mu);
      return tf.mul(
        -0.5,
        tf.sum(tf.mul(tf.matMul(dx.reshape([1, 2]), precision), dx)),
      ) as tf.Scalar;
    },
    init: [[-2, 2], [2, -2]],
    warmup: 200,
    draws: 500,
    seed: 1,
  });
  assert.equal(tf.memory().numTensors, before, "no tensors leak");
  checkRecovery(run, mvn, 300, "hmc 2-D");
  assert.equal(run.diagnostics.divergences.reduce((s, v) => s + v, 0), 0);
  for (const a of run.diagnostics.acceptanceRate) assert.ok(a > 0.6, `acceptance ${a}`);
  tf.dispose([precision, mu]);
});

Deno.test("HMC with a batched log-density recovers a correlated 5-D Gaussian", () => {
  const mvn = target(5, 0.7);
  const f = batchGaussian(mvn);
  for (const metric of ["diagonal", "full"] as const) {
    const run = sampleMcmc({
      kernel: "hmc",
      batchLogDensity: f.batchLogDensity,
      init: new Array(5).fill(0),
      initJitter: 2,
      warmup: 400,
      draws: 600,
      metric,
      seed: 2,
    });
    checkRecovery(run, mvn, 600, `hmc 5-D ${metric}`);
    const evals = run.diagnostics.densityEvaluations;
    assert.ok(evals > 4 * 1000 * 10 && evals < 4 * (1 + 1000 * 15), `evaluations ${evals}`);
  }
  f.dispose();
});

Deno.test("HMC with a JavaScript log-density and gradient recovers a correlated 5-D Gaussian", () => {
  const mvn = target(5, 0.7);
  const d = 5, prec = inverseSpd(mvn.cov).data;
  let rowsSeen = 0, calls = 0;
  const run = sampleMcmc({
    kernel: "hmc",
    logDensityWithGradient: (xs, count, dims) => {
      assert.equal(dims, d);
      rowsSeen += count, calls++;
      const logp = new Float64Array(count), grad = new Float64Array(count * d);
      for (let c = 0; c < count; c++) {
        for (let i = 0; i < d; i++) {
          let g = 0;
          for (let j = 0; j < d; j++) g -= prec[i * d + j] * (xs[c * d + j] - mvn.mean[j]);
          grad[c * d + i] = g;
          logp[c] += 0.5 * g * (xs[c * d + i] - mvn.mean[i]);
        }
      }
      return { logp, grad };
    },
    init: new Array(5).fill(0),
    initJitter: 2,
    warmup: 400,
    draws: 600,
    metric: "full",
    seed: 3,
  });
  checkRecovery(run, mvn, 600, "hmc 5-D JavaScript gradient");
  // Only moving chains are evaluated: fewer rows than 4 chains × the longest trajectory.
  assert.ok(rowsSeen < 4 * calls, `rows ${rowsSeen} over ${calls} calls`);
  assert.equal(run.diagnostics.densityEvaluations, rowsSeen);
  assert.throws(
    () =>
      sampleMcmc({
        kernel: "hmc",
        logDensityWithGradient: (_xs, count) => ({
          logp: new Float64Array(count),
          grad: new Float64Array(1),
        }),
        init: [0, 0],
      }),
    /grad of length 8 \(4 points × 2\), got 4 and 1/,
  );
});

Deno.test("MCMC rejects bad starts and options with clear errors", () => {
  assert.throws(
    () =>
      sampleMcmc({
        kernel: "rwm",
        logDensity: (x) => (x[0] > 0 ? 0 : -Infinity),
        init: [[1], [-1]],
      }),
    /starting point of chain 1 must be finite, got -Infinity/,
  );
  assert.throws(
    () => sampleMcmc({ kernel: "rwm", logDensity: () => 0, init: [[0], [1]], chains: 3 }),
    /one per chain \(3\), got 2/,
  );
  assert.throws(() => sampleMcmc({ kernel: "hmc", init: [0] }), /exactly one of logDensity/);
  assert.throws(
    () =>
      sampleMcmc({
        kernel: "hmc",
        batchLogDensity: (x) => tf.sum(tf.sqrt(x), 1) as tf.Tensor1D,
        init: [0, 1],
        chains: 1,
      }),
    /Gradient of the log-density at the starting point of chain 0 must be finite/,
  );
});

Deno.test("step-size controllers reach their target acceptance; warm-up windows", () => {
  // Acceptance falls with the step size as exp(−s²): the target 0.5 sits at s = √ln 2.
  const rng = new Rng(1);
  for (const ctl of [new DualAveraging(0.01, 0.5), new RobbinsMonro(5, 0.5)]) {
    let s = ctl.final();
    for (let t = 0; t < 3000; t++) s = ctl.update(Math.exp(-s * s) * (0.9 + 0.2 * rng.uniform()));
    assert.ok(Math.abs(ctl.final() - Math.sqrt(Math.LN2)) < 0.05, `final step ${ctl.final()}`);
  }
  assert.deepEqual(metricWindows(1000), [{ start: 150, end: 400 }, { start: 400, end: 900 }]);
  assert.deepEqual(metricWindows(50), []);
  assert.throws(() => new DualAveraging(0.1, 1.5), /in \(0, 1\), got 1.5/);
});

Deno.test("MCMC thinning keeps every thin-th state and runs warmup + draws·thin iterations", () => {
  let iterations = 0;
  const run = sampleMcmc({
    kernel: "rwm",
    logDensity: (x) => -0.5 * x[0] * x[0],
    init: [[0], [1]],
    warmup: 50,
    draws: 40,
    thin: 3,
    seed: 4,
    onIteration: (done, total) => {
      iterations = done;
      assert.equal(total, 50 + 40 * 3);
    },
  });
  assert.equal(iterations, 170);
  assert.equal(run.samples[0].length, 40);
  assert.equal(run.logDensity[1].length, 40);
  // Kept draws are states of the chain: their log-density matches their position.
  run.samples[0].forEach((x, k) => assert.equal(run.logDensity[0][k], -0.5 * x[0] * x[0]));
});
