/**
 * What every application does the same way at its edges: start the backend it
 * was asked for (printing what runs the arithmetic) and write `metrics.json`.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/core/atomic.ts";
import { type BackendName, describeRuntime, initBackend } from "../../lib/kernels/mod.ts";

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
