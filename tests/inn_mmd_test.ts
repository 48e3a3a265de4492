import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { initBackend } from "../lib/kernels/backend.ts";
import { nativeBlasLibrary, setNativeGemmEnabled } from "../lib/kernels/blas.ts";
import { mmd, pairwiseSquaredDistances, stopGradient } from "../lib/inn/mmd.ts";
import { InnModel } from "../lib/inn/inn_model.ts";
import { innMmdLoss } from "../lib/inn/losses.ts";

await initBackend("wasm");

const WIDTHS = [0.2, 0.5, 0.9, 1.3];

/** The same biased MMD² in float64 plain JS, three explicit blocks. */
function referenceMmd(a: number[][], b: number[][], widths = WIDTHS): number {
  const k = (p: number[], q: number[]) => {
    const d2 = p.reduce((s, v, i) => s + (v - q[i]) ** 2, 0);
    return widths.reduce((s, h) => s + h * h / (h * h + d2), 0);
  };
  const mean = (xs: number[][], ys: number[][]) =>
    xs.reduce((s, p) => s + ys.reduce((t, q) => t + k(p, q), 0), 0) / (xs.length * ys.length);
  return mean(a, a) + mean(b, b) - 2 * mean(a, b);
}

/** An autodiff-only MMD (broadcast differences, tfjs's own gradients) to check ours against. */
function autodiffMmd(a: tf.Tensor2D, b: tf.Tensor2D): tf.Scalar {
  const block = (p: tf.Tensor2D, q: tf.Tensor2D) => {
    const d2 = tf.sum(tf.square(tf.sub(tf.expandDims(p, 1), tf.expandDims(q, 0))), 2);
    return tf.addN(WIDTHS.map((h) => tf.mean(tf.div(h * h, tf.add(d2, h * h)))));
  };
  return tf.sub(tf.add(block(a, a), block(b, b)), tf.mul(2, block(a, b))) as tf.Scalar;
}

const sample = (n: number, d: number, seed: number, shift = 0) =>
  tf.add(tf.randomNormal([n, d], 0, 1, "float32", seed), shift) as tf.Tensor2D;

Deno.test("pairwise squared distances", () => {
  tf.tidy(() => {
    const d = pairwiseSquaredDistances(
      tf.tensor2d([[0, 0], [1, 1]]),
      tf.tensor2d([[3, 4], [1, 0]]),
    );
    assert.deepEqual(d.arraySync(), [[25, 1], [13, 1]]);
  });
});

Deno.test("MMD is ≈ 0 for identical samples and matches a float64 reference", () => {
  tf.tidy(() => {
    const a = sample(64, 3, 1);
    assert.ok(Math.abs(mmd(a, a).dataSync()[0]) < 1e-6);
    const b = sample(48, 3, 2, 0.7);
    const got = mmd(a, b).dataSync()[0];
    const want = referenceMmd(a.arraySync(), b.arraySync());
    assert.ok(Math.abs(got - want) < 1e-5 + 1e-4 * want, `MMD ${got} vs reference ${want}`);
  });
});

Deno.test("MMD grows with the shift between two samples", () => {
  tf.tidy(() => {
    const a = sample(300, 2, 3);
    const values = [0, 0.25, 0.5, 1, 2].map((s) => mmd(a, sample(300, 2, 4, s)).dataSync()[0]);
    for (let i = 1; i < values.length; i++) {
      assert.ok(values[i] > values[i - 1], `MMD not increasing with shift: [${values}]`);
    }
    assert.ok(values[0] < 0.02, `independent samples of one distribution: MMD ${values[0]}`);
    assert.ok(values[3] > 5 * values[0], `a unit shift is clearly detected: [${values}]`);
  });
});

function mmdGradients(native: boolean, autodiff = false): Float32Array[] {
  setNativeGemmEnabled(native);
  try {
    return tf.tidy(() => {
      const a = sample(40, 3, 5), b = sample(30, 3, 6, 0.5);
      const f = (p: tf.Tensor, q: tf.Tensor) =>
        (autodiff ? autodiffMmd : mmd)(p as tf.Tensor2D, q as tf.Tensor2D);
      return tf.grads(f)([a, b]).map((g) => g.dataSync() as Float32Array);
    });
  } finally {
    setNativeGemmEnabled(true);
  }
}

function assertClose(got: Float32Array[], want: Float32Array[], label: string): void {
  got.forEach((g, i) => {
    const scale = Math.max(...Array.from(want[i], Math.abs));
    const err = Math.max(...Array.from(g, (v, j) => Math.abs(v - want[i][j])));
    assert.ok(scale > 0, `${label}: gradient ${i} is zero`);
    assert.ok(err <= 2e-3 * scale, `${label}: gradient ${i} differs by ${err} (scale ${scale})`);
  });
}

Deno.test("MMD gradients run on wasm and agree with cpu and with plain autodiff", async () => {
  await initBackend("cpu");
  const cpu = mmdGradients(false);
  const reference = mmdGradients(false, true);
  assertClose(cpu, reference, "cpu hand-written vs autodiff");
  await initBackend("wasm");
  try {
    assertClose(mmdGradients(false), cpu, "wasm vs cpu");
    if (nativeBlasLibrary()) assertClose(mmdGradients(true), cpu, "wasm + native BLAS vs cpu");
  } finally {
    await initBackend("wasm");
  }
});

Deno.test("MMD checks its inputs", () => {
  tf.tidy(() => {
    assert.throws(
      () => mmd(tf.zeros([4, 2]) as tf.Tensor2D, tf.zeros([4, 3]) as tf.Tensor2D),
      /same d, got \[4,2\] and \[4,3\]/,
    );
    assert.throws(
      () => mmd(tf.zeros([4, 2]) as tf.Tensor2D, tf.zeros([4, 2]) as tf.Tensor2D, { widths: [0] }),
      /widths must be positive/,
    );
  });
});

Deno.test("stopGradient passes values and blocks gradients", () => {
  tf.tidy(() => {
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(x, stopGradient(x))))(tf.tensor1d([3, -2]));
    assert.deepEqual(Array.from(g.dataSync()), [3, -2]);
  });
});

Deno.test("the bidirectional INN loss has the same gradients on wasm as on cpu", async () => {
  const inn = new InnModel({ dimX: 3, dimY: 1, dimZ: 1, blocks: 2, hiddenLayers: [16], seed: 8 });
  const vars = inn.trainableVariables();
  const gradients = () =>
    tf.tidy(() => {
      const x = sample(64, 3, 9);
      const y = tf.sum(tf.square(x), 1, true) as tf.Tensor2D;
      inn.initialize(x, 1);
      const { grads } = tf.variableGrads(
        () => innMmdLoss(inn, x, y, { seed: 4, yNoise: 0.05 }).total,
        vars,
      );
      return vars.map((v) => grads[v.name].dataSync() as Float32Array);
    });
  try {
    await initBackend("cpu");
    const cpu = gradients();
    await initBackend("wasm");
    assertClose(gradients(), cpu, "INN loss, wasm vs cpu");
  } finally {
    await initBackend("wasm");
    inn.dispose();
  }
});
