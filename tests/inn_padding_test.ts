import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { initBackend } from "../lib/kernels/backend.ts";
import {
  innLayout,
  joinOutput,
  padding,
  padInput,
  splitInput,
  splitOutput,
} from "../lib/inn/padding.ts";
import { pairedDataSource } from "../lib/inn/paired_data.ts";

await initBackend("wasm");

Deno.test("INN layout pads the narrower side to the common width", () => {
  assert.deepEqual(innLayout({ dimX: 4, dimY: 2, dimZ: 1 }), {
    dimX: 4,
    dimY: 2,
    dimZ: 1,
    width: 4,
    padX: 0,
    padOut: 1,
  });
  assert.deepEqual(innLayout({ dimX: 2, dimY: 1, dimZ: 3 }).padX, 2);
  const one = innLayout({ dimX: 1, dimY: 1, dimZ: 0 });
  assert.deepEqual([one.width, one.padX, one.padOut], [2, 1, 1], "couplings need width ≥ 2");
  const wide = innLayout({ dimX: 3, dimY: 1, dimZ: 2, width: 8 });
  assert.deepEqual([wide.padX, wide.padOut], [5, 5]);
});

Deno.test("INN layout rejects bad sizes with the numbers in the message", () => {
  assert.throws(
    () => innLayout({ dimX: 0, dimY: 1, dimZ: 1 }),
    /dimX must be an integer ≥ 1, got 0/,
  );
  assert.throws(() => innLayout({ dimX: 2, dimY: 1.5, dimZ: 1 }), /dimY .* got 1.5/);
  assert.throws(() => innLayout({ dimX: 2, dimY: 1, dimZ: -1 }), /dimZ must be an integer ≥ 0/);
  assert.throws(
    () => innLayout({ dimX: 5, dimY: 2, dimZ: 1, width: 4 }),
    /width must be an integer ≥ .* = 5, got 4/,
  );
});

Deno.test("padding the input and splitting it back keeps x and gives zero padding", () => {
  const layout = innLayout({ dimX: 2, dimY: 1, dimZ: 3 });
  tf.tidy(() => {
    const x = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const padded = padInput(x, layout);
    assert.deepEqual(padded.shape, [3, 4]);
    const back = splitInput(padded, layout);
    assert.deepEqual(back.x.arraySync(), x.arraySync());
    assert.deepEqual(back.pad.arraySync(), [[0, 0], [0, 0], [0, 0]]);
  });
});

Deno.test("noise padding is small, seeded and needs a seed", () => {
  tf.tidy(() => {
    const a = padding(500, 3, { noise: 0.01, seed: 4 }).dataSync() as Float32Array;
    const b = padding(500, 3, { noise: 0.01, seed: 4 }).dataSync();
    const c = padding(500, 3, { noise: 0.01, seed: 5 }).dataSync();
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    const std = Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
    assert.ok(Math.abs(std - 0.01) < 0.001, `noise std ${std}`);
  });
  assert.throws(() => padding(2, 2, { noise: 0.1 }), /needs a seed/);
  assert.throws(() => padding(2, 2, { noise: -1, seed: 1 }), /≥ 0, got -1/);
});

Deno.test("the output side splits into [y, z, pad] and joins back", () => {
  const layout = innLayout({ dimX: 5, dimY: 2, dimZ: 1 });
  tf.tidy(() => {
    const out = tf.tensor2d([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]);
    const { y, z, pad } = splitOutput(out, layout);
    assert.deepEqual(y.arraySync(), [[1, 2], [6, 7]]);
    assert.deepEqual(z.arraySync(), [[3], [8]]);
    assert.deepEqual(pad.arraySync(), [[4, 5], [9, 10]]);
    assert.deepEqual(joinOutput(y, z, layout, { pad }).arraySync(), out.arraySync());
    assert.deepEqual(joinOutput(y, z, layout).arraySync(), [[1, 2, 3, 0, 0], [6, 7, 8, 0, 0]]);
  });
});

Deno.test("shape errors name the expected and the given shapes", () => {
  const layout = innLayout({ dimX: 3, dimY: 1, dimZ: 1 });
  tf.tidy(() => {
    assert.throws(
      () => padInput(tf.zeros([4, 2]) as tf.Tensor2D, layout),
      /Parameters x must have shape \[batch, 3\], got \[4,2\]/,
    );
    assert.throws(
      () => splitOutput(tf.zeros([4, 2]) as tf.Tensor2D, layout),
      /output side must have shape \[batch, 3\], got \[4,2\]/,
    );
    assert.throws(
      () => joinOutput(tf.zeros([4, 1]) as tf.Tensor2D, tf.zeros([3, 1]) as tf.Tensor2D, layout),
      /Latent z must have shape \[4, 1\], got \[3,1\]/,
    );
    assert.throws(
      () =>
        joinOutput(tf.zeros([4, 1]) as tf.Tensor2D, tf.zeros([4, 1]) as tf.Tensor2D, layout, {
          pad: tf.zeros([4, 2]) as tf.Tensor2D,
        }),
      /Output padding must have shape \[4, 1\], got \[4,2\]/,
    );
  });
});

Deno.test("paired data gives batches x with y as context and checks lengths and values", () => {
  const src = pairedDataSource(
    { x: new Float32Array([1, 2, 3, 4, 5, 6]), y: new Float32Array([7, 8, 9]) },
    { dimX: 2, dimY: 1 },
  );
  assert.deepEqual([src.size, src.eventShape, src.contextDim], [3, [2], 1]);
  const [{ x, context }] = [...src.batches(3, null)];
  assert.deepEqual(context!.arraySync(), [[7], [8], [9]]);
  assert.deepEqual(x.arraySync(), [[1, 2], [3, 4], [5, 6]]);
  tf.dispose([x, context!]);
  assert.throws(
    () =>
      pairedDataSource({ x: new Float32Array(6), y: new Float32Array(2) }, { dimX: 2, dimY: 1 }),
    /x of n × dimX=2 and y of n × dimY=1 values, got 6 and 2/,
  );
  assert.throws(
    () =>
      pairedDataSource({ x: new Float32Array(2), y: new Float32Array([NaN]) }, {
        dimX: 2,
        dimY: 1,
      }),
    /y holds NaN/,
  );
});
