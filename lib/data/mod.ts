/**
 * Data for flows on points: the toy datasets of application 1 with their
 * exact densities and entropies where they are known (Gaussian mixtures),
 * and CSV point files.
 *
 * @example
 * ```ts
 * import { generateToyData, toyEntropy, toyLogDensity } from "./mod.ts";
 * const { points, dims } = generateToyData("gmm", 1000, { seed: 1 });
 * const logp = toyLogDensity("gmm", points); // exact log-density of each point
 * const nll = -logp.reduce((a, b) => a + b, 0) / logp.length; // ≈ toyEntropy("gmm")
 * console.log(dims, nll.toFixed(2), toyEntropy("gmm").toFixed(2));
 * ```
 *
 * @module
 */
export * from "./toy.ts";
export { covFromCorrelation } from "./gaussian_mixture.ts";
export {
  gridEntropy,
  type GridEntropyOptions,
  type GridEntropyResult,
  monteCarloEntropy,
} from "./mixture_entropy.ts";
export { type CsvPoints, parsePointsCsv, readPointsCsv } from "./points_csv.ts";
export { pointDataWarnings, type PointWarningOptions } from "./point_warnings.ts";
