/**
 * The forward model of application 7: fast marching on the factored eikonal
 * equation (lib/problems/eikonal.ts) and the station-pair travel times on a
 * refined grid of velocity nodes (lib/problems/travel_time.ts).
 *
 * - Accuracy against analytic times: a constant velocity (T = r/v) at the
 *   default configuration, and a constant-gradient medium v = v₀ + g·y, whose
 *   error falls as the grid is refined, at the order each scheme promises.
 * - Derivatives: the adjoint gradient and the forward tangent against central
 *   finite differences of the solver itself, in a heterogeneous medium, and
 *   against each other (Jacobian rows, Jᵀw, J·δv).
 * - Bad input: velocities (named node), stations outside the box, sizes.
 *
 * Timing is in bench/eikonal.ts, not here.
 */
import assert from "node:assert/strict";
import { FastMarching } from "../lib/problems/eikonal.ts";
import { circleStations, TravelTimeModel } from "../lib/problems/travel_time.ts";
import { Rng } from "../lib/core/random.ts";

const STATIONS = circleStations(16, 4);

/** Relative errors of a model's times against `exact(source, receiver)`: mean and max. */
function relativeErrors(
  model: TravelTimeModel,
  velocity: Float64Array,
  exact: (a: readonly [number, number], b: readonly [number, number]) => number,
): { mean: number; max: number } {
  const times = model.travelTimes(velocity);
  let sum = 0, max = 0;
  for (let k = 0; k < model.numData; k++) {
    const a = model.stations[model.pairs[2 * k]], b = model.stations[model.pairs[2 * k + 1]];
    const e = Math.abs(times[k] / exact(a, b) - 1);
    sum += e, max = Math.max(max, e);
  }
  return { mean: sum / model.numData, max };
}

/** Velocity at the nodes of a model's grid from a function of position. */
function nodeVelocity(model: TravelTimeModel, v: (x: number, y: number) => number): Float64Array {
  const { nx, ny, spacing, x0, y0 } = model.nodes, out = new Float64Array(nx * ny);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) out[j * nx + i] = v(x0 + i * spacing, y0 + j * spacing);
  }
  return out;
}

// v = v₀ + g·y: T = arccosh(1 + g² r² / (2 v(a) v(b))) / g (rays are circular arcs).
const V0 = 2, G = 0.15;
const gradientTime = (a: readonly [number, number], b: readonly [number, number]) => {
  const r2 = (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2;
  return Math.acosh(1 + G * G * r2 / (2 * (V0 + G * a[1]) * (V0 + G * b[1]))) / G;
};

Deno.test("constant velocity, default configuration: every one of the 120 times within 0.1 %, both orders", () => {
  for (const order of [2, 1] as const) {
    const model = new TravelTimeModel({ order });
    assert.equal(model.numData, 120);
    assert.deepEqual([model.fine.nx, model.fine.ny, model.fine.spacing], [101, 101, 0.1]);
    const v = new Float64Array(model.numNodes).fill(2);
    const { mean, max } = relativeErrors(
      model,
      v,
      (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1]) / 2,
    );
    // Measured: mean 0.0024 %, max 0.023 % at either order (the issue asks for ≤ 0.5 %; app 7
    // runs the first order).
    assert.ok(max <= 1e-3 && mean <= 1e-4, `order ${order}: mean ${mean}, max ${max}`);
  }
});

Deno.test("constant velocity: a source on a node is solved exactly", () => {
  const fm = new FastMarching({ nx: 41, ny: 31, spacing: 0.25, x0: -5, y0: -4 });
  fm.solve(new Float64Array(41 * 31).fill(0.4), [1, -0.5]);
  const t = fm.travelTimes();
  for (let j = 0; j < 31; j++) {
    for (let i = 0; i < 41; i++) {
      const exact = 0.4 * Math.hypot(-5 + 0.25 * i - 1, -4 + 0.25 * j + 0.5);
      assert.ok(Math.abs(t[j * 41 + i] - exact) < 1e-12, `node (${i}, ${j})`);
    }
  }
});

Deno.test("constant-gradient medium: the error falls as the grid is refined (order ≈ 1 and ≈ 2)", () => {
  // Mean relative error over the 120 pairs at refinements 2, 4, 8 (fine spacing 0.25, 0.125,
  // 0.0625 km), straight-ray start within 0.3 km. Measured: first order 0.115 %, 0.047 %,
  // 0.022 % (observed order 1.2); second order 0.030 %, 0.0061 %, 0.0015 % (order 2.2).
  for (const [order, minOrder, maxAtFinest] of [[1, 0.9, 3e-4], [2, 1.7, 3e-5]] as const) {
    const errors = [2, 4, 8].map((refinement) => {
      const model = new TravelTimeModel({ refinement, order });
      return relativeErrors(model, nodeVelocity(model, (_, y) => V0 + G * y), gradientTime).mean;
    });
    for (let k = 1; k < errors.length; k++) {
      assert.ok(errors[k] < errors[k - 1], `order ${order}: errors ${errors}`);
    }
    const observed = Math.log2(errors[0] / errors[2]) / 2;
    assert.ok(
      observed >= minOrder,
      `order ${order}: observed order ${observed} (errors ${errors})`,
    );
    assert.ok(errors[2] <= maxAtFinest, `order ${order}: errors ${errors}`);
  }
});

/** A smooth heterogeneous medium: a slow disc, a gradient and seeded bumps, 1.2–2.8 km/s. */
function heterogeneous(model: TravelTimeModel, seed: number): Float64Array {
  const rng = new Rng(seed);
  const v = nodeVelocity(model, (x, y) => 2 + 0.05 * y - 0.6 * Math.exp(-(x * x + y * y) / 4));
  for (let k = 0; k < v.length; k++) v[k] += 0.2 * (rng.uniform() - 0.5);
  return v;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

Deno.test("adjoint gradient of Σ w·T matches central finite differences of the solver", () => {
  const model = new TravelTimeModel();
  const v = heterogeneous(model, 7), rng = new Rng(11);
  const w = Float64Array.from({ length: model.numData }, () => rng.normal());
  const loss = (u: Float64Array) => dot(w, model.travelTimes(u));
  const { times, gradient } = model.travelTimesAndGradient(v, w);
  assert.deepEqual(times, model.travelTimes(v));
  const eps = 1e-6, worst: number[] = [];
  // Random directions, and single nodes inside the ray coverage (on the coarse grid).
  const directions = [0, 1, 2].map(() => Float64Array.from(v, () => rng.normal()));
  for (const node of [10 * 21 + 10, 8 * 21 + 13, 14 * 21 + 6]) {
    const d = new Float64Array(model.numNodes);
    d[node] = 1;
    directions.push(d);
  }
  for (const d of directions) {
    const plus = v.map((x, k) => x + eps * d[k]), minus = v.map((x, k) => x - eps * d[k]);
    const fd = (loss(plus) - loss(minus)) / (2 * eps), ad = dot(gradient, d);
    worst.push(Math.abs(fd - ad) / Math.abs(fd));
  }
  // Measured: relative differences ≤ 1e-7 or so.
  assert.ok(Math.max(...worst) <= 1e-4, `relative differences ${worst}`);
});

Deno.test("Jacobian rows, Jᵀw and J·δv agree; J·δv matches finite differences", () => {
  const model = new TravelTimeModel({ nodesX: 11, nodesY: 11, nodeSpacing: 1, refinement: 6 });
  const v = heterogeneous(model, 3), rng = new Rng(5);
  const w = Float64Array.from({ length: model.numData }, () => rng.normal());
  const { jacobian, times } = model.jacobian(v);
  assert.deepEqual(times, model.travelTimes(v));
  const { gradient } = model.travelTimesAndGradient(v, w);
  const n = model.numNodes;
  for (let node = 0; node < n; node++) {
    let jw = 0;
    for (let k = 0; k < model.numData; k++) jw += w[k] * jacobian[k * n + node];
    assert.ok(Math.abs(jw - gradient[node]) <= 1e-12 * (1 + Math.abs(jw)), `node ${node}`);
  }
  const d = Float64Array.from(v, () => rng.normal()), eps = 1e-6;
  const jvp = model.jacobianVectorProduct(v, d);
  const plus = model.travelTimes(v.map((x, k) => x + eps * d[k]));
  const minus = model.travelTimes(v.map((x, k) => x - eps * d[k]));
  for (let k = 0; k < model.numData; k++) {
    let row = 0;
    for (let node = 0; node < n; node++) row += jacobian[k * n + node] * d[node];
    assert.ok(Math.abs(row - jvp[k]) <= 1e-10 * (1 + Math.abs(row)), `datum ${k}: J·δv`);
    const fd = (plus[k] - minus[k]) / (2 * eps);
    assert.ok(Math.abs(fd - jvp[k]) <= 1e-4 * Math.abs(fd), `datum ${k}: ${jvp[k]} vs FD ${fd}`);
  }
});

Deno.test("FastMarching: the adjoint and the tangent are transposes; T is homogeneous in s", () => {
  const grid = { nx: 31, ny: 25, spacing: 0.2, x0: -3, y0: -2 }, rng = new Rng(2);
  const s = Float64Array.from({ length: 31 * 25 }, () => 0.4 + 0.3 * rng.uniform());
  for (const order of [1, 2] as const) {
    const fm = new FastMarching(grid, { order });
    const points = [2.5, 2.1, -2.9, -1.3, 0.33, 0.71];
    fm.solve(s, [-0.37, 0.52], points);
    const ds = Float64Array.from(s, () => rng.normal()), w = [0.3, -1.2, 2];
    const g = new Float64Array(s.length);
    fm.addSlownessGradient(points, w, g);
    const tangent = fm.timesTangentAt(points, ds);
    const a = dot(g, ds), b = dot(w, tangent);
    assert.ok(Math.abs(a - b) <= 1e-12 * Math.abs(a), `order ${order}: ${a} vs ${b}`);
    // Euler: T(c·s) = c·T(s), so Σ s·∂T/∂s = T.
    const t = fm.timesAt(points);
    assert.ok(Math.abs(dot(g, s) - dot(w, t)) <= 1e-12 * Math.abs(dot(w, t)), `order ${order}`);
  }
});

Deno.test("an early stop leaves the times at its points exact and the rest unreached", () => {
  const grid = { nx: 51, ny: 51, spacing: 0.2, x0: -5, y0: -5 }, rng = new Rng(9);
  const s = Float64Array.from({ length: 51 * 51 }, () => 0.4 + 0.2 * rng.uniform());
  const fm = new FastMarching(grid);
  fm.solve(s, [-1.05, 0.3]);
  const full = fm.timesAt([1.33, 0.7]);
  fm.solve(s, [-1.05, 0.3], [1.33, 0.7]);
  assert.ok(fm.accepted < 51 * 51);
  assert.deepEqual(fm.timesAt([1.33, 0.7]), full);
  assert.ok(fm.travelTimes().includes(Infinity));
  assert.throws(() => fm.timesAt([4.9, 4.9]), /was not reached/);
});

Deno.test("bad input: named node, station outside the box, sizes, solver options", () => {
  const model = new TravelTimeModel({ refinement: 2 });
  const v = new Float64Array(model.numNodes).fill(2);
  v[3 * 21 + 4] = -1;
  assert.throws(
    () => model.travelTimes(v),
    /velocity at node 67 \(column 4, row 3; x = -3, y = -3.5\) is -1: velocities must be finite and > 0/,
  );
  v[3 * 21 + 4] = NaN;
  assert.throws(() => model.travelTimesAndGradient(v, new Float64Array(120)), /node 67.*NaN/);
  v[3 * 21 + 4] = 0;
  assert.throws(() => model.jacobian(v), /node 67.* is 0/);
  assert.throws(
    () => model.travelTimes(new Float64Array(400).fill(2)),
    /Expected 441 node velocities \(21 × 21 nodes\), got 400/,
  );
  assert.throws(
    () => model.travelTimesAndGradient(new Float64Array(441).fill(2), new Float64Array(119)),
    /Expected 120 weights/,
  );
  assert.throws(
    () => new TravelTimeModel({ stations: [[0, 0], [6, 1]] }),
    /station 1 at \(6, 1\) lies outside the model box \[-5, 5\] × \[-5, 5\]/,
  );
  assert.throws(() => new TravelTimeModel({ stations: STATIONS.slice(0, 1) }), /≥ 2 stations/);
  assert.throws(() => new TravelTimeModel({ refinement: 2.5 }), /refinement must be an integer/);
  assert.throws(() => new TravelTimeModel({ nodesX: 1 }), /nx, ny ≥ 2/);
  const fm = new FastMarching({ nx: 5, ny: 5, spacing: 1, x0: 0, y0: 0 });
  assert.throws(() => fm.timesAt([1, 1]), /Call solve\(\) first|before reading/);
  assert.throws(() => fm.solve(new Float64Array(24), [1, 1]), /Expected 25 node slownesses/);
  assert.throws(() => fm.solve(new Float64Array(25).fill(1), [5.5, 1]), /source at \(5.5, 1\)/);
  assert.throws(() => new FastMarching({ nx: 5, ny: 5, spacing: 0, x0: 0, y0: 0 }), /spacing > 0/);
  assert.throws(
    () => new FastMarching({ nx: 5, ny: 5, spacing: 1, x0: 0, y0: 0 }, { order: 3 as 1 | 2 }),
    /order must be 1 or 2/,
  );
});
