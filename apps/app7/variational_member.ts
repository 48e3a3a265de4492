/**
 * One member of application 7's variational ensemble: a flow fitted to the tomography
 * posterior of the observed travel times with its own seed, saved to its folder. The main
 * thread runs it for a single member (or one worker); {@link ./vi_worker.ts} runs it on a
 * worker thread, one member per request.
 *
 * @module
 */
import {
  type BoxMap,
  type VariationalFitOptions,
  type VariationalFitReport,
  VariationalPosterior,
} from "../../lib/posterior/mod.ts";
import type { TravelTimeTomography } from "../../lib/problems/travel_time_tomography.ts";
import type { LearningRate } from "../../lib/training/schedule.ts";
import type { ProgressSink } from "../../lib/training/progress.ts";
import { join } from "node:path";

/** What a member fit needs (plain data: it travels to a worker). */
export interface MemberSpec {
  /** Member index (for messages). */
  index: number;
  /** Seed of the flow's permutations and initial weights; the fit uses `seed + 1`. */
  seed: number;
  /** Folder to save the fitted flow in (its checkpoints go to `dir/checkpoint`). */
  dir: string;
  /** Affine couplings, hidden widths, and the full-rank linear map before the couplings. */
  flowSteps: number;
  hiddenLayers: number[];
  fullRank: boolean;
  /** Fit: steps, samples per step, learning rate, gradient clipping, resume. */
  steps: number;
  samplesPerStep: number;
  learningRate: LearningRate;
  gradNormThresh: number;
  /** The ELBO gradient estimator. */
  gradientEstimator: NonNullable<VariationalFitOptions["gradientEstimator"]>;
  /** The map from the real line to the prior's box. */
  boxMap: BoxMap;
  /** Where q starts (velocities and covariance in u, row-major); null: the prior's centre. */
  start: { mean: Float64Array; covariance: Float64Array } | null;
  resume: boolean;
}

/**
 * Fits one member and saves it in `spec.dir`.
 * @param problem The problem with its observation.
 * @param spec The member.
 * @param progress Progress sink of the fit.
 * @returns The fit's report.
 * @example
 * ```ts ignore
 * const report = await fitVariationalMember(problem, spec, progress);
 * ```
 */
export async function fitVariationalMember(
  problem: TravelTimeTomography,
  spec: MemberSpec,
  progress?: ProgressSink,
): Promise<VariationalFitReport> {
  const vi = new VariationalPosterior({
    dims: problem.dims,
    bounds: {
      low: new Float64Array(problem.dims).fill(problem.low),
      high: new Float64Array(problem.dims).fill(problem.high),
    },
    flowSteps: spec.flowSteps,
    hiddenLayers: spec.hiddenLayers,
    fullRank: spec.fullRank,
    boxMap: spec.boxMap,
    initialMean: spec.start?.mean,
    initialCovariance: spec.start?.covariance,
    seed: spec.seed,
  });
  try {
    const report = await vi.fit(
      (theta, count) => problem.logLikelihoodWithGradient(theta, count),
      {
        steps: spec.steps,
        samplesPerStep: spec.samplesPerStep,
        learningRate: spec.learningRate,
        gradNormThresh: spec.gradNormThresh,
        gradientEstimator: spec.gradientEstimator,
        seed: spec.seed + 1,
        progress,
        checkpointDir: join(spec.dir, "checkpoint"),
        resume: spec.resume,
      },
    );
    await vi.save(spec.dir);
    return report;
  } finally {
    vi.dispose();
  }
}
