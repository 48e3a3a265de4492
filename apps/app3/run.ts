/**
 * Application 3, generative classification, end to end: read the labelled
 * images (one class held out as out-of-distribution), train (or load) the
 * generative classifier — the image flow with a class-conditional Gaussian
 * mixture as its base, information-bottleneck loss — and the discriminative
 * baseline on the same data and budget, optionally one model per β of
 * `run.beta_sweep`; then classify the test images, measure calibration,
 * generate images of every class, flag OoD inputs by their likelihood, and
 * write the figures, `test_predictions.csv`, `metrics.json` and the models.
 *
 * @module
 */
import { join } from "node:path";
import { describeRuntime } from "../../lib/kernels/mod.ts";
import { confusionMatrixChart, reliabilityChart } from "../../lib/analysis/mod.ts";
import { writeFileAtomic } from "../../lib/core/atomic.ts";
import type { Params } from "../../lib/params/mod.ts";
import { saveImageGrid, savePlot, type VegaLiteSpec } from "../../lib/plot/mod.ts";
import { ConsoleProgress, type ProgressSink } from "../../lib/training/progress.ts";
import type { TrainResult } from "../../lib/training/trainer.ts";
import { tf } from "../../lib/core/tf.ts";
import { lapTimer } from "../common/lap_timer.ts";
import { requireFiniteResults, writeMetricsFile } from "../common/app_edges.ts";
import { imageBatch, PIXEL_GRID } from "../app2/figures.ts";
import { latentsToImages, takeRows } from "../app2/latents.ts";
import { loadClassifierImages, sampleRows } from "./data.ts";
import { type ClassifierEvaluation, evaluateClassifier, OOD_IMAGES } from "./evaluate.ts";
import {
  betaSweepFigure,
  type BetaSweepPoint,
  classifierHistoryFigure,
  classMeansPlane,
  latentProjectionFigure,
  oodHistogramFigure,
  oodRocFigure,
} from "./figures.ts";
import { mixtureOf } from "./model.ts";
import { OOD_PRIMARY_SCORE, OOD_SCORES } from "./ood.ts";
import { type ClassifierSpec, trainClassifier, type TrainedClassifier } from "./train.ts";
import { trainInWorkers, trainsInWorkers } from "./parallel_training.ts";

/** Generated images per class (one row per class). */
export const GENERATED_PER_CLASS = 10;
/** Test latents used for the 2-D projection. */
export const PROJECTED_IMAGES = 2000;
/** The quality targets of the issue: accuracy, gap to the baseline, ECE, AUROC. */
export const TARGETS = { accuracy: 0.9, baselineGap: 0.02, ece: 0.02, auroc: 0.95 } as const;

/** Options of {@link runClassifierApp}. */
export interface ClassifierAppRunOptions {
  /** Name of the backend in use, for metrics and the memory check. */
  backend: string;
  /** Progress sink; default console. */
  progress?: ProgressSink;
}

/** What {@link runClassifierApp} wrote and measured. */
export interface ClassifierAppRunResult {
  /** The contents of `metrics.json`. */
  metrics: Record<string, unknown>;
  /** Paths written. */
  files: string[];
}

/** The folders of the β-sweep model with this β. */
function sweepSpec(out: string, beta: number): ClassifierSpec {
  const dir = join(out, "beta_sweep", `beta_${beta}`);
  return {
    name: `IB-INN (β = ${beta}, sweep)`,
    beta,
    modelDir: join(dir, "model"),
    checkpointDir: join(dir, "checkpoints"),
    historyPath: join(dir, "history.jsonl"),
  };
}

function trainingCost(model: TrainedClassifier, flow = model.flow) {
  const t: TrainResult | null = model.trained;
  return {
    num_parameters: flow.trainableVariables().reduce((a, v) => a + v.size, 0),
    epochs_run: t?.epochsRun ?? 0,
    best_epoch: t?.bestEpoch ?? null,
    stopped_early: t?.stoppedEarly ?? false,
    resumed_from_epoch: t?.resumedFromEpoch ?? 0,
    steps: t?.steps ?? 0,
    ms_per_step: t?.msPerStep ?? null,
    train_time_s: t?.wallSeconds ?? 0,
  };
}

/** The AUROC of the app's OoD score ({@link OOD_PRIMARY_SCORE}) per OoD set. */
function primaryAurocs(e: ClassifierEvaluation): Record<string, number> {
  return Object.fromEntries(
    Object.entries(e.ood?.auroc ?? {}).map(([k, v]) => [k, v[OOD_PRIMARY_SCORE]]),
  );
}

function perClass(values: number[], names: string[]): Record<string, number | null> {
  return Object.fromEntries(
    names.map((n, i) => [n, Number.isFinite(values[i]) ? values[i] : null]),
  );
}

/** The numbers of one evaluated classifier, as `metrics.json` writes them. */
function classifierMetrics(e: ClassifierEvaluation, classNames: string[]) {
  return {
    test_accuracy: e.report.accuracy,
    per_class_accuracy: perClass(e.report.perClassAccuracy, classNames),
    ece: e.report.ece,
    label_nll: e.report.labelNll,
    temperature: e.temperature,
    ece_temperature_scaled: e.scaledReport.ece,
    label_nll_temperature_scaled: e.scaledReport.labelNll,
    test_bits_per_dim: e.bitsPerDim,
  };
}

/**
 * Runs application 3 from validated params and writes its outputs.
 * @param params Validated params (see `params/app3.json`).
 * @param options Backend name and progress sink.
 * @returns Metrics and written files.
 * @throws {ImageDataError} When the images cannot be read or do not make a classification
 *   task (before anything is written).
 * @example
 * ```ts ignore
 * import { loadImageAppParams } from "../app2/cli.ts";
 * import { runClassifierApp } from "./run.ts";
 * const params = loadImageAppParams("app3", ["--quick"]);
 * const { metrics } = await runClassifierApp(params, { backend: "wasm" });
 * console.log(metrics.test_accuracy, metrics.ece);
 * ```
 */
export async function runClassifierApp(
  params: Params,
  options: ClassifierAppRunOptions,
): Promise<ClassifierAppRunResult> {
  const progress = options.progress ?? new ConsoleProgress();
  const t0 = performance.now();
  const { timings, lap } = lapTimer();
  const run = params.run, out = run.output_dir;
  let t = performance.now();
  const images = await loadClassifierImages(params, { warn: (line) => progress.line(line) });
  const { classNames, imageShape, dims } = images;
  const k = classNames.length;
  const inTest = images.test.labels.filter((l) => l >= 0).length;
  progress.line(
    `app3: ${images.location}: ${k} classes (${classNames.join(", ")}); ` +
      `${images.train.labels.length} training images, ${
        images.validation?.labels.length ?? 0
      } held out for validation, ${inTest} test images; out of distribution: ` +
      `${images.heldOutClasses.length ? images.heldOutClasses.join(", ") : "no held-out class"}` +
      ` + transformed test images; image_shape ${JSON.stringify(imageShape)}, ` +
      `${params.model_arch.bijector}`,
  );
  t = lap("data_s", t);

  const specs: ClassifierSpec[] = [{
    name: `IB-INN (β = ${params.training.ib_beta})`,
    beta: params.training.ib_beta,
    modelDir: run.model_dir,
    checkpointDir: join(out, "checkpoints"),
    historyPath: join(out, "history.jsonl"),
  }];
  if (run.do_baseline) {
    specs.push({
      name: "baseline (cross-entropy)",
      beta: Infinity,
      modelDir: join(out, "baseline", "model"),
      checkpointDir: join(out, "baseline", "checkpoints"),
      historyPath: join(out, "baseline", "history.jsonl"),
    });
  }
  for (const beta of run.beta_sweep) specs.push(sweepSpec(out, beta));

  const files: string[] = [];
  const models: TrainedClassifier[] = [];
  try {
    // Train (or load) and evaluate each model in turn; only the first two stay in memory.
    const evaluations: ClassifierEvaluation[] = [];
    const sweep: (BetaSweepPoint & Record<string, unknown>)[] = [];
    // With workers, every model is trained (and saved) first, then each is loaded here.
    const inWorkers = trainsInWorkers(params, specs.length);
    let trainedInWorkers: (TrainResult | null)[] = [];
    if (inWorkers) {
      const ts = performance.now();
      trainedInWorkers = await trainInWorkers(params, specs, {
        progress,
        backend: options.backend,
      });
      timings.train_in_workers_s = (performance.now() - ts) / 1000;
    }
    const loadParams = inWorkers ? { ...params, run: { ...run, do_train: false } } : params;
    for (const [i, spec] of specs.entries()) {
      progress.line(
        `${run.do_train && !inWorkers ? "training" : "loading"} model ${
          i + 1
        } of ${specs.length}: ${spec.name}`,
      );
      const ts = performance.now();
      const model = await trainClassifier(loadParams, images, spec, {
        progress,
        backend: options.backend,
      });
      if (inWorkers) model.trained = trainedInWorkers[i];
      timings[`train_${i}_s`] = model.trained?.wallSeconds ?? (performance.now() - ts) / 1000;
      const te = performance.now();
      const evaluation = await evaluateClassifier(model.flow, images, params, {
        ood: Number.isFinite(spec.beta),
      });
      timings[`evaluate_${i}_s`] = (performance.now() - te) / 1000;
      progress.line(
        `${spec.name}: test accuracy ${evaluation.report.accuracy.toFixed(4)}, ECE ${
          evaluation.report.ece.toFixed(4)
        }, ${evaluation.bitsPerDim.toFixed(3)} bits/dim`,
      );
      if (i >= 1 + (run.do_baseline ? 1 : 0)) {
        sweep.push({
          beta: spec.beta,
          accuracy: evaluation.report.accuracy,
          ece: evaluation.report.ece,
          bitsPerDim: evaluation.bitsPerDim,
          oodAuroc: primaryAurocs(evaluation),
          label_nll: evaluation.report.labelNll,
          ood_auroc: evaluation.ood?.auroc ?? null,
          ...trainingCost(model),
        });
        model.flow.dispose();
      } else {
        models.push(model);
        evaluations.push(evaluation);
      }
    }
    const [main, baseline] = models;
    const [ev, evBase] = evaluations;
    requireFiniteResults(out, {
      test_logits: ev.outputs.logits,
      test_log_prob: ev.outputs.logProb,
      baseline_logits: evBase?.outputs.logits,
    });
    t = performance.now();

    // Figures.
    const mixture = mixtureOf(main.flow);
    const plots: [string, VegaLiteSpec][] = [];
    plots.push([
      "confusion_matrix.png",
      confusionMatrixChart(ev.report.confusion, classNames, {
        title: `Confusion matrix: IB-INN (β = ${params.training.ib_beta})`,
        subtitle: `${ev.test.labels.length} test images, accuracy ${
          ev.report.accuracy.toFixed(4)
        }; cells: counts, colour: fraction of the true class`,
      }),
    ]);
    const curves = [{ name: "IB-INN", bins: ev.report.bins, ece: ev.report.ece }];
    if (evBase) {
      curves.push({ name: "baseline", bins: evBase.report.bins, ece: evBase.report.ece });
      curves.push({
        name: `baseline, temperature ${evBase.temperature.toFixed(2)}`,
        bins: evBase.scaledReport.bins,
        ece: evBase.scaledReport.ece,
      });
    }
    plots.push([
      "reliability.png",
      reliabilityChart(curves, {
        subtitle: "15 equal-width confidence bins (ECE over the same bins); empty bins left out",
      }),
    ]);
    // A random choice of test images, spread over every class.
    const projected = sampleRows(ev.test.labels.length, PROJECTED_IMAGES, run.seed + 401);
    const D = mixture.dims;
    const means = (await mixture.means.data()) as Float32Array;
    const plane = classMeansPlane(
      means,
      k,
      takeRows(ev.outputs.latents, D, projected),
      run.seed,
    );
    const byClass: Record<string, Float32Array> = {};
    classNames.forEach((name, c) => {
      byClass[name] = takeRows(
        ev.outputs.latents,
        D,
        projected.filter((r) => ev.test.labels[r] === c),
      );
    });
    const heldName = images.heldOutClasses.find((c) => ev.heldOutLatents[c]);
    const heldPoints = heldName ? ev.heldOutLatents[heldName] : null;
    plots.push([
      "latent_projection.png",
      latentProjectionFigure(plane.fit, {
        byClass,
        means,
        classNames,
        subtitle: `${projected.length} test images on ${plane.subtitle}`,
        ...(heldName && heldPoints
          ? {
            heldOut: {
              name: `held out: ${heldName}`,
              points: heldPoints.subarray(0, Math.min(500, heldPoints.length / D) * D),
            },
          }
          : {}),
      }),
    ]);
    if (ev.ood) {
      plots.push(["ood_histogram.png", oodHistogramFigure(ev.nllBySet)]);
      plots.push(["ood_roc.png", oodRocFigure(ev.ood)]);
    }
    if (main.trained?.history.length) {
      plots.push([
        "history.png",
        classifierHistoryFigure(main.trained.history, baseline?.trained?.history ?? []),
      ]);
    }
    if (sweep.length) {
      const points = [
        {
          beta: params.training.ib_beta,
          accuracy: ev.report.accuracy,
          ece: ev.report.ece,
          bitsPerDim: ev.bitsPerDim,
          oodAuroc: primaryAurocs(ev),
        },
        ...sweep,
      ];
      plots.push(["beta_sweep.png", betaSweepFigure(points)]);
    }
    for (const [name, spec] of plots) {
      const path = join(out, name);
      await savePlot(spec, path);
      files.push(path);
    }
    if (run.num_gen_sims > 0) {
      const temperature = Math.sqrt(run.cov_scale);
      const latents = tf.tidy(() =>
        tf.concat(
          classNames.map((_, c) =>
            mixture.sampleClass(c, GENERATED_PER_CLASS, { seed: run.seed + 301 + c, temperature })
          ),
        )
      );
      const generated = await latentsToImages(
        main.flow,
        (await latents.data()) as Float32Array,
        run.img2lat_chunk_size,
      );
      latents.dispose();
      const path = join(out, "generated.png");
      await saveImageGrid(imageBatch(generated, imageShape), path, {
        ...PIXEL_GRID,
        rows: k,
        cols: GENERATED_PER_CLASS,
        rowLabels: classNames,
        title: `Generated images, one row per class (temperature ${temperature.toFixed(2)})`,
      });
      files.push(path);
    }
    const csv = ["id,class,predicted,confidence,nll_bits_per_dim"];
    ev.test.ids.forEach((id, i) => {
      csv.push(
        [
          /[",\n]/.test(id) ? `"${id.replaceAll('"', '""')}"` : id,
          ev.test.classes[i],
          classNames[ev.report.predicted[i]],
          ev.report.confidence[i].toFixed(6),
          ev.nllBySet["in-distribution"][i].toFixed(6),
        ].join(","),
      );
    });
    const csvPath = join(out, "test_predictions.csv");
    await writeFileAtomic(csvPath, csv.join("\n") + "\n");
    files.push(csvPath);
    t = lap("figures_s", t);

    const auroc = ev.ood?.auroc ?? {};
    const baseMetrics = evBase
      ? { ...classifierMetrics(evBase, classNames), ...trainingCost(baseline) }
      : null;
    const gap = evBase ? evBase.report.accuracy - ev.report.accuracy : null;
    const metrics: Record<string, unknown> = {
      app: "app3_generative_classification",
      images: images.location,
      image_shape: imageShape,
      bijector: params.model_arch.bijector,
      backend: options.backend,
      runtime: describeRuntime(),
      trained: run.do_train,
      classes: classNames,
      held_out_classes: images.heldOutClasses,
      counts: images.counts,
      num_train: images.train.labels.length,
      num_validation: images.validation?.labels.length ?? 0,
      num_test: ev.test.labels.length,
      num_ood_transformed_per_set: Math.min(OOD_IMAGES, ev.test.labels.length),
      skipped_images: images.skipped,
      beta: params.training.ib_beta,
      label_smoothing: params.training.label_smoothing,
      ece_bins: 15,
      ...classifierMetrics(ev, classNames),
      confusion_matrix: ev.report.confusion,
      validation_bits_per_dim: ev.validationLogProb.length
        ? -ev.validationLogProb.reduce((a, v) => a + v, 0) /
          (ev.validationLogProb.length * dims * Math.LN2)
        : null,
      ood_auroc: auroc,
      ood_bits_per_dim: ev.ood?.bitsPerDim ?? null,
      ood_scores: [...OOD_SCORES],
      ood_primary_score: OOD_PRIMARY_SCORE,
      baseline: baseMetrics,
      accuracy_gap_to_baseline: gap,
      targets: {
        accuracy_at_least_0_90: ev.report.accuracy >= TARGETS.accuracy,
        within_2_points_of_baseline: gap === null ? null : gap <= TARGETS.baselineGap,
        ece_at_most_0_02: ev.report.ece <= TARGETS.ece,
        auroc_noise_at_least_0_95: auroc.noise
          ? auroc.noise[OOD_PRIMARY_SCORE] >= TARGETS.auroc
          : null,
        auroc_inverted_at_least_0_95: auroc.inverted
          ? auroc.inverted[OOD_PRIMARY_SCORE] >= TARGETS.auroc
          : null,
      },
      beta_sweep: sweep.map((p) => {
        const { bitsPerDim, accuracy, oodAuroc: _, ...rest } = p;
        return { ...rest, test_accuracy: accuracy, test_bits_per_dim: bitsPerDim };
      }),
      ...trainingCost(main),
      timings_s: timings,
      wall_time_s: (performance.now() - t0) / 1000,
      params: main.recorded,
    };
    files.push(await writeMetricsFile(out, metrics));
    return { metrics, files };
  } finally {
    for (const m of models) m.flow.dispose();
  }
}
