/**
 * A worker that runs MCMC chains of the tomography posterior (HMC with the adjoint
 * gradient, in u-space) for {@link ../mcmc_reference.ts}: one chain per request, so that the
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
import type { ChainRequest, ChainResult } from "./mcmc_reference.ts";
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
    const problem = problemOf(request);
    const target = unboundedLogPosterior(problem);
    const total = request.warmup + request.draws;
    const every = Math.max(1, Math.floor(total / 50));
    const progress = (offset: number) => (done: number, _: number, acceptance: number) => {
      if ((offset + done) % every === 0 || offset + done === total) {
        post({ kind: "progress", chain: request.chain, done: offset + done, total, acceptance });
      }
    };
    let init = request.init, warmup = request.warmup, offset = 0;
    let initialMetric: Matrix | undefined;
    if (request.metric === "gauss_newton") {
      // A pilot of HMC with a learned diagonal metric (a third of warm-up, at most 150
      // iterations) to leave the start, then the Gauss–Newton metric at the chain's position.
      const first = Math.max(1, Math.min(150, Math.floor(request.warmup / 3)));
      const pilot = hamiltonianMonteCarlo({
        logDensityWithGradient: (xs, count) => target(xs, count),
        init: [init],
        chains: 1,
        warmup: first,
        draws: 1,
        leapfrogSteps: request.leapfrogSteps,
        metric: "diagonal",
        seed: request.seed + 7919,
        onIteration: progress(0),
      });
      init = pilot.samples[0][0];
      initialMetric = gaussNewtonCovariance(problem, init);
      warmup = request.warmup - first, offset = first + 1;
    }
    const run = hamiltonianMonteCarlo({
      logDensityWithGradient: (xs, count) => target(xs, count),
      init: [init],
      chains: 1,
      warmup,
      draws: request.draws,
      leapfrogSteps: request.leapfrogSteps,
      metric: request.metric === "gauss_newton" ? "identity" : request.metric,
      initialMetric,
      seed: request.seed,
      onIteration: progress(offset),
    });
    const d = problem.dims, draws = run.samples[0];
    const u = new Float64Array(draws.length * d);
    draws.forEach((row, k) => u.set(row, k * d));
    const result: ChainResult = {
      u,
      logDensity: run.logDensity[0],
      acceptance: run.diagnostics.acceptanceRate[0],
      stepSize: run.diagnostics.stepSize[0],
      divergences: run.diagnostics.divergences[0],
      evaluations: run.diagnostics.densityEvaluations,
      seconds: run.diagnostics.seconds,
    };
    post({ kind: "done", chain: request.chain, result }, [
      u.buffer as ArrayBuffer,
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
