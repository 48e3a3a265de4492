/**
 * Special functions for test statistics and samplers: the log-gamma function, the
 * chi-square survival function (regularized upper incomplete gamma), and the standard
 * normal distribution's CDF and quantile (through the incomplete gamma: erfc(x) =
 * Q(1/2, x²)).
 *
 * @module
 */

const LANCZOS = [
  0.99999999999980993,
  676.5203681218851,
  -1259.1392167224028,
  771.32342877765313,
  -176.61502916214059,
  12.507343278686905,
  -0.13857109526572012,
  9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/**
 * `log Γ(x)` for x > 0 (Lanczos approximation, g = 7; about 15 digits).
 * @param x Positive argument.
 * @returns `log Γ(x)`.
 * @example
 * ```ts
 * import { logGamma } from "./special.ts";
 * console.log(Math.exp(logGamma(5))); // 24
 * ```
 */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new Error(`Log-gamma needs a positive argument, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** P(a, x) by its power series; converges fast for x < a + 1. */
function lowerSeries(a: number, x: number): number {
  let term = 1 / a, sum = term;
  for (let n = 1; n < 1000; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
}

/** Q(a, x) by its continued fraction (modified Lentz); for x ≥ a + 1. */
function upperFraction(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return h * Math.exp(-x + a * Math.log(x) - logGamma(a));
}

/**
 * The regularized upper incomplete gamma function `Q(a, x) = Γ(a, x) / Γ(a)`.
 * @param a Shape, > 0.
 * @param x Argument, ≥ 0.
 * @returns Q(a, x) in [0, 1].
 * @example
 * ```ts
 * import { gammaQ } from "./special.ts";
 * console.log(gammaQ(1, 2)); // e^-2
 * ```
 */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0)) throw new Error(`Incomplete gamma needs a positive shape, got ${a}`);
  if (!(x >= 0)) throw new Error(`Incomplete gamma needs a non-negative argument, got ${x}`);
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  return x < a + 1 ? 1 - lowerSeries(a, x) : upperFraction(a, x);
}

/**
 * The chi-square survival function `P(X ≥ x)` for `X ~ χ²(dof)`: the
 * p-value of a chi-square statistic.
 * @param x The statistic, ≥ 0.
 * @param dof Degrees of freedom, > 0.
 * @returns The upper-tail probability.
 * @example
 * ```ts
 * import { chiSquareSurvival } from "./special.ts";
 * console.log(chiSquareSurvival(3.841, 1)); // ≈ 0.05
 * ```
 */
export function chiSquareSurvival(x: number, dof: number): number {
  return gammaQ(dof / 2, x / 2);
}

/**
 * The standard normal CDF `Φ(z)`, accurate to about 15 digits relative in both tails
 * (`Φ(z) = Q(1/2, z²/2)/2` for z < 0).
 * @param z Argument.
 * @returns `Φ(z)` in [0, 1].
 * @example
 * ```ts
 * import { normalCdf } from "./special.ts";
 * console.log(normalCdf(1.959963984540054)); // ≈ 0.975
 * ```
 */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  const tail = 0.5 * gammaQ(0.5, 0.5 * z * z);
  return z < 0 ? tail : 1 - tail;
}

/**
 * The standard normal density `φ(z)`, the derivative of {@link normalCdf}.
 * @param z Argument.
 * @returns `exp(−z²/2)/√(2π)`.
 * @example
 * ```ts
 * import { normalPdf } from "./special.ts";
 * console.log(normalPdf(0)); // ≈ 0.3989
 * ```
 */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

/**
 * The standard normal quantile `Φ⁻¹(p)`: Newton's method on {@link normalCdf} (on its
 * logarithm in the far tail) from a logistic or asymptotic first guess, in the tail nearer to p (so that p close to 1 keeps its digits
 * through `1 − p`).
 * @param p Probability in (0, 1); 0 and 1 give −∞ and +∞.
 * @returns z with `Φ(z) = p`.
 * @throws RangeError for p outside [0, 1].
 * @example
 * ```ts
 * import { normalQuantile } from "./special.ts";
 * console.log(normalQuantile(0.975)); // ≈ 1.96
 * ```
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`A probability must lie in [0, 1], got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p > 0.5) return -normalQuantile(1 - p);
  // p ≤ 1/2: z ≤ 0, Φ(z) = Q(1/2, z²/2)/2 has full relative precision here.
  // First guess: the logistic's quantile near the centre, the tail's asymptote beyond.
  const r = -2 * Math.log(p);
  let z = p > 0.01
    ? Math.log(p / (1 - p)) / 1.702
    : -Math.sqrt(r - Math.log(r) - Math.log(2 * Math.PI));
  for (let i = 0; i < 100; i++) {
    const f = normalCdf(z) - p, slope = normalPdf(z);
    // Newton on log Φ in the far tail (Φ and φ both underflow towards 0 together).
    const step = z < -5 ? (Math.log(normalCdf(z)) - Math.log(p)) * normalCdf(z) / slope : f / slope;
    const next = Math.min(0, z - step);
    if (Math.abs(next - z) <= 1e-15 * Math.max(1, Math.abs(z))) return next;
    z = next;
  }
  return z;
}
