/**
 * Training-step time of application 1's default model (12 realnvp-based
 * steps, hidden [512, 512], batch 128, 2-D) with the affine and the spline
 * coupling, on wasm with native BLAS (when available) and on plain wasm.
 * Run with `deno task bench`.
 */
import { tf } from "../lib/tf.ts";
import { initBackend } from "../lib/backend.ts";
import { enableNativeBlas, nativeBlasLibrary, setNativeGemmEnabled } from "../lib/nn/blas.ts";
import { buildRealNvpFlow, type CouplingKind } from "../lib/flows/realnvp_flow.ts";

await initBackend("wasm");
enableNativeBlas();
const batch = tf.randomNormal([128, 2], 0, 1, "float32", 1);

function trainStep(coupling: CouplingKind) {
  const flow = buildRealNvpFlow({
    dims: 2,
    flowSteps: 12,
    hiddenLayers: [512, 512],
    coupling,
    seed: 1,
  });
  const vars = flow.bijector.trainableVariables();
  return () => {
    const { value, grads } = tf.variableGrads(
      () => tf.neg(tf.mean(flow.logProb(batch, { training: true }))) as tf.Scalar,
      vars,
    );
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
}

for (const coupling of ["affine", "spline"] as const) {
  const step = trainStep(coupling);
  Deno.bench({
    name: `app1 default train step, ${coupling}, wasm + ${nativeBlasLibrary() ?? "no BLAS"}`,
    group: coupling,
    baseline: true,
    warmup: 3,
    n: 20,
    fn() {
      setNativeGemmEnabled(true);
      step();
    },
  });
  Deno.bench({
    name: `app1 default train step, ${coupling}, plain wasm`,
    group: coupling,
    warmup: 3,
    n: 20,
    fn() {
      setNativeGemmEnabled(false);
      step();
    },
  });
}
