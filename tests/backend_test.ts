import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import {
  BACKEND_ENV_VAR,
  BLAS_ENV_VAR,
  describeRuntime,
  initBackend,
  nativeBlasStatus,
  sumTensors,
} from "../lib/kernels/mod.ts";
import { BLAS_LIBRARIES, blasFailureMessage } from "../lib/kernels/blas.ts";
import { Cinn } from "../lib/inn/cinn.ts";
import type { TransformedDistribution } from "../lib/distributions/transformed.ts";
import { buildRealNvpFlow } from "../lib/flows/realnvp_flow.ts";

Deno.test("unknown backend names the allowed ones", async () => {
  await assert.rejects(
    () => initBackend("tpu"),
    /Unknown backend "tpu": expected one of wasm, cpu, webgpu/,
  );
});

Deno.test("cpu and wasm give the same log-density", async () => {
  const flow = buildRealNvpFlow({ dims: 3, flowSteps: 2, hiddenLayers: [16], seed: 2 });
  const x = [[0.1, -0.3, 1.2], [2, 0.5, -1]];
  await initBackend("cpu");
  const onCpu = flow.logProb(tf.tensor2d(x)).arraySync();
  await initBackend("wasm");
  const onWasm = flow.logProb(tf.tensor2d(x)).arraySync();
  onCpu.forEach((v, i) => assert.ok(Math.abs(v - onWasm[i]) < 1e-4, `${v} vs ${onWasm[i]}`));
  flow.dispose();
});

Deno.test("FLOW_MODELS_BACKEND selects the backend", async () => {
  const code = `import { initBackend } from "${
    new URL("../lib/kernels/backend.ts", import.meta.url).href
  }";
console.log(await initBackend());`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    env: { [BACKEND_ENV_VAR]: "cpu" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.equal(new TextDecoder().decode(out.stdout).trim(), "cpu");
});

function existsFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** `describeRuntime()` after `initBackend()` in a fresh process with `FLOW_MODELS_BLAS` set. */
async function runtimeWithBlasEnv(value: string): Promise<string> {
  const code = `import { describeRuntime, initBackend } from "${
    new URL("../lib/kernels/backend.ts", import.meta.url).href
  }";
await initBackend("wasm");
console.log(describeRuntime());`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    env: { [BLAS_ENV_VAR]: value },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("describeRuntime names the backend and the native BLAS or why there is none", async () => {
  await initBackend("cpu");
  assert.equal(describeRuntime(), "cpu");
  await initBackend("wasm");
  const { library, threads } = nativeBlasStatus();
  if (library) {
    assert.equal(
      describeRuntime(),
      `wasm + native BLAS ${library} (${threads} thread${threads === 1 ? "" : "s"})`,
    );
  } else {
    assert.match(describeRuntime(), /^wasm, without native BLAS \(/);
  }
  assert.equal(
    await runtimeWithBlasEnv("0"),
    `wasm, without native BLAS (turned off by ${BLAS_ENV_VAR}=0)`,
  );
  const missing = "/nonexistent/libnoblas.so";
  const failed = await runtimeWithBlasEnv(missing);
  assert.ok(
    failed.startsWith(`wasm, without native BLAS (${missing} could not be loaded as BLAS: `),
    failed,
  );
  assert.ok(failed.length < 300, `one short line, got ${failed.length} characters: ${failed}`);
  // A path given in FLOW_MODELS_BLAS is the library loaded, with no search of the usual names
  // (checked where Debian's multiarch OpenBLAS is installed).
  const debian = library ? `/usr/lib/${Deno.build.arch}-linux-gnu/${library}` : null;
  if (debian && existsFile(debian)) {
    const path = Deno.realPathSync(debian);
    assert.equal((await runtimeWithBlasEnv(path)).split(" (")[0], `wasm + native BLAS ${path}`);
  }
});

/** Starts WebGPU, or returns false when this machine has no adapter (the message is checked). */
async function startWebGpu(): Promise<boolean> {
  try {
    await initBackend("webgpu");
    return true;
  } catch (err) {
    assert.match((err as Error).message, /Backend "webgpu" could not (start|be loaded)/);
    return false;
  }
}

/** Flows checked on WebGPU against wasm: inference log-prob, training loss, gradients. */
const WEBGPU_CASES: {
  name: string;
  build: () => TransformedDistribution;
  x: number[][];
  context?: number[][];
}[] = [
  {
    // more log-dets than one WebGPU AddN can sum (see sumTensors)
    name: "12-step realnvp flow with batch norm",
    build: () => buildRealNvpFlow({ dims: 2, flowSteps: 12, hiddenLayers: [8], seed: 3 }),
    x: [[0.5, -0.5], [1, 2], [-1, 0.3]],
  },
  {
    // ActNorm (data-dependent initialisation), the conditioner and its context
    name: "cINN with ActNorm, x given y",
    build: () => new Cinn({ dimX: 2, dimY: 1, blocks: 2, hiddenLayers: [8], seed: 4 }),
    x: [[0.5, -0.5], [1, 2], [-1, 0.3]],
    context: [[0.2], [-1], [0.7]],
  },
];

/** Inference log-prob, then training loss and gradients, of a fresh flow on the active backend. */
async function evaluateFlow(
  build: () => TransformedDistribution,
  x: number[][],
  context?: number[][],
) {
  const flow = build();
  const c = context ? { context: tf.tensor2d(context) } : {};
  try {
    const variables = flow.bijector.trainableVariables();
    const logProb = await flow.logProb(tf.tensor2d(x), c).array();
    const { value, grads } = tf.variableGrads(
      () => tf.neg(tf.mean(flow.logProb(tf.tensor2d(x), { ...c, training: true }))) as tf.Scalar,
      variables,
    );
    const g = await Promise.all(variables.map((v) => grads[v.name].data()));
    return { logProb, loss: (await value.data())[0], g };
  } finally {
    flow.dispose();
  }
}

for (const c of WEBGPU_CASES) {
  Deno.test(`webgpu either starts and agrees with wasm or fails with a clear message: ${c.name}`, async () => {
    // One flow per backend, built alike: moving data back from WebGPU to wasm needs a
    // synchronous read, which Deno lacks.
    const close = (a: number, b: number) => Math.abs(a - b) < 1e-4 * Math.max(1, Math.abs(b));
    await initBackend("wasm");
    const reference = await evaluateFlow(c.build, c.x, c.context);
    try {
      if (!(await startWebGpu())) return;
      const onGpu = await evaluateFlow(c.build, c.x, c.context);
      onGpu.logProb.forEach((v, i) =>
        assert.ok(close(v, reference.logProb[i]), `${v} vs ${reference.logProb[i]}`)
      );
      assert.ok(close(onGpu.loss, reference.loss), `${onGpu.loss} vs ${reference.loss}`);
      let diff = 0, norm = 0;
      reference.g.forEach((g, i) =>
        g.forEach((v, j) => {
          diff += (onGpu.g[i][j] - v) ** 2;
          norm += v * v;
        })
      );
      assert.ok(Math.sqrt(diff / norm) < 1e-3, `gradient relative error ${Math.sqrt(diff / norm)}`);
    } finally {
      await initBackend("wasm");
    }
  });
}

Deno.test("sumTensors adds any number of tensors on every backend that starts", async () => {
  for (const backend of ["wasm", "cpu", "webgpu"]) {
    if (backend === "webgpu" ? !(await startWebGpu()) : !(await initBackend(backend))) continue;
    for (const n of [1, 2, 7, 8, 30]) {
      const terms = Array.from({ length: n }, (_, i) => tf.fill([3], i + 1));
      const sum = await sumTensors(terms).data();
      assert.deepEqual(Array.from(sum), [1, 2, 3].map(() => (n * (n + 1)) / 2), `${backend}, ${n}`);
      tf.dispose(terms);
    }
  }
  await initBackend("wasm");
});

Deno.test("webgpu: a synchronous read fails with a message that says what to do instead", async () => {
  try {
    if (!(await startWebGpu())) return;
    const product = tf.matMul(tf.ones([64, 64]), tf.ones([64, 64]));
    assert.throws(
      () => product.dataSync(),
      /cannot read a tensor synchronously.*await tensor\.data\(\)/,
    );
    assert.equal((await product.data())[0], 64);
    product.dispose();
  } finally {
    await initBackend("wasm");
  }
});

Deno.test("a failed BLAS search is one short line saying what to install; details on request", () => {
  const errors = BLAS_LIBRARIES.map((name) => `${name}: ${"x".repeat(120)}`);
  const short = blasFailureMessage(null, errors, false);
  assert.ok(short.length < 200, short);
  assert.match(short, /^none found: install libopenblas0-pthread/);
  assert.match(short, /FLOW_MODELS_BLAS_VERBOSE=1 lists what was tried/);
  const long = blasFailureMessage(null, errors, true);
  for (const name of BLAS_LIBRARIES) assert.ok(long.includes(name), long);
});
