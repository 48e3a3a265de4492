/**
 * The hand-written gradients of batch normalization in training mode against
 * tfjs autodiff of the same maths written with plain ops, for the output and
 * the log-det, on rank-2 and image-shaped (rank-4) inputs; and the op of the
 * kernels' door (`batchNormTraining`), whose wasm kernel must equal its tf-ops
 * path on cpu.
 */
import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { batchNormTraining, initBackend } from "../lib/kernels/mod.ts";
import { batchNormalizeTraining, batchNormLogDetTraining } from "../lib/kernels/batch_norm_ops.ts";
import { batchNormTrainingWasm } from "../lib/kernels/batch_norm_kernels.ts";
import { assertWasmMatchesCpu, randomInput } from "./backend_compare.ts";

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

type Path = "tf ops" | "wasm kernels";

function ours(path: Path, x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number) {
  if (path === "wasm kernels") return batchNormTrainingWasm(x, g, b, eps);
  return {
    value: batchNormalizeTraining(x, g, b, eps),
    logDet: batchNormLogDetTraining(x, g, eps),
  };
}

for (
  const [shape, path] of [
    [[16, 3], "tf ops"],
    [[4, 3, 2, 5], "tf ops"],
    [[16, 3], "wasm kernels"],
    [[4, 3, 2, 5], "wasm kernels"],
  ] as [number[], Path][]
) {
  Deno.test(`batch-norm training (${path}): values and gradients match autodiff, shape [${shape}]`, () => {
    tf.tidy(() => {
      const c = shape[shape.length - 1];
      const x = tf.add(tf.mul(tf.randomNormal(shape, 0, 1, "float32", 3), 2), 0.7);
      const gamma = tf.randomUniform([c], -1.5, 1.5, "float32", 4);
      const beta = tf.randomNormal([c], 0, 1, "float32", 5);
      // Random upstream gradients make every term of the backward formula matter.
      const wz = tf.randomNormal(shape, 0, 1, "float32", 6);
      const wl = tf.randomNormal([shape[0]], 0, 1, "float32", 7);
      const eps = 1e-3;
      const loss = (useOurs: boolean) => (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const r = useOurs ? ours(path, xx, g, b, eps) : null;
        const z = r ? r.value : reference(xx, g, b, eps).z;
        const ld = r ? r.logDet : reference(xx, g, b, eps).logDet;
        return tf.add(tf.sum(tf.mul(z, wz)), tf.sum(tf.mul(ld, wl))) as tf.Scalar;
      };
      const ref = reference(x, gamma, beta, eps);
      const got = ours(path, x, gamma, beta, eps);
      assert.ok(maxAbsDiff(got.value, ref.z) < 1e-5);
      assert.ok(maxAbsDiff(got.logDet, ref.logDet) < 1e-4);
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

Deno.test("batch-norm training updates the moving averages the same way on wasm and cpu", async () => {
  for (const backend of ["wasm", "cpu"] as const) {
    await initBackend(backend);
    const mean = tf.variable(tf.tensor1d([0, 1]));
    const variance = tf.variable(tf.tensor1d([1, 2]));
    tf.tidy(() => {
      const x = tf.tensor2d([[1, 10], [3, 14]]); // batch mean [2, 12], variance [1, 4]
      batchNormTraining(x, tf.ones([2]), tf.zeros([2]), 0, { mean, variance, momentum: 0.75 });
    });
    assert.deepEqual(Array.from(mean.dataSync()), [0.5, 3.75], backend);
    assert.deepEqual(Array.from(variance.dataSync()), [1, 2.5], backend);
    tf.dispose([mean, variance]);
  }
  await initBackend("wasm");
});

for (const shape of [[16, 3], [4, 3, 2, 5], [2, 1]]) {
  Deno.test(`batchNormTraining op: wasm kernel equals the cpu tf-ops path to 1e-4, shape [${shape}]`, async () => {
    const c = shape[shape.length - 1];
    const moving: Record<string, number[][]> = {};
    await assertWasmMatchesCpu(
      [randomInput(shape, 41, 2, 0.7), randomInput([c], 42, 1, 0.3), randomInput([c], 43)],
      (x, g, b) => {
        const mean = tf.variable(tf.fill([c], 0.5));
        const variance = tf.variable(tf.fill([c], 2));
        const r = batchNormTraining(x, g, b, 1e-3, { mean, variance, momentum: 0.9 });
        (moving[tf.getBackend()] ??= []).push(
          Array.from(mean.dataSync()),
          Array.from(variance.dataSync()),
        );
        tf.dispose([mean, variance]);
        return [r.value, r.logDet];
      },
      ["value", "log-det", "x gradient", "gamma gradient", "beta gradient"],
      1e-4,
      `[${shape}]`,
    );
    // The moving averages, updated once forward and once in the gradient pass.
    assert.equal(moving.wasm.length, 4);
    moving.wasm.forEach((m, i) =>
      m.forEach((v, k) => assert.ok(Math.abs(v - moving.cpu[i][k]) < 1e-5, `moving ${i}[${k}]`))
    );
  });
}
