/**
 * The original project's "realnvp-based" flow: `flowSteps` steps of
 * BatchNormalization → Permute → coupling, with a standard-normal base.
 *
 * In the original (TensorFlow Probability, whose bijectors run latent → data)
 * the last permutation of the sampling direction is left off; in our
 * data → latent order that is the first one, so step 0 is BatchNorm →
 * coupling and every later step is BatchNorm → Permute → coupling. The
 * coupling is the RealNVP affine one by default or, as the first step beyond
 * the original, the rational-quadratic spline (Durkan et al. 2019).
 *
 * @module
 */
import { AffineCoupling } from "../bijectors/affine_coupling.ts";
import { BatchNormalization } from "../bijectors/batch_norm.ts";
import type { Bijector } from "../bijectors/bijector.ts";
import { Chain } from "../bijectors/chain.ts";
import { Permute } from "../bijectors/permute.ts";
import { SplineCoupling } from "../bijectors/spline_coupling.ts";
import { DiagonalNormal } from "../distributions/normal.ts";
import { TransformedDistribution } from "../distributions/transformed.ts";
import { type Activation, denseNetworkParameterCount } from "../nn/dense_network.ts";
import type { ModelSize } from "../nn/model_size.ts";
import { Rng } from "../core/random.ts";

/** Permutation schemes between couplings. */
export type PermutationScheme = "random" | "reverse" | "alternating";
/** Coupling kinds. */
export type CouplingKind = "affine" | "spline";

/** Architecture of {@link buildRealNvpFlow}. */
export interface RealNvpFlowOptions {
  /** Data dimensions (≥ 2). */
  dims: number;
  /** Number of flow steps (`realnvp_flow_steps`). */
  flowSteps: number;
  /** Hidden widths of each coupling network (`realnvp_hidden_layers`). */
  hiddenLayers: number[];
  /** Permutation scheme (`realnvp_permutation`). Default `random`. */
  permutation?: PermutationScheme;
  /** Coupling kind. Default `affine`. */
  coupling?: CouplingKind;
  /** Soft bound of the affine log-scale (`log_scale_clip`). Default 5. */
  logScaleClip?: number;
  /** L2 penalty on network kernels (`reg_level`). Default 0. */
  regLevel?: number;
  /** Activation of the coupling networks. Default `relu`. */
  activation?: Activation;
  /** Spline bins. Default 8. */
  splineNumBins?: number;
  /** Spline tail bound. Default 3. */
  splineTailBound?: number;
  /** Include BatchNormalization in each step. Default true. */
  batchNorm?: boolean;
  /** Width of a conditioning context (0 = unconditional). Default 0. */
  contextDim?: number;
  /** Seed of permutations and initial weights. */
  seed: number;
}

/**
 * Builds the original's realnvp-based flow as a distribution.
 * @param options Architecture and seed.
 * @returns A flow with a standard-normal base.
 * @example
 * ```ts
 * import { buildRealNvpFlow, tf } from "../../mod.ts";
 * const flow = buildRealNvpFlow({ dims: 2, flowSteps: 4, hiddenLayers: [32, 32], seed: 1 });
 * console.log(flow.logProb(tf.randomNormal([5, 2])).shape); // [5]
 * ```
 */
export function buildRealNvpFlow(options: RealNvpFlowOptions): TransformedDistribution {
  const { dims, flowSteps } = options;
  if (!Number.isInteger(dims) || dims < 2) throw new Error(`A flow needs dims ≥ 2, got ${dims}`);
  if (!Number.isInteger(flowSteps) || flowSteps < 1) {
    throw new Error(`flowSteps must be a positive integer, got ${flowSteps}`);
  }
  const rng = new Rng(options.seed);
  const network = {
    hiddenLayers: options.hiddenLayers,
    activation: options.activation ?? "relu",
    regLevel: options.regLevel ?? 0,
  };
  const contextDim = options.contextDim ?? 0;
  const layers: Bijector[] = [];
  for (let step = 0; step < flowSteps; step++) {
    if (options.batchNorm ?? true) layers.push(new BatchNormalization({ dims }));
    if (step > 0) layers.push(makePermute(options.permutation ?? "random", dims, step, rng));
    const seed = rng.seed();
    layers.push(
      (options.coupling ?? "affine") === "spline"
        ? new SplineCoupling({
          dims,
          contextDim,
          network,
          seed,
          numBins: options.splineNumBins ?? 8,
          tailBound: options.splineTailBound ?? 3,
        })
        : new AffineCoupling({
          dims,
          contextDim,
          network,
          seed,
          logScaleClip: options.logScaleClip ?? 5,
        }),
    );
  }
  return new TransformedDistribution(DiagonalNormal.standard(dims), new Chain(layers));
}

function makePermute(scheme: PermutationScheme, dims: number, step: number, rng: Rng): Permute {
  switch (scheme) {
    case "random":
      return Permute.random(dims, rng.seed());
    case "reverse":
      return Permute.reverse(dims);
    case "alternating":
      return Permute.alternating(dims, step - 1);
  }
}

/**
 * The size of the flow {@link buildRealNvpFlow} would build, computed from
 * the options alone (no memory allocated), so that an app can size a model
 * before building it.
 * @param options The same options as {@link buildRealNvpFlow}.
 * @returns Trainable values (equal to the built flow's) and activations per example (estimate).
 * @example
 * ```ts
 * import { realNvpModelSize } from "./realnvp_flow.ts";
 * realNvpModelSize({ dims: 2, flowSteps: 100_000, hiddenLayers: [256, 256], seed: 1 }).parameters; // ≈ 6.7e9
 * ```
 */
export function realNvpModelSize(options: RealNvpFlowOptions): ModelSize {
  const { dims, flowSteps } = options;
  const masked = Math.floor(dims / 2);
  const perDim = (options.coupling ?? "affine") === "spline"
    ? 3 * (options.splineNumBins ?? 8) - 1
    : 2;
  const coupling = denseNetworkParameterCount(
    masked + (options.contextDim ?? 0),
    perDim * (dims - masked),
    options.hiddenLayers,
  );
  const batchNorm = (options.batchNorm ?? true) ? 2 * dims : 0;
  const hidden = options.hiddenLayers.reduce((a, b) => a + b, 0);
  return {
    parameters: flowSteps * (coupling + batchNorm),
    activationsPerExample: flowSteps * (2 * hidden + 6 * dims),
  };
}
