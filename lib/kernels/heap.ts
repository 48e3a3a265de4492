/**
 * What this toolkit's own wasm kernels use of the tfjs wasm backend: output
 * allocation and typed-array views on its heap, and buffer reference counts.
 * One description shared by every kernel file (native gemm, fused dense,
 * batch norm, affine coupling, global norm, Adam), with the helpers that
 * define (registered on first use) and run them.
 *
 * @module
 */
import { tf } from "../core/tf.ts";

/** The parts of tfjs-backend-wasm's backend object the kernels call. */
export interface WasmHeapBackend {
  /** Allocates an output tensor on the heap. */
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
  /** A Float32Array view of a tensor's heap buffer (invalidated when the heap grows). */
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  /** How many tensors share a buffer. */
  refCount(dataId: object): number;
  /** Frees a buffer (`force`: regardless of its reference count). */
  disposeData(dataId: object, force?: boolean): boolean;
}

/** Arguments tfjs passes to a kernel function. */
export interface WasmKernelArgs {
  /** Named inputs. */
  inputs: tf.NamedTensorInfoMap;
  /** The backend, a {@link WasmHeapBackend} on wasm. */
  backend: unknown;
  /** Attributes given to `runKernel`. */
  attrs?: tf.NamedAttrMap;
}

/** Kernels defined by {@link defineWasmKernels}, registered with tfjs on first use. */
const defined = new Map<string, (args: WasmKernelArgs) => tf.TensorInfo | tf.TensorInfo[]>();
/** Names already registered (or found registered) for the wasm backend. */
const registered = new Set<string>();

/**
 * Defines kernel functions for the wasm backend without touching tfjs's
 * kernel registry: each is registered on its first {@link runKernel}, so
 * importing a kernel module changes nothing global.
 * @param kernels Kernel name → function.
 */
export function defineWasmKernels(
  kernels: Record<string, (args: WasmKernelArgs) => tf.TensorInfo | tf.TensorInfo[]>,
): void {
  for (const [kernelName, fn] of Object.entries(kernels)) defined.set(kernelName, fn);
}

/** Registers a kernel of {@link defineWasmKernels} with tfjs unless that was done already. */
function ensureRegistered(name: string): void {
  if (registered.has(name)) return;
  const fn = defined.get(name);
  if (fn && !tf.getKernel(name, "wasm")) {
    tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc: fn as tf.KernelFunc });
  }
  registered.add(name);
}

/**
 * Runs a kernel by name, registering it first when it was only defined
 * ({@link defineWasmKernels}).
 * @param name Kernel name.
 * @param inputs Named inputs.
 * @param attrs Attributes.
 * @returns The kernel's output tensors (one or several).
 */
export function runKernel<T extends tf.Tensor | tf.Tensor[]>(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, number | boolean | number[]> = {},
): T {
  ensureRegistered(name);
  return tf.engine().runKernel(name, inputs, attrs) as unknown as T;
}

/**
 * Allocates float32 scratch buffers on the heap for the duration of `body`
 * and frees them afterwards, also when it throws. Take typed-array views
 * inside `body`: allocating may grow the heap and invalidate older views.
 * @param backend The wasm backend.
 * @param sizes Float count of each buffer (0 allowed).
 * @param body Work that uses the buffers.
 * @returns What `body` returns.
 */
export function withScratch<T>(
  backend: WasmHeapBackend,
  sizes: number[],
  body: (scratch: tf.TensorInfo[]) => T,
): T {
  const scratch = sizes.map((s) => backend.makeOutput([s], "float32"));
  try {
    return body(scratch);
  } finally {
    for (const s of scratch) backend.disposeData(s.dataId, true);
  }
}
