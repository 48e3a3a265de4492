/**
 * The library's layout, read from the import statements of every `.ts` file
 * under `lib/` (comments, and so JSDoc examples, do not count):
 *
 * (a) nothing in `lib/` imports from `apps/`, `bench/`, `tests/` or `scripts/`;
 * (b) the folders of `lib/` (`core`, `kernels`, `nn`, …; files directly in
 *     `lib/` count as folder `lib`) import each other without any cycle;
 * (c) every import in `lib/` is relative, `node:`, or a fully versioned
 *     `npm:` specifier (`npm:pkg@1.2.3`, `npm:@scope/pkg@1.2.3/path`);
 * (d) the root `mod.ts` exports nothing from `apps/` (or the other
 *     non-library folders).
 *
 * `deno task layout` prints the folder dependency order these rules allow.
 */
import assert from "node:assert/strict";
import {
  describeCycle,
  folderCycles,
  folderGraph,
  type ImportEdge,
  isAllowedExternalSpecifier,
  readImports,
  readLibImports,
  scanImports,
} from "../scripts/layout_graph.ts";

const ROOT = new URL("..", import.meta.url);
const OUTSIDE_LIB = ["apps/", "bench/", "tests/", "scripts/"];

const edges = await readLibImports(ROOT);

function show(e: ImportEdge): string {
  return `${e.from}:${e.line} ${e.kind} "${e.specifier}"` +
    (e.target !== null ? ` (${e.target})` : "");
}

Deno.test("layout: the scanner reads every kind of import and skips comments, strings and regexes", () => {
  const source = `
/**
 * @example
 * \`\`\`ts
 * import { fake } from "../apps/in_jsdoc.ts";
 * \`\`\`
 */
// import { alsoFake } from "../apps/line_comment.ts";
import { a,
  b } from "./multi_line.ts";
import type { T } from "./type_only.ts";
import def, * as ns from './single_quoted.ts';
import "./side_effect.ts";
export * from "./star.ts";
export * as named from "./star_as.ts";
export { c } from "./named.ts";
export type { U } from "./type_export.ts";
export { local };
export const text = "import x from '../apps/in_string.ts'";
const re = /\\/\\/ import "..\\/apps\\/in_regex.ts"/g;
const half = 4 / 2 / 1; const tpl = \`\${half} import "../apps/in_template.ts" \${{ k: 1 }.k}\`;
const lazy = await import("./dynamic.ts");
type M = typeof import("./type_query.ts");
const meta = import.meta.url;
`;
  assert.deepEqual(
    scanImports(source).map((s) => `${s.line} ${s.kind} ${s.specifier}`),
    [
      "10 import ./multi_line.ts",
      "11 import type ./type_only.ts",
      "12 import ./single_quoted.ts",
      "13 import ./side_effect.ts",
      "14 export ./star.ts",
      "15 export ./star_as.ts",
      "16 export ./named.ts",
      "17 export ./type_export.ts",
      "22 dynamic import ./dynamic.ts",
      "23 dynamic import ./type_query.ts",
    ],
  );
});

Deno.test("layout: external specifiers must be node: or exactly versioned npm:", () => {
  for (
    const ok of [
      "node:path",
      "node:fs/promises",
      "npm:sharp@0.35.5",
      "npm:@tensorflow/tfjs@4.22.0",
      "npm:@aws-sdk/client-s3@3.1175.0/dist",
      "npm:pkg@1.2.3-beta.1",
    ]
  ) {
    assert.ok(isAllowedExternalSpecifier(ok), ok);
  }
  for (
    const bad of [
      "npm:sharp",
      "npm:sharp@0.35",
      "npm:sharp@^0.35.5",
      "npm:@scope/pkg",
      "npm:pkg@latest",
      "jsr:@std/path@1.0.0",
      "https://deno.land/x/a.ts",
      "lodash",
      "@std/path",
      "node:",
    ]
  ) {
    assert.ok(!isAllowedExternalSpecifier(bad), bad);
  }
});

Deno.test("layout: a folder cycle is reported with one file edge per hop", () => {
  const edge = (from: string, to: string, line = 1): ImportEdge => ({
    from,
    line,
    specifier: `./${to}`,
    target: to,
    kind: "import",
  });
  const graph = folderGraph([
    edge("lib/a/x.ts", "lib/b/y.ts", 3),
    edge("lib/b/y.ts", "lib/c/z.ts", 4),
    edge("lib/c/z.ts", "lib/a/w.ts", 5),
    edge("lib/c/z.ts", "lib/d/v.ts"),
    edge("lib/top.ts", "lib/d/v.ts"),
    edge("lib/a/x.ts", "lib/a/w.ts"),
  ]);
  assert.deepEqual(graph.folders, ["a", "b", "c", "d", "lib"]);
  assert.deepEqual(folderCycles(graph), [["a", "b", "c"]]);
  assert.deepEqual(describeCycle(graph, ["a", "b", "c"]), [
    "cycle among {a, b, c}: a → b → c → a",
    '  a → b: lib/a/x.ts:3 import "./lib/b/y.ts"',
    '  b → c: lib/b/y.ts:4 import "./lib/c/z.ts"',
    '  c → a: lib/c/z.ts:5 import "./lib/a/w.ts"',
  ]);
});

Deno.test("layout: the scan of lib/ found the library", () => {
  const files = new Set(edges.map((e) => e.from));
  assert.ok(files.size > 100, `only ${files.size} files under lib/ import anything`);
  assert.ok(files.has("lib/core/tf.ts"), "lib/core/tf.ts was not scanned");
});

Deno.test("layout (a): nothing under lib/ imports from apps/, bench/, tests/ or scripts/", () => {
  const bad = edges.filter((e) =>
    e.target !== null && OUTSIDE_LIB.some((d) => e.target!.startsWith(d))
  );
  assert.equal(
    bad.length,
    0,
    `lib/ must not depend on application, bench, test or script code:\n${bad.map(show).join("\n")}`,
  );
  const elsewhere = edges.filter((e) => e.target !== null && !e.target.startsWith("lib/"));
  assert.equal(
    elsewhere.length,
    0,
    `lib/ imports files outside lib/:\n${elsewhere.map(show).join("\n")}`,
  );
});

Deno.test("layout (b): the folders of lib/ import each other without a cycle", () => {
  const graph = folderGraph(edges);
  const cycles = folderCycles(graph);
  assert.equal(
    cycles.length,
    0,
    `folders of lib/ import each other in a circle:\n${
      cycles.flatMap((c) => describeCycle(graph, c)).join("\n")
    }`,
  );
});

Deno.test("layout (c): lib/ imports only relative paths, node: and exactly versioned npm:", () => {
  const bad = edges.filter((e) => e.target === null && !isAllowedExternalSpecifier(e.specifier));
  assert.equal(
    bad.length,
    0,
    `imports in lib/ must be relative, node: or npm:pkg@x.y.z:\n${bad.map(show).join("\n")}`,
  );
});

Deno.test("layout (d): mod.ts exports nothing from apps/, bench/, tests/ or scripts/", async () => {
  const bad = (await readImports(ROOT, ["mod.ts"])).filter((e) =>
    e.target !== null && OUTSIDE_LIB.some((d) => e.target!.startsWith(d))
  );
  assert.equal(
    bad.length,
    0,
    `mod.ts is the library's entry point and must not export application code:\n${
      bad.map(show).join("\n")
    }`,
  );
});
