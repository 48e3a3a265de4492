/**
 * Generators of the toy datasets defined by a shape rather than a density:
 * moons, circles, swiss rolls, checkerboard and pinwheel. Each draws `n`
 * points from an {@link Rng}, adds isotropic Gaussian noise of standard
 * deviation `noise` to every coordinate, and labels each point with its part
 * (moon, circle, cell, arm).
 *
 * @module
 */
import type { Rng } from "../core/random.ts";

/** Points (row-major n×d) and the part each point belongs to. */
export interface ShapeSample {
  /** Row-major n×d coordinates. */
  points: Float64Array;
  /** Part index per point (0 where the shape has one part). */
  labels: Int32Array;
}

/** A generator of one shape dataset. */
export type ShapeGenerator = (n: number, rng: Rng, noise: number) => ShapeSample;

function build(
  n: number,
  d: number,
  rng: Rng,
  noise: number,
  draw: (out: number[]) => number,
): ShapeSample {
  const points = new Float64Array(n * d);
  const labels = new Int32Array(n);
  const row = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++) {
    labels[i] = draw(row);
    for (let j = 0; j < d; j++) points[i * d + j] = row[j] + (noise > 0 ? noise * rng.normal() : 0);
  }
  return { points, labels };
}

/**
 * Two interleaving half circles of radius 1 (scikit-learn's layout, centred on
 * the origin): x ∈ [−1.5, 1.5], y ∈ [−0.75, 0.75].
 * @param n Number of points.
 * @param rng Source of randomness.
 * @param noise Noise standard deviation.
 * @returns Points and moon labels (0 upper, 1 lower).
 * @example
 * ```ts
 * import { Rng } from "../core/random.ts";
 * import { moons } from "./toy_shapes.ts";
 * const { points } = moons(100, new Rng(1), 0.05);
 * ```
 */
export function moons(n: number, rng: Rng, noise: number): ShapeSample {
  return build(n, 2, rng, noise, (out) => {
    const t = Math.PI * rng.uniform();
    const lower = rng.uniform() < 0.5 ? 1 : 0;
    out[0] = lower ? 1 - Math.cos(t) - 0.5 : Math.cos(t) - 0.5;
    out[1] = lower ? 0.5 - Math.sin(t) - 0.25 : Math.sin(t) - 0.25;
    return lower;
  });
}

/**
 * Two concentric circles of radius 1 and 0.5, equally likely.
 * @param n Number of points.
 * @param rng Source of randomness.
 * @param noise Noise standard deviation.
 * @returns Points and circle labels (0 outer, 1 inner).
 * @example
 * ```ts
 * import { Rng } from "../core/random.ts";
 * import { circles } from "./toy_shapes.ts";
 * const { points } = circles(100, new Rng(1), 0.05);
 * ```
 */
export function circles(n: number, rng: Rng, noise: number): ShapeSample {
  return build(n, 2, rng, noise, (out) => {
    const t = 2 * Math.PI * rng.uniform();
    const inner = rng.uniform() < 0.5 ? 1 : 0;
    const r = inner ? 0.5 : 1;
    out[0] = r * Math.cos(t);
    out[1] = r * Math.sin(t);
    return inner;
  });
}

function rollAngle(rng: Rng): number {
  return 1.5 * Math.PI * (1 + 2 * rng.uniform());
}

/**
 * A spiral, the 2-D projection of the swiss roll: `(t cos t, t sin t) / 5` for
 * t uniform in [1.5π, 4.5π]; coordinates within about ±2.8.
 * @param n Number of points.
 * @param rng Source of randomness.
 * @param noise Noise standard deviation.
 * @returns Points and labels 0.
 * @example
 * ```ts
 * import { Rng } from "../core/random.ts";
 * import { swissRoll } from "./toy_shapes.ts";
 * const { points } = swissRoll(100, new Rng(1), 0.1);
 * ```
 */
export function swissRoll(n: number, rng: Rng, noise: number): ShapeSample {
  return build(n, 2, rng, noise, (out) => {
    const t = rollAngle(rng);
    out[0] = (t * Math.cos(t)) / 5;
    out[1] = (t * Math.sin(t)) / 5;
    return 0;
  });
}

/**
 * The 3-D swiss roll: the spiral of {@link swissRoll} in the x–z plane,
 * extruded along y uniform in [−2, 2].
 * @param n Number of points.
 * @param rng Source of randomness.
 * @param noise Noise standard deviation.
 * @returns Points (n×3) and labels 0.
 * @example
 * ```ts
 * import { Rng } from "../core/random.ts";
 * import { swissRoll3d } from "./toy_shapes.ts";
 * const { points } = swissRoll3d(100, new Rng(1), 0.1);
 * ```
 */
export function swissRoll3d(n: number, rng: Rng, noise: number): ShapeSample {
  return build(n, 3, rng, noise, (out) => {
    const t = rollAngle(rng);
    out[0] = (t * Math.cos(t)) / 5;
    out[1] = 4 * rng.uniform() - 2;
    out[2] = (t * Math.sin(t)) / 5;
    return 0;
  });
}

/**
 * Uniform density on the 8 dark cells of a 4×4 checkerboard covering [−2, 2]².
 * @param n Number of points.
 * @param rng Source of randomness.
 * @param noise Noise standard deviation.
 * @returns Points and cell labels 0–7.
 * @example
 * ```ts
 * import { Rng } from "../core/random.ts";
 * import { checkerboard } from "./toy_shapes.ts";
 * const { points } = checkerboard(100, new Rng(1), 0);
 * ```
 */
export function checkerboard(n: number, rng: Rng, noise: number): ShapeSample {
  return build(n, 2, rng, noise, (out) => {
    const cell = rng.int(8);
    const row = cell >> 1;
    const col = 2 * (cell & 1) + (row & 1);
    out[0] = col - 2 + rng.uniform();
    out[1] = row - 2 + rng.uniform();
    return cell;
  });
}

/**
 * Five curved arms (the pinwheel of Johnson et al. 2016): radial spread 0.3,
 * tangential spread 0.1, twist rate 0.25, scaled by 2; coordinates within
 * about ±4.
 * @param n Number of points.
 * @param rng Source of randomness.
 * @param noise Extra noise standard deviation.
 * @returns Points and arm labels 0–4.
 * @example
 * ```ts
 * import { Rng } from "../core/random.ts";
 * import { pinwheel } from "./toy_shapes.ts";
 * const { points } = pinwheel(100, new Rng(1), 0);
 * ```
 */
export function pinwheel(n: number, rng: Rng, noise: number): ShapeSample {
  const arms = 5;
  return build(n, 2, rng, noise, (out) => {
    const arm = rng.int(arms);
    const r = 1 + 0.3 * rng.normal();
    const s = 0.1 * rng.normal();
    const angle = (2 * Math.PI * arm) / arms + 0.25 * Math.exp(r);
    const c = Math.cos(angle);
    const sn = Math.sin(angle);
    out[0] = 2 * (c * r - sn * s);
    out[1] = 2 * (sn * r + c * s);
    return arm;
  });
}
