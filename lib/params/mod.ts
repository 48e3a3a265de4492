/**
 * Params of the seven apps: one schema, one loader, generated help and README
 * table.
 *
 * @example
 * ```ts
 * import { loadParams } from "./mod.ts";
 * const params = loadParams("app1", ["--quick"]);
 * console.log(params.model_arch.realnvp_flow_steps);
 * ```
 *
 * @module
 */
export { CLI_FLAGS, type CliFlag } from "./cli.ts";
export { HelpRequested, ParamsError } from "./errors.ts";
export type { FieldKind, FieldSpec, LearningRate } from "./field.ts";
export { type ParamsDocOptions, paramsHelp, paramsMarkdownTable } from "./help.ts";
export {
  type DatasetValidator,
  loadParams,
  type LoadParamsOptions,
  loadParamsOrExit,
  paramsOrExit,
} from "./load.ts";
export {
  fieldSpec,
  GROUP_NAMES,
  type GroupName,
  type GroupValues,
  type ModelArchParams,
  type Params,
  PARAMS_SCHEMA,
  type RunParams,
  type Schema,
  schemaDefaults,
  type SchemaRow,
  schemaRows,
  type TrainingParams,
} from "./schema.ts";
