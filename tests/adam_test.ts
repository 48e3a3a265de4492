import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { initBackend } from "../lib/kernels/mod.ts";
import { Adam } from "../lib/training/adam.ts";

async function run(backend: "wasm" | "cpu"): Promise<number[][]> {
  await initBackend(backend);
  const vars = [
    tf.variable(tf.tensor2d([[1, -2], [3, 0.5]])),
    tf.variable(tf.tensor1d([0.1, 0.2, -0.3])),
  ];
  const adam = new Adam(vars);
  for (let t = 0; t < 5; t++) {
    const grads = [tf.tensor2d([[0.5, -1], [t, 2]]), tf.tensor1d([-0.2 * t, 1, 3])];
    adam.apply(grads, 0.01, t === 2 ? 0.5 : 1);
    tf.dispose(grads);
  }
  const out = vars.map((v) => Array.from(v.dataSync()));
  adam.dispose();
  tf.dispose(vars);
  return out;
}

/** Reference Adam in float64. */
function reference(): number[][] {
  const values = [[1, -2, 3, 0.5], [0.1, 0.2, -0.3]];
  const m = values.map((v) => v.map(() => 0)), v2 = values.map((v) => v.map(() => 0));
  for (let t = 0; t < 5; t++) {
    const grads = [[0.5, -1, t, 2], [-0.2 * t, 1, 3]];
    const scale = t === 2 ? 0.5 : 1;
    const alpha = 0.01 * Math.sqrt(1 - 0.999 ** (t + 1)) / (1 - 0.9 ** (t + 1));
    values.forEach((vals, k) =>
      vals.forEach((w, i) => {
        const g = grads[k][i] * scale;
        m[k][i] = 0.9 * m[k][i] + 0.1 * g;
        v2[k][i] = 0.999 * v2[k][i] + 0.001 * g * g;
        vals[i] = w - alpha * m[k][i] / (Math.sqrt(v2[k][i]) + 1e-7);
      })
    );
  }
  return values;
}

Deno.test("fused Adam (wasm) and the elementwise Adam (cpu) match a float64 reference", async () => {
  const expected = reference();
  for (const backend of ["wasm", "cpu"] as const) {
    const got = await run(backend);
    got.forEach((vals, k) =>
      vals.forEach((w, i) =>
        assert.ok(Math.abs(w - expected[k][i]) < 1e-5, `${backend}: ${w} vs ${expected[k][i]}`)
      )
    );
  }
  await initBackend("wasm");
});

Deno.test("in-place Adam on wasm leaves clones (snapshots) of a variable untouched", async () => {
  await initBackend("wasm");
  const w = tf.variable(tf.tensor1d([1, 2, 3, 4, 5, 6, 7]));
  const other = tf.variable(tf.tensor1d([1, 2, 3, 4, 5, 6, 7]));
  const adam = new Adam([w, other]);
  const snapshot = tf.clone(w); // shares w's buffer on wasm
  const g = tf.tensor1d([1, 1, 1, 1, 1, 1, 1]);
  adam.apply([g, g], 0.1);
  assert.deepEqual(Array.from(snapshot.dataSync()), [1, 2, 3, 4, 5, 6, 7]);
  // Both paths (new buffer for w, in place for other) give the same step.
  const wv = Array.from(w.dataSync()), ov = Array.from(other.dataSync());
  wv.forEach((x, i) => assert.ok(Math.abs(x - ov[i]) < 1e-7 && Math.abs(x - (i + 1 - 0.1)) < 1e-5));
  adam.dispose();
  tf.dispose([w, other, snapshot, g]);
});
