/**
 * The forward model of 2-D seismic travel-time tomography (application 7):
 * velocities on a grid of nodes → first-arrival travel times between
 * stations, with the exact gradient and Jacobian with respect to the node
 * velocities.
 *
 * Velocity is given at the nodes of a coarse grid (default 21 × 21 at 0.5 km
 * over [−5, 5]², as in Zhao, Curtis & Zhang 2022) and interpolated
 * bilinearly onto a fine grid refined by an integer factor (default 5: 101 ×
 * 101 nodes at 0.1 km), where the eikonal solver ({@link FastMarching}) works
 * on slowness `1/v` at the fine nodes. Velocity, not slowness, is the
 * interpolated field because it is the model's parameter (its prior is
 * uniform in velocity) and because a medium with a constant velocity
 * gradient, `v = v₀ + g·z`, is then represented exactly, so the solver's
 * accuracy can be checked against the analytic travel times of that medium.
 *
 * Every station is a receiver and also a source; each pair `i < j` is one
 * datum, the time from source `i` to receiver `j` (default: 16 stations on a
 * circle of radius 4 km, 120 data). Source `i` marches only until the times at
 * stations `j > i` are final, and the last station needs no march.
 *
 * @module
 */
import { FastMarching } from "./eikonal.ts";
import { checkEikonalGrid, type EikonalGrid, gridCell } from "./eikonal_grid.ts";

/** Options of {@link TravelTimeModel}: the grid of velocity nodes, refinement, stations. */
export interface TravelTimeModelOptions {
  /** Velocity nodes along x. Default 21. */
  nodesX?: number;
  /** Velocity nodes along y. Default 21. */
  nodesY?: number;
  /** Distance between velocity nodes, km. Default 0.5. */
  nodeSpacing?: number;
  /** Position of the first node, km. Default `[-5, -5]`. */
  origin?: readonly [number, number];
  /** Fine cells per node spacing, an integer ≥ 1. Default 5. */
  refinement?: number;
  /** Station positions (each a receiver and a source), km. Default: {@link circleStations}(16, 4). */
  stations?: readonly (readonly [number, number])[];
  /** Upwind order of the eikonal solver (1 or 2). Default 2. */
  order?: 1 | 2;
  /**
   * Radius of the straight-ray start around each source, km (at least two fine cells are
   * used). Default 0.3 km: three fine cells at the default grid.
   */
  sourceRadius?: number;
}

/**
 * Stations evenly spaced on a circle, the first on the positive x axis, counter-clockwise.
 * @param count Number of stations.
 * @param radius Radius of the circle, km.
 * @param center Centre of the circle. Default the origin.
 * @returns `[x, y]` per station.
 * @example
 * ```ts
 * import { circleStations } from "./travel_time.ts";
 * console.log(circleStations(4, 4)[1]); // ≈ [0, 4]
 * ```
 */
export function circleStations(
  count: number,
  radius: number,
  center: readonly [number, number] = [0, 0],
): [number, number][] {
  if (!(Number.isInteger(count) && count >= 2 && radius > 0)) {
    throw new RangeError(
      `A circle needs ≥ 2 stations and a radius > 0, got ${count} and ${radius}`,
    );
  }
  return Array.from({ length: count }, (_, k) => {
    const a = 2 * Math.PI * k / count;
    return [center[0] + radius * Math.cos(a), center[1] + radius * Math.sin(a)];
  });
}

/** Travel times and the gradient of a weighted sum of them. */
export interface TravelTimesAndGradient {
  /** Travel time of every datum (station pair), s. */
  times: Float64Array;
  /** `∂(Σ_k w_k T_k)/∂v` at every velocity node. */
  gradient: Float64Array;
}

/**
 * Travel times between stations for velocities on a grid of nodes, by fast marching on a
 * refined grid, with gradients by its adjoint.
 */
export class TravelTimeModel {
  /** The grid of velocity nodes (index `j·nx + i`). */
  readonly nodes: Readonly<EikonalGrid>;
  /** The fine grid the eikonal equation is solved on. */
  readonly fine: Readonly<EikonalGrid>;
  /** Fine cells per node spacing. */
  readonly refinement: number;
  /** Station positions. */
  readonly stations: readonly (readonly [number, number])[];
  /** Source and receiver station of every datum: `[i₀, j₀, i₁, j₁, …]`, `i < j`. */
  readonly pairs: Int32Array;
  /** Number of data (station pairs). */
  readonly numData: number;
  /** Number of velocity nodes. */
  readonly numNodes: number;
  /** Fine nodes accepted and local updates made by the last call, summed over sources. */
  readonly work = { accepted: 0, updates: 0 };

  readonly #solver: FastMarching;
  readonly #receivers: Float64Array[]; // per source: [x, y] of stations j > i
  readonly #firstDatum: number[]; // per source: index of datum (i, i + 1)
  readonly #cellX: Int32Array; // per fine column: the node cell and the fraction across it
  readonly #fracX: Float64Array;
  readonly #cellY: Int32Array;
  readonly #fracY: Float64Array;
  readonly #fineVelocity: Float64Array;
  readonly #fineSlowness: Float64Array;
  readonly #fineGradient: Float64Array;

  /**
   * @param options Grid, refinement, stations, solver settings.
   * @example
   * ```ts
   * import { TravelTimeModel } from "./travel_time.ts";
   * const model = new TravelTimeModel({ nodesX: 11, nodesY: 11, nodeSpacing: 1, refinement: 2 });
   * const times = model.travelTimes(new Float64Array(model.numNodes).fill(2));
   * console.log(model.numData, times[0]); // 120, 0.78… (chord of 22.5° at 4 km / 2 km/s)
   * ```
   */
  constructor(options: TravelTimeModelOptions = {}) {
    const [x0, y0] = options.origin ?? [-5, -5];
    this.nodes = checkEikonalGrid({
      nx: options.nodesX ?? 21,
      ny: options.nodesY ?? 21,
      spacing: options.nodeSpacing ?? 0.5,
      x0,
      y0,
    });
    const r = options.refinement ?? 5;
    if (!(Number.isInteger(r) && r >= 1)) {
      throw new RangeError(`The refinement must be an integer ≥ 1, got ${r}`);
    }
    this.refinement = r;
    const { nx, ny, spacing } = this.nodes;
    this.fine = { nx: (nx - 1) * r + 1, ny: (ny - 1) * r + 1, spacing: spacing / r, x0, y0 };
    this.numNodes = nx * ny;
    const stations = (options.stations ?? circleStations(16, 4)).map(([x, y]) => [x, y] as const);
    if (stations.length < 2) throw new RangeError(`Expected ≥ 2 stations, got ${stations.length}`);
    const cell = new Float64Array(4);
    stations.forEach(([x, y], k) => gridCell(this.nodes, x, y, `station ${k}`, cell));
    this.stations = stations;
    this.#solver = new FastMarching(this.fine, {
      order: options.order ?? 2,
      sourceRadius: options.sourceRadius ?? 0.3,
    });
    const n = stations.length, pairs: number[] = [];
    this.#receivers = [], this.#firstDatum = [];
    for (let i = 0; i < n; i++) {
      this.#firstDatum.push(pairs.length / 2);
      this.#receivers.push(Float64Array.from(stations.slice(i + 1).flat()));
      for (let j = i + 1; j < n; j++) pairs.push(i, j);
    }
    this.pairs = Int32Array.from(pairs);
    this.numData = pairs.length / 2;
    const fineN = this.fine.nx * this.fine.ny;
    [this.#cellX, this.#fracX] = fineCells(nx, r);
    [this.#cellY, this.#fracY] = fineCells(ny, r);
    this.#fineVelocity = new Float64Array(fineN);
    this.#fineSlowness = new Float64Array(fineN);
    this.#fineGradient = new Float64Array(fineN);
  }

  /**
   * Checks node velocities (count, finite, > 0) and sets the fine-grid velocity and slowness.
   * @throws RangeError naming the first bad node.
   */
  #setVelocity(velocity: ArrayLike<number>): void {
    const { nx, ny, spacing, x0, y0 } = this.nodes;
    if (velocity.length !== nx * ny) {
      throw new RangeError(
        `Expected ${nx * ny} node velocities (${nx} × ${ny} nodes), got ${velocity.length}`,
      );
    }
    for (let k = 0; k < velocity.length; k++) {
      const v = velocity[k];
      if (!(v > 0 && v < Infinity)) {
        const i = k % nx, j = (k - i) / nx;
        throw new RangeError(
          `The velocity at node ${k} (column ${i}, row ${j}; x = ${x0 + i * spacing}, y = ${
            y0 + j * spacing
          }) is ${v}: velocities must be finite and > 0`,
        );
      }
    }
    const { nx: fx, ny: fy } = this.fine, cx = this.#cellX, ax = this.#fracX;
    const fv = this.#fineVelocity, fs = this.#fineSlowness;
    for (let j = 0; j < fy; j++) {
      const row = this.#cellY[j] * nx, b = this.#fracY[j];
      for (let i = 0; i < fx; i++) {
        const k = row + cx[i], a = ax[i];
        const v = (1 - b) * ((1 - a) * velocity[k] + a * velocity[k + 1]) +
          b * ((1 - a) * velocity[k + nx] + a * velocity[k + nx + 1]);
        fv[j * fx + i] = v, fs[j * fx + i] = 1 / v;
      }
    }
  }

  /** Solves source `i` up to its receivers; false when it has none. */
  #solve(i: number): boolean {
    const receivers = this.#receivers[i];
    if (receivers.length === 0) return false;
    this.#solver.solve(this.#fineSlowness, this.stations[i], receivers);
    this.work.accepted += this.#solver.accepted, this.work.updates += this.#solver.updates;
    return true;
  }

  /**
   * Fine-grid slowness of node velocities (bilinear velocity, then `1/v`).
   * @param velocity Velocity at every node, index `j·nx + i`.
   * @returns A new array of the fine grid's `nx·ny` slownesses.
   * @example
   * ```ts
   * import { TravelTimeModel } from "./travel_time.ts";
   * const model = new TravelTimeModel({ refinement: 2 });
   * console.log(model.fineSlowness(new Float64Array(441).fill(2)).length); // 1681 (41 × 41)
   * ```
   */
  fineSlowness(velocity: ArrayLike<number>): Float64Array {
    this.#setVelocity(velocity);
    return this.#fineSlowness.slice();
  }

  /**
   * First-arrival travel times of every datum.
   * @param velocity Velocity at every node, index `j·nx + i`, km/s.
   * @param out Output of `numData` values. Default: a new array.
   * @returns Times in datum order (pairs `(0, 1), (0, 2), …, (1, 2), …`), s.
   * @example
   * ```ts
   * import { TravelTimeModel } from "./travel_time.ts";
   * const model = new TravelTimeModel({ refinement: 2 });
   * const t = model.travelTimes(new Float64Array(model.numNodes).fill(2));
   * console.log(t[7]); // 4: stations 0 and 8 face each other across the circle
   * ```
   */
  travelTimes(
    velocity: ArrayLike<number>,
    out: Float64Array = new Float64Array(this.numData),
  ): Float64Array {
    this.#setVelocity(velocity);
    this.work.accepted = 0, this.work.updates = 0;
    for (let i = 0; i < this.stations.length; i++) {
      if (this.#solve(i)) {
        this.#solver.timesAt(this.#receivers[i], out.subarray(this.#firstDatum[i]));
      }
    }
    return out;
  }

  /**
   * Travel times and the gradient of `Σ_k weights[k] · T_k` with respect to the node
   * velocities, by the adjoint of every source's march (exact for the discrete solver). With
   * `weights = (T − d)/σ²` this is the gradient of a Gaussian misfit.
   * @param velocity Velocity at every node, km/s.
   * @param weights One weight per datum.
   * @returns Times and gradient (s per km/s).
   * @example
   * ```ts
   * import { TravelTimeModel } from "./travel_time.ts";
   * const model = new TravelTimeModel({ refinement: 2 });
   * const v = new Float64Array(model.numNodes).fill(2);
   * const { gradient } = model.travelTimesAndGradient(v, new Float64Array(model.numData).fill(1));
   * console.log(gradient.reduce((a, b) => a + b)); // −Σ T / 2: T ∝ 1/v
   * ```
   */
  travelTimesAndGradient(
    velocity: ArrayLike<number>,
    weights: ArrayLike<number>,
  ): TravelTimesAndGradient {
    if (weights.length !== this.numData) {
      throw new RangeError(
        `Expected ${this.numData} weights (one per datum), got ${weights.length}`,
      );
    }
    const w = Float64Array.from(weights);
    return this.#timesAndGradient(velocity, (_, first, count) => w.subarray(first, first + count));
  }

  /**
   * Travel times, the misfit `½ Σ ((T_k − d_k)/σ)²` of an observation and its gradient with
   * respect to the node velocities, in one pass: each source's weights `(T − d)/σ²` are
   * formed as soon as its march has reached its receivers, so the solver runs once.
   * @param velocity Velocity at every node, km/s.
   * @param observed One observed time per datum, s.
   * @param sigma Noise standard deviation, s.
   * @returns Times, the misfit (half the χ²) and its gradient.
   * @example
   * ```ts
   * import { TravelTimeModel } from "./travel_time.ts";
   * const model = new TravelTimeModel({ refinement: 2 });
   * const v = new Float64Array(model.numNodes).fill(2);
   * const observed = model.travelTimes(v).map((t) => t + 0.05);
   * console.log(model.misfitAndGradient(v, observed, 0.05).misfit); // 60: ½·120·1²
   * ```
   */
  misfitAndGradient(
    velocity: ArrayLike<number>,
    observed: ArrayLike<number>,
    sigma: number,
  ): TravelTimesAndGradient & { misfit: number } {
    if (observed.length !== this.numData) {
      throw new RangeError(
        `Expected ${this.numData} observed times (one per datum), got ${observed.length}`,
      );
    }
    const s2 = sigma * sigma, w = new Float64Array(this.numData);
    let misfit = 0;
    const out = this.#timesAndGradient(velocity, (times, first, count) => {
      for (let k = first; k < first + count; k++) {
        const e = times[k] - observed[k];
        misfit += 0.5 * e * e / s2;
        w[k] = e / s2;
      }
      return w.subarray(first, first + count);
    });
    return { ...out, misfit };
  }

  /** One pass over the sources: march, read the times, weight them, sweep back. */
  #timesAndGradient(
    velocity: ArrayLike<number>,
    weightsOf: (times: Float64Array, first: number, count: number) => Float64Array,
  ): TravelTimesAndGradient {
    this.#setVelocity(velocity);
    this.work.accepted = 0, this.work.updates = 0;
    const times = new Float64Array(this.numData), gs = this.#fineGradient.fill(0);
    for (let i = 0; i < this.stations.length; i++) {
      if (!this.#solve(i)) continue;
      const first = this.#firstDatum[i], receivers = this.#receivers[i];
      const count = receivers.length / 2;
      this.#solver.timesAt(receivers, times.subarray(first));
      this.#solver.addSlownessGradient(receivers, weightsOf(times, first, count), gs);
    }
    const gradient = new Float64Array(this.numNodes);
    this.#slownessToNodeGradient(gs, gradient);
    return { times, gradient };
  }

  /**
   * The Jacobian `∂T_k/∂v_node` of every datum, one adjoint sweep per datum.
   * @param velocity Velocity at every node, km/s.
   * @returns Times and the Jacobian, row-major `[numData × numNodes]`.
   * @example
   * ```ts
   * import { TravelTimeModel } from "./travel_time.ts";
   * const model = new TravelTimeModel({ nodesX: 11, nodesY: 11, nodeSpacing: 1, refinement: 2 });
   * const { jacobian } = model.jacobian(new Float64Array(model.numNodes).fill(2));
   * console.log(jacobian.length); // 14520 (120 × 121)
   * ```
   */
  jacobian(velocity: ArrayLike<number>): { times: Float64Array; jacobian: Float64Array } {
    this.#setVelocity(velocity);
    this.work.accepted = 0, this.work.updates = 0;
    const times = new Float64Array(this.numData), gs = this.#fineGradient;
    const jacobian = new Float64Array(this.numData * this.numNodes), one = [1];
    for (let i = 0; i < this.stations.length; i++) {
      if (!this.#solve(i)) continue;
      const first = this.#firstDatum[i], receivers = this.#receivers[i];
      this.#solver.timesAt(receivers, times.subarray(first));
      for (let r = 0; r < receivers.length / 2; r++) {
        gs.fill(0);
        this.#solver.addSlownessGradient(receivers.subarray(2 * r, 2 * r + 2), one, gs);
        const row = (first + r) * this.numNodes;
        this.#slownessToNodeGradient(gs, jacobian.subarray(row, row + this.numNodes));
      }
    }
    return { times, jacobian };
  }

  /**
   * The change of every travel time along a change of the node velocities (a
   * Jacobian-vector product `J·δv`), by the forward sweep of every source's march.
   * @param velocity Velocity at every node, km/s.
   * @param direction The change `δv` at every node.
   * @returns `δT` per datum.
   * @example
   * ```ts
   * import { TravelTimeModel } from "./travel_time.ts";
   * const model = new TravelTimeModel({ refinement: 2 });
   * const v = new Float64Array(model.numNodes).fill(2);
   * console.log(model.jacobianVectorProduct(v, v)[7]); // −4: doubling v halves T = 4 s
   * ```
   */
  jacobianVectorProduct(velocity: ArrayLike<number>, direction: ArrayLike<number>): Float64Array {
    if (direction.length !== this.numNodes) {
      throw new RangeError(`Expected ${this.numNodes} velocity changes, got ${direction.length}`);
    }
    this.#setVelocity(velocity);
    this.work.accepted = 0, this.work.updates = 0;
    // δs = −δv/v² on the fine grid (δv bilinear like v).
    const { nx } = this.nodes, { nx: fx, ny: fy } = this.fine, ds = this.#fineGradient;
    const fv = this.#fineVelocity;
    for (let j = 0; j < fy; j++) {
      const row = this.#cellY[j] * nx, b = this.#fracY[j];
      for (let i = 0; i < fx; i++) {
        const k = row + this.#cellX[i], a = this.#fracX[i];
        const dv = (1 - b) * ((1 - a) * direction[k] + a * direction[k + 1]) +
          b * ((1 - a) * direction[k + nx] + a * direction[k + nx + 1]);
        const v = fv[j * fx + i];
        ds[j * fx + i] = -dv / (v * v);
      }
    }
    const out = new Float64Array(this.numData);
    for (let i = 0; i < this.stations.length; i++) {
      if (!this.#solve(i)) continue;
      this.#solver.timesTangentAt(this.#receivers[i], ds, out.subarray(this.#firstDatum[i]));
    }
    return out;
  }

  /** Chain rule from fine slownesses to node velocities: `∂/∂v = Bᵀ(−∂/∂s / v²)`. */
  #slownessToNodeGradient(gs: Float64Array, out: Float64Array): void {
    const { nx } = this.nodes, { nx: fx, ny: fy } = this.fine, fv = this.#fineVelocity;
    for (let j = 0; j < fy; j++) {
      const row = this.#cellY[j] * nx, b = this.#fracY[j];
      for (let i = 0; i < fx; i++) {
        const g = gs[j * fx + i];
        if (g === 0) continue;
        const v = fv[j * fx + i], gv = -g / (v * v), k = row + this.#cellX[i], a = this.#fracX[i];
        out[k] += (1 - a) * (1 - b) * gv, out[k + 1] += a * (1 - b) * gv;
        out[k + nx] += (1 - a) * b * gv, out[k + nx + 1] += a * b * gv;
      }
    }
  }
}

/** Per fine index along one axis: the node cell holding it and the fraction across that cell. */
function fineCells(nodes: number, refinement: number): [Int32Array, Float64Array] {
  const n = (nodes - 1) * refinement + 1, cell = new Int32Array(n), frac = new Float64Array(n);
  for (let f = 0; f < n; f++) {
    const c = Math.min(Math.floor(f / refinement), nodes - 2);
    cell[f] = c, frac[f] = (f - c * refinement) / refinement;
  }
  return [cell, frac];
}
