/**
 * The Parameters table of README.md is the one `paramsMarkdownTable()`
 * generates (with the values of params/app1.json): same fields in the same
 * order, same types, defaults and descriptions (cell text compared with the
 * padding and emphasis style of `deno fmt` taken into account).
 */
import assert from "node:assert/strict";
import { paramsMarkdownTable } from "../lib/params/help.ts";

const cells = (row: string) => row.split("|").slice(1, -1).map((c) => c.trim());
/** `deno fmt` writes emphasis as `_x_`; the generator writes `*x*`. */
const asFormatted = (cell: string) => cell.replace(/(?<![*\w])\*([^*|]+)\*(?![*\w])/g, "_$1_");

Deno.test("README's Parameters table matches the schema", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const app1 = JSON.parse(await Deno.readTextFile(new URL("../params/app1.json", import.meta.url)));
  const generated = paramsMarkdownTable({ fileValues: app1, fileLabel: "params/app1.json" })
    .trim().split("\n").filter((l) => l.startsWith("| `")).map((l) => cells(l).map(asFormatted));
  const lines = readme.split("\n");
  const header = lines.findIndex((l) => l.startsWith("| Field ") && l.includes("params/app1.json"));
  assert.ok(header >= 0, "README.md has no Parameters table");
  const rows = [];
  for (let i = header + 2; i < lines.length && lines[i].startsWith("|"); i++) {
    rows.push(cells(lines[i]));
  }
  assert.deepEqual(
    rows.map((r) => r[0]),
    generated.map((r) => r[0]),
    "fields differ: regenerate the table with paramsMarkdownTable() (see README, Parameters)",
  );
  assert.deepEqual(
    rows,
    generated,
    "a row differs: regenerate the table with paramsMarkdownTable()",
  );
});
