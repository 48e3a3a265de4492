/**
 * A generic multi-chain MCMC sampler with two kernels: adaptive random-walk
 * Metropolis on a plain JavaScript log-density (`kernel: "rwm"`), and
 * Hamiltonian Monte Carlo with TensorFlow.js gradients (`kernel: "hmc"`).
 * Both adapt only during warm-up and return draws `[chains][draws][dims]`
 * with acceptance rates, step sizes, ESS and split-R̂.
 *
 * @module
 */
import { hamiltonianMonteCarlo, type HmcOptions } from "./mcmc_hmc.ts";
import type { McmcResult } from "./mcmc_runner.ts";
import { randomWalkMetropolis, type RwmOptions } from "./mcmc_rwm.ts";

export type {
  ChainsState,
  McmcBaseOptions,
  McmcDiagnostics,
  McmcKernel,
  McmcResult,
} from "./mcmc_runner.ts";
export { runChains } from "./mcmc_runner.ts";
export { randomWalkMetropolis, type RwmOptions } from "./mcmc_rwm.ts";
export {
  hamiltonianMonteCarlo,
  type HmcOptions,
  type LogDensityWithGradientFn,
} from "./mcmc_hmc.ts";

/** Options of {@link sampleMcmc}: a kernel name and that kernel's options. */
export type McmcOptions = ({ kernel: "rwm" } & RwmOptions) | ({ kernel: "hmc" } & HmcOptions);

/**
 * Runs the named MCMC kernel.
 * @param options `kernel` ("rwm" or "hmc") and that kernel's options.
 * @returns Draws `[chains][draws][dims]`, log-densities and diagnostics.
 * @example
 * ```ts
 * import { sampleMcmc } from "./mcmc.ts";
 * const run = sampleMcmc({
 *   kernel: "rwm",
 *   logDensity: (x) => -0.5 * x[0] * x[0],
 *   init: [[-2], [0], [2], [4]],
 *   seed: 1,
 * });
 * console.log(run.samples.length, run.samples[0].length); // 4 1000
 * ```
 */
export function sampleMcmc(options: McmcOptions): McmcResult {
  switch (options.kernel) {
    case "rwm":
      return randomWalkMetropolis(options);
    case "hmc":
      return hamiltonianMonteCarlo(options);
    default:
      throw new Error(
        `MCMC kernel must be "rwm" or "hmc", got "${(options as { kernel: unknown }).kernel}"`,
      );
  }
}
