import assert from "node:assert/strict";
import { Rng } from "../lib/core/random.ts";
import { ArrayDataSource, disposeBatch } from "../lib/training/data_source.ts";
import { NoisyContextSource } from "../lib/posterior/noisy_context.ts";

const n = 4000;
const clean = () =>
  new ArrayDataSource(Float32Array.from({ length: n }, (_, i) => i), [1], {
    context: new Float32Array(2 * n).fill(1),
    contextDim: 2,
  });

async function pass(source: NoisyContextSource, rng: Rng | null) {
  const x: number[] = [], c: number[] = [];
  for await (const b of source.batches(300, rng)) {
    x.push(...b.x.dataSync());
    c.push(...b.context!.dataSync());
    disposeBatch(b);
  }
  return { x, c };
}

Deno.test("noise augmentation: each context value gets N(0, σ_j²), pairs stay together", async () => {
  const sigma = new Float32Array([0.1, 2]);
  const source = new NoisyContextSource(clean(), sigma, 5);
  assert.equal(source.size, n);
  assert.equal(source.contextDim, 2);
  const { x, c } = await pass(source, new Rng(3));
  assert.equal(new Set(x).size, n, "every example once per pass");
  for (let j = 0; j < 2; j++) {
    const col = x.map((_, i) => c[2 * i + j] - 1);
    const mean = col.reduce((a, v) => a + v, 0) / n;
    const sd = Math.sqrt(col.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
    // Sampling error of the sd of 4 000 draws is about 1.1 %; 5 % is > 4 standard errors.
    assert.ok(Math.abs(sd / sigma[j] - 1) < 0.05, `column ${j}: sd ${sd} for σ ${sigma[j]}`);
    assert.ok(Math.abs(mean) < 4 * sigma[j] / Math.sqrt(n), `column ${j}: mean ${mean}`);
  }
});

Deno.test("noise augmentation: fixed draws without a generator, fresh ones with", async () => {
  const source = new NoisyContextSource(clean(), new Float32Array([1, 1]), 5);
  const a = await pass(source, null), b = await pass(source, null);
  assert.deepEqual(a.c, b.c, "validation passes see the same noise");
  const rng = new Rng(1);
  const c = await pass(source, rng), d = await pass(source, rng);
  const sameRow = (p: typeof c, q: typeof c) => {
    const at = new Map(q.x.map((v, i) => [v, q.c[2 * i]]));
    return p.x.filter((v, i) => at.get(v) === p.c[2 * i]).length;
  };
  assert.equal(sameRow(c, d), 0, "training epochs draw new noise for every example");
});

Deno.test("noise augmentation: errors name the problem", () => {
  assert.throws(
    () => new NoisyContextSource(clean(), new Float32Array([1]), 1),
    /σ holds 1 values; the context has 2/,
  );
  assert.throws(
    () => new NoisyContextSource(clean(), new Float32Array([1, -1]), 1),
    /finite and ≥ 0/,
  );
  const plain = new ArrayDataSource(new Float32Array(4), [1]);
  assert.throws(() => new NoisyContextSource(plain, new Float32Array([1]), 1), /with a context/);
});
