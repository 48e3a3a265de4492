/** Runs an app through its `deno task` (with the task's own permissions) and reads its outputs. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { exists } from "../lib/core/atomic.ts";

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

/** A bad-input case: name, extra arguments, expected stderr pattern, expected exit code. */
export type BadInputCase = [string, string[], RegExp, number];

/**
 * Runs `task --quick --out dir ...args` for each case as a test step and asserts the exit code,
 * the message and that `dir` was not created.
 * @param t The test context.
 * @param task The deno.json task.
 * @param dir Output folder that must stay absent.
 * @param cases The cases.
 */
export async function expectRejected(
  t: Deno.TestContext,
  task: string,
  dir: string,
  cases: BadInputCase[],
): Promise<void> {
  for (const [name, args, message, code] of cases) {
    await t.step(name, async () => {
      const r = await runTask(task, "--quick", "--out", dir, ...args);
      assert.equal(r.code, code, `exit code for ${name}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.ok(!(await exists(dir)), `${dir} was created`);
    });
  }
}
