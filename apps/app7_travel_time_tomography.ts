/**
 * Application 7: Bayesian seismic travel-time tomography — the 2-D synthetic of Zhao, Curtis
 * & Zhang 2022 by default: velocity on 21 × 21 nodes with a uniform 0.5–3.0 km/s prior, 120
 * first-arrival travel times between 16 stations on a circle (σ = 0.05 s), computed by fast
 * marching on the eikonal equation (first order by default: travel times continuous in the
 * velocities) with an exact adjoint gradient.
 *
 * Runs the methods `--method` asks for (default all): the MCMC reference (HMC with the
 * adjoint gradient on several chains, cached under `<out>/mcmc_reference`), a variational
 * flow fitted to the observation (ELBO), and an amortised cINN trained on prior simulations
 * (cached under `<out>/training_set`); `inn` (or `all,inn`) adds a maximum-likelihood INN
 * (the noise as extra inputs) trained on the same simulations. Writes the true model, ray paths, posterior mean and
 * std maps side by side, marginals at chosen nodes, the data fit, the ELBO/loss histories,
 * and `metrics.json` with each method's difference from MCMC in prior standard deviations.
 *
 * Usage: `deno task app7 [--quick] [--method vi|cinn|inn|mcmc|all|all,inn] [--out DIR]
 * [--no-train | --resume] [--set GROUP.FIELD=VALUE] [--help]`
 *
 * @module
 */
import "./common/require_permissions.ts";
import { runApp } from "./common/app_edges.ts";
import { loadParamsOrExit } from "../lib/params/mod.ts";
import { app7ParamsErrors } from "./app7/settings.ts";
import { runTomography } from "./app7/tomography.ts";

const params = loadParamsOrExit("app7", Deno.args, {
  datasets: (name) =>
    name === "gmm"
      ? null
      : "left unset: application 7 has no dataset, its problem is set by the run.grid_*, " +
        "run.stations, run.velocity_bounds and run.true_* fields",
});
const refusals = app7ParamsErrors(params);
if (refusals.length) {
  console.error(refusals.join("\n"));
  Deno.exit(2);
}
await runApp("app7", params, async (backend) => {
  const { metrics, files } = await runTomography(params, { backend });
  console.log(`wrote ${files.length} files to ${params.run.output_dir}`);
  const f = (v: unknown) => (typeof v === "number" ? v.toFixed(3) : String(v));
  for (const m of Object.values(metrics.methods as Record<string, Record<string, unknown>>)) {
    const parts = [`χ²/datum of the mean ${f(m.chi2_per_datum_of_mean)}`];
    if (m.mean_rms_vs_mcmc_prior_std !== undefined) {
      parts.push(
        `mean map vs MCMC ${f(m.mean_rms_vs_mcmc_prior_std)} prior std RMS`,
        `std-map correlation ${f(m.std_correlation_vs_mcmc)}`,
      );
    }
    if (m.max_split_rhat !== undefined) parts.push(`max split-R̂ ${f(m.max_split_rhat)}`);
    console.log(`${m.label}: ${parts.join(", ")}`);
  }
});
