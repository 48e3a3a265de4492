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
}

/** One peer's results. */
export interface PeerResult {
  /** Table label, e.g. `TFP (tf.function)`. */
  label: string;
  /** Keyed by workload key. */
  workloads: Record<string, PeerWorkload>;
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
): Promise<unknown | null> {
  log(`peer: ${script}`);
  const out = await new Deno.Command(python, {
    args: [join(PEERS_DIR, script)],
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

/**
 * Runs every peer script found, in order.
 * @param log Progress sink.
 * @returns Results and notes (e.g. why peers were skipped).
 */
export async function runPeers(log: (s: string) => void): Promise<PeersOutcome> {
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
  for (const script of ["tfp_flow.py", "torch_flow.py"]) {
    // deno-lint-ignore no-explicit-any
    const r = (await runScript(python, script, log)) as any;
    if (!r?.workloads) {
      outcome.notes.push(`${script} gave no result`);
      continue;
    }
    for (const [variant, workloads] of Object.entries(r.variants ?? { [r.peer]: r.workloads })) {
      outcome.results.push({
        label: variant,
        workloads: workloads as Record<string, PeerWorkload>,
      });
    }
  }
  return outcome;
}
