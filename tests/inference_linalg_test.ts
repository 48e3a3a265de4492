import assert from "node:assert/strict";
import {
  addMatrices,
  cholesky,
  choleskyInverse,
  choleskySolve,
  diagonal,
  fromRows,
  identity,
  inverseSpd,
  logDetCholesky,
  logDetSpd,
  lowerMatVec,
  lowerTransposedMatVec,
  matMul,
  matrix,
  matVec,
  solveLower,
  solveLowerTransposed,
  toRows,
  transpose,
} from "../lib/linalg/matrix.ts";
import { sampleCovariance, sampleMean, totalVariance } from "../lib/linalg/covariance.ts";
import { gramMatrix, orthonormalizeColumns } from "../lib/linalg/orthogonal.ts";
import { Rng } from "../lib/core/random.ts";

function randomSpd(n: number, seed: number) {
  const rng = new Rng(seed);
  const g = matrix(n, n, Array.from({ length: n * n }, () => rng.normal()));
  return addMatrices(matMul(g, transpose(g)), identity(n), 0.1);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

Deno.test("products, transpose and rows round-trip", () => {
  const a = fromRows([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(toRows(transpose(a)), [[1, 4], [2, 5], [3, 6]]);
  assert.deepEqual(toRows(matMul(a, transpose(a))), [[14, 32], [32, 77]]);
  assert.deepEqual(Array.from(matVec(a, [1, 0, -1])), [-2, -2]);
  assert.throws(() => matMul(a, a), /a\.cols = b\.rows, got 2×3 times 2×3/);
  assert.throws(() => matrix(2, 2, [1, 2, 3]), /needs 4 entries, got 3/);
});

Deno.test("Cholesky factor reproduces the matrix; solves and inverse are consistent", () => {
  const a = randomSpd(6, 1);
  const l = cholesky(a);
  for (let i = 0; i < 6; i++) for (let j = i + 1; j < 6; j++) assert.equal(l.data[i * 6 + j], 0);
  assert.ok(maxAbsDiff(matMul(l, transpose(l)).data, a.data) < 1e-12);
  const b = [1, -2, 3, 0.5, 0, 4];
  const x = choleskySolve(l, b);
  assert.ok(maxAbsDiff(matVec(a, x), b) < 1e-10);
  const y = solveLower(l, b);
  assert.ok(maxAbsDiff(matVec(l, y), b) < 1e-12);
  const z = solveLowerTransposed(l, b);
  assert.ok(maxAbsDiff(matVec(transpose(l), z), b) < 1e-12);
  const inv = choleskyInverse(l);
  assert.ok(maxAbsDiff(matMul(a, inv).data, identity(6).data) < 1e-10);
  assert.ok(maxAbsDiff(inverseSpd(a).data, inv.data) < 1e-14);
  const multi = choleskySolve(l, fromRows(b.map((v) => [v, 2 * v])));
  assert.ok(maxAbsDiff(multi.data.filter((_, i) => i % 2 === 0), x) < 1e-12);
});

Deno.test("log-determinants match closed forms", () => {
  assert.ok(Math.abs(logDetSpd(diagonal([2, 3, 0.5])) - Math.log(3)) < 1e-14);
  const a = fromRows([[4, 1.2], [1.2, 0.9]]);
  assert.ok(Math.abs(logDetCholesky(cholesky(a)) - Math.log(4 * 0.9 - 1.44)) < 1e-14);
});

Deno.test("Cholesky rejects non-symmetric and indefinite matrices clearly", () => {
  assert.throws(() => cholesky(fromRows([[1, 2], [0, 1]])), /symmetric matrix, got entries/);
  assert.throws(() => cholesky(fromRows([[1, 2], [2, 1]])), /positive-definite matrix, got pivot/);
  assert.throws(() => cholesky(matrix(2, 3)), /square matrix, got 2×3/);
});

Deno.test("triangular products match the dense ones, also at an offset into a longer array", () => {
  const l = cholesky(randomSpd(5, 11));
  const rng = new Rng(12);
  const x = Float64Array.from({ length: 5 }, () => rng.normal());
  assert.ok(maxAbsDiff(lowerMatVec(l, x), matVec(l, x)) < 1e-12);
  assert.ok(maxAbsDiff(lowerTransposedMatVec(l, x), matVec(transpose(l), x)) < 1e-12);
  const padded = new Float64Array(8);
  padded.set(x, 3);
  const out = new Float64Array(5);
  assert.equal(lowerMatVec(l, padded, 3, out), out);
  assert.deepEqual(out, lowerMatVec(l, x));
  assert.deepEqual(lowerTransposedMatVec(l, padded, 3), lowerTransposedMatVec(l, x));
  assert.throws(() => lowerMatVec(l, padded, 4), /5 entries of x from 4/);
});

Deno.test("sample mean and covariance: n − 1 denominator, float64 sums, clear errors", () => {
  const rng = new Rng(13);
  const n = 1001, d = 3;
  const x = Float32Array.from({ length: n * d }, (_, i) => 1000 + (i % d) + rng.normal());
  const mean = sampleMean(x, d);
  const cov = sampleCovariance(x, d);
  for (let j = 0; j < d; j++) {
    let m = 0, v = 0;
    for (let r = 0; r < n; r++) m += x[r * d + j];
    m /= n;
    for (let r = 0; r < n; r++) v += (x[r * d + j] - m) ** 2;
    assert.equal(mean[j], m);
    assert.ok(Math.abs(cov.data[j * d + j] / (v / (n - 1)) - 1) < 1e-12);
  }
  assert.deepEqual(cov.data, symmetrizeData(cov.data, d));
  const trace = cov.data[0] + cov.data[4] + cov.data[8];
  assert.ok(Math.abs(totalVariance(x, d, mean) / trace - 1) < 1e-12);
  assert.deepEqual(sampleCovariance(x, d, mean), cov);
  assert.throws(() => sampleMean([1, 2, 3], 2), /n×2 array, got 3 values/);
  assert.throws(() => sampleMean([1, NaN], 2), /finite values, got NaN at row 0, column 1/);
  assert.throws(() => sampleCovariance([1, 2], 2), /at least 2 points, got 1/);
  assert.throws(() => sampleCovariance([1, 2, 3, 4], 2, [0]), /mean of length 2, got 1/);
});

function symmetrizeData(data: Float64Array, d: number): Float64Array {
  return Float64Array.from(data, (_, k) => data[(k % d) * d + Math.floor(k / d)]);
}

Deno.test("Gram–Schmidt gives orthonormal columns spanning the same space; Gram matrix is ZᵀZ", () => {
  const rng = new Rng(14);
  const cols = Array.from(
    { length: 4 },
    () => Float64Array.from({ length: 6 }, () => rng.normal()),
  );
  cols[3] = Float64Array.from(cols[0], (v, i) => 2 * v - cols[1][i]); // dependent: gets replaced
  const first = Float64Array.from(cols[0]);
  orthonormalizeColumns(cols, rng);
  const g = gramMatrix(cols);
  assert.ok(maxAbsDiff(g.data, identity(4).data) < 1e-12);
  const norm = Math.hypot(...first);
  assert.ok(maxAbsDiff(cols[0], first.map((v) => v / norm)) < 1e-15);
  assert.deepEqual(toRows(gramMatrix([[1, 2], [3, 4]])), [[5, 11], [11, 25]]);
  assert.throws(
    () => orthonormalizeColumns([Float64Array.of(1), Float64Array.of(2)], rng),
    /column 1/,
  );
  assert.throws(() => gramMatrix([[1, 2], [3]]), /one length 2, got 1/);
});
