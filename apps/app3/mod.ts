/**
 * Application 3, generative classification, as a library: the labelled
 * images (a held-out class, validation and test splits), the generative
 * classifier from params (the image flow of application 2 with a
 * class-conditional Gaussian-mixture base), its training with the
 * information-bottleneck loss (and the cross-entropy baseline), evaluation
 * (accuracy, calibration, bits/dim), out-of-distribution sets and scores,
 * the figures, and {@link runClassifierApp}, which runs it all.
 *
 * @example
 * ```ts ignore
 * import { loadImageAppParams } from "../app2/cli.ts";
 * import { runClassifierApp } from "./mod.ts";
 * const params = loadImageAppParams("app3", ["--quick"]);
 * const { metrics } = await runClassifierApp(params, { backend: "wasm" });
 * console.log(metrics.test_accuracy, metrics.ece, metrics.ood_auroc);
 * ```
 *
 * @module
 */
export * from "./data.ts";
export * from "./model.ts";
export * from "./train.ts";
export * from "./classify.ts";
export * from "./ood.ts";
export * from "./evaluate.ts";
export * from "./figures.ts";
export * from "./run.ts";
