/**
 * Save and load of the inverse-problem networks, {@link ./inn_model.ts InnModel}
 * and {@link ./cinn.ts Cinn}, in the toolkit's model folder format
 * (`model.json` + `weights.bin`, written atomically; see
 * {@link ../io/model_io.ts}). `model.json` carries the bijector's full config
 * (permutations included, so a saved model does not depend on how seeds turn
 * into permutations), the architecture options under `inn`, and free-form
 * metadata. A loaded network gives exactly the outputs of the saved one,
 * ActNorm initialisation included.
 *
 * A saved cINN is also an ordinary conditional flow: {@link ../io/model_io.ts loadFlow}
 * reads its folder back as a `TransformedDistribution` over `x` whose
 * `logProb(x, { context: y })` is `log p(x | y)`. Folders written by earlier
 * versions (the cINN saved as its joint over rows `[x, y]`) load into the same
 * conditional flow, with the same log-densities. A saved INN is not a density
 * model and is refused by `loadFlow`.
 *
 * @module
 */
import { join } from "node:path";
import { tf } from "../core/tf.ts";
import { type BijectorConfig, bijectorFromConfig } from "../bijectors/bijector.ts";
import { Chain } from "../bijectors/chain.ts";
import { ContextEmbedding } from "../bijectors/context_embedding.ts";
import { writeDirAtomic } from "../core/atomic.ts";
import {
  assignNamed,
  encodeTensors,
  MODEL_FORMAT,
  type ModelJson,
  readModelFolder,
} from "../io/model_io.ts";
import { Cinn, type CinnOptions } from "./cinn.ts";
import { InnModel, type InnModelOptions } from "./inn_model.ts";

/** The `inn` section of a saved network's `model.json`. */
export type InnNetworkSpec =
  | { kind: "inn"; options: InnModelOptions }
  | { kind: "cinn"; options: CinnOptions };

/** A network read back by {@link loadInnNetwork}. */
export interface LoadedInnNetwork {
  /** The network, ready to sample. */
  network: InnModel | Cinn;
  /** The metadata saved with it (including `savedAt`). */
  metadata: Record<string, unknown>;
}

/**
 * Saves an INN or a cINN to a folder (`model.json` + `weights.bin`), atomically.
 * @param network The network.
 * @param dir Destination folder; replaced if it exists.
 * @param metadata Extra JSON stored alongside (e.g. standardizers, history, params).
 * @example
 * ```ts
 * import { InnModel } from "./inn_model.ts";
 * import { loadInnNetwork, saveInnNetwork } from "./inn_io.ts";
 * const inn = new InnModel({ dimX: 2, dimY: 1, dimZ: 1, blocks: 1, hiddenLayers: [8], seed: 1 });
 * const dir = await Deno.makeTempDir();
 * await saveInnNetwork(inn, dir, { note: "untrained" });
 * const { network } = await loadInnNetwork(dir);
 * ```
 */
export async function saveInnNetwork(
  network: InnModel | Cinn,
  dir: string,
  metadata: Record<string, unknown> = {},
): Promise<void> {
  const vars = network.bijector.variables();
  const { data, specs } = await encodeTensors(
    vars.map((v) => ({ name: v.name, tensor: v.variable })),
  );
  const inn: InnNetworkSpec = network instanceof Cinn
    ? { kind: "cinn", options: structuredClone(network.options) }
    : { kind: "inn", options: structuredClone(network.options) };
  const json: ModelJson & { inn: InnNetworkSpec } = {
    format: MODEL_FORMAT,
    config: {
      ...(network instanceof Cinn ? { base: network.base.config() } : {}),
      bijector: network.bijector.config(),
    },
    inn,
    weightsManifest: [{ paths: ["weights.bin"], weights: specs }],
    metadata: { savedAt: new Date().toISOString(), ...metadata },
  };
  await writeDirAtomic(dir, async (tmp) => {
    await Deno.writeFile(join(tmp, "weights.bin"), data);
    await Deno.writeTextFile(join(tmp, "model.json"), JSON.stringify(json, null, 1));
  });
}

function innSpecOf(json: ModelJson, jsonPath: string): InnNetworkSpec {
  const spec = (json as { inn?: unknown }).inn as Partial<InnNetworkSpec> | undefined;
  if (!spec || typeof spec !== "object") {
    throw new Error(
      `${jsonPath} holds no INN or cINN (no "inn" section); a plain flow is loaded with loadFlow`,
    );
  }
  if (spec.kind !== "inn" && spec.kind !== "cinn") {
    throw new Error(
      `${jsonPath}: "inn.kind" must be "inn" or "cinn", got ${JSON.stringify(spec.kind)}`,
    );
  }
  if (!spec.options || typeof spec.options !== "object") {
    throw new Error(`${jsonPath}: "inn.options" is missing`);
  }
  return spec as InnNetworkSpec;
}

/**
 * Loads a network saved by {@link saveInnNetwork}.
 * @param dir The folder.
 * @returns The network (an {@link InnModel} or a {@link Cinn}) and its metadata.
 * @throws Error naming the file and the problem: missing folder, not an INN, an
 *   architecture that does not match the weights, a missing weight or a wrong shape.
 * @example
 * ```ts
 * import { Cinn } from "./cinn.ts";
 * import { loadInnNetwork, saveInnNetwork } from "./inn_io.ts";
 * const cinn = new Cinn({ dimX: 2, dimY: 1, blocks: 1, hiddenLayers: [8], seed: 1 });
 * const dir = await Deno.makeTempDir();
 * await saveInnNetwork(cinn, dir, { note: "untrained" });
 * const { network, metadata } = await loadInnNetwork(dir); // a Cinn again
 * console.log(network instanceof Cinn, metadata.note); // true untrained
 * ```
 */
export async function loadInnNetwork(dir: string): Promise<LoadedInnNetwork> {
  const { json, tensors } = await readModelFolder(dir);
  const jsonPath = join(dir, "model.json");
  let network = null as InnModel | Cinn | null;
  try {
    const spec = innSpecOf(json, jsonPath);
    const config = json.config?.bijector as BijectorConfig | undefined;
    if (!config || typeof config.type !== "string") {
      throw new Error(`${jsonPath}: "config.bijector" is missing`);
    }
    let bijector;
    try {
      bijector = bijectorFromConfig(config);
    } catch (err) {
      throw new Error(`${jsonPath}: ${(err as Error).message}`);
    }
    try {
      if (spec.kind === "inn") {
        if (!(bijector instanceof Chain)) {
          throw new Error(`an INN's bijector must be a chain, got "${config.type}"`);
        }
        network = new InnModel(spec.options, bijector);
      } else {
        if (!(bijector instanceof ContextEmbedding)) {
          throw new Error(`a cINN's bijector must be "context_embedding", got "${config.type}"`);
        }
        network = new Cinn(spec.options, bijector);
      }
    } catch (err) {
      bijector.dispose();
      throw new Error(`${jsonPath}: ${(err as Error).message}`);
    }
    assignNamed(network.bijector.variables(), tensors, join(dir, "weights.bin"));
    return { network, metadata: json.metadata ?? {} };
  } catch (err) {
    network?.dispose();
    throw err;
  } finally {
    tf.dispose(Object.values(tensors));
  }
}
