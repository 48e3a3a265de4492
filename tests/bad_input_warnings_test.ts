/**
 * The smaller bad-input cases of the hardening issue: a negative number
 * after a flag reaches the params check; point data with a constant column
 * or mostly duplicates, a learning rate far too high and a held-out NLL
 * that keeps rising each get a warning; a truncated image's message has no
 * dangling colon and says how many bytes it had.
 */
import assert from "node:assert/strict";
import { loadParams, ParamsError } from "../lib/params/mod.ts";
import { pointDataWarnings } from "../lib/data/point_warnings.ts";
import { DivergenceWatch } from "../lib/training/divergence.ts";
import { ArrayDataSource } from "../lib/training/data_source.ts";
import { trainFlow } from "../lib/training/trainer.ts";
import type { ProgressSink } from "../lib/training/progress.ts";
import { buildRealNvpFlow } from "../lib/flows/realnvp_flow.ts";
import { decodeImage, encodePng } from "../lib/images/decode.ts";
import { Rng } from "../lib/core/random.ts";

Deno.test("--epochs -3 is refused by the range check, not as a missing value", () => {
  assert.throws(
    () => loadParams("app1", ["--epochs", "-3"]),
    (e: unknown) =>
      e instanceof ParamsError && /num_epochs must be a positive integer, got -3/.test(e.message) &&
      !/needs a value/.test(e.message),
  );
  assert.throws(
    () => loadParams("app1", ["--seed", "-5"]),
    /seed must be a non-negative integer, got -5/,
  );
  assert.equal(loadParams("app1", ["--epochs", "4"]).training.num_epochs, 4);
});

function gaussianRows(n: number, dims: number, seed: number, mean = 0, std = 1): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n * dims }, () => mean + std * rng.normal());
}

Deno.test("point data warnings: constant columns and duplicated rows, none for Gaussian data", () => {
  assert.deepEqual(pointDataWarnings(gaussianRows(500, 3, 1), 3, "g.csv"), []);
  const constantColumn = gaussianRows(500, 2, 2);
  for (let i = 0; i < 500; i++) constantColumn[2 * i + 1] = 4;
  const w1 = pointDataWarnings(constantColumn, 2, "c.csv");
  assert.equal(w1.length, 1);
  assert.match(w1[0], /^c\.csv: column 1 has zero spread/);
  const duplicates = new Float64Array(2 * 300);
  for (let i = 0; i < 300; i++) duplicates.set([i % 10, (i % 10) * 2], 2 * i);
  const w2 = pointDataWarnings(duplicates, 2, "d.csv");
  assert.equal(w2.length, 1);
  assert.match(w2[0], /290 of 300 rows repeat an earlier row/);
  assert.equal(pointDataWarnings(new Float64Array(400).fill(1), 2, "all").length, 3);
});

Deno.test("DivergenceWatch warns once after three epochs clearly above the best", () => {
  const watch = new DivergenceWatch();
  const said = [3.0, 2.8, 2.81, 3.5, 3.6, 3.9, 4.2, 2.0, 5, 5, 5].map((v, i) =>
    watch.observe(i + 1, v)
  );
  // 2.81 is within the margin and resets nothing; 3.5, 3.6 and 3.9 are the three epochs.
  assert.deepEqual(said.map((s) => s !== null), [
    false,
    false,
    false,
    false,
    false,
    true,
    false,
    false,
    false,
    false,
    false,
  ]);
  assert.match(said[5]!, /best 2\.8000 at epoch 2, now 3\.9000/);
  const flat = new DivergenceWatch();
  assert.ok([2, 2.01, 1.99, 2.02, 2.0, 2.03].every((v, i) => flat.observe(i + 1, v) === null));
});

Deno.test("trainFlow warns about a learning rate far too high and a held-out NLL that keeps rising", async () => {
  const lines: string[] = [];
  const progress: ProgressSink = { step() {}, line: (t) => lines.push(t), done() {} };
  // Trained on a narrow cloud at the origin, validated on points far from it: every epoch
  // that fits the training data better puts less density where the held-out points are.
  const train = new ArrayDataSource(new Float32Array(gaussianRows(512, 2, 3, 0, 0.05)), [2]);
  const validation = new ArrayDataSource(new Float32Array(gaussianRows(256, 2, 4, 3, 0.05)), [2]);
  const flow = buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [16], seed: 1 });
  try {
    await trainFlow(flow, train, {
      epochs: 8,
      batchSize: 64,
      learningRate: 0.5,
      seed: 1,
      validation,
      progress,
      statisticsExamples: 0,
    });
  } finally {
    flow.dispose();
  }
  assert.ok(
    lines.some((l) => /^warning: learning rate 0\.5 is far above/.test(l)),
    lines.join("\n"),
  );
  assert.ok(
    lines.some((l) => /^warning: held-out NLL above its best for 3 epochs/.test(l)),
    lines.join("\n"),
  );
});

Deno.test("a truncated PNG is named with its size and without a dangling colon", async () => {
  const png = await encodePng(new Uint8Array(16 * 16).fill(90), [16, 16, 1]);
  for (const bytes of [png.slice(0, 40), png.slice(0, png.length - 20), new Uint8Array(0)]) {
    await assert.rejects(
      () => decodeImage({ kind: "encoded", bytes }, [16, 16, 1]),
      (e: Error) => {
        assert.doesNotMatch(e.message, /:\s*$/, e.message);
        assert.match(
          e.message,
          bytes.length === 0 ? /empty file \(0 bytes\)/ : new RegExp(`\\(${bytes.length} bytes\\)`),
        );
        return true;
      },
    );
  }
});
