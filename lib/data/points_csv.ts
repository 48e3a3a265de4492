/**
 * Reading point clouds from CSV files: one point per line, comma-separated
 * coordinates, an optional header line of column names. Application 1 takes
 * such a file in place of a toy dataset (`--dataset path/to/points.csv`).
 *
 * @module
 */
import { validatePoints } from "./validate_points.ts";

/** Points read from a CSV file. */
export interface CsvPoints {
  /** Row-major coordinates. */
  points: Float32Array;
  /** Columns per row. */
  dims: number;
  /** Column names from the header, or `x1, x2, …`. */
  columns: string[];
}

/**
 * Parses CSV text of numeric columns.
 * @param text File content.
 * @param source File name for messages.
 * @returns The points.
 * @throws Error naming the file, line and column of the first problem (ragged row, non-number, NaN/Inf).
 * @example
 * ```ts
 * import { parsePointsCsv } from "./points_csv.ts";
 * const { dims, points } = parsePointsCsv("x,y\n0,1\n2,3\n", "inline");
 * // dims === 2, points = [0, 1, 2, 3]
 * ```
 */
export function parsePointsCsv(text: string, source: string): CsvPoints {
  const lines = text.split(/\r?\n/).map((l, i) => ({
    line: i + 1,
    cells: l.split(",").map((c) => c.trim()),
  }))
    .filter((l) => l.cells.some((c) => c !== ""));
  if (lines.length === 0) throw new Error(`${source} holds no points`);
  let columns: string[] | null = null;
  if (
    lines[0].cells.some((c) =>
      c !== "" && Number.isNaN(Number(c)) && !/^[+-]?(nan|inf(inity)?)$/i.test(c)
    )
  ) {
    columns = lines.shift()!.cells;
  }
  if (lines.length === 0) throw new Error(`${source} has a header but no points`);
  const dims = columns?.length ?? lines[0].cells.length;
  if (dims < 2) throw new Error(`${source} must have at least 2 columns per point, got ${dims}`);
  const points = new Float32Array(lines.length * dims);
  lines.forEach(({ line, cells }, row) => {
    if (cells.length !== dims) {
      throw new Error(`${source}, line ${line}: expected ${dims} values, got ${cells.length}`);
    }
    cells.forEach((c, col) => {
      const v = c === "" ? NaN : Number(c);
      if (!Number.isFinite(v)) {
        throw new Error(
          `${source}, line ${line}, column ${col + 1}: value "${c}" is not a finite number`,
        );
      }
      points[row * dims + col] = v;
    });
  });
  validatePoints(points, dims, source);
  return { points, dims, columns: columns ?? Array.from({ length: dims }, (_, k) => `x${k + 1}`) };
}

/**
 * Reads a CSV file of points.
 * @param path The file.
 * @returns The points.
 * @throws Error naming the file when it is missing or malformed.
 * @example
 * ```ts
 * import { readPointsCsv } from "./points_csv.ts";
 * const path = await Deno.makeTempFile({ suffix: ".csv" });
 * await Deno.writeTextFile(path, "x,y\n0,1\n2,3\n");
 * const { points, dims, columns } = await readPointsCsv(path);
 * console.log(dims, columns, points); // 2 [ "x", "y" ] Float32Array(4) [ 0, 1, 2, 3 ]
 * await Deno.remove(path);
 * ```
 */
export async function readPointsCsv(path: string): Promise<CsvPoints> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw new Error(`Points file ${path} does not exist`);
    throw new Error(`Points file ${path} could not be read: ${(err as Error).message}`);
  }
  return parsePointsCsv(text, path);
}
