/**
 * A watch on the held-out NLL during training that says, once, when the
 * fit is getting worse instead of better — the held-out NLL above its best
 * for several epochs in a row by a clear margin — which is what a learning
 * rate far too high or a model that overfits looks like. Training goes on
 * (the best weights are restored at the end when there is held-out data);
 * the user learns why the result is poor. The trainer asks it only when
 * early stopping is off (with early stopping a rising held-out NLL ends the
 * run by design).
 *
 * @module
 */

/** Options of {@link DivergenceWatch}. */
export interface DivergenceWatchOptions {
  /** Epochs in a row above the best before the warning. Default 3. */
  epochs?: number;
  /** Margin above the best, in nats per example, relative to max(1, |best|). Default 0.05. */
  relativeMargin?: number;
}

/**
 * Tracks the held-out NLL epoch by epoch; {@link DivergenceWatch.observe}
 * returns a warning the first time the NLL has stayed clearly above its best
 * for `epochs` epochs in a row, and null otherwise.
 * @example
 * ```ts
 * import { DivergenceWatch } from "./divergence.ts";
 * const watch = new DivergenceWatch();
 * const said = [3.1, 2.9, 3.4, 3.8, 4.5].map((nll, i) => watch.observe(i + 1, nll));
 * said[4]; // "held-out NLL above its best for 3 epochs …"
 * ```
 */
export class DivergenceWatch {
  readonly #epochs: number;
  readonly #margin: number;
  #best = Infinity;
  #bestEpoch = 0;
  #above = 0;
  #warned = false;

  /** @param options Thresholds. */
  constructor(options: DivergenceWatchOptions = {}) {
    this.#epochs = options.epochs ?? 3;
    this.#margin = options.relativeMargin ?? 0.05;
  }

  /**
   * Records one epoch.
   * @param epoch The 1-based epoch.
   * @param nll Its held-out NLL.
   * @returns The warning, once, or null.
   */
  observe(epoch: number, nll: number): string | null {
    if (nll < this.#best) {
      this.#best = nll;
      this.#bestEpoch = epoch;
      this.#above = 0;
      return null;
    }
    const clearly = nll > this.#best + this.#margin * Math.max(1, Math.abs(this.#best));
    this.#above = clearly ? this.#above + 1 : 0;
    if (this.#warned || this.#above < this.#epochs) return null;
    this.#warned = true;
    return `held-out NLL above its best for ${this.#epochs} epochs (best ${
      this.#best.toFixed(4)
    } at epoch ${this.#bestEpoch}, now ${nll.toFixed(4)}): the learning rate may be too high ` +
      `or the model overfits; the best epoch's weights are kept at the end, and ` +
      `training.early_stopping_patience would stop such a run early`;
  }
}
