/**
 * Bayesian travel-time tomography as a posterior problem (application 7, the
 * 2-D synthetic of Zhao, Curtis & Zhang 2022): velocities at the nodes of a
 * grid with a uniform prior on a box, first-arrival travel times between
 * stations from {@link TravelTimeModel}, Gaussian noise σ on every datum, a
 * true model (a background with a circular anomaly) and one noisy observation
 * of it. The log-likelihood and its gradient (by the adjoint of the eikonal
 * solver) are evaluated in float64 JavaScript, row by row, in the form the
 * variational posterior and HMC take.
 *
 * @module
 */
import { Rng } from "../core/random.ts";
import { TravelTimeModel, type TravelTimeModelOptions } from "./travel_time.ts";

/** The true velocity model: a constant background with a circular anomaly. */
export interface DiscModel {
  /** Velocity outside the disc, km/s. */
  background: number;
  /** Velocity inside the disc, km/s. */
  anomaly: number;
  /** Radius of the disc, km. */
  radius: number;
  /** Centre of the disc, km. */
  center: readonly [number, number];
}

/** Everything that defines a tomography problem; plain data (it crosses to workers). */
export interface TomographySettings {
  /** Grid, refinement and stations of the forward model. */
  model: TravelTimeModelOptions;
  /** Lower bound of the uniform prior at every node, km/s. */
  low: number;
  /** Upper bound of the uniform prior at every node, km/s. */
  high: number;
  /** Standard deviation of the Gaussian noise on every travel time, s. */
  noiseSigma: number;
  /** The model the observation is simulated from. */
  trueModel: DiscModel;
  /** Seed of the observation's noise. */
  seed: number;
}

/** Log-densities of `n` rows and their gradients (row-major `n × dims`). */
export interface LogDensitiesWithGradient {
  /** One log-density per row. */
  logDensity: Float64Array;
  /** Gradient of each row's log-density with respect to its parameters. */
  gradient: Float64Array;
}

/**
 * What is wrong with tomography settings, one message per problem, each naming the field.
 * Stations outside the grid and bad grids are reported by {@link TravelTimeModel} itself.
 * @param s The settings.
 * @returns Messages (empty when the settings are usable).
 * @example
 * ```ts
 * import { tomographySettingsErrors } from "./travel_time_tomography.ts";
 * tomographySettingsErrors({
 *   model: {}, low: 3, high: 0.5, noiseSigma: 0.05, seed: 1,
 *   trueModel: { background: 2, anomaly: 1, radius: 2, center: [0, 0] },
 * }); // ["the prior's lower bound (3) must be below its upper bound (0.5)", …]
 * ```
 */
export function tomographySettingsErrors(s: TomographySettings): string[] {
  const errors: string[] = [];
  if (!(s.low > 0 && Number.isFinite(s.low))) {
    errors.push(`the prior's lower bound must be a finite velocity > 0 km/s, got ${s.low}`);
  }
  if (!(s.high > 0 && Number.isFinite(s.high))) {
    errors.push(`the prior's upper bound must be a finite velocity > 0 km/s, got ${s.high}`);
  }
  if (!(s.low < s.high)) {
    errors.push(`the prior's lower bound (${s.low}) must be below its upper bound (${s.high})`);
  }
  if (!(s.noiseSigma > 0 && Number.isFinite(s.noiseSigma))) {
    errors.push(`the noise σ must be a finite time > 0 s, got ${s.noiseSigma}`);
  }
  const t = s.trueModel;
  for (const [name, v] of [["background", t.background], ["anomaly", t.anomaly]] as const) {
    if (!(v > 0 && Number.isFinite(v))) {
      errors.push(`the true model's ${name} velocity must be finite and > 0 km/s, got ${v}`);
    } else if (v < s.low || v > s.high) {
      errors.push(
        `the true model's ${name} velocity ${v} km/s lies outside the prior [${s.low}, ${s.high}]`,
      );
    }
  }
  if (!(t.radius >= 0 && Number.isFinite(t.radius))) {
    errors.push(`the true model's disc radius must be finite and ≥ 0 km, got ${t.radius}`);
  }
  return errors;
}

/**
 * The posterior problem of travel-time tomography with a uniform box prior.
 * @example
 * ```ts
 * import { TravelTimeTomography } from "./travel_time_tomography.ts";
 * const p = new TravelTimeTomography({
 *   model: { nodesX: 6, nodesY: 6, nodeSpacing: 2, refinement: 2 },
 *   low: 0.5, high: 3, noiseSigma: 0.05, seed: 1,
 *   trueModel: { background: 2, anomaly: 1, radius: 2, center: [0, 0] },
 * });
 * const { logDensity, gradient } = p.logLikelihoodWithGradient(p.trueVelocity, 1);
 * console.log(p.dims, logDensity[0], gradient.length); // 36, ≈ −60 (χ² ≈ 120 data), 36
 * ```
 */
export class TravelTimeTomography {
  /** The settings it was built from. */
  readonly settings: Readonly<TomographySettings>;
  /** The forward model. */
  readonly model: TravelTimeModel;
  /** Number of parameters (velocity nodes). */
  readonly dims: number;
  /** Number of data (station pairs). */
  readonly numData: number;
  /** The true velocity at every node. */
  readonly trueVelocity: Float64Array;
  /** Noise-free travel times of the true model. */
  readonly trueTimes: Float64Array;
  /** The observation: true times plus noise. */
  readonly observed: Float64Array;

  /**
   * @param settings Grid, stations, prior bounds, noise, true model and seed.
   * @throws RangeError listing every bad setting.
   */
  constructor(settings: TomographySettings) {
    const errors = tomographySettingsErrors(settings);
    if (errors.length) throw new RangeError(`Bad tomography settings: ${errors.join("; ")}`);
    this.settings = structuredClone(settings);
    this.model = new TravelTimeModel(settings.model);
    this.dims = this.model.numNodes;
    this.numData = this.model.numData;
    this.trueVelocity = discVelocity(this.model, settings.trueModel);
    this.trueTimes = this.model.travelTimes(this.trueVelocity);
    const rng = new Rng(settings.seed);
    this.observed = Float64Array.from(
      this.trueTimes,
      (t) => t + settings.noiseSigma * rng.normal(),
    );
  }

  /** Lower prior bound at every node. */
  get low(): number {
    return this.settings.low;
  }

  /** Upper prior bound at every node. */
  get high(): number {
    return this.settings.high;
  }

  /** Standard deviation of the uniform prior at every node, km/s. */
  get priorStd(): number {
    return (this.settings.high - this.settings.low) / Math.sqrt(12);
  }

  /**
   * Gaussian log-likelihood of the observation (without its constant) and its gradient,
   * for `n` velocity models stored row-major. Rows outside the box are still evaluated:
   * the prior is the caller's (it is constant inside the box).
   * @param velocity `n × dims` velocities, km/s (all > 0).
   * @param n Number of rows.
   * @returns Log-likelihoods and gradients with respect to the velocities.
   */
  logLikelihoodWithGradient(velocity: ArrayLike<number>, n: number): LogDensitiesWithGradient {
    const d = this.dims;
    if (velocity.length !== n * d) {
      throw new RangeError(`Expected ${n} × ${d} velocities, got ${velocity.length} values`);
    }
    const logDensity = new Float64Array(n), gradient = new Float64Array(n * d);
    const v = new Float64Array(d), sigma = this.settings.noiseSigma;
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < d; k++) v[k] = velocity[r * d + k];
      const out = this.model.misfitAndGradient(v, this.observed, sigma);
      logDensity[r] = -out.misfit;
      for (let k = 0; k < d; k++) gradient[r * d + k] = -out.gradient[k];
    }
    return { logDensity, gradient };
  }

  /**
   * The Gauss–Newton approximation `JᵀJ/σ²` of the negative log-likelihood's Hessian at a
   * velocity model (`J` the Jacobian of the travel times), a `dims × dims` row-major matrix:
   * a preconditioner for samplers (the likelihood's curvature without its second-order term).
   * @param velocity Velocity at every node.
   * @returns The matrix, row-major.
   */
  gaussNewtonHessian(velocity: ArrayLike<number>): Float64Array {
    const { jacobian } = this.model.jacobian(velocity);
    const d = this.dims, m = this.numData, s2 = this.settings.noiseSigma ** 2;
    const h = new Float64Array(d * d);
    for (let k = 0; k < m; k++) {
      const row = jacobian.subarray(k * d, (k + 1) * d);
      for (let i = 0; i < d; i++) {
        const ri = row[i] / s2;
        if (ri === 0) continue;
        for (let j = 0; j < d; j++) h[i * d + j] += ri * row[j];
      }
    }
    return h;
  }

  /**
   * χ² per datum of a velocity model against the observation.
   * @param velocity Velocity at every node.
   * @returns `Σ ((T − d)/σ)² / numData`.
   */
  chi2PerDatum(velocity: ArrayLike<number>): number {
    const times = this.model.travelTimes(velocity), s = this.settings.noiseSigma;
    let chi2 = 0;
    for (let k = 0; k < this.numData; k++) chi2 += ((times[k] - this.observed[k]) / s) ** 2;
    return chi2 / this.numData;
  }
}

/**
 * Node velocities of a disc model: the anomaly's velocity at nodes within the radius of
 * the centre, the background elsewhere.
 * @param model The forward model (its node grid).
 * @param disc The disc model.
 * @returns Velocity at every node, index `j·nx + i`.
 * @example
 * ```ts
 * import { TravelTimeModel } from "./travel_time.ts";
 * import { discVelocity } from "./travel_time_tomography.ts";
 * const v = discVelocity(new TravelTimeModel({ refinement: 1 }), {
 *   background: 2, anomaly: 1, radius: 2, center: [0, 0],
 * });
 * console.log(v[10 * 21 + 10], v[0]); // 1 (centre), 2 (corner)
 * ```
 */
export function discVelocity(model: TravelTimeModel, disc: DiscModel): Float64Array {
  const { nx, ny, spacing, x0, y0 } = model.nodes;
  const v = new Float64Array(nx * ny);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const dx = x0 + i * spacing - disc.center[0], dy = y0 + j * spacing - disc.center[1];
      v[j * nx + i] = Math.hypot(dx, dy) <= disc.radius + 1e-9 ? disc.anomaly : disc.background;
    }
  }
  return v;
}
