import assert from "node:assert/strict";
import { initBackend } from "../lib/kernels/mod.ts";
import {
  loadVariationalEnsemble,
  VariationalEnsemble,
  VariationalPosterior,
} from "../lib/posterior/mod.ts";

await initBackend("cpu");

const box = { low: [0], high: [2] };
/** Two different one-parameter members: q is logit-normal around 0.4 and around 1.5. */
const members = () => [
  new VariationalPosterior({
    dims: 1,
    bounds: box,
    initialMean: [0.4],
    initialScale: 0.3,
    seed: 1,
  }),
  new VariationalPosterior({
    dims: 1,
    bounds: box,
    initialMean: [1.5],
    initialScale: 0.5,
    seed: 2,
  }),
];

Deno.test("variational ensemble: the mixture density is the mean of the members' and integrates to 1", async () => {
  const q = new VariationalEnsemble(members());
  try {
    const k = 20_000;
    const grid = Float64Array.from({ length: k }, (_, i) => 2 * (i + 0.5) / k);
    const lq = await q.logProb(grid);
    const mass = lq.reduce((a, v) => a + Math.exp(v), 0) * 2 / k;
    assert.ok(Math.abs(mass - 1) < 1e-3, `∫ q over [0, 2] = ${mass}`);
    const [a, b] = await Promise.all(q.members.map((m) => m.logProb([0.4, 1.5])));
    const mix = await q.logProb([0.4, 1.5]);
    for (let i = 0; i < 2; i++) {
      const want = Math.log((Math.exp(a[i]) + Math.exp(b[i])) / 2);
      assert.ok(Math.abs(mix[i] - want) < 1e-9, `${mix[i]} vs ${want}`);
    }
    assert.deepEqual(Array.from(await q.logProb([-1, 2.5])), [-Infinity, -Infinity]);
  } finally {
    q.dispose();
  }
});

Deno.test("variational ensemble: each member gives its share of the samples; save → load", async () => {
  const q = new VariationalEnsemble(members());
  const dir = await Deno.makeTempDir();
  try {
    const theta = await q.sample(5, { seed: 3 });
    assert.deepEqual(
      Array.from(theta.subarray(0, 3)),
      Array.from(await q.members[0].sample(3, { seed: 3 })),
    );
    assert.deepEqual(
      Array.from(theta.subarray(3)),
      Array.from(await q.members[1].sample(2, { seed: 4 })),
    );
    // Half the mass near each member: the mixture's mean is the mean of the members' means.
    const many = await q.sample(20_000, { seed: 5 });
    const means = await Promise.all(
      q.members.map(async (m) =>
        (await m.sample(20_000, { seed: 9 })).reduce((s, v) => s + v, 0) / 20_000
      ),
    );
    const mean = many.reduce((s, v) => s + v, 0) / many.length;
    assert.ok(Math.abs(mean - (means[0] + means[1]) / 2) < 0.02, `${mean} vs ${means}`);
    await q.save(dir);
    const again = await loadVariationalEnsemble(dir);
    try {
      assert.equal(again.members.length, 2);
      assert.deepEqual(await again.sample(7, { seed: 11 }), await q.sample(7, { seed: 11 }));
    } finally {
      again.dispose();
    }
  } finally {
    q.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("variational ensemble: mismatched members and missing folders are named", async () => {
  assert.throws(() => new VariationalEnsemble([]), /at least one member/);
  const a = new VariationalPosterior({ dims: 1, bounds: box, seed: 1 });
  const b = new VariationalPosterior({ dims: 2, seed: 1 });
  const c = new VariationalPosterior({ dims: 1, bounds: { low: [0], high: [3] }, seed: 1 });
  try {
    assert.throws(
      () => new VariationalEnsemble([a, b]),
      /Member 1 has 2 parameters; member 0 has 1/,
    );
    assert.throws(() => new VariationalEnsemble([a, c]), /Member 1 has another box/);
  } finally {
    [a, b, c].forEach((m) => m.dispose());
  }
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(() => loadVariationalEnsemble(dir), /holds no variational ensemble/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
