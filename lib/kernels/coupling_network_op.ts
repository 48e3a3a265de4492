/**
 * A whole affine or spline coupling with its parameter network as one op: slice the
 * pass-through part `x1`, join the conditioning context, run the dense
 * network, transform `x2` and sum the log-det. Written as separate ops that
 * is about ten kernels forward and a dozen backward per coupling (slice,
 * concat, three dense layers, the coupling, the split of its output, and
 * their gradients with the pads and adds of the tape); for the small
 * conditional couplings of a cINN those dispatches, not the arithmetic, set
 * the step time. On wasm with the native BLAS and the SIMD kernels, and a
 * ReLU (or no) hidden activation, this op is one kernel forward and one
 * backward: the first layer multiplies `x1` and the context in place (two
 * sgemm calls on their strided rows instead of a concatenated copy), the
 * hidden outputs are kept for the backward kernel, and the coupling rows are
 * those of the fused affine coupling or of the rational-quadratic spline
 * ({@link ./spline_op.ts splineCoupleRows}). Elsewhere an affine coupling is the
 * composition of {@link ./dense_op.ts denseStack} and
 * {@link ./affine_coupling_op.ts affineCoupling}, a spline coupling the tf-ops
 * path its caller passes: the plain-tfjs reference paths.
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
  withScratch,
} from "./heap.ts";
import { nativeSgemm } from "./blas.ts";
import { requireSimdKernels } from "./simd.ts";
import { fusedKernelsAvailable } from "./fused_layer.ts";
import {
  affineCoupling,
  coupleRows,
  coupleRowsGrad,
  unpackCouplingOutput,
} from "./affine_coupling_op.ts";
import { type DenseStack, denseStack } from "./dense_op.ts";
import { type RqSplineShape, splineCoupleRows, splineCoupleRowsGrad } from "./spline_op.ts";

/** Forward kernel name. */
export const COUPLING_NETWORK_KERNEL = "FlowModelsCouplingNetwork";
/** Backward kernel name. */
export const COUPLING_NETWORK_GRAD_KERNEL = "FlowModelsCouplingNetworkGrad";

interface Attrs extends RqSplineShape {
  numMasked: number;
  clip: number;
  inverse: number;
  layers: number;
  relu: number;
  context: number;
  /** 1: rational-quadratic spline rows (the shape fields apply); 0: affine rows. */
  spline: number;
}

/** The elementwise map of a fused coupling: affine with its clamp, or a spline's shape. */
export type CouplingElementwise =
  | { kind: "affine"; logScaleClip: number }
  | { kind: "spline"; shape: RqSplineShape };

/** What both kernels read from their arguments. */
function kernelArgs(args: KernelArgs) {
  const a = args.attrs as unknown as Attrs;
  const inputs = args.inputs as Record<string, tf.TensorInfo>;
  const kernels = Array.from({ length: a.layers }, (_, i) => inputs[`kernel${i}`]);
  const backend = args.backend as WasmHeapBackend;
  const x = inputs.x, ctx = a.context ? inputs.context : null;
  const [n, d] = x.shape;
  return {
    a,
    inputs,
    kernels,
    widths: kernels.map((k) => k.shape[1]),
    backend,
    simd: requireSimdKernels(backend, "The fused coupling-network kernel"),
    x,
    ctx,
    n,
    d,
    c: ctx ? ctx.shape[1] : 0,
    last: a.layers - 1,
    rows: { n, d, numMasked: a.numMasked, clip: a.clip, inverse: a.inverse === 1 },
  };
}

function forwardKernel(args: KernelArgs): tf.TensorInfo[] {
  const { a, inputs, kernels, widths, backend, simd, x, ctx, n, d, c, last, rows } = kernelArgs(
    args,
  );
  // Every output first: allocating may grow the heap and invalidate views.
  const outInfo = backend.makeOutput([n, d + 1], "float32");
  const layerOut = widths.map((w) => backend.makeOutput([n, w], "float32"));
  const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t);
  const xs = view(x);
  for (let i = 0; i <= last; i++) {
    const w = view(kernels[i]), out = view(layerOut[i]), width = widths[i];
    if (i === 0) {
      // [x1, ctx] · W₀ = x1 · W₀[:numMasked] + ctx · W₀[numMasked:], x1 read in place (lda d).
      nativeSgemm(false, false, n, width, a.numMasked, xs, d, w, width, 0, out);
      if (ctx) {
        const wCtx = w.subarray(a.numMasked * width);
        nativeSgemm(false, false, n, width, c, view(ctx), c, wCtx, width, 1, out);
      }
    } else {
      const prev = view(layerOut[i - 1]);
      nativeSgemm(false, false, n, width, widths[i - 1], prev, widths[i - 1], w, width, 0, out);
    }
    const bias = view(inputs[`bias${i}`]);
    simd.bias_act(out.byteOffset, bias.byteOffset, n, width, i < last ? a.relu : 0);
  }
  if (a.spline) splineCoupleRows(xs, view(layerOut[last]), view(outInfo), rows, a);
  else coupleRows(xs, view(layerOut[last]), view(outInfo), rows);
  return [outInfo, ...layerOut];
}

function backwardKernel(args: KernelArgs): tf.TensorInfo[] {
  const { a, inputs, kernels, widths, backend, simd, x, ctx, n, d, c, last, rows } = kernelArgs(
    args,
  );
  const k0 = a.numMasked + c;
  const dxInfo = backend.makeOutput([n, d], "float32");
  const dctxInfo = ctx ? backend.makeOutput([n, c], "float32") : null;
  const dwInfos = kernels.map((k) => backend.makeOutput([...k.shape], "float32"));
  const dbInfos = widths.map((w) => backend.makeOutput([w], "float32"));
  const widest = Math.max(k0, ...widths);
  withScratch(backend, [n * widest, n * widest], (scratch) => {
    const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t);
    const layerOut = Array.from({ length: a.layers }, (_, i) => view(inputs[`out${i}`]));
    const xs = view(x), dx = view(dxInfo);
    let g = view(scratch[0]), next = view(scratch[1]);
    if (a.spline) splineCoupleRowsGrad(view(inputs.dy), xs, layerOut[last], dx, g, rows, a);
    else coupleRowsGrad(view(inputs.dy), xs, layerOut[last], view(inputs.y), dx, g, rows);
    for (let i = last; i >= 0; i--) {
      const width = widths[i], w = view(kernels[i]), dw = view(dwInfos[i]);
      simd.column_sums(g.byteOffset, n, width, view(dbInfos[i]).byteOffset);
      if (i > 0) {
        const inWidth = widths[i - 1], prev = layerOut[i - 1];
        nativeSgemm(true, false, inWidth, width, n, prev, inWidth, g, width, 0, dw); // dW = hᵀ g
        nativeSgemm(false, true, n, inWidth, width, g, width, w, width, 0, next); // dh = g Wᵀ
        if (a.relu) simd.relu_grad(next.byteOffset, prev.byteOffset, next.byteOffset, n * inWidth);
        [g, next] = [next, g];
        continue;
      }
      // First layer: its input [x1, ctx] is read in place for dW, its gradient split back.
      nativeSgemm(true, false, a.numMasked, width, n, xs, d, g, width, 0, dw);
      if (ctx) {
        const dwCtx = dw.subarray(a.numMasked * width);
        nativeSgemm(true, false, c, width, n, view(ctx), c, g, width, 0, dwCtx);
      }
      nativeSgemm(false, true, n, k0, width, g, width, w, width, 0, next); // d[x1, ctx]
      const dctx = dctxInfo ? view(dctxInfo) : null;
      for (let r = 0; r < n; r++) {
        for (let j = 0; j < a.numMasked; j++) dx[r * d + j] += next[r * k0 + j];
        if (dctx) { for (let j = 0; j < c; j++) dctx[r * c + j] = next[r * k0 + a.numMasked + j]; }
      }
    }
  });
  return [dxInfo, ...(dctxInfo ? [dctxInfo] : []), ...dwInfos, ...dbInfos];
}

defineWasmKernels({
  [COUPLING_NETWORK_KERNEL]: forwardKernel,
  [COUPLING_NETWORK_GRAD_KERNEL]: backwardKernel,
});

/**
 * The coupling and its network as one forward and one backward wasm kernel
 * (see the module notes); the output packed as `[batch, dims + 1]` (the
 * output, then the log-det). Needs the wasm backend with native BLAS and the
 * SIMD kernels and a `relu` or `linear` activation; the backward kernel of a
 * spline coupling differentiates the forward map only.
 * @param x Input `[batch, dims]`.
 * @param context Context `[batch, c]`, or null.
 * @param net The parameter network.
 * @param numMasked Pass-through width.
 * @param elementwise The affine map with its log-scale clamp, or a spline's shape.
 * @param inverse Apply the inverse map.
 * @returns `[batch, dims + 1]`.
 * @example
 * ```ts ignore
 * import { tf } from "../core/tf.ts";
 * import { fusedCouplingNetwork } from "./coupling_network_op.ts";
 * const net = { kernels: [tf.zeros([3, 8]), tf.zeros([8, 2])] as tf.Tensor2D[],
 *   biases: [tf.zeros([8]), tf.zeros([2])] as tf.Tensor1D[], activation: "relu" as const };
 * const affine = { kind: "affine" as const, logScaleClip: 2 };
 * fusedCouplingNetwork(tf.ones([4, 2]), tf.ones([4, 2]), net, 1, affine, false).shape; // [4, 3]
 * ```
 */
export function fusedCouplingNetwork(
  x: tf.Tensor2D,
  context: tf.Tensor2D | null,
  net: DenseStack,
  numMasked: number,
  elementwise: CouplingElementwise,
  inverse: boolean,
): tf.Tensor2D {
  const layers = net.kernels.length;
  const spline = elementwise.kind === "spline" ? elementwise.shape : null;
  const attrs: Attrs = {
    numMasked,
    clip: elementwise.kind === "affine" ? elementwise.logScaleClip : 0,
    inverse: inverse ? 1 : 0,
    layers,
    relu: net.activation === "relu" ? 1 : 0,
    context: context ? 1 : 0,
    spline: spline ? 1 : 0,
    numBins: spline?.numBins ?? 0,
    tailBound: spline?.tailBound ?? 0,
    minBinWidth: spline?.minBinWidth ?? 0,
    minBinHeight: spline?.minBinHeight ?? 0,
    minDerivative: spline?.minDerivative ?? 0,
  };
  const named = (prefix: string, ts: tf.Tensor[]) =>
    Object.fromEntries(ts.map((t, i) => [`${prefix}${i}`, t]));
  // Inputs and saved tensors both start with x and (when there is one) the context.
  const off = context ? 2 : 1;
  const inputs = [x, ...(context ? [context] : []), ...net.kernels, ...net.biases];
  return customGradOp<tf.Tensor2D>(
    inputs,
    (ins) => {
      const xIn = ins[0], ctx = context ? ins[1] : null;
      const ws = ins.slice(off, off + layers);
      const bs = ins.slice(off + layers);
      const [out, ...layerOut] = runKernel<tf.Tensor[]>(COUPLING_NETWORK_KERNEL, {
        x: xIn,
        ...(ctx ? { context: ctx } : {}),
        ...named("kernel", ws),
        ...named("bias", bs),
      }, { ...attrs });
      return {
        value: out as tf.Tensor2D,
        save: [xIn, ...(ctx ? [ctx] : []), ...ws, out],
        scratch: layerOut,
      };
    },
    (dy, saved) => {
      const xs = saved[0], ctx = context ? saved[1] : null;
      const ws = saved.slice(off, off + layers);
      const y = saved[off + layers];
      const outs = saved.slice(off + layers + 1, off + 2 * layers + 1);
      return runKernel<tf.Tensor[]>(COUPLING_NETWORK_GRAD_KERNEL, {
        dy,
        x: xs,
        ...(ctx ? { context: ctx } : {}),
        ...named("kernel", ws),
        ...named("out", outs),
        y,
      }, { ...attrs });
    },
  );
}

/** Whether a coupling with this network can run as the fused kernels (wasm, BLAS, ReLU or none). */
function fusable(net: DenseStack): boolean {
  return tf.getBackend() === "wasm" &&
    (net.activation === "relu" || net.activation === "linear") && fusedKernelsAvailable();
}

/**
 * An affine coupling with its parameter network, on the fastest path of the
 * active backend: the network maps `[x1, context]` (`x1` the first
 * `numMasked` columns) to shifts and raw log-scales of the other columns,
 * which are transformed as {@link affineCoupling} does. One kernel each way
 * on wasm with native BLAS and a `relu` or `linear` activation; elsewhere
 * the composition of dense layers and the affine coupling.
 * @param x Input `[batch, dims]`.
 * @param context Conditioning context `[batch, c]`, or null for none.
 * @param net Kernels, biases and hidden activation of the network.
 * @param numMasked Width of the pass-through part, `1 ≤ numMasked < dims`.
 * @param logScaleClip Soft bound of the log-scale; 0: none.
 * @param inverse Apply the inverse map.
 * @returns Output `[batch, dims]` and log-det `[batch]`, differentiable in
 *   `x`, the context and every weight.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { affineCouplingNetwork } from "./coupling_network_op.ts";
 * const net = {
 *   kernels: [tf.ones([2, 4]), tf.zeros([4, 2])] as tf.Tensor2D[],
 *   biases: [tf.zeros([4]), tf.tensor1d([0.5, 0])] as tf.Tensor1D[],
 *   activation: "relu" as const,
 * };
 * const { value, logDet } = affineCouplingNetwork(
 *   tf.tensor2d([[1, 2]]), tf.tensor2d([[3]]), net, 1, 0, false,
 * );
 * value.print(); // [[1, 2.5]]: the shift 0.5 from the bias, log-scale 0
 * logDet.print(); // [0]
 * ```
 */
export function affineCouplingNetwork(
  x: tf.Tensor2D,
  context: tf.Tensor2D | null,
  net: DenseStack,
  numMasked: number,
  logScaleClip: number,
  inverse: boolean,
): { value: tf.Tensor2D; logDet: tf.Tensor1D } {
  if (fusable(net)) {
    return unpackCouplingOutput(
      fusedCouplingNetwork(
        x,
        context,
        net,
        numMasked,
        { kind: "affine", logScaleClip },
        inverse,
      ),
    );
  }
  const x1 = tf.slice(x, [0, 0], [-1, numMasked]) as tf.Tensor2D;
  const params = denseStack(context ? tf.concat([x1, context], 1) as tf.Tensor2D : x1, net);
  return affineCoupling(x, params, numMasked, logScaleClip, inverse);
}

/**
 * A rational-quadratic spline coupling with its parameter network, on the fastest path of
 * the active backend: one kernel each way on wasm with native BLAS and a `relu` or
 * `linear` activation (the inverse map as one kernel only when no gradient is recorded);
 * elsewhere `reference`, the coupling's composition of tf ops.
 * @param x Input `[batch, dims]`.
 * @param context Conditioning context `[batch, c]`, or null for none.
 * @param net Kernels, biases and hidden activation of the network (its output `3K − 1`
 *   raw numbers per transformed column, column by column).
 * @param numMasked Width of the pass-through part, `1 ≤ numMasked < dims`.
 * @param shape The spline's shape.
 * @param inverse Apply the inverse map.
 * @param reference The same coupling in tf ops.
 * @returns Output `[batch, dims]` and log-det `[batch]`, differentiable in `x`, the context
 *   and every weight.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { splineCouplingNetwork } from "./coupling_network_op.ts";
 * const net = {
 *   kernels: [tf.ones([1, 4]), tf.zeros([4, 5])] as tf.Tensor2D[],
 *   biases: [tf.zeros([4]), tf.tensor1d([0, 0, 0, 0, 0.5413])] as tf.Tensor1D[],
 *   activation: "relu" as const,
 * };
 * const shape = { numBins: 2, tailBound: 1, minBinWidth: 0, minBinHeight: 0, minDerivative: 0 };
 * const x = tf.tensor2d([[1, 0.3]]);
 * // This spline is the identity, and so is the stand-in for the tf-ops path (used off wasm).
 * const identity = () => ({ value: x, logDet: tf.zeros([1]) as tf.Tensor1D });
 * const { value } = splineCouplingNetwork(x, null, net, 1, shape, false, identity);
 * value.print(); // ≈ [[1, 0.3]]
 * ```
 */
export function splineCouplingNetwork(
  x: tf.Tensor2D,
  context: tf.Tensor2D | null,
  net: DenseStack,
  numMasked: number,
  shape: RqSplineShape,
  inverse: boolean,
  reference: () => { value: tf.Tensor2D; logDet: tf.Tensor1D },
): { value: tf.Tensor2D; logDet: tf.Tensor1D } {
  // The backward kernel differentiates the forward map only.
  if (!fusable(net) || (inverse && tf.engine().state.gradientDepth > 0)) return reference();
  return unpackCouplingOutput(
    fusedCouplingNetwork(x, context, net, numMasked, { kind: "spline", shape }, inverse),
  );
}
