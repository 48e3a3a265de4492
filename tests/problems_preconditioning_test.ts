/**
 * The two preconditioners of the INN apps' networks: PCA whitening of the
 * parameters (a Standardizer with a full linear map, read back from JSON) and the
 * regression adjustment of the cINN (least squares against a hand-made case, the
 * residual map's inverse).
 */
import assert from "node:assert/strict";
import { Rng } from "../lib/core/random.ts";
import { sampleCovariance } from "../lib/linalg/covariance.ts";
import { RegressionAdjustment } from "../lib/problems/regression_adjustment.ts";
import { Standardizer } from "../lib/problems/standardizer.ts";
import { scaleFromJSON, Whitening } from "../lib/problems/whitening.ts";

function correlated(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const out = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    const a = rng.normal(), b = rng.normal(), c = rng.normal();
    out[i * 3] = 2 + 3 * a;
    out[i * 3 + 1] = -1 + 2.9 * a + 0.1 * b;
    out[i * 3 + 2] = 0.5 * a - 0.2 * b + 0.01 * c;
  }
  return out;
}

Deno.test("Whitening: whitened data have zero mean and identity covariance; invert undoes apply", () => {
  const x = correlated(4000, 1);
  const w = Whitening.fit(x, 3);
  assert.ok(w instanceof Standardizer);
  const u = w.apply(x);
  const c = sampleCovariance(u, 3);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      assert.ok(Math.abs(c.data[i * 3 + j] - (i === j ? 1 : 0)) < 1e-3, `cov[${i}][${j}]`);
    }
  }
  const back = w.invert(u);
  for (let i = 0; i < 30; i++) {
    assert.ok(Math.abs(back[i] - x[i]) < 1e-4 * Math.max(1, Math.abs(x[i])));
  }
  // JSON round trip: a Whitening comes back as one, a Standardizer as a Standardizer.
  const again = scaleFromJSON(JSON.parse(JSON.stringify(w.toJSON())));
  assert.ok(again instanceof Whitening);
  assert.deepEqual(again.apply(x.subarray(0, 6)), w.apply(x.subarray(0, 6)));
  const plain = scaleFromJSON(new Standardizer([1], [2]).toJSON());
  assert.ok(!(plain instanceof Whitening));
  assert.deepEqual(plain.apply([5]), Float32Array.of(2));
  assert.throws(
    () => new Whitening({ mean: [0, 0], std: [1, 1], whitening: [1], unwhitening: [1, 0, 0, 1] }),
    /finite 2×2 "whitening" matrix, got 1 values/,
  );
  assert.throws(() => w.apply([1, 2]), /rows of 3 values, got 2/);
});

Deno.test("RegressionAdjustment: recovers a linear map by least squares, and restore inverts residual", () => {
  const rng = new Rng(2);
  const n = 500;
  const c = Float64Array.from({ length: n * 2 }, () => rng.normal());
  // x₀ = 2c₀ − c₁ + 1, x₁ = 0.5c₁ − 3, plus small noise.
  const x = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    x[i * 2] = 2 * c[i * 2] - c[i * 2 + 1] + 1 + 1e-3 * rng.normal();
    x[i * 2 + 1] = 0.5 * c[i * 2 + 1] - 3 + 1e-3 * rng.normal();
  }
  const r = RegressionAdjustment.fit(x, c, { dimX: 2, dimC: 2 });
  const want = [2, -1, 0, 0.5];
  r.weights.forEach((w, i) => assert.ok(Math.abs(w - want[i]) < 1e-3, `W ${i}: ${w}`));
  assert.ok(Math.abs(r.intercept[0] - 1) < 1e-3 && Math.abs(r.intercept[1] + 3) < 1e-3);
  const res = r.residual(x, c);
  for (const v of res) assert.ok(Math.abs(v) < 5e-3, `residual ${v}`);
  const back = r.restore(res, c);
  for (let i = 0; i < 20; i++) {
    assert.ok(Math.abs(back[i] - x[i]) < 1e-5 * Math.max(1, Math.abs(x[i])));
  }
  // One condition for every row (sampling at one observation).
  const one = r.restore(new Float32Array(6), [1, 1]);
  assert.deepEqual(Array.from(one, (v) => Math.round(v * 1e3) / 1e3), [2, -2.5, 2, -2.5, 2, -2.5]);
  const json = JSON.parse(JSON.stringify(r.toJSON()));
  assert.deepEqual(new RegressionAdjustment(json).weights, r.weights);
  assert.throws(
    () => new RegressionAdjustment({ dim_x: 2, dim_c: 2, weights: [1], intercept: [0, 0] }),
    /needs 4 weights and 2 intercepts, got 1 and 2/,
  );
  assert.throws(() => r.residual([1, 2], [1, 2, 3]), /one condition \(2 values\) each/);
});

Deno.test("RegressionAdjustment with noiseDegree: a gain that changes with the condition's last column", () => {
  const rng = new Rng(3);
  const n = 2000;
  const c = new Float64Array(n * 2), x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const y = rng.normal(), s = 2 * rng.uniform() - 1;
    c[i * 2] = y;
    c[i * 2 + 1] = s;
    x[i] = (1 + 0.5 * s - 0.3 * s * s) * y + 0.2 * s; // gain quadratic in s
  }
  const plain = RegressionAdjustment.fit(x, c, { dimX: 1, dimC: 2 });
  const withNoise = RegressionAdjustment.fit(x, c, { dimX: 1, dimC: 2, noiseDegree: 2 });
  assert.equal(withNoise.weights.length, 5); // y, y·s, y·s², s, s²
  const rms = (r: RegressionAdjustment) => {
    const res = r.residual(x, c);
    return Math.sqrt(res.reduce((a, v) => a + v * v, 0) / n);
  };
  assert.ok(rms(withNoise) < 1e-6, `with interactions: ${rms(withNoise)}`);
  assert.ok(rms(plain) > 0.1, `without: ${rms(plain)}`);
  const back = withNoise.restore(withNoise.residual(x, c), c);
  for (let i = 0; i < 10; i++) assert.ok(Math.abs(back[i] - x[i]) < 1e-5);
  const json = JSON.parse(JSON.stringify(withNoise.toJSON()));
  assert.equal(json.noise_degree, 2);
  assert.deepEqual(
    new RegressionAdjustment(json).residual(x.subarray(0, 3), c.subarray(0, 6)),
    withNoise.residual(x.subarray(0, 3), c.subarray(0, 6)),
  );
});
