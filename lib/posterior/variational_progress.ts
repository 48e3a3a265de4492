/**
 * Progress of a variational fit in its own terms: the trainer counts one epoch per
 * optimizer step; this sink reports steps, −ELBO as the loss, and a summary line with the
 * ELBO, the mean log target and the entropy.
 *
 * @module
 */
import type { ProgressSink, ProgressState } from "../training/progress.ts";
import { type LearningRate, learningRateAt } from "../training/schedule.ts";

/**
 * Passes the trainer's progress on in terms of steps and the ELBO.
 * @example
 * ```ts
 * import { StepProgress } from "./variational_progress.ts";
 * import { silentProgress } from "../training/progress.ts";
 * const sink = new StepProgress(silentProgress, () => ({ elbo: -3, logTarget: -2, entropy: 1 }), 10, 1e-3);
 * sink.line("epoch 10/100: train NLL 3"); // "step 10/100: ELBO -3.000 …" to the inner sink
 * ```
 */
export class StepProgress implements ProgressSink {
  constructor(
    readonly inner: ProgressSink,
    readonly latest: () => { elbo: number; logTarget: number; entropy: number },
    readonly every: number,
    readonly learningRate: LearningRate,
  ) {}

  step(s: ProgressState): void {
    this.inner.step({
      epoch: 1,
      epochs: 1,
      step: s.epoch,
      stepsPerEpoch: s.epochs,
      loss: -this.latest().elbo,
      stepsPerSecond: s.stepsPerSecond,
      etaSeconds: s.etaSeconds,
    });
  }

  line(text: string): void {
    const epochLine = /^epoch (\d+)\/(\d+): /.exec(text);
    if (epochLine) {
      const step = Number(epochLine[1]), total = Number(epochLine[2]);
      if (step % this.every !== 0 && step !== total) return;
      const { elbo, logTarget, entropy } = this.latest();
      this.inner.line(
        `step ${step}/${total}: ELBO ${elbo.toFixed(3)} (log target ${logTarget.toFixed(3)}, ` +
          `entropy ${entropy.toFixed(3)}), lr ${
            learningRateAt(this.learningRate, step).toExponential(2)
          }`,
      );
      return;
    }
    const resumed = /^resumed from checkpoint at epoch (\d+)/.exec(text);
    this.inner.line(resumed ? `resumed from checkpoint at step ${resumed[1]}` : text);
  }

  done(): void {
    this.inner.done();
  }
}

/**
 * Trailing mean over a window.
 * @param values Series.
 * @param window Width.
 * @returns One mean per value, over up to `window` values ending there.
 * @example
 * ```ts
 * import { trailingMean } from "./variational_progress.ts";
 * trailingMean([1, 2, 3, 4], 2); // [1, 1.5, 2.5, 3.5]
 * ```
 */
export function trailingMean(values: number[], window: number): number[] {
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= window) sum -= values[i - window];
    out.push(sum / Math.min(i + 1, window));
  }
  return out;
}
