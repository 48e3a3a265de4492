/**
 * Application 2, image generation and anomaly detection as two sides of one
 * coin, end to end: read the images, train (or load) a flow on the normal
 * class, map images to latent points in chunks, fit a PCA of the training
 * latents, generate new images, regenerate images from `regen_source`,
 * show outliers, images closest to the mean, interpolations and the latent
 * norms, score every validation image for anomalies, and write the figures,
 * `anomaly_scores.csv`, `metrics.json` and the model under the output folder.
 *
 * @module
 */
import { describeRuntime } from "../../lib/kernels/mod.ts";
import { join } from "node:path";
import {
  distancesTo,
  interpolateLatents,
  normHistogramChart,
  pca,
  type PcaResult,
  rowNorms,
  topIndices,
} from "../../lib/analysis/mod.ts";
import { DequantizedSource } from "../../lib/images/dequantize.ts";
import type { TransformedDistribution } from "../../lib/distributions/transformed.ts";
import { writeFileAtomic } from "../../lib/core/atomic.ts";
import { lapTimer } from "../common/lap_timer.ts";
import { requireFiniteResults, writeMetricsFile } from "../common/app_edges.ts";
import { paramsOfSavedModel } from "../common/saved_params.ts";
import { loadFlow, saveFlow } from "../../lib/io/model_io.ts";
import type { Params } from "../../lib/params/mod.ts";
import { saveImageGrid, savePlot, type VegaLiteSpec } from "../../lib/plot/mod.ts";
import { ConsoleProgress, type ProgressSink } from "../../lib/training/progress.ts";
import {
  bitsPerDim,
  evaluateNll,
  trainFlow,
  type TrainResult,
} from "../../lib/training/trainer.ts";
import { ANOMALY_SCORES, anomalyScoresCsv, evaluateAnomalies } from "./anomaly.ts";
import { pngBitsPerDim } from "./complexity.ts";
import { type AppImages, type ImageSet, loadAppImages, loadImageSet } from "./data.ts";
import {
  anomalyRocFigure,
  bitsHistoryFigure,
  concatBatches,
  imageBatch,
  latentScatterFigure,
  PIXEL_GRID,
} from "./figures.ts";
import { sampleLatents, simulatedLatents } from "./generation.ts";
import { dequantizePixels, imagesToLatents, latentsToImages, takeRows } from "./latents.ts";
import { checkImageModel, imageFlowFromParams, imageModelSize, parameterCount } from "./model.ts";
import { checkModelFits } from "../common/model_size.ts";

/** Most training images mapped to latent points for the analysis. */
export const MAX_ANALYSIS_IMAGES = 5000;
/** Images shown in the grid of generated images. */
export const GENERATED_GRID = 64;
/** Images shown in the grid of regenerated images and the round trip. */
export const REGENERATED_GRID = 16;
/** Points of each interpolation strip, endpoints included. */
export const INTERPOLATION_STEPS = 10;

/** Options of {@link runImageApp}. */
export interface ImageAppRunOptions {
  /** Name of the backend in use, for metrics. */
  backend: string;
  /** Progress sink; default console. */
  progress?: ProgressSink;
}

/** What {@link runImageApp} wrote and measured. */
export interface ImageAppRunResult {
  /** The contents of `metrics.json`. */
  metrics: Record<string, unknown>;
  /** Paths written. */
  files: string[];
}

function meanNeg(values: ArrayLike<number>, rows?: number[]): number {
  const idx = rows ?? Array.from({ length: values.length }, (_, i) => i);
  let s = 0;
  for (const i of idx) s -= values[i];
  return s / idx.length;
}

async function trainOrLoad(
  params: Params,
  images: AppImages,
  progress: ProgressSink,
  backend: string,
): Promise<{ flow: TransformedDistribution; trained: TrainResult | null; recorded: Params }> {
  const out = params.run.output_dir;
  if (!params.run.do_train) {
    const flow = await loadFlow(params.run.model_dir);
    if (flow.dims !== images.dims) {
      flow.dispose();
      throw new Error(
        `The model in ${params.run.model_dir} is for ${flow.dims} values per image, but ` +
          `model_arch.image_shape ${JSON.stringify(images.imageShape)} has ${images.dims}`,
      );
    }
    progress.line(`loaded model from ${params.run.model_dir}`);
    const saved = paramsOfSavedModel(params, flow.metadata, params.run.model_dir);
    for (const note of saved.notes) progress.line(note);
    return { flow, trained: null, recorded: saved.params };
  }
  const { size, knobs } = imageModelSize(params, images.imageShape);
  checkModelFits(
    params.model_arch.bijector === "glow" ? "Glow" : "flow",
    size,
    params.training.batch_size,
    backend,
    knobs,
    (line) => progress.line(line),
  );
  const flow = imageFlowFromParams(params, images.imageShape);
  try {
    const t = params.training;
    const seed = params.run.seed;
    const trained = await trainFlow(flow, new DequantizedSource(images.train, seed + 101), {
      epochs: t.num_epochs,
      batchSize: t.batch_size,
      learningRate: t.learning_rate,
      seed,
      gradNormThresh: t.grad_norm_thresh,
      validation: images.validation
        ? new DequantizedSource(images.validation, seed + 102)
        : undefined,
      earlyStoppingPatience: t.early_stopping_patience,
      checkpointDir: t.checkpoint_every_n_epochs > 0 ? join(out, "checkpoints") : undefined,
      checkpointEveryNEpochs: t.checkpoint_every_n_epochs,
      resume: params.run.resume,
      historyPath: t.tracking_tool === "jsonl" ? join(out, "history.jsonl") : undefined,
      progress,
      // Glow has no batch normalization whose statistics would need recomputing.
      statisticsExamples: params.model_arch.bijector === "glow" ? 0 : undefined,
    });
    if (t.save_model_weights) {
      await saveFlow(flow, params.run.model_dir, {
        app: "app2",
        images: images.location,
        imageShape: images.imageShape,
        params,
      });
      progress.line(`model saved to ${params.run.model_dir}`);
    }
    return { flow, trained, recorded: params };
  } catch (e) {
    flow.dispose();
    throw e;
  }
}

/**
 * PCA of the training latents with `pca_n_components` (at least 2, for the
 * scatter). The exact solver can fail to converge on a rank-deficient
 * covariance (fewer images than latent dimensions); the randomized solver
 * then takes over, and the fallback is reported.
 */
function fitPca(
  params: Params,
  latents: Float32Array,
  n: number,
  d: number,
): { fit: PcaResult; note: string | null } {
  const k = Math.max(2, Math.min(params.run.pca_n_components, d, n - 1));
  const options = { nComponents: k, seed: params.run.seed };
  if (params.run.pca_solver === "randomized") {
    return { fit: pca(latents, n, d, { ...options, solver: "randomized" }), note: null };
  }
  try {
    return { fit: pca(latents, n, d, { ...options, solver: "exact" }), note: null };
  } catch (e) {
    const note = `exact PCA failed (${(e as Error).message}); used the randomized solver`;
    return { fit: pca(latents, n, d, { ...options, solver: "randomized" }), note };
  }
}

/**
 * Runs application 2 from validated params and writes its outputs.
 * @param params Validated params (see `params/app2.json`).
 * @param options Backend name and progress sink.
 * @returns Metrics and written files.
 * @throws {ImageDataError} When the images cannot be read or `image_shape` does not fit the model
 *   (before anything is written).
 * @example
 * ```ts ignore
 * import { loadImageAppParams, runImageApp } from "./mod.ts";
 * const params = loadImageAppParams("app2", ["--quick"]);
 * const { metrics } = await runImageApp(params, { backend: "wasm" });
 * console.log(metrics.heldout_bits_per_dim, metrics.auroc);
 * ```
 */
export async function runImageApp(
  params: Params,
  options: ImageAppRunOptions,
): Promise<ImageAppRunResult> {
  const progress = options.progress ?? new ConsoleProgress();
  const t0 = performance.now();
  const { timings, lap } = lapTimer();
  checkImageModel(params);
  const images = await loadAppImages(params, { warn: (line) => progress.line(line) });
  let flow: TransformedDistribution | null = null;
  let recorded = params;
  try {
    const { imageShape, dims } = images;
    const run = params.run;
    const chunk = run.img2lat_chunk_size;
    const counts = Object.entries(images.counts.val)
      .map(([c, n]) => `${c} ${n}`).join(", ");
    progress.line(
      `app2: ${images.location}: ${images.trainImages.size} training images ` +
        `(${images.normalClasses.join(", ")}), ${images.validation?.size ?? 0} held out for ` +
        `early stopping, val: ${counts || "none"}; image_shape ${JSON.stringify(imageShape)}, ` +
        `${params.model_arch.bijector}`,
    );
    let t = performance.now();
    const model = await trainOrLoad(params, images, progress, options.backend);
    flow = model.flow;
    const trained = model.trained;
    recorded = model.recorded;
    t = lap("train_s", t);

    // Images → latent points, in chunks.
    const trainSet = await loadImageSet(images.trainImages, MAX_ANALYSIS_IMAGES);
    const nTrain = trainSet.items.length;
    const trainMap = await imagesToLatents(
      flow,
      dequantizePixels(trainSet.pixels, run.seed + 201),
      dims,
      chunk,
    );
    const valSet: ImageSet | null = images.val ? await loadImageSet(images.val) : null;
    const valMap = valSet
      ? await imagesToLatents(flow, dequantizePixels(valSet.pixels, run.seed + 202), dims, chunk)
      : null;
    const validationNll = images.validation
      ? await evaluateNll(flow, new DequantizedSource(images.validation, run.seed + 102), chunk)
      : null;
    t = lap("latents_s", t);
    const D = flow.dims;

    const normal = new Set(images.normalClasses);
    const valLabels = valSet?.items.map((it) => it.label) ?? [];
    const valAnomaly = valLabels.map((l) => !normal.has(l));
    const valNormalRows = valAnomaly.flatMap((a, i) => (a ? [] : [i]));
    const valAnomalyRows = valAnomaly.flatMap((a, i) => (a ? [i] : []));
    const trainNll = meanNeg(trainMap.logProb);
    const heldoutFromVal = valMap !== null && valNormalRows.length > 0;
    const heldoutNll = heldoutFromVal ? meanNeg(valMap!.logProb, valNormalRows) : validationNll;
    requireFiniteResults(params.run.output_dir, {
      train_log_prob: trainMap.logProb,
      validation_log_prob: valMap?.logProb,
      train_latents: trainMap.latents,
    });

    // PCA of the training latents; new and simulated latent points.
    const { fit, note: pcaNote } = fitPca(params, trainMap.latents, nTrain, D);
    if (pcaNote) progress.line(pcaNote);
    const sampling = {
      dims: D,
      pca: fit,
      trainLatents: trainMap.latents,
      covScale: run.cov_scale,
      seed: run.seed + 301,
    };
    const generatedZ = sampleLatents(run.sampling_mode, run.num_gen_sims, sampling);
    const generated = await latentsToImages(flow, generatedZ, chunk);
    const simulated = simulatedLatents(run.regen_source, Math.max(run.num_gen_sims, 1), {
      ...sampling,
      seed: run.seed + 302,
    });
    const regenCount = Math.min(REGENERATED_GRID, simulated.latents.length / D);
    const regenerated = await latentsToImages(
      flow,
      simulated.latents.subarray(0, regenCount * D),
      chunk,
    );

    // Round trip x → z → x of training images.
    const roundRows = Array.from({ length: Math.min(REGENERATED_GRID, nTrain) }, (_, i) => i);
    const roundTrip = await latentsToImages(flow, takeRows(trainMap.latents, D, roundRows), chunk);
    const roundOriginal = dequantizePixels(trainSet.pixels, run.seed + 201).subarray(
      0,
      roundRows.length * dims,
    );
    let roundTripError = 0;
    for (let i = 0; i < roundTrip.length; i++) {
      roundTripError = Math.max(roundTripError, Math.abs(roundTrip[i] - roundOriginal[i]));
    }

    // Outliers (lowest density) and the images closest to the mean of the latents.
    const k = Math.min(run.num_outliers_to_highlight, nTrain);
    const outliers = topIndices(trainMap.logProb, k, { smallest: true });
    const distances = distancesTo(trainMap.latents, nTrain, fit.mean);
    const closest = topIndices(distances, k, { smallest: true });
    const trainNorms = rowNorms(trainMap.latents, nTrain, D);

    // Interpolation between two training images.
    let interpolation: Float32Array | null = null;
    if (run.do_interp && nTrain >= 2) {
      const a = trainMap.latents.subarray(0, D), b = trainMap.latents.subarray(D, 2 * D);
      const lin = interpolateLatents(a, b, { steps: INTERPOLATION_STEPS, method: "linear" });
      const slerp = interpolateLatents(a, b, { steps: INTERPOLATION_STEPS, method: "slerp" });
      const both = new Float32Array(lin.length + slerp.length);
      both.set(lin);
      both.set(slerp, lin.length);
      interpolation = await latentsToImages(flow, both, chunk);
    }

    // Anomaly scores of the validation images.
    const evaluation = valMap
      ? evaluateAnomalies({
        logProb: valMap.logProb,
        latents: valMap.latents,
        labels: valLabels,
        anomalies: valAnomaly,
        trainLogProb: trainMap.logProb,
        complexity: await pngBitsPerDim(valSet!.pixels, imageShape),
        dims,
        latentDims: D,
      })
      : null;
    t = lap("analysis_s", t);

    // Figures and files.
    const out = run.output_dir;
    const files: string[] = [];
    const grid = async (
      name: string,
      batch: ReturnType<typeof imageBatch>,
      opts: Parameters<typeof saveImageGrid>[2],
    ) => {
      if (!run.do_imgs_and_points) return; // images and latent points not wanted
      const path = join(out, name);
      await saveImageGrid(batch, path, { ...PIXEL_GRID, ...opts });
      files.push(path);
    };
    const plots: [string, VegaLiteSpec][] = [];
    if (run.num_gen_sims > 0) {
      const shown = Math.min(GENERATED_GRID, run.num_gen_sims);
      await grid("generated.png", imageBatch(generated, imageShape, range(shown)), {
        cols: Math.min(8, shown),
        title: `Generated images (sampling_mode ${run.sampling_mode}, ${
          run.sampling_mode === "pca"
            ? `${fit.nComponents} components, cov_scale ${run.cov_scale}`
            : `temperature ${Math.sqrt(run.cov_scale).toFixed(2)}`
        })`,
      });
    }
    if (run.regen_source === "train_pts" && simulated.indices) {
      const rows = simulated.indices.slice(0, regenCount);
      await grid(
        "regenerated.png",
        concatBatches([
          imageBatch(trainSet.pixels, imageShape, rows),
          imageBatch(regenerated, imageShape),
        ]),
        {
          rows: 2,
          rowLabels: ["training", "regenerated"],
          title: "Regenerated from training latents (regen_source train_pts)",
        },
      );
    } else {
      await grid("regenerated.png", imageBatch(regenerated, imageShape), {
        cols: Math.min(8, regenCount),
        title: `Regenerated images (regen_source ${run.regen_source})`,
      });
    }
    await grid(
      "round_trip.png",
      concatBatches([
        imageBatch(trainSet.pixels, imageShape, roundRows),
        imageBatch(roundTrip, imageShape),
      ]),
      {
        rows: 2,
        rowLabels: ["x", "f⁻¹(f(x))"],
        title: `Round trip of training images (max error ${roundTripError.toExponential(1)})`,
      },
    );
    if (k > 0) {
      await grid("outliers.png", imageBatch(trainSet.pixels, imageShape, outliers), {
        labels: true,
        cols: Math.min(k, 10),
        title: "Training images of lowest density (1 = lowest)",
      });
      await grid("closest_to_mean.png", imageBatch(trainSet.pixels, imageShape, closest), {
        labels: true,
        cols: Math.min(k, 10),
        title: "Training images closest to the mean latent point (1 = closest)",
      });
    }
    if (interpolation) {
      await grid("interpolation.png", imageBatch(interpolation, imageShape), {
        rows: 2,
        cols: INTERPOLATION_STEPS,
        rowLabels: ["linear", "slerp"],
        title: "Interpolation between two training images in latent space",
      });
    }
    if (evaluation && valSet) {
      const shown = Math.min(10, valSet.items.length);
      const most = topIndices(evaluation.scores.nll, shown);
      const least = topIndices(evaluation.scores.nll, shown, { smallest: true });
      await grid(
        "anomalies.png",
        imageBatch(valSet.pixels, imageShape, [...most, ...least]),
        {
          rows: 2,
          cols: shown,
          labels: [...most, ...least].map((i) => valLabels[i]),
          rowLabels: ["highest NLL", "lowest NLL"],
          title: "Validation images by anomaly score (NLL)",
        },
      );
    }

    const valLatentSets = valMap
      ? [
        {
          name: "val: normal",
          points: takeRows(valMap.latents, D, valNormalRows),
          color: "#2ca02c",
        },
        {
          name: "val: anomalies",
          points: takeRows(valMap.latents, D, valAnomalyRows),
          color: "#ff7f0e",
          opacity: 0.35,
        },
      ].filter((s) => s.points.length > 0)
      : [];
    if (run.do_imgs_and_points) {
      plots.push([
        "pca_scatter.png",
        latentScatterFigure(
          fit,
          trainMap.latents,
          [
            {
              name: "simulated",
              points: simulated.latents,
              color: "#1f77b4",
            },
            ...valLatentSets,
          ],
          [
            { name: "outliers", rows: outliers, color: "#d62728" },
            { name: "closest to mean", rows: closest, color: "#9467bd" },
          ],
          `simulated: regen_source ${run.regen_source}; numbers as in outliers.png and closest_to_mean.png`,
        ),
      ]);
      plots.push([
        "latent_norms.png",
        normHistogramChart(trainNorms, D, { title: "Norms of the training latent points" }),
      ]);
    }
    if (evaluation?.roc) {
      plots.push([
        "roc.png",
        anomalyRocFigure(
          evaluation.roc,
          `normal: ${images.normalClasses.join(", ")}; ${valAnomalyRows.length} anomalies, ` +
            `${valNormalRows.length} normal validation images`,
        ),
      ]);
    }
    const history = trained?.history ?? [];
    if (history.length) plots.push(["history.png", bitsHistoryFigure(history)]);
    for (const [name, spec] of plots) {
      const path = join(out, name);
      await savePlot(spec, path);
      files.push(path);
    }
    if (evaluation && valSet) {
      const path = join(out, "anomaly_scores.csv");
      await writeFileAtomic(
        path,
        anomalyScoresCsv(valSet.items.map((it) => it.id), valLabels, valAnomaly, evaluation),
      );
      files.push(path);
    }
    t = lap("figures_s", t);

    const bpd = (nll: number | null) => (nll === null ? null : bitsPerDim(nll, dims));
    const metrics: Record<string, unknown> = {
      app: "app2_image_generation_anomaly",
      images: images.location,
      image_shape: imageShape,
      bijector: params.model_arch.bijector,
      backend: options.backend,
      runtime: describeRuntime(),
      trained: run.do_train,
      normal_classes: images.normalClasses,
      counts: images.counts,
      num_train: images.trainImages.size,
      num_validation_split: images.validation?.size ?? 0,
      num_val: valSet?.items.length ?? 0,
      num_val_normal: valNormalRows.length,
      num_val_anomalies: valAnomalyRows.length,
      num_analysed_train: nTrain,
      skipped_images: images.skipped(),
      train_nll: trainNll,
      train_bits_per_dim: bpd(trainNll),
      validation_bits_per_dim: bpd(validationNll),
      heldout_nll: heldoutNll,
      heldout_bits_per_dim: bpd(heldoutNll),
      heldout_source: heldoutFromVal ? "val/ images of the normal class" : "validation split",
      auroc: evaluation?.auroc.nll ?? null,
      auroc_by_score: evaluation?.auroc ?? null,
      auroc_per_class: evaluation?.aurocPerClass ?? null,
      bits_per_dim_per_class: evaluation?.bitsPerDimPerClass ?? null,
      latent_dims: D,
      latent_norm_mean: trainNorms.reduce((a, v) => a + v, 0) / nTrain,
      pca_components: fit.nComponents,
      pca_solver: fit.solver,
      pca_note: pcaNote,
      pca_explained_variance_ratio: Array.from(fit.explainedVarianceRatio),
      round_trip_max_abs_error: roundTripError,
      num_parameters: parameterCount(flow),
      epochs_run: trained?.epochsRun ?? 0,
      best_epoch: trained?.bestEpoch ?? null,
      stopped_early: trained?.stoppedEarly ?? false,
      resumed_from_epoch: trained?.resumedFromEpoch ?? 0,
      steps: trained?.steps ?? 0,
      ms_per_step: trained?.msPerStep ?? null,
      train_time_s: trained?.wallSeconds ?? 0,
      timings_s: timings,
      wall_time_s: (performance.now() - t0) / 1000,
      outliers: outliers.map((i, r) => ({
        rank: r + 1,
        id: trainSet.items[i].id,
        bits_per_dim: -trainMap.logProb[i] / (dims * Math.LN2),
      })),
      closest_to_mean: closest.map((i, r) => ({
        rank: r + 1,
        id: trainSet.items[i].id,
        distance: distances[i],
      })),
      anomaly_scores: [...ANOMALY_SCORES],
      params: recorded,
    };
    files.push(await writeMetricsFile(out, metrics));
    return { metrics, files };
  } finally {
    flow?.dispose();
    await images.close();
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
