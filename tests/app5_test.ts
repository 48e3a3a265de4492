/**
 * Application 5 end to end through `deno task app5`, with the task's own
 * narrow permissions: a --quick run checking every output and metrics
 * field, and bad input.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type BadInputCase, expectRejected, RUN_TAG, runTask } from "./app_task.ts";

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
  "evaluation_time_s",
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
    const m = JSON.parse(await Deno.readTextFile(join(dir, "metrics.json")));
    assert.equal(m.app, "app5_inverse_no_noise");
    assert.equal(m.backend, "wasm");
    assert.equal(m.problem.name, "robot_arm");
    assert.deepEqual(m.problem.segment_lengths, [0.5, 0.5, 1]);
    assert.deepEqual(m.problem.prior_std, [0.25, 0.5, 0.5, 0.5]);
    assert.equal(m.num_targets, 3);
    assert.equal(m.targets.length, 3);
    assert.equal(m.num_posterior_samples, 300);

    const ref = m.reference;
    assert.match(ref.method, /ABC/);
    assert.ok(ref.epsilon > 0);
    assert.ok(ref.max_end_point_distance < ref.epsilon, "every reference pose ends within ε");
    assert.ok(ref.acceptance_rate_mean > 0 && ref.acceptance_rate_mean <= 1);
    assert.ok(ref.acceptance_rate_min <= ref.acceptance_rate_max);
    assert.ok(ref.resimulation_error < ref.epsilon);
    assert.equal(ref.per_target.length, 3);

    assert.deepEqual(Object.keys(m.models), ["mmd", "ml", "cinn"]);
    for (const [kind, model] of Object.entries(m.models) as [string, Record<string, unknown>][]) {
      for (const field of MODEL_FIELDS) {
        assert.ok(Number.isFinite(model[field]), `${kind}.${field} = ${model[field]}`);
      }
      assert.ok((model.resimulation_error as number) > 0);
      assert.equal((model.per_target as unknown[]).length, 3);
      const shared = model.moments_c2st as Record<string, unknown>;
      assert.ok(Number.isFinite(shared.mean_error_sigma));
      assert.equal(shared.c2st_accuracy, null, "--quick skips the C2ST");
      const cal = model.calibration as Record<string, unknown>;
      assert.equal((cal.sbc_p_values as number[]).length, 4);
    }
    assert.ok(m.kruse_2021_table1.length > 0);
    const lines = (await Deno.readTextFile(join(dir, "history_ml.jsonl"))).trim().split("\n");
    assert.equal(lines.length, m.params.training.num_epochs);
    assert.match(run.stdout, /cINN: posterior MMD² .*re-simulation error/);
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
    ["--no-train", ["--no-train"], /--no-train and --resume .* not supported/, 2],
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
