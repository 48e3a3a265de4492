/**
 * Learning-rate schedules: a constant, or the original's staircase
 * exponential decay `[initial, decay_steps, decay_rate]`:
 * `lr(step) = initial · decay_rate^floor(step / decay_steps)`.
 *
 * @module
 */

/** A constant rate or `[initial, decaySteps, decayRate]`. */
export type LearningRate = number | [number, number, number];

/**
 * @param lr The schedule.
 * @param step Optimizer step (0-based).
 * @returns The learning rate at that step.
 * @example
 * ```ts
 * import { learningRateAt } from "./schedule.ts";
 * learningRateAt([1e-3, 100, 0.5], 250); // 2.5e-4
 * ```
 */
export function learningRateAt(lr: LearningRate, step: number): number {
  if (typeof lr === "number") return lr;
  const [initial, decaySteps, decayRate] = lr;
  return initial * Math.pow(decayRate, Math.floor(step / decaySteps));
}

/**
 * Checks a schedule.
 * @param lr The schedule.
 * @throws Error describing what is wrong.
 * @example
 * ```ts
 * import { validateLearningRate } from "./schedule.ts";
 * validateLearningRate([1e-3, 100, 0.5]); // fine
 * try {
 *   validateLearningRate(-1);
 * } catch (e) {
 *   console.log((e as Error).message); // Learning rate must be a positive number, got -1
 * }
 * ```
 */
export function validateLearningRate(lr: LearningRate): void {
  if (typeof lr === "number") {
    if (!(lr > 0) || !Number.isFinite(lr)) {
      throw new Error(`Learning rate must be a positive number, got ${lr}`);
    }
    return;
  }
  const [initial, decaySteps, decayRate] = lr;
  if (!(initial > 0) || !(decaySteps >= 1) || !(decayRate > 0 && decayRate <= 1)) {
    throw new Error(
      `Learning rate schedule must be [initial > 0, decay_steps ≥ 1, 0 < decay_rate ≤ 1], got [${lr}]`,
    );
  }
}
