import assert from "node:assert/strict";
import { pca, pcaProject, pcaReconstruct } from "../lib/analysis/mod.ts";
import {
  matrix,
  sampleCovariance,
  symmetricEigen,
  symmetricEigenLarge,
} from "../lib/linalg/mod.ts";
import { Rng } from "../lib/core/random.ts";

/** A random d × d orthogonal matrix (columns = eigenvectors of a random symmetric matrix). */
function randomRotation(d: number, rng: Rng): Float64Array {
  const a = matrix(d, d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      a.data[i * d + j] = v;
      a.data[j * d + i] = v;
    }
  }
  return symmetricEigen(a).vectors.data;
}

/**
 * n points `mean + Σ_c √λ_c·g_c·axis_c + noise·g`, axes = the first columns of a random
 * rotation. Returns the points and the true axes as rows.
 */
function gaussianCloud(
  n: number,
  d: number,
  variances: number[],
  options: { noise?: number; seed: number; mean?: number[] },
) {
  const rng = new Rng(options.seed);
  const rot = randomRotation(d, rng);
  const axes = variances.map((_, c) => Float64Array.from({ length: d }, (_, j) => rot[j * d + c]));
  const points = new Float32Array(n * d);
  const noise = options.noise ?? 0;
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) points[r * d + j] = (options.mean?.[j] ?? 0) + noise * rng.normal();
    variances.forEach((v, c) => {
      const g = Math.sqrt(v) * rng.normal();
      for (let j = 0; j < d; j++) points[r * d + j] += g * axes[c][j];
    });
  }
  return { points, axes };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

const row = (m: Float64Array, r: number, d: number) => m.subarray(r * d, (r + 1) * d);

Deno.test("exact PCA recovers the mean, principal axes and variances of a Gaussian", () => {
  const d = 6, n = 20000;
  const variances = [9, 4, 2, 1, 0.5, 0.25];
  const mean = [1, -2, 3, 0, 0.5, 10];
  const { points, axes } = gaussianCloud(n, d, variances, { seed: 1, mean });
  const fit = pca(points, n, d, { nComponents: 4, solver: "exact" });
  assert.equal(fit.solver, "exact");
  for (let j = 0; j < d; j++) assert.ok(Math.abs(fit.mean[j] - mean[j]) < 0.05, `mean ${j}`);
  for (let c = 0; c < 4; c++) {
    const rel = Math.abs(fit.explainedVariance[c] / variances[c] - 1);
    assert.ok(rel < 0.05, `variance ${c}: ${fit.explainedVariance[c]} vs ${variances[c]}`);
    const cos = Math.abs(dot(row(fit.components, c, d), axes[c]));
    assert.ok(cos > 0.99, `axis ${c}: |cos| = ${cos}`);
  }
  const total = variances.reduce((a, b) => a + b);
  assert.ok(Math.abs(fit.totalVariance / total - 1) < 0.05);
  assert.ok(
    Math.abs(fit.explainedVarianceRatio[0] - fit.explainedVariance[0] / fit.totalVariance) < 1e-12,
  );
});

Deno.test("PCA components are orthonormal; projections are uncorrelated with the explained variances", () => {
  const d = 12, n = 3000;
  const { points } = gaussianCloud(n, d, [5, 3, 2, 1.5, 1, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1], {
    seed: 2,
  });
  const k = 5;
  const fit = pca(points, n, d, { nComponents: k });
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      const v = dot(row(fit.components, a, d), row(fit.components, b, d));
      assert.ok(Math.abs(v - (a === b ? 1 : 0)) < 1e-10, `⟨v${a}, v${b}⟩ = ${v}`);
    }
  }
  const coeffs = pcaProject(fit, points);
  const cov = sampleCovariance(coeffs, k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      const want = a === b ? fit.explainedVariance[a] : 0;
      assert.ok(Math.abs(cov.data[a * k + b] - want) < 1e-4 * fit.explainedVariance[0]);
    }
  }
  // Each component's largest entry is positive (deterministic signs).
  for (let c = 0; c < k; c++) {
    const r = Array.from(row(fit.components, c, d));
    const big = r.reduce((m, v) => (Math.abs(v) > Math.abs(m) ? v : m), 0);
    assert.ok(big > 0);
  }
});

Deno.test("project then reconstruct: identity with all components, least-squares with fewer", () => {
  const d = 8, n = 400;
  const { points } = gaussianCloud(n, d, [4, 3, 2, 1, 1, 1, 1, 1], { seed: 3, mean: [5] });
  const full = pca(points, n, d, { nComponents: d });
  const back = pcaReconstruct(full, pcaProject(full, points));
  for (let i = 0; i < points.length; i++) assert.ok(Math.abs(back[i] - points[i]) < 1e-4);
  // With k components the residual variance equals the left-out eigenvalues (n − 1 denominator).
  const k = 3;
  const part = pca(points, n, d, { nComponents: k });
  const rec = pcaReconstruct(part, pcaProject(part, points));
  let resid = 0;
  for (let i = 0; i < points.length; i++) resid += (rec[i] - points[i]) ** 2;
  resid /= n - 1;
  let leftOut = 0;
  for (let c = k; c < d; c++) leftOut += full.explainedVariance[c];
  assert.ok(Math.abs(resid / leftOut - 1) < 1e-4, `${resid} vs ${leftOut}`);
});

Deno.test("randomized PCA matches exact PCA on low-rank plus noise data", () => {
  const d = 300, n = 2000, k = 5;
  const { points } = gaussianCloud(n, d, [50, 30, 20, 10, 5], { noise: 0.1, seed: 4 });
  const exact = pca(points, n, d, { nComponents: k, solver: "exact" });
  const rand = pca(points, n, d, { nComponents: k, solver: "randomized", seed: 9 });
  assert.equal(rand.solver, "randomized");
  for (let c = 0; c < k; c++) {
    const rel = Math.abs(rand.explainedVariance[c] / exact.explainedVariance[c] - 1);
    assert.ok(rel < 1e-3, `variance ${c}: rel diff ${rel}`);
    const cos = dot(row(rand.components, c, d), row(exact.components, c, d));
    assert.ok(cos > 0.999, `component ${c}: cos ${cos}`);
  }
  assert.ok(Math.abs(rand.totalVariance - exact.totalVariance) < 1e-9 * exact.totalVariance);
  // Same seed, same answer.
  const again = pca(points, n, d, { nComponents: k, solver: "randomized", seed: 9 });
  assert.deepEqual(again.components, rand.components);
});

Deno.test("randomized PCA without power iterations is worse on a slowly decaying spectrum", () => {
  const d = 200, n = 1500, k = 4;
  const variances = Array.from({ length: 40 }, (_, i) => 10 / (i + 1));
  const { points } = gaussianCloud(n, d, variances, { noise: 0.3, seed: 5 });
  const exact = pca(points, n, d, { nComponents: k, solver: "exact" });
  const captured = (fit: ReturnType<typeof pca>) => {
    // Variance of the data inside the fitted subspace.
    const c = pcaProject(fit, points);
    let s = 0;
    for (const v of c) s += v * v;
    return s / (n - 1);
  };
  const best = captured(exact);
  const q0 = captured(
    pca(points, n, d, { nComponents: k, solver: "randomized", powerIterations: 0, oversamples: 2 }),
  );
  const q3 = captured(
    pca(points, n, d, { nComponents: k, solver: "randomized", powerIterations: 3 }),
  );
  assert.ok(q0 <= best + 1e-9 && q3 <= best + 1e-9);
  assert.ok(best - q3 < 0.01 * best, `q=3 captures ${q3} of ${best}`);
  assert.ok(best - q3 < best - q0, `q=3 (${q3}) should beat q=0 (${q0})`);
});

Deno.test("solver choice: auto, full alias, limits and bad input", () => {
  const rng = new Rng(6);
  const wide = Float32Array.from({ length: 30 * 1100 }, () => rng.normal());
  assert.equal(pca(wide, 30, 1100, { nComponents: 3 }).solver, "randomized");
  const narrow = Float32Array.from({ length: 50 * 10 }, () => rng.normal());
  assert.equal(pca(narrow, 50, 10, { nComponents: 3 }).solver, "exact");
  assert.equal(pca(narrow, 50, 10, { nComponents: 3, solver: "full" }).solver, "exact");
  assert.equal(pca(narrow, 50, 10).nComponents, 10);
  assert.throws(() => pca(narrow, 50, 11), /expected n·d = 50·11 = 550 values, got 500/);
  assert.throws(() => pca(narrow, 50, 10, { nComponents: 11 }), /integer in \[1, 10\], got 11/);
  assert.throws(() => pca(narrow.subarray(0, 10), 1, 10), /at least 2 points/);
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => pca(narrow, 50, 10, { solver: "svd" as any }),
    /solver must be exact, full, randomized or auto, got svd/,
  );
  assert.throws(
    () => pca(new Float32Array(2 * 4097), 2, 4097, { nComponents: 2, solver: "exact" }),
    /limited to 4096 dimensions/,
  );
});

Deno.test("large symmetric eigensolver agrees with Jacobi and reconstructs the matrix", () => {
  const n = 60;
  const rng = new Rng(7);
  const a = matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      a.data[i * n + j] = v;
      a.data[j * n + i] = v;
    }
  }
  const ref = symmetricEigen(a);
  const big = symmetricEigenLarge(a);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(ref.values[i] - big.values[i]) < 1e-11);
  // A = V·Λ·Vᵀ and VᵀV = I.
  const v = big.vectors.data;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0, g = 0;
      for (let c = 0; c < n; c++) {
        s += v[i * n + c] * big.values[c] * v[j * n + c];
        g += v[c * n + i] * v[c * n + j];
      }
      assert.ok(Math.abs(s - a.data[i * n + j]) < 1e-11);
      assert.ok(Math.abs(g - (i === j ? 1 : 0)) < 1e-12);
    }
  }
  // Repeated eigenvalues (identity plus rank one) and a diagonal matrix need no iteration trouble.
  const e = matrix(5, 5);
  for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) e.data[i * 5 + j] = (i === j ? 2 : 0) + 1;
  assert.deepEqual(
    Array.from(symmetricEigenLarge(e).values, (x) => Math.round(x * 1e10) / 1e10),
    [7, 2, 2, 2, 2],
  );
  const top = symmetricEigenLarge(e, { count: 1 }).vectors.data;
  for (const x of top) assert.ok(Math.abs(x - 1 / Math.sqrt(5)) < 1e-12);
  assert.throws(() => symmetricEigenLarge(e, { count: 6 }), /count must be an integer in \[1, 5\]/);
});

Deno.test("exact PCA of fewer points than dimensions (rank-deficient covariance) converges", () => {
  const rng = new Rng(17);
  const n = 30, d = 120;
  const points = Float32Array.from({ length: n * d }, () => rng.normal());
  const fit = pca(points, n, d, { nComponents: 40, solver: "exact" });
  // Rank n − 1: the first 29 components carry all the variance, the rest none.
  const kept = fit.explainedVariance.slice(0, n - 1).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(kept - fit.totalVariance) < 1e-6 * fit.totalVariance);
  for (const v of fit.explainedVariance.slice(n - 1)) assert.ok(Math.abs(v) < 1e-9);
});
