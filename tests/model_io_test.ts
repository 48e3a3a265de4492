import assert from "node:assert/strict";
import { join } from "node:path";
import { tf } from "../lib/core/tf.ts";
import { initBackend } from "../lib/kernels/backend.ts";
import { buildRealNvpFlow } from "../lib/flows/realnvp_flow.ts";
import { loadFlow, saveFlow } from "../lib/io/model_io.ts";
import { setNativeGemmEnabled } from "../lib/kernels/blas.ts";
import { randomizeVariables } from "./bijector_harness.ts";

await initBackend("wasm");

for (const coupling of ["affine", "spline"] as const) {
  Deno.test(`save/load round trip gives identical logProb (${coupling})`, async () => {
    const dir = await Deno.makeTempDir();
    const flow = buildRealNvpFlow({ dims: 3, flowSteps: 3, hiddenLayers: [16], coupling, seed: 4 });
    randomizeVariables(flow.bijector, 77);
    await saveFlow(flow, join(dir, "model"), { note: "test" });
    const loaded = await loadFlow(join(dir, "model"));
    assert.equal(loaded.metadata?.note, "test");
    const x = tf.randomNormal([50, 3], 0, 1, "float32", 8);
    const a = flow.logProb(x).dataSync(), b = loaded.logProb(x).dataSync();
    assert.deepEqual(Array.from(b), Array.from(a));
    // Overwriting keeps a complete model and leaves no temporary folders behind.
    await saveFlow(loaded, join(dir, "model"));
    const entries = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(entries, ["model"]);
    tf.dispose(x);
    flow.dispose();
    loaded.dispose();
    await Deno.remove(dir, { recursive: true });
  });
}

Deno.test("loading reports a missing model and bad weights clearly", async () => {
  const dir = await Deno.makeTempDir();
  await assert.rejects(() => loadFlow(join(dir, "nope")), /No saved model at .*nope/);
  const flow = buildRealNvpFlow({ dims: 2, flowSteps: 1, hiddenLayers: [4], seed: 1 });
  await saveFlow(flow, join(dir, "m"));
  const jsonPath = join(dir, "m", "model.json");
  const json = JSON.parse(await Deno.readTextFile(jsonPath));
  json.config.bijector.bijectors[1].network.hiddenLayers = [5];
  await Deno.writeTextFile(jsonPath, JSON.stringify(json));
  await assert.rejects(() => loadFlow(join(dir, "m")), /weights\.bin: weight ".*" has shape/);
  await Deno.writeTextFile(jsonPath, "{ not json");
  await assert.rejects(() => loadFlow(join(dir, "m")), /model\.json is not valid JSON/);
  flow.dispose();
  await Deno.remove(dir, { recursive: true });
});

for (const coupling of ["affine", "spline"] as const) {
  Deno.test(`a conditional flow round trips with identical log p(x | c) and samples (${coupling})`, async () => {
    const dir = await Deno.makeTempDir();
    const flow = buildRealNvpFlow({
      dims: 3,
      flowSteps: 2,
      hiddenLayers: [16],
      coupling,
      contextDim: 2,
      seed: 6,
    });
    randomizeVariables(flow.bijector, 78);
    try {
      await saveFlow(flow, dir);
      const loaded = await loadFlow(dir);
      try {
        assert.equal(loaded.contextDim, 2);
        tf.tidy(() => {
          const x = tf.randomNormal([40, 3], 0, 1, "float32", 9);
          const context = tf.randomNormal([40, 2], 0, 1, "float32", 10) as tf.Tensor2D;
          assert.deepEqual(
            Array.from(loaded.logProb(x, { context }).dataSync()),
            Array.from(flow.logProb(x, { context }).dataSync()),
          );
          const one = tf.tensor2d([[0.3, -1]]);
          assert.deepEqual(
            Array.from(loaded.sample(20, { seed: 4, context: one }).dataSync()),
            Array.from(flow.sample(20, { seed: 4, context: one }).dataSync()),
          );
        });
      } finally {
        loaded.dispose();
      }
    } finally {
      flow.dispose();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

/** Runs tests/load_flow_with_model_io_only.ts, which imports only lib/io/model_io.ts. */
async function loadInFreshProcess(
  dir: string,
): Promise<{ contextDim: number; x: number[][]; logProb: number[] }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-env",
      new URL("./load_flow_with_model_io_only.ts", import.meta.url).pathname,
      dir,
    ],
    cwd: new URL("../", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `the script failed: ${stderr}`);
  return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
}

Deno.test("a script importing only lib/io/model_io.ts loads a saved chain flow", async () => {
  const dir = await Deno.makeTempDir();
  const flow = buildRealNvpFlow({
    dims: 3,
    flowSteps: 2,
    hiddenLayers: [8],
    coupling: "spline",
    seed: 5,
  });
  randomizeVariables(flow.bijector, 79);
  try {
    assert.equal(flow.bijector.type, "chain");
    await saveFlow(flow, dir);
    const r = await loadInFreshProcess(dir);
    assert.equal(r.contextDim, 0);
    // The script runs plain wasm (it starts no native BLAS): compare on the same kernels.
    setNativeGemmEnabled(false);
    const here = tf.tidy(() => Array.from(flow.logProb(tf.tensor2d(r.x)).dataSync()));
    r.logProb.forEach((v, i) => assert.ok(Math.abs(v - here[i]) < 1e-5, `${v} vs ${here[i]}`));
  } finally {
    setNativeGemmEnabled(true);
    flow.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a script importing only lib/io/model_io.ts loads a cINN saved by the old code", async () => {
  const dir = new URL("./fixtures/old_cinn/cinn_flow", import.meta.url).pathname;
  const r = await loadInFreshProcess(dir);
  assert.equal(r.contextDim, 1);
  const flow = await loadFlow(dir);
  try {
    const here = tf.tidy(() =>
      Array.from(
        flow.logProb(tf.tensor2d(r.x), { context: tf.tensor2d([[0.5]]) }).dataSync(),
      )
    );
    r.logProb.forEach((v, i) => assert.ok(Math.abs(v - here[i]) < 1e-4, `${v} vs ${here[i]}`));
  } finally {
    flow.dispose();
  }
});

Deno.test("a damaged weights.bin is named with its sizes or its bad weight, for models and checkpoints", async () => {
  const before = tf.memory().numTensors;
  const dir = await Deno.makeTempDir();
  const flow = buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [8], seed: 1 });
  try {
    await saveFlow(flow, join(dir, "model"));
    const bin = join(dir, "model", "weights.bin");
    const good = await Deno.readFile(bin);
    // Truncated (as `truncate -s 1000` does to a larger model).
    const cut = Math.floor(good.length / 2);
    await Deno.writeFile(bin, good.subarray(0, cut));
    await assert.rejects(
      () => loadFlow(join(dir, "model")),
      new RegExp(
        `weights\\.bin: ${cut} bytes, but its manifest describes ${good.length} bytes.*truncated`,
      ),
    );
    // The right size, random bytes (as `head -c SIZE /dev/urandom` does): a NaN or infinity
    // somewhere is as good as certain; force one so the test cannot pass by luck.
    const garbage = crypto.getRandomValues(new Uint8Array(good.length));
    new Float32Array(garbage.buffer).set([NaN], 5);
    await Deno.writeFile(bin, garbage);
    await assert.rejects(
      () => loadFlow(join(dir, "model")),
      /weights\.bin: weight ".*" holds NaN.*corrupt/,
    );
    // Restored, it loads again.
    await Deno.writeFile(bin, good);
    const again = await loadFlow(join(dir, "model"));
    again.dispose();
  } finally {
    flow.dispose();
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(tf.memory().numTensors, before, "no tensors left behind by the failed loads");
});
