/**
 * The unit-triangular linear map (lib/bijectors/unit_triangular.ts) beyond the
 * bijector harness: its matrix is the one documented (x = L·z with L unit
 * lower-triangular, entries on and above the diagonal of the trained matrix
 * ignored), and the hand-written gradient of the data → latent side (through
 * L⁻¹ computed by back substitution) agrees with central finite differences.
 */
import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { Rng } from "../lib/core/random.ts";
import { UnitTriangular } from "../lib/bijectors/unit_triangular.ts";
import { initBackend } from "../lib/kernels/mod.ts";

await initBackend("wasm");

const D = 6;

/** A map with random trained entries, ignored entries included, and `L` as rows. */
function randomMap(seed: number): { map: UnitTriangular; lower: number[][] } {
  const rng = new Rng(seed);
  const values = Array.from({ length: D * D }, () => 0.6 * rng.normal());
  const map = new UnitTriangular({ dims: D });
  map.upper.assign(tf.tensor2d(values, [D, D]));
  // Lᵀ − I is the strictly upper part: L[i][j] = values[j][i] for j < i.
  const lower = Array.from(
    { length: D },
    (_, i) => Array.from({ length: D }, (_, j) => j < i ? values[j * D + i] : +(i === j)),
  );
  return { map, lower };
}

Deno.test("unit_triangular: the latent → data side is x = L·z with L unit lower-triangular", () => {
  const { map, lower } = randomMap(3);
  const rng = new Rng(4);
  const z = Array.from({ length: 2 * D }, () => rng.normal());
  const x = map.inverse(tf.tensor2d(z, [2, D])).arraySync() as number[][];
  for (let r = 0; r < 2; r++) {
    for (let i = 0; i < D; i++) {
      let expected = 0;
      for (let j = 0; j < D; j++) expected += lower[i][j] * z[r * D + j];
      assert.ok(Math.abs(x[r][i] - expected) < 1e-5, `row ${r}, ${i}: ${x[r][i]} vs ${expected}`);
    }
  }
  map.dispose();
});

for (const side of ["forward", "inverse"] as const) {
  Deno.test(`unit_triangular: the ${side} side's gradient matches finite differences`, () => {
    const { map } = randomMap(5);
    const rng = new Rng(6);
    const x = tf.tensor2d(Array.from({ length: 3 * D }, () => rng.normal()), [3, D]);
    const w = tf.tensor2d(Array.from({ length: 3 * D }, () => rng.normal()), [3, D]);
    const loss = () => tf.sum(tf.mul(map[side](x), w)) as tf.Scalar;
    const { grads } = tf.variableGrads(loss, [map.upper]);
    const analytic = grads[map.upper.name].arraySync() as number[][];
    const base = map.upper.arraySync() as number[][];
    const h = 1e-2;
    for (let i = 0; i < D; i++) {
      for (let j = 0; j < D; j++) {
        const at = (delta: number) => {
          const moved = base.map((row) => row.slice());
          moved[i][j] += delta;
          map.upper.assign(tf.tensor2d(moved));
          return loss().dataSync()[0];
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        // Entries on and below the diagonal do not enter the map: their gradient is 0.
        if (j <= i) assert.ok(analytic[i][j] === 0, `ignored entry ${i},${j}: ${analytic[i][j]}`);
        assert.ok(
          Math.abs(analytic[i][j] - numeric) < 2e-2 * (1 + Math.abs(numeric)),
          `entry ${i},${j}: ${analytic[i][j]} vs ${numeric}`,
        );
      }
    }
    map.upper.assign(tf.tensor2d(base));
    tf.dispose([x, w, ...Object.values(grads)]);
    map.dispose();
  });
}
