/**
 * Application 5 end to end through `deno task app5`, with the task's own
 * narrow permissions: a --quick run checking every output and metrics
 * field, --no-train on its saved models (identical metrics), --resume
 * continuing its checkpoints to more epochs, and bad input.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { exists } from "../lib/core/atomic.ts";
import { type BadInputCase, expectRejected, readMetrics, RUN_TAG, runTask } from "./app_task.ts";

const tag = RUN_TAG;

const app5 = (...args: string[]) => runTask("app5", ...args);

const MODEL_FIELDS = [
  "train_time_s",
  "steps",
  "ms_per_step",
  "num_parameters",
  "posterior_mmd2",
  "posterior_mmd2_median",
  "resimulation_error",
  "resimulation_error_median",
  "resimulation_mean_squared",
  "resimulation_mean_squared_median",
  "evaluation_time_s",
  "mean_error_sigma",
  "mmd2",
];

Deno.test("app5 --quick writes the arm-pose figures, end points, histories and metrics", async () => {
  const dir = `output/test-app5-${tag}`;
  try {
    const run = await app5("--quick", "--out", dir);
    assert.equal(run.code, 0, run.stderr);
    for (
      const f of [
        "arm_posteriors.png",
        "arm_posteriors.svg",
        "end_points_1.png",
        "end_points_3.png",
        "corner_1.png",
        "history.png",
        "metrics.png",
        "history_mmd.jsonl",
        "history_ml.jsonl",
        "history_cinn.jsonl",
        "metrics.json",
      ]
    ) {
      const info = await Deno.stat(join(dir, f));
      assert.ok(info.size > 0, `${f} is empty`);
    }
    const m = await readMetrics(dir);
    assert.equal(m.app, "app5_inverse_no_noise");
    assert.equal(m.backend, "wasm");
    assert.match(String(m.runtime), /^wasm( \+ native BLAS |, without native BLAS \()/);
    assert.equal(m.problem.name, "robot_arm");
    assert.deepEqual(m.problem.segment_lengths, [0.5, 0.5, 1]);
    assert.deepEqual(m.problem.prior_std, [0.25, 0.5, 0.5, 0.5]);
    assert.equal(m.problem.abc_epsilon, 0.005);
    assert.equal(m.num_observations, 3);
    assert.equal(m.observations.length, 3);
    assert.equal(m.num_posterior_samples, 300);
    assert.equal(m.targets, undefined, "no app-4 quality targets");

    const ref = m.reference;
    assert.match(ref.method, /ABC/);
    assert.equal(ref.epsilon, 0.005);
    assert.ok(ref.max_end_point_distance < ref.epsilon, "every reference pose ends within ε");
    assert.ok(ref.acceptance_rate_mean > 0 && ref.acceptance_rate_mean <= 1);
    assert.ok(ref.acceptance_rate_min <= ref.acceptance_rate_max);
    assert.ok(ref.resimulation_error < ref.epsilon);
    assert.ok(ref.resimulation_mean_squared < ref.epsilon ** 2);
    assert.equal(ref.per_observation.length, 3);

    assert.deepEqual(Object.keys(m.models), ["mmd", "ml", "cinn"]);
    for (const [kind, model] of Object.entries(m.models) as [string, Record<string, unknown>][]) {
      for (const field of MODEL_FIELDS) {
        assert.ok(Number.isFinite(model[field]), `${kind}.${field} = ${model[field]}`);
      }
      assert.ok((model.resimulation_error as number) > 0);
      // Mean of squares ≥ square of means, per target and so on average.
      assert.ok(
        (model.resimulation_mean_squared as number) >= (model.resimulation_error as number) ** 2,
      );
      const rows = model.per_observation as Record<string, number>[];
      assert.equal(rows.length, 3);
      for (const row of rows) {
        assert.ok(Number.isFinite(row.posterior_mmd2) && Number.isFinite(row.mahalanobis));
      }
      const avg = rows.reduce((a, r) => a + r.posterior_mmd2, 0) / 3;
      assert.ok(Math.abs(avg - (model.posterior_mmd2 as number)) < 1e-12);
      assert.equal(model.c2st_accuracy, null, "--quick skips the C2ST");
      assert.equal(model.targets, undefined);
      const cal = model.calibration as Record<string, unknown>;
      assert.equal((cal.sbc_p_values as number[]).length, 4);
      assert.equal(model.resumed_from_epoch, 0);
      assert.equal(model.loaded_from, null);
    }
    const kruse = m.kruse_2021;
    assert.match(kruse.source, /Kruse.*2101\.10763/);
    assert.ok(kruse.theirs.length > 0);
    for (const kind of ["mmd", "ml", "cinn"]) {
      const ours = kruse.ours[kind];
      assert.equal(ours.err_post_mmd2, m.models[kind].posterior_mmd2);
      assert.equal(ours.err_resim, m.models[kind].resimulation_mean_squared);
      assert.ok(Math.abs(ours.err_post_mmd ** 2 - Math.max(ours.err_post_mmd2, 0)) < 1e-12);
    }
    assert.match(m.metric_definitions.resimulation_mean_squared, /Err_resim/);
    const lines = (await Deno.readTextFile(join(dir, "history_ml.jsonl"))).trim().split("\n");
    assert.equal(lines.length, m.params.training.num_epochs);
    assert.match(run.stdout, /cINN: posterior MMD² .*re-simulation error/);

    for (const kind of ["mmd", "ml", "cinn"]) {
      assert.ok(await exists(join(dir, "model", kind, "weights.bin")), `model/${kind} saved`);
    }

    // --no-train: the saved models give the same samples, so the same metrics.
    const again = await app5("--quick", "--out", dir, "--no-train");
    assert.equal(again.code, 0, again.stderr);
    const m2 = await readMetrics(dir);
    for (const kind of ["mmd", "ml", "cinn"]) {
      const a = m.models[kind], b = m2.models[kind];
      assert.equal(b.loaded_from, join(dir, "model", kind));
      assert.equal(b.resumed_from_epoch, null);
      for (const field of ["posterior_mmd2", "resimulation_mean_squared", "mean_error_sigma"]) {
        assert.equal(b[field], a[field], `${kind}.${field} after --no-train`);
      }
    }

    // --resume with more epochs continues from the checkpoints of the first run.
    const more = m.params.training.num_epochs + 1;
    const resumed = await app5("--quick", "--out", dir, "--resume", "--epochs", String(more));
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout + resumed.stderr, /resumed from checkpoint at epoch 2/);
    const m3 = await readMetrics(dir);
    for (const kind of ["mmd", "ml", "cinn"]) {
      assert.equal(m3.models[kind].resumed_from_epoch, m.params.training.num_epochs);
      const history = (await Deno.readTextFile(join(dir, `history_${kind}.jsonl`))).trim();
      assert.equal(history.split("\n").length, more, `${kind}: all epochs in the history`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("app5 rejects bad input with one clear message, a non-zero exit and nothing written", async (t) => {
  const dir = `output/test-app5-bad-${tag}`;
  await Deno.mkdir("output", { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: "output" });
  const cases: BadInputCase[] = [
    ["zero epochs", ["--epochs", "0"], /training\.num_epochs must be .*got 0/, 2],
    ["a dataset", ["--dataset", "moons"], /run\.dataset must be left unset/, 2],
    [
      "observation noise",
      ["--set", "run.noise_sigma=0.1"],
      /run\.noise_sigma must be left unset .*application 6/,
      2,
    ],
    [
      "another problem",
      ["--set", "run.problem=linear"],
      /run\.problem must be "robot_arm" for application 5, got "linear"/,
      2,
    ],
    ["zero ABC tolerance", ["--set", "run.abc_epsilon=0"], /run\.abc_epsilon must be/, 2],
    ["--no-train without a saved model", ["--no-train"], /No saved model at .*model[/\\]mmd/, 1],
    [
      "unknown model",
      ["--set", "model_arch.inn_models=flow"],
      /model_arch\.inn_models must be one of/,
      2,
    ],
    [
      "wrong type",
      ["--set", 'run.num_observations="many"'],
      /run\.num_observations must be .*got "many"/,
      2,
    ],
    ["unknown flag", ["--epoch", "3"], /epoch/, 2],
  ];
  await Deno.writeTextFile(join(tmp, "broken.json"), '{ "run": { "seed": 1, } ');
  cases.push(["malformed params JSON", ["--params", join(tmp, "broken.json")], /broken\.json/, 2]);
  try {
    await expectRejected(t, "app5", dir, cases);
  } finally {
    await Deno.remove(tmp, { recursive: true });
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
