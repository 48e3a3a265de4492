/**
 * A differentiable op from a forward computation and a hand-written backward
 * one: `tf.customGrad` without the casts it needs (its callback receives a
 * `save` function after the inputs and returns `{ value, gradFunc }`). Used by
 * every op of this toolkit that brings its own gradient.
 *
 * @module
 */
import { tf } from "../core/tf.ts";

/**
 * A differentiable op from a forward computation and a hand-written
 * backward one, without the casts `tf.customGrad` needs.
 * @param inputs The op's inputs (gradients are returned for each).
 * @param forward Computes the output and the tensors the backward pass needs.
 * @param backward Gradients of the inputs, given the output's gradient and the saved tensors.
 * @returns The output.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { customGradOp } from "./custom_grad.ts";
 * const x = tf.tensor1d([3]);
 * const g = tf.grad((a: tf.Tensor) =>
 *   customGradOp([a], ([t]) => ({ value: tf.square(t), save: [t] }), (dy, [t]) => [tf.mul(dy, tf.mul(t, 2))])
 * )(x);
 * g.print(); // [6]
 * ```
 */
export function customGradOp<T extends tf.Tensor>(
  inputs: tf.Tensor[],
  forward: (inputs: tf.Tensor[]) => { value: T; save: tf.Tensor[] },
  backward: (dy: T, saved: tf.Tensor[]) => tf.Tensor[],
): T {
  const op = tf.customGrad(
    ((...args: unknown[]) => {
      const save = args.pop() as (tensors: tf.Tensor[]) => void;
      const { value, save: toSave } = forward(args as tf.Tensor[]);
      save(toSave);
      return { value, gradFunc: (dy: T, saved: tf.Tensor[]) => backward(dy, saved) };
      // deno-lint-ignore no-explicit-any
    }) as any,
  ) as (...xs: tf.Tensor[]) => T;
  return op(...inputs);
}
