/**
 * PCA whitening of row-major data: `u = Λ^{-1/2} Vᵀ (v − mean)` for the
 * eigen-decomposition `V Λ Vᵀ` of the data's covariance, so that the
 * networks of the inverse-problem applications see uncorrelated parameters of
 * unit variance. For strongly correlated parameters — the cells of a smooth
 * profile, neighbours correlated at 0.95 and more — per-column
 * standardization leaves a covariance of condition 10⁴ and beyond for the
 * flow to learn first; whitening removes it with one fixed linear map
 * fitted to the training pairs, and the flow learns what the data add.
 *
 * A {@link Whitening} is a {@link Standardizer} (the same `apply`, `invert`,
 * `dims` and JSON form, with the rotation added), so every place that takes
 * a standardizer takes it; {@link scaleFromJSON} reads either back.
 *
 * @module
 */
import { symmetricEigen } from "../linalg/symmetric_eigen.ts";
import { invertMatrix } from "../linalg/lu.ts";
import { sampleCovariance, sampleMean } from "../linalg/covariance.ts";
import { Standardizer } from "./standardizer.ts";

/** The JSON form of a {@link Whitening}. */
export interface WhiteningJson {
  /** Column means. */
  mean: number[];
  /** Column standard deviations (for information; the map uses the rotation). */
  std: number[];
  /** Whitening matrix `W = Λ^{-1/2} Vᵀ`, row-major `[dims × dims]`: `u = W (v − mean)`. */
  whitening: number[];
  /** Its inverse `V Λ^{1/2}`, row-major: `v = W⁻¹ u + mean`. */
  unwhitening: number[];
}

/** Eigenvalues below this fraction of the largest are raised to it (degenerate directions). */
const EIGEN_FLOOR = 1e-12;

/** A PCA whitening `u = W (v − mean)`, a {@link Standardizer} with a full linear map. */
export class Whitening extends Standardizer {
  /** `W`, row-major `[dims × dims]`. */
  readonly whitening: Float64Array;
  /** `W⁻¹`, row-major `[dims × dims]`. */
  readonly unwhitening: Float64Array;

  /**
   * @param json Means, stds, and the whitening matrix with its inverse.
   * @throws Error when the matrices are not `dims × dims` or hold a non-finite value.
   * @example
   * ```ts
   * import { Whitening } from "./whitening.ts";
   * const w = new Whitening({ mean: [1, 0], std: [2, 1], whitening: [0.5, 0, 0, 1], unwhitening: [2, 0, 0, 1] });
   * w.apply([3, 1]); // Float32Array [1, 1]
   * ```
   */
  constructor(json: WhiteningJson) {
    super(json.mean, json.std);
    const d = this.dims;
    for (const key of ["whitening", "unwhitening"] as const) {
      const m = json[key];
      if (!m || m.length !== d * d || !m.every(Number.isFinite)) {
        throw new Error(
          `A whitening needs a finite ${d}×${d} "${key}" matrix, got ${m?.length ?? 0} values`,
        );
      }
    }
    this.whitening = Float64Array.from(json.whitening);
    this.unwhitening = Float64Array.from(json.unwhitening);
  }

  /**
   * Fits the whitening of row-major data (sample mean and covariance, eigen-decomposition).
   * @param rows Row-major `[n × dims]`, n ≥ 2.
   * @param dims Columns.
   * @returns The whitening.
   * @example
   * ```ts
   * import { Whitening } from "./whitening.ts";
   * const w = Whitening.fit([0, 0, 1, 1, 2, 2.5, 3, 2.9], 2);
   * w.apply([1.5, 1.6]); // two uncorrelated values
   * ```
   */
  static override fit(rows: ArrayLike<number>, dims: number): Whitening {
    const n = rows.length / dims;
    if (!Number.isInteger(n) || n < 2) {
      throw new Error(`Whitening.fit needs at least 2 rows of ${dims} values, got ${rows.length}`);
    }
    const mean = sampleMean(rows, dims);
    const cov = sampleCovariance(rows, dims, mean);
    const { values, vectors } = symmetricEigen(cov);
    const floor = Math.max(values[0], 1e-300) * EIGEN_FLOOR;
    const scale = Array.from(values, (l) => Math.sqrt(Math.max(l, floor)));
    const w = new Array<number>(dims * dims), inv = new Array<number>(dims * dims);
    for (let k = 0; k < dims; k++) {
      for (let j = 0; j < dims; j++) {
        const v = vectors.data[j * dims + k];
        w[k * dims + j] = v / scale[k];
        inv[j * dims + k] = v * scale[k];
      }
    }
    return new Whitening({
      mean: Array.from(mean),
      std: Array.from({ length: dims }, (_, j) => Math.sqrt(cov.data[j * dims + j]) || 1),
      whitening: w,
      unwhitening: inv,
    });
  }

  /**
   * Whitens rows.
   * @param rows Row-major `[n × dims]`.
   * @returns `W (v − mean)` per row, as float32 for the networks.
   */
  override apply(rows: ArrayLike<number>): Float32Array {
    return this.#map(rows, this.whitening, -1);
  }

  /**
   * Maps whitened rows back to the original units.
   * @param rows Row-major `[n × dims]` whitened values.
   * @returns `W⁻¹ u + mean` per row.
   */
  override invert(rows: ArrayLike<number>): Float32Array {
    return this.#map(rows, this.unwhitening, 1);
  }

  /** JSON form: means, stds and both matrices as plain arrays. */
  /**
   * `log |det W|`, the log-determinant of {@link apply}'s Jacobian.
   * @example
   * ```ts
   * import { Whitening } from "./whitening.ts";
   * const w = new Whitening({ mean: [0, 0], std: [2, 1], whitening: [0.5, 0, 0, 1], unwhitening: [2, 0, 0, 1] });
   * w.logAbsDet; // −log 2
   * ```
   */
  override get logAbsDet(): number {
    const d = this.dims;
    const rows = Array.from(
      { length: d },
      (_, i) => Array.from(this.whitening.subarray(i * d, (i + 1) * d)),
    );
    return invertMatrix(rows).logAbsDet;
  }

  override toJSON(): WhiteningJson {
    return {
      ...super.toJSON(),
      whitening: Array.from(this.whitening),
      unwhitening: Array.from(this.unwhitening),
    };
  }

  /** `sign = −1`: `M (v − mean)`; `sign = +1`: `M v + mean`. */
  #map(rows: ArrayLike<number>, m: Float64Array, sign: 1 | -1): Float32Array {
    const d = this.dims;
    if (rows.length % d !== 0) {
      throw new Error(`Expected rows of ${d} values, got ${rows.length} values in all`);
    }
    const n = rows.length / d;
    const out = new Float32Array(rows.length);
    const v = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) v[j] = rows[i * d + j] + (sign < 0 ? -this.mean[j] : 0);
      for (let k = 0; k < d; k++) {
        let s = sign > 0 ? this.mean[k] : 0;
        for (let j = 0; j < d; j++) s += m[k * d + j] * v[j];
        out[i * d + k] = s;
      }
    }
    return out;
  }
}

/**
 * Reads a standardizer back from its JSON form: a {@link Whitening} when the JSON holds a
 * whitening matrix, else a plain {@link Standardizer}.
 * @param json The `toJSON()` of either.
 * @returns The standardizer.
 * @example
 * ```ts
 * import { scaleFromJSON } from "./whitening.ts";
 * scaleFromJSON({ mean: [0], std: [2] }).apply([4]); // Float32Array [2]
 * ```
 */
export function scaleFromJSON(
  json: { mean: number[]; std: number[] } & Partial<WhiteningJson>,
): Standardizer {
  return json.whitening !== undefined
    ? new Whitening(json as WhiteningJson)
    : new Standardizer(json.mean, json.std);
}
