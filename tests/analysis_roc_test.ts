import assert from "node:assert/strict";
import {
  auroc,
  chiMean,
  distancesTo,
  nllScores,
  normDeviationScores,
  normLogDensityScores,
  rocCurve,
  rowNorms,
  sampleBaseGaussian,
  topIndices,
  typicalityScores,
} from "../lib/analysis/mod.ts";
import { Rng } from "../lib/core/random.ts";

/** P(score⁺ > score⁻) + ½·P(tie) over all positive–negative pairs, counted one by one. */
function pairwiseAuc(scores: ArrayLike<number>, labels: ArrayLike<boolean | number>): number {
  let wins = 0, pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!labels[i]) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j]) continue;
      pairs++;
      if (scores[i] > scores[j]) wins++;
      else if (scores[i] === scores[j]) wins += 0.5;
    }
  }
  return wins / pairs;
}

Deno.test("AUROC equals the brute-force pairwise count, with and without ties", () => {
  const rng = new Rng(1);
  for (let trial = 0; trial < 30; trial++) {
    const n = 5 + rng.int(80);
    // Few distinct values on odd trials, so ties are common, including across classes.
    const levels = trial % 2 ? 1 + rng.int(4) : 0;
    const labels = Array.from({ length: n }, (_, i) => (i < 2 ? i : rng.int(2)));
    const scores = labels.map((l) =>
      levels ? rng.int(levels + 1) + l * rng.int(2) : rng.normal() + 0.7 * l
    );
    const want = pairwiseAuc(scores, labels);
    const roc = rocCurve(scores, labels);
    assert.ok(Math.abs(roc.auroc - want) < 1e-12, `trial ${trial}: ${roc.auroc} vs ${want}`);
    assert.ok(Math.abs(auroc(scores, labels) - want) < 1e-12, `trial ${trial} (ranks)`);
  }
});

Deno.test("ROC curve: monotone from (0,0) to (1,1), one point per distinct score", () => {
  const scores = [0.9, 0.8, 0.8, 0.8, 0.5, 0.3, 0.3, 0.1];
  const labels = [true, true, false, true, false, true, false, false];
  const roc = rocCurve(scores, labels);
  assert.deepEqual(Array.from(roc.thresholds), [Infinity, 0.9, 0.8, 0.5, 0.3, 0.1]);
  assert.deepEqual(Array.from(roc.tpr), [0, 0.25, 0.75, 0.75, 1, 1]);
  assert.deepEqual(Array.from(roc.fpr), [0, 0, 0.25, 0.5, 0.75, 1]);
  assert.equal(roc.numPositive, 4);
  assert.equal(roc.numNegative, 4);
  // Perfect and inverted scores; labels as 0/1 numbers.
  assert.equal(rocCurve([3, 2, 1, 0], [1, 1, 0, 0]).auroc, 1);
  assert.equal(auroc([3, 2, 1, 0], [0, 0, 1, 1]), 0);
  assert.equal(auroc([1, 1, 1, 1], [0, 1, 0, 1]), 0.5);
  assert.equal(rocCurve([Infinity, -Infinity], [1, 0]).auroc, 1);
  assert.throws(
    () => rocCurve([1, 2], [1, 1]),
    /at least one positive and one negative label, got 2 and 0/,
  );
  assert.throws(() => auroc([1, 2, 3], [1, 0]), /3 scores but 2 labels/);
  assert.throws(() => rocCurve([1, NaN], [1, 0]), /score 1 is NaN/);
});

Deno.test("latent-norm typicality separates too-wide and too-narrow latents; NLL does not see the narrow ones as anomalies", () => {
  const d = 256, n = 300;
  const normal = sampleBaseGaussian(n, d, { seed: 2 });
  const narrow = sampleBaseGaussian(n, d, { temperature: 0.8, seed: 3 });
  const latents = new Float32Array(2 * n * d);
  latents.set(normal);
  latents.set(narrow, n * d);
  const labels = Array.from({ length: 2 * n }, (_, i) => i >= n);
  const norms = rowNorms(latents, 2 * n, d);
  // log N(z; 0, I) as the flow would report it (no Jacobian term here).
  const logProb = Array.from(norms, (r) => -0.5 * r * r - 0.5 * d * Math.log(2 * Math.PI));
  const nll = nllScores(logProb);
  // Narrow latents are *more* likely under N(0, I): the NLL score ranks them as least anomalous.
  assert.ok(auroc(nll, labels) < 0.05);
  assert.ok(auroc(normDeviationScores(norms, d), labels) > 0.95);
  assert.ok(auroc(normLogDensityScores(norms, d), labels) > 0.95);
  // The NLL typicality test against reference NLLs of in-distribution data works too.
  const ref = sampleBaseGaussian(n, d, { seed: 4 });
  const refNll = Array.from(
    rowNorms(ref, n, d),
    (r) => 0.5 * r * r + 0.5 * d * Math.log(2 * Math.PI),
  );
  assert.ok(auroc(typicalityScores(nll, refNll), labels) > 0.95);
});

Deno.test("score helpers: bits per dim, deviations, distances, top indices", () => {
  const bpd = nllScores([-Math.LN2 * 10], { dims: 5 });
  assert.ok(Math.abs(bpd[0] - 2) < 1e-12);
  const dev = normDeviationScores([chiMean(3) + 1, chiMean(3) - 2], 3);
  assert.ok(Math.abs(dev[0] - 1) < 1e-12 && Math.abs(dev[1] - 2) < 1e-12);
  assert.deepEqual(Array.from(distancesTo([0, 0, 3, 4, 1, 1], 3, [0, 0])), [0, 5, Math.SQRT2]);
  assert.deepEqual(topIndices([5, 1, 9, NaN, 9, 2], 3), [2, 4, 0]);
  assert.deepEqual(topIndices([5, 1, 9, NaN, 9, 2], 2, { smallest: true }), [1, 5]);
  assert.deepEqual(topIndices([1, 2], 5), [1, 0]);
  assert.throws(() => typicalityScores([1], []), /non-empty reference/);
  assert.throws(() => rowNorms(new Float32Array(5), 2, 2), /expected n·d = 2·2 = 4 values, got 5/);
});
