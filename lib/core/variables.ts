/**
 * Variables as the toolkit holds them: created without leaking their
 * initializer, and named by a stable path inside a model for save/load.
 *
 * @module
 */
import { tf } from "./tf.ts";

/** A variable with its path-like name inside a model, used for save/load. */
export interface NamedVariable {
  /** Stable name, e.g. `3.affine_coupling/net/dense0/kernel`. */
  name: string;
  /** The TensorFlow.js variable. */
  variable: tf.Variable;
}

/**
 * Creates a variable from an initial tensor and frees that tensor (plain
 * `tf.variable` keeps the initializer alive, one leaked tensor per variable).
 * @param initial Initial value; disposed by this call.
 * @param trainable Whether optimizers update it.
 * @returns The variable.
 */
export function makeVariable(initial: tf.Tensor, trainable: boolean): tf.Variable {
  const v = tf.variable(initial, trainable);
  initial.dispose();
  return v;
}
