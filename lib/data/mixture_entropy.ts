/**
 * Differential entropy of a Gaussian mixture, which has no closed form:
 * deterministic quadrature on a grid ({@link gridEntropy}) for the reference
 * value, and a Monte Carlo estimate with its standard error
 * ({@link monteCarloEntropy}) to cross-check it.
 *
 * @module
 */
import type { Rng } from "../core/random.ts";
import type { GaussianMixture } from "./gaussian_mixture.ts";

/** Options of {@link gridEntropy}. */
export interface GridEntropyOptions {
  /** Grid step; default `minScale() / 2`. */
  step?: number;
  /** Half-width of the box around each mean, in marginal standard deviations; default 9. */
  pad?: number;
  /** Refuse grids with more cells than this; default 2e7. */
  maxCells?: number;
}

/** Result of {@link gridEntropy}. */
export interface GridEntropyResult {
  /** −∫ p log p, in nats. */
  entropy: number;
  /** ∫ p on the grid (≈ 1; its gap to 1 measures the truncation). */
  mass: number;
  /** The grid step used. */
  step: number;
  /** Number of grid cells. */
  cells: number;
}

/**
 * Entropy by the midpoint rule on a regular grid that covers every component to
 * `pad` standard deviations. For a smooth, rapidly decaying integrand such as
 * `p log p` of a Gaussian mixture, the rule converges faster than any power of
 * the step: at the default step (half a lower bound on the smallest principal
 * standard deviation) the discretisation error of the toy mixtures is below
 * 1e-9 nats, and the truncation of the box (9 standard deviations) below 1e-12.
 * @param mixture The distribution.
 * @param options Step, padding and a size guard.
 * @returns The entropy, the integrated mass, the step and the number of cells.
 * @example
 * ```ts
 * import { GaussianMixture } from "./gaussian_mixture.ts";
 * import { gridEntropy } from "./mixture_entropy.ts";
 * const g = new GaussianMixture([{ weight: 1, mean: [0], cov: [[1]] }]);
 * gridEntropy(g).entropy; // 1.41894 = ½ log 2πe
 * ```
 */
export function gridEntropy(
  mixture: GaussianMixture,
  options: GridEntropyOptions = {},
): GridEntropyResult {
  const d = mixture.dims;
  const step = options.step ?? mixture.minScale() / 2;
  const pad = options.pad ?? 9;
  const maxCells = options.maxCells ?? 2e7;
  if (!(step > 0)) throw new Error(`Grid step must be a positive number, got ${step}`);
  const lo = new Float64Array(d).fill(Infinity);
  const counts: number[] = [];
  for (let j = 0; j < d; j++) {
    let hi = -Infinity;
    for (const c of mixture.components) {
      const s = Math.sqrt(c.cov[j][j]);
      lo[j] = Math.min(lo[j], c.mean[j] - pad * s);
      hi = Math.max(hi, c.mean[j] + pad * s);
    }
    counts.push(Math.ceil((hi - lo[j]) / step));
  }
  const cells = counts.reduce((a, b) => a * b, 1);
  if (cells > maxCells) {
    throw new Error(
      `Entropy grid must have at most ${maxCells} cells, got ${cells} (step ${step}); raise the step`,
    );
  }
  // Evaluate one line along the last axis at a time.
  const lineLength = counts[d - 1];
  const line = new Float64Array(lineLength * d);
  const index = new Array<number>(d - 1).fill(0);
  const lines = cells / lineLength;
  let mass = 0;
  let negPlogP = 0;
  for (let l = 0; l < lines; l++) {
    for (let i = 0; i < lineLength; i++) {
      for (let j = 0; j < d - 1; j++) line[i * d + j] = lo[j] + (index[j] + 0.5) * step;
      line[i * d + d - 1] = lo[d - 1] + (i + 0.5) * step;
    }
    const logp = mixture.logDensity(line);
    for (let i = 0; i < lineLength; i++) {
      const lp = logp[i];
      if (lp === -Infinity) continue;
      const p = Math.exp(lp);
      mass += p;
      negPlogP -= p * lp;
    }
    for (let j = d - 2; j >= 0; j--) {
      if (++index[j] < counts[j]) break;
      index[j] = 0;
    }
  }
  const volume = step ** d;
  return { entropy: negPlogP * volume, mass: mass * volume, step, cells };
}

/**
 * Monte Carlo estimate of the entropy, −mean log p(xᵢ) over `n` exact samples.
 * @param mixture The distribution.
 * @param n Number of samples.
 * @param rng Source of randomness.
 * @returns The estimate and its standard error, in nats.
 * @example
 * ```ts
 * import { Rng } from "../core/random.ts";
 * import { GaussianMixture } from "./gaussian_mixture.ts";
 * import { monteCarloEntropy } from "./mixture_entropy.ts";
 * const g = new GaussianMixture([{ weight: 1, mean: [0], cov: [[1]] }]);
 * const { entropy, standardError } = monteCarloEntropy(g, 100_000, new Rng(1));
 * ```
 */
export function monteCarloEntropy(
  mixture: GaussianMixture,
  n: number,
  rng: Rng,
): { entropy: number; standardError: number } {
  if (!Number.isInteger(n) || n < 2) {
    throw new Error(`Monte Carlo sample count must be an integer ≥ 2, got ${n}`);
  }
  const logp = mixture.logDensity(mixture.sample(n, rng).points);
  let mean = 0;
  for (const v of logp) mean += v;
  mean /= n;
  let ss = 0;
  for (const v of logp) ss += (v - mean) ** 2;
  return { entropy: -mean, standardError: Math.sqrt(ss / (n - 1) / n) };
}
