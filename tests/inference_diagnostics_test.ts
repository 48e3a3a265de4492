import assert from "node:assert/strict";
import {
  effectiveSampleSize,
  effectiveSampleSizeScalar,
  splitRhat,
  splitRhatScalar,
} from "../lib/inference/diagnostics.ts";
import { Rng } from "../lib/core/random.ts";

/** `chains` AR(1) series x_t = φ·x_{t−1} + √(1−φ²)·e_t (stationary, unit variance). */
function ar1(chains: number, n: number, phi: number, seed: number, shift = 0): Float64Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: chains }, (_, c) => {
    const x = new Float64Array(n);
    let v = rng.normal();
    for (let t = 0; t < n; t++) {
      v = phi * v + Math.sqrt(1 - phi * phi) * rng.normal();
      x[t] = v + c * shift;
    }
    return x;
  });
}

Deno.test("ESS of independent draws is about the number of draws", () => {
  for (const seed of [1, 2, 3]) {
    const ess = effectiveSampleSizeScalar(ar1(4, 1000, 0, seed));
    assert.ok(Math.abs(ess / 4000 - 1) < 0.12, `seed ${seed}: ESS ${ess} of 4000 iid draws`);
  }
});

Deno.test("ESS of an AR(1) chain matches N·(1−φ)/(1+φ)", () => {
  for (const phi of [0.5, 0.9]) {
    const n = 4 * 4000;
    const expected = n * (1 - phi) / (1 + phi);
    const ess = effectiveSampleSizeScalar(ar1(4, 4000, phi, 7));
    assert.ok(Math.abs(ess / expected - 1) < 0.2, `φ = ${phi}: ESS ${ess}, expected ${expected}`);
  }
});

Deno.test("split-R̂ is ≈ 1 for agreeing chains and large for disagreeing or drifting ones", () => {
  const good = splitRhatScalar(ar1(4, 1000, 0.5, 3));
  assert.ok(good < 1.01, `agreeing chains: R̂ ${good}`);
  const apart = splitRhatScalar(ar1(4, 1000, 0.5, 3, 1));
  assert.ok(apart > 1.2, `chains with different means: R̂ ${apart}`);
  // One chain drifting in time: only the split halves reveal it.
  const drift = Float64Array.from({ length: 1000 }, (_, t) => t / 250 + Math.sin(t));
  assert.ok(splitRhatScalar([drift]) > 1.5, "a trending single chain has R̂ > 1.5");
  assert.ok(Number.isNaN(splitRhatScalar([[1, 1, 1, 1], [1, 1, 1, 1]])), "constant chains: NaN");
});

Deno.test("per-dimension diagnostics read [chains][draws][dims]", () => {
  const a = ar1(3, 500, 0, 11), b = ar1(3, 500, 0.9, 12);
  const samples = a.map((chain, c) => Array.from(chain, (v, t) => new Float64Array([v, b[c][t]])));
  const ess = effectiveSampleSize(samples);
  const rhat = splitRhat(samples);
  assert.equal(ess.length, 2);
  assert.ok(Math.abs(ess[0] - effectiveSampleSizeScalar(a)) < 1e-9);
  assert.ok(Math.abs(ess[1] - effectiveSampleSizeScalar(b)) < 1e-9);
  assert.ok(ess[1] < ess[0] / 5, `correlated coordinate has far lower ESS: ${ess}`);
  assert.ok(Math.abs(rhat[1] - splitRhatScalar(b)) < 1e-12);
  assert.throws(() => effectiveSampleSizeScalar([[1, 2, 3, 4], [1, 2, 3]]), /equal length/);
  assert.throws(() => splitRhatScalar([[1, 2]]), /at least 4 draws per chain, got 2/);
});
