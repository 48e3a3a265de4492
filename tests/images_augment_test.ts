import assert from "node:assert/strict";
import { Rng } from "../lib/core/random.ts";
import {
  augmentBatch,
  drawAugmentation,
  IDENTITY_DRAW,
  isAugmenting,
  transformImage,
  validateAugment,
} from "../lib/images/augment.ts";
import type { ImageShape } from "../lib/core/shapes.ts";
import { randomPixels } from "./images_fixtures.ts";
import { isRetryableS3Error, withRetry } from "../lib/images/retry.ts";
import { Limiter } from "../lib/images/limiter.ts";

const apply = (
  src: ArrayLike<number>,
  shape: ImageShape,
  draw = IDENTITY_DRAW,
  quantize = true,
) => {
  const out = new Float32Array(src.length);
  transformImage(src, shape, draw, out, { quantize });
  return Array.from(out);
};

Deno.test("flip twice is the identity; one flip mirrors every row", () => {
  for (const shape of [[5, 7, 1], [4, 6, 3]] as ImageShape[]) {
    const img = Array.from(randomPixels(shape, 1));
    const flip = { ...IDENTITY_DRAW, flip: true };
    const once = apply(img, shape, flip);
    assert.deepEqual(apply(once, shape, flip), img);
    const [h, w, c] = shape;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let k = 0; k < c; k++) {
          assert.equal(once[(y * w + x) * c + k], img[(y * w + (w - 1 - x)) * c + k]);
        }
      }
    }
  }
});

Deno.test("zoom 1 and rotation 0 leave images unchanged, without rounding", () => {
  const shape: ImageShape = [9, 8, 3];
  const img = Array.from({ length: 9 * 8 * 3 }, (_, i) => Math.sin(i) * 100);
  assert.deepEqual(apply(img, shape, IDENTITY_DRAW, false), Array.from(new Float32Array(img)));
  const batch = new Float32Array(randomPixels(shape, 2));
  const copy = batch.slice();
  augmentBatch(batch, shape, { zoomRange: 0, rotationRange: 0 }, new Rng(1));
  assert.deepEqual(batch, copy);
  assert.equal(isAugmenting({ zoomRange: 0, rotationRange: 0, horizontalFlip: false }), false);
  assert.equal(isAugmenting({ zoomRange: [1, 1.2] }), true);
});

Deno.test("rotation by 90° counter-clockwise moves pixels like a quarter turn", () => {
  const n = 6;
  const shape: ImageShape = [n, n, 1];
  const img = Array.from(randomPixels(shape, 3));
  const rotated = apply(img, shape, { flip: false, zoom: 1, angle: Math.PI / 2 });
  // Counter-clockwise quarter turn: the right column becomes the top row.
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) assert.equal(rotated[y * n + x], img[x * n + (n - 1 - y)]);
  }
  const back = apply(rotated, shape, { flip: false, zoom: 1, angle: -Math.PI / 2 });
  assert.deepEqual(back, img);
});

Deno.test("zoom 2 doubles the slope of a linear ramp about the centre (bilinear is exact)", () => {
  const n = 9;
  const shape: ImageShape = [n, n, 1];
  const ramp = Array.from({ length: n * n }, (_, i) => 10 * (i % n));
  const zoomed = apply(ramp, shape, { flip: false, zoom: 2, angle: 0 }, false);
  const c = (n - 1) / 2;
  for (let x = 0; x < n; x++) assert.ok(Math.abs(zoomed[x] - 10 * (c + (x - c) / 2)) < 1e-4);
  // Zooming out pulls in edge pixels ("nearest") or zeros ("constant").
  const out = new Float32Array(n * n);
  transformImage(ramp, shape, { flip: false, zoom: 0.5, angle: 0 }, out, { fillMode: "constant" });
  assert.equal(out[0], 0);
  transformImage(ramp, shape, { flip: false, zoom: 0.5, angle: 0 }, out, { fillMode: "nearest" });
  assert.equal(out[n - 1], 10 * (n - 1));
});

Deno.test("augmentation is seeded, stays within its ranges, and keeps integer values", () => {
  const options = { horizontalFlip: true, zoomRange: 0.2, rotationRange: 15 };
  const shape: ImageShape = [12, 12, 3];
  const images = new Float32Array(randomPixels([12 * 8, 12, 3], 4));
  const a = images.slice(), b = images.slice(), c = images.slice();
  augmentBatch(a, shape, options, new Rng(9));
  augmentBatch(b, shape, options, new Rng(9));
  augmentBatch(c, shape, options, new Rng(10));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.ok(a.every((v) => Number.isInteger(v) && v >= 0 && v <= 255));
  const rng = new Rng(5);
  let flips = 0;
  for (let i = 0; i < 2000; i++) {
    const d = drawAugmentation(options, rng);
    assert.ok(d.zoom >= 0.8 && d.zoom <= 1.2);
    assert.ok(Math.abs(d.angle) <= (15 * Math.PI) / 180);
    flips += d.flip ? 1 : 0;
  }
  assert.ok(flips > 900 && flips < 1100, `${flips} flips of 2000`);
});

Deno.test("bad augmentation options are named", () => {
  assert.throws(() => validateAugment({ zoomRange: 1.5 }), /zoom_range/);
  assert.throws(() => validateAugment({ zoomRange: [1.2, 0.9] }), /zoom_range/);
  assert.throws(() => validateAugment({ rotationRange: -5 }), /rotation_range/);
  assert.throws(() => validateAugment({ fillMode: "wrap" as never }), /fill_mode/);
});

Deno.test("withRetry: exponential backoff with jitter, stops on non-retryable errors", async () => {
  const waits: number[] = [];
  let calls = 0;
  const result = await withRetry(
    () => {
      calls++;
      if (calls < 4) {
        return Promise.reject({ name: "SlowDown", $metadata: { httpStatusCode: 503 } });
      }
      return Promise.resolve("ok");
    },
    isRetryableS3Error,
    { baseDelayMs: 100, random: () => 0.5, sleep: (ms) => (waits.push(ms), Promise.resolve()) },
  );
  assert.equal(result, "ok");
  assert.deepEqual(waits, [50, 100, 200]);
  calls = 0;
  await assert.rejects(
    () =>
      withRetry(
        () => {
          calls++;
          return Promise.reject({ name: "NoSuchBucket", $metadata: { httpStatusCode: 404 } });
        },
        isRetryableS3Error,
        { sleep: () => Promise.resolve() },
      ),
    (e: { name: string }) => e.name === "NoSuchBucket",
  );
  assert.equal(calls, 1);
  calls = 0;
  await assert.rejects(() =>
    withRetry(
      () => {
        calls++;
        return Promise.reject(new Error("ECONNRESET"));
      },
      isRetryableS3Error,
      { maxAttempts: 3, sleep: () => Promise.resolve() },
    )
  );
  assert.equal(calls, 3);
  assert.equal(isRetryableS3Error({ $metadata: { httpStatusCode: 429 } }), true);
  assert.equal(
    isRetryableS3Error({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } }),
    false,
  );
});

Deno.test("Limiter bounds concurrency and keeps order", async () => {
  const limiter = new Limiter(3);
  let active = 0, peak = 0;
  const started: number[] = [];
  await Promise.all(Array.from({ length: 12 }, (_, i) =>
    limiter.run(async () => {
      started.push(i);
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 2));
      active--;
    })));
  assert.equal(peak, 3);
  assert.equal(limiter.peak, 3);
  assert.deepEqual(started, Array.from({ length: 12 }, (_, i) => i));
});
