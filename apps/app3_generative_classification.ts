/**
 * Application 3: generative classification. One flow maps an image to a
 * latent space whose base is a Gaussian mixture with one component per class
 * (Ardizzone et al. 2020, IB-INN), trained with the information-bottleneck
 * loss: it classifies by Bayes' rule, says how sure it is (calibration),
 * draws images of a chosen class, and flags inputs of no class by their
 * likelihood. Trains on all ten Fashion-MNIST classes but one held out
 * (`run.ood_class`, default bag) from Debian's `dataset-fashion-mnist`, a
 * discriminative baseline beside it, and writes the figures and
 * `metrics.json` under `run.output_dir` (default `output/app3`).
 *
 * Usage: `deno task app3 [--quick] [--images idx: | DIR | s3://BUCKET/PREFIX]
 * [--s3-endpoint URL] [--epochs N] [--out DIR] [--no-train | --resume]
 * [--set training.ib_beta=B] [--set run.beta_sweep=[…]] [--help]`
 *
 * @module
 */
import "./common/require_permissions.ts";
import { runApp } from "./common/app_edges.ts";
import { loadImageAppParamsOrExit } from "./app2/cli.ts";
import { runClassifierApp } from "./app3/run.ts";

const params = loadImageAppParamsOrExit("app3", Deno.args, {
  datasets: (name) =>
    name === "gmm" ? null : "left unset: application 3 reads labelled images from " +
      "run.images_path (--images idx:, --images DIR or --images s3://bucket/prefix)",
});
await runApp("app3", params, async (backend) => {
  const { metrics, files } = await runClassifierApp(params, { backend });
  console.log(`wrote ${files.length} files to ${params.run.output_dir}`);
  const f = (v: unknown) => (typeof v === "number" ? v.toFixed(4) : String(v));
  const base = metrics.baseline as Record<string, number> | null;
  const auroc = metrics.ood_auroc as Record<
    string,
    { nll: number; typicality: number; joint_typicality: number }
  >;
  console.log(
    `IB-INN: test accuracy ${f(metrics.test_accuracy)}, ECE ${f(metrics.ece)} (15 bins), ` +
      `label NLL ${f(metrics.label_nll)}, ${f(metrics.test_bits_per_dim)} bits/dim` +
      (base
        ? `; baseline: accuracy ${f(base.test_accuracy)}, ECE ${f(base.ece)} → ` +
          `${f(base.ece_temperature_scaled)} after temperature scaling`
        : ""),
  );
  console.log(
    `OoD AUROC (NLL / typicality / joint typicality): ` +
      Object.entries(auroc).map(([k, v]) =>
        `${k} ${f(v.nll)} / ${f(v.typicality)} / ${f(v.joint_typicality)}`
      ).join(", ") +
      `; ${f(metrics.wall_time_s)} s`,
  );
});
