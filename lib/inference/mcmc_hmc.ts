/**
 * Hamiltonian Monte Carlo with gradients from TensorFlow.js: a randomized
 * number of leapfrog steps per iteration (against resonances), the step
 * size tuned by dual averaging during warm-up (towards a mean acceptance of
 * 0.75 by default, slightly jittered), and a diagonal or full inverse mass
 * matrix learned from warm-up draws. Positions and momenta live in float64 in JavaScript; only the
 * log-density and its gradient are evaluated in tfjs (float32), all chains in
 * one call when a batched log-density is given.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { DualAveraging } from "./adaptation.ts";
import { lowerMatVec, lowerTransposedMatVec, solveLowerTransposed } from "../linalg/matrix.ts";
import { type McmcBaseOptions, type McmcResult, runChains } from "./mcmc_runner.ts";

/**
 * Log-densities and their gradients of `count` points stored row-major in `xs`
 * (`count × dims`), computed in plain JavaScript: for targets whose gradient
 * comes from elsewhere than tfjs (an adjoint solver, an analytic formula).
 */
export type LogDensityWithGradientFn = (xs: Float64Array, count: number, dims: number) => {
  /** Log-density of each point. */
  logp: Float64Array;
  /** Gradient of each point's log-density, row-major `count × dims`. */
  grad: Float64Array;
};

/**
 * Options of {@link hamiltonianMonteCarlo}: give exactly one of `logDensity`,
 * `batchLogDensity` (tfjs, differentiated by tfjs) and `logDensityWithGradient` (JavaScript).
 */
export interface HmcOptions extends McmcBaseOptions {
  /** Unnormalized log-density of one point `[dims]` as a scalar, differentiable in tfjs. */
  logDensity?: (x: tf.Tensor1D) => tf.Scalar;
  /**
   * Unnormalized log-density of a batch `[n, dims]` as `[n]`, row by row
   * (faster: all chains are evaluated in one call).
   */
  batchLogDensity?: (x: tf.Tensor2D) => tf.Tensor1D;
  /**
   * Log-density and gradient of a batch in plain JavaScript (float64). Only the chains
   * still moving in a leapfrog step are passed, so uneven trajectory lengths cost nothing.
   */
  logDensityWithGradient?: LogDensityWithGradientFn;
  /** Mean number of leapfrog steps per iteration. Default 10. */
  leapfrogSteps?: number;
  /**
   * Each chain's number of steps is drawn per iteration, uniformly within
   * `leapfrogSteps·(1 ± stepsJitter)`, so that trajectory lengths vary and
   * cannot resonate with a period of the target. Default 0.5.
   */
  stepsJitter?: number;
  /** Step size before adaptation. Default 0.1. */
  initialStepSize?: number;
  /** Target mean acceptance probability of warm-up. Default 0.75. */
  targetAcceptance?: number;
  /** Each iteration's step size is multiplied by a uniform factor in 1 ± jitter. Default 0.1. */
  stepSizeJitter?: number;
  /** Energy error above which a trajectory counts as divergent (and is rejected). Default 1000. */
  maxEnergyError?: number;
}

type GradientFn = LogDensityWithGradientFn;

/** Checks a JavaScript gradient function's output sizes. */
function checkedGradient(fn: LogDensityWithGradientFn): GradientFn {
  return (xs, count, dims) => {
    const out = fn(xs, count, dims);
    if (out.logp?.length !== count || out.grad?.length !== count * dims) {
      throw new Error(
        `logDensityWithGradient must return logp of length ${count} and grad of length ` +
          `${
            count * dims
          } (${count} points × ${dims}), got ${out.logp?.length} and ${out.grad?.length}`,
      );
    }
    return out;
  };
}

function pointGradient(logDensity: (x: tf.Tensor1D) => tf.Scalar): GradientFn {
  const valueAndGrad = tf.valueAndGrad(logDensity);
  return (xs, count, dims) => {
    const logp = new Float64Array(count);
    const grad = new Float64Array(count * dims);
    for (let c = 0; c < count; c++) {
      const [value, g] = tf.tidy(() => {
        const x = tf.tensor1d(Float32Array.from(xs.subarray(c * dims, (c + 1) * dims)));
        const out = valueAndGrad(x);
        return [out.value, out.grad];
      });
      logp[c] = value.dataSync()[0];
      grad.set(g.dataSync(), c * dims);
      tf.dispose([value, g]);
    }
    return { logp, grad };
  };
}

function batchGradient(batchLogDensity: (x: tf.Tensor2D) => tf.Tensor1D): GradientFn {
  return (xs, count, dims) => {
    let values: tf.Tensor | null = null;
    const g = tf.tidy(() =>
      tf.grad((x: tf.Tensor) => {
        const lp = batchLogDensity(x as tf.Tensor2D);
        values = tf.keep(lp);
        return tf.sum(lp);
      })(tf.tensor2d(Float32Array.from(xs), [count, dims]))
    );
    const logp = Float64Array.from((values as unknown as tf.Tensor).dataSync());
    const grad = Float64Array.from(g.dataSync());
    tf.dispose([values as unknown as tf.Tensor, g]);
    if (logp.length !== count) {
      throw new Error(
        `Batched log-density must return one value per row ([${count}]), got ${logp.length}`,
      );
    }
    return { logp, grad };
  };
}

/**
 * Samples a target density by HMC on several chains.
 * @param options `logDensity` (one point) or `batchLogDensity` (all chains),
 *   starting points, chains, warm-up, draws, leapfrog steps, metric (default
 *   `diagonal`), seed.
 * @returns Draws `[chains][draws][dims]`, log-densities and diagnostics.
 * @throws Error when neither or both log-densities are given, or a start is not finite.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { hamiltonianMonteCarlo } from "./mcmc_hmc.ts";
 * const run = hamiltonianMonteCarlo({
 *   batchLogDensity: (x) => tf.mul(-0.5, tf.sum(tf.square(x), 1)) as tf.Tensor1D,
 *   init: [0, 0], initJitter: 1, warmup: 300, draws: 500, seed: 1,
 * });
 * console.log(run.diagnostics.acceptanceRate);
 * ```
 */
export function hamiltonianMonteCarlo(options: HmcOptions): McmcResult {
  const given = [options.logDensity, options.batchLogDensity, options.logDensityWithGradient]
    .filter((f) => f !== undefined).length;
  if (given !== 1) {
    throw new Error(
      "HMC needs exactly one of logDensity, batchLogDensity and logDensityWithGradient, " +
        `got ${given}`,
    );
  }
  const gradient = options.logDensityWithGradient
    ? checkedGradient(options.logDensityWithGradient)
    : options.batchLogDensity
    ? batchGradient(options.batchLogDensity)
    : pointGradient(options.logDensity!);
  const compact = options.logDensityWithGradient !== undefined;
  const steps = options.leapfrogSteps ?? 10;
  if (!Number.isInteger(steps) || steps < 1) {
    throw new Error(`Leapfrog steps must be a positive integer, got ${steps}`);
  }
  const initialStep = options.initialStepSize ?? 0.1;
  if (!(initialStep > 0)) throw new Error(`Initial step size must be positive, got ${initialStep}`);
  const target = options.targetAcceptance ?? 0.75;
  const jitter = options.stepSizeJitter ?? 0.1;
  const stepsJitter = options.stepsJitter ?? 0.5;
  if (!(stepsJitter >= 0 && stepsJitter < 1)) {
    throw new Error(`Steps jitter must be in [0, 1), got ${stepsJitter}`);
  }
  const minSteps = Math.max(1, Math.round(steps * (1 - stepsJitter)));
  const maxSteps = Math.max(minSteps, Math.round(steps * (1 + stepsJitter)));
  const maxError = options.maxEnergyError ?? 1000;
  let evaluations = 0;
  let grad: Float64Array = new Float64Array(0);
  const evaluate = (xs: Float64Array, count: number, dims: number) => {
    evaluations += count;
    return gradient(xs, count, dims);
  };

  return runChains({
    name: "hmc",
    start: (positions) => {
      const dims = positions[0].length;
      const xs = new Float64Array(positions.length * dims);
      positions.forEach((p, c) => xs.set(p, c * dims));
      const out = evaluate(xs, positions.length, dims);
      for (let c = 0; c < positions.length; c++) {
        const g = out.grad.subarray(c * dims, (c + 1) * dims);
        if (!g.every(Number.isFinite)) {
          throw new Error(
            `Gradient of the log-density at the starting point of chain ${c} must be finite, ` +
              `got [${Array.from(g).join(", ")}]`,
          );
        }
      }
      grad = out.grad;
      return out.logp;
    },
    step: (state) => {
      const { dims, positions, logp, stepSize, metricTril, rng } = state;
      const n = positions.length;
      const xs = new Float64Array(n * dims);
      const p = new Float64Array(n * dims);
      const eps = new Float64Array(n);
      const energy0 = new Float64Array(n);
      const lt = new Float64Array(dims), llt = new Float64Array(dims);
      for (let c = 0; c < n; c++) {
        xs.set(positions[c], c * dims);
        eps[c] = stepSize[c] * (1 + jitter * (2 * rng.uniform() - 1));
        // p = L⁻ᵀ·z ~ N(0, M) with M⁻¹ = L·Lᵀ: solve Lᵀ·p = z.
        let kinetic = 0;
        for (let i = 0; i < dims; i++) lt[i] = rng.normal();
        for (let i = 0; i < dims; i++) kinetic += 0.5 * lt[i] * lt[i];
        p.set(solveLowerTransposed(metricTril[c], lt), c * dims);
        energy0[c] = -logp[c] + kinetic;
      }
      // Each chain runs its own number of steps; finished chains stay put while others go on.
      const chainSteps = Int32Array.from(
        { length: n },
        () => minSteps + rng.int(maxSteps - minSteps + 1),
      );
      const longest = Math.max(...chainSteps);
      const g = Float64Array.from(grad);
      const lp = Float64Array.from(logp);
      for (let s = 0; s < longest; s++) {
        for (let c = 0; c < n; c++) {
          if (s >= chainSteps[c]) continue;
          const l = metricTril[c];
          const half = 0.5 * eps[c];
          for (let i = 0; i < dims; i++) p[c * dims + i] += half * g[c * dims + i];
          // x += ε·M⁻¹·p = ε·L·(Lᵀ·p)
          lowerMatVec(l, lowerTransposedMatVec(l, p, c * dims, lt), 0, llt);
          for (let i = 0; i < dims; i++) xs[c * dims + i] += eps[c] * llt[i];
        }
        // Chains still moving, in order; a JavaScript target evaluates only those.
        const moving = compact
          ? Array.from({ length: n }, (_, c) => c).filter((c) => s < chainSteps[c])
          : Array.from({ length: n }, (_, c) => c);
        let batch = xs;
        if (moving.length < n) {
          batch = new Float64Array(moving.length * dims);
          moving.forEach((c, r) => batch.set(xs.subarray(c * dims, (c + 1) * dims), r * dims));
        }
        const out = evaluate(batch, moving.length, dims);
        moving.forEach((c, r) => {
          if (s >= chainSteps[c]) return;
          lp[c] = out.logp[r];
          const half = 0.5 * eps[c];
          for (let i = 0; i < dims; i++) {
            g[c * dims + i] = out.grad[r * dims + i];
            p[c * dims + i] += half * g[c * dims + i];
          }
        });
      }
      const accept = new Float64Array(n);
      const divergent = new Uint8Array(n);
      for (let c = 0; c < n; c++) {
        lowerTransposedMatVec(metricTril[c], p, c * dims, lt);
        let kinetic = 0;
        for (let i = 0; i < dims; i++) kinetic += 0.5 * lt[i] * lt[i];
        const error = -lp[c] + kinetic - energy0[c];
        if (!Number.isFinite(error) || error > maxError) divergent[c] = 1;
        accept[c] = Number.isFinite(error) ? Math.min(1, Math.exp(-error)) : 0;
        if (rng.uniform() < accept[c]) {
          positions[c].set(xs.subarray(c * dims, (c + 1) * dims));
          logp[c] = lp[c];
          grad.set(g.subarray(c * dims, (c + 1) * dims), c * dims);
        }
      }
      return { accept, divergent };
    },
    resetStepSize: (current) => current ?? initialStep,
    adapter: (s) => new DualAveraging(s, target),
    evaluations: () => evaluations,
  }, { ...options, metric: options.metric ?? "diagonal" });
}
