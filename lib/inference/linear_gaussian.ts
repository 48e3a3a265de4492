/**
 * The analytic posterior of a linear-Gaussian inverse problem
 * `y = A·x + ε`, `ε ~ N(0, Σ_ε)`, prior `x ~ N(μ₀, Σ₀)`: the reference
 * solution for application 4 (parameter estimation on an ill-conditioned
 * problem) and an exact posterior sampler for calibration checks.
 *
 * Computed in whitened coordinates so that ill-conditioned `A` stays
 * accurate: with `Σ₀ = L₀L₀ᵀ`, `Σ_ε = L_εL_εᵀ` and `B = L_ε⁻¹·A·L₀`, the
 * posterior precision of `u = L₀⁻¹(x − μ₀)` is `I + BᵀB` (eigenvalues ≥ 1,
 * so its Cholesky factor `R` always exists), and
 *
 *   mean = μ₀ + L₀·(I + BᵀB)⁻¹·Bᵀ·L_ε⁻¹(y − A·μ₀),
 *   cov  = (L₀R⁻ᵀ)(L₀R⁻ᵀ)ᵀ,
 *
 * a product of a factor with its transpose, symmetric positive definite by
 * construction. No normal equations are formed and nothing is inverted.
 *
 * @module
 */
import { MultivariateNormal } from "./gaussian.ts";
import {
  cholesky,
  choleskySolve,
  identity,
  logDetCholesky,
  matMul,
  type Matrix,
  matVec,
  solveLower,
  solveLowerTransposed,
  symmetrize,
  transpose,
} from "../linalg/matrix.ts";
import { rngFrom, type SeedOptions } from "./seeding.ts";

/** A linear forward model with Gaussian prior and Gaussian noise. */
export interface LinearGaussianModel {
  /** Forward operator `A`, `[observations, parameters]`. */
  forward: Matrix;
  /** Noise covariance `Σ_ε`, `[observations, observations]`. */
  noiseCov: Matrix;
  /** Prior mean `μ₀`, length `parameters`. */
  priorMean: ArrayLike<number>;
  /** Prior covariance `Σ₀`, `[parameters, parameters]`. */
  priorCov: Matrix;
}

/** A linear-Gaussian problem, factorized once; posteriors for any observation. */
export class LinearGaussian {
  /** Number of parameters (length of x). */
  readonly dims: number;
  /** Number of observations (length of y). */
  readonly observationDims: number;
  /** The model. */
  readonly model: LinearGaussianModel;
  /** The prior N(μ₀, Σ₀). */
  readonly prior: MultivariateNormal;
  /** The posterior covariance (it does not depend on the observation). */
  readonly posteriorCov: Matrix;
  readonly #priorMean: Float64Array;
  readonly #priorTril: Matrix;
  readonly #noiseTril: Matrix;
  readonly #whitened: Matrix;
  readonly #whitenedT: Matrix;
  readonly #precisionTril: Matrix;

  /**
   * @param model Forward operator, noise covariance, prior mean and covariance.
   * @throws Error naming the mismatched shape, or a covariance that is not positive definite.
   * @example
   * ```ts
   * import { fromRows, identity } from "../linalg/matrix.ts";
   * import { LinearGaussian } from "./linear_gaussian.ts";
   * const problem = new LinearGaussian({
   *   forward: fromRows([[1, 1], [1, 1.001]]),
   *   noiseCov: identity(2),
   *   priorMean: [0, 0],
   *   priorCov: identity(2),
   * });
   * const post = problem.posterior([1, 1]);
   * console.log(post.mean, post.cov);
   * ```
   */
  constructor(model: LinearGaussianModel) {
    const { forward: a, noiseCov, priorCov, priorMean } = model;
    const d = a.cols, m = a.rows;
    if (priorMean.length !== d) {
      throw new Error(`Prior mean must have ${d} entries (columns of A), got ${priorMean.length}`);
    }
    if (priorCov.rows !== d || priorCov.cols !== d) {
      throw new Error(`Prior covariance must be ${d}×${d}, got ${priorCov.rows}×${priorCov.cols}`);
    }
    if (noiseCov.rows !== m || noiseCov.cols !== m) {
      throw new Error(`Noise covariance must be ${m}×${m}, got ${noiseCov.rows}×${noiseCov.cols}`);
    }
    this.dims = d;
    this.observationDims = m;
    this.model = model;
    this.prior = new MultivariateNormal(priorMean, priorCov);
    this.#priorMean = Float64Array.from(priorMean);
    this.#priorTril = this.prior.scaleTril;
    this.#noiseTril = cholesky(noiseCov);
    this.#whitened = solveLower(this.#noiseTril, matMul(a, this.#priorTril));
    this.#whitenedT = transpose(this.#whitened);
    const precision = symmetrize(matMul(this.#whitenedT, this.#whitened));
    for (let i = 0; i < d; i++) precision.data[i * d + i] += 1;
    this.#precisionTril = cholesky(precision);
    const factor = matMul(this.#priorTril, solveLowerTransposed(this.#precisionTril, identity(d)));
    this.posteriorCov = symmetrize(matMul(factor, transpose(factor)));
  }

  /** `L_ε⁻¹(y − A·μ₀)`, the whitened residual at the prior mean. */
  #whitenedResidual(observed: ArrayLike<number>): Float64Array {
    if (observed.length !== this.observationDims) {
      throw new Error(
        `Observation must have ${this.observationDims} entries, got ${observed.length}`,
      );
    }
    const pred = matVec(this.model.forward, this.#priorMean);
    const r = new Float64Array(this.observationDims);
    for (let i = 0; i < r.length; i++) r[i] = observed[i] - pred[i];
    return solveLower(this.#noiseTril, r);
  }

  /**
   * The posterior mean for one observation.
   * @param observed The observation y*, length `observationDims`.
   * @returns E[x | y*].
   * @example
   * ```ts
   * import { identity } from "../linalg/matrix.ts";
   * import { LinearGaussian } from "./linear_gaussian.ts";
   * const p = new LinearGaussian({
   *   forward: identity(1), noiseCov: identity(1), priorMean: [0], priorCov: identity(1),
   * });
   * console.log(p.posteriorMean([2])); // [1]
   * ```
   */
  posteriorMean(observed: ArrayLike<number>): Float64Array {
    const r = this.#whitenedResidual(observed);
    const u = choleskySolve(this.#precisionTril, matVec(this.#whitenedT, r));
    const shift = matVec(this.#priorTril, u);
    return this.#priorMean.map((v, i) => v + shift[i]);
  }

  /**
   * The posterior distribution for one observation.
   * @param observed The observation y*.
   * @returns N(mean, cov) with `sample` and `logDensity`.
   * @example
   * ```ts
   * import { identity } from "../linalg/matrix.ts";
   * import { LinearGaussian } from "./linear_gaussian.ts";
   * const p = new LinearGaussian({
   *   forward: identity(2), noiseCov: identity(2), priorMean: [0, 0], priorCov: identity(2),
   * });
   * const xs = p.posterior([1, -1]).sample(500, { seed: 1 });
   * ```
   */
  posterior(observed: ArrayLike<number>): MultivariateNormal {
    return new MultivariateNormal(this.posteriorMean(observed), this.posteriorCov);
  }

  /**
   * The log marginal likelihood `log p(y*) = log N(y*; A·μ₀, Σ_ε + A·Σ₀·Aᵀ)`,
   * evaluated through the whitened factors (determinant lemma and Woodbury).
   * @param observed The observation y*.
   * @returns The log-evidence in nats.
   * @example
   * ```ts
   * import { identity } from "../linalg/matrix.ts";
   * import { LinearGaussian } from "./linear_gaussian.ts";
   * const p = new LinearGaussian({
   *   forward: identity(1), noiseCov: identity(1), priorMean: [0], priorCov: identity(1),
   * });
   * console.log(p.logEvidence([0])); // log N(0; 0, 2)
   * ```
   */
  logEvidence(observed: ArrayLike<number>): number {
    const r = this.#whitenedResidual(observed);
    const w = solveLower(this.#precisionTril, matVec(this.#whitenedT, r));
    let q = 0;
    for (const v of r) q += v * v;
    for (const v of w) q -= v * v;
    const logDet = logDetCholesky(this.#noiseTril) + logDetCholesky(this.#precisionTril);
    return -0.5 * (this.observationDims * Math.log(2 * Math.PI) + logDet + q);
  }

  /**
   * Simulates one noisy observation `y = A·x + ε`.
   * @param x Parameters, length `dims`.
   * @param options `seed` or `rng` of the noise.
   * @returns y, length `observationDims`.
   * @example
   * ```ts
   * import { identity } from "../linalg/matrix.ts";
   * import { LinearGaussian } from "./linear_gaussian.ts";
   * const p = new LinearGaussian({
   *   forward: identity(1), noiseCov: identity(1), priorMean: [0], priorCov: identity(1),
   * });
   * const y = p.simulate([0.5], { seed: 3 });
   * ```
   */
  simulate(x: ArrayLike<number>, options: SeedOptions = {}): Float64Array {
    const rng = rngFrom(options);
    const y = matVec(this.model.forward, x);
    const z = Float64Array.from({ length: this.observationDims }, () => rng.normal());
    const noise = matVec(this.#noiseTril, z);
    return y.map((v, i) => v + noise[i]);
  }
}

/**
 * The posterior of a linear-Gaussian model for one observation (a shortcut
 * for `new LinearGaussian(model).posterior(observed)`).
 * @param model Forward operator, noise covariance, prior mean and covariance.
 * @param observed The observation y*.
 * @returns N(mean, cov) with `sample` and `logDensity`.
 * @example
 * ```ts
 * import { diagonal, fromRows } from "../linalg/matrix.ts";
 * import { linearGaussianPosterior } from "./linear_gaussian.ts";
 * const post = linearGaussianPosterior({
 *   forward: fromRows([[1, 0], [0, 1e-3]]),
 *   noiseCov: diagonal([0.01, 0.01]),
 *   priorMean: [0, 0],
 *   priorCov: diagonal([1, 1]),
 * }, [0.5, 0.001]);
 * ```
 */
export function linearGaussianPosterior(
  model: LinearGaussianModel,
  observed: ArrayLike<number>,
): MultivariateNormal {
  return new LinearGaussian(model).posterior(observed);
}
