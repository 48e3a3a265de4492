/**
 * Application 6's problems: the blurred profile (forward model against hand-computed
 * cases, the exact posterior against an independent computation in data space, repeated
 * measurements against the stacked problem), the ballistic throw with drag (impact point
 * against the drag-free range and a time-stepped path, MCMC against exact rejection
 * sampling), and the noise-level helpers.
 */
import assert from "node:assert/strict";
import { Rng } from "../lib/core/random.ts";
import { LinearGaussian } from "../lib/inference/linear_gaussian.ts";
import { rejectionSample } from "../lib/inference/rejection.ts";
import {
  diagonal,
  fromRows,
  inverseSpd,
  matMul,
  type Matrix,
  matVec,
  transpose,
} from "../lib/linalg/matrix.ts";
import { sampleCovariance, sampleMean } from "../lib/linalg/covariance.ts";
import { BallisticDrag, impactPoint } from "../lib/problems/ballistic_drag.ts";
import { blurDesign, BlurredProfile, maternCovariance } from "../lib/problems/blurred_profile.ts";
import {
  checkNoiseRange,
  isNoisyProblem,
  meanOfRepeats,
  repeatsNoise,
  simulateNoiseAmortisedPairs,
  simulateRepeats,
} from "../lib/problems/noise_levels.ts";
import { forwardRows, simulatePairs } from "../lib/problems/problem.ts";

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) {
    const scale = Math.max(1, Math.abs(b[i]));
    assert.ok(Math.abs(a[i] - b[i]) <= tol * scale, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  }
}

Deno.test("blurDesign and maternCovariance match hand-computed values", () => {
  // Weights e^{−½(0.5/0.5)²}, 1, e^{−½}, normalised: e^{−½} = 0.60653, sum 2.21306.
  close(blurDesign([0, 0.5, 1], [0.5], 0.5).data, [0.274068, 0.451863, 0.274068], 1e-5, "G");
  // At r = ℓ: (1 + √5 + 5/3) e^{−√5} = 4.90273 · 0.106878 = 0.523994.
  close(maternCovariance([0, 2], 2, 1).data, [1, 0.523994, 0.523994, 1], 1e-5, "C");
  close(maternCovariance([0, 2], 2, 3).data, [9, 4.715946, 4.715946, 9], 1e-5, "C·s²");
  assert.throws(() => blurDesign([0, 1], [0.5], 0), /blur width must be a positive number/);
});

Deno.test("BlurredProfile: a constant profile is measured as that constant, and the operator is ill-posed", () => {
  const p = new BlurredProfile();
  assert.equal(p.dimX, 32);
  assert.equal(p.dimY, 16);
  close(p.forward(new Float64Array(32).fill(2.5)), new Float64Array(16).fill(2.5), 1e-12, "f(c)");
  // A unit spike at cell j is seen by measurement i with weight G_ij.
  const spike = new Float64Array(32);
  spike[10] = 1;
  const f = p.forward(spike);
  for (let i = 0; i < 16; i++) assert.equal(f[i], p.design.data[i * 32 + 10]);
  const s = p.singularValues();
  assert.equal(s.length, 16);
  for (let i = 1; i < 16; i++) assert.ok(s[i] < s[i - 1], "singular values decrease");
  assert.ok(p.conditionNumber() > 1e4, `condition number ${p.conditionNumber()}`);
  assert.throws(() => p.forward([1, 2]), /dimX=32 values, got 2/);
  assert.throws(() => new BlurredProfile({ noise: 0 }), /positive number, got 0/);
  assert.equal(p.withNoise(0.2).noise, 0.2);
  assert.equal(p.withNoise(0.2).design.data[5], p.design.data[5]);
});

/** The posterior in data space: mean = μ + C Gᵀ S⁻¹ (y − Gμ), cov = C − C Gᵀ S⁻¹ G C. */
function dataSpacePosterior(g: Matrix, prior: Matrix, sigma: number, y: ArrayLike<number>) {
  const cgt = matMul(prior, transpose(g));
  const s = matMul(g, cgt);
  for (let i = 0; i < s.rows; i++) s.data[i * s.cols + i] += sigma * sigma;
  const gain = matMul(cgt, inverseSpd(s));
  const mean = matVec(gain, y); // prior mean 0
  const cov = matMul(gain, transpose(cgt));
  return { mean, cov: prior.data.map((v, i) => v - cov.data[i]) };
}

Deno.test("BlurredProfile's exact posterior equals the data-space (Kalman gain) formula", () => {
  for (const noise of [0.02, 0.05, 0.2]) {
    const p = new BlurredProfile({ noise });
    const { y } = simulatePairs(p, 1, 3);
    const ref = p.referencePosterior(y, 10, 1);
    const other = dataSpacePosterior(p.design, p.priorCov, noise, y);
    close(ref.mean, other.mean, 1e-8, `mean at σ = ${noise}`);
    close(ref.cov.data, other.cov, 1e-8, `cov at σ = ${noise}`);
  }
  // And its samples have that mean and covariance.
  const p = new BlurredProfile();
  const { y } = simulatePairs(p, 1, 4);
  const ref = p.referencePosterior(y, 20000, 2);
  const m = sampleMean(ref.samples, 32), c = sampleCovariance(ref.samples, 32);
  for (let j = 0; j < 32; j++) {
    const sd = Math.sqrt(ref.cov.data[j * 33]);
    assert.ok(Math.abs(m[j] - ref.mean[j]) < 0.04 * sd, `sample mean ${j}`);
    assert.ok(Math.abs(Math.sqrt(c.data[j * 33]) / sd - 1) < 0.03, `sample std ${j}`);
  }
});

Deno.test("k repeated measurements: the stacked problem's posterior is that of their mean at σ/√k", () => {
  const p = new BlurredProfile();
  const rng = new Rng(5);
  const x = p.priorSample(1, rng);
  for (const k of [1, 4, 16]) {
    const ys = simulateRepeats(p, x, k, rng);
    const stackedG = fromRows(
      Array.from(
        { length: k * 16 },
        (_, r) => p.design.data.slice((r % 16) * 32, (r % 16 + 1) * 32),
      ),
    );
    const stacked = new LinearGaussian({
      forward: stackedG,
      noiseCov: diagonal(new Array(k * 16).fill(p.noise ** 2)),
      priorMean: new Array(32).fill(0),
      priorCov: p.priorCov,
    }).posterior(ys);
    const viaMean = p.withNoise(repeatsNoise(p.noise, k)).referencePosterior(
      meanOfRepeats(ys, 16),
      10,
      1,
    );
    close(viaMean.mean, stacked.mean, 1e-8, `mean, k = ${k}`);
    close(viaMean.cov.data, stacked.cov.data, 1e-8, `cov, k = ${k}`);
  }
});

Deno.test("noise-level helpers: repeats, amortised pairs and their checks", () => {
  assert.equal(repeatsNoise(0.1, 4), 0.05);
  assert.throws(() => repeatsNoise(0.1, 0), /repeats must be a positive integer, got 0/);
  assert.throws(() => repeatsNoise(-1, 2), /Noise σ must be a positive number, got -1/);
  close(meanOfRepeats([1, 2, 3, 4, 5, 6], 2), [3, 4], 0, "mean");
  assert.throws(() => meanOfRepeats([1, 2, 3], 2), /k ≥ 1 rows of dimY=2 values, got 3/);
  assert.throws(() => checkNoiseRange({ min: 0.2, max: 0.1 }), /0 < min ≤ max.*\[0.2, 0.1\]/);
  assert.ok(isNoisyProblem(new BlurredProfile()) && isNoisyProblem(new BallisticDrag()));

  const p = new BlurredProfile();
  const range = { min: 0.01, max: 0.2 };
  const pairs = simulateNoiseAmortisedPairs(p, 500, range, 3);
  const plain = simulatePairs(p, 500, 3);
  assert.deepEqual(pairs.x, plain.x);
  const f = forwardRows(p, pairs.x);
  let logs = 0;
  for (let i = 0; i < 500; i++) {
    const s = pairs.sigma[i];
    assert.ok(s >= range.min && s <= range.max, `σ ${s} in range`);
    logs += Math.log(s) / 500;
    for (let j = 0; j < 16; j++) {
      const r = pairs.y[i * 16 + j] - f[i * 16 + j];
      assert.ok(Math.abs(r - s * pairs.eps[i * 16 + j]) < 1e-12, "y = f(x) + σ_i ε");
    }
  }
  // log σ is uniform: its mean is the midpoint of the log range (± 4 standard errors).
  const mid = 0.5 * (Math.log(0.01) + Math.log(0.2));
  assert.ok(Math.abs(logs - mid) < 4 * (Math.log(20) / Math.sqrt(12)) / Math.sqrt(500));
});

Deno.test("impactPoint: the drag-free range, a time-stepped path, the start offset and the edge of the range", () => {
  // Almost no drag and h → 0: the range of a projectile, v² sin 2α / g.
  const v = 10, angle = 0.6;
  const drag = { drag: 1e-7 };
  const free = impactPoint([0, 1e-9, angle, v], drag);
  close([free], [v * v * Math.sin(2 * angle) / 9.81], 1e-5, "drag-free range");
  // With drag, against Euler steps of dv/dt = −g ĵ − (k/m) v with a fine step.
  const x = [0.3, 1.2, 0.9, 12];
  let px = x[0], py = x[1], vx = x[3] * Math.cos(x[2]), vy = x[3] * Math.sin(x[2]);
  const dt = 1e-6, km = 0.25 / 0.2;
  while (py > 0) {
    const ax = -km * vx, ay = -9.81 - km * vy;
    px += vx * dt + 0.5 * ax * dt * dt;
    py += vy * dt + 0.5 * ay * dt * dt;
    vx += ax * dt;
    vy += ay * dt;
  }
  close([impactPoint(x)], [px], 1e-4, "impact vs time steps");
  // Shifting the start shifts the impact point.
  close([impactPoint([1.3, 1.2, 0.9, 12])], [impactPoint(x) + 1], 1e-12, "x0 shift");
  // Outside the physical range, the throw at its edge: finite and continuous.
  assert.equal(impactPoint([0, -0.1, 0.5, 10]), impactPoint([0, 0, 0.5, 10]));
  assert.ok(impactPoint([0, 0, 0.5, 10]) > 3, "from the ground, it still flies");
  assert.equal(impactPoint([0, 1, 1.7, 10]), impactPoint([0, 1, Math.PI / 2, 10]));
  assert.ok(Math.abs(impactPoint([0.2, 1, Math.PI / 2, 10]) - 0.2) < 1e-9, "straight up");
  assert.ok(
    Math.abs(impactPoint([0.3, 0, 0.5, -2]) - 0.3) < 1e-6,
    "no speed: lands where it starts",
  );
  assert.throws(() => impactPoint([0, 1, 1]), /4 values, got 3/);
});

Deno.test("BallisticDrag: prior draws are physical, and MCMC agrees with exact rejection sampling", () => {
  const p = new BallisticDrag({ mcmc: { warmup: 2000, draws: 20000 } });
  const prior = p.priorSample(2000, new Rng(1));
  for (let i = 0; i < 2000; i++) {
    assert.ok(Number.isFinite(p.forward(prior.subarray(i * 4, i * 4 + 4))[0]), `throw ${i}`);
  }
  const y = [6.0];
  const mcmc = p.referencePosterior(y, 4000, 3);
  const d = mcmc.diagnostics as { max_rhat: number; min_ess: number };
  assert.ok(d.max_rhat < 1.02, `R-hat ${d.max_rhat}`);
  assert.ok(d.min_ess > 400, `ESS ${d.min_ess}`);
  // Exact: prior draws accepted with probability N(y; f(x), σ²) / max.
  const exact = rejectionSample({
    n: 4000,
    priorSample: (rng) => p.priorSample(1, rng),
    logLikelihood: (x) => -0.5 * ((y[0] - p.forward(x)[0]) / p.noise) ** 2,
    logLikelihoodBound: 0,
    seed: 4,
  });
  const me = sampleMean(exact.samples, 4), ce = sampleCovariance(exact.samples, 4);
  for (let j = 0; j < 4; j++) {
    const sd = Math.sqrt(ce.data[j * 5]);
    // Standard error of the MCMC mean ≈ sd/√ESS; allow 5 of them.
    const tol = 5 * sd * Math.sqrt(1 / d.min_ess + 1 / 4000);
    assert.ok(
      Math.abs(mcmc.mean[j] - me[j]) < tol,
      `${p.paramNames[j]}: ${mcmc.mean[j]} vs ${me[j]}`,
    );
    const ratio = Math.sqrt(mcmc.cov.data[j * 5]) / sd;
    assert.ok(Math.abs(ratio - 1) < 0.12, `${p.paramNames[j]} std ratio ${ratio}`);
  }
});
