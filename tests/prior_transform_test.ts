import assert from "node:assert/strict";
import { BOX_MAPS, type BoxMap, PriorTransform } from "../lib/posterior/prior_transform.ts";

const box = { low: [0.5, -2, 10], high: [3, 2, 10.5] };

for (const map of BOX_MAPS) {
  Deno.test(`prior bijection (${map}): θ ↔ u round trip, inside the box`, () => {
    const t = new PriorTransform(box, map);
    const theta = [0.51, 1.9, 10.25, 2.99, -1.99, 10.001];
    const back = t.toBounded(t.toUnbounded(theta));
    theta.forEach((v, i) => assert.ok(Math.abs(back[i] - v) < 1e-9, `${i}: ${back[i]} vs ${v}`));
    for (const v of t.toBounded([-800, 800, 0])) assert.ok(Number.isFinite(v));
    const edges = t.toBounded([-800, 800, 0]);
    assert.equal(edges[0], 0.5);
    assert.equal(edges[1], 2);
  });

  Deno.test(`prior bijection (${map}): log-det against the numerical derivative dθ/du`, () => {
    const t = new PriorTransform(box, map);
    // (the normal map's slope at 7 is 1e-11: too flat for a difference quotient; the flat-top
    // map is linear on [−√3, √3] with Gaussian shoulders of width 0.028 beyond)
    const u = { logistic: [0.3, -4, 7], normal: [0.3, -4, 3], flat: [0.3, -1.76, 1.8] }[map];
    const logDet = t.logDetToBounded(u, 3)[0];
    let numeric = 0;
    for (let j = 0; j < 3; j++) {
      const h = 1e-5, plus = [...u], minus = [...u];
      plus[j] += h, minus[j] -= h;
      numeric += Math.log((t.toBounded(plus)[j] - t.toBounded(minus)[j]) / (2 * h));
    }
    assert.ok(Math.abs(logDet - numeric) < 1e-6, `${logDet} vs ${numeric}`);
  });

  Deno.test(`prior bijection (${map}): pullBack is the change of variables and its gradient`, () => {
    const t = new PriorTransform({ low: [1], high: [4] }, map);
    // A density in θ on [1, 4]: p(θ) ∝ exp(−(θ − 1.5)²); ∫ p(θ(u)) |dθ/du| du = ∫ p(θ) dθ.
    const logP = (theta: number) => -((theta - 1.5) ** 2);
    let inTheta = 0, inU = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) inTheta += Math.exp(logP(1 + 3 * (i + 0.5) / n)) * 3 / n;
    for (let i = 0; i < n; i++) {
      const u = -30 + 60 * (i + 0.5) / n;
      const th = t.toBounded([u])[0];
      inU += Math.exp(t.pullBack([u], 1, [logP(th)], null).logDensity[0]) * 60 / n;
    }
    assert.ok(Math.abs(inU / inTheta - 1) < 1e-4, `${inU} vs ${inTheta}`);
    // Gradient in u against central differences of the pulled-back log-density.
    const f = (u: number) => {
      const th = t.toBounded([u])[0];
      return t.pullBack([u], 1, [logP(th)], [-2 * (th - 1.5)]);
    };
    const points = map === "flat" ? [-1.8, -0.2, 0, 1.7, 1.75] : [-3, -0.2, 0, 1.7, 5];
    for (const u of points) {
      const h = 1e-6;
      const fd = (f(u + h).logDensity[0] - f(u - h).logDensity[0]) / (2 * h);
      assert.ok(Math.abs(f(u).gradient[0] - fd) < 1e-6, `u ${u}: ${f(u).gradient[0]} vs ${fd}`);
    }
    assert.throws(() => t.pullBack([0, 1], 1, null, [1]), /same size/);
  });
}

Deno.test("prior bijection: under the normal map the uniform prior is N(0, 1) in u", () => {
  const t = new PriorTransform({ low: [0.5], high: [3] }, "normal");
  for (const u of [-6, -1.3, 0, 0.4, 2.5]) {
    // The density of u under the uniform prior on [0.5, 3]: |dθ/du| / 2.5 = φ(u).
    const density = Math.exp(t.pullBack([u], 1, [-Math.log(2.5)], null).logDensity[0]);
    const phi = Math.exp(-0.5 * u * u) / Math.sqrt(2 * Math.PI);
    assert.ok(Math.abs(density / phi - 1) < 1e-12, `u ${u}: ${density} vs ${phi}`);
  }
  assert.deepEqual(Array.from(t.toUnbounded([1.75])), [0]);
  assert.throws(() => new PriorTransform(null, "probit" as BoxMap), /"normal" or "flat"/);
});

Deno.test("prior bijection: the flat-top map is linear inside its margins, Gaussian beyond", () => {
  const t = new PriorTransform({ low: [0], high: [2] }, "flat");
  // θ = 2 F(u): slope 2 F′ = 2 · 0.98 / (2√3) on [−√3, √3], where F runs from 1 % to 99 %.
  const slope = 0.98 / Math.sqrt(3);
  const a = Math.sqrt(3);
  for (const u of [-a, -1, 0, 0.5, a]) {
    assert.ok(Math.abs(t.toBounded([u])[0] - (0.02 + slope * (u + a))) < 1e-12, `u ${u}`);
    assert.ok(Math.abs(t.logDetToBounded([u], 1)[0] - Math.log(slope)) < 1e-12);
  }
  // Beyond: the slope falls as a Gaussian of width s = 0.01 / (F′(0) √(π/2)).
  const s = 0.01 / ((0.98 / (2 * a)) * Math.sqrt(Math.PI / 2));
  const drop = t.logDetToBounded([a + 2 * s], 1)[0] - Math.log(slope);
  assert.ok(Math.abs(drop + 2) < 1e-9, `log-slope drop two widths out: ${drop}`);
  // A uniform prior's mass: 1 % of the box beyond each end of the linear part.
  assert.ok(Math.abs(t.toUnbounded([0.02])[0] + a) < 1e-9);
  assert.ok(Math.abs(t.toUnbounded([1.98])[0] - a) < 1e-9);
});
