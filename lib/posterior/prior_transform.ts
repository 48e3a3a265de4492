/**
 * The fixed bijection between a box `[low, high]` and the real line, per
 * parameter: `θ = low + (high − low)·F(u)` with `F` a distribution function on
 * the real line: the standard logistic (`σ`, the default: `u = logit((θ −
 * low)/(high − low))`), the standard normal (`Φ`), or a flat-top one (`flat`).
 * The posterior estimator learns a density of `u`, which has no edges, and maps
 * its samples back into the box; densities are corrected by `log |dθ/du| =
 * Σ log((high − low)·F′(u))`. Without bounds the transform is the identity.
 *
 * Under the normal map a uniform prior is exactly `N(0, I)` in `u`, so a
 * posterior that stays near its prior in some parameters, or piles up against an
 * edge, has Gaussian tails there, the tails a flow on a Gaussian base draws
 * well; under the logistic map those tails are exponential.
 *
 * The flat-top map is linear over the box but for a margin of `τ = 1 %` of its
 * width at each edge: `F′` is constant on `[−√3, √3]` and falls off as a
 * Gaussian of width `s = τ / (F′(0) √(π/2))` beyond, so `F(±√3) = ½ ± (½ − τ)`.
 * A posterior inside the box keeps its shape in `u` (the logistic and normal
 * maps stretch a posterior near an edge by a factor that changes across it,
 * up to six times at 4 % from an edge), and one piled against an edge ends in a
 * steep Gaussian fall in `u`.
 *
 * @module
 */
import { normalCdf, normalQuantile } from "../inference/special.ts";
import { sigmoid, softplus } from "../core/logistic.ts";

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** The distribution function `F` of the box map: logistic (`σ`), normal (`Φ`) or flat-top. */
export type BoxMap = "logistic" | "normal" | "flat";

/** The box maps' names. */
export const BOX_MAPS: readonly BoxMap[] = ["logistic", "normal", "flat"];

/** A distribution function on the real line with its inverse and log-density. */
interface Distribution {
  /** `F(u)`. */
  cdf(u: number): number;
  /** `F⁻¹(p)` for `0 < p < 1`. */
  quantile(p: number): number;
  /** `log F′(u)`. */
  logPdf(u: number): number;
  /** `d log F′(u) / du`. */
  dLogPdf(u: number): number;
}

const LOGISTIC: Distribution = {
  cdf: sigmoid,
  quantile: (p) => Math.log(p) - Math.log1p(-p),
  // log σ(v) + log(1 − σ(v)) = −softplus(−v) − softplus(v)
  logPdf: (u) => -softplus(-u) - softplus(u),
  dLogPdf: (u) => 1 - 2 * sigmoid(u),
};

const NORMAL: Distribution = {
  cdf: normalCdf,
  quantile: normalQuantile,
  logPdf: (u) => -0.5 * u * u - HALF_LOG_2PI,
  dLogPdf: (u) => -u,
};

/** Flat-top: density `c` on `[−a, a]`, `c·exp(−(|u| − a)²/(2s²))` beyond (see the module notes). */
function flatTop(tau: number, a: number): Distribution {
  const c = (1 - 2 * tau) / (2 * a);
  const s = tau / (c * Math.sqrt(Math.PI / 2));
  const logC = Math.log(c);
  return {
    cdf: (u) =>
      u <= -a
        ? 2 * tau * normalCdf((u + a) / s)
        : u >= a
        ? 1 - 2 * tau * normalCdf((a - u) / s)
        : tau + c * (u + a),
    quantile: (p) =>
      p <= tau
        ? -a + s * normalQuantile(p / (2 * tau))
        : p >= 1 - tau
        ? a - s * normalQuantile((1 - p) / (2 * tau))
        : -a + (p - tau) / c,
    logPdf: (u) => {
      const out = Math.max(0, Math.abs(u) - a);
      return logC - (out * out) / (2 * s * s);
    },
    dLogPdf: (u) => {
      const out = Math.max(0, Math.abs(u) - a);
      return -(Math.sign(u) * out) / (s * s);
    },
  };
}

const DISTRIBUTIONS: Record<BoxMap, Distribution> = {
  logistic: LOGISTIC,
  normal: NORMAL,
  flat: flatTop(0.01, Math.sqrt(3)),
};

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
  readonly #f: Distribution;

  /**
   * @param bounds The prior's box, or null for the identity.
   * @param map `F`: "logistic" (default), "normal" or "flat".
   * @throws Error for another map.
   */
  constructor(
    bounds: { low: ArrayLike<number>; high: ArrayLike<number> } | null,
    map: BoxMap = "logistic",
  ) {
    if (!BOX_MAPS.includes(map)) {
      throw new Error(
        `The box map must be "logistic", "normal" or "flat", got ${String(map)}`,
      );
    }
    this.#low = bounds ? Float64Array.from(bounds.low) : null;
    this.#width = bounds ? Float64Array.from(bounds.high, (h, j) => h - bounds.low[j]) : null;
    this.map = map;
    this.#f = DISTRIBUTIONS[map];
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
    const d = low.length, f = this.#f;
    return Float64Array.from(theta, (v, i) => {
      const p = (v - low[i % d]) / width[i % d];
      return p <= 0 ? -Infinity : p >= 1 ? Infinity : Number.isNaN(p) ? NaN : f.quantile(p);
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
    const d = low.length, f = this.#f;
    return Float64Array.from(u, (v, i) => {
      const s = f.cdf(v);
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
    const f = this.#f;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += Math.log(width[j]) + f.logPdf(u[i * dim + j]);
      out[i] = s;
    }
    return out;
  }

  /**
   * Carries a log-density of θ and its gradient over to u (the chain rule through the
   * box map): `log p(u) = log p(θ(u)) + log |dθ/du|` and
   * `∇_u = ∇_θ · (high − low)·F′(u) + (log F′)′(u)` (logistic: `F′ = σ(1 − σ)`,
   * `(log F′)′ = 1 − 2σ`; normal: `φ` and `−u`). With `null` log-density and
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
    const width = this.#width, f = this.#f;
    for (let i = 0; i < n; i++) {
      if (logDensity) outLogDensity[i] += logDensity[i];
      for (let j = 0; j < dim; j++) {
        const k = i * dim + j, g = gradient ? gradient[k] : 0;
        if (!width) {
          outGradient[k] = g;
          continue;
        }
        const v = u[k];
        outGradient[k] = g * width[j] * Math.exp(f.logPdf(v)) + f.dLogPdf(v);
      }
    }
    return { logDensity: outLogDensity, gradient: outGradient };
  }
}
