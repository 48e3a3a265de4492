/**
 * A guard for point data loaded from files or produced by a model.
 *
 * @module
 */

/**
 * Throws if `points` is not a row-major n×dims array of finite numbers.
 * @param points Row-major coordinates.
 * @param dims Number of columns, a positive integer.
 * @param source Where the points came from (a file name, "generated samples"), for the message.
 * @returns Nothing; the number of rows is `points.length / dims`.
 * @example
 * ```ts
 * import { validatePoints } from "./validate_points.ts";
 * validatePoints(new Float32Array([0, 1, 2, 3]), 2, "data/points.csv"); // ok
 * try {
 *   validatePoints([0, NaN], 2, "data/points.csv");
 * } catch (err) {
 *   console.log((err as Error).message); // Points from data/points.csv must be finite, … row 0, column 1
 * }
 * ```
 */
export function validatePoints(points: ArrayLike<number>, dims: number, source: string): void {
  if (!Number.isInteger(dims) || dims < 1) {
    throw new Error(`Point dimension for ${source} must be a positive integer, got ${dims}`);
  }
  if (points.length === 0 || points.length % dims !== 0) {
    throw new Error(
      `Points from ${source} must be a non-empty row-major n×${dims} array, got length ${points.length}`,
    );
  }
  for (let i = 0; i < points.length; i++) {
    const v = points[i];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new Error(
        `Points from ${source} must be finite, got ${v} at row ${Math.floor(i / dims)}, column ${
          i % dims
        }`,
      );
    }
  }
}
