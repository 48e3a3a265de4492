/**
 * The hand-written gradient of the affine coupling transform against tfjs
 * autodiff of the same maths, both directions, with and without the soft
 * clamp of the log-scale.
 */
import assert from "node:assert/strict";
import { tf } from "../lib/tf.ts";
import { initBackend } from "../lib/backend.ts";
import { affineCouplingTransform } from "../lib/bijectors/affine_coupling_op.ts";

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
