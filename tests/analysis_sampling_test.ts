import assert from "node:assert/strict";
import {
  pca,
  pcaProject,
  regenerationLatents,
  sampleBaseGaussian,
  samplePcaGaussian,
} from "../lib/analysis/mod.ts";
import { sampleCovariance } from "../lib/linalg/covariance.ts";
import { Rng } from "../lib/core/random.ts";

/** 4000 points in 10-D with variances 9, 4, 1 on three random-ish axes plus small noise. */
function trainingLatents() {
  const rng = new Rng(21);
  const n = 4000, d = 10;
  const pts = new Float32Array(n * d);
  for (let r = 0; r < n; r++) {
    const a = 3 * rng.normal(), b = 2 * rng.normal(), c = rng.normal();
    for (let j = 0; j < d; j++) {
      pts[r * d + j] = 0.5 + a * (j === 0 ? 1 : 0) + b * (j === 1 ? 0.6 : j === 2 ? 0.8 : 0) +
        c * (j === 3 ? 1 : 0) + 0.1 * rng.normal();
    }
  }
  return { pts, n, d };
}

Deno.test("PCA sampling reproduces the fitted mean and component variances, scaled by covScale", () => {
  const { pts, n, d } = trainingLatents();
  const fit = pca(pts, n, d, { nComponents: 3 });
  const m = 20000;
  for (const covScale of [1, 0.25]) {
    const { latents, coeffs } = samplePcaGaussian(fit, m, { covScale, seed: 1 });
    assert.equal(latents.length, m * d);
    assert.equal(coeffs.length, m * 3);
    // Latents lie in the affine span of the components: projecting recovers the coefficients.
    const back = pcaProject(fit, latents);
    for (let i = 0; i < 300; i++) assert.ok(Math.abs(back[i] - coeffs[i]) < 1e-4);
    const cov = sampleCovariance(coeffs, 3);
    for (let c = 0; c < 3; c++) {
      const want = covScale * fit.explainedVariance[c];
      assert.ok(Math.abs(cov.data[c * 3 + c] / want - 1) < 0.05, `var ${c} at ${covScale}`);
    }
    let mean0 = 0;
    for (let r = 0; r < m; r++) mean0 += latents[r * d + 5] / m;
    assert.ok(Math.abs(mean0 - fit.mean[5]) < 0.01);
  }
  // Same seed, same draws; another seed, other draws.
  const s1 = samplePcaGaussian(fit, 4, { seed: 3 }).latents;
  assert.deepEqual(samplePcaGaussian(fit, 4, { seed: 3 }).latents, s1);
  assert.notDeepEqual(samplePcaGaussian(fit, 4, { seed: 4 }).latents, s1);
  assert.throws(() => samplePcaGaussian(fit, 4, { covScale: 0 }), /covScale must be > 0/);
});

Deno.test("PCA sampling with residual noise restores the total variance", () => {
  const { pts, n, d } = trainingLatents();
  const fit = pca(pts, n, d, { nComponents: 3 });
  const m = 20000;
  const total = (x: Float32Array) => {
    const c = sampleCovariance(x, d);
    let s = 0;
    for (let j = 0; j < d; j++) s += c.data[j * d + j];
    return s;
  };
  const plain = total(samplePcaGaussian(fit, m, { seed: 5 }).latents);
  const full = total(samplePcaGaussian(fit, m, { seed: 5, residualNoise: true }).latents);
  const kept = fit.explainedVariance.reduce((a, b) => a + b);
  assert.ok(Math.abs(plain / kept - 1) < 0.03);
  assert.ok(Math.abs(full / fit.totalVariance - 1) < 0.03, `${full} vs ${fit.totalVariance}`);
});

Deno.test("base sampling has variance T²; regeneration sources", () => {
  const d = 50, m = 4000;
  const z = sampleBaseGaussian(m, d, { temperature: 0.7, seed: 8 });
  let s = 0;
  for (const v of z) s += v * v;
  assert.ok(Math.abs(s / z.length / 0.49 - 1) < 0.03);

  const { pts, n, d: dims } = trainingLatents();
  const fit = pca(pts, n, dims, { nComponents: 3 });
  const train = regenerationLatents("train_pts", 5, { dims, trainLatents: pts, seed: 2 });
  assert.equal(train.indices?.length, 5);
  assert.equal(new Set(train.indices).size, 5);
  train.indices!.forEach((row, i) => {
    assert.deepEqual(
      train.latents.subarray(i * dims, (i + 1) * dims),
      pts.subarray(row * dims, (row + 1) * dims),
    );
  });
  const fromPca = regenerationLatents("pca_stats", 5, { dims, pca: fit, seed: 2 });
  assert.deepEqual(fromPca.latents, samplePcaGaussian(fit, 5, { seed: 2 }).latents);
  const base = regenerationLatents("flow_base", 5, { dims, temperature: 0.5, seed: 2 });
  assert.deepEqual(base.latents, sampleBaseGaussian(5, dims, { temperature: 0.5, seed: 2 }));

  assert.throws(() => regenerationLatents("pca_stats", 1, { dims }), /needs the PCA/);
  assert.throws(() => regenerationLatents("train_pts", 1, { dims }), /needs the training latents/);
  assert.throws(
    () => regenerationLatents("train_pts", n + 1, { dims, trainLatents: pts }),
    /4001 points asked, only 4000 available/,
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => regenerationLatents("nowhere" as any, 1, { dims }),
    /must be pca_stats, flow_base or train_pts, got nowhere/,
  );
});
