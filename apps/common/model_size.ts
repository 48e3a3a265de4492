/**
 * Before an app builds a model to train: its size in one line, and a refusal
 * with the numbers when training it would not fit in this machine's memory
 * or the backend's (see {@link ../../lib/training/memory.ts}).
 *
 * @module
 */
import type { ModelSize } from "../../lib/nn/model_size.ts";
import {
  estimateTrainingMemory,
  formatBytes,
  type MemoryLimits,
  memoryLimits,
  trainingMemoryProblem,
} from "../../lib/training/memory.ts";

/**
 * Says how large the model is and stops when it cannot be trained here.
 * @param name What the model is, e.g. `flow` or `cINN`.
 * @param size Its size from the builder's `…ModelSize` function.
 * @param batchSize Examples per training step.
 * @param backend The active backend.
 * @param knobs The params that set the size, e.g. `model_arch.realnvp_flow_steps = 12`, for the advice.
 * @param say Where the size line goes.
 * @param limits The limits to hold it to; default this process's ({@link memoryLimits}).
 * @throws Error with the estimate, the limit and the knobs when it does not fit.
 * @example
 * ```ts
 * import { checkModelFits } from "./model_size.ts";
 * checkModelFits("flow", { parameters: 4e5, activationsPerExample: 6e3 }, 128, "wasm", [], console.log);
 * // flow: 400,000 parameters (1.53 MiB of weights); training needs ≈ 13.5 MiB
 * ```
 */
export function checkModelFits(
  name: string,
  size: ModelSize,
  batchSize: number,
  backend: string,
  knobs: string[],
  say: (line: string) => void,
  limits: MemoryLimits = memoryLimits(backend),
): void {
  const memory = estimateTrainingMemory(size, batchSize);
  const problem = trainingMemoryProblem(memory, limits);
  if (problem) {
    throw new Error(
      `${name} too large to train here: ${problem}; make it smaller` +
        (knobs.length ? ` (${knobs.join(", ")})` : "") + ` or lower training.batch_size`,
    );
  }
  say(
    `${name}: ${size.parameters.toLocaleString("en-US")} parameters (${
      formatBytes(memory.weightBytes)
    } of weights); training needs ≈ ${formatBytes(memory.trainingBytes)}`,
  );
}
