/**
 * Optional native matrix multiply: `cblas_sgemm` of an optimised BLAS
 * (OpenBLAS from Debian's `libopenblas0-pthread`) called through Deno FFI,
 * directly on the wasm backend's heap (no copies). It is registered as a
 * kernel of its own (`FlowModelsGemm`) that only this toolkit's dense layers
 * call, so TensorFlow.js itself is left untouched.
 *
 * Enabled by {@link enableNativeBlas} (which `initBackend` calls for the wasm
 * backend when FFI is permitted and `FLOW_MODELS_BLAS` is not `0`); when the
 * library or the permission is missing, {@link gemm} falls back to
 * TensorFlow.js's matMul with explicit transposes.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import type { WasmHeapBackend, WasmKernelArgs as KernelArgs } from "./heap.ts";

/** Kernel name of the native gemm. */
export const GEMM_KERNEL = "FlowModelsGemm";
/**
 * Libraries tried in order by {@link enableNativeBlas}: OpenBLAS on Linux
 * (Debian `libopenblas0-pthread`), Homebrew's OpenBLAS and Apple's Accelerate
 * on macOS, OpenBLAS on Windows, then the reference BLAS.
 */
export const BLAS_LIBRARIES = [
  "libopenblas.so.0",
  "libopenblas.so",
  "libopenblas.dylib",
  "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
  "/usr/local/opt/openblas/lib/libopenblas.dylib",
  "/System/Library/Frameworks/Accelerate.framework/Accelerate",
  "libopenblas.dll",
  "libblas.so.3",
];

/** Environment variable with the OpenBLAS thread count at load time (default 1). */
export const BLAS_THREADS_ENV_VAR = "FLOW_MODELS_BLAS_THREADS";

/** Thread count from {@link BLAS_THREADS_ENV_VAR}; 1 when unset, invalid or not permitted. */
function threadsFromEnv(): number {
  try {
    const n = Number(Deno.env.get(BLAS_THREADS_ENV_VAR) ?? 1);
    return Number.isInteger(n) && n >= 1 ? n : 1;
  } catch {
    return 1; // no --allow-env
  }
}

const ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

const SYMBOLS = {
  cblas_sgemm: {
    parameters: [
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "f32",
      "buffer",
      "i32",
      "buffer",
      "i32",
      "f32",
      "buffer",
      "i32",
    ],
    result: "void",
  },
  openblas_set_num_threads: { parameters: ["i32"], result: "void", optional: true },
} as const;

interface BlasState {
  library: string;
  // deno-lint-ignore no-explicit-any
  sgemm: (...args: any[]) => void;
  setThreads: ((n: number) => void) | null;
  threads: number | null;
}

let state: BlasState | null = null;
let lastFailure: string | null = null;
let enabled = true;

function gemmKernel(
  args: KernelArgs,
): tf.TensorInfo {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const transposeA = Boolean(args.attrs?.transposeA), transposeB = Boolean(args.attrs?.transposeB);
  const backend = args.backend as WasmHeapBackend;
  const [ar, ac] = a.shape, [br, bc] = b.shape;
  const m = transposeA ? ac : ar, k = transposeA ? ar : ac, n = transposeB ? br : bc;
  const out = backend.makeOutput([m, n], "float32");
  state!.sgemm(
    ROW_MAJOR,
    transposeA ? TRANS : NO_TRANS,
    transposeB ? TRANS : NO_TRANS,
    m,
    n,
    k,
    1,
    backend.typedArrayFromHeap(a),
    ac,
    backend.typedArrayFromHeap(b),
    bc,
    0,
    backend.typedArrayFromHeap(out),
    n,
  );
  return out;
}

/**
 * Loads a BLAS library and registers the native gemm for the wasm backend.
 * @param options `library`: the one path or name to load (no other is tried
 *   then); `threads`: OpenBLAS threads (default 1, or `FLOW_MODELS_BLAS_THREADS`).
 * @returns The library used, or null (with the reason) when unavailable.
 * @example
 * ```ts ignore
 * import { enableNativeBlas } from "./blas.ts";
 * const r = enableNativeBlas(); // needs --allow-ffi
 * console.log(r.library ?? r.reason);
 * ```
 */
export function enableNativeBlas(
  options: { library?: string; threads?: number } = {},
): { library: string | null; reason?: string } {
  if (state) return { library: state.library };
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
    lastFailure = "FFI is not permitted (--allow-ffi)";
    return { library: null, reason: lastFailure };
  }
  const errors: string[] = [];
  for (const name of options.library ? [options.library] : BLAS_LIBRARIES) {
    try {
      const lib = Deno.dlopen(name, SYMBOLS);
      // One thread by default: our matrices are small and a second thread
      // competing with the JS thread on 2 cores measured slower.
      const setThreads = lib.symbols.openblas_set_num_threads ?? null;
      const threads = setThreads ? options.threads ?? threadsFromEnv() : null;
      if (threads !== null) setThreads!(threads);
      state = { library: name, sgemm: lib.symbols.cblas_sgemm, setThreads, threads };
      lastFailure = null;
      tf.registerKernel({
        kernelName: GEMM_KERNEL,
        backendName: "wasm",
        kernelFunc: gemmKernel as tf.KernelFunc,
      });
      return { library: name };
    } catch (err) {
      errors.push(`${name}: ${(err as Error).message}`);
    }
  }
  lastFailure = blasFailureMessage(options.library ?? null, errors, verboseFromEnv());
  return { library: null, reason: lastFailure };
}

/** Environment variable that makes a failed BLAS search list every library it tried. */
export const BLAS_VERBOSE_ENV_VAR = "FLOW_MODELS_BLAS_VERBOSE";

function verboseFromEnv(): boolean {
  try {
    const v = Deno.env.get(BLAS_VERBOSE_ENV_VAR);
    return v !== undefined && v !== "" && v !== "0";
  } catch {
    return false; // no --allow-env
  }
}

/**
 * The one-line reason shown when no native BLAS could be loaded: the library
 * that was asked for and why it failed, or, after a search of the usual
 * names, what to install (the search's details only when `verbose`).
 * @param requested The library named by the user (`FLOW_MODELS_BLAS`), or null after a search.
 * @param errors `name: error` per library tried.
 * @param verbose List every library tried and its error.
 * @returns The reason, one line.
 * @example
 * ```ts
 * import { blasFailureMessage } from "./blas.ts";
 * console.log(blasFailureMessage(null, ["libopenblas.so.0: not found"], false));
 * // none found: install libopenblas0-pthread for 2–3× faster training, or set …
 * ```
 */
export function blasFailureMessage(
  requested: string | null,
  errors: readonly string[],
  verbose: boolean,
): string {
  if (requested !== null) {
    return `${requested} could not be loaded as BLAS: ${errors.join("; ")}`;
  }
  const details = verbose
    ? `; tried ${errors.join("; ")}`
    : `; ${BLAS_VERBOSE_ENV_VAR}=1 lists what was tried`;
  return "none found: install libopenblas0-pthread for 2–3× faster training, or set " +
    `FLOW_MODELS_BLAS=/path/to/libblas.so${details}`;
}

/**
 * Sets the number of OpenBLAS threads of the loaded library (no effect on
 * other BLAS libraries).
 * @param threads Threads, ≥ 1.
 * @returns Whether the library accepted a thread count.
 * @throws Error when `threads` is not a positive integer.
 * @example
 * ```ts
 * import { setNativeBlasThreads } from "./blas.ts";
 * console.log(setNativeBlasThreads(1)); // true once OpenBLAS is loaded, else false
 * ```
 */
export function setNativeBlasThreads(threads: number): boolean {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`BLAS threads must be a positive integer, got ${threads}`);
  }
  if (!state?.setThreads) return false;
  state.setThreads(threads);
  state.threads = threads;
  return true;
}

/** Whether {@link gemm} runs natively on the active backend. */
export function nativeGemmActive(): boolean {
  return state !== null && enabled && tf.getBackend() === "wasm";
}

/**
 * Switches the native path off (or back on) without unloading it, e.g. to
 * compare both paths in one process.
 * @param on Whether {@link gemm} may use the native kernel.
 * @example
 * ```ts
 * import { setNativeGemmEnabled } from "./blas.ts";
 * setNativeGemmEnabled(false); // tfjs matMul from now on
 * setNativeGemmEnabled(true);
 * ```
 */
export function setNativeGemmEnabled(on: boolean): void {
  enabled = on;
}

/**
 * Row-major `C = op(A) · op(B) + β C` with the loaded BLAS, for kernels that
 * work on the wasm heap directly. Only valid while {@link nativeGemmActive}.
 * @param transposeA Use `Aᵀ`.
 * @param transposeB Use `Bᵀ`.
 * @param m Rows of `C`.
 * @param n Columns of `C`.
 * @param k Inner dimension.
 * @param a `A` with leading dimension `lda`.
 * @param lda Leading dimension of `A`.
 * @param b `B` with leading dimension `ldb`.
 * @param ldb Leading dimension of `B`.
 * @param beta Factor of the old `C`.
 * @param c Output, leading dimension `n`.
 */
export function nativeSgemm(
  transposeA: boolean,
  transposeB: boolean,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  lda: number,
  b: Float32Array,
  ldb: number,
  beta: number,
  c: Float32Array,
): void {
  if (!state) throw new Error("nativeSgemm called without a loaded BLAS library");
  state.sgemm(
    ROW_MAJOR,
    transposeA ? TRANS : NO_TRANS,
    transposeB ? TRANS : NO_TRANS,
    m,
    n,
    k,
    1,
    a,
    lda,
    b,
    ldb,
    beta,
    c,
    n,
  );
}

/**
 * The loaded BLAS library, or null.
 * @returns Its path or name as loaded.
 * @example
 * ```ts
 * import { nativeBlasLibrary } from "./blas.ts";
 * console.log(nativeBlasLibrary() ?? "no native BLAS");
 * ```
 */
export function nativeBlasLibrary(): string | null {
  return state?.library ?? null;
}

/** What {@link nativeBlasStatus} reports. */
export interface NativeBlasStatus {
  /** The loaded library, or null. */
  library: string | null;
  /** OpenBLAS threads; null when the library has no thread setting or none is loaded. */
  threads: number | null;
  /** Why no library is loaded (null when one is, or when loading was never tried). */
  reason: string | null;
}

/**
 * The native BLAS: which library, how many threads, or why there is none.
 * @returns The status.
 * @example
 * ```ts
 * import { nativeBlasStatus } from "./blas.ts";
 * console.log(nativeBlasStatus().library); // e.g. "libopenblas.so.0", or null
 * ```
 */
export function nativeBlasStatus(): NativeBlasStatus {
  return { library: state?.library ?? null, threads: state?.threads ?? null, reason: lastFailure };
}

/**
 * `op(a) · op(b)` for rank-2 float32 tensors, where `op` transposes when asked.
 * Native BLAS when active; otherwise tfjs matMul with explicit transposes
 * (the transposed-operand path of tfjs-wasm is 10–25× slower).
 * @param a Left matrix.
 * @param b Right matrix.
 * @param transposeA Use `aᵀ`.
 * @param transposeB Use `bᵀ`.
 * @returns The product.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { gemm } from "./blas.ts";
 * gemm(tf.tensor2d([[1, 2]]), tf.tensor2d([[3, 4]]), false, true).print(); // [[11]]
 * ```
 */
export function gemm(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  transposeA = false,
  transposeB = false,
): tf.Tensor2D {
  if (nativeGemmActive()) {
    return tf.engine().runKernel(GEMM_KERNEL, { a, b }, { transposeA, transposeB }) as tf.Tensor2D;
  }
  return tf.tidy(() =>
    tf.matMul(
      transposeA ? tf.transpose(a) : freshIfVariable(a),
      transposeB ? tf.transpose(b) : freshIfVariable(b),
    )
  );
}

/**
 * XNNPACK (behind tfjs-wasm's matMul and conv) keeps the packed form of an
 * operand keyed by its buffer, and the fused Adam updates variables inside
 * their buffers; so a variable goes to matMul as a fresh copy, or later
 * products would use stale weights.
 */
function freshIfVariable(t: tf.Tensor2D): tf.Tensor2D {
  return t instanceof tf.Variable && tf.getBackend() === "wasm" ? tf.mul(t, 1) : t;
}
