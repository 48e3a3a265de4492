/**
 * The last-axis permutation of the kernels' door (`permuteLastAxis`): its
 * wasm kernel must give the values and the input gradient (the inverse
 * permutation) of the gather-based reference path on cpu, exactly (it only
 * moves values), for 2-D and image-shaped inputs.
 */
import { tf } from "../lib/core/tf.ts";
import { initBackend, permuteLastAxis } from "../lib/kernels/mod.ts";
import { assertWasmMatchesCpu, randomInput } from "./backend_compare.ts";

Deno.test("permuteLastAxis: the wasm kernel equals the cpu gather path, values and gradient", async () => {
  for (
    const [shape, perm] of [
      [[7, 4], [2, 0, 3, 1]],
      [[2, 3, 3, 5], [4, 3, 2, 1, 0]],
      [[3, 2], [1, 0]],
    ] as [number[], number[]][]
  ) {
    await assertWasmMatchesCpu(
      [randomInput(shape, 8)],
      (x) => [permuteLastAxis(x, perm)],
      ["value", "gradient"],
      0,
      `[${shape}] by [${perm}]`,
    );
  }
});

Deno.test("permuteLastAxis: a permutation then its inverse is the identity on wasm", async () => {
  await initBackend("wasm");
  tf.tidy(() => {
    const x = tf.randomNormal([5, 6], 0, 1, "float32", 3);
    const perm = [3, 5, 0, 1, 4, 2];
    const inverse = new Array<number>(6);
    perm.forEach((p, i) => (inverse[p] = i));
    const back = permuteLastAxis(permuteLastAxis(x, perm), inverse);
    if (tf.max(tf.abs(tf.sub(back, x))).dataSync()[0] !== 0) throw new Error("not the identity");
  });
});

Deno.test("permuteLastAxis keeps an int32 tensor's type on wasm", async () => {
  await initBackend("wasm");
  tf.tidy(() => {
    const x = tf.tensor2d([[1, 2, 3]], [1, 3], "int32");
    const y = permuteLastAxis(x, [2, 0, 1]);
    if (y.dtype !== "int32") throw new Error(`dtype ${y.dtype}`);
    if (JSON.stringify(Array.from(y.dataSync())) !== "[3,1,2]") throw new Error("values");
  });
});
