/**
 * The training set of application 7's amortised posterior: prior draws of the
 * node velocities and their noisy travel times, simulated once on every core
 * (Web Workers running {@link ./simulate_worker.ts}) and cached on disk.
 *
 * θ ~ Uniform(low, high) independently at every velocity node (stored as
 * float32, and the float32 values are what the forward model sees), and
 * x = travelTimes(θ) + noiseSigma·N(0, 1) (stored as float32).
 *
 * Random numbers: simulation `i` draws from its own block of `stride` values
 * of the one {@link Rng} sequence of the seed (positions `i·stride …`, reached
 * by jump-ahead, see {@link simulationRng}); a block holds more values than a
 * simulation uses. So simulations never share random numbers, and the set is
 * the same for any number of workers, any chunk size and any resume; a set of
 * `n` simulations is the first `n` rows of a larger one with the same spec.
 *
 * Files in the cache folder:
 * - `theta.npy` `[count, nodes]` float32, `x.npy` `[count, data]` float32;
 * - `spec.json`: the spec, the data dimensions, how long the simulation took and when. It is
 *   written last and removed before new arrays are written, so a crash never pairs arrays with
 *   the wrong spec (every file is written atomically).
 * - while simulating, `chunks/`: `spec.json` (the spec without the count, the chunk size) and
 *   `chunk_00012.theta.npy` / `chunk_00012.x.npy` per finished chunk, so an interrupted run
 *   resumes where it stopped; merged and removed at the end.
 *
 * Two processes must not simulate into the same folder at the same time.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/core/atomic.ts";
import { Rng } from "../../lib/core/random.ts";
import { readNpy, writeNpy } from "../../lib/io/npy.ts";
import type { TravelTimeModel, TravelTimeModelOptions } from "../../lib/problems/travel_time.ts";

/** What a training set is: the forward model, the prior box, the noise, the size and the seed. */
export interface TrainingSetSpec {
  /** Options of the {@link TravelTimeModel} (plain data: they travel to the workers). */
  model: TravelTimeModelOptions;
  /** Lower bound of the uniform prior on every node velocity, km/s (> 0). */
  low: number;
  /** Upper bound of the uniform prior on every node velocity, km/s (> low). */
  high: number;
  /** Standard deviation of the Gaussian noise added to every travel time, s (≥ 0). */
  noiseSigma: number;
  /** Number of simulations. */
  count: number;
  /** Seed of the random numbers (an integer). */
  seed: number;
}

/** Options of {@link loadOrSimulateTrainingSet}. */
export interface TrainingSetOptions {
  /** Web Workers to simulate with. Default `max(1, min(2, navigator.hardwareConcurrency))`. */
  workers?: number;
  /**
   * Simulations per chunk (the unit of work of a worker, of progress and of resuming). Does not
   * change the result. Default 100, less for small sets so that every worker gets chunks; a
   * resumed run keeps the chunk size it started with.
   */
  chunk?: number;
  /** Called after every chunk (and once at the start of a resumed run). */
  progress?: (done: number, total: number, secondsSoFar: number) => void;
  /**
   * Where lines saying what happened go (loaded, or simulated and why, resumed). Default
   * `console.log`.
   */
  log?: (line: string) => void;
  /** Keep `chunks/` after merging (for tests of resuming). Default false. */
  keepChunks?: boolean;
}

/** A training set, row-major float32. */
export interface TrainingSet {
  /** `count × dimTheta` node velocities, km/s. */
  theta: Float32Array;
  /** `count × dimX` noisy travel times, s. */
  x: Float32Array;
  /** Velocity nodes (parameters per row). */
  dimTheta: number;
  /** Data per row (station pairs). */
  dimX: number;
  /** The folder the set was loaded from, or null when it was simulated by this call. */
  loadedFrom: string | null;
  /**
   * Seconds the simulation took (this call's, or as recorded in `spec.json` when loaded; a
   * resumed run counts only its own part).
   */
  seconds: number;
  /** Simulations per second of that simulation. */
  simulationsPerSecond: number;
}

/** The document `spec.json` of a cached training set. */
interface SpecJson {
  format: typeof FORMAT;
  spec: TrainingSetSpec;
  dimTheta: number;
  dimX: number;
  files: { theta: string; x: string };
  seconds: number;
  simulated: number;
  simulationsPerSecond: number;
  workers: number;
  chunk: number;
  date: string;
}

/** The document `chunks/spec.json` of a run in progress. */
interface ChunkRunJson {
  format: typeof FORMAT;
  spec: Omit<TrainingSetSpec, "count">;
  chunk: number;
  dimTheta: number;
  dimX: number;
}

/** A message to a simulation worker. */
export type WorkerRequest =
  | { kind: "init"; spec: TrainingSetSpec }
  | { kind: "chunk"; index: number; start: number; rows: number };

/** A message from a simulation worker. */
export type WorkerReply =
  | { kind: "ready"; dimTheta: number; dimX: number; stride: number }
  | {
    kind: "chunk";
    index: number;
    theta: Float32Array<ArrayBuffer>;
    x: Float32Array<ArrayBuffer>;
    seconds: number;
  }
  | { kind: "error"; message: string };

const FORMAT = "app7-training-set/v1";
/** What one uniform draw adds to the state of an {@link Rng} (Mulberry32's Weyl sequence). */
const MULBERRY_INCREMENT = 0x6d2b79f5;
const DEFAULT_CHUNK = 100;

/**
 * Random numbers set aside per simulation: a power of two above the uniforms one simulation
 * draws (one per node, about one per datum for the normals, and slack for Box–Muller's rare
 * rejection of u = 0).
 * @param dimTheta Velocity nodes.
 * @param dimX Data.
 * @returns The stride of {@link simulationRng}.
 * @example
 * ```ts
 * import { streamStride } from "./training_set.ts";
 * console.log(streamStride(441, 120)); // 1024
 * ```
 */
export function streamStride(dimTheta: number, dimX: number): number {
  return 2 ** Math.ceil(Math.log2(dimTheta + dimX + 16));
}

/**
 * The generator of simulation `index`: the {@link Rng} of `seed` advanced by `index·stride`
 * uniform draws (by jump-ahead: each draw adds a constant to its state), so simulations use
 * disjoint blocks of one sequence whichever worker runs them.
 * @param seed The training set's seed.
 * @param index The simulation's row.
 * @param stride Values per block ({@link streamStride}); `(index + 1)·stride ≤ 2³²`.
 * @returns A fresh generator.
 * @example
 * ```ts
 * import { Rng } from "../../lib/core/random.ts";
 * import { simulationRng } from "./training_set.ts";
 * const rng = new Rng(7);
 * for (let k = 0; k < 3 * 16; k++) rng.uniform();
 * console.log(simulationRng(7, 3, 16).uniform() === rng.uniform()); // true
 * ```
 */
export function simulationRng(seed: number, index: number, stride: number): Rng {
  const rng = new Rng(seed);
  rng.state = (rng.state + Math.imul(MULBERRY_INCREMENT, (index * stride) >>> 0)) >>> 0;
  return rng;
}

/**
 * Simulates rows `start … start + rows − 1` of a training set (what a worker does per chunk).
 * @param model The forward model built from `spec.model`.
 * @param spec Prior box, noise and seed (the count is not used).
 * @param start First row.
 * @param rows Number of rows.
 * @returns `rows × numNodes` velocities and `rows × numData` noisy times, float32.
 * @example
 * ```ts
 * import { circleStations, TravelTimeModel } from "../../lib/problems/travel_time.ts";
 * import { simulateRows } from "./training_set.ts";
 * const options = { nodesX: 6, nodesY: 6, nodeSpacing: 2, refinement: 2, stations: circleStations(6, 4) };
 * const spec = { model: options, low: 1.5, high: 3.5, noiseSigma: 0.01, count: 10, seed: 1 };
 * const { theta, x } = simulateRows(new TravelTimeModel(options), spec, 4, 2);
 * console.log(theta.length, x.length); // 72 30: rows 4 and 5 of 36 nodes and 15 station pairs
 * ```
 */
export function simulateRows(
  model: TravelTimeModel,
  spec: Pick<TrainingSetSpec, "low" | "high" | "noiseSigma" | "seed">,
  start: number,
  rows: number,
): { theta: Float32Array<ArrayBuffer>; x: Float32Array<ArrayBuffer> } {
  const d = model.numNodes, m = model.numData, stride = streamStride(d, m);
  const theta = new Float32Array(rows * d), x = new Float32Array(rows * m);
  const v = new Float64Array(d), times = new Float64Array(m), width = spec.high - spec.low;
  for (let r = 0; r < rows; r++) {
    const rng = simulationRng(spec.seed, start + r, stride);
    for (let k = 0; k < d; k++) {
      const value = Math.fround(spec.low + width * rng.uniform());
      theta[r * d + k] = value, v[k] = value;
    }
    model.travelTimes(v, times);
    for (let k = 0; k < m; k++) x[r * m + k] = times[k] + spec.noiseSigma * rng.normal();
  }
  return { theta, x };
}

/**
 * The noise draws `ε = x − travelTimes(θ)` of rows `start … start + rows − 1`, replayed from
 * their random-number blocks without running the forward model (the same draws
 * {@link simulateRows} made): the noise as extra parameters of the maximum-likelihood INN.
 * @param spec The training set's size of data, noise and seed.
 * @param dimTheta Velocity nodes per row.
 * @param dimX Travel times per row.
 * @param start First row.
 * @param rows Number of rows.
 * @returns `rows × dimX` noise values, s.
 * @example
 * ```ts
 * import { circleStations, TravelTimeModel } from "../../lib/problems/travel_time.ts";
 * import { noiseDraws, simulateRows } from "./training_set.ts";
 * const options = { nodesX: 6, nodesY: 6, nodeSpacing: 2, refinement: 2, stations: circleStations(6, 4) };
 * const spec = { model: options, low: 1.5, high: 3.5, noiseSigma: 0.01, count: 10, seed: 1 };
 * const model = new TravelTimeModel(options);
 * const { theta, x } = simulateRows(model, spec, 0, 1);
 * const eps = noiseDraws(spec, 36, 15, 0, 1);
 * const clean = model.travelTimes(theta);
 * console.log(Math.abs(x[0] - clean[0] - eps[0]) < 1e-6); // true
 * ```
 */
export function noiseDraws(
  spec: Pick<TrainingSetSpec, "noiseSigma" | "seed">,
  dimTheta: number,
  dimX: number,
  start: number,
  rows: number,
): Float32Array {
  const stride = streamStride(dimTheta, dimX), out = new Float32Array(rows * dimX);
  for (let r = 0; r < rows; r++) {
    const rng = simulationRng(spec.seed, start + r, stride);
    for (let k = 0; k < dimTheta; k++) rng.uniform();
    for (let k = 0; k < dimX; k++) out[r * dimX + k] = spec.noiseSigma * rng.normal();
  }
  return out;
}

function checkSpec(spec: TrainingSetSpec): void {
  const fail = (what: string) => {
    throw new RangeError(`Training set spec: ${what}`);
  };
  if (!(Number.isInteger(spec.count) && spec.count >= 1)) {
    fail(`count must be an integer ≥ 1, got ${spec.count}`);
  }
  if (!(spec.low > 0 && spec.low < Infinity)) fail(`low must be finite and > 0, got ${spec.low}`);
  if (!(spec.high > spec.low && spec.high < Infinity)) {
    fail(`high must be finite and > low = ${spec.low}, got ${spec.high}`);
  }
  if (!(spec.noiseSigma >= 0 && spec.noiseSigma < Infinity)) {
    fail(`noiseSigma must be finite and ≥ 0, got ${spec.noiseSigma}`);
  }
  if (!Number.isSafeInteger(spec.seed)) fail(`seed must be an integer, got ${spec.seed}`);
  if (spec.model === null || typeof spec.model !== "object") fail("model options are missing");
}

/** A value as JSON would hold it (drops undefined fields, turns tuples into arrays). */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

/**
 * The first difference between a requested and a recorded value, as `path requested ≠
 * recorded`, or null when they are equal.
 */
function firstDifference(requested: unknown, recorded: unknown, path: string): string | null {
  const show = (v: unknown) => v === undefined ? "(absent)" : JSON.stringify(v);
  if (Array.isArray(requested) && Array.isArray(recorded)) {
    if (requested.length !== recorded.length) {
      return `${path} has ${requested.length} entries ≠ ${recorded.length}`;
    }
    for (let i = 0; i < requested.length; i++) {
      const d = firstDifference(requested[i], recorded[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === "object" && !Array.isArray(v);
  if (isObject(requested) && isObject(recorded)) {
    const keys = [...new Set([...Object.keys(requested), ...Object.keys(recorded)])].sort();
    for (const key of keys) {
      const d = firstDifference(requested[key], recorded[key], path ? `${path}.${key}` : key);
      if (d) return d;
    }
    return null;
  }
  return requested === recorded ? null : `${path} ${show(requested)} ≠ ${show(recorded)}`;
}

function withoutCount(spec: TrainingSetSpec): Omit<TrainingSetSpec, "count"> {
  const { count: _, ...rest } = spec;
  return plain(rest);
}

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(path));
}

/** Loads the cached set when `spec.json` matches; otherwise says why not. */
async function tryLoad(
  dir: string,
  spec: TrainingSetSpec,
): Promise<{ set: TrainingSet; note: string } | { reason: string }> {
  const specPath = join(dir, "spec.json");
  let cached: SpecJson;
  try {
    cached = await readJson(specPath) as SpecJson;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { reason: `no ${specPath}` };
    return { reason: `${specPath} cannot be read (${(err as Error).message})` };
  }
  if (cached?.format !== FORMAT || !cached.spec) {
    return { reason: `${specPath} is not a training set's (format ${cached?.format})` };
  }
  const diff = firstDifference(withoutCount(spec), withoutCount(cached.spec), "");
  if (diff) return { reason: `${diff} in ${specPath}` };
  if (spec.count > cached.spec.count) {
    return { reason: `count ${spec.count} ≠ ${cached.spec.count} in ${specPath}` };
  }
  const { dimTheta, dimX } = cached, n = cached.spec.count;
  try {
    const theta = await readNpy(join(dir, cached.files?.theta ?? "theta.npy"));
    const x = await readNpy(join(dir, cached.files?.x ?? "x.npy"));
    for (const [name, a, width] of [["theta", theta, dimTheta], ["x", x, dimX]] as const) {
      if (
        !(a.data instanceof Float32Array) || a.shape.length !== 2 || a.shape[0] !== n ||
        a.shape[1] !== width
      ) {
        return {
          reason: `${name}.npy in ${dir} holds [${a.shape}] ${a.data.constructor.name}, ` +
            `expected [${n}, ${width}] Float32Array`,
        };
      }
    }
    const count = spec.count;
    const set: TrainingSet = {
      theta: count < n
        ? theta.data.slice(0, count * dimTheta) as Float32Array
        : theta.data as Float32Array,
      x: count < n ? x.data.slice(0, count * dimX) as Float32Array : x.data as Float32Array,
      dimTheta,
      dimX,
      loadedFrom: dir,
      seconds: cached.seconds,
      simulationsPerSecond: cached.simulationsPerSecond,
    };
    const note = count < n
      ? `loaded the first ${count} of ${n} simulations from ${dir}`
      : `loaded ${n} simulations from ${dir}`;
    return { set, note: `${note} (simulated ${cached.date})` };
  } catch (err) {
    return { reason: (err as Error).message };
  }
}

/** A simulation worker with one request in flight at a time; rejects, never hangs, on errors. */
class SimulationWorker {
  readonly #worker: Worker;
  #pending: { resolve: (r: WorkerReply) => void; reject: (e: Error) => void } | null = null;
  #failure: Error | null = null;

  constructor() {
    this.#worker = new Worker(new URL("./simulate_worker.ts", import.meta.url).href, {
      type: "module",
    });
    this.#worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const pending = this.#pending;
      this.#pending = null;
      if (!pending) return;
      const reply = event.data;
      if (reply.kind === "error") pending.reject(new Error(`Simulation worker: ${reply.message}`));
      else pending.resolve(reply);
    };
    this.#worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.#fail(new Error(`Simulation worker: ${event.message}`));
    };
    this.#worker.onmessageerror = () => {
      this.#fail(new Error("Simulation worker: a message could not be read"));
    };
  }

  request(message: WorkerRequest): Promise<WorkerReply> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#worker.postMessage(message);
    });
  }

  #fail(error: Error): void {
    if (!this.#failure) {
      this.#failure = error;
      this.#worker.terminate();
    }
    const pending = this.#pending;
    this.#pending = null;
    pending?.reject(error);
  }

  terminate(): void {
    this.#fail(new Error("Simulation worker terminated"));
  }
}

/** Reads a chunk's pair of files; null when missing or not what it should be. */
async function readChunk(
  chunkDir: string,
  index: number,
  rows: number,
  dimTheta: number,
  dimX: number,
  log: (line: string) => void,
): Promise<{ theta: Float32Array; x: Float32Array } | null> {
  const [thetaPath, xPath] = chunkPaths(chunkDir, index);
  try {
    const theta = await readNpy(thetaPath), x = await readNpy(xPath);
    const ok = (a: { data: Float32Array | Float64Array; shape: number[] }, width: number) =>
      a.data instanceof Float32Array && a.shape.length === 2 && a.shape[0] === rows &&
      a.shape[1] === width;
    if (ok(theta, dimTheta) && ok(x, dimX)) {
      return { theta: theta.data as Float32Array, x: x.data as Float32Array };
    }
    log(`chunk ${index} in ${chunkDir} has the wrong shape; simulating it again`);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) {
      log(`chunk ${index} unreadable (${(err as Error).message}); simulating it again`);
    }
  }
  return null;
}

function chunkPaths(chunkDir: string, index: number): [string, string] {
  const stem = join(chunkDir, `chunk_${String(index).padStart(5, "0")}`);
  return [`${stem}.theta.npy`, `${stem}.x.npy`];
}

/**
 * The training set of `spec`: loaded from `dir` when `dir/spec.json` records the same spec
 * (the first rows of a larger set with an otherwise equal spec also do), otherwise simulated on
 * Web Workers, resuming from the chunks of an interrupted run, and saved to `dir`.
 * @param dir Cache folder (created when missing).
 * @param spec Model, prior box, noise, count and seed.
 * @param options Workers, chunk size, progress and log lines.
 * @returns The set, where it came from, and the simulation's speed.
 * @throws RangeError on a bad spec; Error with the worker's message when a worker fails (bad
 *   model options, say); the error of a progress callback (the chunks so far are kept).
 * @example
 * ```ts
 * import { circleStations } from "../../lib/problems/travel_time.ts";
 * import { loadOrSimulateTrainingSet } from "./training_set.ts";
 * const model = { nodesX: 6, nodesY: 6, nodeSpacing: 2, refinement: 2, stations: circleStations(6, 4) };
 * const spec = { model, low: 1.5, high: 3.5, noiseSigma: 0.01, count: 20, seed: 1 };
 * const dir = await Deno.makeTempDir();
 * const first = await loadOrSimulateTrainingSet(dir, spec, { log: () => {} });
 * const again = await loadOrSimulateTrainingSet(dir, spec, { log: () => {} });
 * console.log(first.dimTheta, first.dimX, first.loadedFrom, again.loadedFrom === dir); // 36 15 null true
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadOrSimulateTrainingSet(
  dir: string,
  spec: TrainingSetSpec,
  options: TrainingSetOptions = {},
): Promise<TrainingSet> {
  checkSpec(spec);
  const log = options.log ?? ((line: string) => console.log(line));
  const loaded = await tryLoad(dir, spec);
  if ("set" in loaded) {
    log(loaded.note);
    return loaded.set;
  }
  log(`simulating ${spec.count} training pairs into ${dir}: ${loaded.reason}`);

  const workerCount = options.workers ??
    Math.max(1, Math.min(2, navigator.hardwareConcurrency ?? 1));
  if (!(Number.isInteger(workerCount) && workerCount >= 1)) {
    throw new RangeError(`workers must be an integer ≥ 1, got ${workerCount}`);
  }
  let chunk = options.chunk ??
    Math.max(1, Math.min(DEFAULT_CHUNK, Math.ceil(spec.count / (4 * workerCount))));
  if (!(Number.isInteger(chunk) && chunk >= 1)) {
    throw new RangeError(`chunk must be an integer ≥ 1, got ${chunk}`);
  }

  const chunkDir = join(dir, "chunks"), runPath = join(chunkDir, "spec.json");
  let run: ChunkRunJson | null = null;
  try {
    const recorded = await readJson(runPath) as ChunkRunJson;
    const diff = recorded?.format === FORMAT && recorded.spec
      ? firstDifference(withoutCount(spec), plain(recorded.spec), "")
      : `format ${JSON.stringify(recorded?.format)} ≠ ${JSON.stringify(FORMAT)}`;
    if (diff === null && Number.isInteger(recorded.chunk) && recorded.chunk >= 1) run = recorded;
    else log(`discarding ${chunkDir}: ${diff ?? `chunk ${recorded.chunk}`} in ${runPath}`);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) {
      log(`discarding ${chunkDir}: ${runPath} cannot be read (${(err as Error).message})`);
    }
  }
  if (run === null) await Deno.remove(chunkDir, { recursive: true }).catch(() => {});
  else chunk = run.chunk;

  const numChunks = Math.ceil(spec.count / chunk);
  const rowsOf = (index: number) => Math.min(chunk, spec.count - index * chunk);
  const workers: SimulationWorker[] = [];
  const t0 = performance.now();
  const secondsSoFar = () => (performance.now() - t0) / 1000;
  try {
    // Start the workers; each builds the model (its errors reject here, with its message).
    const count = Math.min(workerCount, numChunks);
    for (let k = 0; k < count; k++) workers.push(new SimulationWorker());
    const ready = await Promise.all(workers.map((w) => w.request({ kind: "init", spec })));
    const first = ready[0] as Extract<WorkerReply, { kind: "ready" }>;
    const { dimTheta, dimX, stride } = first;
    if (spec.count * stride > 2 ** 32) {
      throw new RangeError(
        `count ${spec.count} is too large: ${stride} random numbers per simulation leave room ` +
          `for ${Math.floor(2 ** 32 / stride)} simulations`,
      );
    }
    if (run && (run.dimTheta !== dimTheta || run.dimX !== dimX)) {
      log(
        `discarding ${chunkDir}: dimensions [${run.dimTheta}, ${run.dimX}] ≠ [${dimTheta}, ${dimX}]`,
      );
      await Deno.remove(chunkDir, { recursive: true }).catch(() => {});
      run = null;
    }

    const theta = new Float32Array(spec.count * dimTheta), x = new Float32Array(spec.count * dimX);
    const pending: number[] = [];
    let done = 0;
    if (run) {
      for (let index = 0; index < numChunks; index++) {
        const part = await readChunk(chunkDir, index, rowsOf(index), dimTheta, dimX, log);
        if (part === null) {
          pending.push(index);
          continue;
        }
        theta.set(part.theta, index * chunk * dimTheta), x.set(part.x, index * chunk * dimX);
        done += rowsOf(index);
      }
      log(
        `resuming from ${chunkDir}: ${numChunks - pending.length} of ${numChunks} chunks ` +
          `(${done} simulations) done`,
      );
      options.progress?.(done, spec.count, 0);
    } else {
      const record: ChunkRunJson = {
        format: FORMAT,
        spec: withoutCount(spec),
        chunk,
        dimTheta,
        dimX,
      };
      await writeFileAtomic(runPath, JSON.stringify(record, null, 2) + "\n");
      for (let index = 0; index < numChunks; index++) pending.push(index);
    }
    const resumed = done;

    // Every worker takes the next chunk when it finishes one; the first failure stops all.
    let failure: unknown = null;
    const finish = async (reply: Extract<WorkerReply, { kind: "chunk" }>) => {
      const rows = rowsOf(reply.index), [thetaPath, xPath] = chunkPaths(chunkDir, reply.index);
      await writeNpy(thetaPath, reply.theta, [rows, dimTheta]);
      await writeNpy(xPath, reply.x, [rows, dimX]);
      theta.set(reply.theta, reply.index * chunk * dimTheta);
      x.set(reply.x, reply.index * chunk * dimX);
      done += rows;
      options.progress?.(done, spec.count, secondsSoFar());
    };
    await Promise.all(workers.map(async (worker) => {
      while (failure === null && pending.length > 0) {
        const index = pending.shift()!;
        try {
          const reply = await worker.request({
            kind: "chunk",
            index,
            start: index * chunk,
            rows: rowsOf(index),
          });
          if (reply.kind !== "chunk" || reply.index !== index) {
            throw new Error(`Simulation worker: expected chunk ${index}, got ${reply.kind}`);
          }
          await finish(reply);
        } catch (err) {
          if (failure === null) {
            failure = err;
            for (const w of workers) w.terminate();
          }
        }
      }
    }));
    if (failure !== null) throw failure;
    for (const w of workers) w.terminate();

    const seconds = secondsSoFar(), simulated = spec.count - resumed;
    const simulationsPerSecond = seconds > 0 ? simulated / seconds : 0;
    const specPath = join(dir, "spec.json");
    await Deno.remove(specPath).catch((err) => {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    });
    await writeNpy(join(dir, "theta.npy"), theta, [spec.count, dimTheta]);
    await writeNpy(join(dir, "x.npy"), x, [spec.count, dimX]);
    const record: SpecJson = {
      format: FORMAT,
      spec: plain(spec),
      dimTheta,
      dimX,
      files: { theta: "theta.npy", x: "x.npy" },
      seconds,
      simulated,
      simulationsPerSecond,
      workers: workers.length,
      chunk,
      date: new Date().toISOString(),
    };
    await writeFileAtomic(specPath, JSON.stringify(record, null, 2) + "\n");
    if (!options.keepChunks) await Deno.remove(chunkDir, { recursive: true });
    log(
      `simulated ${simulated} training pairs in ${seconds.toFixed(1)} s ` +
        `(${simulationsPerSecond.toFixed(1)}/s on ${workers.length} worker${
          workers.length === 1 ? "" : "s"
        }${resumed > 0 ? `, ${resumed} resumed` : ""}) into ${dir}`,
    );
    return { theta, x, dimTheta, dimX, loadedFrom: null, seconds, simulationsPerSecond };
  } finally {
    for (const w of workers) w.terminate();
  }
}
