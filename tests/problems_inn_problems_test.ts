/**
 * The INN apps' problem choice from params (run.problem, run.abc_epsilon,
 * run.noise_sigma) and saved posterior models: a trained model saved with
 * its standardizers loads back with identical samples in the problem's
 * units, and is refused for another problem or another model kind.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { initBackend } from "../lib/kernels/backend.ts";
import { loadParams } from "../lib/params/mod.ts";
import { silentProgress } from "../lib/training/progress.ts";
import { innProblem, innProblemParamsErrors } from "../apps/inverse/inn_problems.ts";
import {
  type InnAppConfig,
  loadPosteriorModel,
  prepareTrainingSet,
  savePosteriorModel,
  trainPosteriorModel,
} from "../apps/inverse/inn_app.ts";
import { LinearIllConditioned } from "../lib/problems/linear_ill_conditioned.ts";
import { RobotArm } from "../lib/problems/robot_arm.ts";
import { TwoExponentials } from "../lib/problems/two_exponentials.ts";

await initBackend("wasm");

Deno.test("innProblem builds the problem named by run.problem with its settings", () => {
  const arm = innProblem(loadParams("app5", ["--set", "run.abc_epsilon=0.02"]));
  assert.ok(arm instanceof RobotArm);
  assert.equal(arm.epsilon, 0.02);
  assert.equal(arm.abcPosterior([1.5, 0.3], 50, { seed: 1 }).epsilon, 0.02);
  const defaultArm = innProblem(loadParams("app5", ["--set", "run.abc_epsilon=null"]));
  assert.equal((defaultArm as RobotArm).epsilon, 0.005, "null: the arm's own tolerance");
  const linear = innProblem(loadParams("app4", ["--set", "run.noise_sigma=0.1"]));
  assert.ok(linear instanceof LinearIllConditioned);
  assert.equal(linear.noise, 0.1);
  const expo = innProblem(loadParams("app4", ["--set", "run.problem=exponentials"]));
  assert.ok(expo instanceof TwoExponentials);
});

Deno.test("innProblemParamsErrors names what does not fit the app", () => {
  const app4 = (...args: string[]) =>
    innProblemParamsErrors(loadParams("app4", args), "application 4", ["linear", "exponentials"]);
  const app5 = (...args: string[]) =>
    innProblemParamsErrors(loadParams("app5", args), "application 5", ["robot_arm"]);
  assert.deepEqual(app4(), []);
  assert.deepEqual(app5(), []);
  assert.match(app4("--set", "run.problem=robot_arm").join(), /application 4, got "robot_arm"/);
  assert.match(app5("--set", "run.problem=linear").join(), /"robot_arm" for application 5/);
  assert.match(
    app4("--set", "run.abc_epsilon=0.01").join(),
    /abc_epsilon applies only .* "linear" has an analytic reference/,
  );
  assert.match(
    app4("--set", "run.problem=exponentials", "--set", "run.abc_epsilon=0.01").join(),
    /"exponentials" has an MCMC reference/,
  );
  const noisy = app5("--set", "run.noise_sigma=0.1");
  assert.equal(noisy.length, 1);
  assert.match(noisy[0], /run\.noise_sigma must be left unset .*application 6/);
});

const config: InnAppConfig = {
  models: ["ml", "cinn"],
  blocks: 2,
  hiddenLayers: [16],
  clamp: 2,
  activation: "relu",
  regLevel: 0,
  noiseInputs: true,
  conditionLayers: [8],
  contextDim: 4,
  epochs: 1,
  batchSize: 128,
  learningRate: 2e-3,
  gradNormThresh: 10,
  earlyStoppingPatience: 0,
  mmdWeights: { fit: 1, latent: 1, backward: 1, padding: 1 },
  sigmaY: 0.1,
  seed: 3,
};

Deno.test("a saved posterior model loads back with identical samples and is refused elsewhere", async () => {
  const dir = await Deno.makeTempDir({ prefix: "posterior_model_test_" });
  const problem = new LinearIllConditioned();
  const set = prepareTrainingSet(problem, 1024, 64, 1);
  try {
    for (const kind of ["ml", "cinn"] as const) {
      const trained = await trainPosteriorModel(kind, set, config, { progress: silentProgress });
      const folder = join(dir, kind);
      try {
        await savePosteriorModel(trained, problem, folder, { app: "test" });
        const loaded = await loadPosteriorModel(folder, { kind, problem });
        try {
          assert.equal(loaded.loadedFrom, folder);
          assert.equal(loaded.steps, trained.steps);
          assert.deepEqual(loaded.history, trained.history);
          assert.equal(loaded.estimator.dimTheta, problem.dimX);
          const y = Float32Array.from(set.validation.y.subarray(0, problem.dimY));
          assert.deepEqual(
            await loaded.sampler.posterior(y, 200, { seed: 9 }),
            await trained.sampler.posterior(y, 200, { seed: 9 }),
            `${kind}: same samples in the problem's units`,
          );
        } finally {
          loaded.dispose();
        }
      } finally {
        trained.dispose();
      }
    }
    await assert.rejects(
      loadPosteriorModel(join(dir, "ml"), { kind: "cinn", problem }),
      /ml[/\\]model\.json holds a ml model, expected cinn/,
    );
    await assert.rejects(
      loadPosteriorModel(join(dir, "cinn"), { kind: "cinn", problem: new RobotArm() }),
      /cinn[/\\]model\.json was trained on problem .*"linear".*(name|dim_x) differs/,
    );
    await assert.rejects(
      loadPosteriorModel(join(dir, "cinn"), {
        kind: "cinn",
        problem: new LinearIllConditioned({ noise: 0.2 }),
      }),
      /noise differs/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
