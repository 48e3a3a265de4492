/**
 * The two ways `loadParams` stops instead of returning params.
 *
 * @module
 */

/** Every problem found in a params file and the command line, in one error. */
export class ParamsError extends Error {
  /** The problems, one sentence each. */
  readonly problems: readonly string[];

  /**
   * Collects the problems into one message.
   * @param problems At least one problem, each naming the field or flag.
   * @example
   * ```ts
   * import { ParamsError } from "./errors.ts";
   * const err = new ParamsError(["training.num_epochs must be a positive integer, got 0"]);
   * console.log(err.message); // names the field and the value
   * ```
   */
  constructor(problems: readonly string[]) {
    const list = problems.length === 1
      ? `Invalid parameters: ${problems[0]}`
      : `Invalid parameters (${problems.length} problems):\n${
        problems.map((p) => `  - ${p}`).join("\n")
      }`;
    super(`${list}\nRun with --help to list every flag and field.`);
    this.name = "ParamsError";
    this.problems = problems;
  }
}

/** Thrown by `loadParams` on `--help`; the app prints `text` and exits 0. */
export class HelpRequested extends Error {
  /** The usage text. */
  readonly text: string;

  /**
   * Wraps the usage text.
   * @param text The usage text generated from the schema.
   * @example
   * ```ts
   * import { HelpRequested } from "./errors.ts";
   * const e = new HelpRequested("Usage: …");
   * ```
   */
  constructor(text: string) {
    super("Help requested");
    this.name = "HelpRequested";
    this.text = text;
  }
}
