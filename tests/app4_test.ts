/**
 * Application 4 end to end through `deno task app4`, with the task's own
 * narrow permissions: a --quick run (linear problem) checking every output
 * and metrics field, then --no-train on its saved models (identical
 * posterior metrics), a --quick run of the exponentials problem with its
 * MCMC reference, and bad input.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { exists } from "../lib/core/atomic.ts";
import { readMetrics, RUN_TAG, runTask } from "./app_task.ts";

const tag = RUN_TAG;

const app4 = (...args: string[]) => runTask("app4", ...args);

const MODEL_FIELDS = [
  "train_time_s",
  "steps",
  "num_parameters",
  "mean_error_sigma",
  "sigma_ratio",
  "sigma_ratio_abs_dev",
  "mahalanobis_mean_error",
  "c2st_accuracy",
  "mmd2",
  "resimulation_error",
];

Deno.test("app4 --quick (linear) writes corner plots, the forward fit, histories and metrics", async () => {
  const dir = `output/test-app4-${tag}`;
  try {
    const run = await app4("--quick", "--out", dir);
    assert.equal(run.code, 0, run.stderr);
    for (
      const f of [
        "corner_1.png",
        "corner_1.svg",
        "corner_3.png",
        "principal_axes.png",
        "forward_fit.png",
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
    assert.equal(m.app, "app4_parameter_estimation");
    assert.equal(m.backend, "wasm");
    assert.match(String(m.runtime), /^wasm( \+ native BLAS |, without native BLAS \()/);
    assert.equal(m.problem.name, "linear");
    assert.ok(m.problem.condition_number >= 1e3, `condition number ${m.problem.condition_number}`);
    assert.equal(m.reference.method, "analytic");
    assert.equal(m.reference.exact, true);
    assert.ok(Number.isFinite(m.reference.resimulation_error));
    assert.equal(m.num_observations, 3);
    assert.equal(m.observations.length, 3);
    assert.deepEqual(Object.keys(m.models), ["mmd", "ml", "cinn"]);
    for (const [kind, model] of Object.entries(m.models) as [string, Record<string, unknown>][]) {
      for (const field of MODEL_FIELDS) {
        assert.ok(Number.isFinite(model[field]), `${kind}.${field} = ${model[field]}`);
      }
      const per = model.sigma_ratio_per_param as number[];
      assert.equal(per.length, 3);
      assert.equal((model.principal_sigma_ratio as number[]).length, 3);
      assert.equal((model.per_observation as unknown[]).length, 3);
      const cal = model.calibration as Record<string, unknown>;
      assert.equal((cal.sbc_p_values as number[]).length, 3);
      assert.ok((cal.coverage_90 as number) >= 0 && (cal.coverage_90 as number) <= 1);
      assert.equal(typeof (model.targets as Record<string, unknown>).all, "boolean");
      assert.ok((model.c2st_accuracy as number) >= 0 && (model.c2st_accuracy as number) <= 1);
    }
    assert.equal(m.params.run.problem, "linear");
    const lines = (await Deno.readTextFile(join(dir, "history_cinn.jsonl"))).trim().split("\n");
    assert.equal(lines.length, m.params.training.num_epochs);
    assert.equal(m.trained, true);
    for (const kind of ["mmd", "ml", "cinn"]) {
      assert.ok(await exists(join(dir, "model", kind, "model.json")), `model/${kind} saved`);
      assert.ok(await exists(join(dir, "checkpoints", kind, "latest")), `${kind} checkpointed`);
    }

    // --no-train evaluates the saved models again: the same samples, so the same metrics.
    const again = await app4("--quick", "--out", dir, "--no-train");
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /loaded from .*model[/\\]cinn/);
    const m2 = await readMetrics(dir);
    assert.equal(m2.trained, false);
    for (const kind of ["mmd", "ml", "cinn"]) {
      const a = m.models[kind], b = m2.models[kind];
      assert.equal(b.loaded_from, join(dir, "model", kind));
      for (const field of ["mean_error_sigma", "sigma_ratio", "c2st_accuracy", "mmd2", "steps"]) {
        assert.equal(b[field], a[field], `${kind}.${field} after --no-train`);
      }
      assert.deepEqual(b.calibration.sbc_p_values, a.calibration.sbc_p_values);
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("app4 --quick with run.problem=exponentials uses an MCMC reference with R-hat and ESS", async () => {
  const dir = `output/test-app4-exp-${tag}`;
  try {
    const run = await app4(
      "--quick",
      "--out",
      dir,
      "--set",
      "run.problem=exponentials",
      "--set",
      "model_arch.inn_models=cinn",
      "--set",
      "run.sbc_replications=0",
    );
    assert.equal(run.code, 0, run.stderr);
    const m = await readMetrics(dir);
    assert.equal(m.problem.name, "exponentials");
    assert.equal(m.problem.dim_x, 4);
    assert.match(m.reference.method, /mcmc/);
    assert.equal(m.reference.exact, false);
    assert.ok(
      m.reference.max_rhat > 0.9 && m.reference.max_rhat < 1.2,
      `R-hat ${m.reference.max_rhat}`,
    );
    assert.ok(m.reference.min_ess > 50, `ESS ${m.reference.min_ess}`);
    assert.deepEqual(Object.keys(m.models), ["cinn"]);
    assert.equal(m.models.cinn.calibration, null);
    assert.ok(await exists(join(dir, "corner_1.png")));
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("app4 rejects bad input with a clear message, exit code 2 and nothing written", async (t) => {
  const dir = `output/test-app4-bad-${tag}`;
  const tmp = await Deno.makeTempDir({ dir: "output" }).catch(async () => {
    await Deno.mkdir("output", { recursive: true });
    return await Deno.makeTempDir({ dir: "output" });
  });
  await Deno.writeTextFile(join(tmp, "broken.json"), '{ "run": { "problem": "linear", } ');
  const cases: [string, string[], RegExp][] = [
    [
      "unknown problem",
      ["--set", "run.problem=quadratic"],
      /run\.problem must be one of "linear", "exponentials".*got "quadratic"/,
    ],
    ["zero observations", ["--set", "run.num_observations=0"], /run\.num_observations must be/],
    ["negative noise", ["--set", "run.noise_sigma=-1"], /run\.noise_sigma must be/],
    ["unknown model", ["--set", "model_arch.inn_models=mmd,gan"], /model_arch\.inn_models must be/],
    ["zero epochs", ["--epochs", "0"], /training\.num_epochs must be .*got 0/],
    ["a dataset", ["--dataset", "moons"], /application 4 has no dataset/],
    [
      "the robot arm",
      ["--set", "run.problem=robot_arm"],
      /run\.problem must be "linear" or "exponentials" for application 4, got "robot_arm"/,
    ],
    [
      "an ABC tolerance for the analytic reference",
      ["--set", "run.abc_epsilon=0.01"],
      /run\.abc_epsilon applies only to problems with an ABC reference/,
    ],
    ["unknown flag", ["--problem", "linear"], /problem/],
    ["malformed params JSON", ["--params", join(tmp, "broken.json")], /broken\.json/],
  ];
  try {
    for (const [name, args, message] of cases) {
      await t.step(name, async () => {
        const r = await app4("--quick", "--out", dir, ...args);
        assert.equal(r.code, 2, `exit code for ${name}: ${r.stderr}`);
        assert.match(r.stderr, message);
        assert.ok(!(await exists(dir)), `${dir} was created`);
      });
    }
    await t.step(
      "--no-train without a saved model: exit 1 naming the folder, nothing written",
      async () => {
        const r = await app4("--quick", "--out", dir, "--no-train");
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /No saved model at .*model[/\\]mmd/);
        assert.ok(!(await exists(dir)), `${dir} was created`);
      },
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
