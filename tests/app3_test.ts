/**
 * Application 3 end to end through `deno task app3`, with the task's own
 * permissions: a --quick run on Fashion-MNIST IDX files (every output, the
 * metrics the issue asks for, --no-train and --resume), a β sweep, a folder
 * whose class names come from its folders, and bad input (an unknown class,
 * a folder with one training class, bad params) with a message naming the
 * problem and exit code 1 or 2.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { exists } from "../lib/core/atomic.ts";
import { FASHION_MNIST_DIR } from "../lib/images/fashion_mnist.ts";
import { type BadInputCase, expectRejected, readMetrics, RUN_TAG, runTask } from "./app_task.ts";

const tag = RUN_TAG;
const haveIdx = await exists(FASHION_MNIST_DIR);
/** Even smaller than --quick: the tests check plumbing, not quality. */
const TINY = [
  "--quick",
  "--images",
  "idx:?train_per_class=40&val_per_class=10",
  "--set",
  "training.num_val=60",
  "--set",
  "training.num_epochs=2",
  "--set",
  "model_arch.glow_num_hidden=8",
];
const app3 = (...args: string[]) => runTask("app3", ...args);

const OUTPUTS = [
  "confusion_matrix.png",
  "confusion_matrix.svg",
  "reliability.png",
  "generated.png",
  "latent_projection.png",
  "ood_histogram.png",
  "ood_roc.png",
  "history.png",
  "history.jsonl",
  "test_predictions.csv",
  "metrics.json",
  "model/model.json",
  "model/weights.bin",
  "checkpoints/latest/checkpoint.json",
  "baseline/model/weights.bin",
  "baseline/history.jsonl",
];
const OOD_SETS = ["held_out:bag", "inverted", "flipped", "noise", "blurred"];

async function removeDir(dir: string): Promise<void> {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}

const unit = (v: unknown) => typeof v === "number" && v >= 0 && v <= 1;

Deno.test({
  name: "app3 --quick writes every output and metric; --no-train and --resume reuse the models",
  ignore: !haveIdx,
  fn: async () => {
    const dir = `output/test-app3-${tag}`;
    try {
      const run = await app3(...TINY, "--out", dir);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr + run.stdout, /ETA/, "a progress line with the time left");
      // Two models, two workers (run.workers defaults to 2): trained at once.
      assert.match(run.stderr + run.stdout, /training 2 models on 2 worker threads/);
      for (const f of OUTPUTS) {
        const info = await Deno.stat(join(dir, f));
        assert.ok(info.size > 0, `${f} is empty`);
      }
      const m = await readMetrics(dir);
      assert.equal(m.classes.length, 9);
      assert.ok(!m.classes.includes("bag"), "bag is held out of training");
      assert.deepEqual(m.held_out_classes, ["bag"]);
      assert.equal(m.num_test, 90);
      assert.equal(m.num_train + m.num_validation, 360);
      for (const key of ["test_accuracy", "ece", "ece_temperature_scaled"]) {
        assert.ok(unit(m[key]), `${key} = ${m[key]}`);
      }
      assert.equal(m.ece_bins, 15);
      assert.equal(Object.keys(m.per_class_accuracy).length, 9);
      assert.ok(m.label_nll > 0 && m.test_bits_per_dim > 0);
      assert.deepEqual(Object.keys(m.ood_auroc), OOD_SETS);
      for (const set of OOD_SETS) {
        const a = m.ood_auroc[set];
        assert.ok(unit(a.nll) && unit(a.typicality) && unit(a.joint_typicality), set);
      }
      assert.equal(m.ood_primary_score, "joint_typicality");
      // Uniform noise is far from every image the model saw, by any score.
      assert.ok(m.ood_auroc.noise.joint_typicality > 0.9, `${m.ood_auroc.noise.joint_typicality}`);
      assert.ok(unit(m.baseline.test_accuracy) && unit(m.baseline.ece_temperature_scaled));
      assert.ok(m.baseline.temperature > 0);
      assert.ok(m.ms_per_step > 0 && m.train_time_s > 0 && m.steps > 0 && m.num_parameters > 0);
      assert.equal(m.epochs_run, 2);
      const csv = (await Deno.readTextFile(join(dir, "test_predictions.csv"))).trim().split("\n");
      assert.equal(csv.length, 1 + 90);
      assert.match(csv[0], /^id,class,predicted,confidence,nll_bits_per_dim$/);

      const again = await app3(...TINY, "--out", dir, "--no-train");
      assert.equal(again.code, 0, again.stderr);
      const m2 = await readMetrics(dir);
      assert.equal(m2.trained, false);
      assert.equal(m2.test_accuracy, m.test_accuracy, "same model, same predictions");
      assert.equal(m2.ece, m.ece);
      assert.deepEqual(m2.ood_auroc, m.ood_auroc);
      assert.equal(m2.baseline.test_accuracy, m.baseline.test_accuracy);

      const resumed = await app3(
        ...TINY,
        "--out",
        dir,
        "--resume",
        "--set",
        "training.num_epochs=3",
        "--set",
        "run.workers=1",
      );
      assert.equal(resumed.code, 0, resumed.stderr);
      const log = resumed.stderr + resumed.stdout;
      assert.match(log, /resumed from checkpoint at epoch 2/);
      // One worker: the models are trained one after another in the main thread.
      assert.doesNotMatch(log, /worker threads/);
      assert.match(log, /training model 2 of 2: baseline/);
      const m3 = await readMetrics(dir);
      assert.equal(m3.resumed_from_epoch, 2);
      assert.equal(m3.epochs_run, 3);
    } finally {
      await removeDir(dir);
    }
  },
});

Deno.test({
  name: "app3 β sweep: one model per β, the trade-off plot and its metrics",
  ignore: !haveIdx,
  fn: async () => {
    const dir = `output/test-app3-sweep-${tag}`;
    try {
      const run = await app3(
        ...TINY,
        "--out",
        dir,
        "--set",
        "run.do_baseline=false",
        "--set",
        "run.beta_sweep=[0.1,10]",
        "--set",
        "training.num_epochs=1",
      );
      assert.equal(run.code, 0, run.stderr);
      assert.ok((await Deno.stat(join(dir, "beta_sweep.png"))).size > 0);
      const m = await readMetrics(dir);
      assert.equal(m.baseline, null);
      assert.deepEqual(m.beta_sweep.map((p: { beta: number }) => p.beta), [0.1, 10]);
      for (const p of m.beta_sweep) {
        assert.ok(unit(p.test_accuracy) && unit(p.ece) && p.test_bits_per_dim > 0);
        assert.ok(unit(p.ood_auroc.noise.nll));
      }
      assert.ok(await exists(join(dir, "beta_sweep/beta_10/model/weights.bin")));
    } finally {
      await removeDir(dir);
    }
  },
});

Deno.test("app3 reads a folder: classes from folder names, a val/-only class is out of distribution", async () => {
  const dir = `output/test-app3-folder-${tag}`;
  const images = `output/test-app3-images-${tag}`;
  try {
    const copy = async (from: string, to: string, skip: number, count: number) => {
      await Deno.mkdir(join(images, to), { recursive: true });
      const names = [...Deno.readDirSync(join("data/fashion_mnist", from))]
        .map((e) => e.name).sort().slice(skip, skip + count);
      for (const n of names) {
        await Deno.copyFile(join("data/fashion_mnist", from, n), join(images, to, n));
      }
    };
    await copy("val/trouser", "train/trouser", 0, 40);
    await copy("val/sandal", "train/sandal", 0, 40);
    await copy("val/trouser", "val/trouser", 40, 10);
    await copy("val/sandal", "val/sandal", 40, 10);
    await copy("val/bag", "val/bag", 0, 10);
    const run = await app3(
      ...TINY,
      "--out",
      dir,
      "--images",
      images,
      "--set",
      "run.ood_class=",
      "--set",
      "training.num_val=10",
    );
    assert.equal(run.code, 0, run.stderr);
    const m = await readMetrics(dir);
    assert.deepEqual(m.classes, ["sandal", "trouser"]);
    assert.deepEqual(m.held_out_classes, ["bag"]);
    assert.equal(m.num_test, 20);
    assert.ok(unit(m.ood_auroc["held_out:bag"].nll));
  } finally {
    await removeDir(dir);
    await removeDir(images);
  }
});

Deno.test("app3 rejects bad input with a message naming the problem, exit 1 or 2, nothing written", async (t) => {
  const dir = `output/test-app3-bad-${tag}`;
  try {
    const cases: BadInputCase[] = [
      [
        "a folder with one training class",
        ["--images", "data/fashion_mnist"],
        /train\/ has only one class \(sneaker\).*at least two classes/,
        1,
      ],
      [
        "unknown held-out class",
        ["--set", "run.ood_class=unicorn", "--images", "data/fashion_mnist"],
        /run\.ood_class "unicorn" is not a class of data\/fashion_mnist \(its classes: ankle_boot/,
        1,
      ],
      ["missing folder", ["--images", "data/no_such_images"], /no_such_images/, 1],
      ["negative β", ["--set", "training.ib_beta=-1"], /training\.ib_beta must be/, 2],
      [
        "a β sweep with a negative β",
        ["--set", "run.beta_sweep=[1,-2]"],
        /run\.beta_sweep must be an array of numbers/,
        2,
      ],
      [
        "label smoothing out of range",
        ["--set", "training.label_smoothing=0.9"],
        /label_smoothing/,
        2,
      ],
    ];
    if (haveIdx) {
      cases.push(["unknown IDX class", ["--images", "idx:?normal=unicorn"], /unicorn/, 1]);
    }
    await expectRejected(t, "app3", dir, cases);
  } finally {
    await removeDir(dir);
  }
});
