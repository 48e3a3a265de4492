/**
 * Training (or loading, with `--no-train`) one classifier of application 3
 * with the one trainer: the generative classifier with the
 * information-bottleneck loss at a given β, or the discriminative baseline —
 * the same flow and head trained on the cross-entropy alone (β = ∞). Each
 * model has its own folder, checkpoints and history, so `--resume` continues
 * whichever was interrupted.
 *
 * @module
 */
import type { TransformedDistribution } from "../../lib/distributions/transformed.ts";
import { DequantizedSource } from "../../lib/images/dequantize.ts";
import { type AugmentOptions, isAugmenting } from "../../lib/images/augment.ts";
import { AugmentedSource } from "../../lib/images/augmented_source.ts";
import { loadFlow, saveFlow } from "../../lib/io/model_io.ts";
import type { Params } from "../../lib/params/mod.ts";
import { ArrayDataSource, type DataSource } from "../../lib/training/data_source.ts";
import { informationBottleneckLoss } from "../../lib/training/information_bottleneck.ts";
import type { ProgressSink } from "../../lib/training/progress.ts";
import { trainFlow, type TrainResult } from "../../lib/training/trainer.ts";
import { checkModelFits } from "../common/model_size.ts";
import { paramsOfSavedModel } from "../common/saved_params.ts";
import { imageModelSize } from "../app2/model.ts";
import { augmentationOf } from "../app2/data.ts";
import { type ClassifierImages, type LabelledImages, oneHotRows } from "./data.ts";
import { classFrequencies, generativeClassifierFromParams, mixtureOf } from "./model.ts";

/** What to train and where it lives. */
export interface ClassifierSpec {
  /** Name in messages, e.g. `IB-INN (β = 1)` or `baseline`. */
  name: string;
  /** β of the information-bottleneck loss; `Infinity` for the cross-entropy baseline. */
  beta: number;
  /** Folder of the saved model. */
  modelDir: string;
  /** Folder of its checkpoints; absent: none. */
  checkpointDir?: string;
  /** Its JSON-lines history; absent: none. */
  historyPath?: string;
}

/** A trained or loaded classifier. */
export interface TrainedClassifier {
  /** The flow with its mixture base. */
  flow: TransformedDistribution;
  /** The training result; null when loaded. */
  trained: TrainResult | null;
  /** The params that describe it (the saved `model_arch` when loaded). */
  recorded: Params;
}

/**
 * A labelled image set as a training source: dequantised pixels with their one-hot classes,
 * augmented in training passes when asked (`training.horizontal_flip`, `zoom_range`, `rotation_range`).
 * @param set Labelled images (every label a training class).
 * @param images The dataset (image shape, classes).
 * @param seed Seed of the dequantisation noise (and of the augmentation).
 * @param augment Augmentation of the training passes. Default none.
 * @returns The source.
 * @example
 * ```ts
 * import { labelledSource } from "./train.ts";
 * const set = {
 *   pixels: new Float32Array(8), labels: Int32Array.from([0, 1]), classes: ["a", "b"], ids: ["1", "2"],
 * };
 * const images = { imageShape: [2, 2, 1] as [number, number, number], classNames: ["a", "b"] };
 * labelledSource(set, images, 1).contextDim; // 2
 * ```
 */
export function labelledSource(
  set: LabelledImages,
  images: Pick<ClassifierImages, "imageShape" | "classNames">,
  seed: number,
  augment: AugmentOptions = {},
): DataSource {
  const k = images.classNames.length;
  const pixels = new ArrayDataSource(set.pixels, [...images.imageShape], {
    context: oneHotRows(set.labels, k),
    contextDim: k,
  });
  return new DequantizedSource(
    isAugmenting(augment) ? new AugmentedSource(pixels, augment, seed + 1) : pixels,
    seed,
  );
}

/**
 * Trains one classifier (or loads it when `run.do_train` is false).
 * @param params App params.
 * @param images The data.
 * @param spec Name, β and folders.
 * @param options Progress sink and backend (for the memory check).
 * @returns The classifier; the caller disposes its flow.
 * @throws Error naming the folder when a model to load is missing or not a classifier of
 *   these classes.
 * @example
 * ```ts ignore
 * import { trainClassifier } from "./train.ts";
 * const { flow } = await trainClassifier(params, images, { name: "baseline", beta: Infinity,
 *   modelDir: "output/app3/baseline/model" }, { progress, backend: "wasm" });
 * ```
 */
export async function trainClassifier(
  params: Params,
  images: ClassifierImages,
  spec: ClassifierSpec,
  options: { progress: ProgressSink; backend: string },
): Promise<TrainedClassifier> {
  const { progress } = options;
  const k = images.classNames.length;
  if (!params.run.do_train) {
    const flow = await loadFlow(spec.modelDir);
    const classes = flow.metadata?.classNames;
    if (
      !(flow.base.config().type === "class_gaussian_mixture") || flow.dims !== images.dims ||
      mixtureOf(flow).numClasses !== k ||
      JSON.stringify(classes) !== JSON.stringify(images.classNames)
    ) {
      flow.dispose();
      throw new Error(
        `The model in ${spec.modelDir} is not a classifier of these images: it was trained on ` +
          `classes ${JSON.stringify(classes)} of ${flow.dims} values per image; this run has ` +
          `${JSON.stringify(images.classNames)} of ${images.dims} (train it again)`,
      );
    }
    progress.line(`${spec.name}: loaded from ${spec.modelDir}`);
    const saved = paramsOfSavedModel(params, flow.metadata, spec.modelDir);
    for (const note of saved.notes) progress.line(note);
    return { flow, trained: null, recorded: saved.params };
  }
  const { size, knobs } = imageModelSize(params, images.imageShape);
  checkModelFits(
    spec.name,
    size,
    params.training.batch_size,
    options.backend,
    knobs,
    (line) => progress.line(line),
  );
  const flow = generativeClassifierFromParams(
    params,
    images.imageShape,
    classFrequencies(images.train.labels, k),
  );
  try {
    const t = params.training;
    const seed = params.run.seed;
    const training = labelledSource(images.train, images, seed + 101, augmentationOf(params));
    const trained = await trainFlow(flow, training, {
      epochs: t.num_epochs,
      batchSize: t.batch_size,
      learningRate: t.learning_rate,
      seed,
      gradNormThresh: t.grad_norm_thresh,
      validation: images.validation
        ? labelledSource(images.validation, images, seed + 102)
        : undefined,
      earlyStoppingPatience: t.early_stopping_patience,
      checkpointDir: t.checkpoint_every_n_epochs > 0 ? spec.checkpointDir : undefined,
      checkpointEveryNEpochs: t.checkpoint_every_n_epochs,
      resume: params.run.resume,
      historyPath: t.tracking_tool === "jsonl" ? spec.historyPath : undefined,
      progress,
      statisticsExamples: params.model_arch.bijector === "glow" ? 0 : undefined,
      loss: informationBottleneckLoss({ beta: spec.beta, labelSmoothing: t.label_smoothing }),
    });
    if (t.save_model_weights) {
      await saveFlow(flow, spec.modelDir, {
        app: "app3",
        model: spec.name,
        beta: Number.isFinite(spec.beta) ? spec.beta : "Infinity",
        images: images.location,
        imageShape: images.imageShape,
        classNames: images.classNames,
        params,
      });
      progress.line(`${spec.name}: saved to ${spec.modelDir}`);
    }
    return { flow, trained, recorded: params };
  } catch (e) {
    flow.dispose();
    throw e;
  }
}
