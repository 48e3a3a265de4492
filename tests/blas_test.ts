import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { initBackend } from "../lib/kernels/backend.ts";
import {
  enableNativeBlas,
  gemm,
  nativeGemmActive,
  setNativeGemmEnabled,
} from "../lib/kernels/blas.ts";
import { buildRealNvpFlow } from "../lib/flows/realnvp_flow.ts";
import { Adam } from "../lib/training/adam.ts";
import { createTrainStep } from "../lib/training/train_step.ts";

const blas = enableNativeBlas();
if (!blas.library) console.log(`native BLAS tests skipped: ${blas.reason}`);

Deno.test({
  name: "native gemm agrees with tfjs matMul for every transpose combination",
  ignore: !blas.library,
  async fn() {
    await initBackend("wasm");
    assert.ok(nativeGemmActive());
    const a = tf.randomNormal([37, 53], 0, 1, "float32", 1) as tf.Tensor2D;
    const b = tf.randomNormal([53, 29], 0, 1, "float32", 2) as tf.Tensor2D;
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      const left = ta ? tf.transpose(a) : a, right = tb ? tf.transpose(b) : b;
      const native = gemm(left as tf.Tensor2D, right as tf.Tensor2D, ta, tb);
      const reference = tf.matMul(a, b);
      assert.deepEqual(native.shape, [37, 29]);
      const err = tf.max(tf.abs(tf.sub(native, reference))).dataSync()[0];
      assert.ok(err < 1e-4, `transposeA=${ta} transposeB=${tb}: max error ${err}`);
      tf.dispose([native, reference, ...(ta ? [left] : []), ...(tb ? [right] : [])]);
    }
    tf.dispose([a, b]);
  },
});

Deno.test("gemm falls back to tfjs matMul off the native path", async () => {
  await initBackend("cpu");
  assert.ok(!nativeGemmActive());
  const a = tf.tensor2d([[1, 2], [3, 4]]), b = tf.tensor2d([[5, 6], [7, 8]]);
  assert.deepEqual(gemm(a, b, true, false).arraySync(), [[26, 30], [38, 44]]);
  assert.deepEqual(gemm(a, b, false, true).arraySync(), [[17, 23], [39, 53]]);
  await initBackend("wasm");
});

Deno.test("plain-wasm fallback: a flow trained with in-place Adam matches a copy rebuilt from its weights", async () => {
  // XNNPACK caches packed matMul weights by buffer; in-place updates must not leave them stale.
  await initBackend("wasm");
  setNativeGemmEnabled(false);
  try {
    const make = () => buildRealNvpFlow({ dims: 2, flowSteps: 3, hiddenLayers: [32, 32], seed: 4 });
    const flow = make();
    const step = createTrainStep(flow, new Adam(flow.bijector.trainableVariables()), 25);
    const batch = tf.randomNormal([64, 2], 0, 1, "float32", 5);
    for (let i = 0; i < 10; i++) await step({ x: batch }, 1e-2);
    const copy = make();
    const source = flow.bijector.variables();
    copy.bijector.variables().forEach((v, i) => v.variable.assign(tf.mul(source[i].variable, 1)));
    const a = tf.tidy(() => flow.logProb(batch).mean().dataSync()[0]);
    const b = tf.tidy(() => copy.logProb(batch).mean().dataSync()[0]);
    assert.ok(Math.abs(a - b) < 1e-4, `trained ${a} vs rebuilt ${b}`);
    flow.dispose();
    copy.dispose();
    batch.dispose();
  } finally {
    setNativeGemmEnabled(true);
  }
});
