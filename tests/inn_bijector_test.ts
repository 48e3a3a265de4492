import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { initBackend } from "../lib/kernels/backend.ts";
import type { ActNorm } from "../lib/bijectors/act_norm.ts";
import type { AffineCoupling } from "../lib/bijectors/affine_coupling.ts";
import type { Permute } from "../lib/bijectors/permute.ts";
import { InnModel } from "../lib/inn/inn_model.ts";
import { Cinn } from "../lib/inn/cinn.ts";
import { randomizeVariables, testBijector } from "./bijector_harness.ts";

await initBackend("wasm");

testBijector("INN bijector, GLOW-style blocks, width 5 (x 3 → y 2, z 1, pad 2)", {
  make: () =>
    new InnModel({ dimX: 3, dimY: 2, dimZ: 1, width: 5, blocks: 2, hiddenLayers: [16], seed: 3 })
      .bijector,
  eventShape: [5],
});
testBijector("INN bijector, one coupling per block, no ActNorm, width 4", {
  make: () =>
    new InnModel({
      dimX: 4,
      dimY: 1,
      dimZ: 2,
      blocks: 3,
      hiddenLayers: [16, 16],
      couplingsPerBlock: 1,
      actNorm: false,
      seed: 4,
    }).bijector,
  eventShape: [4],
});
testBijector("cINN bijector x → z given y (x 3, y 2 → embedding 4)", {
  make: () =>
    new Cinn({ dimX: 3, dimY: 2, blocks: 2, hiddenLayers: [16], contextDim: 4, seed: 5 })
      .bijector,
  eventShape: [3],
  contextDim: 2,
});

Deno.test("INN blocks: ActNorm → Permute → coupling → swap → coupling, soft clamp 2", () => {
  const inn = new InnModel({ dimX: 3, dimY: 1, dimZ: 2, blocks: 2, hiddenLayers: [8], seed: 1 });
  try {
    const kinds = inn.bijector.bijectors.map((b) => b.type);
    const block = ["act_norm", "permute", "affine_coupling", "permute", "affine_coupling"];
    assert.deepEqual(kinds, [...block, ...block]);
    const [, , first, swap, second] = inn.bijector.bijectors;
    assert.deepEqual((swap as Permute).permutation, [1, 2, 0]);
    assert.equal((first as AffineCoupling).numMasked, 1);
    assert.equal(
      (second as AffineCoupling).numMasked,
      2,
      "the second coupling transforms the rest",
    );
    assert.equal(first.config().logScaleClip, 2);
  } finally {
    inn.dispose();
  }
  assert.throws(
    () => new InnModel({ dimX: 2, dimY: 1, dimZ: 1, blocks: 0, hiddenLayers: [8], seed: 1 }),
    /blocks must be a positive integer, got 0/,
  );
  assert.throws(
    () =>
      new InnModel({
        dimX: 2,
        dimY: 1,
        dimZ: 1,
        blocks: 1,
        hiddenLayers: [8],
        couplingsPerBlock: 3 as 2,
        seed: 1,
      }),
    /couplingsPerBlock must be 1 or 2, got 3/,
  );
});

Deno.test("INN forward gives [y, z, pad] and inverse recovers x with zero padding", () => {
  const inn = new InnModel({ dimX: 2, dimY: 1, dimZ: 2, blocks: 2, hiddenLayers: [16], seed: 2 });
  try {
    randomizeVariables(inn.bijector, 9);
    tf.tidy(() => {
      const x = tf.randomNormal([32, 2], 0, 1, "float32", 1) as tf.Tensor2D;
      const { y, z, pad, logDet } = inn.forwardAndLogDet(x);
      assert.deepEqual([y.shape, z.shape, pad.shape, logDet.shape], [[32, 1], [32, 2], [32, 0], [
        32,
      ]]);
      const back = inn.inverseAndLogDet(y, z);
      assert.deepEqual(back.x.shape, [32, 2]);
      const err = tf.max(tf.abs(tf.sub(back.x, x))).dataSync()[0];
      assert.ok(err < 1e-4, `round trip error ${err}`);
      const padErr = tf.max(tf.abs(back.pad)).dataSync()[0];
      assert.ok(padErr < 1e-4, `the recovered input padding is ${padErr}, not 0`);
      const ldErr = tf.max(tf.abs(tf.add(logDet, back.logDet))).dataSync()[0];
      assert.ok(ldErr < 1e-4, `inverse log-det is not minus forward: ${ldErr}`);
      assert.throws(
        () => inn.forward(tf.zeros([4, 3]) as tf.Tensor2D),
        /\[batch, 2\], got \[4,3\]/,
      );
    });
  } finally {
    inn.dispose();
  }
});

Deno.test("ActNorm initialisation normalises x and leaves the padding columns unscaled", () => {
  const inn = new InnModel({ dimX: 2, dimY: 1, dimZ: 3, blocks: 1, hiddenLayers: [8], seed: 3 });
  try {
    assert.equal(inn.initialized, false);
    tf.tidy(() => {
      const x = tf.add(tf.mul(tf.randomNormal([512, 2], 0, 1, "float32", 2), [3, 0.5]), [10, -1]);
      inn.initialize(x as tf.Tensor2D, 1);
    });
    assert.equal(inn.initialized, true);
    const act = inn.bijector.bijectors[0] as ActNorm;
    const scale = Array.from(act.logScale.dataSync(), Math.exp);
    assert.ok(Math.abs(scale[0] * 3 - 1) < 0.1 && Math.abs(scale[1] * 0.5 - 1) < 0.1, `${scale}`);
    for (const s of scale.slice(2)) assert.ok(Math.abs(s - 1) < 0.2, `padding scale ${s}`);
  } finally {
    inn.dispose();
  }
});
