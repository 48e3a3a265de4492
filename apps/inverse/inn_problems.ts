/**
 * The inverse problems the INN applications run on, chosen by `run.problem`:
 * `linear` (ill-conditioned linear-Gaussian, exact posterior) and
 * `exponentials` (two decays with close rates, MCMC reference) for
 * application 4, `robot_arm` (the planar arm of Kruse et al. 2021, ABC
 * reference, no noise) for application 5, and `blurred_profile` (a blurred,
 * sub-sampled 1-D profile, exact posterior) and `ballistic` (a throw with drag,
 * MCMC reference) for application 6. One factory builds the problem
 * from params; one check tells an app, before anything runs, whether the
 * params fit it.
 *
 * @module
 */
import type { Params } from "../../lib/params/mod.ts";
import { LinearIllConditioned } from "../../lib/problems/linear_ill_conditioned.ts";
import type { InverseProblem } from "../../lib/problems/problem.ts";
import { RobotArm } from "../../lib/problems/robot_arm.ts";
import { symmetricEigen } from "../../lib/linalg/symmetric_eigen.ts";
import { TwoExponentials } from "../../lib/problems/two_exponentials.ts";
import { BlurredProfile } from "../../lib/problems/blurred_profile.ts";
import { BallisticDrag } from "../../lib/problems/ballistic_drag.ts";

/** Every value of `run.problem`. */
export const INN_PROBLEM_NAMES = [
  "linear",
  "exponentials",
  "robot_arm",
  "blurred_profile",
  "ballistic",
] as const;
/** One of {@link INN_PROBLEM_NAMES}. */
export type InnProblemName = typeof INN_PROBLEM_NAMES[number];

/** How each problem's reference posterior is drawn. */
export const INN_PROBLEM_REFERENCE: Readonly<Record<InnProblemName, string>> = {
  linear: "analytic",
  exponentials: "MCMC",
  robot_arm: "ABC",
  blurred_profile: "analytic",
  ballistic: "MCMC",
};

/** The application each problem belongs to, for messages. */
export const INN_PROBLEM_APP: Readonly<Record<InnProblemName, string>> = {
  linear: "application 4",
  exponentials: "application 4",
  robot_arm: "application 5",
  blurred_profile: "application 6",
  ballistic: "application 6",
};

/**
 * What is wrong with the params for an app that runs the given problems:
 * `run.problem` not among them, `run.abc_epsilon` set for a problem without an
 * ABC reference, or observation noise on the noise-free robot arm.
 * @param params Validated params.
 * @param app App name for the messages, e.g. `application 4`.
 * @param allowed The app's problems.
 * @returns One message per problem (empty when the params fit).
 * @example
 * ```ts
 * import { loadParams } from "../../lib/params/mod.ts";
 * import { innProblemParamsErrors } from "./inn_problems.ts";
 * const p = loadParams("app4", ["--set", "run.problem=robot_arm"]);
 * innProblemParamsErrors(p, "application 4", ["linear", "exponentials"]); // one message
 * ```
 */
export function innProblemParamsErrors(
  params: Params,
  app: string,
  allowed: readonly InnProblemName[],
): string[] {
  const errors: string[] = [];
  const name = params.run.problem as InnProblemName;
  if (!allowed.includes(name)) {
    const home = INN_PROBLEM_APP[name] ?? "no application";
    errors.push(
      `run.problem must be ${allowed.map((a) => `"${a}"`).join(" or ")} for ${app}, got ` +
        `"${name}" (a problem of ${home})`,
    );
    return errors;
  }
  const epsilon = params.run.abc_epsilon;
  if (epsilon !== null && INN_PROBLEM_REFERENCE[name] !== "ABC") {
    errors.push(
      `run.abc_epsilon applies only to problems with an ABC reference (robot_arm); run.problem ` +
        `"${name}" has an ${
          INN_PROBLEM_REFERENCE[name]
        } reference, so leave it unset (null), got ${epsilon}`,
    );
  }
  if (name === "robot_arm" && params.run.noise_sigma !== null) {
    errors.push(
      `run.noise_sigma must be left unset (null) for the robot arm, whose end points carry no ` +
        `noise, got ${params.run.noise_sigma} (inverse problems with noise are application 6)`,
    );
  }
  return errors;
}

/**
 * The problem described by the params: `run.problem` with `run.noise_sigma`
 * (null: the problem's own), the MCMC settings of the exponentials' reference and
 * `run.abc_epsilon` (null: the arm's own) of the robot arm's.
 * @param params Validated params.
 * @returns The problem.
 * @throws Error when `run.problem` is unknown or a setting is out of range.
 * @example
 * ```ts
 * import { loadParams } from "../../lib/params/mod.ts";
 * import { innProblem } from "./inn_problems.ts";
 * innProblem(loadParams("app5", [])).name; // "robot_arm"
 * ```
 */
export function innProblem(
  params: Params,
): LinearIllConditioned | TwoExponentials | RobotArm | BlurredProfile | BallisticDrag {
  const noise = params.run.noise_sigma ?? undefined;
  const name = params.run.problem as string;
  switch (name) {
    case "linear":
      return new LinearIllConditioned({ noise });
    case "exponentials":
      return new TwoExponentials({
        noise,
        mcmc: { warmup: params.run.mcmc_warmup, draws: params.run.mcmc_draws },
      });
    case "robot_arm":
      if (noise !== undefined) {
        throw new Error(`The robot arm has no observation noise; got run.noise_sigma=${noise}`);
      }
      return new RobotArm({ epsilon: params.run.abc_epsilon ?? undefined });
    case "blurred_profile":
      return new BlurredProfile({ noise });
    case "ballistic":
      return new BallisticDrag({
        noise,
        mcmc: { warmup: params.run.mcmc_warmup, draws: params.run.mcmc_draws },
      });
    default:
      throw new Error(
        `run.problem must be one of ${INN_PROBLEM_NAMES.join(", ")}, got "${name}"`,
      );
  }
}

/**
 * Facts about a problem for `metrics.json`: the design's condition number and
 * the posterior's principal standard deviations (linear), the prior and
 * observation times (exponentials), the arm's geometry, prior and ABC
 * tolerance (robot arm).
 * @param problem The problem.
 * @returns JSON-serialisable facts.
 */
export function innProblemInfo(problem: InverseProblem): Record<string, unknown> {
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
  if (problem instanceof BlurredProfile) {
    const o = problem.options;
    const s = problem.singularValues();
    return {
      cells: problem.dimX,
      measurements: problem.dimY,
      blur_width: o.blurWidth,
      prior: `Matérn-5/2 Gaussian process, correlation length ${o.correlationLength}, ` +
        `mean ${o.priorMean}, std ${o.priorStd}`,
      condition_number: problem.conditionNumber(),
      singular_values: Array.from(s),
      singular_value_decay: Array.from(s, (v) => v / s[0]),
      posterior_principal_std: Array.from(
        symmetricEigen(problem.gaussian.posteriorCov).values,
        (v) => Math.sqrt(v),
      ),
      forward_model: "y_i = Σ_j G_ij x_j + σ ε_i, G_ij ∝ exp(−(t_i − z_j)² / (2w²)), rows sum to 1",
    };
  }
  if (problem instanceof BallisticDrag) {
    return {
      physics: problem.physics,
      prior_mean: problem.priorMean,
      prior_std: problem.priorStd,
      forward_model: "impact point of a throw with linear drag from (x0, h) at angle and speed " +
        "(Kruse et al. 2021); Gaussian priors truncated to h > 0, 0 < angle < π/2, speed > 0",
    };
  }
  if (problem instanceof RobotArm) {
    return {
      segment_lengths: problem.lengths,
      prior_std: problem.priorStd,
      abc_epsilon: problem.epsilon,
      forward_model: "y1 = l1 cos θ1 + l2 cos(θ1+θ2) + l3 cos(θ1+θ2+θ3); " +
        "y2 = x1 + l1 sin θ1 + l2 sin(θ1+θ2) + l3 sin(θ1+θ2+θ3)",
    };
  }
  return {};
}
