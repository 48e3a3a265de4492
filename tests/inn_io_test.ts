/**
 * Save and load of INNs and cINNs (lib/inn/inn_io.ts, loadFlow for a cINN,
 * which is an ordinary conditional flow) and checkpoint/resume of trainInn:
 * a saved-and-loaded network gives bit-identical posterior samples for a
 * fixed seed, loadFlow gives a cINN back as the same conditional flow,
 * folders written by the code before conditional flows were ordinary flows
 * (tests/fixtures/old_cinn) load with the same log-densities, broken folders
 * are refused with the file named, and a resumed training ends where an
 * uninterrupted one does.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { tf } from "../lib/core/tf.ts";
import { Rng } from "../lib/core/random.ts";
import { silentProgress } from "../lib/training/progress.ts";
import { loadFlow, saveFlow } from "../lib/io/model_io.ts";
import { buildRealNvpFlow } from "../lib/flows/realnvp_flow.ts";
import { Cinn, type CinnOptions } from "../lib/inn/cinn.ts";
import { asPosteriorSampler } from "../lib/inn/posterior.ts";
import { pairedDataSource } from "../lib/inn/paired_data.ts";
import { trainFlow } from "../lib/training/trainer.ts";
import { InnModel } from "../lib/inn/inn_model.ts";
import { loadInnNetwork, saveInnNetwork } from "../lib/inn/inn_io.ts";
import { trainInn } from "../lib/inn/train_inn.ts";
import { initBackend } from "../lib/kernels/backend.ts";

// As the apps do: wasm with the native BLAS when it is installed.
await initBackend("wasm");

/** x ~ N(0, I₃), y = (x₀ + x₁, x₁ − x₂) + noise: a small paired data set. */
function pairs(n: number, seed: number): { x: Float32Array; y: Float32Array } {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: 3 * n }, () => rng.normal());
  const y = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    y[2 * i] = x[3 * i] + x[3 * i + 1] + 0.05 * rng.normal();
    y[2 * i + 1] = x[3 * i + 1] - x[3 * i + 2] + 0.05 * rng.normal();
  }
  return { x, y };
}

const schedule = { epochs: 1, batchSize: 64, learningRate: 3e-3, progress: silentProgress };

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "inn_io_test_" });
}

Deno.test("a saved and loaded INN gives identical posterior samples and forward outputs", async () => {
  const dir = await tempDir();
  const inn = new InnModel({ dimX: 3, dimY: 2, dimZ: 1, blocks: 2, hiddenLayers: [16], seed: 3 });
  let again: InnModel | Cinn | null = null;
  try {
    await trainInn(inn, pairs(512, 1), { ...schedule, mode: "ml", sigmaY: 0.1, seed: 5 });
    assert.ok(inn.initialized, "training initialised the ActNorms");
    await saveInnNetwork(inn, dir, { note: "test" });
    const loaded = await loadInnNetwork(dir);
    again = loaded.network;
    assert.ok(again instanceof InnModel);
    assert.equal(loaded.metadata.note, "test");
    assert.ok(again.initialized, "the ActNorm init flags came back");
    const y = new Float32Array([0.7, -0.2]);
    const a = await inn.posterior(y, 300, { seed: 11 });
    const b = await again.posterior(y, 300, { seed: 11 });
    assert.deepEqual(b, a);
    const other = await again.posterior(y, 300, { seed: 12 });
    assert.notDeepEqual(other, a, "a different seed gives different samples");
    const x = tf.tensor2d(pairs(8, 9).x, [8, 3]);
    const f1 = inn.forward(x), f2 = again.forward(x);
    assert.deepEqual(await f2.y.data(), await f1.y.data());
    assert.deepEqual(await f2.z.data(), await f1.z.data());
    tf.dispose([x, f1.y, f1.z, f1.pad, f2.y, f2.z, f2.pad]);
  } finally {
    inn.dispose();
    again?.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a saved cINN loads as a cINN (same samples) and through loadFlow as the same conditional flow", async () => {
  const dir = await tempDir();
  const cinn = new Cinn({
    dimX: 3,
    dimY: 2,
    blocks: 2,
    hiddenLayers: [16],
    conditionHidden: [8],
    contextDim: 4,
    seed: 4,
  });
  const disposables: { dispose(): void }[] = [cinn];
  try {
    await trainFlow(cinn, pairedDataSource(pairs(512, 2), cinn), { ...schedule, seed: 6 });
    await saveInnNetwork(cinn, dir);
    const { network } = await loadInnNetwork(dir);
    disposables.push(network);
    assert.ok(network instanceof Cinn);
    const y = new Float32Array([-0.4, 1.1]);
    assert.deepEqual(
      await network.posterior(y, 200, { seed: 3 }),
      await cinn.posterior(y, 200, { seed: 3 }),
    );
    // The same folder is an ordinary conditional flow over x with y as its context.
    const flow = await loadFlow(dir);
    disposables.push(flow);
    assert.deepEqual([flow.dims, flow.contextDim], [3, 2]);
    const { x, y: ys } = pairs(16, 7);
    const xt = tf.tensor2d(x, [16, 3]), yt = tf.tensor2d(ys, [16, 2]);
    const want = await cinn.logProb(xt, { context: yt }).data();
    assert.deepEqual(await flow.logProb(xt, { context: yt }).data(), want);
    // saveFlow of the cINN writes the same conditional flow.
    const dir2 = join(dir, "flow");
    await saveFlow(cinn, dir2);
    const flow2 = await loadFlow(dir2);
    disposables.push(flow2);
    assert.equal(flow2.bijector.type, "context_embedding");
    assert.deepEqual(await flow2.logProb(xt, { context: yt }).data(), want);
    tf.dispose([xt, yt]);
  } finally {
    for (const d of disposables) d.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("broken or mismatched model folders are refused with the file named", async () => {
  const dir = await tempDir();
  const inn = new InnModel({ dimX: 3, dimY: 2, dimZ: 1, blocks: 1, hiddenLayers: [8], seed: 1 });
  const flow = buildRealNvpFlow({ dims: 2, flowSteps: 1, hiddenLayers: [8], seed: 1 });
  try {
    await saveInnNetwork(inn, join(dir, "inn"));
    await assert.rejects(
      loadFlow(join(dir, "inn")),
      /inn[/\\]model\.json holds an INN.*loadInnNetwork/,
    );
    await saveFlow(flow, join(dir, "flow"));
    await assert.rejects(loadInnNetwork(join(dir, "flow")), /flow[/\\]model\.json holds no INN/);
    await assert.rejects(loadInnNetwork(join(dir, "missing")), /No saved model at .*missing/);

    const jsonPath = join(dir, "inn", "model.json");
    const json = JSON.parse(await Deno.readTextFile(jsonPath));
    const options = json.inn.options;
    json.inn.options = { ...options, dimX: 5 };
    await Deno.writeTextFile(jsonPath, JSON.stringify(json));
    await assert.rejects(loadInnNetwork(join(dir, "inn")), /model\.json: .*width/);
    json.inn.options = options;
    // A manifest and file that agree but lack a weight the model needs (the last one).
    const weights = json.weightsManifest[0].weights as { shape: number[] }[];
    const last = weights.pop()!;
    await Deno.writeTextFile(jsonPath, JSON.stringify(json));
    const binPath = join(dir, "inn", "weights.bin");
    const bin = await Deno.readFile(binPath);
    await Deno.writeFile(
      binPath,
      bin.subarray(0, bin.length - 4 * last.shape.reduce((a, b) => a * b, 1)),
    );
    await assert.rejects(loadInnNetwork(join(dir, "inn")), /weights\.bin: weight ".*" is missing/);
    // A manifest that no longer matches its file is named with both sizes.
    await Deno.writeFile(binPath, bin);
    await assert.rejects(
      loadInnNetwork(join(dir, "inn")),
      /weights\.bin: \d+ bytes, but its manifest describes \d+ bytes/,
    );
  } finally {
    inn.dispose();
    flow.bijector.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("trainInn resumed from a checkpoint ends where an uninterrupted run does", async () => {
  const dir = await tempDir();
  const data = pairs(640, 3);
  const make = () =>
    new InnModel({ dimX: 3, dimY: 2, dimZ: 1, blocks: 2, hiddenLayers: [16], seed: 8 });
  const options = {
    mode: "ml" as const,
    sigmaY: 0.1,
    batchSize: 64,
    learningRate: [3e-3, 10, 0.7] as [number, number, number],
    seed: 2,
    progress: silentProgress,
    checkpointDir: dir,
  };
  const first = make(), resumed = make(), straight = make();
  try {
    // An "interrupted" run: one epoch, checkpointed.
    const r1 = await trainInn(first, data, { ...options, epochs: 1 });
    assert.equal(r1.resumedFromEpoch, 0);
    // A fresh model resumed from it, to two epochs.
    const r2 = await trainInn(resumed, data, { ...options, epochs: 2, resume: true });
    assert.equal(r2.resumedFromEpoch, 1);
    assert.equal(r2.history.length, 2, "the history includes the checkpointed epoch");
    assert.equal(r2.steps, 20);
    // Two epochs in one go, without checkpoints.
    const r3 = await trainInn(straight, data, { ...options, epochs: 2, checkpointDir: undefined });
    assert.equal(r2.history[1].loss, r3.history[1].loss);
    const y = new Float32Array([0.3, 0.3]);
    assert.deepEqual(
      await resumed.posterior(y, 100, { seed: 1 }),
      await straight.posterior(y, 100, { seed: 1 }),
    );
    assert.notDeepEqual(
      await first.posterior(y, 100, { seed: 1 }),
      await straight.posterior(y, 100, { seed: 1 }),
      "the resumed run trained on",
    );
    // A checkpoint of another architecture is refused.
    const wider = new InnModel({
      dimX: 3,
      dimY: 2,
      dimZ: 1,
      blocks: 2,
      hiddenLayers: [32],
      seed: 8,
    });
    try {
      await assert.rejects(
        trainInn(wider, data, { ...options, epochs: 2, resume: true }),
        /different model architecture/,
      );
    } finally {
      wider.dispose();
    }
  } finally {
    for (const m of [first, resumed, straight]) m.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

const OLD_CINN = new URL("./fixtures/old_cinn/", import.meta.url).pathname;

/** What the code before the rework computed for the saved cINN (see the fixture's README). */
interface OldCinnExpectations {
  options: CinnOptions;
  x: number[][];
  y: number[][];
  log_prob: number[];
  posterior: { y_observed: number[]; n: number; seed: number; samples: number[] };
}

Deno.test("cINN folders saved by the old code load into the conditional flow with the same log p(x | y)", async () => {
  const expected: OldCinnExpectations = JSON.parse(
    await Deno.readTextFile(join(OLD_CINN, "cinn_expected.json")),
  );
  const x = tf.tensor2d(expected.x), y = tf.tensor2d(expected.y);
  const close = (got: ArrayLike<number>, want: number[], what: string) =>
    want.forEach((w, i) =>
      assert.ok(Math.abs(got[i] - w) < 1e-4, `${what}, row ${i}: ${got[i]} vs ${w}`)
    );
  const disposables: { dispose(): void }[] = [x, y];
  try {
    // saveInnNetwork's folder, through loadInnNetwork: a Cinn, a PosteriorSampler.
    const { network } = await loadInnNetwork(join(OLD_CINN, "cinn_inn"));
    disposables.push(network);
    assert.ok(network instanceof Cinn);
    assert.deepEqual(network.options, expected.options);
    close(await network.logProb(x, { context: y }).data(), expected.log_prob, "loadInnNetwork");
    const p = expected.posterior;
    const samples = await network.posterior(new Float32Array(p.y_observed), p.n, { seed: p.seed });
    close(samples, p.samples, "posterior sample");
    // The same folder and the old saveFlow(cinn.joint) folder, through loadFlow: the conditional flow.
    for (const folder of ["cinn_inn", "cinn_flow"]) {
      const flow = await loadFlow(join(OLD_CINN, folder));
      disposables.push(flow);
      assert.equal(flow.bijector.type, "context_embedding");
      assert.deepEqual([flow.dims, flow.contextDim], [2, 1]);
      close(await flow.logProb(x, { context: y }).data(), expected.log_prob, folder);
      const draws = await asPosteriorSampler(flow).posterior(new Float32Array([0.5]), 100, {
        seed: 1,
      });
      assert.ok(draws.length === 200 && draws.every(Number.isFinite), `${folder}: posterior`);
    }
  } finally {
    for (const d of disposables) d.dispose();
  }
});

Deno.test("the cINN builder gives the old code's initial weights bit for bit", async () => {
  const { network } = await loadInnNetwork(join(OLD_CINN, "cinn_untrained"));
  const fresh = new Cinn((network as Cinn).options);
  try {
    const old = network.bijector.variables(), now = fresh.bijector.variables();
    assert.deepEqual(now.map((v) => v.name), old.map((v) => v.name));
    for (let i = 0; i < old.length; i++) {
      assert.deepEqual(
        await now[i].variable.data(),
        await old[i].variable.data(),
        `initial value of ${old[i].name}`,
      );
    }
    assert.deepEqual(fresh.bijector.config(), network.bijector.config());
  } finally {
    network.dispose();
    fresh.dispose();
  }
});
