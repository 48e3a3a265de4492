/**
 * 2-D convolution of NHWC images (stride 1, SAME zero padding, odd square
 * kernels such as 1×1 and 3×3) as im2col + {@link gemm}, with a gradient of
 * its own, so convolution weights train on the wasm backend, which has no
 * `Conv2DBackpropFilter` kernel.
 *
 * - Forward: the `k·k` shifted copies of the zero-padded input are
 *   concatenated along channels (im2col, `[n·h·w, k·k·cIn]`) and multiplied
 *   by the kernel reshaped to `[k·k·cIn, cOut]`.
 * - Kernel gradient: `patchesᵀ · dy` (one gemm, transposed operand handled
 *   by the native BLAS or by an explicit transpose).
 * - Input gradient: the transposed convolution, computed on whichever side
 *   is narrower: `col2im(dy · Wᵀ)` when `cIn ≤ cOut`, otherwise a SAME
 *   convolution of `dy` with the spatially flipped, channel-swapped kernel.
 *
 * Large batches (patch matrices above {@link PATCH_CHUNK_FLOATS} floats) are
 * processed in chunks of examples, and their patches are recomputed in the
 * backward pass instead of being kept, so evaluation on big batches does not
 * exhaust the wasm heap.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { gemm } from "./blas.ts";

/** Default limit, in floats (128 MiB), above which patch matrices are formed a chunk of examples at a time. */
export const PATCH_CHUNK_FLOATS = 1 << 25;

let patchChunkFloats = PATCH_CHUNK_FLOATS;

/**
 * Sets the patch-matrix size above which {@link conv2d} works a chunk of
 * examples at a time (a memory bound; tests use it to reach the chunked path).
 * @param floats New limit in floats (≥ 1).
 * @returns The previous limit.
 * @example
 * ```ts
 * import { setPatchChunkFloats } from "./conv.ts";
 * const previous = setPatchChunkFloats(1 << 20);
 * setPatchChunkFloats(previous);
 * ```
 */
export function setPatchChunkFloats(floats: number): number {
  if (!(floats >= 1)) throw new Error(`The patch chunk limit must be ≥ 1, got ${floats}`);
  const previous = patchChunkFloats;
  patchChunkFloats = floats;
  return previous;
}

function checkKernelSize(k: number): number {
  if (!Number.isInteger(k) || k < 1 || k % 2 !== 1) {
    throw new Error(`Kernel size must be a positive odd integer, got ${k}`);
  }
  return (k - 1) / 2;
}

/**
 * The patch matrix of a SAME, stride-1 convolution: row `(b, i, j)` holds the
 * `k × k` neighbourhood of pixel `(i, j)` of example `b` (zeros beyond the
 * border), ordered (row offset, column offset, channel) like a
 * `[k, k, cIn, cOut]` kernel.
 * @param x Images `[n, h, w, c]`.
 * @param kernelSize Odd kernel size `k`.
 * @returns `[n·h·w, k·k·c]`.
 * @example
 * ```ts
 * import { tf } from "../tf.ts";
 * import { im2col } from "./conv.ts";
 * const p = im2col(tf.ones([2, 4, 4, 3]) as tf.Tensor4D, 3);
 * console.log(p.shape); // [32, 27]
 * ```
 */
export function im2col(x: tf.Tensor4D, kernelSize: number): tf.Tensor2D {
  const r = checkKernelSize(kernelSize);
  const [n, h, w, c] = x.shape;
  if (r === 0) return tf.reshape(x, [n * h * w, c]);
  return tf.tidy(() => {
    const padded = tf.pad(x, [[0, 0], [r, r], [r, r], [0, 0]]);
    const shifts: tf.Tensor4D[] = [];
    for (let dy = 0; dy < kernelSize; dy++) {
      for (let dx = 0; dx < kernelSize; dx++) {
        shifts.push(tf.slice(padded, [0, dy, dx, 0], [n, h, w, c]));
      }
    }
    return tf.reshape(tf.concat(shifts, 3), [n * h * w, kernelSize * kernelSize * c]);
  });
}

/**
 * The adjoint of {@link im2col}: adds every patch entry back onto the pixel
 * it was copied from (entries that came from the zero border are dropped).
 * @param cols Patch-shaped values `[n·h·w, k·k·c]`.
 * @param shape Image shape `[n, h, w, c]`.
 * @param kernelSize Odd kernel size `k`.
 * @returns `[n, h, w, c]`.
 * @example
 * ```ts
 * import { tf } from "../tf.ts";
 * import { col2im } from "./conv.ts";
 * // every interior pixel of a 3×3 image appears in 9 patches, a corner in 4
 * const counts = col2im(tf.ones([9, 9]) as tf.Tensor2D, [1, 3, 3, 1], 3);
 * counts.print(); // [[[[4],[6],[4]], [[6],[9],[6]], [[4],[6],[4]]]]
 * ```
 */
export function col2im(
  cols: tf.Tensor2D,
  shape: [number, number, number, number],
  kernelSize: number,
): tf.Tensor4D {
  const r = checkKernelSize(kernelSize);
  const [n, h, w, c] = shape;
  if (r === 0) return tf.reshape(cols, shape);
  return tf.tidy(() => {
    const parts = tf.split(
      tf.reshape(cols, [n, h, w, kernelSize * kernelSize * c]),
      kernelSize ** 2,
      3,
    );
    const k1 = kernelSize - 1;
    const placed = parts.map((p, i) => {
      const dy = Math.floor(i / kernelSize), dx = i % kernelSize;
      return tf.pad(p, [[0, 0], [dy, k1 - dy], [dx, k1 - dx], [0, 0]]);
    });
    return tf.slice(tf.addN(placed), [0, r, r, 0], [n, h, w, c]) as tf.Tensor4D;
  });
}

/** How many examples one patch matrix may hold. */
function chunkSize(shape: number[], kernelSize: number): number {
  const [n, h, w, c] = shape;
  return Math.max(1, Math.min(n, Math.floor(patchChunkFloats / (h * w * kernelSize ** 2 * c))));
}

/** Splits a batch into consecutive chunks of at most `size` examples. */
function chunks<T extends tf.Tensor>(x: T, size: number): T[] {
  const n = x.shape[0];
  if (size >= n) return [x];
  const sizes: number[] = [];
  for (let s = 0; s < n; s += size) sizes.push(Math.min(size, n - s));
  return tf.split(x, sizes, 0) as T[];
}

/** `[k, k, cIn, cOut]` → `[k·k·cIn, cOut]`. */
function kernelMatrix(kernel: tf.Tensor4D): tf.Tensor2D {
  const [k, , cIn, cOut] = kernel.shape;
  return tf.reshape(kernel, [k * k * cIn, cOut]);
}

/** Forward convolution without bias, chunked over the batch when the patches are large. */
function convolve(x: tf.Tensor4D, kernel: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const [k, , , cOut] = kernel.shape;
  const wm = kernelMatrix(kernel);
  const parts = chunks(x, chunkSize(x.shape, k)).map((xi) =>
    tf.tidy(() => gemm(im2col(xi, k), wm))
  );
  const y = parts.length === 1 ? parts[0] : tf.concat(parts, 0);
  return tf.reshape(y, [n, h, w, cOut]);
}

/** Gradient of the input: the transposed convolution of `dy`, on the narrower side. */
function inputGradient(dy: tf.Tensor4D, kernel: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, cOut] = dy.shape;
  const [k, , cIn] = kernel.shape;
  if (k === 1 || cIn <= cOut) {
    return col2im(gemm(tf.reshape(dy, [n * h * w, cOut]), kernelMatrix(kernel), false, true), [
      n,
      h,
      w,
      cIn,
    ], k);
  }
  const flipped = tf.transpose(tf.reverse(kernel, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
  return convolve(dy, flipped);
}

/** Gradient of the kernel: `Σ patchesᵀ · dy` over chunks (or from the saved patches). */
function kernelGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  kernelShape: number[],
  patches: tf.Tensor2D | undefined,
): tf.Tensor {
  const k = kernelShape[0];
  const cOut = dy.shape[3];
  const flat = (t: tf.Tensor4D) => tf.reshape(t, [-1, cOut]) as tf.Tensor2D;
  if (patches) return tf.reshape(gemm(patches, flat(dy), true, false), kernelShape);
  const size = chunkSize(x.shape, k);
  const xs = chunks(x, size), dys = chunks(dy, size);
  const terms = xs.map((xi, i) => tf.tidy(() => gemm(im2col(xi, k), flat(dys[i]), true, false)));
  return tf.reshape(terms.length === 1 ? terms[0] : tf.addN(terms), kernelShape);
}

/** Forward pass that also returns the patch matrix when it was formed in one piece. */
function forwardWithPatches(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
): { y: tf.Tensor4D; patches?: tf.Tensor2D } {
  const [n, h, w] = x.shape;
  const [k, , , cOut] = kernel.shape;
  if (chunkSize(x.shape, k) < n) return { y: convolve(x, kernel) };
  const patches = im2col(x, k);
  return { y: tf.reshape(gemm(patches, kernelMatrix(kernel)), [n, h, w, cOut]), patches };
}

const convWithBias = tf.customGrad(
  // deno-lint-ignore no-explicit-any
  ((x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D, save: any) => {
    const { y, patches } = forwardWithPatches(x, kernel);
    save(patches ? [x, kernel, patches] : [x, kernel]);
    return {
      value: tf.add(y, bias),
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, ks, ps] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor2D | undefined];
        return [
          inputGradient(dy, ks),
          kernelGradient(xs, dy, ks.shape, ps),
          tf.sum(dy, [0, 1, 2]),
        ];
      },
    };
    // deno-lint-ignore no-explicit-any
  }) as any,
) as (x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D) => tf.Tensor4D;

const convNoBias = tf.customGrad(
  // deno-lint-ignore no-explicit-any
  ((x: tf.Tensor4D, kernel: tf.Tensor4D, save: any) => {
    const { y, patches } = forwardWithPatches(x, kernel);
    save(patches ? [x, kernel, patches] : [x, kernel]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, ks, ps] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor2D | undefined];
        return [inputGradient(dy, ks), kernelGradient(xs, dy, ks.shape, ps)];
      },
    };
    // deno-lint-ignore no-explicit-any
  }) as any,
) as (x: tf.Tensor4D, kernel: tf.Tensor4D) => tf.Tensor4D;

/**
 * SAME, stride-1 convolution `y = x ⊛ kernel + bias` of NHWC images, with
 * gradients for the input, the kernel and the bias that exist on every
 * backend (im2col + gemm; native BLAS when enabled).
 * @param x Images `[n, h, w, cIn]`.
 * @param kernel Weights `[k, k, cIn, cOut]`, `k` odd (1 and 3 in the Glow couplings).
 * @param bias Optional bias `[cOut]`.
 * @returns `[n, h, w, cOut]`, equal to `tf.conv2d(x, kernel, 1, "same") + bias`.
 * @throws Error when the shapes do not fit.
 * @example
 * ```ts
 * import { tf } from "../tf.ts";
 * import { conv2d } from "./conv.ts";
 * const x = tf.randomNormal([2, 5, 5, 3]) as tf.Tensor4D;
 * const kernel = tf.randomNormal([3, 3, 3, 8]) as tf.Tensor4D;
 * const y = conv2d(x, kernel, tf.zeros([8]) as tf.Tensor1D);
 * console.log(y.shape); // [2, 5, 5, 8]
 * ```
 */
export function conv2d(x: tf.Tensor4D, kernel: tf.Tensor4D, bias?: tf.Tensor1D): tf.Tensor4D {
  if (x.rank !== 4 || kernel.rank !== 4) {
    throw new Error(
      `conv2d expects images [n, h, w, c] and a kernel [k, k, cIn, cOut], got [${x.shape}] and [${kernel.shape}]`,
    );
  }
  const [k, k2, cIn, cOut] = kernel.shape;
  checkKernelSize(k);
  if (k2 !== k || cIn !== x.shape[3]) {
    throw new Error(
      `conv2d needs a square kernel whose third axis matches the ${
        x.shape[3]
      } input channels, got kernel [${kernel.shape}]`,
    );
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== cOut)) {
    throw new Error(`conv2d bias must have shape [${cOut}], got [${bias.shape}]`);
  }
  return bias ? convWithBias(x, kernel, bias) : convNoBias(x, kernel);
}
