/**
 * The one place that imports TensorFlow.js. Every other module imports `tf`
 * from here, so the whole toolkit shares one engine instance.
 *
 * The full `@tensorflow/tfjs` bundle is used (not tfjs-core alone): its Node
 * build is the one that registers gradients and chained tensor methods. The
 * cpu and wasm backends are registered on import and wasm is started;
 * webgpu is loaded on request by `initBackend` (lib/kernels/backend.ts).
 * Importing this module replaces none of tfjs's kernels: the toolkit's own
 * kernel changes happen in `initBackend`.
 *
 * @module
 */
/**
 * The TensorFlow.js namespace (`@tensorflow/tfjs`) that the whole toolkit
 * shares: one engine, one backend, one set of registered kernels. Import `tf`
 * from here (or from the root `mod.ts`) rather than from npm, so tensors made
 * by your code and by the toolkit live in the same engine.
 *
 * @example
 * ```ts
 * import { tf } from "./tf.ts";
 * const x = tf.tensor2d([[1, 2], [3, 4]]);
 * console.log(tf.sum(x).dataSync()[0]); // 10
 * ```
 */
import * as tf from "npm:@tensorflow/tfjs@4.22.0";
import "npm:@tensorflow/tfjs-backend-wasm@4.22.0";

export { tf };
/** A rank-1 float tensor, one value per batch element (e.g. a log-determinant). */
export type Tensor1D = tf.Tensor1D;
/** A rank-2 tensor shaped `[batch, dims]`. */
export type Tensor2D = tf.Tensor2D;

// Production mode: no debug checks, and no advice to install tfjs-node
// (which cannot be used from Deno) on first use of the cpu backend.
tf.env().set("PROD", true);

// Start the highest-priority backend (wasm) now, so that importing the
// toolkit is enough to compute; initBackend() can switch later.
await tf.setBackend("wasm");
