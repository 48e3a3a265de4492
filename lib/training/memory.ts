/**
 * How much memory training a model will take, from its parameter count and
 * the activations one example keeps for the backward pass — estimated
 * before the model is built, so that a model too large for the machine is
 * refused with the numbers instead of growing until the system kills it.
 *
 * The estimate counts 4-byte floats: the weights, their gradients, Adam's
 * two moments and one copy of the best weights (5 × parameters), plus
 * twice the activations of a batch (kept on the forward pass, and their
 * gradients). It is an estimate of the model's own memory, not of the
 * process (the runtime, the data and the wasm module come on top).
 *
 * @module
 */

import type { ModelSize } from "../nn/model_size.ts";
export type { ModelSize };

/** What training a model needs, in bytes. */
export interface TrainingMemory {
  /** Trainable values. */
  parameters: number;
  /** The weights alone (4 bytes each). */
  weightBytes: number;
  /** Weights, gradients, Adam's moments, best-weights copy and a batch's activations. */
  trainingBytes: number;
}

/** Where the memory limit comes from: the machine's available memory and the backend's cap. */
export interface MemoryLimits {
  /** Bytes the system says are available; null when unknown (no `--allow-sys`). */
  availableBytes: number | null;
  /** The backend's own cap (the wasm backend addresses at most 4 GiB); null: none. */
  backendBytes: number | null;
  /** Name of the backend, for the message. */
  backend: string;
}

/** The wasm backend's address space: 32-bit WebAssembly memory, 4 GiB. */
export const WASM_MEMORY_BYTES = 4 * 2 ** 30;

/**
 * The memory training needs.
 * @param size Parameters and activations per example.
 * @param batchSize Examples per step.
 * @returns The estimate in bytes.
 * @example
 * ```ts
 * import { estimateTrainingMemory } from "./memory.ts";
 * const m = estimateTrainingMemory({ parameters: 1e6, activationsPerExample: 2000 }, 128);
 * m.trainingBytes; // 5·4e6 + 2·128·2000·4 = 22 048 000
 * ```
 */
export function estimateTrainingMemory(size: ModelSize, batchSize: number): TrainingMemory {
  const weightBytes = 4 * size.parameters;
  return {
    parameters: size.parameters,
    weightBytes,
    trainingBytes: 5 * weightBytes + 2 * 4 * batchSize * size.activationsPerExample,
  };
}

/**
 * The limits of this process: available system memory (asked of Deno,
 * which needs `--allow-sys`; null without it) and the backend's own cap.
 * @param backend The active backend's name (`wasm` has a 4 GiB cap).
 * @returns The limits.
 * @example
 * ```ts
 * import { memoryLimits } from "./memory.ts";
 * const l = memoryLimits("wasm"); // { availableBytes: …, backendBytes: 4294967296, backend: "wasm" }
 * ```
 */
export function memoryLimits(backend: string): MemoryLimits {
  let availableBytes: number | null = null;
  try {
    if (Deno.permissions.querySync({ name: "sys", kind: "systemMemoryInfo" }).state === "granted") {
      availableBytes = Deno.systemMemoryInfo().available;
    }
  } catch {
    availableBytes = null;
  }
  return {
    availableBytes,
    backendBytes: backend === "wasm" ? WASM_MEMORY_BYTES : null,
    backend,
  };
}

/**
 * A byte count for people, in binary units: `512 B`, `3.4 MiB`, `4.00 GiB`.
 * @param bytes A count.
 * @returns The text.
 * @example
 * ```ts
 * import { formatBytes } from "./memory.ts";
 * formatBytes(22_048_000); // "21.0 MiB"
 * ```
 */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let v = bytes, u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

/**
 * Why the model cannot be trained here, or null when it fits.
 * @param memory The estimate.
 * @param limits The limits.
 * @returns The refusal, with the numbers, or null.
 * @example
 * ```ts
 * import { estimateTrainingMemory, trainingMemoryProblem } from "./memory.ts";
 * const m = estimateTrainingMemory({ parameters: 6.7e9, activationsPerExample: 1e5 }, 128);
 * trainingMemoryProblem(m, { availableBytes: 16e9, backendBytes: null, backend: "cpu" });
 * // "training needs ≈ 125 GiB … 14.9 GiB available"
 * ```
 */
export function trainingMemoryProblem(memory: TrainingMemory, limits: MemoryLimits): string | null {
  const caps: [number, string][] = [];
  if (limits.availableBytes !== null) {
    caps.push([
      limits.availableBytes,
      `this machine has ${formatBytes(limits.availableBytes)} available`,
    ]);
  }
  if (limits.backendBytes !== null) {
    caps.push([
      limits.backendBytes,
      `the ${limits.backend} backend addresses at most ${formatBytes(limits.backendBytes)}`,
    ]);
  }
  const over = caps.filter(([bytes]) => memory.trainingBytes > bytes);
  if (over.length === 0) return null;
  return `training needs ≈ ${formatBytes(memory.trainingBytes)} (${
    memory.parameters.toLocaleString("en-US")
  } parameters: ${
    formatBytes(memory.weightBytes)
  } of weights, 5× that with gradients, Adam's moments and the best weights, plus a batch's ` +
    `activations), but ${over.map(([, why]) => why).join(" and ")}`;
}
