/**
 * One run per output folder: a held lock refuses a second run (in this
 * process, in another process, and through an app's task) with the holder's
 * pid; a lock left by a killed process is taken over and said so; releasing
 * removes the lock file, and a folder the run created stays only if the run
 * wrote something into it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { LOCK_FILE, OutputInUseError, OutputLock } from "../apps/common/output_lock.ts";
import { exists } from "../lib/core/atomic.ts";
import { RUN_TAG, runTask } from "./app_task.ts";

Deno.test("a held output lock refuses a second claim and names the holder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lock = await OutputLock.acquire(dir, "app1");
    assert.equal(lock.tookOverFrom, null);
    const info = JSON.parse(await Deno.readTextFile(join(dir, LOCK_FILE)));
    assert.equal(info.pid, Deno.pid);
    await assert.rejects(
      () => OutputLock.acquire(dir, "app4"),
      (e: Error) =>
        e instanceof OutputInUseError &&
        new RegExp(`in use by app1 \\(pid ${Deno.pid} `).test(e.message),
    );
    await lock.release();
    assert.ok(!(await exists(join(dir, LOCK_FILE))), "the lock file is removed on release");
    const again = await OutputLock.acquire(dir, "app4");
    assert.equal(again.tookOverFrom, null, "a released lock is not stale");
    await again.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a folder the lock created is removed on release when the run wrote nothing", async () => {
  const parent = await Deno.makeTempDir();
  try {
    const empty = join(parent, "a", "b");
    await (await OutputLock.acquire(empty, "app1")).release();
    assert.ok(!(await exists(empty)));
    const used = join(parent, "c");
    const lock = await OutputLock.acquire(used, "app1");
    await Deno.writeTextFile(join(used, "metrics.json"), "{}");
    await lock.release();
    assert.ok(await exists(join(used, "metrics.json")));
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("a lock held by another process refuses; after kill -9 it is taken over with a note", async () => {
  const dir = await Deno.makeTempDir();
  const holderScript = `
    import { OutputLock } from ${
    JSON.stringify(new URL("../apps/common/output_lock.ts", import.meta.url).href)
  };
    await OutputLock.acquire(${JSON.stringify(dir)}, "app2");
    console.log("held");
    await new Promise((r) => setTimeout(r, 60_000));
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", holderScript],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const reader = child.stdout.getReader();
    const { value } = await reader.read();
    assert.match(new TextDecoder().decode(value), /held/);
    reader.releaseLock();
    await assert.rejects(
      () => OutputLock.acquire(dir, "app1"),
      (e: Error) => e instanceof OutputInUseError && e.message.includes(`pid ${child.pid} `),
    );
    child.kill("SIGKILL");
    await child.status;
    assert.ok(await exists(join(dir, LOCK_FILE)), "a killed holder leaves its lock file");
    const lock = await OutputLock.acquire(dir, "app1");
    assert.equal(lock.tookOverFrom?.pid, child.pid);
    assert.match(
      lock.tookOverNote!,
      new RegExp(`left by app2 \\(pid ${child.pid} .*no longer running`),
    );
    await lock.release();
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.stdout.cancel().catch(() => {});
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an app refuses an output folder another run holds, exit 2, nothing written", async () => {
  const dir = `output/test-lock-${RUN_TAG}`;
  const lock = await OutputLock.acquire(dir, "app4");
  try {
    const r = await runTask("app1", "--quick", "--out", dir);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`${dir} is in use by app4 \\(pid ${Deno.pid} `));
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert.deepEqual(names, [LOCK_FILE]);
  } finally {
    await lock.release();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
