/**
 * The one place that imports TensorFlow.js. Every other module imports `tf`
 * from here, so the whole toolkit shares one engine instance.
 *
 * The full `@tensorflow/tfjs` bundle is used (not tfjs-core alone): its Node
 * build is the one that registers gradients and chained tensor methods. The
 * cpu and wasm backends are registered on import and wasm is started;
 * webgpu is loaded on request by {@link ../kernels/backend.ts}.
 *
 * @module
 */
import * as tf from "npm:@tensorflow/tfjs@4.22.0";
import "npm:@tensorflow/tfjs-backend-wasm@4.22.0";
import { useZeroCopyIdentity } from "../kernels/identity.ts";

export { tf };
/** A rank-1 float tensor, one value per batch element (e.g. a log-determinant). */
export type Tensor1D = tf.Tensor1D;
/** A rank-2 tensor shaped `[batch, dims]`. */
export type Tensor2D = tf.Tensor2D;

// Production mode: no debug checks, and no advice to install tfjs-node
// (which cannot be used from Deno) on first use of the cpu backend.
tf.env().set("PROD", true);

// Saved-for-gradient clones share buffers on wasm as they do on cpu
// (lib/kernels/identity.ts).
useZeroCopyIdentity();

// Start the highest-priority backend (wasm) now, so that importing the
// toolkit is enough to compute; initBackend() can switch later.
await tf.setBackend("wasm");
