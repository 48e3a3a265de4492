/**
 * Application 7's posterior on a problem small enough to integrate by brute force: velocity on
 * 2 × 2 nodes (4 parameters) spanning a circle of 5 stations (10 travel times, σ = 0.1 s), a
 * uniform 0.5–3 km/s prior. The posterior is then about 0.23 km/s wide on every node (a third of
 * the prior's std) and leans on the box's upper edge at one node, so it is neither degenerate
 * nor Gaussian.
 *
 * - The sampler's coordinates (apps/app7/unbounded_posterior.ts, `v = low + (high − low)·Φ(z)`):
 *   the gradient of the log-posterior in z matches central differences, and its density is
 *   the likelihood times the standard normal prior (a 1-D slice of it integrates over z to the
 *   velocity-space integral of the likelihood, scaled by the change of variables).
 * - With the likelihood switched off (σ = 10⁶ s) HMC on that density draws each node's velocity
 *   uniformly on the box (a Kolmogorov–Smirnov distance), not uniformly in slowness.
 * - HMC (`logDensityWithGradient` on the z-space posterior, mapped back to velocity) and the
 *   variational flow (`VariationalPosterior` on the box, the log-likelihood as target) both
 *   agree with the posterior mean and std of each node computed on a 16⁴ midpoint grid over
 *   the box; the variational flow fitted to another noise draw of the data does not.
 */
import assert from "node:assert/strict";
import { Rng } from "../lib/core/random.ts";
import { effectiveSampleSize, splitRhat } from "../lib/inference/diagnostics.ts";
import { hamiltonianMonteCarlo } from "../lib/inference/mcmc_hmc.ts";
import { initBackend } from "../lib/kernels/mod.ts";
import {
  VariationalPosterior,
  type VariationalPosteriorOptions,
} from "../lib/posterior/variational.ts";
import { circleStations } from "../lib/problems/travel_time.ts";
import {
  type TomographySettings,
  TravelTimeTomography,
} from "../lib/problems/travel_time_tomography.ts";
import { silentProgress } from "../lib/training/progress.ts";
import { summarize } from "../apps/app7/compare.ts";
import {
  gaussNewtonMode,
  samplerCoordinates,
  unboundedLogPosterior,
} from "../apps/app7/unbounded_posterior.ts";

await initBackend("wasm");

const LOW = 0.5, HIGH = 3;
/** The prior's standard deviation per node, 2.5/√12 ≈ 0.722 km/s: the unit of the tolerances. */
const PRIOR_STD = (HIGH - LOW) / Math.sqrt(12);

/** 2 × 2 nodes at the corners of [−5, 5]², 5 stations on a circle of radius 4 km. */
const settings = (noiseSigma: number, seed = 3): TomographySettings => ({
  model: {
    nodesX: 2,
    nodesY: 2,
    nodeSpacing: 10,
    origin: [-5, -5],
    refinement: 8,
    stations: circleStations(5, 4),
  },
  low: LOW,
  high: HIGH,
  noiseSigma,
  // 1.4 km/s at the node (−5, −5), 2 km/s at the other three.
  trueModel: { background: 2, anomaly: 1.4, radius: 1, center: [-5, -5] },
  seed,
});

const problem = new TravelTimeTomography(settings(0.1));
const D = problem.dims;

/** The posterior mean and std of each node on a G⁴ midpoint grid over the box (uniform prior). */
function gridPosterior(p: TravelTimeTomography, G: number) {
  const w = (HIGH - LOW) / G;
  const pts = Array.from({ length: G }, (_, i) => LOW + (i + 0.5) * w);
  const logL = new Float64Array(G ** 4), rows = new Float64Array(G * D);
  // One call per line of the last node's values.
  for (let a = 0, r = 0; a < G; a++) {
    for (let b = 0; b < G; b++) {
      for (let c = 0; c < G; c++, r++) {
        for (let d = 0; d < G; d++) rows.set([pts[a], pts[b], pts[c], pts[d]], d * D);
        logL.set(p.logLikelihoodWithGradient(rows, G).logDensity, r * G);
      }
    }
  }
  let max = -Infinity;
  for (const l of logL) max = Math.max(max, l);
  let z = 0;
  const m1 = new Float64Array(D), m2 = new Float64Array(D);
  for (let i = 0; i < logL.length; i++) {
    const weight = Math.exp(logL[i] - max);
    z += weight;
    const index = [
      Math.floor(i / G ** 3),
      Math.floor(i / G ** 2) % G,
      Math.floor(i / G) % G,
      i % G,
    ];
    for (let k = 0; k < D; k++) {
      const v = pts[index[k]];
      m1[k] += weight * v, m2[k] += weight * v * v;
    }
  }
  const mean = m1.map((m) => m / z);
  return { mean, std: m2.map((m, k) => Math.sqrt(m / z - mean[k] ** 2)) };
}

/** Posterior moments of the brute-force grid, computed once for all tests. */
let gridCache: { mean: Float64Array; std: Float64Array } | null = null;
const grid = () => (gridCache ??= gridPosterior(problem, 16));

/** `(method − grid)/prior std` per node, and `method std / grid std` per node. */
function againstGrid(s: { mean: Float64Array; std: Float64Array }) {
  const g = grid();
  return {
    meanError: Array.from(s.mean, (m, k) => (m - g.mean[k]) / PRIOR_STD),
    stdRatio: Array.from(s.std, (x, k) => x / g.std[k]),
  };
}

const fmt = (xs: ArrayLike<number>) => Array.from(xs, (x) => x.toFixed(3)).join(", ");

/** HMC on the z-space posterior of a problem; returns velocity draws per chain. */
function hmcVelocities(p: TravelTimeTomography, draws: number, seed: number) {
  const coordinates = samplerCoordinates(p), target = unboundedLogPosterior(p);
  const rng = new Rng(seed);
  // Over-dispersed starts: prior draws inside the box.
  const init = Array.from(
    { length: 4 },
    () =>
      coordinates.fromVelocity(
        Array.from({ length: D }, () => LOW + (HIGH - LOW) * (0.05 + 0.9 * rng.uniform())),
      ),
  );
  const run = hamiltonianMonteCarlo({
    logDensityWithGradient: (xs, count) => target(xs, count),
    init,
    chains: 4,
    warmup: 500,
    draws,
    leapfrogSteps: 10,
    seed,
  });
  const chains = run.samples.map((chain) => chain.map((u) => coordinates.toVelocity(u)));
  const flat = new Float64Array(4 * draws * D);
  chains.forEach((chain, c) => chain.forEach((v, k) => flat.set(v, (c * draws + k) * D)));
  return { chains, flat, diagnostics: run.diagnostics };
}

Deno.test("app7 unbounded posterior: the gradient in z matches central differences", () => {
  const target = unboundedLogPosterior(problem);
  const coordinates = samplerCoordinates(problem);
  const points = [
    coordinates.fromVelocity([1.7, 1.65, 1.6, 2.45]), // near the posterior's mode
    coordinates.fromVelocity([0.8, 2.7, 1.2, 2.9]), // far from it, near the box's edges
    Float64Array.of(-2.5, 1.3, 0.4, 3.1), // z itself, in the normal's tails
  ];
  const h = 1e-5;
  let worst = 0;
  for (const u of points) {
    const { logp, grad } = target(Float64Array.from(u), 1);
    assert.ok(Number.isFinite(logp[0]));
    for (let k = 0; k < D; k++) {
      const plus = Float64Array.from(u), minus = Float64Array.from(u);
      plus[k] += h, minus[k] -= h;
      const fd = (target(plus, 1).logp[0] - target(minus, 1).logp[0]) / (2 * h);
      const scale = Math.max(Math.abs(fd), Math.abs(grad[k]), 1e-3);
      worst = Math.max(worst, Math.abs(fd - grad[k]) / scale);
      assert.ok(
        Math.abs(fd - grad[k]) / scale < 1e-4,
        `∂/∂z${k} at z = [${fmt(u)}]: adjoint ${grad[k]}, finite differences ${fd}`,
      );
    }
  }
  console.log(`largest relative difference from central differences: ${worst.toExponential(2)}`);
  // Several rows at once give each row's own value.
  const rows = new Float64Array(points.length * D);
  points.forEach((u, r) => rows.set(u, r * D));
  const batch = target(rows, points.length);
  points.forEach((u, r) => {
    const one = target(Float64Array.from(u), 1);
    assert.ok(Math.abs(batch.logp[r] - one.logp[0]) < 1e-9);
    for (let k = 0; k < D; k++) assert.ok(Math.abs(batch.grad[r * D + k] - one.grad[k]) < 1e-9);
  });
});

Deno.test("app7 unbounded posterior: the Gauss–Newton mode is a maximum, its covariance the inverse curvature", () => {
  const target = unboundedLogPosterior(problem);
  const mode = gaussNewtonMode(problem);
  const { logp, grad } = target(Float64Array.from(mode.z), 1);
  assert.ok(Math.abs(logp[0] - mode.logPosterior) < 1e-9);
  assert.ok(mode.logPosterior > target(new Float64Array(D), 1).logp[0]);
  const norm = Math.hypot(...grad);
  assert.ok(norm < 0.05, `gradient at the mode: |∇| = ${norm}`);
  // Every small step away from the mode lowers the log-posterior.
  const rng = new Rng(2);
  for (let k = 0; k < 20; k++) {
    const moved = Float64Array.from(mode.z, (v) => v + 0.05 * rng.normal());
    assert.ok(target(moved, 1).logp[0] < mode.logPosterior, `step ${k} rose`);
  }
  // Symmetric, positive definite, and its diagonal below the prior's 1 in z (the data inform).
  const c = mode.covariance.data;
  for (let i = 0; i < D; i++) {
    assert.ok(c[i * D + i] > 0 && c[i * D + i] < 1, `variance ${i}: ${c[i * D + i]}`);
    for (let j = 0; j < i; j++) assert.ok(Math.abs(c[i * D + j] - c[j * D + i]) < 1e-9);
  }
});

Deno.test("app7 unbounded posterior: log p(z) = log L(v(z)) − |z|²/2 (a 1-D slice integrates to the velocity-space integral)", () => {
  const target = unboundedLogPosterior(problem);
  const coordinates = samplerCoordinates(problem);
  const base = coordinates.fromVelocity([1.7, 1.65, 1.6, 2.45]);
  for (const node of [0, 3]) {
    // ∫ exp(log p(z)) dz over z_node, trapezoids on [−40, 40].
    const n = 8000, a = -40, b = 40, hz = (b - a) / n;
    const rows = new Float64Array((n + 1) * D);
    for (let i = 0; i <= n; i++) {
      rows.set(base, i * D);
      rows[i * D + node] = a + i * hz;
    }
    const logp = target(rows, n + 1).logp;
    let inZ = 0;
    for (let i = 0; i <= n; i++) inZ += (i === 0 || i === n ? 0.5 : 1) * Math.exp(logp[i]) * hz;
    // ∫ L(v) dv over [low, high] with the other nodes at the same velocities, midpoints.
    const m = 4000, hv = (HIGH - LOW) / m;
    const v0 = coordinates.toVelocity(base);
    const vRows = new Float64Array(m * D);
    for (let i = 0; i < m; i++) {
      vRows.set(v0, i * D);
      vRows[i * D + node] = LOW + (i + 0.5) * hv;
    }
    const logL = problem.logLikelihoodWithGradient(vRows, m).logDensity;
    let inV = 0;
    for (let i = 0; i < m; i++) inV += Math.exp(logL[i]) * hv;
    // dv = (high − low)·φ(z) dz: ∫ L e^(−z²/2) dz = √(2π)/(high − low) · ∫ L dv, times the
    // other nodes' e^(−z²/2).
    let others = Math.sqrt(2 * Math.PI) / (HIGH - LOW);
    for (let k = 0; k < D; k++) if (k !== node) others *= Math.exp(-0.5 * base[k] ** 2);
    const ratio = inZ / (inV * others);
    console.log(`node ${node}: ∫ p(z) dz / (√(2π)/w · ∏ e^(−z²/2) · ∫ L dv) = ${ratio.toFixed(6)}`);
    assert.ok(
      Math.abs(ratio - 1) < 1e-3,
      `node ${node}: ∫ p(z) dz = ${inZ}, the velocity-space integral ${
        inV * others
      } (ratio ${ratio})`,
    );
  }
});

Deno.test("app7 unbounded posterior: with the likelihood switched off, HMC draws each velocity uniformly on the box", () => {
  const flat = new TravelTimeTomography(settings(1e6));
  const draws = 1000;
  const { chains, flat: v, diagnostics } = hmcVelocities(flat, draws, 5);
  const n = v.length / D;
  const rhat = splitRhat(chains), ess = effectiveSampleSize(chains);
  const uniform = (x: number) => (x - LOW) / (HIGH - LOW);
  // If the sampler's density missed the 1/s² of a uniform prior in velocity, the draws would
  // be uniform in slowness instead.
  const uniformSlowness = (x: number) => (1 / LOW - 1 / x) / (1 / LOW - 1 / HIGH);
  const summary = summarize(v, D);
  for (let k = 0; k < D; k++) {
    const xs = Float64Array.from({ length: n }, (_, r) => v[r * D + k]).sort();
    let ks = 0, ksSlowness = 0;
    for (let i = 0; i < n; i++) {
      const x = xs[i];
      assert.ok(x > LOW && x < HIGH, `node ${k}: draw ${x} outside the box`);
      const f = uniform(x), g = uniformSlowness(x);
      ks = Math.max(ks, Math.abs(f - i / n), Math.abs(f - (i + 1) / n));
      ksSlowness = Math.max(ksSlowness, Math.abs(g - i / n), Math.abs(g - (i + 1) / n));
    }
    console.log(
      `prior-only HMC node ${k}: mean ${summary.mean[k].toFixed(3)} (1.75), std ${
        summary.std[k].toFixed(3)
      } (${PRIOR_STD.toFixed(3)}), KS ${ks.toFixed(4)} (vs uniform in slowness ${
        ksSlowness.toFixed(3)
      }), ESS ${ess[k].toFixed(0)}, R̂ ${rhat[k].toFixed(3)}`,
    );
    // 1.95/√ESS is the KS distance's 0.1 % critical value for ESS independent draws.
    assert.ok(ks < 1.95 / Math.sqrt(ess[k]), `node ${k}: KS distance ${ks}, ESS ${ess[k]}`);
    assert.ok(ksSlowness > 0.2, `node ${k}: KS distance to uniform-in-slowness ${ksSlowness}`);
    assert.ok(Math.abs(summary.mean[k] - 1.75) < 0.1 * PRIOR_STD, `node ${k} mean`);
    assert.ok(Math.abs(summary.std[k] / PRIOR_STD - 1) < 0.1, `node ${k} std`);
    assert.ok(rhat[k] < 1.05, `node ${k}: R̂ ${rhat[k]}`);
  }
  assert.equal(diagnostics.divergences.reduce((a, b) => a + b, 0), 0);
});

Deno.test("app7 posterior: HMC in z-space agrees with the brute-force grid posterior", () => {
  const g = grid();
  console.log(`grid (16⁴ midpoints): mean [${fmt(g.mean)}], std [${fmt(g.std)}] km/s`);
  // The grid posterior is not degenerate: a third of the prior's std or so on every node.
  for (const s of g.std) assert.ok(s > 0.15 * PRIOR_STD && s < 0.6 * PRIOR_STD, `grid std ${s}`);
  const t0 = performance.now();
  const { chains, flat, diagnostics } = hmcVelocities(problem, 1000, 1);
  const rhat = splitRhat(chains), ess = effectiveSampleSize(chains);
  const s = summarize(flat, D), c = againstGrid(s);
  console.log(
    `HMC (${((performance.now() - t0) / 1000).toFixed(1)} s, ${diagnostics.densityEvaluations} ` +
      `gradients): mean [${fmt(s.mean)}], std [${fmt(s.std)}] km/s; mean − grid [${
        fmt(c.meanError)
      }] prior std, std / grid [${fmt(c.stdRatio)}], R̂ [${fmt(rhat)}], ESS [${
        Array.from(ess, (e) => e.toFixed(0)).join(", ")
      }]`,
  );
  for (let k = 0; k < D; k++) {
    // Within 0.05 prior std (0.036 km/s, about 4 Monte Carlo standard errors at ESS ≈ 700) and
    // 10 % in std; the 16⁴ grid itself is within 0.006 prior std and 0.3 % of a 28⁴ one.
    assert.ok(Math.abs(c.meanError[k]) < 0.05, `node ${k}: HMC mean off by ${c.meanError[k]}`);
    assert.ok(Math.abs(c.stdRatio[k] - 1) < 0.1, `node ${k}: HMC std ratio ${c.stdRatio[k]}`);
    assert.ok(rhat[k] < 1.05, `node ${k}: R̂ ${rhat[k]}`);
    assert.ok(ess[k] > 200, `node ${k}: ESS ${ess[k]}`);
  }
});

Deno.test("app7 posterior: the variational flow agrees with the grid posterior, and not when fitted to other data", async () => {
  const fitted = async (
    p: TravelTimeTomography,
    start: Partial<VariationalPosteriorOptions> = {},
  ) => {
    const q = new VariationalPosterior({
      dims: D,
      bounds: { low: new Float64Array(D).fill(LOW), high: new Float64Array(D).fill(HIGH) },
      seed: 1,
      ...start,
    });
    try {
      await q.fit((theta, n) => p.logLikelihoodWithGradient(theta, n), {
        steps: 600,
        samplesPerStep: 32,
        learningRate: [0.01, 200, 0.5],
        gradNormThresh: 100,
        seed: 11,
        progress: silentProgress,
      });
      return summarize(await q.sample(4000, { seed: 3 }), D);
    } finally {
      q.dispose();
    }
  };
  // The same comparison: means within 0.06 prior std, stds within −20 % … +10 %. The ELBO's
  // reverse KL makes q narrower, never wider; over seeds 1–3 the flow's mean errors were
  // ≤ 0.03 prior std and its std ratios 0.92–1.005.
  const agrees = (c: ReturnType<typeof againstGrid>) =>
    c.meanError.every((e) => Math.abs(e) < 0.06) &&
    c.stdRatio.every((r) => r > 0.8 && r < 1.1);
  const t0 = performance.now();
  const s = await fitted(problem), c = againstGrid(s);
  console.log(
    `VI (${((performance.now() - t0) / 1000).toFixed(1)} s): mean [${fmt(s.mean)}], std [${
      fmt(s.std)
    }] km/s; mean − grid [${fmt(c.meanError)}] prior std, std / grid [${fmt(c.stdRatio)}]`,
  );
  assert.ok(agrees(c), `the variational flow disagrees with the grid posterior`);

  // Started at the Laplace approximation of the Gauss–Newton mode, in the normal map's
  // coordinates with its full covariance: the same agreement.
  const mode = gaussNewtonMode(problem);
  const fromMode = againstGrid(
    await fitted(problem, {
      boxMap: "normal",
      fullRank: true,
      initialMean: mode.velocity,
      initialCovariance: mode.covariance.data,
    }),
  );
  console.log(
    `VI from the Gauss–Newton mode (${mode.iterations} steps): mean − grid [${
      fmt(fromMode.meanError)
    }] prior std, std / grid [${fmt(fromMode.stdRatio)}]`,
  );
  assert.ok(agrees(fromMode), `the flow started at the mode disagrees with the grid posterior`);

  // Another noise draw of the same true model's travel times: a plausible observation, but not
  // this one.
  const other = new TravelTimeTomography(settings(0.1, 4));
  const wrong = againstGrid(await fitted(other));
  console.log(
    `VI on other data: mean − grid [${fmt(wrong.meanError)}] prior std, std / grid [${
      fmt(wrong.stdRatio)
    }]`,
  );
  assert.ok(!agrees(wrong), "a flow fitted to other data passes the comparison");
});
