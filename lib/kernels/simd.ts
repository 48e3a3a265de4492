/**
 * Loads the SIMD kernels of lib/kernels/simd_kernels.wat into the memory of the
 * tfjs wasm backend, so they work on tensor buffers in place (pointers are
 * byte offsets into that heap). Returns null when the backend's memory cannot
 * be reached or the runtime lacks wasm SIMD; callers then use their
 * JavaScript loops.
 *
 * @module
 */
import { SIMD_KERNELS_BASE64 } from "./simd_kernels.ts";

/** The exported kernels. */
export interface SimdKernels {
  /** In-place Adam over `n` floats at byte offsets `w`, `g`, `m`, `v`. */
  adam(
    w: number,
    g: number,
    m: number,
    v: number,
    n: number,
    alpha: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    gradScale: number,
  ): void;
  /** `Σ x[i]²` (accumulated in float64) over `n` floats at byte offset `x`. */
  sum_of_squares(x: number, n: number): number;
  /** `y[r, c] += bias[c]`, then `max(y, 0)` when `relu` is 1, on a `[rows, cols]` matrix. */
  bias_act(y: number, bias: number, rows: number, cols: number, relu: number): void;
  /** `out[i] = y[i] > 0 ? dy[i] : 0` over `n` floats. */
  relu_grad(dy: number, y: number, out: number, n: number): void;
  /** `out[c] = Σ_r x[r, c]` of a `[rows, cols]` matrix. */
  column_sums(x: number, rows: number, cols: number, out: number): void;
  /**
   * Patch matrix `[n·h·w, k·k·c]` of a SAME, stride-1, `k×k` convolution of
   * NHWC images `x` `[n, h, w, c]` (zeros outside the image), written at `out`.
   */
  im2col(x: number, n: number, h: number, w: number, c: number, k: number, out: number): void;
  /** Adjoint of {@link SimdKernels.im2col}: scatter-adds a patch matrix back onto `[n, h, w, c]`. */
  col2im(cols: number, n: number, h: number, w: number, c: number, k: number, out: number): void;
}

const cache = new WeakMap<WebAssembly.Memory, SimdKernels>();

function decode(b64: string): Uint8Array {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/**
 * The kernels bound to a wasm backend's heap.
 * @param backend The tfjs wasm backend object (`tf.backend()` while wasm is active).
 * @returns The kernels, or null when they cannot run here.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { simdKernelsFor } from "./simd.ts";
 * await tf.setBackend("wasm");
 * console.log(simdKernelsFor(tf.backend()) !== null); // true where wasm SIMD runs
 * ```
 */
export function simdKernelsFor(backend: unknown): SimdKernels | null {
  const memory = (backend as { wasm?: { asm?: { memory?: unknown } } })?.wasm?.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return null;
  const cached = cache.get(memory);
  if (cached) return cached;
  try {
    const module = new WebAssembly.Module(decode(SIMD_KERNELS_BASE64) as BufferSource);
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    const kernels = instance.exports as unknown as SimdKernels;
    cache.set(memory, kernels);
    return kernels;
  } catch {
    return null;
  }
}

/**
 * The kernels bound to a wasm backend's heap, for code that cannot run without them.
 * @param backend The tfjs wasm backend object.
 * @param what Who needs them, for the error message.
 * @returns The kernels.
 * @throws Error when they cannot run here.
 */
export function requireSimdKernels(backend: unknown, what: string): SimdKernels {
  const kernels = simdKernelsFor(backend);
  if (!kernels) throw new Error(`${what} needs the wasm SIMD kernels`);
  return kernels;
}
