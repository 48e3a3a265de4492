/**
 * Deterministic subsampling of large point sets, so that plots of tens of
 * thousands of points still render in about a second.
 *
 * @module
 */

/**
 * Default cap on points drawn per scatter layer (and on overlay points).
 * Above it, {@link subsample} keeps evenly spaced rows.
 */
export const DEFAULT_MAX_POINTS = 20000;

/**
 * Keeps at most `max` rows, evenly spaced by index (rows `floor(i * n / max)`),
 * so the same input always gives the same output and the first row is kept.
 * Inputs of `max` rows or fewer are returned as they are (same array).
 *
 * @param rows The rows to thin out.
 * @param max The most rows to keep (at least 1).
 * @returns The kept rows, in their original order.
 * @example
 * ```ts
 * import { subsample } from "./subsample.ts";
 * subsample([0, 1, 2, 3, 4, 5], 3); // [0, 2, 4]
 * ```
 */
export function subsample<T>(rows: readonly T[], max: number): T[] {
  const n = rows.length;
  const m = Math.max(1, Math.floor(max));
  if (n <= m) return rows as T[];
  const out: T[] = new Array(m);
  for (let i = 0; i < m; i++) out[i] = rows[Math.floor(i * n / m)];
  return out;
}
