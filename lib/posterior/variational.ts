/**
 * Variational inference with a normalizing flow for one observed data set,
 * when the target's log-density and its gradient come from plain
 * JavaScript (an adjoint-state eikonal solver, a hand-written likelihood),
 * not from TensorFlow.js.
 *
 * The model. Without bounds `q` is a flow on θ itself. With a box
 * `[low, high]` (a uniform prior) `q` is a flow on the unbounded
 * `u = F⁻¹((θ − low)/(high − low))` with `F` the logistic (default) or the
 * normal distribution function ({@link PriorTransform}), so every sample lies
 * in the box, and `log q(θ) = log q(u) − log |dθ/du|`. The flow (data →
 * latent order) is an elementwise affine map (an {@link ActNorm} holding q's
 * initial location and scale), with `fullRank` a learned unit-triangular
 * linear map (together they hold any Cholesky factor: `initialCovariance`
 * sets it), then `flowSteps` RealNVP affine couplings with fixed permutations
 * between them; the couplings' output layers start at zero, so `q(u)` starts
 * as `N(initial mean, initialScale² I)` (or the initial covariance). There is no batch normalization (the few samples of a
 * step are no batch to normalize with). One parameter is a special case: a
 * coupling needs two, so `q(u)` is then Gaussian (the affine map alone).
 *
 * The objective. {@link VariationalPosterior.fit} maximises the evidence
 * lower bound
 *
 *     ELBO = E_q[ log target(θ(u)) + log |dθ/du| − log q(u) ]
 *
 * with reparameterised samples `u = f⁻¹(ε)`, `ε ~ N(0, I)`. The target is
 * known only as numbers, so the loss is a surrogate with the right gradient:
 * the flow maps `ε → u` in tfjs (differentiable), `u` is read back, θ and
 * the target's value and gradient `g_θ` are computed in JavaScript, and
 *
 *     g_u = g_θ · (high − low) σ(u)(1 − σ(u)) + (1 − 2σ(u))   (logistic map)
 *     loss = −mean_s Σ_j u[s, j] · stopGradient(g_u[s, j]) − mean_s log |det ∂u/∂ε|
 *
 * (the second term of `g_u` is the gradient of `log |dθ/du|`; `log N(ε)` does
 * not depend on the weights). Its gradient is minus the ELBO's; its value is
 * not the ELBO, which is computed separately in float64 from the same samples
 * and recorded per step. That is the default, `"total"` estimator. The
 * other, `"path"` ("sticking the landing"), replaces the log-det term by
 * `−mean_s Σ_j u[s, j] · stopGradient(−∇_u log q(u)[s, j])` (the score of q
 * at the drawn u, from one more pass through the flow), which drops the
 * term `∂ log q_φ(u)/∂φ` at fixed u: zero in expectation, so the expected
 * gradient is the same, but its noise vanishes as q approaches the target.
 * On application 7's quick problem (121 nodes, 2 000 steps × 8 samples,
 * four seeds) it raised the final ELBO by 1.5 nats and brought the mean map
 * from 0.117 to 0.113 prior std of the MCMC reference's; early in a fit far
 * from the posterior it is no better (see the README, application 7).
 *
 * The target's density is with respect to θ: a box prior's constant
 * `−Σ log(high − low)` need not be added. With the log-likelihood as the
 * target and a uniform box prior, `log p(data) ≥ ELBO − Σ log(high − low)`.
 *
 * Training goes through the one trainer, `trainFlow`, with its `loss`
 * option: the data source yields a fresh batch of base samples ε each
 * "epoch" (one epoch = one optimizer step of `samplesPerStep` samples), so
 * its learning-rate schedules, gradient clipping, NaN guard, progress and
 * checkpoints with resume (whose random state then reproduces the ε stream)
 * apply unchanged; the ELBO of each step is a named part of the loss, so it
 * is in the trainer's history and survives a resume.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { Rng } from "../core/random.ts";
import type { TransformedDistribution } from "../distributions/transformed.ts";
import { loadFlow, saveFlow } from "../io/model_io.ts";
import type { FlowLoss } from "../training/flow_loss.ts";
import { ConsoleProgress, type ProgressSink } from "../training/progress.ts";
import type { LearningRate } from "../training/schedule.ts";
import { trainFlow } from "../training/trainer.ts";
import { type BoxMap, PriorTransform } from "./prior_transform.ts";
import { cholesky, type Matrix, matrix } from "../linalg/matrix.ts";
import {
  BaseSampleSource,
  buildVariationalFlow,
  defaultVariationalArchitecture,
  type VariationalArchitecture,
} from "./variational_flow.ts";
import { StepProgress, trailingMean } from "./variational_progress.ts";

export { defaultVariationalArchitecture, type VariationalArchitecture };

const LOG_2PI = Math.log(2 * Math.PI);
/** Rows per tfjs call when sampling or scoring many points. */
const CHUNK_ROWS = 4096;
const RECORD_FORMAT = "flow-models/variational-posterior/v1";
/** A loaded flow the next constructor call adopts instead of building one (see the loader). */
let restoring: { flow: TransformedDistribution; report: VariationalFitReport | null } | null = null;

/**
 * The target: its log-density at `n` points (the rows of `theta`, row-major
 * `n × dims`) and the gradient of that log-density with respect to θ,
 * row-major `n × dims`. Synchronous; called once per optimizer step with
 * `samplesPerStep` rows. `theta` is a fresh array the function may keep.
 * @example
 * ```ts
 * import type { LogDensityWithGradient } from "./variational.ts";
 * // A Gaussian misfit of observations d = G θ with noise σ (here G = I, two parameters):
 * const observed = [0.3, 0.7], sigma = 0.1;
 * const logLikelihood: LogDensityWithGradient = (theta, n) => {
 *   const logDensity = new Float64Array(n), gradient = new Float64Array(theta.length);
 *   for (let i = 0; i < theta.length; i++) {
 *     const r = (theta[i] - observed[i % 2]) / sigma;
 *     logDensity[Math.floor(i / 2)] -= 0.5 * r * r;
 *     gradient[i] = -r / sigma;
 *   }
 *   return { logDensity, gradient };
 * };
 * logLikelihood(Float64Array.of(0.3, 0.7, 0.4, 0.7), 2).logDensity; // [0, −0.5]
 * ```
 */
export type LogDensityWithGradient = (
  theta: Float64Array,
  n: number,
) => { logDensity: ArrayLike<number>; gradient: ArrayLike<number> };

/** The box of a uniform prior, one bound per parameter. */
export interface Bounds {
  /** Lower bounds. */
  low: ArrayLike<number>;
  /** Upper bounds (each above its lower bound). */
  high: ArrayLike<number>;
}

/** Options of {@link VariationalPosterior}. */
export interface VariationalPosteriorOptions {
  /** Number of parameters. */
  dims: number;
  /** A box prior: θ = low + (high − low)·F(u), q is a flow on u. Absent or null: q is on θ. */
  bounds?: Bounds | null;
  /**
   * `F` of the box map ({@link PriorTransform}): "logistic" (default, `σ`) or "normal"
   * (`Φ`: the uniform prior is then `N(0, I)` in u, and a posterior against an edge has
   * Gaussian tails in u, which the flow draws better).
   */
  boxMap?: BoxMap;
  /** Affine couplings. Default: {@link defaultVariationalArchitecture}. */
  flowSteps?: number;
  /** Hidden widths of each coupling's network. Default: {@link defaultVariationalArchitecture}. */
  hiddenLayers?: number[];
  /**
   * A learned unit-triangular linear map before the couplings, so that q holds every
   * full-covariance Gaussian (for strongly correlated parameters). Default:
   * {@link defaultVariationalArchitecture}.
   */
  fullRank?: boolean;
  /**
   * Standard deviation of q(u) at the start, per parameter (in u; in θ when
   * there are no bounds). Default: `√2` with bounds and the logistic map (the
   * flattest logit-normal: spread over the whole box, like the prior), 1 with the
   * normal map (q starts as the uniform prior itself) or without bounds.
   */
  initialScale?: number;
  /**
   * Centre of q at the start, in θ units (inside the box). Default: the
   * box's centre, or 0 without bounds.
   */
  initialMean?: ArrayLike<number>;
  /**
   * Covariance of q at the start, in u (row-major `dims × dims`, symmetric positive
   * definite), for example a Laplace or Gauss–Newton approximation of the posterior: q then
   * starts as `N(initial mean, initialCovariance)` in u, and the couplings learn what is not
   * Gaussian. Needs `fullRank`; replaces `initialScale`.
   */
  initialCovariance?: ArrayLike<number>;
  /** Seed of the permutations and the initial weights. Default 0. */
  seed?: number;
}

/** Options of {@link VariationalPosterior.fit}. */
export interface VariationalFitOptions {
  /**
   * Optimizer steps in total; a resumed fit continues up to this number. One
   * step is one trainer epoch of `samplesPerStep` fresh base samples.
   */
  steps: number;
  /** Samples of q per step (each one target evaluation). Default 16. */
  samplesPerStep?: number;
  /** Adam's rate: a constant or `[initial, decaySteps, decayRate]`. Default 1e-3. */
  learningRate?: LearningRate;
  /** Global gradient-norm clipping threshold; 0: none. Default 0. */
  gradNormThresh?: number;
  /** Seed of the base samples. Default: the posterior's seed. */
  seed?: number;
  /**
   * Progress sink. Default: the console. Its step `loss` is −ELBO of the
   * latest step; a summary line comes every `reportEvery` steps.
   */
  progress?: ProgressSink;
  /** Steps between summary lines. Default: a twentieth of `steps`. */
  reportEvery?: number;
  /** Steps in the trailing mean of {@link VariationalFitReport.elboSmoothed}. Default 50. */
  smoothingWindow?: number;
  /** Where checkpoints go (weights, Adam moments, random state, history); absent: none. */
  checkpointDir?: string;
  /** Steps between checkpoints. Default 100. */
  checkpointEvery?: number;
  /** Continue from the checkpoint in `checkpointDir`, if there is one. */
  resume?: boolean;
  /**
   * The ELBO's gradient estimator. `"total"` (default): the plain
   * reparameterised gradient. `"path"`: the path derivative ("sticking the
   * landing", Roeder et al. 2017), which drops the score term
   * `∂ log q_φ(u)/∂φ` at fixed `u` (zero in expectation); its noise falls to
   * zero as q approaches the posterior, at the cost of one more pass through
   * the flow per step. It helps near the optimum; far from it (the first
   * hundreds of steps of application 7's default problem) it did not.
   */
  gradientEstimator?: "total" | "path";
}

/** What {@link VariationalPosterior.fit} did. */
export interface VariationalFitReport {
  /** Optimizer steps in total (those of a resumed run included). */
  steps: number;
  /** Step the run resumed after (0 when fresh). */
  resumedFromStep: number;
  /** Samples per step. */
  samplesPerStep: number;
  /**
   * ELBO estimate of each step (its `samplesPerStep` samples, before its
   * update), nats; every step, those before a resume included.
   */
  elbo: number[];
  /** Trailing mean of `elbo` over `smoothingWindow` steps. */
  elboSmoothed: number[];
  /** Mean log target of each step's samples. */
  logTarget: number[];
  /** Entropy estimate of q(θ) of each step, `−mean log q(θ)` (nats). */
  entropy: number[];
  /** Global gradient norm of each step (before clipping). */
  gradNorm: number[];
  /** The last smoothed ELBO. */
  finalElbo: number;
  /** Wall-clock seconds of this run. */
  seconds: number;
  /** Mean milliseconds per step in this run (the target's time included). */
  msPerStep: number;
  /** Calls of the target in this run (one per step). */
  targetCalls: number;
  /** Points at which the target was evaluated in this run. */
  targetEvaluations: number;
  /** Seconds spent inside the target in this run (the rest is the flow's own cost). */
  targetSeconds: number;
}

/** Saved beside the weights under `variational_posterior`. */
interface VariationalRecord {
  format: typeof RECORD_FORMAT;
  dims: number;
  bounds: { low: number[]; high: number[] } | null;
  /** Absent in records written before the normal map existed: logistic. */
  boxMap?: BoxMap;
  architecture: VariationalArchitecture;
  seed: number;
  report: VariationalFitReport | null;
}

function checkBounds(bounds: Bounds, dims: number): { low: number[]; high: number[] } {
  const low = Array.from(bounds.low), high = Array.from(bounds.high);
  if (low.length !== dims || high.length !== dims) {
    throw new Error(
      `bounds need ${dims} lower and upper values (one per parameter), got ${low.length} and ` +
        `${high.length}`,
    );
  }
  for (let j = 0; j < dims; j++) {
    if (!Number.isFinite(low[j]) || !Number.isFinite(high[j]) || !(high[j] > low[j])) {
      throw new Error(
        `parameter ${j} needs finite bounds with low < high, got [${low[j]}, ${high[j]}]`,
      );
    }
  }
  return { low, high };
}

function rowsOf(values: ArrayLike<number>, dims: number, what: string): number {
  const n = values.length / dims;
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`${what}: ${values.length} values are not whole rows of ${dims} parameters`);
  }
  return n;
}

function showRow(theta: ArrayLike<number>, row: number, dims: number): string {
  const shown = Array.from({ length: Math.min(dims, 6) }, (_, j) => theta[row * dims + j]);
  return `[${shown.map((v) => Number(v.toPrecision(6))).join(", ")}${dims > 6 ? ", …" : ""}]`;
}

/** `∇_u log q(u)` of a flow at `n` rows of `u`, as plain numbers (no gradient reaches the weights). */
function scoreOfFlow(
  flow: TransformedDistribution,
  u: Float32Array,
  n: number,
  d: number,
): Float32Array {
  return tf.tidy(() =>
    tf.grad((x: tf.Tensor) => tf.sum(flow.logProb(x)))(tf.tensor2d(u, [n, d]))
      .dataSync() as Float32Array
  );
}

/**
 * A normalizing-flow approximation `q(θ)` of one posterior, fitted by
 * maximising the ELBO of a target whose log-density and gradient are
 * computed in JavaScript (see the module's notes).
 * @example
 * ```ts
 * import { VariationalPosterior } from "./variational.ts";
 * import { silentProgress } from "../training/progress.ts";
 * // Target: N(θ; [1, −1], 0.5² I), known only through its value and gradient.
 * const target = (theta: Float64Array, n: number) => {
 *   const logDensity = new Float64Array(n), gradient = new Float64Array(theta.length);
 *   for (let i = 0; i < theta.length; i++) {
 *     const r = (theta[i] - (i % 2 === 0 ? 1 : -1)) / 0.5;
 *     logDensity[Math.floor(i / 2)] -= 0.5 * r * r;
 *     gradient[i] = -r / 0.5;
 *   }
 *   return { logDensity, gradient };
 * };
 * const q = new VariationalPosterior({ dims: 2, flowSteps: 1, hiddenLayers: [8], seed: 1 });
 * const report = await q.fit(target, { steps: 40, samplesPerStep: 8, learningRate: 0.02, progress: silentProgress });
 * console.log(report.elbo.length); // 40
 * const theta = await q.sample(100, { seed: 2 }); // 100 × 2, row-major
 * const logq = await q.logProb(theta.subarray(0, 2)); // log q(θ) of the first sample
 * q.dispose();
 * ```
 */
export class VariationalPosterior {
  /** Number of parameters. */
  readonly dims: number;
  /** The box (null without bounds). */
  readonly bounds: { low: number[]; high: number[] } | null;
  /** The flow's architecture. */
  readonly architecture: VariationalArchitecture;
  /** Seed of the permutations and initial weights (and the default fit seed). */
  readonly seed: number;
  readonly #transform: PriorTransform;
  #flow: TransformedDistribution | null;
  #report: VariationalFitReport | null = null;

  /**
   * @param options Dimensions, box, architecture, initial spread and seed.
   * @throws Error naming a bad dimension, bound, architecture, initial scale or mean.
   */
  constructor(options: VariationalPosteriorOptions) {
    const dims = options.dims;
    if (!Number.isInteger(dims) || dims < 1) {
      throw new Error(`dims must be a positive integer, got ${dims}`);
    }
    const flowSteps = options.flowSteps;
    if (flowSteps !== undefined && (!Number.isInteger(flowSteps) || flowSteps < 0)) {
      throw new Error(`flowSteps must be a non-negative integer, got ${flowSteps}`);
    }
    this.dims = dims;
    this.bounds = options.bounds ? checkBounds(options.bounds, dims) : null;
    this.#transform = new PriorTransform(this.bounds, options.boxMap ?? "logistic");
    const defaults = defaultVariationalArchitecture(dims);
    this.architecture = {
      flowSteps: dims === 1 ? 0 : flowSteps ?? defaults.flowSteps,
      hiddenLayers: options.hiddenLayers ?? defaults.hiddenLayers,
      logScaleClip: defaults.logScaleClip,
      fullRank: options.fullRank ?? defaults.fullRank,
    };
    this.seed = options.seed ?? 0;
    if (restoring) {
      this.#flow = restoring.flow;
      this.#report = restoring.report;
      restoring = null;
      return;
    }
    const scale = options.initialScale ??
      (this.bounds && this.#transform.map === "logistic" ? Math.SQRT2 : 1);
    if (!(scale > 0) || !Number.isFinite(scale)) {
      throw new Error(`initialScale must be a positive number, got ${scale}`);
    }
    let mean: Float64Array = new Float64Array(dims);
    if (options.initialMean) {
      if (options.initialMean.length !== dims) {
        throw new Error(
          `initialMean needs ${dims} values, got ${options.initialMean.length}`,
        );
      }
      mean = this.#transform.toUnbounded(options.initialMean);
      const bad = mean.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        throw new Error(
          `initialMean[${bad}] = ${options.initialMean[bad]} is not ` +
            (this.bounds ? `strictly inside the box` : `finite`),
        );
      }
    }
    let start: number | Matrix = scale;
    if (options.initialCovariance) {
      if (!this.architecture.fullRank || dims === 1) {
        throw new Error("initialCovariance needs fullRank: true (and more than one parameter)");
      }
      if (options.initialCovariance.length !== dims * dims) {
        throw new Error(
          `initialCovariance needs ${dims} × ${dims} values, got ${options.initialCovariance.length}`,
        );
      }
      try {
        start = cholesky(matrix(dims, dims, options.initialCovariance));
      } catch (e) {
        throw new Error(`initialCovariance: ${(e as Error).message}`);
      }
    }
    this.#flow = buildVariationalFlow(dims, this.architecture, this.seed, mean, start);
  }

  /** The flow on u (on θ without bounds), e.g. to inspect or train it otherwise. */
  get flow(): TransformedDistribution {
    return this.#ready();
  }

  /** The box ↔ real-line map between θ and the flow's u. */
  get transform(): PriorTransform {
    return this.#transform;
  }

  /** What the last fit did (null before one; a loaded posterior keeps its report). */
  get report(): VariationalFitReport | null {
    return this.#report;
  }

  /** Trainable values of the flow. */
  get parameterCount(): number {
    return this.#ready().trainableVariables().reduce((a, v) => a + v.size, 0);
  }

  #ready(): TransformedDistribution {
    if (!this.#flow) throw new Error("This variational posterior has been disposed");
    return this.#flow;
  }

  /**
   * Maximises the ELBO of `logTarget` with `trainFlow`, starting from the
   * current weights (so a second call goes on; its report covers that call,
   * and the history of a checkpoint it resumed from).
   * @param logTarget The target's log-density and gradient in θ.
   * @param options Steps, samples per step, learning rate, seed, progress, checkpoints.
   * @returns The ELBO history and timings.
   * @throws Error naming the step and sample when the target returns arrays of the
   *   wrong length or values that are not finite, or returns a promise.
   * @throws NonFiniteError (from the trainer) when the weights' gradient stops being finite.
   * @example
   * ```ts
   * import { VariationalPosterior } from "./variational.ts";
   * import { silentProgress } from "../training/progress.ts";
   * // Box [0, 1]², likelihood centred at (0.05, 0.6): the posterior leans on the θ₁ = 0 edge.
   * const logLik = (t: Float64Array, n: number) => ({
   *   logDensity: Float64Array.from({ length: n }, (_, i) =>
   *     -0.5 * (((t[2 * i] - 0.05) / 0.1) ** 2 + ((t[2 * i + 1] - 0.6) / 0.2) ** 2)),
   *   gradient: Float64Array.from(t, (v, k) => (k % 2 === 0 ? -(v - 0.05) / 0.01 : -(v - 0.6) / 0.04)),
   * });
   * const q = new VariationalPosterior({ dims: 2, bounds: { low: [0, 0], high: [1, 1] }, flowSteps: 1, hiddenLayers: [8] });
   * const r = await q.fit(logLik, {
   *   steps: 30,
   *   samplesPerStep: 8,
   *   learningRate: [2e-2, 10, 0.5], // halved every 10 steps
   *   gradNormThresh: 100,
   *   progress: silentProgress,
   * });
   * console.log(r.elbo.length, r.targetEvaluations); // 30 240
   * q.dispose();
   * ```
   */
  async fit(
    logTarget: LogDensityWithGradient,
    options: VariationalFitOptions,
  ): Promise<VariationalFitReport> {
    const flow = this.#ready();
    const d = this.dims;
    const steps = options.steps;
    if (!Number.isInteger(steps) || steps < 1) {
      throw new Error(`steps must be a positive integer, got ${steps}`);
    }
    const samples = options.samplesPerStep ?? 16;
    if (!Number.isInteger(samples) || samples < 1) {
      throw new Error(`samplesPerStep must be a positive integer, got ${samples}`);
    }
    const learningRate = options.learningRate ?? 1e-3;
    const window = options.smoothingWindow ?? 50;
    if (!Number.isInteger(window) || window < 1) {
      throw new Error(`smoothingWindow must be a positive integer, got ${window}`);
    }
    const every = options.reportEvery ?? Math.max(1, Math.round(steps / 20));
    if (!Number.isInteger(every) || every < 1) {
      throw new Error(`reportEvery must be a positive integer, got ${every}`);
    }
    const transform = this.#transform;
    const estimator = options.gradientEstimator ?? "total";
    if (estimator !== "path" && estimator !== "total") {
      throw new Error(`gradientEstimator must be "path" or "total", got ${String(estimator)}`);
    }
    const pathDerivative = estimator === "path";

    let targetCalls = 0, targetEvaluations = 0, targetMs = 0;
    let latest = { elbo: NaN, logTarget: NaN, entropy: NaN };
    const loss: FlowLoss = (f, batch, { training }) => {
      const eps = batch.x as tf.Tensor2D;
      const n = eps.shape[0];
      const { value: u, logDet } = f.bijector.inverseAndLogDet(eps, { training });
      const uValues = u.dataSync(), epsValues = eps.dataSync(), ldValues = logDet.dataSync();
      const theta = transform.toBounded(uValues);
      const logJ = transform.logDetToBounded(uValues, d);
      const t0 = performance.now();
      const out = logTarget(theta, n);
      targetMs += performance.now() - t0;
      targetCalls++;
      targetEvaluations += n;
      const step = targetCalls;
      if (
        out === null || typeof out !== "object" ||
        typeof (out as { then?: unknown }).then === "function"
      ) {
        throw new Error(
          "logTarget must return { logDensity, gradient } synchronously (it returned " +
            `${out === null || typeof out !== "object" ? String(out) : "a promise"})`,
        );
      }
      const { logDensity, gradient } = out;
      if (!logDensity || logDensity.length !== n) {
        throw new Error(
          `logTarget returned logDensity of length ${logDensity?.length} for ${n} points ` +
            `(θ of ${n} rows × ${d} parameters): expected one value per point`,
        );
      }
      if (!gradient || gradient.length !== n * d) {
        throw new Error(
          `logTarget returned gradient of length ${gradient?.length} for ${n} points of ${d} ` +
            `parameters: expected ${n * d} (row-major ${n} × ${d})`,
        );
      }
      let elbo = 0, lt = 0, entropy = 0;
      for (let s = 0; s < n; s++) {
        const value = logDensity[s];
        if (!Number.isFinite(value)) {
          throw new Error(
            `logTarget returned a log-density of ${value} at point ${s} of fit step ${step}, ` +
              `θ = ${showRow(theta, s, d)}: the target must be finite wherever q puts mass` +
              (this.bounds ? " (everywhere inside the box)" : ""),
          );
        }
        let sq = 0;
        for (let j = 0; j < d; j++) {
          const i = s * d + j;
          const g = gradient[i];
          if (!Number.isFinite(g)) {
            throw new Error(
              `logTarget returned a gradient of ${g} at point ${s}, parameter ${j} of fit step ` +
                `${step}, θ = ${showRow(theta, s, d)}`,
            );
          }
          sq += epsValues[i] * epsValues[i];
        }
        // log q(u) = log N(ε) − log |det ∂u/∂ε|;  log q(θ) = log q(u) − log |dθ/du|.
        const logQTheta = -0.5 * sq - 0.5 * d * LOG_2PI - ldValues[s] - logJ[s];
        elbo += value - logQTheta;
        lt += value;
        entropy -= logQTheta;
      }
      latest = { elbo: elbo / n, logTarget: lt / n, entropy: entropy / n };
      // ∇_u of log target(θ(u)) + log |dθ/du|: the box map's chain rule.
      const gU = Float32Array.from(transform.pullBack(uValues, d, null, gradient).gradient);
      if (pathDerivative) {
        // Sticking the landing: ∇_u log q(u) at these u, held fixed, so the weights'
        // gradient of −log q(u(ε)) flows through u alone.
        const score = scoreOfFlow(f, uValues as Float32Array, n, d);
        for (let i = 0; i < gU.length; i++) gU[i] -= score[i];
      }
      const pull = tf.mul(tf.sum(tf.mul(u, tf.tensor2d(gU, [n, d]))), -1 / n);
      return {
        total: (pathDerivative ? pull : tf.sub(pull, tf.mean(logDet))) as tf.Scalar,
        terms: {
          elbo: tf.scalar(latest.elbo),
          logTarget: tf.scalar(latest.logTarget),
          entropy: tf.scalar(latest.entropy),
        },
      };
    };

    const result = await trainFlow(flow, new BaseSampleSource(samples, d), {
      epochs: steps,
      batchSize: samples,
      learningRate,
      seed: options.seed ?? this.seed,
      gradNormThresh: options.gradNormThresh ?? 0,
      statisticsExamples: 0,
      loss,
      checkpointDir: options.checkpointDir,
      checkpointEveryNEpochs: options.checkpointEvery ?? 100,
      resume: options.resume,
      progress: new StepProgress(
        options.progress ?? new ConsoleProgress(),
        () => latest,
        every,
        learningRate,
      ),
    });
    const elbo = result.history.map((h) => h.terms?.elbo ?? NaN);
    const smoothed = trailingMean(elbo, window);
    const stepsThisRun = result.steps - result.resumedFromEpoch;
    this.#report = {
      steps: result.steps,
      resumedFromStep: result.resumedFromEpoch,
      samplesPerStep: samples,
      elbo,
      elboSmoothed: smoothed,
      logTarget: result.history.map((h) => h.terms?.logTarget ?? NaN),
      entropy: result.history.map((h) => h.terms?.entropy ?? NaN),
      gradNorm: result.history.map((h) => h.gradNorm),
      finalElbo: smoothed.length ? smoothed[smoothed.length - 1] : NaN,
      seconds: result.wallSeconds,
      msPerStep: stepsThisRun > 0 ? (result.wallSeconds * 1000) / stepsThisRun : 0,
      targetCalls,
      targetEvaluations,
      targetSeconds: targetMs / 1000,
    };
    return this.#report;
  }

  /**
   * Draws from q together with each draw's `log q(θ)` (the density the ELBO
   * uses, computed along the sampling path `ε → u → θ`).
   * @param n Number of samples.
   * @param options Seed of the base draw. Default: the posterior's seed.
   * @returns Row-major `n × dims` samples (inside the box) and `n` log-densities.
   * @example
   * ```ts
   * import { VariationalPosterior } from "./variational.ts";
   * const q = new VariationalPosterior({ dims: 2, bounds: { low: [0, 0], high: [1, 2] }, seed: 1 });
   * const { theta, logProb } = await q.sampleWithLogProb(5, { seed: 3 });
   * console.log(theta.length, logProb.length); // 10 5
   * q.dispose();
   * ```
   */
  sampleWithLogProb(
    n: number,
    options: { seed?: number } = {},
  ): Promise<{ theta: Float64Array; logProb: Float64Array }> {
    try {
      return Promise.resolve(this.#sampleWithLogProb(n, options.seed ?? this.seed));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #sampleWithLogProb(n: number, seed: number): { theta: Float64Array; logProb: Float64Array } {
    const flow = this.#ready();
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(`The number of samples must be a positive integer, got ${n}`);
    }
    const d = this.dims;
    const theta = new Float64Array(n * d), logProb = new Float64Array(n);
    const rng = new Rng(seed);
    for (let start = 0; start < n; start += CHUNK_ROWS) {
      const m = Math.min(CHUNK_ROWS, n - start);
      const eps = new Float32Array(m * d);
      for (let i = 0; i < eps.length; i++) eps[i] = rng.normal();
      const [u, logDet] = tf.tidy(() => {
        const r = flow.bijector.inverseAndLogDet(tf.tensor2d(eps, [m, d]), { training: false });
        return [r.value.dataSync(), r.logDet.dataSync()];
      });
      const logJ = this.#transform.logDetToBounded(u, d);
      theta.set(this.#transform.toBounded(u), start * d);
      for (let i = 0; i < m; i++) {
        // log q(θ) = log N(ε) − log |det ∂u/∂ε| − log |dθ/du|, as in the ELBO.
        let sq = 0;
        for (let j = 0; j < d; j++) sq += eps[i * d + j] * eps[i * d + j];
        logProb[start + i] = -0.5 * sq - 0.5 * d * LOG_2PI - logDet[i] - logJ[i];
      }
    }
    return { theta, logProb };
  }

  /**
   * Draws from q.
   * @param n Number of samples.
   * @param options Seed of the base draw (the same seed gives the same samples). Default: the
   *   posterior's seed.
   * @returns Row-major `n × dims` samples, inside the box when there is one.
   * @example
   * ```ts
   * import { VariationalPosterior } from "./variational.ts";
   * const q = new VariationalPosterior({ dims: 3, bounds: { low: [0, 0, 0], high: [1, 1, 1] } });
   * const theta = await q.sample(1000, { seed: 1 }); // before fitting: spread over the box
   * q.dispose();
   * ```
   */
  async sample(n: number, options: { seed?: number } = {}): Promise<Float64Array> {
    return (await this.sampleWithLogProb(n, options)).theta;
  }

  /**
   * `log q(θ)` of each row, in the units of θ (the box's Jacobian included);
   * −∞ outside the box or on its edges.
   * @param theta Row-major `m × dims` parameters.
   * @returns `m` log-densities.
   * @throws Error when `theta` is not whole rows of `dims` values.
   * @example
   * ```ts
   * import { VariationalPosterior } from "./variational.ts";
   * const q = new VariationalPosterior({ dims: 1, bounds: { low: [0], high: [1] }, initialScale: 1 });
   * const lq = await q.logProb([0.5, 0.9, 1.5]); // logit-normal density; −∞ for 1.5
   * q.dispose();
   * ```
   */
  logProb(theta: ArrayLike<number>): Promise<Float64Array> {
    try {
      return Promise.resolve(this.#logProb(theta));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #logProb(theta: ArrayLike<number>): Float64Array {
    const flow = this.#ready();
    const d = this.dims;
    const m = rowsOf(theta, d, "theta");
    const u = this.#transform.toUnbounded(theta);
    const out = new Float64Array(m);
    const valid = new Uint8Array(m).fill(1);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < d; j++) {
        const k = i * d + j;
        if (Number.isNaN(theta[k])) throw new Error(`theta holds NaN at row ${i}, column ${j}`);
        if (!Number.isFinite(u[k])) {
          valid[i] = 0;
          u[k] = 0;
        }
      }
    }
    const logJ = this.#transform.logDetToBounded(u, d);
    for (let start = 0; start < m; start += CHUNK_ROWS) {
      const rows = Math.min(CHUNK_ROWS, m - start);
      const lq = tf.tidy(() =>
        flow.logProb(
          tf.tensor2d(Float32Array.from(u.subarray(start * d, (start + rows) * d)), [rows, d]),
        )
          .dataSync()
      );
      for (let i = 0; i < rows; i++) {
        const r = start + i;
        out[r] = valid[r] ? lq[i] - logJ[r] : -Infinity;
      }
    }
    return out;
  }

  /**
   * Saves the flow, the box, the architecture and the last report to a
   * folder (`model.json` + `weights.bin`, written atomically).
   * @param dir The folder; replaced if it exists.
   * @example
   * ```ts
   * import { loadVariationalPosterior, VariationalPosterior } from "./variational.ts";
   * const q = new VariationalPosterior({ dims: 2, bounds: { low: [0, 0], high: [1, 1] }, seed: 1 });
   * const dir = await Deno.makeTempDir();
   * await q.save(dir);
   * const again = await loadVariationalPosterior(dir);
   * console.log(again.dims, again.bounds?.high); // 2 [1, 1]
   * q.dispose();
   * again.dispose();
   * ```
   */
  async save(dir: string): Promise<void> {
    const record: VariationalRecord = {
      format: RECORD_FORMAT,
      dims: this.dims,
      bounds: this.bounds,
      boxMap: this.#transform.map,
      architecture: this.architecture,
      seed: this.seed,
      report: this.#report,
    };
    await saveFlow(this.#ready(), dir, { variational_posterior: record });
  }

  /** Frees the flow's variables. */
  dispose(): void {
    this.#flow?.dispose();
    this.#flow = null;
  }
}

/**
 * Loads a posterior saved by {@link VariationalPosterior.save}.
 * @param dir The folder.
 * @returns The posterior, ready to sample, score or fit further.
 * @throws Error naming the folder when it holds no variational posterior.
 * @example
 * ```ts
 * import { loadVariationalPosterior, VariationalPosterior } from "./variational.ts";
 * const dir = await Deno.makeTempDir();
 * const q = new VariationalPosterior({ dims: 2, seed: 4 });
 * await q.save(dir);
 * const again = await loadVariationalPosterior(dir);
 * const same = (await again.sample(3, { seed: 1 }))[0] === (await q.sample(3, { seed: 1 }))[0]; // true
 * q.dispose();
 * again.dispose();
 * ```
 */
export async function loadVariationalPosterior(dir: string): Promise<VariationalPosterior> {
  const flow = await loadFlow(dir);
  const record = flow.metadata?.variational_posterior as VariationalRecord | undefined;
  if (!record || record.format !== RECORD_FORMAT) {
    flow.dispose();
    throw new Error(`${dir}/model.json holds no variational posterior`);
  }
  try {
    restoring = { flow, report: record.report };
    const q = new VariationalPosterior({
      dims: record.dims,
      bounds: record.bounds,
      boxMap: record.boxMap ?? "logistic",
      flowSteps: record.architecture.flowSteps,
      hiddenLayers: record.architecture.hiddenLayers,
      fullRank: record.architecture.fullRank ?? false,
      seed: record.seed,
    });
    return q;
  } catch (e) {
    restoring = null;
    flow.dispose();
    throw e;
  }
}

/** What {@link checkTargetGradient} found. */
export interface TargetGradientCheck {
  /** Largest relative difference between the analytic and finite-difference slopes. */
  maxRelativeError: number;
  /** Per direction: the analytic slope `g·v` and the central difference. */
  directions: { analytic: number; finiteDifference: number }[];
}

/**
 * Compares a target's gradient with central finite differences of its
 * log-density along random unit directions at one point — a check of an
 * adjoint or hand-derived gradient before fitting.
 * @param logTarget The target.
 * @param theta One point (`dims` values).
 * @param options `step` of the differences (default `1e-4 · (1 + max |θ|)`),
 *   `directions` (default 4), `seed` (default 0).
 * @returns The slopes and their largest relative difference.
 * @example
 * ```ts
 * import { checkTargetGradient } from "./variational.ts";
 * const target = (t: Float64Array, n: number) => ({
 *   logDensity: Float64Array.from({ length: n }, (_, i) => -(t[2 * i] ** 2) - Math.sin(t[2 * i + 1])),
 *   gradient: Float64Array.from(t, (v, k) => (k % 2 === 0 ? -2 * v : -Math.cos(v))),
 * });
 * checkTargetGradient(target, [0.3, 1.2]).maxRelativeError < 1e-6; // true
 * ```
 */
export function checkTargetGradient(
  logTarget: LogDensityWithGradient,
  theta: ArrayLike<number>,
  options: { step?: number; directions?: number; seed?: number } = {},
): TargetGradientCheck {
  const d = theta.length;
  const k = options.directions ?? 4;
  const h = options.step ?? 1e-4 * (1 + Math.max(...Array.from(theta, Math.abs)));
  const rng = new Rng(options.seed ?? 0);
  const at = logTarget(Float64Array.from(theta), 1);
  if (at.gradient.length !== d) {
    throw new Error(`logTarget returned a gradient of length ${at.gradient.length}, expected ${d}`);
  }
  const points = new Float64Array(2 * k * d);
  const dirs: Float64Array[] = [];
  for (let r = 0; r < k; r++) {
    const v = Float64Array.from({ length: d }, () => rng.normal());
    const norm = Math.hypot(...v);
    for (let j = 0; j < d; j++) {
      v[j] /= norm;
      points[2 * r * d + j] = theta[j] + h * v[j];
      points[(2 * r + 1) * d + j] = theta[j] - h * v[j];
    }
    dirs.push(v);
  }
  const values = logTarget(points, 2 * k).logDensity;
  let maxRelativeError = 0;
  const directions = dirs.map((v, r) => {
    let analytic = 0;
    for (let j = 0; j < d; j++) analytic += at.gradient[j] * v[j];
    const finiteDifference = (values[2 * r] - values[2 * r + 1]) / (2 * h);
    const err = Math.abs(analytic - finiteDifference) /
      Math.max(Math.abs(analytic), Math.abs(finiteDifference), 1e-12);
    maxRelativeError = Math.max(maxRelativeError, err);
    return { analytic, finiteDifference };
  });
  return { maxRelativeError, directions };
}
