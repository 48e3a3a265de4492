/**
 * Application 1, distribution mapping, end to end: generate toy points,
 * train (or load) a realnvp-based flow, map the points to latent space,
 * sample, evaluate the density on a grid, find the lowest-density points,
 * and write figures, `metrics.json` and the model under the output folder.
 *
 * @module
 */
import { paramsOfSavedModel } from "../common/saved_params.ts";
import { checkModelFits } from "../common/model_size.ts";
import { realNvpModelSize } from "../../lib/flows/realnvp_flow.ts";
import { pointDataWarnings } from "../../lib/data/point_warnings.ts";
import { describeRuntime } from "../../lib/kernels/mod.ts";
import { join } from "node:path";
import type { Params } from "../../lib/params/mod.ts";
import {
  generateToyData,
  isToyDataset,
  TOY_DATASET_INFO,
  TOY_DATASETS,
} from "../../lib/data/toy.ts";
import { readPointsCsv } from "../../lib/data/points_csv.ts";
import { Rng } from "../../lib/core/random.ts";
import { hasToyDensity, toyEntropy, toyLogDensity } from "../../lib/data/toy_density.ts";
import { validatePoints } from "../../lib/data/validate_points.ts";
import { realNvpFlowFromParams, realNvpOptionsFromParams } from "../common/flow_params.ts";
import type { TransformedDistribution } from "../../lib/distributions/transformed.ts";
import { loadFlow, saveFlow } from "../../lib/io/model_io.ts";
import { writeFileAtomic } from "../../lib/core/atomic.ts";
import { requireFiniteResults, writeMetricsFile } from "../common/app_edges.ts";
import { ArrayDataSource } from "../../lib/training/data_source.ts";
import {
  bitsPerDim,
  type EpochRecord,
  trainFlow,
  type TrainResult,
} from "../../lib/training/trainer.ts";
import { ConsoleProgress, type ProgressSink } from "../../lib/training/progress.ts";
import { savePlot, type VegaLiteSpec } from "../../lib/plot/mod.ts";
import { logProbOf, sampleOf, toLatentOf } from "../../lib/distributions/batched.ts";
import { densityGrid, gridMass } from "./density_grid.ts";
import {
  dataSpaceFigure,
  densityFigure,
  historyFigure,
  latentSpaceFigure,
  samplesFigure,
} from "./figures.ts";

/** Points split for app 1. */
export interface MappingData {
  /** Dataset name (a toy dataset) or CSV path. */
  dataset: string;
  /** Whether `dataset` is a toy dataset (with known density when analytic). */
  isToy: boolean;
  /** Dimension. */
  dims: number;
  /** Training points. */
  train: Float32Array;
  /** Validation points (early stopping). */
  validation: Float32Array;
  /** Held-out points for the final metrics: fresh draws for toy data, the validation split for CSV files. */
  test: Float32Array;
}

/** Number of fresh held-out points drawn for the final metrics when `num_val` is not set. */
export const DEFAULT_TEST_POINTS = 20000;

/**
 * Checks `run.dataset` for app 1: a toy dataset name or a `.csv` file of points.
 * @param name The value.
 * @returns Null when allowed, else what was expected (for the params loader).
 */
export function checkMappingDataset(name: string): string | null {
  if (isToyDataset(name) || name.toLowerCase().endsWith(".csv")) return null;
  return `one of ${TOY_DATASETS.join(", ")} or a path to a .csv file of points`;
}

function shuffledRows(points: Float32Array, dims: number, seed: number): Float32Array {
  const n = points.length / dims;
  const order = new Rng(seed).permutation(n);
  const out = new Float32Array(points.length);
  order.forEach((row, i) => out.set(points.subarray(row * dims, (row + 1) * dims), i * dims));
  return out;
}

/**
 * Draws (toy) or reads (CSV) the train/validation/test points of app 1.
 * @param params App params (`run.dataset`, `run.seed`, `training.num_data_input`, `validation_fraction`, `num_val`).
 * @returns The splits, validated (no NaN/Inf).
 * @throws Error naming the file, line and column of bad CSV data.
 */
export async function prepareMappingData(params: Params): Promise<MappingData> {
  const name = params.run.dataset;
  const fraction = params.training.validation_fraction;
  if (!isToyDataset(name)) {
    const csv = await readPointsCsv(name);
    const dims = csv.dims;
    const total = csv.points.length / dims;
    const n = Math.min(params.training.num_data_input, Math.round(total * (1 - fraction)));
    const numValidation = total - n;
    if (n < 2 || numValidation < 1) {
      throw new Error(
        `${name} has ${total} point${
          total === 1 ? "" : "s"
        }: too few to split into training and held-out points`,
      );
    }
    const all = shuffledRows(csv.points, dims, params.run.seed);
    const validation = all.slice(n * dims);
    return {
      dataset: name,
      isToy: false,
      dims,
      train: all.slice(0, n * dims),
      validation,
      test: validation,
    };
  }
  const n = params.training.num_data_input;
  const numValidation = Math.max(1, Math.round(n * fraction));
  const all = generateToyData(name, n + numValidation, { seed: params.run.seed });
  const dims = all.dims;
  validatePoints(all.points, dims, `dataset "${name}"`);
  const test = generateToyData(name, params.training.num_val ?? DEFAULT_TEST_POINTS, {
    seed: params.run.seed + 1,
  });
  return {
    dataset: name,
    isToy: true,
    dims,
    train: all.points.slice(0, n * dims),
    validation: all.points.slice(n * dims),
    test: test.points,
  };
}

/**
 * Builds the flow described by the params' `model_arch` and `training` groups.
 * @param params App params.
 * @param dims Data dimension.
 * @returns An untrained flow.
 */
export function flowFromParams(params: Params, dims: number): TransformedDistribution {
  const arch = params.model_arch;
  if (arch.bijector !== "realnvp-based") {
    throw new Error(
      `model_arch.bijector "${arch.bijector}" is for images; application 1 uses "realnvp-based"`,
    );
  }
  return realNvpFlowFromParams(params, dims);
}

/** Indices of the `k` smallest values, smallest first. */
export function lowestIndices(values: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: values.length }, (_, i) => i)
    .sort((a, b) => values[a] - values[b])
    .slice(0, Math.min(k, values.length));
}

/**
 * Mean and standard error of `log p(x) − log q(x)` over test points: an
 * estimate of KL(p ‖ q) whose noise is far below that of NLL − entropy.
 * @param logP True log-densities.
 * @param logQ Flow log-densities.
 * @returns Estimate and standard error.
 */
export function pairedKl(
  logP: ArrayLike<number>,
  logQ: ArrayLike<number>,
): { value: number; stdError: number } {
  const n = logP.length;
  let s = 0, s2 = 0;
  for (let i = 0; i < n; i++) {
    const d = logP[i] - logQ[i];
    s += d;
    s2 += d * d;
  }
  const mean = s / n;
  return { value: mean, stdError: Math.sqrt(Math.max(0, s2 / n - mean * mean) / (n - 1)) };
}

function meanNeg(values: Float32Array): number {
  let s = 0;
  for (const v of values) s -= v;
  return s / values.length;
}

/**
 * The range of one coordinate of row-major points, padded by 15 % on each side (for plot grids).
 * @param points Row-major points.
 * @param dims Width of a row.
 * @param axis Which coordinate.
 * @returns `[low, high]`.
 */
export function dataBounds(points: Float32Array, dims: number, axis: number): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = axis; i < points.length; i += dims) {
    lo = Math.min(lo, points[i]);
    hi = Math.max(hi, points[i]);
  }
  const pad = 0.15 * (hi - lo || 1);
  return [lo - pad, hi + pad];
}

/** Options of {@link runDistributionMapping}. */
export interface MappingRunOptions {
  /** Progress sink; default console. */
  progress?: ProgressSink;
  /** Name of the backend in use, for metrics. */
  backend: string;
}

/** What {@link runDistributionMapping} wrote and measured. */
export interface MappingRunResult {
  /** The contents of `metrics.json`. */
  metrics: Record<string, unknown>;
  /** Paths written. */
  files: string[];
}

/**
 * Runs application 1 from validated params and writes its outputs.
 * @param params Validated params (see `params/app1.json`).
 * @param options Progress sink and backend name.
 * @returns Metrics and written files.
 */
export async function runDistributionMapping(
  params: Params,
  options: MappingRunOptions,
): Promise<MappingRunResult> {
  const progress = options.progress ?? new ConsoleProgress();
  const t0 = performance.now();
  const out = params.run.output_dir;
  const data = await prepareMappingData(params);
  const { dims } = data;
  const about = isToyDataset(data.dataset)
    ? TOY_DATASET_INFO[data.dataset].description
    : "points from a CSV file";
  progress.line(
    `app1: ${data.dataset} (${about}), ${data.train.length / dims} training points, ${dims}-D`,
  );
  for (const w of pointDataWarnings(data.train, dims, data.dataset)) progress.line(`warning: ${w}`);

  let flow: TransformedDistribution;
  let trained: TrainResult | null = null;
  let recorded = params;
  if (params.run.do_train) {
    const arch = params.model_arch;
    checkModelFits(
      "flow",
      realNvpModelSize(realNvpOptionsFromParams(params, dims)),
      params.training.batch_size,
      options.backend,
      [
        `model_arch.realnvp_flow_steps = ${arch.realnvp_flow_steps}`,
        `model_arch.realnvp_hidden_layers = ${JSON.stringify(arch.realnvp_hidden_layers)}`,
      ],
      (line) => progress.line(line),
    );
    flow = flowFromParams(params, dims);
    const t = params.training;
    trained = await trainFlow(flow, new ArrayDataSource(data.train, [dims]), {
      epochs: t.num_epochs,
      batchSize: t.batch_size,
      learningRate: t.learning_rate,
      seed: params.run.seed,
      gradNormThresh: t.grad_norm_thresh,
      validation: new ArrayDataSource(data.validation, [dims]),
      earlyStoppingPatience: t.early_stopping_patience,
      checkpointDir: t.checkpoint_every_n_epochs > 0 ? join(out, "checkpoints") : undefined,
      checkpointEveryNEpochs: t.checkpoint_every_n_epochs,
      resume: params.run.resume,
      historyPath: t.tracking_tool === "jsonl" ? join(out, "history.jsonl") : undefined,
      progress,
    });
    if (t.save_model_weights) {
      await saveFlow(flow, params.run.model_dir, { app: "app1", dataset: data.dataset, params });
      progress.line(`model saved to ${params.run.model_dir}`);
    }
  } else {
    const loaded = await loadFlow(params.run.model_dir);
    flow = loaded;
    if (flow.dims !== dims) {
      throw new Error(
        `The model in ${params.run.model_dir} is ${flow.dims}-D but dataset "${data.dataset}" is ${dims}-D`,
      );
    }
    progress.line(`loaded model from ${params.run.model_dir}`);
    const saved = paramsOfSavedModel(params, loaded.metadata, params.run.model_dir);
    for (const note of saved.notes) progress.line(note);
    recorded = saved.params;
  }

  try {
    const logQTest = await logProbOf(flow, data.test, dims);
    const logQTrain = await logProbOf(flow, data.train, dims);
    const heldoutNll = meanNeg(logQTest);
    const trainNll = meanNeg(logQTrain);
    const entropy = data.isToy && hasToyDensity(data.dataset) ? toyEntropy(data.dataset) : null;
    const kl = entropy !== null ? pairedKl(toyLogDensity(data.dataset, data.test), logQTest) : null;

    const plotCount = Math.min(data.train.length / dims, 4000);
    const plotTrain = data.train.subarray(0, plotCount * dims);
    const outliers = lowestIndices(
      logQTrain.subarray(0, plotCount),
      params.run.num_outliers_to_highlight,
    );
    const latent = await toLatentOf(flow, plotTrain, dims);
    const generated = params.run.num_gen_sims > 0
      ? await sampleOf(flow, params.run.num_gen_sims, params.run.seed + 2)
      : new Float32Array();
    const xRange = dataBounds(data.train, dims, 0), yRange = dataBounds(data.train, dims, 1);
    const sliceAt = Array.from({ length: dims - 2 }, (_, k) => {
      let s = 0;
      for (let i = 2 + k; i < data.train.length; i += dims) s += data.train[i];
      return s / (data.train.length / dims);
    });
    const grid = await densityGrid(flow, { xRange, yRange, resolution: 160, sliceAt });
    const sliceNote = dims > 2
      ? `slice at ${sliceAt.map((v, k) => `x${k + 3} = ${v.toFixed(2)}`).join(", ")}`
      : undefined;

    requireFiniteResults(out, {
      heldout_nll: heldoutNll,
      train_nll: trainNll,
      latent_points: latent,
      generated_points: generated,
    });

    const figures: [string, VegaLiteSpec][] = [
      ["data_space.png", dataSpaceFigure({ points: plotTrain, dims, outliers }, data.dataset)],
      ["latent_space.png", latentSpaceFigure({ points: latent, dims, outliers })],
      ["density.png", densityFigure(grid, sliceNote)],
    ];
    if (generated.length) {
      figures.push(["generated.png", samplesFigure(plotTrain, generated, dims)]);
    }
    const history: EpochRecord[] = trained?.history ?? [];
    if (history.length) figures.push(["history.png", historyFigure(history, entropy)]);
    const files: string[] = [];
    for (const [name, spec] of figures) {
      const path = join(out, name);
      await savePlot(spec, path);
      files.push(path);
    }
    if (generated.length) {
      const path = join(out, "generated_points.csv");
      const rows = [];
      for (let i = 0; i < generated.length; i += dims) {
        rows.push(Array.from(generated.subarray(i, i + dims)).join(","));
      }
      await writeFileAtomic(
        path,
        Array.from({ length: dims }, (_, k) => `x${k + 1}`).join(",") + "\n" + rows.join("\n") +
          "\n",
      );
      files.push(path);
    }

    const metrics: Record<string, unknown> = {
      app: "app1_distribution_mapping",
      dataset: data.dataset,
      dims,
      backend: options.backend,
      runtime: describeRuntime(),
      trained: params.run.do_train,
      num_train: data.train.length / dims,
      num_validation: data.validation.length / dims,
      num_heldout: data.test.length / dims,
      train_nll: trainNll,
      heldout_nll: heldoutNll,
      train_bits_per_dim: bitsPerDim(trainNll, dims),
      heldout_bits_per_dim: bitsPerDim(heldoutNll, dims),
      true_entropy: entropy,
      kl_estimate: entropy !== null ? heldoutNll - entropy : null,
      kl_paired: kl?.value ?? null,
      kl_paired_std_error: kl?.stdError ?? null,
      density_mass_on_plot_grid: dims === 2 ? gridMass(grid) : null,
      num_parameters: flow.bijector.trainableVariables().reduce((a, v) => a + v.size, 0),
      epochs_run: trained?.epochsRun ?? 0,
      best_epoch: trained?.bestEpoch ?? null,
      stopped_early: trained?.stoppedEarly ?? false,
      resumed_from_epoch: trained?.resumedFromEpoch ?? 0,
      steps: trained?.steps ?? 0,
      train_time_s: trained?.wallSeconds ?? 0,
      ms_per_step: trained?.msPerStep ?? null,
      wall_time_s: (performance.now() - t0) / 1000,
      outliers: outliers.map((i, rank) => ({
        rank: rank + 1,
        index: i,
        point: Array.from(plotTrain.subarray(i * dims, (i + 1) * dims)),
        log_density: logQTrain[i],
      })),
      params: recorded,
    };
    files.push(await writeMetricsFile(out, metrics));
    return { metrics, files };
  } finally {
    flow.dispose();
  }
}
