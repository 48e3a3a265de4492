import assert from "node:assert/strict";
import { join } from "node:path";
import {
  imageGridLayout,
  JUPYTER_DISPLAY,
  loadSharp,
  PlotError,
  renderImageGrid,
  saveImageGrid,
  showImageGrid,
} from "../lib/plot/mod.ts";

/** Decodes a PNG to raw RGB. */
async function decode(png: Uint8Array) {
  const sharp = await loadSharp();
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const px = (x: number, y: number) => {
    const o = (y * info.width + x) * info.channels;
    return [data[o], data[o + 1], data[o + 2]];
  };
  return { width: info.width as number, height: info.height as number, px };
}

/** n grey 28×28 images: image i is the constant i/(n+1), with one white pixel at row 3, column 5. */
function greyBatch(n: number) {
  const h = 28, w = 28;
  const data = new Float32Array(n * h * w);
  for (let i = 0; i < n; i++) {
    data.fill((i + 1) / (n + 1), i * h * w, (i + 1) * h * w);
    data[i * h * w + 3 * w + 5] = 1;
  }
  return { data, shape: [n, h, w, 1] };
}

Deno.test("grid size follows rows × cols, scale, gap and label bands", () => {
  const l = imageGridLayout([10, 28, 28, 1], { cols: 5 });
  assert.equal(l.rows, 2);
  assert.equal(l.scale, 3);
  assert.equal(l.width, 2 * 2 + 5 * 84 + 4 * 2);
  assert.equal(l.height, 2 * 2 + 2 * 84 + 2);
  assert.deepEqual(l.tiles[6], { x: 2 + 84 + 2, y: 2 + 84 + 2 });
  const sq = imageGridLayout([10, 28, 28]);
  assert.equal(sq.cols, 4);
  assert.equal(sq.rows, 3);
  const lab = imageGridLayout([10, 28, 28, 1], { cols: 5, labels: true, labelPosition: "above" });
  assert.equal(lab.height, l.height + 2 * 18);
  assert.equal(lab.tiles[0].y, 2 + 18);
  assert.equal(imageGridLayout([4, 64, 64, 3], { rows: 1 }).scale, 1);
});

Deno.test("each tile's pixels land exactly where the layout says, labels or not", async () => {
  const n = 10;
  const batch = greyBatch(n);
  for (const labels of [false, true] as const) {
    const { png, layout } = await renderImageGrid(batch, { cols: 5, labels });
    const img = await decode(png);
    assert.equal(img.width, layout.width);
    assert.equal(img.height, layout.height);
    for (const i of [0, 7, 9]) {
      const { x, y } = layout.tiles[i];
      const grey = Math.round(((i + 1) / (n + 1)) * 255);
      // The 3×3 block of the white pixel (row 3, column 5), and its neighbours.
      for (let sy = 0; sy < 3; sy++) {
        for (let sx = 0; sx < 3; sx++) {
          assert.deepEqual(img.px(x + 15 + sx, y + 9 + sy), [255, 255, 255]);
        }
      }
      assert.deepEqual(img.px(x + 14, y + 9), [grey, grey, grey]);
      assert.deepEqual(img.px(x + 18, y + 11), [grey, grey, grey]);
      assert.deepEqual(img.px(x, y), [grey, grey, grey]);
      assert.deepEqual(img.px(x + 83, y + 83), [grey, grey, grey]);
      // Gap pixels around the tile stay white.
      assert.deepEqual(img.px(x - 1, y), [255, 255, 255]);
      assert.deepEqual(img.px(x + 84, y + 83), [255, 255, 255]);
    }
    if (labels) {
      // Text was drawn in the band under tile 7: some dark pixels there.
      const { x, y } = layout.tiles[7];
      let dark = 0;
      for (let yy = y + 84; yy < y + 84 + 18; yy++) {
        for (let xx = x; xx < x + 84; xx++) if (img.px(xx, yy)[0] < 128) dark++;
      }
      assert.ok(dark > 5, `label pixels: ${dark}`);
    }
  }
});

Deno.test("RGB images in 0..255, no upscaling; empty cells stay background", async () => {
  const data = new Float32Array(3 * 2 * 2 * 3);
  // Image 1: pixel (0, 1) is pure red, pixel (1, 0) is (10, 20, 30); values outside clip.
  data.set([255, 0, 0], (1 * 4 + 1) * 3);
  data.set([10, 20, 30], (1 * 4 + 2) * 3);
  data.set([300, -5, 128], (2 * 4 + 0) * 3);
  const { png, layout } = await renderImageGrid(
    { data, shape: [3, 2, 2, 3] },
    { rows: 2, cols: 2, valueRange: [0, 255], scale: 1, gap: 1, background: "#102030" },
  );
  const img = await decode(png);
  const t1 = layout.tiles[1], t2 = layout.tiles[2];
  assert.deepEqual(img.px(t1.x + 1, t1.y), [255, 0, 0]);
  assert.deepEqual(img.px(t1.x, t1.y + 1), [10, 20, 30]);
  assert.deepEqual(img.px(t2.x, t2.y), [255, 0, 128]);
  assert.deepEqual(img.px(0, 0), [0x10, 0x20, 0x30]);
  assert.deepEqual(img.px(layout.width - 2, layout.height - 2), [0x10, 0x20, 0x30]); // 4th cell empty
});

Deno.test("interpolation strip: one row per method with row labels and a title", async () => {
  const steps = 6;
  const data = new Float32Array(2 * steps * 28 * 28).map((_, i) => (i % 784) / 784);
  const { png, layout } = await renderImageGrid(
    { data, shape: [2 * steps, 28, 28, 1] },
    { rows: 2, cols: steps, rowLabels: ["linear", "slerp"], title: "Interpolation <a & b>" },
  );
  const img = await decode(png);
  assert.equal(img.height, layout.height);
  assert.ok(layout.tiles[0].x > 40, "room for the row labels");
  assert.ok(layout.tiles[0].y > 20, "room for the title");
  let dark = 0;
  for (let y = layout.rowTops[1]; y < layout.rowTops[1] + 84; y++) {
    for (let x = 0; x < layout.tiles[0].x - 2; x++) if (img.px(x, y)[0] < 128) dark++;
  }
  assert.ok(dark > 10, "the row label was drawn");
});

Deno.test("bad shapes and options give clear errors", async () => {
  const data = new Float32Array(2 * 4 * 4);
  const bad = async (f: () => Promise<unknown>, re: RegExp) => {
    await assert.rejects(f, (e: unknown) => e instanceof PlotError && re.test(e.message));
  };
  await bad(
    () => renderImageGrid({ data, shape: [2, 4, 4, 2] }),
    /1 \(grey\) or 3 \(RGB\) channels, got 2/,
  );
  await bad(
    () => renderImageGrid({ data, shape: [2, 16] }),
    /\[n, H, W, C\] or \[n, H, W\], got \[2, 16\]/,
  );
  await bad(() => renderImageGrid({ data, shape: [3, 4, 4] }), /needs 48 values, got 32/);
  await bad(() => renderImageGrid({ data, shape: [2, 4, 4, 0] }), /positive integers/);
  await bad(
    () => renderImageGrid({ data, shape: [2, 4, 4] }, { rows: 1, cols: 1 }),
    /no room for 2 images/,
  );
  await bad(
    () => renderImageGrid({ data, shape: [2, 4, 4] }, { labels: ["a"] }),
    /1 labels for 2 images/,
  );
  await bad(
    () => renderImageGrid({ data, shape: [2, 4, 4] }, { rowLabels: ["a", "b"] }),
    /2 row labels for 1 rows/,
  );
  await bad(() => renderImageGrid({ data, shape: [2, 4, 4] }, { valueRange: [1, 1] }), /hi > lo/);
  await bad(
    () => renderImageGrid({ data, shape: [2, 4, 4] }, { scale: 1.5 }),
    /scale must be an integer/,
  );
  await bad(() => renderImageGrid({ data, shape: [2, 4, 4] }, { background: "red" }), /#rrggbb/);
  await bad(() => saveImageGrid({ data, shape: [2, 4, 4] }, "out.jpg"), /must end in \.png/);
});

Deno.test("saveImageGrid writes one PNG atomically; the notebook display carries it as base64", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "sub", "grid.png");
    const batch = greyBatch(4);
    const saved = await saveImageGrid(batch, path, { labels: ["a", "b", "c", "d"] });
    const files = [...Deno.readDirSync(join(dir, "sub"))].map((e) => e.name);
    assert.deepEqual(files, ["grid.png"]);
    const img = await decode(await Deno.readFile(path));
    assert.equal(img.width, saved.width);
    assert.equal(img.height, saved.height);
    const display = showImageGrid(batch, { title: "four" });
    const bundle =
      await (display as unknown as Record<symbol, () => Promise<Record<string, string>>>)
        [JUPYTER_DISPLAY]();
    assert.match(bundle["text/plain"], /4 images, 2 × 2: four/);
    const bytes = Uint8Array.from(atob(bundle["image/png"]), (c) => c.charCodeAt(0));
    assert.deepEqual(Array.from(bytes.subarray(1, 4)), [80, 78, 71]); // "PNG"
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
