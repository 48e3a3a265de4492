import assert from "node:assert/strict";
import {
  generateToyData,
  TOY_DATASET_INFO,
  TOY_DATASETS,
  toyEntropy,
  toyLogDensity,
  toyMixture,
} from "../lib/data/toy.ts";
import { GaussianMixture } from "../lib/data/gaussian_mixture.ts";
import { gridEntropy, monteCarloEntropy } from "../lib/data/mixture_entropy.ts";
import { validatePoints } from "../lib/data/validate_points.ts";
import { Rng } from "../lib/core/random.ts";

Deno.test("toy data: same seed gives the same points, another seed different ones", () => {
  for (const name of TOY_DATASETS) {
    const a = generateToyData(name, 500, { seed: 3 });
    const b = generateToyData(name, 500, { seed: 3 });
    const c = generateToyData(name, 500, { seed: 4 });
    assert.deepEqual(a.points, b.points, name);
    assert.deepEqual(a.labels, b.labels, name);
    assert.notDeepEqual(a.points, c.points, name);
  }
});

Deno.test("toy data: shapes, dims and finiteness", () => {
  for (const name of TOY_DATASETS) {
    const d = generateToyData(name, 257, { seed: 1 });
    assert.ok(d.points instanceof Float32Array);
    assert.equal(d.dims, TOY_DATASET_INFO[name].dims);
    assert.equal(d.n, 257);
    assert.equal(d.points.length, 257 * d.dims);
    assert.equal(d.labels.length, 257);
    validatePoints(d.points, d.dims, name);
  }
  assert.equal(generateToyData("gmm3d", 1, { seed: 1 }).dims, 3);
  assert.equal(generateToyData("swiss_roll3d", 1, { seed: 1 }).dims, 3);
});

Deno.test("toy data: checkerboard without noise lies on the dark cells", () => {
  const { points } = generateToyData("checkerboard", 2000, { seed: 5 });
  for (let i = 0; i < 2000; i++) {
    const col = Math.floor(points[2 * i] + 2);
    const row = Math.floor(points[2 * i + 1] + 2);
    assert.ok(col >= 0 && col < 4 && row >= 0 && row < 4);
    assert.equal((row + col) % 2, 0);
  }
});

Deno.test("toy data: errors name what was expected and what was given", () => {
  assert.throws(
    () => generateToyData("moon", 10, { seed: 1 }),
    (e: Error) =>
      e.message.includes('got "moon"') && TOY_DATASETS.every((n) => e.message.includes(n)),
  );
  assert.throws(() => generateToyData("moons", 0, { seed: 1 }), /positive integer, got 0/);
  assert.throws(() => generateToyData("moons", 2.5, { seed: 1 }), /positive integer, got 2.5/);
  assert.throws(() => generateToyData("moons", 5, { seed: 1, noise: -1 }), /got -1/);
  assert.throws(() => generateToyData("gmm", 5, { seed: 1, noise: 0.1 }), /must be 0.*got 0.1/);
  assert.throws(() => toyLogDensity("moons", [0, 0]), /mvn, gmm, gmm3d, got "moons"/);
  assert.throws(() => toyEntropy("circles"), /got "circles"/);
  assert.throws(() => toyLogDensity("gmm", [0, 0, 1]), /multiple of 2/);
});

Deno.test("validatePoints names the source, row and column", () => {
  validatePoints(new Float32Array([1, 2, 3, 4]), 2, "ok.csv");
  assert.throws(
    () => validatePoints(new Float32Array([1, 2, 3, Infinity]), 2, "data/x.csv"),
    /data\/x\.csv must be finite, got Infinity at row 1, column 1/,
  );
  assert.throws(() => validatePoints([0, 1, NaN], 3, "f"), /got NaN at row 0, column 2/);
  assert.throws(() => validatePoints([0, 1, 2], 2, "f.json"), /f\.json.*n×2.*got length 3/);
  assert.throws(() => validatePoints([], 2, "f.json"), /non-empty/);
  assert.throws(() => validatePoints([1], 0, "f.json"), /positive integer, got 0/);
});

function integrate2d(name: string, lo: number, hi: number, step: number): number {
  const m = Math.round((hi - lo) / step);
  const pts = new Float64Array(m * m * 2);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      pts[2 * (i * m + j)] = lo + (i + 0.5) * step;
      pts[2 * (i * m + j) + 1] = lo + (j + 0.5) * step;
    }
  }
  let s = 0;
  for (const lp of toyLogDensity(name, pts)) s += Math.exp(lp);
  return s * step * step;
}

Deno.test("toy density: integrates to 1 on a grid", () => {
  assert.ok(Math.abs(integrate2d("gmm", -8, 8, 0.05) - 1) < 0.005);
  assert.ok(Math.abs(integrate2d("mvn", -8, 8, 0.05) - 1) < 0.005);
  const step = 0.125;
  const m = 80;
  const pts = new Float64Array(m * m * m * 3);
  let k = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      for (let l = 0; l < m; l++) {
        pts[k++] = -5 + (i + 0.5) * step;
        pts[k++] = -5 + (j + 0.5) * step;
        pts[k++] = -5 + (l + 0.5) * step;
      }
    }
  }
  let s = 0;
  for (const lp of toyLogDensity("gmm3d", pts)) s += Math.exp(lp);
  assert.ok(Math.abs(s * step ** 3 - 1) < 0.005);
});

Deno.test("toy density: mvn sample mean and covariance match the analytic ones", () => {
  const n = 200_000;
  const { points } = generateToyData("mvn", n, { seed: 11 });
  const { mean, cov } = toyMixture("mvn").components[0];
  assert.deepEqual(mean, [1, -0.5]);
  const mu = [0, 0];
  for (let i = 0; i < n; i++) for (let j = 0; j < 2; j++) mu[j] += points[2 * i + j] / n;
  const c = [[0, 0], [0, 0]];
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < 2; a++) {
      for (let b = 0; b < 2; b++) {
        c[a][b] += (points[2 * i + a] - mu[a]) * (points[2 * i + b] - mu[b]) / (n - 1);
      }
    }
  }
  for (let j = 0; j < 2; j++) {
    assert.ok(Math.abs(mu[j] - mean[j]) < 4 * Math.sqrt(cov[j][j] / n), `mean ${j}`);
  }
  assert.ok(Math.abs(cov[0][0] - 2.25) < 1e-12 && Math.abs(cov[0][1] - 0.72) < 1e-12);
  for (let a = 0; a < 2; a++) {
    for (let b = 0; b < 2; b++) {
      const se = Math.sqrt((cov[a][a] * cov[b][b] + cov[a][b] ** 2) / n);
      assert.ok(Math.abs(c[a][b] - cov[a][b]) < 4 * se, `cov ${a}${b}: ${c[a][b]} vs ${cov[a][b]}`);
    }
  }
});

Deno.test("toy entropy: mvn matches the closed form", () => {
  const expected = Math.log(2 * Math.PI * Math.E) + Math.log(1.5 * 0.6 * Math.sqrt(1 - 0.8 ** 2));
  assert.ok(Math.abs(toyEntropy("mvn") - expected) < 1e-12);
  assert.ok(Math.abs(gridEntropy(toyMixture("mvn")).entropy - expected) < 1e-9);
});

Deno.test("toy entropy: gmm and gmm3d match −mean log p over 200 000 samples", () => {
  for (const [name, seed] of [["gmm", 21], ["gmm3d", 22]] as const) {
    const h = toyEntropy(name);
    const mc = monteCarloEntropy(toyMixture(name), 200_000, new Rng(seed));
    assert.ok(mc.standardError < 0.01);
    assert.ok(
      Math.abs(h - mc.entropy) < 3 * mc.standardError,
      `${name}: grid ${h}, Monte Carlo ${mc.entropy} ± ${mc.standardError}`,
    );
    // Cached: the same number again.
    assert.equal(toyEntropy(name), h);
  }
});

Deno.test("toy entropy: the grid has converged (a finer grid agrees to 1e-8 nats)", () => {
  const m = toyMixture("gmm");
  const coarse = gridEntropy(m);
  const fine = gridEntropy(m, { step: coarse.step / 2 });
  assert.ok(Math.abs(coarse.entropy - fine.entropy) < 1e-8);
  assert.ok(Math.abs(coarse.mass - 1) < 1e-10);
  assert.ok(Math.abs(coarse.entropy - toyEntropy("gmm")) < 1e-12);
});

Deno.test("GaussianMixture: 1-D log-density, weights and bad covariances", () => {
  const g = new GaussianMixture([
    { weight: 1, mean: [0], cov: [[1]] },
    { weight: 3, mean: [2], cov: [[4]] },
  ]);
  const x = 0.7;
  const p = 0.25 * Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI) +
    0.75 * Math.exp(-((x - 2) ** 2) / 8) / Math.sqrt(8 * Math.PI);
  assert.ok(Math.abs(g.logDensity([x])[0] - Math.log(p)) < 1e-12);
  assert.throws(
    () => new GaussianMixture([{ weight: 1, mean: [0, 0], cov: [[1, 2], [2, 1]] }]),
    /positive definite/,
  );
  assert.throws(() => new GaussianMixture([]), /at least one component/);
});
