/**
 * Priors over the parameters θ of a simulator: objects that draw θ and give
 * its log-density, row by row. A box-uniform prior also says where θ may be
 * ({@link Prior.bounds}); the posterior estimator then works on the real
 * line through a fixed bijection and never returns a sample outside the box.
 *
 * @module
 */
import type { Rng } from "../core/random.ts";
import { MultivariateNormal } from "../inference/gaussian.ts";

/** What a prior saves, to be rebuilt by {@link priorFromConfig}. */
export type PriorConfig =
  | { type: "box_uniform"; low: number[]; high: number[] }
  | { type: "gaussian"; mean: number[]; cov: number[][] }
  | { type: "custom"; dim: number; name: string; bounds: { low: number[]; high: number[] } | null };

/** A prior over θ ∈ ℝ^dim. */
export interface Prior {
  /** Number of parameters. */
  readonly dim: number;
  /** Lower and upper bounds per parameter when the prior lives in a box, else null. */
  readonly bounds: { low: Float64Array; high: Float64Array } | null;
  /**
   * Draws `n` parameter vectors.
   * @param n How many.
   * @param rng The random source.
   * @returns Row-major `n × dim` values.
   */
  sample(n: number, rng: Rng): Float64Array;
  /**
   * Log-density of each row.
   * @param theta Row-major `n × dim` values.
   * @returns `n` log-densities (−∞ outside the support).
   */
  logProb(theta: ArrayLike<number>): Float64Array;
  /** What to save. */
  config(): PriorConfig;
}

function rowsOf(theta: ArrayLike<number>, dim: number, what: string): number {
  const n = theta.length / dim;
  if (!Number.isInteger(n)) {
    throw new Error(`${what}: ${theta.length} values are not rows of ${dim} parameters`);
  }
  return n;
}

/**
 * Independent uniform priors on `[low_j, high_j]`.
 * @example
 * ```ts
 * import { BoxUniformPrior } from "./priors.ts";
 * import { Rng } from "../core/random.ts";
 * const prior = new BoxUniformPrior([0, -1], [1, 1]);
 * const theta = prior.sample(3, new Rng(1)); // 3 rows inside the box
 * prior.logProb([0.5, 0, 2, 0]); // [log 1/2, −Infinity]
 * ```
 */
export class BoxUniformPrior implements Prior {
  readonly dim: number;
  readonly bounds: { low: Float64Array; high: Float64Array };
  readonly #logVolume: number;

  /**
   * @param low Lower bounds.
   * @param high Upper bounds, each above its lower bound.
   * @throws Error naming the first parameter whose bounds are not finite or not ordered.
   */
  constructor(low: ArrayLike<number>, high: ArrayLike<number>) {
    if (low.length !== high.length || low.length === 0) {
      throw new Error(
        `BoxUniformPrior needs as many upper as lower bounds, got ${high.length} and ${low.length}`,
      );
    }
    for (let j = 0; j < low.length; j++) {
      if (!(Number.isFinite(low[j]) && Number.isFinite(high[j]) && high[j] > low[j])) {
        throw new Error(
          `BoxUniformPrior: parameter ${j} needs finite bounds with low < high, got [${low[j]}, ${
            high[j]
          }]`,
        );
      }
    }
    this.dim = low.length;
    this.bounds = { low: Float64Array.from(low), high: Float64Array.from(high) };
    let v = 0;
    for (let j = 0; j < this.dim; j++) v += Math.log(high[j] - low[j]);
    this.#logVolume = v;
  }

  sample(n: number, rng: Rng): Float64Array {
    const { low, high } = this.bounds;
    const out = new Float64Array(n * this.dim);
    for (let i = 0; i < out.length; i++) {
      const j = i % this.dim;
      out[i] = low[j] + (high[j] - low[j]) * rng.uniform();
    }
    return out;
  }

  logProb(theta: ArrayLike<number>): Float64Array {
    const n = rowsOf(theta, this.dim, "BoxUniformPrior.logProb");
    const { low, high } = this.bounds;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let inside = true;
      for (let j = 0; j < this.dim; j++) {
        const v = theta[i * this.dim + j];
        if (!(v >= low[j] && v <= high[j])) inside = false;
      }
      out[i] = inside ? -this.#logVolume : -Infinity;
    }
    return out;
  }

  config(): PriorConfig {
    return {
      type: "box_uniform",
      low: Array.from(this.bounds.low),
      high: Array.from(this.bounds.high),
    };
  }
}

/**
 * A Gaussian prior `N(mean, cov)` (the toolkit's {@link MultivariateNormal});
 * `cov` may be a vector of variances (independent parameters) or a full
 * covariance matrix (rows).
 * @example
 * ```ts
 * import { GaussianPrior } from "./priors.ts";
 * import { Rng } from "../core/random.ts";
 * const prior = new GaussianPrior([0, 0], [[1, 0.5], [0.5, 1]]);
 * prior.sample(2, new Rng(1)).length; // 4
 * prior.logProb([0, 0]); // [−log(2π) − ½ log 0.75]
 * ```
 */
export class GaussianPrior implements Prior {
  readonly dim: number;
  readonly bounds = null;
  /** The distribution. */
  readonly normal: MultivariateNormal;

  /**
   * @param mean Mean vector.
   * @param cov Variances (one per parameter) or the covariance matrix as rows.
   * @throws Error when the sizes differ or the covariance is not positive definite.
   */
  constructor(mean: ArrayLike<number>, cov: ArrayLike<number> | ArrayLike<number>[]) {
    const d = mean.length;
    if (d === 0) throw new Error("GaussianPrior needs at least one parameter");
    if (cov.length !== d) {
      throw new Error(`GaussianPrior: cov must have ${d} rows or variances, got ${cov.length}`);
    }
    const rows = Array.from({ length: d }, (_, i) => {
      const row = cov[i];
      if (typeof row !== "number") return Array.from(row);
      if (!(row > 0 && Number.isFinite(row))) {
        throw new Error(`GaussianPrior: variance ${i} must be positive, got ${row}`);
      }
      return Array.from({ length: d }, (_, j) => (i === j ? row : 0));
    });
    this.dim = d;
    try {
      this.normal = new MultivariateNormal(mean, rows);
    } catch (e) {
      throw new Error(`GaussianPrior: ${(e as Error).message}`);
    }
  }

  sample(n: number, rng: Rng): Float64Array {
    return this.normal.sample(n, { rng });
  }

  logProb(theta: ArrayLike<number>): Float64Array {
    const d = this.dim;
    const n = rowsOf(theta, d, "GaussianPrior.logProb");
    return Float64Array.from(
      { length: n },
      (_, i) => this.normal.logDensity(Array.from({ length: d }, (_, j) => theta[i * d + j])),
    );
  }

  config(): PriorConfig {
    const { rows, data } = this.normal.cov;
    return {
      type: "gaussian",
      mean: Array.from(this.normal.mean),
      cov: Array.from(
        { length: rows },
        (_, i) => Array.from(data.subarray(i * rows, (i + 1) * rows)),
      ),
    };
  }
}

/** A user's prior: functions that draw and score rows, optionally bounded. */
export interface CustomPriorSpec {
  /** Number of parameters. */
  dim: number;
  /** A name for messages and the saved estimator. */
  name?: string;
  /** Draws `n` rows (row-major `n × dim`). */
  sample: (n: number, rng: Rng) => ArrayLike<number>;
  /** Log-density of each row of a row-major `n × dim` array. */
  logProb: (theta: ArrayLike<number>) => ArrayLike<number>;
  /** The box the prior lives in, if any (its samples must fall inside). */
  bounds?: { low: ArrayLike<number>; high: ArrayLike<number> };
}

/**
 * A prior from the user's own functions. A saved estimator with such a prior
 * records its name, dimension and bounds; loading it again needs the same
 * prior passed in.
 * @param spec The functions.
 * @returns The prior.
 * @example
 * ```ts
 * import { customPrior } from "./priors.ts";
 * // θ ~ Exponential(1), one parameter
 * const prior = customPrior({
 *   dim: 1,
 *   name: "exponential",
 *   sample: (n, rng) => Float64Array.from({ length: n }, () => -Math.log(1 - rng.uniform())),
 *   logProb: (t) => Float64Array.from(t, (v) => (v >= 0 ? -v : -Infinity)),
 * });
 * ```
 */
export function customPrior(spec: CustomPriorSpec): Prior {
  const { dim } = spec;
  if (!Number.isInteger(dim) || dim < 1) {
    throw new Error(`customPrior: dim must be a positive integer, got ${dim}`);
  }
  const name = spec.name ?? "custom";
  const bounds = spec.bounds
    ? { low: Float64Array.from(spec.bounds.low), high: Float64Array.from(spec.bounds.high) }
    : null;
  if (bounds) new BoxUniformPrior(bounds.low, bounds.high); // validates the box
  return {
    dim,
    bounds,
    sample(n, rng) {
      const out = Float64Array.from(spec.sample(n, rng));
      if (out.length !== n * dim) {
        throw new Error(
          `prior "${name}": sample(${n}) gave ${out.length} values, expected ${n * dim}`,
        );
      }
      return out;
    },
    logProb(theta) {
      const n = rowsOf(theta, dim, `prior "${name}".logProb`);
      const out = Float64Array.from(spec.logProb(theta));
      if (out.length !== n) {
        throw new Error(`prior "${name}": logProb gave ${out.length} values for ${n} rows`);
      }
      return out;
    },
    config: () => ({
      type: "custom",
      dim,
      name,
      bounds: bounds ? { low: Array.from(bounds.low), high: Array.from(bounds.high) } : null,
    }),
  };
}

/**
 * Rebuilds a saved prior. A custom prior cannot be rebuilt from its record:
 * pass the prior itself (it is checked against the record).
 * @param config The record.
 * @param given A prior to use instead (required for custom priors).
 * @returns The prior.
 * @throws Error when a custom prior is not given, or the given prior does not match the record.
 * @example
 * ```ts
 * import { BoxUniformPrior, priorFromConfig } from "./priors.ts";
 * const again = priorFromConfig(new BoxUniformPrior([0], [2]).config());
 * again.bounds?.high; // Float64Array [2]
 * ```
 */
export function priorFromConfig(config: PriorConfig, given?: Prior): Prior {
  if (given) {
    const saved = JSON.stringify(config);
    const mine = JSON.stringify(given.config());
    if (config.type !== "custom" && saved !== mine) {
      throw new Error(`The given prior ${mine} is not the saved one ${saved}`);
    }
    if (config.type === "custom" && given.dim !== config.dim) {
      throw new Error(`The given prior has ${given.dim} parameters, the saved one ${config.dim}`);
    }
    return given;
  }
  switch (config.type) {
    case "box_uniform":
      return new BoxUniformPrior(config.low, config.high);
    case "gaussian":
      return new GaussianPrior(config.mean, config.cov);
    case "custom":
      throw new Error(
        `This estimator was saved with the custom prior "${config.name}" (${config.dim} ` +
          `parameters): pass it again when loading ({ prior })`,
      );
  }
}
