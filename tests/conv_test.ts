/**
 * Our convolution (custom gradient) against TensorFlow.js's own conv2d and
 * its autodiff gradient on the cpu backend: values and the gradients of
 * input, kernel and bias, for 1×1, 3×3 and 5×5 kernels, with and without
 * bias and ReLU, on wasm with the native BLAS (the fused im2col + sgemm
 * kernels) and with the plain-tfjs gemm, and on cpu;
 * and the gemm-based channel split and concatenation against tf.split and
 * tf.concat, values and gradients.
 */
import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import {
  concatChannels,
  conv2d,
  initBackend,
  nativeBlasLibrary,
  setNativeGemmEnabled,
  splitChannels,
} from "../lib/kernels/mod.ts";
import { Rng } from "../lib/core/random.ts";

interface Case {
  x: number[];
  kernel: number[];
  bias: number[] | null;
  weights: number[];
  xShape: [number, number, number, number];
  kShape: [number, number, number, number];
  relu: boolean;
}

function makeCase(
  xShape: Case["xShape"],
  k: number,
  cOut: number,
  seed: number,
  withBias = true,
  relu = false,
): Case {
  const rng = new Rng(seed);
  const draw = (n: number) => Array.from({ length: n }, () => rng.normal());
  const kShape: Case["kShape"] = [k, k, xShape[3], cOut];
  const [n, h, w] = xShape;
  return {
    x: draw(xShape.reduce((a, b) => a * b, 1)),
    kernel: draw(kShape.reduce((a, b) => a * b, 1)),
    bias: withBias ? draw(cOut) : null,
    weights: draw(n * h * w * cOut),
    xShape,
    kShape,
    relu,
  };
}

/** Output and gradients of `Σ weights ⊙ conv(x)` w.r.t. input, kernel and bias. */
function evaluate(c: Case, reference: boolean): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(c.x, c.xShape);
    const kernel = tf.tensor4d(c.kernel, c.kShape);
    const weights = tf.tensor(c.weights, [c.xShape[0], c.xShape[1], c.xShape[2], c.kShape[3]]);
    const f = (xx: tf.Tensor, kk: tf.Tensor, bb?: tf.Tensor) => {
      if (!reference) {
        return conv2d(xx as tf.Tensor4D, kk as tf.Tensor4D, bb as tf.Tensor1D | undefined, c.relu);
      }
      const y = tf.conv2d(xx as tf.Tensor4D, kk as tf.Tensor4D, 1, "same");
      const z = bb ? tf.add(y, bb) : y;
      return c.relu ? tf.relu(z) : z;
    };
    const inputs = c.bias ? [x, kernel, tf.tensor1d(c.bias)] : [x, kernel];
    const y = f(...(inputs as [tf.Tensor, tf.Tensor, tf.Tensor?]));
    const grads = tf.grads((...a: tf.Tensor[]) =>
      tf.sum(tf.mul(f(...(a as [tf.Tensor, tf.Tensor, tf.Tensor?])), weights))
    )(inputs);
    return [y, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

function assertClose(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: lengths differ`);
  const scale = Math.max(1, ...Array.from(expected, Math.abs));
  let err = 0;
  for (let i = 0; i < actual.length; i++) err = Math.max(err, Math.abs(actual[i] - expected[i]));
  assert.ok(err <= 1e-4 * scale, `${what}: max abs error ${err} (scale ${scale})`);
}

const NAMES = ["output", "input gradient", "kernel gradient", "bias gradient"];

/** Compares one case on wasm (plain and native gemm) and on cpu with tf.conv2d. */
async function compareWithCpu(c: Case, label: string): Promise<void> {
  await initBackend("cpu");
  const expected = evaluate(c, true);
  const onCpu = evaluate(c, false);
  onCpu.forEach((a, i) => assertClose(a, expected[i], `${label} cpu ${NAMES[i]}`));
  await initBackend("wasm");
  const variants: [string, boolean][] = [["wasm", false]];
  if (nativeBlasLibrary()) variants.push(["wasm + native BLAS", true]);
  try {
    for (const [name, native] of variants) {
      setNativeGemmEnabled(native);
      evaluate(c, false).forEach((a, i) =>
        assertClose(a, expected[i], `${label} ${name} ${NAMES[i]}`)
      );
    }
  } finally {
    setNativeGemmEnabled(true);
  }
}

Deno.test("conv2d 3×3, cIn < cOut: values and gradients match tf.conv2d on cpu", async () => {
  await compareWithCpu(makeCase([2, 5, 6, 3], 3, 7, 1), "3x3 3→7");
});

Deno.test("conv2d 3×3, cIn > cOut (flipped-kernel input gradient) matches tf.conv2d", async () => {
  await compareWithCpu(makeCase([3, 4, 4, 6], 3, 2, 2), "3x3 6→2");
});

Deno.test("conv2d 1×1 matches tf.conv2d", async () => {
  await compareWithCpu(makeCase([2, 3, 5, 4], 1, 5, 3), "1x1 4→5");
});

Deno.test("conv2d 5×5 on a 1-pixel-wide image (padding larger than the image)", async () => {
  await compareWithCpu(makeCase([2, 3, 1, 2], 5, 3, 4), "5x5 on 3x1");
});

Deno.test("conv2d without bias matches tf.conv2d (3×3 and 1×1)", async () => {
  await compareWithCpu(makeCase([2, 4, 5, 3], 3, 3, 5, false), "3x3 no bias");
  await compareWithCpu(makeCase([3, 2, 2, 6], 1, 6, 6, false), "1x1 no bias");
});

Deno.test("conv2d with ReLU (one fused kernel with native BLAS) matches tf.relu(tf.conv2d)", async () => {
  await compareWithCpu(makeCase([2, 5, 4, 2], 3, 8, 7, true, true), "3x3 2→8 relu");
  await compareWithCpu(makeCase([2, 4, 5, 8], 3, 3, 8, true, true), "3x3 8→3 relu");
  await compareWithCpu(makeCase([3, 3, 3, 5], 1, 6, 9, true, true), "1x1 5→6 relu");
  await compareWithCpu(makeCase([1, 6, 6, 4], 5, 4, 10, false, true), "5x5 4→4 relu, no bias");
});

Deno.test("conv2d rejects mismatched shapes with a clear message", async () => {
  await initBackend("wasm");
  const x = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
  const k = tf.zeros([3, 3, 2, 4]) as tf.Tensor4D;
  const even = tf.zeros([2, 2, 3, 4]) as tf.Tensor4D;
  assert.throws(() => conv2d(x, k), /third axis matches the 3 input channels/);
  assert.throws(() => conv2d(x, even), /positive odd integer/);
  assert.throws(
    () => conv2d(x, tf.zeros([3, 3, 3, 4]) as tf.Tensor4D, tf.zeros([3]) as tf.Tensor1D),
    /bias must have shape \[4\]/,
  );
  tf.dispose([x, k, even]);
});

Deno.test("conv2d trains on wasm: no kernel is missing for a full gradient step", async () => {
  await initBackend("wasm");
  const kernel = tf.variable(tf.randomNormal([3, 3, 2, 4], 0, 0.3, "float32", 9));
  const bias = tf.variable(tf.zeros([4]));
  const x = tf.randomNormal([4, 6, 6, 2], 0, 1, "float32", 10) as tf.Tensor4D;
  const loss = () =>
    tf.mean(tf.square(conv2d(x, kernel as tf.Tensor4D, bias as tf.Tensor1D))) as tf.Scalar;
  const before = tf.tidy(() => loss().dataSync()[0]);
  const opt = tf.train.sgd(0.05);
  for (let i = 0; i < 5; i++) tf.tidy(() => void opt.minimize(loss));
  const after = tf.tidy(() => loss().dataSync()[0]);
  assert.ok(after < 0.9 * before, `loss ${before} → ${after}`);
  tf.dispose([kernel, bias, x]);
  opt.dispose();
});

/** Values and input gradients of a weighted split → reversed concat, ours or tfjs's. */
function splitConcat(x: number[], shape: number[], sizes: number[], ours: boolean): Float32Array[] {
  return tf.tidy(() => {
    const input = tf.tensor(x, shape);
    const weights = tf.range(1, x.length + 1).reshape(shape);
    const f = (t: tf.Tensor) => {
      const parts = ours ? splitChannels(t, sizes) : tf.split(t, sizes, -1);
      const squared = parts.map((p, i) => tf.mul(p, i + 1)).reverse();
      return ours ? concatChannels(squared) : tf.concat(squared, -1);
    };
    const y = f(input);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.square(f(t)), weights)))(input);
    return [y.dataSync() as Float32Array, g.dataSync() as Float32Array];
  });
}

Deno.test("splitChannels and concatChannels match tf.split and tf.concat, with gradients", async () => {
  const rng = new Rng(11);
  for (const [shape, sizes] of [[[2, 3, 3, 5], [2, 3]], [[4, 7], [1, 4, 2]]] as const) {
    const x = Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
    await initBackend("cpu");
    const expected = splitConcat(x, [...shape], [...sizes], false);
    await initBackend("wasm");
    for (const native of [false, true]) {
      setNativeGemmEnabled(native);
      splitConcat(x, [...shape], [...sizes], true).forEach((a, i) =>
        assertClose(
          a,
          expected[i],
          `[${shape}] split ${sizes} native=${native} ${i ? "grad" : "value"}`,
        )
      );
    }
    setNativeGemmEnabled(true);
  }
  assert.throws(() => splitChannels(tf.zeros([2, 4]), [1, 2]), /add up to the last axis/);
  assert.throws(() => concatChannels([tf.zeros([2, 4]), tf.zeros([3, 4])]), /equal in all but/);
});
