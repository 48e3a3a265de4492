import assert from "node:assert/strict";
import { mmdSquared } from "../lib/inference/mmd.ts";
import { Rng } from "../lib/core/random.ts";

function gaussian(n: number, dims: number, seed: number, shift = 0): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from(
    { length: n * dims },
    (_, i) => rng.normal() + (i % dims === 0 ? shift : 0),
  );
}

for (const kernel of ["imq", "gaussian"] as const) {
  Deno.test(`MMD² (${kernel}): ≈ 0 for one distribution, growing with a mean shift`, () => {
    const x = gaussian(800, 3, 1);
    const self = mmdSquared(x, x, { dims: 3, kernel });
    assert.ok(Math.abs(self) < 0.01, `MMD² of a sample with itself: ${self}`);
    const same = mmdSquared(x, gaussian(800, 3, 2), { dims: 3, kernel });
    assert.ok(Math.abs(same) < 0.01, `MMD² of two samples of one distribution: ${same}`);
    let previous = same;
    for (const shift of [0.25, 0.5, 1, 2, 4]) {
      const value = mmdSquared(x, gaussian(800, 3, 2, shift), { dims: 3, kernel });
      assert.ok(value > previous, `shift ${shift}: ${value} after ${previous}`);
      previous = value;
    }
    assert.ok(previous > 20 * Math.abs(same) + 0.1, `large shift is far from 0: ${previous}`);
  });
}

Deno.test("MMD² accepts float32 input, custom widths, and rejects bad input", () => {
  const x = gaussian(200, 2, 3), y = gaussian(300, 2, 4, 1);
  const a = mmdSquared(x, y, { dims: 2, scales: [0.5, 1] });
  const b = mmdSquared(Float32Array.from(x), Float32Array.from(y), { dims: 2, scales: [0.5, 1] });
  assert.ok(Math.abs(a - b) < 1e-5, `${a} vs ${b}`);
  // Hand check on two points each, one width h = 1: k = 1/(1 + d²).
  const p = new Float64Array([0, 1]), q = new Float64Array([0, 2]);
  const hand = 2 * (1 / 2) / 2 + 2 * (1 / 5) / 2 - 2 * (1 / 1 + 1 / 5 + 1 / 2 + 1 / 2) / 4;
  assert.ok(Math.abs(mmdSquared(p, q, { dims: 1, scales: [1] }) - hand) < 1e-15);
  assert.throws(() => mmdSquared(x, y, { dims: 3 }), /n×3 array, got length 400/);
  assert.throws(() => mmdSquared(x, y, { dims: 2, scales: [0] }), /positive finite numbers/);
  assert.throws(() => mmdSquared(x.subarray(0, 2), y, { dims: 2 }), /at least 2 points/);
});
