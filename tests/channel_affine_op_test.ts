/**
 * The per-channel affine map of ActNorm with its log-det (`channelAffine`):
 * its wasm kernels must give the values and the gradients of x, the
 * log-scales and the biases that the tf-op reference path gives on cpu, to
 * 1e-4 relative, for `[batch, dims]` and image inputs, both directions; and
 * the log-det is `± positions · Σ s` in every row.
 */
import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { channelAffine, initBackend } from "../lib/kernels/mod.ts";
import { assertWasmMatchesCpu, randomInput } from "./backend_compare.ts";

for (const inverse of [false, true]) {
  Deno.test(`channelAffine (inverse ${inverse}): wasm kernels equal the cpu reference path to 1e-4`, async () => {
    for (const shape of [[6, 3], [2, 4, 5, 3], [1, 1]]) {
      const c = shape[shape.length - 1];
      await assertWasmMatchesCpu(
        [randomInput(shape, 3), randomInput([c], 4, 0.5), randomInput([c], 5)],
        (x, s, b) => {
          const { value, logDet } = channelAffine(x, s as tf.Tensor1D, b as tf.Tensor1D, inverse);
          assert.deepEqual(value.shape, shape);
          assert.deepEqual(logDet.shape, [shape[0]]);
          return [value, logDet];
        },
        ["value", "log-det", "x gradient", "log-scale gradient", "bias gradient"],
        1e-4,
        `[${shape}]`,
      );
    }
  });
}

Deno.test("channelAffine: the log-det is ± positions · Σ s and the inverse undoes the map", async () => {
  await initBackend("wasm");
  tf.tidy(() => {
    const x = tf.randomNormal([2, 3, 4, 2], 0, 1, "float32", 1);
    const s = tf.tensor1d([0.5, -0.25]), b = tf.tensor1d([1, -2]);
    const fwd = channelAffine(x, s, b, false);
    assert.deepEqual(Array.from(fwd.logDet.dataSync()), [3, 3]); // 12 positions · 0.25
    const back = channelAffine(fwd.value, s, b, true);
    assert.deepEqual(Array.from(back.logDet.dataSync()), [-3, -3]);
    const err = tf.max(tf.abs(tf.sub(back.value, x))).dataSync()[0];
    assert.ok(err < 1e-5, `round trip error ${err}`);
  });
});
