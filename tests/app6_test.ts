/**
 * Application 6 end to end through `deno task app6`, with the task's own
 * narrow permissions: a --quick run of the blurred profile checking every output
 * and metrics field, then --no-train on its saved models (the same posterior
 * metrics), a --quick run of the ballistic throw with its MCMC reference, and bad
 * input with a clear message naming the field.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { exists } from "../lib/core/atomic.ts";
import { type BadInputCase, expectRejected, readMetrics, RUN_TAG, runTask } from "./app_task.ts";

const app6 = (...args: string[]) => runTask("app6", ...args);

const FILES = [
  "profiles.png",
  "profiles.svg",
  "posterior_samples.png",
  "posterior_samples.csv",
  "corner_1.png",
  "data_fit.png",
  "noise_sweep.png",
  "calibration.png",
  "metrics.png",
  "history.png",
  "history_amortised.png",
  "history_ml.jsonl",
  "history_cinn.jsonl",
  "metrics.json",
];

Deno.test("app6 --quick (blurred profile) writes the profile, sweep and calibration figures and metrics; --no-train reproduces them", async () => {
  const dir = `output/test-app6-${RUN_TAG}`;
  try {
    const run = await app6("--quick", "--out", dir);
    assert.equal(run.code, 0, run.stderr);
    for (const f of FILES) {
      const info = await Deno.stat(join(dir, f));
      assert.ok(info.size > 0, `${f} is empty`);
    }
    const m = await readMetrics(dir);
    assert.equal(m.app, "app6_inverse_noisy");
    assert.equal(m.problem.name, "blurred_profile");
    assert.equal(m.problem.dim_x, 32);
    assert.equal(m.problem.dim_y, 16);
    assert.equal(m.problem.noise_sigma, 0.05);
    assert.ok(m.problem.condition_number > 1e4, `condition number ${m.problem.condition_number}`);
    assert.equal(m.problem.singular_values.length, 16);
    assert.equal(m.problem.singular_value_decay[0], 1);
    assert.equal(m.reference.method, "analytic");
    assert.deepEqual(Object.keys(m.models), ["ml", "cinn"]);
    assert.equal(m.models.ml.architecture.input, "[x, noise]");
    assert.equal(m.models.cinn.architecture.x_scale, "whitened");
    assert.equal(m.models.cinn.architecture.regression_adjusted, true);
    for (const kind of ["ml", "cinn"]) {
      const model = m.models[kind];
      for (const f of ["mean_error_sigma", "sigma_ratio", "c2st_accuracy", "mmd2"]) {
        assert.ok(Number.isFinite(model[f]), `${kind}.${f} = ${model[f]}`);
      }
      assert.equal(model.calibration.coverage_curve.length, 10);
      assert.equal(typeof m.targets_app6.fixed_sigma_models[kind].all, "boolean");
    }
    const a = m.noise_amortised;
    assert.equal(a.label, "cINN (σ-amortised)");
    assert.deepEqual(a.noise_range, { min: 0.01, max: 0.125 });
    assert.deepEqual(a.per_sigma.map((s: { sigma: number }) => s.sigma), [0.025, 0.05, 0.1]);
    assert.deepEqual(a.repeats.map((r: { k: number }) => r.k), [1, 4, 16]);
    assert.deepEqual(a.repeats.map((r: { sigma: number }) => r.sigma), [0.05, 0.025, 0.0125]);
    for (const s of [...a.per_sigma, ...a.repeats]) {
      assert.ok(Number.isFinite(s.mean_error_sigma) && Number.isFinite(s.c2st_accuracy));
      assert.ok(s.calibration.coverage_90 >= 0 && s.calibration.coverage_90 <= 1);
      assert.equal(typeof s.targets.all, "boolean");
    }
    // The exact posterior widens with σ.
    const w = a.width_vs_sigma;
    assert.equal(w.sigma.length, 9);
    for (let i = 1; i < 9; i++) assert.ok(w.exact[i] > w.exact[i - 1], "exact std grows with σ");
    const refStd = a.per_sigma.map((s: { mean_reference_std: number }) => s.mean_reference_std);
    assert.ok(refStd[0] < refStd[1] && refStd[1] < refStd[2], `reference std ${refStd}`);
    const csv = (await Deno.readTextFile(join(dir, "posterior_samples.csv"))).trim().split("\n");
    assert.match(csv[0], /^source,sample,x1,x2,.*,x32$/);
    assert.ok(csv.some((l) => l.startsWith('"cINN (σ-amortised)"')));
    for (const kind of ["ml", "cinn", "cinn_amortised"]) {
      assert.ok(await exists(join(dir, "model", kind, "model.json")), `model/${kind} saved`);
    }

    const again = await app6("--quick", "--out", dir, "--no-train");
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /loaded from .*model[/\\]cinn_amortised/);
    const m2 = await readMetrics(dir);
    assert.equal(m2.trained, false);
    for (const kind of ["ml", "cinn"]) {
      for (const f of ["mean_error_sigma", "sigma_ratio", "c2st_accuracy"]) {
        assert.equal(m2.models[kind][f], m.models[kind][f], `${kind}.${f} after --no-train`);
      }
    }
    a.per_sigma.forEach((s: Record<string, number>, i: number) => {
      assert.equal(m2.noise_amortised.per_sigma[i].mean_error_sigma, s.mean_error_sigma);
    });
    assert.equal(m2.noise_amortised.loaded_from, join(dir, "model", "cinn_amortised"));
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("app6 --quick with run.problem=ballistic uses an MCMC reference with split-R̂ and ESS", async () => {
  const dir = `output/test-app6-ball-${RUN_TAG}`;
  try {
    const run = await app6(
      "--quick",
      "--out",
      dir,
      "--set",
      "run.problem=ballistic",
      "--set",
      "model_arch.inn_models=cinn",
      "--set",
      "run.sbc_replications=0",
      "--set",
      "run.repeats=[4]",
    );
    assert.equal(run.code, 0, run.stderr);
    const m = await readMetrics(dir);
    assert.equal(m.problem.name, "ballistic");
    assert.equal(m.problem.dim_x, 4);
    assert.equal(m.problem.dim_y, 1);
    assert.match(m.reference.method, /mcmc/);
    assert.ok(
      m.reference.max_rhat > 0.9 && m.reference.max_rhat < 1.2,
      `R-hat ${m.reference.max_rhat}`,
    );
    assert.ok(m.reference.min_ess > 50, `ESS ${m.reference.min_ess}`);
    assert.equal(m.noise_amortised.per_sigma.length, 3);
    assert.equal(m.noise_amortised.repeats[0].k, 4);
    assert.equal(m.noise_amortised.width_vs_sigma.exact, null);
    for (const f of ["corner_1.png", "principal_axes.png", "data_fit.png", "noise_sweep.png"]) {
      assert.ok(await exists(join(dir, f)), f);
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("app6 rejects bad input with a message naming the field, exit code 2 and nothing written", async (t) => {
  const dir = `output/test-app6-bad-${RUN_TAG}`;
  const cases: BadInputCase[] = [
    [
      "σ = 0",
      ["--set", "run.noise_sigma=0"],
      /run\.noise_sigma must be a positive number.*got 0/,
      2,
    ],
    ["σ < 0", ["--set", "run.noise_sigma=-0.1"], /run\.noise_sigma must be/, 2],
    [
      "unknown problem",
      ["--set", "run.problem=heat"],
      /run\.problem must be one of .*"blurred_profile", "ballistic".*got "heat"/,
      2,
    ],
    [
      "a problem of application 4",
      ["--set", "run.problem=linear"],
      /run\.problem must be "blurred_profile" or "ballistic" for application 6, got "linear" \(a problem of application 4\)/,
      2,
    ],
    [
      "a σ range that misses the sweep",
      ["--set", "run.noise_max_factor=1.5"],
      /run\.noise_max_factor must be ≥ run\.noise_sweep_factor = 2/,
      2,
    ],
    [
      "a σ range that misses 16 repeats",
      ["--set", "run.noise_min_factor=0.4"],
      /run\.noise_min_factor must be ≤ 1\/√16 = 0\.2500/,
      2,
    ],
    ["zero repeats", ["--set", "run.repeats=[0, 4]"], /run\.repeats/, 2],
    ["a dataset", ["--dataset", "moons"], /application 6 has no dataset/, 2],
    ["--no-train without a saved model", ["--no-train"], /No saved model at .*cinn_amortised/, 1],
  ];
  try {
    await expectRejected(t, "app6", dir, cases);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
