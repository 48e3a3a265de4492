/**
 * The marching loop of the factored-eikonal fast-marching solver
 * ({@link ./eikonal.ts}): the straight-ray start around the source, the
 * binary heap of the narrow band, and the local upwind update, which
 * records for every node the stencil its time came from (which upwind
 * neighbours, `∂τ/∂c` per axis and `∂τ/∂s`) for the adjoint and tangent sweeps.
 *
 * Everything lives in typed arrays of a {@link MarchState}, allocated once
 * per grid; the loop keeps them in local variables and allocates nothing.
 * Indices are padded: two ghost nodes around the grid (second-order stencils
 * look two nodes away), node `(i, j)` at `(j + 2)·width + i + 2`.
 *
 * @module
 */
import type { EikonalGrid } from "./eikonal_grid.ts";

/** Node states. */
export const FAR = 0, BAND = 1, ACCEPTED = 2, OUTSIDE = 3;
/** Ghost nodes on each side of the grid. */
export const PAD = 2;
const THIRD = 1 / 3;
/** {@link MarchState.stencil}: the y part of a stencil is the x part shifted by this many bits. */
export const STENCIL_Y = 3;

/** Work arrays of fast marching on one grid (padded indices), and counters of the last march. */
export interface MarchState {
  /** The grid. */
  grid: Readonly<EikonalGrid>;
  /** Padded row length, `nx + 4`. */
  width: number;
  /** Node coordinates. */
  nodeX: Float64Array;
  /** Node coordinates. */
  nodeY: Float64Array;
  /** Travel time `T = T₀·τ` (`Infinity` until reached). */
  t: Float64Array;
  /** `τ = T / T₀`. */
  tau: Float64Array;
  /** Slowness. */
  s: Float64Array;
  /** {@link FAR}, {@link BAND}, {@link ACCEPTED} or {@link OUTSIDE} (ghost nodes). */
  state: Uint8Array;
  /** Padded indices in acceptance order (`accepted` of them). */
  acceptOrder: Int32Array;
  /** A node's position in `acceptOrder`. */
  rank: Int32Array;
  /**
   * The stencil of each node's `τ`: bits 0–1 the x neighbour used (0 none, 1 at `k − 1`, 2 at
   * `k + 1`), bit 2 set when second order (with the next node beyond, `c = (4τ₁ − τ₂)/3`),
   * bits 3–5 the same for y (neighbours at `k ∓ width`). See {@link STENCIL_Y}.
   */
  stencil: Uint8Array;
  /** `∂τ/∂c` of the x axis (`c = τ₁` or `(4τ₁ − τ₂)/3`). */
  weightX: Float64Array;
  /** `∂τ/∂c` of the y axis. */
  weightY: Float64Array;
  /** `∂τ/∂s` of the node's own slowness. */
  dtauds: Float64Array;
  /** 1 at nodes whose acceptance ends an early-stopping march. */
  isTarget: Uint8Array;
  /** Binary heap of the narrow band: nodes, keys (times), and each node's heap position. */
  heapNode: Int32Array;
  /** Heap keys. */
  heapKey: Float64Array;
  /** Heap positions. */
  heapPosition: Int32Array;
  /** Nodes accepted by the last march. */
  accepted: number;
  /** Local updates of the last march. */
  updates: number;
  /** The first `discCount` accepted nodes started from the straight ray. */
  discCount: number;
}

/**
 * Allocates the work arrays of a grid, every node {@link FAR}.
 * @param grid A checked grid.
 * @returns The state.
 * @example
 * ```ts
 * import { createMarchState } from "./eikonal_march.ts";
 * const m = createMarchState({ nx: 3, ny: 3, spacing: 1, x0: 0, y0: 0 });
 * console.log(m.width, m.state.length); // 7 49
 * ```
 */
export function createMarchState(grid: Readonly<EikonalGrid>): MarchState {
  const { nx, ny, spacing, x0, y0 } = grid;
  const width = nx + 2 * PAD, size = width * (ny + 2 * PAD);
  const nodeX = new Float64Array(size), nodeY = new Float64Array(size);
  const state = new Uint8Array(size).fill(OUTSIDE);
  for (let j = 0; j < ny; j++) {
    const row = (j + PAD) * width + PAD;
    state.fill(FAR, row, row + nx);
    for (let i = 0; i < nx; i++) {
      (nodeX[row + i] = x0 + i * spacing), (nodeY[row + i] = y0 + j * spacing);
    }
  }
  return {
    grid,
    width,
    nodeX,
    nodeY,
    t: new Float64Array(size).fill(Infinity),
    tau: new Float64Array(size),
    s: new Float64Array(size),
    state,
    acceptOrder: new Int32Array(nx * ny),
    rank: new Int32Array(size),
    stencil: new Uint8Array(size),
    weightX: new Float64Array(size),
    weightY: new Float64Array(size),
    dtauds: new Float64Array(size),
    isTarget: new Uint8Array(size),
    heapNode: new Int32Array(nx * ny),
    heapKey: new Float64Array(nx * ny),
    heapPosition: new Int32Array(size),
    accepted: 0,
    updates: 0,
    discCount: 0,
  };
}

/**
 * Marches from a point source over a fresh state (slowness set, every grid node {@link FAR},
 * times `Infinity`, targets marked): accepts the nodes within `radius` cells with the
 * straight-ray `τ = (sSource + s)/2`, then the rest in increasing time, until the heap is
 * empty or `pending` targets have been accepted. Sets `accepted`, `updates`, `discCount`.
 * @param m The state.
 * @param xs Source x.
 * @param ys Source y.
 * @param sSource Slowness at the source.
 * @param radius Radius of the straight-ray start, in cells (≥ 2; a node at the radius is inside).
 * @param secondOrder Second-order differences where two accepted upwind nodes lie in line.
 * @param pending Targets marked in `isTarget` (0: march over the whole grid).
 * @example
 * ```ts
 * import { createMarchState, march } from "./eikonal_march.ts";
 * const m = createMarchState({ nx: 9, ny: 9, spacing: 1, x0: 0, y0: 0 });
 * m.s.fill(1);
 * march(m, 0, 0, 1, 2, true, 0);
 * console.log(m.accepted, m.t[(8 + 2) * m.width + 8 + 2]); // 81 11.31… (8√2)
 * ```
 */
export function march(
  m: MarchState,
  xs: number,
  ys: number,
  sSource: number,
  radius: number,
  secondOrder: boolean,
  pending: number,
): void {
  const { nx, ny, spacing: h, x0, y0 } = m.grid, W = m.width;
  const { nodeX, nodeY, t, tau, s, state, acceptOrder, rank, stencil, weightX, weightY, dtauds } =
    m;
  const { isTarget, heapNode, heapKey, heapPosition } = m;
  const stopEarly = pending > 0, invH = 1 / h;
  let count = 0, size = 0, updates = 0;

  // Straight-ray start (the radius widened by rounding's width, so that a node at exactly the
  // radius is inside).
  radius *= 1 + 1e-9;
  const i0 = Math.max(0, Math.ceil((xs - x0) * invH - radius));
  const i1 = Math.min(nx - 1, Math.floor((xs - x0) * invH + radius));
  const j0 = Math.max(0, Math.ceil((ys - y0) * invH - radius));
  const j1 = Math.min(ny - 1, Math.floor((ys - y0) * invH + radius));
  for (let j = j0; j <= j1; j++) {
    for (let i = i0; i <= i1; i++) {
      const k = (j + PAD) * W + i + PAD, d = Math.hypot(nodeX[k] - xs, nodeY[k] - ys);
      if (d > radius * h) continue;
      (tau[k] = (sSource + s[k]) / 2), (t[k] = d * tau[k]), (dtauds[k] = 0.5);
      (state[k] = ACCEPTED), (rank[k] = count), (acceptOrder[count++] = k);
      if (isTarget[k]) (isTarget[k] = 0), pending--;
    }
  }
  m.discCount = count;

  // Every accepted node, in order, updates its four neighbours; when the accepted ones are
  // used up, the heap gives the next (the node of least tentative time).
  for (let next = 0;; next++) {
    if (next === count) {
      if (size === 0 || (stopEarly && pending === 0)) break;
      const top = heapNode[0], last = --size;
      if (last > 0) {
        const node = heapNode[last], key = heapKey[last];
        let i = 0;
        for (;;) {
          let child = 2 * i + 1;
          if (child >= last) break;
          if (child + 1 < last && heapKey[child + 1] < heapKey[child]) child++;
          const ck = heapKey[child];
          if (ck >= key) break;
          const cn = heapNode[child];
          (heapNode[i] = cn), (heapKey[i] = ck), (heapPosition[cn] = i);
          i = child;
        }
        (heapNode[i] = node), (heapKey[i] = key), (heapPosition[node] = i);
      }
      (state[top] = ACCEPTED), (rank[top] = count), (acceptOrder[count++] = top);
      if (isTarget[top]) (isTarget[top] = 0), pending--;
    }
    const from = acceptOrder[next];
    for (let side = 0; side < 4; side++) {
      const k = side === 0 ? from - 1 : side === 1 ? from + 1 : side === 2 ? from - W : from + W;
      if (state[k] >= ACCEPTED) continue;
      updates++;
      // Per axis ∂T/∂x ≈ α τ − β, α = ∂T₀/∂x ± m·T₀/h, β = ±m·T₀/h·c, upwind for τ above
      // the crossover β/α; c = τ₁ (m = 1) or (4τ₁ − τ₂)/3 (m = 3/2, second order).
      const dx = nodeX[k] - xs, dy = nodeY[k] - ys;
      const d0 = Math.sqrt(dx * dx + dy * dy), q = d0 * invH, invD0 = 1 / d0;
      let ax = 0, ix = 0, cx = Infinity, fx = 0, x1 = -1, x2 = -1;
      if (state[k - 1] === ACCEPTED) x1 = k - 1;
      if (state[k + 1] === ACCEPTED && (x1 < 0 || t[k + 1] < t[k - 1])) x1 = k + 1;
      if (x1 >= 0) {
        let c = tau[x1], e = x1 < k ? q : -q;
        const n2 = 2 * x1 - k;
        if (secondOrder && state[n2] === ACCEPTED && t[n2] <= t[x1]) {
          (x2 = n2), (c = (4 * c - tau[n2]) * THIRD), (e *= 1.5);
        }
        const alpha = dx * invD0 + e, inverse = 1 / alpha;
        (fx = e * inverse), (cx = fx * c);
        (ax = alpha > 0 ? alpha : -alpha), (ix = inverse > 0 ? inverse : -inverse);
      }
      let ay = 0, iy = 0, cy = Infinity, fy = 0, y1 = -1, y2 = -1;
      if (state[k - W] === ACCEPTED) y1 = k - W;
      if (state[k + W] === ACCEPTED && (y1 < 0 || t[k + W] < t[k - W])) y1 = k + W;
      if (y1 >= 0) {
        let c = tau[y1], e = y1 < k ? q : -q;
        const n2 = 2 * y1 - k;
        if (secondOrder && state[n2] === ACCEPTED && t[n2] <= t[y1]) {
          (y2 = n2), (c = (4 * c - tau[n2]) * THIRD), (e *= 1.5);
        }
        const alpha = dy * invD0 + e, inverse = 1 / alpha;
        (fy = e * inverse), (cy = fy * c);
        (ay = alpha > 0 ? alpha : -alpha), (iy = inverse > 0 ? inverse : -inverse);
      }
      // Σ α²·max(τ − β/α, 0)² = s² (Godunov; ax, ay are |α|, ix, iy 1/|α|): one axis when the
      // other is absent or not upwind of the root, else both.
      const sk = s[k];
      let root: number, wx = 0, wy = 0, ds: number;
      const tx = ax > 0 ? cx + sk * ix : Infinity;
      const ty = ay > 0 ? cy + sk * iy : Infinity;
      if (tx <= cy) (root = tx), (wx = fx), (ds = ix);
      else if (ty <= cx) (root = ty), (wy = fy), (ds = iy);
      else {
        const a2x = ax * ax, a2y = ay * ay, a = a2x + a2y, dc = cx - cy;
        root = (a2x * cx + a2y * cy + Math.sqrt(Math.max(0, a * sk * sk - a2x * a2y * dc * dc))) /
          a;
        const px = a2x * (root - cx), py = a2y * (root - cy), den = 1 / (px + py);
        (wx = px * den * fx), (wy = py * den * fy), (ds = sk * den);
      }
      const time = d0 * root;
      if (!(time < t[k])) continue;
      (t[k] = time), (tau[k] = root), (dtauds[k] = ds);
      // Into the heap, or up in it (the time only falls).
      let i = state[k] === FAR ? size++ : heapPosition[k];
      state[k] = BAND;
      while (i > 0) {
        const parent = (i - 1) >> 1, pk = heapKey[parent];
        if (pk <= time) break;
        const pn = heapNode[parent];
        (heapNode[i] = pn), (heapKey[i] = pk), (heapPosition[pn] = i);
        i = parent;
      }
      (heapNode[i] = k), (heapKey[i] = time), (heapPosition[k] = i);
      // The stencil this τ came from.
      (weightX[k] = wx), (weightY[k] = wy);
      stencil[k] = (wx === 0 ? 0 : (x1 < k ? 1 : 2) | (x2 < 0 ? 0 : 4)) |
        ((wy === 0 ? 0 : (y1 < k ? 1 : 2) | (y2 < 0 ? 0 : 4)) << STENCIL_Y);
    }
  }
  m.accepted = count, m.updates = updates;
}
