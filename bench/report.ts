/**
 * The Markdown table of a benchmark run: per workload, every configuration
 * with its step time, its ratio to ours and to the BLAS-bound step time,
 * throughput and memory.
 *
 * @module
 */

/** One row of results: a configuration (ours or a peer) of one workload. */
export interface ResultRow {
  /** Workload key. */
  workload: string;
  /** Configuration label. */
  config: string;
  /** Median ms per training step. */
  msPerStep: number;
  /** Training examples per second. */
  samplesPerSecond: number;
  /** ms per 1 000 log-prob evaluations. */
  msPer1000LogProb: number | null;
  /** ms per 1 000 samples. */
  msPer1000Samples: number | null;
  /** Peak RSS in MiB. */
  peakRssMiB: number | null;
  /** Achieved GFLOP/s of matrix products. */
  gflops: number;
  /** Live tfjs tensors after the measurement (ours only). */
  tensors?: number;
  /** Their bytes (ours only). */
  tensorBytes?: number;
  /** Trainable parameters of the model. */
  parameters?: number;
  /** Loss of the first training step (a sanity check across implementations). */
  firstLoss?: number;
  /** 1-minute load average (`uptime`) when it was measured: the machine is shared. */
  load?: number;
  /** Peers: the most cores other processes kept busy while a quantity was timed. */
  otherLoadCores?: number;
  /** Peers: the saved report it was read from. */
  source?: string;
}

/** The parts of a run the report reads. */
export interface ReportInput {
  date: string;
  machine: { cpus: number; os: string; deno: string };
  blas: { library: string | null };
  workloads: { key: string; title: string; flopsPerStep: number; flopsCounted?: unknown }[];
  rows: ResultRow[];
  notes: string[];
}

const fmt = (
  v: number | null | undefined,
  digits = 1,
) => (v === null || v === undefined ? "–" : v.toFixed(digits));

/**
 * @param r Benchmark results.
 * @param boundGflops Best GEMM GFLOP/s of the machine (null if unmeasured).
 * @returns Markdown.
 */
export function markdownReport(r: ReportInput, boundGflops: number | null): string {
  const lines = [
    `Benchmarks of ${
      r.date.slice(0, 10)
    } on ${r.machine.cpus} CPUs (${r.machine.os}, Deno ${r.machine.deno}); ` +
    `BLAS bound ${fmt(boundGflops)} GFLOP/s (float32 GEMM at 128×512×512).`,
    "",
  ];
  for (const w of r.workloads) {
    const rows = r.rows.filter((x) => x.workload === w.key);
    if (!rows.length) continue;
    const ours = Math.min(
      ...rows.filter((x) => x.config.startsWith("ours")).map((x) => x.msPerStep),
    );
    const boundMs = boundGflops ? w.flopsPerStep / (boundGflops * 1e6) : null;
    const params = [...new Set(rows.map((x) => x.parameters).filter((p) => p !== undefined))];
    const counted = typeof w.flopsCounted === "string" ? w.flopsCounted : "matrix products";
    lines.push(
      `**Workload ${w.key}**: ${w.title}; ${
        (w.flopsPerStep / 1e9).toFixed(2)
      } GFLOP per step (${counted})` +
        (boundMs ? `, BLAS-bound step ${boundMs.toFixed(1)} ms` : "") +
        (params.length ? `; trainable parameters ${params.join(" / ")}` : ""),
      "",
      "| configuration | ms/step | vs ours | vs BLAS bound | samples/s | ms/1000 log-prob | ms/1000 samples | peak RSS MiB | GFLOP/s | tensors | load |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    );
    for (const x of [...rows].sort((a, b) => a.msPerStep - b.msPerStep)) {
      const load = fmt(x.load, 2) +
        (x.otherLoadCores !== undefined ? ` (other ${fmt(x.otherLoadCores, 2)})` : "");
      lines.push(
        `| ${x.config} | ${fmt(x.msPerStep)} | ${fmt(x.msPerStep / ours, 2)}× | ${
          boundMs ? fmt(x.msPerStep / boundMs, 2) + "×" : "–"
        } | ${fmt(x.samplesPerSecond, 0)} | ${fmt(x.msPer1000LogProb)} | ${
          fmt(x.msPer1000Samples)
        } | ${fmt(x.peakRssMiB, 0)} | ${fmt(x.gflops)} | ${x.tensors ?? "–"} | ${load} |`,
      );
    }
    lines.push("");
  }
  lines.push(
    "- load: 1-minute load average (`uptime`) during the row's measurement on this shared " +
      "machine; peers add, in parentheses, the most CPU cores other processes kept busy while " +
      "one of their quantities was timed (their `max_other_load_cores`).",
  );
  for (const n of r.notes) lines.push(`- ${n}`);
  return lines.join("\n") + "\n";
}
