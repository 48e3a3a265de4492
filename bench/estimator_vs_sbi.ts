/**
 * Our `PosteriorEstimator` beside sbi's NPE, each with its defaults, on the
 * same simulations: for each problem of `estimator_problems.ts` and each
 * simulation budget, both are trained on the same pairs and sample the
 * posteriors of the same observations; C2ST against the reference posterior
 * (the same classifier test for both), training time and sampling time are
 * written to `<out>/estimator_vs_sbi.{json,md}`.
 *
 * sbi runs in the peers' virtual environment (`deno task bench:setup`
 * installs it beside TFP and PyTorch; `--python PATH` picks another); without
 * it the table has our side only and says so.
 * Both use one thread by default (`--threads`).
 *
 * Usage: `deno task bench:sbi [--problems linear,bimodal,product]
 * [--budgets 1000,10000,100000] [--observations 10] [--samples 10000]
 * [--threads 1] [--python PATH] [--out DIR]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join, resolve } from "node:path";
import { Rng } from "../lib/core/random.ts";
import { writeFileAtomic } from "../lib/core/atomic.ts";
import { classifierTwoSampleTest } from "../lib/inference/c2st.ts";
import { initBackend } from "../lib/kernels/mod.ts";
import { PosteriorEstimator, simulateFromPrior } from "../lib/posterior/mod.ts";
import { silentProgress } from "../lib/training/progress.ts";
import { type EstimatorProblem, estimatorProblems } from "./estimator_problems.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    problems: { type: "string", default: "linear,bimodal,product" },
    budgets: { type: "string", default: "1000,10000,100000" },
    observations: { type: "string", default: "10" },
    samples: { type: "string", default: "10000" },
    threads: { type: "string", default: "1" },
    python: { type: "string", default: "bench/peers/.venv/bin/python" },
    out: { type: "string", default: "output/bench_sbi" },
    seed: { type: "string", default: "1" },
  },
});

const budgets = args.budgets.split(",").map(Number);
const numObs = Number(args.observations), numSamples = Number(args.samples);
const seed = Number(args.seed);
const chosen = args.problems.split(",");
const problems = estimatorProblems().filter((p) => chosen.includes(p.name));
if (problems.length !== chosen.length) {
  console.error(
    `unknown problem in --problems ${args.problems}: expected linear, bimodal, product`,
  );
  Deno.exit(2);
}
await Deno.mkdir(args.out, { recursive: true });
await initBackend("wasm");

const python = args.python.includes("/") ? resolve(args.python) : args.python;
const havePython = await Deno.stat(python).then(() => true, () => false);
if (!havePython) {
  console.error(`no sbi environment at ${python} (deno task bench:setup): our side only`);
}

interface Side {
  c2st: number[];
  /** Per observation: the mean over parameters of the samples' σ over the reference's. */
  sigmaRatio: number[];
  trainSeconds: number;
  sampleSeconds: number;
  epochs: number | null;
  /** Ours: networks and their couplings, e.g. `4 × spline`. */
  model?: string;
}

interface Row {
  problem: string;
  n: number;
  ours: Side;
  sbi: Side | null;
  sbiError?: string;
}

/** Per observation, the mean over parameters of σ(samples) / σ(reference). */
function sigmaRatios(dim: number, samples: Float64Array[], refs: Float64Array[]): number[] {
  const sd = (rows: Float64Array, j: number) => {
    const n = rows.length / dim;
    let m = 0, v = 0;
    for (let i = 0; i < n; i++) m += rows[i * dim + j] / n;
    for (let i = 0; i < n; i++) v += (rows[i * dim + j] - m) ** 2 / (n - 1);
    return Math.sqrt(v);
  };
  return samples.map((s, i) => {
    let r = 0;
    for (let j = 0; j < dim; j++) r += sd(s, j) / sd(refs[i], j) / dim;
    return r;
  });
}

async function c2stAll(
  problem: EstimatorProblem,
  samples: Float64Array[],
  refs: Float64Array[],
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples.length; i++) {
    const { accuracy } = await classifierTwoSampleTest(samples[i], refs[i], {
      dims: problem.prior.dim,
      seed: seed + i,
    });
    out.push(accuracy);
  }
  return out;
}

async function runSbi(
  problem: EstimatorProblem,
  data: { theta: Float64Array; x: Float64Array; dimX: number },
  observations: Float64Array[],
  tag: string,
): Promise<
  { samples: Float64Array[]; trainSeconds: number; sampleSeconds: number; epochs: number | null }
> {
  const inPath = resolve(args.out, `${tag}_in.json`),
    outPath = resolve(args.out, `${tag}_out.json`);
  const prior = problem.prior.config();
  await Deno.writeTextFile(
    inPath,
    JSON.stringify({
      theta: Array.from(data.theta),
      x: Array.from(data.x),
      dim_theta: problem.prior.dim,
      dim_x: data.dimX,
      prior: prior.type === "box_uniform"
        ? { type: "box", low: prior.low, high: prior.high }
        : prior.type === "gaussian"
        ? { type: "gaussian", mean: prior.mean, cov: prior.cov }
        : (() => {
          throw new Error("sbi side: custom priors are not passed to Python");
        })(),
      observations: observations.map((o) => Array.from(o)),
      num_samples: numSamples,
      seed,
    }),
  );
  // sbi writes TensorBoard logs (sbi-logs/) into its working folder: the output folder.
  const run = await new Deno.Command(python, {
    cwd: args.out,
    args: [
      new URL("./peers/sbi_npe.py", import.meta.url).pathname,
      inPath,
      outPath,
      "--threads",
      args.threads,
    ],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (run.code !== 0) throw new Error(`sbi_npe.py exited with ${run.code}`);
  const r = JSON.parse(await Deno.readTextFile(outPath));
  return {
    samples: (r.samples as number[][]).map((s) => Float64Array.from(s)),
    trainSeconds: r.train_seconds,
    sampleSeconds: (r.sample_seconds as number[]).reduce((a, b) => a + b, 0) /
      r.sample_seconds.length,
    epochs: r.epochs,
  };
}

const rows: Row[] = [];

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const f = (v: number | undefined, digits = 3) =>
  v === undefined || Number.isNaN(v) ? "—" : v.toFixed(digits);
function report(): string {
  const lines = [
    `# PosteriorEstimator beside sbi NPE (${new Date().toISOString().slice(0, 10)})`,
    "",
    `Each with its defaults, same simulations, ${numObs} observations × ${numSamples} samples, ` +
    `C2ST against the reference (0.5 = indistinguishable), ${args.threads} thread(s); σ ratio: ` +
    "the samples' standard deviation over the reference's, mean over parameters and observations.",
    "",
    ...problems.map((p) => `- \`${p.name}\`: ${p.description}; reference: ${p.referenceMethod}.`),
    "",
    "| problem | simulations | ours C2ST | sbi C2ST | ours train s | sbi train s | ours σ ratio | sbi σ ratio | ours networks | ours epochs (all networks) | sbi epochs | ours sample 10k s | sbi sample 10k s |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows.map((r) =>
      `| ${r.problem} | ${r.n} | ${f(mean(r.ours.c2st))} | ${
        r.sbi ? f(mean(r.sbi.c2st)) : r.sbiError ?? "—"
      } | ` +
      `${f(r.ours.trainSeconds, 1)} | ${f(r.sbi?.trainSeconds, 1)} | ` +
      `${f(mean(r.ours.sigmaRatio ?? [NaN]), 2)} | ${
        r.sbi ? f(mean(r.sbi.sigmaRatio ?? [NaN]), 2) : "—"
      } | ${r.ours.model ?? "—"} | ${r.ours.epochs ?? "—"} | ${r.sbi?.epochs ?? "—"} | ` +
      `${f((r.ours.sampleSeconds * 10_000) / numSamples, 2)} | ${
        r.sbi ? f((r.sbi.sampleSeconds * 10_000) / numSamples, 2) : "—"
      } |`
    ),
  ];
  return lines.join("\n") + "\n";
}

/** Writes the table so far (after every row: a long run that is cut keeps its finished rows). */
async function writeReport(): Promise<string> {
  await writeFileAtomic(
    join(args.out, "estimator_vs_sbi.json"),
    JSON.stringify(rows, null, 2) + "\n",
  );
  const text = report();
  await writeFileAtomic(join(args.out, "estimator_vs_sbi.md"), text);
  return text;
}

for (const problem of problems) {
  // The same observations (and references) at every budget.
  const rng = new Rng(seed + 7);
  const observations: Float64Array[] = [];
  for (let i = 0; i < numObs; i++) {
    observations.push(problem.simulate(problem.prior.sample(1, rng), rng));
  }
  const refs = observations.map((o, i) => problem.reference(o, numSamples, seed + 100 + i));
  for (const n of budgets) {
    console.error(`${problem.name}, ${n} simulations…`);
    const data = await simulateFromPrior(problem.prior, problem.simulate, n, { seed: seed + n });
    const est = new PosteriorEstimator({ prior: problem.prior });
    const t0 = performance.now();
    const report = await est.fit(data.theta, data.x, { seed, progress: silentProgress });
    const trainSeconds = (performance.now() - t0) / 1000;
    const samples: Float64Array[] = [];
    let sampleMs = 0;
    for (const [i, o] of observations.entries()) {
      const t = performance.now();
      samples.push(await est.sample(o, numSamples, { seed: seed + 1000 + i }));
      sampleMs += performance.now() - t;
    }
    est.dispose();
    const row: Row = {
      problem: problem.name,
      n,
      ours: {
        c2st: await c2stAll(problem, samples, refs),
        sigmaRatio: sigmaRatios(problem.prior.dim, samples, refs),
        trainSeconds,
        sampleSeconds: sampleMs / 1000 / observations.length,
        epochs: report.epochs,
        model: `${report.members} × ${report.coupling}`,
      },
      sbi: null,
    };
    if (havePython) {
      try {
        const s = await runSbi(problem, data, observations, `${problem.name}_${n}`);
        row.sbi = {
          c2st: await c2stAll(problem, s.samples, refs),
          sigmaRatio: sigmaRatios(problem.prior.dim, s.samples, refs),
          trainSeconds: s.trainSeconds,
          sampleSeconds: s.sampleSeconds,
          epochs: s.epochs,
        };
      } catch (e) {
        row.sbiError = (e as Error).message;
      }
    }
    rows.push(row);
    console.error(JSON.stringify(row));
    await writeReport();
  }
}
console.log(await writeReport());
