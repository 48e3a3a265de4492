/**
 * Application 1 end to end through `deno task app1`, with the task's own
 * narrow permissions: a --quick run, --no-train, --resume, and bad input.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type BadInputCase, expectRejected, readMetrics, RUN_TAG, runTask } from "./app_task.ts";

const tag = RUN_TAG;

const app1 = (...args: string[]) => runTask("app1", ...args);

Deno.test("app1 --quick writes every figure, the model and metrics; --no-train and --resume reuse them", async () => {
  const dir = `output/test-app1-${tag}`;
  try {
    const run = await app1("--quick", "--out", dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /flow: [\d,]+ parameters \([\d.]+ KiB of weights\); training needs ≈ /,
    );
    for (
      const f of [
        "data_space.png",
        "latent_space.png",
        "generated.png",
        "density.png",
        "history.png",
        "generated_points.csv",
        "history.jsonl",
        "model/model.json",
        "model/weights.bin",
        "checkpoints/latest/checkpoint.json",
      ]
    ) {
      const info = await Deno.stat(join(dir, f));
      assert.ok(info.size > 0, `${f} is empty`);
    }
    const m = await readMetrics(dir);
    assert.equal(m.dataset, "gmm");
    assert.equal(m.backend, "wasm");
    assert.match(String(m.runtime), /^wasm( \+ native BLAS |, without native BLAS \()/);
    assert.equal(m.epochs_run, 3);
    assert.ok(Number.isFinite(m.heldout_nll) && Number.isFinite(m.kl_paired));
    assert.ok(Math.abs(m.kl_estimate - (m.heldout_nll - m.true_entropy)) < 1e-9);
    assert.ok(
      Math.abs(m.density_mass_on_plot_grid - 1) < 0.05,
      `mass ${m.density_mass_on_plot_grid}`,
    );
    assert.equal(m.outliers.length, 10);
    const lines = (await Deno.readTextFile(join(dir, "generated_points.csv"))).trim().split("\n");
    assert.equal(lines.length, 1 + m.params.run.num_gen_sims);

    // The command line asks for another architecture: the saved model is evaluated, said so,
    // and recorded as it was trained.
    const again = await app1(
      "--quick",
      "--out",
      dir,
      "--no-train",
      "--set",
      "model_arch.realnvp_flow_steps=7",
    );
    assert.equal(again.code, 0, again.stderr);
    assert.match(
      again.stderr,
      /the model in \S+ was trained with model_arch\.realnvp_flow_steps = 4 \(this run asked for 7\)/,
    );
    const m2 = await readMetrics(dir);
    assert.equal(m2.trained, false);
    assert.equal(m2.params.model_arch.realnvp_flow_steps, 4);
    assert.deepEqual(m2.params.model_arch, m.params.model_arch);
    assert.equal(m2.heldout_nll, m.heldout_nll, "the loaded model gives the same held-out NLL");

    const resumed = await app1("--quick", "--out", dir, "--resume", "--epochs", "4");
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /resumed from checkpoint at epoch 3/);
    const m3 = await readMetrics(dir);
    assert.equal(m3.resumed_from_epoch, 3);
    assert.equal(m3.epochs_run, 4);

    // Finite weights that make a useless model (every weight 3e4): --no-train stops before
    // writing, exits 1, and leaves the earlier outputs as they were.
    const weights = join(dir, "model", "weights.bin");
    const size = (await Deno.stat(weights)).size;
    await Deno.writeFile(weights, new Uint8Array(new Float32Array(size / 4).fill(3e4).buffer));
    const before = await Promise.all(
      ["metrics.json", "density.png", "generated_points.csv"].map((f) =>
        Deno.readFile(join(dir, f))
      ),
    );
    const bad = await app1("--quick", "--out", dir, "--no-train");
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(bad.stderr, /non-finite results .*nothing written, earlier results in \S+ kept/);
    const after = await Promise.all(
      ["metrics.json", "density.png", "generated_points.csv"].map((f) =>
        Deno.readFile(join(dir, f))
      ),
    );
    assert.deepEqual(after, before, "earlier outputs were overwritten");
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("app1 rejects bad input with one clear message, a non-zero exit and nothing written", async (t) => {
  const dir = `output/test-app1-bad-${tag}`;
  const tmp = await Deno.makeTempDir({ dir: "output" }).catch(async () => {
    await Deno.mkdir("output", { recursive: true });
    return await Deno.makeTempDir({ dir: "output" });
  });
  const cases: BadInputCase[] = [
    [
      "unknown dataset",
      ["--dataset", "spiral"],
      /run\.dataset must be one of .*moons.*got "spiral"/,
      2,
    ],
    ["zero epochs", ["--epochs", "0"], /training\.num_epochs must be .*got 0/, 2],
    [
      "wrong type",
      ["--set", 'training.batch_size="big"'],
      /training\.batch_size must be .*got "big"/,
      2,
    ],
    ["unknown flag", ["--epoch", "3"], /epoch/, 2],
    // Paths the task may not write are refused before any work (not after training).
    [
      "output folder outside output/",
      ["--out", `../flow-models-outside-${tag}`],
      /run\.output_dir = \.\.\/flow-models-outside-.*may not write there.*--out output\//,
      2,
    ],
    [
      "model folder outside output/",
      ["--set", `run.model_dir=../flow-models-elsewhere-${tag}`],
      /run\.model_dir = \.\.\/flow-models-elsewhere-.*may not write there/,
      2,
    ],
  ];
  await Deno.writeTextFile(join(tmp, "broken.json"), '{ "run": { "dataset": "gmm", } ');
  cases.push(["malformed params JSON", ["--params", join(tmp, "broken.json")], /broken\.json/, 2]);
  await Deno.writeTextFile(join(tmp, "nan.csv"), "x,y\n0,1\n1,2\n2,NaN\n3,4\n");
  cases.push([
    "data with NaN",
    ["--dataset", join(tmp, "nan.csv")],
    /nan\.csv, line 4, column 2/,
    1,
  ]);
  try {
    await expectRejected(t, "app1", dir, cases);
  } finally {
    await Deno.remove(tmp, { recursive: true });
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
