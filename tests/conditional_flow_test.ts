/**
 * Conditional flows are ordinary flows: any flow whose bijector takes a
 * context (affine and spline couplings built with `contextDim`, chains of
 * them, the cINN's context embedding) gives `log p(x | c)` and samples of
 * it through `logProb(x, { context })` and `sample(n, { seed, context })`,
 * with the context checked against the flow and one row broadcast to all.
 */
import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { initBackend } from "../lib/kernels/backend.ts";
import { AffineCoupling } from "../lib/bijectors/affine_coupling.ts";
import { Chain } from "../lib/bijectors/chain.ts";
import { Permute } from "../lib/bijectors/permute.ts";
import { SplineCoupling } from "../lib/bijectors/spline_coupling.ts";
import { DiagonalNormal } from "../lib/distributions/normal.ts";
import { TransformedDistribution } from "../lib/distributions/transformed.ts";
import { buildRealNvpFlow } from "../lib/flows/realnvp_flow.ts";
import { Cinn } from "../lib/inn/cinn.ts";
import { randomizeVariables } from "./bijector_harness.ts";
import { assertClose } from "./backend_compare.ts";

await initBackend("wasm");

const network = { hiddenLayers: [8], activation: "tanh" as const };

/** The conditional flows under test, each over x of width 3 with a context of width 2. */
const FLOWS: { name: string; make: () => TransformedDistribution }[] = [
  {
    name: "affine coupling",
    make: () =>
      new TransformedDistribution(
        DiagonalNormal.standard(3),
        new AffineCoupling({ dims: 3, contextDim: 2, network, seed: 1 }),
      ),
  },
  {
    name: "spline coupling",
    make: () =>
      new TransformedDistribution(
        DiagonalNormal.standard(3),
        new SplineCoupling({ dims: 3, contextDim: 2, numBins: 4, network, seed: 2 }),
      ),
  },
  {
    name: "chain of affine and spline couplings",
    make: () =>
      new TransformedDistribution(
        DiagonalNormal.standard(3),
        new Chain([
          new AffineCoupling({ dims: 3, contextDim: 2, network, seed: 3 }),
          Permute.reverse(3),
          new SplineCoupling({ dims: 3, contextDim: 2, numBins: 4, network, seed: 4 }),
        ]),
      ),
  },
  {
    name: "realnvp flow with batch norm",
    make: () =>
      buildRealNvpFlow({ dims: 3, flowSteps: 2, hiddenLayers: [8], contextDim: 2, seed: 5 }),
  },
  {
    name: "cINN",
    make: () => new Cinn({ dimX: 3, dimY: 2, blocks: 2, hiddenLayers: [8], seed: 6 }),
  },
];

for (const { name, make } of FLOWS) {
  Deno.test(`conditional ${name}: log p(x | c), sampling, broadcast of one row`, () => {
    const flow = make();
    randomizeVariables(flow.bijector, 17);
    const before = tf.memory().numTensors;
    try {
      assert.equal(flow.contextDim, 2);
      tf.tidy(() => {
        const x = tf.randomNormal([6, 3], 0, 1, "float32", 1);
        const context = tf.randomNormal([6, 2], 0, 1, "float32", 2) as tf.Tensor2D;
        // Change of variables with the context: log N(f(x; c)) + log |det ∂f/∂x|.
        const { value, logDet } = flow.bijector.forwardAndLogDet(x, { context });
        const want = tf.add(flow.base.logProb(value), logDet).dataSync();
        const got = flow.logProb(x, { context }).dataSync();
        // Same arithmetic, possibly other kernel paths: promised to 1e-6 relative.
        assertClose(got as Float32Array, want as Float32Array, 1e-6, "logProb");
        // The condition matters.
        const other = flow.logProb(x, { context: tf.add(context, 1) as tf.Tensor2D }).dataSync();
        assert.ok(other.some((v, i) => Math.abs(v - got[i]) > 1e-4), "the context is used");
        // One row of context is the same as that row for every point.
        const one = tf.slice(context, [0, 0], [1, 2]) as tf.Tensor2D;
        assertClose(
          flow.logProb(x, { context: one }).dataSync() as Float32Array,
          flow.logProb(x, { context: tf.tile(one, [6, 1]) as tf.Tensor2D })
            .dataSync() as Float32Array,
          1e-6,
          "one context row broadcast",
        );
        // Samples: one condition per sample, or one condition broadcast to all n.
        const s1 = flow.sample(6, { seed: 3, context: one });
        const s2 = flow.sample(6, { seed: 3, context: tf.tile(one, [6, 1]) as tf.Tensor2D });
        assert.deepEqual(s1.shape, [6, 3]);
        assertClose(s1.dataSync() as Float32Array, s2.dataSync() as Float32Array, 1e-6, "samples");
        // ... and they are the inverse of the latent draw under that condition.
        const z = flow.toLatent(s1, { context: one });
        const base = flow.base.sample(6, 3);
        const err = tf.max(tf.abs(tf.sub(z, base))).dataSync()[0];
        assert.ok(err < 1e-3, `toLatent(sample) vs the base draw: ${err}`);
      });
      assert.equal(tf.memory().numTensors, before, "no tensors left behind");
    } finally {
      flow.dispose();
    }
  });
}

Deno.test("a context that does not fit the flow is refused with the expected shape named", () => {
  const conditional = FLOWS[2].make();
  const plain = buildRealNvpFlow({ dims: 3, flowSteps: 1, hiddenLayers: [8], seed: 1 });
  try {
    tf.tidy(() => {
      const x = tf.zeros([4, 3]);
      assert.throws(
        () => conditional.logProb(x),
        /logProb: this flow is conditional and needs a context of shape \[4, 2\] \(or \[1, 2\]\), got none/,
      );
      assert.throws(
        () => conditional.sample(4, { seed: 1 }),
        /sample: this flow is conditional and needs a context of shape \[4, 2\]/,
      );
      assert.throws(
        () => conditional.logProb(x, { context: tf.zeros([4, 3]) as tf.Tensor2D }),
        /logProb: the context must have shape \[4, 2\] or \[1, 2\], got \[4,3\]/,
      );
      assert.throws(
        () => conditional.sample(5, { seed: 1, context: tf.zeros([2, 2]) as tf.Tensor2D }),
        /sample: the context must have shape \[5, 2\] or \[1, 2\], got \[2,2\]/,
      );
      assert.throws(
        () => conditional.toData(x, {}),
        /toData: this flow is conditional/,
      );
      assert.throws(
        () => plain.logProb(x, { context: tf.zeros([4, 2]) as tf.Tensor2D }),
        /logProb: this flow is unconditional \(it takes no context\), but a context of shape \[4,2\] was given/,
      );
      assert.throws(
        () => plain.sample(2, { seed: 1, context: tf.zeros([1, 2]) as tf.Tensor2D }),
        /sample: this flow is unconditional/,
      );
    });
  } finally {
    conditional.dispose();
    plain.dispose();
  }
});

Deno.test("bijectors report their context width; a chain's members must share one", () => {
  const a = new AffineCoupling({ dims: 3, contextDim: 2, network, seed: 1 });
  const b = new SplineCoupling({ dims: 3, contextDim: 4, numBins: 4, network, seed: 2 });
  const plain = new AffineCoupling({ dims: 3, network, seed: 3 });
  try {
    assert.deepEqual([a.contextDim, b.contextDim, plain.contextDim], [2, 4, 0]);
    assert.equal(Permute.reverse(3).contextDim, 0);
    assert.equal(new Chain([Permute.reverse(3), a, plain]).contextDim, 2);
    assert.equal(new Chain([Permute.reverse(3), plain]).contextDim, 0);
    assert.equal(a.inv.contextDim, 2);
    assert.equal(new Chain([a]).inv.contextDim, 2);
    assert.throws(
      () => new Chain([a, b]),
      /members of a chain must take contexts of one width, got affine_coupling: 2, spline_coupling: 4/,
    );
    assert.throws(
      () => new AffineCoupling({ dims: 3, contextDim: -1, network, seed: 1 }),
      /contextDim must be a non-negative integer, got -1/,
    );
  } finally {
    for (const x of [a, b, plain]) x.dispose();
  }
});
