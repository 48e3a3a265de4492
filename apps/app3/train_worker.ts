/**
 * A worker that trains one classifier of application 3 for
 * {@link ./parallel_training.ts trainInWorkers}: it starts its own backend,
 * reads the images as the main thread does, trains the model with the one
 * trainer and saves it in the model's folder; the main thread loads it from
 * there to evaluate it.
 *
 * Messages in: {@link TrainRequest}. Messages out: `{ kind: "ready" }` once
 * its handler is set, then `{ kind: "step", state }` (throttled) and
 * `{ kind: "line", text }` while training, and `{ kind: "done", result }` (what it
 * trained) or `{ kind: "error", message }` ({@link ../common/worker_pool.ts}).
 *
 * @module
 */
import { initBackend } from "../../lib/kernels/mod.ts";
import { workerProgress } from "../common/worker_pool.ts";
import { loadClassifierImages } from "./data.ts";
import type { TrainRequest } from "./parallel_training.ts";
import { trainClassifier } from "./train.ts";

/** The worker's global scope, as far as it is used here. */
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<TrainRequest>) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = async (event) => {
  const { params, spec, backend } = event.data;
  const progress = workerProgress((m) => scope.postMessage(m));
  try {
    await initBackend(backend);
    const images = await loadClassifierImages(params, { warn: (text) => progress.line(text) });
    const model = await trainClassifier(params, images, spec, { progress, backend });
    model.flow.dispose();
    scope.postMessage({ kind: "done", result: model.trained });
  } catch (e) {
    scope.postMessage({ kind: "error", message: (e as Error).message ?? String(e) });
  }
};
scope.postMessage({ kind: "ready" });
