/**
 * One INN application run end to end, generic over the problem: simulate
 * training pairs and test observations, compute the reference posteriors,
 * train each posterior model, sample and compare, calibrate, and write the
 * figures and `metrics.json` under `run.output_dir`. The trained models are
 * saved under `run.model_dir` (one folder per model) and checkpointed under
 * `<output_dir>/checkpoints/<model>`, so a later run can evaluate them again
 * without training (`run.do_train: false`, `--no-train`) or continue an
 * interrupted training (`run.resume`, `--resume`), as application 1 does.
 *
 * Application 4 calls it with its linear or exponentials problem and the
 * standard figures; application 5 with the robot arm and {@link InnAppHooks}
 * for its own metrics (posterior MMD² in raw units, mean squared
 * re-simulation error) and figures (arm poses, end points).
 *
 * @module
 */
import { paramsOfSavedModel } from "../common/saved_params.ts";
import { describeRuntime } from "../../lib/kernels/mod.ts";
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/core/atomic.ts";
import { requireFiniteResults, writeMetricsFile } from "../common/app_edges.ts";
import { resimulationError } from "../../lib/inference/resimulation.ts";
import type { Params } from "../../lib/params/mod.ts";
import { savePlot, type VegaLiteSpec } from "../../lib/plot/mod.ts";
import { ConsoleProgress, type ProgressSink } from "../../lib/training/progress.ts";
import {
  innAppConfig,
  loadPosteriorModel,
  MODEL_LABELS,
  type PosteriorModelKind,
  prepareTrainingSet,
  savePosteriorModel,
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
} from "../../lib/problems/posterior_metrics.ts";
import {
  type InverseProblem,
  type ReferencePosterior,
  simulatePairs,
} from "../../lib/problems/problem.ts";

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

/** Draws a reference posterior: the observation, the number of samples, a seed. */
export type ReferenceSampler = (
  y: Float64Array,
  n: number,
  seed: number,
) => ReferencePosterior | Promise<ReferencePosterior>;

/**
 * Draws test observations from the prior predictive and their reference posteriors.
 * @param problem The problem (must have `referencePosterior` unless `sampler` is given).
 * @param count Number of observations.
 * @param numSamples Reference samples per observation.
 * @param seed Seed of the draws.
 * @param sampler Draws the reference posterior; default the problem's `referencePosterior`.
 * @returns The observations.
 * @throws Error when there is no reference posterior to draw.
 */
export async function testObservations(
  problem: InverseProblem,
  count: number,
  numSamples: number,
  seed: number,
  sampler?: ReferenceSampler,
): Promise<TestObservation[]> {
  const draw = sampler ??
    (problem.referencePosterior
      ? (y: Float64Array, n: number, s: number) => problem.referencePosterior!(y, n, s)
      : null);
  if (!draw) {
    throw new Error(`Problem "${problem.name}" has no reference posterior to compare against`);
  }
  const pairs = simulatePairs(problem, count, seed);
  const out: TestObservation[] = [];
  for (let i = 0; i < count; i++) {
    const y = pairs.y.slice(i * problem.dimY, (i + 1) * problem.dimY);
    const t0 = performance.now();
    const reference = await draw(y, numSamples, seed + 1 + i);
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

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

function columnMeans(rows: number[][]): number[] {
  return rows[0].map((_, j) => mean(rows.map((r) => r[j])));
}

/**
 * The per-model summary written to `metrics.json`: the training record, the moment,
 * C2ST, MMD² and re-simulation metrics averaged over the observations, and calibration.
 */
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
  /** Median over the observations of the per-observation mean `‖f(x̂) − y*‖`. */
  resimulation_error_median: number;
  calibration: Record<string, unknown> | null;
  targets?: { mean_error: boolean; sigma: boolean; c2st: boolean | null; all: boolean };
  per_observation: Record<string, unknown>[];
}

/** The names of the {@link ModelMetrics} fields that describe training. */
type TrainingField =
  | "label"
  | "train_time_s"
  | "steps"
  | "ms_per_step"
  | "num_parameters"
  | "architecture"
  | "final_loss";

/**
 * Averages one model's comparisons over the observations and checks the targets.
 * @param comparisons One comparison per observation.
 * @returns The averaged metrics (without timing and calibration fields).
 */
export function summarizeComparisons(comparisons: PosteriorComparison[]):
  & Omit<ModelMetrics, TrainingField | "calibration" | "targets">
  & { targets: NonNullable<ModelMetrics["targets"]> } {
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
    resimulation_error_median: median(comparisons.map((c) => c.resimulationError)),
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
export type TrainedModelRecord = Pick<ModelMetrics, TrainingField>;

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

/**
 * The `calibration` block of `metrics.json` for a calibration result.
 * @param c The result of {@link calibratePosterior}.
 * @returns JSON fields: method, replications, draws, SBC p-values, coverages.
 */
export function calibrationJson(c: CalibrationResult): Record<string, unknown> {
  return {
    method: "simulation-based calibration (rank χ² test) and central-interval coverage",
    replications: c.replications,
    draws: c.draws,
    sbc_p_values: c.sbcPValues,
    sbc_min_p_value: Math.min(...c.sbcPValues),
    coverage_90: c.coverage90,
    coverage_50: c.coverage50,
    coverage_curve: c.coverageCurve,
  };
}

/** A model's metrics with the app-specific fields added by {@link InnAppHooks.observationMetrics}. */
export type InnModelMetrics = ModelMetrics & {
  /** Seconds spent sampling and comparing its posteriors. */
  evaluation_time_s: number;
  /** Epoch its training resumed after (0: fresh; null: loaded, not trained). */
  resumed_from_epoch: number | null;
  /** Folder it was loaded from (`--no-train`), else null. */
  loaded_from: string | null;
} & Record<string, unknown>;

/** What the figure hook of {@link runInnApp} gets. */
export interface InnFigureContext {
  /** The problem. */
  problem: InverseProblem;
  /** All test observations with their references. */
  observations: TestObservation[];
  /** Per figure observation: the reference sample first, then one sample per model. */
  shown: LabelledSamples[][];
  /** Each model's metrics, by kind. */
  models: Record<string, InnModelMetrics>;
}

/**
 * Where a problem's app differs from the standard INN run: its reference
 * sampler, extra per-observation metrics, reference facts, figures and
 * `metrics.json` fields. Every hook is optional.
 */
export interface InnAppHooks {
  /** Draws each reference posterior; default the problem's `referencePosterior`. */
  referenceSampler?: ReferenceSampler;
  /**
   * Extra numbers comparing one model's samples with one observation's reference.
   * Each key goes into that observation's row of `per_observation`, and its mean (and,
   * as `<key>_median`, its median) over the observations into the model's metrics.
   */
  observationMetrics?: (samples: Float32Array, observation: TestObservation) => Record<
    string,
    number
  >;
  /** Extra fields of the `reference` block of `metrics.json`. */
  referenceSummary?: (observations: TestObservation[]) => Record<string, unknown>;
  /** The figures other than `history.png`; default {@link standardInnFigures}. */
  figures?: (context: InnFigureContext) => [string, VegaLiteSpec][];
  /** Extra top-level fields of `metrics.json`. */
  extraMetrics?: (context: InnFigureContext) => Record<string, unknown>;
  /** One console line per model after its evaluation; default mean error, σ ratio, C2ST. */
  summaryLine?: (metrics: InnModelMetrics) => string;
  /** Judge the app-4 quality targets ({@link QUALITY_TARGETS}). Default true. */
  judgeTargets?: boolean;
  /**
   * Runs after every model has been evaluated and before any figure or `metrics.json` is
   * written (e.g. to train and evaluate further models whose results the `figures` and
   * `extraMetrics` hooks then report). An error here stops the run with nothing written.
   */
  afterModels?: (context: InnFigureContext) => Promise<void>;
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
  /** Observations shown in the figures. Default 3. */
  figureObservations?: number;
  /** The problem's own reference sampler, metrics and figures. */
  hooks?: InnAppHooks;
}

/** What {@link runInnApp} wrote and measured. */
export interface InnAppRunResult {
  /** The contents of `metrics.json`. */
  metrics: Record<string, unknown>;
  /** Paths written. */
  files: string[];
}

/**
 * The standard figures of an INN app: `corner_<i>.png` for each shown
 * observation, `principal_axes.png` (observation 1 in the principal axes of its
 * reference posterior), `forward_fit.png` and `metrics.png`.
 * @param context Problem, observations, shown samples and model metrics.
 * @returns File names and specs.
 */
export function standardInnFigures(context: InnFigureContext): [string, VegaLiteSpec][] {
  const { problem, observations, shown } = context;
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
  const summaries = Object.values(context.models).map((m) => ({
    label: m.label,
    meanErrorSigma: m.mean_error_sigma,
    sigmaRatioAbsDev: m.sigma_ratio_abs_dev,
    c2st: m.c2st_accuracy,
  }));
  if (summaries.length) figures.push(["metrics.png", metricsSummaryFigure(summaries)]);
  return figures;
}

function defaultSummaryLine(m: InnModelMetrics): string {
  return `${m.label}: mean error ${m.mean_error_sigma.toFixed(3)} σ, σ ratio ${
    m.sigma_ratio.toFixed(3)
  }, C2ST ${m.c2st_accuracy?.toFixed(3) ?? "skipped"}`;
}

/**
 * The trained or loaded models of a run. With `run.do_train` each model is trained
 * (resuming from `<output_dir>/checkpoints/<kind>` when `run.resume` is set) and, with
 * `training.save_model_weights`, saved to `<model_dir>/<kind>`; without it each is
 * loaded from there.
 */
async function* posteriorModels(
  problem: InverseProblem,
  params: Params,
  app: string,
  progress: ProgressSink,
  kinds: PosteriorModelKind[],
  preloaded: Map<PosteriorModelKind, TrainedPosterior>,
): AsyncGenerator<TrainedPosterior> {
  if (!params.run.do_train) {
    for (const kind of kinds) yield preloaded.get(kind)!;
    return;
  }
  const out = params.run.output_dir;
  const config = innAppConfig(params);
  const numTrain = params.training.num_data_input;
  const numVal = params.training.num_val ??
    Math.max(1, Math.round(numTrain * params.training.validation_fraction));
  const set = prepareTrainingSet(problem, numTrain, numVal, params.run.seed);
  const every = params.training.checkpoint_every_n_epochs;
  for (const kind of kinds) {
    progress.line(`training ${MODEL_LABELS[kind]}…`);
    const trained = await trainPosteriorModel(kind, set, config, {
      progress,
      ...(every > 0
        ? {
          checkpointDir: join(out, "checkpoints", kind),
          checkpointEveryNEpochs: every,
          resume: params.run.resume,
        }
        : {}),
    });
    if (params.training.save_model_weights) {
      try {
        const dir = join(params.run.model_dir, kind);
        await savePosteriorModel(trained, problem, dir, { app, params });
        progress.line(`${trained.label} saved to ${dir}`);
      } catch (err) {
        trained.dispose();
        throw err;
      }
    }
    yield trained;
  }
}

/**
 * Loads the saved models of a `--no-train` run before anything else runs, so that a
 * missing or mismatched model stops the run before it computes or writes anything.
 * @param problem The problem the models must have been trained on.
 * @param params Validated params (`run.model_dir`, `model_arch.inn_models`).
 * @returns The models by kind (empty when `run.do_train`).
 * @throws Error naming the folder of a missing, malformed or mismatched model.
 */
async function preloadModels(
  problem: InverseProblem,
  params: Params,
  kinds: PosteriorModelKind[],
): Promise<Map<PosteriorModelKind, TrainedPosterior>> {
  const loaded = new Map<PosteriorModelKind, TrainedPosterior>();
  if (params.run.do_train) return loaded;
  try {
    for (const kind of kinds) {
      loaded.set(
        kind,
        await loadPosteriorModel(join(params.run.model_dir, kind), { kind, problem }),
      );
    }
  } catch (err) {
    for (const m of loaded.values()) m.dispose();
    throw err;
  }
  return loaded;
}

/**
 * Runs an INN application on a problem and writes its outputs: the figures (by
 * default {@link standardInnFigures}, else the `figures` hook) and `history.png`,
 * `history_<model>.jsonl` and `metrics.json` under `run.output_dir`; the trained
 * models under `run.model_dir`.
 * @param problem The inverse problem (with a reference posterior, or a `referenceSampler` hook).
 * @param params Validated params.
 * @param options App name, backend, progress, extra problem facts, hooks.
 * @returns Metrics and written files.
 * @throws Error when a saved model is missing or does not fit (`--no-train`; every
 *   saved model is loaded before anything is computed or written), or training diverges.
 */
export async function runInnApp(
  problem: InverseProblem,
  params: Params,
  options: InnAppRunOptions,
): Promise<InnAppRunResult> {
  const progress = options.progress ?? new ConsoleProgress();
  const hooks = options.hooks ?? {};
  const judge = hooks.judgeTargets ?? true;
  const t0 = performance.now();
  const out = params.run.output_dir;
  const seed = params.run.seed;
  const config = innAppConfig(params);
  const nPost = params.run.num_posterior_samples;
  const numTrain = params.training.num_data_input;
  const numVal = params.training.num_val ??
    Math.max(1, Math.round(numTrain * params.training.validation_fraction));
  progress.line(`${options.app}: ${problem.description}`);
  const preloaded = await preloadModels(problem, params, config.models);
  if (preloaded.size) progress.line(`loaded ${preloaded.size} models from ${params.run.model_dir}`);
  let recorded = params;
  const firstLoaded = preloaded.values().next().value;
  if (firstLoaded) {
    const saved = paramsOfSavedModel(params, firstLoaded.savedMetadata, params.run.model_dir);
    for (const note of saved.notes) progress.line(note);
    recorded = saved.params;
  }

  progress.line(
    `reference posteriors of ${params.run.num_observations} test observations (${nPost} samples each)…`,
  );
  let observations: TestObservation[];
  try {
    observations = await testObservations(
      problem,
      params.run.num_observations,
      nPost,
      seed + 1000,
      hooks.referenceSampler,
    );
  } catch (err) {
    for (const m of preloaded.values()) m.dispose();
    throw err;
  }
  const refMethod = observations[0].reference.method;
  const refSeconds = observations.reduce((a, o) => a + o.referenceSeconds, 0);
  progress.line(`reference: ${refMethod}, ${refSeconds.toFixed(1)} s`);
  let refCalibration: CalibrationResult | null = null;
  if (observations[0].reference.exact && params.run.sbc_replications > 0) {
    const draw = hooks.referenceSampler ??
      ((y: Float64Array, n: number, s: number) => problem.referencePosterior!(y, n, s));
    refCalibration = await calibratePosterior(
      problem,
      async (y, n, s) => (await draw(Float64Array.from(y), n, s)).samples,
      { replications: params.run.sbc_replications, seed: seed + 5000 },
    );
  }
  const refResim = observations.map((o) =>
    resimulationError(o.reference.samples, {
      dims: problem.dimX,
      forward: (x) => problem.forward(x),
      observed: o.y,
    })
  );

  const figureCount = Math.min(options.figureObservations ?? 3, observations.length);
  const shown: LabelledSamples[][] = observations.slice(0, figureCount).map((o) => [
    { label: "reference", samples: o.reference.samples, color: REFERENCE_COLOR },
  ]);
  const models: Record<string, InnModelMetrics> = {};
  const histories: { label: string; kind: PosteriorModelKind; history: TrainingEpoch[] }[] = [];
  for await (
    const trained of posteriorModels(
      problem,
      params,
      options.app,
      progress,
      config.models,
      preloaded,
    )
  ) {
    const kind = trained.kind;
    try {
      progress.line(
        `${trained.label}: ${trained.steps} steps in ${trained.trainSeconds.toFixed(1)} s` +
          `${trained.loadedFrom ? ` (loaded from ${trained.loadedFrom})` : ""}; ` +
          `sampling and comparing ${observations.length} posteriors…`,
      );
      const tEval = performance.now();
      const comparisons: PosteriorComparison[] = [];
      const extras: Record<string, number>[] = [];
      for (const [i, o] of observations.entries()) {
        const samples = await trained.sampler.posterior(Float32Array.from(o.y), nPost, {
          seed: seed + 3000 + i,
        });
        requireFiniteResults(out, { [`${kind} posterior samples of observation ${i}`]: samples });
        comparisons.push(
          await comparePosterior(problem, samples, o.y, o.reference, {
            seed: seed + 4000 + i,
            c2stPoints: params.run.c2st_points,
          }),
        );
        extras.push(hooks.observationMetrics?.(samples, o) ?? {});
        if (i < figureCount) {
          shown[i].push({ label: trained.label, samples, color: MODEL_COLORS[kind] });
        }
      }
      const evaluationSeconds = (performance.now() - tEval) / 1000;
      const { targets, per_observation, ...summary } = summarizeComparisons(comparisons);
      const extraSummary: Record<string, number> = {};
      for (const key of Object.keys(extras[0] ?? {})) {
        extraSummary[key] = mean(extras.map((e) => e[key]));
        extraSummary[`${key}_median`] = median(extras.map((e) => e[key]));
      }
      models[kind] = {
        ...trainedModelRecord(trained),
        ...summary,
        ...extraSummary,
        ...(judge ? { targets } : {}),
        evaluation_time_s: evaluationSeconds,
        resumed_from_epoch: trained.loadedFrom ? null : trained.resumedFromEpoch ?? 0,
        loaded_from: trained.loadedFrom ?? null,
        calibration: await modelCalibration(problem, trained, params, seed),
        per_observation: per_observation.map((row, i) => ({ ...row, ...extras[i] })),
      };
      histories.push({ label: trained.label, kind, history: trained.history });
      progress.line((hooks.summaryLine ?? defaultSummaryLine)(models[kind]));
    } finally {
      trained.dispose();
    }
  }

  const context: InnFigureContext = { problem, observations, shown, models };
  await hooks.afterModels?.(context);
  const files: string[] = [];
  const figures = (hooks.figures ?? standardInnFigures)(context);
  if (histories.length) figures.push(["history.png", trainingHistoryFigure(histories)]);
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
    runtime: describeRuntime(),
    trained: params.run.do_train,
    num_train: params.run.do_train ? numTrain : null,
    num_validation: params.run.do_train ? numVal : null,
    num_observations: observations.length,
    num_posterior_samples: nPost,
    ...(judge ? { targets: QUALITY_TARGETS } : {}),
    reference: {
      method: refMethod,
      exact: observations[0].reference.exact,
      seconds: refSeconds,
      resimulation_error: mean(refResim.map((r) => r.mean)),
      resimulation_mean_squared: mean(refResim.map((r) => r.meanSquared)),
      ...(rhat.length ? { max_rhat: Math.max(...rhat), min_ess: Math.min(...ess) } : {}),
      ...hooks.referenceSummary?.(observations),
      calibration: refCalibration ? calibrationJson(refCalibration) : null,
      per_observation: refDiagnostics,
    },
    models,
    ...hooks.extraMetrics?.(context),
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
    params: recorded,
  };
  files.push(await writeMetricsFile(out, metrics));
  return { metrics, files };
}
