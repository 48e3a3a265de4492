/**
 * The planar robot arm of application 5: forward kinematics against poses
 * computed by hand, joints, prior, the ABC reference posterior (every sample
 * within ε, both methods agree) and the figures.
 */
import assert from "node:assert/strict";
import { mmdSquared } from "../lib/inference/mod.ts";
import { renderSvg } from "../lib/plot/mod.ts";
import { forwardRows } from "../lib/problems/problem.ts";
import { ARM_PRIOR_STD, armTargets, RobotArm } from "../lib/problems/robot_arm.ts";
import {
  armMetricsFigure,
  armPosteriorFigure,
  endPointsFigure,
} from "../apps/app5/robot_arm_figures.ts";
import { armPosteriorMmd } from "../apps/app5/inverse_kinematics.ts";
import { Rng } from "../lib/core/random.ts";

const arm = new RobotArm();
const H = Math.PI / 2;

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-12, what = "") {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tol,
      `${what}[${i}]: ${actual[i]} vs ${expected[i]}`,
    );
  }
}

Deno.test("forward kinematics matches poses computed by hand", () => {
  const cases: [number[], number[], string][] = [
    [[0, 0, 0, 0], [2, 0], "arm stretched along the x axis"],
    [[0.3, 0, 0, 0], [2, 0.3], "rail raised by 0.3"],
    [[-0.2, H, 0, 0], [0, 1.8], "whole arm straight up"],
    [[0, -H, 0, 0], [0, -2], "whole arm straight down"],
    [[0.1, 0, H, 0], [0.5, 1.6], "bend at the second joint"],
    [[0, 0, 0, H], [1, 1], "last segment up"],
    [[0, H, -H, 0], [1.5, 0.5], "up 0.5, then right 1.5"],
    [[0, 0, 0, Math.PI], [0, 0], "last segment folded back onto the rail"],
    [[0.5, Math.PI, 0, 0], [-2, 0.5], "arm pointing left"],
    [[0, H, H, H], [-0.5, -0.5], "up, left, down"],
  ];
  for (const [x, y, what] of cases) close(arm.forward(x), y, 1e-12, what);
});

Deno.test("batched end points, joints and segment lengths agree with forward()", () => {
  const x = arm.priorSample(50, new Rng(3));
  const ends = arm.endPoints(x);
  close(forwardRows(arm, x), Array.from(ends), 1e-12, "forwardRows");
  for (let i = 0; i < 50; i++) {
    const j = arm.joints(x, i);
    assert.equal(j.length, 4);
    close(j[0], [0, x[4 * i]], 0, "rail start");
    close(j[3], Array.from(ends.subarray(2 * i, 2 * i + 2)), 1e-12, "end point");
    for (let k = 0; k < 3; k++) {
      const len = Math.hypot(j[k + 1][0] - j[k][0], j[k + 1][1] - j[k][1]);
      assert.ok(Math.abs(len - arm.lengths[k]) < 1e-12, `segment ${k + 1} has length ${len}`);
    }
  }
  assert.throws(() => arm.forward([0, 0, 0]), /4 values/);
  assert.throws(() => arm.endPoints(new Float64Array(6)), /rows of 4/);
});

Deno.test("the prior has the benchmark's standard deviations", () => {
  const n = 40000;
  const x = arm.priorSample(n, new Rng(5));
  for (let j = 0; j < 4; j++) {
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) {
      s += x[4 * i + j];
      s2 += x[4 * i + j] ** 2;
    }
    const mean = s / n, std = Math.sqrt(s2 / n - mean * mean);
    assert.ok(Math.abs(mean) < 0.02, `mean ${j}: ${mean}`);
    assert.ok(Math.abs(std / ARM_PRIOR_STD[j] - 1) < 0.02, `std ${j}: ${std}`);
  }
  const { x: xt, y } = armTargets(arm, 4, 9);
  close(y, Array.from(arm.endPoints(xt)), 1e-12, "targets are f(x)");
});

Deno.test("ABC reference: every sample ends within ε of y*, for both methods", () => {
  const target = [1.85, 0.4];
  const cases = [["abc-rail-exact", 0.02], ["abc-rail-exact", 0.005], ["abc", 0.02]] as const;
  for (const [method, epsilon] of cases) {
    const n = 300;
    const r = arm.abcPosterior(target, n, { epsilon, seed: 2, method });
    assert.equal(r.samples.length, 4 * n);
    assert.ok(r.acceptanceRate > 0 && r.acceptanceRate <= 1);
    assert.equal(r.acceptanceRate, n / r.tries);
    for (let i = 0; i < n; i++) {
      const [a, b] = arm.endPoint(r.samples, 4 * i);
      const d = Math.hypot(a - target[0], b - target[1]);
      assert.ok(d < epsilon, `${method}, ε=${epsilon}: sample ${i} ends ${d} from y*`);
      if (method === "abc-rail-exact") {
        assert.ok(Math.abs(b - target[1]) < 1e-12, "the rail-exact sampler hits y₂* exactly");
      }
    }
    assert.ok(r.maxDistance < epsilon);
  }
});

Deno.test("ABC reference: the rail-exact sampler agrees with plain ABC and accepts far more", () => {
  const target = [1.85, 0.4];
  const exact = arm.abcPosterior(target, 600, { epsilon: 0.02, seed: 1 });
  const plain = arm.abcPosterior(target, 600, { epsilon: 0.02, seed: 2, method: "abc" });
  const again = arm.abcPosterior(target, 600, { epsilon: 0.02, seed: 3 });
  assert.ok(exact.acceptanceRate > 5 * plain.acceptanceRate, `${exact.acceptanceRate}`);
  const between = armPosteriorMmd(exact.samples, plain.samples);
  const within = armPosteriorMmd(exact.samples, again.samples);
  const prior = armPosteriorMmd(exact.samples, arm.priorSample(600, new Rng(4)));
  assert.ok(between < 0.01, `MMD² rail-exact vs plain ABC: ${between}`);
  assert.ok(prior > 20 * Math.max(between, within, 1e-3), `MMD² vs prior: ${prior}`);
  assert.ok(Math.abs(within) < 0.01, `MMD² of two rail-exact samples: ${within}`);
  // same seed, same samples
  const twin = arm.abcPosterior(target, 600, { epsilon: 0.02, seed: 1 });
  assert.deepEqual(twin.samples, exact.samples);
  // the library MMD with the app's kernels is the same number
  assert.equal(
    between,
    mmdSquared(exact.samples, plain.samples, { dims: 4, scales: [0.05, 0.2, 0.9] }),
  );
});

Deno.test("referencePosterior() reports ABC facts as diagnostics", () => {
  const ref = new RobotArm({ epsilon: 0.01 }).referencePosterior([1.7, 0.1], 300, 4);
  assert.equal(ref.exact, false);
  assert.match(ref.method, /ABC.*0\.01/);
  assert.equal(ref.samples.length, 1200);
  assert.equal(ref.mean.length, 4);
  assert.equal(ref.cov.rows, 4);
  assert.equal(ref.diagnostics.epsilon, 0.01);
  assert.ok((ref.diagnostics.max_end_point_distance as number) < 0.01);
  assert.ok((ref.diagnostics.acceptance_rate as number) > 0);
});

Deno.test("bad input to the arm is refused with a clear message", () => {
  assert.throws(() => new RobotArm({ lengths: [1, 1] }), /Segment lengths must be 3 positive/);
  assert.throws(() => new RobotArm({ priorStd: [1, 1, 1, -1] }), /Prior standard deviations/);
  assert.throws(() => new RobotArm({ epsilon: 0 }), /epsilon must be a positive/);
  assert.throws(() => arm.abcPosterior([1, NaN], 10), /two finite numbers/);
  assert.throws(() => arm.abcPosterior([1, 0, 0], 10), /two finite numbers/);
  assert.throws(
    () => arm.abcPosterior([1.5, 0], 10, { epsilon: -1 }),
    /epsilon must be a positive/,
  );
  // An unreachable end point (the arm is 2 long): the sampler gives up and says why.
  assert.throws(
    () => arm.abcPosterior([5, 0], 10, { maxTries: 20000 }),
    /accepted 0 of the 10 samples.*20000 tries/,
  );
  assert.throws(
    () => arm.abcPosterior([1.5, 0], 10, { method: "mcmc" as "abc" }),
    /Reference method must be/,
  );
});

Deno.test("the arm figures render", async () => {
  const target = [1.7, 0.2];
  const ref = arm.abcPosterior(target, 200, { epsilon: 0.02, seed: 1 });
  const model = arm.priorSample(200, new Rng(2));
  const sets = [
    { label: "reference (ABC)", samples: ref.samples },
    { label: "prior", samples: model },
  ];
  for (
    const spec of [
      armPosteriorFigure(arm, [{ target, sets, notes: ["a", "b"] }]),
      endPointsFigure(arm, target, sets, { epsilon: 0.02 }),
      armMetricsFigure([{ label: "prior", mmd2: 0.2, resimulation: 1.1 }], 0.01),
    ]
  ) {
    const svg = await renderSvg(spec);
    assert.match(svg, /^<svg/);
  }
});
