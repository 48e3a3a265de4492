/**
 * Progress of long runs on stderr: one self-updating line on a terminal,
 * plain lines (at most one every few seconds, plus one per epoch) when
 * output goes to a file or CI log.
 *
 * @module
 */

/** What the trainer reports after each step. */
export interface ProgressState {
  /** 1-based epoch. */
  epoch: number;
  /** Total epochs. */
  epochs: number;
  /** 1-based step within the epoch. */
  step: number;
  /** Steps per epoch. */
  stepsPerEpoch: number;
  /** Latest training loss (NLL + penalty, nats). */
  loss: number;
  /** Latest bits per dimension, when the loss is an NLL. */
  bitsPerDim?: number;
  /** Optimizer steps per second over this run. */
  stepsPerSecond: number;
  /** Estimated seconds left. */
  etaSeconds: number;
}

/** Receives progress; the default writes to stderr. */
export interface ProgressSink {
  /** After every optimizer step. */
  step(state: ProgressState): void;
  /** A whole line (end of epoch, messages). */
  line(text: string): void;
  /** End of training. */
  done(): void;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const m = Math.floor(s / 60), sec = Math.round(s % 60);
  return m > 0 ? `${m}m${String(sec).padStart(2, "0")}s` : `${sec}s`;
}

/**
 * @param state Progress.
 * @returns The one-line summary, e.g. `epoch 3/40 step 120/125 loss 2.8412 bpd 2.0497 31.2 steps/s ETA 4m10s`.
 * @example
 * ```ts
 * import { formatProgress } from "./progress.ts";
 * const line = formatProgress({
 *   epoch: 3,
 *   epochs: 40,
 *   step: 120,
 *   stepsPerEpoch: 125,
 *   loss: 2.8412,
 *   bitsPerDim: 2.0497,
 *   stepsPerSecond: 31.2,
 *   etaSeconds: 250,
 * });
 * console.log(line); // epoch 3/40 step 120/125 loss 2.8412 bpd 2.0497 31.2 steps/s ETA 4m10s
 * ```
 */
export function formatProgress(state: ProgressState): string {
  return `epoch ${state.epoch}/${state.epochs} step ${state.step}/${state.stepsPerEpoch} ` +
    `loss ${state.loss.toFixed(4)} ` +
    (state.bitsPerDim !== undefined && Number.isFinite(state.bitsPerDim)
      ? `bpd ${state.bitsPerDim.toFixed(4)} `
      : "") +
    `${state.stepsPerSecond.toFixed(1)} steps/s ETA ${formatSeconds(state.etaSeconds)}`;
}

/** Progress on stderr; updates in place on a TTY, throttled plain lines otherwise. */
export class ConsoleProgress implements ProgressSink {
  readonly #tty: boolean;
  readonly #intervalMs: number;
  #last = -Infinity;
  #open = false;
  readonly #write: (text: string) => void;

  /**
   * @param options `tty` overrides detection; `intervalMs` throttles non-TTY
   * lines (default 5000); `write` replaces the stderr writer.
   * @example
   * ```ts
   * import { ConsoleProgress } from "./progress.ts";
   * // Usually passed as `progress` to trainFlow; here it writes into an array.
   * const out: string[] = [];
   * const progress = new ConsoleProgress({ tty: false, write: (text) => out.push(text) });
   * progress.step({
   *   epoch: 1,
   *   epochs: 2,
   *   step: 1,
   *   stepsPerEpoch: 10,
   *   loss: 1.5,
   *   stepsPerSecond: 20,
   *   etaSeconds: 1,
   * });
   * progress.line("epoch 1: held-out NLL 1.42");
   * progress.done();
   * console.log(out.length); // 2
   * ```
   */
  constructor(
    options: { tty?: boolean; intervalMs?: number; write?: (text: string) => void } = {},
  ) {
    this.#tty = options.tty ?? Deno.stderr.isTerminal();
    this.#intervalMs = options.intervalMs ?? 5000;
    const encoder = new TextEncoder();
    this.#write = options.write ?? ((text) => void Deno.stderr.writeSync(encoder.encode(text)));
  }

  step(state: ProgressState): void {
    const now = performance.now();
    if (this.#tty) {
      if (now - this.#last < 100 && state.step < state.stepsPerEpoch) return;
      this.#write(`\r\x1b[2K${formatProgress(state)}`);
      this.#open = true;
    } else {
      if (now - this.#last < this.#intervalMs) return;
      this.#write(formatProgress(state) + "\n");
    }
    this.#last = now;
  }

  line(text: string): void {
    if (this.#open) this.#write("\r\x1b[2K");
    this.#open = false;
    this.#write(text + "\n");
  }

  done(): void {
    if (this.#open) this.#write("\n");
    this.#open = false;
  }
}

/** A sink that discards everything (tests, notebooks that want quiet runs). */
export const silentProgress: ProgressSink = { step() {}, line() {}, done() {} };
