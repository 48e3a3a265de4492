/**
 * Apps started without their permissions say which flags are missing and to
 * run `deno task appN`, exit 2, and print no wasm-loader abort; every app's
 * task grants what the start-up check asks for.
 */
import assert from "node:assert/strict";
import { appOfEntryFile, appStartPermissions } from "../apps/common/permissions.ts";

const root = new URL("../", import.meta.url);
const decoder = new TextDecoder();

async function entryFiles(): Promise<string[]> {
  const files: string[] = [];
  for await (const e of Deno.readDir(new URL("apps/", root))) {
    if (e.isFile && appOfEntryFile(`file:///x/apps/${e.name}`)) files.push(`apps/${e.name}`);
  }
  return files.sort();
}

Deno.test("every app entry file checks its permissions before anything else", async (t) => {
  const files = await entryFiles();
  assert.ok(files.length >= 4, `found ${files}`);
  for (const file of files) {
    const app = appOfEntryFile(`file:///x/${file}`)!;
    await t.step(`${file} without permissions`, async () => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-prompt", file, "--quick"],
        cwd: root,
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).output();
      const stderr = decoder.decode(out.stderr);
      assert.equal(out.code, 2, stderr);
      assert.match(stderr, new RegExp(`${app} cannot start`));
      assert.match(stderr, /--allow-read=node_modules/);
      assert.match(stderr, new RegExp(`deno task ${app} `));
      assert.doesNotMatch(stderr, /Aborted|NotCapable|Invalid parameters/);
    });
    await t.step(`${file}: the source imports the check first`, async () => {
      const src = await Deno.readTextFile(new URL(file, root));
      const first = /^import .*$/m.exec(src)?.[0];
      assert.equal(first, `import "./common/require_permissions.ts";`);
    });
  }
});

Deno.test("each app's deno.json task grants the start-up permissions", async () => {
  const tasks = JSON.parse(await Deno.readTextFile(new URL("deno.json", root))).tasks as Record<
    string,
    string
  >;
  for (const file of await entryFiles()) {
    const app = appOfEntryFile(`file:///x/${file}`)!;
    const task = tasks[app];
    assert.ok(task, `deno.json has no task ${app}`);
    const reads = /--allow-read=(\S+)/.exec(task)?.[1].split(",") ?? [];
    for (const p of appStartPermissions()) {
      const [flag, value] = p.flag.split("=");
      if (value === undefined) assert.ok(task.includes(flag), `${app} task lacks ${flag}`);
      else assert.ok(reads.includes(value) || reads.includes("."), `${app} task lacks ${p.flag}`);
    }
  }
});
