/**
 * "Did you mean …?" suggestions for misspelt names, by edit distance.
 *
 * @module
 */

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        prev[j] + 1,
        cur[j - 1] + 1,
        prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The closest candidate to a misspelt name, if it is close enough (an edit
 * distance of at most a third of the name's length, and at least 2 allowed),
 * or one that contains it / is contained in it.
 * @param name The unknown name.
 * @param candidates The known names.
 * @returns The best candidate, or undefined.
 * @example
 * ```ts
 * import { closestName } from "./suggest.ts";
 * closestName("num_epoch", ["num_epochs", "batch_size"]); // "num_epochs"
 * ```
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3))) return best;
  if (lower.length >= 4) return candidates.find((c) => c.includes(lower) || lower.includes(c));
  return undefined;
}

/**
 * A suggestion clause to append to an error message.
 * @param name The unknown name.
 * @param candidates The known names.
 * @param format How to show the suggestion (default: JSON-quoted).
 * @returns `; did you mean "x"?` or an empty string.
 * @example
 * ```ts
 * import { didYouMean } from "./suggest.ts";
 * didYouMean("trainig", ["run", "training"]); // '; did you mean "training"?'
 * ```
 */
export function didYouMean(
  name: string,
  candidates: readonly string[],
  format: (s: string) => string = (s) => JSON.stringify(s),
): string {
  const best = closestName(name, candidates);
  return best === undefined ? "" : `; did you mean ${format(best)}?`;
}
