/**
 * Inverse problems for the INN applications (4–7) and the machinery shared
 * by them: the {@link InverseProblem} interface, application 4's problems
 * (an ill-conditioned linear-Gaussian problem and two exponentials with close
 * rates), training of the three posterior models (INN with MMD losses, INN
 * by maximum likelihood, cINN), posterior metrics against a reference,
 * figures, and a whole application run ({@link runInnApp}).
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
export * from "./symmetric_eigen.ts";
export * from "./standardizer.ts";
export * from "./linear_ill_conditioned.ts";
export * from "./two_exponentials.ts";
export * from "./posterior_metrics.ts";
export * from "./inn_app.ts";
export * from "./inn_figures.ts";
export * from "./inn_run.ts";
export * from "./parameter_estimation.ts";
