/**
 * Runs one op on two backends with the same inputs and compares values and
 * gradients: the check that an op of lib/kernels/mod.ts gives the same answer
 * on its fused wasm path as on its plain-tfjs reference path (cpu).
 */
import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { type BackendName, initBackend } from "../lib/kernels/mod.ts";
import { Rng } from "../lib/core/random.ts";

/** One input of an op: values and shape (made into a tensor on each backend). */
export interface Input {
  values: number[];
  shape: number[];
}

/**
 * A normal-distributed input, the same on every backend.
 * @param shape Its shape.
 * @param seed Seed of the draws.
 * @param scale Standard deviation.
 * @param offset Added to every value.
 * @returns The input.
 */
export function randomInput(shape: number[], seed: number, scale = 1, offset = 0): Input {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { values: Array.from({ length: n }, () => offset + scale * rng.normal()), shape };
}

/**
 * The outputs of `op` and the gradients of `Σ_k Σ w_k ⊙ out_k` (fixed random
 * weights `w_k`) with respect to every input, computed on `backend`.
 * @param backend Backend to start first.
 * @param inputs The op's inputs.
 * @param op The op; returns one or more tensors.
 * @returns Outputs, then one gradient per input, as arrays.
 */
export async function outputsAndGradients(
  backend: BackendName,
  inputs: Input[],
  op: (...xs: tf.Tensor[]) => tf.Tensor[],
): Promise<Float32Array[]> {
  await initBackend(backend);
  return tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(i.values, i.shape));
    const outs = op(...xs);
    const rng = new Rng(99);
    const weights = outs.map((o) =>
      tf.tensor(Array.from({ length: o.size }, () => rng.normal()), o.shape)
    );
    const loss = (...a: tf.Tensor[]) =>
      tf.addN(op(...a).map((o, k) => tf.sum(tf.mul(o, weights[k])))) as tf.Scalar;
    const grads = tf.grads(loss)(xs);
    return [...outs, ...grads].map((t) => t.dataSync().slice() as Float32Array);
  });
}

/**
 * Asserts `|actual − expected| ≤ tolerance · max(1, max |expected|)` elementwise.
 * @param actual Computed values.
 * @param expected Reference values.
 * @param tolerance Relative tolerance.
 * @param what Label for the message.
 */
export function assertClose(
  actual: Float32Array,
  expected: Float32Array,
  tolerance: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: lengths differ`);
  let scale = 1, err = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    err = Math.max(err, Math.abs(actual[i] - expected[i]));
  }
  assert.ok(Number.isFinite(err), `${what}: non-finite values`);
  assert.ok(err <= tolerance * scale, `${what}: max abs error ${err} (scale ${scale})`);
}

/**
 * Runs `op` on wasm and on cpu and asserts that outputs and gradients agree.
 * @param inputs The op's inputs.
 * @param op The op.
 * @param names Labels of the outputs then the gradients.
 * @param tolerance Relative tolerance.
 * @param label Case label.
 */
export async function assertWasmMatchesCpu(
  inputs: Input[],
  op: (...xs: tf.Tensor[]) => tf.Tensor[],
  names: string[],
  tolerance: number,
  label: string,
): Promise<void> {
  const reference = await outputsAndGradients("cpu", inputs, op);
  const fused = await outputsAndGradients("wasm", inputs, op);
  assert.equal(
    fused.length,
    names.length,
    `${label}: ${fused.length} results, ${names.length} names`,
  );
  fused.forEach((a, i) => assertClose(a, reference[i], tolerance, `${label} ${names[i]}`));
}
