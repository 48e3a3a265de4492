/**
 * The fixed bijection between a box `[low, high]` and the real line, per
 * parameter: `θ = low + (high − low)·σ(u)`, `u = logit((θ − low)/(high − low))`.
 * The posterior estimator learns a density of `u`, which has no edges, and
 * maps its samples back into the box; densities are corrected by
 * `log |dθ/du| = Σ log((high − low)·σ(u)(1 − σ(u)))`. Without bounds the
 * transform is the identity.
 *
 * @module
 */

const softplus = (v: number) => (v > 30 ? v : Math.log1p(Math.exp(v)));

/**
 * The box ↔ real-line map of a prior (identity when it has no bounds).
 * @example
 * ```ts
 * import { PriorTransform } from "./prior_transform.ts";
 * const t = new PriorTransform({ low: [0], high: [2] });
 * const u = t.toUnbounded([1.5]); // [logit 0.75]
 * t.toBounded(u); // [1.5]
 * t.logDetToBounded(u, 1); // [log(2 · 0.75 · 0.25)]
 * ```
 */
export class PriorTransform {
  readonly #low: Float64Array | null;
  readonly #width: Float64Array | null;

  /** @param bounds The prior's box, or null for the identity. */
  constructor(bounds: { low: ArrayLike<number>; high: ArrayLike<number> } | null) {
    this.#low = bounds ? Float64Array.from(bounds.low) : null;
    this.#width = bounds ? Float64Array.from(bounds.high, (h, j) => h - bounds.low[j]) : null;
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
    const d = low.length;
    return Float64Array.from(theta, (v, i) => {
      const p = (v - low[i % d]) / width[i % d];
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
    const d = low.length;
    return Float64Array.from(u, (v, i) => {
      const s = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
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
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < dim; j++) {
        const v = u[i * dim + j];
        // log σ(v) + log(1 − σ(v)) = −softplus(−v) − softplus(v)
        s += Math.log(width[j]) - softplus(-v) - softplus(v);
      }
      out[i] = s;
    }
    return out;
  }

  /**
   * Carries a log-density of θ and its gradient over to u (the chain rule through the
   * box map): `log p(u) = log p(θ(u)) + log |dθ/du|` and
   * `∇_u = ∇_θ · (high − low)·σ(u)(1 − σ(u)) + (1 − 2σ(u))`. With `null` log-density and
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
    const width = this.#width;
    for (let i = 0; i < n; i++) {
      if (logDensity) outLogDensity[i] += logDensity[i];
      for (let j = 0; j < dim; j++) {
        const k = i * dim + j, g = gradient ? gradient[k] : 0;
        if (!width) {
          outGradient[k] = g;
          continue;
        }
        const v = u[k];
        const s = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
        outGradient[k] = g * width[j] * s * (1 - s) + (1 - 2 * s);
      }
    }
    return { logDensity: outLogDensity, gradient: outGradient };
  }
}
