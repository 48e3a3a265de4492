/**
 * Training checkpoints: model variables, optimizer moments, the best weights
 * so far, the random state and the history, in one folder
 * (`<dir>/latest/checkpoint.json` + `weights.bin`) that is replaced
 * atomically, so an interrupted run can always resume from a complete one.
 *
 * @module
 */
import { join } from "node:path";
import { tf } from "../core/tf.ts";
import type { BijectorConfig } from "../bijectors/bijector.ts";
import { upgradeBijectorConfig } from "../bijectors/context_embedding.ts";
import type { NamedVariable } from "../core/variables.ts";
import { exists, writeDirAtomic } from "../core/atomic.ts";
import { assignNamed, encodeTensors } from "../io/model_io.ts";
import { readWeightsFile } from "../io/weights_file.ts";
import type { Adam } from "./adam.ts";

/** Format tag of `checkpoint.json`. */
export const CHECKPOINT_FORMAT = "flow-models-checkpoint/v1";

/** The scalar state saved with a checkpoint. */
export interface CheckpointState {
  /** Last completed epoch (1-based). */
  epoch: number;
  /** Optimizer steps taken. */
  step: number;
  /** State of the shuffling generator. */
  rngState: number;
  /** Best monitored value so far (held-out NLL), if any. */
  bestValue: number | null;
  /** Epoch of the best value. */
  bestEpoch: number;
  /** Epochs since the best value (early-stopping counter). */
  epochsWithoutImprovement: number;
  /** History records so far. */
  history: unknown[];
}

/**
 * Path of the checkpoint folder inside a checkpoint directory.
 * @param dir Checkpoint directory.
 * @returns `<dir>/latest`.
 * @example
 * ```ts
 * import { checkpointPath } from "./checkpoint.ts";
 * checkpointPath("output/run1/checkpoints"); // "output/run1/checkpoints/latest"
 * ```
 */
export function checkpointPath(dir: string): string {
  return join(dir, "latest");
}

/**
 * Writes a checkpoint atomically.
 * @param dir Checkpoint directory.
 * @param parts What to save.
 * @example
 * ```ts
 * import { ActNorm } from "../bijectors/act_norm.ts";
 * import { Adam } from "./adam.ts";
 * import { checkpointPath, saveCheckpoint } from "./checkpoint.ts";
 * const model = new ActNorm({ dims: 2 });
 * const dir = await Deno.makeTempDir();
 * await saveCheckpoint(dir, {
 *   variables: model.variables(),
 *   optimizer: new Adam(model.trainableVariables()),
 *   best: null,
 *   state: {
 *     epoch: 1,
 *     step: 10,
 *     rngState: 7,
 *     bestValue: null,
 *     bestEpoch: 0,
 *     epochsWithoutImprovement: 0,
 *     history: [],
 *   },
 *   bijectorConfig: model.config(),
 * });
 * console.log((await Deno.stat(`${checkpointPath(dir)}/weights.bin`)).isFile); // true
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveCheckpoint(
  dir: string,
  parts: {
    variables: NamedVariable[];
    optimizer: Adam;
    best: Map<string, tf.Tensor> | null;
    state: CheckpointState;
    bijectorConfig: BijectorConfig;
  },
): Promise<void> {
  const tensors = [
    ...parts.variables.map((v) => ({ name: `model/${v.name}`, tensor: v.variable as tf.Tensor })),
    ...parts.optimizer.stateTensors(),
    ...[...(parts.best ?? new Map())].map(([name, tensor]) => ({ name: `best/${name}`, tensor })),
  ];
  const { data, specs } = await encodeTensors(tensors);
  const json = {
    format: CHECKPOINT_FORMAT,
    savedAt: new Date().toISOString(),
    state: parts.state,
    hasBest: parts.best !== null,
    bijectorConfig: parts.bijectorConfig,
    weights: specs,
  };
  await writeDirAtomic(checkpointPath(dir), async (tmp) => {
    await Deno.writeFile(join(tmp, "weights.bin"), data);
    await Deno.writeTextFile(join(tmp, "checkpoint.json"), JSON.stringify(json));
  });
}

/**
 * Loads the latest checkpoint into the model and optimizer.
 * @param dir Checkpoint directory.
 * @param target Model variables, optimizer and the current architecture.
 * @returns The saved state and best weights, or null when there is no checkpoint.
 * @throws Error when the checkpoint is unreadable or for another architecture.
 * @example
 * ```ts
 * import { ActNorm } from "../bijectors/act_norm.ts";
 * import { Adam } from "./adam.ts";
 * import { loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
 * const dir = await Deno.makeTempDir();
 * const model = new ActNorm({ dims: 2 });
 * const target = () => ({
 *   variables: model.variables(),
 *   optimizer: new Adam(model.trainableVariables()),
 *   bijectorConfig: model.config(),
 * });
 * console.log(await loadCheckpoint(dir, target())); // null (nothing saved yet)
 * const state = {
 *   epoch: 1,
 *   step: 10,
 *   rngState: 7,
 *   bestValue: null,
 *   bestEpoch: 0,
 *   epochsWithoutImprovement: 0,
 *   history: [],
 * };
 * await saveCheckpoint(dir, { ...target(), best: null, state });
 * const loaded = await loadCheckpoint(dir, target());
 * console.log(loaded?.state.epoch, loaded?.state.step); // 1 10
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadCheckpoint(
  dir: string,
  target: { variables: NamedVariable[]; optimizer: Adam; bijectorConfig: BijectorConfig },
): Promise<{ state: CheckpointState; best: Map<string, tf.Tensor> | null } | null> {
  const folder = checkpointPath(dir);
  if (!(await exists(join(folder, "checkpoint.json")))) return null;
  const jsonPath = join(folder, "checkpoint.json");
  let json;
  try {
    json = JSON.parse(await Deno.readTextFile(jsonPath));
  } catch (err) {
    throw new Error(`${jsonPath} is not valid JSON: ${(err as Error).message}`);
  }
  if (json.format !== CHECKPOINT_FORMAT) {
    throw new Error(`${jsonPath}: unknown format "${json.format}"`);
  }
  const saved = upgradeBijectorConfig(json.bijectorConfig);
  if (JSON.stringify(saved) !== JSON.stringify(target.bijectorConfig)) {
    throw new Error(
      `${jsonPath} was written for a different model architecture; remove ${folder} or use the original params`,
    );
  }
  const tensors = await readWeightsFile(join(folder, "weights.bin"), json.weights);
  try {
    const model: tf.NamedTensorMap = {};
    for (const v of target.variables) model[v.name] = tensors[`model/${v.name}`];
    assignNamed(target.variables, model, join(folder, "weights.bin"));
    target.optimizer.restore(tensors, json.state.step);
    let best: Map<string, tf.Tensor> | null = null;
    if (json.hasBest) {
      best = new Map();
      for (const v of target.variables) {
        const t = tensors[`best/${v.name}`];
        if (!t) throw new Error(`${folder}: best weight "${v.name}" is missing`);
        best.set(v.name, tf.keep(tf.clone(t)));
      }
    }
    return { state: json.state as CheckpointState, best };
  } finally {
    tf.dispose(Object.values(tensors));
  }
}
