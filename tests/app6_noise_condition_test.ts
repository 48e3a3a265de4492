/**
 * The noise-amortised posterior: its condition `[y, log σ]` and the errors that name
 * a wrong shape or σ, repeated measurements answered at σ/√k, and the amortised cINN's
 * training set, save and load (a model of another σ range is refused).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { initBackend } from "../lib/kernels/mod.ts";
import type { PosteriorSampler } from "../lib/inn/posterior.ts";
import { BlurredProfile } from "../lib/problems/blurred_profile.ts";
import {
  noiseCondition,
  NoiseConditionedPosterior,
} from "../lib/problems/noise_conditioned_posterior.ts";
import { silentProgress } from "../lib/training/progress.ts";
import type { InnAppConfig } from "../apps/inverse/inn_app.ts";
import {
  loadNoiseAmortisedCinn,
  noiseConditionProblem,
  prepareNoiseAmortisedSet,
  saveNoiseAmortisedCinn,
  trainNoiseAmortisedCinn,
} from "../apps/inverse/noise_amortised.ts";

/** A stand-in model that records the conditions it is asked for. */
function recorder(dimY: number): PosteriorSampler & { seen: Float32Array[] } {
  const seen: Float32Array[] = [];
  return {
    dimX: 2,
    dimY: dimY + 1,
    seen,
    posterior(c: Float32Array, n: number) {
      seen.push(Float32Array.from(c));
      return Promise.resolve(new Float32Array(n * 2));
    },
  };
}

Deno.test("noiseCondition appends log σ and refuses σ ≤ 0 or a non-finite observation", () => {
  const c = noiseCondition([1, 2], 0.5);
  assert.deepEqual(Array.from(c.subarray(0, 2)), [1, 2]);
  assert.ok(Math.abs(c[2] - Math.log(0.5)) < 1e-7);
  assert.throws(
    () => noiseCondition([1], 0),
    /noise σ in the condition must be a positive number, got 0/,
  );
  assert.throws(() => noiseCondition([1], -1), /got -1/);
  assert.throws(() => noiseCondition([NaN], 1), /observation must be finite, got NaN at index 0/);
});

Deno.test("NoiseConditionedPosterior names a wrong observation width, σ outside its range, and a sampler without room for log σ", async () => {
  const inner = recorder(3);
  const model = new NoiseConditionedPosterior(inner, { min: 0.01, max: 0.1 });
  assert.equal(model.dimY, 3);
  assert.equal(model.dimX, 2);
  await assert.rejects(
    () => model.posterior([1, 2], 0.05, 5),
    /observation must have dimY=3 values \(the model's condition is \[y \(3 values\), log σ\]\), got 2/,
  );
  await assert.rejects(
    () => model.posterior([1, 2, 3, Math.log(0.05)], 0.05, 5),
    /got 4 \(pass σ on its own, not appended to y\)/,
  );
  await assert.rejects(
    () => model.posterior([1, 2, 3], 0.5, 5),
    /σ = 0.5 is outside the noise range \[0.01, 0.1\] the model was trained on/,
  );
  assert.throws(() => model.atNoise(0.001), /outside the noise range/);
  assert.throws(() => model.atNoise(0), /noise σ must be a positive number, got 0/);
  assert.throws(
    () => new NoiseConditionedPosterior({ ...inner, dimY: 1 }, { min: 0.1, max: 1 }),
    /condition \[y, log σ\] of width ≥ 2, got dimY=1/,
  );
  assert.throws(
    () => new NoiseConditionedPosterior(inner, { min: 0.2, max: 0.1 }),
    /0 < min ≤ max/,
  );
  // At a fixed σ it is a sampler of y alone.
  const at = model.atNoise(0.02);
  assert.equal(at.dimY, 3);
  await at.posterior(new Float32Array([4, 5, 6]), 3);
  const last = inner.seen.at(-1)!;
  assert.deepEqual(Array.from(last.subarray(0, 3)), [4, 5, 6]);
  assert.ok(Math.abs(last[3] - Math.log(0.02)) < 1e-6);
});

Deno.test("posteriorOfRepeats conditions on the mean of k repeats at σ/√k", async () => {
  const inner = recorder(2);
  const model = new NoiseConditionedPosterior(inner, { min: 0.01, max: 0.2 });
  await model.posteriorOfRepeats([1, 2, 3, 4, 5, 6, 7, 8], 0.1, 4);
  const c = inner.seen.at(-1)!;
  assert.deepEqual(Array.from(c.subarray(0, 2)), [4, 5]);
  assert.ok(Math.abs(c[2] - Math.log(0.05)) < 1e-6, "σ/√4 = 0.05");
  await assert.rejects(() => model.posteriorOfRepeats([1, 2, 3], 0.1, 4), /k ≥ 1 rows of dimY=2/);
  // 16 repeats at σ = 0.1 ask for σ/4 = 0.025: in range; at σ = 0.02, 0.005 is not.
  await model.posteriorOfRepeats(new Float64Array(32), 0.1, 1);
  await assert.rejects(
    () => model.posteriorOfRepeats(new Float64Array(32), 0.02, 1),
    /σ = 0.005 is outside the noise range/,
  );
});

Deno.test("the amortised cINN's training set holds [y, log σ]; a saved model loads back, and not for another σ range", async () => {
  await initBackend("wasm");
  const problem = new BlurredProfile({ cells: 8, measurements: 4 });
  const range = { min: 0.01, max: 0.125 };
  const view = noiseConditionProblem(problem, range);
  assert.equal(view.dimY, 5);
  assert.match(view.name, /blurred_profile, σ-amortised over \[0.01, 0.125\]/);
  const set = prepareNoiseAmortisedSet(problem, range, 400, 50, 3);
  for (let i = 0; i < 400; i++) {
    const logS = set.train.y[i * 5 + 4];
    assert.ok(logS >= Math.log(0.01) - 1e-12 && logS <= Math.log(0.125) + 1e-12, `log σ ${logS}`);
  }
  const config: InnAppConfig = {
    models: ["cinn"],
    blocks: 1,
    hiddenLayers: [8],
    clamp: 2,
    activation: "relu",
    regLevel: 0,
    noiseInputs: true,
    whiten: true,
    regressionAdjust: true,
    conditionLayers: [8],
    contextDim: 4,
    epochs: 1,
    batchSize: 100,
    learningRate: 1e-3,
    gradNormThresh: 10,
    earlyStoppingPatience: 0,
    mmdWeights: { fit: 1, latent: 1, backward: 1, padding: 1 },
    sigmaY: 0.05,
    seed: 1,
  };
  const model = await trainNoiseAmortisedCinn(set, range, config, { progress: silentProgress });
  const dir = await Deno.makeTempDir({ prefix: "app6_amortised_" });
  try {
    const y = problem.forward(new Float64Array(8).fill(0.3));
    const before = await model.posterior.posterior(y, 0.05, 20, { seed: 4 });
    await saveNoiseAmortisedCinn(model, problem, join(dir, "m"));
    const loaded = await loadNoiseAmortisedCinn(join(dir, "m"), problem, range);
    const after = await loaded.posterior.posterior(y, 0.05, 20, { seed: 4 });
    for (let i = 0; i < before.length; i++) {
      assert.ok(Math.abs(before[i] - after[i]) < 1e-5 * Math.max(1, Math.abs(before[i])));
    }
    loaded.trained.dispose();
    await assert.rejects(
      () => loadNoiseAmortisedCinn(join(dir, "m"), problem, { min: 0.02, max: 0.125 }),
      /\(name differs\)/,
    );
  } finally {
    model.trained.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});
