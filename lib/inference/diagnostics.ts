/**
 * Convergence diagnostics for multiple Markov chains: the effective sample
 * size (multi-chain autocorrelation with Geyer's initial positive and
 * monotone sequence, as in Stan and Vehtari et al. 2021) and the split-R̂
 * potential scale reduction of Gelman & Rubin.
 *
 * Scalar functions take one series per chain; the per-dimension functions
 * take sampler output `[chains][draws][dims]`.
 *
 * @module
 */

function checkChains(chains: ArrayLike<number>[], minDraws: number, what: string): number {
  if (chains.length === 0) throw new Error(`${what} needs at least one chain, got none`);
  const n = chains[0].length;
  for (let c = 0; c < chains.length; c++) {
    if (chains[c].length !== n) {
      throw new Error(
        `${what} needs chains of equal length, got ${n} draws in chain 0 and ${
          chains[c].length
        } in chain ${c}`,
      );
    }
  }
  if (n < minDraws) throw new Error(`${what} needs at least ${minDraws} draws per chain, got ${n}`);
  return n;
}

function meanOf(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

/**
 * `var⁺ = (N−1)/N·W + B/N` and the within-chain variance W of equal-length chains.
 */
function varianceComponents(chains: ArrayLike<number>[]): { within: number; plus: number } {
  const m = chains.length, n = chains[0].length;
  const means = chains.map(meanOf);
  let within = 0;
  for (let c = 0; c < m; c++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += (chains[c][i] - means[c]) ** 2;
    within += s / (n - 1) / m;
  }
  let betweenOverN = 0;
  if (m > 1) {
    const grand = meanOf(means);
    for (const mu of means) betweenOverN += (mu - grand) ** 2 / (m - 1);
  }
  return { within, plus: (n - 1) / n * within + betweenOverN };
}

/**
 * The effective sample size of one scalar quantity sampled by several chains.
 * @param chains One series per chain, all of the same length (≥ 4).
 * @returns ESS, at most `M·N·log10(M·N)`; NaN when every draw is identical.
 * @example
 * ```ts
 * import { Rng } from "../core/random.ts";
 * import { effectiveSampleSizeScalar } from "./diagnostics.ts";
 * const rng = new Rng(1);
 * const iid = [0, 1].map(() => Float64Array.from({ length: 1000 }, () => rng.normal()));
 * console.log(effectiveSampleSizeScalar(iid)); // ≈ 2000
 * ```
 */
export function effectiveSampleSizeScalar(chains: ArrayLike<number>[]): number {
  const n = checkChains(chains, 4, "Effective sample size");
  const m = chains.length;
  const { within, plus } = varianceComponents(chains);
  if (!(plus > 0)) return NaN;
  const centred = chains.map((x) => {
    const mu = meanOf(x);
    return Float64Array.from(x, (v) => v - mu);
  });
  // ρ_t = 1 − (W − mean over chains of the (biased) autocovariance at lag t) / var⁺.
  const rho = (t: number): number => {
    let acov = 0;
    for (const x of centred) {
      let s = 0;
      for (let i = 0; i + t < n; i++) s += x[i] * x[i + t];
      acov += s / n / m;
    }
    return 1 - (within - acov) / plus;
  };
  // Geyer: sum pairs Γ_k = ρ_2k + ρ_2k+1 while positive, forced non-increasing.
  let sum = 0;
  let previous = Infinity;
  for (let k = 0; 2 * k + 1 < n; k++) {
    const pair = (k === 0 ? 1 : rho(2 * k)) + rho(2 * k + 1);
    if (!(pair > 0)) break;
    const kept = Math.min(pair, previous);
    sum += kept;
    previous = kept;
  }
  const total = m * n;
  const tau = Math.max(-1 + 2 * sum, 1 / Math.log10(total));
  return total / tau;
}

/**
 * Split-R̂ of one scalar quantity: each chain is cut into halves, and R̂ =
 * √(var⁺ / W) over the 2M half-chains. Values near 1 (say < 1.01–1.05)
 * indicate that the chains agree.
 * @param chains One series per chain, all of the same length (≥ 4).
 * @returns R̂; NaN when every draw is identical.
 * @example
 * ```ts
 * import { splitRhatScalar } from "./diagnostics.ts";
 * const rhat = splitRhatScalar([[0, 1, 0, 1], [5, 6, 5, 6]]); // far above 1
 * ```
 */
export function splitRhatScalar(chains: ArrayLike<number>[]): number {
  const n = checkChains(chains, 4, "Split-R̂");
  const half = Math.floor(n / 2);
  const halves: ArrayLike<number>[] = [];
  for (const x of chains) {
    const arr = Float64Array.from(x);
    halves.push(arr.subarray(0, half), arr.subarray(n - half));
  }
  const { within, plus } = varianceComponents(halves);
  if (!(within > 0)) return NaN;
  return Math.sqrt(plus / within);
}

function perDimension(
  samples: ArrayLike<number>[][],
  what: string,
  scalar: (chains: ArrayLike<number>[]) => number,
): Float64Array {
  if (samples.length === 0 || samples[0].length === 0) {
    throw new Error(`${what} needs samples shaped [chains][draws][dims], got no draws`);
  }
  const dims = samples[0][0].length;
  const out = new Float64Array(dims);
  for (let j = 0; j < dims; j++) {
    const series = samples.map((chain) => Float64Array.from(chain, (draw) => draw[j]));
    out[j] = scalar(series);
  }
  return out;
}

/**
 * The effective sample size of each coordinate.
 * @param samples Sampler output `[chains][draws][dims]`.
 * @returns ESS per dimension.
 * @example
 * ```ts
 * import { effectiveSampleSize } from "./diagnostics.ts";
 * const draws = [[0.1, 0.5], [0.3, -0.2], [-1, 0.4], [0.7, 0.9]].map((d) => new Float64Array(d));
 * const ess = effectiveSampleSize([draws]); // Float64Array of length 2
 * ```
 */
export function effectiveSampleSize(samples: ArrayLike<number>[][]): Float64Array {
  return perDimension(samples, "Effective sample size", effectiveSampleSizeScalar);
}

/**
 * Split-R̂ of each coordinate.
 * @param samples Sampler output `[chains][draws][dims]`.
 * @returns R̂ per dimension.
 * @example
 * ```ts
 * import { splitRhat } from "./diagnostics.ts";
 * const chain = [[0.1], [0.5], [-0.3], [0.2]].map((d) => new Float64Array(d));
 * const rhat = splitRhat([chain, chain]);
 * ```
 */
export function splitRhat(samples: ArrayLike<number>[][]): Float64Array {
  return perDimension(samples, "Split-R̂", splitRhatScalar);
}
