/**
 * Backend selection: `wasm` (the default), `cpu`, or `webgpu` on request.
 *
 * The backend is chosen, in order, from the explicit argument, the
 * `FLOW_MODELS_BACKEND` environment variable, then the default `wasm`. On
 * wasm, dense layers multiply with a native BLAS through FFI when the
 * library is present and `--allow-ffi` is granted (see `blas.ts`);
 * `FLOW_MODELS_BLAS=0` turns that off, and any other value except `1` names
 * the library to load instead of searching the usual ones. Starting wasm also
 * installs the zero-copy `Identity` kernel (`identity.ts`): this is the one
 * place where the toolkit replaces a TensorFlow.js kernel, so importing the
 * toolkit alone leaves tfjs's kernels as they are.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { enableNativeBlas, nativeBlasStatus } from "./blas.ts";
import { useZeroCopyIdentity } from "./identity.ts";

/** Backends this toolkit knows how to start. */
export const BACKENDS = ["wasm", "cpu", "webgpu"] as const;
/** One of {@link BACKENDS}. */
export type BackendName = typeof BACKENDS[number];
/** The backend used when none is requested. */
export const DEFAULT_BACKEND: BackendName = "wasm";
/** Environment variable read by {@link initBackend} when no name is given. */
export const BACKEND_ENV_VAR = "FLOW_MODELS_BACKEND";
/**
 * `0` keeps the wasm backend off the native BLAS path; a path or library name
 * (other than `1`) is the one BLAS library to load.
 */
export const BLAS_ENV_VAR = "FLOW_MODELS_BLAS";

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined; // no --allow-env: fall back to the default
  }
}

/**
 * Starts a TensorFlow.js backend and makes it the active one. For wasm it
 * also loads the native BLAS (unless `FLOW_MODELS_BLAS=0`) and installs the
 * zero-copy `Identity` kernel.
 *
 * @param name Backend to start; when omitted, `FLOW_MODELS_BACKEND` or `wasm`.
 * @returns The name of the backend now active.
 * @throws Error naming the backend and the reason when it cannot start.
 * @example
 * ```ts
 * import { initBackend } from "./backend.ts";
 * const name = await initBackend("cpu");
 * console.log(name); // "cpu"
 * ```
 */
export async function initBackend(name?: string): Promise<BackendName> {
  const requested = name ?? env(BACKEND_ENV_VAR) ?? DEFAULT_BACKEND;
  if (!(BACKENDS as readonly string[]).includes(requested)) {
    throw new Error(
      `Unknown backend "${requested}": expected one of ${BACKENDS.join(", ")}`,
    );
  }
  const backend = requested as BackendName;
  const blas = env(BLAS_ENV_VAR);
  if (backend === "wasm") {
    useZeroCopyIdentity();
    if (blas !== "0") enableNativeBlas(blas && blas !== "1" ? { library: blas } : {});
  }
  if (tf.getBackend() === backend) return backend;
  if (backend === "webgpu" && tf.findBackendFactory("webgpu") === null) {
    try {
      await import("npm:@tensorflow/tfjs-backend-webgpu@4.22.0");
    } catch (err) {
      throw new Error(`Backend "webgpu" could not be loaded: ${(err as Error).message}`);
    }
  }
  let ok = false;
  let reason = "";
  try {
    ok = await tf.setBackend(backend);
    await tf.ready();
  } catch (err) {
    reason = (err as Error).message;
  }
  if (!ok || tf.getBackend() !== backend) {
    const why = reason ||
      (backend === "webgpu" ? "no WebGPU adapter is available on this machine" : "setup failed");
    throw new Error(`Backend "${backend}" could not start: ${why}`);
  }
  if (backend === "webgpu") explainSyncReads(tf.backend());
  return backend;
}

/** Marks a backend whose synchronous reads were already given a clear error. */
const EXPLAINED = Symbol("flow-models sync-read message");

/**
 * tfjs-webgpu reads a GPU tensor synchronously (`dataSync`, `arraySync`)
 * through a 2-D canvas, which Deno does not have: it fails with "Cannot read
 * properties of null (reading 'clearRect')". This replaces that message with
 * one that says what to do instead.
 */
function explainSyncReads(backend: unknown): void {
  const b = backend as { readSync?: (dataId: unknown) => unknown; [EXPLAINED]?: boolean };
  if (typeof b.readSync !== "function" || b[EXPLAINED]) return;
  const readSync = b.readSync.bind(b);
  b.readSync = (dataId: unknown) => {
    try {
      return readSync(dataId);
    } catch (err) {
      if (!/clearRect/.test((err as Error).message)) throw err;
      throw new Error(
        "The webgpu backend cannot read a tensor synchronously in Deno (dataSync/arraySync); " +
          "read it with `await tensor.data()` or `await tensor.array()`, or use --backend wasm",
      );
    }
  };
  b[EXPLAINED] = true;
}

/**
 * The name of the active backend, starting the default one if none is active yet.
 * @returns The active backend.
 * @example
 * ```ts
 * import { currentBackend, initBackend } from "./backend.ts";
 * await initBackend("cpu");
 * console.log(await currentBackend()); // "cpu"
 * ```
 */
export async function currentBackend(): Promise<BackendName> {
  const active = tf.getBackend();
  if ((BACKENDS as readonly string[]).includes(active)) return active as BackendName;
  return await initBackend();
}

/**
 * One line saying what runs the arithmetic, for the apps' first output line:
 * the backend and, on wasm, the native BLAS library with its threads or the
 * reason there is none.
 * @returns E.g. `wasm + native BLAS libopenblas.so.0 (1 thread)`.
 * @example
 * ```ts
 * import { describeRuntime, initBackend } from "./backend.ts";
 * await initBackend("cpu");
 * console.log(describeRuntime()); // "cpu"
 * ```
 */
export function describeRuntime(): string {
  const backend = tf.getBackend();
  if (backend !== "wasm") return backend;
  const { library, threads, reason } = nativeBlasStatus();
  if (library) {
    const t = threads === null ? "" : ` (${threads} thread${threads === 1 ? "" : "s"})`;
    return `wasm + native BLAS ${library}${t}`;
  }
  return `wasm, without native BLAS (${reason ?? `turned off by ${BLAS_ENV_VAR}=0`})`;
}
