/**
 * The full bijector harness (tests/bijector_harness.ts) on every case of
 * tests/bijector_cases.ts: every registered bijector type, conditional ones
 * with a context.
 */
import { BIJECTOR_CASES } from "./bijector_cases.ts";
import { testBijector } from "./bijector_harness.ts";

for (const c of BIJECTOR_CASES) testBijector(c.name, c);
