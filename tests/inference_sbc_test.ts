import assert from "node:assert/strict";
import { MultivariateNormal } from "../lib/inference/gaussian.ts";
import { fromRows, matrix } from "../lib/linalg/matrix.ts";
import { LinearGaussian } from "../lib/inference/linear_gaussian.ts";
import { simulationBasedCalibration } from "../lib/inference/sbc.ts";
import type { Rng } from "../lib/core/random.ts";

const problem = new LinearGaussian({
  forward: fromRows([[1, 0.5], [0.2, 1], [1, -1]]),
  noiseCov: fromRows([[0.3, 0, 0], [0, 0.3, 0.1], [0, 0.1, 0.3]]),
  priorMean: [0.5, -1],
  priorCov: fromRows([[1, 0.4], [0.4, 0.8]]),
});

/** A sampler of N(posterior mean, factor²·posterior covariance). */
function scaledPosterior(factor: number) {
  return (y: Float64Array, count: number, rng: Rng) => {
    const cov = matrix(2, 2, problem.posteriorCov.data.map((v) => v * factor * factor));
    return new MultivariateNormal(problem.posteriorMean(y), cov).sample(count, { rng });
  };
}

const base = {
  priorSample: (rng: Rng) => problem.prior.sample(1, { rng }),
  simulate: (theta: Float64Array, rng: Rng) => problem.simulate(theta, { rng }),
  replications: 400,
  posteriorDraws: 99,
  bins: 10,
  seed: 3,
};

Deno.test("SBC ranks are uniform for the exact linear-Gaussian posterior", () => {
  const sbc = simulationBasedCalibration({ ...base, posteriorSample: scaledPosterior(1) });
  assert.equal(sbc.dims, 2);
  for (let j = 0; j < 2; j++) {
    assert.equal(sbc.ranks[j].length, 400);
    assert.ok(sbc.ranks[j].every((r) => r >= 0 && r <= 99));
    assert.equal(sbc.histograms[j].reduce((s, c) => s + c, 0), 400);
    assert.ok(sbc.pValue[j] > 0.01, `coordinate ${j}: p = ${sbc.pValue[j]}`);
  }
  assert.deepEqual(Array.from(sbc.expected), new Array(10).fill(40));
});

Deno.test("SBC flags an over-confident and an under-confident sampler", () => {
  const narrow = simulationBasedCalibration({ ...base, posteriorSample: scaledPosterior(0.5) });
  for (let j = 0; j < 2; j++) {
    assert.ok(narrow.pValue[j] < 1e-6, `over-confident coordinate ${j}: p = ${narrow.pValue[j]}`);
    // U shape: the outer bins hold far more than their share.
    const h = narrow.histograms[j];
    assert.ok(h[0] + h[9] > 2 * (h[4] + h[5]), `U-shaped histogram ${h}`);
  }
  const wide = simulationBasedCalibration({ ...base, posteriorSample: scaledPosterior(2) });
  for (let j = 0; j < 2; j++) {
    assert.ok(wide.pValue[j] < 1e-6, `under-confident coordinate ${j}: p = ${wide.pValue[j]}`);
  }
});

Deno.test("SBC validates its counts and the sampler's output", () => {
  const posteriorSample = scaledPosterior(1);
  assert.throws(
    () => simulationBasedCalibration({ ...base, posteriorSample, bins: 101 }),
    /at most posteriorDraws \+ 1 = 100, got 101/,
  );
  assert.throws(
    () => simulationBasedCalibration({ ...base, posteriorSample: () => new Float64Array(3) }),
    /must return 99×2 = 198 values, got 3/,
  );
});
