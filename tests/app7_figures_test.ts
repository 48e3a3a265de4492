/**
 * Application 7's figures (apps/app7/figures.ts) and the field map they are
 * built on (lib/plot/field_map.ts): each figure is built from small synthetic
 * inputs and rendered to SVG, and the panels and marks in the SVG are counted
 * against the methods, nodes and series given; one figure goes on to PNG.
 */
import assert from "node:assert/strict";
import {
  boundedKde,
  chooseMarginalNodes,
  dataFitFigure,
  historyFigure,
  marginalsFigure,
  posteriorMapsFigure,
  velocityMapFigure,
} from "../apps/app7/figures.ts";
import { fieldMap, renderPlot, renderSvg, type VegaLiteSpec } from "../lib/plot/mod.ts";
import type { RayPath } from "../lib/problems/ray_paths.ts";

const GRID = { nx: 21, ny: 21, spacing: 0.5, x0: -5, y0: -5 };
const N = GRID.nx * GRID.ny;
const STATIONS = Array.from({ length: 16 }, (_, k) => {
  const a = 2 * Math.PI * k / 16;
  return [4 * Math.cos(a), 4 * Math.sin(a)] as [number, number];
});

/** The true model: 2 km/s, 1 km/s within 2 km of the origin. */
const TRUE_V = Float64Array.from({ length: N }, (_, k) => {
  const i = k % GRID.nx, j = (k - i) / GRID.nx;
  return Math.hypot(-5 + 0.5 * i, -5 + 0.5 * j) <= 2 ? 1 : 2;
});

/** How many elements of an SVG carry a class matching `pattern`. */
const count = (svg: string, pattern: string) =>
  (svg.match(new RegExp(`class="${pattern}"`, "g")) ?? []).length;

/** The colour scale of each panel of a concat of field maps (first layer). */
const colorScales = (spec: VegaLiteSpec) =>
  (spec.concat as { layer: { encoding: { color: { scale: { domain: number[] } } } }[] }[])
    .map((p) => p.layer[0].encoding.color.scale.domain);

Deno.test("fieldMap: square cells over the nodes, a clamped fixed domain, simplified polylines", async () => {
  const grid = { nx: 4, ny: 2, spacing: 1, x0: 0, y0: 0 };
  const straight = Float64Array.from({ length: 202 }, (_, k) => (k % 2 ? 1 : 3 * (k >> 1) / 100));
  const spec = fieldMap({
    grid,
    values: [0, 1, 2, 3, 4, 5, 6, NaN],
    domain: [1, 5],
    lines: { paths: [straight] },
    markers: { points: [[0, 0], [3, 1]] },
    height: 100,
  });
  assert.equal(spec.width, 200); // 4 × 2 nodes, square cells
  const [cells, lines, markers] = spec.layer as {
    data: { values: Record<string, number>[] };
    encoding: Record<string, Record<string, unknown>>;
  }[];
  assert.equal(cells.data.values.length, 7); // the NaN node is left blank
  assert.deepEqual(cells.encoding.x.scale, { domain: [-0.5, 3.5], nice: false, zero: false });
  assert.deepEqual(cells.encoding.color.scale, { scheme: "viridis", domain: [1, 5], clamp: true });
  assert.equal(lines.data.values.length, 2); // 101 collinear points: the two ends remain
  assert.equal(markers.data.values.length, 2);
  const svg = await renderSvg(spec);
  assert.equal(count(svg, 'mark-rect role-mark[^"]*'), 1);
  assert.equal(count(svg, 'mark-line role-mark[^"]*'), 1);
  assert.throws(() => fieldMap({ grid, values: [1, 2] }), /expected 8 values/);
});

Deno.test("velocityMapFigure: the map, one line per ray, a triangle per station; failed rays counted", async () => {
  const rays: RayPath[] = [
    { datum: 0, source: 0, receiver: 4, points: Float64Array.of(4, 0, 2, 2.5, 0, 4), traced: true },
    {
      datum: 1,
      source: 0,
      receiver: 8,
      points: Float64Array.of(4, 0, 0, 2.4, -4, 0),
      traced: true,
    },
    { datum: 2, source: 4, receiver: 8, points: Float64Array.of(0, 4, -4, 0), traced: false },
  ];
  const spec = velocityMapFigure(GRID, TRUE_V, {
    title: "True velocity model",
    stations: STATIONS,
    rays,
    domain: [0.5, 3],
  });
  assert.match(
    JSON.stringify(spec.title),
    /3 ray paths \(1 not traced, drawn straight\), 16 stations/,
  );
  const svg = await renderSvg(spec);
  assert.equal(count(svg, 'mark-line role-mark[^"]*'), 3);
  assert.equal(count(svg, 'mark-symbol role-mark[^"]*'), 1);
  assert.equal((svg.match(/<path transform="translate/g) ?? []).length >= 16, true);
  assert.match(svg, /velocity \(km\/s\)/);
  assert.match(svg, /x \(km\)/);
  // Without rays or stations: the map alone.
  const bare = await renderSvg(velocityMapFigure(GRID, TRUE_V, { title: "v", domain: [1, 2] }));
  assert.equal(count(bare, 'mark-line role-mark[^"]*'), 0);
});

Deno.test("posteriorMapsFigure: 3 methods give 6 maps, one colour scale (and bar) per row", async () => {
  const methods = ["MCMC", "flow", "cINN"].map((label, m) => ({
    label,
    mean: TRUE_V.map((v) => v + 0.1 * m),
    std: TRUE_V.map((v) => 0.1 * v + 0.05 * m),
  }));
  const spec = posteriorMapsFigure(GRID, methods, {
    meanDomain: [0.5, 3],
    stdDomain: [0, 0.5],
    stations: STATIONS,
  });
  assert.equal((spec.concat as unknown[]).length, 6);
  assert.equal(spec.columns, 3);
  assert.deepEqual(colorScales(spec), [
    [0.5, 3],
    [0.5, 3],
    [0.5, 3],
    [0, 0.5],
    [0, 0.5],
    [0, 0.5],
  ]);
  const svg = await renderSvg(spec);
  assert.equal(count(svg, 'mark-rect role-mark[^"]*'), 6);
  assert.equal(count(svg, "mark-rect role-legend-gradient"), 2);
  for (const t of ["MCMC: mean", "cINN: std", "mean (km/s)", "std (km/s)", "y (km)"]) {
    assert.ok(svg.includes(t), t);
  }
  // Default domains: the means' range and 0 to the largest std.
  const auto = posteriorMapsFigure(GRID, methods.slice(0, 1));
  assert.deepEqual(colorScales(auto), [[1, 2], [0, 0.2]]);
  assert.throws(() => posteriorMapsFigure(GRID, []), /at least one method/);
});

Deno.test("chooseMarginalNodes: disc centre, disc edge, a corner outside the station circle", () => {
  const nodes = chooseMarginalNodes(GRID, { discCenter: [0, 0], discRadius: 2, stationRadius: 4 });
  assert.deepEqual(nodes.map((n) => [n.index, n.x, n.y]), [[220, 0, 0], [224, 2, 0], [
    418,
    4.5,
    4.5,
  ]]);
  assert.deepEqual(nodes.map((n) => n.label), [
    "disc centre",
    "disc edge",
    "no ray coverage (corner)",
  ]);
  assert.ok(Math.hypot(nodes[2].x, nodes[2].y) > 4);
  // Stations close to the corner: the corner node itself.
  const tight = chooseMarginalNodes(GRID, { discCenter: [0, 0], discRadius: 2, stationRadius: 6 });
  assert.deepEqual([tight[2].x, tight[2].y], [5, 5]);
});

Deno.test("boundedKde: reflected at the bounds, a uniform sample stays flat to the edges", () => {
  const u = Array.from({ length: 4000 }, (_, i) => 0.5 + 2.5 * (i + 0.5) / 4000);
  const { x, y } = boundedKde(u, 0.5, 3, 101);
  assert.equal(x[0], 0.5), assert.equal(x[100], 3);
  for (const d of y) assert.ok(Math.abs(d - 0.4) < 0.03, `density ${d}`);
  const area = y.reduce((a, b) => a + b, 0) * 0.025 - (y[0] + y[100]) * 0.0125;
  assert.ok(Math.abs(area - 1) < 0.01, `area ${area}`);
  assert.deepEqual(boundedKde([NaN], 0, 1, 3).y, [0, 0, 0]);
});

Deno.test("marginalsFigure: a panel per node, a line per method, the true value as a rule", async () => {
  const nodes = chooseMarginalNodes(GRID, { discCenter: [0, 0], discRadius: 2, stationRadius: 4 });
  const rows = 300;
  const methods = ["MCMC", "flow"].map((label, m) => {
    const samples = new Float32Array(rows * N);
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < N; k++) samples[r * N + k] = TRUE_V[k] + 0.2 * Math.sin(r * 1.7 + k + m);
    }
    return { label, samples };
  });
  const spec = marginalsFigure(nodes, methods, { low: 0.5, high: 3, trueValues: TRUE_V });
  assert.equal((spec.concat as unknown[]).length, 3);
  const svg = await renderSvg(spec);
  assert.equal(count(svg, 'mark-line role-mark[^"]*'), 3 * 2);
  assert.equal(count(svg, 'mark-rule role-mark[^"]*'), 3);
  assert.equal(count(svg, "mark-symbol role-legend-symbol"), 2); // one legend, two methods
  assert.match(svg, /disc centre/);
  // The mode of the centre's marginal sits near the true 1 km/s.
  const panel = (spec.concat as { layer: { data: { values: Record<string, number>[] } }[] }[])[0];
  const mcmc = panel.layer[0].data.values.filter((r) => (r.method as unknown) === "MCMC");
  const mode = mcmc.reduce((a, b) => (b.y > a.y ? b : a));
  assert.ok(Math.abs(mode.x - 1) < 0.25, `mode ${mode.x}`);
  // No truth: no rules, `dims` given instead.
  const noTruth = await renderSvg(marginalsFigure(nodes, methods, { low: 0.5, high: 3, dims: N }));
  assert.equal(count(noTruth, 'mark-rule role-mark[^"]*'), 0);
  assert.throws(() => marginalsFigure(nodes, methods, { low: 0.5, high: 3 }), /needs `dims`/);
  assert.throws(
    () =>
      marginalsFigure(nodes, [{ label: "x", samples: [1, 2, 3] }], { low: 0, high: 1, dims: 2 }),
    /not a multiple of 2/,
  );
});

Deno.test("dataFitFigure: predicted against observed and residuals / σ, RMS per method in the legend", async () => {
  const observed = Float64Array.from({ length: 120 }, (_, k) => 1 + k / 40);
  const sigma = 0.05;
  const spec = dataFitFigure(observed, [
    { label: "MCMC", times: observed.map((t, k) => t + (k % 2 ? sigma : -sigma)) },
    { label: "flow", times: observed.map((t) => t + 2 * sigma) },
  ], sigma);
  assert.equal((spec.concat as unknown[]).length, 2);
  const svg = await renderSvg(spec);
  assert.match(svg, /MCMC \(RMS 1\.00 σ\)/);
  assert.match(svg, /flow \(RMS 2\.00 σ\)/);
  assert.match(svg, /Fit to the 120 travel times/);
  assert.equal(count(svg, 'mark-symbol role-mark[^"]*'), 2);
  assert.equal(count(svg, "mark-symbol role-legend-symbol"), 2);
  assert.throws(() => dataFitFigure(observed, [{ label: "x", times: [1] }], sigma), /has 1 times/);
  assert.throws(() => dataFitFigure(observed, [], 0), /sigma must be > 0/);
});

Deno.test("historyFigure: one panel per quantity, series overlaid, the first steps clipped", async () => {
  const step = Array.from({ length: 200 }, (_, i) => 10 * i);
  const spec = historyFigure([
    { label: "flow", step, value: step.map((s) => -100 - 1e5 * Math.exp(-s / 50)), yTitle: "ELBO" },
    { label: "cINN", step, value: step.map((s) => 1 + Math.exp(-s / 500)), yTitle: "loss" },
    { label: "INN", step, value: step.map((s) => 1.2 + Math.exp(-s / 500)), yTitle: "loss" },
  ]);
  const panels = spec.concat as { encoding: { y: { scale: { domain?: number[] } } } }[];
  assert.equal(panels.length, 2);
  const [elbo, loss] = panels.map((p) => p.encoding.y.scale.domain);
  assert.ok(elbo && elbo[0] > -1000 && elbo[1] < 0, `ELBO axis ${elbo}`); // −10⁵ clipped
  assert.equal(loss, undefined); // smooth losses: nothing to clip
  const svg = await renderSvg(spec);
  assert.equal(count(svg, 'mark-line role-mark[^"]*'), 3);
  assert.match(svg, /early values clipped/);
  assert.throws(() => historyFigure([]), /at least one series/);
});

Deno.test("posteriorMapsFigure renders to PNG", async () => {
  const methods = ["MCMC", "flow"].map((label) => ({
    label,
    mean: TRUE_V,
    std: TRUE_V.map(() => 0.1),
  }));
  const { png, width, height } = await renderPlot(
    posteriorMapsFigure(GRID, methods, { meanDomain: [0.5, 3], stdDomain: [0, 0.5] }),
    { scale: 1 },
  );
  assert.deepEqual(Array.from(png.subarray(1, 4)), [80, 78, 71]); // "PNG"
  assert.ok(width > 2 * 210 && height > 2 * 210, `${width} × ${height}`);
});
