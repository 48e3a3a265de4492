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
import { OutputInUseError, OutputLock } from "./output_lock.ts";

/**
 * The paths of the numbers in a JSON-like value that are NaN or infinite
 * (which `JSON.stringify` would silently write as `null`).
 * @param value Metrics or any JSON-like value.
 * @param path Its own path, for the names.
 * @returns Paths such as `models.cinn.c2st = NaN`.
 * @example
 * ```ts
 * import { nonFiniteFields } from "./app_edges.ts";
 * nonFiniteFields({ nll: NaN, per_class: [1, Infinity] }); // ["nll = NaN", "per_class[1] = Infinity"]
 * ```
 */
export function nonFiniteFields(value: unknown, path = ""): string[] {
  if (typeof value === "number") return Number.isFinite(value) ? [] : [`${path} = ${value}`];
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return nonFiniteFields(Array.from(value as unknown as ArrayLike<number>), path);
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => nonFiniteFields(v, `${path}[${i}]`));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => nonFiniteFields(v, path ? `${path}.${k}` : k));
  }
  return [];
}

/**
 * Stops a run, before it writes anything, when results it is about to write
 * are not finite — a loaded model with corrupt weights, or a fit gone
 * wrong — so that earlier outputs stay as they were.
 * @param outDir The run's output folder, for the message.
 * @param results Named numbers or arrays the outputs are made of.
 * @throws Error naming each non-finite result and saying nothing was written.
 * @example
 * ```ts
 * import { requireFiniteResults } from "./app_edges.ts";
 * requireFiniteResults("output/app1", { heldout_nll: 2.9, samples: [0.1, -0.3] }); // fine
 * ```
 */
export function requireFiniteResults(
  outDir: string,
  results: Record<string, number | ArrayLike<number> | null | undefined>,
): void {
  const bad: string[] = [];
  for (const [name, v] of Object.entries(results)) {
    if (v === null || v === undefined) continue;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) bad.push(`${name} = ${v}`);
      continue;
    }
    let count = 0;
    for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) count++;
    if (count > 0) bad.push(`${count} of ${v.length} values of ${name}`);
  }
  if (bad.length === 0) return;
  throw new Error(
    `the run produced non-finite results (${bad.join("; ")}): nothing written, earlier ` +
      `results in ${outDir} kept; a model loaded with --no-train may have corrupt weights ` +
      `(train it again)`,
  );
}

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
  const bad = nonFiniteFields(metrics);
  if (bad.length > 0) {
    throw new Error(
      `${join(outDir, "metrics.json")} not written: ${bad.length} metric${
        bad.length === 1 ? " is" : "s are"
      } not finite (${bad.slice(0, 5).join(", ")}${
        bad.length > 5 ? ", …" : ""
      }); the earlier metrics.json, if any, is kept`,
    );
  }
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

/**
 * Takes the run's lock on its output folder ({@link OutputLock}), or ends the
 * app with exit code 2 and the holder's details when another run holds it.
 * @param app The app's name.
 * @param params The run's params (`run.output_dir`).
 * @returns The held lock; release it when the run ends.
 */
export async function lockOutputOrExit(app: string, params: Params): Promise<OutputLock> {
  try {
    const lock = await OutputLock.acquire(params.run.output_dir, app);
    if (lock.tookOverNote) console.error(`${app}: ${lock.tookOverNote}`);
    return lock;
  } catch (err) {
    if (!(err instanceof OutputInUseError)) throw err;
    console.error(`${app}: ${err.message}`);
    Deno.exit(2);
  }
}

/**
 * The body of every app's entry file after its params are loaded: refuse
 * unwritable folders (exit 2), take the output folder's lock (exit 2 when
 * another run holds it), start the backend, run the app, release the lock;
 * a failure prints `appN failed: …` and exits 1, with the lock released.
 * @param app The app's name, e.g. `app1`.
 * @param params The run's validated params.
 * @param body The app's work, given the active backend.
 * @example
 * ```ts ignore
 * import { runApp } from "./app_edges.ts";
 * await runApp("app1", params, async (backend) => {
 *   const { files } = await runDistributionMapping(params, { backend });
 *   console.log(`wrote ${files.length} files`);
 * });
 * ```
 */
export async function runApp(
  app: string,
  params: Params,
  body: (backend: BackendName) => Promise<void>,
): Promise<void> {
  exitUnlessWritable(app, params);
  const lock = await lockOutputOrExit(app, params);
  try {
    await body(await startAppBackend(app, params.run.backend));
  } catch (err) {
    console.error(`${app} failed: ${(err as Error).message}`);
    await lock.release();
    Deno.exit(1);
  }
  await lock.release();
}
