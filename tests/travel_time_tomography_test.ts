import assert from "node:assert/strict";
import {
  discVelocity,
  type TomographySettings,
  tomographySettingsErrors,
  TravelTimeTomography,
} from "../lib/problems/travel_time_tomography.ts";
import { circleStations } from "../lib/problems/travel_time.ts";
import { Rng } from "../lib/core/random.ts";

const small: TomographySettings = {
  model: {
    nodesX: 6,
    nodesY: 6,
    nodeSpacing: 2,
    refinement: 3,
    stations: circleStations(6, 4),
  },
  low: 0.5,
  high: 3,
  noiseSigma: 0.05,
  trueModel: { background: 2, anomaly: 1, radius: 2.5, center: [0, 0] },
  seed: 3,
};

Deno.test("tomography: the observation is the true model's times plus noise of std σ", () => {
  const p = new TravelTimeTomography({
    ...small,
    model: { ...small.model, stations: circleStations(16, 4) },
  });
  assert.equal(p.numData, 120);
  assert.equal(p.dims, 36);
  let sum2 = 0;
  for (let k = 0; k < p.numData; k++) sum2 += (p.observed[k] - p.trueTimes[k]) ** 2;
  const std = Math.sqrt(sum2 / p.numData);
  assert.ok(Math.abs(std / 0.05 - 1) < 0.2, `noise std ${std}`);
  // χ² per datum of the true model ≈ 1.
  assert.ok(Math.abs(p.chi2PerDatum(p.trueVelocity) - 1) < 0.4);
  assert.ok(Math.abs(p.priorStd - 2.5 / Math.sqrt(12)) < 1e-12);
});

Deno.test("tomography: the log-likelihood gradient matches central finite differences", () => {
  const p = new TravelTimeTomography(small);
  const rng = new Rng(5);
  const v = Float64Array.from({ length: 2 * p.dims }, () => 1.2 + 1.2 * rng.uniform());
  const { logDensity, gradient } = p.logLikelihoodWithGradient(v, 2);
  for (const r of [0, 1]) {
    const row = v.slice(r * p.dims, (r + 1) * p.dims);
    for (const k of [0, 7, 14, 21, 35]) {
      const h = 1e-5;
      const plus = row.slice(), minus = row.slice();
      plus[k] += h, minus[k] -= h;
      const fd = (p.logLikelihoodWithGradient(plus, 1).logDensity[0] -
        p.logLikelihoodWithGradient(minus, 1).logDensity[0]) / (2 * h);
      const g = gradient[r * p.dims + k];
      assert.ok(
        Math.abs(fd - g) <= 1e-4 * Math.max(1, Math.abs(g)),
        `row ${r} node ${k}: adjoint ${g}, finite difference ${fd}`,
      );
    }
    // The one-pass misfit equals the χ² of the times.
    const chi2 = p.chi2PerDatum(row) * p.numData;
    assert.ok(Math.abs(-2 * logDensity[r] - chi2) < 1e-9 * chi2);
  }
});

Deno.test("tomography: bad settings are named", () => {
  const errors = tomographySettingsErrors({
    ...small,
    low: 3,
    high: 0.5,
    noiseSigma: 0,
    trueModel: { background: -1, anomaly: 1, radius: 2, center: [0, 0] },
  });
  assert.ok(errors.some((e) => /lower bound \(3\) must be below its upper bound \(0.5\)/.test(e)));
  assert.ok(errors.some((e) => /noise σ must be a finite time > 0 s, got 0/.test(e)));
  assert.ok(errors.some((e) => /background velocity must be finite and > 0/.test(e)));
  assert.throws(
    () =>
      new TravelTimeTomography({ ...small, model: { ...small.model, stations: [[0, 0], [9, 0]] } }),
    /9/,
  );
  assert.throws(
    () => new TravelTimeTomography({ ...small, low: 3, high: 0.5 }),
    /Bad tomography settings/,
  );
});

Deno.test("tomography: the disc model puts the anomaly within the radius", () => {
  const p = new TravelTimeTomography(small);
  const v = discVelocity(p.model, small.trueModel);
  // Nodes at (±1, ±1) are inside radius 2.5, (−5, −5) outside.
  assert.equal(v[2 * 6 + 2], 1);
  assert.equal(v[0], 2);
});

Deno.test("tomography: first-order times are continuous in the velocities (what HMC and VI need); second-order ones jump", () => {
  // App 7's quick problem: 11 × 11 nodes at 1 km, refined 4×, 8 stations. Along random lines
  // through perturbed true models, steps of 0.001 km/s: each change of the log-likelihood
  // against the trapezoid rule on its gradients. A kink (two paths tying) leaves an error of
  // order step × jump of the slope (measured ≤ 0.004 nats at first order); a jump of the
  // function itself does not shrink with the step (measured up to 0.06–0.22 at second order).
  const worstJump = (order: 1 | 2) => {
    const p = new TravelTimeTomography({
      model: {
        nodesX: 11,
        nodesY: 11,
        nodeSpacing: 1,
        refinement: 4,
        stations: circleStations(8, 4),
        order,
      },
      low: 0.5,
      high: 3,
      noiseSigma: 0.05,
      trueModel: { background: 2, anomaly: 1, radius: 2, center: [0, 0] },
      seed: 1,
    });
    let worst = 0;
    for (const seed of [3, 4, 5]) {
      const rng = new Rng(seed), d = p.dims, h = 1e-3;
      const v0 = Float64Array.from(p.trueVelocity, (x) => x + 0.2 * rng.normal());
      const dir = Float64Array.from({ length: d }, () => rng.normal());
      const norm = Math.hypot(...dir);
      let prev: { value: number; slope: number } | null = null;
      for (let i = -200; i <= 200; i++) {
        const v = Float64Array.from(v0, (x, k) => x + i * h * dir[k] / norm);
        const out = p.logLikelihoodWithGradient(v, 1);
        let slope = 0;
        for (let k = 0; k < d; k++) slope += out.gradient[k] * dir[k] / norm;
        const value = out.logDensity[0];
        if (prev) {
          worst = Math.max(worst, Math.abs(value - prev.value - 0.5 * h * (slope + prev.slope)));
        }
        prev = { value, slope };
      }
    }
    return worst;
  };
  const first = worstJump(1), second = worstJump(2);
  console.log(
    `largest trapezoid error over 1 200 steps of 0.001: order 1 ${first}, order 2 ${second}`,
  );
  assert.ok(first < 0.01, `first order: ${first} nats`);
  assert.ok(second > 0.03, `second order: ${second} nats (the reason app 7 runs the first order)`);
});
