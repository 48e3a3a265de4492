/**
 * Posterior estimation for your own simulator: priors (box-uniform,
 * Gaussian, or your functions), seeded simulation of a training set, and
 * {@link PosteriorEstimator}, which learns `p(θ | x)` once and then samples
 * and scores the posterior of any observation.
 *
 * @example
 * ```ts
 * import { BoxUniformPrior, PosteriorEstimator, simulateFromPrior } from "./mod.ts";
 * import { silentProgress } from "../training/progress.ts";
 * const prior = new BoxUniformPrior([0, 0], [1, 1]);
 * const simulator = (t: Float64Array, rng: { normal(): number }) => [t[0] * t[1] + 0.05 * rng.normal(), t[0] - t[1]];
 * const { theta, x } = await simulateFromPrior(prior, simulator, 400, { seed: 1 });
 * const est = new PosteriorEstimator({ prior, settings: { maxEpochs: 1 } });
 * await est.fit(theta, x, { seed: 2, progress: silentProgress });
 * (await est.sample([0.2, 0.1], 5, { seed: 3 })).length; // 10
 * est.dispose();
 * ```
 *
 * @module
 */
export * from "./priors.ts";
export * from "./prior_transform.ts";
export * from "./simulate.ts";
export * from "./defaults.ts";
export * from "./estimator.ts";
export * from "./variational.ts";
export * from "./variational_ensemble.ts";
