/**
 * A worker that simulates chunks of application 7's training set for
 * {@link ./training_set.ts}: it builds its own {@link TravelTimeModel} from the
 * spec's plain-data options, then simulates the rows it is asked for. Which
 * worker simulates a row does not change it (every row has its own random
 * numbers).
 *
 * Messages in: {@link WorkerRequest} — `init` once, then `chunk`s. Messages
 * out: {@link WorkerReply} — `ready` (the dimensions), a `chunk` per request
 * (its arrays transferred), or `error` with the message of what went wrong.
 *
 * @module
 */
import { TravelTimeModel } from "../../lib/problems/travel_time.ts";
import {
  simulateRows,
  streamStride,
  type TrainingSetSpec,
  type WorkerReply,
  type WorkerRequest,
} from "./training_set.ts";

/** The worker's global scope, as far as it is used here. */
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: WorkerReply, transfer: Transferable[]): void;
};
const post = (message: WorkerReply, transfer: Transferable[] = []) =>
  scope.postMessage(message, transfer);

let state: { model: TravelTimeModel; spec: TrainingSetSpec } | null = null;

scope.onmessage = (event) => {
  const request = event.data;
  try {
    if (request.kind === "init") {
      const model = new TravelTimeModel(request.spec.model);
      state = { model, spec: request.spec };
      post({
        kind: "ready",
        dimTheta: model.numNodes,
        dimX: model.numData,
        stride: streamStride(model.numNodes, model.numData),
      });
    } else if (request.kind === "chunk") {
      if (state === null) throw new Error("chunk requested before init");
      const t0 = performance.now();
      const { theta, x } = simulateRows(state.model, state.spec, request.start, request.rows);
      const seconds = (performance.now() - t0) / 1000;
      post({ kind: "chunk", index: request.index, theta, x, seconds }, [theta.buffer, x.buffer]);
    } else {
      throw new Error(`unknown request ${JSON.stringify(request)}`);
    }
  } catch (error) {
    post({ kind: "error", message: error instanceof Error ? error.message : String(error) });
  }
};
