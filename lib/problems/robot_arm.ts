/**
 * The planar robot arm of Ardizzone et al. 2019 and Kruse et al. 2021
 * ("Benchmarking invertible architectures on inverse problems", the
 * inverse-kinematics benchmark): an ill-posed inverse problem without noise.
 *
 * The arm starts on a vertical rail at height `x₁` and has three segments of
 * lengths `l = (0.5, 0.5, 1.0)`, turned by the joint angles `θ₁, θ₂, θ₃`, each
 * relative to the previous segment. The forward model gives the end point
 *
 * ```
 * y₁ =      l₁ cos θ₁ + l₂ cos(θ₁ + θ₂) + l₃ cos(θ₁ + θ₂ + θ₃)
 * y₂ = x₁ + l₁ sin θ₁ + l₂ sin(θ₁ + θ₂) + l₃ sin(θ₁ + θ₂ + θ₃)
 * ```
 *
 * with the parameters `x = (x₁, θ₁, θ₂, θ₃)` drawn from the prior
 * `N(0, diag(σ²))`, `σ = (0.25, 0.5, 0.5, 0.5)` — the conventions of the
 * benchmark's reference code (vislearn/inn_toy_data: rail start `(0, x₁)`,
 * cumulative angles). Four parameters, two observations: the posterior
 * `p(x | y*)` of one end point is a curved two-dimensional family of poses.
 *
 * The reference posterior is drawn by rejection (ABC with tolerance ε on the
 * end point). Because `y₂` is `x₁` plus a function of the angles, the rail
 * coordinate is integrated out exactly: propose the angles from the prior,
 * set `x₁ = y₂* − g(θ)`, and accept with probability
 * `exp(−x₁² / (2σ₁²))` when `|h(θ) − y₁*| < ε` (`h`, `g`: the angle parts of
 * `y₁`, `y₂`). Every accepted pose ends within ε of `y*` (exactly on the
 * line `y₂ = y₂*`), and the acceptance rate is one to two orders of magnitude
 * higher than for plain ABC on a disc of radius ε, which is available too
 * (`method: "abc"`).
 *
 * @module
 */
import {
  abcRejectionSample,
  type RejectionResult,
  rejectionSample,
} from "../inference/rejection.ts";
import { sampleCovariance, sampleMean } from "../linalg/covariance.ts";
import type { Rng } from "../core/random.ts";
import { type InverseProblem, type ReferencePosterior, simulatePairs } from "./problem.ts";

/** Segment lengths of the benchmark arm. */
export const ARM_LENGTHS: readonly number[] = [0.5, 0.5, 1.0];
/** Prior standard deviations of `(x₁, θ₁, θ₂, θ₃)`. */
export const ARM_PRIOR_STD: readonly number[] = [0.25, 0.5, 0.5, 0.5];
/** Names of the parameters, for plots and tables. */
export const ARM_PARAM_NAMES: readonly string[] = ["x₁ (rail)", "θ₁", "θ₂", "θ₃"];
/** Default tolerance ε of the reference posterior on the end point. */
export const ARM_DEFAULT_EPSILON = 0.005;

/** How the reference posterior is drawn. */
export type ArmReferenceMethod = "abc-rail-exact" | "abc";

/** Options of {@link RobotArm.abcPosterior}. */
export interface ArmAbcOptions {
  /** Tolerance ε on the end point. Default: the arm's ({@link ARM_DEFAULT_EPSILON}). */
  epsilon?: number;
  /** Seed of the proposals. Default 0. */
  seed?: number;
  /** Largest number of proposals. Default: the arm's (200 000 000). */
  maxTries?: number;
  /** `abc-rail-exact` (x₁ integrated exactly) or `abc` (plain ABC on a disc). Default: the arm's. */
  method?: ArmReferenceMethod;
}

/** An ABC posterior sample and how it was obtained. */
export interface ArmAbcResult {
  /** Samples `[n × 4]`, row-major. */
  samples: Float64Array;
  /** Tolerance used. */
  epsilon: number;
  /** Method used. */
  method: ArmReferenceMethod;
  /** Proposals drawn. */
  tries: number;
  /** Accepted / proposed. */
  acceptanceRate: number;
  /** Largest distance between an accepted pose's end point and `y*`. */
  maxDistance: number;
  /** Seconds taken. */
  seconds: number;
}

/** Options of {@link RobotArm}. */
export interface RobotArmOptions {
  /** Segment lengths, three positive numbers. Default {@link ARM_LENGTHS}. */
  lengths?: readonly number[];
  /** Prior standard deviations, four positive numbers. Default {@link ARM_PRIOR_STD}. */
  priorStd?: readonly number[];
  /** Tolerance ε of the reference posterior. Default {@link ARM_DEFAULT_EPSILON}. */
  epsilon?: number;
  /** Method of the reference posterior. Default `abc-rail-exact`. */
  referenceMethod?: ArmReferenceMethod;
  /** Largest number of proposals per reference posterior. Default 200 000 000. */
  maxTries?: number;
}

function checkPositive(name: string, values: readonly number[], count: number): number[] {
  if (values.length !== count || !values.every((v) => Number.isFinite(v) && v > 0)) {
    throw new Error(`${name} must be ${count} positive numbers, got [${values.join(", ")}]`);
  }
  return [...values];
}

function checkEpsilon(epsilon: number): number {
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) {
    throw new Error(`Tolerance epsilon must be a positive number, got ${epsilon}`);
  }
  return epsilon;
}

/**
 * The planar robot arm as an {@link InverseProblem}: prior, forward
 * kinematics, joint positions for drawing, and the ABC reference posterior.
 */
export class RobotArm implements InverseProblem {
  /** Short name. */
  readonly name = "robot_arm";
  /** One line for logs and titles. */
  readonly description =
    "planar robot arm: rail height x₁ and three joint angles → 2-D end point, no noise";
  /** Number of parameters `(x₁, θ₁, θ₂, θ₃)`. */
  readonly dimX = 4;
  /** Number of observations `(y₁, y₂)`. */
  readonly dimY = 2;
  /** Parameter names. */
  readonly paramNames: readonly string[] = ARM_PARAM_NAMES;
  /** No observation noise. */
  readonly noise = 0;
  /** Segment lengths. */
  readonly lengths: readonly number[];
  /** Prior standard deviations. */
  readonly priorStd: readonly number[];
  /** Tolerance ε of the reference posterior. */
  readonly epsilon: number;
  /** Method of the reference posterior. */
  readonly referenceMethod: ArmReferenceMethod;
  /** Largest number of proposals per reference posterior. */
  readonly maxTries: number;

  /**
   * @param options Segment lengths, prior widths and reference settings; the benchmark's by default.
   * @throws Error when a length, width or ε is not a positive number.
   * @example
   * ```ts
   * import { RobotArm } from "./robot_arm.ts";
   * const arm = new RobotArm();
   * console.log(arm.forward([0, 0, 0, 0])); // Float64Array [2, 0]
   * ```
   */
  constructor(options: RobotArmOptions = {}) {
    this.lengths = checkPositive("Segment lengths", options.lengths ?? ARM_LENGTHS, 3);
    this.priorStd = checkPositive(
      "Prior standard deviations",
      options.priorStd ?? ARM_PRIOR_STD,
      4,
    );
    this.epsilon = checkEpsilon(options.epsilon ?? ARM_DEFAULT_EPSILON);
    this.referenceMethod = options.referenceMethod ?? "abc-rail-exact";
    this.maxTries = options.maxTries ?? 200_000_000;
  }

  /**
   * Draws parameters from the prior `N(0, diag(σ²))`.
   * @param n Number of draws.
   * @param rng Random source.
   * @returns `[n × 4]`, row-major.
   */
  priorSample(n: number, rng: Rng): Float64Array {
    if (!Number.isInteger(n) || n < 0) throw new Error(`n must be an integer ≥ 0, got ${n}`);
    const out = new Float64Array(n * 4);
    for (let i = 0; i < n * 4; i++) out[i] = this.priorStd[i % 4] * rng.normal();
    return out;
  }

  /**
   * The end point of one pose.
   * @param x `(x₁, θ₁, θ₂, θ₃)`, or a longer row-major array with `offset`.
   * @param offset Index of `x₁` in `x`. Default 0.
   * @returns `[y₁, y₂]`.
   * @example
   * ```ts
   * import { RobotArm } from "./robot_arm.ts";
   * new RobotArm().endPoint([0.3, Math.PI / 2, 0, 0]); // ≈ [0, 2.3]
   * ```
   */
  endPoint(x: ArrayLike<number>, offset = 0): [number, number] {
    const [l1, l2, l3] = this.lengths;
    const a1 = x[offset + 1], a2 = a1 + x[offset + 2], a3 = a2 + x[offset + 3];
    return [
      l1 * Math.cos(a1) + l2 * Math.cos(a2) + l3 * Math.cos(a3),
      x[offset] + l1 * Math.sin(a1) + l2 * Math.sin(a2) + l3 * Math.sin(a3),
    ];
  }

  /**
   * The forward model: the end point of one pose.
   * @param x `(x₁, θ₁, θ₂, θ₃)`.
   * @returns `[y₁, y₂]`.
   * @throws Error when `x` does not hold 4 values.
   */
  forward(x: ArrayLike<number>): Float64Array {
    if (x.length !== 4) throw new Error(`A pose has 4 values (x₁, θ₁, θ₂, θ₃), got ${x.length}`);
    return Float64Array.from(this.endPoint(x));
  }

  /**
   * End points of many poses.
   * @param x `[n × 4]`, row-major.
   * @returns `[n × 2]`, row-major.
   * @throws Error when the length is not a multiple of 4.
   */
  endPoints(x: ArrayLike<number>): Float64Array {
    if (x.length % 4 !== 0) {
      throw new Error(`Poses must come as rows of 4 values, got ${x.length} values`);
    }
    const n = x.length / 4;
    const out = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) out.set(this.endPoint(x, 4 * i), 2 * i);
    return out;
  }

  /**
   * The rail start, the two inner joints and the end point of one pose.
   * @param x Poses, row-major.
   * @param i Which pose. Default 0.
   * @returns Four points `[x, y]`, from the rail to the end point.
   */
  joints(x: ArrayLike<number>, i = 0): [number, number][] {
    const o = 4 * i;
    const points: [number, number][] = [[0, x[o]]];
    let angle = 0;
    for (let k = 0; k < 3; k++) {
      angle += x[o + 1 + k];
      const [px, py] = points[k];
      points.push([
        px + this.lengths[k] * Math.cos(angle),
        py + this.lengths[k] * Math.sin(angle),
      ]);
    }
    return points;
  }

  /**
   * Samples the posterior `p(x | y*)` by rejection: ABC with tolerance ε on the end point.
   * @param observed The end point `y*`.
   * @param n Number of samples.
   * @param options Tolerance ε, method, seed, largest number of proposals.
   * @returns Samples with ε, acceptance rate, largest end-point distance and time.
   * @throws Error when `y*` is not two finite numbers, ε is not positive, or
   *   `maxTries` proposals do not yield `n` samples (the message gives the rate).
   * @example
   * ```ts
   * import { RobotArm } from "./robot_arm.ts";
   * const r = new RobotArm().abcPosterior([1.8, 0.4], 500, { epsilon: 0.01, seed: 1 });
   * console.log(r.maxDistance < 0.01, r.acceptanceRate);
   * ```
   */
  abcPosterior(observed: ArrayLike<number>, n: number, options: ArmAbcOptions = {}): ArmAbcResult {
    const y = Array.from(observed);
    if (y.length !== 2 || !y.every(Number.isFinite)) {
      throw new Error(`The end point y* must be two finite numbers, got [${y}]`);
    }
    const epsilon = checkEpsilon(options.epsilon ?? this.epsilon);
    const method = options.method ?? this.referenceMethod;
    const maxTries = options.maxTries ?? this.maxTries;
    const seed = options.seed ?? 0;
    const [y1, y2] = y;
    const [l1, l2, l3] = this.lengths;
    const [s0, s1, s2, s3] = this.priorStd;
    const t0 = performance.now();
    let result: RejectionResult;
    let samples: Float64Array;
    if (method === "abc") {
      result = abcRejectionSample({
        n,
        priorSample: (rng) => [
          s0 * rng.normal(),
          s1 * rng.normal(),
          s2 * rng.normal(),
          s3 * rng.normal(),
        ],
        simulate: (x) => this.endPoint(x),
        observed: y,
        epsilon,
        seed,
        maxTries,
      });
      samples = result.samples;
    } else if (method === "abc-rail-exact") {
      // Propose the angles; x₁ = y₂* − g(θ) is then fixed, and its prior density
      // N(x₁; 0, σ₁²) relative to its maximum is the acceptance probability.
      const inv = 1 / (s0 * s0);
      result = rejectionSample({
        n,
        priorSample: (rng) => [s1 * rng.normal(), s2 * rng.normal(), s3 * rng.normal()],
        logLikelihood: (t) => {
          const a1 = t[0], a2 = a1 + t[1], a3 = a2 + t[2];
          const h = l1 * Math.cos(a1) + l2 * Math.cos(a2) + l3 * Math.cos(a3);
          if (!(Math.abs(h - y1) < epsilon)) return -Infinity;
          const rail = y2 - (l1 * Math.sin(a1) + l2 * Math.sin(a2) + l3 * Math.sin(a3));
          return -0.5 * rail * rail * inv;
        },
        logLikelihoodBound: 0,
        seed,
        maxTries,
      });
      samples = new Float64Array(n * 4);
      for (let i = 0; i < n; i++) {
        const t = result.samples.subarray(3 * i, 3 * i + 3);
        const a1 = t[0], a2 = a1 + t[1], a3 = a2 + t[2];
        const g = l1 * Math.sin(a1) + l2 * Math.sin(a2) + l3 * Math.sin(a3);
        samples.set([y2 - g, t[0], t[1], t[2]], 4 * i);
      }
    } else {
      throw new Error(`Reference method must be "abc-rail-exact" or "abc", got "${method}"`);
    }
    let maxDistance = 0;
    for (let i = 0; i < n; i++) {
      const [e1, e2] = this.endPoint(samples, 4 * i);
      maxDistance = Math.max(maxDistance, Math.hypot(e1 - y1, e2 - y2));
    }
    return {
      samples,
      epsilon,
      method,
      tries: result.tries,
      acceptanceRate: result.acceptanceRate,
      maxDistance,
      seconds: (performance.now() - t0) / 1000,
    };
  }

  /**
   * The reference posterior of {@link InverseProblem}: {@link abcPosterior} with
   * the arm's ε and method, its sample mean and covariance, and the ABC
   * facts (ε, acceptance rate, proposals, largest end-point distance) as diagnostics.
   * @param y The end point `y*`.
   * @param n Number of samples.
   * @param seed Seed of the proposals.
   * @returns The reference posterior (not exact: ε > 0).
   */
  referencePosterior(y: ArrayLike<number>, n: number, seed: number): ReferencePosterior {
    const r = this.abcPosterior(y, n, { seed });
    return {
      method: r.method === "abc" ? `ABC (ε = ${r.epsilon})` : `ABC, rail exact (ε = ${r.epsilon})`,
      samples: r.samples,
      mean: sampleMean(r.samples, 4),
      cov: sampleCovariance(r.samples, 4),
      exact: false,
      diagnostics: {
        method: r.method,
        epsilon: r.epsilon,
        acceptance_rate: r.acceptanceRate,
        tries: r.tries,
        max_end_point_distance: r.maxDistance,
        seconds: r.seconds,
      },
    };
  }
}

/**
 * Targets `y* = f(x)` of `count` poses drawn from the prior: test observations
 * distributed like the data, as Kruse et al. draw theirs.
 * @param arm The arm.
 * @param count Number of targets.
 * @param seed Seed.
 * @returns The true poses `[count × 4]` and their end points `[count × 2]`.
 * @example
 * ```ts
 * import { armTargets, RobotArm } from "./robot_arm.ts";
 * const { y } = armTargets(new RobotArm(), 3, 1); // 3 end points
 * ```
 */
export function armTargets(
  arm: RobotArm,
  count: number,
  seed: number,
): { x: Float64Array; y: Float64Array } {
  const { x, y } = simulatePairs(arm, count, seed);
  return { x, y };
}
