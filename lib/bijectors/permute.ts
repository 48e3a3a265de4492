/**
 * A fixed permutation of the last axis. Volume-preserving: log-det 0. Its
 * gradient is the inverse permutation (see `permuteLastAxis` in lib/kernels), so it trains
 * on the wasm backend.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import {
  Bijector,
  type BijectorConfig,
  type BijectorResult,
  registerBijector,
} from "./bijector.ts";
import { permuteLastAxis } from "../kernels/mod.ts";
import { Rng } from "../core/random.ts";

/** Permutes the last axis: output `i` is input `permutation[i]`. */
export class Permute extends Bijector {
  readonly type = "permute";
  /** The permutation. */
  readonly permutation: readonly number[];
  readonly #inverse: number[];

  /**
   * @param permutation A permutation of `0..n-1`.
   * @throws Error if it is not a permutation.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { Permute } from "./permute.ts";
   * const p = new Permute([2, 0, 1]);
   * const { value, logDet } = p.forwardAndLogDet(tf.tensor2d([[10, 20, 30]]));
   * value.print(); // [[30, 10, 20]]
   * logDet.print(); // [0]
   * p.inverse(value).print(); // [[10, 20, 30]]
   * ```
   */
  constructor(permutation: readonly number[]) {
    super();
    const n = permutation.length;
    const seen = new Set(permutation);
    if (seen.size !== n || permutation.some((p) => !Number.isInteger(p) || p < 0 || p >= n)) {
      throw new Error(`Not a permutation of 0..${n - 1}: [${permutation}]`);
    }
    this.permutation = [...permutation];
    this.#inverse = new Array<number>(n);
    permutation.forEach((p, i) => (this.#inverse[p] = i));
  }

  /**
   * @param n Width of the last axis.
   * @returns The permutation that reverses the order.
   */
  static reverse(n: number): Permute {
    return new Permute(Array.from({ length: n }, (_, i) => n - 1 - i));
  }

  /**
   * @param n Width of the last axis.
   * @param seed Seed; the same seed gives the same permutation.
   * @returns A uniformly random permutation.
   */
  static random(n: number, seed: number): Permute {
    return new Permute(new Rng(seed).permutation(n));
  }

  /**
   * The original's "alternating" scheme: reverse in even flow steps, identity in odd ones.
   * @param n Width of the last axis.
   * @param step Index of the flow step.
   */
  static alternating(n: number, step: number): Permute {
    return step % 2 === 0
      ? Permute.reverse(n)
      : new Permute(Array.from({ length: n }, (_, i) => i));
  }

  /** A permutation's log-det is zero. */
  override get volumePreserving(): boolean {
    return true;
  }

  forwardAndLogDet(x: tf.Tensor): BijectorResult {
    this.#check(x);
    return tf.tidy(() => ({
      value: permuteLastAxis(x, this.permutation),
      logDet: tf.zeros([x.shape[0]]) as tf.Tensor1D,
    }));
  }

  inverseAndLogDet(y: tf.Tensor): BijectorResult {
    this.#check(y);
    return tf.tidy(() => ({
      value: permuteLastAxis(y, this.#inverse),
      logDet: tf.zeros([y.shape[0]]) as tf.Tensor1D,
    }));
  }

  #check(x: tf.Tensor): void {
    if (x.shape[x.rank - 1] !== this.permutation.length) {
      throw new Error(
        `permute expects a last axis of ${this.permutation.length}, got shape [${x.shape}]`,
      );
    }
  }

  config(): BijectorConfig {
    return { type: this.type, permutation: [...this.permutation] };
  }
}

registerBijector("permute", (c) => new Permute(c.permutation as number[]));
