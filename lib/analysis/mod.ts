/**
 * Analysis of a trained flow's latent space, for image generation and
 * anomaly detection (application 2), generative classification (application
 * 3: confusion matrix, accuracy per class, calibration with the ECE and
 * temperature scaling, the reliability diagram) and any other flow: PCA of
 * latent points (exact or randomized), sampling from the PCA-reduced Gaussian or
 * the base distribution, anomaly scores (NLL and latent-norm typicality
 * under the χ distribution), ROC curves with exact tie handling, linear and
 * spherical interpolation, and the figures built on them. Everything works
 * on plain row-major arrays (`[n, d]` as a flat Float32Array), so it runs
 * without TensorFlow.js.
 *
 * @example
 * ```ts
 * import {
 *   auroc,
 *   normDeviationScores,
 *   normHistogramChart,
 *   pca,
 *   rowNorms,
 *   sampleBaseGaussian,
 *   samplePcaGaussian,
 * } from "./mod.ts";
 * const d = 64, n = 500;
 * const train = sampleBaseGaussian(n, d, { seed: 1 }); // stand-in for training latents
 * const fit = pca(train, n, d, { nComponents: 8 });
 * const { latents } = samplePcaGaussian(fit, 16, { covScale: 0.5, seed: 2 }); // to invert
 * // 100 typical validation latents, then 100 "anomalies" drawn too wide.
 * const val = new Float32Array(200 * d);
 * val.set(sampleBaseGaussian(100, d, { seed: 3 }));
 * val.set(sampleBaseGaussian(100, d, { temperature: 1.3, seed: 4 }), 100 * d);
 * const scores = normDeviationScores(rowNorms(val, 200, d), d);
 * const labels = Array.from({ length: 200 }, (_, i) => i >= 100);
 * const area = auroc(scores, labels); // ≈ 1: their norms are ≈ 1.3·√d
 * const spec = normHistogramChart(rowNorms(train, n, d), d); // savePlot(spec, …) / show(spec)
 * ```
 *
 * @module
 */
export * from "./pca.ts";
export * from "./pca_randomized.ts";
export * from "./latent_sampling.ts";
export * from "./chi.ts";
export * from "./anomaly.ts";
export * from "./roc.ts";
export * from "./interpolation.ts";
export * from "./figures.ts";
export * from "./classification.ts";
export * from "./calibration.ts";
export * from "./classification_figures.ts";
