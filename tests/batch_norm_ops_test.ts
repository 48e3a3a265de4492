/**
 * The hand-written gradients of batch normalization in training mode against
 * tfjs autodiff of the same maths written with plain ops, for the output and
 * the log-det, on rank-2 and image-shaped (rank-4) inputs.
 */
import assert from "node:assert/strict";
import { tf } from "../lib/tf.ts";
import { initBackend } from "../lib/backend.ts";
import {
  batchNormalizeTraining,
  batchNormLogDetTraining,
} from "../lib/bijectors/batch_norm_ops.ts";

await initBackend("wasm");

/** The same maths with plain (autodiff) ops. */
function reference(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number) {
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  const z = tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), gamma), beta);
  const positions = x.shape.slice(1, -1).reduce((a, b) => a * b, 1);
  const ld = tf.mul(
    tf.sum(tf.sub(tf.log(tf.abs(gamma)), tf.mul(0.5, tf.log(tf.add(variance, eps))))),
    positions,
  );
  return { z, logDet: tf.mul(tf.ones([x.shape[0]]), ld) };
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

for (const shape of [[16, 3], [4, 3, 2, 5]]) {
  Deno.test(`batch-norm training ops: values and gradients match autodiff, shape [${shape}]`, () => {
    tf.tidy(() => {
      const c = shape[shape.length - 1];
      const x = tf.add(tf.mul(tf.randomNormal(shape, 0, 1, "float32", 3), 2), 0.7);
      const gamma = tf.randomUniform([c], -1.5, 1.5, "float32", 4);
      const beta = tf.randomNormal([c], 0, 1, "float32", 5);
      // Random upstream gradients make every term of the backward formula matter.
      const wz = tf.randomNormal(shape, 0, 1, "float32", 6);
      const wl = tf.randomNormal([shape[0]], 0, 1, "float32", 7);
      const eps = 1e-3;
      const loss = (ours: boolean) => (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const z = ours ? batchNormalizeTraining(xx, g, b, eps) : reference(xx, g, b, eps).z;
        const ld = ours ? batchNormLogDetTraining(xx, g, eps) : reference(xx, g, b, eps).logDet;
        return tf.add(tf.sum(tf.mul(z, wz)), tf.sum(tf.mul(ld, wl))) as tf.Scalar;
      };
      const ref = reference(x, gamma, beta, eps);
      assert.ok(maxAbsDiff(batchNormalizeTraining(x, gamma, beta, eps), ref.z) < 1e-5);
      assert.ok(maxAbsDiff(batchNormLogDetTraining(x, gamma, eps), ref.logDet) < 1e-4);
      const gOurs = tf.grads(loss(true))([x, gamma, beta]);
      const gRef = tf.grads(loss(false))([x, gamma, beta]);
      for (let i = 0; i < 3; i++) {
        const scale = tf.max(tf.abs(gRef[i])).dataSync()[0];
        const diff = maxAbsDiff(gOurs[i], gRef[i]);
        assert.ok(scale > 1e-3, `reference gradient ${i} is not trivial`);
        assert.ok(diff < 1e-4 * Math.max(1, scale), `gradient ${i}: max diff ${diff}`);
      }
    });
  });
}

Deno.test("batch-norm training op reports the batch moments it used", () => {
  tf.tidy(() => {
    const x = tf.tensor2d([[1, 10], [3, 14]]);
    let seen: number[] = [];
    batchNormalizeTraining(x, tf.ones([2]), tf.zeros([2]), 0, (mean, variance) => {
      seen = [...mean.dataSync(), ...variance.dataSync()];
    });
    assert.deepEqual(seen, [2, 12, 1, 4]);
  });
});
