/**
 * Correctness and speed of another TensorFlow.js backend (WebGPU on a GPU
 * machine) against this toolkit's reference, wasm + native BLAS, on the
 * benchmark workloads: one short script to run on a machine lent with a GPU.
 *
 * For each workload the flow is built once on wasm; its weights and one batch
 * are copied to the checked backend, where the training loss (mean NLL in
 * training mode) and the gradient of every trainable variable are compared
 * with wasm's, then training steps are timed there (the benchmark's
 * {@link measureWorkload}). Writes `backend_check.json` under `--out`.
 *
 * `deno task bench:backend` (default `--backend webgpu`); `--backend cpu`
 * exercises the same comparison without a GPU. Flags: `--workloads a,c,d`,
 * `--steps N` (timed, default 10), `--out DIR`, `--tolerance T` (largest
 * relative gradient error accepted, default 1e-3). Exit code 1 when a
 * comparison fails, 2 when the backend cannot start.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { tf } from "../lib/core/tf.ts";
import { describeRuntime, initBackend } from "../lib/kernels/mod.ts";
import { writeFileAtomic } from "../lib/core/atomic.ts";
import { measureWorkload } from "./measure.ts";
import { selectWorkloads, type Workload } from "./workloads.ts";
import { disposeBatch } from "../lib/training/data_source.ts";
import { exitUsage, parseBenchArgs } from "./cli.ts";

/** Agreement of one workload's loss and gradients between two backends. */
export interface BackendComparison {
  /** Workload key. */
  workload: string;
  /** Loss on the reference backend. */
  lossReference: number;
  /** Loss on the checked backend. */
  lossChecked: number;
  /** `|Δloss| / max(1, |loss|)`. */
  lossRelativeError: number;
  /** `‖g_checked − g_ref‖ / ‖g_ref‖` over all trainable variables. */
  gradientRelativeError: number;
  /** Trainable parameters compared. */
  parameters: number;
}

/** A training batch held in JavaScript, so each backend builds its own tensors. */
interface HostBatch {
  data: Float32Array;
  shape: number[];
  context?: Float32Array;
  contextShape?: [number, number];
}

/**
 * Loss and flattened gradients of one training batch, read back to JavaScript
 * (asynchronously: WebGPU in Deno cannot read synchronously).
 */
async function lossAndGradients(
  w: Workload,
  weights: Float32Array[] | null,
  batch: HostBatch,
): Promise<{ loss: number; gradients: Float32Array[]; weights: Float32Array[] }> {
  const { flow, dispose } = w.build();
  try {
    const variables = flow.bijector.trainableVariables();
    if (weights) variables.forEach((v, i) => v.assign(tf.tensor(weights[i], v.shape)));
    const x = tf.tensor(batch.data, batch.shape);
    const context = batch.context ? tf.tensor2d(batch.context, batch.contextShape) : undefined;
    const options = { training: true, context };
    const { value, grads } = tf.variableGrads(
      () => tf.neg(tf.mean(flow.logProb(x, options))) as tf.Scalar,
      variables,
    );
    const read = (t: tf.Tensor) => t.data() as Promise<Float32Array>;
    const out = {
      loss: (await read(value))[0],
      gradients: await Promise.all(variables.map((v) => read(grads[v.name]))),
      weights: await Promise.all(variables.map(read)),
    };
    tf.dispose([x, value, ...Object.values(grads)]);
    context?.dispose();
    return out;
  } finally {
    dispose();
  }
}

/**
 * Compares a workload's training loss and gradients on `backend` with wasm's.
 * Leaves wasm active.
 * @param w The workload.
 * @param backend The backend to check (`webgpu`, `cpu`).
 * @returns The agreement.
 */
export async function compareWithWasm(w: Workload, backend: string): Promise<BackendComparison> {
  await initBackend("wasm");
  const b = w.batch(w.batchSize, 2);
  const batch: HostBatch = {
    data: (await b.x.data()) as Float32Array,
    shape: b.x.shape,
    ...(b.context
      ? { context: (await b.context.data()) as Float32Array, contextShape: b.context.shape }
      : {}),
  };
  disposeBatch(b);
  const reference = await lossAndGradients(w, null, batch);
  await initBackend(backend);
  try {
    const checked = await lossAndGradients(w, reference.weights, batch);
    let diff = 0, norm = 0, parameters = 0;
    reference.gradients.forEach((g, i) => {
      const h = checked.gradients[i];
      for (let j = 0; j < g.length; j++) {
        diff += (h[j] - g[j]) ** 2;
        norm += g[j] ** 2;
      }
      parameters += g.length;
    });
    return {
      workload: w.key,
      lossReference: reference.loss,
      lossChecked: checked.loss,
      lossRelativeError: Math.abs(checked.loss - reference.loss) /
        Math.max(1, Math.abs(reference.loss)),
      gradientRelativeError: Math.sqrt(diff / Math.max(norm, 1e-30)),
      parameters,
    };
  } finally {
    await initBackend("wasm");
  }
}

const USAGE =
  `deno task bench:backend [flags]: checks another TensorFlow.js backend against wasm + native
BLAS on the benchmark workloads (training loss and every gradient), then times it there.

  --backend NAME   backend to check: webgpu (default) or cpu
  --workloads a,c  workloads (default a,c,d)
  --steps N        timed training steps (default 10)
  --tolerance T    largest relative loss and gradient error accepted (default 1e-3)
  --out DIR        where backend_check.json goes (default output/bench)

Exit code 1 when a comparison fails, 2 when the backend cannot start or a flag is wrong.`;

async function main(): Promise<number> {
  const { values: args } = parseBenchArgs("bench:backend", USAGE, () =>
    parseArgs({
      args: Deno.args,
      options: {
        backend: { type: "string", default: "webgpu" },
        workloads: { type: "string", default: "a,c,d" },
        steps: { type: "string", default: "10" },
        out: { type: "string", default: "output/bench" },
        tolerance: { type: "string", default: "1e-3" },
      },
    }));
  const steps = Number(args.steps), tolerance = Number(args.tolerance);
  if (!Number.isInteger(steps) || steps < 1 || !(tolerance > 0)) {
    exitUsage(
      "bench:backend",
      `--steps must be a positive integer and --tolerance > 0, got ${args.steps} and ${args.tolerance}`,
    );
  }
  const workloads = parseBenchArgs("bench:backend", USAGE, () => selectWorkloads(args.workloads));
  try {
    await initBackend(args.backend);
  } catch (err) {
    console.error(`backend check: ${(err as Error).message}`);
    return 2;
  }
  const results = [];
  let failed = false;
  for (const w of workloads) {
    const c = await compareWithWasm(w, args.backend);
    const ok = c.lossRelativeError <= tolerance && c.gradientRelativeError <= tolerance;
    failed ||= !ok;
    console.log(
      `${w.key}: loss ${c.lossChecked.toFixed(5)} vs wasm ${c.lossReference.toFixed(5)}, ` +
        `gradient relative error ${
          c.gradientRelativeError.toExponential(2)
        } over ${c.parameters} ` +
        `parameters: ${ok ? "ok" : "MISMATCH"}`,
    );
    await initBackend(args.backend);
    const m = await measureWorkload(w, { steps, warmup: 2, evalBudgetMs: 10_000 });
    await initBackend("wasm");
    if ("skipped" in m) {
      console.log(`${w.key}: timing skipped, ${m.skipped}`);
    } else {
      console.log(
        `${w.key}: ${m.msPerStep.toFixed(1)} ms/step on ${args.backend}, ` +
          `${m.msPer1000LogProb.toFixed(1)} ms/1000 log-prob, ` +
          `${m.msPer1000Samples.toFixed(1)} ms/1000 samples`,
      );
    }
    results.push({ ...c, ok, timing: m });
  }
  const path = join(args.out, "backend_check.json");
  await writeFileAtomic(
    path,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        backend: args.backend,
        reference: describeRuntime(),
        tolerance,
        results,
      },
      null,
      2,
    ) + "\n",
  );
  console.log(`wrote ${path}`);
  return failed ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main());
