/**
 * A first-come, first-served bound on how many async operations run at
 * once (parallel fetches and decodes).
 *
 * @module
 */

/** Runs at most `limit` operations at a time, in the order they were asked for. */
export class Limiter {
  readonly limit: number;
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  #peak = 0;

  /**
   * @param limit Operations at once, at least 1.
   * @example
   * ```ts
   * import { Limiter } from "./limiter.ts";
   * const limiter = new Limiter(4);
   * const sizes = await Promise.all(
   *   ["deno.json", "mod.ts"].map((f) => limiter.run(() => Deno.stat(f).then((s) => s.size))),
   * );
   * ```
   */
  constructor(limit: number) {
    if (!(Number.isInteger(limit) && limit >= 1)) {
      throw new Error(`concurrency limit must be a positive integer, got ${limit}`);
    }
    this.limit = limit;
  }

  /** The most operations that ran at once so far. */
  get peak(): number {
    return this.#peak;
  }

  /**
   * Runs `op` once a slot is free.
   * @param op The operation.
   * @returns What `op` returns.
   */
  async run<T>(op: () => Promise<T>): Promise<T> {
    if (this.#active >= this.limit) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#active++;
    }
    this.#peak = Math.max(this.#peak, this.#active);
    try {
      return await op();
    } finally {
      const next = this.#waiting.shift();
      if (next) next(); // the slot passes straight to the next operation
      else this.#active--;
    }
  }
}
