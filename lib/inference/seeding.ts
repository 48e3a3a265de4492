/**
 * The seed-or-generator option shared by the inference tools: pass a `seed`
 * for a fresh reproducible stream, or an `rng` to continue an existing one.
 *
 * @module
 */
import { Rng } from "../core/random.ts";

/** Where random numbers come from. */
export interface SeedOptions {
  /** Seed of a fresh {@link Rng}. Default 0. */
  seed?: number;
  /** A generator to draw from instead (takes precedence over `seed`). */
  rng?: Rng;
}

/**
 * The generator named by seed options.
 * @param options `rng`, or `seed` (default 0).
 * @returns `options.rng`, or a new generator seeded with `options.seed`.
 * @example
 * ```ts
 * import { rngFrom } from "./seeding.ts";
 * const rng = rngFrom({ seed: 3 });
 * ```
 */
export function rngFrom(options: SeedOptions = {}): Rng {
  return options.rng ?? new Rng(options.seed ?? 0);
}
