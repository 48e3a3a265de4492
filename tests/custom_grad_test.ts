import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { customGradOp, initBackend, sumTensors } from "../lib/kernels/mod.ts";

/** y = w · exp(x) with exp(x) as scratch and w a variable: dy/dx = y, dy/dw = exp(x). */
function scaledExp(x: tf.Tensor, w: tf.Variable): tf.Tensor {
  return customGradOp(
    [x, w],
    ([xs, ws]) => {
      const e = tf.exp(xs);
      return { value: tf.mul(ws, e), save: [ws], scratch: [e] };
    },
    (dy, [ws, e]) => [tf.mul(dy, tf.mul(ws, e)), tf.sum(tf.mul(dy, e))],
  );
}

for (const backend of ["wasm", "cpu"]) {
  Deno.test(`${backend}: customGradOp's held variables and scratch tensors give the right gradients and leave nothing behind`, async () => {
    await initBackend(backend);
    const w = tf.variable(tf.scalar(3));
    const x = tf.tensor1d([0, 1, -0.5]);
    const before = tf.memory().numTensors;
    for (let repeat = 0; repeat < 3; repeat++) {
      const { value, grads } = tf.variableGrads(
        () => tf.sum(scaledExp(tf.mul(x, 2), w)) as tf.Scalar,
        [w],
      );
      const dx = tf.grad((a: tf.Tensor) => tf.sum(scaledExp(a, w)))(x);
      const expected = [0, 1, -0.5].map((v) => Math.exp(2 * v));
      assert.ok(Math.abs((await value.data())[0] - 3 * expected.reduce((s, v) => s + v)) < 1e-4);
      assert.ok(
        Math.abs((await grads[w.name].data())[0] - expected.reduce((s, v) => s + v)) < 1e-4,
      );
      (await dx.data()).forEach((g, i) =>
        assert.ok(Math.abs(g - 3 * Math.exp([0, 1, -0.5][i])) < 1e-4)
      );
      tf.dispose([value, dx, ...Object.values(grads)]);
      // Without a tape nothing is kept either.
      tf.tidy(() => {
        scaledExp(x, w);
      });
    }
    assert.equal(
      tf.memory().numTensors,
      before,
      `no tensor kept past the gradients (${tf.memory().numTensors} vs ${before})`,
    );
    assert.ok(!w.isDisposed, "the saved variable is the caller's, not disposed with the gradients");
    tf.dispose([w, x]);
  });

  Deno.test(`${backend}: sumTensors' gradient reaches every input, one used twice included`, async () => {
    await initBackend(backend);
    const a = tf.tensor1d([1, 2]), b = tf.tensor1d([3, 4]);
    const before = tf.memory().numTensors;
    const weights = tf.tensor1d([1, 10]);
    const [ga, gb] = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
      tf.sum(tf.mul(sumTensors([p, tf.square(p), q, p]), weights))
    )([a, b]);
    // d/dp (2p + p²) = 2 + 2p, weighted; d/dq = weights.
    assert.deepEqual(Array.from(await ga.data()), [(2 + 2) * 1, (2 + 4) * 10]);
    assert.deepEqual(Array.from(await gb.data()), [1, 10]);
    tf.dispose([ga, gb, weights]);
    assert.equal(tf.memory().numTensors, before, "nothing left behind");
    tf.dispose([a, b]);
  });
}
