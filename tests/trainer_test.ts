import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { initBackend } from "../lib/kernels/backend.ts";
import { buildRealNvpFlow } from "../lib/flows/realnvp_flow.ts";
import { ArrayDataSource, type DataSource } from "../lib/training/data_source.ts";
import { buildGlowFlow } from "../lib/flows/glow_flow.ts";
import { DequantizedSource } from "../lib/images/dequantize.ts";
import type { TransformedDistribution } from "../lib/distributions/transformed.ts";
import { silentProgress } from "../lib/training/progress.ts";
import { evaluateNll, NonFiniteError, trainFlow } from "../lib/training/trainer.ts";
import { learningRateAt, validateLearningRate } from "../lib/training/schedule.ts";
import { Rng } from "../lib/core/random.ts";
import { setNativeGemmEnabled } from "../lib/kernels/blas.ts";
import { Cinn } from "../lib/inn/cinn.ts";
import { pairedDataSource } from "../lib/inn/paired_data.ts";

await initBackend("wasm");

/** n points of a correlated 2-D Gaussian (entropy known in closed form). */
function gaussianData(n: number, seed: number, shift = 0): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const a = rng.normal(), b = rng.normal();
    out[2 * i] = 2 * a + shift;
    out[2 * i + 1] = 0.5 * (0.8 * a + 0.6 * b) * 2 + shift;
  }
  return out;
}
// Covariance [[4, 1.6], [1.6, 1]]: det = 4 - 2.56 = 1.44, entropy = 1 + ln 2π + ½ ln det.
const TRUE_ENTROPY = 1 + Math.log(2 * Math.PI) + 0.5 * Math.log(1.44);

const smallFlow = (seed = 1) =>
  buildRealNvpFlow({ dims: 2, flowSteps: 3, hiddenLayers: [32, 32], seed });
const base = { batchSize: 128, learningRate: 3e-3, seed: 5, progress: silentProgress } as const;

Deno.test("staircase learning rate", () => {
  assert.equal(learningRateAt(0.01, 999), 0.01);
  assert.equal(learningRateAt([1e-3, 100, 0.5], 99), 1e-3);
  assert.equal(learningRateAt([1e-3, 100, 0.5], 250), 2.5e-4);
  assert.throws(() => validateLearningRate([1e-3, 0, 0.5]), /decay_steps/);
  assert.throws(() => validateLearningRate(-1), /positive/);
});

Deno.test("training lowers held-out NLL towards the true entropy", async () => {
  const flow = smallFlow();
  const train = new ArrayDataSource(gaussianData(4000, 1), [2]);
  const val = new ArrayDataSource(gaussianData(4000, 2), [2]);
  const before = await evaluateNll(flow, val);
  const result = await trainFlow(flow, train, { ...base, epochs: 8, validation: val });
  const after = await evaluateNll(flow, val);
  assert.ok(after < before - 0.5, `held-out NLL ${before} → ${after}`);
  assert.ok(
    Math.abs(after - TRUE_ENTROPY) < 0.1,
    `held-out NLL ${after} vs entropy ${TRUE_ENTROPY}`,
  );
  assert.equal(result.history.length, 8);
  assert.ok(Math.abs(result.bestValNll! - after) < 1e-4, "model holds the best epoch's weights");
  flow.dispose();
});

Deno.test("non-finite loss stops training with the epoch and step named", async () => {
  const flow = smallFlow();
  const data = gaussianData(512, 3);
  data[2 * 300] = NaN; // lands in some batch of epoch 1
  await assert.rejects(
    () => trainFlow(flow, new ArrayDataSource(data, [2]), { ...base, epochs: 1 }),
    (err: Error) => err instanceof NonFiniteError && /epoch 1, step \d+/.test(err.message),
  );
  flow.dispose();
});

Deno.test("early stopping restores the best weights", async () => {
  const flow = smallFlow();
  const train = new ArrayDataSource(gaussianData(2000, 4), [2]);
  // Held-out data far from the training data: fitting the training data makes it worse.
  const val = new ArrayDataSource(gaussianData(500, 5, 6), [2]);
  const result = await trainFlow(flow, train, {
    ...base,
    epochs: 30,
    validation: val,
    earlyStoppingPatience: 2,
  });
  assert.ok(result.stoppedEarly, "stopped early");
  assert.ok(result.epochsRun < 30);
  assert.equal(result.epochsRun - result.bestEpoch, 2);
  const now = await evaluateNll(flow, val);
  const bestRecord = result.history[result.bestEpoch - 1];
  assert.ok(
    Math.abs(now - bestRecord.valNll!) < 1e-4,
    `restored ${now} vs best ${bestRecord.valNll}`,
  );
  flow.dispose();
});

Deno.test("resume from a checkpoint reproduces an uninterrupted run", async () => {
  const dir = await Deno.makeTempDir();
  const data = new ArrayDataSource(gaussianData(1024, 6), [2]);
  const val = new ArrayDataSource(gaussianData(256, 7), [2]);
  const opts = { ...base, validation: val, checkpointEveryNEpochs: 2 };
  const straight = smallFlow(9);
  await trainFlow(straight, data, { ...opts, epochs: 4 });
  const interrupted = smallFlow(9);
  await trainFlow(interrupted, data, { ...opts, epochs: 2, checkpointDir: dir });
  interrupted.dispose();
  const resumed = smallFlow(9);
  const historyPath = `${dir}/history.jsonl`;
  const r = await trainFlow(resumed, data, {
    ...opts,
    epochs: 4,
    checkpointDir: dir,
    resume: true,
    historyPath,
  });
  assert.equal(r.resumedFromEpoch, 2);
  assert.equal(r.history.length, 4);
  const lines = (await Deno.readTextFile(historyPath)).trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.epoch), [1, 2, 3, 4]);
  const x = tf.randomNormal([64, 2], 0, 1, "float32", 3);
  const diff = tf.max(tf.abs(tf.sub(straight.logProb(x), resumed.logProb(x)))).dataSync()[0];
  assert.ok(diff < 1e-4, `resumed run differs by ${diff}`);
  tf.dispose(x);
  straight.dispose();
  resumed.dispose();
  // A truncated checkpoint is named with its sizes instead of failing inside tfjs.
  const weights = `${dir}/latest/weights.bin`;
  const size = (await Deno.stat(weights)).size;
  await Deno.truncate(weights, 1000);
  const again = smallFlow(9);
  await assert.rejects(
    () => trainFlow(again, data, { ...opts, epochs: 5, checkpointDir: dir, resume: true }),
    new RegExp(`weights\\.bin: 1000 bytes, but its manifest describes ${size} bytes`),
  );
  again.dispose();
  await Deno.remove(dir, { recursive: true });
});

/** A pixel-valued image set (integers 0..255, dequantised by the source). */
function pixelImages(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * 16 }, () => Math.floor(rng.uniform() * 256));
}

const LEAK_PATHS: {
  name: string;
  backend: "wasm" | "cpu";
  native: boolean;
  make: () => TransformedDistribution;
  data: (n: number, seed: number) => DataSource;
}[] = [
  {
    name: "wasm + native BLAS, affine",
    backend: "wasm",
    native: true,
    make: () => buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [16], seed: 1 }),
    data: (n, seed) => new ArrayDataSource(gaussianData(n, seed), [2]),
  },
  {
    name: "wasm, spline",
    backend: "wasm",
    native: false,
    make: () =>
      buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [16], coupling: "spline", seed: 1 }),
    data: (n, seed) => new ArrayDataSource(gaussianData(n, seed), [2]),
  },
  {
    name: "cpu, affine",
    backend: "cpu",
    native: false,
    make: () => buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [16], seed: 1 }),
    data: (n, seed) => new ArrayDataSource(gaussianData(n, seed), [2]),
  },
  {
    name: "wasm + native BLAS, Glow on 4×4×1 images",
    backend: "wasm",
    native: true,
    make: () =>
      buildGlowFlow({
        imageShape: [4, 4, 1],
        numBlocks: 2,
        stepsPerBlock: 1,
        numHidden: 4,
        seed: 1,
      }),
    data: (n, seed) =>
      new DequantizedSource(new ArrayDataSource(pixelImages(n, seed), [4, 4, 1]), seed),
  },
  {
    // A conditional flow: x with y as context, through the conditioner network.
    name: "wasm + native BLAS, cINN of x given y",
    backend: "wasm",
    native: true,
    make: () => new Cinn({ dimX: 2, dimY: 1, blocks: 2, hiddenLayers: [16], seed: 1 }),
    data: (n, seed) => {
      const rows = gaussianData(n, seed); // [x₀, x₁] per row; y = x₀ + x₁
      const y = Float32Array.from({ length: n }, (_, i) => rows[2 * i] + rows[2 * i + 1]);
      return pairedDataSource({ x: rows, y }, { dimX: 2, dimY: 1 });
    },
  },
  {
    // Conditional couplings with batch norm: the context reaches the recalibration too.
    name: "wasm, conditional realnvp with batch norm",
    backend: "wasm",
    native: false,
    make: () =>
      buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [16], contextDim: 1, seed: 1 }),
    data: (n, seed) => {
      const rows = gaussianData(n, seed);
      const c = Float32Array.from({ length: n }, (_, i) => rows[2 * i]);
      return new ArrayDataSource(rows, [2], { context: c, contextDim: 1 });
    },
  },
];

for (const path of LEAK_PATHS) {
  Deno.test(`training leaks no tensors: 100 steps leave as many as 10 (${path.name})`, async () => {
    await initBackend(path.backend);
    setNativeGemmEnabled(path.native);
    const dir = await Deno.makeTempDir();
    try {
      const flow = path.make();
      const data = path.data(1280, 8); // 10 steps per epoch
      const val = path.data(256, 9);
      const opts = { ...base, validation: val, checkpointDir: dir, checkpointEveryNEpochs: 1 };
      await trainFlow(flow, data, { ...opts, epochs: 1 });
      const after10 = tf.memory().numTensors;
      await trainFlow(flow, data, { ...opts, epochs: 11, resume: true, earlyStoppingPatience: 20 });
      assert.equal(
        tf.memory().numTensors,
        after10,
        "tensor count after 100 more steps (with resume)",
      );
      await trainFlow(flow, data, {
        ...opts,
        epochs: 10,
        gradNormThresh: 0.01,
        statisticsExamples: 0,
      });
      assert.equal(tf.memory().numTensors, after10, "tensor count after 100 clipped steps");
      flow.dispose();
    } finally {
      setNativeGemmEnabled(true);
      await initBackend("wasm");
      await Deno.remove(dir, { recursive: true });
    }
  });
}

/** n pairs: condition c ~ N(0, 1) and x | c ~ N([c, −c], 0.3² I), rows of x and of c. */
function conditionalData(n: number, seed: number): { x: Float32Array; c: Float32Array } {
  const rng = new Rng(seed);
  const x = new Float32Array(2 * n), c = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    c[i] = rng.normal();
    x[2 * i] = c[i] + 0.3 * rng.normal();
    x[2 * i + 1] = -c[i] + 0.3 * rng.normal();
  }
  return { x, c };
}
// Entropy of x given c: ln(2πe · 0.09); of x alone (cov [[1.09, −1], [−1, 1.09]]) about 2.0.
const CONDITIONAL_ENTROPY = 1 + Math.log(2 * Math.PI) + Math.log(0.09);

Deno.test("trainFlow trains a conditional flow on a source whose batches carry the context", async () => {
  const flow = buildRealNvpFlow({
    dims: 2,
    flowSteps: 4,
    hiddenLayers: [32, 32],
    contextDim: 1,
    seed: 2,
  });
  const source = (n: number, seed: number) => {
    const { x, c } = conditionalData(n, seed);
    return new ArrayDataSource(x, [2], { context: c, contextDim: 1 });
  };
  const val = source(2000, 12);
  const result = await trainFlow(flow, source(4000, 11), { ...base, epochs: 6, validation: val });
  const nll = await evaluateNll(flow, val);
  assert.ok(Math.abs(result.bestValNll! - nll) < 1e-4, "validation NLL is the conditional one");
  assert.ok(
    nll < CONDITIONAL_ENTROPY + 0.3,
    `held-out −log p(x | c) ${nll} vs conditional entropy ${CONDITIONAL_ENTROPY}`,
  );
  // The model uses the condition: the wrong one (c's of other points) is far less likely.
  const { x, c } = conditionalData(2000, 12);
  const shuffled = new ArrayDataSource(x, [2], { context: c.slice().reverse(), contextDim: 1 });
  const wrong = await evaluateNll(flow, shuffled);
  assert.ok(wrong > nll + 1, `NLL with mismatched conditions ${wrong} vs ${nll}`);
  flow.dispose();
});

Deno.test("a source whose context does not fit the flow is refused with both widths named", async () => {
  const conditional = buildRealNvpFlow({
    dims: 2,
    flowSteps: 1,
    hiddenLayers: [8],
    contextDim: 1,
    seed: 1,
  });
  const plain = smallFlow();
  const { x, c } = conditionalData(64, 1);
  const noContext = new ArrayDataSource(x, [2]);
  const withContext = new ArrayDataSource(x, [2], { context: c, contextDim: 1 });
  const wide = new ArrayDataSource(x, [2], {
    context: Float32Array.from({ length: 128 }, (_, i) => i),
    contextDim: 2,
  });
  const opts = { ...base, epochs: 1 };
  try {
    await assert.rejects(
      () => trainFlow(conditional, noContext, opts),
      /flow is conditional \(it takes a context of width 1\), but the training data source yields no context/,
    );
    await assert.rejects(
      () => trainFlow(plain, withContext, opts),
      /training data source yields a context of width 1, but the flow is unconditional/,
    );
    await assert.rejects(
      () => trainFlow(conditional, wide, opts),
      /flow takes a context of width 1, but the training data source yields contexts of width 2/,
    );
    await assert.rejects(
      () => trainFlow(conditional, withContext, { ...opts, validation: noContext }),
      /but the validation data source yields no context/,
    );
    await assert.rejects(
      () => evaluateNll(plain, withContext),
      /evaluation data source yields a context of width 1/,
    );
  } finally {
    conditional.dispose();
    plain.dispose();
  }
});
