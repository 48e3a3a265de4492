/**
 * The fixed benchmark workloads and their FLOP counts, shared by the runner
 * and the Python peers (bench/peers/ builds the same architectures).
 *
 * A workload is any flow of this toolkit, trained by the trainer's own step
 * (`createTrainStep`), with a batch generator and a FLOP count:
 *
 * - (a) app 1's reference model: 12 realnvp-based steps, affine, [512, 512], batch 128, 2-D;
 * - (b) the same with rational-quadratic spline couplings;
 * - (c) app 2's Glow on 28×28×1 (2 levels × 4 steps, 64 hidden filters), batch 64 of
 *   dequantised pixels — app 2's default until it moved to 8 steps per level (f5f2b7c); the
 *   workload stays fixed so that its numbers remain comparable;
 * - (d) app 5's cINN on the robot arm (6 blocks, [128, 128], conditioner [64, 64] → 16),
 *   batch 256 of standardised poses with their end points as context.
 *
 * @module
 */
import { tf } from "../lib/core/tf.ts";
import { buildRealNvpFlow, type CouplingKind } from "../lib/flows/realnvp_flow.ts";
import { buildGlowFlow, type GlowFlowOptions, glowForwardFlops } from "../lib/flows/glow_flow.ts";
import type { TransformedDistribution } from "../lib/distributions/transformed.ts";
import { Cinn, type CinnOptions } from "../lib/inn/cinn.ts";
import type { FlowBatch } from "../lib/training/data_source.ts";
import { prepareTrainingSet } from "../apps/inverse/inn_app.ts";
import { Standardizer } from "../lib/problems/standardizer.ts";
import { RobotArm } from "../lib/problems/robot_arm.ts";
import { Rng } from "../lib/core/random.ts";

/** A workload's flow, built fresh for one measurement. */
export interface BuiltFlow {
  /** The flow trained and evaluated (`logProb`, `sample`, `bijector.trainableVariables()`). */
  flow: TransformedDistribution;
  /** Frees the flow's variables. */
  dispose(): void;
}

/** One benchmark workload: a flow, its data and the FLOPs of one training step. */
export interface Workload {
  /** Key used in tables and in the peers' JSON (`a`, `b`, `c`, `d`). */
  key: string;
  /** Human description. */
  title: string;
  /** Batch size of a training step. */
  batchSize: number;
  /** Global gradient-norm clipping threshold of the step (the app's `grad_norm_thresh`). */
  gradNormThresh: number;
  /** Learning rate of the timed steps. */
  learningRate: number;
  /** Architecture fields written to bench.json (for a and b the fields they always had). */
  architecture: Record<string, unknown>;
  /** FLOPs of one training step (see {@link Workload.flopsCounted}). */
  flopsPerStep: number;
  /** What {@link Workload.flopsPerStep} counts. */
  flopsCounted: string;
  /** Builds the flow (fixed seed). */
  build(): BuiltFlow;
  /**
   * A batch of `n` data points, as the app's trainer feeds them (with their
   * context when the flow is conditional).
   * @param n Rows.
   * @param seed Seed of the draw.
   */
  batch(n: number, seed: number): FlowBatch;
}

/**
 * Matrix-multiply FLOPs of one training step of dense networks: forward +
 * the two backward products per layer (3 × forward); elementwise work is not
 * counted.
 * @param batch Rows.
 * @param widths Layer widths `[in, hidden…, out]` of one network.
 * @param count Networks evaluated once per step.
 * @returns FLOPs.
 */
export function denseTrainFlops(batch: number, widths: number[], count: number): number {
  let forward = 0;
  for (let i = 0; i + 1 < widths.length; i++) forward += 2 * batch * widths[i] * widths[i + 1];
  return 3 * forward * count;
}

function realNvpWorkload(
  key: string,
  title: string,
  coupling: CouplingKind,
  paramsPerDim: number,
): Workload {
  const arch = {
    coupling,
    flowSteps: 12,
    hiddenLayers: [512, 512],
    dims: 2,
    batchSize: 128,
    paramsPerDim,
  };
  const masked = Math.floor(arch.dims / 2);
  return {
    key,
    title,
    batchSize: arch.batchSize,
    gradNormThresh: 25,
    learningRate: 1e-4,
    architecture: arch,
    flopsPerStep: denseTrainFlops(
      arch.batchSize,
      [masked, ...arch.hiddenLayers, paramsPerDim * (arch.dims - masked)],
      arch.flowSteps,
    ),
    flopsCounted: "matrix products of the coupling networks, 3 × forward",
    build() {
      const flow = buildRealNvpFlow({
        dims: arch.dims,
        flowSteps: arch.flowSteps,
        hiddenLayers: arch.hiddenLayers,
        coupling,
        seed: 1,
      });
      return { flow, dispose: () => flow.dispose() };
    },
    batch: (n, seed) => ({ x: tf.randomNormal([n, arch.dims], 0, 1, "float32", seed) }),
  };
}

/** App 2's Glow (params/app2.json before f5f2b7c; the default now has 8 steps per level). */
export const GLOW_OPTIONS: GlowFlowOptions = {
  imageShape: [28, 28, 1],
  numBlocks: 2,
  stepsPerBlock: 4,
  numHidden: 64,
  seed: 1,
};

function glowWorkload(): Workload {
  const o = GLOW_OPTIONS;
  const batchSize = 64;
  const dims = o.imageShape.reduce((a, b) => a * b, 1);
  return {
    key: "c",
    title: "Glow on 28×28×1, 2 levels × 4 steps, 64 hidden filters, batch 64",
    batchSize,
    gradNormThresh: 100,
    learningRate: 1e-3,
    architecture: {
      flow: "glow",
      imageShape: o.imageShape,
      numBlocks: o.numBlocks,
      stepsPerBlock: o.stepsPerBlock,
      numHidden: o.numHidden,
      couplingScale: "clamp",
      logitAlpha: 1e-6,
      pixelLevels: 256,
      batchSize,
      data: "dequantised pixels: integers 0..255 (uniform) + U(0, 1), flat [n, 784]",
    },
    flopsPerStep: 3 * batchSize * glowForwardFlops(o),
    flopsCounted:
      "convolutions (coupling networks, split prior) and 1×1 convolutions, 3 × forward (glowForwardFlops)",
    build() {
      const flow = buildGlowFlow(o);
      return { flow, dispose: () => flow.dispose() };
    },
    batch: (n, seed) => ({
      x: tf.tidy(() =>
        tf.add(
          tf.floor(tf.randomUniform([n, dims], 0, 256, "float32", seed)),
          tf.randomUniform([n, dims], 0, 1, "float32", seed + 1),
        )
      ),
    }),
  };
}

/** App 5's cINN (params/app5.json defaults; `Cinn` as `trainPosteriorModel` builds it). */
export const CINN_OPTIONS: CinnOptions = {
  dimX: 4,
  dimY: 2,
  blocks: 6,
  hiddenLayers: [128, 128],
  conditionHidden: [64, 64],
  contextDim: 16,
  logScaleClip: 2,
  activation: "relu",
  regLevel: 0,
  seed: 1 + 37,
};

function cinnWorkload(): Workload {
  const o = CINN_OPTIONS;
  const batchSize = 256;
  const half = Math.floor(o.dimX / 2);
  const context = o.contextDim!;
  // Two couplings per block, each [masked + context → hidden… → 2 × (dimX − masked)]; the
  // conditioner [dimY → conditionHidden… → context] runs once per log-prob.
  const couplings = denseTrainFlops(
    batchSize,
    [half + context, ...o.hiddenLayers, 2 * (o.dimX - half)],
    2 * o.blocks,
  );
  const conditioner = denseTrainFlops(batchSize, [o.dimY, ...o.conditionHidden!, context], 1);
  const problem = new RobotArm();
  let pool: { x: Float32Array; y: Float32Array } | null = null;
  return {
    key: "d",
    title: "cINN of app 5 (robot arm): 6 blocks, [128, 128], conditioner [64, 64] → 16, batch 256",
    batchSize,
    gradNormThresh: 10,
    learningRate: 2e-3,
    architecture: {
      flow: "cinn",
      problem: "robot_arm",
      dimX: o.dimX,
      dimY: o.dimY,
      blocks: o.blocks,
      hiddenLayers: o.hiddenLayers,
      conditionHidden: o.conditionHidden,
      contextDim: context,
      logScaleClip: o.logScaleClip,
      batchSize,
      data:
        "simulated robot-arm pairs, standardised: poses x (prior draws), end points y as context",
    },
    flopsPerStep: couplings + conditioner,
    flopsCounted: "matrix products of the 12 coupling networks and the conditioner, 3 × forward",
    build() {
      const cinn = new Cinn(o);
      return { flow: cinn, dispose: () => cinn.dispose() };
    },
    batch(n, seed) {
      // A pool of standardised pairs, as the app's data source; rows drawn by seed.
      if (!pool) {
        const set = prepareTrainingSet(problem, 20_000, 1, 1);
        pool = {
          x: Standardizer.fit(set.train.x, 4).apply(set.train.x),
          y: Standardizer.fit(set.train.y, 2).apply(set.train.y),
        };
      }
      const rng = new Rng(seed), x = new Float32Array(n * 4), y = new Float32Array(n * 2);
      for (let i = 0; i < n; i++) {
        const r = Math.floor(rng.uniform() * 20_000);
        x.set(pool.x.subarray(4 * r, 4 * r + 4), 4 * i);
        y.set(pool.y.subarray(2 * r, 2 * r + 2), 2 * i);
      }
      return { x: tf.tensor2d(x, [n, 4]), context: tf.tensor2d(y, [n, 2]) };
    },
  };
}

/** (a), (b), (c), (d). */
export const WORKLOADS: Workload[] = [
  realNvpWorkload(
    "a",
    "12 realnvp-based steps, affine, [512, 512], batch 128, 2-D",
    "affine",
    2,
  ),
  realNvpWorkload(
    "b",
    "12 realnvp-based steps, spline (8 bins), [512, 512], batch 128, 2-D",
    "spline",
    3 * 8 - 1,
  ),
  glowWorkload(),
  cinnWorkload(),
];

/**
 * The workloads named by a `--workloads` value such as `a,c`.
 * @param keys Comma-separated keys; empty or undefined: all.
 * @returns The workloads, in suite order.
 * @throws Error naming an unknown key.
 */
export function selectWorkloads(keys?: string): Workload[] {
  if (!keys) return WORKLOADS;
  const wanted = keys.split(",").map((k) => k.trim()).filter(Boolean);
  for (const k of wanted) {
    if (!WORKLOADS.some((w) => w.key === k)) {
      throw new Error(
        `Unknown workload "${k}": expected ${WORKLOADS.map((w) => w.key).join(", ")}`,
      );
    }
  }
  return WORKLOADS.filter((w) => wanted.includes(w.key));
}

/**
 * The part of a workload written to bench.json: key, title, batch, architecture
 * fields, FLOPs.
 * @param w The workload.
 * @returns JSON-ready object.
 */
export function describeWorkload(w: Workload): Record<string, unknown> & {
  key: string;
  title: string;
  flopsPerStep: number;
} {
  return {
    key: w.key,
    title: w.title,
    ...w.architecture,
    batchSize: w.batchSize,
    gradNormThresh: w.gradNormThresh,
    flopsPerStep: w.flopsPerStep,
    flopsCounted: w.flopsCounted,
  };
}
