/**
 * The three inverse-problem models on a linear-Gaussian problem whose
 * posterior is known in closed form: x ~ N(0, I₂), y = a·x + σ ε.
 */
import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { initBackend } from "../lib/kernels/backend.ts";
import { Rng } from "../lib/core/random.ts";
import { silentProgress } from "../lib/training/progress.ts";
import { InnModel } from "../lib/inn/inn_model.ts";
import { Cinn } from "../lib/inn/cinn.ts";
import { pairedDataSource } from "../lib/inn/paired_data.ts";
import { trainInn } from "../lib/inn/train_inn.ts";
import { asPosteriorSampler, type PosteriorSampler, sampleMoments } from "../lib/inn/posterior.ts";
import { buildRealNvpFlow } from "../lib/flows/realnvp_flow.ts";
import { trainFlow } from "../lib/training/trainer.ts";
import { randomizeVariables } from "./bijector_harness.ts";

await initBackend("wasm");

const A = [1, 0.5];
const NOISE = 0.1;
const Y_STARS = [-1, 0, 1.5];

function linearGaussianData(n: number, seed: number): { x: Float32Array; y: Float32Array } {
  const rng = new Rng(seed);
  const x = new Float32Array(2 * n), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = rng.normal();
    x[2 * i + 1] = rng.normal();
    y[i] = A[0] * x[2 * i] + A[1] * x[2 * i + 1] + NOISE * rng.normal();
  }
  return { x, y };
}

/** Analytic posterior in float64: precision I + aᵀa/σ², mean Σ aᵀ y* / σ². */
function analyticPosterior(yStar: number): { mean: number[]; std: number[] } {
  const s2 = NOISE * NOISE;
  const p = [[1 + A[0] * A[0] / s2, A[0] * A[1] / s2], [A[0] * A[1] / s2, 1 + A[1] * A[1] / s2]];
  const det = p[0][0] * p[1][1] - p[0][1] * p[1][0];
  const cov = [[p[1][1] / det, -p[0][1] / det], [-p[1][0] / det, p[0][0] / det]];
  const b = [A[0] * yStar / s2, A[1] * yStar / s2];
  return {
    mean: [cov[0][0] * b[0] + cov[0][1] * b[1], cov[1][0] * b[0] + cov[1][1] * b[1]],
    std: [Math.sqrt(cov[0][0]), Math.sqrt(cov[1][1])],
  };
}

/** Posterior means within a quarter of a posterior std (+0.03), stds within a factor 1.4. */
async function assertPosteriorMatches(name: string, model: PosteriorSampler): Promise<void> {
  const lines: string[] = [];
  for (const yStar of Y_STARS) {
    const { mean, std } = sampleMoments(
      await model.posterior(new Float32Array([yStar]), 4000, { seed: 11 }),
      2,
    );
    const truth = analyticPosterior(yStar);
    lines.push(
      `y*=${yStar}: mean [${[...mean].map((v) => v.toFixed(3))}] vs [${
        truth.mean.map((v) => v.toFixed(3))
      }], std [${[...std].map((v) => v.toFixed(3))}] vs [${truth.std.map((v) => v.toFixed(3))}]`,
    );
    for (let j = 0; j < 2; j++) {
      assert.ok(
        Math.abs(mean[j] - truth.mean[j]) <= 0.25 * truth.std[j] + 0.03,
        `${name}: posterior mean of x${j} wrong\n${lines.join("\n")}`,
      );
      assert.ok(
        std[j] / truth.std[j] < 1.4 && std[j] / truth.std[j] > 1 / 1.4,
        `${name}: posterior std of x${j} wrong\n${lines.join("\n")}`,
      );
    }
  }
  console.log(`${name}\n  ${lines.join("\n  ")}`);
}

const DATA = linearGaussianData(4000, 1);
const SCHEDULE = {
  batchSize: 200,
  learningRate: [3e-3, 50, 0.6] as [number, number, number],
  gradNormThresh: 10,
  seed: 2,
  progress: silentProgress,
};
const innArchitecture = { dimX: 2, dimY: 1, dimZ: 1, blocks: 3, hiddenLayers: [32, 32], seed: 1 };

Deno.test("MMD-trained INN (Ardizzone et al.) recovers the linear-Gaussian posterior", async () => {
  const inn = new InnModel(innArchitecture);
  try {
    const r = await trainInn(inn, DATA, { ...SCHEDULE, mode: "mmd", epochs: 12 });
    console.log(`mmd: ${r.steps} steps, ${r.wallSeconds.toFixed(1)} s`);
    const last = r.history[r.history.length - 1].terms;
    assert.ok(last.fit < 0.03, `the forward model fits y: mean ‖ŷ − y‖² = ${last.fit}`);
    await assertPosteriorMatches("mmd INN", inn);
  } finally {
    inn.dispose();
  }
});

Deno.test("ML-trained INN (Zhang & Curtis) recovers the linear-Gaussian posterior", async () => {
  const inn = new InnModel(innArchitecture);
  try {
    const r = await trainInn(inn, DATA, { ...SCHEDULE, mode: "ml", sigmaY: 0.1, epochs: 10 });
    console.log(`ml: ${r.steps} steps, ${r.wallSeconds.toFixed(1)} s`);
    await assertPosteriorMatches("ml INN", inn);
  } finally {
    inn.dispose();
  }
});

Deno.test("cINN recovers the linear-Gaussian posterior", async () => {
  const cinn = new Cinn({ dimX: 2, dimY: 1, blocks: 2, hiddenLayers: [32, 32], seed: 1 });
  try {
    const r = await trainFlow(cinn, pairedDataSource(DATA, cinn), {
      ...SCHEDULE,
      epochs: 10,
      statisticsExamples: 0,
    });
    console.log(`cinn: ${r.steps} steps, ${r.wallSeconds.toFixed(1)} s`);
    // True conditional entropy: 1 + ln 2π + ½ ln det Σ_post = 0.42 nats.
    const nll = r.history[r.history.length - 1].trainNll;
    assert.ok(nll < 0.6, `−log p(x | y) per pair ${nll}`);
    await assertPosteriorMatches("cINN", cinn);
  } finally {
    cinn.dispose();
  }
});

Deno.test("any conditional flow, trained by trainFlow, recovers the posterior through asPosteriorSampler", async () => {
  // Plain realnvp steps (batch norm, permutation, affine coupling) whose couplings see y directly.
  const flow = buildRealNvpFlow({
    dims: 2,
    flowSteps: 4,
    hiddenLayers: [32, 32],
    contextDim: 1,
    seed: 1,
  });
  try {
    await trainFlow(flow, pairedDataSource(DATA, { dimX: 2, dimY: 1 }), {
      ...SCHEDULE,
      epochs: 10,
    });
    await assertPosteriorMatches("conditional realnvp", asPosteriorSampler(flow));
  } finally {
    flow.dispose();
  }
});

Deno.test("cINN samples depend on the observation", async () => {
  const cinn = new Cinn({ dimX: 2, dimY: 1, blocks: 2, hiddenLayers: [16], seed: 3 });
  try {
    randomizeVariables(cinn.bijector, 5);
    const low = sampleMoments(await cinn.posterior(new Float32Array([-2]), 500, { seed: 1 }), 2);
    const high = sampleMoments(await cinn.posterior(new Float32Array([2]), 500, { seed: 1 }), 2);
    const shift = Math.hypot(high.mean[0] - low.mean[0], high.mean[1] - low.mean[1]);
    assert.ok(shift > 0.1, `posterior means for y*=±2 differ by only ${shift}`);
    const same = sampleMoments(await cinn.posterior(new Float32Array([2]), 500, { seed: 1 }), 2);
    assert.deepEqual(same.mean, high.mean);
  } finally {
    cinn.dispose();
  }
});

Deno.test("posterior API of the INN, the cINN and any conditional flow: shape, seeding, batching, errors", async () => {
  const flow = buildRealNvpFlow({
    dims: 3,
    flowSteps: 2,
    hiddenLayers: [8],
    coupling: "spline",
    contextDim: 2,
    seed: 1,
  });
  const models: PosteriorSampler[] = [
    new InnModel({ dimX: 3, dimY: 2, dimZ: 2, blocks: 1, hiddenLayers: [8], seed: 1 }),
    new Cinn({ dimX: 3, dimY: 2, blocks: 1, hiddenLayers: [8], seed: 1 }),
    asPosteriorSampler(flow),
  ];
  try {
    for (const model of models) {
      const y = new Float32Array([0.3, -0.2]);
      const a = await model.posterior(y, 10, { seed: 4 });
      assert.equal(a.length, 10 * 3);
      assert.ok(a.every(Number.isFinite));
      assert.deepEqual(await model.posterior(y, 10, { seed: 4 }), a, "same seed, same samples");
      assert.notDeepEqual(await model.posterior(y, 10, { seed: 5 }), a);
      assert.deepEqual(await model.posterior(y, 10), await model.posterior(y, 10, { seed: 0 }));
      const chunked = await model.posterior(y, 10, { seed: 4, batchSize: 3 });
      assert.equal(chunked.length, 30);
      // Same latent draws for the first batch; the network's arithmetic may be blocked
      // differently for 3 rows than for 10 (BLAS), so equal to float32 rounding, not bits.
      const first = Array.from(chunked.slice(0, 9), (v, i) => Math.abs(v - a[i]));
      assert.ok(
        first.every((d, i) => d <= 1e-5 * Math.max(1, Math.abs(a[i]))),
        `the first batch has the same seed: differences ${first}`,
      );
      await assert.rejects(
        () => model.posterior(new Float32Array([1]), 5),
        /dimY=2 values, got 1/,
      );
      await assert.rejects(() => model.posterior(y, 0), /nSamples must be a positive integer/);
      await assert.rejects(
        () => model.posterior(new Float32Array([NaN, 0]), 5),
        /must be finite/,
      );
    }
    const plain = buildRealNvpFlow({ dims: 3, flowSteps: 1, hiddenLayers: [8], seed: 1 });
    assert.throws(() => asPosteriorSampler(plain), /unconditional/);
    plain.dispose();
  } finally {
    for (const m of models.slice(0, 2)) (m as InnModel | Cinn).dispose();
    flow.dispose();
  }
  assert.equal(tf.memory().numTensors, 0, "no tensors left behind");
});
