/**
 * The log-density of an equal-weight mixture from its components' log-densities.
 *
 * @module
 */

/**
 * `log((1/K) Σ_k exp(parts[k][i]))` for each `i`, shifted by the largest term so that no
 * exponential overflows; −∞ where every component is −∞.
 * @param parts `K ≥ 1` arrays of the same length: each component's log-densities.
 * @returns The mixture's log-densities.
 * @example
 * ```ts
 * import { logMeanExp } from "./log_mean_exp.ts";
 * logMeanExp([[0, -Infinity], [Math.log(3), -Infinity]]); // [log 2, −∞]
 * ```
 */
export function logMeanExp(parts: ArrayLike<number>[]): Float64Array {
  return Float64Array.from({ length: parts[0].length }, (_, i) => {
    let top = -Infinity;
    for (const p of parts) top = Math.max(top, p[i]);
    if (top === -Infinity) return -Infinity;
    let sum = 0;
    for (const p of parts) sum += Math.exp(p[i] - top);
    return top + Math.log(sum / parts.length);
  });
}
