import { ActNorm } from "../lib/bijectors/act_norm.ts";
import { AffineCoupling } from "../lib/bijectors/affine_coupling.ts";
import { BatchNormalization } from "../lib/bijectors/batch_norm.ts";
import { Chain } from "../lib/bijectors/chain.ts";
import { Permute } from "../lib/bijectors/permute.ts";
import { SplineCoupling } from "../lib/bijectors/spline_coupling.ts";
import { testBijector } from "./bijector_harness.ts";

for (const dims of [2, 3, 6]) {
  testBijector(`affine_coupling d=${dims}`, {
    make: () =>
      new AffineCoupling({
        dims,
        network: { hiddenLayers: [16, 16] },
        seed: dims,
        logScaleClip: 2,
      }),
    eventShape: [dims],
  });
}
testBijector("affine_coupling conditional d=4", {
  make: () =>
    new AffineCoupling({ dims: 4, contextDim: 2, network: { hiddenLayers: [16] }, seed: 3 }),
  eventShape: [4],
  contextDim: 2,
});
testBijector("permute random d=5", { make: () => Permute.random(5, 7), eventShape: [5] });
testBijector("batch_norm d=3", {
  make: () => new BatchNormalization({ dims: 3 }),
  eventShape: [3],
});
testBijector("act_norm d=4", { make: () => new ActNorm({ dims: 4 }), eventShape: [4] });
testBijector("chain d=4", {
  make: () =>
    new Chain([
      new BatchNormalization({ dims: 4 }),
      Permute.random(4, 1),
      new AffineCoupling({ dims: 4, network: { hiddenLayers: [8] }, seed: 2, logScaleClip: 3 }),
      new ActNorm({ dims: 4 }),
      Permute.reverse(4),
      new AffineCoupling({ dims: 4, network: { hiddenLayers: [8], activation: "tanh" }, seed: 3 }),
    ]),
  eventShape: [4],
});
// tanh: random relu nets give splines with slopes near e⁻¹⁰, whose inverse float32 cannot
// resolve to 1e-4; B = 3 with inputScale 2 puts about 13% of the inputs in the linear tails.
const splineNet = { hiddenLayers: [16, 16], activation: "tanh" as const };
for (const [dims, numBins] of [[2, 8], [3, 5], [5, 4]]) {
  testBijector(`spline_coupling d=${dims}`, {
    make: () => new SplineCoupling({ dims, numBins, network: splineNet, seed: dims }),
    eventShape: [dims],
    inputScale: 2,
  });
}
testBijector("spline_coupling conditional d=4", {
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
});
