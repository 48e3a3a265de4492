/**
 * The fixed benchmark workloads and their FLOP counts, shared by the runner
 * and the Python peers (bench/peers/ builds the same architectures).
 *
 * @module
 */
import type { CouplingKind } from "../lib/flows/realnvp_flow.ts";

/** One benchmark workload: a 2-D realnvp-based flow trained with batch 128. */
export interface Workload {
  /** Key used in tables and in the peers' JSON (`a`, `b`). */
  key: string;
  /** Human description. */
  title: string;
  /** Coupling kind. */
  coupling: CouplingKind;
  /** Flow steps. */
  flowSteps: number;
  /** Hidden widths of each coupling network. */
  hiddenLayers: number[];
  /** Data dimensions. */
  dims: number;
  /** Batch size of a training step. */
  batchSize: number;
  /** Network outputs per transformed dimension. */
  paramsPerDim: number;
}

/** (a) app 1's reference model and (b) the same with spline couplings. */
export const WORKLOADS: Workload[] = [
  {
    key: "a",
    title: "12 realnvp-based steps, affine, [512, 512], batch 128, 2-D",
    coupling: "affine",
    flowSteps: 12,
    hiddenLayers: [512, 512],
    dims: 2,
    batchSize: 128,
    paramsPerDim: 2,
  },
  {
    key: "b",
    title: "12 realnvp-based steps, spline (8 bins), [512, 512], batch 128, 2-D",
    coupling: "spline",
    flowSteps: 12,
    hiddenLayers: [512, 512],
    dims: 2,
    batchSize: 128,
    paramsPerDim: 3 * 8 - 1,
  },
];

/**
 * Matrix-multiply FLOPs of one training step (forward + the two backward
 * products per dense layer), the part a BLAS bounds; elementwise work is
 * not counted.
 * @param w The workload.
 * @returns FLOPs per training step.
 */
export function trainStepFlops(w: Workload): number {
  const masked = Math.floor(w.dims / 2);
  const widths = [masked, ...w.hiddenLayers, w.paramsPerDim * (w.dims - masked)];
  let forward = 0;
  for (let i = 0; i + 1 < widths.length; i++) {
    forward += 2 * w.batchSize * widths[i] * widths[i + 1];
  }
  return 3 * forward * w.flowSteps;
}
