/**
 * Save and load of trained flows: a folder with `model.json` (the
 * architecture config plus a TensorFlow.js weights manifest) and
 * `weights.bin` (the tensors, in the manifest's order). Writes are atomic:
 * an existing model is replaced only once the new one is complete.
 *
 * @module
 */
import { join } from "node:path";
import { tf } from "../core/tf.ts";
import { type BijectorConfig, bijectorFromConfig } from "../bijectors/bijector.ts";
import { type NamedVariable } from "../core/variables.ts";
import { DiagonalNormal, type DiagonalNormalConfig } from "../distributions/normal.ts";
import { TransformedDistribution } from "../distributions/transformed.ts";
import { ConditionalBase } from "../inn/conditional_joint.ts";
import { writeDirAtomic } from "../core/atomic.ts";

/** Format tag written into `model.json`. */
export const MODEL_FORMAT = "flow-models/v1";

/** `type` of the base of a conditional flow (a cINN's joint): N(0, I) over `x` only. */
export const CONDITIONAL_BASE_TYPE = "inn_conditional_base";

/** JSON form of a {@link ConditionalBase}: standard normal over `x` of rows `[x, y]`. */
export interface ConditionalBaseConfig {
  /** {@link CONDITIONAL_BASE_TYPE}. */
  type: typeof CONDITIONAL_BASE_TYPE;
  /** Width of the modelled block `x`. */
  dimX: number;
  /** Width of the given block `y`. */
  dimY: number;
}

/** The base distribution of a saved flow. */
export type BaseConfig = DiagonalNormalConfig | ConditionalBaseConfig;

/** The JSON document `model.json`. */
export interface ModelJson {
  /** {@link MODEL_FORMAT}. */
  format: string;
  /**
   * Base distribution and bijector configs (an INN, which is not a density
   * model, has no base; see `lib/inn/inn_io.ts`).
   */
  config: { base?: BaseConfig; bijector: BijectorConfig };
  /** TensorFlow.js weights manifest. */
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  /** Free-form metadata (params, metrics, date). */
  metadata?: Record<string, unknown>;
}

/**
 * Encodes named tensors into one binary blob and its manifest entries.
 * @param tensors Named tensors.
 * @returns The bytes and the specs.
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
  const vars = flow.bijector.variables();
  const { data, specs } = await encodeTensors(
    vars.map((v) => ({ name: v.name, tensor: v.variable })),
  );
  const base: BaseConfig = flow.base instanceof ConditionalBase
    ? { type: CONDITIONAL_BASE_TYPE, dimX: flow.base.dimX, dimY: flow.base.dims - flow.base.dimX }
    : flow.base.config();
  const json: ModelJson = {
    format: MODEL_FORMAT,
    config: { base, bijector: flow.bijector.config() },
    weightsManifest: [{ paths: ["weights.bin"], weights: specs }],
    metadata: { savedAt: new Date().toISOString(), ...metadata },
  };
  await writeDirAtomic(dir, async (tmp) => {
    await Deno.writeFile(join(tmp, "weights.bin"), data);
    await Deno.writeTextFile(join(tmp, "model.json"), JSON.stringify(json, null, 1));
  });
}

/**
 * Reads `model.json` and decodes `weights.bin` of a saved folder.
 * @param dir The folder.
 * @returns The parsed JSON and the tensors by name (caller disposes them).
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
  const bin = await Deno.readFile(join(dir, group.paths[0]));
  const tensors = tf.io.decodeWeights(
    bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer,
    group.weights,
  );
  return { json, tensors };
}

function baseFromConfig(config: BaseConfig | undefined, jsonPath: string): DiagonalNormal {
  if (!config || typeof config !== "object") {
    throw new Error(`${jsonPath}: "config.base" is missing`);
  }
  if (config.type === CONDITIONAL_BASE_TYPE) {
    const { dimX, dimY } = config;
    if (!Number.isInteger(dimX) || dimX < 1 || !Number.isInteger(dimY) || dimY < 1) {
      throw new Error(
        `${jsonPath}: the conditional base needs positive integer dimX and dimY, got ${dimX}, ${dimY}`,
      );
    }
    return new ConditionalBase(dimX, dimY);
  }
  if (config.type !== undefined && config.type !== "diagonal_normal") {
    throw new Error(
      `${jsonPath}: unknown base distribution "${(config as { type: unknown }).type}"`,
    );
  }
  return new DiagonalNormal(config.loc, config.scale);
}

/**
 * Loads a flow saved by {@link saveFlow}. The base comes back as saved: a
 * diagonal normal, or for a cINN's joint (saved by `saveFlow(cinn.joint, …)` or
 * `saveInnNetwork(cinn, …)`) the conditional base, so that `logProb([x, y])` is
 * again `log p(x | y)`.
 * @param dir The folder.
 * @returns The flow, with its metadata.
 * @throws Error naming the file and the problem (missing, malformed, wrong shapes,
 *   or a saved INN, which is not a density model: load that with `loadInnNetwork`).
 */
export async function loadFlow(
  dir: string,
): Promise<TransformedDistribution & { metadata?: Record<string, unknown> }> {
  const { json, tensors } = await readModelFolder(dir);
  const jsonPath = join(dir, "model.json");
  let base: DiagonalNormal;
  try {
    if ((json as { inn?: { kind?: unknown } }).inn?.kind === "inn") {
      throw new Error(
        `${jsonPath} holds an INN (x ↔ [y, z]), not a density model: load it with loadInnNetwork`,
      );
    }
    base = baseFromConfig(json.config?.base, jsonPath);
  } catch (err) {
    tf.dispose(Object.values(tensors));
    throw err;
  }
  const bijector = bijectorFromConfig(json.config.bijector);
  try {
    assignNamed(bijector.variables(), tensors, join(dir, "weights.bin"));
  } catch (err) {
    bijector.dispose();
    throw err;
  } finally {
    tf.dispose(Object.values(tensors));
  }
  return Object.assign(new TransformedDistribution(base, bijector), { metadata: json.metadata });
}
