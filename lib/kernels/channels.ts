/**
 * Splitting and joining the channel axis of NHWC images as matrix products
 * with 0/1 selection matrices, `[n·h·w, c] · S`, through {@link gemm}.
 *
 * The wasm backend's `SplitV`, `Slice` and `Concat` on the last axis copy
 * one short row at a time in JavaScript (about 1 ms for a
 * `[64, 14, 14, 4]` batch); the same selection as a native gemm takes about
 * 0.1 ms. Each operation's gradient is the other one, so both directions
 * stay on the fast path.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { sumTensors } from "./ops.ts";
import { gemm } from "./blas.ts";

/** `S[i][j] = 1` when input channel `i` is output channel `j` of the part `[offset, offset + size)`. */
function selection(channels: number, offset: number, size: number): tf.Tensor2D {
  const values = new Float32Array(channels * size);
  for (let j = 0; j < size; j++) values[(offset + j) * size + j] = 1;
  return tf.tensor2d(values, [channels, size]);
}

function offsets(sizes: readonly number[]): number[] {
  const out: number[] = [];
  let o = 0;
  for (const s of sizes) {
    out.push(o);
    o += s;
  }
  return out;
}

/** Channels `[offset, offset + size)` of the last axis, no gradient bookkeeping. */
function select(x: tf.Tensor, offset: number, size: number): tf.Tensor {
  const c = x.shape[x.rank - 1]!;
  const rows = tf.reshape(x, [-1, c]) as tf.Tensor2D;
  return tf.reshape(gemm(rows, selection(c, offset, size)), [...x.shape.slice(0, -1), size]);
}

/** The inverse placement: `part` written into channels `[offset, …)` of `c` zeros. */
function place(part: tf.Tensor, offset: number, c: number): tf.Tensor {
  const size = part.shape[part.rank - 1]!;
  const rows = tf.reshape(part, [-1, size]) as tf.Tensor2D;
  return tf.reshape(gemm(rows, selection(c, offset, size), false, true), [
    ...part.shape.slice(0, -1),
    c,
  ]);
}

/** Forward of the concatenation, no gradient bookkeeping. */
function joinParts(parts: readonly tf.Tensor[]): tf.Tensor {
  const sizes = parts.map((p) => p.shape[p.rank - 1]!);
  const c = sizes.reduce((a, b) => a + b, 0);
  const terms = offsets(sizes).map((o, i) => place(parts[i], o, c));
  return sumTensors(terms);
}

function checkSizes(x: tf.Tensor, sizes: readonly number[]): void {
  const c = x.shape[x.rank - 1];
  if (
    x.rank < 2 || sizes.length < 1 || sizes.some((s) => !Number.isInteger(s) || s < 1) ||
    sizes.reduce((a, b) => a + b, 0) !== c
  ) {
    throw new Error(
      `splitChannels: sizes [${sizes}] must be positive and add up to the last axis of [${x.shape}]`,
    );
  }
}

/**
 * Splits the last axis into consecutive parts (like `tf.split(x, sizes, -1)`).
 * @param x Tensor of rank ≥ 2, e.g. images `[n, h, w, c]`.
 * @param sizes Widths of the parts, adding up to `c`.
 * @returns The parts, in order.
 * @throws Error when the sizes do not add up to the last axis.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { splitChannels } from "./channels.ts";
 * const [a, b] = splitChannels(tf.tensor2d([[1, 2, 3]]), [1, 2]);
 * a.print(); // [[1]]
 * b.print(); // [[2, 3]]
 * ```
 */
export function splitChannels(x: tf.Tensor, sizes: readonly number[]): tf.Tensor[] {
  checkSizes(x, sizes);
  if (sizes.length === 1) return [x];
  const c = x.shape[x.rank - 1]!;
  return offsets(sizes).map((o, i) => {
    const op = tf.customGrad(
      ((input: tf.Tensor) => ({
        value: select(input, o, sizes[i]),
        gradFunc: (dy: tf.Tensor) => place(dy, o, c),
        // deno-lint-ignore no-explicit-any
      })) as any,
    ) as (input: tf.Tensor) => tf.Tensor;
    return op(x);
  });
}

/**
 * Concatenates along the last axis (like `tf.concat(parts, -1)`).
 * @param parts Tensors equal in every axis but the last.
 * @returns The concatenation.
 * @throws Error when the leading shapes differ.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { concatChannels } from "./channels.ts";
 * concatChannels([tf.tensor2d([[1]]), tf.tensor2d([[2, 3]])]).print(); // [[1, 2, 3]]
 * ```
 */
export function concatChannels(parts: readonly tf.Tensor[]): tf.Tensor {
  const lead = parts[0]?.shape.slice(0, -1).join(",");
  if (!lead || parts.some((p) => p.rank < 2 || p.shape.slice(0, -1).join(",") !== lead)) {
    throw new Error(
      `concatChannels needs tensors of rank ≥ 2 equal in all but the last axis, got ${
        parts.map((p) => `[${p.shape}]`).join(", ")
      }`,
    );
  }
  if (parts.length === 1) return parts[0];
  const sizes = parts.map((p) => p.shape[p.rank - 1]!);
  const op = tf.customGrad(
    // customGrad passes a `save` function after the inputs
    ((...args: unknown[]) => ({
      value: joinParts(args.slice(0, parts.length) as tf.Tensor[]),
      gradFunc: (dy: tf.Tensor) => offsets(sizes).map((o, i) => select(dy, o, sizes[i])),
      // deno-lint-ignore no-explicit-any
    })) as any,
  ) as (...inputs: tf.Tensor[]) => tf.Tensor;
  return op(...parts);
}
