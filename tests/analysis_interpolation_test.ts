import assert from "node:assert/strict";
import { interpolateLatents, rowNorms, sampleBaseGaussian } from "../lib/analysis/mod.ts";

function angle(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return Math.acos(Math.min(1, Math.max(-1, ab / Math.sqrt(aa * bb))));
}

const rowOf = (m: Float32Array, i: number, d: number) => m.subarray(i * d, (i + 1) * d);

Deno.test("slerp: exact endpoints, linear norms, constant angular steps, on the great circle", () => {
  const d = 784, steps = 9;
  const [a, b] = [0, 1].map((i) =>
    sampleBaseGaussian(2, d, { seed: 5 }).subarray(i * d, (i + 1) * d)
  );
  const b2 = b.map((v) => 1.3 * v); // unequal norms
  const path = interpolateLatents(a, b2, { steps, method: "slerp" });
  assert.equal(path.length, steps * d);
  assert.deepEqual(rowOf(path, 0, d), Float32Array.from(a));
  assert.deepEqual(rowOf(path, steps - 1, d), Float32Array.from(b2));
  const norms = rowNorms(path, steps, d);
  const omega = angle(a, b2);
  for (let i = 0; i < steps; i++) {
    const t = i / (steps - 1);
    const want = (1 - t) * norms[0] + t * norms[steps - 1];
    assert.ok(Math.abs(norms[i] / want - 1) < 1e-5, `norm at step ${i}`);
    const p = rowOf(path, i, d);
    assert.ok(Math.abs(angle(a, p) - t * omega) < 1e-4, `angle to a at step ${i}`);
    assert.ok(Math.abs(angle(p, b2) - (1 - t) * omega) < 1e-4, `angle to b at step ${i}`);
  }
});

Deno.test("linear interpolation: exact endpoints, equal steps, the norm dips in the middle", () => {
  const d = 784, steps = 5;
  const z = sampleBaseGaussian(2, d, { seed: 6 });
  const a = z.subarray(0, d), b = z.subarray(d);
  const path = interpolateLatents(a, b, { steps, method: "linear" });
  assert.deepEqual(rowOf(path, 0, d), a);
  assert.deepEqual(rowOf(path, steps - 1, d), b);
  for (let i = 0; i < steps; i++) {
    const t = i / (steps - 1);
    for (let j = 0; j < d; j += 97) {
      assert.ok(Math.abs(path[i * d + j] - ((1 - t) * a[j] + t * b[j])) < 1e-6);
    }
  }
  // Two independent typical latents: the midpoint's norm is about 1/√2 of theirs, slerp's is not.
  const lin = rowNorms(path, steps, d);
  assert.ok(lin[2] / lin[0] < 0.8, `${lin[2]} vs ${lin[0]}`);
  const sl = rowNorms(interpolateLatents(a, b, { steps, method: "slerp" }), steps, d);
  assert.ok(Math.abs(sl[2] / ((sl[0] + sl[4]) / 2) - 1) < 1e-5);
});

Deno.test("interpolation edge cases: parallel vectors, bad input", () => {
  const path = interpolateLatents([1, 0], [3, 0], { steps: 3 });
  assert.deepEqual(Array.from(path), [1, 0, 2, 0, 3, 0]);
  assert.deepEqual(
    Array.from(interpolateLatents([1, 0], [0, 2], { steps: 3 }), (v) => Math.round(v * 1e4) / 1e4),
    [1, 0, 1.0607, 1.0607, 0, 2],
  );
  assert.throws(() => interpolateLatents([1, 0], [-2, 0]), /opposite directions/);
  assert.throws(() => interpolateLatents([0, 0], [1, 0]), /non-zero vectors/);
  assert.throws(() => interpolateLatents([1, 0], [1, 0, 0]), /one length, got 2 and 3/);
  assert.throws(() => interpolateLatents([1], [2], { steps: 1 }), /steps ≥ 2, got 1/);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => interpolateLatents([1], [2], { method: "cubic" as any }), /linear or slerp/);
});
