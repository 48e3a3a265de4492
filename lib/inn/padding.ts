/**
 * The partition of an invertible network's two sides for inverse problems
 * (Ardizzone et al. 2019): parameters `x` on the input side, observations
 * `y` and latent variables `z` on the output side. Both sides must have the
 * same width `D`, so the narrower one is padded: the input is
 * `[x, padX]` and the output is `[y, z, padOut]`, with
 * `D = max(dimX, dimY + dimZ)` (at least 2, the smallest coupling width,
 * or a wider `width` when asked for). Padding is zeros or, optionally, small
 * seeded Gaussian noise.
 *
 * @module
 */
import { tf } from "../core/tf.ts";

/** The sizes of an INN's partition; `width` may widen both sides beyond the minimum. */
export interface InnDims {
  /** Parameters on the input side (≥ 1). */
  dimX: number;
  /** Observations on the output side (≥ 1). */
  dimY: number;
  /** Latent variables on the output side (≥ 0). */
  dimZ: number;
  /** Total width `D`; default and minimum `max(2, dimX, dimY + dimZ)`. */
  width?: number;
}

/** A checked partition with its padding widths. */
export interface InnLayout {
  /** Parameters. */
  dimX: number;
  /** Observations. */
  dimY: number;
  /** Latent variables. */
  dimZ: number;
  /** Width `D` of both sides. */
  width: number;
  /** Padding after `x` on the input side: `D − dimX`. */
  padX: number;
  /** Padding after `[y, z]` on the output side: `D − dimY − dimZ`. */
  padOut: number;
}

/** How to fill padding columns. */
export interface PadOptions {
  /** Standard deviation of Gaussian padding; 0 (default) pads with zeros. */
  noise?: number;
  /** Seed of the padding noise; required when `noise > 0`. */
  seed?: number;
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer ≥ ${min}, got ${value}`);
  }
}

/**
 * Checks an INN partition and works out its widths.
 * @param dims Sizes of `x`, `y`, `z` and optionally the total width.
 * @returns The layout with both padding widths.
 * @throws Error when a size is not a valid integer or `width` is too small.
 * @example
 * ```ts
 * import { innLayout } from "./padding.ts";
 * const layout = innLayout({ dimX: 4, dimY: 2, dimZ: 1 });
 * console.log(layout.width, layout.padX, layout.padOut); // 4 0 1
 * ```
 */
export function innLayout(dims: InnDims): InnLayout {
  const { dimX, dimY, dimZ } = dims;
  checkCount("dimX", dimX, 1);
  checkCount("dimY", dimY, 1);
  checkCount("dimZ", dimZ, 0);
  const minimum = Math.max(2, dimX, dimY + dimZ);
  const width = dims.width ?? minimum;
  if (!Number.isInteger(width) || width < minimum) {
    throw new Error(
      `width must be an integer ≥ max(2, dimX=${dimX}, dimY + dimZ=${
        dimY + dimZ
      }) = ${minimum}, got ${width}`,
    );
  }
  return { dimX, dimY, dimZ, width, padX: width - dimX, padOut: width - dimY - dimZ };
}

function checkMatrix(what: string, t: tf.Tensor, cols: number, rows?: number): void {
  if (t.rank !== 2 || t.shape[1] !== cols || (rows !== undefined && t.shape[0] !== rows)) {
    throw new Error(
      `${what} must have shape [${rows ?? "batch"}, ${cols}], got [${t.shape}]`,
    );
  }
}

/**
 * Padding columns: zeros, or Gaussian noise of the given scale.
 * @param rows Batch size.
 * @param cols Number of padding columns (may be 0).
 * @param options Noise scale and seed.
 * @returns `[rows, cols]`.
 * @throws Error when noise is asked for without a seed, or is negative.
 * @example
 * ```ts
 * import { padding } from "./padding.ts";
 * padding(2, 3, { noise: 0.01, seed: 1 }).print(); // small noise, shape [2, 3]
 * ```
 */
export function padding(rows: number, cols: number, options: PadOptions = {}): tf.Tensor2D {
  const noise = options.noise ?? 0;
  if (!(noise >= 0) || !Number.isFinite(noise)) {
    throw new Error(`Padding noise must be a finite number ≥ 0, got ${noise}`);
  }
  if (noise === 0 || cols === 0) return tf.zeros([rows, cols]);
  if (options.seed === undefined) throw new Error("Padding noise needs a seed (options.seed)");
  return tf.randomNormal([rows, cols], 0, noise, "float32", options.seed);
}

/**
 * Pads parameters to the network width: `[x, padX]`.
 * @param x Parameters `[n, dimX]`.
 * @param layout The partition.
 * @param options Zeros (default) or noise with a seed.
 * @returns `[n, width]`.
 * @throws Error naming the expected and actual shapes.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { innLayout, padInput } from "./padding.ts";
 * const layout = innLayout({ dimX: 1, dimY: 1, dimZ: 2 });
 * padInput(tf.tensor2d([[5], [6]]), layout).print(); // [[5, 0, 0], [6, 0, 0]]
 * ```
 */
export function padInput(
  x: tf.Tensor2D,
  layout: InnLayout,
  options: PadOptions = {},
): tf.Tensor2D {
  checkMatrix("Parameters x", x, layout.dimX);
  if (layout.padX === 0) return x.clone();
  return tf.tidy(() => tf.concat([x, padding(x.shape[0], layout.padX, options)], 1));
}

/**
 * Splits the network's input side into parameters and padding.
 * @param input `[n, width]`.
 * @param layout The partition.
 * @returns `x` `[n, dimX]` and `pad` `[n, padX]`.
 * @throws Error naming the expected and actual shapes.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { innLayout, splitInput } from "./padding.ts";
 * const layout = innLayout({ dimX: 1, dimY: 1, dimZ: 2 });
 * const { x, pad } = splitInput(tf.tensor2d([[1, 0, 0]]), layout);
 * console.log(x.shape, pad.shape); // [1, 1] [1, 2]
 * ```
 */
export function splitInput(
  input: tf.Tensor2D,
  layout: InnLayout,
): { x: tf.Tensor2D; pad: tf.Tensor2D } {
  checkMatrix("The input side", input, layout.width);
  const n = input.shape[0];
  return {
    x: tf.slice(input, [0, 0], [n, layout.dimX]),
    pad: tf.slice(input, [0, layout.dimX], [n, layout.padX]),
  };
}

/**
 * Assembles the network's output side `[y, z, padOut]`.
 * @param y Observations `[n, dimY]`.
 * @param z Latent variables `[n, dimZ]`.
 * @param layout The partition.
 * @param options Padding: an explicit `pad` `[n, padOut]`, or zeros/noise.
 * @returns `[n, width]`.
 * @throws Error naming the expected and actual shapes.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { innLayout, joinOutput } from "./padding.ts";
 * const layout = innLayout({ dimX: 3, dimY: 1, dimZ: 1 });
 * joinOutput(tf.tensor2d([[1]]), tf.tensor2d([[2]]), layout).print(); // [[1, 2, 0]]
 * ```
 */
export function joinOutput(
  y: tf.Tensor2D,
  z: tf.Tensor2D,
  layout: InnLayout,
  options: PadOptions & { pad?: tf.Tensor2D } = {},
): tf.Tensor2D {
  checkMatrix("Observations y", y, layout.dimY);
  const n = y.shape[0];
  checkMatrix("Latent z", z, layout.dimZ, n);
  if (options.pad) checkMatrix("Output padding", options.pad, layout.padOut, n);
  return tf.tidy(() => {
    const parts = [y];
    if (layout.dimZ > 0) parts.push(z);
    if (layout.padOut > 0) parts.push(options.pad ?? padding(n, layout.padOut, options));
    return parts.length === 1 ? y.clone() : tf.concat(parts, 1);
  });
}

/**
 * Splits the network's output side into observations, latent variables and padding.
 * @param output `[n, width]`.
 * @param layout The partition.
 * @returns `y` `[n, dimY]`, `z` `[n, dimZ]`, `pad` `[n, padOut]`.
 * @throws Error naming the expected and actual shapes.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { innLayout, splitOutput } from "./padding.ts";
 * const parts = splitOutput(tf.tensor2d([[1, 2, 3]]), innLayout({ dimX: 3, dimY: 1, dimZ: 1 }));
 * parts.pad.print(); // [[3]]
 * ```
 */
export function splitOutput(
  output: tf.Tensor2D,
  layout: InnLayout,
): { y: tf.Tensor2D; z: tf.Tensor2D; pad: tf.Tensor2D } {
  checkMatrix("The output side", output, layout.width);
  const n = output.shape[0];
  return {
    y: tf.slice(output, [0, 0], [n, layout.dimY]),
    z: tf.slice(output, [0, layout.dimY], [n, layout.dimZ]),
    pad: tf.slice(output, [0, layout.dimY + layout.dimZ], [n, layout.padOut]),
  };
}
