/**
 * The hand-written gradient of the affine coupling transform against tfjs
 * autodiff of the same maths, both directions, with and without the soft
 * clamp of the log-scale; and the coupling op of the kernels' door
 * (`affineCoupling`), whose fused wasm kernel must equal its split /
 * transform / concatenate reference path on cpu.
 */
import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { affineCoupling, affineCouplingTransform, initBackend } from "../lib/kernels/mod.ts";
import { affineCouplingPackedWasm } from "../lib/kernels/affine_coupling_op.ts";
import { assertWasmMatchesCpu, randomInput } from "./backend_compare.ts";

await initBackend("wasm");

function reference(x: tf.Tensor2D, p: tf.Tensor2D, clip: number, inverse: boolean): tf.Tensor {
  const n = x.shape[1];
  const [t, raw] = tf.split(p, [n, n], 1);
  const s = clip > 0 ? tf.mul(clip, tf.tanh(tf.div(raw, clip))) : raw;
  const y = inverse ? tf.mul(tf.sub(x, t), tf.exp(tf.neg(s))) : tf.add(tf.mul(x, tf.exp(s)), t);
  return tf.concat([y, inverse ? tf.neg(s) : s], 1);
}

for (const clip of [0, 2]) {
  for (const inverse of [false, true]) {
    Deno.test(`affine coupling op (clip ${clip}, inverse ${inverse}) matches autodiff`, () => {
      tf.tidy(() => {
        const x = tf.randomNormal([9, 3], 0, 1.5, "float32", 11) as tf.Tensor2D;
        const p = tf.randomNormal([9, 6], 0, 1.5, "float32", 12) as tf.Tensor2D;
        const w = tf.randomNormal([9, 6], 0, 1, "float32", 13);
        const ours = affineCouplingTransform(x, p, clip, inverse);
        const ref = reference(x, p, clip, inverse);
        assert.ok(tf.max(tf.abs(tf.sub(ours, ref))).dataSync()[0] < 1e-5);
        const loss = (useOurs: boolean) => (a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(
            useOurs
              ? affineCouplingTransform(a as tf.Tensor2D, b as tf.Tensor2D, clip, inverse)
              : reference(a as tf.Tensor2D, b as tf.Tensor2D, clip, inverse),
            w,
          )) as tf.Scalar;
        const gOurs = tf.grads(loss(true))([x, p]);
        const gRef = tf.grads(loss(false))([x, p]);
        for (let i = 0; i < 2; i++) {
          const scale = tf.max(tf.abs(gRef[i])).dataSync()[0];
          const diff = tf.max(tf.abs(tf.sub(gOurs[i], gRef[i]))).dataSync()[0];
          assert.ok(scale > 1e-2, `reference gradient ${i} is trivial`);
          assert.ok(diff < 1e-4 * Math.max(1, scale), `gradient ${i}: max diff ${diff}`);
        }
      });
    });
  }
}

for (const clip of [0, 2]) {
  for (const inverse of [false, true]) {
    Deno.test(`affine coupling wasm kernel (clip ${clip}, inverse ${inverse}) matches autodiff`, () => {
      tf.tidy(() => {
        const numMasked = 2;
        const x = tf.randomNormal([7, 5], 0, 1.5, "float32", 21) as tf.Tensor2D;
        const p = tf.randomNormal([7, 6], 0, 1.5, "float32", 22) as tf.Tensor2D;
        const w = tf.randomNormal([7, 6], 0, 1, "float32", 23);
        const ref = (a: tf.Tensor, b: tf.Tensor) => {
          const [x1, x2] = tf.split(a, [numMasked, 3], 1);
          const packed = reference(x2 as tf.Tensor2D, b as tf.Tensor2D, clip, inverse);
          const [y2, ld] = tf.split(packed, [3, 3], 1);
          return tf.concat([x1, y2, tf.sum(ld, 1, true)], 1);
        };
        const ours = (a: tf.Tensor, b: tf.Tensor) =>
          affineCouplingPackedWasm(a as tf.Tensor2D, b as tf.Tensor2D, numMasked, clip, inverse);
        const diff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
        assert.ok(diff(ours(x, p), ref(x, p)) < 1e-4);
        const loss = (f: typeof ref) => (a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(f(a, b), w)) as tf.Scalar;
        const gOurs = tf.grads(loss(ours))([x, p]);
        const gRef = tf.grads(loss(ref))([x, p]);
        for (let i = 0; i < 2; i++) {
          const scale = tf.max(tf.abs(gRef[i])).dataSync()[0];
          assert.ok(diff(gOurs[i], gRef[i]) < 1e-4 * Math.max(1, scale), `gradient ${i}`);
        }
      });
    });
  }
}

for (const clip of [0, 2]) {
  for (const inverse of [false, true]) {
    Deno.test(`affineCoupling op (clip ${clip}, inverse ${inverse}): wasm kernel equals the cpu reference path to 1e-4`, async () => {
      for (const [batch, dims, numMasked] of [[7, 5, 2], [4, 2, 1], [3, 6, 5]]) {
        const m = dims - numMasked;
        await assertWasmMatchesCpu(
          [randomInput([batch, dims], 31, 1.5), randomInput([batch, 2 * m], 32, 1.5)],
          (x, p) => {
            const { value, logDet } = affineCoupling(
              x as tf.Tensor2D,
              p as tf.Tensor2D,
              numMasked,
              clip,
              inverse,
            );
            assert.deepEqual(value.shape, [batch, dims]);
            assert.deepEqual(logDet.shape, [batch]);
            return [value, logDet];
          },
          ["value", "log-det", "x gradient", "params gradient"],
          1e-4,
          `[${batch}, ${dims}] numMasked ${numMasked}`,
        );
      }
    });
  }
}
