/**
 * The flow's log-density on a regular 2-D grid: for heat maps and for the
 * check that the density integrates to one. For data of more than two
 * dimensions the grid is a slice through the other coordinates' values.
 *
 * @module
 */
import type { TransformedDistribution } from "../../lib/distributions/transformed.ts";
import { logProbOf } from "../../lib/distributions/batched.ts";

/** A log-density evaluated on a grid. */
export interface DensityGrid {
  /** Cell centres along the first axis. */
  x: number[];
  /** Cell centres along the second axis. */
  y: number[];
  /** `logDensity[iy][ix]` in nats. */
  logDensity: number[][];
  /** Area of one cell. */
  cellArea: number;
}

/** Where and how finely to evaluate a {@link DensityGrid}. */
export interface DensityGridOptions {
  /** Range of the first coordinate. */
  xRange: [number, number];
  /** Range of the second coordinate. */
  yRange: [number, number];
  /** Cells per axis. Default 200. */
  resolution?: number;
  /** Values of coordinates 3.. for data of more than 2 dims. */
  sliceAt?: number[];
}

/**
 * @param flow The flow (2-D, or higher with `sliceAt`).
 * @param options Ranges and resolution.
 * @returns The grid of log-densities.
 * @example
 * ```ts
 * import { buildRealNvpFlow } from "../../lib/flows/realnvp_flow.ts";
 * import { densityGrid, gridMass } from "./density_grid.ts";
 * const flow = buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [8], seed: 1 });
 * const grid = await densityGrid(flow, { xRange: [-8, 8], yRange: [-8, 8], resolution: 100 });
 * gridMass(grid); // ≈ 1
 * ```
 */
export async function densityGrid(
  flow: TransformedDistribution,
  options: DensityGridOptions,
): Promise<DensityGrid> {
  const res = options.resolution ?? 200;
  const extra = options.sliceAt ?? [];
  const dims = 2 + extra.length;
  if (dims !== flow.dims) {
    throw new Error(
      `A density grid of a ${flow.dims}-D flow needs ${
        flow.dims - 2
      } sliceAt values, got ${extra.length}`,
    );
  }
  const centres = ([lo, hi]: [number, number]) =>
    Array.from({ length: res }, (_, i) => lo + (i + 0.5) * (hi - lo) / res);
  const x = centres(options.xRange), y = centres(options.yRange);
  const pts = new Float32Array(res * res * dims);
  for (let iy = 0; iy < res; iy++) {
    for (let ix = 0; ix < res; ix++) {
      const o = (iy * res + ix) * dims;
      pts[o] = x[ix];
      pts[o + 1] = y[iy];
      for (let k = 0; k < extra.length; k++) pts[o + 2 + k] = extra[k];
    }
  }
  const lp = await logProbOf(flow, pts, dims);
  const logDensity = Array.from(
    { length: res },
    (_, iy) => Array.from(lp.subarray(iy * res, (iy + 1) * res)),
  );
  const cellArea = ((options.xRange[1] - options.xRange[0]) / res) *
    ((options.yRange[1] - options.yRange[0]) / res);
  return { x, y, logDensity, cellArea };
}

/**
 * Probability mass on the grid: Σ exp(log p) · cell area (≈ 1 for a 2-D density when the grid covers it).
 * @param grid A density grid.
 * @returns The mass.
 */
export function gridMass(grid: DensityGrid): number {
  let sum = 0;
  for (const row of grid.logDensity) for (const v of row) sum += Math.exp(v);
  return sum * grid.cellArea;
}
