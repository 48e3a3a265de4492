/**
 * Application 7's training set (apps/app7/training_set.ts) on a small model
 * (6 × 6 nodes, 6 stations, 15 data):
 *
 * - shapes, θ in the prior box, and x − travelTimes(θ) with the noise's
 *   standard deviation;
 * - the random streams: jump-ahead equals drawing in sequence, and the set is
 *   the same for 1 and 2 workers and any chunk size (exactly: the same JS
 *   arithmetic runs either way), and a smaller set is a prefix of a larger;
 * - the cache: a second call loads, a smaller count uses the first rows, a
 *   changed spec re-simulates and says why, no temporary files are left;
 * - resuming: a run stopped after some chunks (its progress callback throws)
 *   leaves chunk files that the next call uses, with a damaged chunk
 *   simulated again, and the result equals a fresh run;
 * - failures: bad model options reject with the worker's message (no hang,
 *   no leaked worker: the test sanitizers check), and a bad spec is refused.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Rng } from "../lib/core/random.ts";
import { readNpy } from "../lib/io/npy.ts";
import { circleStations, TravelTimeModel } from "../lib/problems/travel_time.ts";
import {
  loadOrSimulateTrainingSet,
  simulationRng,
  streamStride,
  type TrainingSetSpec,
} from "../apps/app7/training_set.ts";

const MODEL = {
  nodesX: 6,
  nodesY: 6,
  nodeSpacing: 2,
  origin: [-5, -5] as [number, number],
  refinement: 2,
  stations: circleStations(6, 4),
};
const SPEC: TrainingSetSpec = {
  model: MODEL,
  low: 1.5,
  high: 3.5,
  noiseSigma: 0.02,
  count: 200,
  seed: 11,
};
const quiet = { log: () => {} };

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "app7_training_set_" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

Deno.test("simulationRng: jump-ahead is the generator's own sequence, in disjoint blocks", () => {
  const stride = streamStride(36, 15);
  assert.equal(stride, 128);
  const rng = new Rng(11);
  for (let index = 0; index < 5; index++) {
    const block = simulationRng(11, index, stride);
    for (let k = 0; k < stride; k++) assert.equal(block.uniform(), rng.uniform());
  }
  // Far into the sequence (index·stride beyond 2³¹) the state still wraps correctly.
  const far = simulationRng(3, 20_000_000, 128), near = simulationRng(3, 19_999_999, 128);
  for (let k = 0; k < 128; k++) near.uniform();
  assert.equal(far.uniform(), near.uniform());
});

Deno.test("training set: shapes, θ in the box, x = travelTimes(θ) + noise of the right size", async () => {
  await withTempDir(async (dir) => {
    const lines: string[] = [];
    const progress: [number, number][] = [];
    const set = await loadOrSimulateTrainingSet(dir, SPEC, {
      workers: 2,
      log: (l) => lines.push(l),
      progress: (done, total) => progress.push([done, total]),
    });
    const model = new TravelTimeModel(MODEL);
    assert.equal(set.dimTheta, 36);
    assert.equal(set.dimX, model.numData);
    assert.equal(set.dimX, 15);
    assert.equal(set.theta.length, SPEC.count * 36);
    assert.equal(set.x.length, SPEC.count * 15);
    assert.equal(set.loadedFrom, null);
    assert.ok(set.seconds > 0 && set.simulationsPerSecond > 0);
    assert.ok(lines[0].includes("no ") && lines[0].includes("spec.json"), lines[0]);
    assert.ok(progress.length >= 2, `progress called ${progress.length} times`);
    assert.deepEqual(progress.at(-1), [SPEC.count, SPEC.count]);
    let min = Infinity, max = -Infinity;
    for (const v of set.theta) min = Math.min(min, v), max = Math.max(max, v);
    assert.ok(min >= SPEC.low && max <= SPEC.high, `θ in [${min}, ${max}]`);
    assert.ok(min < SPEC.low + 0.05 && max > SPEC.high - 0.05, `θ fills the box: [${min}, ${max}]`);
    let sum = 0, sum2 = 0;
    const n = SPEC.count * set.dimX;
    for (let r = 0; r < SPEC.count; r++) {
      const t = model.travelTimes(set.theta.subarray(r * 36, (r + 1) * 36));
      for (let k = 0; k < set.dimX; k++) {
        const e = set.x[r * set.dimX + k] - t[k];
        sum += e, sum2 += e * e;
      }
    }
    const mean = sum / n, sd = Math.sqrt(sum2 / n - mean * mean);
    assert.ok(Math.abs(sd / SPEC.noiseSigma - 1) < 0.2, `residual sd ${sd} vs ${SPEC.noiseSigma}`);
    assert.ok(Math.abs(mean) < 4 * SPEC.noiseSigma / Math.sqrt(n), `residual mean ${mean}`);
    // The files: [count, nodes] and [count, data] float32, the spec, no chunks left behind.
    assert.deepEqual(await listFiles(dir), ["spec.json", "theta.npy", "x.npy"]);
    const theta = await readNpy(join(dir, "theta.npy")), x = await readNpy(join(dir, "x.npy"));
    assert.deepEqual(theta.shape, [SPEC.count, 36]);
    assert.deepEqual(x.shape, [SPEC.count, 15]);
    assert.deepEqual(theta.data, set.theta);
    assert.deepEqual(x.data, set.x);
    const json = JSON.parse(await Deno.readTextFile(join(dir, "spec.json")));
    assert.deepEqual(json.spec, JSON.parse(JSON.stringify(SPEC)));
    assert.equal(json.dimTheta, 36);
    assert.equal(json.dimX, 15);
    assert.ok(json.seconds > 0 && typeof json.date === "string");
  });
});

Deno.test("training set: the same for 1 and 2 workers and any chunk size; smaller sets are prefixes", async () => {
  await withTempDir(async (dir) => {
    const spec = { ...SPEC, count: 60 };
    const one = await loadOrSimulateTrainingSet(join(dir, "one"), spec, { ...quiet, workers: 1 });
    const two = await loadOrSimulateTrainingSet(join(dir, "two"), spec, {
      ...quiet,
      workers: 2,
      chunk: 7,
    });
    assert.equal(two.loadedFrom, null);
    assert.deepEqual(two.theta, one.theta);
    assert.deepEqual(two.x, one.x);
    const small = await loadOrSimulateTrainingSet(join(dir, "small"), { ...spec, count: 25 }, {
      ...quiet,
      workers: 2,
      chunk: 4,
    });
    assert.deepEqual(small.theta, one.theta.subarray(0, 25 * 36));
    assert.deepEqual(small.x, one.x.subarray(0, 25 * 15));
    const other = await loadOrSimulateTrainingSet(join(dir, "other"), { ...spec, seed: 12 }, {
      ...quiet,
      workers: 2,
    });
    assert.notDeepEqual(other.theta, one.theta);
  });
});

Deno.test("training set: cached — loaded again, the first rows of a larger set, re-simulated on a change", async () => {
  await withTempDir(async (dir) => {
    const spec = { ...SPEC, count: 40 };
    const first = await loadOrSimulateTrainingSet(dir, spec, { ...quiet, workers: 2 });
    const lines: string[] = [];
    const log = (l: string) => lines.push(l);
    const again = await loadOrSimulateTrainingSet(dir, spec, { log, workers: 2 });
    assert.equal(again.loadedFrom, dir);
    assert.deepEqual(again.theta, first.theta);
    assert.deepEqual(again.x, first.x);
    assert.equal(again.seconds, first.seconds);
    assert.ok(lines[0].startsWith(`loaded 40 simulations from ${dir}`), lines[0]);

    const fewer = await loadOrSimulateTrainingSet(dir, { ...spec, count: 15 }, { log });
    assert.equal(fewer.loadedFrom, dir);
    assert.deepEqual(fewer.theta, first.theta.slice(0, 15 * 36));
    assert.deepEqual(fewer.x, first.x.slice(0, 15 * 15));
    assert.ok(lines[1].includes("first 15 of 40"), lines[1]);

    // A changed spec re-simulates, and says why.
    const specPath = join(dir, "spec.json");
    const changed = await loadOrSimulateTrainingSet(dir, { ...spec, count: 50 }, { log });
    assert.equal(changed.loadedFrom, null);
    assert.ok(lines[2].includes(`count 50 ≠ 40 in ${specPath}`), lines[2]);
    assert.deepEqual(changed.theta.subarray(0, 40 * 36), first.theta);
    const noisier = await loadOrSimulateTrainingSet(dir, { ...spec, noiseSigma: 0.05 }, { log });
    assert.equal(noisier.loadedFrom, null);
    assert.ok(lines.at(-2)!.includes(`noiseSigma 0.05 ≠ 0.02 in ${specPath}`), lines.at(-2)!);
    const finer = { ...spec, noiseSigma: 0.05, model: { ...MODEL, refinement: 3 } };
    await loadOrSimulateTrainingSet(dir, finer, { log });
    assert.ok(lines.at(-2)!.includes(`model.refinement 3 ≠ 2 in ${specPath}`), lines.at(-2)!);
    const reloaded = await loadOrSimulateTrainingSet(dir, finer, { log });
    assert.equal(reloaded.loadedFrom, dir);

    // Damaged arrays are simulated again, not trusted.
    const bytes = await Deno.readFile(join(dir, "x.npy"));
    await Deno.writeFile(join(dir, "x.npy"), bytes.subarray(0, bytes.length - 4));
    const repaired = await loadOrSimulateTrainingSet(dir, finer, { log });
    assert.equal(repaired.loadedFrom, null);
    assert.ok(lines.at(-2)!.includes("truncated data"), lines.at(-2)!);
    assert.deepEqual(repaired.x, reloaded.x);
    assert.deepEqual(await listFiles(dir), ["spec.json", "theta.npy", "x.npy"]);
  });
});

Deno.test("training set: an interrupted run resumes from its chunks and equals a fresh run", async () => {
  await withTempDir(async (dir) => {
    const spec = { ...SPEC, count: 90 };
    const fresh = await loadOrSimulateTrainingSet(join(dir, "fresh"), spec, {
      ...quiet,
      workers: 1,
    });
    const target = join(dir, "resumed");
    let calls = 0;
    await assert.rejects(
      () =>
        loadOrSimulateTrainingSet(target, spec, {
          ...quiet,
          workers: 2,
          chunk: 10,
          progress: () => {
            if (++calls === 4) throw new Error("stop here");
          },
        }),
      /stop here/,
    );
    const chunkDir = join(target, "chunks");
    const chunkFiles = (await listFiles(chunkDir)).filter((n) => n.startsWith("chunk_"));
    assert.ok(chunkFiles.length >= 8, `chunk files: ${chunkFiles}`);
    assert.ok(!(await listFiles(target)).includes("spec.json"));
    // Damage one finished chunk: it is simulated again.
    const victim = join(chunkDir, chunkFiles.find((n) => n.endsWith(".x.npy"))!);
    await Deno.writeFile(victim, (await Deno.readFile(victim)).subarray(0, 150));

    const lines: string[] = [];
    const progress: number[] = [];
    const resumed = await loadOrSimulateTrainingSet(target, spec, {
      log: (l) => lines.push(l),
      workers: 2,
      chunk: 25, // ignored: the run keeps its chunk size of 10
      progress: (done) => progress.push(done),
    });
    const resumeLine = lines.find((l) => l.startsWith("resuming"));
    assert.ok(resumeLine, lines.join("\n"));
    assert.ok(lines.some((l) => l.includes("unreadable")), lines.join("\n"));
    assert.ok(progress[0] >= 30 && progress[0] < 90, `first progress ${progress[0]}`);
    assert.equal(progress.at(-1), 90);
    assert.deepEqual(resumed.theta, fresh.theta);
    assert.deepEqual(resumed.x, fresh.x);
    assert.deepEqual(await listFiles(target), ["spec.json", "theta.npy", "x.npy"]);

    // Chunks of a different spec are discarded, not mixed in.
    const kept = join(dir, "kept");
    await loadOrSimulateTrainingSet(kept, spec, { ...quiet, chunk: 30, keepChunks: true });
    await Deno.remove(join(kept, "spec.json"));
    const lines2: string[] = [];
    const other = await loadOrSimulateTrainingSet(kept, { ...spec, seed: 5 }, {
      log: (l) => lines2.push(l),
    });
    assert.ok(
      lines2.some((l) => l.includes("discarding") && l.includes("seed 5 ≠ 11")),
      lines2.join("\n"),
    );
    assert.notDeepEqual(other.theta.subarray(0, 36), fresh.theta.subarray(0, 36));
  });
});

Deno.test("training set: a worker's error rejects with its message; a bad spec is refused", async () => {
  await withTempDir(async (dir) => {
    for (const workers of [1, 2]) {
      await assert.rejects(
        () =>
          loadOrSimulateTrainingSet(dir, { ...SPEC, model: { ...MODEL, refinement: 0 } }, {
            ...quiet,
            workers,
          }),
        /Simulation worker: The refinement must be an integer ≥ 1, got 0/,
      );
    }
    await assert.rejects(
      () =>
        loadOrSimulateTrainingSet(
          dir,
          { ...SPEC, model: { ...MODEL, stations: [[9, 9], [0, 0]] } },
          {
            ...quiet,
          },
        ),
      /Simulation worker: .*station 0/,
    );
    await assert.rejects(
      () => loadOrSimulateTrainingSet(dir, { ...SPEC, low: 0 }, quiet),
      /low must be finite and > 0/,
    );
    await assert.rejects(
      () => loadOrSimulateTrainingSet(dir, { ...SPEC, count: 2.5 }, quiet),
      /count must be an integer ≥ 1/,
    );
    assert.ok(!(await listFiles(dir)).includes("spec.json"));
  });
});
