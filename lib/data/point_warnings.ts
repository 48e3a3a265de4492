/**
 * Warnings about point data that a density model cannot fit well: columns
 * with (near-)zero spread, and many rows that repeat exactly. Both make the
 * likelihood unbounded — a flow can put ever narrower spikes on them, and
 * the NLL runs towards −∞ while the fit gets worse — so an app says so
 * before training instead of reporting a meaningless NLL.
 *
 * @module
 */

/** Options of {@link pointDataWarnings}. */
export interface PointWarningOptions {
  /** A column whose std is at most this fraction of the largest column std (or 0) is flagged. Default 1e-6. */
  relativeStd?: number;
  /** Flag duplicates when more than this fraction of rows repeat an earlier row exactly. Default 0.1. */
  duplicateFraction?: number;
}

/**
 * What is wrong with the points for density estimation, one message per problem.
 * @param points Row-major `[n, dims]` values (finite; see `validatePoints`).
 * @param dims Columns.
 * @param source Where the points came from, for the messages.
 * @param options Thresholds.
 * @returns Messages (empty when the data look fine).
 * @example
 * ```ts
 * import { pointDataWarnings } from "./point_warnings.ts";
 * const same = new Float64Array(200).fill(1); // 100 copies of (1, 1)
 * pointDataWarnings(same, 2, "dup.csv"); // [ "dup.csv: column 0 …", "dup.csv: column 1 …", "dup.csv: 99 of 100 rows …" ]
 * ```
 */
export function pointDataWarnings(
  points: ArrayLike<number>,
  dims: number,
  source: string,
  options: PointWarningOptions = {},
): string[] {
  const n = Math.floor(points.length / dims);
  if (n < 2) return [];
  const warnings: string[] = [];
  const stds: number[] = [];
  for (let j = 0; j < dims; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += points[i * dims + j];
    mean /= n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (points[i * dims + j] - mean) ** 2;
    stds.push(Math.sqrt(ss / (n - 1)));
  }
  const scale = Math.max(...stds);
  const tol = (options.relativeStd ?? 1e-6) * scale;
  stds.forEach((s, j) => {
    if (s <= tol) {
      warnings.push(
        `${source}: column ${j} has ${s === 0 ? "zero" : "near-zero"} spread (std ${
          s.toPrecision(3)
        }): the density is unbounded along it, so the NLL can run towards −∞ without a ` +
          `better fit; drop the column or add noise to it`,
      );
    }
  });
  const seen = new Set<string>();
  let repeats = 0;
  const row: number[] = new Array(dims);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dims; j++) row[j] = points[i * dims + j];
    const key = row.join(",");
    if (seen.has(key)) repeats++;
    else seen.add(key);
  }
  if (repeats > (options.duplicateFraction ?? 0.1) * n) {
    warnings.push(
      `${source}: ${repeats} of ${n} rows repeat an earlier row exactly: a flow puts spikes on ` +
        `repeated points and its NLL runs towards −∞; drop duplicates or add noise (dequantise)`,
    );
  }
  return warnings;
}
