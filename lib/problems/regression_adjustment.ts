/**
 * Regression adjustment of a conditional density model (Beaumont, Zhang &
 * Balding 2002, "Approximate Bayesian computation in population genetics"):
 * fit the least-squares linear predictor `x̂(c) = W c + b` of the parameters
 * from the condition on the training pairs, and let the conditional flow
 * model the residual `x − x̂(c)` given `c` instead of `x` itself. The map
 * `x ↦ x − x̂(c)` is a shift for each `c`, so the density of `x` given `c`
 * is the residual's density at `x − x̂(c)` exactly (unit Jacobian), and a
 * sample is the residual sample plus `x̂(c*)`.
 *
 * Standardization removes the unconditional mean and scale before a flow
 * sees the data; this removes the conditional mean's linear part as well.
 * For a linear-Gaussian problem the residual no longer depends on `c` at
 * all, and for a nonlinear one the flow is left with what linear regression
 * cannot explain.
 *
 * When the condition's last column is a noise feature `s` (e.g. the
 * standardized `log σ` of a model amortised over the noise level), the
 * posterior mean's gain changes with σ; `noiseDegree: q` then regresses on
 * the observation's interactions with `s` as well, `φ(c) = [y, y·s, …, y·s^q,
 * s, …, s^q]`, still a linear least-squares fit.
 *
 * @module
 */
import { cholesky, choleskySolve, matrix } from "../linalg/matrix.ts";
import { sampleMean } from "../linalg/covariance.ts";

/** The JSON form of a {@link RegressionAdjustment}. */
export interface RegressionAdjustmentJson {
  /** Width of `x`. */
  dim_x: number;
  /** Width of the condition `c`. */
  dim_c: number;
  /** `W`, row-major `[dim_x × dim_c]`. */
  weights: number[];
  /** `b`, length `dim_x`. */
  intercept: number[];
  /** Degree of the interactions with the condition's last column (0 or absent: none). */
  noise_degree?: number;
}

/**
 * The regression features of one condition: `c` itself, or with `noiseDegree = q > 0`
 * and `c = [y, s]`, `[y, y·s, …, y·s^q, s, …, s^q]`.
 * @param c The condition.
 * @param offset Where it starts in `c`.
 * @param dimC Its width.
 * @param noiseDegree `q`.
 * @param out Receives the features.
 */
function features(
  c: ArrayLike<number>,
  offset: number,
  dimC: number,
  noiseDegree: number,
  out: Float64Array,
): void {
  if (noiseDegree === 0) {
    for (let j = 0; j < dimC; j++) out[j] = c[offset + j];
    return;
  }
  const m = dimC - 1, s = c[offset + m];
  let power = 1, k = 0;
  for (let q = 0; q <= noiseDegree; q++) {
    for (let j = 0; j < m; j++) out[k++] = c[offset + j] * power;
    power *= s;
  }
  power = s;
  for (let q = 1; q <= noiseDegree; q++, power *= s) out[k++] = power;
}

/**
 * The number of regression features of a condition of width `dimC`.
 * @param dimC Width of the condition.
 * @param noiseDegree Degree of the interactions with its last column.
 * @returns `dimC`, or `(dimC − 1)(q + 1) + q`.
 * @example
 * ```ts
 * import { regressionFeatureCount } from "./regression_adjustment.ts";
 * regressionFeatureCount(17, 2); // 50
 * ```
 */
export function regressionFeatureCount(dimC: number, noiseDegree: number): number {
  return noiseDegree === 0 ? dimC : (dimC - 1) * (noiseDegree + 1) + noiseDegree;
}

/** A linear predictor `x̂(c) = W c + b` and the residual map `x ↦ x − x̂(c)`. */
export class RegressionAdjustment {
  /** Width of `x`. */
  readonly dimX: number;
  /** Width of the condition. */
  readonly dimC: number;
  /** Degree of the interactions with the condition's last column (0: none). */
  readonly noiseDegree: number;
  /** `W`, row-major `[dimX × features]` (features: `dimC` without interactions). */
  readonly weights: Float64Array;
  /** `b`. */
  readonly intercept: Float64Array;

  /**
   * @param json Widths, weights and intercept.
   * @throws Error when the arrays do not fit the widths or hold a non-finite value.
   * @example
   * ```ts
   * import { RegressionAdjustment } from "./regression_adjustment.ts";
   * const r = new RegressionAdjustment({ dim_x: 1, dim_c: 1, weights: [2], intercept: [1] });
   * r.residual([5], [2]); // Float32Array [0]: 5 − (2·2 + 1)
   * ```
   */
  constructor(json: RegressionAdjustmentJson) {
    const { dim_x: dx, dim_c: dc } = json;
    const degree = json.noise_degree ?? 0;
    if (!Number.isInteger(dx) || dx < 1 || !Number.isInteger(dc) || dc < 1) {
      throw new Error(`A regression adjustment needs positive widths, got x ${dx}, c ${dc}`);
    }
    if (!Number.isInteger(degree) || degree < 0 || (degree > 0 && dc < 2)) {
      throw new Error(
        `The noise degree must be an integer ≥ 0 (and the condition [y, s] of width ≥ 2), got ${degree}`,
      );
    }
    const nf = regressionFeatureCount(dc, degree);
    if (json.weights?.length !== dx * nf || json.intercept?.length !== dx) {
      throw new Error(
        `A regression adjustment of x (${dx}) on c (${dc}) needs ${dx * nf} weights and ${dx} ` +
          `intercepts, got ${json.weights?.length} and ${json.intercept?.length}`,
      );
    }
    if (![...json.weights, ...json.intercept].every(Number.isFinite)) {
      throw new Error("A regression adjustment's weights and intercepts must be finite");
    }
    this.dimX = dx;
    this.dimC = dc;
    this.noiseDegree = degree;
    this.weights = Float64Array.from(json.weights);
    this.intercept = Float64Array.from(json.intercept);
  }

  /**
   * Fits the least-squares predictor of `x` from `c` on paired rows.
   * @param x Row-major `[n × dimX]`.
   * @param c Row-major `[n × dimC]`, the same `n` (≥ dimC + 2).
   * @param dims Widths `dimX` and `dimC`, and the degree of the interactions with the
   *   condition's last column (`noiseDegree`, default 0).
   * @returns The adjustment (a tiny ridge, 1e-10 of the mean variance, keeps constant
   *   columns of `c` harmless).
   * @example
   * ```ts
   * import { RegressionAdjustment } from "./regression_adjustment.ts";
   * const c = [0, 1, 2, 3], x = c.map((v) => 3 * v - 1);
   * const r = RegressionAdjustment.fit(x, c, { dimX: 1, dimC: 1 });
   * console.log(r.weights[0], r.intercept[0]); // ≈ 3 ≈ -1
   * ```
   */
  static fit(
    x: ArrayLike<number>,
    c: ArrayLike<number>,
    dims: { dimX: number; dimC: number; noiseDegree?: number },
  ): RegressionAdjustment {
    const { dimX: dx, dimC: dc } = dims;
    const degree = dims.noiseDegree ?? 0;
    const nf = regressionFeatureCount(dc, degree);
    const n = x.length / dx;
    if (!Number.isInteger(n) || c.length !== n * dc || n < nf + 2) {
      throw new Error(
        `Regression needs n ≥ ${nf + 2} pairs of x (${dx} values) and c (${dc} values), got ` +
          `${x.length} and ${c.length} values`,
      );
    }
    // Two passes over the pairs: means, then the centred covariances of the features
    // and their cross-covariances with x, without storing the features.
    const phi = new Float64Array(nf), mf = new Float64Array(nf);
    const mx = sampleMean(x, dx);
    for (let s = 0; s < n; s++) {
      features(c, s * dc, dc, degree, phi);
      for (let j = 0; j < nf; j++) mf[j] += phi[j] / n;
    }
    const fcov = matrix(nf, nf), cross = new Float64Array(dx * nf);
    for (let s = 0; s < n; s++) {
      features(c, s * dc, dc, degree, phi);
      for (let j = 0; j < nf; j++) phi[j] -= mf[j];
      for (let j = 0; j < nf; j++) {
        for (let k = 0; k <= j; k++) fcov.data[j * nf + k] += phi[j] * phi[k];
      }
      for (let i = 0; i < dx; i++) {
        const xi = x[s * dx + i] - mx[i];
        for (let j = 0; j < nf; j++) cross[i * nf + j] += xi * phi[j];
      }
    }
    let trace = 0;
    for (let j = 0; j < nf; j++) {
      for (let k = 0; k < j; k++) fcov.data[k * nf + j] = fcov.data[j * nf + k];
      trace += fcov.data[j * nf + j];
    }
    for (let j = 0; j < nf; j++) fcov.data[j * nf + j] += 1e-10 * (trace / nf || 1);
    const chol = cholesky(fcov);
    const weights = new Array<number>(dx * nf), intercept = new Array<number>(dx);
    for (let i = 0; i < dx; i++) {
      const w = choleskySolve(chol, cross.subarray(i * nf, (i + 1) * nf));
      let b = mx[i];
      for (let j = 0; j < nf; j++) {
        weights[i * nf + j] = w[j];
        b -= w[j] * mf[j];
      }
      intercept[i] = b;
    }
    return new RegressionAdjustment({
      dim_x: dx,
      dim_c: dc,
      weights,
      intercept,
      ...(degree > 0 ? { noise_degree: degree } : {}),
    });
  }

  /**
   * The residuals `x − (W c + b)`, row by row.
   * @param x Row-major `[n × dimX]`.
   * @param c Row-major `[n × dimC]`, or one condition of `dimC` values for every row.
   * @returns Float32 residuals `[n × dimX]`.
   */
  residual(x: ArrayLike<number>, c: ArrayLike<number>): Float32Array {
    return this.#shift(x, c, -1);
  }

  /**
   * The inverse of {@link residual}: `r + W c + b`, row by row.
   * @param r Row-major residuals `[n × dimX]`.
   * @param c Row-major `[n × dimC]`, or one condition of `dimC` values for every row.
   * @returns Float32 `[n × dimX]`.
   */
  restore(r: ArrayLike<number>, c: ArrayLike<number>): Float32Array {
    return this.#shift(r, c, 1);
  }

  /** JSON form. */
  toJSON(): RegressionAdjustmentJson {
    return {
      dim_x: this.dimX,
      dim_c: this.dimC,
      weights: Array.from(this.weights),
      intercept: Array.from(this.intercept),
      ...(this.noiseDegree > 0 ? { noise_degree: this.noiseDegree } : {}),
    };
  }

  #shift(x: ArrayLike<number>, c: ArrayLike<number>, sign: 1 | -1): Float32Array {
    const { dimX: dx, dimC: dc } = this;
    const n = x.length / dx;
    const shared = c.length === dc;
    if (!Number.isInteger(n) || (!shared && c.length !== n * dc)) {
      throw new Error(
        `Expected rows of x (${dx} values) with one condition (${dc} values) each or one for ` +
          `all, got ${x.length} and ${c.length} values`,
      );
    }
    const nf = regressionFeatureCount(dc, this.noiseDegree);
    const phi = new Float64Array(nf);
    const out = new Float32Array(x.length);
    for (let s = 0; s < n; s++) {
      if (s === 0 || !shared) features(c, shared ? 0 : s * dc, dc, this.noiseDegree, phi);
      for (let i = 0; i < dx; i++) {
        let p = this.intercept[i];
        for (let j = 0; j < nf; j++) p += this.weights[i * nf + j] * phi[j];
        out[s * dx + i] = x[s * dx + i] + sign * p;
      }
    }
    return out;
  }
}
