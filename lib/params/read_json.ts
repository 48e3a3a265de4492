/**
 * Reads a JSON params file and turns parse errors into messages that name the
 * file, line and column.
 *
 * @module
 */

/** Outcome of {@link readJsonFile}. */
export type JsonFileResult =
  | { ok: true; value: unknown }
  | { ok: false; missing: boolean; problem: string };

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  const column = position - before.lastIndexOf("\n");
  return `line ${line}, column ${column}`;
}

/**
 * Parses JSON text, reporting the position of a syntax error.
 * @param text The file contents.
 * @param file The file name for the message.
 * @returns The value, or a problem such as
 *   `params/app1.json is not valid JSON at line 3, column 5: …`.
 * @example
 * ```ts
 * import { parseJsonText } from "./read_json.ts";
 * parseJsonText('{"run": {,}}', "x.json"); // { ok: false, … line 1, column 10 … }
 * ```
 */
export function parseJsonText(text: string, file: string): JsonFileResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const position = /position (\d+)/.exec(message);
    const where = position
      ? ` at ${lineAndColumn(text, Number(position[1]))}`
      : /end of JSON/.test(message)
      ? ` at the end of the file (${lineAndColumn(text, text.length)})`
      : "";
    const detail = message.replace(/ in JSON at position \d+.*$/, "");
    return { ok: false, missing: false, problem: `${file} is not valid JSON${where}: ${detail}` };
  }
}

/**
 * Reads and parses a JSON file.
 * @param path File path.
 * @param label How to name the file in messages; default `path`.
 * @returns The value, or a problem (with `missing` set when the file does not exist).
 * @example
 * ```ts
 * import { readJsonFile } from "./read_json.ts";
 * const r = readJsonFile("params/app1.json");
 * ```
 */
export function readJsonFile(path: string, label: string = path): JsonFileResult {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    const missing = e instanceof Deno.errors.NotFound;
    const reason = missing ? "it does not exist" : e instanceof Error ? e.message : String(e);
    return { ok: false, missing, problem: `Params file ${label} could not be read: ${reason}` };
  }
  return parseJsonText(text, label);
}
