/**
 * Interpolation between two latent vectors, to morph one image into another
 * through the flow's latent space.
 *
 * - `linear`: `(1 − t)·a + t·b`. In high dimensions the midpoint of two
 *   typical latents (norms ≈ √D) has norm ≈ √(D/2): it leaves the shell where
 *   N(0, I) puts its mass, and the images in the middle look washed out.
 * - `slerp`: the direction moves along the great circle from `a/‖a‖` to
 *   `b/‖b‖` at constant angular speed while the norm goes linearly from ‖a‖
 *   to ‖b‖, so every step stays in the typical shell. For vectors of equal
 *   norm this is the classic spherical interpolation of Shoemake (1985).
 *
 * @module
 */

/** Interpolation method of {@link interpolateLatents}. */
export type InterpolationMethod = "linear" | "slerp";

/** Options of {@link interpolateLatents}. */
export interface InterpolationOptions {
  /** Number of points, endpoints included (≥ 2). Default 8. */
  steps?: number;
  /** `linear` or `slerp`. Default `slerp`. */
  method?: InterpolationMethod;
}

/** Below this angle (radians) slerp's great circle is replaced by a straight line. */
const MIN_ANGLE = 1e-6;

/**
 * Points from `a` to `b`, both included, at `t = i / (steps − 1)`.
 *
 * Slerp needs the two directions not to be opposite (the great circle is
 * then undefined); it falls back to a straight line between the directions
 * when they are (nearly) equal, and throws when either vector is zero.
 *
 * @param a Start vector.
 * @param b End vector, same length.
 * @param options See {@link InterpolationOptions}.
 * @returns `[steps, d]` row-major points (float32); row 0 is `a`, the last row `b`.
 * @throws Error on different lengths, steps < 2, or (slerp) a zero or opposite vector.
 * @example
 * ```ts
 * import { interpolateLatents } from "./interpolation.ts";
 * interpolateLatents([1, 0], [0, 2], { steps: 3, method: "slerp" });
 * // [1, 0, 1.0607, 1.0607, 0, 2]: the middle point has norm 1.5 at 45°
 * ```
 */
export function interpolateLatents(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: InterpolationOptions = {},
): Float32Array {
  const d = a.length;
  if (b.length !== d || d === 0) {
    throw new Error(`interpolateLatents needs two vectors of one length, got ${d} and ${b.length}`);
  }
  const steps = options.steps ?? 8;
  if (!Number.isInteger(steps) || steps < 2) {
    throw new Error(`interpolateLatents needs an integer steps ≥ 2, got ${steps}`);
  }
  const method = options.method ?? "slerp";
  const out = new Float32Array(steps * d);
  if (method === "linear") {
    for (let i = 0; i < steps; i++) {
      const t = i / (steps - 1);
      for (let j = 0; j < d; j++) out[i * d + j] = (1 - t) * a[j] + t * b[j];
    }
  } else if (method === "slerp") {
    slerpInto(out, a, b, steps);
  } else {
    throw new Error(`interpolateLatents method must be linear or slerp, got ${method}`);
  }
  // Endpoints exactly as given (no round-off from the weights).
  for (let j = 0; j < d; j++) {
    out[j] = a[j];
    out[(steps - 1) * d + j] = b[j];
  }
  return out;
}

function slerpInto(out: Float32Array, a: ArrayLike<number>, b: ArrayLike<number>, steps: number) {
  const d = a.length;
  let na = 0, nb = 0, dot = 0;
  for (let j = 0; j < d; j++) {
    na += a[j] * a[j];
    nb += b[j] * b[j];
    dot += a[j] * b[j];
  }
  na = Math.sqrt(na);
  nb = Math.sqrt(nb);
  if (!(na > 0 && nb > 0)) throw new Error("slerp needs two non-zero vectors");
  const cos = Math.min(1, Math.max(-1, dot / (na * nb)));
  const omega = Math.acos(cos);
  if (Math.PI - omega < MIN_ANGLE) {
    throw new Error("slerp between opposite directions is undefined; use linear");
  }
  const sin = Math.sin(omega);
  for (let i = 0; i < steps; i++) {
    const t = i / (steps - 1);
    const radius = (1 - t) * na + t * nb;
    let wa: number, wb: number;
    if (omega < MIN_ANGLE) {
      wa = 1 - t;
      wb = t;
    } else {
      wa = Math.sin((1 - t) * omega) / sin;
      wb = Math.sin(t * omega) / sin;
    }
    // Direction u(t) = wa·â + wb·b̂ is a unit vector on the great circle.
    let nu = 0;
    for (let j = 0; j < d; j++) nu += (wa * a[j] / na + wb * b[j] / nb) ** 2;
    const scale = radius / Math.sqrt(nu);
    for (let j = 0; j < d; j++) out[i * d + j] = scale * (wa * a[j] / na + wb * b[j] / nb);
  }
}
