import assert from "node:assert/strict";
import { chiSquareSurvival, gammaQ, logGamma } from "../lib/inference/special.ts";

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
