/**
 * Application 4, parameter estimation on an ill-conditioned problem: the
 * problem chosen by `run.problem` (the ill-conditioned linear-Gaussian
 * problem, with an exact posterior, or the sum of two exponentials with
 * close rates, with an MCMC reference), three posterior models trained on
 * simulated pairs, and their posteriors compared with the reference for
 * test observations drawn from the prior predictive. The run itself is
 * {@link ../inverse/inn_run.ts runInnApp}.
 *
 * @module
 */
import type { Params } from "../../lib/params/mod.ts";
import type { ProgressSink } from "../../lib/training/progress.ts";
import { type InnAppRunResult, runInnApp } from "../inverse/inn_run.ts";
import { innProblem, innProblemInfo, innProblemParamsErrors } from "../inverse/inn_problems.ts";
import type { LinearIllConditioned } from "../../lib/problems/linear_ill_conditioned.ts";
import type { InverseProblem } from "../../lib/problems/problem.ts";
import type { TwoExponentials } from "../../lib/problems/two_exponentials.ts";

/** The problems of application 4 (`run.problem`). */
export const APP4_PROBLEMS = ["linear", "exponentials"] as const;

/**
 * The problem described by the params: `run.problem`, `run.noise_sigma`
 * (null: the problem's default), and the MCMC settings of the reference.
 * @param params Validated params.
 * @returns The problem.
 * @throws Error when the params do not describe an app-4 problem.
 * @example
 * ```ts
 * import { loadParams } from "../../lib/params/mod.ts";
 * import { app4Problem } from "./parameter_estimation.ts";
 * const p = app4Problem(loadParams("app4", ["--set", "run.problem=exponentials"]));
 * console.log(p.dimX); // 4
 * ```
 */
export function app4Problem(params: Params): LinearIllConditioned | TwoExponentials {
  const errors = innProblemParamsErrors(params, "application 4", APP4_PROBLEMS);
  if (errors.length) throw new Error(errors.join("; "));
  return innProblem(params) as LinearIllConditioned | TwoExponentials;
}

/**
 * Facts about an app-4 problem for `metrics.json` (see {@link innProblemInfo}).
 * @param problem The problem.
 * @returns JSON-serialisable facts.
 */
export function app4ProblemInfo(problem: InverseProblem): Record<string, unknown> {
  return innProblemInfo(problem);
}

/** Options of {@link runParameterEstimation}. */
export interface ParameterEstimationOptions {
  /** Name of the backend in use, for metrics. */
  backend: string;
  /** Progress sink; default console. */
  progress?: ProgressSink;
}

/**
 * Runs application 4 from validated params and writes its outputs under `run.output_dir`
 * (trained models under `run.model_dir`).
 * @param params Validated params (see `params/app4.json`).
 * @param options Backend name and progress sink.
 * @returns Metrics and written files.
 * @throws Error when the params do not describe an app-4 problem, or as {@link runInnApp}.
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
    problemInfo: innProblemInfo(problem),
  });
}
