/**
 * The command line of the image applications: every flag of the shared
 * params loader plus `--images` (a folder, `s3://bucket/prefix` or an `idx:`
 * spec, setting `run.images_path`) and `--s3-endpoint` (setting
 * `run.s3_endpoint`). These two are translated into `--set` overrides before
 * the shared loader runs, so the other apps do not accept them.
 *
 * @module
 */
import {
  HelpRequested,
  loadParams,
  type LoadParamsOptions,
  type Params,
  ParamsError,
  paramsOrExit,
} from "../../lib/params/mod.ts";

/** A flag only the image applications take. */
export interface ImageAppFlag {
  /** Long name without dashes. */
  name: string;
  /** Placeholder of its value. */
  value: string;
  /** The `group.field` it sets. */
  target: string;
  /** One-line description. */
  description: string;
}

/** The flags of the image applications on top of the shared ones. */
export const IMAGE_APP_FLAGS: readonly ImageAppFlag[] = [
  {
    name: "images",
    value: "DIR|s3://BUCKET/PREFIX|idx:?normal=CLASS",
    target: "run.images_path",
    description:
      "Images: a folder with train/<class>/ and val/<class>/, an S3 prefix in the same layout, " +
      "or Fashion-MNIST from /usr/share/datasets with one normal class (idx:?normal=sneaker).",
  },
  {
    name: "s3-endpoint",
    value: "URL",
    target: "run.s3_endpoint",
    description:
      "Endpoint of an S3-compatible store for s3:// images (e.g. http://127.0.0.1:9000). " +
      "A request without an answer for 10 s is retried (4 attempts); the environment " +
      "variable FLOW_MODELS_S3_TIMEOUT_MS sets that timeout in milliseconds.",
  },
];

/**
 * Rewrites `--images X`, `--images=X`, `--s3-endpoint X` and `--s3-endpoint=X`
 * as `--set run.images_path=X` and `--set run.s3_endpoint=X`.
 * @param argv Command-line arguments.
 * @returns The arguments for the shared loader.
 * @throws {ParamsError} When one of these flags has no value.
 * @example
 * ```ts
 * import { translateImageFlags } from "./cli.ts";
 * translateImageFlags(["--quick", "--images", "idx:?normal=bag"]);
 * // ["--quick", "--set", "run.images_path=idx:?normal=bag"]
 * ```
 */
export function translateImageFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const flag = IMAGE_APP_FLAGS.find((f) =>
      arg === `--${f.name}` || arg.startsWith(`--${f.name}=`)
    );
    if (!flag) {
      out.push(arg);
      continue;
    }
    let value: string | undefined;
    if (arg.includes("=")) value = arg.slice(arg.indexOf("=") + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) value = argv[++i];
    if (value === undefined || value === "") {
      throw new ParamsError([
        `Command-line flag --${flag.name} needs a value (--${flag.name} ${flag.value})`,
      ]);
    }
    out.push("--set", `${flag.target}=${value}`);
  }
  return out;
}

/**
 * Adds the image flags to the shared `--help` text, after the shared flags.
 * @param text The shared help text.
 * @returns The text with one line per image flag.
 * @example
 * ```ts
 * import { withImageFlagsHelp } from "./cli.ts";
 * withImageFlagsHelp("Flags:\n  --quick  …\n\nGroup run:\n");
 * ```
 */
export function withImageFlagsHelp(text: string): string {
  const lines = IMAGE_APP_FLAGS.map((f) =>
    `  --${f.name} ${f.value}\n      ${f.description.replace(/\.$/, "")} (sets ${f.target}).`
  );
  const at = text.indexOf("\n\nGroup ");
  const block = `\nImage flags:\n${lines.join("\n")}`;
  return at < 0 ? `${text}${block}\n` : `${text.slice(0, at)}\n${block}${text.slice(at)}`;
}

/**
 * {@link loadParams} with the image flags.
 * @param app App name, e.g. `app2`.
 * @param argv Command-line arguments.
 * @param options Params folder and dataset validator.
 * @returns The validated params.
 * @throws {ParamsError} Listing every problem.
 * @throws {HelpRequested} On `--help`, with the image flags in its text.
 * @example
 * ```ts
 * import { loadImageAppParams } from "./cli.ts";
 * const params = loadImageAppParams("app2", ["--quick", "--images", "idx:?normal=bag"]);
 * params.run.images_path; // "idx:?normal=bag"
 * ```
 */
export function loadImageAppParams(
  app: string,
  argv: readonly string[],
  options: LoadParamsOptions = {},
): Params {
  const translated = translateImageFlags(argv);
  try {
    return loadParams(app, translated, options);
  } catch (e) {
    if (e instanceof HelpRequested) throw new HelpRequested(withImageFlagsHelp(e.text));
    throw e;
  }
}

/**
 * {@link loadImageAppParams} for an entry point: prints the help and exits 0
 * on `--help`, prints the problems and exits 2 on invalid params.
 * @param app App name, e.g. `app2`.
 * @param argv Command-line arguments; default `Deno.args`.
 * @param options Params folder and dataset validator.
 * @returns The validated params.
 * @example
 * ```ts ignore
 * import { loadImageAppParamsOrExit } from "./cli.ts";
 * const params = loadImageAppParamsOrExit("app2");
 * ```
 */
export function loadImageAppParamsOrExit(
  app: string,
  argv: readonly string[] = Deno.args,
  options: LoadParamsOptions = {},
): Params {
  return paramsOrExit(() => loadImageAppParams(app, argv, options));
}
