/**
 * Application 2, image generation and anomaly detection, as a library: the
 * command line with `--images` and `--s3-endpoint`, the images of a run
 * (training subset, early-stopping split, `val/` with anomaly flags), the
 * flow of `model_arch` (Glow or the dense realnvp-based flow, both after
 * the logit pre-processing), images ↔ latents in chunks, latent sampling by
 * `sampling_mode` and `regen_source`, anomaly scores (NLL, latent-norm and NLL
 * typicality, NLL minus PNG code length) with ROC/AUROC, the
 * figures, and {@link runImageApp}, which runs it all.
 *
 * @example
 * ```ts ignore
 * import { loadImageAppParams, runImageApp } from "./mod.ts";
 * const params = loadImageAppParams("app2", ["--quick", "--images", "idx:?normal=bag"]);
 * const { metrics } = await runImageApp(params, { backend: "wasm" });
 * console.log(metrics.heldout_bits_per_dim, metrics.auroc);
 * ```
 *
 * @module
 */
export * from "./cli.ts";
export * from "./data.ts";
export * from "./model.ts";
export * from "./latents.ts";
export * from "./generation.ts";
export * from "./anomaly.ts";
export * from "./complexity.ts";
export * from "./figures.ts";
export * from "./run.ts";
