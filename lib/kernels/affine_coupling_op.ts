/**
 * The elementwise part of an affine coupling as one differentiable op with a
 * hand-written gradient. Written with plain tf ops the forward records about
 * eight tape nodes and its gradient about 30 small kernels; this op takes
 * about ten kernels forward and ten backward.
 *
 * Forward (`inverse = false`): `s = c tanh(ŝ / c)`, `y = x eˢ + t`, log-det
 * elements `s`. Inverse: `y = (x − t) e⁻ˢ`, log-det elements `−s`. Both return
 * `[y, logDetElements]` packed side by side as `[batch, 2n]`; with `c = 0`
 * the log-scale is not clamped (`s = ŝ`).
 *
 * {@link affineCoupling} is the op a coupling layer calls: on wasm the whole
 * coupling (pass-through part, transform, log-det sum) is one JavaScript
 * kernel each way; elsewhere it splits the input, applies
 * {@link affineCouplingTransform} and concatenates.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { customGradOp } from "./custom_grad.ts";
import {
  defineWasmKernels,
  runKernel,
  type WasmHeapBackend,
  type WasmKernelArgs as KernelArgs,
} from "./heap.ts";

/**
 * Applies an affine transform with parameters from a coupling network.
 * @param x Transformed half `[batch, n]`.
 * @param params Network output `[batch, 2n]`: shift `t`, then raw log-scale `ŝ`.
 * @param clip Soft bound `c` of the log-scale; 0: none.
 * @param inverse Apply the inverse map.
 * @returns `[batch, 2n]`: the output, then the per-element log-det.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { affineCouplingTransform } from "./affine_coupling_op.ts";
 * const out = affineCouplingTransform(tf.tensor2d([[1]]), tf.tensor2d([[0.5, 0]]), 0, false);
 * out.print(); // [[1.5, 0]]
 * ```
 */
export function affineCouplingTransform(
  x: tf.Tensor2D,
  params: tf.Tensor2D,
  clip: number,
  inverse: boolean,
): tf.Tensor2D {
  const n = x.shape[1];
  return customGradOp<tf.Tensor2D>(
    [x, params],
    ([xIn, p]) => {
      const [shift, raw] = tf.split(p, [n, n], 1);
      const logScale = clip > 0 ? tf.mul(tf.tanh(tf.div(raw, clip)), clip) : raw;
      const y = inverse
        ? tf.mul(tf.sub(xIn, shift), tf.exp(tf.neg(logScale)))
        : tf.add(tf.mul(xIn, tf.exp(logScale)), shift);
      return {
        value: tf.concat([y, inverse ? tf.neg(logScale) : logScale], 1) as tf.Tensor2D,
        save: [xIn, y, logScale],
      };
    },
    (dPacked, [xs, ys, s]) => {
      const [dy, dLogDet] = tf.split(dPacked, [n, n], 1);
      // Forward: dx = dy eˢ, dt = dy, ds = dy x eˢ + dℓ = dy (y − t) + dℓ.
      // Inverse: dx = dy e⁻ˢ, dt = −dy e⁻ˢ, ds = −dy y − dℓ.
      const scale = tf.exp(inverse ? tf.neg(s) : s);
      const dx = tf.mul(dy, scale);
      const dShift = inverse ? tf.neg(dx) : dy;
      const dLogScale = inverse
        ? tf.neg(tf.add(tf.mul(dy, ys), dLogDet))
        : tf.add(tf.mul(dx, xs), dLogDet);
      const dRaw = clip > 0 ? tf.mul(dLogScale, tf.sub(1, tf.square(tf.div(s, clip)))) : dLogScale;
      return [dx, tf.concat([dShift, dRaw], 1)];
    },
  );
}

/** Forward kernel name of the whole affine coupling on wasm. */
export const AFFINE_COUPLING_KERNEL = "FlowModelsAffineCoupling";
/** Backward kernel name. */
export const AFFINE_COUPLING_GRAD_KERNEL = "FlowModelsAffineCouplingGrad";

function clampedLogScale(raw: number, clip: number): number {
  return clip > 0 ? clip * Math.tanh(raw / clip) : raw;
}

/** The shape and settings of a coupling's rows, for {@link coupleRows} and {@link coupleRowsGrad}. */
export interface CouplingRows {
  /** Rows. */
  n: number;
  /** Width. */
  d: number;
  /** Pass-through width. */
  numMasked: number;
  /** Soft bound of the log-scale; 0: none. */
  clip: number;
  /** The inverse map. */
  inverse: boolean;
}

/**
 * The coupling's rows on flat arrays: `out` `[n, d + 1]` gets `[x1, y2]`
 * and the log-det of each row (shared with the coupling-network kernel).
 * @param xs Input `[n, d]`.
 * @param p Network output `[n, 2m]`: shifts, then raw log-scales (`m = d − numMasked`).
 * @param out Output `[n, d + 1]`.
 * @param shape Rows, width, pass-through width, clamp and direction.
 */
export function coupleRows(
  xs: Float32Array,
  p: Float32Array,
  out: Float32Array,
  shape: CouplingRows,
): void {
  const { n, d, numMasked, clip, inverse } = shape, m = d - numMasked;
  for (let r = 0; r < n; r++) {
    const xr = r * d, pr = r * 2 * m, or = r * (d + 1);
    let logDet = 0;
    for (let j = 0; j < numMasked; j++) out[or + j] = xs[xr + j];
    for (let j = 0; j < m; j++) {
      const s = clampedLogScale(p[pr + m + j], clip), t = p[pr + j], xv = xs[xr + numMasked + j];
      out[or + numMasked + j] = inverse ? (xv - t) * Math.exp(-s) : xv * Math.exp(s) + t;
      logDet += s;
    }
    out[or + d] = inverse ? -logDet : logDet;
  }
}

function couplingKernel(args: KernelArgs): tf.TensorInfo {
  const { x, params } = args.inputs as Record<string, tf.TensorInfo>;
  const { numMasked, clip, inverse } = args.attrs as Record<string, number>;
  const backend = args.backend as WasmHeapBackend;
  const [n, d] = x.shape;
  const outInfo = backend.makeOutput([n, d + 1], "float32");
  const [xs, p, out] = [x, params, outInfo].map((t) => backend.typedArrayFromHeap(t));
  coupleRows(xs, p, out, { n, d, numMasked, clip, inverse: inverse === 1 });
  return outInfo;
}

/**
 * Gradient of {@link coupleRows}: `dx` `[n, d]` (pass-through columns get
 * their output gradient) and `dp` `[n, 2m]`.
 * @param g Gradient of the packed output `[n, d + 1]`.
 * @param xs Input `[n, d]`.
 * @param p Network output `[n, 2m]`.
 * @param ys The packed output `[n, d + 1]`.
 * @param dx Written: gradient of the input.
 * @param dp Written: gradient of the network output.
 * @param shape As given to {@link coupleRows}.
 */
export function coupleRowsGrad(
  g: Float32Array,
  xs: Float32Array,
  p: Float32Array,
  ys: Float32Array,
  dx: Float32Array,
  dp: Float32Array,
  shape: CouplingRows,
): void {
  const { n, d, numMasked, clip, inverse } = shape, m = d - numMasked;
  for (let r = 0; r < n; r++) {
    const xr = r * d, pr = r * 2 * m, gr = r * (d + 1);
    const dLogDet = g[gr + d];
    for (let j = 0; j < numMasked; j++) dx[xr + j] = g[gr + j];
    for (let j = 0; j < m; j++) {
      const s = clampedLogScale(p[pr + m + j], clip);
      const dOut = g[gr + numMasked + j];
      let dLogScale: number;
      if (inverse) {
        const scaled = dOut * Math.exp(-s);
        dx[xr + numMasked + j] = scaled;
        dp[pr + j] = -scaled;
        dLogScale = -dOut * ys[gr + numMasked + j] - dLogDet;
      } else {
        const scaled = dOut * Math.exp(s);
        dx[xr + numMasked + j] = scaled;
        dp[pr + j] = dOut;
        dLogScale = scaled * xs[xr + numMasked + j] + dLogDet;
      }
      dp[pr + m + j] = clip > 0 ? dLogScale * (1 - (s / clip) ** 2) : dLogScale;
    }
  }
}

function couplingGradKernel(args: KernelArgs): tf.TensorInfo[] {
  const { dy, x, params, y } = args.inputs as Record<string, tf.TensorInfo>;
  const { numMasked, clip, inverse } = args.attrs as Record<string, number>;
  const backend = args.backend as WasmHeapBackend;
  const [n, d] = x.shape, m = d - numMasked;
  const dxInfo = backend.makeOutput([n, d], "float32");
  const dpInfo = backend.makeOutput([n, 2 * m], "float32");
  const [g, xs, p, ys, dx, dp] = [dy, x, params, y, dxInfo, dpInfo].map((t) =>
    backend.typedArrayFromHeap(t)
  );
  coupleRowsGrad(g, xs, p, ys, dx, dp, { n, d, numMasked, clip, inverse: inverse === 1 });
  return [dxInfo, dpInfo];
}

/** Kernel that splits a packed coupling output into the output and the log-det. */
export const UNPACK_KERNEL = "FlowModelsUnpackCoupling";
/** Its gradient: the two gradients packed side by side again. */
export const PACK_KERNEL = "FlowModelsPackCoupling";

function unpackKernel(args: KernelArgs): tf.TensorInfo[] {
  const packed = args.inputs.packed as tf.TensorInfo;
  const backend = args.backend as WasmHeapBackend;
  const [n, w] = packed.shape, d = w - 1;
  const valueInfo = backend.makeOutput([n, d], "float32");
  const logDetInfo = backend.makeOutput([n], "float32");
  const [p, value, logDet] = [packed, valueInfo, logDetInfo].map((t) =>
    backend.typedArrayFromHeap(t)
  );
  for (let r = 0, i = 0, o = 0; r < n; r++) {
    for (let j = 0; j < d; j++) value[o++] = p[i++];
    logDet[r] = p[i++];
  }
  return [valueInfo, logDetInfo];
}

function packKernel(args: KernelArgs): tf.TensorInfo {
  const { value, logDet } = args.inputs as Record<string, tf.TensorInfo>;
  const backend = args.backend as WasmHeapBackend;
  const [n, d] = value.shape, w = d + 1;
  const outInfo = backend.makeOutput([n, w], "float32");
  const [v, l, out] = [value, logDet, outInfo].map((t) => backend.typedArrayFromHeap(t));
  for (let r = 0, i = 0, o = 0; r < n; r++) {
    for (let j = 0; j < d; j++) out[o++] = v[i++];
    out[o++] = l[r];
  }
  return outInfo;
}

defineWasmKernels({
  [AFFINE_COUPLING_KERNEL]: couplingKernel,
  [AFFINE_COUPLING_GRAD_KERNEL]: couplingGradKernel,
  [UNPACK_KERNEL]: unpackKernel,
  [PACK_KERNEL]: packKernel,
});

let unpackGradientRegistered = false;

/**
 * A packed coupling output `[batch, dims + 1]` as the output `[batch, dims]`
 * and the log-det `[batch]`, one wasm kernel each way (tfjs-wasm's split and
 * concatenation of such thin columns take ≈ 50 µs each). The gradient is
 * registered with tfjs for this toolkit's own kernel name on first use.
 * @param packed The packed output (wasm backend).
 * @returns Output and log-det, differentiable.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { unpackCouplingOutput } from "./affine_coupling_op.ts";
 * await tf.setBackend("wasm");
 * const { value, logDet } = unpackCouplingOutput(tf.tensor2d([[1, 2, 0.5]]));
 * value.print(); // [[1, 2]]
 * logDet.print(); // [0.5]
 * ```
 */
export function unpackCouplingOutput(
  packed: tf.Tensor2D,
): { value: tf.Tensor2D; logDet: tf.Tensor1D } {
  if (!unpackGradientRegistered) {
    if (!tf.getGradient(UNPACK_KERNEL)) {
      tf.registerGradient({
        kernelName: UNPACK_KERNEL,
        gradFunc: (dys: tf.Tensor | tf.Tensor[]) => {
          const [dValue, dLogDet] = dys as tf.Tensor[];
          return {
            packed: () => runKernel<tf.Tensor>(PACK_KERNEL, { value: dValue, logDet: dLogDet }),
          };
        },
      });
    }
    unpackGradientRegistered = true;
  }
  const [value, logDet] = runKernel<tf.Tensor[]>(UNPACK_KERNEL, { packed });
  return { value: value as tf.Tensor2D, logDet: logDet as tf.Tensor1D };
}

/**
 * The whole affine coupling given its network outputs, as one wasm kernel
 * each way: `[x1, y2]` and the log-det packed as `[batch, dims + 1]`.
 * @param x Input `[batch, dims]`; the first `numMasked` columns pass through.
 * @param params Network output `[batch, 2 (dims − numMasked)]`: shifts, then raw log-scales.
 * @param numMasked Width of the pass-through part.
 * @param clip Soft bound of the log-scale; 0: none.
 * @param inverse Apply the inverse map.
 * @returns `[batch, dims + 1]`: the output, then the log-det.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { affineCouplingPackedWasm } from "./affine_coupling_op.ts";
 * await tf.setBackend("wasm");
 * const out = affineCouplingPackedWasm(tf.tensor2d([[1, 2]]), tf.tensor2d([[0.5, 0]]), 1, 0, false);
 * out.print(); // [[1, 2.5, 0]]
 * ```
 */
export function affineCouplingPackedWasm(
  x: tf.Tensor2D,
  params: tf.Tensor2D,
  numMasked: number,
  clip: number,
  inverse: boolean,
): tf.Tensor2D {
  const attrs = { numMasked, clip, inverse: inverse ? 1 : 0 };
  return customGradOp(
    [x, params],
    ([xIn, p]) => {
      const out = runKernel<tf.Tensor2D>(AFFINE_COUPLING_KERNEL, { x: xIn, params: p }, attrs);
      return { value: out, save: [xIn, p, out] };
    },
    (dy, [xs, ps, ys]) =>
      runKernel<tf.Tensor[]>(AFFINE_COUPLING_GRAD_KERNEL, { dy, x: xs, params: ps, y: ys }, attrs),
  );
}

/**
 * The affine coupling given its network outputs, on the active backend: the
 * first `numMasked` columns pass through, the rest are transformed
 * ({@link affineCouplingTransform}), and the log-det is summed per row. One
 * kernel each way on wasm ({@link affineCouplingPackedWasm}); elsewhere
 * split, transform and concatenate with tf ops.
 * @param x Input `[batch, dims]`.
 * @param params Network output `[batch, 2 (dims − numMasked)]`: shifts, then raw log-scales.
 * @param numMasked Width of the pass-through part, `1 ≤ numMasked < dims`.
 * @param logScaleClip Soft bound of the log-scale; 0: none.
 * @param inverse Apply the inverse map.
 * @returns Output `[batch, dims]` and log-det `[batch]`, both differentiable in `x` and `params`.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { affineCoupling } from "./affine_coupling_op.ts";
 * const { value, logDet } = affineCoupling(tf.tensor2d([[1, 2]]), tf.tensor2d([[0.5, 0]]), 1, 0, false);
 * value.print(); // [[1, 2.5]]
 * logDet.print(); // [0]
 * ```
 */
export function affineCoupling(
  x: tf.Tensor2D,
  params: tf.Tensor2D,
  numMasked: number,
  logScaleClip: number,
  inverse: boolean,
): { value: tf.Tensor2D; logDet: tf.Tensor1D } {
  const dims = x.shape[1];
  if (tf.getBackend() === "wasm") {
    return unpackCouplingOutput(
      affineCouplingPackedWasm(x, params, numMasked, logScaleClip, inverse),
    );
  }
  const n = dims - numMasked;
  const [x1, x2] = tf.split(x, [numMasked, n], 1) as [tf.Tensor2D, tf.Tensor2D];
  const packed = affineCouplingTransform(x2, params, logScaleClip, inverse);
  const [y2, logDetElements] = tf.split(packed, [n, n], 1) as [tf.Tensor2D, tf.Tensor2D];
  return { value: tf.concat([x1, y2], 1), logDet: tf.sum(logDetElements, 1) };
}
