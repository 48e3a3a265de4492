/**
 * Command-line handling shared by the benchmark scripts (bench/run.ts,
 * bench/backend_check.ts): `--help` prints the usage, and an unknown flag or
 * a bad value ends the script with a message naming it and exit code 2 (no
 * stack trace).
 *
 * @module
 */
/**
 * Ends the script with a usage error.
 * @param tool The script's name in messages, e.g. `bench`.
 * @param message What is wrong, naming the flag.
 */
export function exitUsage(tool: string, message: string): never {
  console.error(`${tool}: ${message} (--help lists the flags)`);
  Deno.exit(2);
}

/**
 * Runs a script's flag parser, handling `--help` (prints the usage, exit 0)
 * and parse errors (message, exit 2).
 * @param tool The script's name in messages.
 * @param usage Text printed by `--help`.
 * @param parse Parses `Deno.args` (e.g. with node:util `parseArgs`), throwing on bad flags.
 * @returns What `parse` returns.
 */
export function parseBenchArgs<T>(tool: string, usage: string, parse: () => T): T {
  if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
    console.log(usage);
    Deno.exit(0);
  }
  try {
    return parse();
  } catch (err) {
    exitUsage(tool, (err as Error).message);
  }
}
