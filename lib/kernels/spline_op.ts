/**
 * The elementwise part of a rational-quadratic spline coupling (Durkan et al.
 * 2019) as one kernel each way on wasm: from the network's `3K − 1` raw
 * numbers per element (bin-width logits, bin-height logits, raw interior
 * derivatives) to the output and `log |dy/dx|`, and, for the forward map, the
 * gradients of both with respect to the input and the raw numbers. Written
 * with tf ops the same map records about a hundred small kernels forward and
 * back per coupling; on wasm at a cINN's sizes their dispatch is what a step
 * costs (a spline step took 3.5 times an affine one).
 *
 * The maths (knots from softmax-normalised widths and heights scaled to
 * `[−B, B]` with minimum sizes, interior derivatives `m_δ + softplus`, end
 * derivatives 1, identity outside `[−B, B)`) is that of `SplineCoupling`;
 * {@link rationalQuadraticSpline} takes that bijector's tf-ops path as its
 * reference and runs it on every other backend (and for an inverse map whose
 * gradient is recorded).
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { sigmoid, softplus } from "../core/logistic.ts";
import { customGradOp } from "./custom_grad.ts";
import type { CouplingRows } from "./affine_coupling_op.ts";
import {
  defineWasmKernels,
  runKernel,
  type WasmHeapBackend,
  type WasmKernelArgs as KernelArgs,
} from "./heap.ts";

/** The shape of a rational-quadratic spline on `[−B, B]`. */
export interface RqSplineShape {
  /** Number of bins `K`. */
  numBins: number;
  /** Half-width `B` of the spline interval. */
  tailBound: number;
  /** Smallest bin width as a fraction of `2B`. */
  minBinWidth: number;
  /** Smallest bin height as a fraction of `2B`. */
  minBinHeight: number;
  /** Smallest derivative at an interior knot. */
  minDerivative: number;
}

/** Forward kernel name (value and log-derivative, either direction). */
export const SPLINE_KERNEL = "FlowModelsRqSpline";
/** Backward kernel name (forward direction). */
export const SPLINE_GRAD_KERNEL = "FlowModelsRqSplineGrad";

/** Per-row scratch: the normalised widths and heights, knots and derivatives. */
class SplineRow {
  readonly pw: Float64Array;
  readonly ph: Float64Array;
  readonly kx: Float64Array;
  readonly ky: Float64Array;
  readonly d: Float64Array;

  constructor(readonly shape: RqSplineShape) {
    const k = shape.numBins;
    this.pw = new Float64Array(k);
    this.ph = new Float64Array(k);
    this.kx = new Float64Array(k + 1);
    this.ky = new Float64Array(k + 1);
    this.d = new Float64Array(k + 1);
  }

  /** Fills the row's knots and derivatives from its raw numbers at `raw[offset…]`. */
  load(raw: Float32Array, offset: number): void {
    const { numBins: k, tailBound: b, minBinWidth, minBinHeight, minDerivative } = this.shape;
    softmax(raw, offset, k, this.pw);
    softmax(raw, offset + k, k, this.ph);
    knots(this.pw, b, minBinWidth, this.kx);
    knots(this.ph, b, minBinHeight, this.ky);
    this.d[0] = 1;
    this.d[k] = 1;
    for (let j = 1; j < k; j++) this.d[j] = minDerivative + softplus(raw[offset + 2 * k + j - 1]);
  }

  /** The bin holding `v` on the input side (`ky` for the inverse), or −1 outside `[−B, B)`. */
  bin(v: number, inverse: boolean): number {
    const { numBins: k, tailBound: b } = this.shape;
    if (!(v >= -b && v < b)) return -1;
    const knot = inverse ? this.ky : this.kx;
    let j = 0;
    while (j < k - 1 && v >= knot[j + 1]) j++;
    return j;
  }
}

function softmax(raw: Float32Array, offset: number, k: number, out: Float64Array): void {
  let max = -Infinity;
  for (let j = 0; j < k; j++) max = Math.max(max, raw[offset + j]);
  let sum = 0;
  for (let j = 0; j < k; j++) sum += out[j] = Math.exp(raw[offset + j] - max);
  for (let j = 0; j < k; j++) out[j] /= sum;
}

/** Knots `−B + 2B (m j + (1 − K m) Σ_{i<j} p_i)`, the last one exactly `B`. */
function knots(p: Float64Array, b: number, min: number, out: Float64Array): void {
  const k = p.length, scale = 2 * b * (1 - k * min);
  let cum = 0;
  for (let j = 0; j < k; j++) {
    out[j] = -b + 2 * b * min * j + scale * cum;
    cum += p[j];
  }
  out[k] = b;
}

/** The rational-quadratic map inside one bin at `ξ`, with the shared factors of its gradient. */
function binMap(xi: number, s: number, d0: number, d1: number) {
  const omx = 1 - xi, t = xi * omx;
  const q = d0 + d1 - 2 * s;
  const den = s + q * t;
  const frac = (s * xi * xi + d0 * t) / den;
  const e = d1 * xi * xi + 2 * s * t + d0 * omx * omx;
  const deriv = (s / den) ** 2 * e;
  return { omx, t, q, den, frac, e, deriv };
}

/**
 * One element through the spline whose row is loaded in `row`: writes `[y, log |dy/dx|]`
 * (the inverse map and its log-derivative with `inverse`) at `out[at]`, `out[at + 1]`.
 */
function splineElement(
  row: SplineRow,
  value: number,
  inverse: boolean,
  out: Float32Array,
  at: number,
): void {
  const j = row.bin(value, inverse);
  if (j < 0) {
    out[at] = value;
    out[at + 1] = 0;
    return;
  }
  const xk = row.kx[j], w = row.kx[j + 1] - xk;
  const yk = row.ky[j], h = row.ky[j + 1] - yk;
  const d0 = row.d[j], d1 = row.d[j + 1], s = h / w;
  if (!inverse) {
    const m = binMap((value - xk) / w, s, d0, d1);
    out[at] = yk + h * m.frac;
    out[at + 1] = Math.log(m.deriv);
    return;
  }
  // Inverse: the cancellation-free root of a ξ² + b ξ + c = 0 (Durkan et al., eq. 29).
  const dy = value - yk, q = d0 + d1 - 2 * s;
  const a = h * (s - d0) + dy * q, bq = h * d0 - dy * q, c = -s * dy;
  const disc = Math.max(0, bq * bq - 4 * a * c);
  const xi = (2 * c) / (-bq - Math.sqrt(disc));
  out[at] = xk + xi * w;
  out[at + 1] = -Math.log(binMap(xi, s, d0, d1).deriv);
}

/** Scratch of {@link splineElementGrad}: gradients of the normalised widths and heights. */
class GradScratch {
  readonly gpw: Float64Array;
  readonly gph: Float64Array;
  constructor(k: number) {
    this.gpw = new Float64Array(k);
    this.gph = new Float64Array(k);
  }
}

/**
 * The gradient of one element's forward map (row loaded in `row`, raw numbers at
 * `raw[o…]`) given the gradients `gy`, `gl` of `y` and `log dy/dx`: writes that of the raw
 * numbers at `dRaw[o…]` and returns that of the element.
 */
function splineElementGrad(
  row: SplineRow,
  raw: Float32Array,
  o: number,
  value: number,
  gy: number,
  gl: number,
  dRaw: Float32Array,
  scratch: GradScratch,
): number {
  const { numBins: k, tailBound: b, minBinWidth, minBinHeight } = row.shape;
  dRaw.fill(0, o, o + 3 * k - 1);
  const j = row.bin(value, false);
  if (j < 0) return gy;
  const xk = row.kx[j], w = row.kx[j + 1] - xk;
  const yk = row.ky[j], h = row.ky[j + 1] - yk;
  const d0 = row.d[j], d1 = row.d[j + 1], s = h / w;
  const xi = (value - xk) / w;
  const { omx, t, q, den, frac, e, deriv } = binMap(xi, s, d0, d1);
  const invW = 1 / w, invE = 1 / e, t2D = (2 * t) / den, sD = s / den;
  // ∂y and ∂L (L = log dy/dx) in v, the bin's left knot, width, bottom knot, height and
  // end derivatives; the chain rule through ξ = (v − x⁽ʲ⁾)/w and s = h/w.
  const ySw = sD * (xi * xi - frac * (1 - 2 * t));
  const yW = -(xi * deriv + s * ySw);
  const hDt = (h / den) * t, yD1 = -hDt * frac;
  const eXi = d1 * xi - d0 * omx + s * (omx - xi);
  const lX = (2 * eXi * invE - (q * (omx - xi) * 2) / den) * invW;
  const lSw = (2 / s + 2 * t * invE - (1 - 2 * t) * (2 / den)) * invW;
  const dv = gy * deriv + gl * lX;
  const gKnotX = -dv;
  const gW = gy * yW - gl * (xi * lX + s * lSw);
  const gKnotY = gy;
  const gH = gy * (frac + ySw) + gl * lSw;
  const gD0 = gy * (hDt + yD1) + gl * (omx * omx * invE - t2D);
  const gD1 = gy * yD1 + gl * (xi * xi * invE - t2D);
  // Knot j = −B + 2B m j + scale Σ_{i<j} p_i; width w = 2B m + scale p_j (heights alike).
  const scaleW = 2 * b * (1 - k * minBinWidth), scaleH = 2 * b * (1 - k * minBinHeight);
  const { gpw, gph } = scratch;
  gpw.fill(0);
  gph.fill(0);
  for (let i = 0; i < j; i++) {
    gpw[i] = scaleW * gKnotX;
    gph[i] = scaleH * gKnotY;
  }
  gpw[j] = scaleW * gW;
  gph[j] = scaleH * gH;
  softmaxGrad(row.pw, gpw, dRaw, o);
  softmaxGrad(row.ph, gph, dRaw, o + k);
  if (j >= 1) dRaw[o + 2 * k + j - 1] = gD0 * sigmoid(raw[o + 2 * k + j - 1]);
  if (j + 1 <= k - 1) dRaw[o + 2 * k + j] = gD1 * sigmoid(raw[o + 2 * k + j]);
  return dv;
}

/** A coupling's rows: count, width, pass-through width and direction. */
export type SplineCouplingRows = Omit<CouplingRows, "clip">;

/**
 * A whole spline coupling's rows on flat arrays: `out` `[n, d + 1]` gets `[x1, spline(x2)]`
 * and each row's log-det (shared with the coupling-network kernel).
 * @param xs Input `[n, d]`.
 * @param p Network output `[n, m (3K − 1)]` (`m = d − numMasked`), element by element.
 * @param out Output `[n, d + 1]`.
 * @param rows Rows, width, pass-through width and direction.
 * @param shape The spline's shape.
 * @example
 * ```ts
 * import { splineCoupleRows } from "./spline_op.ts";
 * const shape = { numBins: 2, tailBound: 1, minBinWidth: 0, minBinHeight: 0, minDerivative: 0 };
 * const out = new Float32Array(3);
 * // Equal logits and derivative softplus(0.5413) = 1: the identity on the second column.
 * const rows = { n: 1, d: 2, numMasked: 1, inverse: false };
 * splineCoupleRows(Float32Array.of(5, 0.3), Float32Array.of(0, 0, 0, 0, 0.5413), out, rows, shape);
 * console.log(out); // ≈ [5, 0.3, 0]: x1, the spline of x2, the log-det
 * ```
 */
export function splineCoupleRows(
  xs: Float32Array,
  p: Float32Array,
  out: Float32Array,
  rows: SplineCouplingRows,
  shape: RqSplineShape,
): void {
  const { n, d, numMasked, inverse } = rows, m = d - numMasked, width = 3 * shape.numBins - 1;
  const row = new SplineRow(shape), pair = new Float32Array(2);
  for (let r = 0; r < n; r++) {
    const xr = r * d, or = r * (d + 1);
    let logDet = 0;
    for (let j = 0; j < numMasked; j++) out[or + j] = xs[xr + j];
    for (let j = 0; j < m; j++) {
      row.load(p, (r * m + j) * width);
      splineElement(row, xs[xr + numMasked + j], inverse, pair, 0);
      out[or + numMasked + j] = pair[0];
      logDet += pair[1];
    }
    out[or + d] = logDet;
  }
}

/**
 * Gradient of the forward map of {@link splineCoupleRows}: `dx` `[n, d]` (pass-through
 * columns get their output gradient) and `dp`.
 * @param g Gradient of the packed output `[n, d + 1]`.
 * @param xs Input `[n, d]`.
 * @param p Network output `[n, m (3K − 1)]`.
 * @param dx Written: gradient of the input.
 * @param dp Written: gradient of the network output.
 * @param rows As given to {@link splineCoupleRows} (forward direction).
 * @param shape The spline's shape.
 * @example
 * ```ts
 * import { splineCoupleRowsGrad } from "./spline_op.ts";
 * const shape = { numBins: 2, tailBound: 1, minBinWidth: 0, minBinHeight: 0, minDerivative: 0 };
 * const dx = new Float32Array(2), dp = new Float32Array(5);
 * const rows = { n: 1, d: 2, numMasked: 1, inverse: false };
 * const raw = Float32Array.of(0, 0, 0, 0, 0.5413);
 * splineCoupleRowsGrad(Float32Array.of(0, 1, 0), Float32Array.of(5, 0.3), raw, dx, dp, rows, shape);
 * console.log(dx); // ≈ [0, 1]: the identity's slope on the second column
 * ```
 */
export function splineCoupleRowsGrad(
  g: Float32Array,
  xs: Float32Array,
  p: Float32Array,
  dx: Float32Array,
  dp: Float32Array,
  rows: SplineCouplingRows,
  shape: RqSplineShape,
): void {
  const { n, d, numMasked } = rows, m = d - numMasked, width = 3 * shape.numBins - 1;
  const row = new SplineRow(shape), scratch = new GradScratch(shape.numBins);
  for (let r = 0; r < n; r++) {
    const xr = r * d, gr = r * (d + 1), gl = g[gr + d];
    for (let j = 0; j < numMasked; j++) dx[xr + j] = g[gr + j];
    for (let j = 0; j < m; j++) {
      const o = (r * m + j) * width;
      row.load(p, o);
      dx[xr + numMasked + j] = splineElementGrad(
        row,
        p,
        o,
        xs[xr + numMasked + j],
        g[gr + numMasked + j],
        gl,
        dp,
        scratch,
      );
    }
  }
}

function softmaxGrad(p: Float64Array, gp: Float64Array, out: Float32Array, offset: number): void {
  let dot = 0;
  for (let i = 0; i < p.length; i++) dot += p[i] * gp[i];
  for (let i = 0; i < p.length; i++) out[offset + i] = p[i] * (gp[i] - dot);
}

function shapeOf(attrs: tf.NamedAttrMap | undefined): RqSplineShape {
  const a = attrs as Record<string, number>;
  return {
    numBins: a.numBins,
    tailBound: a.tailBound,
    minBinWidth: a.minBinWidth,
    minBinHeight: a.minBinHeight,
    minDerivative: a.minDerivative,
  };
}

/**
 * One element per row as a coupling's rows with nothing passed through: the packed output
 * `[y, log |dy/dx|]` of each row is the coupling's `[y, log-det]`.
 */
function elementRows(n: number, inverse: boolean): SplineCouplingRows {
  return { n, d: 1, numMasked: 0, inverse };
}

function splineKernel(args: KernelArgs): tf.TensorInfo {
  const { v, raw } = args.inputs as Record<string, tf.TensorInfo>;
  const backend = args.backend as WasmHeapBackend;
  const outInfo = backend.makeOutput([v.shape[0], 2], "float32");
  const [vs, ps, out] = [v, raw, outInfo].map((t) => backend.typedArrayFromHeap(t));
  const inverse = (args.attrs as { inverse: number }).inverse === 1;
  splineCoupleRows(vs, ps, out, elementRows(v.shape[0], inverse), shapeOf(args.attrs));
  return outInfo;
}

function splineGradKernel(args: KernelArgs): tf.TensorInfo[] {
  const { dy, v, raw } = args.inputs as Record<string, tf.TensorInfo>;
  const backend = args.backend as WasmHeapBackend;
  const dvInfo = backend.makeOutput([...v.shape], "float32");
  const dRawInfo = backend.makeOutput([...raw.shape], "float32");
  const [g, vs, ps, dv, dRaw] = [dy, v, raw, dvInfo, dRawInfo].map((t) =>
    backend.typedArrayFromHeap(t)
  );
  splineCoupleRowsGrad(g, vs, ps, dv, dRaw, elementRows(v.shape[0], false), shapeOf(args.attrs));
  return [dvInfo, dRawInfo];
}

defineWasmKernels({ [SPLINE_KERNEL]: splineKernel, [SPLINE_GRAD_KERNEL]: splineGradKernel });

/**
 * The rational-quadratic spline of each row, `[y, log |dy/dx|]` as `[rows, 2]`: one wasm
 * kernel each way for the forward map (and for the inverse when no gradient is recorded);
 * elsewhere `reference`, the same maths in tf ops.
 * @param v Inputs `[rows, 1]`.
 * @param raw Raw network numbers `[rows, 3K − 1]`: width logits, height logits, raw
 *   interior derivatives.
 * @param shape The spline's shape.
 * @param inverse The inverse map (then `[x, log |dx/dy|]`).
 * @param reference The tf-ops path for the same arguments.
 * @returns `[rows, 2]`, differentiable in `v` and `raw`.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { rationalQuadraticSpline } from "./spline_op.ts";
 * const shape = { numBins: 2, tailBound: 1, minBinWidth: 0, minBinHeight: 0, minDerivative: 0 };
 * const v = tf.tensor2d([[0.3], [5]]);
 * const raw = tf.tensor2d([[0, 0, 0, 0, 0.5413], [0, 0, 0, 0, 0.5413]]);
 * // This spline is the identity (5 lies in the tail), and so is the stand-in for the tf-ops
 * // path (used off wasm).
 * const identity = (x: tf.Tensor2D) => tf.concat([x, tf.zerosLike(x)], 1) as tf.Tensor2D;
 * rationalQuadraticSpline(v, raw, shape, false, identity).print(); // ≈ [[0.3, 0], [5, 0]]
 * ```
 */
export function rationalQuadraticSpline(
  v: tf.Tensor2D,
  raw: tf.Tensor2D,
  shape: RqSplineShape,
  inverse: boolean,
  reference: (v: tf.Tensor2D, raw: tf.Tensor2D) => tf.Tensor2D,
): tf.Tensor2D {
  const recording = tf.engine().state.gradientDepth > 0;
  if (tf.getBackend() !== "wasm" || (inverse && recording)) return reference(v, raw);
  const attrs = { ...shape, inverse: inverse ? 1 : 0 };
  if (!recording) return runKernel<tf.Tensor2D>(SPLINE_KERNEL, { v, raw }, attrs);
  return customGradOp(
    [v, raw],
    ([vIn, p]) => ({
      value: runKernel<tf.Tensor2D>(SPLINE_KERNEL, { v: vIn, raw: p }, attrs),
      save: [vIn, p],
    }),
    (dy, [vs, ps]) => runKernel<tf.Tensor[]>(SPLINE_GRAD_KERNEL, { dy, v: vs, raw: ps }, attrs),
  );
}
