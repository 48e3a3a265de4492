/**
 * Save and load of trained flows: a folder with `model.json` (the
 * architecture config plus a TensorFlow.js weights manifest) and
 * `weights.bin` (the tensors, in the manifest's order). Writes are atomic:
 * an existing model is replaced only once the new one is complete.
 *
 * Loading works from any entry point: this module imports
 * `lib/bijectors/mod.ts`, which registers every bijector type. Conditional
 * flows save and load like any other (their bijector's config carries the
 * context width). Folders written before conditional flows were ordinary
 * flows (a cINN saved as its joint over rows `[x, y]`: base
 * `"inn_conditional_base"`, bijector `"inn_conditional_joint"`) are read
 * as the equivalent conditional flow over `x` with `y` as its context,
 * with the same log-densities. A flow whose base learns variables (the
 * class-conditional Gaussian mixture of a generative classifier) saves them
 * beside the bijector's.
 *
 * @module
 */
import { join } from "node:path";
import { tf } from "../core/tf.ts";
import {
  type BijectorConfig,
  bijectorFromConfig,
  upgradeBijectorConfig,
} from "../bijectors/mod.ts";
import type { NamedVariable } from "../core/variables.ts";
import { DiagonalNormal, type DiagonalNormalConfig } from "../distributions/normal.ts";
import type { BaseDistribution, BaseDistributionConfig } from "../distributions/base.ts";
import {
  ClassGaussianMixture,
  type ClassGaussianMixtureConfig,
} from "../distributions/class_mixture.ts";
import { TransformedDistribution } from "../distributions/transformed.ts";
import { readWeightsFile } from "./weights_file.ts";
import { writeDirAtomic } from "../core/atomic.ts";

/** Format tag written into `model.json`. */
export const MODEL_FORMAT = "flow-models/v1";

/** The retired base type of a cINN's joint (N(0, I) over `x` of rows `[x, y]`), read as N(0, I) over `x`. */
const LEGACY_CONDITIONAL_BASE_TYPE = "inn_conditional_base";

/** The JSON document `model.json`. */
export interface ModelJson {
  /** {@link MODEL_FORMAT}. */
  format: string;
  /**
   * Base distribution and bijector configs (an INN, which is not a density
   * model, has no base; see `lib/inn/inn_io.ts`).
   */
  config: { base?: DiagonalNormalConfig | BaseDistributionConfig; bijector: BijectorConfig };
  /** TensorFlow.js weights manifest. */
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  /** Free-form metadata (params, metrics, date). */
  metadata?: Record<string, unknown>;
}

/**
 * Encodes named tensors into one binary blob and its manifest entries.
 * @param tensors Named tensors.
 * @returns The bytes and the specs.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { encodeTensors } from "./model_io.ts";
 * const { data, specs } = await encodeTensors([{ name: "w", tensor: tf.ones([2, 3]) }]);
 * console.log(data.length, specs[0].shape); // 24 [2, 3]
 * ```
 */
export async function encodeTensors(
  tensors: { name: string; tensor: tf.Tensor }[],
): Promise<{ data: Uint8Array; specs: tf.io.WeightsManifestEntry[] }> {
  const { data, specs } = await tf.io.encodeWeights(
    tensors.map((t) => ({ name: t.name, tensor: t.tensor })),
  );
  return { data: new Uint8Array(data as ArrayBuffer), specs };
}

/**
 * Assigns saved tensors to variables by name.
 * @param variables Target variables.
 * @param saved Tensors by name.
 * @param source File name for error messages.
 * @throws Error naming a missing variable or a shape mismatch.
 */
export function assignNamed(
  variables: NamedVariable[],
  saved: tf.NamedTensorMap,
  source: string,
): void {
  for (const { name, variable } of variables) {
    const t = saved[name];
    if (!t) throw new Error(`${source}: weight "${name}" is missing`);
    if (t.shape.join(",") !== variable.shape.join(",")) {
      throw new Error(
        `${source}: weight "${name}" has shape [${t.shape}], the model expects [${variable.shape}]`,
      );
    }
    variable.assign(t);
  }
}

/**
 * Saves a flow to a folder (`model.json` + `weights.bin`), atomically.
 * @param flow The flow.
 * @param dir Destination folder; replaced if it exists.
 * @param metadata Extra JSON stored alongside (e.g. params, metrics).
 * @example
 * ```ts
 * import { buildRealNvpFlow, loadFlow, saveFlow } from "../../mod.ts";
 * const flow = buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [8], seed: 1 });
 * const dir = await Deno.makeTempDir();
 * await saveFlow(flow, dir);
 * const again = await loadFlow(dir);
 * ```
 */
export async function saveFlow(
  flow: TransformedDistribution,
  dir: string,
  metadata: Record<string, unknown> = {},
): Promise<void> {
  const vars = flow.variables();
  const { data, specs } = await encodeTensors(
    vars.map((v) => ({ name: v.name, tensor: v.variable })),
  );
  const json: ModelJson = {
    format: MODEL_FORMAT,
    config: { base: flow.base.config(), bijector: flow.bijector.config() },
    weightsManifest: [{ paths: ["weights.bin"], weights: specs }],
    metadata: { savedAt: new Date().toISOString(), ...metadata },
  };
  await writeDirAtomic(dir, async (tmp) => {
    await Deno.writeFile(join(tmp, "weights.bin"), data);
    await Deno.writeTextFile(join(tmp, "model.json"), JSON.stringify(json, null, 1));
  });
}

/** Rewrites the configs of a folder written before conditional flows were ordinary flows. */
function upgradeModelJson(json: ModelJson, jsonPath: string): ModelJson {
  const config = json.config;
  if (!config || typeof config !== "object") return json;
  const base = config.base as { type?: unknown; dimX?: unknown } | undefined;
  let upgradedBase = config.base;
  if (base?.type === LEGACY_CONDITIONAL_BASE_TYPE) {
    const dimX = base.dimX as number;
    if (!Number.isInteger(dimX) || dimX < 1) {
      throw new Error(
        `${jsonPath}: the conditional base needs a positive integer dimX, got ${base.dimX}`,
      );
    }
    upgradedBase = DiagonalNormal.standard(dimX).config();
  }
  const bijector = config.bijector ? upgradeBijectorConfig(config.bijector) : config.bijector;
  if (upgradedBase === config.base && bijector === config.bijector) return json;
  return { ...json, config: { ...config, base: upgradedBase, bijector } };
}

/**
 * Reads `model.json` and decodes `weights.bin` of a saved folder. Configs of
 * retired types (a cINN saved as its joint over rows `[x, y]`) come back in
 * their current form.
 * @param dir The folder.
 * @returns The parsed JSON and the tensors by name (caller disposes them).
 * @throws Error naming the file when the folder or `model.json` is missing or malformed.
 * @example
 * ```ts
 * import { buildRealNvpFlow } from "../flows/realnvp_flow.ts";
 * import { readModelFolder, saveFlow } from "./model_io.ts";
 * const dir = await Deno.makeTempDir();
 * await saveFlow(buildRealNvpFlow({ dims: 2, flowSteps: 1, hiddenLayers: [4], seed: 1 }), dir);
 * const { json, tensors } = await readModelFolder(dir);
 * console.log(json.config.bijector.type, Object.keys(tensors).length > 0); // chain true
 * ```
 */
export async function readModelFolder(
  dir: string,
): Promise<{ json: ModelJson; tensors: tf.NamedTensorMap }> {
  const jsonPath = join(dir, "model.json");
  let json: ModelJson;
  try {
    json = JSON.parse(await Deno.readTextFile(jsonPath));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(`No saved model at ${dir}: ${jsonPath} does not exist`);
    }
    throw new Error(`${jsonPath} is not valid JSON: ${(err as Error).message}`);
  }
  if (json.format !== MODEL_FORMAT) {
    throw new Error(`${jsonPath}: format "${json.format}" is not "${MODEL_FORMAT}"`);
  }
  const group = json.weightsManifest?.[0];
  if (!group) throw new Error(`${jsonPath} has no weightsManifest`);
  json = upgradeModelJson(json, jsonPath);
  const binName = group.paths?.[0];
  if (typeof binName !== "string") throw new Error(`${jsonPath}: weightsManifest names no file`);
  const tensors = await readWeightsFile(join(dir, binName), group.weights);
  return { json, tensors };
}

function baseFromConfig(
  config: DiagonalNormalConfig | BaseDistributionConfig | undefined,
  jsonPath: string,
): BaseDistribution {
  if (!config || typeof config !== "object") {
    throw new Error(`${jsonPath}: "config.base" is missing`);
  }
  if (config.type === "class_gaussian_mixture") {
    return ClassGaussianMixture.fromConfig(config as ClassGaussianMixtureConfig);
  }
  if (config.type !== undefined && config.type !== "diagonal_normal") {
    throw new Error(
      `${jsonPath}: unknown base distribution "${(config as { type: unknown }).type}"`,
    );
  }
  const normal = config as DiagonalNormalConfig;
  return new DiagonalNormal(normal.loc, normal.scale);
}

/**
 * Loads a flow saved by {@link saveFlow} (or a cINN saved by `saveInnNetwork`),
 * conditional or not. A folder written by earlier versions for a cINN (its joint
 * over rows `[x, y]`) comes back as the conditional flow over `x` whose context
 * is `y`: `logProb(x, { context: y })` is the same `log p(x | y)` as before.
 * @param dir The folder.
 * @returns The flow, with its metadata.
 * @throws Error naming the file and the problem (missing, malformed, wrong shapes,
 *   or a saved INN, which is not a density model: load that with `loadInnNetwork`).
 * @example
 * ```ts
 * import { buildRealNvpFlow } from "../flows/realnvp_flow.ts";
 * import { loadFlow, saveFlow } from "./model_io.ts";
 * const flow = buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [8], contextDim: 1, seed: 1 });
 * const dir = await Deno.makeTempDir();
 * await saveFlow(flow, dir, { note: "conditional" });
 * const again = await loadFlow(dir);
 * console.log(again.contextDim, again.metadata?.note); // 1 conditional
 * ```
 */
export async function loadFlow(
  dir: string,
): Promise<TransformedDistribution & { metadata?: Record<string, unknown> }> {
  const { json, tensors } = await readModelFolder(dir);
  const jsonPath = join(dir, "model.json");
  let base: BaseDistribution;
  let bijector;
  try {
    if ((json as { inn?: { kind?: unknown } }).inn?.kind === "inn") {
      throw new Error(
        `${jsonPath} holds an INN (x ↔ [y, z]), not a density model: load it with loadInnNetwork`,
      );
    }
    base = baseFromConfig(json.config?.base, jsonPath);
    const config = json.config?.bijector;
    if (!config || typeof config.type !== "string") {
      throw new Error(`${jsonPath}: "config.bijector" is missing`);
    }
    try {
      bijector = bijectorFromConfig(config);
    } catch (err) {
      throw new Error(`${jsonPath}: ${(err as Error).message}`);
    }
  } catch (err) {
    tf.dispose(Object.values(tensors));
    throw err;
  }
  try {
    assignNamed(
      [...bijector.variables(), ...(base.variables?.() ?? [])],
      tensors,
      join(dir, "weights.bin"),
    );
  } catch (err) {
    bijector.dispose();
    base.dispose?.();
    throw err;
  } finally {
    tf.dispose(Object.values(tensors));
  }
  return Object.assign(new TransformedDistribution(base, bijector), { metadata: json.metadata });
}
