/**
 * The coordinates the MCMC reference samples in: u on the real line per node, mapped by a
 * scaled logistic onto the box of slownesses `s ∈ [1/high, 1/low]`, and `v = 1/s`. In
 * slowness the travel times of fixed rays are linear, so the likelihood's curvature barely
 * changes over the posterior and one Gauss–Newton metric fits it everywhere (in velocity it
 * changes with `1/v⁴`, and HMC's step size collapses on the slow nodes).
 *
 * The uniform prior on v is `p(s) ∝ 1/s²` in slowness, so
 * `log p(u | d) = log L(1/s(u)) − 2 Σ log s(u) + log |ds/du|` (+ const), with its gradient
 * by the chain rule ({@link PriorTransform.pullBack}).
 *
 * @module
 */
import { inverseSpd, type Matrix, matrix } from "../../lib/linalg/matrix.ts";
import { PriorTransform } from "../../lib/posterior/prior_transform.ts";
import type { TravelTimeTomography } from "../../lib/problems/travel_time_tomography.ts";

/** The log-posterior of `count` rows of u (`count × dims`) and its gradient. */
export type UnboundedLogPosterior = (u: Float64Array, count: number) => {
  logp: Float64Array;
  grad: Float64Array;
};

/** Velocity ↔ u of a tomography problem (through slowness). */
export interface SamplerCoordinates {
  /** The box map of slowness. */
  transform: PriorTransform;
  /** Velocities of rows of u. */
  toVelocity(u: ArrayLike<number>): Float64Array;
  /** u of rows of velocities (inside the prior's box). */
  fromVelocity(v: ArrayLike<number>): Float64Array;
}

/**
 * The sampler's coordinates of a problem with every node's velocity in `[low, high]`.
 * @param problem Its prior bounds and number of nodes.
 * @returns The maps.
 * @example
 * ```ts
 * import { samplerCoordinates } from "./unbounded_posterior.ts";
 * const c = samplerCoordinates({ low: 0.5, high: 3, dims: 2 });
 * c.toVelocity(c.fromVelocity([1, 2])); // ≈ [1, 2]
 * ```
 */
export function samplerCoordinates(
  problem: { low: number; high: number; dims: number },
): SamplerCoordinates {
  const transform = new PriorTransform({
    low: new Float64Array(problem.dims).fill(1 / problem.high),
    high: new Float64Array(problem.dims).fill(1 / problem.low),
  });
  return {
    transform,
    toVelocity: (u) => transform.toBounded(u).map((s) => 1 / s),
    fromVelocity: (v) => transform.toUnbounded(Float64Array.from(v, (x) => 1 / x)),
  };
}

/**
 * The unnormalised log-posterior of u and its gradient.
 * @param problem The problem.
 * @returns A function of rows of u.
 * @example
 * ```ts
 * import { TravelTimeTomography } from "../../lib/problems/travel_time_tomography.ts";
 * import { unboundedLogPosterior } from "./unbounded_posterior.ts";
 * const p = new TravelTimeTomography({
 *   model: { nodesX: 4, nodesY: 4, nodeSpacing: 3, refinement: 2 }, low: 0.5, high: 3,
 *   noiseSigma: 0.05, seed: 1, trueModel: { background: 2, anomaly: 1, radius: 2, center: [0, 0] },
 * });
 * const { logp, grad } = unboundedLogPosterior(p)(new Float64Array(16), 1);
 * console.log(logp.length, grad.length); // 1 16
 * ```
 */
export function unboundedLogPosterior(problem: TravelTimeTomography): UnboundedLogPosterior {
  const { transform } = samplerCoordinates(problem), d = problem.dims;
  return (u, count) => {
    const rows = u.subarray(0, count * d);
    const s = transform.toBounded(rows);
    const v = s.map((x) => 1 / x);
    const lik = problem.logLikelihoodWithGradient(v, count);
    const logDensity = Float64Array.from(lik.logDensity);
    const gradS = new Float64Array(count * d);
    for (let r = 0; r < count; r++) {
      for (let k = 0; k < d; k++) {
        const i = r * d + k;
        logDensity[r] -= 2 * Math.log(s[i]);
        gradS[i] = -lik.gradient[i] * v[i] * v[i] - 2 / s[i];
      }
    }
    const out = transform.pullBack(rows, d, logDensity, gradS);
    return { logp: out.logDensity, grad: out.gradient };
  };
}

/**
 * `1/Var` of the standard logistic distribution (`π²/3`): a floor for the box map's local
 * log-Jacobian curvature `2σ(1 − σ)`, which vanishes in the logistic's exponential tails
 * where a chain may sit when the metric is built.
 */
const LOGISTIC_PRECISION = 3 / Math.PI ** 2;

/**
 * The inverse of the Gauss–Newton Hessian of `−log p(u | d)` at a point: the likelihood's
 * `JᵀJ/σ²` carried to slowness (`∂T/∂s = −v²·∂T/∂v`) and on to u by the box map's slope
 * `(s_high − s_low)·σ(u)(1 − σ(u))`, plus the box map's log-Jacobian curvature — a fixed
 * inverse mass matrix for HMC that undoes the posterior's correlations along the rays.
 * @param problem The problem.
 * @param u The point, in u.
 * @returns The `dims × dims` inverse Hessian.
 * @example
 * ```ts
 * import { TravelTimeTomography } from "../../lib/problems/travel_time_tomography.ts";
 * import { gaussNewtonCovariance } from "./unbounded_posterior.ts";
 * const p = new TravelTimeTomography({
 *   model: { nodesX: 4, nodesY: 4, nodeSpacing: 3, refinement: 2 }, low: 0.5, high: 3,
 *   noiseSigma: 0.05, seed: 1, trueModel: { background: 2, anomaly: 1, radius: 2, center: [0, 0] },
 * });
 * gaussNewtonCovariance(p, new Float64Array(16)).rows; // 16
 * ```
 */
export function gaussNewtonCovariance(problem: TravelTimeTomography, u: ArrayLike<number>): Matrix {
  const d = problem.dims, width = 1 / problem.low - 1 / problem.high;
  const v = samplerCoordinates(problem).toVelocity(u);
  const h = problem.gaussNewtonHessian(v);
  const slope = new Float64Array(d), curvature = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    const s = 1 / (1 + Math.exp(-u[k]));
    slope[k] = v[k] * v[k] * width * s * (1 - s); // |dv/du| = v²·|ds/du|
    curvature[k] = Math.max(2 * s * (1 - s), LOGISTIC_PRECISION);
  }
  const out = matrix(d, d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) out.data[i * d + j] = slope[i] * h[i * d + j] * slope[j];
    out.data[i * d + i] += curvature[i];
  }
  return inverseSpd(out);
}
