/**
 * Application 6's nonlinear problem: a ballistic throw with air drag, after
 * the "inverse ballistics" benchmark of Kruse et al. 2021. An object of mass
 * `m` is thrown from `(x₀, h)` at angle `α` with speed `v` under gravity `g`
 * and linear (Stokes) drag `k`; the observation is where it lands, with
 * Gaussian noise σ. Four unknowns, one datum: the posterior is a curved,
 * noise-thickened shell of throws that land at the same place.
 *
 * With `τ = m/k` and the terminal speed `v_T = gτ`, the path is
 *
 *   x(t) = x₀ + τ v cos α (1 − e^{−t/τ}),
 *   y(t) = h + τ (v sin α + v_T)(1 − e^{−t/τ}) − v_T t,
 *
 * and the impact time `t*` is the positive root of `y(t) = 0` (one root for
 * `h > 0`, found by Newton's method from the right, where `y` is concave).
 *
 * Priors, following Kruse et al. with their two non-Gaussian priors replaced
 * by Gaussians of the same centre and about the same spread, so that the
 * posterior has a density everywhere (a flow cannot put mass on integers, and
 * MCMC wants a continuous target): `x₀ ~ N(0, 0.5²)`, `h ~ N(1.5, 0.5²)`,
 * `α ~ N(45°, 15²)` (theirs: uniform on 9°–81°), `v ~ N(15, 15)` (theirs:
 * Poisson(15), the same mean and variance); truncated to the physical range
 * `h > 0`, `0 < α < 90°`, `v > 0`, which cuts off under 0.5 % of the mass.
 * The reference posterior is adaptive random-walk Metropolis
 * ({@link ../inference/mcmc.ts sampleMcmc}) with split-R̂ and ESS.
 *
 * @module
 */
import { mcmcReferencePosterior } from "./reference_posteriors.ts";
import { Rng } from "../core/random.ts";
import type { ReferenceMcmcOptions } from "./two_exponentials.ts";
import { gaussianLogLikelihood, type InverseProblem, type ReferencePosterior } from "./problem.ts";

/** Physical constants of the throw. */
export interface BallisticPhysics {
  /** Gravity g in m/s². Default 9.81. */
  gravity?: number;
  /** Linear drag coefficient k in kg/s. Default 0.25. */
  drag?: number;
  /** Mass m in kg. Default 0.2. */
  mass?: number;
}

/** Settings of {@link BallisticDrag}. */
export interface BallisticDragOptions extends BallisticPhysics {
  /** Noise standard deviation σ of the impact point in m (> 0). Default {@link BALLISTIC_DEFAULT_NOISE}. */
  noise?: number;
  /** MCMC settings of the reference posterior. */
  mcmc?: ReferenceMcmcOptions;
}

/** Default noise standard deviation of the impact point, in m. */
export const BALLISTIC_DEFAULT_NOISE = 0.25;
/** Prior means of `(x₀, h, α, v)`: m, m, rad, m/s. */
export const BALLISTIC_PRIOR_MEAN: readonly number[] = [0, 1.5, Math.PI / 4, 15];
/** Prior standard deviations of `(x₀, h, α, v)`. */
export const BALLISTIC_PRIOR_STD: readonly number[] = [0.5, 0.5, Math.PI / 12, Math.sqrt(15)];

/** Whether `(x₀, h, α, v)` lies in the physical range `h > 0`, `0 < α < π/2`, `v > 0`. */
function inRange(x: ArrayLike<number>): boolean {
  return x[1] > 0 && x[2] > 0 && x[2] < Math.PI / 2 && x[3] > 0;
}

/**
 * Where a throw with linear drag lands: the `x` of the path at its last root of `y(t) = 0`.
 * Outside the physical range the throw is first moved to its edge (`h → max(h, 0)`, `α`
 * into `[0, π/2]`, `v → max(v, 0)`), so the forward model is finite and continuous
 * everywhere — for samples of a learned posterior that stray outside the prior's support.
 * @param x `(x₀, h, α, v)`: start position, start height, angle in rad, speed.
 * @param physics Gravity, drag coefficient and mass.
 * @returns The impact point in m.
 * @example
 * ```ts
 * import { impactPoint } from "./ballistic_drag.ts";
 * impactPoint([0, 1.5, Math.PI / 4, 15]); // ≈ 7.7 m (without drag it would be ≈ 24 m)
 * ```
 */
export function impactPoint(x: ArrayLike<number>, physics: BallisticPhysics = {}): number {
  if (x.length !== 4) {
    throw new Error(`A throw is (x0, h, angle, speed), 4 values, got ${x.length}`);
  }
  const g = physics.gravity ?? 9.81, k = physics.drag ?? 0.25, m = physics.mass ?? 0.2;
  const tau = m / k, vT = g * tau;
  const x0 = x[0], h = Math.max(x[1], 0), v = Math.max(x[3], 0);
  const angle = Math.min(Math.max(x[2], 0), Math.PI / 2);
  const vx = v * Math.cos(angle), vy = v * Math.sin(angle);
  const a = tau * (vy + vT);
  // y(t) = h + a(1 − e^{−t/τ}) − v_T t ≤ h + a − v_T t, so y ≤ 0 at t = (h + a)/v_T; y is
  // concave, so Newton's method from there moves left monotonically onto the last root.
  let t = (h + a) / vT;
  for (let i = 0; i < 100; i++) {
    // 1 − e^{−t/τ} as −expm1(−t/τ): exact also when drag is tiny (τ huge).
    const rise = -Math.expm1(-t / tau);
    const y = h + a * rise - vT * t;
    const dy = (vy + vT) * (1 - rise) - vT;
    if (dy === 0) break;
    const step = y / dy;
    t = Math.max(t - step, 0);
    if (Math.abs(step) < 1e-13 * Math.max(1, t)) break;
  }
  return x0 + tau * vx * -Math.expm1(-t / tau);
}

/** The inverse ballistics problem with drag and a noisy impact point. */
export class BallisticDrag implements InverseProblem {
  readonly name = "ballistic";
  readonly description: string;
  readonly dimX = 4;
  readonly dimY = 1;
  readonly paramNames: readonly string[] = ["x0", "h", "angle", "speed"];
  readonly noise: number;
  /** Prior means of `(x₀, h, α, v)`. */
  readonly priorMean: readonly number[] = BALLISTIC_PRIOR_MEAN;
  /** Prior standard deviations of `(x₀, h, α, v)` (before truncation). */
  readonly priorStd: readonly number[] = BALLISTIC_PRIOR_STD;
  /** Gravity, drag coefficient and mass. */
  readonly physics: Readonly<Required<BallisticPhysics>>;
  readonly #mcmc: Required<ReferenceMcmcOptions>;
  readonly #options: BallisticDragOptions;

  /**
   * @param options Noise, physics and MCMC settings.
   * @throws Error when a setting is out of range.
   * @example
   * ```ts
   * import { BallisticDrag } from "./ballistic_drag.ts";
   * const p = new BallisticDrag();
   * p.forward([0, 1.5, Math.PI / 4, 15]); // [≈ 7.7]
   * ```
   */
  constructor(options: BallisticDragOptions = {}) {
    const noise = options.noise ?? BALLISTIC_DEFAULT_NOISE;
    if (!(noise > 0) || !Number.isFinite(noise)) {
      throw new Error(`Noise standard deviation must be a positive number, got ${noise}`);
    }
    const physics = { gravity: 9.81, drag: 0.25, mass: 0.2, ...stripUndefined(options) };
    for (const key of ["gravity", "drag", "mass"] as const) {
      if (!(physics[key] > 0) || !Number.isFinite(physics[key])) {
        throw new Error(`The ${key} must be a positive number, got ${physics[key]}`);
      }
    }
    this.noise = noise;
    this.physics = { gravity: physics.gravity, drag: physics.drag, mass: physics.mass };
    this.#mcmc = { chains: 4, warmup: 2000, draws: 5000, ...options.mcmc };
    this.#options = options;
    this.description = `ballistic: impact point of a throw with drag (start x0, height h, ` +
      `angle, speed; Kruse et al. 2021), noise σ = ${noise} m`;
  }

  /**
   * The same problem with another noise level.
   * @param noise σ > 0.
   * @returns A new problem.
   */
  withNoise(noise: number): BallisticDrag {
    return new BallisticDrag({ ...this.#options, noise });
  }

  priorSample(n: number, rng: Rng): Float64Array {
    const out = new Float64Array(n * 4);
    for (let i = 0; i < n; i++) {
      do {
        for (let j = 0; j < 4; j++) {
          out[i * 4 + j] = this.priorMean[j] + this.priorStd[j] * rng.normal();
        }
      } while (!inRange(out.subarray(i * 4, i * 4 + 4)));
    }
    return out;
  }

  forward(x: ArrayLike<number>): Float64Array {
    return Float64Array.of(impactPoint(x, this.physics));
  }

  /**
   * The unnormalised log-posterior `log p(x) + log p(y | x)`; −Infinity outside the
   * physical range.
   * @param x `(x₀, h, α, v)`.
   * @param y The observed impact point (length 1).
   * @returns Log-density in nats, up to a constant.
   */
  logPosterior(x: ArrayLike<number>, y: ArrayLike<number>): number {
    if (!inRange(x)) return -Infinity;
    let lp = 0;
    for (let j = 0; j < 4; j++) lp -= 0.5 * ((x[j] - this.priorMean[j]) / this.priorStd[j]) ** 2;
    return lp + gaussianLogLikelihood(this, x, y);
  }

  /**
   * Samples the posterior by adaptive random-walk Metropolis (full proposal covariance
   * learned in warm-up), chains started at prior draws that land near `y*`, and thins
   * the draws evenly to `n` samples.
   */
  referencePosterior(y: ArrayLike<number>, n: number, seed: number): ReferencePosterior {
    const { chains, warmup, draws } = this.#mcmc;
    const rng = new Rng(seed);
    // Start each chain at the best of a few hundred prior draws, so warm-up need not
    // find the thin shell of throws that land near y* first.
    const init = Array.from({ length: chains }, () => {
      let best: number[] = [], bestLp = -Infinity;
      for (let i = 0; i < 200; i++) {
        const x = Array.from(this.priorSample(1, rng));
        const lp = this.logPosterior(x, y);
        if (lp > bestLp) [best, bestLp] = [x, lp];
      }
      return best;
    });
    return mcmcReferencePosterior({
      logPosterior: (x) => this.logPosterior(x, y),
      init,
      warmup,
      draws,
      seed: rng.seed(),
      n,
    });
  }
}

function stripUndefined(o: BallisticPhysics): BallisticPhysics {
  return Object.fromEntries(
    Object.entries(o).filter(([k, v]) =>
      v !== undefined && ["gravity", "drag", "mass"].includes(k)
    ),
  );
}
