/**
 * A light structural check of Vega-Lite specs, run before compiling, so
 * common mistakes give a clear message instead of an error from deep inside
 * Vega-Lite.
 *
 * @module
 */
import { PlotError, type VegaLiteSpec } from "./types.ts";

/** Mark types Vega-Lite v6 knows (primitive and composite marks). */
export const MARK_TYPES: readonly string[] = [
  "arc",
  "area",
  "bar",
  "image",
  "line",
  "point",
  "rect",
  "rule",
  "text",
  "tick",
  "trail",
  "circle",
  "square",
  "geoshape",
  "boxplot",
  "errorband",
  "errorbar",
];

const COMPOSITIONS = ["layer", "concat", "hconcat", "vconcat"] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function check(spec: unknown, where: string): void {
  if (!isObject(spec)) {
    throw new PlotError(
      `invalid Vega-Lite spec at ${where}: expected an object, got ${typeof spec}`,
    );
  }
  if ("mark" in spec) {
    const mark = spec.mark;
    const type = isObject(mark) ? mark.type : mark;
    if (typeof type !== "string" || !MARK_TYPES.includes(type)) {
      throw new PlotError(
        `invalid Vega-Lite spec at ${where}: unknown mark type ${JSON.stringify(type)} ` +
          `(expected one of ${MARK_TYPES.join(", ")})`,
      );
    }
    return;
  }
  for (const key of COMPOSITIONS) {
    if (key in spec) {
      const children = spec[key];
      if (!Array.isArray(children) || children.length === 0) {
        throw new PlotError(
          `invalid Vega-Lite spec at ${where}: "${key}" must be a non-empty array`,
        );
      }
      children.forEach((c, i) => check(c, `${where}.${key}[${i}]`));
      return;
    }
  }
  if ("spec" in spec && ("facet" in spec || "repeat" in spec)) {
    check(spec.spec, `${where}.spec`);
    return;
  }
  throw new PlotError(
    `invalid Vega-Lite spec at ${where}: it has none of "mark", "layer", "concat", ` +
      `"hconcat", "vconcat", "facet"+"spec", "repeat"+"spec" (keys: ${
        Object.keys(spec).join(", ") || "none"
      })`,
  );
}

/**
 * Checks the overall shape of a Vega-Lite spec: an object whose views each
 * have a known mark, or a composition of such views. It does not check
 * encodings; Vega-Lite does that when compiling.
 *
 * @param spec The spec to check.
 * @returns Nothing; throws a {@link PlotError} naming the faulty part.
 * @example
 * ```ts
 * import { validateSpec } from "./validate.ts";
 * validateSpec({ mark: "point" }); // fine
 * // validateSpec({ mark: "dots" }); // PlotError: unknown mark type "dots"
 * ```
 */
export function validateSpec(spec: unknown): asserts spec is VegaLiteSpec {
  check(spec, "spec");
}
