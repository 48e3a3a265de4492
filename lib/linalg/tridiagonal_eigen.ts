/**
 * Eigen-decomposition of large symmetric matrices (hundreds to a few thousand
 * rows, e.g. the covariance of 784-dimensional latent points) in float64:
 * Householder reduction to tridiagonal form, then the implicit QL algorithm
 * with Wilkinson shifts, then only the wanted eigenvectors are transformed
 * back. About 3·n³ flops with the vectors of the tridiagonal accumulated, so
 * a 784 × 784 matrix takes a few seconds in plain JavaScript, where the
 * cyclic Jacobi solver of `lib/linalg/symmetric_eigen.ts` (meant for
 * few-by-few matrices) would take a minute.
 *
 * References: Householder reduction and the implicit QL iteration are
 * described in Golub & Van Loan, _Matrix Computations_, §8.3, and Wilkinson,
 * _The Algebraic Eigenvalue Problem_ (1965).
 *
 * @module
 */
import { type Matrix, matrix } from "./matrix.ts";
import type { SymmetricEigen } from "./symmetric_eigen.ts";

/** Options of {@link symmetricEigenLarge}. */
export interface SymmetricEigenLargeOptions {
  /** Number of eigenvectors to return (those of the largest eigenvalues). Default: all. */
  count?: number;
}

/** The tridiagonal form `Qᵀ·A·Q = T` and the Householder vectors that make up `Q`. */
interface Tridiagonal {
  /** Diagonal of T, length n. */
  diag: Float64Array;
  /** Off-diagonal of T: `off[i]` couples rows i and i + 1 (the last entry is 0). */
  off: Float64Array;
  /** Householder vector k (acting on entries k + 1 … n − 1) is stored in row k of this n × n array. */
  reflectors: Float64Array;
  /** `2 / vᵀv` per reflector (0 when the reflector is the identity). */
  betas: Float64Array;
}

function tridiagonalize(a: Matrix): Tridiagonal {
  const n = a.rows;
  const s = Float64Array.from(a.data); // trailing block, updated in place
  const diag = new Float64Array(n), off = new Float64Array(n), betas = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    const row = k * n;
    let norm2 = 0;
    for (let j = k + 1; j < n; j++) norm2 += s[row + j] ** 2;
    const x0 = s[row + k + 1];
    const alpha = -(x0 >= 0 ? 1 : -1) * Math.sqrt(norm2);
    diag[k] = s[row + k];
    off[k] = alpha;
    // v = x − α·e₁ is kept in row k of s, right of the diagonal.
    s[row + k + 1] = x0 - alpha;
    const vtv = norm2 - x0 * x0 + (x0 - alpha) ** 2;
    if (!(vtv > 0)) {
      off[k] = x0;
      continue;
    }
    const beta = 2 / vtv;
    betas[k] = beta;
    // p = β·S·v over the trailing block, then w = p − (β/2)(pᵀv)·v.
    let pv = 0;
    for (let i = k + 1; i < n; i++) {
      let t = 0;
      const ri = i * n;
      for (let j = k + 1; j < n; j++) t += s[ri + j] * s[row + j];
      p[i] = beta * t;
      pv += p[i] * s[row + i];
    }
    const kk = 0.5 * beta * pv;
    for (let i = k + 1; i < n; i++) p[i] -= kk * s[row + i];
    // S ← S − v·wᵀ − w·vᵀ.
    for (let i = k + 1; i < n; i++) {
      const vi = s[row + i], wi = p[i], ri = i * n;
      for (let j = k + 1; j < n; j++) s[ri + j] -= vi * p[j] + wi * s[row + j];
    }
  }
  if (n >= 2) {
    diag[n - 2] = s[(n - 2) * n + n - 2];
    off[n - 2] = s[(n - 2) * n + n - 1];
  }
  diag[n - 1] = s[n * n - 1];
  return { diag, off, reflectors: s, betas };
}

/**
 * Implicit QL with Wilkinson shifts on a symmetric tridiagonal matrix. On
 * return `diag` holds the eigenvalues (unsorted) and row i of `vecs` (n × n,
 * starting as the identity) the eigenvector of `diag[i]`.
 */
function tridiagonalQl(diag: Float64Array, off: Float64Array, vecs: Float64Array): void {
  const n = diag.length;
  const eps = Number.EPSILON;
  // Negligible off-diagonals are judged against the matrix norm too, not only
  // against neighbouring diagonal entries: a rank-deficient matrix (a
  // covariance of fewer points than dimensions) has clusters of zero
  // eigenvalues whose off-diagonals never become small next to 0.
  let norm = 0;
  for (let i = 0; i < n; i++) {
    norm = Math.max(norm, Math.abs(diag[i]) + (i < n - 1 ? Math.abs(off[i]) : 0));
  }
  const floor = eps * norm;
  for (let l = 0; l < n; l++) {
    for (let iter = 0;; iter++) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(diag[m]) + Math.abs(diag[m + 1]);
        if (Math.abs(off[m]) <= eps * dd || Math.abs(off[m]) <= floor) break;
      }
      if (m === l) break;
      if (iter === 60) {
        throw new Error(`Tridiagonal QL did not converge for eigenvalue ${l} of ${n}`);
      }
      let g = (diag[l + 1] - diag[l]) / (2 * off[l]);
      let r = Math.hypot(g, 1);
      g = diag[m] - diag[l] + off[l] / (g + (g >= 0 ? r : -r));
      let s = 1, c = 1, p = 0;
      let i = m - 1;
      let underflow = false;
      for (; i >= l; i--) {
        const f = s * off[i], b = c * off[i];
        r = Math.hypot(f, g);
        off[i + 1] = r;
        if (r === 0) {
          diag[i + 1] -= p;
          off[m] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = diag[i + 1] - p;
        r = (diag[i] - g) * s + 2 * c * b;
        p = s * r;
        diag[i + 1] = g + p;
        g = c * r - b;
        const ri = i * n, rj = (i + 1) * n;
        for (let k = 0; k < n; k++) {
          const vi = vecs[ri + k], vj = vecs[rj + k];
          vecs[rj + k] = s * vi + c * vj;
          vecs[ri + k] = c * vi - s * vj;
        }
      }
      if (underflow) continue;
      diag[l] -= p;
      off[l] = g;
      off[m] = 0;
    }
  }
}

/**
 * Eigenvalues and eigenvectors of a large symmetric matrix. Returns the same
 * shape of result as `symmetricEigen` of `lib/linalg/symmetric_eigen.ts`
 * (eigenvalues descending, eigenvectors as columns), but only the first
 * `count` eigenvectors.
 *
 * Each eigenvector's sign is fixed so that its entry of largest magnitude is
 * positive, so the result does not depend on round-off.
 *
 * @param a A symmetric matrix (only the symmetric part is meaningful).
 * @param options `count`: how many eigenvectors (of the largest eigenvalues).
 * @returns All n eigenvalues, largest first, and an `[n, count]` matrix of eigenvectors.
 * @throws Error when `a` is not square, holds a non-finite value, `count` is
 *   out of range, or the iteration fails to converge.
 * @example
 * ```ts
 * import { fromRows } from "./matrix.ts";
 * import { symmetricEigenLarge } from "./tridiagonal_eigen.ts";
 * const { values, vectors } = symmetricEigenLarge(fromRows([[2, 1], [1, 2]]), { count: 1 });
 * // values [3, 1]; vectors [[0.7071], [0.7071]]
 * ```
 */
export function symmetricEigenLarge(
  a: Matrix,
  options: SymmetricEigenLargeOptions = {},
): SymmetricEigen {
  const n = a.rows;
  if (a.cols !== n) {
    throw new Error(`Eigen-decomposition needs a square matrix, got ${n}×${a.cols}`);
  }
  if (!a.data.every(Number.isFinite)) throw new Error("Eigen-decomposition of a non-finite matrix");
  const count = options.count ?? n;
  if (!Number.isInteger(count) || count < 1 || count > n) {
    throw new Error(`Eigenvector count must be an integer in [1, ${n}], got ${count}`);
  }
  const { diag, off, reflectors, betas } = tridiagonalize(a);
  const vecs = new Float64Array(n * n);
  for (let i = 0; i < n; i++) vecs[i * n + i] = 1;
  tridiagonalQl(diag, off, vecs);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => diag[j] - diag[i]);
  const values = Float64Array.from(order, (i) => diag[i]);
  const vectors = matrix(n, count);
  const y = new Float64Array(n);
  for (let c = 0; c < count; c++) {
    y.set(vecs.subarray(order[c] * n, order[c] * n + n));
    // y ← H₀·H₁·…·H_{n−3}·y, applying the last reflector first.
    for (let k = n - 3; k >= 0; k--) {
      const beta = betas[k];
      if (beta === 0) continue;
      const row = k * n;
      let t = 0;
      for (let j = k + 1; j < n; j++) t += reflectors[row + j] * y[j];
      t *= beta;
      for (let j = k + 1; j < n; j++) y[j] -= t * reflectors[row + j];
    }
    let big = 0;
    for (let j = 0; j < n; j++) if (Math.abs(y[j]) > Math.abs(y[big])) big = j;
    const sign = y[big] < 0 ? -1 : 1;
    for (let j = 0; j < n; j++) vectors.data[j * count + c] = sign * y[j];
  }
  return { values, vectors };
}
