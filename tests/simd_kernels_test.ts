/**
 * The committed wasm bytes (lib/kernels/simd_kernels.ts) are what the source
 * (lib/kernels/simd_kernels.wat) compiles to, and the kernels load into the tfjs
 * wasm heap.
 */
import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { initBackend } from "../lib/kernels/backend.ts";
import { simdKernelsFor } from "../lib/kernels/simd.ts";
import { SIMD_KERNELS_BASE64 } from "../lib/kernels/simd_kernels.ts";
import { compileSimdKernels, renderSimdKernelsModule } from "../scripts/wasm_compile.ts";
import { encodeBase64 } from "../lib/plot/base64.ts";

Deno.test("committed SIMD kernel bytes match lib/kernels/simd_kernels.wat (run `deno task build:wasm`)", async () => {
  const bytes = await compileSimdKernels();
  assert.equal(SIMD_KERNELS_BASE64, encodeBase64(bytes));
  const committed = await Deno.readTextFile(
    new URL("../lib/kernels/simd_kernels.ts", import.meta.url),
  );
  assert.equal(committed, renderSimdKernelsModule(bytes));
});

Deno.test("SIMD kernels bind to the wasm backend's heap and not to cpu", async () => {
  await initBackend("cpu");
  assert.equal(simdKernelsFor(tf.backend()), null);
  await initBackend("wasm");
  const k = simdKernelsFor(tf.backend());
  assert.ok(k !== null);
  const x = tf.tensor1d([1, 2, 3, 4, 5]);
  const heap = (tf.backend() as unknown as {
    typedArrayFromHeap(t: tf.Tensor): Float32Array;
  }).typedArrayFromHeap(x);
  assert.equal(k.sum_of_squares(heap.byteOffset, heap.length), 55);
  x.dispose();
});
