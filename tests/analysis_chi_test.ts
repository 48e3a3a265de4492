import assert from "node:assert/strict";
import { chiCdf, chiLogPdf, chiMean, chiPdf, chiVariance, rowNorms } from "../lib/analysis/mod.ts";
import { sampleBaseGaussian } from "../lib/analysis/latent_sampling.ts";

/** ∫ f over [lo, hi] by Simpson's rule with `m` (even) intervals. */
function simpson(f: (x: number) => number, lo: number, hi: number, m = 20000): number {
  const h = (hi - lo) / m;
  let s = f(lo) + f(hi);
  for (let i = 1; i < m; i++) s += (i % 2 ? 4 : 2) * f(lo + i * h);
  return (s * h) / 3;
}

Deno.test("chi density integrates to 1 and its moments match chiMean and chiVariance", () => {
  for (const dof of [1, 2, 3, 784, 3072, 12288]) {
    const m = chiMean(dof), sd = Math.sqrt(chiVariance(dof));
    const lo = Math.max(0, m - 12 * sd - 3), hi = m + 12 * sd + 3;
    const pdf = (r: number) => chiPdf(r, dof);
    const mass = simpson(pdf, lo, hi);
    assert.ok(Math.abs(mass - 1) < 1e-6, `D = ${dof}: mass ${mass}`);
    const mean = simpson((r) => r * pdf(r), lo, hi);
    assert.ok(Math.abs(mean - m) < 1e-6 * m, `D = ${dof}: mean ${mean} vs ${m}`);
    const v = simpson((r) => (r - m) ** 2 * pdf(r), lo, hi);
    assert.ok(Math.abs(v / chiVariance(dof) - 1) < 1e-4, `D = ${dof}: var ${v}`);
  }
});

Deno.test("chi closed forms: Rayleigh, half-normal, Maxwell; large-D asymptotics", () => {
  // χ(1) is the half-normal, χ(2) the Rayleigh, χ(3) the Maxwell distribution.
  assert.ok(Math.abs(chiPdf(0.7, 1) - Math.sqrt(2 / Math.PI) * Math.exp(-0.245)) < 1e-14);
  assert.ok(Math.abs(chiPdf(1.3, 2) - 1.3 * Math.exp(-0.845)) < 1e-14);
  assert.ok(
    Math.abs(chiPdf(1.3, 3) - Math.sqrt(2 / Math.PI) * 1.69 * Math.exp(-0.845)) < 1e-14,
  );
  assert.ok(Math.abs(chiMean(2) - Math.sqrt(Math.PI / 2)) < 1e-13);
  assert.ok(Math.abs(chiMean(1) - Math.sqrt(2 / Math.PI)) < 1e-13);
  assert.ok(Math.abs(chiCdf(1, 1) - 0.6826894921370859) < 1e-12);
  assert.ok(Math.abs(chiCdf(1.5, 2) - (1 - Math.exp(-1.125))) < 1e-12);
  // Exact identities of the gamma function: m(D)·m(D + 1) = D and m(D + 2) = m(D)·(D + 1)/D,
  // checked across the switch from log-gammas to the asymptotic series (D = 300).
  for (const dof of [5, 297, 298, 299, 300, 784, 3072, 12288]) {
    assert.ok(Math.abs((chiMean(dof) * chiMean(dof + 1)) / dof - 1) < 1e-12, `D = ${dof}`);
    assert.ok(Math.abs(chiMean(dof + 2) / chiMean(dof) / ((dof + 1) / dof) - 1) < 1e-12);
    // Var = D − m², and m(D)·m(D+1) = D gives Var(D) = m(D)·(m(D+1) − m(D)).
    const v = chiMean(dof) * (chiMean(dof + 1) - chiMean(dof));
    assert.ok(Math.abs(chiVariance(dof) - v) < 1e-6, `D = ${dof}: ${chiVariance(dof)} vs ${v}`);
    assert.ok(Number.isFinite(chiLogPdf(Math.sqrt(dof), dof)));
  }
  assert.ok(Math.abs(chiVariance(12288) - 0.5) < 1e-4);
  // Special values and bad input.
  assert.equal(chiLogPdf(-1, 3), -Infinity);
  assert.equal(chiLogPdf(0, 3), -Infinity);
  assert.equal(chiCdf(0, 3), 0);
  assert.throws(() => chiMean(0), /positive, finite degrees of freedom, got 0/);
});

Deno.test("norms of N(0, I_D) draws follow chi(D): sample mean and CDF at the median", () => {
  const d = 784, n = 4000;
  const norms = rowNorms(sampleBaseGaussian(n, d, { seed: 11 }), n, d);
  let mean = 0;
  for (const r of norms) mean += r / n;
  // Standard error of the mean is √(½ / n) ≈ 0.011.
  assert.ok(Math.abs(mean - chiMean(d)) < 0.05, `${mean} vs ${chiMean(d)}`);
  const sorted = Array.from(norms).sort((a, b) => a - b);
  const median = sorted[n / 2];
  assert.ok(Math.abs(chiCdf(median, d) - 0.5) < 0.03);
});
