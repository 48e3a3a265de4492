/**
 * lib/kernels/mod.ts is the one door to the kernels:
 * - no file of lib/ outside lib/kernels tests the active backend or imports a
 *   kernels file other than mod.ts (lib/core imports none at all);
 * - importing the library replaces no TensorFlow.js kernel and registers none
 *   of the toolkit's own; `initBackend("wasm")` installs the zero-copy Identity;
 * - each op of the door runs its fused kernel on wasm (with native BLAS where
 *   the kernel needs it) and none of the toolkit's kernels on cpu;
 * - the door hands out no kernel-registration names or raw heap functions.
 */
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tf } from "../lib/core/tf.ts";
import * as door from "../lib/kernels/mod.ts";
import {
  adamUpdate,
  affineCoupling,
  affineCouplingNetwork,
  batchNormTraining,
  channelAffine,
  conv2d,
  denseLayer,
  gemm,
  globalNorm,
  initBackend,
  nativeBlasLibrary,
  permuteLastAxis,
  setNativeGemmEnabled,
} from "../lib/kernels/mod.ts";
import { DENSE_GRAD_KERNEL, DENSE_KERNEL } from "../lib/kernels/dense_kernels.ts";
import { CONV_GRAD_KERNEL, CONV_KERNEL } from "../lib/kernels/conv_kernels.ts";
import {
  AFFINE_COUPLING_GRAD_KERNEL,
  AFFINE_COUPLING_KERNEL,
  PACK_KERNEL,
  UNPACK_KERNEL,
} from "../lib/kernels/affine_coupling_op.ts";
import {
  COUPLING_NETWORK_GRAD_KERNEL,
  COUPLING_NETWORK_KERNEL,
} from "../lib/kernels/coupling_network_op.ts";
import {
  CHANNEL_AFFINE_GRAD_KERNEL,
  CHANNEL_AFFINE_KERNEL,
  SCALED_SUM_GRAD_KERNEL,
  SCALED_SUM_KERNEL,
} from "../lib/kernels/channel_affine_op.ts";
import { PERMUTE_KERNEL } from "../lib/kernels/ops.ts";
import {
  BATCH_NORM_TRAIN_GRAD_KERNEL,
  BATCH_NORM_TRAIN_KERNEL,
} from "../lib/kernels/batch_norm_kernels.ts";
import { ADAM_IN_PLACE_KERNEL } from "../lib/kernels/adam_kernel.ts";
import { SUM_OF_SQUARES_KERNEL } from "../lib/kernels/global_norm.ts";
import { GEMM_KERNEL } from "../lib/kernels/blas.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const LIB = join(ROOT, "lib");
const KERNELS = join(LIB, "kernels");
const DOOR = join(KERNELS, "mod.ts");

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) out.push(...sourceFiles(path));
    else if (/\.(ts|js|mjs)$/.test(entry.name)) out.push(path);
  }
  return out.sort();
}

/** Relative specifiers of every import, export-from and dynamic import, JSDoc examples included. */
function importedPaths(file: string, text: string): string[] {
  const specifiers = [
    ...text.matchAll(/\b(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g),
  ].map((m) => m[1]);
  return specifiers.map((s) => resolve(dirname(file), s));
}

Deno.test("lib/ outside lib/kernels: no backend test, kernels only through lib/kernels/mod.ts", () => {
  const problems: string[] = [];
  const outside = sourceFiles(LIB).filter((f) => !f.startsWith(KERNELS + "/"));
  assert.ok(outside.length > 50, `only ${outside.length} files found under ${LIB}`);
  for (const file of outside) {
    const text = Deno.readTextFileSync(file);
    const name = relative(ROOT, file);
    if (/getBackend\s*\(/.test(text)) problems.push(`${name}: calls getBackend()`);
    if (/\btf\.backend\s*\(\s*\)/.test(text)) problems.push(`${name}: reads tf.backend()`);
    if (/\bbackendName\b/.test(text)) problems.push(`${name}: tests a backendName`);
    for (const path of importedPaths(file, text)) {
      if (!path.startsWith(KERNELS + "/")) continue;
      if (name.startsWith("lib/core/")) {
        problems.push(`${name}: lib/core imports ${relative(ROOT, path)}`);
      } else if (path !== DOOR) {
        problems.push(`${name}: imports ${relative(ROOT, path)} instead of lib/kernels/mod.ts`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

Deno.test("the scan finds what it looks for", () => {
  const file = join(LIB, "nn", "example.ts");
  const text =
    `import { gemm } from "../kernels/blas.ts";\n * import { x } from "../kernels/mod.ts";`;
  assert.deepEqual(importedPaths(file, text), [join(KERNELS, "blas.ts"), DOOR]);
  assert.deepEqual(importedPaths(file, `await import("../kernels/heap.ts")`), [
    join(KERNELS, "heap.ts"),
  ]);
});

Deno.test("the door hands out ops and start-up, no kernel names or heap plumbing", () => {
  const names = Object.keys(door);
  for (const name of names) {
    assert.ok(!/_KERNEL$/.test(name), `${name} is a kernel-registration name`);
  }
  for (const name of ["nativeSgemm", "runKernel", "defineWasmKernels", "fusedDense"]) {
    assert.ok(!names.includes(name), `${name} is exported`);
  }
  for (
    const name of [
      "initBackend",
      "currentBackend",
      "describeRuntime",
      "BACKENDS",
      "DEFAULT_BACKEND",
      "denseLayer",
      "conv2d",
      "affineCoupling",
      "batchNormTraining",
      "adamUpdate",
      "globalNorm",
      "sumTensors",
      "permuteLastAxis",
      "enableNativeBlas",
      "setNativeBlasThreads",
      "setNativeGemmEnabled",
      "nativeBlasLibrary",
      "nativeBlasStatus",
    ]
  ) {
    assert.ok(names.includes(name), `${name} is missing`);
  }
});

Deno.test("importing the library replaces no tfjs kernel; initBackend('wasm') installs the zero-copy Identity", async () => {
  const url = (path: string) => new URL(`../${path}`, import.meta.url).href;
  const modules = sourceFiles(LIB).filter((f) => f.endsWith(".ts")).map((f) =>
    pathToFileURL(f).href
  );
  // A fresh process: this one has started wasm through initBackend already.
  const code = `
import { tf } from "${url("lib/core/tf.ts")}";
const identity = () => tf.getKernel("Identity", "wasm")?.kernelFunc;
const own = () => tf.getKernelsForBackend("wasm").map((k) => k.kernelName)
  .filter((n) => n.startsWith("FlowModels"));
const original = identity();
for (const m of ${JSON.stringify(modules)}) await import(m);
const afterImports = identity();
const ownAfterImports = own();
const { initBackend } = await import("${url("lib/kernels/mod.ts")}");
await initBackend("wasm");
const x = tf.tensor1d([1, 2, 3]);
console.log(JSON.stringify({
  found: typeof original === "function",
  unchangedByImports: afterImports === original,
  ownAfterImports,
  replacedByInit: identity() !== original,
  cloneShares: tf.clone(x).dataId === x.dataId,
}));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  assert.deepEqual(JSON.parse(lines[lines.length - 1]), {
    found: true,
    unchangedByImports: true,
    ownAfterImports: [],
    replacedByInit: true,
    cloneShares: true,
  });
});

/** Names of the kernels that `f` runs (forward, and backward where it takes gradients). */
async function kernelsRun(f: () => void): Promise<string[]> {
  const info = await tf.profile(() => tf.tidy(f));
  return info.kernelNames;
}

const ownKernels = (names: string[]) => names.filter((n) => n.startsWith("FlowModels")).sort();

interface DispatchCase {
  name: string;
  /** The toolkit's kernels expected on wasm. */
  wasm: string[];
  /** Whether the wasm path needs native BLAS. */
  needsBlas: boolean;
  /** The toolkit's kernels expected on wasm without native BLAS. Default none. */
  wasmWithoutBlas?: string[];
  run: () => void;
}

const x2 = () => tf.randomNormal([8, 4], 0, 1, "float32", 1) as tf.Tensor2D;

const DISPATCH: DispatchCase[] = [
  {
    name: "denseLayer (relu)",
    wasm: [DENSE_GRAD_KERNEL, DENSE_KERNEL],
    needsBlas: true,
    run: () => {
      const [w, b] = [tf.ones([4, 3]) as tf.Tensor2D, tf.zeros([3]) as tf.Tensor1D];
      tf.grads((x: tf.Tensor) => tf.sum(denseLayer(x as tf.Tensor2D, w, b, "relu")))([x2()]);
    },
  },
  {
    name: "conv2d",
    wasm: [CONV_GRAD_KERNEL, CONV_KERNEL],
    needsBlas: true,
    run: () => {
      const k = tf.ones([3, 3, 2, 4]) as tf.Tensor4D;
      const x = tf.ones([2, 5, 5, 2]) as tf.Tensor4D;
      tf.grads((a: tf.Tensor) => tf.sum(conv2d(a as tf.Tensor4D, k, undefined, true)))([x]);
    },
  },
  {
    name: "gemm",
    wasm: [GEMM_KERNEL],
    needsBlas: true,
    run: () => void gemm(x2(), x2(), true, false),
  },
  {
    name: "affineCoupling",
    wasm: [AFFINE_COUPLING_GRAD_KERNEL, AFFINE_COUPLING_KERNEL, PACK_KERNEL, UNPACK_KERNEL],
    needsBlas: false,
    run: () => {
      const p = tf.zeros([8, 4]) as tf.Tensor2D;
      tf.grads((x: tf.Tensor) => {
        const { value, logDet } = affineCoupling(x as tf.Tensor2D, p, 2, 2, false);
        return tf.add(tf.sum(value), tf.sum(logDet));
      })([x2()]);
    },
  },
  {
    name: "affineCouplingNetwork",
    wasm: [COUPLING_NETWORK_GRAD_KERNEL, COUPLING_NETWORK_KERNEL, PACK_KERNEL, UNPACK_KERNEL],
    needsBlas: true,
    // Without BLAS: dense layers of tf ops, then the affine coupling's own kernels.
    wasmWithoutBlas: [
      AFFINE_COUPLING_GRAD_KERNEL,
      AFFINE_COUPLING_KERNEL,
      PACK_KERNEL,
      UNPACK_KERNEL,
    ],
    run: () => {
      const net = {
        kernels: [tf.ones([5, 6]), tf.zeros([6, 4])] as tf.Tensor2D[],
        biases: [tf.zeros([6]), tf.zeros([4])] as tf.Tensor1D[],
        activation: "relu" as const,
      };
      const ctx = tf.ones([8, 3]) as tf.Tensor2D;
      tf.grads((x: tf.Tensor) => {
        const { value, logDet } = affineCouplingNetwork(x as tf.Tensor2D, ctx, net, 2, 2, false);
        return tf.add(tf.sum(value), tf.sum(logDet));
      })([x2()]);
    },
  },
  {
    name: "channelAffine",
    wasm: [
      CHANNEL_AFFINE_GRAD_KERNEL,
      CHANNEL_AFFINE_KERNEL,
      SCALED_SUM_GRAD_KERNEL,
      SCALED_SUM_KERNEL,
    ],
    needsBlas: false,
    run: () => {
      const [s, b] = [tf.ones([4]) as tf.Tensor1D, tf.zeros([4]) as tf.Tensor1D];
      tf.grads((x: tf.Tensor, ls: tf.Tensor) => {
        const { value, logDet } = channelAffine(x, ls as tf.Tensor1D, b, false);
        return tf.add(tf.sum(value), tf.sum(logDet));
      })([x2(), s]);
    },
  },
  {
    name: "permuteLastAxis",
    wasm: [PERMUTE_KERNEL],
    needsBlas: false,
    run: () => {
      tf.grads((x: tf.Tensor) => tf.sum(tf.mul(permuteLastAxis(x, [3, 1, 0, 2]), x)))([x2()]);
    },
  },
  {
    name: "batchNormTraining",
    wasm: [BATCH_NORM_TRAIN_GRAD_KERNEL, BATCH_NORM_TRAIN_KERNEL],
    needsBlas: false,
    run: () => {
      const [g, b] = [tf.ones([4]), tf.zeros([4])];
      tf.grads((x: tf.Tensor) => {
        const { value, logDet } = batchNormTraining(x, g, b, 1e-3);
        return tf.add(tf.sum(value), tf.sum(logDet));
      })([x2()]);
    },
  },
  {
    name: "globalNorm",
    wasm: [SUM_OF_SQUARES_KERNEL],
    needsBlas: false,
    run: () => void globalNorm([x2(), tf.ones([3])]),
  },
  {
    name: "adamUpdate",
    wasm: [ADAM_IN_PLACE_KERNEL],
    needsBlas: false,
    run: () => {
      const vars = [
        tf.variable(tf.ones([5])),
        tf.variable(tf.zeros([5])),
        tf.variable(tf.zeros([5])),
      ];
      const [w, m, v] = vars;
      const step = { alpha: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, gradScale: 1 };
      adamUpdate([w], [tf.ones([5])], [m], [v], step);
      tf.dispose(vars);
    },
  },
];

for (const c of DISPATCH) {
  Deno.test(`${c.name} runs ${c.wasm.join(" + ")} on wasm and none of the toolkit's kernels on cpu`, async () => {
    try {
      await initBackend("cpu");
      assert.deepEqual(ownKernels(await kernelsRun(c.run)), [], "cpu");
      await initBackend("wasm");
      if (c.needsBlas) {
        setNativeGemmEnabled(false);
        assert.deepEqual(
          ownKernels(await kernelsRun(c.run)),
          [...(c.wasmWithoutBlas ?? [])].sort(),
          "wasm without native BLAS",
        );
        setNativeGemmEnabled(true);
        if (!nativeBlasLibrary()) return; // no BLAS on this machine: the fused path cannot run
      }
      assert.deepEqual(ownKernels(await kernelsRun(c.run)), [...c.wasm].sort(), "wasm");
    } finally {
      setNativeGemmEnabled(true);
      await initBackend("wasm");
    }
  });
}
