/**
 * The fused dense kernels (native sgemm + SIMD epilogues on the wasm heap)
 * against tfjs autodiff of `act(x · W + b)`, values and all three gradients,
 * at widths that exercise both the SIMD body and the scalar tail; and the
 * dense op of the kernels' door (`denseLayer`) on wasm (fused kernels where
 * native BLAS is loaded) against its reference path on cpu, every activation.
 */
import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { type DenseActivation, denseLayer, initBackend } from "../lib/kernels/mod.ts";
import { fusedDense } from "../lib/kernels/dense_kernels.ts";
import { fusedKernelsAvailable } from "../lib/kernels/fused_layer.ts";
import { assertWasmMatchesCpu, randomInput } from "./backend_compare.ts";

await initBackend("wasm");

for (const [m, k, n] of [[7, 5, 9], [16, 1, 12], [5, 6, 2]]) {
  for (const relu of [true, false]) {
    Deno.test({
      name: `fused dense [${m}×${k}]·[${k}×${n}] relu=${relu} matches autodiff`,
      ignore: !fusedKernelsAvailable(),
      fn: () => {
        tf.tidy(() => {
          const x = tf.randomNormal([m, k], 0, 1, "float32", 1) as tf.Tensor2D;
          const w = tf.randomNormal([k, n], 0, 1, "float32", 2) as tf.Tensor2D;
          const b = tf.randomNormal([n], 0, 1, "float32", 3) as tf.Tensor1D;
          const up = tf.randomNormal([m, n], 0, 1, "float32", 4);
          const ref = (a: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => {
            const lin = tf.add(tf.matMul(a as tf.Tensor2D, ww as tf.Tensor2D), bb);
            return relu ? tf.relu(lin) : lin;
          };
          const ours = (a: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
            fusedDense(a as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, relu);
          const diff = (a: tf.Tensor, c: tf.Tensor) => tf.max(tf.abs(tf.sub(a, c))).dataSync()[0];
          assert.ok(diff(ours(x, w, b), ref(x, w, b)) < 1e-5);
          if (relu) {
            const y = ours(x, w, b).dataSync();
            assert.ok(y.some((v) => v === 0) && y.some((v) => v > 0), "ReLU is active somewhere");
          }
          const loss = (f: typeof ref) => (a: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
            tf.sum(tf.mul(f(a, ww, bb), up)) as tf.Scalar;
          const gOurs = tf.grads(loss(ours))([x, w, b]);
          const gRef = tf.grads(loss(ref))([x, w, b]);
          for (let i = 0; i < 3; i++) {
            assert.ok(diff(gOurs[i], gRef[i]) < 1e-4, `gradient ${i}: ${diff(gOurs[i], gRef[i])}`);
          }
        });
      },
    });
  }
}

const ACTIVATIONS: DenseActivation[] = ["linear", "relu", "tanh", "elu", "leaky_relu"];
for (const activation of ACTIVATIONS) {
  Deno.test(`denseLayer op (${activation}): wasm equals the cpu reference path to 1e-4`, async () => {
    for (const [m, k, n] of [[7, 5, 9], [16, 1, 12]]) {
      await assertWasmMatchesCpu(
        [randomInput([m, k], 51), randomInput([k, n], 52), randomInput([n], 53)],
        (x, w, b) => [denseLayer(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D, activation)],
        ["value", "x gradient", "kernel gradient", "bias gradient"],
        1e-4,
        `[${m}×${k}]·[${k}×${n}]`,
      );
    }
  });
}
