/**
 * The affine coupling with its parameter network as one op
 * (`affineCouplingNetwork`): its fused wasm kernels (one each way) must give
 * the values and the gradients of every input — x, the context, each kernel
 * and bias — that its reference path (dense layers, then the affine
 * coupling) gives on cpu, to 1e-4 relative; with and without a context, a
 * ReLU or no hidden activation, both directions, with and without the
 * log-scale clamp. And the fused kernel is what runs on wasm.
 */
import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { affineCouplingNetwork, initBackend } from "../lib/kernels/mod.ts";
import { COUPLING_NETWORK_KERNEL } from "../lib/kernels/coupling_network_op.ts";
import { fusedKernelsAvailable } from "../lib/kernels/fused_layer.ts";
import { assertWasmMatchesCpu, type Input, randomInput } from "./backend_compare.ts";

interface Case {
  batch: number;
  dims: number;
  numMasked: number;
  context: number;
  hidden: number[];
  activation: "relu" | "linear";
}

const CASES: Case[] = [
  { batch: 7, dims: 4, numMasked: 2, context: 3, hidden: [8, 6], activation: "relu" },
  { batch: 5, dims: 5, numMasked: 2, context: 0, hidden: [7], activation: "relu" },
  { batch: 3, dims: 2, numMasked: 1, context: 5, hidden: [4, 4, 4], activation: "linear" },
  { batch: 9, dims: 6, numMasked: 5, context: 1, hidden: [], activation: "relu" },
];

function inputsOf(c: Case, seed: number): Input[] {
  const m = c.dims - c.numMasked;
  const widths = [c.numMasked + c.context, ...c.hidden, 2 * m];
  const kernels = widths.slice(1).map((w, i) =>
    randomInput([widths[i], w], seed + 10 + i, 1 / Math.sqrt(widths[i]))
  );
  // Biases offset from zero, so ReLU units are both on and off.
  const biases = widths.slice(1).map((w, i) => randomInput([w], seed + 30 + i, 0.3, 0.1));
  return [
    randomInput([c.batch, c.dims], seed, 1.2),
    ...(c.context ? [randomInput([c.batch, c.context], seed + 1)] : []),
    ...kernels,
    ...biases,
  ];
}

function opOf(c: Case, clip: number, inverse: boolean) {
  const layers = c.hidden.length + 1;
  return (...xs: tf.Tensor[]) => {
    const x = xs[0] as tf.Tensor2D;
    const ctx = c.context ? xs[1] as tf.Tensor2D : null;
    const off = c.context ? 2 : 1;
    const net = {
      kernels: xs.slice(off, off + layers) as tf.Tensor2D[],
      biases: xs.slice(off + layers) as tf.Tensor1D[],
      activation: c.activation,
    };
    const { value, logDet } = affineCouplingNetwork(x, ctx, net, c.numMasked, clip, inverse);
    assert.deepEqual(value.shape, [c.batch, c.dims]);
    assert.deepEqual(logDet.shape, [c.batch]);
    return [value, logDet];
  };
}

for (const clip of [0, 2]) {
  for (const inverse of [false, true]) {
    Deno.test(`affineCouplingNetwork (clip ${clip}, inverse ${inverse}): wasm kernels equal the cpu reference path to 1e-4`, async () => {
      for (const [k, c] of CASES.entries()) {
        const inputs = inputsOf(c, 100 * k + 7);
        const layers = c.hidden.length + 1;
        const names = [
          "value",
          "log-det",
          "x gradient",
          ...(c.context ? ["context gradient"] : []),
          ...Array.from({ length: layers }, (_, i) => `kernel ${i} gradient`),
          ...Array.from({ length: layers }, (_, i) => `bias ${i} gradient`),
        ];
        await assertWasmMatchesCpu(
          inputs,
          opOf(c, clip, inverse),
          names,
          1e-4,
          `case ${k} [${c.batch}, ${c.dims}] masked ${c.numMasked}, context ${c.context}, ` +
            `hidden [${c.hidden}] ${c.activation}`,
        );
      }
    });
  }
}

Deno.test("affineCouplingNetwork runs as one fused kernel forward on wasm", async () => {
  await initBackend("wasm");
  assert.ok(fusedKernelsAvailable(), "native BLAS and wasm SIMD are needed for this check");
  const c = CASES[0];
  const inputs = inputsOf(c, 5).map((i) => tf.tensor(i.values, i.shape));
  const profile = await tf.profile(() => {
    const [value, logDet] = opOf(c, 2, false)(...inputs);
    tf.dispose([value, logDet]);
  });
  const names = profile.kernels.map((k) => k.name);
  assert.equal(names.filter((n) => n === COUPLING_NETWORK_KERNEL).length, 1);
  assert.ok(!names.includes("FlowModelsDense"), `separate dense kernels ran: ${names}`);
  tf.dispose(inputs);
});
