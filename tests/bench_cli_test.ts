/**
 * The benchmark scripts' command lines: `--help` prints the flags, bad flags
 * and values end with a message naming them and exit code 2, before anything
 * is measured or written; `bench:backend --backend cpu` compares a workload
 * with wasm and writes its JSON.
 */
import assert from "node:assert/strict";
import { join } from "node:path";

const decoder = new TextDecoder();

async function runScript(script: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test("bench and bench:backend: --help, and bad flags named with exit 2", async () => {
  const help = await runScript("bench/run.ts", "--help");
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--workloads a,c .*\n[\s\S]*--peer-threads/);
  const cases: [string, string[], RegExp][] = [
    ["bench/run.ts", ["--workloads", "z"], /^bench: Unknown workload "z": expected a, b, c, d/],
    ["bench/run.ts", ["--bogus"], /^bench: Unknown option '--bogus'/],
    ["bench/run.ts", ["--steps", "0"], /^bench: --steps must be an integer ≥ 1/],
    ["bench/run.ts", ["--peer-threads", "2,x"], /^bench: --peer-threads must be positive integers/],
    [
      "bench/backend_check.ts",
      ["--tolerance", "0"],
      /^bench:backend: --steps must be .* --tolerance > 0/,
    ],
    ["bench/backend_check.ts", ["--backend", "tpu"], /Unknown backend "tpu"/],
  ];
  for (const [script, args, message] of cases) {
    const r = await runScript(script, ...args);
    assert.equal(r.code, 2, `${script} ${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

Deno.test("bench:backend --backend cpu: workload d agrees with wasm and is written", async () => {
  const out = await Deno.makeTempDir();
  try {
    const r = await runScript(
      "bench/backend_check.ts",
      "--backend",
      "cpu",
      "--workloads",
      "d",
      "--steps",
      "1",
      "--out",
      out,
    );
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(await Deno.readTextFile(join(out, "backend_check.json")));
    assert.equal(report.backend, "cpu");
    const [d] = report.results;
    assert.equal(d.workload, "d");
    assert.ok(d.ok && d.gradientRelativeError < 1e-4, JSON.stringify(d));
    assert.ok(d.timing.msPerStep > 0);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
