/**
 * An equal-weight mixture of variational flows fitted independently (different seeds) to
 * the same target: `q(θ) = (1/K) Σ_k q_k(θ)`.
 *
 * Why: reverse-KL variational inference is mode-seeking, and on a posterior with curved,
 * weakly identified directions (travel-time tomography) each fit settles on a different
 * part of it. Their errors are only partly shared (measured on application 7's quick
 * problem: the mean maps of fits with different seeds err with a correlation of about
 * 0.5), so the mixture's mean is closer to the posterior mean than any member's, and its
 * spread, which adds the members' disagreement, is less under-dispersed. The members are
 * independent, so they can be fitted in parallel (application 7 fits one per worker).
 *
 * Sampling gives each member `n/K` rows (the first `n mod K` members one more); member `k`
 * draws with seed `seed + k`.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic.ts";
import { loadVariationalPosterior, type VariationalPosterior } from "./variational.ts";
import { logMeanExp } from "./log_mean_exp.ts";

const RECORD_FORMAT = "flow_models.variational_ensemble.v1";

/**
 * A mixture of fitted {@link VariationalPosterior}s with equal weights.
 * @example
 * ```ts
 * import { VariationalEnsemble } from "./variational_ensemble.ts";
 * import { VariationalPosterior } from "./variational.ts";
 * const members = [1, 2].map((seed) => new VariationalPosterior({ dims: 2, seed }));
 * const q = new VariationalEnsemble(members);
 * (await q.sample(5, { seed: 1 })).length; // 10
 * q.dispose();
 * ```
 */
export class VariationalEnsemble {
  /** The members, each owned by the ensemble. */
  readonly members: readonly VariationalPosterior[];

  /**
   * @param members At least one posterior, all of the same dimension and box.
   * @throws Error when there is none or they disagree on the dimension or the box.
   */
  constructor(members: VariationalPosterior[]) {
    if (members.length < 1) throw new Error("An ensemble needs at least one member");
    const first = members[0];
    members.forEach((m, k) => {
      if (m.dims !== first.dims) {
        throw new Error(`Member ${k} has ${m.dims} parameters; member 0 has ${first.dims}`);
      }
      if (JSON.stringify(m.bounds) !== JSON.stringify(first.bounds)) {
        throw new Error(`Member ${k} has another box than member 0`);
      }
    });
    this.members = members;
  }

  /** Parameters per sample. */
  get dims(): number {
    return this.members[0].dims;
  }

  /**
   * Draws from the mixture: member `k` gives its share of the rows with seed `seed + k`,
   * in member order.
   * @param n Number of samples.
   * @param options Seed (default 0).
   * @returns Row-major `n × dims` samples.
   */
  async sample(n: number, options: { seed?: number } = {}): Promise<Float64Array> {
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(`The number of samples must be a positive integer, got ${n}`);
    }
    const k = this.members.length, d = this.dims, seed = options.seed ?? 0;
    const out = new Float64Array(n * d);
    let row = 0;
    for (let m = 0; m < k; m++) {
      const count = Math.floor(n / k) + (m < n % k ? 1 : 0);
      if (count === 0) continue;
      out.set(await this.members[m].sample(count, { seed: seed + m }), row * d);
      row += count;
    }
    return out;
  }

  /**
   * `log q(θ) = log((1/K) Σ_k q_k(θ))` of each row (−∞ outside the box).
   * @param theta Row-major `m × dims` parameters.
   * @returns `m` log-densities.
   */
  async logProb(theta: ArrayLike<number>): Promise<Float64Array> {
    const parts: Float64Array[] = [];
    for (const m of this.members) parts.push(await m.logProb(theta));
    return logMeanExp(parts);
  }

  /**
   * Saves each member in `dir/member_k` and the ensemble's record in `dir/ensemble.json`
   * (written last, atomically).
   * @param dir The folder.
   */
  async save(dir: string): Promise<void> {
    await Deno.mkdir(dir, { recursive: true });
    for (let k = 0; k < this.members.length; k++) {
      await this.members[k].save(join(dir, `member_${k}`));
    }
    await writeFileAtomic(
      join(dir, "ensemble.json"),
      JSON.stringify({ format: RECORD_FORMAT, members: this.members.length }) + "\n",
    );
  }

  /** Frees every member's flow. */
  dispose(): void {
    for (const m of this.members) m.dispose();
  }
}

/**
 * Loads an ensemble saved by {@link VariationalEnsemble.save}.
 * @param dir The folder.
 * @returns The ensemble.
 * @throws Error naming the folder when it holds no ensemble or a member is missing.
 * @example
 * ```ts
 * import { loadVariationalEnsemble, VariationalEnsemble } from "./variational_ensemble.ts";
 * import { VariationalPosterior } from "./variational.ts";
 * const q = new VariationalEnsemble([1, 2].map((seed) => new VariationalPosterior({ dims: 2, seed })));
 * const dir = await Deno.makeTempDir();
 * await q.save(dir);
 * const again = await loadVariationalEnsemble(dir);
 * console.log(again.members.length); // 2
 * q.dispose();
 * again.dispose();
 * ```
 */
export async function loadVariationalEnsemble(dir: string): Promise<VariationalEnsemble> {
  let record: { format?: string; members?: number };
  try {
    record = JSON.parse(await Deno.readTextFile(join(dir, "ensemble.json")));
  } catch (e) {
    throw new Error(
      `${dir} holds no variational ensemble (ensemble.json: ${(e as Error).message})`,
    );
  }
  if (record.format !== RECORD_FORMAT || !Number.isInteger(record.members)) {
    throw new Error(`${dir}/ensemble.json is not a variational ensemble record`);
  }
  const members: VariationalPosterior[] = [];
  try {
    for (let k = 0; k < record.members!; k++) {
      members.push(await loadVariationalPosterior(join(dir, `member_${k}`)));
    }
    return new VariationalEnsemble(members);
  } catch (e) {
    for (const m of members) m.dispose();
    throw e;
  }
}
