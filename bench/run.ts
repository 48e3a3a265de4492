/**
 * `deno task bench`: the benchmark suite. Times the fixed workloads
 * (bench/workloads.ts) on this toolkit (wasm + native BLAS, plain wasm,
 * tfjs cpu), measures the BLAS bound, runs the Python peers when their venv
 * exists (`deno task bench:setup`), and writes `bench.json`, `bench.md` and
 * `bench.png` under `output/bench/` (or `--out`).
 *
 * Flags: `--steps N` (timed steps, default 30), `--warmup N` (5),
 * `--workloads a,c` (default all: a, b, c, d), `--no-peers`,
 * `--peer-results FILE,…` (read the peers' saved JSON, e.g.
 * `bench/peers/results/tfp.json`, instead of running them), `--peer-threads 2,1`
 * (run the peers at each of these intra-op thread counts; default 2), `--no-cpu` (skip
 * the tfjs cpu rows), `--cpu-step-limit S` (skip a tfjs cpu row whose first
 * step takes longer, default 20 s), `--out DIR`.
 *
 * The machine may be shared: every row records the 1-minute load average
 * (`uptime`) when it was measured, and the peers their own contention check.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { tf } from "../lib/core/tf.ts";
import {
  enableNativeBlas,
  initBackend,
  nativeBlasLibrary,
  setNativeBlasThreads,
  setNativeGemmEnabled,
} from "../lib/kernels/mod.ts";
import { writeFileAtomic } from "../lib/core/atomic.ts";
import { barChart, savePlot } from "../lib/plot/mod.ts";
import { type MeasureOptions, measureWorkload } from "./measure.ts";
import { measureGemm } from "./blas_bound.ts";
import { describeWorkload, selectWorkloads, type Workload, WORKLOADS } from "./workloads.ts";
import { exitUsage, parseBenchArgs } from "./cli.ts";
import { loadPeerResults, type PeersOutcome, runPeers } from "./peers.ts";
import { markdownReport, type ResultRow } from "./report.ts";

const USAGE =
  `deno task bench [flags]: times the benchmark workloads on this toolkit, the Python peers
and the BLAS bound; writes bench.json, bench.md and bench.png.

  --workloads a,c        workloads to run (default all: ${WORKLOADS.map((w) => w.key).join(", ")})
  --steps N              timed training steps per row (default 30)
  --warmup N             untimed steps first (default 5)
  --no-peers             skip the Python peers
  --peer-results F,…     read the peers' saved JSON instead of running them
  --peer-threads 2,1     run the peers at each of these thread counts (default 2)
  --no-cpu               skip the tfjs cpu rows
  --cpu-step-limit S     skip a tfjs cpu row whose first step takes longer (default 20 s)
  --out DIR              output folder (default output/bench)`;

const { values: args } = parseBenchArgs("bench", USAGE, () =>
  parseArgs({
    args: Deno.args,
    options: {
      steps: { type: "string", default: "30" },
      warmup: { type: "string", default: "5" },
      workloads: { type: "string", default: "" },
      "no-peers": { type: "boolean", default: false },
      "peer-results": { type: "string", default: "" },
      "peer-threads": { type: "string", default: "2" },
      "no-cpu": { type: "boolean", default: false },
      "cpu-step-limit": { type: "string", default: "20" },
      out: { type: "string", default: "output/bench" },
    },
  }));
const steps = Number(args.steps), warmup = Number(args.warmup);
const cpuLimitMs = 1000 * Number(args["cpu-step-limit"]);
if (!(Number.isInteger(steps) && steps >= 1) || !(Number.isInteger(warmup) && warmup >= 0)) {
  exitUsage(
    "bench",
    `--steps must be an integer ≥ 1 and --warmup ≥ 0, got ${args.steps} and ${args.warmup}`,
  );
}
if (!(cpuLimitMs > 0)) {
  exitUsage("bench", `--cpu-step-limit must be > 0, got ${args["cpu-step-limit"]}`);
}
const peerThreads = args["peer-threads"].split(",").map(Number);
if (!peerThreads.every((t) => Number.isInteger(t) && t >= 1)) {
  exitUsage("bench", `--peer-threads must be positive integers, got ${args["peer-threads"]}`);
}
const workloads = parseBenchArgs("bench", USAGE, () => selectWorkloads(args.workloads));

await initBackend("wasm");
const blas = enableNativeBlas();
const log = (s: string) => console.error(s);
const load1 = () => Number(Deno.loadavg()[0].toFixed(2));

const rows: ResultRow[] = [];
const notes: string[] = [];
const add = async (w: Workload, config: string, options: MeasureOptions) => {
  const loadBefore = load1();
  const m = await measureWorkload(w, options);
  const load = Math.max(loadBefore, load1());
  if ("skipped" in m) {
    notes.push(`workload ${w.key}, ${config}: skipped, ${m.skipped} (load ${load})`);
    log(`  ${config}: skipped (${m.skipped})`);
    return;
  }
  rows.push({
    workload: w.key,
    config,
    ...m,
    gflops: w.flopsPerStep / (m.msPerStep * 1e6),
    load,
  });
  log(`  ${config}: ${m.msPerStep.toFixed(1)} ms/step (load ${load})`);
};

const gemmRates = measureGemm(128, 512);
const blasGflops = gemmRates.length ? Math.max(...gemmRates.map((r) => r.gflops)) : null;
log(
  `BLAS (${blas.library ?? blas.reason}): ${
    gemmRates.map((r) => `${r.shape} ${r.gflops.toFixed(1)}`).join("; ")
  } GFLOP/s`,
);

for (const w of workloads) {
  log(`workload ${w.key}: ${w.title} (${(w.flopsPerStep / 1e9).toFixed(2)} GFLOP per step)`);
  await initBackend("wasm");
  if (blas.library) {
    setNativeGemmEnabled(true);
    await add(w, `ours: wasm + ${blas.library}`, { steps, warmup });
    if (navigator.hardwareConcurrency > 1 && setNativeBlasThreads(2)) {
      await add(w, `ours: wasm + ${blas.library}, 2 BLAS threads`, { steps, warmup });
      setNativeBlasThreads(1);
    }
  }
  setNativeGemmEnabled(false);
  await add(w, "ours: wasm", { steps, warmup });
  setNativeGemmEnabled(true);
  if (!args["no-cpu"]) {
    await initBackend("cpu");
    await add(w, "tfjs cpu", {
      steps: Math.min(steps, 3),
      warmup: 1,
      maxStepMs: cpuLimitMs,
      evalBudgetMs: 3 * cpuLimitMs,
    });
    await initBackend("wasm");
  }
}

const keys = workloads.map((w) => w.key);
let peers: PeersOutcome;
if (args["peer-results"]) {
  peers = await loadPeerResults(args["peer-results"].split(","), log);
} else if (args["no-peers"]) {
  peers = { results: [], notes: ["peers skipped (--no-peers)"] };
} else {
  peers = await runPeers(log, { workloads: keys, steps, warmup, threads: peerThreads });
}
notes.push(...peers.notes);
for (const p of peers.results) {
  for (const w of workloads) {
    const r = p.workloads[w.key];
    if (!r) continue;
    rows.push({
      workload: w.key,
      config: p.label,
      msPerStep: r.train_step_ms,
      samplesPerSecond: r.samples_per_s ?? (w.batchSize * 1000) / r.train_step_ms,
      msPer1000LogProb: r.log_prob_1000_ms ?? null,
      msPer1000Samples: r.sample_1000_ms ?? null,
      peakRssMiB: r.peak_rss_mb ?? null,
      gflops: w.flopsPerStep / (r.train_step_ms * 1e6),
      ...(r.parameters !== undefined ? { parameters: r.parameters } : {}),
      ...(r.loss_first !== undefined ? { firstLoss: r.loss_first } : {}),
      ...(r.load_avg_1min !== undefined ? { load: r.load_avg_1min } : {}),
      ...(r.max_other_load_cores !== undefined ? { otherLoadCores: r.max_other_load_cores } : {}),
      ...(p.source ? { source: p.source } : {}),
    });
  }
}

const report = {
  date: new Date().toISOString(),
  machine: { cpus: navigator.hardwareConcurrency, os: Deno.build.os, deno: Deno.version.deno },
  blas: { library: nativeBlasLibrary(), gemm: gemmRates, numpy: peers.numpy ?? null },
  workloads: workloads.map(describeWorkload),
  steps,
  warmup,
  rows,
  notes,
};
const bound = peers.numpy?.best_sustained_gflops ?? blasGflops;
const md = markdownReport(report, bound);
await writeFileAtomic(join(args.out, "bench.json"), JSON.stringify(report, null, 2) + "\n");
await writeFileAtomic(join(args.out, "bench.md"), md);
await savePlot(
  barChart({
    title: "Training step time (lower is better)",
    subtitle: `median of ${steps} steps, batch ${
      workloads.map((w) => `${w.key} ${w.batchSize}`).join(", ")
    }; ${report.date.slice(0, 10)}, ${report.machine.cpus} CPUs`,
    bars: rows.map((r) => ({
      group: `workload ${r.workload}`,
      name: r.config,
      value: r.msPerStep,
    })),
    yLabel: "ms per training step (log)",
    logY: true,
    width: 140 * workloads.length + 280,
  }),
  join(args.out, "bench.png"),
);
console.log(md);
tf.disposeVariables();
