/**
 * The one door to this toolkit's kernels. Every hand-written kernel (the wasm
 * SIMD module, the fused dense, convolution, batch-norm, affine-coupling, Adam
 * and global-norm kernels, the zero-copy `Identity`) and the native BLAS
 * binding live in `lib/kernels/`; the rest of the library imports them only
 * from here. Each op picks its kernel for the active backend — the fused
 * wasm/BLAS kernel where it can run, else a plain-TensorFlow.js reference
 * path — so no caller outside this folder tests which backend is active.
 *
 * Ops: {@link denseLayer} (a whole network: {@link denseStack}), {@link conv2d}, {@link splitChannels},
 * {@link concatChannels}, {@link affineCoupling} (and its elementwise part
 * {@link affineCouplingTransform}; with its parameter network
 * {@link affineCouplingNetwork}), {@link channelAffine} (ActNorm),
 * {@link batchNormTraining},
 * {@link adamUpdate}, {@link globalNorm}, {@link gemm}, {@link sumTensors},
 * {@link permuteLastAxis} and {@link customGradOp} for ops with a
 * hand-written gradient. Start-up: {@link initBackend} (which also installs
 * the kernels that replace tfjs's own), {@link currentBackend},
 * {@link describeRuntime}; the native BLAS controls: {@link enableNativeBlas},
 * {@link setNativeBlasThreads}, {@link setNativeGemmEnabled},
 * {@link nativeBlasLibrary}, {@link nativeBlasStatus}.
 *
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { denseLayer, initBackend } from "./mod.ts";
 * await initBackend("wasm");
 * const y = denseLayer(tf.ones([2, 3]), tf.ones([3, 4]), tf.zeros([4]), "relu");
 * console.log(y.shape); // [2, 4]
 * ```
 *
 * @module
 */
export {
  BACKEND_ENV_VAR,
  type BackendName,
  BACKENDS,
  BLAS_ENV_VAR,
  currentBackend,
  DEFAULT_BACKEND,
  describeRuntime,
  initBackend,
} from "./backend.ts";
export {
  BLAS_THREADS_ENV_VAR,
  enableNativeBlas,
  gemm,
  nativeBlasLibrary,
  type NativeBlasStatus,
  nativeBlasStatus,
  setNativeBlasThreads,
  setNativeGemmEnabled,
} from "./blas.ts";
export { type DenseActivation, denseLayer, type DenseStack, denseStack } from "./dense_op.ts";
export { conv2d } from "./conv_op.ts";
export { concatChannels, splitChannels } from "./channels.ts";
export { affineCoupling, affineCouplingTransform } from "./affine_coupling_op.ts";
export { affineCouplingNetwork, splineCouplingNetwork } from "./coupling_network_op.ts";
export { rationalQuadraticSpline, type RqSplineShape } from "./spline_op.ts";
export { batchNormTraining } from "./batch_norm_ops.ts";
export { channelAffine } from "./channel_affine_op.ts";
export type { MovingStatistics } from "./batch_norm_kernels.ts";
export { type AdamStep, adamUpdate } from "./adam_kernel.ts";
export { globalNorm } from "./global_norm.ts";
export { permuteLastAxis, sumTensors } from "./ops.ts";
export { customGradOp } from "./custom_grad.ts";
