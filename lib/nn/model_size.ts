/**
 * The size of a model as its builder can tell before building it.
 *
 * @module
 */

/**
 * A model's trainable values and the floats one training example keeps for
 * the backward pass, computed from its options (see the `…ModelSize`
 * functions next to each flow builder).
 * @example
 * ```ts
 * import type { ModelSize } from "./model_size.ts";
 * const size: ModelSize = { parameters: 60, activationsPerExample: 16 };
 * ```
 */
export interface ModelSize {
  /** Trainable values (exact). */
  parameters: number;
  /** Floats one example keeps for the backward pass (an estimate). */
  activationsPerExample: number;
}
