/**
 * Application 2: image generation and anomaly detection, two sides of one coin.
 *
 * Trains a flow (Glow by default) on the images of the normal class
 * (default: the sneakers of the shipped Fashion-MNIST subset in
 * `data/fashion_mnist`), maps images to latent points, generates new images
 * from a PCA-reduced Gaussian of the latents (or from the base distribution),
 * shows outliers, interpolations and the latent norms, and scores every
 * validation image for anomalies (NLL and latent-norm typicality, ROC and
 * AUROC). Writes PNG figures, `anomaly_scores.csv` and `metrics.json` under
 * `run.output_dir` (default `output/app2`) and the model under `<output_dir>/model`.
 *
 * Usage: `deno task app2 [--quick] [--images DIR | s3://BUCKET/PREFIX | idx:?normal=CLASS]
 * [--s3-endpoint URL] [--epochs N] [--out DIR] [--no-train | --resume] [--help]`
 *
 * @module
 */
import "./common/require_permissions.ts";
import { runApp } from "./common/app_edges.ts";
import { loadImageAppParamsOrExit, runImageApp } from "./app2/mod.ts";

const params = loadImageAppParamsOrExit("app2", Deno.args, {
  datasets: (name) =>
    name === "gmm" ? null : "left unset: application 2 reads images from run.images_path " +
      "(--images DIR, --images s3://bucket/prefix or --images idx:?normal=CLASS)",
});
await runApp("app2", params, async (backend) => {
  const { metrics, files } = await runImageApp(params, { backend });
  console.log(`wrote ${files.length} files to ${params.run.output_dir}`);
  const f = (v: unknown) => (typeof v === "number" ? v.toFixed(4) : String(v));
  const scores = metrics.auroc_by_score as Record<string, number | null> | null;
  console.log(
    `held-out ${f(metrics.heldout_bits_per_dim)} bits/dim (train ${
      f(metrics.train_bits_per_dim)
    }); AUROC ` +
      (scores
        ? Object.entries(scores).map(([k, v]) => `${k} ${f(v)}`).join(", ")
        : "n/a (no anomalies in val/)") +
      `; ${metrics.skipped_images} images skipped; ${f(metrics.wall_time_s)} s`,
  );
});
