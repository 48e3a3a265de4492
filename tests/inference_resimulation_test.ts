import assert from "node:assert/strict";
import { resimulationError } from "../lib/inference/resimulation.ts";
import { abcRejectionSample } from "../lib/inference/rejection.ts";

/** Planar two-link arm: end point of links of length 1 and 0.5 at angles x₀ and x₀ + x₁. */
const arm = (x: Float64Array) => [
  Math.cos(x[0]) + 0.5 * Math.cos(x[0] + x[1]),
  Math.sin(x[0]) + 0.5 * Math.sin(x[0] + x[1]),
];

Deno.test("re-simulation error is 0 for exact inverses", () => {
  const observed = [0.9, 0.6];
  // Both elbow-up and elbow-down solutions of the arm, by the law of cosines.
  const r2 = observed[0] ** 2 + observed[1] ** 2;
  const elbow = Math.acos((r2 - 1 - 0.25) / (2 * 0.5));
  const samples: number[] = [];
  for (const e of [elbow, -elbow]) {
    const base = Math.atan2(observed[1], observed[0]) -
      Math.atan2(0.5 * Math.sin(e), 1 + 0.5 * Math.cos(e));
    samples.push(base, e);
  }
  const r = resimulationError(new Float64Array(samples), { dims: 2, forward: arm, observed });
  assert.ok(r.mean < 1e-12 && r.median < 1e-12, `mean ${r.mean}, median ${r.median}`);
});

Deno.test("re-simulation error is positive and exact for known offsets", () => {
  const identity = (x: Float64Array) => x;
  const samples = new Float64Array([1, 0, 0, 2, -3, 0]); // distances 1, 2, 3 from (0, 0)
  const r = resimulationError(samples, { dims: 2, forward: identity, observed: [0, 0] });
  assert.equal(r.mean, 2);
  assert.equal(r.median, 2);
  assert.ok(Math.abs(r.meanSquared - 14 / 3) < 1e-15);
  assert.deepEqual(Array.from(r.distances), [1, 2, 3]);
  // ABC samples with tolerance ε re-simulate within ε, but not exactly.
  const abc = abcRejectionSample({
    n: 200,
    priorSample: (rng) => [Math.PI * (2 * rng.uniform() - 1), Math.PI * (2 * rng.uniform() - 1)],
    simulate: arm,
    observed: [0.9, 0.6],
    epsilon: 0.05,
    seed: 1,
  });
  const e = resimulationError(abc.samples, { dims: 2, forward: arm, observed: [0.9, 0.6] });
  assert.ok(e.mean > 0.01 && e.mean < 0.05, `ABC re-simulation error ${e.mean}`);
  assert.throws(
    () => resimulationError(samples, { dims: 2, forward: () => [0], observed: [0, 0] }),
    /must have 2 entries like y\*, got 1/,
  );
});
