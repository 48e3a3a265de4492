/**
 * The flow of an image application, from `model_arch`: Glow (multi-scale,
 * `glow_num_blocks` × `glow_steps_per_block`, `glow_num_hidden` filters) or
 * the original's dense "realnvp-based" flow on the flattened image. Both
 * start with the logit pre-processing of dequantised pixels in `[0, 256)`,
 * so their bits per dimension are the figure published for image flows.
 *
 * @module
 */
import { Chain } from "../../lib/bijectors/chain.ts";
import { LogitTransform } from "../../lib/bijectors/logit.ts";
import { levelShapes } from "../../lib/bijectors/multiscale.ts";
import { TransformedDistribution } from "../../lib/distributions/transformed.ts";
import { buildGlowFlow, glowModelSize } from "../../lib/flows/glow_flow.ts";
import { realNvpModelSize } from "../../lib/flows/realnvp_flow.ts";
import type { ModelSize } from "../../lib/nn/model_size.ts";
import { realNvpFlowFromParams, realNvpOptionsFromParams } from "../common/flow_params.ts";
import { ImageDataError } from "../../lib/images/errors.ts";
import { validateImageShape } from "../../lib/images/decode.ts";
import type { ImageShape } from "../../lib/core/shapes.ts";
import type { Params } from "../../lib/params/mod.ts";

/** Pixel levels of 8-bit images: the flow's data live in `[0, PIXEL_LEVELS)`. */
export const PIXEL_LEVELS = 256;

/**
 * Margin α of the logit pre-processing of the dense flow: RealNVP's value for
 * MNIST, the Glow builder's default too.
 */
export const LOGIT_ALPHA = 1e-6;

/**
 * Checks that `model_arch` describes a flow for `image_shape`, before any data are read.
 * @param params App params.
 * @returns The image shape.
 * @throws {ImageDataError} Naming `model_arch.image_shape` when it has no 1 or 3 channels,
 *   or when Glow cannot squeeze it `glow_num_blocks` times.
 * @example
 * ```ts
 * import { schemaDefaults } from "../../lib/params/mod.ts";
 * import { checkImageModel } from "./model.ts";
 * const params = schemaDefaults();
 * params.model_arch.bijector = "glow";
 * params.model_arch.glow_num_blocks = 2;
 * checkImageModel(params); // [28, 28, 1]
 * ```
 */
export function checkImageModel(params: Params): ImageShape {
  const arch = params.model_arch;
  const shape = validateImageShape(arch.image_shape, "model_arch.image_shape");
  if (arch.bijector === "glow") {
    const f = 2 ** arch.glow_num_blocks;
    if (shape[0] % f !== 0 || shape[1] % f !== 0) {
      throw new ImageDataError(
        `model_arch.image_shape ${JSON.stringify(shape)} does not fit a Glow of ` +
          `${arch.glow_num_blocks} blocks: height and width must be divisible by ${f} ` +
          `(e.g. [32, 32, ${shape[2]}] with model_arch.image_resize "pad", or fewer blocks)`,
      );
    }
    levelShapes(shape, arch.glow_num_blocks);
  } else if (shape[0] * shape[1] * shape[2] < 2) {
    throw new ImageDataError(`model_arch.image_shape ${JSON.stringify(shape)} has < 2 values`);
  }
  return shape;
}

/**
 * Builds the untrained flow of `model_arch` for images of `imageShape`.
 * @param params App params (`model_arch`, `training.log_scale_clip`, `reg_level`, `run.seed`).
 * @param imageShape `[height, width, channels]`.
 * @returns The flow; data are dequantised pixels, flat `[n, h·w·c]` or `[n, h, w, c]`.
 * @example
 * ```ts
 * import { schemaDefaults } from "../../lib/params/mod.ts";
 * import { imageFlowFromParams } from "./model.ts";
 * const params = schemaDefaults();
 * Object.assign(params.model_arch, {
 *   bijector: "glow", glow_num_blocks: 2, glow_steps_per_block: 2, glow_num_hidden: 16,
 * });
 * const flow = imageFlowFromParams(params, [28, 28, 1]);
 * flow.dims; // 784
 * flow.dispose();
 * ```
 */
export function imageFlowFromParams(
  params: Params,
  imageShape: ImageShape,
): TransformedDistribution {
  const arch = params.model_arch;
  if (arch.bijector === "glow") {
    return buildGlowFlow({
      imageShape,
      numBlocks: arch.glow_num_blocks,
      stepsPerBlock: arch.glow_steps_per_block,
      numHidden: arch.glow_num_hidden,
      seed: params.run.seed,
      pixelLevels: PIXEL_LEVELS,
    });
  }
  const dims = imageShape[0] * imageShape[1] * imageShape[2];
  const dense = realNvpFlowFromParams(params, dims);
  const logit = new LogitTransform({ alpha: LOGIT_ALPHA, levels: PIXEL_LEVELS });
  return new TransformedDistribution(dense.base, new Chain([logit, dense.bijector]));
}

/**
 * The size of the flow {@link imageFlowFromParams} would build, without
 * building it, and the params that set it (for the advice when it is too large).
 * @param params App params.
 * @param imageShape `[height, width, channels]`.
 * @returns The size and the params naming it.
 * @example
 * ```ts
 * import { schemaDefaults } from "../../lib/params/mod.ts";
 * import { imageModelSize } from "./model.ts";
 * const params = schemaDefaults();
 * Object.assign(params.model_arch, { bijector: "glow", glow_num_blocks: 2 });
 * imageModelSize(params, [28, 28, 1]).size.parameters; // that Glow's trainable values
 * ```
 */
export function imageModelSize(
  params: Params,
  imageShape: ImageShape,
): { size: ModelSize; knobs: string[] } {
  const arch = params.model_arch;
  if (arch.bijector === "glow") {
    return {
      size: glowModelSize({
        imageShape,
        numBlocks: arch.glow_num_blocks,
        stepsPerBlock: arch.glow_steps_per_block,
        numHidden: arch.glow_num_hidden,
        seed: params.run.seed,
      }),
      knobs: [
        `model_arch.glow_num_blocks = ${arch.glow_num_blocks}`,
        `glow_steps_per_block = ${arch.glow_steps_per_block}`,
        `glow_num_hidden = ${arch.glow_num_hidden}`,
      ],
    };
  }
  const dims = imageShape[0] * imageShape[1] * imageShape[2];
  return {
    size: realNvpModelSize(realNvpOptionsFromParams(params, dims)),
    knobs: [
      `model_arch.realnvp_flow_steps = ${arch.realnvp_flow_steps}`,
      `realnvp_hidden_layers = ${JSON.stringify(arch.realnvp_hidden_layers)}`,
    ],
  };
}

/**
 * Number of trainable values of a flow.
 * @param flow The flow.
 * @returns The count.
 * @example
 * ```ts
 * import { buildRealNvpFlow } from "../../mod.ts";
 * import { parameterCount } from "./model.ts";
 * parameterCount(buildRealNvpFlow({ dims: 2, flowSteps: 1, hiddenLayers: [4], seed: 1 }));
 * ```
 */
export function parameterCount(flow: TransformedDistribution): number {
  return flow.bijector.trainableVariables().reduce((a, v) => a + v.size, 0);
}
