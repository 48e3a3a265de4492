/**
 * Rational-quadratic neural spline coupling (Durkan, Bekasov, Murray and
 * Papamakarios 2019, "Neural Spline Flows", NeurIPS, arXiv:1906.04032).
 *
 * Each transformed element `x` of `x2` goes through a monotone
 * rational-quadratic spline on `[−B, B]` and through the identity outside
 * (linear tails). The spline has `K` bins with knots
 * `(x⁽ᵏ⁾, y⁽ᵏ⁾)`, `k = 0…K`, from `(−B, −B)` to `(B, B)`, and positive
 * derivatives `δ⁽ᵏ⁾` at the knots; `δ⁽⁰⁾ = δ⁽ᴷ⁾ = 1`, so value and slope join
 * the tails continuously. The network computes, per transformed element,
 * `3K − 1` unconstrained numbers:
 * - `K` widths: `w = m_w + (1 − K·m_w)·softmax(θ_w)`, knots `x⁽ᵏ⁾ = −B + 2B·Σ_{j<k} w_j`;
 * - `K` heights: the same with `m_h`, giving `y⁽ᵏ⁾`;
 * - `K − 1` interior derivatives: `δ = m_δ + softplus(θ_δ)`.
 *
 * In bin `k`, with `ξ = (x − x⁽ᵏ⁾)/w⁽ᵏ⁾ ∈ [0, 1]`, `s = h⁽ᵏ⁾/w⁽ᵏ⁾` and
 * `q = δ⁽ᵏ⁾ + δ⁽ᵏ⁺¹⁾ − 2s`:
 *
 *     y = y⁽ᵏ⁾ + h⁽ᵏ⁾ (s ξ² + δ⁽ᵏ⁾ ξ(1−ξ)) / (s + q ξ(1−ξ))
 *     dy/dx = s² (δ⁽ᵏ⁺¹⁾ ξ² + 2 s ξ(1−ξ) + δ⁽ᵏ⁾ (1−ξ)²) / (s + q ξ(1−ξ))²
 *
 * The inverse solves `a ξ² + b ξ + c = 0` with `Δ = y − y⁽ᵏ⁾`,
 * `a = h⁽ᵏ⁾(s − δ⁽ᵏ⁾) + Δ q`, `b = h⁽ᵏ⁾ δ⁽ᵏ⁾ − Δ q`, `c = −s Δ`, through the
 * cancellation-free root `ξ = 2c / (−b − √(b² − 4ac))` (paper, eq. 29).
 *
 * Everything trains on the wasm backend, which lacks the gradient of `gather`:
 * knots, widths and derivatives come from one matMul of the normalised
 * network outputs with a constant matrix (cumulative sums included), the bin
 * of each element is a one-hot mask from comparisons with the knots, and each
 * bin's parameters are picked by `Σ mask · params`. Elements in the tails fall
 * in no bin and get an identity bin instead (`ξ = 0`, so `y = x` exactly, and
 * nothing non-finite ever reaches a gradient). When gradients are recorded the
 * forward transform runs as one kernel that also computes its local Jacobian,
 * so the backward pass is a handful of ops: on wasm at these sizes the cost is
 * the number of ops, not their size.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { rationalQuadraticSpline, splineCouplingNetwork } from "../kernels/mod.ts";
import {
  type BijectorCallOptions,
  type BijectorConfig,
  type BijectorResult,
  registerBijector,
} from "./bijector.ts";
import { CouplingBijector, type CouplingConfig, type ElementwiseResult } from "./coupling.ts";

/** Config of a {@link SplineCoupling}. */
export interface SplineCouplingConfig extends CouplingConfig {
  /** Number of bins `K`. Default 8. */
  numBins?: number;
  /** Half-width `B` of the spline interval `[−B, B]`; identity outside. Default 3. */
  tailBound?: number;
  /** Smallest bin width as a fraction of `2B`. Default 1e-3. */
  minBinWidth?: number;
  /** Smallest bin height as a fraction of `2B`. Default 1e-3. */
  minBinHeight?: number;
  /** Smallest derivative at an interior knot. Default 1e-3. */
  minDerivative?: number;
}

/** Knots of the splines of a batch, each `[batch, transformedDims, K + 1]`. */
export interface SplineKnots {
  /** Knot positions on the input side, from `−B` to `B`. */
  x: tf.Tensor3D;
  /** Knot positions on the output side, from `−B` to `B`. */
  y: tf.Tensor3D;
  /** Derivatives at the knots (1 at both ends). */
  derivatives: tf.Tensor3D;
}

/** A constant linear map `u · M + c` stored as plain arrays. */
interface LinearMap {
  rows: number;
  cols: number;
  /** Row-major `[rows, cols]`. */
  weights: Float32Array;
  /** Row-major transpose `[cols, rows]`, for the gradient. */
  weightsT: Float32Array;
  bias: Float32Array;
}

/** One output column: `Σ coef · u[row] + bias`. */
interface Column {
  terms: [number, number][];
  bias: number;
}

function linearMap(rows: number, columns: Column[]): LinearMap {
  const cols = columns.length;
  const weights = new Float32Array(rows * cols);
  const weightsT = new Float32Array(rows * cols);
  const bias = new Float32Array(cols);
  columns.forEach((c, j) => {
    bias[j] = c.bias;
    for (const [i, coef] of c.terms) {
      weights[i * cols + j] += coef;
      weightsT[j * rows + i] += coef;
    }
  });
  return { rows, cols, weights, weightsT, bias };
}

/** `u · M + c` with a gradient that needs no transposed matMul. */
function applyLinear(map: LinearMap, u: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad(
    ((input: tf.Tensor2D) => ({
      value: tf.add(
        tf.matMul(input, tf.tensor2d(map.weights, [map.rows, map.cols])),
        tf.tensor1d(map.bias),
      ),
      gradFunc: (dy: tf.Tensor2D) => tf.matMul(dy, tf.tensor2d(map.weightsT, [map.cols, map.rows])),
      // deno-lint-ignore no-explicit-any
    })) as any,
  ) as (input: tf.Tensor2D) => tf.Tensor2D;
  return op(u);
}

/**
 * One-hot bin mask `[R, K]`: bin `k` holds `v` when `left_k ≤ v` and not
 * `right_k ≤ v`. `cmp = [left | right]` is `[R, 2K]`. Piecewise constant, so
 * its gradient is zero (returned directly, without taping the comparisons).
 */
function binMask(v: tf.Tensor2D, cmp: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad(
    ((value: tf.Tensor2D, knots: tf.Tensor2D) => {
      const ge = tf.cast(tf.greaterEqual(value, knots), "float32");
      const [left, right] = tf.split(ge, 2, 1);
      return {
        value: tf.sub(left, right),
        gradFunc: () => [tf.zeros(value.shape), tf.zeros(knots.shape)],
      };
      // deno-lint-ignore no-explicit-any
    }) as any,
  ) as (value: tf.Tensor2D, knots: tf.Tensor2D) => tf.Tensor2D;
  return op(v, cmp);
}

/**
 * Network outputs `[R, 3K − 1]` → `u = [softmax(θ_w) | softmax(θ_h) | softplus(θ_δ)]`,
 * from which every knot, width and derivative is one affine map.
 */
function normalizeOutputs(
  raw: tf.Tensor2D,
  k: number,
): { probs: tf.Tensor2D; rawDerivatives: tf.Tensor2D; u: tf.Tensor2D } {
  const rows = raw.shape[0];
  const [wh, rawDerivatives] = tf.split(raw, [2 * k, k - 1], 1) as [tf.Tensor2D, tf.Tensor2D];
  const probs = tf.reshape(tf.softmax(tf.reshape(wh, [rows, 2, k])), [rows, 2 * k]) as tf.Tensor2D;
  const u = tf.concat([probs, tf.softplus(rawDerivatives)], 1) as tf.Tensor2D;
  return { probs, rawDerivatives, u };
}

/** Each element's bin and the parameters of that bin. */
interface BinSelection {
  /** One-hot bin of each row, `[R, K]`; zero in the tails. */
  mask: tf.Tensor2D;
  /** `[x⁽ᵏ⁾, w⁽ᵏ⁾, y⁽ᵏ⁾, h⁽ᵏ⁾, δ⁽ᵏ⁾, δ⁽ᵏ⁺¹⁾]` of the selected bin, `[R, 6]` (identity bin in the tails). */
  selected: tf.Tensor2D;
  /** `[softmax(θ_w) | softmax(θ_h)]`, `[R, 2K]`. */
  probs: tf.Tensor2D;
  /** The raw derivative outputs `θ_δ`, `[R, K − 1]`. */
  rawDerivatives: tf.Tensor2D;
}

/**
 * Finds each element's bin and gathers its parameters without `gather`.
 * @param v Elements `[R, 1]`.
 * @param params Network outputs `[R, 3K − 1]`.
 * @param map The direction's {@link LinearMap} (comparison knots first).
 * @param k Bin count.
 */
function selectBins(
  v: tf.Tensor2D,
  params: tf.Tensor2D,
  map: LinearMap,
  k: number,
): BinSelection {
  const rows = v.shape[0];
  const { probs, rawDerivatives, u } = normalizeOutputs(params, k);
  const z = applyLinear(map, u);
  const [cmp, binParams] = tf.split(z, [2 * k, 6 * k], 1) as [tf.Tensor2D, tf.Tensor2D];
  const mask = binMask(v, cmp); // all-zero rows outside [−B, B)
  const inBin = tf.sum(
    tf.mul(tf.reshape(binParams, [rows, 6, k]), tf.reshape(mask, [rows, 1, k])),
    2,
  );
  // Rows in the tails get the identity bin [v, 1, v, 1, 1, 1]: ξ = 0, so y = v
  // exactly and log f' = 0, with every intermediate finite.
  const outside = tf.sub(1, tf.sum(mask, 1, true));
  const identity = tf.add(
    tf.mul(v, tf.tensor1d([1, 0, 1, 0, 0, 0])),
    tf.tensor1d([0, 1, 0, 1, 1, 1]),
  );
  const selected = tf.add(inBin, tf.mul(identity, outside)) as tf.Tensor2D;
  return { mask, selected, probs, rawDerivatives };
}

/**
 * The forward map inside the selected bins, `[y, log dy/dx]` as `[R, 2]`, and
 * optionally its Jacobian `[R, 14]`: the row of `y` then the row of `L`, each
 * over the inputs `(x, x⁽ᵏ⁾, w, y⁽ᵏ⁾, h, δ⁽ᵏ⁾, δ⁽ᵏ⁺¹⁾)`.
 *
 * With `N = s ξ² + δ⁽ᵏ⁾ t`, `D = s + q t`, `E = δ⁽ᵏ⁺¹⁾ ξ² + 2 s t + δ⁽ᵏ⁾ (1−ξ)²`,
 * `t = ξ(1−ξ)`: `y = y⁽ᵏ⁾ + h N/D`, `L = log(s² E / D²)`, and in `(ξ, s, δ⁽ᵏ⁾, δ⁽ᵏ⁺¹⁾)`
 * - `∂y/∂ξ = h s E/D²`, `∂y/∂s = h (ξ² − (N/D)(1 − 2t))/D`,
 *   `∂y/∂δ⁽ᵏ⁾ = h t (1 − N/D)/D`, `∂y/∂δ⁽ᵏ⁺¹⁾ = −h t (N/D)/D`, `∂y/∂h|ₛ = N/D`;
 * - `∂L/∂ξ = E_ξ/E − 2q(1−2ξ)/D` with `E_ξ = 2(δ⁽ᵏ⁺¹⁾ξ − δ⁽ᵏ⁾(1−ξ) + s(1−2ξ))`,
 *   `∂L/∂s = 2/s + 2t/E − 2(1−2t)/D`, `∂L/∂δ⁽ᵏ⁾ = (1−ξ)²/E − 2t/D`,
 *   `∂L/∂δ⁽ᵏ⁺¹⁾ = ξ²/E − 2t/D`;
 *
 * then the chain rule through `ξ = (x − x⁽ᵏ⁾)/w` and `s = h/w`.
 */
function rqForwardParts(
  x: tf.Tensor2D,
  p: tf.Tensor2D,
  withJacobian: boolean,
): { out: tf.Tensor2D; jac?: tf.Tensor2D } {
  const [xk, w, yk, h, d0, d1] = tf.split(p, 6, 1);
  const xi = tf.div(tf.sub(x, xk), w);
  const s = tf.div(h, w);
  const omx = tf.sub(1, xi);
  const t = tf.mul(xi, omx);
  const xi2 = tf.square(xi);
  const omx2 = tf.square(omx);
  const q = tf.sub(tf.add(d0, d1), tf.add(s, s));
  const den = tf.add(s, tf.mul(q, t));
  const frac = tf.div(tf.add(tf.mul(s, xi2), tf.mul(d0, t)), den); // N/D
  const y = tf.add(yk, tf.mul(h, frac));
  const st = tf.mul(s, t);
  const e = tf.add(tf.add(tf.mul(d1, xi2), tf.add(st, st)), tf.mul(d0, omx2));
  const sD = tf.div(s, den);
  const deriv = tf.mul(tf.square(sD), e);
  const out = tf.concat([y, tf.log(deriv)], 1) as tf.Tensor2D;
  if (!withJacobian) return { out };

  // Shared factors; sD = s/D, so h/(D w) = sD and 1/w turns ∂/∂s into ∂/∂h.
  const invW = tf.reciprocal(w);
  const t2 = tf.add(t, t);
  const oneM2t = tf.sub(1, t2);
  const oneM2xi = tf.sub(omx, xi);
  const invE = tf.reciprocal(e);
  const twoInvD = tf.div(2, den);
  const t2D = tf.mul(t, twoInvD);
  // Row of y: ∂y/∂x = f' (the derivative), ∂y/∂s / w, then the chain rule.
  const ySw = tf.mul(sD, tf.sub(xi2, tf.mul(frac, oneM2t)));
  const yW = tf.neg(tf.add(tf.mul(xi, deriv), tf.mul(s, ySw)));
  const hDt = tf.mul(tf.div(h, den), t);
  const yD1 = tf.neg(tf.mul(hDt, frac));
  const rowY = tf.concat([
    deriv,
    tf.neg(deriv),
    yW,
    tf.onesLike(xi),
    tf.add(frac, ySw),
    tf.add(hDt, yD1),
    yD1,
  ], 1);
  // Row of L = log f'.
  const eXi = tf.add(tf.sub(tf.mul(d1, xi), tf.mul(d0, omx)), tf.mul(s, oneM2xi));
  const lXi = tf.sub(tf.mul(tf.add(eXi, eXi), invE), tf.mul(tf.mul(q, oneM2xi), twoInvD));
  const lX = tf.mul(lXi, invW);
  const lS = tf.sub(tf.add(tf.div(2, s), tf.mul(t2, invE)), tf.mul(oneM2t, twoInvD));
  const lSw = tf.mul(lS, invW);
  const rowL = tf.concat([
    lX,
    tf.neg(lX),
    tf.neg(tf.add(tf.mul(xi, lX), tf.mul(s, lSw))),
    tf.zerosLike(xi),
    lSw,
    tf.sub(tf.mul(omx2, invE), t2D),
    tf.sub(tf.mul(xi2, invE), t2D),
  ], 1);
  const jac = tf.concat([rowY, rowL], 1) as tf.Tensor2D;
  return { out, jac };
}

/** Upstream `[R, 2]` gradient times a saved `[R, 14]` Jacobian: `[R, 7]`. */
function pullBack(dy: tf.Tensor2D, jac: tf.Tensor2D): tf.Tensor2D {
  const rows = dy.shape[0];
  return tf.sum(tf.mul(tf.reshape(dy, [rows, 2, 1]), tf.reshape(jac, [rows, 2, 7])), 1);
}

const rqForward = tf.customGrad(
  // deno-lint-ignore no-explicit-any
  ((x: tf.Tensor2D, p: tf.Tensor2D, save: any) => {
    const { out, jac } = rqForwardParts(x, p, true);
    save([jac]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor2D, [j]: tf.Tensor2D[]) => tf.split(pullBack(dy, j), [1, 6], 1),
    };
    // deno-lint-ignore no-explicit-any
  }) as any,
) as (x: tf.Tensor2D, p: tf.Tensor2D) => tf.Tensor2D;

/**
 * The forward rational-quadratic map inside one bin, as one kernel whose
 * gradient is the Jacobian computed alongside the value.
 * @param x Inputs `[R, 1]`, each inside its bin.
 * @param binParams `[R, 6]`: per row the bin's left knot `x⁽ᵏ⁾`, width `w⁽ᵏ⁾`,
 * bottom knot `y⁽ᵏ⁾`, height `h⁽ᵏ⁾`, and the derivatives `δ⁽ᵏ⁾`, `δ⁽ᵏ⁺¹⁾` at its ends.
 * @returns `[R, 2]`: the output `y` and `log dy/dx`.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { rationalQuadraticForward } from "./spline_coupling.ts";
 * // One bin [0, 1] → [0, 2] with end slopes 1 and 3.
 * const out = rationalQuadraticForward(tf.tensor2d([[1]]), tf.tensor2d([[0, 1, 0, 2, 1, 3]]));
 * out.print(); // [[2, 1.0986123]] (y = 2, log δ = log 3)
 * ```
 */
export function rationalQuadraticForward(x: tf.Tensor2D, binParams: tf.Tensor2D): tf.Tensor2D {
  return rqForward(x, binParams);
}

/**
 * The whole forward transform of the coupling on `[R, 1]` elements given
 * `[R, 3K − 1]` network outputs, `[y, log dy/dx]` as `[R, 2]`, tails included.
 * When gradients are recorded it runs as one kernel: the forward pass keeps
 * the Jacobian of the bin map, the bin mask and the softmax outputs, and the
 * backward pass is about twenty ops (what dominates the cost on wasm).
 */
function splineForward(
  v: tf.Tensor2D,
  params: tf.Tensor2D,
  map: LinearMap,
  k: number,
): tf.Tensor2D {
  if (tf.engine().state.gradientDepth === 0) {
    return rqForwardParts(v, selectBins(v, params, map, k).selected, false).out;
  }
  const rows = v.shape[0];
  const weightsT = map.weightsT.subarray(2 * k * map.rows);
  const op = tf.customGrad(
    // deno-lint-ignore no-explicit-any
    ((input: tf.Tensor2D, raw: tf.Tensor2D, save: any) => {
      const sel = selectBins(input, raw, map, k);
      const { out, jac } = rqForwardParts(input, sel.selected, true);
      save([jac, sel.mask, sel.probs, tf.sigmoid(sel.rawDerivatives)]);
      return {
        value: out,
        gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor2D[]) => {
          const [j, mask, probs, softplusGrad] = saved;
          // In the tails the identity bin depends on v, but through x⁽ᵏ⁾ and y⁽ᵏ⁾
          // with cancelling terms (∂y/∂x⁽ᵏ⁾ = −1, ∂y/∂y⁽ᵏ⁾ = 1): ∂/∂x is the whole gradient.
          const [gv, gSel] = tf.split(pullBack(dy, j), [1, 6], 1);
          const gBins = tf.reshape(
            tf.mul(tf.reshape(gSel, [rows, 6, 1]), tf.reshape(mask, [rows, 1, k])),
            [rows, 6 * k],
          );
          const gu = tf.matMul(gBins, tf.tensor2d(weightsT, [6 * k, map.rows]));
          const [gProbs, gSoftplus] = tf.split(gu, [2 * k, k - 1], 1);
          const p3 = tf.reshape(probs, [rows, 2, k]);
          const a = tf.mul(tf.reshape(gProbs, [rows, 2, k]), p3);
          const gLogits = tf.sub(a, tf.mul(p3, tf.sum(a, 2, true)));
          return [
            gv,
            tf.concat([tf.reshape(gLogits, [rows, 2 * k]), tf.mul(gSoftplus, softplusGrad)], 1),
          ];
        },
      };
      // deno-lint-ignore no-explicit-any
    }) as any,
  ) as (input: tf.Tensor2D, raw: tf.Tensor2D) => tf.Tensor2D;
  return op(v, params);
}

/** Map parameters and defaults resolved. */
interface SplineShape {
  numBins: number;
  tailBound: number;
  minBinWidth: number;
  minBinHeight: number;
  minDerivative: number;
}

/** Rational-quadratic neural spline coupling (Durkan et al. 2019). */
export class SplineCoupling extends CouplingBijector {
  readonly type = "spline_coupling";
  /** Number of bins `K`. */
  readonly numBins: number;
  /** Half-width `B` of the spline interval. */
  readonly tailBound: number;
  readonly #config: SplineCouplingConfig;
  readonly #shape: SplineShape;
  readonly #forwardMap: LinearMap;
  readonly #inverseMap: LinearMap;
  readonly #knotMap: LinearMap;

  /**
   * @param config Dims, network architecture, seed and spline shape.
   * @throws Error when the bin count, bound or minimum sizes are invalid.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { SplineCoupling } from "./spline_coupling.ts";
   * const c = new SplineCoupling({
   *   dims: 2,
   *   numBins: 8,
   *   tailBound: 3,
   *   network: { hiddenLayers: [16] },
   *   seed: 1,
   * });
   * const x = tf.randomNormal([4, 2]) as tf.Tensor2D;
   * const { value, logDet } = c.forwardAndLogDet(x);
   * console.log(value.shape, logDet.shape); // [4, 2] [4]
   * console.log(tf.max(tf.abs(tf.sub(c.inverse(value), x))).dataSync()[0] < 1e-4); // true
   * ```
   */
  constructor(config: SplineCouplingConfig) {
    const shape: SplineShape = {
      numBins: config.numBins ?? 8,
      tailBound: config.tailBound ?? 3,
      minBinWidth: config.minBinWidth ?? 1e-3,
      minBinHeight: config.minBinHeight ?? 1e-3,
      minDerivative: config.minDerivative ?? 1e-3,
    };
    const { numBins: k, tailBound, minBinWidth, minBinHeight, minDerivative } = shape;
    if (!Number.isInteger(k) || k < 2) {
      throw new Error(`numBins must be an integer ≥ 2, got ${k}`);
    }
    if (!(tailBound > 0) || !Number.isFinite(tailBound)) {
      throw new Error(`tailBound must be a positive number, got ${tailBound}`);
    }
    for (const [name, v] of [["minBinWidth", minBinWidth], ["minBinHeight", minBinHeight]]) {
      if (!((v as number) >= 0 && (v as number) * k < 1)) {
        throw new Error(`${name} must be in [0, 1/numBins), got ${v} with numBins=${k}`);
      }
    }
    if (!(minDerivative >= 0) || !Number.isFinite(minDerivative)) {
      throw new Error(`minDerivative must be ≥ 0, got ${minDerivative}`);
    }
    super(config, 3 * k - 1);
    this.#config = config;
    this.#shape = shape;
    this.numBins = k;
    this.tailBound = tailBound;
    this.#forwardMap = this.#binMap(false);
    this.#inverseMap = this.#binMap(true);
    this.#knotMap = this.#knotLinearMap();
  }

  // Columns of the linear map from u = [softmax(θ_w) | softmax(θ_h) | softplus(θ_δ)]
  // (3K − 1 wide) to knot positions, widths and derivatives.
  #xKnot(k: number): Column {
    const { numBins: n, tailBound: b, minBinWidth: m } = this.#shape;
    const scale = 2 * b * (1 - n * m);
    return {
      terms: Array.from({ length: k }, (_, j) => [j, scale] as [number, number]),
      bias: -b + 2 * b * m * k,
    };
  }

  #yKnot(k: number): Column {
    const { numBins: n, tailBound: b, minBinHeight: m } = this.#shape;
    const scale = 2 * b * (1 - n * m);
    return {
      terms: Array.from({ length: k }, (_, j) => [n + j, scale] as [number, number]),
      bias: -b + 2 * b * m * k,
    };
  }

  #width(k: number): Column {
    const { numBins: n, tailBound: b, minBinWidth: m } = this.#shape;
    return { terms: [[k, 2 * b * (1 - n * m)]], bias: 2 * b * m };
  }

  #height(k: number): Column {
    const { numBins: n, tailBound: b, minBinHeight: m } = this.#shape;
    return { terms: [[n + k, 2 * b * (1 - n * m)]], bias: 2 * b * m };
  }

  #derivative(k: number): Column {
    const { numBins: n, minDerivative } = this.#shape;
    if (k === 0 || k === n) return { terms: [], bias: 1 };
    return { terms: [[2 * n + k - 1, 1]], bias: minDerivative };
  }

  /**
   * `u → [left cmp | right cmp | x_k | w_k | y_k | h_k | δ_k | δ_k+1]`, each block K
   * wide. Comparison knots are those of the input side of the direction; the
   * outermost ones are exactly ±B, so that `[−B, B)` is covered and the tails
   * fall in no bin.
   */
  #binMap(inverse: boolean): LinearMap {
    const n = this.#shape.numBins, b = this.#shape.tailBound;
    const knot = (k: number) => inverse ? this.#yKnot(k) : this.#xKnot(k);
    const bins = Array.from({ length: n }, (_, k) => k);
    const columns: Column[] = [
      ...bins.map((k) => k === 0 ? { terms: [], bias: -b } : knot(k)),
      ...bins.map((k) => k === n - 1 ? { terms: [], bias: b } : knot(k + 1)),
      ...bins.map((k) => this.#xKnot(k)),
      ...bins.map((k) => this.#width(k)),
      ...bins.map((k) => this.#yKnot(k)),
      ...bins.map((k) => this.#height(k)),
      ...bins.map((k) => this.#derivative(k)),
      ...bins.map((k) => this.#derivative(k + 1)),
    ];
    return linearMap(3 * n - 1, columns);
  }

  #knotLinearMap(): LinearMap {
    const knots = Array.from({ length: this.#shape.numBins + 1 }, (_, k) => k);
    return linearMap(3 * this.#shape.numBins - 1, [
      ...knots.map((k) => this.#xKnot(k)),
      ...knots.map((k) => this.#yKnot(k)),
      ...knots.map((k) => this.#derivative(k)),
    ]);
  }

  /**
   * The coupling with its network as one op, which picks its kernels for the active backend
   * (one each way on wasm, see `splineCouplingNetwork`; else the network, then
   * {@link transform}).
   */
  protected override coupleThroughNetwork(
    x: tf.Tensor2D,
    ctx: tf.Tensor2D | null,
    inverse: boolean,
  ): BijectorResult {
    return splineCouplingNetwork(
      x,
      ctx,
      this.network.weights(),
      this.numMasked,
      this.#shape,
      inverse,
      () =>
        super.coupleThroughNetwork(x, ctx, inverse) as { value: tf.Tensor2D; logDet: tf.Tensor1D },
    );
  }

  protected transform(x2: tf.Tensor2D, params: tf.Tensor2D, inverse: boolean): ElementwiseResult {
    const [n, m] = x2.shape;
    const k = this.#shape.numBins;
    const v = tf.reshape(x2, [n * m, 1]) as tf.Tensor2D;
    const raw = tf.reshape(params, [n * m, 3 * k - 1]) as tf.Tensor2D;
    const out = rationalQuadraticSpline(
      v,
      raw,
      this.#shape,
      inverse,
      (vIn, p) =>
        inverse
          ? rationalQuadraticInverse(vIn, selectBins(vIn, p, this.#inverseMap, k).selected)
          : splineForward(vIn, p, this.#forwardMap, k),
    );
    const [value, logDet] = tf.split(out, 2, 1);
    return {
      value: tf.reshape(value, [n, m]) as tf.Tensor2D,
      logDetElements: tf.reshape(logDet, [n, m]) as tf.Tensor2D,
    };
  }

  /**
   * The knots of the spline of each transformed dim for a batch.
   * @param x Batch `[n, dims]` (only the pass-through part is read).
   * @param options Conditioning context, for a conditional coupling.
   * @returns Knot positions and derivatives, each `[n, dims − numMasked, K + 1]`.
   */
  knots(x: tf.Tensor2D, options?: BijectorCallOptions): SplineKnots {
    return tf.tidy(() => {
      const x1 = tf.slice(x, [0, 0], [-1, this.numMasked]) as tf.Tensor2D;
      const ctx = options?.context;
      if (this.contextDim > 0 && !ctx) throw new Error(`${this.type} needs a context`);
      const netIn = this.contextDim > 0 ? tf.concat([x1, ctx as tf.Tensor2D], 1) : x1;
      const k = this.#shape.numBins;
      const rows = x.shape[0] * (this.dims - this.numMasked);
      const raw = tf.reshape(this.network.apply(netIn), [rows, 3 * k - 1]) as tf.Tensor2D;
      const z = applyLinear(this.#knotMap, normalizeOutputs(raw, k).u);
      const k1 = k + 1;
      const shape: [number, number, number] = [x.shape[0], this.dims - this.numMasked, k1];
      const [xs, ys, ds] = tf.split(z, 3, 1).map((t) => tf.reshape(t, shape) as tf.Tensor3D);
      return { x: xs, y: ys, derivatives: ds };
    });
  }

  config(): BijectorConfig {
    return {
      type: this.type,
      ...this.couplingConfig(this.#config.seed),
      ...this.#shape,
    };
  }
}

/**
 * The inverse rational-quadratic map inside one bin, by the closed-form,
 * cancellation-free root of the quadratic. Plain ops (autodiff gradient).
 * @param y Outputs `[R, 1]`, each inside its bin's output range.
 * @param p Bin parameters `[R, 6]` as in {@link rationalQuadraticForward}.
 * @returns `[R, 2]`: the input `x` and `log dx/dy`.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { rationalQuadraticInverse } from "./spline_coupling.ts";
 * // One bin [0, 1] → [0, 2] with end slopes 1 and 3; y = 2 is its right end.
 * const out = rationalQuadraticInverse(tf.tensor2d([[2]]), tf.tensor2d([[0, 1, 0, 2, 1, 3]]));
 * out.print(); // [[1, -1.0986123]] (x = 1, log dx/dy = −log 3)
 * ```
 */
export function rationalQuadraticInverse(y: tf.Tensor2D, p: tf.Tensor2D): tf.Tensor2D {
  const [xk, wk, yk, hk, d0, d1] = tf.split(p, 6, 1);
  const s = tf.div(hk, wk);
  const dy = tf.sub(y, yk);
  const q = tf.sub(tf.add(d0, d1), tf.mul(2, s));
  const dq = tf.mul(dy, q);
  const a = tf.add(tf.mul(hk, tf.sub(s, d0)), dq);
  const bq = tf.sub(tf.mul(hk, d0), dq);
  const c = tf.neg(tf.mul(s, dy));
  const disc = tf.relu(tf.sub(tf.square(bq), tf.mul(4, tf.mul(a, c))));
  const xi = tf.div(tf.mul(2, c), tf.sub(tf.neg(bq), tf.sqrt(disc)));
  const x = tf.add(xk, tf.mul(xi, wk));
  const omx = tf.sub(1, xi);
  const t = tf.mul(xi, omx);
  const den = tf.add(s, tf.mul(q, t));
  const dnum = tf.add(
    tf.add(tf.mul(d1, tf.square(xi)), tf.mul(tf.mul(2, s), t)),
    tf.mul(d0, tf.square(omx)),
  );
  const logDet = tf.sub(tf.mul(2, tf.log(den)), tf.add(tf.mul(2, tf.log(s)), tf.log(dnum)));
  return tf.concat([x, logDet], 1) as tf.Tensor2D;
}

registerBijector(
  "spline_coupling",
  (c) => new SplineCoupling(c as unknown as SplineCouplingConfig),
);
