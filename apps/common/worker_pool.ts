/**
 * Independent tasks on a pool of worker threads, for the applications that train several
 * models at once (application 3's classifiers, application 7's variational flows): on a
 * machine with two cores, two trainings take the wall time of one.
 *
 * The protocol of a task worker (see {@link ../app3/train_worker.ts} and
 * {@link ../app7/vi_worker.ts}): after its module has loaded it posts `{ kind: "ready" }`
 * (messages sent before its handler is set could be lost); per request it posts
 * `{ kind: "step", state }` (throttled) and `{ kind: "line", text }` while it works, then
 * `{ kind: "done", result }` or `{ kind: "error", message }`. The pool prints each line with
 * the task's name, shows the progress of the task that will finish last, and stops every
 * worker on the first error.
 *
 * @module
 */
import type { ProgressSink, ProgressState } from "../../lib/training/progress.ts";

/** A message from a task worker. */
export type TaskReply<R> =
  | { kind: "ready" }
  | { kind: "step"; state: ProgressState }
  | { kind: "line"; text: string }
  | { kind: "done"; result: R }
  | { kind: "error"; message: string };

/**
 * A progress sink inside a worker that forwards to the pool (steps at most every 500 ms).
 * @param post The worker's `postMessage`.
 * @returns The sink.
 * @example
 * ```ts ignore
 * const progress = workerProgress((m) => self.postMessage(m));
 * ```
 */
export function workerProgress(post: (message: TaskReply<never>) => void): ProgressSink {
  let last = 0;
  return {
    step(state) {
      const now = performance.now();
      if (now - last < 500 && state.step < state.stepsPerEpoch) return;
      last = now;
      post({ kind: "step", state });
    },
    line: (text) => post({ kind: "line", text }),
    done() {},
  };
}

/**
 * Runs one request per task on `count` workers of the module `url`.
 * @param url The worker module.
 * @param tasks Each task's name (for its lines and errors) and request.
 * @param options Worker count and progress sink.
 * @returns Each task's result, in the order of `tasks`.
 * @throws Error naming the task when a worker fails (the others are stopped).
 * @example
 * ```ts ignore
 * const [a, b] = await runInWorkers(url, [{ name: "a", request: ra }, { name: "b", request: rb }], {
 *   count: 2,
 *   progress,
 * });
 * ```
 */
export function runInWorkers<Q, R>(
  url: string,
  tasks: { name: string; request: Q }[],
  options: { count: number; progress: ProgressSink },
): Promise<R[]> {
  const { progress } = options;
  const count = Math.max(1, Math.min(options.count, tasks.length));
  const workers = Array.from({ length: count }, () => new Worker(url, { type: "module" }));
  const results = new Array<R>(tasks.length);
  const states = new Map<number, ProgressState>();
  const busy = new Map<Worker, number>();
  let next = 0, finished = 0;
  return new Promise((resolve, reject) => {
    const stop = (error?: Error) => {
      for (const w of workers) w.terminate();
      progress.done();
      if (error) reject(error);
      else resolve(results);
    };
    const give = (w: Worker) => {
      if (next >= tasks.length) return;
      const i = next++;
      busy.set(w, i);
      w.postMessage(tasks[i].request);
    };
    const onStep = (i: number, state: ProgressState) => {
      states.set(i, state);
      let slowest = i;
      for (const [j, s] of states) if (s.etaSeconds > states.get(slowest)!.etaSeconds) slowest = j;
      if (slowest === i) progress.step(state);
    };
    for (const w of workers) {
      w.onmessage = (event: MessageEvent<TaskReply<R>>) => {
        const m = event.data, i = busy.get(w) ?? -1;
        if (m.kind === "ready") give(w);
        else if (m.kind === "step") onStep(i, m.state);
        else if (m.kind === "line") {
          const name = tasks[i].name;
          progress.line(m.text.startsWith(name) ? m.text : `${name}: ${m.text}`);
        } else if (m.kind === "done") {
          results[i] = m.result;
          states.delete(i);
          finished++;
          if (finished === tasks.length) stop();
          else give(w);
        } else if (m.kind === "error") {
          stop(new Error(`${tasks[i].name}: ${m.message}`));
        }
      };
      w.onerror = (event) => {
        event.preventDefault();
        stop(new Error(`A worker failed: ${event.message}`));
      };
    }
  });
}
