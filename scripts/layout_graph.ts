/**
 * The import graph of the library: every import and re-export statement of
 * the `.ts` files under `lib/` (and of the root `mod.ts`), read by a small
 * lexer that skips comments (so JSDoc `@example` code does not count),
 * strings, template literals and regular expressions. On it rest the layout
 * rules of `tests/layout_test.ts` (nothing in `lib/` reaches into `apps/`,
 * `bench/`, `tests/` or `scripts/`; the folders of `lib/` form no cycle;
 * external imports are `node:` or fully versioned `npm:`), and the folder
 * dependency order printed by `deno task layout`.
 *
 * @example
 * ```ts ignore
 * import { dependencyLevels, folderGraph, readLibImports } from "./layout_graph.ts";
 * const graph = folderGraph(await readLibImports(new URL("..", import.meta.url)));
 * for (const [level, folders] of dependencyLevels(graph).entries()) {
 *   console.log(level, folders.join(", "));
 * }
 * ```
 *
 * @module
 */
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** One import, dynamic import or re-export statement. */
export interface ImportEdge {
  /** The importing file, relative to the repository root, with `/` separators. */
  from: string;
  /** 1-based line of the statement's specifier. */
  line: number;
  /** The specifier as written. */
  specifier: string;
  /** For a relative specifier, the file it names (relative to the root); otherwise null. */
  target: string | null;
  /** How the statement reads. */
  kind: "import" | "import type" | "export" | "dynamic import";
}

/** A token of the lexer: only what the import scanner needs. */
interface Token {
  type: "name" | "string" | "punct" | "other";
  value: string;
  line: number;
}

const REGEX_AFTER_NAME = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);
const REGEX_AFTER_PUNCT = new Set("(,=:[!&|?{};+-*%<>~^".split(""));

function isNameStart(c: string): boolean {
  return /[A-Za-z_$]/.test(c) || c.charCodeAt(0) > 127;
}

function isNamePart(c: string): boolean {
  return /[\w$]/.test(c) || c.charCodeAt(0) > 127;
}

/**
 * Splits TypeScript source into names, strings and punctuation, dropping
 * whitespace, comments, template literal text and regular expressions.
 * @param source The file's text.
 * @returns The tokens, each with its line.
 * @example
 * ```ts
 * import { tokenize } from "./layout_graph.ts";
 * tokenize('/** import "x" *\/ import { a } from "./a.ts";').map((t) => t.value);
 * // ["import", "{", "a", "}", "from", "./a.ts", ";"]
 * ```
 */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const braces: ("brace" | "template")[] = [];
  let i = 0, line = 1;
  const n = source.length;
  const last = () => tokens[tokens.length - 1];

  /** Scans template text from `i` (just after "`" or "}") to its end or to a "${". */
  const templateText = () => {
    while (i < n) {
      const c = source[i];
      if (c === "\\") {
        if (source[i + 1] === "\n") line++;
        i += 2;
      } else if (c === "`") {
        i++;
        tokens.push({ type: "other", value: "`template`", line });
        return;
      } else if (c === "$" && source[i + 1] === "{") {
        i += 2;
        braces.push("template");
        return;
      } else {
        if (c === "\n") line++;
        i++;
      }
    }
  };

  while (i < n) {
    const c = source.charAt(i);
    if (c === "\n") {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === "/" && source[i + 1] === "/") {
      while (i < n && source[i] !== "\n") i++;
    } else if (c === "/" && source[i + 1] === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let k = i; k < stop; k++) if (source[k] === "\n") line++;
      i = stop;
    } else if (c === '"' || c === "'") {
      const start = line;
      let value = "";
      i++;
      while (i < n && source[i] !== c && source[i] !== "\n") {
        if (source[i] === "\\") {
          value += source[i + 1] ?? "";
          i += 2;
        } else value += source[i++];
      }
      i++;
      tokens.push({ type: "string", value, line: start });
    } else if (c === "`") {
      i++;
      templateText();
    } else if (c === "{") {
      braces.push("brace");
      tokens.push({ type: "punct", value: c, line });
      i++;
    } else if (c === "}") {
      i++;
      if (braces.pop() === "template") templateText();
      else tokens.push({ type: "punct", value: c, line });
    } else if (c === "/") {
      const prev = last();
      const regex = prev === undefined ||
        (prev.type === "punct" && REGEX_AFTER_PUNCT.has(prev.value)) ||
        (prev.type === "name" && REGEX_AFTER_NAME.has(prev.value));
      if (!regex) {
        tokens.push({ type: "punct", value: c, line });
        i++;
        continue;
      }
      i++;
      let inClass = false;
      while (i < n && source[i] !== "\n") {
        const r = source[i];
        if (r === "\\") i += 2;
        else {
          i++;
          if (r === "[") inClass = true;
          else if (r === "]") inClass = false;
          else if (r === "/" && !inClass) break;
        }
      }
      while (i < n && isNamePart(source.charAt(i))) i++;
      tokens.push({ type: "other", value: "/regex/", line });
    } else if (isNameStart(c)) {
      const start = i;
      while (i < n && isNamePart(source.charAt(i))) i++;
      tokens.push({ type: "name", value: source.slice(start, i), line });
    } else if (/[0-9]/.test(c)) {
      const start = i;
      while (i < n && /[\w.]/.test(source.charAt(i))) i++;
      tokens.push({ type: "other", value: source.slice(start, i), line });
    } else {
      tokens.push({ type: "punct", value: c, line });
      i++;
    }
  }
  return tokens;
}

/**
 * The import, dynamic import and re-export statements of one file.
 * @param source The file's text.
 * @returns Specifier, line and kind of each, in file order.
 * @example
 * ```ts
 * import { scanImports } from "./layout_graph.ts";
 * scanImports('import type { T } from "./t.ts";\nexport * from "npm:pkg@1.0.0";');
 * // [{ specifier: "./t.ts", line: 1, kind: "import type" }, { specifier: "npm:pkg@1.0.0", line: 2, kind: "export" }]
 * ```
 */
export function scanImports(
  source: string,
): { specifier: string; line: number; kind: ImportEdge["kind"] }[] {
  const t = tokenize(source);
  const out: { specifier: string; line: number; kind: ImportEdge["kind"] }[] = [];
  const is = (k: number, type: Token["type"], v: string) => {
    const tok = t[k];
    return tok !== undefined && tok.type === type && tok.value === v;
  };
  const isPunct = (k: number, v: string) => is(k, "punct", v);
  const isName = (k: number, v: string) => is(k, "name", v);
  const str = (k: number) => {
    const tok = t[k];
    return tok?.type === "string" ? tok : undefined;
  };
  for (let k = 0; k < t.length; k++) {
    const prevDot = isPunct(k - 1, ".");
    if (isName(k, "import") && !prevDot) {
      if (isPunct(k + 1, ".")) continue; // import.meta
      if (isPunct(k + 1, "(")) {
        const spec = str(k + 2);
        if (spec) out.push({ specifier: spec.value, line: spec.line, kind: "dynamic import" });
        continue;
      }
      const bare = str(k + 1);
      if (bare) {
        out.push({ specifier: bare.value, line: bare.line, kind: "import" });
        continue;
      }
      // import [type] clause from "x": the clause is names, "*", "as", "," and one {...}.
      const typeOnly = isName(k + 1, "type") && !isName(k + 2, "from") && !isPunct(k + 2, ",");
      let j = k + 1, depth = 0;
      for (; j < t.length; j++) {
        if (isPunct(j, "{")) depth++;
        else if (isPunct(j, "}")) depth--;
        else if (depth === 0 && (isPunct(j, ";") || isPunct(j, "=") || isPunct(j, "("))) break;
        else if (depth === 0 && isName(j, "from") && str(j + 1)) {
          const spec = str(j + 1)!;
          out.push({
            specifier: spec.value,
            line: spec.line,
            kind: typeOnly ? "import type" : "import",
          });
          break;
        }
      }
      k = j;
    } else if (isName(k, "export") && !prevDot) {
      let j = k + 1;
      if (isName(j, "type") && (isPunct(j + 1, "{") || isPunct(j + 1, "*"))) j++;
      if (isPunct(j, "*")) {
        j++;
        if (isName(j, "as")) j += 2;
      } else if (isPunct(j, "{")) {
        let depth = 0;
        for (; j < t.length; j++) {
          if (isPunct(j, "{")) depth++;
          else if (isPunct(j, "}") && --depth === 0) break;
        }
        j++;
      } else continue;
      const spec = isName(j, "from") ? str(j + 1) : undefined;
      if (spec) {
        out.push({ specifier: spec.value, line: spec.line, kind: "export" });
        k = j + 1;
      }
    }
  }
  return out;
}

function toPosix(path: string): string {
  return path.split("\\").join("/");
}

async function* tsFiles(dir: string): AsyncGenerator<string> {
  const entries: Deno.DirEntry[] = [];
  for await (const e of Deno.readDir(dir)) entries.push(e);
  entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory) yield* tsFiles(path);
    else if (e.isFile && e.name.endsWith(".ts")) yield path;
  }
}

/**
 * The import edges of the given files.
 * @param root Repository root (a `file:` URL or a path).
 * @param files Paths relative to the root.
 * @returns Their edges, file by file in the order given.
 * @example
 * ```ts
 * import { readImports } from "./layout_graph.ts";
 * const edges = await readImports(new URL("..", import.meta.url), ["mod.ts"]);
 * // [{ from: "mod.ts", line: 24, specifier: "./lib/core/tf.ts", target: "lib/core/tf.ts", kind: "export" }, …]
 * ```
 */
export async function readImports(root: URL | string, files: string[]): Promise<ImportEdge[]> {
  const base = typeof root === "string" ? resolve(root) : fileURLToPath(root);
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const source = await Deno.readTextFile(join(base, file));
    for (const s of scanImports(source)) {
      const relativeSpec = s.specifier.startsWith("./") || s.specifier.startsWith("../");
      const target = relativeSpec
        ? toPosix(relative(base, resolve(base, dirname(file), s.specifier)))
        : null;
      edges.push({ from: toPosix(file), ...s, target });
    }
  }
  return edges;
}

/**
 * The import edges of every `.ts` file under `lib/`.
 * @param root Repository root (a `file:` URL or a path).
 * @returns The edges, files in path order.
 * @example
 * ```ts
 * import { readLibImports } from "./layout_graph.ts";
 * const edges = await readLibImports(new URL("..", import.meta.url));
 * const external = edges.filter((e) => e.target === null).map((e) => e.specifier); // npm:…, node:…
 * ```
 */
export async function readLibImports(root: URL | string): Promise<ImportEdge[]> {
  const base = typeof root === "string" ? resolve(root) : fileURLToPath(root);
  const files: string[] = [];
  for await (const f of tsFiles(join(base, "lib"))) files.push(toPosix(relative(base, f)));
  return readImports(base, files);
}

const NPM_EXACT =
  /^npm:(?:@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*@\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?(?:\/\S*)?$/;
const NODE_BUILTIN = /^node:[a-z_]+(?:\/[a-z_]+)*$/;

/**
 * Whether a non-relative specifier is allowed in `lib/`: a `node:` built-in
 * or an `npm:` package pinned to one exact version (`npm:pkg@1.2.3`,
 * `npm:@scope/pkg@1.2.3/sub/path`; no ranges, tags or bare names).
 * @param specifier The specifier as written.
 * @returns True when allowed.
 * @example
 * ```ts
 * import { isAllowedExternalSpecifier } from "./layout_graph.ts";
 * isAllowedExternalSpecifier("npm:@tensorflow/tfjs@4.22.0"); // true
 * isAllowedExternalSpecifier("npm:sharp@^0.35.0"); // false
 * ```
 */
export function isAllowedExternalSpecifier(specifier: string): boolean {
  return NPM_EXACT.test(specifier) || NODE_BUILTIN.test(specifier);
}

/**
 * The folder of `lib/` a path belongs to: `lib/core/tf.ts` → `core`; a file
 * directly in `lib/` → `lib`; a path outside `lib/` → null.
 * @param path Relative to the repository root.
 * @returns The folder name.
 * @example
 * ```ts
 * import { libFolder } from "./layout_graph.ts";
 * [libFolder("lib/core/tf.ts"), libFolder("lib/x.ts"), libFolder("apps/a.ts")]; // ["core", "lib", null]
 * ```
 */
export function libFolder(path: string): string | null {
  const parts = path.split("/");
  if (parts[0] !== "lib" || parts.length < 2) return null;
  return parts.length === 2 ? "lib" : parts[1] ?? null;
}

/** Folder-level dependencies with one witnessing file edge per folder pair. */
export interface FolderGraph {
  /** All folders of `lib/` that hold a file. */
  folders: string[];
  /** `deps.get(a)` maps each folder b that a imports to the first edge a → b. */
  deps: Map<string, Map<string, ImportEdge>>;
}

/**
 * Collapses file edges into edges between the folders of `lib/` (imports
 * within one folder and out of `lib/` are left out).
 * @param edges Import edges of the files under `lib/`.
 * @returns The folder graph.
 * @example
 * ```ts
 * import { folderGraph } from "./layout_graph.ts";
 * const graph = folderGraph([
 *   { from: "lib/a/x.ts", line: 1, specifier: "../b/y.ts", target: "lib/b/y.ts", kind: "import" },
 * ]);
 * [graph.folders, [...graph.deps.get("a")!.keys()]]; // [["a", "b"], ["b"]]
 * ```
 */
export function folderGraph(edges: ImportEdge[]): FolderGraph {
  const deps = new Map<string, Map<string, ImportEdge>>();
  const add = (f: string) => {
    if (!deps.has(f)) deps.set(f, new Map());
    return deps.get(f)!;
  };
  for (const e of edges) {
    const a = libFolder(e.from);
    if (a === null) continue;
    const out = add(a);
    const b = e.target === null ? null : libFolder(e.target);
    if (b === null || b === a) continue;
    add(b);
    if (!out.has(b)) out.set(b, e);
  }
  return { folders: [...deps.keys()].sort(), deps };
}

/**
 * The strongly connected components of the folder graph with more than one
 * folder, i.e. the groups of folders that import each other in a circle.
 * @param graph The folder graph.
 * @returns Each component's folders, sorted; components sorted by first folder.
 * @example
 * ```ts
 * import { folderCycles, folderGraph, type ImportEdge } from "./layout_graph.ts";
 * const edge = (from: string, target: string): ImportEdge => ({ from, line: 1, specifier: target, target, kind: "import" });
 * const graph = folderGraph([edge("lib/a/x.ts", "lib/b/y.ts"), edge("lib/b/y.ts", "lib/a/z.ts")]);
 * folderCycles(graph); // [["a", "b"]]
 * ```
 */
export function folderCycles(graph: FolderGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>(), low = new Map<string, number>();
  const stack: string[] = [], onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of [...(graph.deps.get(v)?.keys() ?? [])].sort()) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const f of graph.folders) if (!index.has(f)) visit(f);
  return out.sort((a, b) => ((a[0] ?? "") < (b[0] ?? "") ? -1 : 1));
}

/**
 * One shortest circle through a component's first folder, as folder hops with
 * the file edge that makes each hop.
 * @param graph The folder graph.
 * @param component Folders of one strongly connected component.
 * @returns The hops `a → b` in order, back to the start.
 * @example
 * ```ts
 * import { cycleHops, folderGraph, type ImportEdge } from "./layout_graph.ts";
 * const edge = (from: string, target: string): ImportEdge => ({ from, line: 1, specifier: target, target, kind: "import" });
 * const graph = folderGraph([edge("lib/a/x.ts", "lib/b/y.ts"), edge("lib/b/y.ts", "lib/a/z.ts")]);
 * cycleHops(graph, ["a", "b"]).map((e) => e.from); // ["lib/a/x.ts", "lib/b/y.ts"]
 * ```
 */
export function cycleHops(graph: FolderGraph, component: string[]): ImportEdge[] {
  const start = component[0];
  if (start === undefined) return [];
  const inside = new Set(component);
  const prev = new Map<string, string>();
  const queue = [start];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of [...(graph.deps.get(v)?.keys() ?? [])].sort()) {
      if (!inside.has(w)) continue;
      if (w === start) {
        // Walk back from v to the start, then close the circle.
        const path = [v, start];
        for (let u = v; u !== start;) path.unshift(u = prev.get(u)!);
        return path.slice(1).map((b, k) => graph.deps.get(path[k]!)!.get(b)!);
      }
      if (!seen.has(w)) {
        seen.add(w);
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [];
}

/**
 * Folders in dependency order: level 0 imports no other folder, level k
 * only folders of lower levels. Folders on a cycle share one entry, joined
 * by " ⇄ ", placed as if they were one folder.
 * @param graph The folder graph.
 * @returns Level by level, each level's entries sorted.
 * @example
 * ```ts
 * import { dependencyLevels, folderGraph, type ImportEdge } from "./layout_graph.ts";
 * const edge = (from: string, target: string): ImportEdge => ({ from, line: 1, specifier: target, target, kind: "import" });
 * dependencyLevels(folderGraph([edge("lib/b/y.ts", "lib/a/x.ts"), edge("lib/c/z.ts", "lib/b/y.ts")]));
 * // [["a"], ["b"], ["c"]]
 * ```
 */
export function dependencyLevels(graph: FolderGraph): string[][] {
  const group = new Map<string, string>();
  for (const c of folderCycles(graph)) for (const f of c) group.set(f, c.join(" ⇄ "));
  const name = (f: string) => group.get(f) ?? f;
  const nodes = [...new Set(graph.folders.map(name))];
  const deps = new Map(nodes.map((v) => [v, new Set<string>()]));
  for (const [a, out] of graph.deps) {
    for (const b of out.keys()) if (name(a) !== name(b)) deps.get(name(a))!.add(name(b));
  }
  const level = new Map<string, number>();
  const levelOf = (v: string): number => {
    if (!level.has(v)) level.set(v, Math.max(-1, ...[...deps.get(v)!].map(levelOf)) + 1);
    return level.get(v)!;
  };
  const levels: string[][] = [];
  for (const v of nodes) (levels[levelOf(v)] ??= []).push(v);
  return levels.map((l) => l.sort());
}

/**
 * A readable report: the dependency levels, each folder's direct
 * dependencies, and any cycles with one file edge per hop.
 * @param graph The folder graph.
 * @returns Lines of text.
 * @example
 * ```ts
 * import { describeLayout, folderGraph, readLibImports } from "./layout_graph.ts";
 * const graph = folderGraph(await readLibImports(new URL("..", import.meta.url)));
 * console.log(describeLayout(graph).join("\n"));
 * ```
 */
export function describeLayout(graph: FolderGraph): string[] {
  const lines = ["Folder dependency order of lib/ (each level imports only lower levels):"];
  dependencyLevels(graph).forEach((l, k) => lines.push(`  ${k}: ${l.join(", ")}`));
  lines.push("", "Direct dependencies:");
  for (const f of graph.folders) {
    const out = [...(graph.deps.get(f)?.keys() ?? [])].sort();
    lines.push(`  ${f} → ${out.length > 0 ? out.join(", ") : "(none)"}`);
  }
  const cycles = folderCycles(graph);
  if (cycles.length > 0) lines.push("", "Cycles:");
  for (const c of cycles) lines.push(...describeCycle(graph, c).map((l) => `  ${l}`));
  return lines;
}

/**
 * One cycle of folders, hop by hop, with a file edge for each hop.
 * @param graph The folder graph.
 * @param component Folders of one strongly connected component.
 * @returns A heading line and one line per hop.
 * @example
 * ```ts
 * import { describeCycle, folderGraph, type ImportEdge } from "./layout_graph.ts";
 * const edge = (from: string, target: string): ImportEdge => ({ from, line: 1, specifier: target, target, kind: "import" });
 * const graph = folderGraph([edge("lib/a/x.ts", "lib/b/y.ts"), edge("lib/b/y.ts", "lib/a/z.ts")]);
 * describeCycle(graph, ["a", "b"])[0]; // "cycle among {a, b}: a → b → a"
 * ```
 */
export function describeCycle(graph: FolderGraph, component: string[]): string[] {
  const hops = cycleHops(graph, component);
  const path = [...hops.map((e) => libFolder(e.from)!), component[0]];
  return [
    `cycle among {${component.join(", ")}}: ${path.join(" → ")}`,
    ...hops.map((e) =>
      `  ${libFolder(e.from)} → ${
        libFolder(e.target!)
      }: ${e.from}:${e.line} ${e.kind} "${e.specifier}"`
    ),
  ];
}

if (import.meta.main) {
  const root = new URL("..", import.meta.url);
  console.log(describeLayout(folderGraph(await readLibImports(root))).join("\n"));
}
