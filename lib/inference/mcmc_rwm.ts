/**
 * Random-walk Metropolis with adaptive proposals: `x' = x + s·L·z`,
 * `z ~ N(0, I)`, where `L·Lᵀ` is the proposal covariance learned from
 * warm-up draws (identity, diagonal or full) and the scale `s` follows
 * Robbins–Monro towards a target acceptance rate (0.234 by default). Both
 * are frozen after warm-up, so the kept draws form a valid Markov chain.
 *
 * @module
 */
import { lowerMatVec } from "../linalg/matrix.ts";
import { RobbinsMonro } from "./adaptation.ts";
import { type McmcBaseOptions, type McmcResult, runChains } from "./mcmc_runner.ts";

/** Options of {@link randomWalkMetropolis}. */
export interface RwmOptions extends McmcBaseOptions {
  /**
   * Unnormalized log-density of the target at one point; −Infinity outside its
   * support. The array passed in is reused between calls: copy it to keep it.
   */
  logDensity: (x: Float64Array) => number;
  /** Target acceptance probability. Default 0.234. */
  targetAcceptance?: number;
}

/**
 * Samples a target density by adaptive random-walk Metropolis on several chains.
 * @param options Log-density, starting points, chains, warm-up, draws, metric
 *   (default `full`: the proposal follows the target's correlations), seed.
 * @returns Draws `[chains][draws][dims]`, log-densities and diagnostics.
 * @throws Error when a starting point has a non-finite log-density.
 * @example
 * ```ts
 * import { randomWalkMetropolis } from "./mcmc_rwm.ts";
 * const run = randomWalkMetropolis({
 *   logDensity: (x) => -0.5 * (x[0] ** 2 + (x[1] / 3) ** 2),
 *   init: [0, 0], initJitter: 1, chains: 4, warmup: 1000, draws: 2000, seed: 1,
 * });
 * console.log(run.diagnostics.rhat, run.diagnostics.ess);
 * ```
 */
export function randomWalkMetropolis(options: RwmOptions): McmcResult {
  const { logDensity } = options;
  const target = options.targetAcceptance ?? 0.234;
  let evaluations = 0;
  const evaluate = (x: Float64Array): number => {
    evaluations++;
    const v = logDensity(x);
    return Number.isNaN(v) ? -Infinity : v;
  };
  let proposal = new Float64Array(0);
  let z = new Float64Array(0), lz = new Float64Array(0);
  return runChains({
    name: "rwm",
    start: (positions) => {
      proposal = new Float64Array(positions[0].length);
      z = new Float64Array(positions[0].length);
      lz = new Float64Array(positions[0].length);
      return Float64Array.from(positions, (x) => evaluate(x));
    },
    step: (state) => {
      const { dims, positions, logp, stepSize, metricTril, rng } = state;
      const accept = new Float64Array(positions.length);
      positions.forEach((x, c) => {
        for (let i = 0; i < dims; i++) z[i] = rng.normal();
        lowerMatVec(metricTril[c], z, 0, lz);
        for (let i = 0; i < dims; i++) proposal[i] = x[i] + stepSize[c] * lz[i];
        const lp = evaluate(proposal);
        const a = lp === -Infinity ? 0 : Math.min(1, Math.exp(lp - logp[c]));
        accept[c] = a;
        if (rng.uniform() < a) {
          x.set(proposal);
          logp[c] = lp;
        }
      });
      return { accept, divergent: new Uint8Array(positions.length) };
    },
    resetStepSize: (_current, dims) => 2.38 / Math.sqrt(dims),
    adapter: (s) => new RobbinsMonro(s, target),
    evaluations: () => evaluations,
  }, { ...options, metric: options.metric ?? "full" });
}
