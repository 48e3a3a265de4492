import assert from "node:assert/strict";
import {
  chiSquareSurvival,
  gammaQ,
  logGamma,
  normalCdf,
  normalPdf,
  normalQuantile,
} from "../lib/inference/special.ts";

Deno.test("log-gamma matches factorials and Γ(1/2) = √π", () => {
  let fact = 1;
  for (let n = 1; n < 25; n++) {
    if (n > 1) fact *= n - 1;
    assert.ok(
      Math.abs(logGamma(n) - Math.log(fact)) < 1e-12 * Math.max(1, Math.log(fact)),
      `Γ(${n})`,
    );
  }
  assert.ok(Math.abs(logGamma(0.5) - 0.5 * Math.log(Math.PI)) < 1e-13);
  assert.ok(Math.abs(logGamma(0.1) - Math.log(9.513507698668732)) < 1e-12);
  assert.throws(() => logGamma(0), /positive argument, got 0/);
});

Deno.test("chi-square survival matches known quantiles and closed forms", () => {
  // Known 95 % and 99 % quantiles.
  assert.ok(Math.abs(chiSquareSurvival(3.841458820694124, 1) - 0.05) < 1e-9);
  assert.ok(Math.abs(chiSquareSurvival(16.918977604620448, 9) - 0.05) < 1e-9);
  assert.ok(Math.abs(chiSquareSurvival(21.665994333461924, 9) - 0.01) < 1e-9);
  assert.ok(Math.abs(chiSquareSurvival(124.3421134, 100) - 0.05) < 1e-7);
  // dof 2: P(X ≥ x) = e^(−x/2), on both sides of the series/fraction switch.
  for (const x of [0.1, 1, 2.5, 4, 10, 50]) {
    assert.ok(Math.abs(chiSquareSurvival(x, 2) - Math.exp(-x / 2)) < 1e-14, `x = ${x}`);
  }
  assert.equal(gammaQ(3, 0), 1);
  assert.ok(chiSquareSurvival(1000, 9) < 1e-100);
});

Deno.test("normal CDF matches tabulated values to 1e-13 relative, in both tails", () => {
  const table: [number, number][] = [
    [-10, 7.61985302416047e-24],
    [-5, 2.866515718791939e-7],
    [-1.959963984540054, 0.025],
    [-1, 0.15865525393145707],
    [0, 0.5],
    [0.5, 0.6914624612740131],
    [3, 0.9986501019683699],
  ];
  for (const [z, p] of table) {
    assert.ok(Math.abs(normalCdf(z) - p) <= 1e-13 * Math.min(p, 1 - p), `Φ(${z})`);
  }
  // φ is Φ's derivative (central differences).
  for (const z of [-4, -1.3, 0, 0.7, 2.5]) {
    const h = 1e-5, slope = (normalCdf(z + h) - normalCdf(z - h)) / (2 * h);
    assert.ok(Math.abs(slope - normalPdf(z)) < 1e-9, `φ(${z})`);
  }
});

Deno.test("normal quantile inverts the CDF from 1e-300 to 1 − 1e-12", () => {
  for (const p of [1e-300, 1e-50, 1e-12, 1e-4, 0.01, 0.2, 0.5, 0.8, 0.999, 1 - 1e-12]) {
    const z = normalQuantile(p), back = normalCdf(z);
    assert.ok(Math.abs(back - p) <= 1e-12 * Math.min(p, 1 - p) + 1e-16, `p = ${p}: Φ(${z})`);
  }
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959963984540054) < 1e-12);
  assert.equal(normalQuantile(0), -Infinity);
  assert.equal(normalQuantile(1), Infinity);
  assert.throws(() => normalQuantile(1.5), /\[0, 1\], got 1.5/);
});
