import assert from "node:assert/strict";
import { join } from "node:path";
import { initBackend } from "../lib/kernels/backend.ts";
import { tf } from "../lib/core/tf.ts";
import { Rng } from "../lib/core/random.ts";
import { decodeImage, encodePng } from "../lib/images/decode.ts";
import { FolderImageSource } from "../lib/images/folder_source.ts";
import { ImageDataSource } from "../lib/images/image_data_source.ts";
import { loadImageDataset } from "../lib/images/open.ts";
import { itemsOfSplit } from "../lib/images/source.ts";
import { ImageDataError } from "../lib/images/errors.ts";
import { loadImageCodec } from "../lib/images/codec.ts";
import { randomPixels, writeImageTree } from "./images_fixtures.ts";

await initBackend("wasm");

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "images-folder-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const channels of [1, 3]) {
  Deno.test(`folder of ${channels === 1 ? "grey" : "RGB"} PNGs: pixels round-trip exactly`, () =>
    withTempDir(async (dir) => {
      const pixels = await writeImageTree(dir, [
        { split: "train", label: "a", count: 3 },
        { split: "train", label: "b", count: 2 },
        { split: "val", label: "a", count: 1 },
        { split: "val", label: "z", count: 2 },
      ], [12, 10, channels]);
      await Deno.writeTextFile(join(dir, "train", "a", "notes.txt"), "ignored");
      const source = new FolderImageSource(dir);
      const items = await source.list();
      assert.equal(items.length, 8);
      assert.deepEqual(
        items.map((it) => `${it.split}/${it.label}`),
        ["train/a", "train/a", "train/a", "train/b", "train/b", "val/a", "val/z", "val/z"],
      );
      const train = new ImageDataSource(source, itemsOfSplit(items, "train"), {
        imageShape: [12, 10, channels],
      });
      assert.deepEqual(train.eventShape, [12, 10, channels]);
      const { pixels: got, items: order } = await train.loadAll(2);
      const size = 12 * 10 * channels;
      order.forEach((it, i) => {
        const want = pixels.get(it.id.slice(dir.length + 1))!;
        assert.deepEqual(Array.from(got.subarray(i * size, (i + 1) * size)), Array.from(want));
      });
    }));
}

Deno.test("decode resizes to image_shape and converts grey ↔ RGB", async () => {
  const rgb = randomPixels([20, 30, 3], 4);
  const png = await encodePng(rgb, [20, 30, 3]);
  const payload = { kind: "encoded", bytes: png } as const;
  assert.equal((await decodeImage(payload, [8, 16, 3])).length, 8 * 16 * 3);
  assert.equal((await decodeImage(payload, [8, 16, 1], "cover")).length, 8 * 16);
  // Grey of an image whose three channels are equal is that channel.
  const grey = randomPixels([6, 6, 1], 5);
  const tripled = Uint8Array.from({ length: 108 }, (_, i) => grey[Math.floor(i / 3)]);
  const back = await decodeImage({ kind: "encoded", bytes: await encodePng(tripled, [6, 6, 3]) }, [
    6,
    6,
    1,
  ]);
  assert.deepEqual(Array.from(back), Array.from(grey));
  // Grey → RGB repeats the value in each channel.
  const rgbOfGrey = await decodeImage({
    kind: "raw",
    pixels: grey,
    height: 6,
    width: 6,
    channels: 1,
  }, [6, 6, 3]);
  assert.deepEqual(Array.from(rgbOfGrey), Array.from(tripled));
});

Deno.test("pad mode centres a 28×28 image in 32×32 without scaling it", async () => {
  const img = randomPixels([28, 28, 1], 6);
  const padded = await decodeImage(
    { kind: "raw", pixels: img, height: 28, width: 28, channels: 1 },
    [32, 32, 1],
    "pad",
  );
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      const inside = y >= 2 && y < 30 && x >= 2 && x < 30;
      assert.equal(padded[y * 32 + x], inside ? img[(y - 2) * 28 + (x - 2)] : 0, `(${y}, ${x})`);
    }
  }
  const png = await encodePng(img, [28, 28, 1]);
  assert.deepEqual(await decodeImage({ kind: "encoded", bytes: png }, [32, 32, 1], "pad"), padded);
});

Deno.test("batches: shapes, rescale, flatten, seeded shuffling, whole epochs", () =>
  withTempDir(async (dir) => {
    await writeImageTree(dir, [{ split: "train", label: "a", count: 10 }], [4, 4, 1]);
    const source = new FolderImageSource(dir);
    const items = itemsOfSplit(await source.list(), "train");
    const data = new ImageDataSource(source, items, {
      imageShape: [4, 4, 1],
      rescale: 1 / 256,
      flatten: true,
      prefetch: 1,
    });
    assert.ok(data.caching);
    const epoch = async (seed: number | null) => {
      const ids: string[] = [];
      const shapes: number[][] = [];
      let max = 0;
      for await (const b of data.labelledBatches(4, seed === null ? null : new Rng(seed))) {
        shapes.push(b.images.shape);
        max = Math.max(max, ...(await b.images.data()));
        ids.push(...b.items.map((it) => it.id));
        b.images.dispose();
      }
      return { ids, shapes, max };
    };
    const inOrder = await epoch(null);
    assert.deepEqual(inOrder.shapes, [[4, 16], [4, 16], [2, 16]]);
    assert.deepEqual(inOrder.ids, items.map((it) => it.id));
    assert.ok(inOrder.max < 1 && inOrder.max > 0.9, `values in [0, 1), max ${inOrder.max}`);
    const a = await epoch(7), b = await epoch(7), c = await epoch(8);
    assert.deepEqual(a.ids, b.ids);
    assert.notDeepEqual(a.ids, c.ids);
    assert.deepEqual([...a.ids].sort(), [...inOrder.ids].sort(), "a permutation of all images");
  }));

Deno.test("augmented training batches are seeded; passes without an rng are not augmented", () =>
  withTempDir(async (dir) => {
    const pixels = await writeImageTree(dir, [{ split: "train", label: "a", count: 6 }], [
      8,
      8,
      1,
    ]);
    const source = new FolderImageSource(dir);
    const data = new ImageDataSource(source, itemsOfSplit(await source.list(), "train"), {
      imageShape: [8, 8, 1],
      augment: { horizontalFlip: true, zoomRange: 0.2, rotationRange: 20 },
    });
    const pass = async (rng: Rng | null) => {
      const out: number[] = [];
      for await (const { x } of data.batches(3, rng)) {
        out.push(...await x.data());
        x.dispose();
      }
      return out;
    };
    const a = await pass(new Rng(3)), b = await pass(new Rng(3));
    assert.deepEqual(a, b);
    assert.ok(a.every(Number.isInteger), "augmented values stay integer-valued");
    const plain = await pass(null);
    const want = [...pixels.keys()].sort().flatMap((k) => Array.from(pixels.get(k)!));
    assert.deepEqual(plain, want);
    assert.notDeepEqual([...a].sort(), [...plain].sort(), "the rng pass was augmented");
  }));

Deno.test("a corrupt image is skipped with one warning, counted, and left out later", () =>
  withTempDir(async (dir) => {
    await writeImageTree(dir, [{ split: "train", label: "a", count: 5 }], [6, 6, 1]);
    const good = await Deno.readFile(join(dir, "train", "a", "001.png"));
    await Deno.writeFile(join(dir, "train", "a", "001.png"), good.slice(0, good.length >> 1));
    await Deno.writeTextFile(join(dir, "train", "a", "zz.jpg"), "this is not a JPEG");
    const warnings: string[] = [];
    const source = new FolderImageSource(dir);
    const data = new ImageDataSource(source, itemsOfSplit(await source.list(), "train"), {
      imageShape: [6, 6, 1],
      warn: (line) => warnings.push(line),
    });
    assert.equal(data.size, 6);
    const tensorsBefore = tf.memory().numTensors;
    let seen = 0;
    for (let epoch = 0; epoch < 3; epoch++) {
      for await (const { x } of data.batches(2, new Rng(epoch))) {
        seen += x.shape[0];
        x.dispose();
      }
    }
    assert.equal(seen, 3 * 4);
    assert.equal(data.skipped, 2);
    assert.equal(data.size, 4);
    assert.equal(warnings.length, 2, warnings.join("\n"));
    assert.ok(warnings.some((w) => w.includes("001.png")));
    assert.ok(warnings.some((w) => w.includes("zz.jpg")));
    assert.ok(data.skippedImages.every((s) => s.corrupt && s.reason.length > 0));
    assert.equal(tf.memory().numTensors, tensorsBefore, "no tensor leaked");
  }));

Deno.test("a split whose images are all unreadable fails with the location named", () =>
  withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, "train", "a"), { recursive: true });
    await Deno.writeTextFile(join(dir, "train", "a", "x.png"), "no");
    const source = new FolderImageSource(dir);
    const data = new ImageDataSource(source, itemsOfSplit(await source.list(), "train"), {
      imageShape: [4, 4, 1],
      warn: () => {},
    });
    await assert.rejects(async () => {
      for await (const b of data.batches(4, null)) b.x.dispose();
    }, new RegExp(`${dir}: none of the 1 images could be read`));
  }));

Deno.test("wrong layouts and empty datasets are errors that name the path", () =>
  withTempDir(async (dir) => {
    const list = (p: string) => new FolderImageSource(p).list();
    await assert.rejects(
      () => list(join(dir, "missing")),
      (e: Error) =>
        e instanceof ImageDataError &&
        e.message.startsWith(`${join(dir, "missing")}: image folder not found`),
    );
    await assert.rejects(() => list(dir), new RegExp(`${dir}: no train/ folder`));
    await Deno.mkdir(join(dir, "train"));
    await assert.rejects(() => list(dir), new RegExp(`${join(dir, "train")}: no images`));
    await Deno.writeFile(
      join(dir, "train", "loose.png"),
      await encodePng(new Uint8Array(4), [2, 2, 1]),
    );
    await assert.rejects(
      () => list(dir),
      /images must be inside class folders \(found train\/loose.png\)/,
    );
    await Deno.mkdir(join(dir, "train", "c"));
    await Deno.rename(join(dir, "train", "loose.png"), join(dir, "train", "c", "x.png"));
    const data = await loadImageDataset(dir, { imageShape: [2, 2, 1] });
    assert.equal(data.train.size, 1);
    assert.equal(data.val, null, "no val/ folder: no validation source");
    await assert.rejects(
      () => ImageDataSource.open(new FolderImageSource(dir), "val", { imageShape: [2, 2, 1] }),
      new RegExp(`${dir}: no images in val/<class>/`),
    );
    assert.throws(
      () => new ImageDataSource(data.source, data.items, { imageShape: [2, 2, 2] as never }),
      /image_shape must be \[height, width, channels\].*got \[2,2,2\]/,
    );
  }));

Deno.test("JPEG files (.jpg, .JPEG) decode close to their pixels", () =>
  withTempDir(async (dir) => {
    const sharp = await loadImageCodec();
    // A smooth RGB gradient survives JPEG at quality 100 within a few levels.
    const px = Uint8Array.from({ length: 16 * 16 * 3 }, (_, i) => {
      const p = Math.floor(i / 3), k = i % 3;
      return (p % 16) * 8 + (Math.floor(p / 16)) * 4 + k * 20;
    });
    await Deno.mkdir(join(dir, "train", "a"), { recursive: true });
    for (const name of ["x.jpg", "y.JPEG"]) {
      const jpeg = await sharp(px, { raw: { width: 16, height: 16, channels: 3 } })
        .jpeg({ quality: 100, chromaSubsampling: "4:4:4" }).toBuffer();
      await Deno.writeFile(join(dir, "train", "a", name), jpeg);
    }
    const data = await loadImageDataset(dir, { imageShape: [16, 16, 3] });
    const { pixels, items } = await data.train.loadAll();
    assert.equal(items.length, 2);
    const worst = pixels.reduce((m, v, i) => Math.max(m, Math.abs(v - px[i % px.length])), 0);
    assert.ok(worst <= 4, `largest JPEG error ${worst}`);
  }));
