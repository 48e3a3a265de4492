/**
 * The logistic function and its integral on plain numbers, computed without
 * overflow for arguments of any size (shared by the spline kernels and the
 * box map of a prior).
 *
 * @module
 */

/**
 * `σ(v) = 1 / (1 + e^−v)`, without overflow for large `|v|`.
 * @param v Any number.
 * @returns `σ(v)` in `[0, 1]`.
 * @example
 * ```ts
 * import { sigmoid } from "./logistic.ts";
 * sigmoid(0); // 0.5
 * sigmoid(-800); // 0 (no overflow)
 * ```
 */
export function sigmoid(v: number): number {
  return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
}

/**
 * `softplus(v) = log(1 + e^v)`, whose derivative is `σ(v)`; `v` itself above 30.
 * @param v Any number.
 * @returns `softplus(v)` ≥ 0.
 * @example
 * ```ts
 * import { softplus } from "./logistic.ts";
 * softplus(0); // log 2
 * softplus(800); // 800 (no overflow)
 * ```
 */
export function softplus(v: number): number {
  return v > 30 ? v : Math.log1p(Math.exp(v));
}
