/**
 * The chi distribution χ(D): the law of the Euclidean norm ‖z‖ of a
 * D-dimensional standard normal vector z ~ N(0, I_D). A flow's latent points
 * should follow N(0, I), so their norms should follow χ(D) — concentrated in
 * a thin shell around √(D − ½) rather than near 0, which is why a latent
 * point close to the origin is itself atypical in high dimensions.
 *
 * Everything goes through log-gamma, so D = 784 … 12 288 (and beyond) is
 * computed without overflow.
 *
 * @module
 */
import { gammaQ, logGamma } from "../inference/special.ts";

function checkDof(dof: number): void {
  if (!(dof > 0) || !Number.isFinite(dof)) {
    throw new Error(`Chi distribution needs positive, finite degrees of freedom, got ${dof}`);
  }
}

/**
 * Log-density of χ(D) at r:
 * `(D − 1)·log r − r²/2 − (D/2 − 1)·log 2 − log Γ(D/2)`.
 * @param r Norm value.
 * @param dof Degrees of freedom D > 0.
 * @returns The log-density (−Infinity for r < 0, and at r = 0 when D > 1).
 * @example
 * ```ts
 * import { chiLogPdf } from "./chi.ts";
 * Math.exp(chiLogPdf(1, 2)); // e^(−1/2) ≈ 0.6065 (χ(2) is the Rayleigh law)
 * ```
 */
export function chiLogPdf(r: number, dof: number): number {
  checkDof(dof);
  if (Number.isNaN(r)) return NaN;
  if (r < 0 || r === Infinity) return -Infinity;
  const norm = (dof / 2 - 1) * Math.LN2 + logGamma(dof / 2);
  if (r === 0) return dof === 1 ? -norm : dof < 1 ? Infinity : -Infinity;
  return (dof - 1) * Math.log(r) - (r * r) / 2 - norm;
}

/**
 * Density of χ(D) at r.
 * @param r Norm value.
 * @param dof Degrees of freedom D > 0.
 * @returns `exp(chiLogPdf(r, D))`.
 * @example
 * ```ts
 * import { chiPdf } from "./chi.ts";
 * chiPdf(1, 1); // √(2/π)·e^(−1/2) ≈ 0.4839 (half-normal)
 * ```
 */
export function chiPdf(r: number, dof: number): number {
  return Math.exp(chiLogPdf(r, dof));
}

/**
 * From this many degrees of freedom on, the mean and variance come from their
 * asymptotic series (truncation error below 1e-13), which beat the difference
 * of two large log-gammas (round-off ~1e-11 at D = 12 288).
 */
const SERIES_MIN_DOF = 300;

/**
 * Mean of χ(D): `√2·Γ((D + 1)/2) / Γ(D/2)`, computed as a difference of
 * log-gammas, or for D ≥ 300 by its asymptotic series
 * `√D·(1 − 1/(4D) + 1/(32D²) + 5/(128D³) − 21/(2048D⁴))` (≈ √(D − ½)).
 * @param dof Degrees of freedom D > 0.
 * @returns E‖z‖ for z ~ N(0, I_D).
 * @example
 * ```ts
 * import { chiMean } from "./chi.ts";
 * chiMean(2); // √(π/2) ≈ 1.2533
 * chiMean(784); // ≈ 27.99
 * ```
 */
export function chiMean(dof: number): number {
  checkDof(dof);
  if (dof >= SERIES_MIN_DOF) {
    const u = 1 / dof;
    return Math.sqrt(dof) * (1 + u * (-1 / 4 + u * (1 / 32 + u * (5 / 128 - u * 21 / 2048))));
  }
  return Math.SQRT2 * Math.exp(logGamma((dof + 1) / 2) - logGamma(dof / 2));
}

/**
 * Variance of χ(D): `D − mean²`, or for D ≥ 300 its series
 * `½ − 1/(8D) − 1/(16D²) + 5/(128D³)` (no cancellation).
 * @param dof Degrees of freedom D > 0.
 * @returns Var‖z‖ for z ~ N(0, I_D).
 * @example
 * ```ts
 * import { chiVariance } from "./chi.ts";
 * chiVariance(2); // 2 − π/2 ≈ 0.4292
 * ```
 */
export function chiVariance(dof: number): number {
  checkDof(dof);
  if (dof >= SERIES_MIN_DOF) {
    const u = 1 / dof;
    return 0.5 + u * (-1 / 8 + u * (-1 / 16 + u * 5 / 128));
  }
  const m = chiMean(dof);
  return Math.max(0, dof - m * m);
}

/**
 * Cumulative distribution of χ(D): `P(‖z‖ ≤ r) = P(D/2, r²/2)`, the
 * regularized lower incomplete gamma function.
 * @param r Norm value.
 * @param dof Degrees of freedom D > 0.
 * @returns The probability in [0, 1].
 * @example
 * ```ts
 * import { chiCdf } from "./chi.ts";
 * chiCdf(1, 1); // P(|x| ≤ 1) ≈ 0.6827
 * ```
 */
export function chiCdf(r: number, dof: number): number {
  checkDof(dof);
  if (Number.isNaN(r)) return NaN;
  if (r <= 0) return 0;
  return 1 - gammaQ(dof / 2, (r * r) / 2);
}
