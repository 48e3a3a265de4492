/**
 * First-arrival travel times on a 2-D grid by fast marching on the factored
 * eikonal equation, with the exact discrete adjoint: the forward model of
 * seismic travel-time tomography (application 7).
 *
 * The eikonal equation `|∇T| = s` (slowness `s = 1/v`) is solved for
 * `T = T₀·τ`, with `T₀ = |x − x_source|` the distance from the source and
 * `τ` a smooth correction factor (units of slowness), as in Treister & Haber
 * (2016, "A fast marching algorithm for the factored eikonal equation", J.
 * Comput. Phys. 324). Then `∇T = τ ∇T₀ + T₀ ∇τ`, and only `τ` is
 * differenced: upwind, first order `∂τ/∂x ≈ ±(τ − τ₁)/h` or second order
 * `±(3τ − 4τ₁ + τ₂)/(2h)` where the node beyond the upwind neighbour is
 * accepted and earlier. The point-source singularity of `T` lives in `T₀`,
 * which is exact, so the curvature of the fronts near the source costs
 * nothing: a constant medium is solved exactly when the source is on a node
 * (to about 10⁻⁴ otherwise, from nodes in line with an off-node source, where
 * the upwind scheme takes `∂T = 0` across). In the constant-gradient medium
 * of tests/eikonal_test.ts the mean error falls as `h^1.1` (first order) and
 * `h^2` (second order) with the straight-ray start below fixed in distance.
 *
 * Nodes are accepted in increasing time from a binary heap (Sethian's fast
 * marching); each tentative `τ` is the Godunov upwind root of
 * `Σ_axes max(±(α τ − β), 0)² = s²` over the accepted neighbours. Around the
 * source, nodes within `sourceRadius` start from the straight ray,
 * `τ = (s(source) + s(node)) / 2` (trapezoid slowness along it, `s(source)`
 * bilinear between the nodes): this keeps `T₀/h` large where the stencil is
 * used, so the upwind direction is well defined.
 *
 * Each accepted `τ` is a function of its upwind parents and its own slowness
 * only, in acceptance order: a triangular system. One sweep of it in reverse
 * acceptance order (the adjoint) gives the gradient of any weighted sum of
 * times with respect to every node slowness, exact for the discrete solver
 * away from ties, where the upwind choice switches: there the discrete times
 * are not smooth and may jump, by a few microseconds at most on application
 * 7's default grid (far below any noise on the data; a finite-difference
 * check needs steps small enough not to cross a switch). The forward sweep
 * gives Jacobian-vector products. Work arrays are allocated once per solver; a
 * solve allocates nothing.
 *
 * @module
 */
import { checkEikonalGrid, type EikonalGrid, gridCell } from "./eikonal_grid.ts";
import {
  ACCEPTED,
  createMarchState,
  march,
  type MarchState,
  PAD,
  STENCIL_Y,
} from "./eikonal_march.ts";

export type { EikonalGrid } from "./eikonal_grid.ts";

/** Options of {@link FastMarching}. */
export interface FastMarchingOptions {
  /** Upwind differences of `τ`: 1 (first order) or 2 (second order where available). Default 2. */
  order?: 1 | 2;
  /**
   * Radius of the straight-ray start around the source, in the grid's units of distance; at
   * least two node spacings are used. Default three node spacings. A radius fixed in distance
   * (rather than in cells) makes the error fall at the full order of the scheme as the grid
   * is refined; the straight ray's own error grows with the radius in a heterogeneous medium.
   */
  sourceRadius?: number;
}

/**
 * Fast-marching eikonal solver for one grid, reused across solves.
 *
 * After {@link FastMarching.solve}, read times with {@link FastMarching.timesAt} or
 * {@link FastMarching.travelTimes}, and take derivatives with
 * {@link FastMarching.addSlownessGradient} (reverse sweep) or
 * {@link FastMarching.timesTangentAt} (forward sweep); they refer to the last solve.
 */
export class FastMarching {
  /** The grid. */
  readonly grid: Readonly<EikonalGrid>;
  /** Upwind order in use. */
  readonly order: 1 | 2;
  /** Radius of the straight-ray start in use (≥ two node spacings). */
  readonly sourceRadius: number;
  /** Nodes accepted by the last solve (all nodes unless it stopped early). */
  accepted = 0;
  /** Local upwind solves (tentative updates) of the last solve. */
  updates = 0;

  readonly #m: MarchState;
  readonly #stateInit: Uint8Array;
  readonly #lambda: Float64Array; // adjoint (or tangent) of τ, padded
  readonly #unpad: Int32Array; // padded index → j·nx + i
  readonly #sourceCorners = new Int32Array(4);
  readonly #sourceWeights = new Float64Array(4);
  readonly #corners = new Int32Array(4); // scratch
  readonly #cornerWeights = new Float64Array(4);
  readonly #cell = new Float64Array(4);
  #xs = 0;
  #ys = 0;
  #solved = false;

  /**
   * @param grid The grid of nodes.
   * @param options Upwind order and source radius.
   * @example
   * ```ts
   * import { FastMarching } from "./eikonal.ts";
   * const fm = new FastMarching({ nx: 41, ny: 41, spacing: 0.25, x0: -5, y0: -5 });
   * fm.solve(new Float64Array(41 * 41).fill(0.5), [0, 0]); // v = 2 km/s
   * console.log(fm.timesAt([3, 4])); // [2.5] s
   * ```
   */
  constructor(grid: EikonalGrid, options: FastMarchingOptions = {}) {
    this.grid = checkEikonalGrid(grid);
    const order = options.order ?? 2;
    if (order !== 1 && order !== 2) throw new RangeError(`order must be 1 or 2, got ${order}`);
    const radius = options.sourceRadius ?? 3 * this.grid.spacing;
    if (!(radius >= 0 && Number.isFinite(radius))) {
      throw new RangeError(`sourceRadius must be a finite distance ≥ 0, got ${radius}`);
    }
    this.order = order;
    this.sourceRadius = Math.max(radius, 2 * this.grid.spacing);
    this.#m = createMarchState(this.grid);
    this.#stateInit = this.#m.state.slice();
    this.#lambda = new Float64Array(this.#m.state.length);
    this.#unpad = new Int32Array(this.#m.state.length);
    const { nx, ny } = this.grid, W = this.#m.width;
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) this.#unpad[(j + PAD) * W + i + PAD] = j * nx + i;
    }
  }

  /**
   * First-arrival times from one point source.
   * @param slowness Slowness at every node, `nx·ny` values, index `j·nx + i` (not checked for
   *   sign: {@link TravelTimeModel} checks velocities).
   * @param source Source position `[x, y]`, inside the grid's box.
   * @param until Points `[x₀, y₀, x₁, y₁, …]`: stop as soon as the times there are final (the
   *   four nodes around each are accepted). Default: march over the whole grid.
   * @example
   * ```ts
   * import { FastMarching } from "./eikonal.ts";
   * const fm = new FastMarching({ nx: 21, ny: 21, spacing: 0.5, x0: -5, y0: -5 });
   * fm.solve(new Float64Array(441).fill(1), [-4, 0], [4, 0]);
   * console.log(fm.timesAt([4, 0]), fm.accepted < 441); // [8], true
   * ```
   */
  solve(
    slowness: ArrayLike<number>,
    source: readonly [number, number],
    until?: ArrayLike<number>,
  ): void {
    const { nx, ny } = this.grid;
    if (slowness.length !== nx * ny) {
      throw new RangeError(
        `Expected ${nx * ny} node slownesses (${nx} × ${ny}), got ${slowness.length}`,
      );
    }
    this.#solved = false;
    const [xs, ys] = source, sc = this.#sourceCorners, sw = this.#sourceWeights;
    this.#locate(xs, ys, "source", sc, sw);
    const corners = this.#corners, cw = this.#cornerWeights;
    const nUntil = until ? until.length >> 1 : 0;
    for (let p = 0; p < nUntil; p++) {
      this.#locate(until![2 * p], until![2 * p + 1], "point", corners, cw);
    }
    const m = this.#m, W = m.width, s = m.s, isTarget = m.isTarget;
    if (slowness instanceof Float64Array) {
      for (let j = 0; j < ny; j++) {
        s.set(slowness.subarray(j * nx, (j + 1) * nx), (j + PAD) * W + PAD);
      }
    } else {
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) s[(j + PAD) * W + PAD + i] = slowness[j * nx + i];
      }
    }
    m.state.set(this.#stateInit);
    m.t.fill(Infinity);
    this.#xs = xs, this.#ys = ys;
    // Targets: the corner nodes of every `until` point.
    let pending = 0;
    for (let p = 0; p < nUntil; p++) {
      this.#locate(until![2 * p], until![2 * p + 1], "point", corners, cw);
      for (const k of corners) if (!isTarget[k]) (isTarget[k] = 1), pending++;
    }
    let sSource = 0;
    for (let c = 0; c < 4; c++) sSource += sw[c] * s[sc[c]];
    march(m, xs, ys, sSource, this.sourceRadius / this.grid.spacing, this.order === 2, pending);
    if (pending > 0) isTarget.fill(0);
    this.accepted = m.accepted, this.updates = m.updates;
    this.#solved = true;
  }

  /** The four nodes (padded indices) around a point and their bilinear weights. */
  #locate(x: number, y: number, what: string, corners: Int32Array, weights: Float64Array): void {
    const cell = this.#cell;
    gridCell(this.grid, x, y, what, cell);
    const [i, j, ax, ay] = cell, W = this.#m.width, k = (j + PAD) * W + i + PAD;
    corners[0] = k, corners[1] = k + 1, corners[2] = k + W, corners[3] = k + W + 1;
    weights[0] = (1 - ax) * (1 - ay), weights[1] = ax * (1 - ay);
    weights[2] = (1 - ax) * ay, weights[3] = ax * ay;
  }

  /** Locates point `p` of `points` and checks that the last solve reached it; returns |x − source|. */
  #reached(points: ArrayLike<number>, p: number): number {
    if (!this.#solved) throw new Error("Call solve() before reading travel times or derivatives");
    const x = points[2 * p], y = points[2 * p + 1];
    this.#locate(x, y, "point", this.#corners, this.#cornerWeights);
    for (const k of this.#corners) {
      if (this.#m.state[k] !== ACCEPTED) {
        throw new Error(`The point (${x}, ${y}) was not reached: pass it in solve()'s \`until\``);
      }
    }
    return Math.hypot(x - this.#xs, y - this.#ys);
  }

  /** `Σ` bilinear weight · `values` at the corners found by the last {@link #reached}. */
  #atCorners(values: Float64Array): number {
    const k = this.#corners, w = this.#cornerWeights;
    return w[0] * values[k[0]] + w[1] * values[k[1]] + w[2] * values[k[2]] + w[3] * values[k[3]];
  }

  /**
   * Travel times at points: the distance to the source times `τ` interpolated bilinearly
   * between the nodes (exact in a constant medium).
   * @param points `[x₀, y₀, x₁, y₁, …]`, reached by the last solve.
   * @param out Output (length ≥ points / 2). Default: a new array.
   * @returns The times.
   * @example
   * ```ts
   * import { FastMarching } from "./eikonal.ts";
   * const fm = new FastMarching({ nx: 11, ny: 11, spacing: 1, x0: 0, y0: 0 });
   * fm.solve(new Float64Array(121).fill(1), [0.5, 0.5]);
   * console.log(fm.timesAt([8.5, 6.5, 0.5, 10])); // [10, 9.5]
   * ```
   */
  timesAt(
    points: ArrayLike<number>,
    out: Float64Array = new Float64Array(points.length >> 1),
  ): Float64Array {
    for (let p = 0; p < points.length >> 1; p++) {
      out[p] = this.#reached(points, p) * this.#atCorners(this.#m.tau);
    }
    return out;
  }

  /**
   * Times at every node of the last solve (`Infinity` where an early stop left a node).
   * @param out Output of `nx·ny` values. Default: a new array.
   * @returns The times, index `j·nx + i`.
   * @example
   * ```ts
   * import { FastMarching } from "./eikonal.ts";
   * const fm = new FastMarching({ nx: 3, ny: 3, spacing: 1, x0: 0, y0: 0 });
   * fm.solve(new Float64Array(9).fill(1), [0, 0]);
   * console.log(fm.travelTimes()[8]); // √2
   * ```
   */
  travelTimes(out: Float64Array = new Float64Array(this.grid.nx * this.grid.ny)): Float64Array {
    if (!this.#solved) throw new Error("Call solve() before reading travel times or derivatives");
    const { nx, ny } = this.grid, { width: W, state, t } = this.#m;
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const k = (j + PAD) * W + i + PAD;
        out[j * nx + i] = state[k] === ACCEPTED ? t[k] : Infinity;
      }
    }
    return out;
  }

  /**
   * Adds the gradient of `Σ_p weights[p] · T(point p)` with respect to every node slowness,
   * by the adjoint of the last solve: one sweep in reverse acceptance order.
   * @param points `[x₀, y₀, …]`, reached by the last solve.
   * @param weights One weight per point.
   * @param gradient `nx·ny` values, added to.
   * @example
   * ```ts
   * import { FastMarching } from "./eikonal.ts";
   * const fm = new FastMarching({ nx: 11, ny: 11, spacing: 1, x0: 0, y0: 0 });
   * fm.solve(new Float64Array(121).fill(1), [0, 0]);
   * const g = new Float64Array(121);
   * fm.addSlownessGradient([10, 0], [1], g);
   * console.log(g.reduce((a, b) => a + b)); // 10: T is homogeneous of degree 1 in s
   * ```
   */
  addSlownessGradient(
    points: ArrayLike<number>,
    weights: ArrayLike<number>,
    gradient: Float64Array,
  ): void {
    const { nx, ny } = this.grid, n = points.length >> 1;
    if (weights.length !== n || gradient.length !== nx * ny) {
      throw new RangeError(
        `Expected ${n} weights and a gradient of ${
          nx * ny
        } nodes, got ${weights.length} and ${gradient.length}`,
      );
    }
    const lambda = this.#lambda, { rank, acceptOrder: order, stencil, weightX, weightY } = this.#m;
    const { dtauds, width: W } = this.#m;
    const corners = this.#corners, cw = this.#cornerWeights;
    let top = -1;
    for (let p = 0; p < n; p++) {
      const seed = weights[p] * this.#reached(points, p);
      for (let c = 0; c < 4; c++) {
        (lambda[corners[c]] += seed * cw[c]), (top = Math.max(top, rank[corners[c]]));
      }
    }
    const disc = this.#m.discCount, unpad = this.#unpad;
    let lambdaSource = 0;
    for (let q = top; q >= 0; q--) {
      const k = order[q], l = lambda[k];
      if (l === 0) continue;
      lambda[k] = 0;
      gradient[unpad[k]] += l * dtauds[k];
      if (q < disc) {
        lambdaSource += l * dtauds[k];
        continue;
      }
      // τ_k depends on c = τ₁ or (4τ₁ − τ₂)/3 per axis (see MarchState.stencil).
      const code = stencil[k], sx = code & 3, sy = (code >> STENCIL_Y) & 3;
      if (sx !== 0) {
        const d = sx === 1 ? -1 : 1, g = l * weightX[k];
        if (code & 4) (lambda[k + d] += g * 4 / 3), (lambda[k + 2 * d] -= g / 3);
        else lambda[k + d] += g;
      }
      if (sy !== 0) {
        const d = sy === 1 ? -W : W, g = l * weightY[k];
        if (code & (4 << STENCIL_Y)) (lambda[k + d] += g * 4 / 3), (lambda[k + 2 * d] -= g / 3);
        else lambda[k + d] += g;
      }
    }
    // s(source) is bilinear in the four nodes around the source.
    for (let c = 0; c < 4; c++) {
      gradient[unpad[this.#sourceCorners[c]]] += lambdaSource * this.#sourceWeights[c];
    }
  }

  /**
   * Derivatives of the times at points along a change of the node slownesses (a
   * Jacobian-vector product), by the forward sweep of the last solve's stencils.
   * @param points `[x₀, y₀, …]`, reached by the last solve.
   * @param slownessChange `nx·ny` values: the direction `δs` of the node slownesses.
   * @param out Output (length ≥ points / 2). Default: a new array.
   * @returns `δT` at each point.
   * @example
   * ```ts
   * import { FastMarching } from "./eikonal.ts";
   * const fm = new FastMarching({ nx: 11, ny: 11, spacing: 1, x0: 0, y0: 0 });
   * fm.solve(new Float64Array(121).fill(1), [0, 0]);
   * console.log(fm.timesTangentAt([10, 0], new Float64Array(121).fill(0.1))); // [1]
   * ```
   */
  timesTangentAt(
    points: ArrayLike<number>,
    slownessChange: ArrayLike<number>,
    out: Float64Array = new Float64Array(points.length >> 1),
  ): Float64Array {
    const { nx, ny } = this.grid;
    if (slownessChange.length !== nx * ny) {
      throw new RangeError(`Expected ${nx * ny} slowness changes, got ${slownessChange.length}`);
    }
    if (!this.#solved) throw new Error("Call solve() before reading travel times or derivatives");
    const tangent = this.#lambda, { acceptOrder: order, stencil, weightX, weightY } = this.#m;
    const { dtauds, width: W } = this.#m;
    const disc = this.#m.discCount, unpad = this.#unpad;
    let dsSource = 0;
    for (let c = 0; c < 4; c++) {
      dsSource += this.#sourceWeights[c] * slownessChange[unpad[this.#sourceCorners[c]]];
    }
    for (let q = 0; q < this.accepted; q++) {
      const k = order[q];
      let dt = dtauds[k] * slownessChange[unpad[k]];
      if (q < disc) dt += dtauds[k] * dsSource;
      else {
        const code = stencil[k], sx = code & 3, sy = (code >> STENCIL_Y) & 3;
        if (sx !== 0) {
          const d = sx === 1 ? -1 : 1;
          dt += weightX[k] *
            (code & 4 ? (4 * tangent[k + d] - tangent[k + 2 * d]) / 3 : tangent[k + d]);
        }
        if (sy !== 0) {
          const d = sy === 1 ? -W : W;
          dt += weightY[k] *
            (code & (4 << STENCIL_Y)
              ? (4 * tangent[k + d] - tangent[k + 2 * d]) / 3
              : tangent[k + d]);
        }
      }
      tangent[k] = dt;
    }
    for (let p = 0; p < points.length >> 1; p++) {
      out[p] = this.#reached(points, p) * this.#atCorners(tangent);
    }
    for (let q = 0; q < this.accepted; q++) tangent[order[q]] = 0;
    return out;
  }
}
