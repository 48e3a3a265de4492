/**
 * The posterior metrics of the inverse-problem apps: standardization,
 * moments along parameters and principal axes, the full comparison with a
 * reference (C2ST, MMD², re-simulation), simulation-based calibration of a
 * calibrated and of an over-confident sampler, and the corner plot.
 */
import assert from "node:assert/strict";
import { fromRows } from "../lib/linalg/matrix.ts";
import { MultivariateNormal } from "../lib/inference/gaussian.ts";
import { barChart, cornerPlot, PlotError, renderSvg } from "../lib/plot/mod.ts";
import { LinearIllConditioned } from "../lib/problems/linear_ill_conditioned.ts";
import { Standardizer } from "../lib/problems/standardizer.ts";
import {
  calibratePosterior,
  compareMoments,
  comparePosterior,
} from "../lib/problems/posterior_metrics.ts";
import { summarizeComparisons } from "../apps/inverse/inn_run.ts";
import { parseModelList } from "../apps/inverse/inn_app.ts";
import { initBackend } from "../lib/kernels/backend.ts";

await initBackend("wasm");

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

Deno.test("Standardizer: fit, apply and invert round-trip", () => {
  const rows = [1, 10, 3, 10, 5, 10];
  const s = Standardizer.fit(rows, 2);
  assert.deepEqual(Array.from(s.mean), [3, 10]);
  assert.deepEqual(Array.from(s.std), [2, 1], "sample std; a constant column gets 1");
  assert.deepEqual(Array.from(s.apply(rows)), [-1, 0, 0, 0, 1, 0]);
  assert.deepEqual(Array.from(s.invert(s.apply(rows))), rows);
  assert.throws(() => s.apply([1, 2, 3]), /rows of 2 values/);
  assert.throws(() => new Standardizer([0], [0]), /positive stds/);
});

Deno.test("compareMoments: per-parameter and principal-axis errors of a shifted, widened Gaussian", () => {
  const cov = fromRows([[1, 0.9], [0.9, 1]]);
  const ref = new MultivariateNormal([0, 0], cov);
  const exact = compareMoments(ref.sample(40000, { seed: 1 }), [0, 0], cov);
  exact.sigmaRatio.forEach((r) => close(r, 1, 0.02, "σ ratio of exact samples"));
  exact.meanErrorSigma.forEach((e) => close(e, 0, 0.02, "mean error of exact samples"));
  close(exact.principalSigma[0], Math.sqrt(1.9), 1e-12, "wide axis");
  close(exact.principalSigma[1], Math.sqrt(0.1), 1e-12, "thin axis");
  // Widen the thin axis (1, −1)/√2 by 2 and shift along it by one of its stds.
  const thin = Math.sqrt(0.1);
  const wrongCov = fromRows([[0.95 + 0.2, 0.95 - 0.2], [0.95 - 0.2, 0.95 + 0.2]]);
  const shift = [thin / Math.SQRT2, -thin / Math.SQRT2];
  const wrong = new MultivariateNormal(shift, wrongCov).sample(40000, { seed: 2 });
  const c = compareMoments(wrong, [0, 0], cov);
  close(c.principalSigmaRatio[0], 1, 0.02, "wide axis ratio");
  close(c.principalSigmaRatio[1], 2, 0.04, "thin axis ratio");
  close(c.principalMeanError[1], 1, 0.05, "thin-axis mean error in its σ");
  close(c.mahalanobis, 1, 0.05, "Mahalanobis distance of the mean error");
  close(c.meanErrorSigma[0], thin / Math.SQRT2, 0.03, "marginal mean error of x1");
});

Deno.test("comparePosterior: the exact posterior is indistinguishable from itself; a wrong one is not", async () => {
  const p = new LinearIllConditioned();
  const y = p.forward([0.3, -0.4, 0.2]);
  const ref = p.referencePosterior(y, 1000, 1);
  const same = p.referencePosterior(y, 1000, 2).samples;
  const good = await comparePosterior(p, same, y, ref, {
    seed: 1,
    c2stPoints: 500,
    c2stEpochs: 20,
  });
  assert.ok(good.c2st! < 0.6, `C2ST of exact vs exact ${good.c2st}`);
  assert.ok(good.mmd2 < 0.01, `MMD² ${good.mmd2}`);
  // The prior instead of the posterior: far too wide across the ridge.
  const prior = new MultivariateNormal([0, 0, 0], fromRows([[1, 0, 0], [0, 1, 0], [0, 0, 1]]));
  const bad = await comparePosterior(p, prior.sample(1000, { seed: 3 }), y, ref, {
    seed: 1,
    c2stPoints: 500,
    c2stEpochs: 20,
  });
  assert.ok(bad.c2st! > 0.8, `C2ST of prior vs posterior ${bad.c2st}`);
  assert.ok(bad.principalSigmaRatio[2] > 10, `thin-axis ratio ${bad.principalSigmaRatio}`);
  assert.ok(bad.resimulationError > 3 * good.resimulationError);
  const none = await comparePosterior(p, same, y, ref, { seed: 1, c2stPoints: 0 });
  assert.equal(none.c2st, null);

  const summary = summarizeComparisons([good, good]);
  assert.equal(summary.per_observation.length, 2);
  assert.equal(summary.targets.c2st, true);
  assert.equal(summarizeComparisons([bad]).targets.all, false);
});

Deno.test("calibratePosterior: the exact posterior is calibrated, an over-confident one is not", async () => {
  const p = new LinearIllConditioned();
  const exact = await calibratePosterior(
    p,
    (y, n, seed) => p.referencePosterior(y, n, seed).samples,
    { replications: 200, seed: 4 },
  );
  assert.equal(exact.sbcPValues.length, 3);
  assert.ok(Math.min(...exact.sbcPValues) > 0.001, `p-values ${exact.sbcPValues}`);
  close(exact.coverage90, 0.9, 0.05, "90 % coverage");
  close(exact.coverage50, 0.5, 0.07, "50 % coverage");
  // Shrink every sample towards the posterior mean by a factor 3.
  const narrow = await calibratePosterior(p, (y, n, seed) => {
    const post = p.gaussian.posterior(y);
    return post.sample(n, { seed }).map((v, i) => post.mean[i % 3] + (v - post.mean[i % 3]) / 3);
  }, { replications: 200, seed: 4 });
  assert.ok(Math.max(...narrow.sbcPValues) < 1e-6, `p-values ${narrow.sbcPValues}`);
  assert.ok(narrow.coverage90 < 0.6, `90 % coverage ${narrow.coverage90}`);
});

Deno.test("parseModelList: canonical order, unknown names rejected", () => {
  assert.deepEqual(parseModelList("cinn,mmd"), ["mmd", "cinn"]);
  assert.deepEqual(parseModelList("mmd,ml,cinn"), ["mmd", "ml", "cinn"]);
  assert.throws(() => parseModelList("mmd,nf"), /Unknown posterior model "nf"/);
  assert.throws(() => parseModelList(""), /No posterior model/);
});

Deno.test("cornerPlot: a grid of dims × dims panels with a shared legend; bad input rejected", async () => {
  const a = new MultivariateNormal([0, 0, 0], fromRows([[1, 0.8, 0], [0.8, 1, 0], [0, 0, 1]]))
    .sample(500, { seed: 1 });
  const b = a.map((v) => v + 0.3);
  const spec = cornerPlot({
    sets: [{ name: "reference", points: a }, { name: "model", points: b }],
    dims: 3,
    labels: ["a1", "a2", "a3"],
    truth: [0, 0, 0],
    title: "corner",
  });
  const cells = spec.concat as Record<string, unknown>[];
  assert.equal(cells.length, 9);
  assert.equal(spec.columns, 3);
  const svg = await renderSvg(spec);
  for (const text of ["a1", "a2", "a3", "reference", "model", "truth", "corner"]) {
    assert.ok(svg.includes(text), `${text} in the SVG`);
  }
  // Scatter markers carry fill-opacity, never the (slow to rasterise) SVG opacity.
  const circles = [...svg.matchAll(/<path[^>]*aria-roledescription="circle"[^>]*>/g)].map((m) =>
    m[0]
  );
  assert.ok(circles.length >= 3 * 2 * 500, `${circles.length} scatter markers`);
  assert.ok(circles.every((c) => /fill-opacity="0\.35"/.test(c)), "fill-opacity on every marker");
  assert.ok(circles.every((c) => !/ opacity=/.test(c)), "no opacity attribute on markers");
  const faint = cornerPlot({ sets: [{ name: "x", points: a, opacity: 0.1 }], dims: 3 });
  assert.match(await renderSvg(faint), /aria-roledescription="circle"[^>]*fill-opacity="0\.1"/);
  assert.throws(() => cornerPlot({ sets: [], dims: 2 }), PlotError);
  assert.throws(
    () => cornerPlot({ sets: [{ name: "x", points: [1, 2, 3] }], dims: 2 }),
    /multiple/,
  );
  assert.throws(
    () => cornerPlot({ sets: [{ name: "x", points: [1, 2] }], dims: 2, truth: [0] }),
    /truth has 1/,
  );
  // One dimension: just the histogram.
  assert.equal(
    (cornerPlot({ sets: [{ name: "x", points: [1, 2, 3] }], dims: 1 }).concat as [])
      .length,
    1,
  );
});

Deno.test("barChart on a log axis: the tallest bar ends below the frame, under a labelled decade", async () => {
  for (const values of [[0.0031, 0.02, 0.8], [0.0052, 0.0199, 0.0335], [3, 40, 99]]) {
    const spec = barChart({
      bars: values.map((value, i) => ({ group: "g", name: `m${i}`, value })),
      logY: true,
      height: 200,
    });
    const svg = await renderSvg(spec);
    const tops = values.map((v) => {
      const m = svg.match(
        new RegExp(`aria-label="[^"]*value: ${v};[^"]*"[^>]* d="M[-\\d.]+,([-\\d.]+)h`),
      );
      assert.ok(m, `bar ${v} in the SVG`);
      return Number(m[1]);
    });
    const tallest = tops[values.length - 1];
    assert.ok(tallest > 2, `tallest bar of [${values}] starts ${tallest}px below the top`);
    assert.ok(tops[0] > tops[1] && tops[1] > tallest, "bars ordered by height");
    const decade = 10 ** Math.ceil(Math.log10(1.25 * Math.max(...values)));
    const scale = (spec.encoding as { y: { scale: Record<string, number> } }).y.scale;
    assert.equal(scale.domainMax, decade);
    assert.ok(decade >= 1.25 * Math.max(...values));
  }
});
