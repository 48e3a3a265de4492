/**
 * The posterior methods of application 7 beside the MCMC reference, each returning velocity
 * samples for the observed travel times and its wall time split into simulation, training
 * and inference:
 *
 * - `vi`: a flow fitted to the one observed data set by maximising the ELBO, with the
 *   adjoint gradient of the eikonal solver ({@link VariationalPosterior}; Zhao et al. 2022);
 * - `cinn`: the amortised {@link PosteriorEstimator} (a cINN) trained on prior simulations
 *   cached on disk, then sampled for the observation in seconds;
 * - `inn`: the same estimator with the maximum-likelihood INN of Zhang & Curtis 2021 on the
 *   same simulations, each simulation's noise draws an extra input (replayed from its
 *   random numbers, {@link noiseDraws}).
 *
 * With `--no-train` both load what an earlier run saved under the model folder.
 *
 * @module
 */
import { join } from "node:path";
import type { Params } from "../../lib/params/mod.ts";
import {
  BoxUniformPrior,
  loadPosteriorEstimator,
  loadVariationalEnsemble,
  loadVariationalPosterior,
  PosteriorEstimator,
  VariationalEnsemble,
  type VariationalFitReport,
} from "../../lib/posterior/mod.ts";
import type { TravelTimeTomography } from "../../lib/problems/travel_time_tomography.ts";
import type { ProgressSink } from "../../lib/training/progress.ts";
import { runInWorkers } from "../common/worker_pool.ts";
import { loadOrSimulateTrainingSet, noiseDraws } from "./training_set.ts";
import { fitVariationalMember, type MemberSpec } from "./variational_member.ts";
import type { MemberRequest } from "./vi_worker.ts";
import { gaussNewtonMode } from "./unbounded_posterior.ts";

/** Seed distance between the members of the variational ensemble. */
const MEMBER_SEED_STRIDE = 1000;

/** Wall time of a method, s. */
export interface MethodTimes {
  /** Simulating the training set (0 when loaded from its cache or not needed). */
  simulation: number;
  /** Fitting or training. */
  training: number;
  /** Drawing the posterior samples for the observation. */
  inference: number;
}

/** What a method gives back. */
export interface MethodRun {
  /** Velocity samples, row-major `n × nodes`. */
  samples: Float64Array;
  /** Wall times. */
  times: MethodTimes;
  /** Loss or ELBO history for the figure. */
  history: { step: number[]; value: number[]; yTitle: string };
  /** Where the model was loaded from (`--no-train`), else null. */
  loadedFrom: string | null;
  /** Method-specific numbers for metrics.json. */
  details: Record<string, unknown>;
}

/** Where a method keeps its model. */
function modelDirOf(params: Params, name: string): string {
  return join(params.run.model_dir || join(params.run.output_dir, "model"), name);
}

/**
 * The variational ensemble: fit (or load) `model_arch.vi_members` flows with their own
 * seeds, one per worker when `run.workers` > 1, and sample their equal-weight mixture
 * ({@link VariationalEnsemble}).
 * @param problem The problem with its observation.
 * @param params App params (`training.vi_*`, `model_arch.vi_*`, workers, seed, resume,
 *   do_train).
 * @param options Progress sink of the fits and the backend the workers start.
 * @returns Samples, times and the ELBO history (mean over the members).
 */
export async function runVariational(
  problem: TravelTimeTomography,
  params: Params,
  options: { progress: ProgressSink; backend: string },
): Promise<MethodRun> {
  const dir = modelDirOf(params, "vi");
  const n = params.run.num_posterior_samples, seed = params.run.seed;
  let loadedFrom: string | null = null, training = 0;
  if (params.run.do_train) {
    const t = params.training, a = params.model_arch;
    let start: MemberSpec["start"] = null;
    if (t.vi_start === "gauss_newton") {
      const t0 = performance.now();
      const mode = gaussNewtonMode(problem);
      start = { mean: mode.velocity, covariance: mode.covariance.data };
      console.log(
        `vi: Gauss–Newton start after ${mode.iterations} steps, χ²/datum ` +
          `${problem.chi2PerDatum(mode.velocity).toFixed(3)}, ` +
          `${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
    }
    const specs: MemberSpec[] = Array.from({ length: a.vi_members }, (_, k) => ({
      index: k,
      seed: seed + MEMBER_SEED_STRIDE * k,
      dir: join(dir, `member_${k}`),
      flowSteps: a.vi_flow_steps,
      hiddenLayers: a.vi_hidden_layers,
      fullRank: a.vi_full_rank,
      steps: t.vi_steps,
      samplesPerStep: t.vi_samples_per_step,
      learningRate: t.vi_learning_rate,
      gradNormThresh: t.grad_norm_thresh,
      gradientEstimator: t.vi_gradient,
      boxMap: t.vi_box_map,
      start,
      resume: params.run.resume,
    }));
    const t0 = performance.now();
    if (specs.length > 1 && params.run.workers > 1) {
      await runInWorkers<MemberRequest, unknown>(
        new URL("./vi_worker.ts", import.meta.url).href,
        specs.map((spec) => ({
          name: `flow ${spec.index + 1}/${specs.length}`,
          request: { settings: problem.settings, spec, backend: options.backend },
        })),
        { count: params.run.workers, progress: options.progress },
      );
    } else {
      for (const spec of specs) {
        if (specs.length > 1) console.log(`vi: flow ${spec.index + 1}/${specs.length}`);
        await fitVariationalMember(problem, spec, options.progress);
      }
    }
    training = (performance.now() - t0) / 1000;
    const members = [];
    for (const spec of specs) members.push(await loadVariationalPosterior(spec.dir));
    const fitted = new VariationalEnsemble(members);
    await fitted.save(dir);
    fitted.dispose();
  } else {
    loadedFrom = dir;
  }
  const vi = await loadVariationalEnsemble(dir);
  if (vi.dims !== problem.dims) {
    vi.dispose();
    throw new Error(
      `The variational flows in ${dir} have ${vi.dims} parameters but this problem has ` +
        `${problem.dims} nodes: train them again without --no-train`,
    );
  }
  const t1 = performance.now();
  const samples = await vi.sample(n, { seed: seed + 2 });
  const inference = (performance.now() - t1) / 1000;
  const reports = vi.members.map((m) => m.report);
  const parameters = vi.members.reduce((sum, m) => sum + m.parameterCount, 0);
  vi.dispose();
  const complete = reports.every((r) => r !== null) ? reports as VariationalFitReport[] : [];
  // The members' smoothed ELBO curves, averaged step by step.
  const length = Math.min(...complete.map((r) => r.elboSmoothed.length));
  const elbo = complete.length
    ? Array.from(
      { length },
      (_, k) => complete.reduce((sum, r) => sum + r.elboSmoothed[k], 0) / complete.length,
    )
    : [];
  const sum = (f: (r: VariationalFitReport) => number) => complete.reduce((a, r) => a + f(r), 0);
  return {
    samples,
    times: { simulation: 0, training, inference },
    history: {
      step: elbo.map((_, k) => k + 1),
      value: elbo,
      yTitle: complete.length > 1
        ? `ELBO (nats, smoothed, mean of ${complete.length} flows)`
        : "ELBO (nats, smoothed)",
    },
    loadedFrom,
    details: complete.length
      ? {
        members: complete.length,
        steps: complete[0].steps,
        samples_per_step: complete[0].samplesPerStep,
        final_elbo: complete.map((r) => r.finalElbo),
        forward_model_runs: sum((r) => r.targetEvaluations),
        forward_model_seconds: sum((r) => r.targetSeconds),
        ms_per_step: complete.map((r) => r.msPerStep),
        fit_seconds: complete.map((r) => r.seconds),
        parameters,
      }
      : { members: vi.members.length, parameters },
  };
}

/** The amortised models: the estimator's model and what the figures call the loss. */
const AMORTISED = {
  cinn: { model: "cinn", label: "cINN" },
  inn: { model: "inn-ml", label: "INN (maximum likelihood)" },
} as const;

/**
 * An amortised model: simulate (or load) the training set, train (or load) the estimator,
 * and sample it for the observation.
 * @param problem The problem with its observation.
 * @param params App params (`training.num_data_input` simulations, epochs, batch size,
 *   learning rate, patience, `inn_sigma_y`, `noise_augmentation` (cINN: fresh noise in every
 *   batch); `model_arch.inn_blocks`, `inn_hidden_layers`,
 *   `cinn_condition_layers`, `cinn_context_dim`; `run.workers`).
 * @param kind `cinn` (early stopping on held-out simulations) or `inn` (the
 *   maximum-likelihood INN with the noise as inputs, `training.num_epochs` epochs).
 * @param progress Progress sink of the training.
 * @returns Samples, times and the loss history.
 */
export async function runAmortised(
  problem: TravelTimeTomography,
  params: Params,
  kind: keyof typeof AMORTISED,
  progress?: ProgressSink,
): Promise<MethodRun> {
  const dir = modelDirOf(params, kind);
  const { model, label } = AMORTISED[kind];
  const n = params.run.num_posterior_samples, seed = params.run.seed;
  let estimator: PosteriorEstimator, loadedFrom: string | null = null;
  let simulation = 0, training = 0;
  const details: Record<string, unknown> = {};
  if (!params.run.do_train) {
    estimator = await loadPosteriorEstimator(dir);
    loadedFrom = dir;
    if (
      estimator.model !== model || estimator.dimTheta !== problem.dims ||
      estimator.dimX !== problem.numData
    ) {
      const found = `a ${estimator.model} model mapping ${estimator.dimX} data to ` +
        `${estimator.dimTheta} nodes`;
      estimator.dispose();
      throw new Error(
        `${dir} holds ${found}, but this run needs a ${model} model for ${problem.numData} ` +
          `data and ${problem.dims} nodes: train it again without --no-train`,
      );
    }
  } else {
    const s = problem.settings;
    const count = params.training.num_data_input;
    const spec = {
      model: s.model,
      low: s.low,
      high: s.high,
      noiseSigma: s.noiseSigma,
      count,
      seed: seed + 7,
    };
    let lastLine = -Infinity;
    const set = await loadOrSimulateTrainingSet(join(params.run.output_dir, "training_set"), spec, {
      workers: params.run.workers,
      progress: (done, total, seconds) => {
        if (seconds - lastLine >= 10 || done === total) {
          lastLine = seconds;
          const rate = done / Math.max(seconds, 1e-9);
          console.log(
            `${kind}: simulated ${done}/${total} travel-time sets in ${seconds.toFixed(0)} s ` +
              `(${rate.toFixed(0)}/s, about ${((total - done) / rate).toFixed(0)} s left)`,
          );
        }
      },
    });
    simulation = set.loadedFrom ? 0 : set.seconds;
    details.simulations = count;
    details.simulation_seconds = set.seconds;
    details.simulations_per_second = set.simulationsPerSecond;
    details.training_set = set.loadedFrom ?? join(params.run.output_dir, "training_set");
    const t = params.training, a = params.model_arch;
    estimator = new PosteriorEstimator({
      prior: new BoxUniformPrior(
        new Float64Array(problem.dims).fill(problem.low),
        new Float64Array(problem.dims).fill(problem.high),
      ),
      model,
      regressionAdjust: false,
      settings: {
        batchSize: t.batch_size,
        maxEpochs: t.num_epochs,
        patience: t.early_stopping_patience,
        learningRate: t.learning_rate,
        gradNormThresh: t.grad_norm_thresh,
        validationFraction: t.validation_fraction,
        blocks: a.inn_blocks,
        members: 1,
        coupling: "affine",
        hiddenLayers: a.inn_hidden_layers,
        embeddingLayers: a.cinn_condition_layers,
        embeddingDim: a.cinn_context_dim,
        sigmaY: t.inn_sigma_y,
      },
    });
    const augment = kind === "cinn" && t.noise_augmentation;
    const noise = kind === "inn" || augment
      ? noiseDraws(spec, set.dimTheta, set.dimX, 0, count)
      : undefined;
    details.noise_augmentation = augment;
    const t0 = performance.now();
    if (augment) {
      const clean = Float32Array.from(set.x, (v, i) => v - noise![i]);
      await estimator.fit(set.theta, clean, { seed, progress, dataNoise: spec.noiseSigma });
    } else {
      await estimator.fit(set.theta, set.x, { seed, progress, ...(noise ? { noise } : {}) });
    }
    training = (performance.now() - t0) / 1000;
    await estimator.save(dir);
  }
  const t1 = performance.now();
  const samples = await estimator.sample(problem.observed, n, { seed: seed + 3 });
  const inference = (performance.now() - t1) / 1000;
  const report = estimator.report;
  estimator.dispose();
  const history = report?.history ?? [];
  if (report) {
    Object.assign(details, {
      epochs: report.epochs,
      best_epoch: report.bestEpoch,
      validation_nll: report.validationNll,
      parameters: report.parameters,
      train_examples: report.numTrain,
      train_seconds: report.trainSeconds,
    });
  }
  return {
    samples: Float64Array.from(samples),
    times: { simulation, training, inference },
    history: {
      step: history.map((h) => h.epoch),
      value: history.map((h) => kind === "cinn" ? h.validationNll ?? h.trainNll : h.trainNll),
      yTitle: `${label} ${kind === "cinn" ? "held-out" : "training"} NLL (nats)`,
    },
    loadedFrom,
    details,
  };
}
