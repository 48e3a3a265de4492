/**
 * What this toolkit's own wasm kernels use of the tfjs wasm backend: output
 * allocation and typed-array views on its heap, and buffer reference counts.
 * One description shared by every kernel file (native gemm, fused dense,
 * batch norm, affine coupling, global norm, Adam).
 *
 * @module
 */
import type { tf } from "../tf.ts";

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
