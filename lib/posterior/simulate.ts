/**
 * Simulating a training set for a posterior estimator: parameters from the
 * prior, data from the user's simulator, seeded, in batches, with a
 * progress line, and with a clear error for a simulator that returns the
 * wrong number of values or non-finite ones.
 *
 * @module
 */
import { Rng } from "../core/random.ts";
import type { Prior } from "./priors.ts";

/**
 * A simulator: one parameter vector in, one data vector out. The random
 * source is seeded by {@link simulateFromPrior}, so noise drawn from it is
 * reproducible.
 */
export type Simulator = (
  theta: Float64Array,
  rng: Rng,
) => ArrayLike<number> | Promise<ArrayLike<number>>;

/** Options of {@link simulateFromPrior}. */
export interface SimulateOptions {
  /** Seed of the prior draws and the simulator's random source. */
  seed: number;
  /** Simulations between progress lines and event-loop turns. Default 1000. */
  batchSize?: number;
  /** Where progress lines go (every batch, at most every 2 s). Default none. */
  progress?: (line: string) => void;
}

/** Simulated pairs, row-major. */
export interface SimulatedData {
  /** `n × dimTheta` parameters. */
  theta: Float64Array;
  /** `n × dimX` data. */
  x: Float64Array;
  /** Values per data vector. */
  dimX: number;
}

/**
 * Draws `n` parameter vectors from the prior and runs the simulator on each.
 * @param prior The prior.
 * @param simulator The simulator.
 * @param n Number of simulations.
 * @param options Seed, batching and progress.
 * @returns The pairs.
 * @throws Error naming the simulation whose output has the wrong width or is not finite.
 * @example
 * ```ts
 * import { BoxUniformPrior } from "./priors.ts";
 * import { simulateFromPrior } from "./simulate.ts";
 * const prior = new BoxUniformPrior([-1, -1], [1, 1]);
 * const sim = (t: Float64Array, rng: { normal(): number }) => [t[0] + t[1] + 0.1 * rng.normal()];
 * const { theta, x, dimX } = await simulateFromPrior(prior, sim, 500, { seed: 1 });
 * console.log(theta.length, x.length, dimX); // 1000 500 1
 * ```
 */
export async function simulateFromPrior(
  prior: Prior,
  simulator: Simulator,
  n: number,
  options: SimulateOptions,
): Promise<SimulatedData> {
  if (!Number.isInteger(n) || n < 1) throw new Error(`Number of simulations must be ≥ 1, got ${n}`);
  const rng = new Rng(options.seed);
  const theta = prior.sample(n, rng);
  const d = prior.dim;
  const batch = options.batchSize ?? 1000;
  let x: Float64Array | null = null;
  let dimX = 0;
  const t0 = performance.now();
  let lastLine = t0;
  for (let i = 0; i < n; i++) {
    const row = theta.subarray(i * d, (i + 1) * d);
    const out = await simulator(Float64Array.from(row), rng);
    if (x === null) {
      dimX = out.length;
      if (dimX < 1) throw new Error("The simulator returned no values for the first simulation");
      x = new Float64Array(n * dimX);
    }
    if (out.length !== dimX) {
      throw new Error(
        `Simulation ${i} returned ${out.length} values; the first returned ${dimX} (θ = [${
          Array.from(row)
        }])`,
      );
    }
    for (let j = 0; j < dimX; j++) {
      const v = out[j];
      if (!Number.isFinite(v)) {
        throw new Error(
          `Simulation ${i} returned ${v} at position ${j} (θ = [${Array.from(row)}])`,
        );
      }
      x[i * dimX + j] = v;
    }
    if ((i + 1) % batch === 0 || i + 1 === n) {
      const now = performance.now();
      if (options.progress && (now - lastLine > 2000 || i + 1 === n)) {
        const rate = (i + 1) / ((now - t0) / 1000);
        options.progress(
          `simulated ${i + 1}/${n} (${rate.toFixed(0)}/s${
            i + 1 < n ? `, ETA ${Math.ceil((n - i - 1) / rate)} s` : ""
          })`,
        );
        lastLine = now;
      }
      await new Promise((r) => setTimeout(r, 0));
    }
  }
  return { theta, x: x!, dimX };
}
