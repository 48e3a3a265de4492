/**
 * The machine's matrix-multiply limit as this toolkit reaches it: float32
 * GEMM through the native BLAS (FFI) at the shapes of a training step.
 *
 * @module
 */
import { tf } from "../lib/core/tf.ts";
import { gemm, nativeGemmActive } from "../lib/kernels/blas.ts";

/** GFLOP/s of one shape. */
export interface GemmRate {
  /** `m×k · k×n` with transposes, as text. */
  shape: string;
  /** Median GFLOP/s. */
  gflops: number;
}

/**
 * Measures GEMM throughput at the three products of a dense layer's step.
 * @param batch Rows of the activations.
 * @param width Layer width.
 * @returns Rates per shape; empty when the native path is not active.
 */
export function measureGemm(batch: number, width: number): GemmRate[] {
  if (!nativeGemmActive()) return [];
  const x = tf.randomNormal([batch, width]) as tf.Tensor2D;
  const w = tf.randomNormal([width, width]) as tf.Tensor2D;
  const shapes: [string, () => tf.Tensor][] = [
    [`${batch}×${width} · ${width}×${width}`, () => gemm(x, w)],
    [`${batch}×${width} · (${width}×${width})ᵀ`, () => gemm(x, w, false, true)],
    [`(${batch}×${width})ᵀ · ${batch}×${width}`, () => gemm(x, x, true, false)],
  ];
  const flops = 2 * batch * width * width;
  const rates = shapes.map(([shape, fn]) => {
    const times: number[] = [];
    for (let i = 0; i < 60; i++) {
      const t0 = performance.now();
      const out = fn();
      out.dataSync();
      times.push(performance.now() - t0);
      out.dispose();
    }
    times.sort((a, b) => a - b);
    return { shape, gflops: flops / (times[Math.floor(times.length / 2)] * 1e6) };
  });
  tf.dispose([x, w]);
  return rates;
}
