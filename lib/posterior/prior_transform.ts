/**
 * The fixed bijection between a box `[low, high]` and the real line, per
 * parameter: `θ = low + (high − low)·F(u)` with `F` the distribution function of
 * the standard logistic (`σ`, the default: `u = logit((θ − low)/(high − low))`)
 * or of the standard normal (`Φ`). The posterior estimator learns a density of
 * `u`, which has no edges, and maps its samples back into the box; densities are
 * corrected by `log |dθ/du| = Σ log((high − low)·F′(u))`. Without bounds the
 * transform is the identity.
 *
 * Under the normal map a uniform prior is exactly `N(0, I)` in `u`, so a
 * posterior that stays near its prior in some parameters, or piles up against an
 * edge, has Gaussian tails there, the tails a flow on a Gaussian base draws
 * well; under the logistic map those tails are exponential.
 *
 * @module
 */
import { normalCdf, normalQuantile } from "../inference/special.ts";

const softplus = (v: number) => (v > 30 ? v : Math.log1p(Math.exp(v)));
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** The distribution function `F` of the box map: logistic (`σ`) or normal (`Φ`). */
export type BoxMap = "logistic" | "normal";

const sigmoid = (v: number) => v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));

/**
 * The box ↔ real-line map of a prior (identity when it has no bounds).
 * @example
 * ```ts
 * import { PriorTransform } from "./prior_transform.ts";
 * const t = new PriorTransform({ low: [0], high: [2] });
 * const u = t.toUnbounded([1.5]); // [logit 0.75]
 * t.toBounded(u); // [1.5]
 * t.logDetToBounded(u, 1); // [log(2 · 0.75 · 0.25)]
 * new PriorTransform({ low: [0], high: [2] }, "normal").toUnbounded([1]); // [0]
 * ```
 */
export class PriorTransform {
  readonly #low: Float64Array | null;
  readonly #width: Float64Array | null;
  /** The distribution function of the map. */
  readonly map: BoxMap;

  /**
   * @param bounds The prior's box, or null for the identity.
   * @param map `F`: "logistic" (default) or "normal".
   * @throws Error for another map.
   */
  constructor(
    bounds: { low: ArrayLike<number>; high: ArrayLike<number> } | null,
    map: BoxMap = "logistic",
  ) {
    if (map !== "logistic" && map !== "normal") {
      throw new Error(`The box map must be "logistic" or "normal", got ${String(map)}`);
    }
    this.#low = bounds ? Float64Array.from(bounds.low) : null;
    this.#width = bounds ? Float64Array.from(bounds.high, (h, j) => h - bounds.low[j]) : null;
    this.map = map;
  }

  /** Whether the map is the identity (a prior without bounds). */
  get isIdentity(): boolean {
    return this.#low === null;
  }

  /**
   * `θ → u`. Values on or outside the box edges give ±∞ (callers check the box first).
   * @param theta Row-major parameters.
   * @returns Row-major unbounded values.
   */
  toUnbounded(theta: ArrayLike<number>): Float64Array {
    const low = this.#low, width = this.#width;
    if (!low || !width) return Float64Array.from(theta);
    const d = low.length, normal = this.map === "normal";
    return Float64Array.from(theta, (v, i) => {
      const p = (v - low[i % d]) / width[i % d];
      if (normal) return p <= 0 ? -Infinity : p >= 1 ? Infinity : normalQuantile(p);
      return Math.log(p) - Math.log1p(-p);
    });
  }

  /**
   * `u → θ`, always inside the box (up to floating-point rounding at its edges).
   * @param u Row-major unbounded values.
   * @returns Row-major parameters.
   */
  toBounded(u: ArrayLike<number>): Float64Array {
    const low = this.#low, width = this.#width;
    if (!low || !width) return Float64Array.from(u);
    const d = low.length, cdf = this.map === "normal" ? normalCdf : sigmoid;
    return Float64Array.from(u, (v, i) => {
      const s = cdf(v);
      return Math.min(
        low[i % d] + width[i % d],
        Math.max(low[i % d], low[i % d] + width[i % d] * s),
      );
    });
  }

  /**
   * `log |det dθ/du|` of each row.
   * @param u Row-major unbounded values.
   * @param dim Parameters per row.
   * @returns One value per row (0 for the identity).
   */
  logDetToBounded(u: ArrayLike<number>, dim: number): Float64Array {
    const n = u.length / dim;
    const out = new Float64Array(n);
    const width = this.#width;
    if (!width) return out;
    const normal = this.map === "normal";
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < dim; j++) {
        const v = u[i * dim + j];
        // logistic: log σ(v) + log(1 − σ(v)) = −softplus(−v) − softplus(v); normal: log φ(v)
        s += Math.log(width[j]) +
          (normal ? -0.5 * v * v - HALF_LOG_2PI : -softplus(-v) - softplus(v));
      }
      out[i] = s;
    }
    return out;
  }

  /**
   * Carries a log-density of θ and its gradient over to u (the chain rule through the
   * box map): `log p(u) = log p(θ(u)) + log |dθ/du|` and
   * `∇_u = ∇_θ · (high − low)·σ(u)(1 − σ(u)) + (1 − 2σ(u))` (logistic) or
   * `∇_θ · (high − low)·φ(u) − u` (normal). With `null` log-density and
   * gradient, only the Jacobian terms (the density of u under a uniform prior, up to a
   * constant).
   * @param u Row-major unbounded values.
   * @param dim Parameters per row.
   * @param logDensity Log-density of each row's θ, or null for 0.
   * @param gradient Its gradient with respect to θ (row-major), or null for 0.
   * @returns Log-density of each row's u and its gradient with respect to u.
   * @example
   * ```ts
   * import { PriorTransform } from "./prior_transform.ts";
   * const t = new PriorTransform({ low: [0], high: [1] });
   * t.pullBack([0], 1, null, null); // { logDensity: [log ¼], gradient: [0] }
   * ```
   */
  pullBack(
    u: ArrayLike<number>,
    dim: number,
    logDensity: ArrayLike<number> | null,
    gradient: ArrayLike<number> | null,
  ): { logDensity: Float64Array; gradient: Float64Array } {
    const n = u.length / dim;
    if (!Number.isInteger(n) || (gradient && gradient.length !== u.length)) {
      throw new RangeError(
        `pullBack needs rows of ${dim} values and a gradient of the same size, got ${u.length} ` +
          `values and a gradient of ${gradient?.length}`,
      );
    }
    const outLogDensity = this.logDetToBounded(u, dim);
    const outGradient = new Float64Array(u.length);
    const width = this.#width, normal = this.map === "normal";
    for (let i = 0; i < n; i++) {
      if (logDensity) outLogDensity[i] += logDensity[i];
      for (let j = 0; j < dim; j++) {
        const k = i * dim + j, g = gradient ? gradient[k] : 0;
        if (!width) {
          outGradient[k] = g;
          continue;
        }
        const v = u[k];
        if (normal) {
          outGradient[k] = g * width[j] * Math.exp(-0.5 * v * v - HALF_LOG_2PI) - v;
          continue;
        }
        const s = sigmoid(v);
        outGradient[k] = g * width[j] * s * (1 - s) + (1 - 2 * s);
      }
    }
    return { logDensity: outLogDensity, gradient: outGradient };
  }
}
