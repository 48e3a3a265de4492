/**
 * A labelled matrix as coloured cells with their values written in them,
 * e.g. a confusion matrix (true class × predicted class).
 *
 * @module
 */
import { DEFAULT_WIDTH, titleBlock, VEGA_LITE_SCHEMA } from "./style.ts";
import { PlotError, type VegaLiteSpec } from "./types.ts";

/** Options of {@link matrixChart}. */
export interface MatrixChartOptions {
  /** Row labels, top to bottom. */
  rows: readonly string[];
  /** Column labels, left to right. */
  columns: readonly string[];
  /** `values[r][c]`; non-finite cells are left blank. */
  values: ReadonlyArray<ArrayLike<number>>;
  /** Text written in each cell; default the value with up to 3 significant digits. */
  text?: ReadonlyArray<ReadonlyArray<string>>;
  /** Plot title. */
  title?: string;
  /** Smaller second title line. */
  subtitle?: string;
  /** Title of the row axis. */
  rowLabel?: string;
  /** Title of the column axis. */
  columnLabel?: string;
  /** Colour-bar title. Default "value". */
  valueLabel?: string;
  /** Vega colour scheme name. Default "blues". */
  scheme?: string;
  /** Plot side in pixels. Default 480. */
  size?: number;
}

/**
 * Builds a matrix chart: one cell per row and column, coloured by its value,
 * with the value (or the given text) in it; rows run top to bottom in order.
 * @param options See {@link MatrixChartOptions}.
 * @returns A Vega-Lite spec.
 * @throws {PlotError} When `values` is not `rows.length` rows of `columns.length` entries.
 * @example
 * ```ts
 * import { matrixChart } from "./matrix.ts";
 * const spec = matrixChart({
 *   rows: ["cat", "dog"],
 *   columns: ["cat", "dog"],
 *   values: [[48, 2], [5, 45]],
 *   rowLabel: "true class",
 *   columnLabel: "predicted class",
 * });
 * ```
 */
export function matrixChart(options: MatrixChartOptions): VegaLiteSpec {
  const { rows, columns, values } = options;
  if (values.length !== rows.length || values.some((r) => r.length !== columns.length)) {
    throw new PlotError(
      `matrixChart: values must be ${rows.length} rows of ${columns.length} entries`,
    );
  }
  const cells = [];
  let max = -Infinity;
  for (let r = 0; r < rows.length; r++) {
    for (let c = 0; c < columns.length; c++) {
      const v = Number(values[r][c]);
      if (!Number.isFinite(v)) continue;
      max = Math.max(max, v);
      const text = options.text?.[r]?.[c] ?? String(Number(v.toPrecision(3)));
      cells.push({ row: rows[r], column: columns[c], v, text });
    }
  }
  const size = options.size ?? DEFAULT_WIDTH;
  const axis = (field: string, title: string | undefined, order: readonly string[]) => ({
    field,
    type: "nominal",
    sort: [...order],
    title: title ?? null,
    axis: { labelLimit: 200, grid: false },
  });
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...titleBlock(options.title, options.subtitle),
    width: size,
    height: size,
    data: { values: cells },
    encoding: {
      x: axis("column", options.columnLabel, columns),
      y: axis("row", options.rowLabel, rows),
    },
    layer: [
      {
        mark: { type: "rect" },
        encoding: {
          color: {
            field: "v",
            type: "quantitative",
            title: options.valueLabel ?? "value",
            scale: { scheme: options.scheme ?? "blues" },
          },
        },
      },
      {
        mark: { type: "text", fontSize: 10 },
        encoding: {
          text: { field: "text", type: "nominal" },
          color: {
            condition: {
              test: `datum.v > ${0.6 * (Number.isFinite(max) ? max : 0)}`,
              value: "white",
            },
            value: "black",
          },
        },
      },
    ],
  };
}
