/**
 * Application 1: distribution mapping of 2-D/3-D points.
 *
 * Trains a realnvp-based flow on a toy dataset (default `gmm`) or on the
 * points of a CSV file (`--dataset points.csv`), maps the
 * points to N(0, I), samples new points, draws the learned log-density and
 * highlights the lowest-density points; writes PNG figures and
 * `metrics.json` under `run.output_dir` (default `output/app1`).
 *
 * Usage: `deno task app1 [--quick] [--dataset moons] [--epochs N] [--out DIR] [--help]`
 *
 * @module
 */
import "./common/require_permissions.ts";
import { runApp } from "./common/app_edges.ts";
import { checkMappingDataset, runDistributionMapping } from "./app1/distribution_mapping.ts";
import { loadParamsOrExit } from "../lib/params/mod.ts";

const params = loadParamsOrExit("app1", Deno.args, { datasets: checkMappingDataset });
await runApp("app1", params, async (backend) => {
  const { metrics, files } = await runDistributionMapping(params, { backend });
  console.log(`wrote ${files.length} files to ${params.run.output_dir}`);
  const f = (v: unknown) => (typeof v === "number" ? v.toFixed(4) : String(v));
  console.log(
    `held-out NLL ${f(metrics.heldout_nll)} nats (${f(metrics.heldout_bits_per_dim)} bits/dim)` +
      (metrics.true_entropy !== null
        ? `, true entropy ${f(metrics.true_entropy)}, KL ≈ ${f(metrics.kl_paired)} ± ${
          f(metrics.kl_paired_std_error)
        }`
        : ""),
  );
});
