/**
 * The public API stays one a user can hold in their head: `mod.ts` exports at
 * most 150 names, none of them kernel plumbing or application code, and every
 * name of every entry point in `deno.json` `exports` has JSDoc, with an
 * example on every function and class. Read from `deno doc --json`, the same
 * data the generated documentation shows.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const MAX_ROOT_NAMES = 150;
/** The only names of the kernel layer the root module may hand out. */
const ROOT_KERNEL_NAMES = new Set([
  "initBackend",
  "describeRuntime",
  "currentBackend",
  "BACKENDS",
  "BackendName",
]);

interface DocTag {
  kind: string;
}
interface DocDeclaration {
  kind: string;
  location: { filename: string };
  jsDoc?: { doc?: string; tags?: DocTag[] };
  def?: { constructors?: { jsDoc?: { tags?: DocTag[] } }[] };
}
interface DocSymbol {
  name: string;
  declarations: DocDeclaration[];
}

async function symbolsOf(entry: string): Promise<DocSymbol[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", entry],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, `deno doc ${entry} failed: ${new TextDecoder().decode(out.stderr)}`);
  const json = JSON.parse(new TextDecoder().decode(out.stdout));
  const modules = Object.values(json.nodes) as { symbols: DocSymbol[] }[];
  return modules.flatMap((m) => m.symbols);
}

const fileOf = (s: DocSymbol) =>
  s.declarations[0].location.filename.replace(ROOT.href, "").replace(/^file:\/\//, "");

function hasExample(s: DocSymbol): boolean {
  return s.declarations.some((d) =>
    (d.jsDoc?.tags ?? []).some((t) => t.kind === "example") ||
    (d.def?.constructors ?? []).some((c) => (c.jsDoc?.tags ?? []).some((t) => t.kind === "example"))
  );
}

const denoJson = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
const entries = Object.entries(denoJson.exports as Record<string, string>);

Deno.test("deno.json exports the root module and sub-entry points that exist", async () => {
  assert.equal(denoJson.exports["."], "./mod.ts");
  assert.ok(entries.length >= 5, `expected sub-entry points, got ${entries.map(([k]) => k)}`);
  for (const [name, path] of entries) {
    assert.ok(path.startsWith("./lib/") || path === "./mod.ts", `${name} → ${path} is not in lib/`);
    await Deno.stat(new URL(path, ROOT)); // throws when missing
  }
});

Deno.test("mod.ts: at most 150 names, no kernel plumbing, no application code", async () => {
  const symbols = await symbolsOf("mod.ts");
  assert.ok(
    symbols.length <= MAX_ROOT_NAMES,
    `mod.ts exports ${symbols.length} names (limit ${MAX_ROOT_NAMES})`,
  );
  const kernels = symbols.filter((s) =>
    fileOf(s).startsWith("lib/kernels/") && !ROOT_KERNEL_NAMES.has(s.name)
  );
  assert.deepEqual(kernels.map((s) => `${s.name} (${fileOf(s)})`), []);
  for (const name of ["tf", "trainFlow", "loadFlow", "saveFlow", "buildRealNvpFlow", "Cinn"]) {
    assert.ok(symbols.some((s) => s.name === name), `mod.ts lacks ${name}`);
  }
});

for (const [name, path] of entries) {
  Deno.test(`entry point "${name}": every name documented, every function and class with an example`, async () => {
    const symbols = await symbolsOf(path);
    const fromApps = symbols.filter((s) => !fileOf(s).startsWith("lib/"));
    assert.deepEqual(fromApps.map((s) => `${s.name} (${fileOf(s)})`), []);
    const documented = (s: DocSymbol) =>
      s.declarations.some((d) => d.jsDoc?.doc || (d.jsDoc?.tags ?? []).length);
    const undocumented = [];
    for (const s of symbols) {
      if (documented(s)) continue;
      // deno doc loses the JSDoc of a re-exported namespace (tf; denoland/deno_doc#728): read it
      // from the file that declares it instead.
      const home = fileOf(s);
      if (s.declarations[0].kind === "namespace" && home !== path.replace(/^\.\//, "")) {
        const own = (await symbolsOf(home)).find((o) => o.name === s.name);
        if (own && documented(own)) continue;
      }
      undocumented.push(s);
    }
    assert.deepEqual(undocumented.map((s) => `${s.name} (${fileOf(s)})`), []);
    const noExample = symbols.filter((s) =>
      ["function", "class"].includes(s.declarations[0].kind) && !hasExample(s)
    );
    assert.deepEqual(noExample.map((s) => `${s.name} (${fileOf(s)})`), []);
  });
}
