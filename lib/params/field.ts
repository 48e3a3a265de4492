/**
 * Field specifications of the params schema: one constructor per value type
 * (int, number, bool, string, enum, int array, number array, learning rate,
 * int triple).
 * The TypeScript type of each field's value is carried by its `default`, so the
 * typed `Params` object is derived from the schema table itself.
 *
 * @module
 */

/** The value types a params field can have. */
export type FieldKind =
  | "int"
  | "number"
  | "bool"
  | "string"
  | "enum"
  | "int_array"
  | "number_array"
  | "lr"
  | "int_triple";

/** A learning rate: a constant, or `[initial, decay_steps, decay_rate]` staircase decay. */
export type LearningRate = number | [number, number, number];

/** One field of the params schema. `T` is the type of its value. */
export interface FieldSpec<T = unknown> {
  /** Value type. */
  kind: FieldKind;
  /** Default value (`null` for optional fields). */
  default: T;
  /** One-line description for `--help` and the README table. */
  description: string;
  /** Smallest allowed value (numbers) or element (int arrays, triples). */
  min?: number;
  /** Largest allowed value. */
  max?: number;
  /** Whether `min` itself is excluded. */
  exclusiveMin?: boolean;
  /** Allowed values of an enum. */
  values?: readonly string[];
  /** Whether `null` is allowed. */
  nullable?: boolean;
  /** How an empty or null default is resolved, shown in help instead of the raw default. */
  defaultNote?: string;
  /** Whether this field is ours rather than the original project's. */
  ours?: boolean;
  /** Values that are recognised but not available here, with the reason. */
  unavailable?: Readonly<Record<string, string>>;
}

/** Extra settings shared by the field constructors. */
export interface FieldExtras {
  /** One-line description. */
  description: string;
  /** Field added by this toolkit (not in the original). */
  ours?: boolean;
  /** How an empty/null default is resolved. */
  defaultNote?: string;
  /** Values that are recognised but not available here, with the reason. */
  unavailable?: Readonly<Record<string, string>>;
}

/** Bounds of a numeric field. */
export interface Bounds {
  /** Smallest allowed value. */
  min?: number;
  /** Largest allowed value. */
  max?: number;
  /** Whether `min` is excluded. */
  exclusiveMin?: boolean;
}

/**
 * An integer field.
 * @param def Default.
 * @param extras Description, bounds and flags.
 * @returns The field spec.
 * @example
 * ```ts
 * import { int } from "./field.ts";
 * const epochs = int(40, { min: 1, description: "Training epochs." });
 * ```
 */
export function int(def: number, extras: FieldExtras & Bounds): FieldSpec<number> {
  return { kind: "int", default: def, ...extras };
}

/**
 * An optional integer field (null means "not set").
 * @param extras Description, bounds and flags.
 * @returns The field spec, default null.
 * @example
 * ```ts
 * import { optionalInt } from "./field.ts";
 * const numVal = optionalInt({ min: 1, description: "Held-out points." });
 * ```
 */
export function optionalInt(extras: FieldExtras & Bounds): FieldSpec<number | null> {
  return { kind: "int", default: null, nullable: true, ...extras };
}

/**
 * A real-number field.
 * @param def Default.
 * @param extras Description, bounds and flags.
 * @returns The field spec.
 * @example
 * ```ts
 * import { num } from "./field.ts";
 * const scale = num(1, { min: 0, exclusiveMin: true, description: "Scale." });
 * ```
 */
export function num(def: number, extras: FieldExtras & Bounds): FieldSpec<number> {
  return { kind: "number", default: def, ...extras };
}

/**
 * A boolean field.
 * @param def Default.
 * @param extras Description and flags.
 * @returns The field spec.
 * @example
 * ```ts
 * import { bool } from "./field.ts";
 * const doTrain = bool(true, { description: "Train the model." });
 * ```
 */
export function bool(def: boolean, extras: FieldExtras): FieldSpec<boolean> {
  return { kind: "bool", default: def, ...extras };
}

/**
 * A free-text field.
 * @param def Default.
 * @param extras Description and flags.
 * @returns The field spec.
 * @example
 * ```ts
 * import { str } from "./field.ts";
 * const out = str("output", { description: "Output folder." });
 * ```
 */
export function str(def: string, extras: FieldExtras): FieldSpec<string> {
  return { kind: "string", default: def, ...extras };
}

/**
 * A field with a fixed set of string values.
 * @param values Allowed values.
 * @param def Default, one of `values`.
 * @param extras Description and flags.
 * @returns The field spec, typed as the union of `values`.
 * @example
 * ```ts
 * import { oneOf } from "./field.ts";
 * const mode = oneOf(["pca", "direct"] as const, "pca", { description: "Sampling mode." });
 * ```
 */
export function oneOf<const V extends readonly string[]>(
  values: V,
  def: V[number],
  extras: FieldExtras,
): FieldSpec<V[number]> {
  return { kind: "enum", default: def, values, ...extras };
}

/**
 * A non-empty array of integers, each at least `min`.
 * @param def Default.
 * @param extras Description, element bounds and flags.
 * @returns The field spec.
 * @example
 * ```ts
 * import { intArray } from "./field.ts";
 * const hidden = intArray([512, 512], { min: 1, description: "Hidden layer sizes." });
 * ```
 */
export function intArray(def: number[], extras: FieldExtras & Bounds): FieldSpec<number[]> {
  return { kind: "int_array", default: def, ...extras };
}

/**
 * An array of real numbers, each within the bounds; may be empty (e.g. "no sweep").
 * @param def Default.
 * @param extras Description, element bounds and flags.
 * @returns The field spec.
 * @example
 * ```ts
 * import { numArray } from "./field.ts";
 * const betas = numArray([], { min: 0, description: "β values to sweep (empty: none)." });
 * ```
 */
export function numArray(def: number[], extras: FieldExtras & Bounds): FieldSpec<number[]> {
  return { kind: "number_array", default: def, ...extras };
}

/**
 * Three integers, each at least `min` (e.g. an image shape `[h, w, c]`).
 * @param def Default.
 * @param extras Description, element bounds and flags.
 * @returns The field spec.
 * @example
 * ```ts
 * import { intTriple } from "./field.ts";
 * const shape = intTriple([28, 28, 1], { min: 1, description: "Image shape." });
 * ```
 */
export function intTriple(
  def: [number, number, number],
  extras: FieldExtras & Bounds,
): FieldSpec<[number, number, number]> {
  return { kind: "int_triple", default: def, ...extras };
}

/**
 * A learning rate: a positive number, or `[initial, decay_steps, decay_rate]`.
 * @param def Default.
 * @param extras Description and flags.
 * @returns The field spec.
 * @example
 * ```ts
 * import { learningRate } from "./field.ts";
 * const lr = learningRate([1e-3, 1000, 0.5], { description: "Adam learning rate." });
 * ```
 */
export function learningRate(def: LearningRate, extras: FieldExtras): FieldSpec<LearningRate> {
  return { kind: "lr", default: def, ...extras };
}
