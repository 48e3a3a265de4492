/**
 * Runs the Python peers (bench/peers/*.py) in their venv, when it exists,
 * and collects their JSON. `deno task bench:setup` creates the venv.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";

/** Per-workload numbers a peer script prints (see bench/peers/README.md). */
export interface PeerWorkload {
  /** Loss + gradients + Adam, batch 128, ms (median). */
  train_step_ms: number;
  /** 128 / train step. */
  samples_per_s?: number;
  /** Log-prob of a batch of 1 000, ms. */
  log_prob_1000_ms?: number;
  /** 1 000 samples, ms. */
  sample_1000_ms?: number;
  /** Peak RSS, MB. */
  peak_rss_mb?: number;
  /** Trainable parameters of the peer's model. */
  parameters?: number;
  /** Loss of the first training step. */
  loss_first?: number;
  /** 1-minute load average when the workload ended. */
  load_avg_1min?: number;
  /** The most cores other processes kept busy while a quantity was timed. */
  max_other_load_cores?: number;
}

/** One peer's results. */
export interface PeerResult {
  /** Table label, e.g. `TFP (tf.function)`. */
  label: string;
  /** Keyed by workload key. */
  workloads: Record<string, PeerWorkload>;
  /** Saved report(s) it was read from (`--peer-results`); absent when run now. */
  source?: string;
}

/** What {@link runPeers} found. */
export interface PeersOutcome {
  results: PeerResult[];
  numpy?: { best_sustained_gflops: number; [key: string]: unknown };
  notes: string[];
}

const PEERS_DIR = fileURLToPath(new URL("./peers/", import.meta.url));

async function runScript(
  python: string,
  script: string,
  log: (s: string) => void,
  extraArgs: string[] = [],
): Promise<unknown | null> {
  log(`peer: ${script} ${extraArgs.join(" ")}`);
  const out = await new Deno.Command(python, {
    args: [join(PEERS_DIR, script), ...extraArgs],
    stdout: "piped",
    stderr: "inherit",
    env: { PYTHONUNBUFFERED: "1" },
  }).output();
  if (out.code !== 0) {
    log(`peer ${script} exited with ${out.code}`);
    return null;
  }
  try {
    return JSON.parse(new TextDecoder().decode(out.stdout));
  } catch {
    log(`peer ${script} did not print JSON`);
    return null;
  }
}

/** Workloads each peer script implements. */
export const PEER_WORKLOADS = ["a", "b", "c", "d"];

/** What {@link runPeers} runs. */
export interface PeerRunOptions {
  /** Workload keys (those the scripts implement are passed on as `--workloads`). */
  workloads: string[];
  /** Timed repeats (`--steps`); the scripts' default when absent. */
  steps?: number;
  /** Warm-up repeats (`--warmup`). */
  warmup?: number;
  /** Intra-op thread counts to run each peer with (`--threads`; default [2]). */
  threads?: number[];
}

// deno-lint-ignore no-explicit-any
function addReport(outcome: PeersOutcome, r: any, source?: string): void {
  const label = r.label ?? r.peer;
  for (const [variant, workloads] of Object.entries(r.variants ?? { [label]: r.workloads })) {
    const existing = outcome.results.find((p) => p.label === variant);
    if (existing) {
      Object.assign(existing.workloads, workloads);
      if (source) existing.source = `${existing.source}, ${source}`;
      continue;
    }
    outcome.results.push({
      label: variant,
      workloads: { ...(workloads as Record<string, PeerWorkload>) },
      ...(source ? { source } : {}),
    });
  }
}

/**
 * Reads the peers' saved reports (what the scripts print, e.g. under
 * `bench/peers/results/`) instead of running them. Reports of the same peer
 * are merged, later files winning per workload; a `numpy` report gives the
 * BLAS bound.
 * @param files JSON files.
 * @param log Progress sink.
 * @returns Results and notes.
 */
export async function loadPeerResults(
  files: string[],
  log: (s: string) => void,
): Promise<PeersOutcome> {
  const outcome: PeersOutcome = { results: [], notes: [] };
  for (const file of files) {
    // deno-lint-ignore no-explicit-any
    let r: any;
    try {
      r = JSON.parse(await Deno.readTextFile(file));
    } catch (e) {
      outcome.notes.push(`peer results ${file} unreadable: ${(e as Error).message}`);
      continue;
    }
    log(`peer results: ${file} (${r.peer})`);
    if (r.peer === "numpy") {
      if (r.best_sustained_gflops) outcome.numpy = r;
      continue;
    }
    if (!r.workloads) {
      outcome.notes.push(`peer results ${file} have no workloads`);
      continue;
    }
    addReport(outcome, r, file.split("/").pop());
  }
  outcome.notes.push(`peer rows read from saved results (${files.join(", ")}), not run now`);
  return outcome;
}

/**
 * Runs every peer script found, in order.
 * @param log Progress sink.
 * @param options Workloads and repeats.
 * @returns Results and notes (e.g. why peers were skipped).
 */
export async function runPeers(
  log: (s: string) => void,
  options: PeerRunOptions = { workloads: PEER_WORKLOADS },
): Promise<PeersOutcome> {
  const python = join(PEERS_DIR, ".venv", "bin", "python");
  try {
    await Deno.stat(python);
  } catch {
    return { results: [], notes: ["Python peers skipped: run `deno task bench:setup` first"] };
  }
  const outcome: PeersOutcome = { results: [], notes: [] };
  // deno-lint-ignore no-explicit-any
  const numpy = (await runScript(python, "blas_bound.py", log)) as any;
  if (numpy?.best_sustained_gflops) outcome.numpy = numpy;
  const keys = options.workloads.filter((k) => PEER_WORKLOADS.includes(k));
  if (keys.length === 0) return outcome;
  const extra = ["--workloads", keys.join(",")];
  if (options.steps !== undefined) extra.push("--steps", String(options.steps));
  if (options.warmup !== undefined) extra.push("--warmup", String(options.warmup));
  for (const threads of options.threads ?? [2]) {
    for (const script of ["tfp_flow.py", "torch_flow.py"]) {
      const args = [...extra, "--threads", String(threads)];
      // deno-lint-ignore no-explicit-any
      const r = (await runScript(python, script, log, args)) as any;
      if (!r?.workloads) {
        outcome.notes.push(`${script} --threads ${threads} gave no result`);
        continue;
      }
      addReport(outcome, r);
    }
  }
  return outcome;
}
