/**
 * The command line shared by all apps, parsed with `node:util` `parseArgs`
 * (strict) into a params override layer. The flag table here also feeds
 * `--help`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type Layer, unknownFieldProblem, unknownGroupProblem } from "./layer.ts";
import { fieldSpec, GROUP_NAMES, type GroupName } from "./schema.ts";
import { didYouMean } from "./suggest.ts";

/** One command-line flag. */
export interface CliFlag {
  /** Long name without dashes. */
  name: string;
  /** Placeholder of its value; absent for switches. */
  value?: string;
  /** The `group.field` it sets, if any. */
  target?: string;
  /** The value a switch sets its target to. */
  constant?: boolean;
  /** Whether it may be repeated. */
  multiple?: boolean;
  /** One-letter alias. */
  short?: string;
  /** One-line description. */
  description: string;
}

/** The flags every app accepts. */
export const CLI_FLAGS: readonly CliFlag[] = [
  { name: "params", value: "FILE", description: "Params file (default params/<app>.json)." },
  { name: "epochs", value: "N", target: "training.num_epochs", description: "Training epochs." },
  { name: "dataset", value: "NAME", target: "run.dataset", description: "Dataset name." },
  {
    name: "out",
    value: "DIR",
    target: "run.output_dir",
    description: "Output folder (model_dir defaults to DIR/model).",
  },
  { name: "seed", value: "N", target: "run.seed", description: "Random seed." },
  {
    name: "method",
    value: "NAME",
    target: "run.method",
    description: "App 7: vi, cinn, inn, mcmc, a comma-separated list, or all (mcmc, vi, cinn).",
  },
  { name: "backend", value: "NAME", target: "run.backend", description: "wasm, cpu or webgpu." },
  {
    name: "quick",
    description: 'Merge the params file\'s "quick" section (a run of under a minute).',
  },
  { name: "no-train", target: "run.do_train", constant: false, description: "Skip training." },
  {
    name: "resume",
    target: "run.resume",
    constant: true,
    description: "Resume from the last checkpoint.",
  },
  {
    name: "set",
    value: "GROUP.FIELD=VALUE",
    multiple: true,
    description: "Set any field; VALUE is parsed as JSON when it can be (repeatable).",
  },
  { name: "help", short: "h", description: "Print this help and exit." },
];

/** What the command line asked for. */
export interface CliRequest {
  /** `--params FILE`, if given. */
  paramsFile?: string;
  /** `--quick`. */
  quick: boolean;
  /** `--help`. */
  help: boolean;
  /** Field overrides, in command-line order, each with the flag that set it. */
  overrides: Layer;
}

function parseScalar(raw: string, kind: string): unknown {
  const textual = kind === "string" || kind === "enum";
  if (textual && !raw.startsWith('"')) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function argsError(e: unknown): string {
  const code = (e as { code?: string }).code;
  const message = e instanceof Error ? e.message : String(e);
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? "";
  const names = CLI_FLAGS.map((f) => f.name);
  const known = `known flags: ${names.map((n) => `--${n}`).join(", ")}`;
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION": {
      const bare = quoted.replace(/^-+/, "").split("=")[0];
      return `Unknown command-line flag ${quoted}${
        didYouMean(bare, names, (s) => `--${s}`)
      } (${known})`;
    }
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `Command-line arguments must be flags, got ${JSON.stringify(quoted)} (${known})`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      const flag = CLI_FLAGS.find((f) =>
        quoted.startsWith(`--${f.name}`) || quoted === `-${f.short}`
      );
      return flag?.value
        ? `Command-line flag --${flag.name} needs a value (--${flag.name} ${flag.value})`
        : `Command-line flag ${quoted.split(" ")[0]} is a switch and takes no value`;
    }
    default:
      return `Command line could not be parsed: ${message}`;
  }
}

/**
 * `--flag -3` as `--flag=-3` for flags that take a value, so that a negative
 * number reaches the params check (which says what range the field allows)
 * instead of being read as a short flag.
 */
function joinNegativeValues(argv: readonly string[]): string[] {
  const valued = new Set(CLI_FLAGS.filter((f) => f.value).map((f) => `--${f.name}`));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (valued.has(argv[i]) && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else out.push(argv[i]);
  }
  return out;
}

/**
 * Parses an app's command line.
 * @param argv Arguments after the script name (e.g. `Deno.args`).
 * @param problems Collects one message per problem; parsing continues past them.
 * @returns The request, or undefined when the arguments could not be parsed at all.
 * @example
 * ```ts
 * import { parseCli } from "./cli.ts";
 * const problems: string[] = [];
 * const req = parseCli(["--epochs", "5", "--quick"], problems);
 * // req.quick === true; req.overrides[0].path === "training.num_epochs"
 * ```
 */
export function parseCli(argv: readonly string[], problems: string[]): CliRequest | undefined {
  const options: Record<
    string,
    { type: "string" | "boolean"; multiple?: boolean; short?: string }
  > = {};
  for (const f of CLI_FLAGS) {
    options[f.name] = {
      type: f.value ? "string" : "boolean",
      ...(f.multiple ? { multiple: true } : {}),
      ...(f.short ? { short: f.short } : {}),
    };
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(argv),
      options,
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    problems.push(argsError(e));
    return undefined;
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const overrides: Layer = [];
  for (const f of CLI_FLAGS) {
    const v = values[f.name];
    if (v === undefined || !f.target) continue;
    const [group, name] = f.target.split(".");
    const spec = fieldSpec(group, name)!;
    const value = f.value ? parseScalar(v as string, spec.kind) : f.constant;
    overrides.push({ group, name, value, source: `from --${f.name}` });
  }
  for (const item of (values.set as string[] | undefined) ?? []) {
    const eq = item.indexOf("=");
    const key = eq < 0 ? "" : item.slice(0, eq);
    const [group, name, ...rest] = key.split(".");
    if (eq < 0 || !name || rest.length > 0) {
      problems.push(`--set must be GROUP.FIELD=VALUE, got ${JSON.stringify(item)}`);
      continue;
    }
    const source = `from --set ${item}`;
    if (!(GROUP_NAMES as string[]).includes(group)) {
      problems.push(unknownGroupProblem(group, source));
      continue;
    }
    const spec = fieldSpec(group, name);
    if (!spec) {
      problems.push(unknownFieldProblem(group as GroupName, name, source));
      continue;
    }
    overrides.push({ group, name, value: parseScalar(item.slice(eq + 1), spec.kind), source });
  }
  return {
    paramsFile: values.params as string | undefined,
    quick: values.quick === true,
    help: values.help === true,
    overrides,
  };
}
