/**
 * Shape conventions shared across the toolkit: the image shape, and the shape
 * logic of per-channel normalization (statistics over every axis but the
 * last, the log-det counting each channel once per spatial position).
 *
 * @module
 */
import type { tf } from "./tf.ts";

/** `[height, width, channels]`, channels 1 (grey) or 3 (RGB). */
export type ImageShape = [number, number, number];

/** The axes to reduce over for per-channel statistics: all but the last. */
export function channelReductionAxes(x: tf.Tensor): number[] {
  return Array.from({ length: x.rank - 1 }, (_, i) => i);
}

/** Number of positions each channel appears at per example (1 for `[batch, dims]`). */
export function positionsPerExample(x: tf.Tensor): number {
  return x.shape.slice(1, -1).reduce((a, b) => a * b, 1);
}

/**
 * Checks the channel width of an input.
 * @param type Bijector type, for the message.
 * @param x Input.
 * @param channels Expected last-axis width.
 */
export function checkChannels(type: string, x: tf.Tensor, channels: number): void {
  if (x.rank < 2 || x.shape[x.rank - 1] !== channels) {
    throw new Error(`${type} expects a last axis of ${channels}, got shape [${x.shape}]`);
  }
}
