/**
 * `deno task bench:compare REF`: this working tree against an earlier commit,
 * side by side in one run. Checks `REF` out as a detached git worktree under
 * `output/bench_ref/`, then runs `deno task bench` (no peers, no tfjs cpu rows)
 * in both trees, alternating which goes first, for `--rounds` rounds, and
 * writes the per-row medians and the new/old ratio to `compare.md` and
 * `compare.json` under `--out` (default `output/bench_compare`).
 *
 * Alternating the order and taking medians over rounds keeps a slow spell of
 * a shared machine from landing on one build only; each row also carries the
 * spread of its rounds, so a ratio inside that spread reads as "unchanged".
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join, resolve } from "node:path";
import { exitUsage, parseBenchArgs } from "./cli.ts";

const USAGE = `deno task bench:compare REF [flags]: this tree against commit REF, in one run.

  --rounds N        rounds (each runs both builds, order alternating; default 3)
  --workloads a,c   workloads (default all)
  --steps N         timed steps per row (default 20)
  --warmup N        untimed steps first (default 5)
  --out DIR         output folder (default output/bench_compare)`;

const parsed = parseBenchArgs("bench:compare", USAGE, () =>
  parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      rounds: { type: "string", default: "3" },
      workloads: { type: "string", default: "" },
      steps: { type: "string", default: "20" },
      warmup: { type: "string", default: "5" },
      out: { type: "string", default: "output/bench_compare" },
    },
  }));
const ref = parsed.positionals[0];
if (!ref || parsed.positionals.length > 1) exitUsage("bench:compare", "give exactly one REF");
const rounds = Number(parsed.values.rounds);
if (!(Number.isInteger(rounds) && rounds >= 1)) {
  exitUsage("bench:compare", `--rounds must be an integer ≥ 1, got ${parsed.values.rounds}`);
}
const out = resolve(parsed.values.out);

async function run(cmd: string, args: string[], cwd: string, quiet = false): Promise<string> {
  const p = await new Deno.Command(cmd, {
    args,
    cwd,
    stdout: "piped",
    stderr: quiet ? "piped" : "inherit",
  }).output();
  const text = new TextDecoder().decode(p.stdout);
  if (!p.success) {
    const err = quiet ? new TextDecoder().decode(p.stderr) : "";
    throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) failed with ${p.code}\n${err}`);
  }
  return text;
}

const sha = (await run("git", ["rev-parse", "--verify", `${ref}^{commit}`], ".", true)).trim();
const refDir = resolve("output/bench_ref", sha.slice(0, 12));
try {
  await Deno.stat(join(refDir, "deno.json"));
} catch {
  console.error(`checking out ${sha.slice(0, 12)} into ${refDir}`);
  await run("git", ["worktree", "add", "--detach", "--force", refDir, sha], ".", true);
}

interface Row {
  workload: string;
  config: string;
  msPerStep: number;
}
const builds = [{ name: `old (${sha.slice(0, 8)})`, dir: refDir }, { name: "new", dir: "." }];
const times = new Map<string, number[][]>(); // row key → [old times, new times]
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? [0, 1] : [1, 0];
  for (const b of order) {
    // Each build writes inside its own tree (its bench task may only write to its output/).
    const relOut = join("output", "bench_compare_rounds", `round${r + 1}`);
    const dir = join(builds[b].dir, relOut);
    console.error(`round ${r + 1}/${rounds}: ${builds[b].name}`);
    const args = [
      "task",
      "bench",
      "--no-peers",
      "--no-cpu",
      "--steps",
      parsed.values.steps,
      "--warmup",
      parsed.values.warmup,
      "--out",
      relOut,
    ];
    if (parsed.values.workloads) args.push("--workloads", parsed.values.workloads);
    await run("deno", args, builds[b].dir);
    const report = JSON.parse(await Deno.readTextFile(join(dir, "bench.json")));
    for (const row of report.rows as Row[]) {
      const key = `${row.workload}\t${row.config}`;
      if (!times.has(key)) times.set(key, [[], []]);
      times.get(key)![b].push(row.msPerStep);
    }
  }
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rows = [...times.entries()].map(([key, [oldT, newT]]) => {
  const [workload, config] = key.split("\t");
  const o = median(oldT), n = median(newT);
  const oMin = Math.min(...oldT), nMin = Math.min(...newT);
  return {
    workload,
    config,
    old: oldT,
    new: newT,
    oldMedian: o,
    newMedian: n,
    ratio: n / o,
    minRatio: nMin / oMin,
  };
});
const fmt = (v: number[]) => v.map((x) => x.toFixed(1)).join(", ");
const md = [
  `# This tree against ${sha.slice(0, 12)}, ${new Date().toISOString().slice(0, 16)}`,
  "",
  `${rounds} rounds, order alternating; ${parsed.values.steps} timed steps per row; ` +
  `${navigator.hardwareConcurrency} CPUs. ms per training step, median over rounds; on a ` +
  "shared machine the best rounds (least disturbed) are the steadier comparison.",
  "",
  "| workload | config | old ms/step (rounds) | new ms/step (rounds) | new / old, medians | new / old, best rounds |",
  "| --- | --- | ---: | ---: | ---: | ---: |",
  ...rows.map((r) =>
    `| ${r.workload} | ${r.config} | ${r.oldMedian.toFixed(1)} (${fmt(r.old)}) | ` +
    `${r.newMedian.toFixed(1)} (${fmt(r.new)}) | ${r.ratio.toFixed(3)} | ${r.minRatio.toFixed(3)} |`
  ),
  "",
].join("\n");
await Deno.mkdir(out, { recursive: true });
await Deno.writeTextFile(join(out, "compare.md"), md);
await Deno.writeTextFile(
  join(out, "compare.json"),
  JSON.stringify({ ref: sha, rounds, rows }, null, 2) + "\n",
);
console.log(md);
