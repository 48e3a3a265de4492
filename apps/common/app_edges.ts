/**
 * What every application does the same way at its edges: check before any
 * work that it may write where it will write, start the backend it was asked
 * for (printing what runs the arithmetic) and write `metrics.json`.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/core/atomic.ts";
import { type BackendName, describeRuntime, initBackend } from "../../lib/kernels/mod.ts";
import type { Params } from "../../lib/params/mod.ts";

/**
 * Writes an app's `metrics.json` (indented JSON) into its output folder atomically.
 * @param outDir The app's output folder.
 * @param metrics The metrics object.
 * @returns The path written.
 * @example
 * ```ts
 * import { writeMetricsFile } from "./app_edges.ts";
 * console.log(await writeMetricsFile(await Deno.makeTempDir(), { nll: 1.5 })); // …/metrics.json
 * ```
 */
export async function writeMetricsFile(outDir: string, metrics: unknown): Promise<string> {
  const path = join(outDir, "metrics.json");
  await writeFileAtomic(path, JSON.stringify(metrics, null, 2) + "\n");
  return path;
}

/**
 * Starts the backend an app was asked for (`auto`: `FLOW_MODELS_BACKEND` or
 * wasm) and prints what runs the arithmetic as the app's first line.
 * @param app The app's name, e.g. `app1`.
 * @param choice `run.backend` of its params: `auto` or a backend name.
 * @returns The backend now active.
 * @throws Error naming the backend and the reason when it cannot start.
 */
export async function startAppBackend(app: string, choice: string): Promise<BackendName> {
  const backend = await initBackend(choice === "auto" ? undefined : choice);
  console.log(`${app}: ${describeRuntime()}`);
  return backend;
}

/**
 * The folders a run will write that this process may not write, each with the
 * params field that names it: `run.output_dir` always, `run.model_dir` when the
 * run trains and saves the model. Asked of Deno's permissions (no prompt, no
 * file touched), so a run refused here has not started training.
 * @param params The run's params.
 * @returns One message per folder that cannot be written; empty when all can.
 * @example
 * ```ts
 * import { schemaDefaults } from "../../lib/params/mod.ts";
 * import { unwritableOutputs } from "./app_edges.ts";
 * const params = schemaDefaults();
 * params.run.output_dir = "output/app1";
 * params.run.model_dir = "output/app1/model";
 * console.log(unwritableOutputs(params)); // [] when writing to output/ is allowed
 * ```
 */
export function unwritableOutputs(params: Params): string[] {
  const folders: [string, string][] = [["run.output_dir", params.run.output_dir]];
  if (params.run.do_train && params.training.save_model_weights) {
    folders.push(["run.model_dir", params.run.model_dir]);
  }
  return folders.filter(([, path]) =>
    Deno.permissions.querySync({ name: "write", path }).state !== "granted"
  ).map(([field, path]) =>
    `${field} = ${path}: this task may not write there (its deno.json task grants ` +
    `--allow-write=output only); choose a folder inside output/, e.g. ${
      field === "run.output_dir" ? "--out output/my_run" : "--set run.model_dir=output/my_model"
    }`
  );
}

/**
 * Ends an app with exit code 2 and one line per folder it may not write,
 * before it has done any work ({@link unwritableOutputs}).
 * @param app The app's name, for the message.
 * @param params The run's params.
 */
export function exitUnlessWritable(app: string, params: Params): void {
  const problems = unwritableOutputs(params);
  if (problems.length === 0) return;
  for (const p of problems) console.error(`${app}: ${p}`);
  Deno.exit(2);
}
