/**
 * The bijector test harness's cases: at least one for every registered
 * bijector type (tests/bijector_registry_test.ts fails for a type without
 * one), conditional bijectors with a context. tests/bijectors_test.ts runs
 * the whole harness on each.
 */
import { ActNorm } from "../lib/bijectors/act_norm.ts";
import { AffineCoupling } from "../lib/bijectors/affine_coupling.ts";
import { AffineMap } from "../lib/bijectors/affine_map.ts";
import { Rng } from "../lib/core/random.ts";
import { BatchNormalization } from "../lib/bijectors/batch_norm.ts";
import { Inverse } from "../lib/bijectors/bijector.ts";
import { Chain } from "../lib/bijectors/chain.ts";
import { ContextEmbedding } from "../lib/bijectors/context_embedding.ts";
import { ConditionalAffine } from "../lib/bijectors/conditional_affine.ts";
import { GlowCoupling } from "../lib/bijectors/glow_coupling.ts";
import { InvertibleConv1x1 } from "../lib/bijectors/invertible_conv1x1.ts";
import { LogitTransform } from "../lib/bijectors/logit.ts";
import { MultiScale } from "../lib/bijectors/multiscale.ts";
import { Permute } from "../lib/bijectors/permute.ts";
import { SplineCoupling } from "../lib/bijectors/spline_coupling.ts";
import { Squeeze } from "../lib/bijectors/squeeze.ts";
import { UnitTriangular } from "../lib/bijectors/unit_triangular.ts";
import { glowNetwork } from "../lib/nn/conv_network.ts";
import type { HarnessCase } from "./bijector_harness.ts";

/** A harness case with the name its tests carry. */
export interface NamedCase extends HarnessCase {
  /** Test name prefix. */
  name: string;
}

// tanh: random relu nets give splines with slopes near e⁻¹⁰, whose inverse float32 cannot
// resolve to 1e-4; B = 3 with inputScale 2 puts about 13% of the inputs in the linear tails.
const splineNet = { hiddenLayers: [16, 16], activation: "tanh" as const };

const glowStep = (channels: number, hidden: number, seed: number) => [
  new ActNorm({ dims: channels }),
  new InvertibleConv1x1({ channels, seed }),
  new GlowCoupling({ channels, network: glowNetwork(hidden), seed: seed + 1 }),
];

/** Every harness case, unconditional and conditional. */
export const BIJECTOR_CASES: NamedCase[] = [
  ...[2, 3, 6].map((dims) => ({
    name: `affine_coupling d=${dims}`,
    make: () =>
      new AffineCoupling({
        dims,
        network: { hiddenLayers: [16, 16] },
        seed: dims,
        logScaleClip: 2,
      }),
    eventShape: [dims],
  })),
  {
    name: "affine_coupling conditional d=4",
    make: () =>
      new AffineCoupling({ dims: 4, contextDim: 2, network: { hiddenLayers: [16] }, seed: 3 }),
    eventShape: [4],
    contextDim: 2,
  },
  { name: "permute random d=5", make: () => Permute.random(5, 7), eventShape: [5] },
  { name: "batch_norm d=3", make: () => new BatchNormalization({ dims: 3 }), eventShape: [3] },
  { name: "act_norm d=4", make: () => new ActNorm({ dims: 4 }), eventShape: [4] },
  {
    name: "affine_map d=4",
    make: () => new AffineMap({ dims: 4 }),
    eventShape: [4],
    randomize: (b, seed) => {
      const rng = new Rng(seed);
      const w = Array.from(
        { length: 4 },
        (_, i) => Array.from({ length: 4 }, (_, j) => +(i === j) + 0.5 * rng.normal()),
      );
      (b as AffineMap).assign(w, Array.from({ length: 4 }, () => rng.normal()));
    },
  },
  {
    name: "unit_triangular d=5",
    make: () => new UnitTriangular({ dims: 5 }),
    eventShape: [5],
  },
  {
    name: "chain d=4",
    make: () =>
      new Chain([
        new BatchNormalization({ dims: 4 }),
        Permute.random(4, 1),
        new AffineCoupling({ dims: 4, network: { hiddenLayers: [8] }, seed: 2, logScaleClip: 3 }),
        new ActNorm({ dims: 4 }),
        Permute.reverse(4),
        new AffineCoupling({
          dims: 4,
          network: { hiddenLayers: [8], activation: "tanh" },
          seed: 3,
        }),
      ]),
    eventShape: [4],
  },
  {
    name: "chain conditional d=3 (affine and spline couplings sharing the context)",
    make: () =>
      new Chain([
        new ActNorm({ dims: 3 }),
        new AffineCoupling({ dims: 3, contextDim: 2, network: { hiddenLayers: [8] }, seed: 5 }),
        Permute.reverse(3),
        new SplineCoupling({ dims: 3, contextDim: 2, numBins: 4, network: splineNet, seed: 6 }),
      ]),
    eventShape: [3],
    contextDim: 2,
  },
  {
    name: "inverse of a chain d=3",
    make: () =>
      new Inverse(
        new Chain([
          Permute.random(3, 4),
          new AffineCoupling({ dims: 3, network: { hiddenLayers: [8] }, seed: 7, logScaleClip: 2 }),
        ]),
      ),
    eventShape: [3],
  },
  {
    name: "inverse of a conditional spline coupling d=3",
    make: () =>
      new Inverse(
        new SplineCoupling({ dims: 3, contextDim: 1, numBins: 5, network: splineNet, seed: 8 }),
      ),
    eventShape: [3],
    contextDim: 1,
  },
  ...[[2, 8], [3, 5], [5, 4]].map(([dims, numBins]) => ({
    name: `spline_coupling d=${dims}`,
    make: () => new SplineCoupling({ dims, numBins, network: splineNet, seed: dims }),
    eventShape: [dims],
    inputScale: 2,
  })),
  {
    name: "spline_coupling conditional d=4",
    make: () =>
      new SplineCoupling({
        dims: 4,
        contextDim: 2,
        numBins: 6,
        tailBound: 2.5,
        network: splineNet,
        seed: 4,
      }),
    eventShape: [4],
    contextDim: 2,
    inputScale: 1.5,
  },
  {
    name: "context_embedding over affine couplings (y 2 → embedding 4, x 3)",
    make: () =>
      new ContextEmbedding({
        flow: new Chain([
          new ActNorm({ dims: 3 }),
          new AffineCoupling({
            dims: 3,
            contextDim: 4,
            network: { hiddenLayers: [8] },
            seed: 9,
            logScaleClip: 2,
          }),
          Permute.reverse(3),
          new AffineCoupling({ dims: 3, contextDim: 4, network: { hiddenLayers: [8] }, seed: 10 }),
        ]),
        contextDim: 2,
        conditioner: { hiddenLayers: [8] },
        conditionerSeed: 11,
      }),
    eventShape: [3],
    contextDim: 2,
  },
  {
    name: "context_embedding over a spline coupling (y 1 → embedding 3, x 2)",
    make: () =>
      new ContextEmbedding({
        flow: new SplineCoupling({
          dims: 2,
          contextDim: 3,
          numBins: 5,
          network: splineNet,
          seed: 12,
        }),
        contextDim: 1,
        conditioner: { hiddenLayers: [6], activation: "tanh" },
        conditionerSeed: 13,
      }),
    eventShape: [2],
    contextDim: 1,
  },
  {
    name: "conditional_affine d=3 (linear shift, scale and unit-lower mixing)",
    make: () => new ConditionalAffine({ dims: 3, contextDim: 2, seed: 14 }),
    eventShape: [3],
    contextDim: 2,
  },
  {
    name: "context_embedding passing y beside the embedding, linear path first (y 2 → 3 + 2, x 3)",
    make: () =>
      new ContextEmbedding({
        flow: new Chain([
          new ConditionalAffine({ dims: 3, contextDim: 5, seed: 15 }),
          new AffineCoupling({ dims: 3, contextDim: 5, network: { hiddenLayers: [8] }, seed: 16 }),
        ]),
        contextDim: 2,
        conditioner: { hiddenLayers: [8] },
        conditionerSeed: 17,
        passCondition: true,
      }),
    eventShape: [3],
    contextDim: 2,
  },
  { name: "squeeze 4×4×2", make: () => new Squeeze(), eventShape: [4, 4, 2] },
  {
    name: "act_norm on images 4×4×3",
    make: () => new ActNorm({ dims: 3 }),
    eventShape: [4, 4, 3],
  },
  ...[3, 8].map((channels) => ({
    name: `invertible_conv1x1 c=${channels}`,
    make: () => new InvertibleConv1x1({ channels, seed: channels }),
    eventShape: [3, 2, channels],
  })),
  {
    name: "glow_coupling sigmoid 4×4×4",
    make: () =>
      new GlowCoupling({ channels: 4, network: glowNetwork(8), seed: 1, scale: "sigmoid" }),
    eventShape: [4, 4, 4],
  },
  {
    name: "glow_coupling clamp, odd channels 3×4×3",
    make: () =>
      new GlowCoupling({
        channels: 3,
        network: glowNetwork(6),
        seed: 2,
        scale: "clamp",
        logScaleClip: 2,
      }),
    eventShape: [3, 4, 3],
  },
  {
    name: "glow_coupling as split prior (no hidden layer) 4×4×2",
    make: () =>
      new GlowCoupling({
        channels: 2,
        network: { hiddenLayers: [] },
        seed: 3,
        scale: "clamp",
      }),
    eventShape: [4, 4, 2],
  },
  {
    name: "logit 4×4×2",
    make: () => new LogitTransform({ alpha: 0.05, levels: 256 }),
    eventShape: [4, 4, 2],
  },
  {
    name: "multiscale 2 levels 4×4×2",
    make: () =>
      new MultiScale({
        imageShape: [4, 4, 2],
        levels: [new Chain(glowStep(8, 8, 10)), new Chain(glowStep(16, 8, 20))],
        priors: [new GlowCoupling({ channels: 8, network: { hiddenLayers: [] }, seed: 4 })],
      }),
    eventShape: [4, 4, 2],
  },
];
