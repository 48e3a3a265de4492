/**
 * Application 4, parameter estimation on an ill-conditioned problem: the
 * problem chosen by `run.problem` (the ill-conditioned linear-Gaussian
 * problem, with an exact posterior, or the sum of two exponentials with
 * close rates, with an MCMC reference), three posterior models trained on
 * simulated pairs, and their posteriors compared with the reference for
 * test observations drawn from the prior predictive. The run itself is
 * {@link ./inn_run.ts runInnApp}.
 *
 * @module
 */
import type { Params } from "../params/mod.ts";
import type { ProgressSink } from "../training/progress.ts";
import { type InnAppRunResult, runInnApp } from "./inn_run.ts";
import { LinearIllConditioned } from "./linear_ill_conditioned.ts";
import type { InverseProblem } from "./problem.ts";
import { symmetricEigen } from "./symmetric_eigen.ts";
import { TwoExponentials } from "./two_exponentials.ts";

/** The problems of application 4 (`run.problem`). */
export const APP4_PROBLEMS = ["linear", "exponentials"] as const;

/**
 * The problem described by the params: `run.problem`, `run.noise_sigma`
 * (null: the problem's default), and the MCMC settings of the reference.
 * @param params Validated params.
 * @returns The problem.
 * @throws Error when `run.problem` is not an app-4 problem.
 * @example
 * ```ts
 * import { loadParams } from "../params/mod.ts";
 * import { app4Problem } from "./parameter_estimation.ts";
 * const p = app4Problem(loadParams("app4", ["--set", "run.problem=exponentials"]));
 * console.log(p.dimX); // 4
 * ```
 */
export function app4Problem(params: Params): LinearIllConditioned | TwoExponentials {
  const noise = params.run.noise_sigma ?? undefined;
  switch (params.run.problem) {
    case "linear":
      return new LinearIllConditioned({ noise });
    case "exponentials":
      return new TwoExponentials({
        noise,
        mcmc: { warmup: params.run.mcmc_warmup, draws: params.run.mcmc_draws },
      });
    default:
      throw new Error(
        `run.problem must be one of ${APP4_PROBLEMS.join(", ")} for application 4, got "${params.run
          .problem as string}"`,
      );
  }
}

/**
 * Facts about an app-4 problem for `metrics.json`: the design's condition
 * number and the posterior's principal standard deviations (linear), or
 * the prior and times (exponentials).
 * @param problem The problem.
 * @returns JSON-serialisable facts.
 */
export function app4ProblemInfo(problem: InverseProblem): Record<string, unknown> {
  if (problem instanceof LinearIllConditioned) {
    const axes = symmetricEigen(problem.gaussian.posteriorCov).values;
    return {
      rates: problem.rates,
      times: problem.observationGrid.values,
      condition_number: problem.conditionNumber(),
      posterior_principal_std: Array.from(axes, (v) => Math.sqrt(v)),
      posterior_aspect_ratio: Math.sqrt(axes[0] / axes[axes.length - 1]),
    };
  }
  if (problem instanceof TwoExponentials) {
    return {
      times: problem.observationGrid.values,
      prior_mean: problem.priorMean,
      prior_std: problem.priorStd,
    };
  }
  return {};
}

/** Options of {@link runParameterEstimation}. */
export interface ParameterEstimationOptions {
  /** Name of the backend in use, for metrics. */
  backend: string;
  /** Progress sink; default console. */
  progress?: ProgressSink;
}

/**
 * Runs application 4 from validated params and writes its outputs under `run.output_dir`.
 * @param params Validated params (see `params/app4.json`).
 * @param options Backend name and progress sink.
 * @returns Metrics and written files.
 */
export function runParameterEstimation(
  params: Params,
  options: ParameterEstimationOptions,
): Promise<InnAppRunResult> {
  const problem = app4Problem(params);
  return runInnApp(problem, params, {
    app: "app4_parameter_estimation",
    backend: options.backend,
    ...(options.progress ? { progress: options.progress } : {}),
    problemInfo: app4ProblemInfo(problem),
  });
}
