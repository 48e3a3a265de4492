/**
 * Application 5, an ill-posed inverse problem without noise, end to end: the
 * planar robot arm of Kruse et al. 2021 ({@link ./robot_arm.ts RobotArm}).
 * Simulates training pairs, draws test targets `y*` from the prior
 * predictive with their ABC reference posteriors, trains the three posterior
 * models of the INN applications (INN with MMD losses, INN by maximum
 * likelihood, cINN; {@link ./inn_app.ts}), samples `p(x | y*)` and scores
 * every model as Kruse et al. do — posterior mismatch (MMD² against the
 * reference, raw parameter units) and re-simulation error `‖f(x̂) − y*‖` —
 * plus the shared moment, C2ST and calibration metrics. Writes the arm-pose
 * figures and `metrics.json` under `run.output_dir`.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic.ts";
import { mmdSquared } from "../inference/mmd.ts";
import { resimulationError } from "../inference/resimulation.ts";
import type { Params } from "../params/mod.ts";
import { savePlot, type VegaLiteSpec } from "../plot/mod.ts";
import { ConsoleProgress, type ProgressSink } from "../training/progress.ts";
import {
  innAppConfig,
  MODEL_LABELS,
  type PosteriorModelKind,
  prepareTrainingSet,
  type TrainingEpoch,
  trainPosteriorModel,
} from "./inn_app.ts";
import {
  type LabelledSamples,
  MODEL_COLORS,
  posteriorCornerFigure,
  REFERENCE_COLOR,
  trainingHistoryFigure,
} from "./inn_figures.ts";
import { type calibratePosterior, comparePosterior } from "./posterior_metrics.ts";
import {
  modelCalibration,
  summarizeComparisons,
  testObservations,
  trainedModelRecord,
} from "./inn_run.ts";
import { ARM_DEFAULT_EPSILON, RobotArm } from "./robot_arm.ts";
import { armMetricsFigure, armPosteriorFigure, endPointsFigure } from "./robot_arm_figures.ts";

/**
 * Kernel widths of the posterior-mismatch MMD², in raw parameter units: the
 * multi-scale inverse multiquadrics `Σ_h h²/(h² + ‖a − b‖²)` of the INN code of
 * the same group (Ardizzone et al. 2019), h ∈ {0.05, 0.2, 0.9}.
 */
export const ARM_MMD_SCALES: readonly number[] = [0.05, 0.2, 0.9];

/** Number of targets drawn in the figures. */
export const ARM_FIGURE_TARGETS = 3;

/**
 * Kruse et al. 2021, Table 1 (inverse kinematics): the rows we could
 * confirm, Err_post (MMD) and Err_resim (mean squared re-simulation error),
 * averaged over 1000 test targets.
 */
export const KRUSE_2021_TABLE1: readonly {
  model: string;
  err_post: number;
  err_resim: number;
}[] = [
  { model: "MDN", err_post: 0.007, err_resim: 0.012 },
  { model: "autoencoder", err_post: 0.037, err_resim: 0.012 },
];

/** Options of {@link runInverseKinematics}. */
export interface InverseKinematicsOptions {
  /** Name of the backend in use, for metrics. */
  backend: string;
  /** Progress sink; default console. */
  progress?: ProgressSink;
  /** Tolerance ε of the ABC reference. Default {@link ARM_DEFAULT_EPSILON}. */
  epsilon?: number;
  /** Targets drawn in the figures. Default {@link ARM_FIGURE_TARGETS}. */
  figureTargets?: number;
}

/** What {@link runInverseKinematics} wrote and measured. */
export interface InverseKinematicsResult {
  /** The contents of `metrics.json`. */
  metrics: Record<string, unknown>;
  /** Paths written. */
  files: string[];
}

/** Poses per sample drawn in the corner plot (its PNG takes seconds per thousand). */
const CORNER_POSES = 500;

function firstPoses(set: LabelledSamples, count: number): LabelledSamples {
  const n = Math.min(count * 4, set.samples.length);
  return { ...set, samples: Float64Array.from({ length: n }, (_, i) => set.samples[i]) };
}

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

/**
 * The posterior mismatch of Kruse et al.: the unbiased MMD² between posterior
 * samples and reference samples, in raw parameter units, with
 * {@link ARM_MMD_SCALES}.
 * @param samples Model samples `[n × 4]`.
 * @param reference Reference samples `[m × 4]`.
 * @returns MMD² (≈ 0 for the same distribution; can be slightly negative).
 */
export function armPosteriorMmd(samples: ArrayLike<number>, reference: ArrayLike<number>): number {
  return mmdSquared(Float64Array.from(samples), Float64Array.from(reference), {
    dims: 4,
    scales: ARM_MMD_SCALES,
  });
}

/**
 * Runs application 5 from validated params and writes its outputs.
 * @param params Validated params (see `params/app5.json`).
 * @param options Backend name, progress sink, ABC tolerance, figure targets.
 * @returns Metrics and written files.
 */
export async function runInverseKinematics(
  params: Params,
  options: InverseKinematicsOptions,
): Promise<InverseKinematicsResult> {
  const progress = options.progress ?? new ConsoleProgress();
  const t0 = performance.now();
  const out = params.run.output_dir;
  const seed = params.run.seed;
  const arm = new RobotArm({ epsilon: options.epsilon ?? ARM_DEFAULT_EPSILON });
  const config = innAppConfig(params);
  const nPost = params.run.num_posterior_samples;
  const numTrain = params.training.num_data_input;
  const numVal = params.training.num_val ??
    Math.max(1, Math.round(numTrain * params.training.validation_fraction));
  progress.line(`app5: ${arm.description}; ${numTrain} training pairs`);
  const set = prepareTrainingSet(arm, numTrain, numVal, seed);

  const numTargets = params.run.num_observations;
  progress.line(
    `ABC reference posteriors (ε = ${arm.epsilon}) of ${numTargets} targets, ${nPost} samples each…`,
  );
  const observations = await testObservations(arm, numTargets, nPost, seed + 1000);
  const refDiag = observations.map((o) => o.reference.diagnostics);
  const refSeconds = observations.reduce((a, o) => a + o.referenceSeconds, 0);
  const rates = refDiag.map((d) => d.acceptance_rate as number);
  progress.line(
    `reference: ${observations[0].reference.method}, acceptance rate ${
      Math.min(...rates).toExponential(2)
    }–${Math.max(...rates).toExponential(2)}, ${refSeconds.toFixed(1)} s`,
  );
  const resim = (samples: ArrayLike<number>, y: ArrayLike<number>) =>
    resimulationError(samples, { dims: 4, forward: (x) => arm.endPoint(x), observed: y });
  const refResim = observations.map((o) => resim(o.reference.samples, o.y));

  const figureCount = Math.min(options.figureTargets ?? ARM_FIGURE_TARGETS, observations.length);
  const shown: LabelledSamples[][] = observations.slice(0, figureCount).map((o) => [
    { label: "reference (ABC)", samples: o.reference.samples, color: REFERENCE_COLOR },
  ]);
  const notes: string[][] = observations.slice(0, figureCount).map((o) => [
    `ε = ${arm.epsilon}, acceptance ${
      (o.reference.diagnostics.acceptance_rate as number).toExponential(1)
    }`,
  ]);
  const models: Record<string, Record<string, unknown>> = {};
  const histories: { label: string; kind: PosteriorModelKind; history: TrainingEpoch[] }[] = [];
  for (const kind of config.models) {
    progress.line(`training ${MODEL_LABELS[kind]}…`);
    const trained = await trainPosteriorModel(kind, set, config, { progress });
    try {
      progress.line(
        `${trained.label}: ${trained.steps} steps in ${trained.trainSeconds.toFixed(1)} s; ` +
          `sampling and comparing ${observations.length} posteriors…`,
      );
      const tSample = performance.now();
      const perTarget: {
        mmd2: number;
        resimMean: number;
        resimMedian: number;
        resimSquared: number;
      }[] = [];
      const comparisons = [];
      for (const [i, o] of observations.entries()) {
        const samples = await trained.sampler.posterior(Float32Array.from(o.y), nPost, {
          seed: seed + 3000 + i,
        });
        const r = resim(samples, o.y);
        perTarget.push({
          mmd2: armPosteriorMmd(samples, o.reference.samples),
          resimMean: r.mean,
          resimMedian: r.median,
          resimSquared: r.meanSquared,
        });
        comparisons.push(
          comparePosterior(arm, samples, o.y, o.reference, {
            seed: seed + 4000 + i,
            c2stPoints: params.run.c2st_points,
          }),
        );
        if (i < figureCount) {
          shown[i].push({ label: trained.label, samples, color: MODEL_COLORS[kind] });
          notes[i].push(
            `MMD² ${perTarget[i].mmd2.toFixed(4)}, ‖f(x̂) − y*‖ ${
              perTarget[i].resimMean.toFixed(4)
            }`,
          );
        }
      }
      const evalSeconds = (performance.now() - tSample) / 1000;
      const { targets: _appFourTargets, per_observation, ...shared } = summarizeComparisons(
        comparisons,
      );
      models[kind] = {
        ...trainedModelRecord(trained),
        posterior_mmd2: mean(perTarget.map((p) => p.mmd2)),
        posterior_mmd2_median: median(perTarget.map((p) => p.mmd2)),
        resimulation_error: mean(perTarget.map((p) => p.resimMean)),
        resimulation_error_median: median(perTarget.map((p) => p.resimMedian)),
        resimulation_mean_squared: mean(perTarget.map((p) => p.resimSquared)),
        evaluation_time_s: evalSeconds,
        moments_c2st: shared,
        calibration: await modelCalibration(arm, trained, params, seed),
        per_target: perTarget.map((p, i) => ({
          posterior_mmd2: p.mmd2,
          resimulation_error: p.resimMean,
          resimulation_error_median: p.resimMedian,
          resimulation_mean_squared: p.resimSquared,
          ...per_observation[i],
        })),
      };
      histories.push({ label: trained.label, kind, history: trained.history });
      const m = models[kind];
      const f = (v: unknown) => (v as number).toPrecision(3);
      progress.line(
        `${trained.label}: posterior MMD² ${f(m.posterior_mmd2)}, re-simulation error ${
          f(m.resimulation_error)
        } (mean squared ${f(m.resimulation_mean_squared)})`,
      );
    } finally {
      trained.dispose();
    }
  }

  const files: string[] = [];
  const figures: [string, VegaLiteSpec][] = [];
  if (shown.length) {
    figures.push([
      "arm_posteriors.png",
      armPosteriorFigure(
        arm,
        shown.map((sets, i) => ({ target: observations[i].y, sets, notes: notes[i] })),
      ),
    ]);
    shown.forEach((sets, i) => {
      figures.push([
        `end_points_${i + 1}.png`,
        endPointsFigure(arm, observations[i].y, sets, { epsilon: arm.epsilon }),
      ]);
    });
    figures.push([
      "corner_1.png",
      posteriorCornerFigure(arm, shown[0].map((set) => firstPoses(set, CORNER_POSES)), {
        title: `Posterior p(x | y*) of target 1: models vs ABC reference`,
        truth: observations[0].xTrue,
      }),
    ]);
  }
  if (histories.length) figures.push(["history.png", trainingHistoryFigure(histories)]);
  const summaries = Object.values(models).map((m) => ({
    label: m.label as string,
    mmd2: m.posterior_mmd2 as number,
    resimulation: m.resimulation_error as number,
  }));
  if (summaries.length) {
    figures.push(["metrics.png", armMetricsFigure(summaries, mean(refResim.map((r) => r.mean)))]);
  }
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

  const metrics: Record<string, unknown> = {
    app: "app5_inverse_no_noise",
    problem: {
      name: arm.name,
      description: arm.description,
      dim_x: arm.dimX,
      dim_y: arm.dimY,
      param_names: arm.paramNames,
      segment_lengths: arm.lengths,
      prior_std: arm.priorStd,
      forward_model: "y1 = l1 cos θ1 + l2 cos(θ1+θ2) + l3 cos(θ1+θ2+θ3); " +
        "y2 = x1 + l1 sin θ1 + l2 sin(θ1+θ2) + l3 sin(θ1+θ2+θ3)",
    },
    backend: options.backend,
    num_train: numTrain,
    num_validation: numVal,
    num_targets: observations.length,
    num_posterior_samples: nPost,
    metric_definitions: {
      posterior_mmd2: `unbiased MMD² between ${nPost} model and ${nPost} reference samples, ` +
        `raw parameter units, inverse multiquadric kernels h ∈ {${ARM_MMD_SCALES.join(", ")}}`,
      resimulation_error: "mean over samples of ‖f(x̂) − y*‖ (Euclidean distance)",
      resimulation_mean_squared: "mean over samples of ‖f(x̂) − y*‖² (Kruse et al.'s Err_resim)",
      moments_c2st: "shared INN-app metrics: moment errors in reference σ, C2ST, MMD² of " +
        "standardized samples (default kernels)",
    },
    reference: {
      method: observations[0].reference.method,
      epsilon: arm.epsilon,
      acceptance_rate_mean: mean(rates),
      acceptance_rate_min: Math.min(...rates),
      acceptance_rate_max: Math.max(...rates),
      proposals_total: refDiag.reduce((a, d) => a + (d.tries as number), 0),
      max_end_point_distance: Math.max(...refDiag.map((d) => d.max_end_point_distance as number)),
      seconds: refSeconds,
      resimulation_error: mean(refResim.map((r) => r.mean)),
      resimulation_mean_squared: mean(refResim.map((r) => r.meanSquared)),
      per_target: refDiag,
    },
    models,
    kruse_2021_table1: KRUSE_2021_TABLE1,
    targets: observations.map((o) => ({
      x_true: Array.from(o.xTrue),
      y: Array.from(o.y),
      reference_mean: Array.from(o.reference.mean),
    })),
    wall_time_s: (performance.now() - t0) / 1000,
    params,
  };
  const metricsPath = join(out, "metrics.json");
  await writeFileAtomic(metricsPath, JSON.stringify(metrics, null, 2) + "\n");
  files.push(metricsPath);
  return { metrics, files };
}
