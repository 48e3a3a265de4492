/**
 * A mixture of multivariate Gaussians in Float64: exact sampling, log-density
 * and (for one component) closed-form entropy. The analytic toy datasets
 * (`mvn`, `gmm`, `gmm3d`) are instances of it.
 *
 * @module
 */
import type { Rng } from "../core/random.ts";
import { cholesky, fromRows, identity, type Matrix, solveLower } from "../linalg/matrix.ts";

/** One weighted Gaussian component. */
export interface GaussianComponent {
  /** Mixture weight; weights are normalised to sum to 1. */
  weight: number;
  /** Mean vector, length d. */
  mean: readonly number[];
  /** Symmetric positive-definite covariance, d×d. */
  cov: readonly (readonly number[])[];
}

interface Prepared {
  logWeight: number;
  mean: Float64Array;
  /** Lower Cholesky factor. */
  tril: Matrix;
  /** Its entries, row-major d×d. */
  chol: Float64Array;
  /** log N normaliser: −½ d log 2π − log det L. */
  logNorm: number;
}

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Builds a covariance matrix from standard deviations and a correlation matrix.
 * @param sds Standard deviations, length d.
 * @param corr Correlation matrix d×d (unit diagonal).
 * @returns `cov[i][j] = sds[i] · corr[i][j] · sds[j]`.
 * @example
 * ```ts
 * import { covFromCorrelation } from "./gaussian_mixture.ts";
 * covFromCorrelation([2, 1], [[1, 0.5], [0.5, 1]]); // [[4, 1], [1, 1]]
 * ```
 */
export function covFromCorrelation(
  sds: readonly number[],
  corr: readonly (readonly number[])[],
): number[][] {
  return sds.map((_, i) =>
    sds.map((_, j) => {
      const [a, b] = i <= j ? [i, j] : [j, i];
      return sds[a] * corr[a][b] * sds[b];
    })
  );
}

/** A finite mixture of multivariate normal distributions. */
export class GaussianMixture {
  /** Dimension of the space. */
  readonly dims: number;
  /** The components as given (weights normalised). */
  readonly components: readonly GaussianComponent[];
  #prepared: Prepared[];
  #cumulative: Float64Array;

  /**
   * Checks the components and factorises their covariances.
   * @param components At least one component; all of the same dimension.
   * @example
   * ```ts
   * import { GaussianMixture } from "./gaussian_mixture.ts";
   * const g = new GaussianMixture([{ weight: 1, mean: [0, 0], cov: [[1, 0], [0, 1]] }]);
   * g.logDensity([0, 0])[0]; // −log 2π
   * ```
   */
  constructor(components: readonly GaussianComponent[]) {
    if (components.length === 0) {
      throw new Error("A Gaussian mixture needs at least one component, got none");
    }
    const d = components[0].mean.length;
    if (d < 1) throw new Error("Gaussian mixture means must have length ≥ 1, got 0");
    const total = components.reduce((s, c) => s + c.weight, 0);
    if (!(total > 0) || components.some((c) => !(c.weight >= 0))) {
      throw new Error(
        `Gaussian mixture weights must be non-negative with a positive sum, got ${
          components.map((c) => c.weight).join(", ")
        }`,
      );
    }
    this.dims = d;
    this.components = components.map((c) => ({ ...c, weight: c.weight / total }));
    this.#prepared = this.components.map((c, k) => {
      if (c.mean.length !== d || c.cov.length !== d || c.cov.some((r) => r.length !== d)) {
        throw new Error(
          `Gaussian mixture component ${k} must have a mean of length ${d} and a ${d}×${d} covariance`,
        );
      }
      const tril = choleskyFactor(c.cov, k);
      const chol = tril.data;
      let logDetL = 0;
      for (let i = 0; i < d; i++) logDetL += Math.log(chol[i * d + i]);
      return {
        logWeight: Math.log(c.weight),
        mean: Float64Array.from(c.mean),
        tril,
        chol,
        logNorm: -0.5 * d * LOG_2PI - logDetL,
      };
    });
    this.#cumulative = new Float64Array(this.components.length);
    let acc = 0;
    this.components.forEach((c, k) => (this.#cumulative[k] = acc += c.weight));
  }

  /**
   * Draws `n` points.
   * @param n Number of points.
   * @param rng Source of randomness.
   * @returns Points (row-major n×d) and the component index of each.
   * @example
   * ```ts
   * import { Rng } from "../core/random.ts";
   * import { GaussianMixture } from "./gaussian_mixture.ts";
   * const g = new GaussianMixture([{ weight: 1, mean: [1], cov: [[4]] }]);
   * const { points } = g.sample(10, new Rng(0));
   * ```
   */
  sample(n: number, rng: Rng): { points: Float64Array; labels: Int32Array } {
    const d = this.dims;
    const points = new Float64Array(n * d);
    const labels = new Int32Array(n);
    const z = new Float64Array(d);
    const last = this.components.length - 1;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      let k = 0;
      while (k < last && u >= this.#cumulative[k]) k++;
      labels[i] = k;
      const { mean, chol } = this.#prepared[k];
      for (let j = 0; j < d; j++) z[j] = rng.normal();
      for (let r = 0; r < d; r++) {
        let v = mean[r];
        for (let c = 0; c <= r; c++) v += chol[r * d + c] * z[c];
        points[i * d + r] = v;
      }
    }
    return { points, labels };
  }

  /**
   * Log-density at each point.
   * @param points Row-major n×d coordinates.
   * @returns `log p(x)` per point, in nats.
   * @example
   * ```ts
   * import { GaussianMixture } from "./gaussian_mixture.ts";
   * const g = new GaussianMixture([{ weight: 1, mean: [0], cov: [[1]] }]);
   * g.logDensity([0, 1]); // [−0.919, −1.419]
   * ```
   */
  logDensity(points: ArrayLike<number>): Float64Array {
    const d = this.dims;
    if (points.length % d !== 0) {
      throw new Error(
        `Points must have a length that is a multiple of ${d} (row-major n×${d}), got ${points.length}`,
      );
    }
    const n = points.length / d;
    const out = new Float64Array(n);
    const terms = new Float64Array(this.#prepared.length);
    const y = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let k = 0; k < this.#prepared.length; k++) {
        const { mean, chol, logNorm, logWeight } = this.#prepared[k];
        let quad = 0;
        for (let r = 0; r < d; r++) {
          let v = points[i * d + r] - mean[r];
          for (let c = 0; c < r; c++) v -= chol[r * d + c] * y[c];
          v /= chol[r * d + r];
          y[r] = v;
          quad += v * v;
        }
        const t = logWeight + logNorm - 0.5 * quad;
        terms[k] = t;
        if (t > max) max = t;
      }
      if (max === -Infinity) {
        out[i] = -Infinity;
        continue;
      }
      let s = 0;
      for (let k = 0; k < terms.length; k++) s += Math.exp(terms[k] - max);
      out[i] = max + Math.log(s);
    }
    return out;
  }

  /**
   * A lower bound on the smallest principal standard deviation over all
   * components, `min_k 1/‖L_k⁻¹‖_F` (within a factor √d of the exact value); it
   * sets the step of {@link gridEntropy}.
   * @returns The bound, in the units of the data.
   * @example
   * ```ts
   * import { GaussianMixture } from "./gaussian_mixture.ts";
   * new GaussianMixture([{ weight: 1, mean: [0, 0], cov: [[4, 0], [0, 1]] }]).minScale(); // ≈ 0.894
   * ```
   */
  minScale(): number {
    const d = this.dims;
    let best = Infinity;
    for (const { tril } of this.#prepared) {
      const inv = solveLower(tril, identity(d)).data; // L⁻¹, column by column
      let frob = 0;
      for (let c = 0; c < d; c++) {
        for (let r = 0; r < d; r++) frob += inv[r * d + c] * inv[r * d + c];
      }
      best = Math.min(best, 1 / Math.sqrt(frob));
    }
    return best;
  }

  /**
   * Closed-form differential entropy of a single Gaussian, ½ log det(2πe Σ).
   * @returns Entropy in nats.
   * @example
   * ```ts
   * import { GaussianMixture } from "./gaussian_mixture.ts";
   * new GaussianMixture([{ weight: 1, mean: [0], cov: [[1]] }]).gaussianEntropy(); // 1.4189
   * ```
   */
  gaussianEntropy(): number {
    if (this.#prepared.length !== 1) {
      throw new Error(
        `Closed-form entropy needs a single component, got ${this.#prepared.length}; use gridEntropy`,
      );
    }
    return 0.5 * this.dims * (1 + LOG_2PI) -
      (this.#prepared[0].logNorm + 0.5 * this.dims * LOG_2PI);
  }
}

/** The Cholesky factor of component k's covariance, with the component named in errors. */
function choleskyFactor(cov: readonly (readonly number[])[], k: number): Matrix {
  const d = cov.length;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) {
      if (Math.abs(cov[i][j] - cov[j][i]) > 1e-12 * Math.abs(cov[i][i] + cov[j][j])) {
        throw new Error(`Gaussian mixture component ${k} covariance must be symmetric`);
      }
    }
  }
  try {
    return cholesky(fromRows([...cov]));
  } catch (e) {
    throw new Error(`Gaussian mixture component ${k} covariance must be positive definite`, {
      cause: e,
    });
  }
}
