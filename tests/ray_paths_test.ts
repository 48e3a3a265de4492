/**
 * Ray paths of application 7 (lib/problems/ray_paths.ts), traced down the
 * gradient of the fast-marching time field:
 *
 * - a constant medium: straight rays, length / v = travel time;
 * - the app's true model (2 km/s, a 1 km/s disc of radius 2 km at the
 *   origin): rays between opposite stations bend around the disc, and the
 *   slowness integrated along every ray matches the solver's time (Fermat:
 *   a wrong path would be slower);
 * - options: a subset of data in the order asked, and the straight-segment
 *   fallback when tracing fails.
 */
import assert from "node:assert/strict";
import { rayLength, rayPaths } from "../lib/problems/ray_paths.ts";
import { TravelTimeModel } from "../lib/problems/travel_time.ts";

const model = new TravelTimeModel();
const h = model.fine.spacing;

/** 2 km/s with a 1 km/s disc of radius 2 km at the origin, at the model's nodes. */
function discVelocity(): Float64Array {
  const { nx, ny, spacing, x0, y0 } = model.nodes, v = new Float64Array(nx * ny);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      v[j * nx + i] = Math.hypot(x0 + i * spacing, y0 + j * spacing) <= 2 + 1e-9 ? 1 : 2;
    }
  }
  return v;
}

/** Largest distance of a polyline's points from the chord between its ends. */
function chordDeviation(p: Float64Array): number {
  const n = p.length, ax = p[0], ay = p[1], bx = p[n - 2], by = p[n - 1];
  const length = Math.hypot(bx - ax, by - ay);
  let max = 0;
  for (let k = 0; k < n; k += 2) {
    const d = Math.abs((bx - ax) * (ay - p[k + 1]) - (ax - p[k]) * (by - ay)) / length;
    max = Math.max(max, d);
  }
  return max;
}

/** Smallest distance of a polyline's points from the origin. */
function closestToOrigin(p: Float64Array): number {
  let min = Infinity;
  for (let k = 0; k < p.length; k += 2) min = Math.min(min, Math.hypot(p[k], p[k + 1]));
  return min;
}

/** `∫ s dl` along a polyline, with the fine grid's bilinear slowness at segment midpoints. */
function slownessIntegral(p: Float64Array, slowness: Float64Array): number {
  const { nx, ny, spacing, x0, y0 } = model.fine;
  let t = 0;
  for (let k = 2; k < p.length; k += 2) {
    const fx = ((p[k] + p[k - 2]) / 2 - x0) / spacing,
      fy = ((p[k + 1] + p[k - 1]) / 2 - y0) / spacing;
    const i = Math.min(Math.floor(fx), nx - 2), j = Math.min(Math.floor(fy), ny - 2);
    const ax = fx - i, ay = fy - j, c = j * nx + i;
    const s = (1 - ax) * (1 - ay) * slowness[c] + ax * (1 - ay) * slowness[c + 1] +
      (1 - ax) * ay * slowness[c + nx] + ax * ay * slowness[c + nx + 1];
    t += s * Math.hypot(p[k] - p[k - 2], p[k + 1] - p[k - 1]);
  }
  return t;
}

Deno.test("constant velocity: 120 straight rays from source to receiver, length / v = time", () => {
  const v = new Float64Array(model.numNodes).fill(2);
  const rays = rayPaths(model, v), times = model.travelTimes(v);
  assert.equal(rays.length, 120);
  rays.forEach((ray, k) => {
    assert.equal(ray.datum, k);
    assert.deepEqual([ray.source, ray.receiver], [model.pairs[2 * k], model.pairs[2 * k + 1]]);
    assert.ok(ray.traced, `ray ${k} not traced`);
    const p = ray.points, n = p.length;
    assert.deepEqual([p[0], p[1]], [...model.stations[ray.source]]);
    assert.deepEqual([p[n - 2], p[n - 1]], [...model.stations[ray.receiver]]);
    const deviation = chordDeviation(p);
    assert.ok(deviation < 0.5 * h, `ray ${k}: ${deviation} km off its chord`);
    const error = Math.abs(rayLength(p) / 2 / times[k] - 1);
    assert.ok(error < 0.01, `ray ${k}: length / v off the time by ${error}`);
    // Steps of about half a fine cell.
    assert.ok(n / 2 >= rayLength(p) / h && n / 2 <= 2.2 * rayLength(p) / h + 2);
  });
});

Deno.test("slow disc: rays between opposite stations bend around it; ∫ s dl matches the solver's times", () => {
  const v = discVelocity(), times = model.travelTimes(v), slowness = model.fineSlowness(v);
  const rays = rayPaths(model, v);
  assert.ok(rays.every((r) => r.traced));
  const ray08 = rays.find((r) => r.source === 0 && r.receiver === 8)!;
  assert.ok(chordDeviation(Float64Array.of(4, 0, 0, 0, -4, 0)) < 1e-12); // the chord: y = 0
  assert.ok(closestToOrigin(ray08.points) > 1.5, `${closestToOrigin(ray08.points)} km`);
  // Every pair across the circle: the axes and diagonals are symmetry lines of the grid and
  // the medium (the time field has an exactly symmetric ridge there), the others are not.
  for (const ray of rays.filter((r) => r.receiver - r.source === 8)) {
    const d = closestToOrigin(ray.points);
    assert.ok(d > 1.5, `ray ${ray.source}–${ray.receiver} comes within ${d} km of the centre`);
  }
  for (const ray of rays) {
    const error = Math.abs(slownessIntegral(ray.points, slowness) / times[ray.datum] - 1);
    assert.ok(error < 0.015, `ray ${ray.source}–${ray.receiver}: ∫ s dl off by ${error}`);
  }
});

Deno.test("options: a subset of data in the order asked; a failed trace falls back to the chord", () => {
  const v = discVelocity();
  const rays = rayPaths(model, v, { data: [20, 7, 3] });
  assert.deepEqual(rays.map((r) => r.datum), [20, 7, 3]);
  assert.deepEqual(rays.map((r) => [r.source, r.receiver]), [[1, 7], [0, 8], [0, 4]]);
  const [short] = rayPaths(model, v, { data: [7], maxSteps: 10 });
  assert.equal(short.traced, false);
  assert.deepEqual(Array.from(short.points), [...model.stations[0], ...model.stations[8]]);
  const fine = rayPaths(model, v, { data: [7], step: 0.25 })[0];
  assert.ok(fine.traced && fine.points.length > rays[1].points.length * 1.8);
  assert.throws(() => rayPaths(model, v, { data: [120] }), /Datum 120 is out of range/);
  assert.throws(() => rayPaths(model, v, { step: 0 }), /step must be > 0/);
  assert.throws(() => rayPaths(model, v.subarray(1)), /Expected 441 node velocities/);
});

Deno.test("rayLength sums the segments", () => {
  assert.equal(rayLength([0, 0, 3, 4, 3, 5]), 6);
  assert.equal(rayLength([1, 1]), 0);
});
