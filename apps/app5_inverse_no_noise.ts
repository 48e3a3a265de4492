/**
 * Application 5: an ill-posed inverse problem without noise — the planar
 * robot arm of Kruse et al. 2021 (a rail height and three joint angles → the
 * 2-D end point).
 *
 * Simulates (pose, end point) pairs, trains three posterior models (INN with
 * MMD losses, INN by maximum likelihood, conditional INN), samples the
 * posterior arm poses p(x | y*) for test targets drawn from the prior
 * predictive, and scores them against ABC reference posteriors (tolerance
 * `run.abc_epsilon`) by posterior MMD² and re-simulation error. Writes the
 * arm-pose figures, the end points reached, a corner plot, training
 * histories and `metrics.json` under `run.output_dir` (default
 * `output/app5`), the trained models under `<output_dir>/model`
 * (`--no-train` evaluates them again without training, `--resume` continues
 * an interrupted training from `<output_dir>/checkpoints`).
 *
 * Usage: `deno task app5 [--quick] [--epochs N] [--out DIR] [--seed N] [--no-train | --resume]
 * [--help]`
 *
 * @module
 */
import "./common/require_permissions.ts";
import { runApp } from "./common/app_edges.ts";
import { loadParamsOrExit } from "../lib/params/mod.ts";
import { innProblemParamsErrors } from "./inverse/inn_problems.ts";
import { APP5_PROBLEMS, runInverseKinematics } from "./app5/inverse_kinematics.ts";

const params = loadParamsOrExit("app5", Deno.args, {
  datasets: (name) =>
    name === "gmm"
      ? null
      : "left unset: application 5 has no dataset, it simulates the robot arm's forward model",
});
const refusals = innProblemParamsErrors(params, "application 5", APP5_PROBLEMS);
if (refusals.length) {
  console.error(refusals.join("\n"));
  Deno.exit(2);
}
await runApp("app5", params, async (backend) => {
  const { metrics, files } = await runInverseKinematics(params, { backend });
  console.log(`wrote ${files.length} files to ${params.run.output_dir}`);
  const ref = metrics.reference as Record<string, number>;
  console.log(
    `reference: ABC with ε = ${ref.epsilon}, mean acceptance rate ${
      ref.acceptance_rate_mean.toExponential(2)
    }`,
  );
  const models = metrics.models as Record<string, Record<string, unknown>>;
  const f = (
    v: unknown,
  ) => (typeof v === "number" ? v.toPrecision(3) : v === null ? "skipped" : String(v));
  for (const m of Object.values(models)) {
    console.log(
      `${m.label}: posterior MMD² ${f(m.posterior_mmd2)}, re-simulation error ${
        f(m.resimulation_error)
      } (mean squared ${f(m.resimulation_mean_squared)}), C2ST ${f(m.c2st_accuracy)}, ` +
        (m.loaded_from ? `loaded from ${m.loaded_from}` : `trained in ${f(m.train_time_s)} s`),
    );
  }
});
