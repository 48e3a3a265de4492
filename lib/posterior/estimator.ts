/**
 * Amortised posterior estimation for any simulator: {@link PosteriorEstimator}
 * learns `p(θ | x)` from simulated pairs `(θ, x)` once, then draws posterior
 * samples and evaluates posterior densities for any observed `x` without
 * retraining.
 *
 * Inside, the parameters pass through the prior's fixed bijection to the
 * real line (box priors: a flat-top or logistic map per parameter, so no sample
 * ever leaves the box), both sides are standardized with the training set's
 * column means and standard deviations, and a conditional INN (cINN: affine or
 * spline couplings conditioned on an embedding network of `x`, trained jointly
 * by maximum likelihood) models the standardized parameters given the embedded
 * data (by default the residual of their linear regression on the data, so
 * that the flow starts from the linear-Gaussian answer; below 30 000
 * simulations the couplings are affine or spline as the held-out data choose,
 * and below 3 000 the estimator is an equal-weight ensemble of 4 networks) —
 * or, with `model: "inn-ml"` or `"inn-mmd"`, one INN maps the parameters (and
 * the simulator's noise, when it is given) to the data and a latent, trained by
 * maximum likelihood (Zhang & Curtis 2021) or by the bidirectional MMD
 * objective (Ardizzone et al. 2019) ({@link ./inn_posterior.ts}).
 * The training settings follow the number of simulations
 * ({@link defaultEstimatorSettings}); early stopping on held-out pairs keeps
 * the best weights. Everything — weights, prior, standardization, settings —
 * is saved and restored together.
 *
 * @module
 */
import { join } from "node:path";
import { tf } from "../core/tf.ts";
import { Rng } from "../core/random.ts";
import { Cinn, type CinnOptions } from "../inn/cinn.ts";
import type { InnModel, InnModelOptions } from "../inn/inn_model.ts";
import { loadInnNetwork, saveInnNetwork } from "../inn/inn_io.ts";
import { checkpointSchedule, trainInnPosterior } from "./inn_posterior.ts";
import { pairedDataSource } from "../inn/paired_data.ts";
import { loadFlow, saveFlow } from "../io/model_io.ts";
import { writeDirAtomic } from "../core/atomic.ts";
import { Standardizer } from "../problems/standardizer.ts";
import { scaleFromJSON, Whitening } from "../problems/whitening.ts";
import {
  RegressionAdjustment,
  type RegressionAdjustmentJson,
} from "../problems/regression_adjustment.ts";
import { trainFlow } from "../training/trainer.ts";
import type { DataSource } from "../training/data_source.ts";
import { NoisyContextSource } from "./noisy_context.ts";
import { ConsoleProgress, type ProgressSink } from "../training/progress.ts";
import { type CouplingKind, defaultEstimatorSettings, type EstimatorSettings } from "./defaults.ts";
import { type Prior, type PriorConfig, priorFromConfig } from "./priors.ts";
import { type BoxMap, PriorTransform } from "./prior_transform.ts";
import { logMeanExp } from "./log_mean_exp.ts";

/**
 * The posterior models behind the estimator: `cinn`, a conditional INN (densities and
 * samples, early stopping on held-out simulations); `inn-ml`, the maximum-likelihood INN of
 * Zhang & Curtis 2021, and `inn-mmd`, the MMD-trained INN of Ardizzone et al. 2019 (samples;
 * a fixed number of epochs).
 */
export type PosteriorModelName = "cinn" | "inn-ml" | "inn-mmd";

const MODELS: readonly PosteriorModelName[] = ["cinn", "inn-ml", "inn-mmd"];

/** Options of {@link PosteriorEstimator}. */
export interface PosteriorEstimatorOptions {
  /** The prior the simulations were drawn from. */
  prior: Prior;
  /** The posterior model. Default `cinn`. */
  model?: PosteriorModelName;
  /** The data embedding network: hidden widths and output width. Default: by data size. */
  embedding?: { hiddenLayers: number[]; outputDim: number };
  /** Settings that replace the defaults chosen from the data size. */
  settings?: Partial<EstimatorSettings>;
  /**
   * How the (unbounded) parameters are scaled for the network: each column to zero mean and
   * unit variance (`standardize`, the default), or PCA-whitened (`whiten`), which takes the
   * correlations of strongly correlated parameters (the cells of a smooth profile) off the
   * flow's hands.
   */
  scaling?: "standardize" | "whiten";
  /**
   * `cinn` only: the flow models the residual of the scaled parameters' linear regression on
   * the standardized data (a shift for each observation, so densities are unchanged), which
   * leaves the flow only what is not linear. `{ noiseDegree: k }` adds the products of the data
   * with powers up to `k` of the data's last column (for data ending in log σ). Default on
   * for `cinn` without `dataNoise` (the flow then starts from the linear-Gaussian answer:
   * at 10³ simulations it took the C2ST of a linear-Gaussian posterior from 0.64 to 0.55).
   */
  regressionAdjust?: boolean | { noiseDegree: number };
}

/** Options of {@link PosteriorEstimator.fit}. */
export interface FitOptions {
  /** Seed of the split, the initial weights and the shuffling. */
  seed: number;
  /** Progress sink. Default: the console. */
  progress?: ProgressSink;
  /**
   * `inn-ml` and `inn-mmd` only: the simulator's noise draws of each row, `n × dimX`
   * (`x = f(θ) + ε`). The INN then takes them as extra parameters, so that the data are a
   * deterministic function of its inputs (Zhang & Curtis 2021).
   */
  noise?: ArrayLike<number>;
  /**
   * `cinn` only: x are the simulator's noise-free outputs, and the data carry additive
   * Gaussian noise of this standard deviation (one value for all data values, or one per
   * value). Every training batch then gets a fresh noise draw (noise augmentation: each
   * simulation is seen with new noise in every epoch, which holds off overfitting when
   * simulations are few), the held-out part one fixed draw.
   */
  dataNoise?: number | ArrayLike<number>;
  /**
   * Held-out simulations for early stopping and the reported held-out NLL, given instead of a
   * split of the training ones (`validationFraction` then has no say).
   */
  validation?: { theta: ArrayLike<number>; x: ArrayLike<number>; noise?: ArrayLike<number> };
  /**
   * Checkpoints of the training (weights, optimizer moments, random state and history, written
   * atomically) to `dir` every `everyNEpochs` epochs (default 1) and the last; with `resume`
   * the training continues from the checkpoint there, when there is one (same data and seed).
   */
  checkpoint?: { dir: string; everyNEpochs?: number; resume?: boolean };
  /** `cinn` only: a JSON-lines file that receives one record per epoch. */
  historyPath?: string;
}

/** What the training of one network did. */
export interface MemberReport {
  /** Epochs run. */
  epochs: number;
  /** Best epoch (its weights are kept). */
  bestEpoch: number;
  /** Held-out negative log-likelihood of the standardized parameters at the best epoch. */
  validationNll: number | null;
  /** Whether early stopping ended training. */
  stoppedEarly: boolean;
  /** Wall-clock seconds of training. */
  trainSeconds: number;
  /** Optimizer steps. */
  steps: number;
  /** Epoch the training resumed after (0: fresh). */
  resumedFromEpoch: number;
  /** Training and held-out NLL of the standardized parameters per epoch. */
  history?: { epoch: number; trainNll: number; validationNll: number | null }[];
}

/**
 * What a fit did. With an ensemble (`members` > 1), epochs, steps, trainable values and
 * seconds are summed over its networks, `validationNll` is their mean, and the best epoch,
 * early stop, resumption and history are the first network's (each network's in
 * `memberReports`).
 */
export interface FitReport {
  /** Simulations used for training and held out. */
  numTrain: number;
  /** Simulations held out for early stopping. */
  numValidation: number;
  /** Settings in force. */
  settings: EstimatorSettings;
  /** Networks in the estimator (1, or an ensemble's size). */
  members: number;
  /** Each network's training, for an ensemble. */
  memberReports?: MemberReport[];
  /** The couplings of the networks (chosen by held-out NLL when the setting is `auto`). */
  coupling: CouplingKind;
  /**
   * `auto`: the held-out NLL of one network of each kind, and the kind chosen; `trialSize`: the
   * training pairs the two were trained on, when a subset (`settings.couplingTrialSize`).
   */
  couplingSelection?: {
    affine: number;
    spline: number;
    chosen: CouplingKind;
    trialSize?: number;
  };
  /** Epochs run and the epoch whose weights are kept. */
  epochs: number;
  /** Best epoch (its weights are the estimator's). */
  bestEpoch: number;
  /** Held-out negative log-likelihood of the standardized parameters at the best epoch. */
  validationNll: number | null;
  /** Whether early stopping ended training. */
  stoppedEarly: boolean;
  /** Trainable values. */
  parameters: number;
  /** Wall-clock seconds of training. */
  trainSeconds: number;
  /** Optimizer steps. */
  steps: number;
  /** Epoch the training resumed after (0: fresh). */
  resumedFromEpoch: number;
  /** Training and held-out NLL of the standardized parameters per epoch. */
  history?: { epoch: number; trainNll: number; validationNll: number | null }[];
}

/** Saved beside the weights under `posterior_estimator`. */
interface EstimatorRecord {
  format: "flow-models/posterior-estimator/v1";
  model: PosteriorModelName;
  prior: PriorConfig;
  dimTheta: number;
  dimX: number;
  theta_scale: { mean: number[]; std: number[]; whitening?: number[]; unwhitening?: number[] };
  x_scale: { mean: number[]; std: number[] };
  regression?: RegressionAdjustmentJson;
  /** The box map (absent: logistic, the map of estimators saved before there was a choice). */
  box_map?: BoxMap;
  cinn?: CinnOptions;
  /** Networks of a `cinn` ensemble (absent: 1); network k ≥ 1 in the folder's `member_k`. */
  members?: number;
  inn?: InnModelOptions;
  noise_scale?: { mean: number[]; std: number[] } | null;
  report: FitReport;
}

function checkRows(values: ArrayLike<number>, dim: number, what: string): number {
  const n = values.length / dim;
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`${what}: ${values.length} values are not whole rows of ${dim}`);
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new Error(
        `${what} holds ${values[i]} at row ${Math.floor(i / dim)}, column ${i % dim}`,
      );
    }
  }
  return n;
}

/** The `dataNoise` fit option as one σ per data value, checked. */
function dataNoiseSigma(
  value: number | ArrayLike<number>,
  dimX: number,
  model: PosteriorModelName,
): Float64Array {
  if (model !== "cinn") {
    throw new Error(
      `dataNoise (noise augmentation) is an option of the "cinn" model, not of "${model}" ` +
        "(the INN models take the noise draws as inputs: pass them as noise)",
    );
  }
  const sigma = typeof value === "number"
    ? new Float64Array(dimX).fill(value)
    : Float64Array.from(value);
  if (sigma.length !== dimX) {
    throw new Error(`dataNoise holds ${sigma.length} values; x has ${dimX} per row`);
  }
  const bad = sigma.findIndex((v) => !(v >= 0 && Number.isFinite(v)));
  if (bad >= 0) throw new Error(`dataNoise[${bad}] = ${sigma[bad]}: it must be finite and ≥ 0`);
  return sigma;
}

/** One part of the simulations (training or held out), parameters on the real line. */
interface Part {
  u: Float64Array;
  x: Float64Array;
  noise: Float64Array | null;
}

/** The rows `rows` of a row-major array of width `w`. */
function takeRows(src: ArrayLike<number>, w: number, rows: number[]): Float64Array {
  const out = new Float64Array(rows.length * w);
  rows.forEach((r, i) => {
    for (let j = 0; j < w; j++) out[i * w + j] = src[r * w + j];
  });
  return out;
}

/** `history.jsonl` → `history.member2_affine.jsonl`: the path of one network's file. */
function memberPath(path: string, k: string): string {
  const dot = path.lastIndexOf("."),
    slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return dot > slash + 1
    ? `${path.slice(0, dot)}.member${k}${path.slice(dot)}`
    : `${path}.member${k}`;
}

/** Rows of `x` plus one seeded Gaussian draw of σ per column. */
function withNoise(x: Float64Array, sigma: Float64Array, seed: number): Float64Array {
  const rng = new Rng(seed), w = sigma.length;
  return Float64Array.from(x, (v, i) => v + sigma[i % w] * rng.normal());
}

/**
 * Learns `p(θ | x)` from simulations and answers for any observation.
 * @example
 * ```ts
 * import { BoxUniformPrior, PosteriorEstimator, simulateFromPrior } from "./mod.ts";
 * import { silentProgress } from "../training/progress.ts";
 * const prior = new BoxUniformPrior([-2, -2], [2, 2]);
 * const sim = (t: Float64Array, rng: { normal(): number }) => [t[0] + 0.1 * rng.normal(), t[1]];
 * const { theta, x } = await simulateFromPrior(prior, sim, 500, { seed: 1 });
 * const est = new PosteriorEstimator({ prior, settings: { maxEpochs: 2 } });
 * await est.fit(theta, x, { seed: 1, progress: silentProgress });
 * const samples = await est.sample([0.5, -1], 100, { seed: 2 }); // 100 × 2, inside the box
 * const logp = await est.logProb([0.5, -1], [0.5, -1]); // log p(θ | x) of one row
 * est.dispose();
 * ```
 */
export class PosteriorEstimator {
  readonly prior: Prior;
  readonly model: PosteriorModelName;
  readonly #options: PosteriorEstimatorOptions;
  #transform: PriorTransform;
  #networks: (Cinn | InnModel)[] = [];
  #noiseScale: Standardizer | null = null;
  #regression: RegressionAdjustment | null = null;
  #metadata: Record<string, unknown> = {};
  #thetaScale: Standardizer | null = null;
  #xScale: Standardizer | null = null;
  #dimX = 0;
  #report: FitReport | null = null;

  /** @param options Prior, model, embedding and settings. */
  constructor(options: PosteriorEstimatorOptions) {
    const model = options.model ?? "cinn";
    if (!MODELS.includes(model)) {
      throw new Error(`Unknown posterior model "${model}": expected one of ${MODELS.join(", ")}`);
    }
    if (options.prior.dim < 2) {
      throw new Error(
        `The estimator needs at least 2 parameters (its couplings split θ in two), got ` +
          `${options.prior.dim}`,
      );
    }
    this.prior = options.prior;
    this.model = model;
    this.#options = options;
    this.#transform = new PriorTransform(options.prior.bounds);
  }

  /** Parameters per row. */
  get dimTheta(): number {
    return this.prior.dim;
  }

  /** Data values per observation (0 before {@link fit}). */
  get dimX(): number {
    return this.#dimX;
  }

  /** The trained network (the first of an ensemble; null before {@link fit}), e.g. to inspect it. */
  get network(): Cinn | InnModel | null {
    return this.#networks[0] ?? null;
  }

  /** Every trained network: one, or the members of an ensemble (empty before {@link fit}). */
  get networks(): readonly (Cinn | InnModel)[] {
    return this.#networks;
  }

  /** What the last fit did (null before fitting or for a loaded estimator without one). */
  get report(): FitReport | null {
    return this.#report;
  }

  /** The extra JSON a loaded estimator was saved with ({@link save}'s `metadata`; `{}` else). */
  get metadata(): Record<string, unknown> {
    return this.#metadata;
  }

  /** Throws when a row of `theta` lies outside the prior's box. */
  #checkInside(theta: ArrayLike<number>, what: string): void {
    if (!this.prior.bounds) return;
    const d = this.dimTheta;
    const outside = this.prior.logProb(theta).findIndex((v) => v === -Infinity);
    if (outside >= 0) {
      throw new Error(
        `${what} row ${outside} = [${
          Array.from(theta).slice(outside * d, (outside + 1) * d)
        }] lies outside the prior's box`,
      );
    }
  }

  /**
   * Trains on simulated pairs.
   * @param theta Row-major `n × dimTheta` parameters (inside the prior's box, if it has one).
   * @param x Row-major `n × dimX` data.
   * @param options Seed and progress.
   * @returns What the fit did.
   * @throws Error when the sizes do not match, a value is not finite, or θ leaves the box.
   */
  async fit(
    theta: ArrayLike<number>,
    x: ArrayLike<number>,
    options: FitOptions,
  ): Promise<FitReport> {
    const d = this.dimTheta;
    const n = checkRows(theta, d, "theta");
    const dimX = x.length / n;
    if (!Number.isInteger(dimX) || dimX < 1) {
      throw new Error(`x holds ${x.length} values for ${n} parameter rows: not whole rows`);
    }
    checkRows(x, dimX, "x");
    const given = options.validation;
    const m = given ? checkRows(given.theta, d, "validation theta") : 0;
    if (given && given.x.length !== m * dimX) {
      throw new Error(
        `validation x holds ${given.x.length} values for ${m} parameter rows of data of ${dimX}`,
      );
    }
    if (given) checkRows(given.x, dimX, "validation x");
    if (n + m < 20) throw new Error(`The estimator needs at least 20 simulations, got ${n + m}`);
    this.#checkInside(theta, "theta");
    if (given) this.#checkInside(given.theta, "validation theta");
    const settings = {
      ...defaultEstimatorSettings(n + m, d, dimX, this.model),
      ...this.#options.settings,
    };
    if (this.model !== "cinn") {
      const asked = this.#options.settings?.members;
      if (asked !== undefined && asked !== 1) {
        throw new Error(
          `members = ${asked}: an ensemble is an option of the "cinn" model, not of "${this.model}"`,
        );
      }
      settings.members = 1;
    }
    if (!["affine", "spline", "auto"].includes(settings.coupling)) {
      throw new Error(`coupling = "${settings.coupling}": expected "affine", "spline" or "auto"`);
    }
    if (!Number.isInteger(settings.members) || settings.members < 1) {
      throw new Error(`members = ${settings.members}: it must be a whole number ≥ 1`);
    }
    if (!Number.isInteger(settings.couplingTrialSize) || settings.couplingTrialSize < 0) {
      throw new Error(
        `couplingTrialSize = ${settings.couplingTrialSize}: it must be a whole number ≥ 0`,
      );
    }
    // Checks the map's name; the estimator takes it on when the fit succeeds.
    const transform = new PriorTransform(this.prior.bounds, settings.boxMap);
    if (this.#options.embedding) {
      settings.embeddingLayers = this.#options.embedding.hiddenLayers;
      settings.embeddingDim = this.#options.embedding.outputDim;
    }
    const progress = options.progress ?? new ConsoleProgress();
    if (options.noise !== undefined && this.model === "cinn") {
      throw new Error(`Noise draws are an input of the INN models, not of "${this.model}"`);
    }
    if (this.model !== "cinn" && this.#options.regressionAdjust) {
      throw new Error(`regressionAdjust is an option of the "cinn" model, not of "${this.model}"`);
    }
    const dataNoise = options.dataNoise === undefined
      ? null
      : dataNoiseSigma(options.dataNoise, dimX, this.model);
    if (dataNoise && this.#options.regressionAdjust) {
      throw new Error(
        "regressionAdjust and dataNoise do not go together: the regression would have to " +
          "follow every batch's fresh noise",
      );
    }
    const noise = options.noise;
    if (noise !== undefined) {
      if (noise.length !== x.length) {
        throw new Error(
          `The noise holds ${noise.length} values; x holds ${x.length} (one per value)`,
        );
      }
      checkRows(noise, dimX, "noise");
      if (given && given.noise?.length !== given.x.length) {
        throw new Error(
          `The validation noise holds ${given.noise?.length ?? 0} values; validation x holds ` +
            `${given.x.length} (one per value, as for the training simulations)`,
        );
      }
    }

    // Split (unless the held-out part is given), transform, scale (training part only).
    let numTrain = n, numValidation = m;
    let parts: Part[];
    if (given) {
      parts = [
        {
          u: transform.toUnbounded(theta),
          x: Float64Array.from(x),
          noise: noise === undefined ? null : Float64Array.from(noise),
        },
        {
          u: transform.toUnbounded(given.theta),
          x: Float64Array.from(given.x),
          noise: noise === undefined ? null : Float64Array.from(given.noise!),
        },
      ];
    } else {
      const order = new Rng(options.seed).permutation(n);
      numValidation = Math.max(1, Math.round(n * settings.validationFraction));
      numTrain = n - numValidation;
      const u = transform.toUnbounded(theta);
      parts = [order.slice(0, numTrain), order.slice(numTrain)].map((rows) => ({
        u: takeRows(u, d, rows),
        x: takeRows(x, dimX, rows),
        noise: noise === undefined ? null : takeRows(noise, dimX, rows),
      }));
    }
    const [train, validation] = parts;
    const thetaScale = (this.#options.scaling === "whiten" ? Whitening : Standardizer).fit(
      train.u,
      d,
    );
    // The data are standardized as they will be seen: with their noise.
    const xScale = Standardizer.fit(
      dataNoise ? withNoise(train.x, dataNoise, options.seed + 29) : train.x,
      dimX,
    );
    if (this.model !== "cinn") {
      return await this.#fitInn(options, settings, {
        transform,
        dimX,
        numTrain,
        numValidation,
        thetaScale,
        xScale,
        parts,
        progress,
      });
    }

    const adjust = this.#options.regressionAdjust ?? !dataNoise;
    const thetaTrain = thetaScale.apply(train.u), xTrainS = xScale.apply(train.x);
    const thetaVal = thetaScale.apply(validation.u), xValS = xScale.apply(validation.x);
    const regression = adjust
      ? RegressionAdjustment.fit(thetaTrain, xTrainS, {
        dimX: d,
        dimC: dimX,
        noiseDegree: typeof adjust === "object" ? adjust.noiseDegree : 0,
      })
      : null;
    const members = settings.members;
    // What the flow models: the scaled parameters, or their residuals from the regression.
    const flowTrain = regression ? regression.residual(thetaTrain, xTrainS) : thetaTrain;
    const flowVal = regression ? regression.residual(thetaVal, xValS) : thetaVal;
    // Noise in standardized units, σ_j / std_j, when the data are augmented.
    const augment = (source: DataSource, seed: number): DataSource =>
      dataNoise
        ? new NoisyContextSource(
          source,
          Float32Array.from(dataNoise, (v, j) => v / xScale.std[j]),
          seed,
        )
        : source;
    const separate = members > 1 || settings.coupling === "auto";
    // The couplings chosen on a random subset of the training pairs (when it is smaller).
    const trialRows = settings.couplingTrialSize > 0 && settings.couplingTrialSize < numTrain
      ? new Rng(options.seed + 41).permutation(numTrain).slice(0, settings.couplingTrialSize)
      : null;
    const trialPairs = trialRows
      ? {
        x: Float32Array.from(takeRows(flowTrain, d, trialRows)),
        y: Float32Array.from(takeRows(xTrainS, dimX, trialRows)),
      }
      : null;
    // One network of the ensemble: its seeds follow its index k. A trial network (choosing the
    // couplings on the subset) learns from the subset, with its own checkpoints and history.
    const trainMember = async (
      k: number,
      coupling: CouplingKind,
      trial = false,
    ): Promise<{ cinn: Cinn; fit: MemberReport }> => {
      const memberSeed = options.seed + 1000 * k;
      const cinn = new Cinn({
        dimX: d,
        dimY: dimX,
        blocks: settings.blocks,
        hiddenLayers: settings.hiddenLayers,
        conditionHidden: settings.embeddingLayers,
        contextDim: settings.embeddingDim,
        regLevel: settings.regLevel,
        linearPath: settings.linearPath,
        logScaleClip: settings.logScaleClip,
        activation: settings.activation,
        seed: memberSeed + 17,
        ...(coupling === "spline" ? { coupling } : {}),
      });
      const tag = trial ? `trial_${coupling}` : `${k}_${coupling}`;
      const pairs = trial && trialPairs ? trialPairs : { x: flowTrain, y: xTrainS };
      const checkpoint = options.checkpoint && separate
        ? { ...options.checkpoint, dir: join(options.checkpoint.dir, `member_${tag}`) }
        : options.checkpoint;
      const historyPath = options.historyPath && separate
        ? memberPath(options.historyPath, tag)
        : options.historyPath;
      try {
        const r = await trainFlow(
          cinn,
          augment(
            pairedDataSource(pairs, cinn),
            memberSeed + 31,
          ),
          {
            epochs: settings.maxEpochs,
            batchSize: settings.batchSize,
            learningRate: settings.learningRate,
            seed: memberSeed + 1,
            gradNormThresh: settings.gradNormThresh,
            validation: augment(
              pairedDataSource({ x: flowVal, y: xValS }, cinn),
              options.seed + 37,
            ),
            earlyStoppingPatience: settings.patience,
            statisticsExamples: 0,
            progress,
            ...checkpointSchedule(checkpoint),
            ...(historyPath ? { historyPath } : {}),
          },
        );
        return {
          cinn,
          fit: {
            epochs: r.history.length,
            bestEpoch: r.bestEpoch,
            validationNll: r.bestValNll,
            stoppedEarly: r.stoppedEarly,
            trainSeconds: r.wallSeconds,
            steps: r.steps,
            resumedFromEpoch: r.resumedFromEpoch,
            history: r.history.map((h) => ({
              epoch: h.epoch,
              trainNll: h.trainNll,
              validationNll: h.valNll ?? null,
            })),
          },
        };
      } catch (e) {
        cinn.dispose();
        throw e;
      }
    };
    const networks: Cinn[] = [];
    const fits: MemberReport[] = [];
    let coupling: CouplingKind = settings.coupling === "auto" ? "affine" : settings.coupling;
    let selection: FitReport["couplingSelection"];
    let trialSeconds = 0;
    try {
      if (settings.coupling === "auto") {
        // One network of each kind; the lower held-out NLL picks the kind. Trained on the whole
        // training set, the winner is kept; trained on a subset, neither is.
        const tried: Record<CouplingKind, number> = { affine: Infinity, spline: Infinity };
        for (const kind of ["affine", "spline"] as const) {
          progress.line(
            trialPairs
              ? `${kind} couplings on ${trialPairs.x.length / d} of the training pairs ` +
                "(choosing the couplings)"
              : `network 1 with ${kind} couplings (choosing the couplings)`,
          );
          const { cinn, fit } = await trainMember(0, kind, trialPairs !== null);
          tried[kind] = fit.validationNll ?? Infinity;
          if (trialPairs) trialSeconds += fit.trainSeconds;
          if (!trialPairs && (networks.length === 0 || tried[kind] < tried[coupling])) {
            for (const net of networks) net.dispose();
            networks.splice(0, 1, cinn);
            fits.splice(0, 1, fit);
          } else {
            cinn.dispose();
          }
          coupling = tried.spline < tried.affine ? "spline" : "affine";
        }
        selection = {
          ...tried,
          chosen: coupling,
          ...(trialPairs ? { trialSize: trialPairs.x.length / d } : {}),
        };
        progress.line(
          `held-out NLL: affine ${tried.affine.toFixed(4)}, spline ${
            tried.spline.toFixed(4)
          }: ${coupling} couplings`,
        );
      }
      for (let k = networks.length; k < members; k++) {
        if (members > 1) progress.line(`network ${k + 1} of ${members} (${coupling} couplings)`);
        const { cinn, fit } = await trainMember(k, coupling);
        networks.push(cinn);
        fits.push(fit);
      }
    } catch (e) {
      for (const net of networks) net.dispose();
      throw e;
    }
    this.dispose();
    this.#networks = networks;
    this.#noiseScale = null;
    this.#transform = transform;
    this.#regression = regression;
    this.#thetaScale = thetaScale;
    this.#xScale = xScale;
    this.#dimX = dimX;
    const sum = (f: (m: MemberReport) => number) => fits.reduce((a, m) => a + f(m), 0);
    const nlls = fits.map((m) => m.validationNll);
    this.#report = {
      ...fits[0],
      numTrain,
      numValidation,
      settings,
      members,
      epochs: sum((m) => m.epochs),
      validationNll: nlls.every((v) => v !== null)
        ? nlls.reduce((a, v) => a + v!, 0) / members
        : null,
      parameters: networks.reduce(
        (a, net) => a + net.bijector.trainableVariables().reduce((b, v) => b + v.size, 0),
        0,
      ),
      trainSeconds: sum((m) => m.trainSeconds) + trialSeconds,
      steps: sum((m) => m.steps),
      coupling,
      ...(selection ? { couplingSelection: selection } : {}),
      ...(members > 1 ? { memberReports: fits } : {}),
    };
    return this.#report;
  }

  /** The INN half of {@link fit}, on the split and standardization made there. */
  async #fitInn(
    options: FitOptions,
    settings: EstimatorSettings,
    data: {
      transform: PriorTransform;
      dimX: number;
      numTrain: number;
      numValidation: number;
      thetaScale: Standardizer;
      xScale: Standardizer;
      parts: Part[];
      progress: ProgressSink;
    },
  ): Promise<FitReport> {
    const { dimX, thetaScale, xScale, parts } = data;
    const [train, validation] = parts;
    // The noise in units of the standardized data, then to unit scale per column.
    const noiseStd = (e: Float64Array) => e.map((v, i) => v / xScale.std[i % dimX]);
    const noiseScale = train.noise ? Standardizer.fit(noiseStd(train.noise), dimX) : null;
    const rows = (part: typeof train, count: number) => ({
      rows: count,
      theta: thetaScale.apply(part.u),
      x: xScale.apply(part.x),
      noise: part.noise && noiseScale ? noiseScale.apply(noiseStd(part.noise)) : null,
    });
    const fit = await trainInnPosterior(
      rows(train, data.numTrain),
      rows(validation, data.numValidation),
      {
        mode: this.model === "inn-mmd" ? "mmd" : "ml",
        blocks: settings.blocks,
        hiddenLayers: settings.hiddenLayers,
        regLevel: settings.regLevel,
        logScaleClip: settings.logScaleClip,
        activation: settings.activation,
        linearStart: settings.linearStart,
        mmdWeights: settings.mmdWeights,
        sigmaY: settings.sigmaY,
        epochs: settings.maxEpochs,
        batchSize: settings.batchSize,
        learningRate: settings.learningRate,
        gradNormThresh: settings.gradNormThresh,
        seed: options.seed + 17,
        progress: data.progress,
        ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
      },
    );
    this.dispose();
    this.#networks = [fit.inn];
    this.#noiseScale = noiseScale;
    this.#transform = data.transform;
    this.#regression = null;
    this.#thetaScale = thetaScale;
    this.#xScale = xScale;
    this.#dimX = dimX;
    this.#report = {
      numTrain: data.numTrain,
      numValidation: data.numValidation,
      settings,
      members: 1,
      coupling: "affine",
      epochs: fit.history.length,
      bestEpoch: fit.history.length,
      validationNll: fit.validationNll,
      stoppedEarly: false,
      parameters: fit.inn.trainableVariables().reduce((a, v) => a + v.size, 0),
      trainSeconds: fit.seconds,
      steps: fit.steps,
      resumedFromEpoch: fit.resumedFromEpoch,
      history: fit.history.map((loss, k) => ({
        epoch: k + 1,
        trainNll: loss,
        validationNll: k === fit.history.length - 1 ? fit.validationNll : null,
      })),
    };
    return this.#report;
  }

  #ready(): { networks: (Cinn | InnModel)[]; thetaScale: Standardizer; xScale: Standardizer } {
    if (this.#networks.length === 0 || !this.#thetaScale || !this.#xScale) {
      throw new Error("The estimator has not been fitted (call fit, or loadPosteriorEstimator)");
    }
    return { networks: this.#networks, thetaScale: this.#thetaScale, xScale: this.#xScale };
  }

  #observation(xObserved: ArrayLike<number>): Float32Array {
    if (xObserved.length !== this.#dimX) {
      throw new Error(
        `The observation has ${xObserved.length} values; this estimator was trained on data ` +
          `of ${this.#dimX}`,
      );
    }
    checkRows(xObserved, this.#dimX, "the observation");
    return this.#xScale!.apply(xObserved);
  }

  /**
   * Draws from `p(θ | x = xObserved)`. An ensemble draws each row from a member picked
   * uniformly at random (seeded), so the rows are a sample of the equal-weight mixture.
   * @param xObserved One observation (`dimX` values).
   * @param n Number of samples.
   * @param options Seed.
   * @returns Row-major `n × dimTheta` samples (inside the prior's box, if it has one).
   * @throws Error naming a wrong observation width or an unfitted estimator.
   */
  async sample(
    xObserved: ArrayLike<number>,
    n: number,
    options: { seed: number },
  ): Promise<Float64Array> {
    const { networks, thetaScale } = this.#ready();
    const y = this.#observation(xObserved);
    const d = this.dimTheta, K = networks.length;
    const pick = new Int32Array(n);
    if (K > 1) {
      const rng = new Rng(options.seed);
      for (let i = 0; i < n; i++) pick[i] = rng.int(K);
    }
    const u = new Float32Array(n * d);
    for (const [k, network] of networks.entries()) {
      const mine: number[] = [];
      pick.forEach((p, i) => p === k && mine.push(i));
      if (mine.length === 0) continue;
      const rows = await network.posterior(y, mine.length, { seed: options.seed + 7919 * k });
      // The INN's rows carry the noise inputs after the parameters: keep the parameters.
      const w = network.dimX;
      mine.forEach((i, r) => {
        for (let j = 0; j < d; j++) u[i * d + j] = rows[r * w + j];
      });
    }
    const scaled = this.#regression ? this.#regression.restore(u, y) : u;
    return this.#transform.toBounded(thetaScale.invert(scaled));
  }

  /**
   * `log p(θ | x = xObserved)` of each row, in the units of θ (the prior
   * bijection's and the standardization's Jacobians included); −∞ outside
   * the prior's box. An ensemble's density is the mean of its members'.
   * @param theta Row-major `m × dimTheta` parameters.
   * @param xObserved One observation.
   * @returns `m` log-densities.
   */
  logProb(theta: ArrayLike<number>, xObserved: ArrayLike<number>): Promise<Float64Array> {
    const { networks, thetaScale } = this.#ready();
    if (!networks.every((net) => net instanceof Cinn)) {
      throw new Error(
        `logProb needs a model with a density of θ given x ("cinn"); the "${this.model}" ` +
          `model's density is of θ jointly with its latent padding or noise`,
      );
    }
    const cinns = networks as Cinn[];
    const d = this.dimTheta;
    const m = checkRows(theta, d, "theta");
    const y = this.#observation(xObserved);
    const inside = this.prior.bounds
      ? this.prior.logProb(theta).map((v) => (v === -Infinity ? 0 : 1))
      : new Float64Array(m).fill(1);
    const safe = Float64Array.from(theta, (v, i) => (inside[Math.floor(i / d)] ? v : NaN));
    const u = this.#transform.toUnbounded(safe).map((v) => (Number.isFinite(v) ? v : 0));
    const logJ = this.#transform.logDetToBounded(u, d);
    const logScale = thetaScale.logAbsDet;
    const scaled = thetaScale.apply(u);
    const residual = this.#regression ? this.#regression.residual(scaled, y) : scaled;
    const perMember = cinns.map((cinn) =>
      tf.tidy(() => {
        const z = tf.tensor2d(residual, [m, d]);
        const c = tf.tensor2d(y, [1, this.#dimX]);
        return cinn.logProb(z, { context: c }).dataSync().slice();
      })
    );
    const lq = logMeanExp(perMember);
    return Promise.resolve(
      Float64Array.from(lq, (v, i) => (inside[i] ? v + logScale - logJ[i] : -Infinity)),
    );
  }

  /**
   * Saves weights, prior, standardization and settings to a folder
   * (`model.json` + `weights.bin`, written atomically).
   * @param dir The folder; replaced if it exists.
   * @param metadata Extra JSON stored beside (e.g. the app and its params); a loaded
   *   estimator gives it back as {@link metadata}.
   */
  async save(dir: string, metadata: Record<string, unknown> = {}): Promise<void> {
    const { networks, thetaScale, xScale } = this.#ready();
    const network = networks[0];
    const record: EstimatorRecord = {
      format: "flow-models/posterior-estimator/v1",
      model: this.model,
      prior: this.prior.config(),
      dimTheta: this.dimTheta,
      dimX: this.#dimX,
      theta_scale: thetaScale.toJSON(),
      x_scale: xScale.toJSON(),
      ...(this.#regression ? { regression: this.#regression.toJSON() } : {}),
      box_map: this.#transform.map,
      ...(network instanceof Cinn
        ? { cinn: network.options, ...(networks.length > 1 ? { members: networks.length } : {}) }
        : { inn: network.options, noise_scale: this.#noiseScale?.toJSON() ?? null }),
      report: this.#report!,
    };
    const meta = { ...metadata, posterior_estimator: record };
    if (!(network instanceof Cinn)) return await saveInnNetwork(network, dir, meta);
    if (networks.length === 1) return await saveFlow(network, dir, meta);
    // An ensemble: the first network where a single one would be, the others in member_k,
    // the whole folder replaced at once.
    await writeDirAtomic(dir, async (tmp) => {
      await saveFlow(network, tmp, meta);
      for (let k = 1; k < networks.length; k++) {
        await saveFlow(networks[k] as Cinn, join(tmp, `member_${k}`), { member: k });
      }
    });
  }

  /** Frees the networks. */
  dispose(): void {
    for (const net of this.#networks) net.dispose();
    this.#networks = [];
  }

  /** @internal Restores a saved state ({@link loadPosteriorEstimator}). */
  static restore(
    prior: Prior,
    record: EstimatorRecord,
    networks: (Cinn | InnModel)[],
    metadata: Record<string, unknown> = {},
  ): PosteriorEstimator {
    const est = new PosteriorEstimator({
      prior,
      model: record.model,
      ...(record.theta_scale.whitening ? { scaling: "whiten" as const } : {}),
      regressionAdjust: record.regression !== undefined,
    });
    est.#networks = networks;
    est.#transform = new PriorTransform(prior.bounds, record.box_map ?? "logistic");
    est.#noiseScale = record.noise_scale
      ? new Standardizer(record.noise_scale.mean, record.noise_scale.std)
      : null;
    est.#thetaScale = scaleFromJSON(record.theta_scale);
    est.#regression = record.regression ? new RegressionAdjustment(record.regression) : null;
    est.#metadata = Object.fromEntries(
      Object.entries(metadata).filter(([k]) => k !== "posterior_estimator"),
    );
    est.#xScale = new Standardizer(record.x_scale.mean, record.x_scale.std);
    est.#dimX = record.dimX;
    est.#report = record.report
      ? {
        ...record.report,
        members: record.report.members ?? record.members ?? 1,
        coupling: record.report.coupling ?? record.cinn?.coupling ?? "affine",
      }
      : null;
    return est;
  }
}

/**
 * Loads an estimator saved by {@link PosteriorEstimator.save}.
 * @param dir The folder.
 * @param options The prior, required when it was a custom prior (checked against the record otherwise).
 * @returns The estimator, ready to sample.
 * @throws Error naming the folder when it holds no estimator.
 * @example
 * ```ts ignore
 * import { loadPosteriorEstimator } from "./estimator.ts";
 * const est = await loadPosteriorEstimator("output/my_posterior");
 * const samples = await est.sample([0.5, -1], 1000, { seed: 1 });
 * ```
 */
export async function loadPosteriorEstimator(
  dir: string,
  options: { prior?: Prior } = {},
): Promise<PosteriorEstimator> {
  // An `inn-ml` estimator is saved as an INN network, a `cinn` one as a flow.
  let json: { inn?: unknown } = {};
  try {
    json = JSON.parse(await Deno.readTextFile(join(dir, "model.json")));
  } catch {
    // loadFlow names the missing or unreadable file.
  }
  if (json.inn !== undefined) {
    const { network, metadata } = await loadInnNetwork(dir);
    const record = metadata.posterior_estimator as EstimatorRecord | undefined;
    if (!record || record.format !== "flow-models/posterior-estimator/v1") {
      network.dispose();
      throw new Error(`${join(dir, "model.json")} holds no posterior estimator`);
    }
    try {
      return PosteriorEstimator.restore(
        priorFromConfig(record.prior, options.prior),
        record,
        [network],
        metadata,
      );
    } catch (e) {
      network.dispose();
      throw e;
    }
  }
  const flow = await loadFlow(dir);
  const record = flow.metadata?.posterior_estimator as EstimatorRecord | undefined;
  if (!record || record.format !== "flow-models/posterior-estimator/v1" || !record.cinn) {
    flow.dispose();
    throw new Error(`${join(dir, "model.json")} holds no posterior estimator`);
  }
  const cinns = [new Cinn(record.cinn, flow.bijector as Cinn["bijector"])];
  try {
    const prior = priorFromConfig(record.prior, options.prior);
    const members = record.members ?? 1;
    for (let k = 1; k < members; k++) {
      const member = await loadFlow(join(dir, `member_${k}`));
      cinns.push(new Cinn(record.cinn, member.bijector as Cinn["bijector"]));
    }
    return PosteriorEstimator.restore(prior, record, cinns, flow.metadata ?? {});
  } catch (e) {
    for (const cinn of cinns) cinn.dispose();
    throw e;
  }
}
