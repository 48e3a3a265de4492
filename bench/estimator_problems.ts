/**
 * The problems of the estimator-versus-sbi benchmark, each with a prior, a
 * simulator and a reference posterior:
 *
 * - `linear`: application 4's ill-conditioned linear-Gaussian problem (3
 *   amplitudes of decays with close rates, 10 noisy observations, Gaussian
 *   prior): the exact posterior.
 * - `bimodal`: θ uniform on [−2, 2]², x = (θ₁², θ₂) + N(0, 0.2² I): the
 *   sign of θ₁ is not identified, so every posterior has two modes; the
 *   reference is exact rejection sampling from the prior.
 * - `product`: θ uniform on [0.2, 2]², x = (θ₁θ₂, θ₁ + θ₂, θ₁/θ₂) + N(0,
 *   0.05² I): a curved ridge in a box, with posterior mass near the box's
 *   edges for some observations; exact rejection sampling from the prior.
 *
 * Rejection accepts a prior draw with probability exp(−(χ² − χ²₀)/2), where
 * χ²₀ is the χ² of the true parameters of the observation — a valid bound
 * only if no θ fits better; the sampler tracks the smallest χ² it meets and
 * restarts with the better bound when one is found, so the accepted draws
 * are exact.
 *
 * @module
 */
import { Rng } from "../lib/core/random.ts";
import { BoxUniformPrior, GaussianPrior, type Prior } from "../lib/posterior/mod.ts";
import { LinearIllConditioned } from "../lib/problems/linear_ill_conditioned.ts";

/** One benchmark problem. */
export interface EstimatorProblem {
  /** Key. */
  name: string;
  /** One line. */
  description: string;
  /** The prior. */
  prior: Prior;
  /** One simulation. */
  simulate(theta: Float64Array, rng: Rng): Float64Array;
  /** `n` samples of the reference posterior of `x`, row-major. */
  reference(x: ArrayLike<number>, n: number, seed: number): Float64Array;
  /** How the reference is drawn. */
  referenceMethod: string;
}

function gaussianNoise(f: Float64Array, sigma: number, rng: Rng): Float64Array {
  for (let i = 0; i < f.length; i++) f[i] += sigma * rng.normal();
  return f;
}

function rejection(
  prior: Prior,
  forward: (theta: Float64Array) => Float64Array,
  sigma: number,
  x: ArrayLike<number>,
  n: number,
  seed: number,
): Float64Array {
  const rng = new Rng(seed);
  const d = prior.dim;
  const chi2 = (t: Float64Array) => {
    const f = forward(t);
    let s = 0;
    for (let i = 0; i < f.length; i++) s += ((f[i] - x[i]) / sigma) ** 2;
    return s;
  };
  // A lower bound on χ² over the prior: the best of many prior draws, improved as we go.
  let best = Infinity;
  for (let i = 0; i < 20_000; i++) best = Math.min(best, chi2(prior.sample(1, rng)));
  for (;;) {
    const out = new Float64Array(n * d);
    let k = 0, restart = false;
    while (k < n) {
      const t = prior.sample(1, rng);
      const c = chi2(t);
      if (c < best) {
        best = c;
        restart = true;
        break;
      }
      if (rng.uniform() < Math.exp(-0.5 * (c - best))) out.set(t, d * k++);
    }
    if (!restart) return out;
  }
}

/**
 * The benchmark's problems.
 * @returns The three problems.
 * @example
 * ```ts ignore
 * import { estimatorProblems } from "./estimator_problems.ts";
 * for (const p of estimatorProblems()) console.log(p.name, p.prior.dim);
 * ```
 */
export function estimatorProblems(): EstimatorProblem[] {
  const linear = new LinearIllConditioned();
  const lg = linear.gaussian.prior;
  const d = lg.dims;
  const linearPrior = new GaussianPrior(
    lg.mean,
    Array.from({ length: d }, (_, i) => Array.from(lg.cov.data.subarray(i * d, (i + 1) * d))),
  );
  const bimodalPrior = new BoxUniformPrior([-2, -2], [2, 2]);
  const bimodalForward = (t: Float64Array) => Float64Array.of(t[0] * t[0], t[1]);
  const productPrior = new BoxUniformPrior([0.2, 0.2], [2, 2]);
  const productForward = (t: Float64Array) =>
    Float64Array.of(t[0] * t[1], t[0] + t[1], t[0] / t[1]);
  return [
    {
      name: "linear",
      description: `application 4's ${linear.description}`,
      prior: linearPrior,
      simulate: (t, rng) => gaussianNoise(linear.forward(t), linear.noise, rng),
      reference: (x, n, seed) => {
        const r = linear.referencePosterior(x, n, seed);
        return Float64Array.from(r.samples);
      },
      referenceMethod: "exact Gaussian posterior",
    },
    {
      name: "bimodal",
      description: "θ ~ U[−2, 2]², x = (θ₁², θ₂) + N(0, 0.2²): two modes (±θ₁)",
      prior: bimodalPrior,
      simulate: (t, rng) => gaussianNoise(bimodalForward(t), 0.2, rng),
      reference: (x, n, seed) => rejection(bimodalPrior, bimodalForward, 0.2, x, n, seed),
      referenceMethod: "rejection sampling from the prior (exact)",
    },
    {
      name: "product",
      description:
        "θ ~ U[0.2, 2]², x = (θ₁θ₂, θ₁ + θ₂, θ₁/θ₂) + N(0, 0.05²): a curved ridge in a box",
      prior: productPrior,
      simulate: (t, rng) => gaussianNoise(productForward(t), 0.05, rng),
      reference: (x, n, seed) => rejection(productPrior, productForward, 0.05, x, n, seed),
      referenceMethod: "rejection sampling from the prior (exact)",
    },
  ];
}
