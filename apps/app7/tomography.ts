/**
 * Application 7, Bayesian seismic travel-time tomography, end to end: the problem from the
 * params (the 2-D synthetic of Zhao, Curtis & Zhang 2022 by default), its noisy
 * observation, the methods asked for — the MCMC reference (HMC with the adjoint gradient,
 * cached), the variational flow and the amortised cINN and INN — their posterior maps compared
 * with the reference, the figures, and `metrics.json`.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/core/atomic.ts";
import type { Params } from "../../lib/params/mod.ts";
import { savePlot } from "../../lib/plot/mod.ts";
import { rayPaths } from "../../lib/problems/ray_paths.ts";
import { TravelTimeTomography } from "../../lib/problems/travel_time_tomography.ts";
import { ConsoleProgress } from "../../lib/training/progress.ts";
import type { BackendName } from "../../lib/kernels/mod.ts";
import { writeMetricsFile } from "../common/app_edges.ts";
import { compareWithReference, type PosteriorSummary, summarize } from "./compare.ts";
import {
  chooseMarginalNodes,
  dataFitFigure,
  historyFigure,
  marginalsFigure,
  posteriorMapsFigure,
  velocityMapFigure,
} from "./figures.ts";
import {
  loadMcmcReference,
  loadOrRunMcmcReference,
  type McmcReference,
  type McmcSettings,
} from "./mcmc_reference.ts";
import { type MethodRun, runAmortised, runVariational } from "./methods.ts";
import { type App7Method, parseMethods, tomographySettingsFromParams } from "./settings.ts";

/** The quality targets of application 7 (issue 14), against the MCMC reference. */
export const APP7_TARGETS = {
  vi: { meanRmsPriorStd: 0.1, stdCorrelation: 0.8 },
  cinn: { meanRmsPriorStd: 0.15, stdCorrelation: 0.6 },
  inn: { meanRmsPriorStd: 0.15, stdCorrelation: 0.6 },
} as const;

/** Labels and colours of the methods in every figure. */
export const METHOD_STYLE: Record<App7Method, { label: string; color: string }> = {
  mcmc: { label: "MCMC reference", color: "#222222" },
  vi: { label: "variational flow", color: "#4c78a8" },
  cinn: { label: "amortised cINN", color: "#f58518" },
  inn: { label: "amortised INN (ML)", color: "#54a24b" },
};

/** What a run returns. */
export interface TomographyRunResult {
  /** The metrics written to `metrics.json`. */
  metrics: Record<string, unknown>;
  /** Files written. */
  files: string[];
}

/**
 * Runs application 7.
 * @param params Validated params (see `params/app7.json`).
 * @param options The backend in use.
 * @returns Metrics and files.
 */
export async function runTomography(
  params: Params,
  options: { backend: BackendName },
): Promise<TomographyRunResult> {
  const methods = parseMethods(params.run.method);
  if (typeof methods === "string") throw new Error(methods);
  const out = params.run.output_dir;
  await Deno.mkdir(out, { recursive: true });
  const settings = tomographySettingsFromParams(params);
  const problem = new TravelTimeTomography(settings);
  const grid = problem.model.nodes, stations = problem.model.stations;
  const domain: [number, number] = [problem.low, problem.high];
  console.log(
    `app7: ${grid.nx} × ${grid.ny} velocity nodes at ${grid.spacing} km, ${stations.length} ` +
      `stations, ${problem.numData} travel times with σ = ${settings.noiseSigma} s; ` +
      `χ²/datum of the true model ${problem.chi2PerDatum(problem.trueVelocity).toFixed(2)}; ` +
      `methods: ${methods.join(", ")}`,
  );
  const files: string[] = [];
  const save = async (spec: Parameters<typeof savePlot>[0], name: string) => {
    const path = join(out, name);
    await savePlot(spec, path);
    files.push(path);
  };
  await writeFileAtomic(
    join(out, "observed.json"),
    JSON.stringify(
      {
        settings,
        pairs: Array.from(problem.model.pairs),
        observed: Array.from(problem.observed),
        true_times: Array.from(problem.trueTimes),
      },
      null,
      1,
    ) + "\n",
  );
  files.push(join(out, "observed.json"));

  // The reference: run or loaded from the cache when asked for, else loaded if cached.
  const mcmcSettings: McmcSettings = {
    chains: params.run.mcmc_chains,
    warmup: params.run.mcmc_warmup,
    draws: params.run.mcmc_draws,
    leapfrogSteps: params.run.mcmc_leapfrog_steps,
    metric: params.run.mcmc_metric,
    seed: params.run.seed,
  };
  const referenceDir = join(out, "mcmc_reference");
  let reference: McmcReference | null = null;
  if (!methods.includes("mcmc")) {
    reference = await loadMcmcReference(referenceDir, settings, mcmcSettings);
    console.log(
      reference
        ? `mcmc: comparing with the cached reference in ${referenceDir}`
        : `mcmc: no cached reference for these settings in ${referenceDir}; run with ` +
          `--method mcmc (or all) to compare the methods with MCMC`,
    );
  } else {
    let last = -Infinity;
    reference = await loadOrRunMcmcReference(referenceDir, settings, mcmcSettings, {
      workers: params.run.workers,
      progress: (p) => {
        if (p.seconds - last >= 15 || p.done === p.total) {
          last = p.seconds;
          const left = p.seconds / Math.max(p.done, 1) * (p.total - p.done);
          console.log(
            `mcmc: ${p.done}/${p.total} iterations over ${mcmcSettings.chains} chains ` +
              `(${p.finished} finished) in ${p.seconds.toFixed(0)} s, about ${
                left.toFixed(0)
              } s left`,
          );
        }
      },
    });
  }
  if (reference) {
    const s = reference.summary;
    console.log(
      `mcmc: ${reference.loadedFrom ? `loaded from ${reference.loadedFrom}` : "ran"} ` +
        `(${reference.seconds.toFixed(0)} s): max split-R̂ ${s.maxRhat.toFixed(3)}, ESS min ` +
        `${s.minEss.toFixed(0)} / median ${s.medianEss.toFixed(0)}, ${s.divergences} divergences`,
    );
    if (s.maxRhat > 1.05) {
      console.warn(
        `mcmc: warning: the reference has not converged on every node (max split-R̂ ` +
          `${s.maxRhat.toFixed(3)} > 1.05): raise run.mcmc_warmup/mcmc_draws or ` +
          `run.mcmc_leapfrog_steps`,
      );
    }
  }

  const runs = new Map<App7Method, MethodRun>();
  for (const method of methods) {
    if (method === "mcmc") continue;
    console.log(`app7: ${METHOD_STYLE[method].label}`);
    const progress = new ConsoleProgress();
    if (method === "vi") {
      runs.set(
        method,
        await runVariational(problem, params, { progress, backend: options.backend }),
      );
    } else runs.set(method, await runAmortised(problem, params, method, progress));
  }

  // Summaries, comparisons, misfits.
  const summaries = new Map<App7Method, PosteriorSummary>();
  const refSummary = reference ? summarize(reference.samples, problem.dims) : null;
  if (refSummary) summaries.set("mcmc", refSummary);
  for (const [m, r] of runs) summaries.set(m, summarize(r.samples, problem.dims));
  const methodMetrics: Record<string, unknown> = {};
  for (const [m, summary] of summaries) {
    const run = runs.get(m);
    const entry: Record<string, unknown> = {
      label: METHOD_STYLE[m].label,
      chi2_per_datum_of_mean: problem.chi2PerDatum(summary.mean),
      mean_abs_error_to_true_model_km_s: meanAbs(summary.mean, problem.trueVelocity),
    };
    if (refSummary && m !== "mcmc") {
      const c = compareWithReference(summary, refSummary, problem.priorStd);
      const target = APP7_TARGETS[m as Exclude<App7Method, "mcmc">];
      Object.assign(entry, {
        mean_rms_vs_mcmc_prior_std: c.meanRmsPriorStd,
        std_rms_vs_mcmc_prior_std: c.stdRmsPriorStd,
        std_correlation_vs_mcmc: c.stdCorrelation,
        mean_correlation_vs_mcmc: c.meanCorrelation,
        targets: target
          ? {
            mean_rms_vs_mcmc_prior_std: target.meanRmsPriorStd,
            std_correlation_vs_mcmc: target.stdCorrelation,
            met: c.meanRmsPriorStd <= target.meanRmsPriorStd &&
              c.stdCorrelation >= target.stdCorrelation,
          }
          : null,
      });
    }
    if (run) {
      Object.assign(entry, {
        seconds: {
          simulation: run.times.simulation,
          training: run.times.training,
          inference: run.times.inference,
        },
        loaded_from: run.loadedFrom,
        ...run.details,
      });
    } else if (m === "mcmc" && reference) {
      Object.assign(entry, {
        seconds: { simulation: 0, training: 0, inference: reference.seconds },
        loaded_from: reference.loadedFrom,
        chains: mcmcSettings.chains,
        warmup: mcmcSettings.warmup,
        draws: mcmcSettings.draws,
        leapfrog_steps: mcmcSettings.leapfrogSteps,
        metric: mcmcSettings.metric,
        max_split_rhat: reference.summary.maxRhat,
        min_ess: reference.summary.minEss,
        median_ess: reference.summary.medianEss,
        acceptance: reference.summary.acceptance,
        divergences: reference.summary.divergences,
        gradient_evaluations: reference.summary.evaluations,
        converged: reference.summary.maxRhat <= 1.05,
      });
    }
    methodMetrics[m] = entry;
  }

  // Figures.
  const meanForRays = refSummary?.mean ?? summaries.values().next().value?.mean ?? null;
  const rays = meanForRays ? rayPaths(problem.model, meanForRays) : [];
  await save(
    velocityMapFigure(grid, problem.trueVelocity, { title: "True model", domain, stations }),
    "true_model.png",
  );
  if (meanForRays) {
    await save(
      velocityMapFigure(grid, meanForRays, {
        title: `Ray paths of the ${refSummary ? "MCMC" : "posterior"} mean model`,
        domain,
        stations,
        rays,
      }),
      "ray_paths.png",
    );
  }
  const ordered = [...summaries.entries()];
  if (ordered.length) {
    await save(
      posteriorMapsFigure(
        grid,
        ordered.map(([m, s]) => ({ label: METHOD_STYLE[m].label, mean: s.mean, std: s.std })),
        { meanDomain: domain, stations },
      ),
      "posterior_maps.png",
    );
    const nodes = chooseMarginalNodes(grid, {
      discCenter: settings.trueModel.center,
      discRadius: settings.trueModel.radius,
      stationRadius: params.run.station_radius,
    });
    await save(
      marginalsFigure(
        nodes,
        ordered.map(([m]) => ({
          label: METHOD_STYLE[m].label,
          color: METHOD_STYLE[m].color,
          samples: m === "mcmc" ? reference!.samples : runs.get(m)!.samples,
        })),
        { low: problem.low, high: problem.high, trueValues: problem.trueVelocity },
      ),
      "marginals.png",
    );
    await save(
      dataFitFigure(
        problem.observed,
        ordered.map(([m, s]) => ({
          label: METHOD_STYLE[m].label,
          color: METHOD_STYLE[m].color,
          times: problem.model.travelTimes(s.mean),
        })),
        settings.noiseSigma,
      ),
      "data_fit.png",
    );
  }
  const histories = [...runs.entries()].filter(([, r]) => r.history.step.length > 0);
  if (histories.length) {
    await save(
      historyFigure(histories.map(([m, r]) => ({
        label: METHOD_STYLE[m].label,
        color: METHOD_STYLE[m].color,
        ...r.history,
      }))),
      "histories.png",
    );
  }
  const summaryPath = join(out, "posterior_summaries.json");
  await writeFileAtomic(
    summaryPath,
    JSON.stringify(
      Object.fromEntries(
        [...summaries].map(([m, s]) => [m, { mean: Array.from(s.mean), std: Array.from(s.std) }]),
      ),
    ) + "\n",
  );
  files.push(summaryPath);

  const metrics: Record<string, unknown> = {
    app: "app7",
    backend: options.backend,
    problem: {
      nodes: [grid.nx, grid.ny],
      node_spacing_km: grid.spacing,
      refinement: problem.model.refinement,
      stations: stations.length,
      data: problem.numData,
      noise_sigma_s: settings.noiseSigma,
      prior_km_s: [problem.low, problem.high],
      prior_std_km_s: problem.priorStd,
      true_model: settings.trueModel,
      chi2_per_datum_of_true_model: problem.chi2PerDatum(problem.trueVelocity),
    },
    reference: reference ? "mcmc" : null,
    methods: methodMetrics,
    untraced_rays: rays.filter((r) => !r.traced).length,
  };
  files.push(await writeMetricsFile(out, metrics));
  return { metrics, files };
}

function meanAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += Math.abs(a[k] - b[k]);
  return s / a.length;
}
