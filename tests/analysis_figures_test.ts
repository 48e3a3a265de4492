import assert from "node:assert/strict";
import {
  chiMean,
  chiPdf,
  normHistogramChart,
  pca,
  pcaProject,
  pcaScatterChart,
  rocChart,
  rocCurve,
  rowNorms,
  sampleBaseGaussian,
} from "../lib/analysis/mod.ts";
import { renderSvg, scatterPlot, type VegaLiteSpec } from "../lib/plot/mod.ts";

type Layer = { data: { values: Record<string, number | string>[] }; mark: { type: string } };
const layersOf = (spec: VegaLiteSpec) => spec.layer as Layer[];

Deno.test("rocChart: one line per score with its AUROC in the legend, plus the chance diagonal", async () => {
  const roc = rocCurve([5, 4, 3, 2, 1, 0], [1, 1, 0, 1, 0, 0]);
  const spec = rocChart([{ name: "NLL", roc }, { name: "‖z‖ typicality", roc }]);
  const rows = (spec.data as { values: { x: number; y: number; series: string }[] }).values;
  const nll = rows.filter((r) => r.series === "NLL (AUROC 0.889)");
  assert.deepEqual(nll.map((r) => [r.x, r.y]), Array.from(roc.fpr, (x, i) => [x, roc.tpr[i]]));
  assert.ok(rows.some((r) => r.series === "chance"));
  assert.match(JSON.stringify(spec.title), /3 anomalies, 3 normal examples/);
  const svg = await renderSvg(spec);
  assert.match(svg, /AUROC 0\.889/);
  assert.throws(() => rocChart([]), /at least one curve/);
});

Deno.test("normHistogramChart: density bars of unit area and the chi(D) curve over them", async () => {
  const d = 784, n = 2000;
  const norms = rowNorms(sampleBaseGaussian(n, d, { seed: 1 }), n, d);
  const spec = normHistogramChart(norms, d);
  const [bars, curve] = layersOf(spec);
  let area = 0;
  for (const b of bars.data.values) area += (b.y as number) * ((b.x1 as number) - (b.x0 as number));
  assert.ok(Math.abs(area - 1) < 1e-9, `bar area ${area}`);
  for (const p of curve.data.values) {
    assert.ok(Math.abs((p.y as number) - chiPdf(p.x as number, d)) < 1e-12);
  }
  // The curve spans the χ(784) bulk (mean ≈ 28, sd ≈ 0.71) and peaks near the mean.
  const xs = curve.data.values.map((p) => p.x as number);
  assert.ok(xs[0] <= chiMean(d) - 3 && xs[xs.length - 1] >= chiMean(d) + 3);
  const peak = curve.data.values.reduce((a, b) => ((b.y as number) > (a.y as number) ? b : a));
  assert.ok(Math.abs((peak.x as number) - chiMean(d)) < 0.1);
  assert.match(JSON.stringify(spec), /χ\(784\) density/);
  // Norms far from the shell widen the x range rather than being dropped.
  const shifted = normHistogramChart([10, 11, 12], d);
  const sx = layersOf(shifted)[1].data.values.map((p) => p.x as number);
  assert.ok(sx[0] <= 10);
  await renderSvg(spec);
});

Deno.test("pcaScatterChart: sets projected on PC1/PC2, numbered rings on chosen rows, two highlight colours", async () => {
  const d = 20;
  const train = sampleBaseGaussian(300, d, { seed: 2 });
  for (let r = 0; r < 300; r++) train[r * d] *= 3; // a dominant first axis
  const sim = sampleBaseGaussian(50, d, { seed: 3 });
  const fit = pca(train, 300, d, { nComponents: 2 });
  const spec = pcaScatterChart(fit, [
    { name: "training", points: train, highlight: [4, 9], labels: ["1", "2"] },
    {
      name: "simulated",
      points: sim,
      highlight: [0],
      labels: ["7"],
      highlightName: "closest to mean",
      highlightColor: "#2ca02c",
    },
  ]);
  const layers = layersOf(spec);
  const rings = layers.filter((l) => l.mark.type === "point");
  assert.equal(rings.length, 2);
  const c = pcaProject(fit, train);
  assert.deepEqual(
    rings[0].data.values.map((v) => [v.x, v.y]),
    [[c[8], c[9]], [c[18], c[19]]],
  );
  const enc = (layers[0] as unknown as {
    encoding: { color: { scale: { domain: string[]; range: string[] } } };
  })
    .encoding.color.scale;
  assert.deepEqual(enc.domain, ["training", "simulated", "training: marked", "closest to mean"]);
  assert.equal(enc.range[3], "#2ca02c");
  const enc2 = spec.encoding as { x: { title: string } };
  assert.match(enc2.x.title, /^PC 1 \(\d+\.\d % of variance\)$/);
  const svg = await renderSvg(spec);
  assert.match(svg, />7</);
  assert.throws(
    () => pcaScatterChart(fit, [{ name: "t", points: train, highlight: [300] }]),
    /set "t" has no row 300 \(it has 300\)/,
  );
  assert.throws(
    () => pcaScatterChart(pca(train, 300, d, { nComponents: 1 }), []),
    /≥ 2 components, got 1/,
  );
});

Deno.test("scatterPlot still takes a single highlight object (backward compatible)", () => {
  const spec = scatterPlot({
    layers: [{ name: "a", points: [[0, 0], [1, 1]] }],
    highlight: { points: [[1, 1]], labels: ["x"] },
  });
  const text = layersOf(spec).find((l) => l.mark.type === "text")!;
  assert.equal(text.data.values[0].label, "x");
  assert.equal((text.mark as unknown as { color: string }).color, "#d62728");
});
