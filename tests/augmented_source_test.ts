/**
 * AugmentedSource (lib/images/augmented_source.ts): training passes get a
 * fresh seeded transformation per example, in-order passes are untouched,
 * labels ride along, and non-image sources are refused.
 */
import assert from "node:assert/strict";
import { Rng } from "../lib/core/random.ts";
import { ArrayDataSource } from "../lib/training/data_source.ts";
import { AugmentedSource } from "../lib/images/augmented_source.ts";

/** 40 images 2 × 3 × 1 whose rows are [a, b, c] with a < b < c, labelled by index. */
function source(): { data: ArrayDataSource; pixels: Float32Array } {
  const pixels = Float32Array.from({ length: 40 * 6 }, (_, j) => j);
  const context = Float32Array.from({ length: 40 }, (_, i) => i);
  return { data: new ArrayDataSource(pixels, [2, 3, 1], { context, contextDim: 1 }), pixels };
}

async function collect(
  it: AsyncIterable<{ x: { data(): Promise<unknown> }; context?: { data(): Promise<unknown> } }>,
) {
  const xs: number[] = [], labels: number[] = [];
  for await (const b of it) {
    xs.push(...(await b.x.data() as Float32Array));
    labels.push(...(await b.context!.data() as Float32Array));
  }
  return { xs, labels };
}

Deno.test("AugmentedSource flips about half the training images, each with its label, and leaves in-order passes alone", async () => {
  const { data, pixels } = source();
  const aug = new AugmentedSource(data, { horizontalFlip: true }, 7);
  const { xs, labels } = await collect(aug.batches(8, new Rng(1)));
  let flipped = 0;
  labels.forEach((label, i) => {
    const original = Array.from(pixels.subarray(label * 6, label * 6 + 6));
    const got = xs.slice(i * 6, i * 6 + 6);
    const mirrored = [original[2], original[1], original[0], original[5], original[4], original[3]];
    if (got.every((v, k) => v === original[k])) return;
    assert.deepEqual(got, mirrored, `image ${label} is neither itself nor its mirror`);
    flipped++;
  });
  assert.ok(flipped > 8 && flipped < 32, `${flipped} of 40 flipped`);
  // In order (rng null): exactly the source.
  const plain = await collect(aug.batches(8, null));
  assert.deepEqual(plain.xs, Array.from(pixels));
  // Seeded: the same seeds give the same pass.
  const again = await collect(
    new AugmentedSource(source().data, { horizontalFlip: true }, 7).batches(8, new Rng(1)),
  );
  assert.deepEqual(again.xs, xs);
});

Deno.test("AugmentedSource refuses sources that are not images and bad options", () => {
  const flat = new ArrayDataSource(new Float32Array(8), [4]);
  assert.throws(
    () => new AugmentedSource(flat, { horizontalFlip: true }, 1),
    /images \[h, w, c\].*\[4\]/,
  );
  assert.throws(() => new AugmentedSource(source().data, { zoomRange: 2 }, 1));
});
