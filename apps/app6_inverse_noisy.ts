/**
 * Application 6: an ill-posed inverse problem with noise on the data — by
 * default a 32-cell profile (a smooth Gaussian-process prior) from 16 blurred,
 * sub-sampled measurements with Gaussian noise σ, whose exact posterior is
 * known; with `--set run.problem=ballistic` the ballistic throw with drag of
 * Kruse et al. 2021 (start position, height, angle and speed → the noisy
 * impact point), against an MCMC reference.
 *
 * Trains the INN by maximum likelihood with the noise draws as extra inputs,
 * the cINN on noisy simulations, and a cINN amortised over the noise level
 * (condition `[y, log σ]`, σ drawn from a range during training), and checks
 * their posteriors against the reference: at σ for all, at σ/2, σ and 2σ and
 * for 1, 4 and 16 repeated measurements for the amortised one. Writes the
 * profile bands, samples, data fit, posterior width against σ, calibration
 * curves and `metrics.json` under `run.output_dir` (default `output/app6`),
 * the trained models under `<output_dir>/model` (`--no-train` evaluates them
 * again, `--resume` continues an interrupted training).
 *
 * Usage: `deno task app6 [--quick] [--set run.problem=ballistic] [--set run.noise_sigma=S]
 * [--epochs N] [--out DIR] [--no-train | --resume] [--help]`
 *
 * @module
 */
import "./common/require_permissions.ts";
import { runApp } from "./common/app_edges.ts";
import { loadParamsOrExit } from "../lib/params/mod.ts";
import { app6ParamsErrors, runInverseNoisy } from "./app6/inverse_noisy.ts";

const params = loadParamsOrExit("app6", Deno.args, {
  datasets: (name) =>
    name === "gmm"
      ? null
      : "left unset: application 6 has no dataset, its forward model is run.problem " +
        "(--set run.problem=blurred_profile or ballistic)",
});
const refusals = app6ParamsErrors(params);
if (refusals.length) {
  console.error(refusals.join("\n"));
  Deno.exit(2);
}
await runApp("app6", params, async (backend) => {
  const { metrics, files } = await runInverseNoisy(params, { backend });
  console.log(`wrote ${files.length} files to ${params.run.output_dir}`);
  const f = (
    v: unknown,
  ) => (typeof v === "number" ? v.toFixed(3) : v === null ? "skipped" : String(v));
  const models = metrics.models as Record<string, Record<string, unknown>>;
  for (const m of Object.values(models)) {
    const cal = m.calibration as Record<string, unknown> | null;
    console.log(
      `${m.label} at σ: posterior-mean error ${f(m.mean_error_sigma)} σ, σ ratio ${
        f(m.sigma_ratio)
      }, C2ST ${f(m.c2st_accuracy)}, 90 % coverage ${f(cal?.coverage_90 ?? null)}, ` +
        (m.loaded_from ? `loaded from ${m.loaded_from}` : `trained in ${f(m.train_time_s)} s`),
    );
  }
  const amortised = metrics.noise_amortised as Record<string, unknown> | null;
  if (amortised) {
    console.log(
      `${amortised.label}: ` +
        (amortised.loaded_from
          ? `loaded from ${amortised.loaded_from}`
          : `trained in ${f(amortised.train_time_s)} s`),
    );
    for (const s of amortised.per_sigma as Record<string, unknown>[]) {
      const cal = s.calibration as Record<string, unknown> | null;
      console.log(
        `${amortised.label} at σ = ${s.sigma}: posterior-mean error ${
          f(s.mean_error_sigma)
        } σ, σ ratio ${f(s.sigma_ratio)}, C2ST ${f(s.c2st_accuracy)}, 90 % coverage ${
          f(cal?.coverage_90 ?? null)
        }`,
      );
    }
  }
});
