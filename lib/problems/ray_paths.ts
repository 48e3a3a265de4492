/**
 * Ray paths of application 7's travel-time data, for plotting: each ray is
 * traced from its receiver back to its source down the gradient of the
 * source's first-arrival time field, solved by fast marching on the fine grid
 * of a {@link TravelTimeModel}.
 *
 * The gradient is taken in factored form, as the solver works: with
 * `T = T₀·τ` and `T₀ = |x − x_source|`,
 * `∇T(x) = τ(x)·(x − x_source)/T₀ + T₀·∇τ(x)`, where `τ = T/T₀` and its
 * central differences are interpolated bilinearly between the fine nodes and
 * `∇T₀` is exact. In a constant medium `τ` is constant and the rays are
 * exactly straight; near the source, where `T` has its cone, the exact
 * `∇T₀` points the ray at the source.
 *
 * Where two wavefronts meet (behind a slow anomaly, waves passing on either
 * side), `T` has a ridge: a kink whose two sides slope down away from it. A
 * central difference across it cancels, and a ray started on the ridge (a
 * receiver on a symmetry line of the medium) would run along it, through the
 * anomaly. At a node that is a local maximum of `T` along an axis, the
 * difference is therefore taken one-sided, towards the lower neighbour: the
 * ray leaves the ridge down one of its sides (either is a first-arrival path).
 *
 * Integration is by the midpoint rule with a fixed step (half a fine cell by
 * default) and stops within one fine cell of the source, where the source
 * itself is appended. A ray that leaves the box, meets a vanishing gradient
 * or exceeds a step count proportional to the grid size is replaced by the
 * straight segment and flagged `traced: false`.
 *
 * @module
 */
import { FastMarching } from "./eikonal.ts";
import type { EikonalGrid } from "./eikonal_grid.ts";
import type { TravelTimeModel } from "./travel_time.ts";

/** The ray path of one datum, from {@link rayPaths}. */
export interface RayPath {
  /** Index of the datum (station pair) in the model's data order. */
  datum: number;
  /** Source station. */
  source: number;
  /** Receiver station. */
  receiver: number;
  /** Points `[x₀, y₀, x₁, y₁, …]` from the source to the receiver, km. */
  points: Float64Array;
  /** False when tracing failed and `points` is the straight segment instead. */
  traced: boolean;
}

/** Options of {@link rayPaths}. */
export interface RayPathOptions {
  /** Data (indices into the model's pairs) to trace. Default: all. */
  data?: ArrayLike<number>;
  /** Step length in fine cells. Default 0.5. */
  step?: number;
  /**
   * Most steps per ray before it counts as failed. Default `2·(nx + ny)/step` fine cells'
   * worth: four times the box's half-perimeter at the default step.
   */
  maxSteps?: number;
  /**
   * Upwind order of the eikonal solver; use the model's (the {@link TravelTimeModel} default,
   * 2, unless it was built with another).
   */
  order?: 1 | 2;
  /** Straight-ray start radius of the solver, km; use the model's. Default 0.3. */
  sourceRadius?: number;
}

/**
 * Ray paths of a model's data for a velocity model: one per datum (pair `i < j`), traced from
 * receiver `j` back to source `i` down the gradient of the first-arrival times of source `i`.
 * Each source needed is solved once, over the whole fine grid.
 *
 * @param model The forward model (grid, stations, pairs).
 * @param velocity Velocity at every node of `model.nodes`, km/s.
 * @param options Data to trace, step, solver settings.
 * @returns One {@link RayPath} per datum traced, in the order asked for.
 * @throws RangeError for bad velocities (as {@link TravelTimeModel}), a datum index out of
 *   range, or a step ≤ 0.
 * @example
 * ```ts
 * import { rayLength, rayPaths, TravelTimeModel } from "./mod.ts";
 * const model = new TravelTimeModel();
 * const [ray] = rayPaths(model, new Float64Array(model.numNodes).fill(2), { data: [7] });
 * console.log(ray.source, ray.receiver, ray.traced, rayLength(ray.points)); // 0 8 true ≈ 8
 * ```
 */
export function rayPaths(
  model: TravelTimeModel,
  velocity: ArrayLike<number>,
  options: RayPathOptions = {},
): RayPath[] {
  const slowness = model.fineSlowness(velocity);
  const grid = model.fine, { nx, ny } = grid;
  const step = options.step ?? 0.5;
  if (!(step > 0 && step < Infinity)) throw new RangeError(`step must be > 0, got ${step}`);
  const maxSteps = options.maxSteps ?? Math.ceil(2 * (nx + ny) / step);
  const data = options.data ? Array.from(options.data) : [...Array(model.numData).keys()];
  for (const d of data) {
    if (!(Number.isInteger(d) && d >= 0 && d < model.numData)) {
      throw new RangeError(`Datum ${d} is out of range [0, ${model.numData})`);
    }
  }
  const solver = new FastMarching(grid, {
    order: options.order ?? 2,
    sourceRadius: options.sourceRadius ?? 0.3,
  });
  const bySource = new Map<number, number[]>();
  for (const d of data) {
    const s = model.pairs[2 * d];
    if (!bySource.has(s)) bySource.set(s, []);
    bySource.get(s)!.push(d);
  }
  const out = new Map<number, RayPath>();
  const times = new Float64Array(nx * ny);
  for (const [s, ds] of bySource) {
    const source = model.stations[s];
    solver.solve(slowness, source);
    solver.travelTimes(times);
    const field = new FactoredGradient(grid, times, slowness, source);
    for (const d of ds) {
      const r = model.pairs[2 * d + 1], receiver = model.stations[r];
      const traced = traceRay(field, receiver, step * grid.spacing, maxSteps);
      out.set(d, {
        datum: d,
        source: s,
        receiver: r,
        points: traced ?? Float64Array.of(source[0], source[1], receiver[0], receiver[1]),
        traced: traced !== undefined,
      });
    }
  }
  return data.map((d) => out.get(d)!);
}

/**
 * Length of a polyline.
 * @param points `[x₀, y₀, x₁, y₁, …]`.
 * @returns The sum of its segments' lengths.
 * @example
 * ```ts
 * import { rayLength } from "./ray_paths.ts";
 * console.log(rayLength([0, 0, 3, 4, 3, 5])); // 6
 * ```
 */
export function rayLength(points: ArrayLike<number>): number {
  let length = 0;
  for (let k = 2; k + 1 < points.length; k += 2) {
    length += Math.hypot(points[k] - points[k - 2], points[k + 1] - points[k - 1]);
  }
  return length;
}

/** `∇T` of one source's time field anywhere in the box, in factored form (see the module doc). */
class FactoredGradient {
  readonly grid: EikonalGrid;
  readonly xs: number;
  readonly ys: number;
  readonly #tau: Float64Array;
  readonly #gx: Float64Array; // ∂τ/∂x at the nodes
  readonly #gy: Float64Array;

  constructor(
    grid: EikonalGrid,
    times: Float64Array,
    slowness: Float64Array,
    source: readonly [number, number],
  ) {
    const { nx, ny, spacing: h, x0, y0 } = grid;
    this.grid = grid, this.xs = source[0], this.ys = source[1];
    const tau = new Float64Array(nx * ny);
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const k = j * nx + i, r = Math.hypot(x0 + i * h - this.xs, y0 + j * h - this.ys);
        // At a source on a node, τ is the slowness there (the solver's straight-ray start).
        tau[k] = r > 1e-9 * h ? times[k] / r : slowness[k];
      }
    }
    this.#tau = tau;
    this.#gx = new Float64Array(nx * ny);
    this.#gy = new Float64Array(nx * ny);
    tauGradient(times, tau, nx, ny, h, this.#gx, this.#gy);
  }

  /** Writes `∇T` at `(x, y)` to `out`; false when the point lies outside the box. */
  at(x: number, y: number, out: Float64Array): boolean {
    const { nx, ny, spacing: h, x0, y0 } = this.grid;
    const fx = (x - x0) / h, fy = (y - y0) / h;
    if (!(fx >= 0 && fx <= nx - 1 && fy >= 0 && fy <= ny - 1)) return false;
    const i = Math.min(Math.floor(fx), nx - 2), j = Math.min(Math.floor(fy), ny - 2);
    const ax = fx - i, ay = fy - j, k = j * nx + i;
    const w0 = (1 - ax) * (1 - ay), w1 = ax * (1 - ay), w2 = (1 - ax) * ay, w3 = ax * ay;
    const lerp = (a: Float64Array) =>
      w0 * a[k] + w1 * a[k + 1] + w2 * a[k + nx] + w3 * a[k + nx + 1];
    const dx = x - this.xs, dy = y - this.ys, r = Math.hypot(dx, dy);
    const tau = lerp(this.#tau);
    out[0] = (r > 0 ? tau * dx / r : 0) + r * lerp(this.#gx);
    out[1] = (r > 0 ? tau * dy / r : 0) + r * lerp(this.#gy);
    return true;
  }
}

/** Relative tolerance under which the two neighbours of a ridge node count as tied. */
const TIE = 1e-9;

/**
 * `∇τ` at every node. Central differences, one-sided at the box's edges; at a node that is a
 * local maximum of `T` along an axis or a diagonal (a ridge where two fronts meet), one-sided
 * towards the lower neighbour along the direction of the sharpest such maximum (ties, as on a
 * symmetry line of the medium, always to the same side, so all nodes of the ridge agree) and
 * central along its perpendicular. Axes and diagonals are the grid's own symmetry lines, so
 * they are where a ridge can be exactly symmetric.
 */
function tauGradient(
  times: Float64Array,
  tau: Float64Array,
  nx: number,
  ny: number,
  h: number,
  gx: Float64Array,
  gy: Float64Array,
): void {
  const r = Math.SQRT1_2;
  // Strides and unit vectors of the four directions: x, y, (1, 1), (1, −1).
  const strides = [1, nx, nx + 1, 1 - nx], lengths = [h, h, h * Math.SQRT2, h * Math.SQRT2];
  const ex = [1, 0, r, r], ey = [0, 1, r, -r], perpendicular = [1, 0, 3, 2];
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const k = j * nx + i;
      if (i === 0 || j === 0 || i === nx - 1 || j === ny - 1) {
        gx[k] = i === 0
          ? (tau[k + 1] - tau[k]) / h
          : i === nx - 1
          ? (tau[k] - tau[k - 1]) / h
          : (tau[k + 1] - tau[k - 1]) / (2 * h);
        gy[k] = j === 0
          ? (tau[k + nx] - tau[k]) / h
          : j === ny - 1
          ? (tau[k] - tau[k - nx]) / h
          : (tau[k + nx] - tau[k - nx]) / (2 * h);
        continue;
      }
      const t = times[k];
      let ridge = -1, sharpest = 0;
      for (let d = 0; d < 4; d++) {
        const s = strides[d], tp = times[k + s], tm = times[k - s];
        if (t > tp && t > tm) {
          const curvature = (2 * t - tp - tm) / (lengths[d] * lengths[d]);
          if (curvature > sharpest) (sharpest = curvature), (ridge = d);
        }
      }
      if (ridge < 0) {
        gx[k] = (tau[k + 1] - tau[k - 1]) / (2 * h);
        gy[k] = (tau[k + nx] - tau[k - nx]) / (2 * h);
        continue;
      }
      const s = strides[ridge], len = lengths[ridge], tp = times[k + s], tm = times[k - s];
      const backward = tm <= tp || Math.abs(tp - tm) <= TIE * t;
      const across = backward ? (tau[k] - tau[k - s]) / len : (tau[k + s] - tau[k]) / len;
      const p = perpendicular[ridge], sp = strides[p];
      const along = (tau[k + sp] - tau[k - sp]) / (2 * lengths[p]);
      gx[k] = across * ex[ridge] + along * ex[p];
      gy[k] = across * ey[ridge] + along * ey[p];
    }
  }
}

/**
 * Traces one ray from the receiver down `−∇T` by the midpoint rule.
 * @returns Points from the source to the receiver, or undefined on failure.
 */
function traceRay(
  field: FactoredGradient,
  receiver: readonly [number, number],
  step: number,
  maxSteps: number,
): Float64Array | undefined {
  const { xs, ys } = field, stop = field.grid.spacing, g = new Float64Array(2);
  const path: number[] = [receiver[0], receiver[1]];
  let x = receiver[0], y = receiver[1];
  const direction = (px: number, py: number): boolean => {
    if (!field.at(px, py, g)) return false;
    const norm = Math.hypot(g[0], g[1]);
    if (!(norm > 0 && norm < Infinity)) return false;
    g[0] /= -norm, g[1] /= -norm;
    return true;
  };
  for (let k = 0; k < maxSteps; k++) {
    if (Math.hypot(x - xs, y - ys) <= stop) {
      path.push(xs, ys);
      // Source first.
      const out = new Float64Array(path.length);
      for (let p = 0; p < path.length; p += 2) {
        out[p] = path[path.length - 2 - p], out[p + 1] = path[path.length - 1 - p];
      }
      return out;
    }
    if (!direction(x, y)) return undefined;
    if (!direction(x + 0.5 * step * g[0], y + 0.5 * step * g[1])) return undefined;
    x += step * g[0], y += step * g[1];
    path.push(x, y);
  }
  return undefined;
}
