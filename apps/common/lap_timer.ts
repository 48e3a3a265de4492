/**
 * Wall-clock laps of an app's run, for the `timings_s` of its `metrics.json`.
 *
 * @module
 */

/** Named laps in seconds, and the function that records one. */
export interface LapTimer {
  /** Seconds of each recorded lap, by name. */
  timings: Record<string, number>;
  /**
   * Records the lap `name` as the seconds since `since` (a `performance.now()` value).
   * @returns `performance.now()`, the start of the next lap.
   */
  lap: (name: string, since: number) => number;
}

/**
 * A new set of laps.
 * @returns The (empty) timings and the function that records a lap.
 * @example
 * ```ts
 * import { lapTimer } from "./lap_timer.ts";
 * const { timings, lap } = lapTimer();
 * let t = performance.now();
 * t = lap("data_s", t);
 * console.log(Object.keys(timings)); // ["data_s"]
 * ```
 */
export function lapTimer(): LapTimer {
  const timings: Record<string, number> = {};
  const lap = (name: string, since: number) => {
    timings[name] = (performance.now() - since) / 1000;
    return performance.now();
  };
  return { timings, lap };
}
