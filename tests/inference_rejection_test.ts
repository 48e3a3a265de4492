import assert from "node:assert/strict";
import { abcRejectionSample, euclidean, rejectionSample } from "../lib/inference/rejection.ts";
import { sampleCovariance, sampleMean } from "../lib/linalg/covariance.ts";

Deno.test("likelihood rejection recovers a known 1-D Gaussian posterior", () => {
  // Prior N(0, 1), y* = 1 observed with σ = 0.5: posterior N(0.8, 0.2).
  const n = 4000;
  const r = rejectionSample({
    n,
    priorSample: (rng) => [rng.normal()],
    logLikelihood: (x) => -0.5 * ((1 - x[0]) / 0.5) ** 2,
    logLikelihoodBound: 0,
    seed: 1,
  });
  assert.equal(r.dims, 1);
  assert.equal(r.samples.length, n);
  const mean = sampleMean(r.samples, 1)[0];
  const variance = sampleCovariance(r.samples, 1).data[0];
  assert.ok(Math.abs(mean - 0.8) < 4 * Math.sqrt(0.2 / n), `mean ${mean}`);
  assert.ok(Math.abs(variance - 0.2) < 0.02, `variance ${variance}`);
  // E[exp(−2(1 − x)²)] over N(0, 1) = √(1/5)·exp(−0.4).
  const rate = Math.sqrt(0.2) * Math.exp(-0.4);
  assert.ok(Math.abs(r.acceptanceRate - rate) < 0.02, `rate ${r.acceptanceRate} vs ${rate}`);
  assert.equal(r.accepted / r.tries, r.acceptanceRate);
});

Deno.test("ABC rejection recovers the posterior of a noise-free 2-D problem", () => {
  // x ~ N(0, I₂), f(x) = x₀ + x₁ = 1 exactly: x | y* ~ N((½, ½), [[½, −½], [−½, ½]]).
  const r = abcRejectionSample({
    n: 2000,
    priorSample: (rng) => [rng.normal(), rng.normal()],
    simulate: (x) => [x[0] + x[1]],
    observed: [1],
    epsilon: 0.02,
    seed: 2,
  });
  const mean = sampleMean(r.samples, 2);
  const cov = sampleCovariance(r.samples, 2).data;
  for (const m of mean) assert.ok(Math.abs(m - 0.5) < 0.06, `mean ${mean}`);
  assert.ok(Math.abs(cov[0] - 0.5) < 0.05 && Math.abs(cov[3] - 0.5) < 0.05, `variances ${cov}`);
  const corr = cov[1] / Math.sqrt(cov[0] * cov[3]);
  assert.ok(corr < -0.99, `x₀ and x₁ are almost perfectly anti-correlated, got ${corr}`);
  for (let i = 0; i < 2000; i++) {
    assert.ok(Math.abs(r.samples[2 * i] + r.samples[2 * i + 1] - 1) < 0.02);
  }
  assert.ok(r.acceptanceRate > 0.005 && r.acceptanceRate < 0.02, `rate ${r.acceptanceRate}`);
});

Deno.test("rejection sampling is reproducible from its seed", () => {
  const opts = {
    n: 10,
    priorSample: (rng: { uniform(): number }) => [rng.uniform()],
    logLikelihood: (x: Float64Array) => Math.log(x[0]),
    logLikelihoodBound: 0,
  };
  assert.deepEqual(rejectionSample({ ...opts, seed: 5 }), rejectionSample({ ...opts, seed: 5 }));
  assert.notDeepEqual(
    rejectionSample({ ...opts, seed: 5 }).samples,
    rejectionSample({ ...opts, seed: 6 }).samples,
  );
});

Deno.test("max-tries guard and a wrong bound fail with clear errors", () => {
  assert.throws(
    () =>
      abcRejectionSample({
        n: 100,
        priorSample: (rng) => [rng.normal()],
        simulate: (x) => [x[0]],
        observed: [5],
        epsilon: 0.01,
        maxTries: 10000,
        seed: 1,
      }),
    /accepted 0 of the 100 samples requested within the maximum of 10000 tries.*raise maxTries, widen epsilon/,
  );
  assert.throws(
    () =>
      rejectionSample({
        n: 10,
        priorSample: (rng) => [rng.normal()],
        logLikelihood: (x) => -x[0],
        logLikelihoodBound: 0,
      }),
    /exceeds logLikelihoodBound 0: the bound must be at least the maximum/,
  );
  assert.throws(
    () =>
      abcRejectionSample({
        n: 1,
        priorSample: () => [0],
        simulate: (x) => x,
        observed: [0],
        epsilon: 0,
      }),
    /Tolerance epsilon must be positive, got 0/,
  );
  assert.equal(euclidean([0, 0], [3, 4]), 5);
});
