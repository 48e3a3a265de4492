import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { globalNorm, initBackend } from "../lib/kernels/mod.ts";

Deno.test("globalNorm: the fused wasm kernel and the tf-ops path agree with a float64 sum", async () => {
  const arrays = [
    [3, 4],
    [1, -2, 2, 0.5],
    [12],
    Array.from({ length: 1000 }, (_, i) => Math.sin(i)),
  ];
  const expected = Math.sqrt(arrays.flat().reduce((s, v) => s + v * v, 0));
  for (const backend of ["wasm", "cpu"] as const) {
    await initBackend(backend);
    const ts = arrays.map((a, i) => i === 1 ? tf.tensor2d(a, [2, 2]) : tf.tensor1d(a));
    const before = tf.memory().numTensors;
    const norm = globalNorm(ts);
    assert.equal(tf.memory().numTensors, before + 1, `${backend}: one tensor out, none leaked`);
    assert.ok(Math.abs(norm.dataSync()[0] - expected) < 1e-4 * expected, backend);
    tf.dispose([norm, ...ts]);
    assert.equal(globalNorm([]).dataSync()[0], 0);
  }
  await initBackend("wasm");
});
