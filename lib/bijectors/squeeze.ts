/**
 * Glow's squeeze (space-to-depth 2×2) on NHWC images: each 2×2 block of
 * pixels becomes one pixel with four times the channels,
 * `[n, h, w, c] → [n, h/2, w/2, 4c]`, output channel `(2·dy + dx)·c + k`
 * holding input channel `k` of the block's pixel `(dy, dx)`. A pure
 * rearrangement, so its log-det is 0. Built from reshape and a rank-4
 * transpose, both with gradients on every backend.
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

/**
 * Space-to-depth by 2×2 blocks.
 * @param x Images `[n, h, w, c]` with even `h` and `w`.
 * @returns `[n, h/2, w/2, 4c]`.
 * @throws Error when the input is not rank 4 or `h`, `w` are odd.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { squeeze2x2 } from "./squeeze.ts";
 * squeeze2x2(tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1])).print(); // [[[[1, 2, 3, 4]]]]
 * ```
 */
export function squeeze2x2(x: tf.Tensor): tf.Tensor4D {
  if (x.rank !== 4 || x.shape[1]! % 2 !== 0 || x.shape[2]! % 2 !== 0) {
    throw new Error(`squeeze expects images [n, h, w, c] with even h and w, got [${x.shape}]`);
  }
  const [n, h, w, c] = x.shape as [number, number, number, number];
  return tf.tidy(() => {
    const blocks = tf.reshape(x, [n * (h / 2), 2, w / 2, 2 * c]); // (row pair, dy, col, dx·c)
    return tf.reshape(tf.transpose(blocks, [0, 2, 1, 3]), [n, h / 2, w / 2, 4 * c]);
  });
}

/**
 * Depth-to-space by 2×2 blocks, the inverse of {@link squeeze2x2}.
 * @param y Images `[n, h, w, 4c]`.
 * @returns `[n, 2h, 2w, c]`.
 * @throws Error when the input is not rank 4 or its channels are not a multiple of 4.
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { unsqueeze2x2 } from "./squeeze.ts";
 * console.log(unsqueeze2x2(tf.zeros([1, 2, 2, 4])).shape); // [1, 4, 4, 1]
 * ```
 */
export function unsqueeze2x2(y: tf.Tensor): tf.Tensor4D {
  if (y.rank !== 4 || y.shape[3]! % 4 !== 0) {
    throw new Error(`unsqueeze expects images [n, h, w, 4c], got [${y.shape}]`);
  }
  const [n, h, w, c4] = y.shape as [number, number, number, number];
  return tf.tidy(() => {
    const blocks = tf.reshape(y, [n * h, w, 2, c4 / 2]); // (row, col, dy, dx·c)
    return tf.reshape(tf.transpose(blocks, [0, 2, 1, 3]), [n, 2 * h, 2 * w, c4 / 4]);
  });
}

/**
 * Glow's squeeze as a bijector (data → latent: space to depth).
 * @example
 * ```ts
 * import { tf } from "../core/tf.ts";
 * import { Squeeze } from "./squeeze.ts";
 * const s = new Squeeze();
 * const { value, logDet } = s.forwardAndLogDet(tf.zeros([1, 4, 4, 3]));
 * console.log(value.shape); // [1, 2, 2, 12]
 * logDet.print(); // [0]
 * console.log(s.inverse(value).shape); // [1, 4, 4, 3]
 * ```
 */
export class Squeeze extends Bijector {
  readonly type = "squeeze";

  /** A reshape's log-det is zero. */
  override get volumePreserving(): boolean {
    return true;
  }

  forwardAndLogDet(x: tf.Tensor): BijectorResult {
    return { value: squeeze2x2(x), logDet: tf.zeros([x.shape[0]]) };
  }

  inverseAndLogDet(y: tf.Tensor): BijectorResult {
    return { value: unsqueeze2x2(y), logDet: tf.zeros([y.shape[0]]) };
  }

  config(): BijectorConfig {
    return { type: this.type };
  }
}

registerBijector("squeeze", () => new Squeeze());
