import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { initBackend } from "../lib/kernels/backend.ts";
import { Rng } from "../lib/core/random.ts";
import type { ProgressState } from "../lib/training/progress.ts";
import { silentProgress } from "../lib/training/progress.ts";
import { NonFiniteError } from "../lib/training/trainer.ts";
import { InnModel } from "../lib/inn/inn_model.ts";
import { Cinn } from "../lib/inn/cinn.ts";
import { innMaxLikelihoodLoss, innMmdLoss, innNegativeLogLikelihood } from "../lib/inn/losses.ts";
import { backwardRampFactor, trainInn } from "../lib/inn/train_inn.ts";
import { randomizeVariables } from "./bijector_harness.ts";

await initBackend("wasm");

/** x ∈ R³ uniform-ish, y = (x₀ + x₁·x₂, x₀ − x₂): 3 parameters, 2 observations. */
function toyData(n: number, seed: number): { x: Float32Array; y: Float32Array } {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: 3 * n }, () => rng.normal());
  const y = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const [a, b, c] = x.subarray(3 * i, 3 * i + 3);
    y[2 * i] = a + 0.5 * b * c;
    y[2 * i + 1] = a - c;
  }
  return { x, y };
}

/** ∫ exp(logDensity(x)) dx over a 2-D grid of [-r, r]², by the midpoint rule. */
function integrate2d(logDensity: (x: tf.Tensor2D) => tf.Tensor1D, r: number, m: number): number {
  const h = 2 * r / m;
  const pts = new Float32Array(2 * m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      pts[2 * (i * m + j)] = -r + (i + 0.5) * h;
      pts[2 * (i * m + j) + 1] = -r + (j + 0.5) * h;
    }
  }
  return tf.tidy(() =>
    tf.sum(tf.exp(logDensity(tf.tensor2d(pts, [m * m, 2])))).dataSync()[0] * h * h
  );
}

Deno.test("backward ramp grows exponentially to 1", () => {
  const ramp = { steps: 100, from: 0.01 };
  assert.equal(backwardRampFactor(ramp, 0), 0.01);
  assert.ok(Math.abs(backwardRampFactor(ramp, 50) - 0.1) < 1e-12);
  assert.equal(backwardRampFactor(ramp, 100), 1);
  assert.equal(backwardRampFactor(ramp, 500), 1);
  assert.equal(backwardRampFactor({ steps: 0 }, 0), 1);
});

Deno.test("the maximum-likelihood INN loss is the NLL of a normalised density of x given y", () => {
  // Glorot-initialised (not the identity); the harness's larger random weights give
  // tails too heavy for a grid.
  const inn = new InnModel({ dimX: 2, dimY: 1, dimZ: 1, blocks: 2, hiddenLayers: [16], seed: 7 });
  try {
    const spread = tf.tidy(() => {
      const { logDet } = inn.forwardAndLogDet(tf.randomNormal([256, 2], 0, 2, "float32", 1));
      return tf.moments(logDet).variance.dataSync()[0];
    });
    assert.ok(spread > 0.01, `the map is close to linear: log-det variance ${spread}`);
    for (const yStar of [-0.5, 0.8]) {
      const mass = integrate2d(
        (x) => {
          const y = tf.fill([x.shape[0], 1], yStar) as tf.Tensor2D;
          return tf.neg(innNegativeLogLikelihood(inn, x, y, { sigmaY: 0.5, seed: 1 }));
        },
        12,
        300,
      );
      assert.ok(Math.abs(mass - 1) < 0.03, `∫ q(x | y=${yStar}) dx = ${mass}`);
    }
  } finally {
    inn.dispose();
  }
});

Deno.test("the cINN density of x given y is normalised", () => {
  const cinn = new Cinn({ dimX: 2, dimY: 1, blocks: 2, hiddenLayers: [16], seed: 7 });
  try {
    randomizeVariables(cinn.bijector, 4);
    for (const yStar of [-1, 2]) {
      const mass = integrate2d(
        // one row of context, broadcast to every grid point
        (x) => cinn.logProb(x, { context: tf.tensor2d([[yStar]]) }),
        10,
        200,
      );
      assert.ok(Math.abs(mass - 1) < 0.03, `∫ p(x | y=${yStar}) dx = ${mass}`);
    }
  } finally {
    cinn.dispose();
  }
});

function recordingProgress() {
  const steps: ProgressState[] = [], lines: string[] = [];
  return {
    steps,
    lines,
    sink: {
      step: (s: ProgressState) => steps.push(s),
      line: (t: string) => lines.push(t),
      done() {},
    },
  };
}

Deno.test("bidirectional training, padding on both sides: history, ramp, progress", async () => {
  // width 4: x is padded by one column, the output side [y (2), z (1), pad (1)].
  const tensorsBefore = tf.memory().numTensors;
  const inn = new InnModel({
    dimX: 3,
    dimY: 2,
    dimZ: 1,
    width: 4,
    blocks: 2,
    hiddenLayers: [32],
    seed: 2,
  });
  const progress = recordingProgress();
  try {
    const r = await trainInn(inn, toyData(1200, 1), {
      mode: "mmd",
      epochs: 8,
      batchSize: 100,
      learningRate: 3e-3,
      seed: 1,
      yNoise: 0.01,
      backwardRamp: { steps: 30, from: 0.01 },
      progress: progress.sink,
    });
    assert.equal(r.steps, 96);
    assert.deepEqual(r.history.map((h) => h.epoch), [1, 2, 3, 4, 5, 6, 7, 8]);
    const first = r.history[0], last = r.history[7];
    assert.deepEqual(Object.keys(last.terms), [
      "fit",
      "latent",
      "backward",
      "padding",
      "backwardPadding",
    ]);
    const ramp = r.history.map((h) => h.backwardFactor);
    assert.deepEqual(ramp.slice(0, 4).map((f) => f.toFixed(3)), [
      "0.063",
      "0.398",
      "1.000",
      "1.000",
    ]);
    assert.ok(last.terms.fit < 0.5 * first.terms.fit, `fit ${first.terms.fit} → ${last.terms.fit}`);
    assert.ok(
      last.terms.padding < 0.5 * first.terms.padding,
      `padding ${first.terms.padding} → ${last.terms.padding}`,
    );
    assert.equal(progress.steps.length, 96);
    assert.ok(progress.steps.every((s) => Number.isFinite(s.loss) && s.epochs === 8));
    assert.equal(progress.lines.length, 8);
    assert.match(progress.lines[7], /^epoch 8\/8: loss .*fit .*padding/);
  } finally {
    inn.dispose();
  }
  assert.equal(tf.memory().numTensors, tensorsBefore, "training leaks no tensors");
});

Deno.test("ML training lowers the NLL and needs noise in padded inputs", async () => {
  const tensorsBefore = tf.memory().numTensors;
  const inn = new InnModel({ dimX: 3, dimY: 2, dimZ: 2, blocks: 2, hiddenLayers: [32], seed: 3 });
  try {
    assert.equal(inn.layout.padX, 1);
    const data = toyData(1200, 2);
    const base = {
      epochs: 3,
      batchSize: 100,
      learningRate: 3e-3,
      seed: 1,
      progress: silentProgress,
    };
    await assert.rejects(
      () => trainInn(inn, data, { ...base, mode: "ml", padNoise: 0 }),
      /needs padNoise > 0 when x is padded \(padX=1\)/,
    );
    const r = await trainInn(inn, data, { ...base, mode: "ml", sigmaY: 0.1 });
    const [first, , last] = r.history;
    assert.deepEqual(Object.keys(last.terms), ["nll", "fit", "latent"]);
    assert.ok(last.terms.nll < first.terms.nll - 1, `NLL ${first.terms.nll} → ${last.terms.nll}`);
    assert.equal(last.loss, last.terms.nll);
  } finally {
    inn.dispose();
  }
  assert.equal(tf.memory().numTensors, tensorsBefore, "training leaks no tensors");
});

Deno.test("non-finite losses stop INN training with the mode, epoch and step named", async () => {
  const inn = new InnModel({ dimX: 3, dimY: 2, dimZ: 1, blocks: 1, hiddenLayers: [8], seed: 4 });
  try {
    const data = toyData(400, 3);
    data.y[2 * 250] = 1e30; // finite, but its square overflows float32
    await assert.rejects(
      () =>
        trainInn(inn, data, {
          epochs: 1,
          batchSize: 100,
          learningRate: 1e-3,
          seed: 1,
          progress: silentProgress,
        }),
      (err: Error) =>
        err instanceof NonFiniteError &&
        /INN training \(mmd\) diverged at epoch 1, step [1-4] \(global step [1-4]\)/.test(
          err.message,
        ) &&
        /loss=(Infinity|NaN) \(fit=/.test(err.message),
    );
    await assert.rejects(
      () =>
        trainInn(inn, data, {
          mode: "map" as "ml",
          epochs: 1,
          batchSize: 10,
          learningRate: 1e-3,
          seed: 1,
        }),
      /mode must be "mmd" or "ml", got map/,
    );
  } finally {
    inn.dispose();
  }
});

Deno.test("the MMD loss works without latent dimensions and reports its parts", () => {
  const inn = new InnModel({ dimX: 2, dimY: 2, dimZ: 0, blocks: 1, hiddenLayers: [8], seed: 5 });
  try {
    tf.tidy(() => {
      const x = tf.randomNormal([64, 2], 0, 1, "float32", 1) as tf.Tensor2D;
      const { total, terms } = innMmdLoss(inn, x, tf.mul(x, 2) as tf.Tensor2D, { seed: 3 });
      const values = Object.fromEntries(
        Object.entries(terms).map(([k, v]) => [k, v.dataSync()[0]]),
      );
      const w = { fit: 1, latent: 50, backward: 50, padding: 1, backwardPadding: 1 };
      const expected = Object.entries(w).reduce((s, [k, v]) => s + v * values[k], 0);
      assert.ok(
        Math.abs(total.dataSync()[0] - expected) < 1e-3 * expected,
        "weights as documented",
      );
      assert.ok(values.fit > 0 && values.latent > 0 && values.backward > 0);
      assert.equal(values.padding, 0);
      assert.equal(values.backwardPadding, 0);
      const ml = innMaxLikelihoodLoss(inn, x, x, { sigmaY: 0.1, seed: 1 });
      assert.ok(Number.isFinite(ml.total.dataSync()[0]));
    });
  } finally {
    inn.dispose();
  }
});
