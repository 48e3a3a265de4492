/**
 * The realnvp-based flow described by an app's params (`model_arch` and
 * `training` groups), shared by the apps that build it (1 on points, 2 on
 * flattened images).
 *
 * @module
 */
import type { Params } from "../../lib/params/mod.ts";
import type { TransformedDistribution } from "../../lib/distributions/transformed.ts";
import { buildRealNvpFlow, type RealNvpFlowOptions } from "../../lib/flows/realnvp_flow.ts";

/**
 * Builds the realnvp-based flow of the params, whatever `model_arch.bijector` says.
 * @param params App params.
 * @param dims Data dimensions.
 * @returns An untrained flow.
 * @example
 * ```ts ignore
 * import { loadParams } from "../../lib/params/mod.ts";
 * import { realNvpFlowFromParams } from "./flow_params.ts";
 * const flow = realNvpFlowFromParams(loadParams("app1", ["--quick"]), 2);
 * ```
 */
export function realNvpFlowFromParams(params: Params, dims: number): TransformedDistribution {
  return buildRealNvpFlow(realNvpOptionsFromParams(params, dims));
}

/**
 * The options of {@link buildRealNvpFlow} the params describe (for sizing the
 * model before building it, and for building it).
 * @param params App params.
 * @param dims Data dimensions.
 * @returns The options.
 * @example
 * ```ts
 * import { loadParams } from "../../lib/params/mod.ts";
 * import { realNvpOptionsFromParams } from "./flow_params.ts";
 * realNvpOptionsFromParams(loadParams("app1", ["--quick"]), 2).flowSteps; // 4
 * ```
 */
export function realNvpOptionsFromParams(params: Params, dims: number): RealNvpFlowOptions {
  const arch = params.model_arch;
  return {
    dims,
    flowSteps: arch.realnvp_flow_steps,
    hiddenLayers: arch.realnvp_hidden_layers,
    permutation: arch.realnvp_permutation,
    coupling: arch.coupling,
    activation: arch.activation,
    splineNumBins: arch.spline_num_bins,
    splineTailBound: arch.spline_tail_bound,
    logScaleClip: params.training.log_scale_clip,
    regLevel: params.training.reg_level,
    seed: params.run.seed,
  };
}
