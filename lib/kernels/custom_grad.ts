/**
 * A differentiable op from a forward computation and a hand-written backward
 * one: `tf.customGrad` without the casts it needs (its callback receives a
 * `save` function after the inputs and returns `{ value, gradFunc }`). Used by
 * every op of this toolkit that brings its own gradient.
 *
 * @module
 */
import { tf } from "../core/tf.ts";

/** What the forward computation of a {@link customGradOp} returns. */
export interface CustomGradForward<T extends tf.Tensor> {
  /** The op's output. */
  value: T;
  /** Tensors the backward computation reads: inputs, the output, variables. */
  save: tf.Tensor[];
  /**
   * Tensors the forward computation made for the backward one alone (not the output, not an
   * input): kept as they are instead of copied, and disposed with the gradients. Passed to
   * `backward` after `save`.
   */
  scratch?: tf.Tensor[];
}

/** The engine method tfjs copies each saved tensor with (a kernel and a tape node each). */
type EngineClone = { clone(x: tf.Tensor): tf.Tensor };

/**
 * Saves tensors through tfjs's `save` without copying the `own` ones: they were made by the
 * op's forward computation, so keeping them is enough, and tfjs disposes them with the
 * gradients like any saved tensor (when no tape records, `save` keeps nothing and they go
 * with the forward computation's scope).
 */
function saveOwned(
  save: (tensors: tf.Tensor[]) => void,
  copied: tf.Tensor[],
  own: tf.Tensor[],
): void {
  if (own.length === 0) return save(copied);
  const engine = tf.engine() as unknown as EngineClone;
  const owned = new Set(own);
  const clone = engine.clone;
  engine.clone = function (this: EngineClone, x: tf.Tensor) {
    return owned.has(x) ? x : clone.call(this, x);
  };
  try {
    save([...copied, ...own]);
  } finally {
    delete (engine as Partial<EngineClone>).clone;
  }
}

/**
 * A differentiable op from a forward computation and a hand-written
 * backward one, without the casts `tf.customGrad` needs. Saved variables are
 * held by reference (they outlive the gradient computation), the forward
 * computation's scratch tensors are kept without a copy, and every other saved
 * tensor is copied by tfjs and kept until the gradients are done.
 * @param inputs The op's inputs (gradients are returned for each).
 * @param forward Computes the output and the tensors the backward pass needs.
 * @param backward Gradients of the inputs, given the output's gradient and the
 *   saved tensors (`save`, then `scratch`).
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
  forward: (inputs: tf.Tensor[]) => CustomGradForward<T>,
  backward: (dy: T, saved: tf.Tensor[]) => tf.Tensor[],
): T {
  const op = tf.customGrad(
    ((...args: unknown[]) => {
      const save = args.pop() as (tensors: tf.Tensor[]) => void;
      const { value, save: toSave, scratch = [] } = forward(args as tf.Tensor[]);
      const all = [...toSave, ...scratch];
      const held = all.map((t) => t instanceof tf.Variable ? t : null);
      saveOwned(save, toSave.filter((t) => !(t instanceof tf.Variable)), scratch);
      return {
        value,
        gradFunc: (dy: T, saved: tf.Tensor[]) => {
          let k = 0;
          return backward(dy, held.map((t) => t ?? saved[k++]));
        },
      };
      // deno-lint-ignore no-explicit-any
    }) as any,
  ) as (...xs: tf.Tensor[]) => T;
  return op(...inputs);
}
