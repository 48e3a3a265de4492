/**
 * Helpers that turn number arrays into Vega-Lite data rows.
 *
 * @module
 */

/** A list of 2-D points given as `[x, y]` rows (extra columns are ignored). */
export type Points = ReadonlyArray<ArrayLike<number>>;

/** One data row of a point layer. */
export interface XYRow {
  /** Horizontal coordinate. */
  x: number;
  /** Vertical coordinate. */
  y: number;
}

/**
 * Converts `[x, y]` rows to `{ x, y }` objects, dropping rows with a
 * non-finite coordinate or fewer than two columns.
 *
 * @param points Rows `[x, y, ...]`.
 * @returns The finite points as objects.
 * @example
 * ```ts
 * import { toRows } from "./points.ts";
 * toRows([[0, 1], [NaN, 2]]); // [{ x: 0, y: 1 }]
 * ```
 */
export function toRows(points: Points): XYRow[] {
  const out: XYRow[] = [];
  for (const p of points) {
    const x = Number(p[0]), y = Number(p[1]);
    if (Number.isFinite(x) && Number.isFinite(y)) out.push({ x, y });
  }
  return out;
}

/**
 * Smallest and largest finite value of a list.
 *
 * @param values Numbers (non-finite ones are skipped).
 * @returns `[min, max]`, or `undefined` when no value is finite.
 * @example
 * ```ts
 * import { extent } from "./points.ts";
 * extent([3, -1, Infinity, 2]); // [-1, 3]
 * ```
 */
export function extent(values: Iterable<number>): [number, number] | undefined {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : undefined;
}
