/**
 * Randomized PCA (Halko, Martinsson & Tropp 2011, "Finding structure with
 * randomness", algorithms 4.4 and 5.1): the centred data is multiplied by a
 * Gaussian test matrix of k + p columns, a few power iterations (each with a
 * re-orthonormalisation) sharpen the captured subspace, and the small
 * (k + p) × (k + p) problem is solved exactly. Each pass over the data costs
 * n·d·(k + p) multiply-adds and nothing of size d × d is formed, so it suits
 * latent points of thousands of dimensions.
 *
 * Accuracy depends on the spectrum: the leading components come out right
 * when their variances stand clear of the rest; for a nearly flat spectrum
 * (latents of a well-trained flow are close to N(0, I)) the captured variance
 * is still close to optimal but the individual directions are arbitrary, as
 * they are for the exact solver.
 *
 * @module
 */
import { gramMatrix, orthonormalizeColumns } from "../linalg/orthogonal.ts";
import { symmetricEigen } from "../linalg/symmetric_eigen.ts";
import { Rng } from "../core/random.ts";

/** Leading principal directions and variances found by {@link randomizedPrincipalAxes}. */
export interface PrincipalAxes {
  /** `[k, d]` row-major: unit, mutually orthogonal directions, largest variance first. */
  components: Float64Array;
  /** Variance along each direction (sample variance, n − 1 denominator). */
  variances: Float64Array;
}

/** Options of {@link randomizedPrincipalAxes}. */
export interface RandomizedOptions {
  /** Extra random directions beyond k (p in Halko et al.). Default 10. */
  oversamples?: number;
  /** Power iterations q. Default 2. */
  powerIterations?: number;
  /** Seed of the Gaussian test matrix. Default 0. */
  seed?: number;
}

/** `Xc·W` for centred rows `Xc = X − 1·meanᵀ` ([n, d]) and `W` given as l columns of length d. */
function timesColumns(
  x: ArrayLike<number>,
  n: number,
  d: number,
  mean: Float64Array,
  w: Float64Array[],
): Float64Array[] {
  const l = w.length;
  const wRows = new Float64Array(d * l); // row-major [d, l] for a contiguous inner loop
  for (let c = 0; c < l; c++) for (let j = 0; j < d; j++) wRows[j * l + c] = w[c][j];
  const out = Array.from({ length: l }, () => new Float64Array(n));
  const acc = new Float64Array(l);
  for (let r = 0; r < n; r++) {
    acc.fill(0);
    const o = r * d;
    for (let j = 0; j < d; j++) {
      const xj = x[o + j] - mean[j];
      const wo = j * l;
      for (let c = 0; c < l; c++) acc[c] += xj * wRows[wo + c];
    }
    for (let c = 0; c < l; c++) out[c][r] = acc[c];
  }
  return out;
}

/** `Xcᵀ·Q` for centred rows ([n, d]) and `Q` given as l columns of length n: l columns of length d. */
function transposeTimesColumns(
  x: ArrayLike<number>,
  n: number,
  d: number,
  mean: Float64Array,
  q: Float64Array[],
): Float64Array[] {
  const l = q.length;
  const acc = new Float64Array(d * l); // row-major [d, l]
  const qr = new Float64Array(l);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < l; c++) qr[c] = q[c][r];
    const o = r * d;
    for (let j = 0; j < d; j++) {
      const xj = x[o + j] - mean[j];
      const ao = j * l;
      for (let c = 0; c < l; c++) acc[ao + c] += xj * qr[c];
    }
  }
  return Array.from(
    { length: l },
    (_, c) => Float64Array.from({ length: d }, (_, j) => acc[j * l + c]),
  );
}

/**
 * The k leading principal directions of centred data by the randomized
 * range finder with power iterations. Deterministic for a given seed.
 *
 * @param x `[n, d]` row-major points.
 * @param n Number of rows.
 * @param options `d`, `k`, `mean` (the column means) and {@link RandomizedOptions}.
 * @returns The directions and their variances.
 * @throws Error when k exceeds min(n, d).
 * @example
 * ```ts
 * import { sampleMean } from "../linalg/covariance.ts";
 * import { randomizedPrincipalAxes } from "./pca_randomized.ts";
 * const x = new Float32Array([0, 0, 1, 1, 2, 2.1, 3, 2.9]);
 * const axes = randomizedPrincipalAxes(x, 4, { d: 2, k: 1, mean: sampleMean(x, 2) });
 * // axes.components ≈ [0.707, 0.707]
 * ```
 */
export function randomizedPrincipalAxes(
  x: ArrayLike<number>,
  n: number,
  options: RandomizedOptions & { d: number; k: number; mean: Float64Array },
): PrincipalAxes {
  const { d, k, mean } = options;
  if (!(Number.isInteger(k) && k >= 1 && k <= Math.min(n, d))) {
    throw new Error(`Randomized PCA needs 1 ≤ k ≤ min(n, d) = ${Math.min(n, d)}, got k = ${k}`);
  }
  const l = Math.min(k + (options.oversamples ?? 10), n, d);
  const q = options.powerIterations ?? 2;
  const rng = new Rng(options.seed ?? 0);
  const omega = Array.from(
    { length: l },
    () => Float64Array.from({ length: d }, () => rng.normal()),
  );
  let basis = timesColumns(x, n, d, mean, omega);
  orthonormalizeColumns(basis, rng);
  for (let it = 0; it < q; it++) {
    const z = transposeTimesColumns(x, n, d, mean, basis);
    orthonormalizeColumns(z, rng);
    basis = timesColumns(x, n, d, mean, z);
    orthonormalizeColumns(basis, rng);
  }
  // Z = Xcᵀ·Q = Bᵀ with B = Qᵀ·Xc; B·Bᵀ = Zᵀ·Z holds the squared singular values.
  const z = transposeTimesColumns(x, n, d, mean, basis);
  const eig = symmetricEigen(gramMatrix(z));
  const dirs: Float64Array[] = [];
  for (let c = 0; c < k; c++) {
    const v = new Float64Array(d);
    for (let a = 0; a < l; a++) {
      const u = eig.vectors.data[a * l + c];
      const za = z[a];
      for (let j = 0; j < d; j++) v[j] += u * za[j];
    }
    dirs.push(v);
  }
  // The directions are already orthogonal (they are Z·u for orthonormal u); this normalises
  // them and replaces any of zero variance by a direction orthogonal to the others.
  orthonormalizeColumns(dirs, rng);
  const components = new Float64Array(k * d);
  dirs.forEach((v, c) => components.set(v, c * d));
  const variances = Float64Array.from(
    { length: k },
    (_, c) => Math.max(0, eig.values[c]) / (n - 1),
  );
  return { components, variances };
}
