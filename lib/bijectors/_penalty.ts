/**
 * The weight penalty of a composite bijector: the sum of its parts'
 * penalties, or null when none has one. Internal to lib/bijectors (not
 * exported by its mod.ts).
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { sumTensors } from "../kernels/mod.ts";

/**
 * Sums the parts' penalties, skipping the parts without one.
 * @param terms Each part's `regularization()`.
 * @returns The sum, or null when every term is null.
 */
export function sumPenalties(terms: readonly (tf.Scalar | null)[]): tf.Scalar | null {
  const present = terms.filter((t): t is tf.Scalar => t !== null);
  if (present.length === 0) return null;
  return tf.tidy(() => sumTensors(present));
}
