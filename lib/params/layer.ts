/**
 * Layers of params values (schema defaults ← file ← "quick" ← command line):
 * reading a layer from a JSON object, checking its values, and merging layers
 * while remembering where each value came from.
 *
 * @module
 */
import { checkValue } from "./check_value.ts";
import {
  fieldSpec,
  GROUP_NAMES,
  type GroupName,
  type Params,
  PARAMS_SCHEMA,
  schemaDefaults,
} from "./schema.ts";
import { didYouMean } from "./suggest.ts";

/** One value of a layer, with its source for messages (e.g. `in params/app1.json`). */
export interface LayerEntry {
  /** Group name. */
  group: string;
  /** Field name. */
  name: string;
  /** The raw value. */
  value: unknown;
  /** Where it came from, completing "… (source)". */
  source: string;
}

/** A list of overrides, applied in order. */
export type Layer = LayerEntry[];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function groupOf(name: string): GroupName | undefined {
  return GROUP_NAMES.find((g) => Object.hasOwn(PARAMS_SCHEMA[g], name));
}

/**
 * The message for a group name that is not in the schema.
 * @param group The unknown group.
 * @param source Where it came from, e.g. `in params/app1.json`.
 * @returns E.g. `Unknown group "trainig" in f.json; did you mean "training"? (groups: …)`.
 * @example
 * ```ts
 * import { unknownGroupProblem } from "./layer.ts";
 * unknownGroupProblem("trainig", "in f.json");
 * ```
 */
export function unknownGroupProblem(group: string, source: string): string {
  return `Unknown group ${JSON.stringify(group)} ${source}${didYouMean(group, GROUP_NAMES)}` +
    ` (groups: ${GROUP_NAMES.join(", ")})`;
}

/**
 * The message for a field name that is not in its group, pointing to the
 * group it belongs to or to a close name.
 * @param group A valid group.
 * @param name The unknown field.
 * @param source Where it came from.
 * @returns E.g. `Unknown field run.batch_size in f.json; batch_size belongs to group training`.
 * @example
 * ```ts
 * import { unknownFieldProblem } from "./layer.ts";
 * unknownFieldProblem("training", "num_epoch", "in f.json"); // … did you mean "num_epochs"?
 * ```
 */
export function unknownFieldProblem(group: GroupName, name: string, source: string): string {
  const elsewhere = groupOf(name);
  const hint = elsewhere
    ? `; ${name} belongs to group ${elsewhere}`
    : didYouMean(name, Object.keys(PARAMS_SCHEMA[group]));
  return `Unknown field ${group}.${name} ${source}${hint}`;
}

/**
 * Reads the groups of a params object into a layer, reporting unknown groups
 * and fields (with suggestions). Values are checked later by {@link checkLayer}.
 * @param obj The parsed JSON (or its `quick` section).
 * @param source Where it came from, e.g. `in params/app1.json`.
 * @param problems Collects one message per problem.
 * @returns The layer of known fields.
 * @example
 * ```ts
 * import { layerFromObject } from "./layer.ts";
 * const problems: string[] = [];
 * layerFromObject({ training: { num_epoch: 3 } }, "in my.json", problems);
 * // problems[0]: 'Unknown field training.num_epoch in my.json; did you mean "num_epochs"?'
 * ```
 */
export function layerFromObject(obj: unknown, source: string, problems: string[]): Layer {
  const layer: Layer = [];
  if (!isPlainObject(obj)) {
    problems.push(
      `Params must be an object with groups ${GROUP_NAMES.join(", ")}, got ${
        Array.isArray(obj) ? "an array" : JSON.stringify(obj)
      } ${source}`,
    );
    return layer;
  }
  for (const [group, fields] of Object.entries(obj)) {
    if (!(GROUP_NAMES as string[]).includes(group)) {
      problems.push(unknownGroupProblem(group, source));
      continue;
    }
    if (!isPlainObject(fields)) {
      problems.push(`Group ${group} must be an object, got ${JSON.stringify(fields)} ${source}`);
      continue;
    }
    for (const [name, value] of Object.entries(fields)) {
      if (!fieldSpec(group, name)) {
        problems.push(unknownFieldProblem(group as GroupName, name, source));
        continue;
      }
      layer.push({ group, name, value, source });
    }
  }
  return layer;
}

/**
 * Checks every value of a layer against the schema.
 * @param layer The layer.
 * @param problems Collects messages such as
 *   `training.num_epochs must be a positive integer, got 0 (from --epochs)`.
 * @returns True if every value is valid.
 * @example
 * ```ts
 * import { checkLayer } from "./layer.ts";
 * const problems: string[] = [];
 * checkLayer([{ group: "run", name: "seed", value: -1, source: "from --seed" }], problems);
 * ```
 */
export function checkLayer(layer: Layer, problems: string[]): boolean {
  let ok = true;
  for (const { group, name, value, source } of layer) {
    const problem = checkValue(`${group}.${name}`, fieldSpec(group, name)!, value);
    if (problem) {
      problems.push(`${problem} (${source})`);
      ok = false;
    }
  }
  return ok;
}

/** Merged params and where each non-default value came from. */
export interface Merged {
  /** Defaults overridden by every layer in order. */
  params: Params;
  /** `group.field` → source of the value that won. */
  origins: Map<string, string>;
}

/**
 * Applies layers over the schema defaults, in order (later wins).
 * @param layers Checked layers.
 * @returns The merged params and the origin of each overridden value.
 * @example
 * ```ts
 * import { mergeLayers } from "./layer.ts";
 * const { params } = mergeLayers([[
 *   { group: "training", name: "batch_size", value: 64, source: "in f.json" },
 * ]]);
 * params.training.batch_size; // 64
 * ```
 */
export function mergeLayers(layers: readonly Layer[]): Merged {
  const params = schemaDefaults();
  const groups = params as unknown as Record<string, Record<string, unknown>>;
  const origins = new Map<string, string>();
  for (const layer of layers) {
    for (const { group, name, value, source } of layer) {
      groups[group][name] = structuredClone(value);
      origins.set(`${group}.${name}`, source);
    }
  }
  return { params, origins };
}
