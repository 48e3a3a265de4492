/**
 * A zero-copy `Identity` kernel for the wasm backend. tfjs-backend-wasm's own
 * copies the buffer, and the autodiff tape clones (through `Identity`) every
 * tensor an op saves for its gradient: for a dense layer that is its input,
 * its output and its whole weight matrix, every training step (measured: 313
 * copies per step of app 1's reference model). The cpu backend's `Identity`
 * shares the buffer and counts a reference instead, which is safe because
 * tensors are immutable; this kernel does the same on wasm. The only kernel
 * of this toolkit that writes into an existing buffer, the in-place Adam
 * update, first checks that no other tensor shares it.
 *
 * Installed by `initBackend` when it starts wasm (backend.ts), never as a
 * side effect of an import.
 *
 * @module
 */
import { tf } from "../core/tf.ts";

interface RefCountingBackend {
  incRef(dataId: object): void;
}

function identityKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const x = args.inputs.x as tf.TensorInfo;
  (args.backend as RefCountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Replaces the wasm backend's `Identity` with the zero-copy one (idempotent).
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { useZeroCopyIdentity } from "./identity.ts";
 * useZeroCopyIdentity();
 * const x = tf.tensor1d([1, 2]);
 * console.log(tf.clone(x).dataId === x.dataId); // true on wasm
 * ```
 */
export function useZeroCopyIdentity(): void {
  const current = tf.getKernel("Identity", "wasm");
  if (current?.kernelFunc === identityKernel) return;
  if (current) tf.unregisterKernel("Identity", "wasm");
  tf.registerKernel({
    kernelName: "Identity",
    backendName: "wasm",
    kernelFunc: identityKernel as tf.KernelFunc,
  });
}
