/**
 * The forward models of application 4 against hand-computed values, the
 * ill-conditioning of the linear design, simulation of pairs, and the
 * eigen-decomposition used for condition numbers and principal axes.
 */
import assert from "node:assert/strict";
import { fromRows, matMul, transpose } from "../lib/linalg/matrix.ts";
import { Rng } from "../lib/core/random.ts";
import { decayDesign, LinearIllConditioned } from "../lib/problems/linear_ill_conditioned.ts";
import { TwoExponentials, twoExponentials } from "../lib/problems/two_exponentials.ts";
import { forwardRows, gaussianLogLikelihood, simulatePairs } from "../lib/problems/problem.ts";
import { conditionNumber, singularValues, symmetricEigen } from "../lib/linalg/symmetric_eigen.ts";

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

Deno.test("two exponentials: y(t) = a1·e^(−k1 t) + a2·e^(−k2 t) at hand-computed points", () => {
  // (a1, k1, a2, k2) = (2, 1, 0.5, 3): y(0) = 2.5, y(1) = 2/e + 0.5/e³, y(2) = 2/e² + 0.5/e⁶.
  const y = twoExponentials([2, 1, 0.5, 3], [0, 1, 2]);
  close(y[0], 2.5, 1e-15, "y(0)");
  close(y[1], 0.7606524165, /* 2·0.3678794412 + 0.5·0.0497870684 */ 1e-9, "y(1)");
  close(y[2], 0.2719099426, /* 2·0.1353352832 + 0.5·0.0024787522 */ 1e-9, "y(2)");
  // a zero rate is a constant term; a1 = 0 leaves one exponential.
  assert.deepEqual(Array.from(twoExponentials([0, 5, 1.5, 0], [0, 3])), [1.5, 1.5]);
  assert.throws(() => twoExponentials([1, 2, 3], [0]), /\(a1, k1, a2, k2\)/);

  const p = new TwoExponentials();
  assert.equal(p.dimX, 4);
  assert.equal(p.dimY, 6);
  assert.deepEqual(p.paramNames, ["a1", "k1", "a2", "k2"]);
  const f = p.forward([1, 0.8, 1, 1.2]);
  close(f[0], 2, 1e-15, "f(0)");
  close(f[5], Math.exp(-2.4) + Math.exp(-3.6), 1e-15, "f(3)");
});

Deno.test("two exponentials: log-posterior = log prior + Gaussian log-likelihood, by hand", () => {
  const p = new TwoExponentials({ noise: 0.1, times: [0, 1] });
  const x = [1.1, 0.8, 0.9, 1.3];
  const y = [2.05, 0.6];
  const f = [2, 1.1 * Math.exp(-0.8) + 0.9 * Math.exp(-1.3)];
  const logLik = -0.5 * ((y[0] - f[0]) ** 2 + (y[1] - f[1]) ** 2) / 0.01 -
    2 * (Math.log(0.1) + 0.5 * Math.log(2 * Math.PI));
  close(gaussianLogLikelihood(p, x, y), logLik, 1e-10, "log-likelihood");
  const logPrior = -0.5 * ((0.1 / 0.3) ** 2 + 0 + (0.1 / 0.3) ** 2 + (0.1 / 0.1) ** 2);
  close(p.logPosterior(x, y), logPrior + logLik, 1e-10, "log-posterior");
  assert.throws(() => new TwoExponentials({ noise: 0 }), /positive/);
});

Deno.test("linear problem: design A_ij = exp(−k_j t_i), nearly collinear, condition number ≥ 1e3", () => {
  const a = decayDesign([1, 2], [0, 1]);
  assert.deepEqual(Array.from(a.data), [1, 1, Math.exp(-1), Math.exp(-2)]);

  const p = new LinearIllConditioned();
  assert.equal(p.dimX, 3);
  assert.equal(p.dimY, 6);
  const cond = p.conditionNumber();
  assert.ok(cond >= 1e3, `condition number ${cond}`);
  assert.ok(cond < 2e3, `condition number ${cond} (about 1.3e3 expected)`);
  // Columns almost parallel: the cosine between neighbouring columns is close to 1.
  const col = (j: number) => Array.from({ length: p.dimY }, (_, i) => p.design.data[i * 3 + j]);
  const cos = (u: number[], v: number[]) =>
    u.reduce((s, x, i) => s + x * v[i], 0) /
    Math.sqrt(u.reduce((s, x) => s + x * x, 0) * v.reduce((s, x) => s + x * x, 0));
  assert.ok(cos(col(0), col(1)) > 0.998, `cos = ${cos(col(0), col(1))}`);
  assert.ok(cos(col(0), col(2)) > 0.99, `cos = ${cos(col(0), col(2))}`);
  // forward = A·x
  const f = p.forward([1, -2, 0.5]);
  close(f[0], 1 - 2 + 0.5, 1e-15, "f at t = 0");
  close(f[5], Math.exp(-2.7) - 2 * Math.exp(-3) + 0.5 * Math.exp(-3.3), 1e-15, "f at t = 3");
  assert.throws(() => p.forward([1, 2]), /dimX=3/);
});

Deno.test("linear problem: the exact posterior is a long, thin, correlated ridge", () => {
  const p = new LinearIllConditioned();
  const axes = symmetricEigen(p.gaussian.posteriorCov).values.map(Math.sqrt);
  assert.ok(axes[0] / axes[2] > 30, `aspect ratio ${axes[0] / axes[2]}`);
  assert.ok(axes[2] < 0.05 && axes[0] > 0.9, `principal stds ${axes}`);
  const ref = p.referencePosterior(p.forward([0.5, 0.5, 0.5]), 10, 1);
  assert.equal(ref.method, "analytic");
  assert.equal(ref.exact, true);
  assert.equal(ref.samples.length, 30);
  const c = ref.cov.data;
  const corr = c[1] / Math.sqrt(c[0] * c[4]);
  assert.ok(corr < -0.5, `a1, a2 correlation ${corr}`);
});

Deno.test("symmetric eigen-decomposition, singular values and condition numbers", () => {
  const e = symmetricEigen(fromRows([[2, 1, 0], [1, 2, 0], [0, 0, 5]]));
  Array.from(e.values).forEach((v, i) => close(v, [5, 3, 1][i], 1e-12, `eigenvalue ${i}`));
  // A·V = V·Λ
  const av = matMul(fromRows([[2, 1, 0], [1, 2, 0], [0, 0, 5]]), e.vectors);
  for (let i = 0; i < 3; i++) {
    for (let k = 0; k < 3; k++) {
      close(av.data[i * 3 + k], e.vectors.data[i * 3 + k] * e.values[k], 1e-12, `AV[${i},${k}]`);
    }
  }
  const vtv = matMul(transpose(e.vectors), e.vectors);
  for (let i = 0; i < 3; i++) close(vtv.data[i * 4], 1, 1e-12, "orthonormal");
  assert.deepEqual(Array.from(singularValues(fromRows([[3, 0], [0, -4], [0, 0]]))), [4, 3]);
  close(conditionNumber(fromRows([[1, 0], [0, 1e-3]])), 1e3, 1e-9, "cond");
  assert.equal(conditionNumber(fromRows([[1, 1], [1, 1]])), Infinity);
});

Deno.test("simulatePairs: y = f(x) + σ·ε with the ε it reports; seeded", () => {
  const p = new LinearIllConditioned({ noise: 0.1 });
  const s = simulatePairs(p, 50, 3);
  const f = forwardRows(p, s.x);
  for (let i = 0; i < s.y.length; i++) close(s.y[i], f[i] + 0.1 * s.eps[i], 1e-12, `y[${i}]`);
  assert.deepEqual(simulatePairs(p, 50, 3), s);
  assert.notDeepEqual(simulatePairs(p, 50, 4).x, s.x);
  const x = p.priorSample(20000, new Rng(1));
  const m = x.reduce((a, v) => a + v, 0) / x.length;
  close(m, 0, 0.02, "prior mean");
  assert.throws(() => simulatePairs(p, 0, 1), /positive integer/);
});
