import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { initBackend } from "../lib/kernels/backend.ts";
import { classifierTwoSampleTest } from "../lib/inference/c2st.ts";
import { Rng } from "../lib/core/random.ts";

await initBackend("wasm");

function gaussian(n: number, dims: number, seed: number, shift = 0, scale = 1): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n * dims }, () => scale * rng.normal() + shift);
}

Deno.test("C2ST is ≈ 0.5 for two samples of one distribution", async () => {
  const before = tf.memory().numTensors;
  for (const dims of [2, 6]) {
    const r = await classifierTwoSampleTest(gaussian(1000, dims, 1), gaussian(1000, dims, 2), {
      dims,
      seed: 1,
    });
    assert.ok(Math.abs(r.accuracy - 0.5) < 0.1, `${dims}-D: accuracy ${r.accuracy}`);
    assert.equal(r.foldAccuracies.length, 5);
    assert.equal(r.pointsPerSample, 1000);
  }
  assert.equal(tf.memory().numTensors, before, "no tensors leak");
});

Deno.test("C2ST is ≈ 1 for well-separated samples and in between for a scale change", async () => {
  const far = await classifierTwoSampleTest(gaussian(1000, 2, 1), gaussian(1000, 2, 2, 4), {
    dims: 2,
    seed: 1,
  });
  assert.ok(far.accuracy > 0.95, `separated: accuracy ${far.accuracy}`);
  // Same mean, standard deviation 1 vs 2: only a non-linear boundary (a circle) separates them.
  const scaled = await classifierTwoSampleTest(gaussian(1000, 2, 3), gaussian(1000, 2, 4, 0, 2), {
    dims: 2,
    seed: 1,
  });
  assert.ok(
    scaled.accuracy > 0.65 && scaled.accuracy < 0.9,
    `scale change: accuracy ${scaled.accuracy}`,
  );
});

Deno.test("C2ST subsamples the larger sample and validates input", async () => {
  const r = await classifierTwoSampleTest(gaussian(300, 2, 5), gaussian(500, 2, 6), {
    dims: 2,
    folds: 3,
    epochs: 5,
    seed: 2,
  });
  assert.equal(r.pointsPerSample, 300);
  assert.equal(r.foldAccuracies.length, 3);
  await assert.rejects(
    () => classifierTwoSampleTest(gaussian(10, 2, 1), gaussian(10, 2, 2), { dims: 3 }),
    /n×3 array, got length 20/,
  );
  await assert.rejects(
    () => classifierTwoSampleTest(gaussian(3, 2, 1), gaussian(3, 2, 2), { dims: 2 }),
    /at least 5 points per sample for 5 folds, got 3/,
  );
});
