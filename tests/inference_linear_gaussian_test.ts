import assert from "node:assert/strict";
import {
  addMatrices,
  cholesky,
  diagonal,
  fromRows,
  identity,
  logDetCholesky,
  matMul,
  type Matrix,
  matrix,
  matVec,
  solveLower,
  transpose,
} from "../lib/linalg/matrix.ts";
import { LinearGaussian, linearGaussianPosterior } from "../lib/inference/linear_gaussian.ts";
import { Rng } from "../lib/core/random.ts";

const rotation = (t: number) => fromRows([[Math.cos(t), -Math.sin(t)], [Math.sin(t), Math.cos(t)]]);

/** Condition number of a 2×2 matrix from the eigenvalues of AᵀA. */
function condition2(a: Matrix): number {
  const g = matMul(transpose(a), a).data;
  const tr = g[0] + g[3], det = g[0] * g[3] - g[1] * g[2];
  const disc = Math.sqrt(Math.max(tr * tr / 4 - det, 0));
  return Math.sqrt((tr / 2 + disc) / (tr / 2 - disc));
}

/** Closed-form 2×2 inverse, independent of linalg.ts. */
function inv2(m: Matrix): number[] {
  const [a, b, c, d] = m.data;
  const det = a * d - b * c;
  return [d / det, -b / det, -c / det, a / det];
}

/** Mean and covariance of the normalized posterior on a brute-force grid. */
function gridMoments(
  a: Matrix,
  noiseCov: Matrix,
  mu0: number[],
  priorCov: Matrix,
  y: number[],
  n: number,
) {
  const pi = inv2(priorCov), ni = inv2(noiseCov);
  const lo = [0, 1].map((i) => mu0[i] - 7 * Math.sqrt(priorCov.data[3 * i]));
  const step = [0, 1].map((i) => 14 * Math.sqrt(priorCov.data[3 * i]) / (n - 1));
  const logp = new Float64Array(n * n);
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x0 = lo[0] + i * step[0], x1 = lo[1] + j * step[1];
      const d0 = x0 - mu0[0], d1 = x1 - mu0[1];
      const r0 = y[0] - (a.data[0] * x0 + a.data[1] * x1);
      const r1 = y[1] - (a.data[2] * x0 + a.data[3] * x1);
      const v = -0.5 * (d0 * (pi[0] * d0 + pi[1] * d1) + d1 * (pi[2] * d0 + pi[3] * d1)) -
        0.5 * (r0 * (ni[0] * r0 + ni[1] * r1) + r1 * (ni[2] * r0 + ni[3] * r1));
      logp[i * n + j] = v;
      if (v > max) max = v;
    }
  }
  let z = 0, m0 = 0, m1 = 0, s00 = 0, s01 = 0, s11 = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const w = Math.exp(logp[i * n + j] - max);
      const x0 = lo[0] + i * step[0], x1 = lo[1] + j * step[1];
      z += w;
      m0 += w * x0;
      m1 += w * x1;
      s00 += w * x0 * x0;
      s01 += w * x0 * x1;
      s11 += w * x1 * x1;
    }
  }
  m0 /= z;
  m1 /= z;
  return {
    mean: [m0, m1],
    cov: [s00 / z - m0 * m0, s01 / z - m0 * m1, s01 / z - m0 * m1, s11 / z - m1 * m1],
  };
}

function checkAgainstGrid(a: Matrix, label: string) {
  const noiseCov = fromRows([[0.05 ** 2, 0.3 * 0.05 * 0.08], [0.3 * 0.05 * 0.08, 0.08 ** 2]]);
  const priorCov = fromRows([[1, 0.3], [0.3, 0.6]]);
  const mu0 = [0.3, -0.2];
  const y = Array.from(matVec(a, [0.8, -0.5])).map((v, i) => v + [0.04, -0.07][i]);
  const post = linearGaussianPosterior({ forward: a, noiseCov, priorMean: mu0, priorCov }, y);
  const grid = gridMoments(a, noiseCov, mu0, priorCov, y, 1201);
  for (let i = 0; i < 2; i++) {
    const sd = Math.sqrt(grid.cov[3 * i]);
    assert.ok(
      Math.abs(post.mean[i] - grid.mean[i]) < 1e-6 * sd,
      `${label}: mean[${i}] ${post.mean[i]} vs grid ${grid.mean[i]}`,
    );
  }
  for (let k = 0; k < 4; k++) {
    const i = k >> 1, j = k & 1;
    const scale = Math.sqrt(grid.cov[3 * i] * grid.cov[3 * j]);
    assert.ok(
      Math.abs(post.cov.data[k] - grid.cov[k]) < 1e-6 * scale,
      `${label}: cov[${i}][${j}] ${post.cov.data[k]} vs grid ${grid.cov[k]}`,
    );
  }
  return post;
}

Deno.test("posterior matches a brute-force grid (well-conditioned A)", () => {
  const a = fromRows([[1, 0.4], [-0.3, 0.8]]);
  assert.ok(condition2(a) < 3);
  checkAgainstGrid(a, "well-conditioned");
});

Deno.test("posterior matches a brute-force grid (ill-conditioned A, cond ≥ 1e3)", () => {
  const a = matMul(matMul(rotation(0.6), diagonal([2, 1.5e-3])), transpose(rotation(-0.3)));
  const cond = condition2(a);
  assert.ok(cond >= 1e3, `condition number ${cond}`);
  const post = checkAgainstGrid(a, "ill-conditioned");
  // The data pin one direction down hard and leave the other to the prior.
  const l = post.scaleTril.data;
  const ratio = (l[0] * l[0] + l[2] * l[2] + l[3] * l[3]) / (l[0] * l[3]);
  assert.ok(ratio > 10, `posterior is elongated, ratio ${ratio}`);
});

/** A random d×d orthogonal matrix (Gram–Schmidt on Gaussian columns). */
function orthogonal(d: number, rng: Rng): Matrix {
  const q = matrix(d, d);
  for (let j = 0; j < d; j++) {
    const v = Float64Array.from({ length: d }, () => rng.normal());
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += q.data[i * d + k] * v[i];
        for (let i = 0; i < d; i++) v[i] -= dot * q.data[i * d + k];
      }
    }
    const norm = Math.hypot(...v);
    for (let i = 0; i < d; i++) q.data[i * d + j] = v[i] / norm;
  }
  return q;
}

Deno.test("severely ill-conditioned A (cond 1e8) matches the SVD closed form", () => {
  const rng = new Rng(3);
  const d = 5, sigma = 1e-3;
  const s = [1, 1e-2, 1e-4, 1e-6, 1e-8];
  const u = orthogonal(d, rng), v = orthogonal(d, rng);
  const a = matMul(matMul(u, diagonal(s)), transpose(v));
  const y = Array.from({ length: d }, () => rng.normal());
  const problem = new LinearGaussian({
    forward: a,
    noiseCov: diagonal(new Array(d).fill(sigma * sigma)),
    priorMean: new Array(d).fill(0),
    priorCov: identity(d),
  });
  // In the right singular basis (A is exact only to round-off, hence relative tolerances) the posterior factorizes: var_i = 1 / (1 + s_i²/σ²).
  const uty = matVec(transpose(u), y);
  const vars = s.map((si) => 1 / (1 + (si * si) / (sigma * sigma)));
  const meanV = s.map((si, i) => (si / (sigma * sigma)) * uty[i] * vars[i]);
  const mean = matVec(v, meanV);
  const cov = matMul(matMul(v, diagonal(vars)), transpose(v));
  const got = problem.posterior(y);
  for (let i = 0; i < d; i++) {
    assert.ok(
      Math.abs(got.mean[i] - mean[i]) < 1e-9 * Math.max(1, Math.abs(mean[i])),
      `mean[${i}] ${got.mean[i]} vs ${mean[i]}`,
    );
  }
  for (let k = 0; k < d * d; k++) {
    assert.ok(Math.abs(got.cov.data[k] - cov.data[k]) < 1e-9, `cov entry ${k}`);
  }
});

Deno.test("log-evidence matches the dense marginal, samples match the moments", () => {
  const a = fromRows([[1, 2], [0.5, -1], [0, 3]]);
  const noiseCov = fromRows([[0.2, 0.05, 0], [0.05, 0.3, 0], [0, 0, 0.1]]);
  const priorCov = fromRows([[2, 0.5], [0.5, 1]]);
  const mu0 = [1, -1];
  const problem = new LinearGaussian({ forward: a, noiseCov, priorMean: mu0, priorCov });
  const y = [0.3, 1.1, -2];
  const marginal = addMatrices(noiseCov, matMul(matMul(a, priorCov), transpose(a)));
  const l = cholesky(marginal);
  const r = matVec(a, mu0).map((v, i) => y[i] - v);
  const w = solveLower(l, r);
  const direct = -0.5 *
    (3 * Math.log(2 * Math.PI) + logDetCholesky(l) + w.reduce((s, v) => s + v * v, 0));
  assert.ok(
    Math.abs(problem.logEvidence(y) - direct) < 1e-12,
    `${problem.logEvidence(y)} vs ${direct}`,
  );

  const post = problem.posterior(y);
  const n = 20000;
  const xs = post.sample(n, { seed: 4 });
  const m = [0, 0];
  for (let i = 0; i < n; i++) for (let j = 0; j < 2; j++) m[j] += xs[2 * i + j] / n;
  for (let j = 0; j < 2; j++) {
    const sd = Math.sqrt(post.cov.data[3 * j]);
    assert.ok(Math.abs(m[j] - post.mean[j]) < 4 * sd / Math.sqrt(n), `sample mean ${j}`);
  }
  // simulate() draws y with covariance Σ_ε around A·x.
  const sims = Array.from({ length: 4000 }, (_, i) => problem.simulate([0, 0], { seed: 100 + i }));
  const var0 = sims.reduce((s, v) => s + v[0] * v[0], 0) / sims.length;
  assert.ok(Math.abs(var0 - 0.2) < 0.03, `simulated noise variance ${var0}`);
  assert.throws(() => problem.posterior([1, 2]), /Observation must have 3 entries, got 2/);
  assert.throws(
    () => new LinearGaussian({ forward: a, noiseCov, priorMean: [0], priorCov }),
    /Prior mean must have 2 entries/,
  );
});
