/**
 * Application 3's own parts without training: the training classes and their
 * errors, one-hot labels, row choices spread over classes, the OoD transforms
 * (inverted, flipped, noise, blurred) and their evaluation, and the
 * classification report of given logits.
 */
import assert from "node:assert/strict";
import {
  classFrequencies,
  classificationReport,
  evaluateOod,
  gaussianBlur,
  oneHotRows,
  sampleRows,
  trainingClasses,
  transformImages,
} from "../apps/app3/mod.ts";
import { ImageDataError } from "../lib/images/errors.ts";

Deno.test("app3 data: training classes less the held-out one; too few classes or an unknown one are refused", () => {
  assert.deepEqual(trainingClasses("x", ["b", "a", "c", "a"], ["a", "b", "c"], "c"), ["a", "b"]);
  assert.deepEqual(trainingClasses("x", ["b", "a"], ["a", "b", "z"], ""), ["a", "b"]);
  assert.throws(
    () => trainingClasses("data/x", ["shoe"], ["shoe", "bag"], ""),
    (e) => e instanceof ImageDataError && /train\/ has only one class \(shoe\)/.test(e.message),
  );
  assert.throws(
    () => trainingClasses("data/x", ["a", "b"], ["a", "b"], "b"),
    /only one class \(a\) once run\.ood_class "b" is held out/,
  );
  assert.throws(
    () => trainingClasses("data/x", ["a", "b"], ["a", "b"], "unicorn"),
    /run\.ood_class "unicorn" is not a class of data\/x \(its classes: a, b\)/,
  );
  assert.deepEqual([...oneHotRows(Int32Array.from([2, 0]), 3)], [0, 0, 1, 1, 0, 0]);
  assert.throws(() => oneHotRows([3], 3), /label 0 is 3/);
  assert.deepEqual(classFrequencies([0, 1, 1, 1], 2), [0.25, 0.75]);
  const rows = sampleRows(1000, 100, 7);
  assert.equal(rows.length, 100);
  assert.equal(new Set(rows).size, 100);
  assert.ok(rows.every((r, i) => i === 0 || r > rows[i - 1]));
  assert.ok(rows.some((r) => r >= 900) && rows.some((r) => r < 100), "spread over the whole range");
  assert.deepEqual(sampleRows(3, 10, 1), [0, 1, 2]);
});

Deno.test("app3 OoD transforms: inverted, upside down, noise and blur keep integer pixels 0..255", () => {
  const shape: [number, number, number] = [3, 2, 1];
  const img = new Float32Array([0, 10, 20, 30, 40, 255]);
  assert.deepEqual([...transformImages("inverted", img, shape, 1)], [255, 245, 235, 225, 215, 0]);
  assert.deepEqual([...transformImages("flipped", img, shape, 1)], [40, 255, 20, 30, 0, 10]);
  const noise = transformImages("noise", new Float32Array(600), [20, 10, 3], 1);
  assert.ok(noise.every((v) => Number.isInteger(v) && v >= 0 && v <= 255));
  const mean = noise.reduce((a, v) => a + v, 0) / noise.length;
  assert.ok(Math.abs(mean - 127.5) < 10, `noise mean ${mean}`);
  // A blur keeps the total brightness of an interior dot and spreads it.
  const dot = new Float32Array(81);
  dot[40] = 255;
  const blurred = gaussianBlur(dot, [9, 9, 1], 1);
  assert.ok(blurred[40] < 255 && blurred[41] > 0 && blurred[31] > 0);
  assert.ok(Math.abs(blurred.reduce((a, v) => a + v, 0) - 255) < 8);
  assert.ok(blurred.every((v) => Number.isInteger(v)));
  assert.deepEqual([...gaussianBlur(new Float32Array(9).fill(7), [3, 3, 1], 2)], Array(9).fill(7));
});

Deno.test("app3 OoD evaluation and classification report of given numbers", () => {
  // In-distribution NLLs around 10 nats; "far" has much lower log p, "near" looks the same.
  // "split" has in-distribution NLLs made of an atypical base term and log-det.
  const base = (logProb: number[], shift = 0) => logProb.map((v, i) => v / 2 + shift + 0.1 * i);
  const inDist = [-10, -11, -9, -10.5];
  const e = evaluateOod(
    { logProb: inDist, baseLogProb: base(inDist) },
    [
      { name: "far", logProb: [-40, -50], baseLogProb: base([-40, -50]) },
      { name: "near", logProb: [-10, -10.2], baseLogProb: base([-10, -10.2]) },
      { name: "split", logProb: [-10, -10.2], baseLogProb: base([-10, -10.2], -8) },
    ],
    { logProb: [-10, -10.4, -9.6, -11], baseLogProb: [-5, -5.1, -4.7, -5.6] },
    4,
  );
  assert.equal(e.auroc.far.nll, 1);
  assert.equal(e.auroc.far.typicality, 1);
  assert.equal(e.auroc.far.joint_typicality, 1);
  assert.ok(e.auroc.near.nll > 0.2 && e.auroc.near.nll < 0.8);
  // The NLL cannot tell "split" from in-distribution; the joint typicality can.
  assert.ok(e.auroc.split.nll > 0.2 && e.auroc.split.nll < 0.8);
  assert.equal(e.auroc.split.joint_typicality, 1);
  assert.throws(
    () =>
      evaluateOod({ logProb: [-1, -2], baseLogProb: [-1] }, [], {
        logProb: [-1, -2, -3],
        baseLogProb: [-1, -1, -2],
      }, 4),
    /2 log-densities but 1 base/,
  );
  assert.ok(Math.abs(e.bitsPerDim.far - 45 / (4 * Math.LN2)) < 1e-12);
  // Three images, two classes: right, wrong, right; logits are joint log-densities.
  const r = classificationReport([0, -3, -2, 0, -4, 0], Int32Array.from([0, 0, 1]), 2);
  assert.ok(Math.abs(r.accuracy - 2 / 3) < 1e-12);
  assert.deepEqual(r.confusion, [[1, 1], [0, 1]]);
  assert.deepEqual(r.perClassAccuracy, [0.5, 1]);
  assert.equal(r.bins.length, 15);
  const scaled = classificationReport([0, -3, -2, 0, -4, 0], Int32Array.from([0, 0, 1]), 2, 100);
  assert.deepEqual([...scaled.predicted], [...r.predicted], "temperature keeps the predictions");
  assert.ok(scaled.confidence.every((c) => c < 0.52));
});
