/**
 * The reference posterior of application 7: HMC on the tomography posterior in z-space
 * (`v = low + (high − low)·Φ(z)`, where the uniform prior is a standard normal;
 * {@link ./unbounded_posterior.ts}), with the adjoint gradient of the eikonal solver, several chains spread over workers (one chain per request, each seeded
 * from `(seed, chain)`, so the draws do not depend on the number of workers), split-R̂ and
 * ESS per node on the velocities, and a cache in the output folder: `samples.npy`
 * (velocities, `chains·draws × nodes`, float32) and `reference.json` (the settings it was
 * run with, diagnostics and timings), reused when a later run asks for the same.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/core/atomic.ts";
import { effectiveSampleSize, splitRhat } from "../../lib/inference/diagnostics.ts";
import { readNpy, writeNpy } from "../../lib/io/npy.ts";
import type { MetricKind } from "../../lib/inference/adaptation.ts";
import { Rng } from "../../lib/core/random.ts";
import { TravelTimeModel } from "../../lib/problems/travel_time.ts";
import type { TomographySettings } from "../../lib/problems/travel_time_tomography.ts";
import { samplerCoordinates } from "./unbounded_posterior.ts";

/** How the reference's HMC preconditions: a learned metric or the Gauss–Newton one. */
export type McmcMetric = Exclude<MetricKind, "identity"> | "gauss_newton";

/** How the reference chains run. */
export interface McmcSettings {
  /** Number of chains (at least 2 for R̂). */
  chains: number;
  /** Warm-up iterations per chain. */
  warmup: number;
  /** Kept draws per chain. */
  draws: number;
  /** Mean leapfrog steps per iteration. */
  leapfrogSteps: number;
  /**
   * The inverse mass matrix: learned in warm-up (`diagonal`, `full`), or `gauss_newton`:
   * after a pilot with a diagonal metric, the inverse of the Gauss–Newton Hessian of the
   * log-posterior in z averaged over draws of three warm-up windows, each window starting
   * from the last one's metric ({@link gaussNewtonWarmup}); fixed for the draws.
   */
  metric: McmcMetric;
  /** Seed of the chains. */
  seed: number;
}

/**
 * How the `gauss_newton` warm-up of a chain is spent: a pilot with a learned diagonal metric
 * (a fifth, at most 150 iterations), three windows of 20 %, 30 % and 50 % of what remains
 * before the last step-size adaptation (a tenth of warm-up, at most 50 iterations).
 * @param warmup Warm-up iterations of the chain (at least 10).
 * @returns The pilot's, the windows' and the last adaptation's iterations (summing to warm-up).
 * @example
 * ```ts
 * import { gaussNewtonWarmup } from "./mcmc_reference.ts";
 * gaussNewtonWarmup(500); // { pilot: 100, windows: [70, 105, 175], final: 50 }
 * ```
 */
export function gaussNewtonWarmup(
  warmup: number,
): { pilot: number; windows: number[]; final: number } {
  const pilot = Math.max(2, Math.min(150, Math.floor(warmup / 5)));
  const final = Math.max(1, Math.min(50, Math.floor(warmup / 10)));
  const rest = Math.max(0, warmup - pilot - final);
  const first = Math.floor(0.2 * rest), second = Math.floor(0.3 * rest);
  const windows = [first, second, rest - first - second].filter((n) => n >= 2);
  return {
    pilot,
    windows,
    final: Math.max(1, warmup - pilot - windows.reduce((x, y) => x + y, 0)),
  };
}

/** One chain's work, sent to a worker. */
export interface ChainRequest {
  /** The problem. */
  settings: TomographySettings;
  /** Chain index. */
  chain: number;
  /** Seed of this chain. */
  seed: number;
  /** Starting point in z. */
  init: Float64Array;
  /** Warm-up iterations. */
  warmup: number;
  /** Kept draws. */
  draws: number;
  /** Mean leapfrog steps. */
  leapfrogSteps: number;
  /** Metric. */
  metric: McmcMetric;
}

/** One chain's draws (in z) and its own diagnostics. */
export interface ChainResult {
  /** Draws in z, row-major `draws × nodes`. */
  z: Float64Array;
  /** Log-posterior at each draw. */
  logDensity: Float64Array;
  /** Mean acceptance probability. */
  acceptance: number;
  /** Step size after warm-up. */
  stepSize: number;
  /** Divergent trajectories among the kept draws. */
  divergences: number;
  /** Gradient evaluations. */
  evaluations: number;
  /** Wall time of the chain, s. */
  seconds: number;
}

/** The reference posterior: velocity draws and their diagnostics. */
export interface McmcReference {
  /** Velocity draws of all chains, row-major `(chains·draws) × nodes`. */
  samples: Float64Array;
  /** Number of rows of `samples`. */
  count: number;
  /** Split-R̂ of each node's velocity. */
  rhat: Float64Array;
  /** Effective sample size of each node's velocity. */
  ess: Float64Array;
  /** Summary: largest R̂, smallest and median ESS, acceptance, divergences, evaluations. */
  summary: {
    maxRhat: number;
    minEss: number;
    medianEss: number;
    acceptance: number[];
    stepSize: number[];
    divergences: number;
    evaluations: number;
  };
  /** Wall time of the run that made it (not of loading it), s. */
  seconds: number;
  /** Where it was loaded from, or null when it was run now. */
  loadedFrom: string | null;
}

/** What a progress sink is told. */
export interface McmcProgress {
  /** Iterations done over all chains. */
  done: number;
  /** Iterations in all. */
  total: number;
  /** Chains finished. */
  finished: number;
  /** Seconds since the start. */
  seconds: number;
}

const REFERENCE_FORMAT = "flow-models/app7-mcmc-reference/v1";

/**
 * Loads the cached reference of `dir` when it was run with the same problem and chain
 * settings; otherwise runs the chains on `workers` workers and caches them.
 * @param dir Cache folder (created).
 * @param settings The problem.
 * @param mcmc Chain settings.
 * @param options Workers (default 2, at most the chains) and a progress callback.
 * @returns Draws and diagnostics.
 * @example
 * ```ts ignore
 * const ref = await loadOrRunMcmcReference("output/app7/mcmc_reference", settings, {
 *   chains: 4, warmup: 500, draws: 500, leapfrogSteps: 10, metric: "diagonal", seed: 1,
 * });
 * console.log(ref.summary.maxRhat);
 * ```
 */
export async function loadOrRunMcmcReference(
  dir: string,
  settings: TomographySettings,
  mcmc: McmcSettings,
  options: { workers?: number; progress?: (p: McmcProgress) => void } = {},
): Promise<McmcReference> {
  const key = { settings, mcmc };
  const cached = await readCache(dir, key);
  if (cached) return cached;
  const run = await runMcmcReference(settings, mcmc, options);
  // The cache holds float32: use the same rounded draws now, so a reload gives the same numbers.
  const reference = { ...run, samples: Float64Array.from(Float32Array.from(run.samples)) };
  await Deno.mkdir(dir, { recursive: true });
  const dims = reference.samples.length / reference.count;
  await writeNpy(join(dir, "samples.npy"), Float32Array.from(reference.samples), [
    reference.count,
    dims,
  ]);
  await writeFileAtomic(
    join(dir, "reference.json"),
    JSON.stringify(
      {
        format: REFERENCE_FORMAT,
        ...key,
        summary: reference.summary,
        seconds: reference.seconds,
        rhat: Array.from(reference.rhat),
        ess: Array.from(reference.ess),
        date: new Date().toISOString(),
      },
      null,
      1,
    ) + "\n",
  );
  return reference;
}

/**
 * The cached reference of `dir` when it was run with the same problem and chain settings,
 * else null (saying why when there is a cache that does not apply).
 * @param dir Cache folder.
 * @param settings The problem.
 * @param mcmc Chain settings.
 * @returns The reference, or null.
 * @example
 * ```ts ignore
 * const ref = await loadMcmcReference("output/app7/mcmc_reference", settings, mcmc);
 * ```
 */
export function loadMcmcReference(
  dir: string,
  settings: TomographySettings,
  mcmc: McmcSettings,
): Promise<McmcReference | null> {
  return readCache(dir, { settings, mcmc });
}

/** The cached reference, or null when there is none or it was run with other settings. */
async function readCache(
  dir: string,
  key: { settings: TomographySettings; mcmc: McmcSettings },
): Promise<McmcReference | null> {
  const jsonPath = join(dir, "reference.json");
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(await Deno.readTextFile(jsonPath));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      console.warn(`mcmc: ignoring the cached reference in ${dir}: ${(error as Error).message}`);
    }
    return null;
  }
  if (record.format !== REFERENCE_FORMAT) {
    console.warn(`mcmc: ignoring ${jsonPath}: format ${record.format} is not ${REFERENCE_FORMAT}`);
    return null;
  }
  const same = JSON.stringify({ settings: record.settings, mcmc: record.mcmc }) ===
    JSON.stringify(key);
  if (!same) {
    console.log(
      `mcmc: the cached reference in ${dir} was run with other settings; running it again`,
    );
    return null;
  }
  const { data, shape } = await readNpy(join(dir, "samples.npy"));
  const summary = record.summary as McmcReference["summary"];
  return {
    samples: Float64Array.from(data),
    count: shape[0],
    rhat: Float64Array.from(record.rhat as number[]),
    ess: Float64Array.from(record.ess as number[]),
    summary,
    seconds: record.seconds as number,
    loadedFrom: dir,
  };
}

/**
 * Runs the reference chains now (no cache).
 * @param settings The problem.
 * @param mcmc Chain settings.
 * @param options Workers and a progress callback.
 * @returns Draws and diagnostics.
 */
export async function runMcmcReference(
  settings: TomographySettings,
  mcmc: McmcSettings,
  options: { workers?: number; progress?: (p: McmcProgress) => void } = {},
): Promise<McmcReference> {
  if (!(Number.isInteger(mcmc.chains) && mcmc.chains >= 2)) {
    throw new RangeError(`The MCMC reference needs at least 2 chains for R̂, got ${mcmc.chains}`);
  }
  const t0 = performance.now();
  const dims = new TravelTimeModel(settings.model).numNodes;
  // Over-dispersed starts: independent prior draws, in z.
  const rng = new Rng(mcmc.seed);
  const coordinates = samplerCoordinates(settings);
  const requests: ChainRequest[] = Array.from({ length: mcmc.chains }, (_, chain) => {
    const v = Float64Array.from(
      { length: dims },
      () => settings.low + (settings.high - settings.low) * (0.05 + 0.9 * rng.uniform()),
    );
    return {
      settings,
      chain,
      seed: mcmc.seed * 1000 + chain + 1,
      init: coordinates.fromVelocity(v),
      warmup: mcmc.warmup,
      draws: mcmc.draws,
      leapfrogSteps: mcmc.leapfrogSteps,
      metric: mcmc.metric,
    };
  });
  const results = await runOnWorkers(
    requests,
    options.workers ?? 2,
    (done, finished) =>
      options.progress?.({
        done,
        total: mcmc.chains * (mcmc.warmup + mcmc.draws),
        finished,
        seconds: (performance.now() - t0) / 1000,
      }),
  );
  // Velocities per chain, for the diagnostics and the samples.
  const chains = results.map((r) => {
    const v = coordinates.toVelocity(r.z);
    return Array.from({ length: mcmc.draws }, (_, k) => v.subarray(k * dims, (k + 1) * dims));
  });
  const samples = new Float64Array(mcmc.chains * mcmc.draws * dims);
  chains.forEach((c, ci) => c.forEach((row, k) => samples.set(row, (ci * mcmc.draws + k) * dims)));
  const rhat = splitRhat(chains), ess = effectiveSampleSize(chains);
  const sortedEss = Float64Array.from(ess).sort();
  return {
    samples,
    count: mcmc.chains * mcmc.draws,
    rhat,
    ess,
    summary: {
      maxRhat: Math.max(...rhat),
      minEss: sortedEss[0],
      medianEss: sortedEss[Math.floor(sortedEss.length / 2)],
      acceptance: results.map((r) => r.acceptance),
      stepSize: results.map((r) => r.stepSize),
      divergences: results.reduce((s, r) => s + r.divergences, 0),
      evaluations: results.reduce((s, r) => s + r.evaluations, 0),
    },
    seconds: (performance.now() - t0) / 1000,
    loadedFrom: null,
  };
}

/** Runs the chain requests on a pool of workers; rejects with a worker's error message. */
function runOnWorkers(
  requests: ChainRequest[],
  workerCount: number,
  onProgress: (done: number, finished: number) => void,
): Promise<ChainResult[]> {
  const count = Math.max(1, Math.min(workerCount, requests.length));
  const url = new URL("./mcmc_worker.ts", import.meta.url).href;
  const workers = Array.from({ length: count }, () => new Worker(url, { type: "module" }));
  const results = new Array<ChainResult>(requests.length);
  const doneOf = new Float64Array(requests.length);
  let next = 0, finished = 0;
  return new Promise<ChainResult[]>((resolve, reject) => {
    const stop = (error?: Error) => {
      for (const w of workers) w.terminate();
      if (error) reject(error);
      else resolve(results);
    };
    const give = (w: Worker) => {
      if (next < requests.length) w.postMessage(requests[next++]);
    };
    for (const w of workers) {
      w.onmessage = (event) => {
        const m = event.data;
        if (m.kind === "ready") {
          give(w);
        } else if (m.kind === "progress") {
          doneOf[m.chain] = m.done;
          onProgress(doneOf.reduce((a, b) => a + b, 0), finished);
        } else if (m.kind === "done") {
          results[m.chain] = m.result;
          finished++;
          if (finished === requests.length) stop();
          else give(w);
        } else if (m.kind === "error") {
          stop(new Error(`MCMC chain ${m.chain} failed: ${m.message}`));
        }
      };
      w.onerror = (event) => {
        event.preventDefault();
        stop(new Error(`An MCMC worker failed: ${event.message}`));
      };
    }
  });
}
