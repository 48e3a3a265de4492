/**
 * The chain loop shared by the MCMC kernels: starting points, warm-up
 * (step-size adaptation every iteration, metric learned in windows), storage
 * of the draws and the diagnostics. A kernel only supplies one transition
 * of all chains at once, so that HMC can evaluate every chain's gradient in
 * one batched tfjs call.
 *
 * @module
 */
import { Rng } from "../core/random.ts";
import {
  CovarianceAccumulator,
  type MetricKind,
  metricWindows,
  type StepSizeAdapter,
} from "./adaptation.ts";
import { effectiveSampleSize, splitRhat } from "./diagnostics.ts";
import { cholesky, identity, type Matrix } from "../linalg/matrix.ts";

/** Options shared by every kernel. */
export interface McmcBaseOptions {
  /** Starting point: one point for every chain, or one point per chain. */
  init: ArrayLike<number> | ArrayLike<number>[];
  /** Number of chains. Default: the number of starting points given, else 4. */
  chains?: number;
  /** Warm-up (adaptation) iterations per chain, discarded. Default 1000. */
  warmup?: number;
  /** Draws kept per chain after warm-up. Default 1000. */
  draws?: number;
  /**
   * Iterations per kept draw after warm-up: every `thin`-th state is kept, so a chain runs
   * `warmup + draws·thin` iterations. Default 1.
   */
  thin?: number;
  /** Standard deviation of Gaussian noise added to each chain's start. Default 0. */
  initJitter?: number;
  /** How warm-up learns the proposal covariance / inverse mass matrix. */
  metric?: MetricKind;
  /**
   * The proposal covariance (random-walk Metropolis) or inverse mass matrix (HMC) to start
   * from, for every chain or one per chain; default the identity. With `metric: "identity"`
   * it is kept (a fixed metric, e.g. the inverse of a Gauss–Newton Hessian); otherwise
   * warm-up replaces it with the covariance it learns.
   */
  initialMetric?: Matrix | Matrix[];
  /** Seed of all the sampler's randomness. Default 0. */
  seed?: number;
  /**
   * Called after every iteration with the iterations done, the total (warm-up + draws) and
   * the mean acceptance probability of that iteration over the chains: for progress lines.
   */
  onIteration?: (done: number, total: number, acceptance: number) => void;
}

/** What a sampler reports besides its draws. */
export interface McmcDiagnostics {
  /** The kernel that produced the draws. */
  kernel: "rwm" | "hmc";
  /** Mean acceptance probability of each chain over the kept draws. */
  acceptanceRate: Float64Array;
  /** Each chain's step size after warm-up (proposal scale for random-walk Metropolis). */
  stepSize: Float64Array;
  /** Divergent HMC trajectories per chain after warm-up (0 for random-walk Metropolis). */
  divergences: Int32Array;
  /** Effective sample size of each coordinate over all chains. */
  ess: Float64Array;
  /** Split-R̂ of each coordinate. */
  rhat: Float64Array;
  /** Each chain's learned metric: covariance of the proposal (rwm) or inverse mass (hmc). */
  metric: Matrix[];
  /** Points at which the log-density (and for HMC its gradient) was evaluated. */
  densityEvaluations: number;
  /** Wall-clock time in seconds. */
  seconds: number;
}

/** Draws and diagnostics of a multi-chain run. */
export interface McmcResult {
  /** Draws `[chains][draws][dims]`. */
  samples: Float64Array[][];
  /** Log-density at each draw, `[chains][draws]`. */
  logDensity: Float64Array[];
  /** Acceptance, step sizes, divergences, ESS, R̂. */
  diagnostics: McmcDiagnostics;
}

/** The state of all chains that a transition reads and updates in place. */
export interface ChainsState {
  /** Dimension. */
  dims: number;
  /** Current point of each chain (updated in place). */
  positions: Float64Array[];
  /** Log-density at each current point (updated in place). */
  logp: Float64Array;
  /** Step size of each chain for this iteration. */
  stepSize: Float64Array;
  /** Cholesky factor of each chain's metric. */
  metricTril: Matrix[];
  /** The sampler's random stream. */
  rng: Rng;
}

/** One kernel: evaluate the start, then advance all chains one iteration at a time. */
export interface McmcKernel {
  /** Name reported in the diagnostics. */
  name: "rwm" | "hmc";
  /** Log-density at each starting point (and whatever the kernel caches). */
  start(positions: Float64Array[]): Float64Array;
  /** Advances every chain; returns acceptance probabilities and divergence flags. */
  step(state: ChainsState): { accept: Float64Array; divergent: Uint8Array };
  /** Step size of a chain after its metric changed (or at the start). */
  resetStepSize(current: number | null, dims: number): number;
  /** A step-size controller started at a given step size. */
  adapter(stepSize: number): StepSizeAdapter;
  /** Points evaluated so far. */
  evaluations(): number;
}

function positiveInt(value: number, name: string, allowZero = false): number {
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new Error(
      `${name} must be a ${allowZero ? "non-negative" : "positive"} integer, got ${value}`,
    );
  }
  return value;
}

function startingPoints(options: McmcBaseOptions, rng: Rng): Float64Array[] {
  const { init } = options;
  const perChain = init.length > 0 && typeof init[0] !== "number";
  const list = perChain ? init as ArrayLike<number>[] : [init as ArrayLike<number>];
  const chains = positiveInt(options.chains ?? (perChain ? list.length : 4), "Number of chains");
  if (perChain && list.length !== chains) {
    throw new Error(`Starting points must number one per chain (${chains}), got ${list.length}`);
  }
  const dims = list[0].length;
  if (dims < 1) throw new Error("Starting point must have at least one coordinate, got none");
  const jitter = options.initJitter ?? 0;
  return Array.from({ length: chains }, (_, c) => {
    const p = list[perChain ? c : 0];
    if (p.length !== dims) {
      throw new Error(`Starting points must all have ${dims} coordinates, got ${p.length}`);
    }
    return Float64Array.from(p, (v) => v + (jitter > 0 ? jitter * rng.normal() : 0));
  });
}

function initialMetrics(given: Matrix | Matrix[] | undefined, chains: number, dims: number) {
  if (given === undefined) return Array.from({ length: chains }, () => identity(dims));
  const list = Array.isArray(given) ? given : Array.from({ length: chains }, () => given);
  if (list.length !== chains) {
    throw new Error(
      `initialMetric must be one matrix or one per chain (${chains}), got ${list.length}`,
    );
  }
  for (const m of list) {
    if (m.rows !== dims || m.cols !== dims) {
      throw new Error(`initialMetric must be ${dims} × ${dims}, got ${m.rows} × ${m.cols}`);
    }
  }
  return list;
}

/**
 * Runs a kernel on several chains with warm-up adaptation.
 * @param kernel The transition and its step-size rules.
 * @param options Starting points, chain and draw counts, metric, seed.
 * @returns Draws `[chains][draws][dims]`, their log-densities and diagnostics.
 * @example
 * ```ts
 * import { randomWalkMetropolis } from "./mcmc_rwm.ts";
 * // runChains is what randomWalkMetropolis calls:
 * const { samples } = randomWalkMetropolis({
 *   logDensity: (x) => -0.5 * x[0] * x[0], init: [0], warmup: 200, draws: 200,
 * });
 * ```
 */
export function runChains(kernel: McmcKernel, options: McmcBaseOptions): McmcResult {
  const t0 = performance.now();
  const rng = new Rng(options.seed ?? 0);
  const warmup = positiveInt(options.warmup ?? 1000, "Number of warm-up iterations", true);
  const draws = positiveInt(options.draws ?? 1000, "Number of draws");
  const thin = positiveInt(options.thin ?? 1, "Thinning");
  const metricKind = options.metric ?? "diagonal";
  if (!["identity", "diagonal", "full"].includes(metricKind)) {
    throw new Error(`Metric must be "identity", "diagonal" or "full", got "${metricKind}"`);
  }
  const positions = startingPoints(options, rng);
  const chains = positions.length, dims = positions[0].length;
  const logp = kernel.start(positions);
  logp.forEach((lp, c) => {
    if (!Number.isFinite(lp)) {
      throw new Error(`Log-density at the starting point of chain ${c} must be finite, got ${lp}`);
    }
  });
  const stepSize = Float64Array.from({ length: chains }, () => kernel.resetStepSize(null, dims));
  const state: ChainsState = {
    dims,
    positions,
    logp,
    stepSize,
    metricTril: [],
    rng,
  };
  const metric = initialMetrics(options.initialMetric, chains, dims);
  state.metricTril = metric.map((m) => cholesky(m));
  const adapters = Array.from(stepSize, (s) => kernel.adapter(s));
  const windows = metricKind === "identity" ? [] : metricWindows(warmup);
  const accumulators = positions.map(() => new CovarianceAccumulator(dims));

  const samples = positions.map(() => new Array<Float64Array>(draws));
  const logDensity = positions.map(() => new Float64Array(draws));
  const acceptSum = new Float64Array(chains);
  const divergences = new Int32Array(chains);

  const iterations = warmup + draws * thin;
  for (let it = 0; it < iterations; it++) {
    const { accept, divergent } = kernel.step(state);
    options.onIteration?.(it + 1, iterations, accept.reduce((a, b) => a + b, 0) / chains);
    if (it < warmup) {
      for (let c = 0; c < chains; c++) stepSize[c] = adapters[c].update(accept[c]);
      const window = windows.find((w) => it >= w.start && it < w.end);
      if (window) {
        positions.forEach((p, c) => accumulators[c].add(p));
        if (it + 1 === window.end) {
          for (let c = 0; c < chains; c++) {
            metric[c] = accumulators[c].estimate(metricKind);
            state.metricTril[c] = cholesky(metric[c]);
            accumulators[c].reset();
            stepSize[c] = kernel.resetStepSize(adapters[c].final(), dims);
            adapters[c].restart(stepSize[c]);
          }
        }
      }
      if (it + 1 === warmup) { for (let c = 0; c < chains; c++) stepSize[c] = adapters[c].final(); }
      continue;
    }
    for (let c = 0; c < chains; c++) {
      acceptSum[c] += accept[c];
      divergences[c] += divergent[c];
    }
    if ((it - warmup + 1) % thin !== 0) continue;
    const k = (it - warmup + 1) / thin - 1;
    for (let c = 0; c < chains; c++) {
      samples[c][k] = Float64Array.from(positions[c]);
      logDensity[c][k] = logp[c];
    }
  }
  const canDiagnose = draws >= 4;
  return {
    samples,
    logDensity,
    diagnostics: {
      kernel: kernel.name,
      acceptanceRate: acceptSum.map((s) => s / (draws * thin)),
      stepSize: Float64Array.from(stepSize),
      divergences,
      ess: canDiagnose ? effectiveSampleSize(samples) : new Float64Array(dims).fill(NaN),
      rhat: canDiagnose ? splitRhat(samples) : new Float64Array(dims).fill(NaN),
      metric,
      densityEvaluations: kernel.evaluations(),
      seconds: (performance.now() - t0) / 1000,
    },
  };
}
