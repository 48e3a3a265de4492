/**
 * The full bijector harness (tests/bijector_harness.ts) on every case of
 * tests/bijector_cases.ts: every registered bijector type, conditional ones
 * with a context.
 */
import assert from "node:assert/strict";
import { ActNorm, Chain, Permute, Squeeze } from "../lib/bijectors/mod.ts";
import { BIJECTOR_CASES } from "./bijector_cases.ts";
import { testBijector } from "./bijector_harness.ts";

for (const c of BIJECTOR_CASES) testBijector(c.name, c);

Deno.test("volume-preserving bijectors are the permutations, the reshape and chains of them only", () => {
  assert.equal(Permute.reverse(3).volumePreserving, true);
  assert.equal(Permute.reverse(3).inv.volumePreserving, true);
  assert.equal(new Squeeze().volumePreserving, true);
  assert.equal(new Chain([Permute.reverse(3), Permute.random(3, 1)]).volumePreserving, true);
  assert.equal(new Chain([Permute.reverse(3), new ActNorm({ dims: 3 })]).volumePreserving, false);
  assert.equal(new ActNorm({ dims: 3 }).volumePreserving, false);
});
