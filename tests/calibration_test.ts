/**
 * Classification metrics of lib/analysis: the ECE and the reliability bins
 * against hand-computed cases, temperature scaling against its closed form,
 * the confusion matrix and per-class accuracy, and their charts.
 */
import assert from "node:assert/strict";
import {
  classAccuracy,
  confusionMatrix,
  confusionMatrixChart,
  expectedCalibrationError,
  fitTemperature,
  labelNll,
  predictClasses,
  reliabilityBins,
  reliabilityChart,
  softmaxRows,
} from "../lib/analysis/mod.ts";
import { renderSvg } from "../lib/plot/mod.ts";

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

Deno.test("ECE: a hand-computed case over 15 bins, bin edges included on the right", () => {
  // Bins of width 1/15. Confidences and outcomes:
  //  0.99, 0.98 (right, right)  → bin 14: conf 0.985, acc 1   → gap 0.015, weight 2/8
  //  0.70, 0.68 (right, wrong)  → bin 10 (0.667, 0.733]: conf 0.69, acc 0.5 → gap 0.19, weight 2/8
  //  0.40 (wrong)               → bin 5 (0.333, 0.4]: conf 0.4, acc 0 → gap 0.4, weight 1/8
  //  0.20, 0.15, 0.12 (w, r, w) → bins 2 (0.133, 0.2]: 0.2, 0.15; bin 1 (0.067, 0.133]: 0.12
  //      bin 2: conf 0.175, acc 0.5 → gap 0.325, weight 2/8; bin 1: conf 0.12, acc 0 → 0.12, 1/8
  const conf = [0.99, 0.98, 0.7, 0.68, 0.4, 0.2, 0.15, 0.12];
  const right = [true, true, true, false, false, false, true, false];
  const expected = (2 * 0.015 + 2 * 0.19 + 0.4 + 2 * 0.325 + 0.12) / 8;
  close(expectedCalibrationError(conf, right), expected, 1e-12);
  const bins = reliabilityBins(conf, right);
  assert.equal(bins.length, 15);
  assert.deepEqual(bins.map((b) => b.count), [0, 1, 2, 0, 0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 2]);
  close(bins[10].confidence, 0.69);
  close(bins[10].accuracy, 0.5);
  assert.ok(Number.isNaN(bins[0].accuracy));
  // A perfectly calibrated case: confidence 0.75, right 3 times in 4.
  close(expectedCalibrationError([0.75, 0.75, 0.75, 0.75], [1, 1, 1, 0]), 0);
  // Confidence 1 and 0 fall in the last and the first bin.
  assert.deepEqual(reliabilityBins([0, 1], [false, true], 4).map((b) => b.count), [1, 0, 0, 1]);
  assert.throws(() => expectedCalibrationError([1.2], [true]), /not in \[0, 1\]/);
  assert.throws(() => expectedCalibrationError([0.5], [true, false]), /1 confidences but 2/);
});

Deno.test("temperature scaling: the fitted T makes σ(margin / T) the hit rate", () => {
  // Margin 4 between two logits, right 4 times in 5: the NLL is minimal at σ(4 / T) = 0.8.
  const logits = [2, -2, 2, -2, 2, -2, 2, -2, 2, -2];
  const labels = [0, 0, 0, 0, 1];
  const t = fitTemperature(logits, labels, 2);
  close(t, 4 / Math.log(4), 1e-6);
  const p = softmaxRows(logits, 2, t);
  close(p[0], 0.8, 1e-6);
  // It never changes a prediction.
  assert.deepEqual(
    predictClasses(p, 2).predicted,
    predictClasses(softmaxRows(logits, 2), 2).predicted,
  );
  close(labelNll([0.5, 0.5, 0.9, 0.1], [0, 0], 2), (Math.LN2 - Math.log(0.9)) / 2);
});

Deno.test("confusion matrix, per-class accuracy and the classification charts", async () => {
  const labels = [0, 0, 1, 1, 1, 2];
  const probs = [
    0.9,
    0.05,
    0.05,
    0.2,
    0.7,
    0.1,
    0.1,
    0.8,
    0.1,
    0.3,
    0.6,
    0.1,
    0.1,
    0.2,
    0.7,
    0.5,
    0.2,
    0.3,
  ];
  const { predicted, confidence } = predictClasses(probs, 3);
  assert.deepEqual([...predicted], [0, 1, 1, 1, 2, 0]);
  assert.deepEqual([...confidence], [0.9, 0.7, 0.8, 0.6, 0.7, 0.5]);
  const counts = confusionMatrix(labels, predicted, 3);
  assert.deepEqual(counts, [[1, 1, 0], [0, 2, 1], [1, 0, 0]]);
  const acc = classAccuracy(counts);
  close(acc.overall, 3 / 6);
  assert.deepEqual(acc.perClass, [0.5, 2 / 3, 0]);
  assert.throws(() => confusionMatrix([3], [0], 3), /not in 0..2/);
  const svgA = await renderSvg(confusionMatrixChart(counts, ["a", "b", "c"]));
  assert.match(svgA, /Confusion matrix/);
  const right = labels.map((l, i) => l === predicted[i]);
  const svgB = await renderSvg(reliabilityChart([{
    name: "model",
    bins: reliabilityBins(confidence, right, 5),
    ece: expectedCalibrationError(confidence, right, 5),
  }]));
  assert.match(svgB, /ECE/);
});
