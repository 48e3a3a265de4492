/**
 * Spline-specific checks of the rational-quadratic spline coupling: identity
 * tails, monotonicity, a continuous derivative at ±B, knots mapped onto knots,
 * inverse accuracy at float32's limit, and the fused kernel's hand-written
 * gradients against autodiff (per bin, and against a textbook cumsum/gather
 * spline for the whole coupling).
 */
import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { initBackend } from "../lib/kernels/backend.ts";
import {
  rationalQuadraticForward,
  rationalQuadraticInverse,
  SplineCoupling,
  type SplineCouplingConfig,
} from "../lib/bijectors/spline_coupling.ts";
import { randomizeVariables } from "./bijector_harness.ts";
import { COUPLING_NETWORK_KERNEL } from "../lib/kernels/coupling_network_op.ts";
import { fusedKernelsAvailable } from "../lib/kernels/fused_layer.ts";

const B = 3;

function withCoupling(
  config: Partial<SplineCouplingConfig>,
  fn: (c: SplineCoupling) => void,
): () => Promise<void> {
  return async () => {
    await initBackend("wasm");
    const c = new SplineCoupling({
      dims: 2,
      tailBound: B,
      network: { hiddenLayers: [16, 16] },
      seed: 5,
      ...config,
    });
    try {
      randomizeVariables(c, 99);
      tf.tidy(() => fn(c));
    } finally {
      c.dispose();
    }
  };
}

/** A `[n, 2]` batch with the pass-through column fixed and the other one `values`. */
function column(x1: number, values: number[]): tf.Tensor2D {
  return tf.tensor2d(values.map((v) => [x1, v]));
}

function secondColumn(t: tf.Tensor): Float32Array {
  return tf.slice(t, [0, 1], [-1, 1]).dataSync() as Float32Array;
}

Deno.test(
  "spline_coupling: inputs beyond the tail bound pass unchanged with zero log-det",
  withCoupling({}, (c) => {
    const tails = [-1e3, -7, -3.5, -3.0001, 3.0001, 3.5, 7, 1e3];
    for (const x1 of [-2, 0.3, 4]) {
      const x = column(x1, tails);
      for (const r of [c.forwardAndLogDet(x), c.inverseAndLogDet(x)]) {
        assert.deepEqual(Array.from(r.value.dataSync()), Array.from(x.dataSync()));
        assert.deepEqual(Array.from(r.logDet.dataSync()), tails.map(() => 0));
      }
      // While gradients are recorded (the fused kernel): slope exactly 1, log-det flat.
      const [valueGrad, logDetGrad] = [
        (a: tf.Tensor) => tf.sum(tf.slice(c.forwardAndLogDet(a).value, [0, 1], [-1, 1])),
        (a: tf.Tensor) => tf.sum(c.forwardAndLogDet(a).logDet),
      ].map((f) => secondColumn(tf.grad(f)(x)));
      assert.deepEqual(Array.from(valueGrad), tails.map(() => 1));
      assert.deepEqual(Array.from(logDetGrad), tails.map(() => 0));
    }
  }),
);

Deno.test(
  "spline_coupling: monotone increasing in every transformed dim, both directions",
  withCoupling({ dims: 3, numMasked: 1, numBins: 6 }, (c) => {
    const sweep = Array.from({ length: 2001 }, (_, i) => -5 + i * 0.005);
    for (const x1 of [-1.5, 0, 0.7, 2]) {
      for (let dim = 1; dim < 3; dim++) {
        const x = tf.tensor2d(sweep.map((v) => [x1, dim === 1 ? v : 0.4, dim === 2 ? v : -0.9]));
        for (const out of [c.forward(x), c.inverse(x)]) {
          const y = tf.slice(out, [0, dim], [-1, 1]).dataSync();
          for (let i = 1; i < y.length; i++) {
            assert.ok(y[i] > y[i - 1], `not increasing at ${sweep[i]}: ${y[i - 1]} → ${y[i]}`);
          }
        }
      }
    }
  }),
);

Deno.test(
  "spline_coupling: derivative is continuous at ±B (log-det → 0, value → identity)",
  withCoupling({}, (c) => {
    for (const x1 of [-1, 0.5, 2.5]) {
      const eps = [1e-2, 1e-3, 1e-4];
      // Inside, approaching −B and B from within; then exactly at and just beyond ±B.
      const inside = eps.flatMap((e) => [-B + e, B - e]);
      const { value, logDet } = c.forwardAndLogDet(
        column(x1, [...inside, -B, B, -B - 1e-4, B + 1e-4]),
      );
      const y = secondColumn(value), ld = Array.from(logDet.dataSync());
      for (let side = 0; side < 2; side++) {
        const at = (i: number) => ld[2 * i + side];
        // log f' is Lipschitz inside, so it falls linearly with the distance to ±B …
        assert.ok(Math.abs(at(1)) <= 0.2 * Math.abs(at(0)) + 1e-5, `log-det ${ld} (x1 = ${x1})`);
        assert.ok(Math.abs(at(2)) <= 0.2 * Math.abs(at(1)) + 1e-5, `log-det ${ld} (x1 = ${x1})`);
        assert.ok(Math.abs(at(2)) < 1e-2, `log-det ${at(2)} at distance 1e-4 from the bound`);
        // … and f(x) − x quadratically.
        eps.forEach((e, i) => {
          const x = inside[2 * i + side];
          assert.ok(
            Math.abs(y[2 * i + side] - x) < 100 * e * e + 1e-5,
            `f(${x}) = ${y[2 * i + side]}`,
          );
        });
        // At the bound the spline meets the identity tail with slope 1.
        assert.ok(Math.abs(y[6 + side] - (side ? B : -B)) < 1e-5, `f(±B) = ${y[6 + side]}`);
        assert.ok(Math.abs(ld[6 + side]) < 1e-4, `log-det ${ld[6 + side]} at ±B`);
        assert.equal(ld[8 + side], 0);
      }
    }
  }),
);

Deno.test(
  "spline_coupling: the inverse is as accurate as float32 allows, even for extreme splines",
  async () => {
    await initBackend("wasm");
    // Random relu nets make very uneven bins (slopes down to ~e⁻¹⁰): the
    // round-trip error must stay within a few ulps of y divided by the slope.
    for (let seed = 0; seed < 5; seed++) {
      const c = new SplineCoupling({ dims: 2, network: { hiddenLayers: [16, 16] }, seed });
      try {
        randomizeVariables(c, 500 + seed);
        tf.tidy(() => {
          const x = tf.mul(tf.randomNormal([512, 2], 0, 1, "float32", seed), 2) as tf.Tensor2D;
          const { value, logDet } = c.forwardAndLogDet(x);
          const back = secondColumn(c.inverse(value)), x2 = secondColumn(x);
          const y = secondColumn(value), ld = logDet.dataSync();
          for (let i = 0; i < x2.length; i++) {
            const ulps = 16 * 2 ** -23 * (Math.abs(y[i]) + 1);
            const tol = 1e-5 + ulps / Math.exp(ld[i]);
            assert.ok(Math.abs(back[i] - x2[i]) <= tol, `x ${x2[i]} → ${back[i]}, tol ${tol}`);
          }
        });
      } finally {
        c.dispose();
      }
    }
  },
);

Deno.test(
  "spline_coupling: with K bins the forward map sends knots onto knots, with the knot slopes",
  withCoupling({ numBins: 5 }, (c) => {
    const x1 = tf.tensor2d([[-1.2], [0], [0.8], [2.2]]);
    const knots = c.knots(tf.concat([x1, tf.zeros([4, 1])], 1) as tf.Tensor2D);
    assert.deepEqual(knots.x.shape, [4, 1, 6]);
    const kx = knots.x.arraySync()!, ky = knots.y.arraySync()!, kd = knots.derivatives.arraySync()!;
    for (let n = 0; n < 4; n++) {
      const [xs, ys, ds] = [kx[n][0], ky[n][0], kd[n][0]];
      assert.ok(Math.abs(xs[0] + B) < 1e-6 && Math.abs(xs[5] - B) < 1e-5, `x knots ${xs}`);
      assert.ok(Math.abs(ys[0] + B) < 1e-6 && Math.abs(ys[5] - B) < 1e-5, `y knots ${ys}`);
      assert.equal(ds[0], 1);
      assert.equal(ds[5], 1);
      for (let j = 1; j < 6; j++) assert.ok(xs[j] > xs[j - 1] && ys[j] > ys[j - 1]);
      const x = tf.concat([tf.fill([6, 1], x1.arraySync()[n][0]), tf.tensor2d(xs, [6, 1])], 1);
      const { value, logDet } = c.forwardAndLogDet(x as tf.Tensor2D);
      const y = secondColumn(value), ld = logDet.dataSync();
      for (let j = 0; j < 6; j++) {
        assert.ok(Math.abs(y[j] - ys[j]) < 1e-5, `knot ${j}: f(${xs[j]}) = ${y[j]} ≠ ${ys[j]}`);
        assert.ok(Math.abs(ld[j] - Math.log(ds[j])) < 1e-4, `knot ${j}: slope ${Math.exp(ld[j])}`);
      }
      const yKnots = tf.concat([tf.fill([6, 1], x1.arraySync()[n][0]), tf.tensor2d(ys, [6, 1])], 1);
      const back = secondColumn(c.inverse(yKnots));
      for (let j = 0; j < 6; j++) {
        assert.ok(Math.abs(back[j] - xs[j]) < 1e-4, `knot ${j}: f⁻¹(${ys[j]}) = ${back[j]}`);
      }
    }
  }),
);

/** Plain-autodiff reference of the forward map inside one bin. */
function referenceForward(x: tf.Tensor2D, p: tf.Tensor2D): tf.Tensor2D {
  const [xk, wk, yk, hk, d0, d1] = tf.split(p, 6, 1);
  const xi = tf.div(tf.sub(x, xk), wk);
  const s = tf.div(hk, wk);
  const t = tf.mul(xi, tf.sub(1, xi));
  const den = tf.add(s, tf.mul(tf.sub(tf.add(d0, d1), tf.mul(2, s)), t));
  const y = tf.add(yk, tf.div(tf.mul(hk, tf.add(tf.mul(s, tf.square(xi)), tf.mul(d0, t))), den));
  const deriv = tf.div(
    tf.mul(
      tf.square(s),
      tf.add(
        tf.add(tf.mul(d1, tf.square(xi)), tf.mul(tf.mul(2, s), t)),
        tf.mul(d0, tf.square(tf.sub(1, xi))),
      ),
    ),
    tf.square(den),
  );
  return tf.concat([y, tf.log(deriv)], 1) as tf.Tensor2D;
}

Deno.test("spline_coupling: fused kernel's gradient equals autodiff's", async () => {
  for (const backend of ["wasm", "cpu"]) {
    await initBackend(backend);
    tf.tidy(() => {
      const r = 64;
      const u = (lo: number, hi: number, seed: number) =>
        tf.randomUniform([r, 1], lo, hi, "float32", seed);
      const wk = u(0.05, 2, 1), hk = u(0.05, 2, 2), xk = u(-3, 1, 3), yk = u(-3, 1, 4);
      const p = tf.concat([xk, wk, yk, hk, u(0.01, 5, 5), u(0.01, 5, 6)], 1) as tf.Tensor2D;
      const x = tf.add(xk, tf.mul(wk, u(0, 1, 7))) as tf.Tensor2D;
      const weights = tf.randomNormal([r, 2], 0, 1, "float32", 8);
      const loss = (f: typeof referenceForward) => (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(weights, f(a as tf.Tensor2D, b as tf.Tensor2D))) as tf.Scalar;
      const fused = tf.grads(loss(rationalQuadraticForward))([x, p]);
      const reference = tf.grads(loss(referenceForward))([x, p]);
      const outF = rationalQuadraticForward(x, p), outR = referenceForward(x, p);
      const close = (a: tf.Tensor, b: tf.Tensor, what: string) => {
        const err = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
        const scale = tf.max(tf.abs(b)).dataSync()[0];
        assert.ok(err <= 1e-4 * Math.max(1, scale), `${backend} ${what}: ${err} (scale ${scale})`);
      };
      close(outF, outR, "value");
      close(fused[0], reference[0], "d/dx");
      close(fused[1], reference[1], "d/dparams");
      // The inverse undoes the forward map and negates its log-det.
      const inv = rationalQuadraticInverse(tf.slice(outF, [0, 0], [-1, 1]) as tf.Tensor2D, p);
      close(tf.slice(inv, [0, 0], [-1, 1]), x, "inverse");
      close(tf.slice(inv, [0, 1], [-1, 1]), tf.neg(tf.slice(outF, [0, 1], [-1, 1])), "log-det");
    });
  }
  await initBackend("wasm");
});

/**
 * The coupling's forward map written the textbook way on the cpu backend
 * (cumsum, gather, autodiff everywhere): an independent reference for the
 * fused wasm-friendly kernel. `x` is `[n, 1 + m]` with one pass-through dim.
 */
function referenceCoupling(
  c: SplineCoupling,
  x: tf.Tensor2D,
  shape: { k: number; b: number; minW: number; minH: number; minD: number },
): { value: tf.Tensor; logDet: tf.Tensor } {
  const { k, b, minW, minH, minD } = shape;
  const [n, d] = x.shape;
  const m = d - 1;
  const [x1, x2] = tf.split(x, [1, m], 1);
  const params = tf.reshape(c.network.apply(x1 as tf.Tensor2D), [n, m, 3 * k - 1]);
  const [w, h, dRaw] = tf.split(params, [k, k, k - 1], 2);
  const knots = (logits: tf.Tensor, min: number) => {
    const sizes = tf.add(min, tf.mul(1 - min * k, tf.softmax(logits)));
    return tf.concat([tf.fill([n, m, 1], -b), tf.add(-b, tf.mul(2 * b, tf.cumsum(sizes, 2)))], 2);
  };
  const kx = knots(w, minW), ky = knots(h, minH);
  const ones = tf.ones([n, m, 1]);
  const derivs = tf.concat([ones, tf.add(minD, tf.softplus(dRaw)), ones], 2);
  const inside = tf.greaterEqual(b, tf.abs(x2));
  const xc = tf.clipByValue(x2, -b, b);
  const interior = tf.slice(kx, [0, 0, 1], [-1, -1, k - 1]);
  const bin = tf.sum(tf.cast(tf.greaterEqual(tf.expandDims(xc, 2), interior), "int32"), 2);
  // Flat indices row·(K + 1) + bin + offset into the [n·m·(K + 1)] knot arrays.
  const rowStart = tf.mul(tf.range(0, n * m, 1, "int32"), tf.scalar(k + 1, "int32"));
  // Bins are piecewise constant: read them back so the indices stay off the tape.
  const flatBin = tf.add(rowStart, tf.tensor1d(Int32Array.from(bin.dataSync()), "int32"));
  const at = (t: tf.Tensor, offset: number) =>
    tf.reshape(
      tf.gather(tf.reshape(t, [-1]), tf.add(flatBin, tf.scalar(offset, "int32"))),
      [n * m, 1],
    );
  const p = tf.concat([
    at(kx, 0),
    tf.sub(at(kx, 1), at(kx, 0)),
    at(ky, 0),
    tf.sub(at(ky, 1), at(ky, 0)),
    at(derivs, 0),
    at(derivs, 1),
  ], 1) as tf.Tensor2D;
  const out = referenceForward(tf.reshape(xc, [n * m, 1]) as tf.Tensor2D, p);
  const [y, ld] = tf.split(out, 2, 1).map((t) => tf.reshape(t, [n, m]));
  return {
    value: tf.concat([x1, tf.where(inside, y, x2)], 1),
    logDet: tf.sum(tf.where(inside, ld, tf.zerosLike(ld)), 1),
  };
}

for (
  const [backend, activation] of [["wasm", "relu"], ["wasm", "tanh"], ["cpu", "relu"]] as const
) {
  Deno.test(
    `spline_coupling: gradients on ${backend} (${activation}) match a textbook autodiff spline (cumsum, gather)`,
    async () => {
      await initBackend("cpu");
      const shape = { k: 5, b: 2.5, minW: 0.01, minH: 0.02, minD: 0.05 };
      const c = new SplineCoupling({
        dims: 3,
        numMasked: 1,
        numBins: shape.k,
        tailBound: shape.b,
        minBinWidth: shape.minW,
        minBinHeight: shape.minH,
        minDerivative: shape.minD,
        network: { hiddenLayers: [16, 16], activation },
        seed: 3,
      });
      try {
        randomizeVariables(c, 7);
        const vars = c.trainableVariables();
        const x = tf.mul(tf.randomNormal([48, 3], 0, 1, "float32", 1), 1.8) as tf.Tensor2D;
        const wy = tf.randomNormal([48, 3], 0, 1, "float32", 2);
        const wl = tf.randomNormal([48], 0, 1, "float32", 3);
        const loss = (r: { value: tf.Tensor; logDet: tf.Tensor }) =>
          tf.add(tf.sum(tf.mul(wy, r.value)), tf.sum(tf.mul(wl, r.logDet))) as tf.Scalar;
        // Loss, input gradient and every variable's gradient, read back as plain arrays.
        const measure = (f: (input: tf.Tensor) => tf.Scalar) => {
          const tensors = tf.tidy(() => {
            const gv = tf.variableGrads(() => f(x), vars).grads;
            return [f(x), tf.grad(f)(x), ...vars.map((v) => gv[v.name])];
          });
          const arrays = tensors.map((t) => Float64Array.from(t.dataSync()));
          tf.dispose(tensors);
          return arrays;
        };
        // The coupling on the backend under test (its fused kernel on wasm), the textbook
        // spline on cpu.
        await initBackend(backend);
        const fused = measure((input) => loss(c.forwardAndLogDet(input as tf.Tensor2D)));
        // The inverse (one fused kernel on wasm with ReLU) undoes the forward map.
        tf.tidy(() => {
          const f = c.forwardAndLogDet(x);
          const back = c.inverseAndLogDet(f.value);
          const err = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
          assert.ok(err(back.value, x) < 1e-4, `inverse: ${err(back.value, x)}`);
          assert.ok(err(back.logDet, tf.neg(f.logDet)) < 1e-4, "inverse log-det");
        });
        await initBackend("cpu");
        const reference = measure((input) =>
          loss(referenceCoupling(c, input as tf.Tensor2D, shape))
        );
        const names = ["loss", "input gradient", ...vars.map((v) => `gradient of ${v.name}`)];
        names.forEach((what, i) => {
          const scale = Math.max(...reference[i].map(Math.abs));
          const err = Math.max(...reference[i].map((r, j) => Math.abs(r - fused[i][j])));
          assert.ok(
            scale > 0 && err <= 1e-4 * Math.max(1, scale),
            `${what}: ${err} (scale ${scale})`,
          );
        });
        tf.dispose([x, wy, wl]);
      } finally {
        c.dispose();
        await initBackend("wasm");
      }
    },
  );
}

Deno.test("spline_coupling: rejects invalid shapes of the spline", () => {
  const base = { dims: 2, network: { hiddenLayers: [4] }, seed: 1 };
  assert.throws(() => new SplineCoupling({ ...base, numBins: 1 }), /numBins/);
  assert.throws(() => new SplineCoupling({ ...base, tailBound: 0 }), /tailBound/);
  assert.throws(
    () => new SplineCoupling({ ...base, numBins: 4, minBinWidth: 0.25 }),
    /minBinWidth/,
  );
  assert.throws(() => new SplineCoupling({ ...base, minDerivative: -1 }), /minDerivative/);
});

Deno.test("spline_coupling: a ReLU coupling runs as one fused kernel each way on wasm", async () => {
  await initBackend("wasm");
  assert.ok(fusedKernelsAvailable(), "native BLAS and wasm SIMD are needed for this check");
  const c = new SplineCoupling({ dims: 3, contextDim: 2, network: { hiddenLayers: [8] }, seed: 1 });
  try {
    const x = tf.randomNormal([5, 3], 0, 1, "float32", 1) as tf.Tensor2D;
    const context = tf.randomNormal([5, 2], 0, 1, "float32", 2) as tf.Tensor2D;
    for (const inverse of [false, true]) {
      const profile = await tf.profile(() => {
        const r = inverse ? c.inverseAndLogDet(x, { context }) : c.forwardAndLogDet(x, { context });
        tf.dispose([r.value, r.logDet]);
      });
      const names = profile.kernels.map((k) => k.name);
      assert.equal(names.filter((n) => n === COUPLING_NETWORK_KERNEL).length, 1, `${names}`);
      assert.ok(!names.includes("Softmax"), `the tf-ops spline ran: ${names}`);
    }
    tf.dispose([x, context]);
  } finally {
    c.dispose();
  }
});
