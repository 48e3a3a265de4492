/**
 * Warm-up adaptation for the MCMC kernels: step-size controllers
 * (Robbins–Monro for random-walk Metropolis, dual averaging for HMC), the
 * schedule of windows in which the proposal scale / metric is learned, and
 * the regularized covariance estimate of a window.
 *
 * @module
 */
import { identity, type Matrix, matrix } from "../linalg/matrix.ts";

/** Adapts one chain's step size from its acceptance probabilities during warm-up. */
export interface StepSizeAdapter {
  /** Feeds one acceptance probability; returns the step size for the next iteration. */
  update(acceptProb: number): number;
  /** Starts adapting afresh from a given step size (after a metric update). */
  restart(stepSize: number): void;
  /** The step size to keep for sampling, after warm-up. */
  final(): number;
}

/**
 * Robbins–Monro stochastic approximation on the log step size:
 * `log s ← log s + t^(−0.6)·(α − target)`, which drives the mean acceptance
 * probability to `target` (0.234 is optimal for random-walk proposals in
 * many dimensions, about 0.44 in one).
 */
export class RobbinsMonro implements StepSizeAdapter {
  #logStep = 0;
  #t = 0;
  readonly #target: number;

  /**
   * @param stepSize Initial step size.
   * @param target Target acceptance probability in (0, 1).
   * @example
   * ```ts
   * import { RobbinsMonro } from "./adaptation.ts";
   * const rm = new RobbinsMonro(1, 0.234);
   * const next = rm.update(0.9); // accepted often: grow the step
   * ```
   */
  constructor(stepSize: number, target: number) {
    checkTarget(target);
    this.#target = target;
    this.restart(stepSize);
  }

  update(acceptProb: number): number {
    this.#t++;
    const a = Number.isFinite(acceptProb) ? acceptProb : 0;
    this.#logStep += Math.pow(this.#t, -0.6) * (a - this.#target);
    return Math.exp(this.#logStep);
  }

  restart(stepSize: number): void {
    this.#logStep = Math.log(stepSize);
    this.#t = 0;
  }

  final(): number {
    return Math.exp(this.#logStep);
  }
}

/**
 * Nesterov dual averaging of the log step size (Hoffman & Gelman 2014,
 * the NUTS paper, §3.2), with their defaults γ = 0.05, t₀ = 10, κ = 0.75; the
 * sampling step size is the iterate average.
 */
export class DualAveraging implements StepSizeAdapter {
  readonly #target: number;
  #mu = 0;
  #t = 0;
  #hBar = 0;
  #logStep = 0;
  #logStepBar = 0;

  /**
   * @param stepSize Initial step size.
   * @param target Target mean acceptance probability (0.65–0.8 for HMC).
   * @example
   * ```ts
   * import { DualAveraging } from "./adaptation.ts";
   * const da = new DualAveraging(0.1, 0.75);
   * const next = da.update(0.2); // rejected often: shrink the step
   * ```
   */
  constructor(stepSize: number, target: number) {
    checkTarget(target);
    this.#target = target;
    this.restart(stepSize);
  }

  update(acceptProb: number): number {
    const a = Number.isFinite(acceptProb) ? acceptProb : 0;
    this.#t++;
    const t = this.#t;
    const w = 1 / (t + 10);
    this.#hBar = (1 - w) * this.#hBar + w * (this.#target - a);
    this.#logStep = this.#mu - Math.sqrt(t) / 0.05 * this.#hBar;
    const eta = Math.pow(t, -0.75);
    this.#logStepBar = eta * this.#logStep + (1 - eta) * this.#logStepBar;
    return Math.exp(this.#logStep);
  }

  restart(stepSize: number): void {
    this.#mu = Math.log(10 * stepSize);
    this.#t = 0;
    this.#hBar = 0;
    this.#logStep = Math.log(stepSize);
    this.#logStepBar = Math.log(stepSize);
  }

  final(): number {
    return Math.exp(this.#t > 0 ? this.#logStepBar : this.#logStep);
  }
}

function checkTarget(target: number): void {
  if (!(target > 0 && target < 1)) {
    throw new Error(`Target acceptance probability must be in (0, 1), got ${target}`);
  }
}

/** Iterations `[start, end)` of warm-up whose draws estimate the metric. */
export interface WarmupWindow {
  /** First iteration of the window. */
  start: number;
  /** One past the last iteration. */
  end: number;
}

/**
 * Where the metric (proposal covariance / inverse mass matrix) is learned:
 * after an initial 15 % of warm-up (to leave the starting point), two windows
 * of 1/3 and 2/3 of the middle part, the second starting from the first's
 * estimate; the last 10 % tunes only the step size. Warm-ups shorter than
 * 100 iterations learn no metric.
 * @param warmup Number of warm-up iterations.
 * @returns The windows, in order (possibly none).
 * @example
 * ```ts
 * import { metricWindows } from "./adaptation.ts";
 * console.log(metricWindows(1000)); // [{ start: 150, end: 400 }, { start: 400, end: 900 }]
 * ```
 */
export function metricWindows(warmup: number): WarmupWindow[] {
  if (warmup < 100) return [];
  const start = Math.floor(0.15 * warmup);
  const end = warmup - Math.floor(0.1 * warmup);
  const middle = start + Math.floor((end - start) / 3);
  return [{ start, end: middle }, { start: middle, end }];
}

/** How the metric is learned: not at all, its variances only, or the full covariance. */
export type MetricKind = "identity" | "diagonal" | "full";

/** Running mean and covariance (Welford) of the draws of one window. */
export class CovarianceAccumulator {
  readonly #dims: number;
  #n = 0;
  readonly #mean: Float64Array;
  readonly #m2: Float64Array;

  /**
   * @param dims Dimension of the draws.
   * @example
   * ```ts
   * import { CovarianceAccumulator } from "./adaptation.ts";
   * const acc = new CovarianceAccumulator(2);
   * acc.add([0, 1]);
   * acc.add([2, 3]);
   * const cov = acc.estimate("full");
   * ```
   */
  constructor(dims: number) {
    this.#dims = dims;
    this.#mean = new Float64Array(dims);
    this.#m2 = new Float64Array(dims * dims);
  }

  /** Number of draws added since the last reset. */
  get count(): number {
    return this.#n;
  }

  /**
   * Adds one draw.
   * @param x A point of length `dims`.
   */
  add(x: ArrayLike<number>): void {
    const d = this.#dims;
    this.#n++;
    const delta = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      delta[i] = x[i] - this.#mean[i];
      this.#mean[i] += delta[i] / this.#n;
    }
    for (let i = 0; i < d; i++) {
      const after = x[i] - this.#mean[i];
      for (let j = 0; j < d; j++) this.#m2[i * d + j] += after * delta[j];
    }
  }

  /** Forgets all draws. */
  reset(): void {
    this.#n = 0;
    this.#mean.fill(0);
    this.#m2.fill(0);
  }

  /**
   * The covariance estimate shrunk towards a small multiple of the identity,
   * `n/(n+5)·S + 10⁻³·5/(n+5)·I` (Stan's regularization).
   * @param kind `diagonal` keeps only the variances; `identity` returns I.
   * @returns A symmetric positive-definite `[dims, dims]` matrix.
   */
  estimate(kind: MetricKind): Matrix {
    const d = this.#dims, n = this.#n;
    if (kind === "identity" || n < 2) return identity(d);
    const out = matrix(d, d);
    const w = n / (n + 5);
    const ridge = 1e-3 * 5 / (n + 5);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        if (kind === "diagonal" && i !== j) continue;
        const s = 0.5 * (this.#m2[i * d + j] + this.#m2[j * d + i]) / (n - 1);
        out.data[i * d + j] = w * s + (i === j ? ridge : 0);
      }
    }
    return out;
  }
}
