/**
 * The one test helper run over every bijector, at random (non-identity)
 * parameters: round trip, log-det against the autodiff Jacobian, inverse
 * log-det, gradients reach every trainable variable, wasm and cpu gradients
 * agree, config + weights round trip, and the context width: reported as
 * the case says, required and used by a conditional bijector. The cases
 * live in tests/bijector_cases.ts.
 */
import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import {
  type Bijector,
  type BijectorCallOptions,
  bijectorFromConfig,
} from "../lib/bijectors/bijector.ts";
import { initBackend } from "../lib/kernels/backend.ts";
import { nativeBlasLibrary, setNativeGemmEnabled } from "../lib/kernels/blas.ts";

/** What the harness needs to exercise one bijector. */
export interface HarnessCase {
  /** Builds a fresh bijector (called more than once). */
  make: () => Bijector;
  /** Input shape without the batch axis, e.g. `[3]`. */
  eventShape: number[];
  /** Conditioning context width, if the bijector is conditional. */
  contextDim?: number;
  /** Scale of the random inputs (e.g. spline tails). Default 1. */
  inputScale?: number;
  /** Sets random, consistent values (default {@link randomizeVariables}), for bijectors whose variables depend on each other. */
  randomize?: (b: Bijector, seed: number) => void;
}

/** log |det A| of a square matrix, by LU with partial pivoting in float64. */
export function logAbsDet(a: number[][]): number {
  const n = a.length;
  const m = a.map((r) => [...r]);
  let logDet = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i][k]) > Math.abs(m[p][k])) p = i;
    [m[k], m[p]] = [m[p], m[k]];
    const pivot = m[k][k];
    if (pivot === 0) return -Infinity;
    logDet += Math.log(Math.abs(pivot));
    for (let i = k + 1; i < n; i++) {
      const f = m[i][k] / pivot;
      for (let j = k; j < n; j++) m[i][j] -= f * m[k][j];
    }
  }
  return logDet;
}

/** Sets every variable to random, non-trivial values (positive where a variance is stored). */
export function randomizeVariables(b: Bijector, seed: number): void {
  let s = seed;
  for (const { name, variable } of b.variables()) {
    const shape = variable.shape;
    tf.tidy(() => {
      if (name.endsWith("initialized")) variable.assign(tf.onesLike(variable));
      else if (name.includes("variance")) {
        variable.assign(tf.randomUniform(shape, 0.5, 2, "float32", s++));
      } else if (name.endsWith("gamma")) {
        variable.assign(tf.randomUniform(shape, 0.5, 1.5, "float32", s++));
      } else if (name.includes("kernel")) {
        // [in, out] for dense layers, [k, k, in, out] for convolutions: all axes but the last
        const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
        variable.assign(tf.randomNormal(shape, 0, 1 / Math.sqrt(fanIn), "float32", s++));
      } else variable.assign(tf.randomNormal(shape, 0, 0.3, "float32", s++));
    });
  }
}

function inputs(
  c: HarnessCase,
  batch: number,
  seed: number,
): { x: tf.Tensor; options: BijectorCallOptions } {
  const x = tf.mul(
    tf.randomNormal([batch, ...c.eventShape], 0, 1, "float32", seed),
    c.inputScale ?? 1,
  );
  const options: BijectorCallOptions = {};
  if (c.contextDim) {
    options.context = tf.randomNormal([batch, c.contextDim], 0, 1, "float32", seed + 1);
  }
  return { x, options };
}

/** inverse(forward(x)) ≈ x, max abs error ≤ 1e-4. */
export function checkRoundTrip(c: HarnessCase, b: Bijector): void {
  tf.tidy(() => {
    const { x, options } = inputs(c, 64, 11);
    const back = b.inverse(b.forward(x, options), options);
    const err = tf.max(tf.abs(tf.sub(back, x))).dataSync()[0];
    assert.ok(err <= 1e-4, `${b.type}: round-trip max abs error ${err} > 1e-4`);
    const fwd = b.inverse(b.inv.inverse(x, options), options); // inv.inverse is forward
    const err2 = tf.max(tf.abs(tf.sub(fwd, x))).dataSync()[0];
    assert.ok(err2 <= 1e-4, `${b.type}: .inv round-trip error ${err2}`);
  });
}

/** Forward log-det equals log|det J| of the autodiff Jacobian (rel 1e-3 or abs 1e-4). */
export function checkLogDetAgainstJacobian(c: HarnessCase, b: Bijector): void {
  const batch = 4;
  const d = c.eventShape.reduce((p, q) => p * q, 1);
  tf.tidy(() => {
    const { x, options } = inputs(c, batch, 23);
    const logDet = Array.from(b.forwardLogDetJacobian(x, options).dataSync());
    const rows: Float32Array[] = [];
    for (let i = 0; i < d; i++) {
      const g = tf.grad((xx: tf.Tensor) =>
        tf.sum(tf.slice(tf.reshape(b.forward(xx, options), [batch, d]), [0, i], [batch, 1]))
      )(x);
      rows.push(tf.reshape(g, [batch, d]).dataSync() as Float32Array);
    }
    for (let n = 0; n < batch; n++) {
      const jac = rows.map((r) => Array.from(r.slice(n * d, (n + 1) * d)));
      const expected = logAbsDet(jac);
      const diff = Math.abs(expected - logDet[n]);
      assert.ok(
        diff <= 1e-4 || diff <= 1e-3 * Math.abs(expected),
        `${b.type}: log-det ${logDet[n]} vs log|det J| ${expected} (example ${n}, dims ${d})`,
      );
      if (b.volumePreserving) {
        assert.ok(Math.abs(expected) <= 1e-4, `${b.type} says it preserves volume: ${expected}`);
      }
    }
  });
}

/** inverse log-det at y = f(x) equals −forward log-det at x. */
export function checkInverseLogDet(c: HarnessCase, b: Bijector): void {
  tf.tidy(() => {
    const { x, options } = inputs(c, 32, 31);
    const { value, logDet } = b.forwardAndLogDet(x, options);
    const inv = b.inverseLogDetJacobian(value, options);
    const err = tf.max(tf.abs(tf.add(inv, logDet))).dataSync()[0];
    const scale = tf.max(tf.abs(logDet)).dataSync()[0];
    assert.ok(err <= 1e-4 + 1e-4 * scale, `${b.type}: inverse log-det + forward log-det = ${err}`);
  });
}

/** Gradients of an NLL-like loss: first w.r.t. the input, then each trainable variable. */
function lossGradients(c: HarnessCase, b: Bijector): Float32Array[] {
  const vars = b.trainableVariables();
  return tf.tidy(() => {
    const { x, options } = inputs(c, 16, 47);
    const loss = (input: tf.Tensor) => {
      const { value, logDet } = b.forwardAndLogDet(input, { ...options, training: true });
      return tf.sub(
        tf.mean(tf.sum(tf.reshape(tf.square(value), [16, -1]), 1)),
        tf.mean(logDet),
      ) as tf.Scalar;
    };
    const inputGrad = tf.grad(loss)(x).dataSync() as Float32Array;
    if (vars.length === 0) return [inputGrad];
    const { grads } = tf.variableGrads(() => loss(x), vars);
    return [inputGrad, ...vars.map((v) => grads[v.name].dataSync() as Float32Array)];
  });
}

/** The input and every trainable variable get a finite, non-zero gradient of an NLL-like loss. */
export function checkGradientsReachVariables(c: HarnessCase, b: Bijector): void {
  const names = ["input", ...b.variables().filter((v) => v.variable.trainable).map((v) => v.name)];
  const grads = lossGradients(c, b);
  assert.equal(grads.length, names.length);
  grads.forEach((g, i) => {
    assert.ok(g.every(Number.isFinite), `${b.type}: gradient of ${names[i]} is not finite`);
    assert.ok(g.some((v) => v !== 0), `${b.type}: gradient of ${names[i]} is all zero`);
  });
}

/**
 * Gradients on the wasm backend, with and without the native BLAS gemm, agree
 * with the cpu backend's (to 2e-3 of the largest entry).
 */
export async function checkGradientsMatchCpu(c: HarnessCase, b: Bijector): Promise<void> {
  const previous = tf.getBackend();
  await initBackend("cpu");
  const onCpu = lossGradients(c, b);
  await initBackend("wasm");
  const variants: [string, boolean][] = [["wasm", false]];
  if (nativeBlasLibrary()) variants.push(["wasm + native BLAS", true]);
  try {
    for (const [label, native] of variants) {
      setNativeGemmEnabled(native);
      lossGradients(c, b).forEach((g, i) => {
        const h = onCpu[i];
        const scale = Math.max(1e-6, ...Array.from(h, Math.abs));
        const err = Math.max(...Array.from(g, (v, j) => Math.abs(v - h[j])));
        assert.ok(
          err <= 2e-3 * scale,
          `${b.type}: ${label} vs cpu gradient ${i} differs by ${err} (scale ${scale})`,
        );
      });
    }
  } finally {
    setNativeGemmEnabled(true);
    await initBackend(previous as "wasm");
  }
}

/** Rebuilding from config and copying variables by name gives the same outputs. */
export function checkConfigRoundTrip(c: HarnessCase, b: Bijector): void {
  const copy = bijectorFromConfig(JSON.parse(JSON.stringify(b.config())));
  try {
    const source = new Map(b.variables().map((v) => [v.name, v.variable]));
    const targetNames = copy.variables().map((v) => v.name);
    assert.deepEqual(
      targetNames,
      [...source.keys()],
      `${b.type}: variable names differ after rebuild`,
    );
    for (const v of copy.variables()) v.variable.assign(source.get(v.name)!);
    if ("refresh" in copy && typeof copy.refresh === "function") copy.refresh();
    tf.tidy(() => {
      const { x, options } = inputs(c, 16, 59);
      const a = b.forwardAndLogDet(x, options);
      const r = copy.forwardAndLogDet(x, options);
      assert.ok(
        tf.max(tf.abs(tf.sub(a.value, r.value))).dataSync()[0] === 0,
        `${b.type}: outputs differ`,
      );
      assert.ok(
        tf.max(tf.abs(tf.sub(a.logDet, r.logDet))).dataSync()[0] === 0,
        `${b.type}: log-dets differ`,
      );
    });
  } finally {
    copy.dispose();
  }
}

/**
 * The bijector reports the case's context width; a conditional one refuses to
 * run without its context, and its output depends on the context.
 */
export function checkContext(c: HarnessCase, b: Bijector): void {
  assert.equal(b.contextDim, c.contextDim ?? 0, `${b.type}: contextDim`);
  if (!c.contextDim) return;
  tf.tidy(() => {
    const { x, options } = inputs(c, 8, 71);
    assert.throws(() => b.forward(x), /context/, `${b.type}: forward without a context`);
    assert.throws(() => b.inverse(x), /context/, `${b.type}: inverse without a context`);
    const other = { context: tf.add(options.context!, 1) as tf.Tensor2D };
    const diff = tf.max(tf.abs(tf.sub(b.forward(x, options), b.forward(x, other)))).dataSync()[0];
    assert.ok(diff > 1e-4, `${b.type}: the output does not depend on the context`);
  });
}

/**
 * Registers the full battery of bijector tests for one case.
 * @param name Test name prefix.
 * @param c The case.
 */
export function testBijector(name: string, c: HarnessCase): void {
  const withBijector = (fn: (b: Bijector) => void | Promise<void>) => async () => {
    await initBackend("wasm");
    const b = c.make();
    try {
      (c.randomize ?? randomizeVariables)(b, 1234);
      await fn(b);
    } finally {
      b.dispose();
    }
  };
  Deno.test(`${name}: inverse(forward(x)) ≈ x`, withBijector((b) => checkRoundTrip(c, b)));
  Deno.test(
    `${name}: log-det matches the autodiff Jacobian`,
    withBijector((b) => checkLogDetAgainstJacobian(c, b)),
  );
  Deno.test(
    `${name}: inverse log-det is minus forward log-det`,
    withBijector((b) => checkInverseLogDet(c, b)),
  );
  Deno.test(
    `${name}: gradients reach every trainable variable`,
    withBijector((b) => checkGradientsReachVariables(c, b)),
  );
  Deno.test(
    `${name}: wasm gradients agree with cpu`,
    withBijector((b) => checkGradientsMatchCpu(c, b)),
  );
  Deno.test(
    `${name}: config and weights round trip`,
    withBijector((b) => checkConfigRoundTrip(c, b)),
  );
  Deno.test(
    `${name}: context width reported${c.contextDim ? ", required and used" : ""}`,
    withBijector((b) => checkContext(c, b)),
  );
}
