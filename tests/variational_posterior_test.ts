/**
 * Variational inference with a flow for a target computed in JavaScript
 * (lib/posterior/variational.ts): against the exact posterior and evidence
 * of a linear-Gaussian problem, against a brute-force grid posterior in a
 * box with the likelihood piled against an edge, the density's
 * normalisation over the box and its agreement between the sampling path
 * and the scoring path, save → load and checkpoint → resume reproducing
 * samples, and clear errors for a target that returns the wrong sizes,
 * non-finite values or a promise.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  checkTargetGradient,
  loadVariationalPosterior,
  type LogDensityWithGradient,
  VariationalPosterior,
} from "../lib/posterior/mod.ts";
import { LinearGaussian } from "../lib/inference/linear_gaussian.ts";
import { diagonal, fromRows, identity } from "../lib/linalg/matrix.ts";
import { silentProgress } from "../lib/training/progress.ts";
import { initBackend } from "../lib/kernels/mod.ts";

await initBackend("wasm");

/** Column means and the covariance of row-major samples. */
function moments(x: ArrayLike<number>, d: number): { mean: number[]; cov: number[][] } {
  const n = x.length / d;
  const mean = new Array(d).fill(0);
  for (let i = 0; i < x.length; i++) mean[i % d] += x[i] / n;
  const cov = Array.from({ length: d }, () => new Array(d).fill(0));
  for (let s = 0; s < n; s++) {
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        cov[i][j] += (x[s * d + i] - mean[i]) * (x[s * d + j] - mean[j]) / (n - 1);
      }
    }
  }
  return { mean, cov };
}

// ---- 1. Linear-Gaussian: y = A θ + ε, θ ~ N(0, I), ε ~ N(0, 0.5² I), three parameters.
const A = fromRows([[1, 0.5, 0], [0, 1, -0.7], [0.3, 0, 1], [1, 1, 1]]);
const NOISE_SD = 0.5;
const Y = [0.8, -0.4, 1.1, 1.6];
const linearGaussian = new LinearGaussian({
  forward: A,
  noiseCov: diagonal([0.25, 0.25, 0.25, 0.25]),
  priorMean: [0, 0, 0],
  priorCov: identity(3),
});

/** log p(θ) + log p(y | θ), normalised, and its gradient. */
const linearTarget: LogDensityWithGradient = (theta, n) => {
  const d = 3, m = 4;
  const logDensity = new Float64Array(n), gradient = new Float64Array(n * d);
  const constant = -0.5 * (d + m) * Math.log(2 * Math.PI) - m * Math.log(NOISE_SD);
  for (let s = 0; s < n; s++) {
    let lp = constant;
    for (let j = 0; j < d; j++) {
      lp -= 0.5 * theta[s * d + j] ** 2;
      gradient[s * d + j] = -theta[s * d + j];
    }
    for (let i = 0; i < m; i++) {
      let pred = 0;
      for (let j = 0; j < d; j++) pred += A.data[i * d + j] * theta[s * d + j];
      const r = (Y[i] - pred) / NOISE_SD;
      lp -= 0.5 * r * r;
      for (let j = 0; j < d; j++) gradient[s * d + j] += (r / NOISE_SD) * A.data[i * d + j];
    }
    logDensity[s] = lp;
  }
  return { logDensity, gradient };
};

Deno.test("variational: a linear-Gaussian posterior's mean, spread, correlations and evidence", async () => {
  assert.ok(checkTargetGradient(linearTarget, [0.3, -0.2, 0.9]).maxRelativeError < 1e-6);
  const q = new VariationalPosterior({ dims: 3, seed: 1 });
  try {
    const report = await q.fit(linearTarget, {
      steps: 800,
      samplesPerStep: 32,
      learningRate: [1e-2, 200, 0.4],
      seed: 2,
      progress: silentProgress,
    });
    assert.equal(report.elbo.length, 800);
    assert.equal(report.targetEvaluations, 800 * 32);
    const exact = linearGaussian.posterior(Y);
    const { mean, cov } = moments(await q.sample(20_000, { seed: 3 }), 3);
    for (let j = 0; j < 3; j++) {
      const sd = Math.sqrt(exact.cov.data[j * 3 + j]);
      // Mean within 0.15 posterior standard deviations, spread within 12 %.
      assert.ok(
        Math.abs(mean[j] - exact.mean[j]) < 0.15 * sd,
        `mean ${j}: ${mean[j]} vs ${exact.mean[j]}`,
      );
      const ratio = Math.sqrt(cov[j][j]) / sd;
      assert.ok(Math.abs(ratio - 1) < 0.12, `sd ratio ${j}: ${ratio}`);
      for (let k = 0; k < j; k++) {
        const rho = cov[j][k] / Math.sqrt(cov[j][j] * cov[k][k]);
        const rhoExact = exact.cov.data[j * 3 + k] /
          Math.sqrt(exact.cov.data[j * 3 + j] * exact.cov.data[k * 3 + k]);
        assert.ok(Math.abs(rho - rhoExact) < 0.1, `correlation ${j},${k}: ${rho} vs ${rhoExact}`);
      }
    }
    // The target is normalised, so the ELBO is a lower bound on log p(y), and close to it.
    const logEvidence = linearGaussian.logEvidence(Y);
    assert.ok(report.finalElbo < logEvidence + 0.02, `${report.finalElbo} vs ${logEvidence}`);
    assert.ok(report.finalElbo > logEvidence - 0.08, `${report.finalElbo} vs ${logEvidence}`);
  } finally {
    q.dispose();
  }
});

Deno.test("variational: with no couplings, the full-rank map gives the exact Gaussian, the diagonal one the mean-field spread", async () => {
  // q is then Gaussian in θ: full rank, it can be the posterior itself (ELBO = log evidence);
  // diagonal, reverse KL's optimum has the conditional spread 1/√(precision), not the marginal.
  const exact = linearGaussian.posterior(Y);
  // The diagonal of the posterior precision Σ⁻¹ = I + AᵀA/σ².
  const precision = [0, 1, 2].map((j) =>
    1 + [0, 1, 2, 3].reduce((s, i) => s + (A.data[i * 3 + j] / NOISE_SD) ** 2, 0)
  );
  const fitted: Record<string, { sd: number[]; rho: number; elbo: number }> = {};
  for (const fullRank of [true, false]) {
    const q = new VariationalPosterior({ dims: 3, flowSteps: 0, fullRank, seed: 1 });
    try {
      const report = await q.fit(linearTarget, {
        steps: 1500,
        samplesPerStep: 32,
        learningRate: [3e-2, 500, 0.4],
        seed: 2,
        progress: silentProgress,
      });
      const { cov } = moments(await q.sample(20_000, { seed: 3 }), 3);
      fitted[String(fullRank)] = {
        sd: [0, 1, 2].map((j) => Math.sqrt(cov[j][j])),
        rho: cov[1][2] / Math.sqrt(cov[1][1] * cov[2][2]),
        elbo: report.finalElbo,
      };
    } finally {
      q.dispose();
    }
  }
  const full = fitted["true"], diag = fitted["false"];
  const logEvidence = linearGaussian.logEvidence(Y);
  const rhoExact = exact.cov.data[5] / Math.sqrt(exact.cov.data[4] * exact.cov.data[8]);
  for (let j = 0; j < 3; j++) {
    const sd = Math.sqrt(exact.cov.data[j * 3 + j]);
    assert.ok(Math.abs(full.sd[j] / sd - 1) < 0.06, `full rank sd ${j}: ${full.sd[j]} vs ${sd}`);
    const meanField = 1 / Math.sqrt(precision[j]);
    assert.ok(
      Math.abs(diag.sd[j] / meanField - 1) < 0.06,
      `diagonal sd ${j}: ${diag.sd[j]} vs mean-field ${meanField} (marginal ${sd})`,
    );
  }
  assert.ok(Math.abs(full.rho - rhoExact) < 0.05, `correlation ${full.rho} vs ${rhoExact}`);
  assert.ok(Math.abs(diag.rho) < 0.05, `diagonal q's correlation ${diag.rho}`);
  assert.ok(Math.abs(full.elbo - logEvidence) < 0.05, `ELBO ${full.elbo} vs ${logEvidence}`);
  assert.ok(diag.elbo < logEvidence - 0.1, `diagonal ELBO ${diag.elbo} vs ${logEvidence}`);
});

Deno.test("variational: an initial covariance is where q starts (before any fit), with clear errors", async () => {
  const exact = linearGaussian.posterior(Y);
  const q = new VariationalPosterior({
    dims: 3,
    flowSteps: 2,
    fullRank: true,
    initialMean: exact.mean,
    initialCovariance: exact.cov.data,
    seed: 1,
  });
  try {
    const { mean, cov } = moments(await q.sample(40_000, { seed: 3 }), 3);
    for (let j = 0; j < 3; j++) {
      const sd = Math.sqrt(exact.cov.data[j * 3 + j]);
      assert.ok(Math.abs(mean[j] - exact.mean[j]) < 0.03 * sd, `mean ${j}`);
      for (let k = 0; k <= j; k++) {
        const c = exact.cov.data[j * 3 + k];
        assert.ok(Math.abs(cov[j][k] - c) < 0.03 * sd * sd, `cov ${j},${k}: ${cov[j][k]} vs ${c}`);
      }
    }
  } finally {
    q.dispose();
  }
  const options = { dims: 3, flowSteps: 0, initialCovariance: exact.cov.data };
  assert.throws(() => new VariationalPosterior(options), /needs fullRank/);
  assert.throws(
    () => new VariationalPosterior({ ...options, fullRank: true, initialCovariance: [1, 0, 1] }),
    /3 × 3 values, got 3/,
  );
  assert.throws(
    () =>
      new VariationalPosterior({
        ...options,
        fullRank: true,
        initialCovariance: [1, 2, 0, 2, 1, 0, 0, 0, 1],
      }),
    /initialCovariance: .*positive-definite/,
  );
});

// ---- 2. Box [0, 1]², likelihood piled against the θ₁ = 0 edge, with a correlation.
const BOX = { low: [0, 0], high: [1, 1] };
const boxTarget: LogDensityWithGradient = (theta, n) => {
  const logDensity = new Float64Array(n), gradient = new Float64Array(2 * n);
  for (let s = 0; s < n; s++) {
    const a = (theta[2 * s] - 0.05) / 0.1, b = (theta[2 * s] + theta[2 * s + 1] - 0.9) / 0.15;
    logDensity[s] = -0.5 * (a * a + b * b);
    gradient[2 * s] = -a / 0.1 - b / 0.15;
    gradient[2 * s + 1] = -b / 0.15;
  }
  return { logDensity, gradient };
};

/** Posterior moments and log ∫ exp(target) over the box by the midpoint rule. */
function gridPosterior(k: number): { mean: number[]; sd: number[]; logZ: number } {
  const pts = new Float64Array(2 * k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      pts[2 * (i * k + j)] = (i + 0.5) / k;
      pts[2 * (i * k + j) + 1] = (j + 0.5) / k;
    }
  }
  const lp = boxTarget(pts, k * k).logDensity;
  let z = 0;
  const m1 = [0, 0], m2 = [0, 0];
  for (let p = 0; p < k * k; p++) {
    const w = Math.exp(lp[p]);
    z += w;
    for (let c = 0; c < 2; c++) {
      m1[c] += w * pts[2 * p + c];
      m2[c] += w * pts[2 * p + c] ** 2;
    }
  }
  const mean = m1.map((v) => v / z);
  return {
    mean,
    sd: m2.map((v, c) => Math.sqrt(v / z - mean[c] ** 2)),
    logZ: Math.log(z / (k * k)),
  };
}

/** Samples inside the box, means within 0.15 grid standard deviations, spreads within 10 %. */
function assertMatchesGrid(theta: Float64Array, grid: ReturnType<typeof gridPosterior>): void {
  for (const v of theta) assert.ok(v >= 0 && v <= 1, `sample ${v} left the box`);
  const { mean, cov } = moments(theta, 2);
  for (let c = 0; c < 2; c++) {
    assert.ok(
      Math.abs(mean[c] - grid.mean[c]) < 0.15 * grid.sd[c],
      `mean ${c}: ${mean[c]} vs grid ${grid.mean[c]}`,
    );
    const ratio = Math.sqrt(cov[c][c]) / grid.sd[c];
    assert.ok(Math.abs(ratio - 1) < 0.1, `sd ratio ${c}: ${ratio}`);
  }
}

let fittedBox: VariationalPosterior | null = null;

async function fitBox(): Promise<VariationalPosterior> {
  if (fittedBox) return fittedBox;
  const q = new VariationalPosterior({ dims: 2, bounds: BOX, seed: 4 });
  await q.fit(boxTarget, {
    steps: 800,
    samplesPerStep: 32,
    learningRate: [1e-2, 200, 0.4],
    progress: silentProgress,
  });
  fittedBox = q;
  return q;
}

Deno.test("variational: a box posterior against an edge matches a grid posterior", async () => {
  const q = await fitBox();
  const grid = gridPosterior(400);
  assertMatchesGrid(await q.sample(20_000, { seed: 5 }), grid);
  // The flat prior is not part of the target, so the ELBO bounds log ∫_box exp(target).
  const elbo = q.report!.finalElbo;
  assert.ok(elbo < grid.logZ + 0.02 && elbo > grid.logZ - 0.08, `${elbo} vs ${grid.logZ}`);
});

Deno.test("variational: log q integrates to 1 over the box and is the density the ELBO uses", async () => {
  // 1-D: q(u) Gaussian, fitted to a likelihood near the upper edge.
  const edge: LogDensityWithGradient = (theta, n) => ({
    logDensity: Float64Array.from({ length: n }, (_, i) => -0.5 * ((theta[i] - 0.9) / 0.08) ** 2),
    gradient: Float64Array.from(theta, (t) => -(t - 0.9) / 0.08 ** 2),
  });
  const q1 = new VariationalPosterior({ dims: 1, bounds: { low: [0], high: [1] }, seed: 6 });
  try {
    await q1.fit(edge, {
      steps: 300,
      samplesPerStep: 16,
      learningRate: 2e-2,
      progress: silentProgress,
    });
    const k = 20_000;
    const lq = await q1.logProb(Float64Array.from({ length: k }, (_, i) => (i + 0.5) / k));
    const mass = lq.reduce((a, v) => a + Math.exp(v), 0) / k;
    assert.ok(Math.abs(mass - 1) < 1e-3, `∫ q over [0, 1] = ${mass}`);
    assert.deepEqual(Array.from(await q1.logProb([-0.1, 0, 1, 1.2])), [
      -Infinity,
      -Infinity,
      -Infinity,
      -Infinity,
    ]);
  } finally {
    q1.dispose();
  }

  // 2-D with couplings: the same on a grid, and the two paths to log q agree.
  const q = await fitBox();
  const k = 400;
  const pts = new Float64Array(2 * k * k);
  for (let i = 0; i < k * k; i++) {
    pts[2 * i] = (Math.floor(i / k) + 0.5) / k;
    pts[2 * i + 1] = ((i % k) + 0.5) / k;
  }
  const mass = (await q.logProb(pts)).reduce((a, v) => a + Math.exp(v), 0) / (k * k);
  assert.ok(Math.abs(mass - 1) < 5e-3, `∫∫ q over the box = ${mass}`);
  const { theta, logProb } = await q.sampleWithLogProb(4000, { seed: 7 });
  const scored = await q.logProb(theta);
  let worst = 0;
  for (let i = 0; i < 4000; i++) worst = Math.max(worst, Math.abs(scored[i] - logProb[i]));
  assert.ok(worst < 1e-4, `sampling and scoring paths differ by ${worst}`);
  // The recorded ELBO is E_q[log target − log q(θ)] with this density.
  const lt = boxTarget(theta, 4000).logDensity;
  let elbo = 0;
  for (let i = 0; i < 4000; i++) elbo += (lt[i] - logProb[i]) / 4000;
  assert.ok(Math.abs(elbo - q.report!.finalElbo) < 0.03, `${elbo} vs ${q.report!.finalElbo}`);
});

Deno.test("variational: the normal box map with a full-rank layer: grid posterior, one density, save → load", async () => {
  const q = new VariationalPosterior({
    dims: 2,
    bounds: BOX,
    boxMap: "normal",
    fullRank: true,
    seed: 4,
  });
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(q.transform.map, "normal");
    await q.fit(boxTarget, {
      steps: 800,
      samplesPerStep: 32,
      learningRate: [1e-2, 200, 0.4],
      progress: silentProgress,
    });
    assertMatchesGrid(await q.sample(20_000, { seed: 5 }), gridPosterior(400));
    // q integrates to 1 over the box, and scoring (through L⁻¹) agrees with sampling (L).
    const k = 300;
    const pts = Float64Array.from(
      { length: 2 * k * k },
      (_, i) => i % 2 === 0 ? (Math.floor(i / 2 / k) + 0.5) / k : (((i - 1) / 2) % k + 0.5) / k,
    );
    const mass = (await q.logProb(pts)).reduce((a, v) => a + Math.exp(v), 0) / (k * k);
    assert.ok(Math.abs(mass - 1) < 5e-3, `∫∫ q over the box = ${mass}`);
    const drawn = await q.sampleWithLogProb(2000, { seed: 7 });
    const scored = await q.logProb(drawn.theta);
    let worst = 0;
    for (let i = 0; i < 2000; i++) worst = Math.max(worst, Math.abs(scored[i] - drawn.logProb[i]));
    assert.ok(worst < 1e-4, `sampling and scoring paths differ by ${worst}`);
    await q.save(join(dir, "q"));
    const again = await loadVariationalPosterior(join(dir, "q"));
    try {
      assert.equal(again.transform.map, "normal");
      assert.equal(again.architecture.fullRank, true);
      assert.deepEqual(await again.sample(50, { seed: 9 }), await q.sample(50, { seed: 9 }));
    } finally {
      again.dispose();
    }
  } finally {
    q.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("variational: save → load and checkpoint → resume reproduce the posterior", async () => {
  const q = await fitBox();
  const dir = await Deno.makeTempDir();
  try {
    await q.save(join(dir, "q"));
    const again = await loadVariationalPosterior(join(dir, "q"));
    try {
      assert.deepEqual(again.bounds, BOX);
      assert.deepEqual(again.architecture, q.architecture);
      assert.deepEqual(await again.sample(50, { seed: 9 }), await q.sample(50, { seed: 9 }));
      const pts = [0.05, 0.8, 0.3, 0.5, 0.01, 0.99];
      assert.deepEqual(await again.logProb(pts), await q.logProb(pts));
      assert.equal(again.report?.elbo.length, 800);
    } finally {
      again.dispose();
    }

    // 30 steps in one go, and 20 + 10 through a checkpoint, give the same weights.
    const options = {
      samplesPerStep: 8,
      learningRate: 1e-2,
      seed: 3,
      progress: silentProgress,
      checkpointEvery: 10,
    };
    const whole = new VariationalPosterior({ dims: 2, bounds: BOX, seed: 8 });
    const split = new VariationalPosterior({ dims: 2, bounds: BOX, seed: 8 });
    try {
      await whole.fit(boxTarget, { ...options, steps: 30 });
      const ckpt = join(dir, "ckpt");
      await split.fit(boxTarget, { ...options, steps: 20, checkpointDir: ckpt });
      const resumed = new VariationalPosterior({ dims: 2, bounds: BOX, seed: 8 });
      try {
        const lines: string[] = [];
        const r = await resumed.fit(boxTarget, {
          ...options,
          steps: 30,
          checkpointDir: ckpt,
          resume: true,
          progress: { step() {}, line: (t) => lines.push(t), done() {} },
        });
        assert.ok(lines.some((l) => l === "resumed from checkpoint at step 20"), lines.join("\n"));
        assert.equal(r.resumedFromStep, 20);
        assert.equal(r.elbo.length, 30);
        assert.equal(r.targetCalls, 10);
        const a = await whole.sample(20, { seed: 1 }), b = await resumed.sample(20, { seed: 1 });
        for (let i = 0; i < a.length; i++) {
          assert.ok(Math.abs(a[i] - b[i]) < 1e-5, `${a[i]} vs ${b[i]}`);
        }
        whole.report!.elbo.forEach((e, i) => assert.ok(Math.abs(e - r.elbo[i]) < 1e-3));
      } finally {
        resumed.dispose();
      }
    } finally {
      whole.dispose();
      split.dispose();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("variational: the path derivative vanishes where q is the target, the total gradient does not", async () => {
  // q starts as N(mean, 0.7² I) exactly (the couplings start at the identity); the target is
  // that Gaussian, so every sample's path derivative of the ELBO is zero while the plain
  // reparameterised gradient is zero only in expectation.
  const mean = [1, -1, 0.5], sd = 0.7;
  const target: LogDensityWithGradient = (theta, n) => {
    const logDensity = new Float64Array(n), gradient = new Float64Array(theta.length);
    for (let i = 0; i < theta.length; i++) {
      const r = (theta[i] - mean[i % 3]) / sd;
      logDensity[Math.floor(i / 3)] -= 0.5 * r * r;
      gradient[i] = -r / sd;
    }
    return { logDensity, gradient };
  };
  const norms: Record<string, number> = {};
  for (const gradientEstimator of ["path", "total"] as const) {
    const q = new VariationalPosterior({
      dims: 3,
      flowSteps: 2,
      hiddenLayers: [8],
      initialMean: mean,
      initialScale: sd,
      seed: 4,
    });
    try {
      const report = await q.fit(target, {
        steps: 1,
        samplesPerStep: 8,
        learningRate: 1e-6,
        gradientEstimator,
        progress: silentProgress,
      });
      norms[gradientEstimator] = report.gradNorm[0];
    } finally {
      q.dispose();
    }
  }
  assert.ok(norms.path < 1e-4, `path derivative's norm ${norms.path}`);
  assert.ok(norms.total > 0.05, `total gradient's norm ${norms.total}`);
  const q = new VariationalPosterior({ dims: 3 });
  try {
    await assert.rejects(
      // @ts-expect-error: an estimator that does not exist
      q.fit(target, { steps: 1, gradientEstimator: "score", progress: silentProgress }),
      /gradientEstimator must be "path" or "total", got score/,
    );
  } finally {
    q.dispose();
  }
});

Deno.test("variational: a target of the wrong size, non-finite or asynchronous is named", async () => {
  const q = new VariationalPosterior({ dims: 3, bounds: { low: [0, 0, 0], high: [1, 2, 3] } });
  const fit = (target: LogDensityWithGradient) =>
    q.fit(target, { steps: 2, samplesPerStep: 4, progress: silentProgress });
  try {
    await assert.rejects(
      fit((_t, n) => ({ logDensity: new Float64Array(n + 1), gradient: new Float64Array(3 * n) })),
      /logDensity of length 5 for 4 points .*expected one value per point/,
    );
    await assert.rejects(
      fit((_t, n) => ({ logDensity: new Float64Array(n), gradient: new Float64Array(n) })),
      /gradient of length 4 for 4 points of 3 parameters: expected 12 \(row-major 4 × 3\)/,
    );
    await assert.rejects(
      fit((t, n) => ({
        logDensity: Float64Array.from({ length: n }, (_, i) => (i === 2 ? NaN : 0)),
        gradient: new Float64Array(t.length),
      })),
      /log-density of NaN at point 2 of fit step 1, θ = \[.*\]: the target must be finite .*inside the box/,
    );
    await assert.rejects(
      fit((t, n) => ({
        logDensity: new Float64Array(n),
        gradient: Float64Array.from(t, (_, i) => (i === 4 ? Infinity : 0)),
      })),
      /gradient of Infinity at point 1, parameter 1 of fit step 1/,
    );
    await assert.rejects(
      fit(
        (() =>
          Promise.resolve({ logDensity: [], gradient: [] })) as unknown as LogDensityWithGradient,
      ),
      /synchronously \(it returned a promise\)/,
    );
    // The failed fits changed nothing: q still starts spread over the box.
    const theta = await q.sample(100, { seed: 1 });
    assert.ok(theta.every((v, i) => v > 0 && v < [1, 2, 3][i % 3]));
    await assert.rejects(q.logProb([0.5, 0.5]), /2 values are not whole rows of 3 parameters/);
  } finally {
    q.dispose();
  }
  assert.throws(
    () => new VariationalPosterior({ dims: 2, bounds: { low: [0, 1], high: [1, 1] } }),
    /parameter 1 needs finite bounds with low < high, got \[1, 1\]/,
  );
  assert.throws(
    () =>
      new VariationalPosterior({
        dims: 2,
        bounds: { low: [0, 0], high: [1, 1] },
        initialMean: [0.5, 1],
      }),
    /initialMean\[1\] = 1 is not strictly inside the box/,
  );
  // A wrong gradient is caught by the finite-difference check.
  const wrong: LogDensityWithGradient = (t, n) => ({
    logDensity: Float64Array.from({ length: n }, (_, i) => -(t[2 * i] ** 2) - t[2 * i + 1] ** 2),
    gradient: Float64Array.from(t, (v) => -v), // should be −2θ
  });
  assert.ok(checkTargetGradient(wrong, [0.4, -0.7]).maxRelativeError > 0.3);
});

Deno.test({
  name: "variational: release the shared fitted posterior",
  fn() {
    fittedBox?.dispose();
    fittedBox = null;
  },
});
