/**
 * Seeded pseudo-random numbers (SplitMix32 state, Mulberry32 output). All
 * randomness in the toolkit flows from an {@link Rng} passed in as an option,
 * never from global state, so every run is reproducible from its seed.
 *
 * @module
 */

/** A small, fast, seedable generator of uniform and normal variates. */
export class Rng {
  #state: number;
  #spareNormal: number | null = null;

  /**
   * @param seed Any integer; the same seed gives the same stream.
   * @example
   * ```ts
   * import { Rng } from "./random.ts";
   * const rng = new Rng(42);
   * const u = rng.uniform(); // in [0, 1)
   * ```
   */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Seed must be a finite number, got ${seed}`);
    this.#state = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  }

  /** The generator's internal state, to save in a checkpoint. */
  get state(): number {
    return this.#state;
  }

  set state(value: number) {
    this.#state = value >>> 0;
    this.#spareNormal = null;
  }

  /** A uniform variate in [0, 1). */
  uniform(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A standard normal variate (Box–Muller). */
  normal(): number {
    if (this.#spareNormal !== null) {
      const v = this.#spareNormal;
      this.#spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A fresh 31-bit seed, e.g. for a TensorFlow.js initializer or a child generator. */
  seed(): number {
    return Math.floor(this.uniform() * 2147483647);
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): number[] {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [p[i], p[j]] = [p[j], p[i]];
    }
    return p;
  }
}
