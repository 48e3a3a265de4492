/**
 * Checks one value against its field spec, and describes field types in words
 * (for error messages) and in short (for help and the README table).
 *
 * @module
 */
import type { FieldSpec } from "./field.ts";

function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v);
}

function inBounds(v: number, spec: FieldSpec): boolean {
  if (spec.min !== undefined && (spec.exclusiveMin ? v <= spec.min : v < spec.min)) return false;
  return spec.max === undefined || v <= spec.max;
}

function integerPhrase(spec: FieldSpec, plural: boolean): string {
  const s = plural ? "s" : "";
  if (spec.min === 1 && spec.max === undefined) return `positive integer${s}`;
  if (spec.min === 0 && spec.max === undefined) return `non-negative integer${s}`;
  if (spec.min !== undefined && spec.max !== undefined) {
    return `integer${s} in [${spec.min}, ${spec.max}]`;
  }
  if (spec.min !== undefined) return `integer${s} ≥ ${spec.min}`;
  return `integer${s}`;
}

function numberPhrase(spec: FieldSpec): string {
  const { min, max, exclusiveMin } = spec;
  if (min !== undefined && max !== undefined) {
    return `a number in ${exclusiveMin ? "(" : "["}${min}, ${max}]`;
  }
  if (min === 0 && max === undefined) {
    return exclusiveMin ? "a positive number" : "a non-negative number";
  }
  if (min !== undefined) return `a number ${exclusiveMin ? ">" : "≥"} ${min}`;
  if (max !== undefined) return `a number ≤ ${max}`;
  return "a finite number";
}

const LR_PHRASE =
  "a positive number or [initial > 0, decay_steps (positive integer), decay_rate in (0, 1]]";

/**
 * What a field expects, as a phrase that completes "`x` must be …".
 * @param spec The field spec.
 * @returns E.g. `a positive integer`, `one of "pca", "direct"`.
 * @example
 * ```ts
 * import { int } from "./field.ts";
 * import { expectation } from "./check_value.ts";
 * expectation(int(1, { min: 1, description: "" })); // "a positive integer"
 * ```
 */
export function expectation(spec: FieldSpec): string {
  let phrase: string;
  switch (spec.kind) {
    case "int": {
      const words = integerPhrase(spec, false);
      phrase = `${/^[aeiou]/.test(words) ? "an" : "a"} ${words}`;
      break;
    }
    case "number":
      phrase = numberPhrase(spec);
      break;
    case "bool":
      phrase = "true or false";
      break;
    case "string":
      phrase = "a string";
      break;
    case "enum":
      phrase = `one of ${spec.values!.map((v) => JSON.stringify(v)).join(", ")}`;
      break;
    case "int_array":
      phrase = `a non-empty array of ${integerPhrase(spec, true)}`;
      break;
    case "number_array":
      phrase = `an array of numbers, each ${numberPhrase(spec)}`;
      break;
    case "int_triple":
      phrase = `an array of 3 ${integerPhrase(spec, true)}`;
      break;
    case "lr":
      phrase = LR_PHRASE;
      break;
  }
  return spec.nullable ? `${phrase} or null` : phrase;
}

/**
 * A short type label for help text and the README table.
 * @param spec The field spec.
 * @returns E.g. `int ≥ 1`, `number in [0, 0.5]`, `pca | direct`, `int[]`.
 * @example
 * ```ts
 * import { num } from "./field.ts";
 * import { typeLabel } from "./check_value.ts";
 * typeLabel(num(0.2, { min: 0, max: 0.5, description: "" })); // "number in [0, 0.5]"
 * ```
 */
export function typeLabel(spec: FieldSpec): string {
  const bounds = (name: string) => {
    const { min, max, exclusiveMin } = spec;
    if (min !== undefined && max !== undefined) {
      return `${name} in ${exclusiveMin ? "(" : "["}${min}, ${max}]`;
    }
    if (min !== undefined) return `${name} ${exclusiveMin ? ">" : "≥"} ${min}`;
    if (max !== undefined) return `${name} ≤ ${max}`;
    return name;
  };
  let label: string;
  switch (spec.kind) {
    case "int":
      label = bounds("int");
      break;
    case "number":
      label = bounds("number");
      break;
    case "bool":
      label = "bool";
      break;
    case "string":
      label = "string";
      break;
    case "enum":
      label = spec.values!.join(" | ");
      break;
    case "int_array":
      label = spec.min === undefined ? "int[]" : `int[] (each ≥ ${spec.min})`;
      break;
    case "number_array":
      label = spec.min === undefined ? "number[]" : `number[] (each ≥ ${spec.min})`;
      break;
    case "int_triple":
      label = "[int, int, int]";
      break;
    case "lr":
      label = "number | [initial, decay_steps, decay_rate]";
      break;
  }
  return spec.nullable ? `${label} | null` : label;
}

/**
 * Formats a given value for an error message.
 * @param value Anything.
 * @returns JSON for JSON values, else a readable string.
 * @example
 * ```ts
 * import { formatValue } from "./check_value.ts";
 * formatValue("abc"); // "\"abc\""
 * ```
 */
export function formatValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function valid(spec: FieldSpec, value: unknown): boolean {
  if (value === null) return spec.nullable === true;
  switch (spec.kind) {
    case "int":
      return isInt(value) && inBounds(value, spec);
    case "number":
      return typeof value === "number" && Number.isFinite(value) && inBounds(value, spec);
    case "bool":
      return typeof value === "boolean";
    case "string":
      return typeof value === "string";
    case "enum":
      return typeof value === "string" && spec.values!.includes(value);
    case "int_array":
      return Array.isArray(value) && value.length > 0 &&
        value.every((v) => isInt(v) && inBounds(v, spec));
    case "number_array":
      return Array.isArray(value) &&
        value.every((v) => typeof v === "number" && Number.isFinite(v) && inBounds(v, spec));
    case "int_triple":
      return Array.isArray(value) && value.length === 3 &&
        value.every((v) => isInt(v) && inBounds(v, spec));
    case "lr":
      if (typeof value === "number") return Number.isFinite(value) && value > 0;
      return Array.isArray(value) && value.length === 3 &&
        typeof value[0] === "number" && Number.isFinite(value[0]) && value[0] > 0 &&
        isInt(value[1]) && value[1] >= 1 &&
        typeof value[2] === "number" && value[2] > 0 && value[2] <= 1;
  }
}

/**
 * Checks a value against a field spec.
 * @param path The field's dotted name for the message, e.g. `training.num_epochs`.
 * @param spec The field spec.
 * @param value The value to check.
 * @returns Null if valid, else a message such as
 *   `training.num_epochs must be a positive integer, got 0`.
 * @example
 * ```ts
 * import { int } from "./field.ts";
 * import { checkValue } from "./check_value.ts";
 * checkValue("training.num_epochs", int(40, { min: 1, description: "" }), 0);
 * // "training.num_epochs must be a positive integer, got 0"
 * ```
 */
export function checkValue(path: string, spec: FieldSpec, value: unknown): string | null {
  if (valid(spec, value)) return null;
  if (typeof value === "string" && spec.unavailable && Object.hasOwn(spec.unavailable, value)) {
    return `${path} ${JSON.stringify(value)} is not allowed: ${spec.unavailable[value]}`;
  }
  return `${path} must be ${expectation(spec)}, got ${formatValue(value)}`;
}
