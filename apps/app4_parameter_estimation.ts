/**
 * Application 4: parameter estimation on an ill-conditioned problem.
 *
 * Simulates (parameters, observations) pairs of an ill-conditioned forward
 * model — by default a linear-Gaussian problem with a nearly collinear
 * design (exact posterior), or with `--set run.problem=exponentials` the sum
 * of two decaying exponentials with close rates (MCMC reference) — trains
 * three posterior models (INN with MMD losses, INN by maximum likelihood,
 * conditional INN), samples p(x | y*) for test observations drawn from the
 * prior predictive, and compares them with the reference. Writes corner
 * plots, the forward-model fit, training histories and `metrics.json` under
 * `run.output_dir` (default `output/app4`), the trained models under
 * `<output_dir>/model` (`--no-train` evaluates them again without training,
 * `--resume` continues an interrupted training from `<output_dir>/checkpoints`).
 *
 * Usage: `deno task app4 [--quick] [--set run.problem=exponentials] [--epochs N] [--out DIR]
 * [--no-train | --resume] [--help]`
 *
 * @module
 */
import "./common/require_permissions.ts";
import { runApp } from "./common/app_edges.ts";
import { loadParamsOrExit } from "../lib/params/mod.ts";
import { innProblemParamsErrors } from "./inverse/inn_problems.ts";
import { APP4_PROBLEMS, runParameterEstimation } from "./app4/parameter_estimation.ts";

const params = loadParamsOrExit("app4", Deno.args, {
  datasets: (name) =>
    name === "gmm"
      ? null
      : "left unset: application 4 has no dataset, its forward model is run.problem " +
        "(--set run.problem=linear or exponentials)",
});
const refusals = innProblemParamsErrors(params, "application 4", APP4_PROBLEMS);
if (refusals.length) {
  console.error(refusals.join("\n"));
  Deno.exit(2);
}
await runApp("app4", params, async (backend) => {
  const { metrics, files } = await runParameterEstimation(params, { backend });
  console.log(`wrote ${files.length} files to ${params.run.output_dir}`);
  const models = metrics.models as Record<string, Record<string, unknown>>;
  const f = (
    v: unknown,
  ) => (typeof v === "number" ? v.toFixed(3) : v === null ? "skipped" : String(v));
  for (const m of Object.values(models)) {
    console.log(
      `${m.label}: posterior-mean error ${f(m.mean_error_sigma)} σ, σ ratio ${
        f(m.sigma_ratio)
      }, C2ST ${f(m.c2st_accuracy)}, ` +
        (m.loaded_from ? `loaded from ${m.loaded_from}` : `trained in ${f(m.train_time_s)} s`),
    );
  }
});
