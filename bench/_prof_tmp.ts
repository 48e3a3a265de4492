import { initBackend } from "../lib/kernels/mod.ts";
import { Cinn } from "../lib/inn/cinn.ts";
import { trainFlow } from "../lib/training/trainer.ts";
import { pairedDataSource } from "../lib/inn/paired_data.ts";
import { silentProgress } from "../lib/training/progress.ts";
import { Rng } from "../lib/core/random.ts";
await initBackend("wasm");
const n = 9000, dx = 3, dy = 6;
const rng = new Rng(1);
const x = Float32Array.from({ length: n * dx }, () => rng.normal());
const y = Float32Array.from({ length: n * dy }, () => rng.normal());
const variants: [string, Record<string, unknown>, Record<string, unknown>][] = [
  ["default", {}, {}],
  ["no linearPath", { linearPath: false }, {}],
  ["regLevel 0", { regLevel: 0 }, {}],
  ["no clip", {}, { gradNormThresh: 0 }],
  ["all off", { linearPath: false, regLevel: 0 }, { gradNormThresh: 0 }],
];
for (const [name, o, t] of variants) {
  const cinn = new Cinn({
    dimX: dx, dimY: dy, blocks: 4, hiddenLayers: [64, 64], conditionHidden: [64, 64],
    contextDim: 8, regLevel: 0.01, linearPath: true, seed: 1, ...o,
  });
  const r = await trainFlow(cinn, pairedDataSource({ x, y }, cinn), {
    epochs: 4, batchSize: 256, learningRate: 1e-3, seed: 1, gradNormThresh: 10,
    statisticsExamples: 0, progress: silentProgress, ...t,
  });
  console.log(`${name}: ${r.msPerStep.toFixed(2)} ms/step (${r.steps} steps, ${r.wallSeconds.toFixed(1)} s)`);
  cinn.dispose();
}
