/**
 * Training application 3's models at once, one per worker thread
 * (`run.workers`, default 2): the IB-INN and the baseline are independent
 * until they are compared, so on a machine with two cores the two trainings
 * take the wall time of one. Each worker ({@link ./train_worker.ts}) trains
 * and saves its model; the main thread then loads the models and evaluates
 * them as after `--no-train`. The progress line follows the model that will
 * finish last; epoch lines and messages of every model are printed with its
 * name.
 *
 * @module
 */
import type { Params } from "../../lib/params/mod.ts";
import type { ProgressSink } from "../../lib/training/progress.ts";
import { runInWorkers } from "../common/worker_pool.ts";
import type { TrainResult } from "../../lib/training/trainer.ts";
import type { ClassifierSpec } from "./train.ts";

/** What a worker is asked to do. */
export interface TrainRequest {
  /** The run's params. */
  params: Params;
  /** The model to train. */
  spec: ClassifierSpec;
  /** The backend to start. */
  backend: string;
}

/**
 * Whether this run trains its models in workers: it trains, saves the models
 * (the main thread loads them from their folders), has more than one model
 * and `run.workers` > 1.
 * @param params The run's params.
 * @param models How many models the run has.
 * @returns True to use {@link trainInWorkers}.
 * @example
 * ```ts
 * import { schemaDefaults } from "../../lib/params/mod.ts";
 * import { trainsInWorkers } from "./parallel_training.ts";
 * const params = schemaDefaults();
 * params.run.workers = 2;
 * trainsInWorkers(params, 2); // true
 * trainsInWorkers(params, 1); // false
 * ```
 */
export function trainsInWorkers(params: Params, models: number): boolean {
  return params.run.do_train && params.training.save_model_weights && params.run.workers > 1 &&
    models > 1;
}

/**
 * Trains the models on a pool of `run.workers` workers and saves each in its
 * `spec.modelDir`.
 * @param params The run's params.
 * @param specs The models.
 * @param options Progress sink and backend.
 * @returns Each model's training result, in the order of `specs`.
 * @throws Error naming the model when a worker fails (the others are stopped).
 * @example
 * ```ts ignore
 * import { trainInWorkers } from "./parallel_training.ts";
 * const [ib, baseline] = await trainInWorkers(params, specs, { progress, backend: "wasm" });
 * ```
 */
export function trainInWorkers(
  params: Params,
  specs: ClassifierSpec[],
  options: { progress: ProgressSink; backend: string },
): Promise<(TrainResult | null)[]> {
  options.progress.line(
    `training ${specs.length} models on ${
      Math.max(1, Math.min(params.run.workers, specs.length))
    } worker threads: ` + specs.map((s) => s.name).join(", "),
  );
  return runInWorkers<TrainRequest, TrainResult | null>(
    new URL("./train_worker.ts", import.meta.url).href,
    specs.map((spec) => ({ name: spec.name, request: { params, spec, backend: options.backend } })),
    { count: params.run.workers, progress: options.progress },
  );
}
