import assert from "node:assert/strict";
import { initBackend } from "../lib/kernels/backend.ts";
import { Rng } from "../lib/core/random.ts";
import { tf } from "../lib/core/tf.ts";
import { ImageDataSource } from "../lib/images/image_data_source.ts";
import type { FlowBatch } from "../lib/training/data_source.ts";
import type { ImageItem, ImageSource, RawImage } from "../lib/images/source.ts";

await initBackend("wasm");

/** Images in memory (4×4 grey, image i filled with i), counting fetches; some may fail. */
class MemorySource implements ImageSource {
  readonly location = "memory:";
  readonly concurrency = 2;
  readonly fetched: string[] = [];
  failing = new Set<string>();

  constructor(readonly count: number) {}

  list(): Promise<ImageItem[]> {
    return Promise.resolve(Array.from({ length: this.count }, (_, i) => ({
      id: `img${String(i).padStart(3, "0")}`,
      split: "train" as const,
      label: "x",
    })));
  }

  async fetch(item: ImageItem): Promise<RawImage> {
    this.fetched.push(item.id);
    await new Promise((r) => setTimeout(r, 1));
    if (this.failing.has(item.id)) throw new Error("connection reset");
    const value = Number(item.id.slice(3));
    return {
      kind: "raw",
      pixels: new Uint8Array(16).fill(value),
      height: 4,
      width: 4,
      channels: 1,
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const settle = () => new Promise((r) => setTimeout(r, 30));

for (const prefetch of [0, 1, 2]) {
  Deno.test(`prefetch ${prefetch}: ${prefetch} batches are decoded while one is in use`, async () => {
    const source = new MemorySource(40);
    const data = new ImageDataSource(source, await source.list(), {
      imageShape: [4, 4, 1],
      prefetch,
      cacheBytes: 0,
    });
    const it = data.batches(5, null)[Symbol.asyncIterator]();
    const first = await it.next();
    (first.value as FlowBatch).x.dispose();
    await settle(); // "training" on the first batch
    assert.equal(source.fetched.length, 5 * (1 + prefetch));
    let n = 1;
    for (let r = await it.next(); !r.done; r = await it.next()) {
      r.value.x.dispose();
      n++;
    }
    assert.equal(n, 8);
    assert.equal(source.fetched.length, 40, "each image fetched once per pass");
  });
}

Deno.test("decoded images are cached in memory when they fit, and only then", async () => {
  for (const [cacheBytes, fetches] of [[undefined, 10], [0, 20]] as const) {
    const source = new MemorySource(10);
    const data = new ImageDataSource(source, await source.list(), {
      imageShape: [4, 4, 1],
      cacheBytes,
    });
    assert.equal(data.caching, cacheBytes === undefined);
    for (let pass = 0; pass < 2; pass++) {
      const values: number[] = [];
      for await (const { x } of data.batches(4, new Rng(pass))) {
        values.push(...(await x.data()).filter((_, i) => i % 16 === 0));
        x.dispose();
      }
      assert.deepEqual(values.sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => i));
    }
    assert.equal(source.fetched.length, fetches);
  }
});

Deno.test("a failed fetch is skipped and counted once, and tried again next pass", async () => {
  const source = new MemorySource(6);
  source.failing.add("img002");
  const warnings: string[] = [];
  const data = new ImageDataSource(source, await source.list(), {
    imageShape: [4, 4, 1],
    cacheBytes: 0,
    warn: (w) => warnings.push(w),
  });
  const pass = async () => {
    const ids: string[] = [];
    for await (const b of data.labelledBatches(4, null)) {
      ids.push(...b.items.map((it) => it.id));
      b.images.dispose();
    }
    return ids;
  };
  assert.deepEqual(await pass(), ["img000", "img001", "img003", "img004", "img005"]);
  assert.deepEqual(await pass(), ["img000", "img001", "img003", "img004", "img005"]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /could not be fetched img002: connection reset/);
  assert.equal(data.skipped, 1);
  assert.equal(data.size, 6, "a fetch failure does not drop the image for good");
  source.failing.clear();
  assert.equal((await pass()).length, 6);
});

Deno.test("stopping a pass early leaves nothing running and no tensor behind", async () => {
  const source = new MemorySource(50);
  const data = new ImageDataSource(source, await source.list(), { imageShape: [4, 4, 1] });
  const tensors = tf.memory().numTensors;
  for await (const b of data.batches(5, new Rng(1))) {
    b.x.dispose();
    break;
  }
  const fetchedAtStop = source.fetched.length;
  await settle();
  assert.equal(source.fetched.length, fetchedAtStop, "no fetch starts after the pass ended");
  assert.ok(fetchedAtStop <= 15);
  assert.equal(tf.memory().numTensors, tensors);
});
