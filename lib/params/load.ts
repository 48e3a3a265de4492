/**
 * `loadParams`: the one params loader of all seven apps. Order: schema
 * defaults ← `params/<app>.json` (or `--params FILE`) ← its `quick` section
 * (with `--quick`) ← command-line flags ← `--set` overrides.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseCli } from "./cli.ts";
import { HelpRequested, ParamsError } from "./errors.ts";
import { paramsHelp } from "./help.ts";
import { checkLayer, type Layer, layerFromObject, mergeLayers } from "./layer.ts";
import { readJsonFile } from "./read_json.ts";
import { GROUP_NAMES, type Params } from "./schema.ts";
import { didYouMean } from "./suggest.ts";

/**
 * Checks a dataset name: returns null if it is allowed, else a phrase that
 * completes "run.dataset must be …" (e.g. `a folder that exists`).
 */
export type DatasetValidator = (name: string) => string | null;

/** Options of {@link loadParams}. */
export interface LoadParamsOptions {
  /** Folder of the `<app>.json` files; default the repository's `params/`. */
  paramsDir?: string;
  /** Allowed `run.dataset` values (e.g. `TOY_DATASETS`), or a validator. */
  datasets?: readonly string[] | DatasetValidator;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function defaultParamsDir(): string {
  const url = new URL("../../params/", import.meta.url);
  return url.protocol === "file:" ? fileURLToPath(url) : "params";
}

function checkDataset(
  params: Params,
  origins: Map<string, string>,
  datasets: LoadParamsOptions["datasets"],
  problems: string[],
): void {
  const name = params.run.dataset;
  if (!datasets || typeof name !== "string") return; // a non-string is already reported
  const source = origins.get("run.dataset") ?? "schema default";
  if (typeof datasets === "function") {
    const problem = datasets(name);
    if (problem) {
      problems.push(`run.dataset must be ${problem}, got ${JSON.stringify(name)} (${source})`);
    }
  } else if (!datasets.includes(name)) {
    problems.push(
      `run.dataset must be one of ${datasets.map((d) => JSON.stringify(d)).join(", ")}, got ${
        JSON.stringify(name)
      } (${source})${didYouMean(name, datasets)}`,
    );
  }
}

/**
 * Loads, merges and validates an app's parameters.
 * @param app App name; its file is `<paramsDir>/<app>.json` (used when it exists).
 * @param argv Command-line arguments (e.g. `Deno.args`).
 * @param options Params folder and allowed dataset names.
 * @returns The validated params; `run.model_dir` is `<output_dir>/model` unless set.
 * @throws {ParamsError} Listing every problem found (file, fields, flags).
 * @throws {HelpRequested} On `--help`, carrying the usage text.
 * @example
 * ```ts
 * import { loadParams } from "./load.ts";
 * const params = loadParams("app1", ["--quick", "--epochs", "2"]);
 * params.training.num_epochs; // 2
 * ```
 */
export function loadParams(
  app: string,
  argv: readonly string[],
  options: LoadParamsOptions = {},
): Params {
  const problems: string[] = [];
  const cli = parseCli(argv, problems);
  if (!cli) throw new ParamsError(problems);

  const file = cli.paramsFile ?? join(options.paramsDir ?? defaultParamsDir(), `${app}.json`);
  const fileLabel = cli.paramsFile ?? join(options.paramsDir ?? "params", `${app}.json`);
  const read = readJsonFile(file, fileLabel);
  const fileValues = read.ok ? read.value : undefined;
  if (cli.help) {
    const datasets = Array.isArray(options.datasets) ? options.datasets : undefined;
    throw new HelpRequested(paramsHelp(app, { fileValues, fileLabel, datasets }));
  }
  // The app's own file is optional (schema defaults apply); an explicit --params file is not.
  if (!read.ok && (read.missing === false || cli.paramsFile !== undefined)) {
    problems.push(read.problem);
  }

  const layers: Layer[] = [];
  if (isPlainObject(fileValues)) {
    const { quick, description, ...groups } = fileValues;
    if (description !== undefined && typeof description !== "string") {
      problems.push(
        `"description" in ${fileLabel} must be a string, got ${JSON.stringify(description)}`,
      );
    }
    layers.push(layerFromObject(groups, `in ${fileLabel}`, problems));
    if (quick !== undefined) {
      const quickLayer = layerFromObject(quick, `in the "quick" section of ${fileLabel}`, problems);
      if (cli.quick) layers.push(quickLayer);
      else checkLayer(quickLayer, problems); // validated even when unused
    } else if (cli.quick) {
      problems.push(`--quick needs a "quick" section in ${fileLabel}, but it has none`);
    }
  } else if (fileValues !== undefined) {
    problems.push(
      `${fileLabel} must hold a JSON object with groups ${GROUP_NAMES.join(", ")}, got ${
        JSON.stringify(fileValues)
      }`,
    );
  } else if (cli.quick) {
    problems.push(
      `--quick needs a "quick" section in ${fileLabel}, but the file could not be read`,
    );
  }
  layers.push(cli.overrides);
  for (const layer of layers) checkLayer(layer, problems);
  const { params, origins } = mergeLayers(layers);
  checkDataset(params, origins, options.datasets, problems);
  if (problems.length > 0) throw new ParamsError(problems);

  if (params.run.model_dir === "") params.run.model_dir = join(params.run.output_dir, "model");
  return params;
}

/**
 * {@link loadParams} for an app's entry point: on `--help` prints the usage and
 * exits 0; on invalid params prints the problems to stderr and exits 2.
 * @param app App name, e.g. `app1`.
 * @param argv Command-line arguments; default `Deno.args`.
 * @param options Params folder and allowed dataset names.
 * @returns The validated params.
 * @example
 * ```ts ignore
 * import { loadParamsOrExit } from "./load.ts";
 * const params = loadParamsOrExit("app1");
 * ```
 */
export function loadParamsOrExit(
  app: string,
  argv: readonly string[] = Deno.args,
  options: LoadParamsOptions = {},
): Params {
  return paramsOrExit(() => loadParams(app, argv, options));
}

/**
 * Runs a params loader for an app's entry point: on `--help` prints the usage
 * and exits 0; on invalid params prints the problems to stderr and exits 2.
 * @param load The loader, e.g. `() => loadParams("app1", Deno.args)`.
 * @returns The validated params.
 * @example
 * ```ts ignore
 * import { loadParams, paramsOrExit } from "./load.ts";
 * const params = paramsOrExit(() => loadParams("app1", Deno.args));
 * ```
 */
export function paramsOrExit(load: () => Params): Params {
  try {
    return load();
  } catch (e) {
    if (e instanceof HelpRequested) {
      console.log(e.text);
      Deno.exit(0);
    }
    if (e instanceof ParamsError) {
      console.error(e.message);
      Deno.exit(2);
    }
    throw e;
  }
}
