/**
 * Inverse problems for the INN applications (4–7) and the machinery shared
 * by them: the {@link InverseProblem} interface, application 4's problems
 * (an ill-conditioned linear-Gaussian problem and two exponentials with close
 * rates), application 5's (the planar robot arm of Kruse et al. 2021) and
 * application 6's (a blurred, sub-sampled 1-D profile with an exact posterior,
 * a ballistic throw with drag), noise levels and repeated measurements with a
 * posterior amortised over σ ({@link NoiseConditionedPosterior}), application
 * 7's forward model (first-arrival travel times by fast marching, with their
 * exact adjoint gradient),
 * chosen from params by {@link innProblem}; training, saving and loading of
 * the three posterior models (INN with MMD losses, INN by maximum
 * likelihood, cINN), posterior metrics against a reference, figures, and a
 * whole application run ({@link runInnApp}, with per-problem hooks).
 *
 * @example
 * ```ts ignore
 * import { LinearIllConditioned, prepareTrainingSet, trainPosteriorModel } from "./mod.ts";
 * const problem = new LinearIllConditioned();
 * const set = prepareTrainingSet(problem, 20000, 1000, 1);
 * // … build an InnAppConfig, then:
 * // const cinn = await trainPosteriorModel("cinn", set, config);
 * // const xs = await cinn.sampler.posterior(Float32Array.from(yStar), 2000, { seed: 1 });
 * ```
 *
 * @module
 */
export * from "./problem.ts";
export * from "./standardizer.ts";
export * from "./whitening.ts";
export * from "./regression_adjustment.ts";
export * from "./linear_ill_conditioned.ts";
export * from "./two_exponentials.ts";
export * from "./reference_posteriors.ts";
export * from "./posterior_metrics.ts";
export * from "./robot_arm.ts";
export * from "./noise_levels.ts";
export * from "./noise_conditioned_posterior.ts";
export * from "./blurred_profile.ts";
export * from "./ballistic_drag.ts";
export * from "./eikonal_grid.ts";
export * from "./eikonal.ts";
export * from "./travel_time.ts";
export * from "./travel_time_tomography.ts";
export * from "./ray_paths.ts";
