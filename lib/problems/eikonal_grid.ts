/**
 * The square grid of nodes the eikonal solver ({@link ./eikonal.ts}) works
 * on, its checks, and bilinear interpolation between its nodes.
 *
 * @module
 */

/** A square grid of nodes: node `(i, j)` at `(x0 + i·spacing, y0 + j·spacing)`, index `j·nx + i`. */
export interface EikonalGrid {
  /** Nodes along x (≥ 2). */
  nx: number;
  /** Nodes along y (≥ 2). */
  ny: number;
  /** Distance between neighbouring nodes, e.g. km. */
  spacing: number;
  /** x of the first column of nodes. */
  x0: number;
  /** y of the first row of nodes. */
  y0: number;
}

/**
 * Checks a grid: integer sizes ≥ 2, a finite spacing > 0, a finite origin.
 * @param grid The grid.
 * @returns A copy of it.
 * @throws RangeError naming what is wrong.
 * @example
 * ```ts
 * import { checkEikonalGrid } from "./eikonal_grid.ts";
 * checkEikonalGrid({ nx: 21, ny: 21, spacing: 0.5, x0: -5, y0: -5 });
 * ```
 */
export function checkEikonalGrid(grid: EikonalGrid): EikonalGrid {
  const { nx, ny, spacing, x0, y0 } = grid;
  if (!(Number.isInteger(nx) && Number.isInteger(ny) && nx >= 2 && ny >= 2)) {
    throw new RangeError(`A grid needs integer node counts nx, ny ≥ 2, got ${nx} × ${ny}`);
  }
  if (!(spacing > 0 && Number.isFinite(spacing) && Number.isFinite(x0) && Number.isFinite(y0))) {
    throw new RangeError(
      `A grid needs a finite spacing > 0 and a finite origin, got spacing ${spacing} and origin (${x0}, ${y0})`,
    );
  }
  return { nx, ny, spacing, x0, y0 };
}

/**
 * The cell of the grid that holds a point, and the point's place in it: writes
 * `[i, j, ax, ay]` to `out` — the cell's lower-left node `(i, j)` and the
 * fractions `ax, ay ∈ [0, 1]` across it; the bilinear weights of the nodes
 * `(i, j), (i+1, j), (i, j+1), (i+1, j+1)` are `(1−ax)(1−ay), ax(1−ay), (1−ax)ay, ax·ay`.
 * @param grid The grid.
 * @param x x of the point.
 * @param y y of the point.
 * @param what The point's name in the error message, e.g. `source 3`.
 * @param out Four values, written to.
 * @throws RangeError when the point lies outside the grid's box.
 * @example
 * ```ts
 * import { gridCell } from "./eikonal_grid.ts";
 * const out = new Float64Array(4);
 * gridCell({ nx: 3, ny: 3, spacing: 1, x0: 0, y0: 0 }, 1.25, 0.5, "receiver", out);
 * console.log(out); // Float64Array [1, 0, 0.25, 0.5]
 * ```
 */
export function gridCell(
  grid: EikonalGrid,
  x: number,
  y: number,
  what: string,
  out: Float64Array,
): void {
  const { nx, ny, spacing: h, x0, y0 } = grid;
  const fx = (x - x0) / h, fy = (y - y0) / h, eps = 1e-9;
  if (!(fx >= -eps && fx <= nx - 1 + eps && fy >= -eps && fy <= ny - 1 + eps)) {
    throw new RangeError(
      `The ${what} at (${x}, ${y}) lies outside the model box [${x0}, ${
        x0 + (nx - 1) * h
      }] × [${y0}, ${y0 + (ny - 1) * h}]`,
    );
  }
  const i = Math.min(Math.max(Math.floor(fx), 0), nx - 2);
  const j = Math.min(Math.max(Math.floor(fy), 0), ny - 2);
  out[0] = i, out[1] = j;
  out[2] = Math.min(Math.max(fx - i, 0), 1), out[3] = Math.min(Math.max(fy - j, 0), 1);
}
