/**
 * Sizing a model before building it: each builder's parameter count equals
 * the trainable values of the model it builds; the memory estimate and the
 * refusal follow from the numbers; an app asked for a model far too large
 * refuses at once with the numbers, exit 1, nothing written.
 */
import assert from "node:assert/strict";
import { buildRealNvpFlow, realNvpModelSize } from "../lib/flows/realnvp_flow.ts";
import { buildGlowFlow, glowModelSize } from "../lib/flows/glow_flow.ts";
import { InnModel, innModelSize } from "../lib/inn/inn_model.ts";
import { buildCinnBijector, cinnModelSize } from "../lib/inn/cinn.ts";
import {
  estimateTrainingMemory,
  formatBytes,
  memoryLimits,
  trainingMemoryProblem,
  WASM_MEMORY_BYTES,
} from "../lib/training/memory.ts";
import { exists } from "../lib/core/atomic.ts";
import { RUN_TAG, runTask } from "./app_task.ts";

const trainable = (vars: { size: number }[]) => vars.reduce((a, v) => a + v.size, 0);

Deno.test("realnvp, Glow, INN and cINN sizes equal the built models' trainable values", () => {
  const realNvp = [
    { dims: 2, flowSteps: 3, hiddenLayers: [8, 8], seed: 1 },
    {
      dims: 5,
      flowSteps: 2,
      hiddenLayers: [7],
      coupling: "spline" as const,
      splineNumBins: 5,
      seed: 2,
    },
    { dims: 3, flowSteps: 2, hiddenLayers: [4, 6, 3], contextDim: 3, batchNorm: false, seed: 3 },
  ];
  for (const o of realNvp) {
    const flow = buildRealNvpFlow(o);
    assert.equal(realNvpModelSize(o).parameters, trainable(flow.bijector.trainableVariables()));
    flow.dispose();
  }
  for (
    const o of [
      {
        imageShape: [8, 8, 1] as [number, number, number],
        numBlocks: 2,
        stepsPerBlock: 2,
        numHidden: 6,
        seed: 1,
      },
      {
        imageShape: [4, 4, 3] as [number, number, number],
        numBlocks: 1,
        stepsPerBlock: 3,
        numHidden: 5,
        seed: 2,
      },
    ]
  ) {
    const flow = buildGlowFlow(o);
    assert.equal(glowModelSize(o).parameters, trainable(flow.bijector.trainableVariables()));
    flow.dispose();
  }
  for (
    const o of [
      { dimX: 4, dimY: 3, dimZ: 2, blocks: 3, hiddenLayers: [9, 5], seed: 1 },
      {
        dimX: 3,
        dimY: 1,
        dimZ: 2,
        blocks: 2,
        hiddenLayers: [4],
        couplingsPerBlock: 1 as const,
        actNorm: false,
        seed: 2,
      },
    ]
  ) {
    const inn = new InnModel(o);
    assert.equal(innModelSize(o).parameters, trainable(inn.trainableVariables()));
    inn.dispose();
  }
  for (
    const o of [
      {
        dimX: 5,
        dimY: 3,
        blocks: 3,
        hiddenLayers: [9],
        conditionHidden: [4, 4],
        contextDim: 6,
        seed: 1,
      },
      { dimX: 2, dimY: 7, blocks: 1, hiddenLayers: [3, 3], seed: 2 },
      { dimX: 4, dimY: 3, blocks: 2, hiddenLayers: [5], contextDim: 4, linearPath: true, seed: 3 },
      { dimX: 5, dimY: 2, blocks: 1, hiddenLayers: [4], coupling: "spline" as const, seed: 5 },
    ]
  ) {
    const cinn = buildCinnBijector(o);
    assert.equal(cinnModelSize(o).parameters, trainable(cinn.trainableVariables()));
    cinn.dispose();
  }
});

Deno.test("the training-memory estimate and the refusal follow from the numbers", () => {
  const m = estimateTrainingMemory({ parameters: 1e6, activationsPerExample: 2000 }, 128);
  assert.equal(m.weightBytes, 4e6);
  assert.equal(m.trainingBytes, 5 * 4e6 + 2 * 4 * 128 * 2000);
  const limits = { availableBytes: 30e6, backendBytes: null, backend: "cpu" };
  assert.equal(trainingMemoryProblem(m, limits), null);
  const tight = trainingMemoryProblem(m, { ...limits, availableBytes: 10e6 });
  assert.match(tight!, /training needs ≈ 21\.0 MiB \(1,000,000 parameters: 3\.81 MiB of weights/);
  assert.match(tight!, /this machine has 9\.54 MiB available$/);
  const big = estimateTrainingMemory({ parameters: 1e9, activationsPerExample: 0 }, 1);
  assert.match(
    trainingMemoryProblem(big, {
      availableBytes: 64 * 2 ** 30,
      backendBytes: WASM_MEMORY_BYTES,
      backend: "wasm",
    })!,
    /but the wasm backend addresses at most 4\.00 GiB$/,
  );
  assert.equal(memoryLimits("wasm").backendBytes, WASM_MEMORY_BYTES);
  assert.equal(memoryLimits("cpu").backendBytes, null);
  assert.deepEqual([formatBytes(512), formatBytes(1536), formatBytes(5 * 2 ** 40)], [
    "512 B",
    "1.50 KiB",
    "5.00 TiB",
  ]);
});

Deno.test("app1 refuses a model far too large at once, with the numbers, exit 1, nothing written", async () => {
  const dir = `output/test-size-${RUN_TAG}`;
  try {
    const t0 = performance.now();
    const r = await runTask(
      "app1",
      "--quick",
      "--out",
      dir,
      "--set",
      "model_arch.realnvp_flow_steps=100000",
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /flow too large to train here: training needs ≈ [\d.]+ GiB \(578,700,000 parameters/,
    );
    assert.match(r.stderr, /model_arch\.realnvp_flow_steps = 100000/);
    assert.ok(performance.now() - t0 < 60_000, "the refusal comes before any allocation");
    assert.ok(!(await exists(dir)), `${dir} was created`);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
