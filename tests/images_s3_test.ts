import assert from "node:assert/strict";
import { join } from "node:path";
import { initBackend } from "../lib/kernels/backend.ts";
import { buildRealNvpFlow } from "../lib/flows/realnvp_flow.ts";
import { silentProgress } from "../lib/training/progress.ts";
import { trainFlow } from "../lib/training/trainer.ts";
import { ImageDataError } from "../lib/images/errors.ts";
import { loadImageDataset } from "../lib/images/open.ts";
import { parseS3Url, S3ImageSource } from "../lib/images/s3_source.ts";
import { ImageDataSource } from "../lib/images/image_data_source.ts";
import { itemsOfSplit } from "../lib/images/source.ts";
import { type ClassSpec, writeImageTree } from "./images_fixtures.ts";
import { S3RVER_CREDENTIALS, startFlakyProxy, startS3Server } from "./images_s3_server.ts";

await initBackend("wasm");

const CLASSES: ClassSpec[] = [
  { split: "train", label: "cat", count: 5 },
  { split: "train", label: "dog", count: 4 },
  { split: "val", label: "cat", count: 2 },
  { split: "val", label: "ball", count: 2 },
];

/** Generated PNGs, uploaded under `prefix` (plus a few objects the layout must ignore). */
async function fixture(prefix: string) {
  const dir = await Deno.makeTempDir({ prefix: "images-s3-" });
  const pixels = await writeImageTree(dir, CLASSES, [8, 8, 1]);
  const objects = new Map<string, Uint8Array>();
  for (const rel of pixels.keys()) {
    objects.set(`${prefix}${rel}`, await Deno.readFile(join(dir, rel)));
  }
  objects.set(`${prefix}README.txt`, new TextEncoder().encode("not an image"));
  objects.set(`${prefix}train/cat/notes.txt`, new TextEncoder().encode("not an image"));
  objects.set(`other/train/cat/000.png`, objects.get(`${prefix}train/cat/000.png`)!);
  await Deno.remove(dir, { recursive: true });
  return { pixels, objects };
}

const s3Options = (endpoint: string) => ({
  endpoint,
  credentials: S3RVER_CREDENTIALS,
  retry: { baseDelayMs: 5 },
});

Deno.test("s3:// end to end against a real S3 server on 127.0.0.1", async (t) => {
  const server = await startS3Server();
  try {
    const { pixels, objects } = await fixture("pets/v1/");
    await server.upload("image-bucket", objects);

    await t.step("paginated listing finds the layout under the prefix only", async () => {
      const source = new S3ImageSource("s3://image-bucket/pets/v1", {
        ...s3Options(server.endpoint),
        pageSize: 2, // 19 keys under the prefix → 10 pages
      });
      const items = await source.list();
      await source.close();
      assert.equal(items.length, 13);
      assert.deepEqual(
        items.map((it) => `${it.split}/${it.label}`).filter((v, i, a) => a.indexOf(v) === i),
        ["train/cat", "train/dog", "val/ball", "val/cat"],
      );
      assert.ok(items.every((it) => it.id.startsWith("pets/v1/") && it.id.endsWith(".png")));
    });

    await t.step("batches hold exactly the uploaded pixels", async () => {
      const data = await loadImageDataset("s3://image-bucket/pets/v1/", {
        imageShape: [8, 8, 1],
        s3: s3Options(server.endpoint),
      });
      try {
        assert.equal(data.train.size, 9);
        assert.equal(data.val?.size, 4);
        assert.deepEqual(data.anomalies, [true, true, false, false]); // val/ball, val/cat
        const { pixels: got, items } = await data.train.loadAll(4);
        items.forEach((it, i) => {
          const want = pixels.get(it.id.slice("pets/v1/".length))!;
          assert.deepEqual(Array.from(got.subarray(i * 64, (i + 1) * 64)), Array.from(want));
        });
      } finally {
        await data.close();
      }
    });

    await t.step("throttling (503 SlowDown) is retried with backoff", async () => {
      const proxy = await startFlakyProxy(server.endpoint, 2);
      const retries: number[] = [];
      const lines: string[] = [];
      const source = new S3ImageSource("s3://image-bucket/pets/v1", {
        endpoint: proxy.endpoint,
        credentials: S3RVER_CREDENTIALS,
        retry: { baseDelayMs: 2, onRetry: (attempt) => retries.push(attempt) },
        warn: (line) => lines.push(line),
      });
      try {
        const items = await source.list();
        const train = new ImageDataSource(source, itemsOfSplit(items, "train"), {
          imageShape: [8, 8, 1],
          warn: () => assert.fail("no image may be skipped"),
        });
        const { items: got } = await train.loadAll();
        assert.equal(got.length, 9);
        assert.equal(train.skipped, 0);
        // Every distinct request (1 listing + 9 objects) failed twice before passing.
        assert.equal(proxy.failures, 20);
        assert.equal(retries.length, 20);
        assert.equal(lines.length, 20, "one line per retry");
        assert.match(
          lines[0],
          /^s3:\/\/image-bucket\/pets\/v1\/: SlowDown \(HTTP 503\) from http:\/\/127\.0\.0\.1:\d+: .*\(list, attempt 1 of 4\); retrying in \d+ ms$/,
        );
      } finally {
        await source.close();
        await proxy.stop();
      }
    });

    await t.step("a missing bucket is named in the error", async () => {
      const source = new S3ImageSource("s3://no-such-bucket/x", s3Options(server.endpoint));
      await assert.rejects(
        () => source.list(),
        (e: Error) =>
          e instanceof ImageDataError &&
          e.message.includes('bucket "no-such-bucket" does not exist') &&
          e.message.includes("s3://no-such-bucket/x/"),
      );
      await source.close();
    });

    await t.step(
      "wrong credentials give an access-denied error that says what to check",
      async () => {
        const source = new S3ImageSource("s3://image-bucket/pets/v1", {
          endpoint: server.endpoint,
          credentials: { accessKeyId: "WRONG", secretAccessKey: "WRONG" },
        });
        await assert.rejects(
          () => source.list(),
          (e: Error) =>
            e instanceof ImageDataError && /access denied/.test(e.message) &&
            e.message.includes("AWS_ACCESS_KEY_ID"),
        );
        await source.close();
      },
    );

    await t.step("a prefix without train/<class>/ images is a layout error", async () => {
      const source = new S3ImageSource(
        "s3://image-bucket/nothing-here",
        s3Options(server.endpoint),
      );
      await assert.rejects(
        () => source.list(),
        /s3:\/\/image-bucket\/nothing-here\/: no images under train\/<class>\//,
      );
      await source.close();
    });

    await t.step("one epoch of a RealNVP flow trains from s3://", async () => {
      const data = await loadImageDataset("s3://image-bucket/pets/v1", {
        imageShape: [8, 8, 1],
        flatten: true,
        rescale: 1 / 256,
        augment: { horizontalFlip: true },
        s3: s3Options(server.endpoint),
      });
      const flow = buildRealNvpFlow({ dims: 64, flowSteps: 2, hiddenLayers: [16], seed: 3 });
      try {
        const before = flow.bijector.trainableVariables().map((v) =>
          (v.dataSync() as Float32Array).slice()
        );
        const result = await trainFlow(flow, data.train, {
          epochs: 1,
          batchSize: 4,
          learningRate: 1e-3,
          seed: 1,
          validation: data.val!,
          progress: silentProgress,
        });
        assert.equal(result.steps, 3); // 9 images in batches of 4
        assert.ok(Number.isFinite(result.history[0].trainNll));
        assert.ok(Number.isFinite(result.history[0].valNll));
        const after = flow.bijector.trainableVariables().map((v) => v.dataSync() as Float32Array);
        assert.ok(after.some((a, i) => a.some((x, j) => x !== before[i][j])), "weights changed");
      } finally {
        flow.dispose();
        await data.close();
      }
    });
  } finally {
    await server.stop();
  }
});

Deno.test("s3:// URLs are parsed into bucket and prefix", () => {
  assert.deepEqual(parseS3Url("s3://b"), { bucket: "b", prefix: "" });
  assert.deepEqual(parseS3Url("s3://b/"), { bucket: "b", prefix: "" });
  assert.deepEqual(parseS3Url("s3://b/a/c/"), { bucket: "b", prefix: "a/c/" });
  assert.throws(() => parseS3Url("s3:///x"), /expected s3:\/\/bucket/);
  assert.throws(() => parseS3Url("http://b/x"), /expected s3:\/\/bucket/);
});
