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
import type { ProgressSink, ProgressState } from "../../lib/training/progress.ts";
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
  const { progress } = options;
  const count = Math.max(1, Math.min(params.run.workers, specs.length));
  const url = new URL("./train_worker.ts", import.meta.url).href;
  const workers = Array.from({ length: count }, () => new Worker(url, { type: "module" }));
  const results = new Array<TrainResult | null>(specs.length).fill(null);
  const states = new Map<number, ProgressState>();
  const busy = new Map<Worker, number>();
  let next = 0, finished = 0;
  progress.line(
    `training ${specs.length} models on ${count} worker threads: ` +
      specs.map((s) => s.name).join(", "),
  );
  return new Promise((resolve, reject) => {
    const stop = (error?: Error) => {
      for (const w of workers) w.terminate();
      progress.done();
      if (error) reject(error);
      else resolve(results);
    };
    const give = (w: Worker) => {
      if (next >= specs.length) return;
      const i = next++;
      busy.set(w, i);
      const request: TrainRequest = { params, spec: specs[i], backend: options.backend };
      w.postMessage(request);
    };
    const onStep = (i: number, state: ProgressState) => {
      states.set(i, state);
      let slowest = i;
      for (const [j, s] of states) if (s.etaSeconds > states.get(slowest)!.etaSeconds) slowest = j;
      if (slowest === i) progress.step(state);
    };
    for (const w of workers) {
      w.onmessage = (event) => {
        const m = event.data, i = busy.get(w) ?? -1;
        if (m.kind === "ready") give(w);
        else if (m.kind === "step") onStep(i, m.state);
        else if (m.kind === "line") {
          const name = specs[i].name;
          progress.line(m.text.startsWith(name) ? m.text : `${name}: ${m.text}`);
        } else if (m.kind === "done") {
          results[i] = m.trained;
          states.delete(i);
          finished++;
          if (finished === specs.length) stop();
          else give(w);
        } else if (m.kind === "error") {
          stop(new Error(`${specs[i].name}: ${m.message}`));
        }
      };
      w.onerror = (event) => {
        event.preventDefault();
        stop(new Error(`A training worker failed: ${event.message}`));
      };
    }
  });
}
