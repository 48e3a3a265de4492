/**
 * A worker that runs MCMC chains of the tomography posterior (HMC with the adjoint
 * gradient, in z-space) for {@link ../mcmc_reference.ts}: one chain per request, so that the
 * draws do not depend on how chains are spread over workers.
 *
 * Messages in: {@link ChainRequest}. Messages out: `{ kind: "ready" }` once its handler is
 * set (messages sent before that could be lost while tfjs loads), then per request
 * `{ kind: "progress", chain, done, total, acceptance }` every few iterations and
 * `{ kind: "done", chain, result }` or `{ kind: "error", chain, message }`.
 *
 * @module
 */
import { hamiltonianMonteCarlo } from "../../lib/inference/mcmc_hmc.ts";
import { TravelTimeTomography } from "../../lib/problems/travel_time_tomography.ts";
import { type ChainRequest, type ChainResult, gaussNewtonWarmup } from "./mcmc_reference.ts";
import { gaussNewtonCovariance, unboundedLogPosterior } from "./unbounded_posterior.ts";
import type { Matrix } from "../../lib/linalg/matrix.ts";

let cached: { key: string; problem: TravelTimeTomography } | null = null;

function problemOf(request: ChainRequest): TravelTimeTomography {
  const key = JSON.stringify(request.settings);
  if (cached?.key !== key) cached = { key, problem: new TravelTimeTomography(request.settings) };
  return cached.problem;
}

/** The worker's global scope, as far as it is used here. */
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<ChainRequest>) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
};

const post = (message: unknown, transfer: Transferable[] = []) =>
  scope.postMessage(message, transfer);

scope.onmessage = (event) => {
  const request = event.data;
  try {
    const t0 = performance.now();
    const problem = problemOf(request);
    const target = unboundedLogPosterior(problem);
    const total = request.warmup + request.draws;
    const every = Math.max(1, Math.floor(total / 50));
    const progress = (offset: number) => (done: number, _: number, acceptance: number) => {
      if ((offset + done) % every === 0 || offset + done === total) {
        post({ kind: "progress", chain: request.chain, done: offset + done, total, acceptance });
      }
    };
    const hmc = (
      init: Float64Array,
      warmup: number,
      draws: number,
      metric: Matrix | "diagonal" | "full",
      stepSize: number,
      seed: number,
      offset: number,
    ) =>
      hamiltonianMonteCarlo({
        logDensityWithGradient: (xs, count) => target(xs, count),
        init: [init],
        chains: 1,
        warmup,
        draws,
        leapfrogSteps: request.leapfrogSteps,
        metric: typeof metric === "string" ? metric : "identity",
        initialMetric: typeof metric === "string" ? undefined : metric,
        initialStepSize: stepSize,
        seed,
        onIteration: progress(offset),
      });
    let run;
    let evaluations = 0;
    if (request.metric === "gauss_newton") {
      const plan = gaussNewtonWarmup(request.warmup);
      // A pilot with a learned diagonal metric to leave the start, then windows that each
      // adapt the step size on half their iterations and average the Gauss–Newton Hessian
      // over 10 draws of the other half; the last metric is kept for the draws.
      const pilot = hmc(request.init, plan.pilot - 1, 1, "diagonal", 0.1, request.seed + 7919, 0);
      let z = pilot.samples[0][0] as Float64Array, offset = plan.pilot;
      let metric = gaussNewtonCovariance(problem, [z]);
      let stepSize = pilot.diagnostics.stepSize[0];
      evaluations += pilot.diagnostics.densityEvaluations;
      for (const [w, length] of plan.windows.entries()) {
        const half = Math.ceil(length / 2);
        const window = hmc(
          z,
          half,
          length - half,
          metric,
          stepSize,
          request.seed + 31 * (w + 1),
          offset,
        );
        const draws = window.samples[0];
        z = draws[draws.length - 1] as Float64Array, offset += length;
        stepSize = window.diagnostics.stepSize[0];
        evaluations += window.diagnostics.densityEvaluations;
        const picks = Math.min(10, draws.length);
        metric = gaussNewtonCovariance(
          problem,
          Array.from(
            { length: picks },
            (_, k) => draws[Math.floor((k + 0.5) * draws.length / picks)],
          ),
        );
      }
      run = hmc(z, plan.final, request.draws, metric, stepSize, request.seed, offset);
    } else {
      run = hmc(request.init, request.warmup, request.draws, request.metric, 0.1, request.seed, 0);
    }
    evaluations += run.diagnostics.densityEvaluations;
    const d = problem.dims, draws = run.samples[0];
    const z = new Float64Array(draws.length * d);
    draws.forEach((row, k) => z.set(row, k * d));
    const result: ChainResult = {
      z,
      logDensity: run.logDensity[0],
      acceptance: run.diagnostics.acceptanceRate[0],
      stepSize: run.diagnostics.stepSize[0],
      divergences: run.diagnostics.divergences[0],
      evaluations,
      seconds: (performance.now() - t0) / 1000,
    };
    post({ kind: "done", chain: request.chain, result }, [
      z.buffer as ArrayBuffer,
      result.logDensity.buffer as ArrayBuffer,
    ]);
  } catch (error) {
    post({
      kind: "error",
      chain: request.chain,
      message: error instanceof Error ? error.message : String(error),
    });
  }
};

post({ kind: "ready" });
