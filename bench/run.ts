/**
 * `deno task bench`: the benchmark suite. Times the fixed workloads
 * (bench/workloads.ts) on this toolkit (wasm + native BLAS, plain wasm,
 * tfjs cpu), measures the BLAS bound, runs the Python peers when their venv
 * exists (`deno task bench:setup`), and writes `bench.json`, `bench.md` and
 * `bench.png` under `output/bench/` (or `--out`).
 *
 * Flags: `--steps N` (timed steps, default 30), `--warmup N` (5),
 * `--no-peers`, `--out DIR`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { tf } from "../lib/tf.ts";
import { initBackend } from "../lib/backend.ts";
import {
  enableNativeBlas,
  nativeBlasLibrary,
  setNativeBlasThreads,
  setNativeGemmEnabled,
} from "../lib/nn/blas.ts";
import { writeFileAtomic } from "../lib/io/atomic.ts";
import { barChart, savePlot } from "../lib/plot/mod.ts";
import { type Measurement, measureWorkload } from "./measure.ts";
import { measureGemm } from "./blas_bound.ts";
import { trainStepFlops, WORKLOADS } from "./workloads.ts";
import { runPeers } from "./peers.ts";
import { markdownReport, type ResultRow } from "./report.ts";

const { values: args } = parseArgs({
  options: {
    steps: { type: "string", default: "30" },
    warmup: { type: "string", default: "5" },
    "no-peers": { type: "boolean", default: false },
    out: { type: "string", default: "output/bench" },
  },
});
const steps = Number(args.steps), warmup = Number(args.warmup);
if (!(steps >= 1) || !(warmup >= 0)) throw new Error(`--steps must be ≥ 1 and --warmup ≥ 0`);

await initBackend("wasm");
const blas = enableNativeBlas();
const log = (s: string) => console.error(s);

const rows: ResultRow[] = [];
const add = (workload: string, config: string, m: Measurement, flops: number) => {
  rows.push({
    workload,
    config,
    ...m,
    gflops: flops / (m.msPerStep * 1e6),
  });
  log(`  ${config}: ${m.msPerStep.toFixed(1)} ms/step`);
};

const gemmRates = measureGemm(128, 512);
const blasGflops = gemmRates.length ? Math.max(...gemmRates.map((r) => r.gflops)) : null;
log(
  `BLAS (${blas.library ?? blas.reason}): ${
    gemmRates.map((r) => `${r.shape} ${r.gflops.toFixed(1)}`).join("; ")
  } GFLOP/s`,
);

for (const w of WORKLOADS) {
  const flops = trainStepFlops(w);
  log(`workload ${w.key}: ${w.title} (${(flops / 1e9).toFixed(2)} GFLOP per step)`);
  await initBackend("wasm");
  if (blas.library) {
    setNativeGemmEnabled(true);
    add(w.key, `ours: wasm + ${blas.library}`, await measureWorkload(w, { steps, warmup }), flops);
    if (navigator.hardwareConcurrency > 1 && setNativeBlasThreads(2)) {
      const label = `ours: wasm + ${blas.library}, 2 BLAS threads`;
      add(w.key, label, await measureWorkload(w, { steps, warmup }), flops);
      setNativeBlasThreads(1);
    }
  }
  setNativeGemmEnabled(false);
  add(w.key, "ours: wasm", await measureWorkload(w, { steps, warmup }), flops);
  setNativeGemmEnabled(true);
  await initBackend("cpu");
  add(w.key, "tfjs cpu", await measureWorkload(w, { steps: Math.min(steps, 3), warmup: 1 }), flops);
  await initBackend("wasm");
}

const peers = args["no-peers"]
  ? { results: [], notes: ["peers skipped (--no-peers)"] }
  : await runPeers(log);
for (const p of peers.results) {
  for (const w of WORKLOADS) {
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
      gflops: trainStepFlops(w) / (r.train_step_ms * 1e6),
    });
  }
}

const report = {
  date: new Date().toISOString(),
  machine: { cpus: navigator.hardwareConcurrency, os: Deno.build.os, deno: Deno.version.deno },
  blas: { library: nativeBlasLibrary(), gemm: gemmRates, numpy: peers.numpy ?? null },
  workloads: WORKLOADS.map((w) => ({ ...w, flopsPerStep: trainStepFlops(w) })),
  steps,
  warmup,
  rows,
  notes: peers.notes,
};
const bound = peers.numpy?.best_sustained_gflops ?? blasGflops;
const md = markdownReport(report, bound);
await writeFileAtomic(join(args.out, "bench.json"), JSON.stringify(report, null, 2) + "\n");
await writeFileAtomic(join(args.out, "bench.md"), md);
await savePlot(
  barChart({
    title: "Training step time (lower is better)",
    subtitle: `median of ${steps} steps, batch 128; ${
      report.date.slice(0, 10)
    }, ${report.machine.cpus} CPUs`,
    bars: rows.map((r) => ({
      group: `workload ${r.workload}`,
      name: r.config,
      value: r.msPerStep,
    })),
    yLabel: "ms per training step (log)",
    logY: true,
    width: 560,
  }),
  join(args.out, "bench.png"),
);
console.log(md);
tf.disposeVariables();
