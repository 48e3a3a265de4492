/**
 * One INN application run end to end, generic over the problem: simulate
 * training pairs and test observations, compute the reference posteriors,
 * train each posterior model, sample and compare, calibrate, and write the
 * figures and `metrics.json` under `run.output_dir`. Application 4 calls it
 * with its linear or exponentials problem; other inverse-problem apps can
 * call it with theirs.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic.ts";
import { resimulationError } from "../inference/resimulation.ts";
import type { Params } from "../params/mod.ts";
import { savePlot, type VegaLiteSpec } from "../plot/mod.ts";
import { ConsoleProgress, type ProgressSink } from "../training/progress.ts";
import {
  innAppConfig,
  MODEL_LABELS,
  type PosteriorModelKind,
  prepareTrainingSet,
  type TrainedPosterior,
  type TrainingEpoch,
  trainPosteriorModel,
} from "./inn_app.ts";
import {
  forwardFitFigure,
  type LabelledSamples,
  metricsSummaryFigure,
  MODEL_COLORS,
  posteriorCornerFigure,
  principalAxesFigure,
  REFERENCE_COLOR,
  trainingHistoryFigure,
} from "./inn_figures.ts";
import {
  calibratePosterior,
  type CalibrationResult,
  comparePosterior,
  type PosteriorComparison,
} from "./posterior_metrics.ts";
import { type InverseProblem, type ReferencePosterior, simulatePairs } from "./problem.ts";

/** Quality targets of the inverse-problem apps (averaged over the test observations). */
export const QUALITY_TARGETS = {
  /** Posterior-mean error in posterior σ, at most. */
  meanErrorSigma: 0.1,
  /** Largest |σ̂/σ − 1| of any parameter's averaged std ratio. */
  sigmaRatioTolerance: 0.1,
  /** C2ST accuracy, at most. */
  c2st: 0.6,
} as const;

/** A test observation with its true parameters and reference posterior. */
export interface TestObservation {
  /** The parameters that produced it. */
  xTrue: Float64Array;
  /** The observation y*. */
  y: Float64Array;
  /** The reference posterior of y*. */
  reference: ReferencePosterior;
  /** Seconds the reference took. */
  referenceSeconds: number;
}

/**
 * Draws test observations from the prior predictive and their reference posteriors.
 * @param problem The problem (must have `referencePosterior`).
 * @param count Number of observations.
 * @param numSamples Reference samples per observation.
 * @param seed Seed of the draws.
 * @returns The observations.
 * @throws Error when the problem has no reference posterior.
 */
export async function testObservations(
  problem: InverseProblem,
  count: number,
  numSamples: number,
  seed: number,
): Promise<TestObservation[]> {
  if (!problem.referencePosterior) {
    throw new Error(`Problem "${problem.name}" has no reference posterior to compare against`);
  }
  const pairs = simulatePairs(problem, count, seed);
  const out: TestObservation[] = [];
  for (let i = 0; i < count; i++) {
    const y = pairs.y.slice(i * problem.dimY, (i + 1) * problem.dimY);
    const t0 = performance.now();
    const reference = await problem.referencePosterior(y, numSamples, seed + 1 + i);
    out.push({
      xTrue: pairs.x.slice(i * problem.dimX, (i + 1) * problem.dimX),
      y,
      reference,
      referenceSeconds: (performance.now() - t0) / 1000,
    });
  }
  return out;
}

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

function columnMeans(rows: number[][]): number[] {
  return rows[0].map((_, j) => mean(rows.map((r) => r[j])));
}

/** The per-model summary written to `metrics.json`. */
export interface ModelMetrics {
  label: string;
  train_time_s: number;
  steps: number;
  ms_per_step: number;
  num_parameters: number;
  architecture: Record<string, unknown>;
  final_loss: number | null;
  mean_error_sigma: number;
  mean_error_sigma_per_param: number[];
  sigma_ratio: number;
  sigma_ratio_per_param: number[];
  sigma_ratio_abs_dev: number;
  principal_sigma_ratio: number[];
  principal_mean_error: number[];
  mahalanobis_mean_error: number;
  c2st_accuracy: number | null;
  mmd2: number;
  resimulation_error: number;
  calibration: Record<string, unknown> | null;
  targets: { mean_error: boolean; sigma: boolean; c2st: boolean | null; all: boolean };
  per_observation: Record<string, unknown>[];
}

/**
 * Averages one model's comparisons over the observations and checks the targets.
 * @param comparisons One comparison per observation.
 * @returns The averaged metrics (without timing and calibration fields).
 */
export function summarizeComparisons(comparisons: PosteriorComparison[]): Omit<
  ModelMetrics,
  | "label"
  | "train_time_s"
  | "steps"
  | "ms_per_step"
  | "num_parameters"
  | "architecture"
  | "final_loss"
  | "calibration"
> {
  const perParamErr = columnMeans(comparisons.map((c) => c.meanErrorSigma));
  const perParamRatio = columnMeans(comparisons.map((c) => c.sigmaRatio));
  const c2sts = comparisons.map((c) => c.c2st).filter((v): v is number => v !== null);
  const c2st = c2sts.length ? mean(c2sts) : null;
  const meanError = mean(perParamErr);
  const sigmaOk = perParamRatio.every((r) =>
    Math.abs(r - 1) <= QUALITY_TARGETS.sigmaRatioTolerance
  );
  const targets = {
    mean_error: meanError <= QUALITY_TARGETS.meanErrorSigma,
    sigma: sigmaOk,
    c2st: c2st === null ? null : c2st <= QUALITY_TARGETS.c2st,
    all: false,
  };
  targets.all = targets.mean_error && targets.sigma && targets.c2st !== false;
  return {
    mean_error_sigma: meanError,
    mean_error_sigma_per_param: perParamErr,
    sigma_ratio: mean(perParamRatio),
    sigma_ratio_per_param: perParamRatio,
    sigma_ratio_abs_dev: mean(comparisons.flatMap((c) => c.sigmaRatio.map((r) => Math.abs(r - 1)))),
    principal_sigma_ratio: columnMeans(comparisons.map((c) => c.principalSigmaRatio)),
    principal_mean_error: columnMeans(comparisons.map((c) => c.principalMeanError)),
    mahalanobis_mean_error: mean(comparisons.map((c) => c.mahalanobis)),
    c2st_accuracy: c2st,
    mmd2: mean(comparisons.map((c) => c.mmd2)),
    resimulation_error: mean(comparisons.map((c) => c.resimulationError)),
    targets,
    per_observation: comparisons.map((c) => ({
      mean_error_sigma: c.meanErrorSigma,
      sigma_ratio: c.sigmaRatio,
      principal_sigma_ratio: c.principalSigmaRatio,
      principal_mean_error: c.principalMeanError,
      mahalanobis: c.mahalanobis,
      c2st_accuracy: c.c2st,
      mmd2: c.mmd2,
      resimulation_error: c.resimulationError,
    })),
  };
}

/** The fields of {@link ModelMetrics} that describe training rather than posterior quality. */
export type TrainedModelRecord = Pick<
  ModelMetrics,
  | "label"
  | "train_time_s"
  | "steps"
  | "ms_per_step"
  | "num_parameters"
  | "architecture"
  | "final_loss"
>;

/**
 * The part of a model's metrics that every INN app writes: cost, size, architecture, final loss.
 * @param trained A trained posterior model.
 * @returns JSON fields.
 */
export function trainedModelRecord(trained: TrainedPosterior): TrainedModelRecord {
  const last = trained.history[trained.history.length - 1];
  return {
    label: trained.label,
    train_time_s: trained.trainSeconds,
    steps: trained.steps,
    ms_per_step: trained.steps ? 1000 * trained.trainSeconds / trained.steps : 0,
    num_parameters: trained.numParameters,
    architecture: trained.architecture,
    final_loss: last?.loss ?? null,
  };
}

/**
 * Simulation-based calibration of a trained model when `run.sbc_replications` > 0.
 * @param problem The inverse problem.
 * @param trained The trained model.
 * @param params App params.
 * @param seed Seed of the run.
 * @returns The calibration's JSON, or null when skipped.
 */
export async function modelCalibration(
  problem: InverseProblem,
  trained: TrainedPosterior,
  params: Params,
  seed: number,
): Promise<Record<string, unknown> | null> {
  if (params.run.sbc_replications <= 0) return null;
  const c = await calibratePosterior(problem, trained.sampler, {
    replications: params.run.sbc_replications,
    seed: seed + 5000,
  });
  return calibrationJson(c);
}

function calibrationJson(c: CalibrationResult): Record<string, unknown> {
  return {
    method: "simulation-based calibration (rank χ² test) and central-interval coverage",
    replications: c.replications,
    draws: c.draws,
    sbc_p_values: c.sbcPValues,
    sbc_min_p_value: Math.min(...c.sbcPValues),
    coverage_90: c.coverage90,
    coverage_50: c.coverage50,
  };
}

/** Options of {@link runInnApp}. */
export interface InnAppRunOptions {
  /** App name for metrics, e.g. `app4_parameter_estimation`. */
  app: string;
  /** Name of the backend in use. */
  backend: string;
  /** Progress sink. Default console. */
  progress?: ProgressSink;
  /** Extra facts about the problem for `metrics.json` (e.g. the condition number). */
  problemInfo?: Record<string, unknown>;
  /** Observations shown in the corner and forward-fit figures. Default 3. */
  figureObservations?: number;
}

/** What {@link runInnApp} wrote and measured. */
export interface InnAppRunResult {
  /** The contents of `metrics.json`. */
  metrics: Record<string, unknown>;
  /** Paths written. */
  files: string[];
}

/**
 * Runs an INN application on a problem and writes its outputs: `corner_<i>.png`
 * for the first observations, `principal_axes.png` (observation 1 in the principal
 * axes of its reference posterior), `forward_fit.png`, `history.png`, `metrics.png`,
 * `history_<model>.jsonl` and `metrics.json`.
 * @param problem The inverse problem (with a reference posterior).
 * @param params Validated params.
 * @param options App name, backend, progress, extra problem facts.
 * @returns Metrics and written files.
 */
export async function runInnApp(
  problem: InverseProblem,
  params: Params,
  options: InnAppRunOptions,
): Promise<InnAppRunResult> {
  const progress = options.progress ?? new ConsoleProgress();
  const t0 = performance.now();
  const out = params.run.output_dir;
  const seed = params.run.seed;
  const config = innAppConfig(params);
  const nPost = params.run.num_posterior_samples;
  const numTrain = params.training.num_data_input;
  const numVal = params.training.num_val ??
    Math.max(1, Math.round(numTrain * params.training.validation_fraction));
  progress.line(`${options.app}: ${problem.description}`);
  const set = prepareTrainingSet(problem, numTrain, numVal, seed);

  progress.line(
    `reference posteriors of ${params.run.num_observations} test observations (${nPost} samples each)…`,
  );
  const observations = await testObservations(
    problem,
    params.run.num_observations,
    nPost,
    seed + 1000,
  );
  const refMethod = observations[0].reference.method;
  const refSeconds = observations.reduce((a, o) => a + o.referenceSeconds, 0);
  progress.line(`reference: ${refMethod}, ${refSeconds.toFixed(1)} s`);
  let refCalibration: CalibrationResult | null = null;
  if (observations[0].reference.exact && params.run.sbc_replications > 0) {
    refCalibration = await calibratePosterior(
      problem,
      async (y, n, s) => (await problem.referencePosterior!(y, n, s)).samples,
      { replications: params.run.sbc_replications, seed: seed + 5000 },
    );
  }
  const refResim = observations.map((o) =>
    resimulationError(o.reference.samples, {
      dims: problem.dimX,
      forward: (x) => problem.forward(x),
      observed: o.y,
    }).mean
  );

  const figureCount = Math.min(options.figureObservations ?? 3, observations.length);
  const shown: LabelledSamples[][] = observations.slice(0, figureCount).map((o) => [
    { label: "reference", samples: o.reference.samples, color: REFERENCE_COLOR },
  ]);
  const models: Record<string, ModelMetrics> = {};
  const histories: { label: string; kind: PosteriorModelKind; history: TrainingEpoch[] }[] = [];
  for (const kind of config.models) {
    progress.line(`training ${MODEL_LABELS[kind]}…`);
    const trained = await trainPosteriorModel(kind, set, config, { progress });
    try {
      progress.line(
        `${trained.label}: ${trained.steps} steps in ${trained.trainSeconds.toFixed(1)} s; ` +
          `sampling and comparing ${observations.length} posteriors…`,
      );
      const comparisons: PosteriorComparison[] = [];
      for (const [i, o] of observations.entries()) {
        const samples = await trained.sampler.posterior(Float32Array.from(o.y), nPost, {
          seed: seed + 3000 + i,
        });
        comparisons.push(
          comparePosterior(problem, samples, o.y, o.reference, {
            seed: seed + 4000 + i,
            c2stPoints: params.run.c2st_points,
          }),
        );
        if (i < figureCount) {
          shown[i].push({ label: trained.label, samples, color: MODEL_COLORS[kind] });
        }
      }
      models[kind] = {
        ...trainedModelRecord(trained),
        ...summarizeComparisons(comparisons),
        calibration: await modelCalibration(problem, trained, params, seed),
      };
      histories.push({ label: trained.label, kind, history: trained.history });
      const m = models[kind];
      progress.line(
        `${trained.label}: mean error ${m.mean_error_sigma.toFixed(3)} σ, σ ratio ${
          m.sigma_ratio.toFixed(3)
        }, C2ST ${m.c2st_accuracy?.toFixed(3) ?? "skipped"}`,
      );
    } finally {
      trained.dispose();
    }
  }

  const files: string[] = [];
  const figures: [string, VegaLiteSpec][] = [];
  shown.forEach((sets, i) => {
    figures.push([
      `corner_${i + 1}.png`,
      posteriorCornerFigure(problem, sets, {
        title: `Posterior p(x | y*) of test observation ${i + 1}: models vs ${
          observations[i].reference.method
        } reference`,
        truth: observations[i].xTrue,
      }),
    ]);
  });
  if (shown.length) {
    figures.push([
      "principal_axes.png",
      principalAxesFigure(problem, shown[0], observations[0].reference, {
        title: "Test observation 1 in the principal axes of the reference posterior (in their σ)",
        truth: observations[0].xTrue,
      }),
    ]);
    figures.push([
      "forward_fit.png",
      forwardFitFigure(
        problem,
        shown.map((sets, i) => ({ name: `y* ${i + 1}`, observed: observations[i].y, sets })),
      ),
    ]);
  }
  figures.push(["history.png", trainingHistoryFigure(histories)]);
  const summaries = Object.values(models).map((m) => ({
    label: m.label,
    meanErrorSigma: m.mean_error_sigma,
    sigmaRatioAbsDev: m.sigma_ratio_abs_dev,
    c2st: m.c2st_accuracy,
  }));
  if (summaries.length) figures.push(["metrics.png", metricsSummaryFigure(summaries)]);
  for (const [name, spec] of figures) {
    const path = join(out, name);
    await savePlot(spec, path);
    files.push(path);
  }
  for (const h of histories) {
    const path = join(out, `history_${h.kind}.jsonl`);
    await writeFileAtomic(path, h.history.map((r) => JSON.stringify(r)).join("\n") + "\n");
    files.push(path);
  }

  const refDiagnostics = observations.map((o) => o.reference.diagnostics);
  const rhat = refDiagnostics.map((d) => d.max_rhat).filter((v): v is number =>
    typeof v === "number"
  );
  const ess = refDiagnostics.map((d) => d.min_ess).filter((v): v is number =>
    typeof v === "number"
  );
  const metrics: Record<string, unknown> = {
    app: options.app,
    problem: {
      name: problem.name,
      description: problem.description,
      dim_x: problem.dimX,
      dim_y: problem.dimY,
      noise_sigma: problem.noise ?? 0,
      param_names: problem.paramNames,
      ...options.problemInfo,
    },
    backend: options.backend,
    num_train: numTrain,
    num_validation: numVal,
    num_observations: observations.length,
    num_posterior_samples: nPost,
    targets: QUALITY_TARGETS,
    reference: {
      method: refMethod,
      exact: observations[0].reference.exact,
      seconds: refSeconds,
      resimulation_error: mean(refResim),
      ...(rhat.length ? { max_rhat: Math.max(...rhat), min_ess: Math.min(...ess) } : {}),
      calibration: refCalibration ? calibrationJson(refCalibration) : null,
      per_observation: refDiagnostics,
    },
    models,
    observations: observations.map((o) => ({
      x_true: Array.from(o.xTrue),
      y: Array.from(o.y),
      reference_mean: Array.from(o.reference.mean),
      reference_std: Array.from(
        { length: problem.dimX },
        (_, j) => Math.sqrt(o.reference.cov.data[j * problem.dimX + j]),
      ),
    })),
    wall_time_s: (performance.now() - t0) / 1000,
    params,
  };
  const metricsPath = join(out, "metrics.json");
  await writeFileAtomic(metricsPath, JSON.stringify(metrics, null, 2) + "\n");
  files.push(metricsPath);
  return { metrics, files };
}
