import assert from "node:assert/strict";
import { join } from "node:path";
import { tf } from "../lib/core/tf.ts";
import { initBackend } from "../lib/kernels/backend.ts";
import { buildRealNvpFlow } from "../lib/flows/realnvp_flow.ts";
import { loadFlow, saveFlow } from "../lib/io/model_io.ts";
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
