import assert from "node:assert/strict";
import { join } from "node:path";
import { initBackend } from "../lib/kernels/backend.ts";
import { parseIdx, readIdx, readIdxImages } from "../lib/images/idx.ts";
import { IdxImageSource, parseIdxSpec } from "../lib/images/idx_source.ts";
import { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR } from "../lib/images/fashion_mnist.ts";
import { loadImageDataset } from "../lib/images/open.ts";
import { ImageDataError } from "../lib/images/errors.ts";

await initBackend("wasm");

const file = (name: string) => join(FASHION_MNIST_DIR, name);

/** The bytes of a gzip file, decompressed by the web-streams API (not node:zlib, which readIdx uses). */
async function gunzipIndependently(path: string): Promise<Uint8Array> {
  const stream = (await Deno.open(path)).readable.pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("Fashion-MNIST IDX files: counts, shapes, labels", async () => {
  const train = await readIdxImages(
    file("train-images-idx3-ubyte.gz"),
    file("train-labels-idx1-ubyte.gz"),
  );
  const test = await readIdxImages(
    file("t10k-images-idx3-ubyte.gz"),
    file("t10k-labels-idx1-ubyte.gz"),
  );
  assert.deepEqual([train.count, train.height, train.width], [60000, 28, 28]);
  assert.deepEqual([test.count, test.height, test.width], [10000, 28, 28]);
  assert.equal(train.images.length, 60000 * 784);
  for (const { labels, perClass } of [{ ...train, perClass: 6000 }, { ...test, perClass: 1000 }]) {
    const counts = new Array(10).fill(0);
    for (const l of labels) counts[l]++;
    assert.deepEqual(counts, new Array(10).fill(perClass), "balanced classes 0..9");
  }
  assert.equal(train.labels[0], 9, "the first training image is an ankle boot");
});

Deno.test("IDX pixels agree with an independent reading of the file", async () => {
  const raw = await gunzipIndependently(file("train-images-idx3-ubyte.gz"));
  // Header: magic 0x00000803, then 60000, 28, 28 as big-endian uint32; pixels start at byte 16.
  assert.deepEqual(Array.from(raw.subarray(0, 4)), [0, 0, 8, 3]);
  const firstMean = raw.subarray(16, 16 + 784).reduce((a, b) => a + b, 0) / 784;
  const lastMean = raw.subarray(raw.length - 784).reduce((a, b) => a + b, 0) / 784;
  const idx = await readIdx(file("train-images-idx3-ubyte.gz"));
  assert.deepEqual(idx.dims, [60000, 28, 28]);
  const mean = (a: Uint8Array) => a.reduce((s, v) => s + v, 0) / a.length;
  assert.equal(mean(idx.data.subarray(0, 784)), firstMean);
  assert.equal(mean(idx.data.subarray(idx.data.length - 784)), lastMean);
  assert.ok(firstMean > 50 && firstMean < 120, `mean of the first image ${firstMean}`);
});

Deno.test("IDX: uncompressed files read the same; malformed files are named", async () => {
  const dir = await Deno.makeTempDir({ prefix: "images-idx-" });
  try {
    const gz = await readIdx(file("t10k-labels-idx1-ubyte.gz"));
    const plain = join(dir, "t10k-labels-idx1-ubyte");
    await Deno.writeFile(plain, await gunzipIndependently(file("t10k-labels-idx1-ubyte.gz")));
    assert.deepEqual(await readIdx(plain), gz);
    await assert.rejects(() => readIdx(join(dir, "nope")), new RegExp(`${dir}/nope: cannot read`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.deepEqual(parseIdx(new Uint8Array([0, 0, 8, 2, 0, 0, 0, 1, 0, 0, 0, 2, 5, 6]), "t"), {
    dims: [1, 2],
    data: new Uint8Array([5, 6]),
  });
  assert.throws(() => parseIdx(new Uint8Array([1, 2, 8, 1]), "a.idx"), /a.idx: not an IDX file/);
  assert.throws(
    () => parseIdx(new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]), "f.idx"),
    /f.idx: IDX value type 0x0d is not supported/,
  );
  assert.throws(
    () => parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 1, 2]), "short.idx"),
    /short.idx: IDX dims \[3\] need 3 values, the file holds 2/,
  );
  assert.throws(
    () => parseIdx(new Uint8Array([0x1f, 0x8b, 0, 0]), "bad.gz"),
    (e: Error) => e instanceof ImageDataError && /bad.gz: corrupt gzip/.test(e.message),
  );
});

Deno.test("idx: source with a chosen normal class: train = that class, val = all classes", async () => {
  const source = new IdxImageSource(parseIdxSpec("idx:?normal=sneaker&val_per_class=50"));
  const items = await source.list();
  const train = items.filter((it) => it.split === "train");
  const val = items.filter((it) => it.split === "val");
  assert.equal(train.length, 6000);
  assert.ok(train.every((it) => it.label === "sneaker"));
  assert.equal(val.length, 500);
  assert.deepEqual(new Set(val.map((it) => it.label)), new Set(FASHION_MNIST_CLASSES));
  // The first training sneaker's pixels are the IDX file's image at its index.
  const all = await readIdx(file("train-images-idx3-ubyte.gz"));
  const labels = (await readIdx(file("train-labels-idx1-ubyte.gz"))).data;
  const first = labels.indexOf(7);
  const got = await source.fetch(train[0]);
  assert.equal(got.kind, "raw");
  assert.deepEqual(got.pixels, all.data.subarray(first * 784, (first + 1) * 784));
  await source.close();
});

Deno.test("idx: dataset through the loader: anomaly flags and batches", async () => {
  const data = await loadImageDataset("idx:?normal=1,9&train_per_class=100&val_per_class=20", {
    imageShape: [28, 28, 1],
  });
  try {
    assert.equal(data.train.size, 200);
    assert.deepEqual(data.counts.train, { trouser: 100, ankle_boot: 100 });
    assert.equal(data.val!.size, 200);
    assert.equal(data.anomalies.filter((a) => a).length, 160);
    const { pixels, items } = await data.val!.loadAll();
    assert.equal(pixels.length, 200 * 784);
    items.forEach((it, i) => {
      assert.equal(data.anomalies[i], it.label !== "trouser" && it.label !== "ankle_boot");
    });
  } finally {
    await data.close();
  }
});

Deno.test("idx: specs with bad fields are named", async () => {
  assert.throws(() => parseIdxSpec("idx:?normal=hat"), /normal: unknown class "hat"/);
  assert.throws(() => parseIdxSpec("idx:?val_per_class=0"), /val_per_class must be a positive/);
  assert.throws(() => parseIdxSpec("idx:?colour=red"), /unknown option "colour"/);
  assert.deepEqual(parseIdxSpec("idx:/data/mnist?normal=3"), {
    dir: "/data/mnist",
    normalClasses: [3],
  });
  await assert.rejects(
    () => new IdxImageSource({ dir: "/nonexistent/fashion" }).list(),
    /\/nonexistent\/fashion: no train-images-idx3-ubyte or train-images-idx3-ubyte.gz/,
  );
});
