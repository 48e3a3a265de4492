import assert from "node:assert/strict";
import { initBackend } from "../lib/kernels/backend.ts";
import { generateToyData } from "../lib/data/toy.ts";
import { buildRealNvpFlow } from "../lib/flows/realnvp_flow.ts";
import { densityGrid, gridMass } from "../apps/app1/density_grid.ts";
import { ArrayDataSource } from "../lib/training/data_source.ts";
import { silentProgress } from "../lib/training/progress.ts";
import { trainFlow } from "../lib/training/trainer.ts";

await initBackend("wasm");

for (const coupling of ["affine", "spline"] as const) {
  Deno.test(`${coupling} flow density integrates to 1 on a fine grid, untrained and trained`, async () => {
    const flow = buildRealNvpFlow({
      dims: 2,
      flowSteps: 4,
      hiddenLayers: [32, 32],
      coupling,
      seed: 3,
    });
    // As built: Glorot-initialised networks, so the untrained map is not the identity.
    const untrained = gridMass(
      await densityGrid(flow, { xRange: [-12, 12], yRange: [-12, 12], resolution: 400 }),
    );
    assert.ok(Math.abs(untrained - 1) <= 0.02, `untrained mass ${untrained}`);

    const { points } = generateToyData("moons", 3000, { seed: 1 });
    await trainFlow(flow, new ArrayDataSource(points, [2]), {
      epochs: 4,
      batchSize: 128,
      learningRate: 2e-3,
      seed: 1,
      progress: silentProgress,
    });
    const trained = gridMass(
      await densityGrid(flow, { xRange: [-4, 5], yRange: [-4, 4], resolution: 400 }),
    );
    assert.ok(Math.abs(trained - 1) <= 0.02, `trained mass ${trained}`);
    flow.dispose();
  });
}
