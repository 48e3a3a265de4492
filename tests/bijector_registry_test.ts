/**
 * Every bijector type the library registers is known from one import
 * (`lib/bijectors/mod.ts`, which `lib/io/model_io.ts` imports, so saving and
 * loading work from any entry point), and every one of them has a case in
 * the bijector harness (tests/bijector_cases.ts, run by tests/bijectors_test.ts)
 * — a conditional one when the type can take a context. A new bijector type
 * without a case fails here.
 */
import assert from "node:assert/strict";
import "../mod.ts"; // whatever the library registers, from anywhere
import { registeredBijectorTypes } from "../lib/bijectors/mod.ts";
import { initBackend } from "../lib/kernels/backend.ts";
import { BIJECTOR_CASES } from "./bijector_cases.ts";

const ROOT = new URL("../", import.meta.url);

/** The types of the harness cases: type → names of its cases, and of its conditional ones. */
function coverage(): Map<
  string,
  { cases: string[]; conditional: string[]; canCondition: boolean }
> {
  const out = new Map<string, { cases: string[]; conditional: string[]; canCondition: boolean }>();
  for (const c of BIJECTOR_CASES) {
    const b = c.make();
    try {
      const entry = out.get(b.type) ?? { cases: [], conditional: [], canCondition: false };
      entry.cases.push(c.name);
      if (b.contextDim > 0) entry.conditional.push(c.name);
      if ("contextDim" in b.config()) entry.canCondition = true;
      out.set(b.type, entry);
    } finally {
      b.dispose();
    }
  }
  return out;
}

Deno.test("every registered bijector type has a case in the bijector harness", async () => {
  await initBackend("wasm");
  const covered = coverage();
  const types = registeredBijectorTypes();
  const missing = types.filter((t) => !covered.has(t));
  assert.deepEqual(
    missing,
    [],
    `registered bijector types without a harness case in tests/bijector_cases.ts: ${
      missing.join(", ")
    }`,
  );
  const unknown = [...covered.keys()].filter((t) => !types.includes(t));
  assert.deepEqual(unknown, [], `harness cases of unregistered types: ${unknown.join(", ")}`);
  // A type whose config carries a context width needs a conditional case too.
  const unconditioned = [...covered].filter(([, e]) => e.canCondition && !e.conditional.length)
    .map(([t]) => t);
  assert.deepEqual(unconditioned, [], `conditional-capable types without a conditional case`);
  for (const t of ["chain", "inverse", "context_embedding"]) {
    assert.ok(covered.get(t)?.conditional.length, `${t}: no conditional harness case`);
  }
});

Deno.test("importing lib/bijectors/mod.ts alone registers every bijector type", async () => {
  const script = `import { registeredBijectorTypes } from "${
    new URL("lib/bijectors/mod.ts", ROOT).href
  }"; console.log(JSON.stringify(registeredBijectorTypes()));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `deno eval failed: ${stderr}`);
  const alone: string[] = JSON.parse(
    new TextDecoder().decode(out.stdout).trim().split("\n").pop()!,
  );
  assert.deepEqual(
    [...alone].sort(),
    [...registeredBijectorTypes()].sort(),
    "types registered by lib/bijectors/mod.ts alone vs by the whole library",
  );
});
