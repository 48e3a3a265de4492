/** Runs an app through its `deno task` (with the task's own permissions) and reads its outputs. */
import { join } from "node:path";

const decoder = new TextDecoder();

/** A tag unique to this test process, for output folder names. */
export const RUN_TAG = `${Deno.pid}-${Date.now().toString(36)}`;

/**
 * @param task The deno.json task, e.g. `app1`.
 * @param args Its arguments.
 * @returns Exit code, stdout and stderr.
 */
export async function runTask(
  task: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", task, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/**
 * @param dir An app's output folder.
 * @returns Its parsed `metrics.json`.
 */
export async function readMetrics(dir: string) {
  return JSON.parse(await Deno.readTextFile(join(dir, "metrics.json")));
}
