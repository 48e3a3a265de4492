/**
 * What an app records and says when it evaluates a saved model (`--no-train`)
 * whose architecture is not the one its params describe: the saved model is
 * what runs, so its architecture (`model_arch`, stored with the model when it
 * was trained) is what `metrics.json` records, and each field the command
 * line or params file asked to be different is named.
 *
 * @module
 */
import type { Params } from "../../lib/params/mod.ts";

/** The params that describe a loaded model, and what differs from the run's own. */
export interface SavedModelParams {
  /** The run's params with `model_arch` as the saved model was trained. */
  params: Params;
  /** One line per difference (or a line saying the model carries no params); empty when they agree. */
  notes: string[];
}

/**
 * The params of a run that evaluates a saved model.
 * @param params The run's params.
 * @param metadata The saved model's metadata (its `params` field, as apps save it).
 * @param modelDir Where the model was loaded from, for the notes.
 * @returns Params with the saved architecture, and notes on the differences.
 * @example
 * ```ts
 * import { schemaDefaults } from "../../lib/params/mod.ts";
 * import { paramsOfSavedModel } from "./saved_params.ts";
 * const run = schemaDefaults();
 * const saved = structuredClone(run);
 * saved.model_arch.realnvp_flow_steps = 12;
 * run.model_arch.realnvp_flow_steps = 4;
 * const r = paramsOfSavedModel(run, { params: saved }, "output/app1/model");
 * r.params.model_arch.realnvp_flow_steps; // 12
 * r.notes; // ["… model_arch.realnvp_flow_steps = 12 (this run asked for 4) …"]
 * ```
 */
export function paramsOfSavedModel(
  params: Params,
  metadata: Record<string, unknown> | undefined,
  modelDir: string,
): SavedModelParams {
  const saved = (metadata?.params as Partial<Params> | undefined)?.model_arch as
    | Record<string, unknown>
    | undefined;
  if (!saved || typeof saved !== "object") {
    return {
      params,
      notes: [
        `note: the model in ${modelDir} carries no params; metrics.json records this run's ` +
        `model_arch, which may not describe it`,
      ],
    };
  }
  const effective = structuredClone(params);
  const arch = effective.model_arch as unknown as Record<string, unknown>;
  const notes: string[] = [];
  for (const [key, value] of Object.entries(params.model_arch)) {
    if (!Object.hasOwn(saved, key)) continue;
    if (JSON.stringify(saved[key]) === JSON.stringify(value)) continue;
    arch[key] = structuredClone(saved[key]);
    notes.push(
      `note: the model in ${modelDir} was trained with model_arch.${key} = ${
        JSON.stringify(saved[key])
      } (this run asked for ${JSON.stringify(value)}); the saved model is evaluated and ` +
        `metrics.json records its value — train again (without --no-train) for the other`,
    );
  }
  return { params: effective, notes };
}
