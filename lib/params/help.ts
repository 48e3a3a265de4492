/**
 * Text generated from the schema: the `--help` usage of every app, and the
 * Markdown params table of the README.
 *
 * @module
 */
import { typeLabel } from "./check_value.ts";
import { CLI_FLAGS } from "./cli.ts";
import type { FieldSpec } from "./field.ts";
import { GROUP_NAMES, schemaRows } from "./schema.ts";

/** Options of {@link paramsHelp} and {@link paramsMarkdownTable}. */
export interface ParamsDocOptions {
  /** The parsed params file, to show its values beside the defaults. */
  fileValues?: unknown;
  /** Label of that file, e.g. `params/app1.json`. */
  fileLabel?: string;
  /** Allowed dataset names, listed under `run.dataset`. */
  datasets?: readonly string[];
}

function valueIn(obj: unknown, group: string, name: string): { found: boolean; value?: unknown } {
  const g = (obj as Record<string, unknown> | undefined)?.[group];
  if (typeof g !== "object" || g === null || !Object.hasOwn(g, name)) return { found: false };
  return { found: true, value: (g as Record<string, unknown>)[name] };
}

function defaultText(spec: FieldSpec): string {
  return spec.defaultNote && (spec.default === "" || spec.default === null)
    ? spec.defaultNote
    : JSON.stringify(spec.default);
}

function flagLabel(f: (typeof CLI_FLAGS)[number]): string {
  const short = f.short ? `-${f.short}, ` : "";
  return `${short}--${f.name}${f.value ? ` ${f.value}` : ""}`;
}

/**
 * The `--help` text of an app: usage, flags, and every field with its type,
 * default and description.
 * @param app App name, e.g. `app1`.
 * @param options The app's params file values and allowed datasets.
 * @returns Plain text, ending in a newline.
 * @example
 * ```ts
 * import { paramsHelp } from "./help.ts";
 * console.log(paramsHelp("app1"));
 * ```
 */
export function paramsHelp(app: string, options: ParamsDocOptions = {}): string {
  const file = options.fileLabel ?? `params/${app}.json`;
  const lines = [
    `Usage: deno task ${app} [flags]`,
    "",
    `Parameters come from the schema defaults, then ${file} (or --params FILE), then its`,
    `"quick" section with --quick, then the flags below (--set last).`,
    "",
    "Flags:",
  ];
  const width = Math.max(...CLI_FLAGS.map((f) => flagLabel(f).length)) + 2;
  for (const f of CLI_FLAGS) {
    const text = f.target
      ? `${f.description.replace(/\.$/, "")} (sets ${f.target}).`
      : f.description;
    lines.push(`  ${flagLabel(f).padEnd(width)}${text}`);
  }
  for (const group of GROUP_NAMES) {
    lines.push("", `Group ${group}:`);
    for (const { name, spec } of schemaRows().filter((r) => r.group === group)) {
      const inFile = valueIn(options.fileValues, group, name);
      const fileNote = inFile.found ? `; ${file}: ${JSON.stringify(inFile.value)}` : "";
      lines.push(
        `  ${group}.${name}  (${typeLabel(spec)}; default ${defaultText(spec)}${fileNote})`,
      );
      lines.push(`      ${spec.description}${spec.ours ? " [ours]" : ""}`);
      if (group === "run" && name === "dataset" && options.datasets) {
        lines.push(`      Allowed for ${app}: ${options.datasets.join(", ")}.`);
      }
    }
  }
  return lines.join("\n") + "\n";
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

/**
 * The params table for the README: one row per field with its group, type,
 * default and description (fields new in this toolkit are marked *ours*).
 * @param options Add a column with the values of an app's params file.
 * @returns A GitHub-flavoured Markdown table, ending in a newline.
 * @example
 * ```ts
 * import { paramsMarkdownTable } from "./help.ts";
 * const table = paramsMarkdownTable();
 * // "| Field | Type | Default | Description |\n|---|---|---|---|\n| `run.output_dir` | …"
 * ```
 */
export function paramsMarkdownTable(options: ParamsDocOptions = {}): string {
  const fileColumn = options.fileValues !== undefined;
  const header = [
    "Field",
    "Type",
    "Default",
    ...(fileColumn ? [options.fileLabel ?? "File"] : []),
    "Description",
  ];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  for (const { group, name, spec } of schemaRows()) {
    const def = spec.defaultNote && (spec.default === "" || spec.default === null)
      ? `*${spec.defaultNote}*`
      : `\`${JSON.stringify(spec.default)}\``;
    const inFile = valueIn(options.fileValues, group, name);
    const row = [
      `\`${group}.${name}\``,
      typeLabel(spec),
      def,
      ...(fileColumn ? [inFile.found ? `\`${JSON.stringify(inFile.value)}\`` : ""] : []),
      spec.description + (spec.ours ? " *(ours)*" : ""),
    ];
    lines.push(`| ${row.map(cell).join(" | ")} |`);
  }
  return lines.join("\n") + "\n";
}
