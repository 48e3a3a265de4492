import assert from "node:assert/strict";
import { tf } from "../lib/tf.ts";
import { BACKEND_ENV_VAR, BLAS_ENV_VAR, describeRuntime, initBackend } from "../lib/backend.ts";
import { nativeBlasStatus } from "../lib/nn/blas.ts";
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
  const code = `import { initBackend } from "${new URL("../lib/backend.ts", import.meta.url).href}";
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
    new URL("../lib/backend.ts", import.meta.url).href
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
    failed.startsWith("wasm, without native BLAS (no BLAS library could be loaded"),
    failed,
  );
  assert.ok(failed.includes(missing), failed);
  // A path given in FLOW_MODELS_BLAS is the library loaded, with no search of the usual names
  // (checked where Debian's multiarch OpenBLAS is installed).
  const debian = library ? `/usr/lib/${Deno.build.arch}-linux-gnu/${library}` : null;
  if (debian && existsFile(debian)) {
    const path = Deno.realPathSync(debian);
    assert.equal((await runtimeWithBlasEnv(path)).split(" (")[0], `wasm + native BLAS ${path}`);
  }
});

Deno.test("webgpu either starts and agrees with wasm or fails with a clear message", async () => {
  const flow = buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [8], seed: 3 });
  const x = [[0.5, -0.5], [1, 2]];
  const reference = flow.logProb(tf.tensor2d(x)).arraySync();
  try {
    await initBackend("webgpu");
    const onGpu = (await flow.logProb(tf.tensor2d(x)).array()) as number[];
    onGpu.forEach((v, i) =>
      assert.ok(Math.abs(v - reference[i]) < 1e-3, `${v} vs ${reference[i]}`)
    );
  } catch (err) {
    assert.match((err as Error).message, /Backend "webgpu" could not (start|be loaded)/);
  } finally {
    await initBackend("wasm");
    flow.dispose();
  }
});
