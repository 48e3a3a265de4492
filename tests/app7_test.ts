/**
 * Application 7 (Bayesian travel-time tomography) end to end through `deno task app7`, with the
 * task's own narrow permissions: a --quick run with small chain and training settings (11 × 11
 * nodes, 8 stations, 28 travel times) checking every figure, cache and metric, and that the
 * posterior means fit the data; then --no-train on the same folder, which loads the cached MCMC
 * reference (without rewriting it) and the saved models; then bad params, each refused with
 * exit code 2, a message naming the field, and nothing written.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readNpy } from "../lib/io/npy.ts";
import { discVelocity, TravelTimeTomography } from "../lib/problems/travel_time_tomography.ts";
import { correlation } from "../apps/app7/compare.ts";
import { type BadInputCase, expectRejected, readMetrics, runTask } from "./app_task.ts";

const app7 = (...args: string[]) => runTask("app7", ...args);

/** Small enough for well under a minute on two busy cores; the same for every run on a folder. */
const SMALL = [
  "--quick",
  ...["--set", "run.mcmc_warmup=100", "--set", "run.mcmc_draws=100"],
  ...["--set", "run.mcmc_leapfrog_steps=10", "--set", "run.num_posterior_samples=500"],
  ...["--set", "training.vi_steps=100", "--set", "training.num_data_input=400"],
  ...["--set", "training.num_epochs=3"],
];

const FIGURES = [
  "true_model.png",
  "ray_paths.png",
  "posterior_maps.png",
  "marginals.png",
  "data_fit.png",
  "histories.png",
];

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** A temporary folder under output/ (the task may write only there). */
async function outputTempDir(prefix: string): Promise<string> {
  await Deno.mkdir("output", { recursive: true });
  return await Deno.makeTempDir({ dir: "output", prefix });
}

/** Every file under a folder with its size and modification time. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const path = join(d, e.name);
      if (e.isDirectory) await walk(path);
      else {
        const info = await Deno.stat(path);
        files.set(path, `${info.size} ${info.mtime?.getTime()}`);
      }
    }
  };
  await walk(dir);
  return files;
}

type MethodEntry = Record<string, unknown> & {
  chi2_per_datum_of_mean: number;
  loaded_from: string | null;
  seconds: { simulation: number; training: number; inference: number };
};

Deno.test("app7 --quick writes every figure, the MCMC and training-set caches and metrics; --no-train reloads them", async () => {
  const dir = await outputTempDir("test-app7-");
  try {
    const t0 = performance.now();
    const run = await app7(...SMALL, "--out", dir, "--method", "all,inn");
    const firstSeconds = (performance.now() - t0) / 1000;
    assert.equal(run.code, 0, run.stderr);

    // Figures: non-empty PNGs.
    for (const f of FIGURES) {
      const bytes = await Deno.readFile(join(dir, f));
      assert.ok(bytes.length > 1000, `${f}: ${bytes.length} bytes`);
      assert.deepEqual(Array.from(bytes.subarray(0, 8)), PNG_SIGNATURE, `${f} is not a PNG`);
    }

    // Metrics: the problem and every method.
    const m = await readMetrics(dir);
    assert.equal(m.app, "app7");
    assert.deepEqual(m.problem.nodes, [11, 11]);
    assert.equal(m.problem.stations, 8);
    assert.equal(m.problem.data, 28);
    assert.equal(m.reference, "mcmc");
    const methods = m.methods as Record<string, MethodEntry>;
    for (const name of ["mcmc", "vi", "cinn", "inn"]) {
      const e = methods[name];
      assert.ok(e, `metrics.json has no ${name} entry: ${Object.keys(methods)}`);
      assert.ok(Number.isFinite(e.chi2_per_datum_of_mean), `${name}.chi2_per_datum_of_mean`);
      assert.equal(e.loaded_from, null, `${name} was loaded on a fresh folder`);
      for (const part of ["simulation", "training", "inference"] as const) {
        const s = e.seconds?.[part];
        assert.ok(Number.isFinite(s) && s >= 0, `${name}.seconds.${part} = ${s}`);
      }
    }
    for (const name of ["vi", "cinn", "inn"]) {
      const e = methods[name];
      for (const f of ["mean_rms_vs_mcmc_prior_std", "std_correlation_vs_mcmc"]) {
        assert.ok(Number.isFinite(e[f]), `${name}.${f} = ${e[f]}`);
      }
      assert.ok(e.seconds.training > 0, `${name} trained for ${e.seconds.training} s`);
    }
    assert.ok(methods.cinn.seconds.simulation > 0, "the cINN's training set was simulated");
    assert.equal(methods.inn.seconds.simulation, 0, "the INN reuses the cINN's training set");
    const mcmc = methods.mcmc as MethodEntry & Record<string, number>;
    assert.ok(mcmc.max_split_rhat >= 0.9 && Number.isFinite(mcmc.max_split_rhat));
    assert.ok(mcmc.min_ess > 0 && Number.isFinite(mcmc.min_ess), `min ESS ${mcmc.min_ess}`);
    assert.equal(mcmc.chains, 4);
    assert.equal(mcmc.warmup, 100);
    assert.equal(mcmc.draws, 100);
    assert.ok(mcmc.gradient_evaluations > 4 * 200, `${mcmc.gradient_evaluations} gradients`);
    assert.ok(mcmc.seconds.inference > 0);

    // Caches: the MCMC reference (velocities of 4 × 100 draws) and the cINN's training set.
    const samples = await readNpy(join(dir, "mcmc_reference", "samples.npy"));
    assert.deepEqual(samples.shape, [400, 121]);
    assert.ok(Array.from(samples.data).every((v) => v >= 0.5 && v <= 3), "draws in the box");
    const referencePath = join(dir, "mcmc_reference", "reference.json");
    const referenceText = await Deno.readTextFile(referencePath);
    const reference = JSON.parse(referenceText);
    assert.deepEqual(
      { chains: reference.mcmc.chains, warmup: reference.mcmc.warmup, draws: reference.mcmc.draws },
      { chains: 4, warmup: 100, draws: 100 },
    );
    assert.equal(reference.rhat.length, 121);
    const theta = await readNpy(join(dir, "training_set", "theta.npy"));
    const x = await readNpy(join(dir, "training_set", "x.npy"));
    assert.deepEqual(theta.shape, [400, 121]);
    assert.deepEqual(x.shape, [400, 28]);

    // The posteriors: recompute the problem from the settings the run recorded.
    const observed = JSON.parse(await Deno.readTextFile(join(dir, "observed.json")));
    const problem = new TravelTimeTomography(observed.settings);
    assert.deepEqual(Array.from(problem.observed), observed.observed, "the observation");
    const summaries = JSON.parse(await Deno.readTextFile(join(dir, "posterior_summaries.json")));
    for (const name of ["mcmc", "vi", "cinn", "inn"]) {
      assert.equal(summaries[name].mean.length, 121);
      assert.ok(
        Math.abs(
          problem.chi2PerDatum(summaries[name].mean) - methods[name].chi2_per_datum_of_mean,
        ) <
          1e-9,
        `${name}: metrics.json's χ² is that of posterior_summaries.json's mean`,
      );
    }
    // A constant 1.75 km/s model (the prior's mean) misses the data by ≈ 44 per datum; the
    // MCMC and variational means fit them within a few (≈ 1.4 and ≈ 2.6 at these settings).
    const constant = problem.chi2PerDatum(new Float64Array(problem.dims).fill(1.75));
    console.log(
      `χ²/datum: constant 1.75 km/s ${constant.toFixed(2)}, true model ${
        problem.chi2PerDatum(problem.trueVelocity).toFixed(2)
      }, MCMC mean ${methods.mcmc.chi2_per_datum_of_mean.toFixed(2)}, VI mean ${
        methods.vi.chi2_per_datum_of_mean.toFixed(2)
      }, cINN mean ${methods.cinn.chi2_per_datum_of_mean.toFixed(2)}`,
    );
    assert.ok(constant > 10, `a constant model fits: χ²/datum ${constant}`);
    for (const name of ["mcmc", "vi"]) {
      const chi2 = methods[name].chi2_per_datum_of_mean;
      assert.ok(chi2 < constant / 4, `${name}: χ²/datum of the mean ${chi2} vs ${constant}`);
    }
    // The MCMC mean map shows the slow disc: it correlates with the true model (≈ 0.58 here).
    const truth = discVelocity(problem.model, observed.settings.trueModel);
    const r = correlation(summaries.mcmc.mean, truth);
    console.log(
      `MCMC mean vs true model: correlation ${r.toFixed(3)}; first run ${
        firstSeconds.toFixed(1)
      } s`,
    );
    assert.ok(r > 0.3, `MCMC mean map vs true model: correlation ${r}`);

    // --no-train: the reference comes from its cache, untouched; the models are loaded.
    const referenceStat = await Deno.stat(referencePath);
    const samplesStat = await Deno.stat(join(dir, "mcmc_reference", "samples.npy"));
    const t1 = performance.now();
    const again = await app7(...SMALL, "--out", dir, "--no-train", "--method", "all,inn");
    const secondSeconds = (performance.now() - t1) / 1000;
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /loaded from \S*mcmc_reference/);
    assert.equal(await Deno.readTextFile(referencePath), referenceText, "reference.json rewritten");
    assert.equal((await Deno.stat(referencePath)).mtime?.getTime(), referenceStat.mtime?.getTime());
    assert.equal(
      (await Deno.stat(join(dir, "mcmc_reference", "samples.npy"))).mtime?.getTime(),
      samplesStat.mtime?.getTime(),
      "samples.npy rewritten",
    );
    const m2 = await readMetrics(dir);
    const methods2 = m2.methods as Record<string, MethodEntry>;
    assert.equal(methods2.mcmc.loaded_from, join(dir, "mcmc_reference"));
    assert.equal(methods2.vi.loaded_from, join(dir, "model", "vi"));
    assert.equal(methods2.cinn.loaded_from, join(dir, "model", "cinn"));
    assert.equal(methods2.inn.loaded_from, join(dir, "model", "inn"));
    for (const name of ["vi", "cinn", "inn"]) {
      assert.equal(methods2[name].seconds.training, 0, `${name} trained again`);
      assert.equal(methods2[name].seconds.simulation, 0, `${name} simulated again`);
    }
    // The same draws: the saved flows sampled with the same seeds, and the cached reference
    // (whose samples.npy holds float32, so its mean agrees to float32 precision only).
    for (const name of ["vi", "cinn", "inn"]) {
      assert.equal(
        methods2[name].chi2_per_datum_of_mean,
        methods[name].chi2_per_datum_of_mean,
        `${name}: χ²/datum of the mean after --no-train`,
      );
    }
    const chi2Mcmc = [methods.mcmc, methods2.mcmc].map((e) => e.chi2_per_datum_of_mean);
    assert.ok(Math.abs(chi2Mcmc[1] / chi2Mcmc[0] - 1) < 1e-5, `mcmc χ²/datum ${chi2Mcmc}`);
    assert.equal(methods2.mcmc.gradient_evaluations, methods.mcmc.gradient_evaluations);
    console.log(`--no-train run ${secondSeconds.toFixed(1)} s`);

    // A refused run on this folder changes nothing in it.
    const before = await snapshot(dir);
    const refused = await app7(...SMALL, "--out", dir, "--method", "foo");
    assert.equal(refused.code, 2, refused.stderr);
    assert.deepEqual(await snapshot(dir), before, "a refused run wrote to the output folder");
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("app7 rejects bad params with exit code 2, a message naming the field, and nothing written", async (t) => {
  const tmp = await outputTempDir("test-app7-bad-");
  const dir = join(tmp, "refused");
  const cases: BadInputCase[] = [
    [
      "a station outside the grid",
      ["--set", "run.station_radius=9"],
      /run\.\S*station_radius\S*: The station 0 at \(9, 0\) lies outside the model box/,
      2,
    ],
    [
      "a negative true velocity",
      ["--set", "run.true_velocity=[2,-1]"],
      /run\.true_velocity: the true model's anomaly velocity must be finite and > 0 km\/s, got -1/,
      2,
    ],
    [
      "a zero lower velocity bound",
      ["--set", "run.velocity_bounds=[0,3]"],
      /run\.velocity_bounds: the prior's lower bound must be a finite velocity > 0 km\/s, got 0/,
      2,
    ],
    [
      "lower bound above the upper",
      ["--set", "run.velocity_bounds=[3,0.5]"],
      /run\.velocity_bounds: the prior's lower bound \(3\) must be below its upper bound \(0\.5\)/,
      2,
    ],
    ["an unknown method", ["--method", "foo"], /run\.method \(--method\) must be .*got "foo"/, 2],
    [
      "a grid with one size",
      ["--set", "run.grid_nodes=[21]"],
      /run\.grid_nodes must have 2 values, got 1/,
      2,
    ],
    ["a dataset", ["--dataset", "moons"], /application 7 has no dataset/, 2],
    [
      "a Gauss–Newton start in the logistic map",
      ["--set", "training.vi_box_map=logistic"],
      /training\.vi_start gauss_newton .* needs training\.vi_box_map normal \(got logistic\)/,
      2,
    ],
  ];
  try {
    await expectRejected(t, "app7", dir, cases);
    await t.step("--help", async () => {
      const help = await app7("--help");
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, /--method NAME +App 7: .*vi.*mcmc/);
      assert.match(help.stdout, /run\.velocity_bounds/);
    });
    const left: string[] = [];
    for await (const e of Deno.readDir(tmp)) left.push(e.name);
    assert.deepEqual(left, [], "refused runs wrote to output/");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
