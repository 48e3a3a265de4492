/**
 * The settings a posterior estimator picks from the size of its training
 * set, so that it works without tuning from 10³ to 10⁵ simulations.
 *
 * The rule: hold out 10 % of the simulations (at least 50) for early
 * stopping, which keeps the weights of the best held-out epoch; a linear
 * path from the data to the parameters (exact for a posterior whose mean is
 * affine in the data) followed by couplings that grow with the data (2
 * blocks of 32-wide couplings below 3 000 simulations, 2 of 64 below
 * 30 000, 6 of 128 above),
 * with an L2 penalty on the network kernels of
 * min(0.01, 100/n) (a prior on the weights whose pull fades once the data
 * are plenty; measured on a 10-parameter linear-Gaussian problem and a 2-D
 * bimodal one, 0.01 was the best common value at 10³ and 10⁴ simulations); batches of 64
 * below 3 000 simulations, else 256; Adam at 1e-3 halved every 2 000 steps, every 1 000
 * from 3 000 to 30 000 simulations (at 10⁴ simulations with 4 affine blocks, C2ST 0.517, 0.585
 * and 0.553 on a Gaussian, a bimodal and a curved posterior, against 0.527, 0.580 and 0.579
 * with 2 000); at most 40 000 steps (4 000 from 3 000 to 30 000 simulations,
 * where the rate has halved four times by then: a curved posterior's network
 * had crept on to step 8 280 at a rate below 10⁻⁵)
 * (between 30 and 500 epochs), stopped after 20 epochs without held-out
 * improvement (10 above 30 000 simulations). Below 3 000 simulations, where
 * a fit takes seconds and its result moves with the seed, the cINN is an
 * equal-weight mixture of 4 networks trained from different initial weights
 * on the same split, and its couplings are chosen from the data: one network
 * with affine and one with rational-quadratic spline couplings are trained,
 * and the kind with the lower held-out NLL makes the ensemble (splines won
 * on a bimodal posterior, C2ST 0.59 against 0.65; affine on a Gaussian and a
 * curved one). From 3 000 to 30 000: one network, its couplings chosen the
 * same way (at 10⁴ simulations spline couplings took the bimodal posterior's
 * C2ST from 0.585 to 0.549; affine ones stay ahead on the Gaussian and the
 * curved posteriors, whose narrow spline fits also threw rare far draws, σ up
 * to 1.8 times the reference's). From 30 000 up: one
 * network of affine couplings. The embedding of the data is a
 * network as wide as the couplings (256 wide when a data vector has more
 * than 20 values) feeding a context of 8 to 64 values. A box prior is mapped
 * to the real line by the flat-top map below 30 000 simulations (linear but
 * for 1 % margins, so a posterior keeps its shape: at 10³ simulations C2ST
 * 0.578 against 0.609 with the logistic map on the bimodal posterior, 0.580
 * against 0.615 on a curved one against the box's edges) and by the logistic
 * map from 30 000 up (0.509 and 0.513 at 10⁵; a flow's rare far draws land
 * in the flat-top map's margins, at the edges of the box).
 *
 * @module
 */
import type { LearningRate } from "../training/schedule.ts";
import type { BoxMap } from "./prior_transform.ts";
import type { Activation } from "../nn/dense_network.ts";
import { DEFAULT_MMD_LOSS_WEIGHTS, type MmdLossWeights } from "../inn/losses.ts";

/** The couplings of a cINN: affine, or rational-quadratic splines. */
export type CouplingKind = "affine" | "spline";

/** Everything the estimator's training and network need. */
export interface EstimatorSettings {
  /** Fraction of the simulations held out for early stopping. */
  validationFraction: number;
  /** Examples per step. */
  batchSize: number;
  /** Upper bound on epochs (early stopping ends most runs before). */
  maxEpochs: number;
  /** Epochs without held-out improvement before stopping. */
  patience: number;
  /** Adam's learning rate or schedule. */
  learningRate: LearningRate;
  /** Global gradient-norm clipping threshold. */
  gradNormThresh: number;
  /** L2 penalty on network kernels. */
  regLevel: number;
  /** Coupling blocks. */
  blocks: number;
  /**
   * Networks in the estimator (`cinn` only): more than one makes it an equal-weight mixture of
   * networks trained from different initial weights on the same simulations (a deep ensemble).
   */
  members: number;
  /** Hidden widths of each coupling network. */
  hiddenLayers: number[];
  /** Hidden widths of the data embedding network. */
  embeddingLayers: number[];
  /** Width of the embedding (the couplings' context). */
  embeddingDim: number;
  /** A linear path from the data to the parameters (see `CinnOptions.linearPath`). */
  linearPath: boolean;
  /**
   * The cINN's couplings (see `CinnOptions.coupling`); `auto` trains one network of each kind
   * and keeps the kind with the lower held-out NLL.
   */
  coupling: CouplingKind | "auto";
  /**
   * `auto`: the training pairs (a random subset) the two trial networks learn from; 0, or at
   * least the training set: all of them, and the trial network that wins is kept.
   */
  couplingTrialSize: number;
  /**
   * The fixed map of a box prior's parameters to the real line (see `PriorTransform`): `flat`
   * (linear over the box but for 1 % margins at its edges, so that a posterior keeps its
   * shape), `logistic` or `normal`.
   */
  boxMap: BoxMap;
  /** Soft clamp of the coupling log-scales. */
  logScaleClip: number;
  /** Activation of every network. */
  activation: Activation;
  /** `inn-ml`, `inn-mmd`: end the INN in a fixed affine map fitted to the first batch. */
  linearStart: boolean;
  /** `inn-mmd`: weights of the loss terms. */
  mmdWeights: MmdLossWeights;
  /**
   * `inn-ml`: width of the Gaussian around the standardized data (with the noise as inputs
   * only a tolerance; without, the data's noise in standardized units).
   */
  sigmaY: number;
}

/**
 * The default settings for `n` simulations of `dimTheta` parameters and
 * `dimX` data values (the rule of the module documentation).
 * @param n Number of simulations.
 * @param dimTheta Parameters per simulation.
 * @param dimX Data values per simulation.
 * @param model The posterior model: the INN models (`inn-ml`, `inn-mmd`) keep affine
 *   couplings, 4 blocks of them from 3 000 to 30 000 simulations. Default `cinn`.
 * @returns The settings.
 * @example
 * ```ts
 * import { defaultEstimatorSettings } from "./defaults.ts";
 * defaultEstimatorSettings(1000, 2, 3).hiddenLayers; // [32, 32]
 * defaultEstimatorSettings(100_000, 2, 3).blocks; // 6
 * defaultEstimatorSettings(1000, 2, 3).members; // 4
 * defaultEstimatorSettings(10_000, 2, 3).coupling; // "auto" (affine or spline, by held-out NLL)
 * defaultEstimatorSettings(10_000, 2, 3, "inn-ml").blocks; // 4
 * ```
 */
export function defaultEstimatorSettings(
  n: number,
  dimTheta: number,
  dimX: number,
  model: "cinn" | "inn-ml" | "inn-mmd" = "cinn",
): EstimatorSettings {
  const size = n < 3000 ? 0 : n < 30_000 ? 1 : 2;
  const inn = model !== "cinn";
  const validationFraction = Math.min(0.5, Math.max(0.1, 50 / n));
  const batchSize = size === 0 ? 64 : 256;
  const stepsPerEpoch = Math.max(1, Math.ceil((n * (1 - validationFraction)) / batchSize));
  // From 3 000 to 30 000 simulations Adam's rate has halved four times by step 4 000.
  const maxSteps = size === 1 ? 4000 : 40_000;
  const maxEpochs = Math.min(500, Math.max(30, Math.ceil(maxSteps / stepsPerEpoch)));
  const wide = dimX > 20;
  const width = [32, 64, 128][size];
  return {
    validationFraction,
    batchSize,
    maxEpochs,
    patience: size === 2 ? 10 : 20,
    learningRate: [1e-3, size === 1 ? 1000 : 2000, 0.5],
    gradNormThresh: 10,
    regLevel: Math.min(0.01, 100 / n),
    blocks: [2, inn ? 4 : 2, 6][size],
    members: size === 0 ? 4 : 1,
    hiddenLayers: [width, width],
    embeddingLayers: wide ? [256, 256] : size === 0 ? [width] : [width, width],
    embeddingDim: Math.min(64, Math.max(8, 2 * dimTheta, wide ? Math.ceil(dimX / 4) : 0)),
    linearPath: true,
    coupling: !inn && size < 2 ? "auto" : "affine",
    couplingTrialSize: size === 1 ? 3000 : 0,
    boxMap: size < 2 ? "flat" : "logistic",
    logScaleClip: 2,
    activation: "relu",
    linearStart: false,
    mmdWeights: { ...DEFAULT_MMD_LOSS_WEIGHTS },
    sigmaY: 0.05,
  };
}
