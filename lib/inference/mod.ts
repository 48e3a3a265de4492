/**
 * Reference posteriors and posterior-quality metrics, shared by the
 * inverse-problem applications (4–7):
 *
 * - reference posteriors: the analytic linear-Gaussian posterior
 *   ({@link LinearGaussian}), rejection and ABC rejection sampling, and MCMC
 *   (adaptive random-walk Metropolis; HMC with tfjs gradients) with ESS and
 *   split-R̂ diagnostics;
 * - metrics comparing a (flow) posterior with a reference: MMD², the
 *   classifier two-sample test, re-simulation error, and simulation-based
 *   calibration;
 * - the Gaussian helpers they are built on (the float64 linear algebra and
 *   sample moments are in `lib/linalg/mod.ts`).
 *
 * @example
 * ```ts
 * import { fromRows, identity } from "../linalg/mod.ts";
 * import { LinearGaussian, mmdSquared } from "./mod.ts";
 * const problem = new LinearGaussian({
 *   forward: fromRows([[1, 1], [1, 1.001]]),
 *   noiseCov: identity(2),
 *   priorMean: [0, 0],
 *   priorCov: identity(2),
 * });
 * const exact = problem.posterior([1, 1]).sample(1000, { seed: 1 });
 * const other = problem.posterior([1, 1]).sample(1000, { seed: 2 });
 * console.log(mmdSquared(exact, other, { dims: 2 })); // ≈ 0
 * ```
 *
 * @module
 */
export * from "./seeding.ts";
export * from "./gaussian.ts";
export * from "./moments.ts";
export * from "./special.ts";
export * from "./linear_gaussian.ts";
export * from "./rejection.ts";
export * from "./adaptation.ts";
export * from "./diagnostics.ts";
export * from "./mcmc.ts";
export * from "./mmd.ts";
export * from "./c2st.ts";
export * from "./resimulation.ts";
export * from "./sbc.ts";
