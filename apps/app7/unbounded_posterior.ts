/**
 * The coordinates the MCMC reference samples in: z on the real line per node, mapped onto the
 * prior's box by the standard normal CDF, `v = low + (high − low)·Φ(z)`. A uniform prior on
 * the box is then exactly the standard normal in z, so
 * `log p(z | d) = log L(v(z)) − |z|²/2` (+ const): the prior's curvature is 1 everywhere
 * (a logistic map's vanishes in its tails), the nodes no ray constrains are exactly Gaussian
 * for HMC, and the Gauss–Newton Hessian `I + DᵀJᵀJD/σ²` (`D = dv/dz`) is a metric that fits
 * the whole posterior where the rays do not bend much.
 *
 * @module
 */
import { inverseSpd, type Matrix, matrix, matVec } from "../../lib/linalg/matrix.ts";
import { normalPdf } from "../../lib/inference/special.ts";
import { PriorTransform } from "../../lib/posterior/prior_transform.ts";
import type { TravelTimeTomography } from "../../lib/problems/travel_time_tomography.ts";

/** The unnormalised log-posterior of `count` rows of z (`count × dims`) and its gradient. */
export type UnboundedLogPosterior = (z: Float64Array, count: number) => {
  logp: Float64Array;
  grad: Float64Array;
};

/** Velocity ↔ z of a tomography problem. */
export interface SamplerCoordinates {
  /** Velocities of rows of z. */
  toVelocity(z: ArrayLike<number>): Float64Array;
  /** z of rows of velocities (inside the prior's box). */
  fromVelocity(v: ArrayLike<number>): Float64Array;
}

/**
 * The sampler's coordinates of a problem with every node's velocity in `[low, high]`.
 * @param problem Its prior bounds.
 * @returns The maps.
 * @example
 * ```ts
 * import { samplerCoordinates } from "./unbounded_posterior.ts";
 * const c = samplerCoordinates({ low: 0.5, high: 3 });
 * c.fromVelocity([1.75]); // [0]: the box's centre
 * c.toVelocity(c.fromVelocity([1, 2])); // ≈ [1, 2]
 * ```
 */
export function samplerCoordinates(problem: { low: number; high: number }): SamplerCoordinates {
  const transform = boxTransform(problem, 1);
  return {
    toVelocity: (z) => transform.toBounded(z),
    fromVelocity: (v) => transform.toUnbounded(v),
  };
}

/**
 * The normal box map of `dims` nodes (its maps between v and z take rows of any multiple of
 * `dims`, so one node serves them all; its Jacobian terms need every node).
 */
function boxTransform(problem: { low: number; high: number }, dims: number): PriorTransform {
  return new PriorTransform({
    low: new Float64Array(dims).fill(problem.low),
    high: new Float64Array(dims).fill(problem.high),
  }, "normal");
}

/**
 * The unnormalised log-posterior of z and its gradient.
 * @param problem The problem.
 * @returns A function of rows of z.
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
  const d = problem.dims, transform = boxTransform(problem, d);
  // The box map's log |dv/dz| = Σ (log(high − low) + log φ(z)); its constant part is dropped.
  const constant = d * (Math.log(problem.high - problem.low) - 0.5 * Math.log(2 * Math.PI));
  return (z, count) => {
    const rows = z.subarray(0, count * d);
    const lik = problem.logLikelihoodWithGradient(transform.toBounded(rows), count);
    const { logDensity, gradient } = transform.pullBack(rows, d, lik.logDensity, lik.gradient);
    for (let r = 0; r < count; r++) logDensity[r] -= constant;
    return { logp: logDensity, grad: gradient };
  };
}

/**
 * The inverse of the Gauss–Newton Hessian of `−log p(z | d)` averaged over points:
 * `(I + mean_k D_k·JₖᵀJₖ·D_k/σ²)⁻¹` with `J` the Jacobian of the travel times in velocity and
 * `D = diag((high − low)·φ(z))`: a fixed inverse mass matrix for HMC that undoes the
 * posterior's correlations along the rays. Averaged over draws of a warm-up window it fits the
 * posterior where the rays bend with the velocities better than its value at one point.
 * @param problem The problem.
 * @param points Points in z.
 * @returns The `dims × dims` inverse.
 * @example
 * ```ts
 * import { TravelTimeTomography } from "../../lib/problems/travel_time_tomography.ts";
 * import { gaussNewtonCovariance } from "./unbounded_posterior.ts";
 * const p = new TravelTimeTomography({
 *   model: { nodesX: 4, nodesY: 4, nodeSpacing: 3, refinement: 2 }, low: 0.5, high: 3,
 *   noiseSigma: 0.05, seed: 1, trueModel: { background: 2, anomaly: 1, radius: 2, center: [0, 0] },
 * });
 * gaussNewtonCovariance(p, [new Float64Array(16)]).rows; // 16
 * ```
 */
export function gaussNewtonCovariance(
  problem: TravelTimeTomography,
  points: readonly ArrayLike<number>[],
): Matrix {
  if (points.length === 0) throw new RangeError("The Gauss–Newton metric needs at least one point");
  const d = problem.dims, width = problem.high - problem.low;
  const coordinates = samplerCoordinates(problem);
  const out = matrix(d, d);
  for (const z of points) {
    const h = problem.gaussNewtonHessian(coordinates.toVelocity(z));
    const slope = Float64Array.from(z, (x) => width * normalPdf(x));
    for (let i = 0; i < d; i++) {
      const si = slope[i] / points.length;
      for (let j = 0; j < d; j++) out.data[i * d + j] += si * h[i * d + j] * slope[j];
    }
  }
  for (let i = 0; i < d; i++) out.data[i * d + i] += 1;
  return inverseSpd(out);
}

/** Where {@link gaussNewtonMode} ended. */
export interface GaussNewtonMode {
  /** The mode in z. */
  z: Float64Array;
  /** Its velocities. */
  velocity: Float64Array;
  /** `log p(z | d)` there (unnormalised). */
  logPosterior: number;
  /** The inverse Gauss–Newton Hessian there: a Laplace approximation's covariance in z. */
  covariance: Matrix;
  /** Gauss–Newton steps taken. */
  iterations: number;
}

/**
 * The posterior mode in z by Gauss–Newton steps from the prior's centre (z = 0), each
 * `z ← z + t·(I + DJᵀJD/σ²)⁻¹·∇ log p(z | d)` with `t` halved until the log-posterior rises;
 * stops when a step gains less than `tolerance` or none rises. With its inverse Gauss–Newton
 * Hessian it is a Laplace approximation of the posterior in z, where the variational flow can
 * start.
 * @param problem The problem with its observation.
 * @param options Most steps (default 30) and the gain that ends them (default 1e-3).
 * @returns The mode, its log-posterior, the covariance there and the steps taken.
 * @example
 * ```ts
 * import { TravelTimeTomography } from "../../lib/problems/travel_time_tomography.ts";
 * import { gaussNewtonMode } from "./unbounded_posterior.ts";
 * const p = new TravelTimeTomography({
 *   model: { nodesX: 4, nodesY: 4, nodeSpacing: 3, refinement: 2 }, low: 0.5, high: 3,
 *   noiseSigma: 0.05, seed: 1, trueModel: { background: 2, anomaly: 1, radius: 2, center: [0, 0] },
 * });
 * gaussNewtonMode(p).covariance.rows; // 16
 * ```
 */
export function gaussNewtonMode(
  problem: TravelTimeTomography,
  options: { maxIterations?: number; tolerance?: number } = {},
): GaussNewtonMode {
  const d = problem.dims, logPosterior = unboundedLogPosterior(problem);
  const maxIterations = options.maxIterations ?? 30, tolerance = options.tolerance ?? 1e-3;
  let z = new Float64Array(d), current = logPosterior(z, 1);
  let covariance = gaussNewtonCovariance(problem, [z]), iterations = 0;
  while (iterations < maxIterations) {
    const step = matVec(covariance, current.grad);
    let moved = false, gain = 0;
    for (let t = 1; t >= 1 / 1024; t /= 2) {
      const next = Float64Array.from(z, (v, i) => v + t * step[i]);
      const value = logPosterior(next, 1);
      if (value.logp[0] > current.logp[0]) {
        gain = value.logp[0] - current.logp[0];
        z = next;
        current = value;
        moved = true;
        break;
      }
    }
    if (!moved) break;
    iterations++;
    covariance = gaussNewtonCovariance(problem, [z]);
    if (gain < tolerance) break;
  }
  return {
    z,
    velocity: samplerCoordinates(problem).toVelocity(z),
    logPosterior: current.logp[0],
    covariance,
    iterations,
  };
}
