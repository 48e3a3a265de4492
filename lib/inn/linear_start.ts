/**
 * The linear start of an INN: the invertible affine map `u ↦ W·u + b` that
 * maps a batch of the network's (pre-linear) outputs `u` to `[y, z]` with `y`
 * the least-squares regression of the observations on `u` and `z` the
 * whitened, centred rest, uncorrelated with `y`. For a linear forward model with a Gaussian prior (and the noise
 * among the inputs) this is the exact INN; otherwise it is its best linear
 * approximation, and the couplings before it learn only what is not linear.
 *
 * With `Σ = Cov(u) = L·Lᵀ` and `B = Cov(y, u)·Σ⁻¹`, the first rows of `W` are
 * `B`; the rest are `Q⊥·L⁻¹`, where the rows of `Q⊥` are an orthonormal basis
 * of the complement of the rows of `B·L`; `b = [ȳ; 0] − W·ū`. Then
 * `Cov(z) = I`, `Cov(y, z) = 0` and `z̄ = 0`.
 *
 * @module
 */
import { Rng } from "../core/random.ts";
import { cholesky, matrix, solveLower, solveLowerTransposed, transpose } from "../linalg/matrix.ts";
import { orthonormalizeColumns } from "../linalg/orthogonal.ts";
import { conditionNumber } from "../linalg/symmetric_eigen.ts";
import { sampleCovariance, sampleMean } from "../linalg/covariance.ts";

/**
 * The INN's linear start from a batch: `W` with rows `[B; Q⊥·L⁻¹]` and the shift `b` (see the module).
 * @param u Outputs of the network before its linear map, `[n, width]` row-major.
 * @param y Observations of the same rows, `[n, dimY]` row-major.
 * @param width Width of `u` (and of `W`).
 * @param dimY Width of `y` (≤ width).
 * @param seed Seed of the random start vectors of the complement.
 * @returns `matrix`: `W` as `width` rows of `width` numbers; `shift`: `b`, `width` numbers.
 * @throws Error naming the shapes, when there are fewer rows than `width + 1`,
 *   when `Cov(u)` is singular, or when the regressions of the observations on
 *   `u` are (nearly) linearly dependent.
 * @example
 * ```ts
 * import { linearStart } from "./linear_start.ts";
 * // u uniform-ish in 2-D, y = u₀ + u₁: W's first row is ≈ [1, 1]
 * const u = Float32Array.from({ length: 200 }, (_, i) => Math.sin(i * 1.3));
 * const y = Float32Array.from({ length: 100 }, (_, i) => u[2 * i] + u[2 * i + 1]);
 * const { matrix } = linearStart(u, y, 2, 1, 1);
 * console.log(matrix[0].map((v) => v.toFixed(3))); // ["1.000", "1.000"]
 * ```
 */
export function linearStart(
  u: ArrayLike<number>,
  y: ArrayLike<number>,
  width: number,
  dimY: number,
  seed: number,
): { matrix: number[][]; shift: number[] } {
  if (!Number.isInteger(dimY) || dimY < 1 || dimY > width) {
    throw new Error(`linearStart: dimY must be an integer in 1..${width}, got ${dimY}`);
  }
  const n = u.length / width;
  if (!Number.isInteger(n) || y.length !== n * dimY) {
    throw new Error(
      `linearStart: u has ${u.length} values (width ${width}) and y ${y.length} (dimY ${dimY}); they must hold the same rows`,
    );
  }
  if (n < width + 1) {
    throw new Error(`linearStart: needs at least ${width + 1} rows for width ${width}, got ${n}`);
  }
  const joint = new Float64Array(n * (width + dimY));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < width; j++) joint[i * (width + dimY) + j] = u[i * width + j];
    for (let j = 0; j < dimY; j++) joint[i * (width + dimY) + width + j] = y[i * dimY + j];
  }
  const mean = sampleMean(joint, width + dimY);
  const cov = sampleCovariance(joint, width + dimY, mean);
  const d = width + dimY;
  const sigma = matrix(width, width), cross = matrix(dimY, width);
  for (let i = 0; i < width; i++) {
    for (let j = 0; j < width; j++) sigma.data[i * width + j] = cov.data[i * d + j];
  }
  for (let i = 0; i < dimY; i++) {
    for (let j = 0; j < width; j++) cross.data[i * width + j] = cov.data[(width + i) * d + j];
  }
  let l;
  try {
    l = cholesky(sigma);
  } catch (err) {
    throw new Error(
      `linearStart: the covariance of the network's outputs is singular (${
        (err as Error).message
      })`,
    );
  }
  // B·L = Cov(y, u)·L⁻ᵀ: solve L · (B·L)ᵀ = Cov(u, y).
  const bl = transpose(solveLower(l, transpose(cross))); // [dimY, width]
  const columns: Float64Array[] = [];
  for (let i = 0; i < dimY; i++) columns.push(bl.data.slice(i * width, (i + 1) * width));
  const rng = new Rng(seed);
  for (let i = dimY; i < width; i++) {
    columns.push(Float64Array.from({ length: width }, () => rng.normal()));
  }
  checkRank(columns.slice(0, dimY), width);
  orthonormalizeColumns(columns, rng);
  const w: number[][] = [];
  for (let i = 0; i < dimY; i++) {
    // B = (B·L)·L⁻¹: row i of B solves Lᵀ bᵀ = (B·L)ᵀ, i.e. b = solve(Lᵀ, row of B·L).
    w.push(Array.from(solveLowerTransposed(l, bl.data.subarray(i * width, (i + 1) * width))));
  }
  for (let i = dimY; i < width; i++) w.push(Array.from(solveLowerTransposed(l, columns[i])));
  const shift = w.map((row, i) =>
    (i < dimY ? mean[width + i] : 0) - row.reduce((s, v, j) => s + v * mean[j], 0)
  );
  return { matrix: w, shift };
}

/** Throws when the rows of `B·L` are (numerically) linearly dependent or zero. */
function checkRank(rows: Float64Array[], width: number): void {
  const a = matrix(width, rows.length);
  rows.forEach((r, j) => {
    const norm = Math.hypot(...r);
    if (!(norm > 0)) {
      throw new Error(
        `linearStart: observation ${j} has zero covariance with the network's outputs`,
      );
    }
    for (let i = 0; i < width; i++) a.data[i * rows.length + j] = r[i] / norm;
  });
  const kappa = conditionNumber(a);
  if (!(kappa < 1e6)) {
    throw new Error(
      `linearStart: the observations' regressions on the network's outputs are (nearly) linearly dependent (condition number ${
        kappa.toExponential(2)
      }); the observations may hold duplicates`,
    );
  }
}
