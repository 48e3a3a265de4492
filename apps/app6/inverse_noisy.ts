/**
 * Application 6, an ill-posed inverse problem with noise on the data, end to
 * end: the problem chosen by `run.problem` — a blurred, sub-sampled 1-D
 * profile with an exact Gaussian posterior ({@link BlurredProfile}), or the
 * ballistic throw with drag of Kruse et al. 2021 with an MCMC reference
 * ({@link BallisticDrag}) — with Gaussian noise σ on the data.
 *
 * The shared INN run ({@link ../inverse/inn_run.ts runInnApp}) trains the
 * INN by maximum likelihood with the noise draws as extra inputs and the cINN
 * on noisy simulations, and compares them with the reference at σ. Its
 * `afterModels` hook then trains (or loads) the noise-amortised cINN, whose
 * condition is `[y, log σ]` with σ drawn from a range during training
 * ({@link ../inverse/noise_amortised.ts}), and checks it at σ/f, σ and f·σ and
 * for `k` repeated measurements (their mean at σ/√k) against the reference
 * at each ({@link ../inverse/noise_sweep.ts}). The other hooks write the
 * profile, sweep and calibration figures and the app's quality targets.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/core/atomic.ts";
import type { Params } from "../../lib/params/mod.ts";
import { cornerPlot, type VegaLiteSpec } from "../../lib/plot/mod.ts";
import type { BallisticDrag } from "../../lib/problems/ballistic_drag.ts";
import { BlurredProfile } from "../../lib/problems/blurred_profile.ts";
import type { NoiseRange } from "../../lib/problems/noise_levels.ts";
import { ConsoleProgress, type ProgressSink } from "../../lib/training/progress.ts";
import { innAppConfig } from "../inverse/inn_app.ts";
import {
  forwardFitFigure,
  type LabelledSamples,
  metricsSummaryFigure,
  MODEL_COLORS,
  REFERENCE_COLOR,
  trainingHistoryFigure,
} from "../inverse/inn_figures.ts";
import { innProblem, innProblemInfo, innProblemParamsErrors } from "../inverse/inn_problems.ts";
import {
  type InnAppHooks,
  type InnAppRunResult,
  type InnFigureContext,
  runInnApp,
  standardInnFigures,
  trainedModelRecord,
} from "../inverse/inn_run.ts";
import {
  loadNoiseAmortisedCinn,
  NOISE_AMORTISED_KIND,
  NOISE_AMORTISED_LABEL,
  type NoiseAmortisedModel,
  prepareNoiseAmortisedSet,
  saveNoiseAmortisedCinn,
  trainNoiseAmortisedCinn,
} from "../inverse/noise_amortised.ts";
import { checkAtNoise, checkRepeats, type NoiseCheck } from "../inverse/noise_sweep.ts";
import {
  calibrationFigure,
  type CoverageCurve,
  noiseWidthFigure,
  profileBandsFigure,
  profileSamplesFigure,
  type WidthSeries,
} from "./figures.ts";

/** The problems of application 6 (`run.problem`). */
export const APP6_PROBLEMS = ["blurred_profile", "ballistic"] as const;

/** The quality targets of application 6 (issue 13), averaged over the test observations. */
export const APP6_TARGETS = {
  /** Posterior-mean error in posterior σ, at most. */
  meanErrorSigma: 0.1,
  /** Largest |σ̂/σ − 1| of any parameter's averaged marginal std ratio. */
  sigmaRatioTolerance: 0.1,
  /** C2ST accuracy, at most: against the exact posterior (linear) or MCMC (nonlinear). */
  c2st: { blurred_profile: 0.6, ballistic: 0.65 } as Record<string, number>,
  /** Coverage of central 90 % intervals in SBC, within. */
  coverage90: [0.88, 0.92] as const,
} as const;

/** Colour of the noise-amortised cINN in every figure. */
export const AMORTISED_COLOR = "#b279a2";

/** Observations shown in the figures. */
const FIGURE_OBSERVATIONS = 3;

/** Profile cells shown in the corner plot of the blurred profile. */
const CORNER_CELLS = [1, 9, 17, 25];

/**
 * What is wrong with the params for application 6: a problem of another app, and — when
 * the noise-amortised cINN is on — a σ range that does not cover the sweep σ/f … f·σ and
 * the repeats' σ/√k.
 * @param params Validated params.
 * @returns One message per problem, each naming the field (empty when the params fit).
 * @example
 * ```ts
 * import { loadParams } from "../../lib/params/mod.ts";
 * import { app6ParamsErrors } from "./inverse_noisy.ts";
 * app6ParamsErrors(loadParams("app6", ["--set", "run.problem=linear"])); // one message
 * ```
 */
export function app6ParamsErrors(params: Params): string[] {
  const errors = innProblemParamsErrors(params, "application 6", APP6_PROBLEMS);
  if (errors.length || !params.model_arch.noise_amortised) return errors;
  const r = params.run;
  const f = r.noise_sweep_factor;
  if (r.noise_min_factor > 1 / f + 1e-12) {
    errors.push(
      `run.noise_min_factor must be ≤ 1/run.noise_sweep_factor = ${1 / f} so that the ` +
        `amortised model's σ range covers σ/${f}, got ${r.noise_min_factor}`,
    );
  }
  if (r.noise_max_factor < f - 1e-12) {
    errors.push(
      `run.noise_max_factor must be ≥ run.noise_sweep_factor = ${f} so that the amortised ` +
        `model's σ range covers ${f}·σ, got ${r.noise_max_factor}`,
    );
  }
  const kMax = Math.max(...r.repeats);
  if (r.noise_min_factor > 1 / Math.sqrt(kMax) + 1e-12) {
    errors.push(
      `run.noise_min_factor must be ≤ 1/√${kMax} = ${(1 / Math.sqrt(kMax)).toPrecision(4)} so ` +
        `that the amortised model's σ range covers the mean of ${kMax} repeats (run.repeats), ` +
        `got ${r.noise_min_factor}`,
    );
  }
  return errors;
}

/**
 * The problem described by the params (`run.problem`, `run.noise_sigma`, MCMC settings).
 * @param params Validated params.
 * @returns The problem.
 * @throws Error when the params do not describe an app-6 problem.
 * @example
 * ```ts
 * import { loadParams } from "../../lib/params/mod.ts";
 * import { app6Problem } from "./inverse_noisy.ts";
 * app6Problem(loadParams("app6", [])).dimX; // 32
 * ```
 */
export function app6Problem(params: Params): BlurredProfile | BallisticDrag {
  const errors = app6ParamsErrors(params);
  if (errors.length) throw new Error(errors.join("; "));
  return innProblem(params) as BlurredProfile | BallisticDrag;
}

/**
 * The σ range of the noise-amortised cINN: `[noise_min_factor·σ, noise_max_factor·σ]`.
 * @param params Validated params.
 * @param sigma The problem's σ.
 * @returns The range.
 * @example
 * ```ts
 * import { loadParams } from "../../lib/params/mod.ts";
 * import { amortisedNoiseRange } from "./inverse_noisy.ts";
 * amortisedNoiseRange(loadParams("app6", []), 0.05); // { min: 0.01, max: 0.125 }
 * ```
 */
export function amortisedNoiseRange(params: Params, sigma: number): NoiseRange {
  const round = (v: number) => Number(v.toPrecision(12));
  return {
    min: round(sigma * params.run.noise_min_factor),
    max: round(sigma * params.run.noise_max_factor),
  };
}

/** Whether a model's averaged metrics meet the app-6 targets. */
export interface App6Judgement {
  mean_error: boolean;
  sigma: boolean;
  c2st: boolean | null;
  coverage: boolean | null;
  all: boolean;
}

/**
 * Judges averaged posterior metrics against {@link APP6_TARGETS}.
 * @param m Mean error, per-parameter σ ratios, C2ST and 90 % coverage (null: not measured).
 * @param problemName `blurred_profile` or `ballistic` (sets the C2ST target).
 * @returns One verdict per target and `all`.
 * @example
 * ```ts
 * import { judgeApp6 } from "./inverse_noisy.ts";
 * judgeApp6({ meanErrorSigma: 0.05, sigmaRatios: [1.02], c2st: 0.55, coverage90: 0.9 }, "blurred_profile").all; // true
 * ```
 */
export function judgeApp6(
  m: {
    meanErrorSigma: number;
    sigmaRatios: number[];
    c2st: number | null;
    coverage90: number | null;
  },
  problemName: string,
): App6Judgement {
  const t = APP6_TARGETS;
  const j = {
    mean_error: m.meanErrorSigma <= t.meanErrorSigma,
    sigma: m.sigmaRatios.every((r) => Math.abs(r - 1) <= t.sigmaRatioTolerance),
    c2st: m.c2st === null ? null : m.c2st <= (t.c2st[problemName] ?? 0.6),
    coverage: m.coverage90 === null
      ? null
      : m.coverage90 >= t.coverage90[0] && m.coverage90 <= t.coverage90[1],
    all: false,
  };
  j.all = j.mean_error && j.sigma && j.c2st !== false && j.coverage !== false;
  return j;
}

/** What the noise-amortised part of a run measured. */
interface AmortisedResults {
  model: Record<string, unknown>;
  range: NoiseRange;
  sweep: { factor: number; check: NoiseCheck }[];
  repeats: { k: number; check: NoiseCheck }[];
  /** Dense σ grid: mean posterior std of the model (3 observations) and, if known, exact. */
  widthGrid: { sigma: number[]; model: number[]; exact: number[] | null };
  history: { label: string; kind: string; history: { epoch: number; loss: number }[] };
}

function coverage90(calibration: Record<string, unknown> | null): number | null {
  return calibration ? calibration.coverage_90 as number : null;
}

function checkJson(check: NoiseCheck, problemName: string): Record<string, unknown> {
  const { per_observation, targets: _inn, ...summary } = check.summary;
  return {
    sigma: check.sigma,
    ...summary,
    calibration: check.calibration,
    mean_reference_std: check.referenceStd.reduce((a, b) => a + b, 0) / check.referenceStd.length,
    mean_model_std: check.modelStd.reduce((a, b) => a + b, 0) / check.modelStd.length,
    targets: judgeApp6({
      meanErrorSigma: check.summary.mean_error_sigma,
      sigmaRatios: check.summary.sigma_ratio_per_param,
      c2st: check.summary.c2st_accuracy,
      coverage90: coverage90(check.calibration),
    }, problemName),
    per_observation,
  };
}

function meanOf(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Trains or loads the amortised cINN and checks it across σ and repeats. */
async function amortisedPart(
  problem: BlurredProfile | BallisticDrag,
  params: Params,
  progress: ProgressSink,
  preloaded: NoiseAmortisedModel | null,
): Promise<AmortisedResults> {
  const range = amortisedNoiseRange(params, problem.noise);
  const config = innAppConfig(params);
  const out = params.run.output_dir;
  let model = preloaded;
  if (!model) {
    const numTrain = params.training.num_data_input;
    const numVal = params.training.num_val ??
      Math.max(1, Math.round(numTrain * params.training.validation_fraction));
    progress.line(
      `training ${NOISE_AMORTISED_LABEL} on σ in [${range.min}, ${range.max}] (log-uniform)…`,
    );
    const set = prepareNoiseAmortisedSet(problem, range, numTrain, numVal, params.run.seed + 77);
    const every = params.training.checkpoint_every_n_epochs;
    model = await trainNoiseAmortisedCinn(set, range, config, {
      progress,
      ...(every > 0
        ? {
          checkpointDir: join(out, "checkpoints", NOISE_AMORTISED_KIND),
          checkpointEveryNEpochs: every,
          resume: params.run.resume,
        }
        : {}),
    });
    if (params.training.save_model_weights) {
      const dir = join(params.run.model_dir, NOISE_AMORTISED_KIND);
      await saveNoiseAmortisedCinn(model, problem, dir, { app: "app6_inverse_noisy", params });
      progress.line(`${NOISE_AMORTISED_LABEL} saved to ${dir}`);
    }
  }
  try {
    const trained = model.trained;
    progress.line(
      `${NOISE_AMORTISED_LABEL}: ${trained.steps} steps in ${trained.trainSeconds.toFixed(1)} s` +
        `${
          trained.loadedFrom ? ` (loaded from ${trained.loadedFrom})` : ""
        }; checking it across σ…`,
    );
    const options = {
      observations: params.run.num_observations,
      samples: params.run.num_posterior_samples,
      c2stPoints: params.run.c2st_points,
      sbcReplications: params.run.sbc_replications,
      seed: params.run.seed,
    };
    const f = params.run.noise_sweep_factor;
    const sweep: AmortisedResults["sweep"] = [];
    for (const factor of [1 / f, 1, f]) {
      const at = problem.withNoise(Number((problem.noise * factor).toPrecision(12)));
      const check = await checkAtNoise(at, model.posterior.atNoise(at.noise), {
        ...options,
        keepSamples: factor === 1 ? FIGURE_OBSERVATIONS : 1,
      });
      sweep.push({ factor, check });
      progress.line(summaryLine(`σ = ${at.noise}`, check, problem.name));
    }
    const repeats: AmortisedResults["repeats"] = [];
    for (const k of params.run.repeats) {
      const check = await checkRepeats(problem, k, model.posterior, {
        ...options,
        seed: options.seed + 97 * k,
      });
      repeats.push({ k, check });
      progress.line(
        summaryLine(`${k} repeats (σ/√k = ${check.sigma.toPrecision(3)})`, check, problem.name),
      );
    }
    const widthGrid = await widthAcrossRange(
      problem,
      model,
      range,
      sweep[1].check,
      params.run.seed,
    );
    return {
      model: {
        ...trainedModelRecord(trained),
        label: NOISE_AMORTISED_LABEL,
        loaded_from: trained.loadedFrom ?? null,
        resumed_from_epoch: trained.loadedFrom ? null : trained.resumedFromEpoch ?? 0,
      },
      range,
      sweep,
      repeats,
      widthGrid,
      history: { label: NOISE_AMORTISED_LABEL, kind: "cinn", history: trained.history },
    };
  } finally {
    model.trained.dispose();
  }
}

function summaryLine(what: string, check: NoiseCheck, problemName: string): string {
  const s = check.summary;
  const cov = coverage90(check.calibration);
  const ok = judgeApp6({
    meanErrorSigma: s.mean_error_sigma,
    sigmaRatios: s.sigma_ratio_per_param,
    c2st: s.c2st_accuracy,
    coverage90: cov,
  }, problemName).all;
  return `${NOISE_AMORTISED_LABEL} at ${what}: mean error ${s.mean_error_sigma.toFixed(3)} σ, ` +
    `σ ratio ${Math.min(...s.sigma_ratio_per_param).toFixed(3)}–` +
    `${Math.max(...s.sigma_ratio_per_param).toFixed(3)}, C2ST ${
      s.c2st_accuracy?.toFixed(3) ?? "skipped"
    }, 90 % coverage ${cov?.toFixed(3) ?? "skipped"}${ok ? " (targets met)" : ""}`;
}

/** Mean posterior std across a dense log-σ grid: the model on the first shown observations. */
async function widthAcrossRange(
  problem: BlurredProfile | BallisticDrag,
  model: NoiseAmortisedModel,
  range: NoiseRange,
  atSigma: NoiseCheck,
  seed: number,
): Promise<AmortisedResults["widthGrid"]> {
  const steps = 9;
  const sigma = Array.from(
    { length: steps },
    (_, i) => Number((range.min * (range.max / range.min) ** (i / (steps - 1))).toPrecision(6)),
  );
  const obs = atSigma.observations.slice(0, FIGURE_OBSERVATIONS);
  const d = problem.dimX;
  const modelStd: number[] = [];
  for (const s of sigma) {
    const stds: number[] = [];
    for (const [i, o] of obs.entries()) {
      // The same parameters and noise draw at every σ: y = f(x) + σ ε.
      const f = problem.forward(o.xTrue);
      const y = Array.from(f, (v, j) => v + (o.y[j] - v) * s / problem.noise);
      const xs = await model.posterior.posterior(y, s, 1000, { seed: seed + 6000 + i });
      for (let j = 0; j < d; j++) {
        let m = 0, q = 0;
        for (let n = 0; n < 1000; n++) m += xs[n * d + j] / 1000;
        for (let n = 0; n < 1000; n++) q += (xs[n * d + j] - m) ** 2 / 999;
        stds.push(Math.sqrt(q));
      }
    }
    modelStd.push(meanOf(stds));
  }
  const exact = problem instanceof BlurredProfile
    ? sigma.map((s) => {
      const cov = problem.withNoise(s).gaussian.posteriorCov;
      return meanOf(Array.from({ length: d }, (_, j) => Math.sqrt(cov.data[j * d + j])));
    })
    : null;
  return { sigma, model: modelStd, exact };
}

/** The app-6 verdicts of the fixed-σ models, from their `metrics.json` entries. */
function fixedModelTargets(
  context: InnFigureContext,
  problemName: string,
): Record<string, App6Judgement> {
  return Object.fromEntries(
    Object.entries(context.models).map(([kind, m]) => [
      kind,
      judgeApp6({
        meanErrorSigma: m.mean_error_sigma,
        sigmaRatios: m.sigma_ratio_per_param,
        c2st: m.c2st_accuracy,
        coverage90: coverage90(m.calibration),
      }, problemName),
    ]),
  );
}

function shownSets(context: InnFigureContext, amortised: AmortisedResults | null, i: number) {
  const sets: LabelledSamples[] = context.shown[i].map((s, k) =>
    k === 0
      ? { ...s, label: context.observations[0].reference.exact ? "exact" : "reference (MCMC)" }
      : s
  );
  const kept = amortised?.sweep.find((s) => s.factor === 1)?.check.samples[i];
  if (kept) sets.push({ label: NOISE_AMORTISED_LABEL, samples: kept, color: AMORTISED_COLOR });
  return sets;
}

function widthSeries(
  context: InnFigureContext,
  amortised: AmortisedResults,
  problem: BlurredProfile | BallisticDrag,
): { sweep: WidthSeries[]; repeats: WidthSeries[] } {
  const g = amortised.widthGrid;
  const refName = g.exact ? "exact" : "reference (MCMC)";
  const sweep: WidthSeries[] = [
    g.exact ? { name: refName, x: g.sigma, y: g.exact, color: REFERENCE_COLOR, line: true } : {
      name: refName,
      x: amortised.sweep.map((s) => s.check.sigma),
      y: amortised.sweep.map((s) => meanOf(s.check.referenceStd)),
      color: REFERENCE_COLOR,
      line: true,
    },
    {
      name: `${NOISE_AMORTISED_LABEL}, ${FIGURE_OBSERVATIONS} obs.`,
      x: g.sigma,
      y: g.model,
      color: AMORTISED_COLOR,
      line: true,
    },
    {
      name: `${NOISE_AMORTISED_LABEL}, ${context.observations.length} obs.`,
      x: amortised.sweep.map((s) => s.check.sigma),
      y: amortised.sweep.map((s) => meanOf(s.check.modelStd)),
      color: "#6a3d9a",
    },
  ];
  for (const [kind, m] of Object.entries(context.models)) {
    const stds = m.per_observation.length
      ? meanOf(context.observations.map((o, i) => {
        const ratios = (m.per_observation[i] as { sigma_ratio: number[] }).sigma_ratio;
        const d = problem.dimX;
        return meanOf(ratios.map((r, j) => r * Math.sqrt(o.reference.cov.data[j * d + j])));
      }))
      : NaN;
    sweep.push({ name: m.label, x: [problem.noise], y: [stds], color: MODEL_COLORS[kind] });
  }
  const repeats: WidthSeries[] = amortised.repeats.length
    ? [
      {
        name: refName,
        x: amortised.repeats.map((r) => r.k),
        y: amortised.repeats.map((r) => meanOf(r.check.referenceStd)),
        color: REFERENCE_COLOR,
        line: true,
      },
      {
        name: NOISE_AMORTISED_LABEL,
        x: amortised.repeats.map((r) => r.k),
        y: amortised.repeats.map((r) => meanOf(r.check.modelStd)),
        color: AMORTISED_COLOR,
        line: true,
      },
    ]
    : [];
  return { sweep, repeats };
}

function coverageCurves(
  context: InnFigureContext,
  amortised: AmortisedResults | null,
): CoverageCurve[] {
  type Curve = { level: number; coverage: number }[];
  const curves: CoverageCurve[] = [];
  for (const [kind, m] of Object.entries(context.models)) {
    const c = m.calibration?.coverage_curve as Curve | undefined;
    if (c) curves.push({ name: m.label, points: c, color: MODEL_COLORS[kind] });
  }
  const shades = ["#d4b9da", AMORTISED_COLOR, "#6a3d9a"];
  amortised?.sweep.forEach((s, i) => {
    const c = s.check.calibration?.coverage_curve as Curve | undefined;
    if (c) {
      curves.push({
        name: `${NOISE_AMORTISED_LABEL}, σ = ${s.check.sigma}`,
        points: c,
        color: shades[i % shades.length],
      });
    }
  });
  return curves;
}

/**
 * The figures of application 6: for the blurred profile `profiles.png` (mean and 50 %/90 %
 * bands of each model beside the exact posterior, with the true profile),
 * `posterior_samples.png`, `corner_1.png` (four cells); for the ballistic throw the
 * standard corner, principal-axes and metrics figures; for both `data_fit.png` (observed
 * data with the predicted-data band), `noise_sweep.png` (posterior std against σ and
 * repeats), `calibration.png` (coverage curves), `metrics.png` and
 * `history_amortised.png`.
 * @param problem The problem.
 * @param context What the shared run measured.
 * @param amortised What the amortised part measured (null: not run).
 * @returns File names and specs.
 */
function app6Figures(
  problem: BlurredProfile | BallisticDrag,
  context: InnFigureContext,
  amortised: AmortisedResults | null,
): [string, VegaLiteSpec][] {
  const { observations } = context;
  const count = Math.min(FIGURE_OBSERVATIONS, context.shown.length);
  const shown = Array.from({ length: count }, (_, i) => shownSets(context, amortised, i));
  const figures: [string, VegaLiteSpec][] = [];
  if (problem instanceof BlurredProfile) {
    if (count) {
      figures.push([
        "profiles.png",
        profileBandsFigure(
          problem.depths,
          shown.map((sets, i) => ({ name: `y* ${i + 1}`, truth: observations[i].xTrue, sets })),
        ),
      ]);
      figures.push([
        "posterior_samples.png",
        profileSamplesFigure(problem.depths, observations[0].xTrue, shown[0]),
      ]);
      const pick = (s: ArrayLike<number>) => {
        const n = Math.min(1000, s.length / problem.dimX);
        return Float64Array.from(
          { length: n * CORNER_CELLS.length },
          (_, k) =>
            s[
              Math.floor(k / CORNER_CELLS.length) * problem.dimX +
              CORNER_CELLS[k % CORNER_CELLS.length] - 1
            ],
        );
      };
      figures.push([
        "corner_1.png",
        cornerPlot({
          sets: shown[0].map((s, i) => ({
            name: s.label,
            points: pick(s.samples),
            color: s.color ?? REFERENCE_COLOR,
            opacity: i === 0 ? 0.3 : 0.4,
          })),
          dims: CORNER_CELLS.length,
          labels: CORNER_CELLS.map((c) => `x${c}`),
          title: "Test observation 1: four cells of the profile, models vs exact posterior",
          truth: CORNER_CELLS.map((c) => observations[0].xTrue[c - 1]),
          truthName: "true x",
          cellSize: 150,
        }),
      ]);
    }
  } else {
    const standard = standardInnFigures({ ...context, shown }).filter(([name]) =>
      name !== "forward_fit.png" && name !== "metrics.png"
    );
    figures.push(...standard);
  }
  if (count) {
    figures.push([
      "data_fit.png",
      forwardFitFigure(
        problem,
        shown.slice(0, 2).map((sets, i) => ({
          name: `y* ${i + 1}`,
          observed: observations[i].y,
          sets,
        })),
      ),
    ]);
  }
  if (amortised) {
    const { sweep, repeats } = widthSeries(context, amortised, problem);
    figures.push(["noise_sweep.png", noiseWidthFigure(sweep, repeats)]);
    figures.push(["history_amortised.png", trainingHistoryFigure([amortised.history])]);
  }
  const curves = coverageCurves(context, amortised);
  if (curves.length) figures.push(["calibration.png", calibrationFigure(curves)]);
  const summaries = [
    ...Object.values(context.models).map((m) => ({
      label: m.label,
      meanErrorSigma: m.mean_error_sigma,
      sigmaRatioAbsDev: m.sigma_ratio_abs_dev,
      c2st: m.c2st_accuracy,
    })),
    ...(amortised?.sweep ?? []).map((s) => ({
      label: `${NOISE_AMORTISED_LABEL}, σ = ${s.check.sigma}`,
      meanErrorSigma: s.check.summary.mean_error_sigma,
      sigmaRatioAbsDev: s.check.summary.sigma_ratio_abs_dev,
      c2st: s.check.summary.c2st_accuracy,
    })),
  ];
  if (summaries.length) figures.push(["metrics.png", metricsSummaryFigure(summaries)]);
  return figures;
}

/** Options of {@link runInverseNoisy}. */
export interface InverseNoisyOptions {
  /** Name of the backend in use, for metrics. */
  backend: string;
  /** Progress sink; default console. */
  progress?: ProgressSink;
}

/**
 * Writes `posterior_samples.csv`: the first test observation's samples of the reference
 * and of every model (at most 500 each), one row per sample.
 */
async function writeSamplesCsv(
  out: string,
  problem: BlurredProfile | BallisticDrag,
  sets: LabelledSamples[],
): Promise<string> {
  const d = problem.dimX;
  const lines = [["source", "sample", ...problem.paramNames].join(",")];
  for (const set of sets) {
    const n = Math.min(500, set.samples.length / d);
    for (let i = 0; i < n; i++) {
      const row = Array.from(
        { length: d },
        (_, j) => Number(set.samples[i * d + j]).toPrecision(6),
      );
      lines.push([JSON.stringify(set.label), i, ...row].join(","));
    }
  }
  const path = join(out, "posterior_samples.csv");
  await writeFileAtomic(path, lines.join("\n") + "\n");
  return path;
}

/**
 * Runs application 6 from validated params and writes its outputs under
 * `run.output_dir` (trained models under `run.model_dir`).
 * @param params Validated params (see `params/app6.json`).
 * @param options Backend name and progress sink.
 * @returns Metrics and written files.
 * @throws Error when the params do not describe an app-6 problem, a saved model is
 *   missing (`--no-train`), or training diverges.
 */
export async function runInverseNoisy(
  params: Params,
  options: InverseNoisyOptions,
): Promise<InnAppRunResult> {
  const problem = app6Problem(params);
  const progress = options.progress ?? new ConsoleProgress();
  const amortisedOn = params.model_arch.noise_amortised;
  // A --no-train run loads the amortised model first, so a missing one stops it before
  // anything is computed.
  const preloaded = amortisedOn && !params.run.do_train
    ? await loadNoiseAmortisedCinn(
      join(params.run.model_dir, NOISE_AMORTISED_KIND),
      problem,
      amortisedNoiseRange(params, problem.noise),
    )
    : null;
  let amortised: AmortisedResults | null = null;
  let context: InnFigureContext | null = null;
  const hooks: InnAppHooks = {
    judgeTargets: problem.name === "blurred_profile",
    afterModels: async (c) => {
      context = c;
      if (amortisedOn) amortised = await amortisedPart(problem, params, progress, preloaded);
    },
    figures: (c) => app6Figures(problem, c, amortised),
    extraMetrics: (c) => ({
      targets_app6: {
        definition: APP6_TARGETS,
        fixed_sigma_models: fixedModelTargets(c, problem.name),
        noise_amortised: amortised
          ? Object.fromEntries([
            ...amortised.sweep.map((
              s,
            ) => [`sigma_${s.check.sigma}`, checkJson(s.check, problem.name).targets]),
            ...amortised.repeats.map((
              r,
            ) => [`repeats_${r.k}`, checkJson(r.check, problem.name).targets]),
          ])
          : null,
      },
      noise_amortised: amortised
        ? {
          ...amortised.model,
          condition: "[y, log σ]; σ drawn log-uniformly from the range for every training pair",
          noise_range: amortised.range,
          repeats_method: "the mean of k repeats at σ is sufficient for x with noise σ/√k " +
            "(additive Gaussian noise), so the model is conditioned on [mean, log(σ/√k)]",
          per_sigma: amortised.sweep.map((s) => ({
            factor: s.factor,
            ...checkJson(s.check, problem.name),
          })),
          repeats: amortised.repeats.map((r) => ({ k: r.k, ...checkJson(r.check, problem.name) })),
          width_vs_sigma: amortised.widthGrid,
          history: amortised.history.history,
        }
        : null,
    }),
  };
  try {
    const result = await runInnApp(problem, params, {
      app: "app6_inverse_noisy",
      backend: options.backend,
      progress,
      problemInfo: innProblemInfo(problem),
      figureObservations: FIGURE_OBSERVATIONS,
      hooks,
    });
    const c = context as InnFigureContext | null;
    if (c && c.shown.length) {
      result.files.push(
        await writeSamplesCsv(params.run.output_dir, problem, shownSets(c, amortised, 0)),
      );
    }
    return result;
  } finally {
    if (preloaded && !amortised) preloaded.trained.dispose();
  }
}
