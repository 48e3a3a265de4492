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
  loadVariationalPosterior,
  PosteriorEstimator,
  VariationalPosterior,
} from "../../lib/posterior/mod.ts";
import type { TravelTimeTomography } from "../../lib/problems/travel_time_tomography.ts";
import type { ProgressSink } from "../../lib/training/progress.ts";
import { loadOrSimulateTrainingSet, noiseDraws } from "./training_set.ts";

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
 * The variational flow: fit (or load) and sample.
 * @param problem The problem with its observation.
 * @param params App params (`training.vi_*`, `model_arch.vi_*`, seed, resume, do_train).
 * @param progress Progress sink of the fit.
 * @returns Samples, times and the ELBO history.
 */
export async function runVariational(
  problem: TravelTimeTomography,
  params: Params,
  progress?: ProgressSink,
): Promise<MethodRun> {
  const dir = modelDirOf(params, "vi");
  const n = params.run.num_posterior_samples, seed = params.run.seed;
  let vi: VariationalPosterior, loadedFrom: string | null = null, training = 0;
  if (!params.run.do_train) {
    vi = await loadVariationalPosterior(dir);
    loadedFrom = dir;
    if (vi.dims !== problem.dims) {
      throw new Error(
        `The variational flow in ${dir} has ${vi.dims} parameters but this problem has ` +
          `${problem.dims} nodes: train it again without --no-train`,
      );
    }
  } else {
    vi = new VariationalPosterior({
      dims: problem.dims,
      bounds: {
        low: new Float64Array(problem.dims).fill(problem.low),
        high: new Float64Array(problem.dims).fill(problem.high),
      },
      flowSteps: params.model_arch.vi_flow_steps,
      hiddenLayers: params.model_arch.vi_hidden_layers,
      seed,
    });
    const t0 = performance.now();
    await vi.fit((theta, count) => problem.logLikelihoodWithGradient(theta, count), {
      steps: params.training.vi_steps,
      samplesPerStep: params.training.vi_samples_per_step,
      learningRate: params.training.vi_learning_rate,
      gradNormThresh: params.training.grad_norm_thresh,
      seed: seed + 1,
      progress,
      checkpointDir: join(dir, "checkpoint"),
      resume: params.run.resume,
    });
    training = (performance.now() - t0) / 1000;
    await vi.save(dir);
  }
  const t1 = performance.now();
  const samples = await vi.sample(n, { seed: seed + 2 });
  const inference = (performance.now() - t1) / 1000;
  const report = vi.report, parameters = vi.parameterCount;
  vi.dispose();
  const elbo = report?.elboSmoothed ?? [];
  return {
    samples,
    times: { simulation: 0, training, inference },
    history: { step: elbo.map((_, k) => k + 1), value: elbo, yTitle: "ELBO (nats, smoothed)" },
    loadedFrom,
    details: report
      ? {
        steps: report.steps,
        samples_per_step: report.samplesPerStep,
        final_elbo: report.finalElbo,
        forward_model_runs: report.targetEvaluations,
        forward_model_seconds: report.targetSeconds,
        ms_per_step: report.msPerStep,
        fit_seconds: report.seconds,
        parameters,
      }
      : {},
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
 *   learning rate, patience, `inn_sigma_y`; `model_arch.inn_blocks`, `inn_hidden_layers`,
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
      settings: {
        batchSize: t.batch_size,
        maxEpochs: t.num_epochs,
        patience: t.early_stopping_patience,
        learningRate: t.learning_rate,
        gradNormThresh: t.grad_norm_thresh,
        validationFraction: t.validation_fraction,
        blocks: a.inn_blocks,
        hiddenLayers: a.inn_hidden_layers,
        embeddingLayers: a.cinn_condition_layers,
        embeddingDim: a.cinn_context_dim,
        sigmaY: t.inn_sigma_y,
      },
    });
    const noise = kind === "inn" ? noiseDraws(spec, set.dimTheta, set.dimX, 0, count) : undefined;
    const t0 = performance.now();
    await estimator.fit(set.theta, set.x, { seed, progress, ...(noise ? { noise } : {}) });
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
