/**
 * The Adam update of many variables ({@link adamUpdate}): on the wasm backend
 * one fused kernel updates every variable and its moments in place on the wasm heap, with the SIMD loop of
 * lib/kernels/simd_kernels.wat (a JavaScript loop where wasm SIMD is missing).
 * As tf ops it was about a dozen elementwise kernels per variable (28 ms of
 * a 98 ms step of app 1's reference model); the JavaScript loop took 13.6 ms,
 * the SIMD one 2.9 ms. The kernel needs buffers that no other tensor shares
 * ({@link ownsBuffer}); {@link adamUpdate} makes private copies first where
 * needed. Elsewhere the update is a handful of tf ops per variable.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import {
  defineWasmKernels,
  runKernel,
  type WasmHeapBackend,
  type WasmKernelArgs as KernelArgs,
} from "./heap.ts";
import { simdKernelsFor } from "./simd.ts";

/** Kernel name of the fused in-place update of many variables at once. */
export const ADAM_IN_PLACE_KERNEL = "FlowModelsAdamUpdateInPlace";

/** The Adam update of one variable on raw arrays (the outputs may alias the inputs). */
function adamLoop(
  w0: Float32Array,
  g: Float32Array,
  m0: Float32Array,
  v0: Float32Array,
  out: [Float32Array, Float32Array, Float32Array],
  attrs: Record<string, number>,
): void {
  const { alpha, beta1, beta2, epsilon, gradScale } = attrs;
  const [w1, m1, v1] = out;
  const c1 = 1 - beta1, c2 = 1 - beta2;
  for (let i = 0; i < w0.length; i++) {
    const gi = g[i] * gradScale;
    const mi = beta1 * m0[i] + c1 * gi;
    const vi = beta2 * v0[i] + c2 * gi * gi;
    m1[i] = mi;
    v1[i] = vi;
    w1[i] = w0[i] - alpha * mi / (Math.sqrt(vi) + epsilon);
  }
}

function adamInPlaceKernel(
  args: KernelArgs,
): tf.TensorInfo {
  const backend = args.backend as WasmHeapBackend;
  const inputs = args.inputs as Record<string, tf.TensorInfo>;
  const out = backend.makeOutput([], "float32");
  const attrs = args.attrs as Record<string, number>;
  const simd = simdKernelsFor(backend);
  for (let i = 0; i < attrs.count; i++) {
    if (simd) {
      const [w, g, m, v] = ["w", "g", "m", "v"].map((k) =>
        backend.typedArrayFromHeap(inputs[`${k}${i}`])
      );
      simd.adam(
        w.byteOffset,
        g.byteOffset,
        m.byteOffset,
        v.byteOffset,
        w.length,
        attrs.alpha,
        attrs.beta1,
        attrs.beta2,
        attrs.epsilon,
        attrs.gradScale,
      );
      continue;
    }
    const [w, g, m, v] = ["w", "g", "m", "v"].map((k) =>
      backend.typedArrayFromHeap(inputs[`${k}${i}`])
    );
    adamLoop(w, g, m, v, [w, m, v], args.attrs as Record<string, number>);
  }
  return out;
}

defineWasmKernels({ [ADAM_IN_PLACE_KERNEL]: adamInPlaceKernel });

/**
 * Whether {@link fusedAdamUpdateInPlace} can run on the active backend.
 * @returns True on wasm.
 */
export function fusedAdamAvailable(): boolean {
  return tf.getBackend() === "wasm";
}

/**
 * Whether a tensor is the only holder of its buffer, so that it may be
 * updated in place without changing any other tensor (a clone on wasm shares
 * its source's buffer).
 * @param t A tensor on the wasm backend.
 * @returns True when no other tensor shares the buffer.
 */
export function ownsBuffer(t: tf.Tensor): boolean {
  const backend = tf.backend() as unknown as WasmHeapBackend;
  return backend.refCount(t.dataId) === 1;
}

/**
 * Adam updates of many variables in one kernel, written into the variables'
 * and moments' own buffers. Every `values[i]`, `m[i]`, `v[i]` must own its
 * buffer ({@link ownsBuffer}); nothing else may read them as old values.
 * @param values Variables to update.
 * @param grads Their gradients.
 * @param m First moments.
 * @param v Second moments.
 * @param attrs Bias-corrected step size `alpha`, decays, epsilon and gradient scale.
 */
export function fusedAdamUpdateInPlace(
  values: tf.Tensor[],
  grads: tf.Tensor[],
  m: tf.Tensor[],
  v: tf.Tensor[],
  attrs: { alpha: number; beta1: number; beta2: number; epsilon: number; gradScale: number },
): void {
  const inputs: Record<string, tf.Tensor> = {};
  values.forEach((w, i) => {
    inputs[`w${i}`] = w;
    inputs[`g${i}`] = grads[i];
    inputs[`m${i}`] = m[i];
    inputs[`v${i}`] = v[i];
  });
  const done = runKernel<tf.Tensor>(ADAM_IN_PLACE_KERNEL, inputs, {
    ...attrs,
    count: values.length,
  });
  done.dispose();
}

/** Hyper-parameters of one Adam step, as {@link adamUpdate} takes them. */
export interface AdamStep {
  /** Bias-corrected step size `lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ)`. */
  alpha: number;
  /** First-moment decay. */
  beta1: number;
  /** Second-moment decay. */
  beta2: number;
  /** Denominator floor. */
  epsilon: number;
  /** Factor applied to every gradient first (global-norm clipping); 1: none. */
  gradScale: number;
}

/**
 * One Adam step of many variables: `g ← gradScale · g`, `m ← β₁ m + (1 − β₁) g`,
 * `v ← β₂ v + (1 − β₂) g²`, `w ← w − α m / (√v + ε)`. On wasm one fused kernel
 * updates every variable and moment in place (a variable or moment whose
 * buffer another tensor shares, e.g. a snapshot of the best epoch, first gets
 * a private copy, so the sharer keeps its values); elsewhere tf ops assign the
 * new values.
 * @param variables Variables to update.
 * @param grads Their gradients, in the same order.
 * @param m First moments, one per variable.
 * @param v Second moments, one per variable.
 * @param step Step size, decays, epsilon and gradient scale.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { adamUpdate } from "./adam_kernel.ts";
 * const w = tf.variable(tf.tensor1d([1, 2]));
 * const [m, v] = [tf.variable(tf.zeros([2])), tf.variable(tf.zeros([2]))];
 * const g = tf.tensor1d([0.5, -0.5]);
 * adamUpdate([w], [g], [m], [v], { alpha: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, gradScale: 1 });
 * w.print(); // about [0.9, 2.1]
 * ```
 */
export function adamUpdate(
  variables: tf.Variable[],
  grads: tf.Tensor[],
  m: tf.Variable[],
  v: tf.Variable[],
  step: AdamStep,
): void {
  const { alpha, beta1, beta2, epsilon, gradScale } = step;
  if (fusedAdamAvailable()) {
    const own = (t: tf.Variable) => {
      if (!ownsBuffer(t)) {
        const copy = tf.mul(t, 1);
        t.assign(copy);
        copy.dispose();
      }
      return t;
    };
    fusedAdamUpdateInPlace(
      variables.map(own),
      grads,
      m.map(own),
      v.map(own),
      { alpha, beta1, beta2, epsilon, gradScale },
    );
    return;
  }
  tf.tidy(() => {
    variables.forEach((variable, i) => {
      const g = gradScale === 1 ? grads[i] : tf.mul(grads[i], gradScale);
      const mi = tf.add(tf.mul(m[i], beta1), tf.mul(g, 1 - beta1));
      const vi = tf.add(tf.mul(v[i], beta2), tf.mul(tf.square(g), 1 - beta2));
      m[i].assign(mi);
      v[i].assign(vi);
      variable.assign(tf.sub(variable, tf.div(tf.mul(mi, alpha), tf.add(tf.sqrt(vi), epsilon))));
    });
  });
}
