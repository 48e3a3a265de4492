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
  matMul,
  matrix,
  matVec,
  solveLower,
  solveLowerTransposed,
  toRows,
  transpose,
} from "../lib/linalg/matrix.ts";
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
