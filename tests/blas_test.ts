import assert from "node:assert/strict";
import { tf } from "../lib/tf.ts";
import { initBackend } from "../lib/backend.ts";
import { enableNativeBlas, gemm, nativeGemmActive } from "../lib/nn/blas.ts";

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
