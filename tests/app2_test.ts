/**
 * Application 2 end to end through `deno task app2`, with the task's own
 * permissions: a --quick run on the shipped data (every output, metrics,
 * --no-train, --resume), a folder with a corrupt image, Fashion-MNIST IDX
 * files, an S3-compatible server on 127.0.0.1, and bad input.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { exists } from "../lib/core/atomic.ts";
import {
  anomalyScoresCsv,
  evaluateAnomalies,
  translateImageFlags,
  withImageFlagsHelp,
} from "../apps/app2/mod.ts";
import { ParamsError } from "../lib/params/mod.ts";
import { FASHION_MNIST_DIR } from "../lib/images/fashion_mnist.ts";
import { type BadInputCase, expectRejected, readMetrics, RUN_TAG, runTask } from "./app_task.ts";
import { S3RVER_CREDENTIALS, startS3Server } from "./images_s3_server.ts";

const tag = RUN_TAG;
/** Even smaller than --quick: the tests check plumbing, not quality. */
const TINY = [
  "--quick",
  "--set",
  "training.num_data_input=192",
  "--set",
  "model_arch.glow_num_hidden=16",
  "--set",
  "run.num_gen_sims=32",
];
const app2 = (...args: string[]) => runTask("app2", ...args);

Deno.test("app2 flags: --images and --s3-endpoint become --set overrides; help lists them", () => {
  assert.deepEqual(
    translateImageFlags(["--quick", "--images", "idx:?normal=bag", "--s3-endpoint=http://h:9"]),
    ["--quick", "--set", "run.images_path=idx:?normal=bag", "--set", "run.s3_endpoint=http://h:9"],
  );
  assert.deepEqual(translateImageFlags(["--images=data/x", "--epochs", "2"]), [
    "--set",
    "run.images_path=data/x",
    "--epochs",
    "2",
  ]);
  assert.throws(() => translateImageFlags(["--images"]), ParamsError);
  assert.throws(() => translateImageFlags(["--images", "--quick"]), /--images needs a value/);
  const help = withImageFlagsHelp("Flags:\n  --quick  q\n\nGroup run:\n  run.x\n");
  assert.ok(help.indexOf("--images") < help.indexOf("Group run:"), help);
  assert.match(help, /--s3-endpoint URL/);
});

Deno.test("app2 anomaly evaluation: scores, AUROC overall and per class, CSV", () => {
  // Two normal images (typical NLL and norm), two anomalies of class "bag" with high NLL,
  // one of class "sandal" with a low NLL (more likely than the normal images).
  const dims = 4;
  const latents = [1, 1, 1, 1, 1, -1, 1, -1, 3, 3, 3, 3, 3, -3, 3, -3, 0.1, 0, 0, 0];
  const e = evaluateAnomalies({
    logProb: [-10, -11, -30, -31, -2],
    latents,
    labels: ["shoe", "shoe", "bag", "bag", "sandal"],
    anomalies: [false, false, true, true, true],
    trainLogProb: [-10.5, -10.5],
    complexity: [2, 2, 1, 1, 1],
    dims,
    latentDims: dims,
  });
  assert.equal(e.aurocPerClass.bag.nll, 1);
  assert.equal(e.aurocPerClass.sandal.nll, 0, "flows can find anomalies more likely");
  assert.equal(e.aurocPerClass.sandal.nll_typicality, 1, "typicality catches both sides");
  assert.ok(Math.abs(e.auroc.nll! - 4 / 6) < 1e-12);
  assert.equal(e.auroc.nll_typicality, 1);
  assert.ok(Math.abs(e.bitsPerDimPerClass.shoe - 10.5 / (dims * Math.LN2)) < 1e-12);
  const csv = anomalyScoresCsv(["a", "b", "c,d", "e", "f"], [
    "shoe",
    "shoe",
    "bag",
    "bag",
    "sandal",
  ], [
    false,
    false,
    true,
    true,
    true,
  ], e).trim().split("\n");
  assert.equal(csv.length, 6);
  assert.match(csv[3], /^"c,d",bag,1,/);
  const none = evaluateAnomalies({
    logProb: [-1, -2],
    latents: [0, 1, 1, 0],
    labels: ["a", "a"],
    anomalies: [false, false],
    trainLogProb: [-1],
    complexity: [1, 1],
    dims: 2,
    latentDims: 2,
  });
  assert.equal(none.roc, null);
  assert.equal(none.auroc.nll, null);
});

const OUTPUTS = [
  "generated.png",
  "regenerated.png",
  "round_trip.png",
  "outliers.png",
  "closest_to_mean.png",
  "interpolation.png",
  "anomalies.png",
  "pca_scatter.png",
  "pca_scatter.svg",
  "latent_norms.png",
  "roc.png",
  "history.png",
  "anomaly_scores.csv",
  "history.jsonl",
  "metrics.json",
  "model/model.json",
  "model/weights.bin",
  "checkpoints/latest/checkpoint.json",
];

function assertQuality(m: Record<string, unknown>, what: string): void {
  for (const key of ["train_bits_per_dim", "heldout_bits_per_dim"]) {
    const v = m[key] as number;
    assert.ok(Number.isFinite(v) && v > 0, `${what}: ${key} = ${v}`);
  }
  const auroc = m.auroc as number;
  assert.ok(auroc >= 0 && auroc <= 1, `${what}: auroc = ${auroc}`);
  for (const v of Object.values(m.auroc_by_score as Record<string, number>)) {
    assert.ok(v >= 0 && v <= 1, `${what}: auroc_by_score ${v}`);
  }
}

async function removeDir(dir: string): Promise<void> {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}

Deno.test("app2 --quick writes every output and metrics; --no-train and --resume reuse them", async () => {
  const dir = `output/test-app2-${tag}`;
  try {
    const run = await app2(...TINY, "--out", dir);
    assert.equal(run.code, 0, run.stderr);
    for (const f of OUTPUTS) {
      const info = await Deno.stat(join(dir, f));
      assert.ok(info.size > 0, `${f} is empty`);
    }
    const m = await readMetrics(dir);
    assertQuality(m, "quick");
    assert.equal(m.images, "data/fashion_mnist");
    assert.deepEqual(m.normal_classes, ["sneaker"]);
    assert.equal(m.num_train, 192);
    assert.equal(m.num_val, 1500);
    assert.equal(m.num_val_anomalies, 1350);
    assert.equal(m.skipped_images, 0);
    assert.equal(m.epochs_run, 3);
    assert.equal(m.heldout_source, "val/ images of the normal class");
    assert.ok(m.round_trip_max_abs_error < 0.05, `round trip ${m.round_trip_max_abs_error}`);
    assert.ok(m.ms_per_step > 0 && m.wall_time_s > 0);
    assert.equal(Object.keys(m.auroc_per_class).length, 9);
    const csv = (await Deno.readTextFile(join(dir, "anomaly_scores.csv"))).trim().split("\n");
    assert.equal(csv.length, 1 + 1500);
    assert.match(csv[0], /^id,class,anomaly,latent_norm,png_bits_per_dim,nll_score/);

    const again = await app2(...TINY, "--out", dir, "--no-train");
    assert.equal(again.code, 0, again.stderr);
    const m2 = await readMetrics(dir);
    assert.equal(m2.trained, false);
    assert.equal(m2.heldout_bits_per_dim, m.heldout_bits_per_dim, "same model, same numbers");
    assert.equal(m2.auroc, m.auroc);

    const resumed = await app2(...TINY, "--out", dir, "--resume", "--epochs", "4");
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr + resumed.stdout, /resumed from checkpoint at epoch 3/);
    const m3 = await readMetrics(dir);
    assert.equal(m3.resumed_from_epoch, 3);
    assert.equal(m3.epochs_run, 4);
  } finally {
    await removeDir(dir);
  }
});

Deno.test("app2 reads a folder (a corrupt image is skipped and counted) and IDX files", async (t) => {
  const dir = `output/test-app2-folder-${tag}`;
  const images = `output/test-app2-images-${tag}`;
  try {
    await t.step("folder with train/, val/ and one corrupt PNG", async () => {
      const copy = async (from: string, to: string, count: number) => {
        await Deno.mkdir(join(images, to), { recursive: true });
        const names = [...Deno.readDirSync(join("data/fashion_mnist", from))]
          .map((e) => e.name).sort().slice(0, count);
        for (const n of names) {
          await Deno.copyFile(join("data/fashion_mnist", from, n), join(images, to, n));
        }
      };
      await copy("train/sneaker", "train/shoe", 96);
      await copy("val/sneaker", "val/shoe", 12);
      await copy("val/bag", "val/bag", 12);
      await Deno.writeTextFile(join(images, "train/shoe/broken.png"), "not a PNG at all");
      const run = await app2(...TINY, "--out", dir, "--images", images);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr + run.stdout, /skipping unreadable image .*broken\.png/);
      const m = await readMetrics(dir);
      assertQuality(m, "folder");
      assert.equal(m.skipped_images, 1);
      assert.deepEqual(m.normal_classes, ["shoe"]);
      assert.equal(m.num_val_anomalies, 12);
    });
    await t.step({
      name: "idx:?normal=trouser (Fashion-MNIST from /usr/share/datasets)",
      ignore: !(await exists(FASHION_MNIST_DIR)),
      fn: async () => {
        const spec = "idx:?normal=trouser&train_per_class=240&val_per_class=20";
        const run = await app2(...TINY, "--out", dir, "--images", spec);
        assert.equal(run.code, 0, run.stderr);
        const m = await readMetrics(dir);
        assertQuality(m, "idx");
        assert.deepEqual(m.normal_classes, ["trouser"]);
        assert.equal(m.num_val, 200);
        assert.equal(m.num_val_anomalies, 180);
      },
    });
  } finally {
    await removeDir(dir);
    await removeDir(images);
  }
});

Deno.test("app2 reads s3:// from an S3-compatible server given by --s3-endpoint", async () => {
  const dir = `output/test-app2-s3-${tag}`;
  const server = await startS3Server();
  try {
    const objects = new Map<string, Uint8Array>();
    const add = async (from: string, to: string, count: number) => {
      const names = [...Deno.readDirSync(join("data/fashion_mnist", from))]
        .map((e) => e.name).sort().slice(0, count);
      for (const n of names) {
        objects.set(`fmnist/${to}/${n}`, await Deno.readFile(join("data/fashion_mnist", from, n)));
      }
    };
    await add("train/sneaker", "train/sneaker", 80);
    await add("val/sneaker", "val/sneaker", 8);
    await add("val/sandal", "val/sandal", 8);
    await server.upload("images", objects);
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "task",
        "--quiet",
        "app2",
        ...TINY,
        "--out",
        dir,
        "--images",
        "s3://images/fmnist",
        "--s3-endpoint",
        server.endpoint,
      ],
      stdout: "piped",
      stderr: "piped",
      env: {
        NO_COLOR: "1",
        AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
        AWS_REGION: "us-east-1",
      },
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    const m = await readMetrics(dir);
    assertQuality(m, "s3");
    assert.equal(m.images, "s3://images/fmnist");
    assert.equal(m.num_val, 16);
    assert.equal(m.params.run.s3_endpoint, server.endpoint);
  } finally {
    await server.stop();
    await removeDir(dir);
  }
});

Deno.test("app2 rejects bad input with a message naming the problem, exit 1 or 2, nothing written", async (t) => {
  const dir = `output/test-app2-bad-${tag}`;
  const flat = `output/test-app2-flat-${tag}`;
  await Deno.mkdir(join(flat, "cats"), { recursive: true });
  try {
    const cases: BadInputCase[] = [
      ["missing folder", ["--images", "data/no_such_images"], /no_such_images/, 1],
      ["folder without train/", ["--images", flat], /train/, 1],
      [
        "image_shape with 2 channels",
        ["--set", "model_arch.image_shape=[28,28,2]"],
        /image_shape .*channels/,
        1,
      ],
      [
        "image_shape a Glow cannot squeeze",
        ["--set", "model_arch.image_shape=[30,30,1]"],
        /image_shape \[30,30,1\].*divisible by 4/,
        1,
      ],
      ["unknown normal class", ["--images", "idx:?normal=unicorn"], /unicorn/, 1],
      [
        "malformed S3 endpoint",
        ["--images", "s3://bucket/x", "--s3-endpoint", "not-a-url"],
        /run\.s3_endpoint must be an http/,
        1,
      ],
      ["--images without a value", ["--images"], /--images needs a value/, 2],
      ["unknown sampling mode", ["--set", "run.sampling_mode=lottery"], /sampling_mode/, 2],
    ];
    await expectRejected(t, "app2", dir, cases);
  } finally {
    await removeDir(flat);
    await removeDir(dir);
  }
});
