/**
 * The whole Glow flow (logit pre-processing + two-level multi-scale Glow) on
 * small images: the shared bijector harness at random parameters, then on
 * dequantised pixel values: round trip, log-det against the autodiff
 * Jacobian, save → load, and one epoch of the core trainer on wasm lowering
 * the held-out NLL, after which samples have finite log-densities.
 */
import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { initBackend } from "../lib/kernels/backend.ts";
import { bijectorFromConfig } from "../lib/bijectors/bijector.ts";
import { DequantizedSource } from "../lib/images/dequantize.ts";
import { buildGlowFlow, type GlowFlowOptions, glowForwardFlops } from "../lib/flows/glow_flow.ts";
import { loadFlow, saveFlow } from "../lib/io/model_io.ts";
import { ArrayDataSource } from "../lib/training/data_source.ts";
import { evaluateNll, trainFlow } from "../lib/training/trainer.ts";
import { silentProgress } from "../lib/training/progress.ts";
import { Rng } from "../lib/core/random.ts";
import { logAbsDet, randomizeVariables, testBijector } from "./bijector_harness.ts";

const SMALL: GlowFlowOptions = {
  imageShape: [8, 8, 1],
  numBlocks: 2,
  stepsPerBlock: 2,
  numHidden: 8,
  seed: 3,
};

// The harness's standard-normal inputs and absolute 1e-4 round-trip bound suit the flow without
// the logit, which turns latent rounding into up to L / (1 − 2α) times larger pixel errors; the
// pixel-value test below covers the full flow.
testBijector("glow flow 8×8×1 (2 levels × 2 steps, no logit)", {
  make: () => buildGlowFlow({ ...SMALL, logitPreprocessing: false }).bijector,
  eventShape: [8, 8, 1],
});
testBijector("glow flow 4×4×2, clamp couplings, no logit", {
  make: () =>
    buildGlowFlow({
      imageShape: [4, 4, 2],
      numBlocks: 2,
      stepsPerBlock: 1,
      numHidden: 6,
      seed: 4,
      couplingScale: "clamp",
      logitPreprocessing: false,
    }).bijector,
  eventShape: [4, 4, 2],
});

/** Grey 8×8 images of one bright blob each, integer pixels 0–255. */
function blobImages(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n * 64);
  for (let k = 0; k < n; k++) {
    const cy = 2 + 4 * rng.uniform(), cx = 2 + 4 * rng.uniform(), r = 1 + rng.uniform();
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        const v = 230 * Math.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * r * r)) +
          12 * rng.uniform();
        out[k * 64 + y * 8 + x] = Math.min(255, Math.floor(v));
      }
    }
  }
  return out;
}

function pixelBatch(n: number, seed: number): tf.Tensor4D {
  return tf.tidy(() =>
    tf.add(
      tf.tensor4d(blobImages(n, seed), [n, 8, 8, 1]),
      tf.randomUniform([n, 8, 8, 1], 0, 1, "float32", seed),
    )
  );
}

// Round-trip bound: a tenth of a pixel level. The logit's inverse multiplies latent rounding by
// up to L·p(1 − p)/(1 − 2α) = 64, and random parameters expand by up to e⁵ per coupling.
for (const alpha of [0.05, 1e-6]) {
  Deno.test(`glow flow on pixel values, α=${alpha}: round trip, log-det vs autodiff Jacobian`, async () => {
    await initBackend("wasm");
    const flow = buildGlowFlow({ ...SMALL, logitAlpha: alpha });
    randomizeVariables(flow.bijector, 99);
    try {
      tf.tidy(() => {
        const x = pixelBatch(3, 1);
        const { value: z, logDet } = flow.bijector.forwardAndLogDet(x);
        assert.deepEqual(z.shape, [3, 64]);
        const back = flow.bijector.inverse(z);
        assert.deepEqual(back.shape, [3, 8, 8, 1]);
        const err = tf.max(tf.abs(tf.sub(back, x))).dataSync()[0];
        assert.ok(err < 0.1, `round trip error ${err} pixel levels`);
        const rows: Float32Array[] = [];
        for (let i = 0; i < 64; i++) {
          const g = tf.grad((xx: tf.Tensor) =>
            tf.sum(tf.slice(flow.bijector.forward(xx), [0, i], [3, 1]))
          )(x);
          rows.push(tf.reshape(g, [3, 64]).dataSync() as Float32Array);
        }
        const ld = logDet.dataSync();
        for (let n = 0; n < 3; n++) {
          const expected = logAbsDet(rows.map((r) => Array.from(r.slice(n * 64, (n + 1) * 64))));
          assert.ok(
            Math.abs(expected - ld[n]) < 1e-3 * Math.abs(expected),
            `${ld[n]} vs ${expected}`,
          );
        }
      });
    } finally {
      flow.dispose();
    }
  });
}

Deno.test("glow flow: save → load gives identical log-densities", async () => {
  await initBackend("wasm");
  const flow = buildGlowFlow(SMALL);
  randomizeVariables(flow.bijector, 5);
  const dir = await Deno.makeTempDir();
  try {
    const x = pixelBatch(6, 3);
    const before = flow.logProb(x).dataSync();
    await saveFlow(flow, dir, { note: "glow test" });
    const again = await loadFlow(dir);
    try {
      assert.deepEqual(Array.from(again.logProb(x).dataSync()), Array.from(before));
      assert.deepEqual(again.bijector.config(), flow.bijector.config());
    } finally {
      again.dispose();
    }
    x.dispose();
  } finally {
    flow.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("glow flow: one epoch of trainFlow on wasm lowers the held-out NLL", async () => {
  await initBackend("wasm");
  const flow = buildGlowFlow({ ...SMALL, numHidden: 16 });
  const train = new DequantizedSource(new ArrayDataSource(blobImages(512, 7), [8, 8, 1]), 1);
  const heldOut = new DequantizedSource(new ArrayDataSource(blobImages(256, 8), [8, 8, 1]), 2);
  try {
    // the trainer's first step initialises ActNorm from its batch; do it here to measure after init
    for await (const { x } of train.batches(64, null)) {
      tf.tidy(() => void flow.bijector.forward(x, { training: true }));
      x.dispose();
      break;
    }
    const before = await evaluateNll(flow, heldOut);
    const result = await trainFlow(flow, train, {
      epochs: 1,
      batchSize: 32,
      learningRate: 2e-3,
      seed: 1,
      progress: silentProgress,
      statisticsExamples: 0,
    });
    const after = await evaluateNll(flow, heldOut);
    const bpd = (nll: number) => nll / (64 * Math.LN2);
    assert.equal(result.steps, 16);
    assert.ok(
      bpd(after) < bpd(before) - 0.1,
      `held-out bits/dim ${bpd(before).toFixed(3)} → ${bpd(after).toFixed(3)}`,
    );
    // The trained flow computes with its current weights: a copy rebuilt from config with the
    // weights in fresh tensors gives the same densities (wasm's XNNPACK caches packed weights by
    // buffer, and Adam updates variables in place).
    const copy = bijectorFromConfig(flow.bijector.config());
    const fresh = flow.bijector.variables().map(({ variable: v }) =>
      tf.tensor(v.dataSync(), v.shape)
    );
    copy.variables().forEach(({ variable }, i) => variable.assign(fresh[i]));
    tf.tidy(() => {
      const x = pixelBatch(8, 4);
      const a = flow.logProb(x).dataSync();
      const b = tf.add(flow.base.logProb(copy.forward(x)), copy.forwardLogDetJacobian(x))
        .dataSync();
      a.forEach((v, i) =>
        assert.ok(Math.abs(v - b[i]) < 1e-3 * Math.abs(v), `log p ${v} vs rebuilt ${b[i]}`)
      );
    });
    copy.dispose();
    tf.dispose(fresh);
    tf.tidy(() => {
      const samples = flow.sample(16, { seed: 2 });
      assert.deepEqual(samples.shape, [16, 8, 8, 1]);
      const lp = Array.from(flow.logProb(samples).dataSync());
      assert.ok(lp.every(Number.isFinite), `log p of samples: ${lp}`);
      const range = [tf.min(samples).dataSync()[0], tf.max(samples).dataSync()[0]];
      assert.ok(
        range[0] > -15 && range[1] < 271,
        `samples in (−αL/(1−2α), L + αL/(1−2α)): ${range}`,
      );
    });
  } finally {
    flow.dispose();
  }
});

Deno.test("glow flow: image shapes that cannot be squeezed are rejected", () => {
  assert.throws(
    () => buildGlowFlow({ ...SMALL, imageShape: [28, 28, 1], numBlocks: 3 }),
    /divisible by 8/,
  );
  assert.throws(() => buildGlowFlow({ ...SMALL, numHidden: 0 }), /numHidden must be a positive/);
});

Deno.test("glowForwardFlops counts the coupling networks, priors and 1×1 convolutions", () => {
  // 4×4×1, one level of one step, 2 hidden filters: 2×2×4 image, x1 = 2 channels, x2 = 2
  const f = glowForwardFlops({
    imageShape: [4, 4, 1],
    numBlocks: 1,
    stepsPerBlock: 1,
    numHidden: 2,
    seed: 1,
  });
  const perPixel = 9 * 2 * 2 + 2 * 2 + 9 * 2 * 4 + 4 * 4; // 3×3, 1×1, 3×3 out, W
  assert.equal(f, 2 * 4 * perPixel);
});
