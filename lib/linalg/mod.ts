/**
 * Dense linear algebra in float64 on plain arrays, without TensorFlow.js:
 *
 * - {@link Matrix} (row-major), its constructors, products (`matMul`,
 *   `matVec`, the triangular `lowerMatVec` / `lowerTransposedMatVec`),
 *   `transpose`, `addMatrices`, `symmetrize`;
 * - Cholesky factorization and everything done through it: triangular and
 *   SPD solves, inverse, log-determinant;
 * - `luDecompose` (partial pivoting);
 * - symmetric eigen-decomposition: cyclic Jacobi for small matrices
 *   (`symmetricEigen`, with `singularValues` and `conditionNumber`) and
 *   Householder + implicit QL for large ones (`symmetricEigenLarge`);
 * - orthogonality: `randomRotation`, `orthonormalizeColumns`, `gramMatrix`;
 * - sample moments of row-major points `[n, d]`: `sampleMean`,
 *   `sampleCovariance` (n − 1 denominator), `totalVariance`.
 *
 * Inference (`lib/inference`), the inverse problems (`lib/problems`), PCA
 * (`lib/analysis`), the toy Gaussian mixtures (`lib/data`) and Glow's 1×1
 * convolution (`lib/bijectors`) all build on this folder; it depends on
 * nothing but `lib/core/random.ts`.
 *
 * @example
 * ```ts
 * import {
 *   cholesky,
 *   choleskySolve,
 *   conditionNumber,
 *   fromRows,
 *   sampleCovariance,
 *   sampleMean,
 * } from "./mod.ts";
 * const points = [0, 0, 1, 2, 2, 4, 3, 5]; // four points in 2-D, row-major
 * const mean = sampleMean(points, 2); // [1.5, 2.75]
 * const cov = sampleCovariance(points, 2, mean); // n − 1 denominator
 * const x = choleskySolve(cholesky(cov), [1, 1]); // cov⁻¹·[1, 1]
 * const kappa = conditionNumber(fromRows([[1, 0], [0, 0.01]])); // 100
 * ```
 *
 * @module
 */
export * from "./matrix.ts";
export * from "./covariance.ts";
export * from "./symmetric_eigen.ts";
export * from "./tridiagonal_eigen.ts";
export * from "./lu.ts";
export * from "./orthogonal.ts";
