import assert from "node:assert/strict";
import { join } from "node:path";
import {
  binValues,
  concatPlots,
  heatmap,
  histogram,
  JUPYTER_DISPLAY,
  linePlot,
  loadSharp,
  PlotError,
  renderSvg,
  savePlot,
  saveSvg,
  scatterPlot,
  showPlot,
  subsample,
  svgToPng,
} from "../lib/plot/mod.ts";
import { writeFileAtomic } from "../lib/core/atomic.ts";

/** Deterministic N(0, 1) samples (Box–Muller on a Lehmer generator). */
function gaussian(seed: number): () => number {
  let s = seed;
  const u = () => (s = (s * 16807) % 2147483647) / 2147483647;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

function cloud(n: number, seed = 1): number[][] {
  const g = gaussian(seed);
  return Array.from({ length: n }, () => [g(), g()]);
}

/** Width, height and per-channel pixel variance of a PNG. */
async function pngStats(png: Uint8Array) {
  const sharp = await loadSharp();
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let sum = 0, sq = 0;
  for (const v of data as Uint8Array) {
    sum += v;
    sq += v * v;
  }
  const mean = sum / data.length;
  return { width: info.width, height: info.height, variance: sq / data.length - mean * mean };
}

const lowDensitySpec = () => {
  const pts = cloud(2000);
  const far = [...pts].sort((a, b) => Math.hypot(b[0], b[1]) - Math.hypot(a[0], a[1])).slice(0, 5);
  return scatterPlot({
    layers: [{ name: "samples", points: pts }],
    title: "Lowest-density samples",
    xLabel: "z₁",
    yLabel: "z₂",
    highlight: { points: far },
    circles: [1, 2, 3],
    equalAxes: true,
  });
};

Deno.test("savePlot writes a non-blank PNG of the expected size and an SVG beside it, atomically", async () => {
  const dir = await Deno.makeTempDir({ prefix: "plot_test_" });
  try {
    const path = join(dir, "nested", "deeper", "scatter.png");
    const saved = await savePlot(lowDensitySpec(), path, { scale: 2 });
    assert.equal(saved.png, path);
    assert.equal(saved.svg, join(dir, "nested", "deeper", "scatter.svg"));
    const png = await Deno.readFile(path);
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], "PNG signature");
    const stats = await pngStats(png);
    assert.equal(stats.width, saved.width);
    assert.equal(stats.height, saved.height);
    // 420×420 plot area plus axes, title and legend, at scale 2.
    assert.ok(stats.width >= 840 && stats.width <= 1600, `width ${stats.width}`);
    assert.ok(stats.height >= 840 && stats.height <= 1300, `height ${stats.height}`);
    assert.ok(stats.variance > 100, `pixel variance ${stats.variance}`);
    const svg = await Deno.readTextFile(saved.svg!);
    assert.match(svg, /^<svg/);
    assert.ok(svg.includes(">Lowest-density samples</text>"), "title in SVG");
    for (const label of ["1", "2", "3", "4", "5"]) {
      assert.ok(svg.includes(`>${label}</text>`), `highlight label ${label} in SVG`);
    }
    const names = [...Deno.readDirSync(join(dir, "nested", "deeper"))].map((e) => e.name).sort();
    assert.deepEqual(names, ["scatter.png", "scatter.svg"], "no temp file left behind");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Horizontal extent in pixels of the dark ink in a PNG (0 when none). */
async function inkWidth(png: Uint8Array): Promise<number> {
  const sharp = await loadSharp();
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < data.length; i += info.channels) {
    if (data[i] < 128) {
      const x = (i / info.channels) % info.width;
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
  }
  return hi >= lo ? hi - lo + 1 : 0;
}

Deno.test("text is rasterised with a real font (Debian: fonts-dejavu-core)", async () => {
  // Without any font, librsvg/pango draws same-size "tofu" boxes for every
  // glyph, so narrow and wide letters come out the same width.
  const svgOf = (s: string) =>
    `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="60">` +
    `<rect width="400" height="60" fill="white"/>` +
    `<text x="10" y="40" font-family="DejaVu Sans, sans-serif" font-size="28">${s}</text></svg>`;
  const narrow = await inkWidth(await svgToPng(svgOf("iiiiii"), { scale: 1 }));
  const wide = await inkWidth(await svgToPng(svgOf("WWWWWW"), { scale: 1 }));
  assert.equal(await inkWidth(await svgToPng(svgOf(""), { scale: 1 })), 0);
  assert.ok(narrow > 0, "no text drawn");
  assert.ok(
    wide > 2.5 * narrow,
    `"WWWWWW" is ${wide}px wide, "iiiiii" ${narrow}px: glyphs look like placeholder boxes, ` +
      `so fontconfig finds no font (install the Debian package fonts-dejavu-core)`,
  );
});

Deno.test("a bad spec gives a clear PlotError and leaves no file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "plot_test_" });
  try {
    const out = join(dir, "sub", "bad.png");
    await assert.rejects(
      savePlot({ mark: "nonsense", data: { values: [] } }, out),
      (e) => e instanceof PlotError && /unknown mark type "nonsense"/.test(e.message),
    );
    await assert.rejects(
      savePlot({ title: "T", foo: 1 }, out),
      (e) => e instanceof PlotError && /none of "mark", "layer"/.test(e.message),
    );
    await assert.rejects(
      savePlot({
        title: "Broken transform",
        data: { values: [{ a: 1 }] },
        transform: [{ calculate: "foo(", as: "b" }],
        mark: "point",
      }, out),
      (e) => e instanceof PlotError && /could not render .*"Broken transform"/.test(e.message),
    );
    await assert.rejects(savePlot(lowDensitySpec(), join(dir, "x.jpg")), PlotError);
    assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing written");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileAtomic removes its temp file when the rename fails", async () => {
  const dir = await Deno.makeTempDir({ prefix: "plot_test_" });
  try {
    await Deno.mkdir(join(dir, "target"));
    await Deno.writeTextFile(join(dir, "target", "keep"), "x");
    await assert.rejects(writeFileAtomic(join(dir, "target"), "data"));
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["target"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("saveSvg writes an SVG without needing sharp", async () => {
  const dir = await Deno.makeTempDir({ prefix: "plot_test_" });
  try {
    const spec = linePlot({
      series: [{ name: "train", x: [1, 2, 3], y: [3, 2, 1.5] }],
      title: "History",
    });
    const saved = await saveSvg(spec, join(dir, "h.svg"));
    const svg = await Deno.readTextFile(saved.svg!);
    assert.ok(svg.includes(">History</text>"));
    assert.ok(saved.width > 480 && saved.height > 420);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("large scatter layers are subsampled deterministically and say so", async () => {
  const pts = cloud(30000, 5);
  const spec = scatterPlot({ layers: [{ name: "big", points: pts }], title: "Big" });
  const layer = (spec.layer as { data: { values: unknown[] } }[])[0];
  assert.equal(layer.data.values.length, 20000);
  assert.deepEqual(spec, scatterPlot({ layers: [{ name: "big", points: pts }], title: "Big" }));
  assert.match(JSON.stringify(spec.title), /20000 of 30000 points shown/);
  assert.deepEqual(subsample([0, 1, 2, 3, 4, 5], 3), [0, 2, 4]);
  const t0 = performance.now();
  const svg = await renderSvg(scatterPlot({ layers: [{ name: "z", points: cloud(10000) }] }));
  await svgToPng(svg, { scale: 2 });
  const ms = performance.now() - t0;
  assert.ok(ms < 15000, `10 000 points took ${ms.toFixed(0)} ms`);
});

Deno.test("heatmap, line plot, histogram and concat render with their titles", async () => {
  const x = Array.from({ length: 40 }, (_, i) => -2 + i * 0.1);
  const y = Array.from({ length: 30 }, (_, i) => -1.5 + i * 0.1);
  const values = y.map((b) => x.map((a) => (a > 1.55 ? -Infinity : -(a * a + b * b) / 2)));
  const hm = heatmap({
    x,
    y,
    values,
    title: "Log density",
    valueLabel: "log p(x)",
    overlay: cloud(50),
  });
  const rects = (hm.layer as { data: { values: unknown[] } }[])[0].data.values.length;
  assert.equal(rects, 30 * 36, "non-finite cells left blank");
  const lp = linePlot({
    series: [{ name: "train", x: [1, 2, 3], y: [2, 1, -1] }],
    title: "History",
    logY: true,
  });
  assert.match(JSON.stringify(lp.title), /1 non-positive values left out/);
  const norms = cloud(500).map(([a, b]) => Math.hypot(a, b));
  const r = Array.from({ length: 50 }, (_, i) => i * 0.08);
  const hi = histogram({
    values: norms,
    density: true,
    title: "Norms",
    curve: { name: "chi(2)", x: r, y: r.map((v) => v * Math.exp(-v * v / 2)) },
  });
  const bars = (hi.layer as { data: { values: { x0: number; x1: number; y: number }[] } }[])[0];
  const area = bars.data.values.reduce((s, b) => s + (b.x1 - b.x0) * b.y, 0);
  assert.ok(Math.abs(area - 1) < 1e-9, `density area ${area}`);
  const svg = await renderSvg(concatPlots([hm, lp, hi], { columns: 2, title: "Overview" }));
  for (const t of ["Overview", "Log density", "History", "Norms", "log p(x)", "chi(2)"]) {
    assert.ok(svg.includes(`>${t}</text>`), `${t} in SVG`);
  }
});

Deno.test("builders reject inconsistent input with PlotError", () => {
  assert.throws(() => scatterPlot({ layers: [] }), PlotError);
  assert.throws(
    () =>
      scatterPlot({
        layers: [{ name: "a", points: [[0, 0]] }],
        highlight: { points: [[0, 0]], labels: [] },
      }),
    PlotError,
  );
  assert.throws(() => heatmap({ x: [0, 1], y: [0], values: [[1]] }), /values\[0\] has 1 entries/);
  assert.throws(() => heatmap({ x: [1, 0], y: [0], values: [[1, 2]] }), /strictly increasing/);
  assert.throws(() => linePlot({ series: [{ name: "a", x: [1, 2], y: [1] }] }), PlotError);
  assert.throws(() => concatPlots([]), PlotError);
  assert.deepEqual(binValues([0, 1, 1, 2, NaN], 2).counts, [1, 3]);
});

Deno.test("showPlot gives Deno's Jupyter kernel an SVG and a base64 PNG", async () => {
  const shown = showPlot(lowDensitySpec());
  const fn = (shown as unknown as Record<symbol, () => Promise<Record<string, string>>>)[
    Symbol.for("Jupyter.display")
  ];
  assert.equal(typeof fn, "function");
  assert.equal(JUPYTER_DISPLAY, Symbol.for("Jupyter.display"));
  const bundle = await fn.call(shown);
  assert.match(bundle["image/svg+xml"], /^<svg/);
  assert.ok(bundle["image/svg+xml"].includes(">Lowest-density samples</text>"));
  const png = Uint8Array.from(atob(bundle["image/png"]), (c) => c.charCodeAt(0));
  const stats = await pngStats(png);
  assert.ok(stats.width > 420 && stats.width < 800, `width ${stats.width}`);
  assert.ok(stats.variance > 100);
  assert.equal(bundle["text/plain"], "<plot: Lowest-density samples>");
  const svgOnly = await showPlot(lowDensitySpec(), { png: false }).bundle();
  assert.deepEqual(Object.keys(svgOnly).sort(), ["image/svg+xml", "text/plain"]);
});
