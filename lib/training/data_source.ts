/**
 * Where training batches come from. The trainer asks a {@link DataSource} for
 * one epoch of batches at a time; sources may be synchronous (points in
 * memory) or asynchronous (images decoded while the previous batch trains).
 *
 * A batch is a {@link FlowBatch}: the examples `x` and, for a conditional
 * flow, the condition of each example as `context` (e.g. the observation
 * `y` of a parameter `x`, so the flow learns `p(x | y)`). A source says
 * up front whether its batches carry a context, and of which width
 * ({@link DataSource.contextDim}), so the trainer can check it against
 * the flow before the first step.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import type { Rng } from "../core/random.ts";

/** One batch of training data. */
export interface FlowBatch {
  /** Examples `[n, ...eventShape]`. */
  x: tf.Tensor;
  /**
   * The condition of each example `[n, contextDim]`, for a conditional flow;
   * absent when the source has none.
   */
  context?: tf.Tensor2D;
}

/**
 * Frees the tensors of a batch.
 * @param batch A batch from {@link DataSource.batches}.
 * @example
 * ```ts
 * import { ArrayDataSource, disposeBatch } from "./data_source.ts";
 * const src = new ArrayDataSource(new Float32Array([1, 2, 3, 4]), [2]);
 * for (const b of src.batches(2, null)) disposeBatch(b);
 * ```
 */
export function disposeBatch(batch: FlowBatch): void {
  batch.x.dispose();
  batch.context?.dispose();
}

/** A finite collection of examples that yields batches. */
export interface DataSource {
  /** Number of examples. */
  readonly size: number;
  /** Shape of one example, e.g. `[2]` or `[28, 28, 1]`. */
  readonly eventShape: number[];
  /** Width of the context every batch carries; 0 when batches carry none. */
  readonly contextDim: number;
  /**
   * One pass over the data.
   * @param batchSize Examples per batch (the last batch may be smaller).
   * @param rng Shuffles when given; in order when null.
   */
  batches(batchSize: number, rng: Rng | null): Iterable<FlowBatch> | AsyncIterable<FlowBatch>;
}

/**
 * Checks that a source's batches fit a flow's context: a conditional flow
 * needs a context of its width with every batch, an unconditional one none.
 * @param source The data source.
 * @param contextDim The flow's context width (`flow.contextDim`; 0: unconditional).
 * @param role What the source is for, in the message (e.g. `"training"`).
 * @throws Error naming the flow's and the source's context widths when they differ.
 * @example
 * ```ts
 * import { ArrayDataSource, checkSourceContext } from "./data_source.ts";
 * const src = new ArrayDataSource(new Float32Array([1, 2]), [2]);
 * checkSourceContext(src, 0, "training"); // fine
 * try {
 *   checkSourceContext(src, 3, "training");
 * } catch (e) {
 *   console.log((e as Error).message); // The flow is conditional (… width 3), but …
 * }
 * ```
 */
export function checkSourceContext(source: DataSource, contextDim: number, role: string): void {
  const given = source.contextDim ?? 0;
  if (given === contextDim) return;
  if (given === 0) {
    throw new Error(
      `The flow is conditional (it takes a context of width ${contextDim}), but the ${role} ` +
        `data source yields no context: give the source one, e.g. ` +
        `new ArrayDataSource(x, eventShape, { context, contextDim: ${contextDim} })`,
    );
  }
  if (contextDim === 0) {
    throw new Error(
      `The ${role} data source yields a context of width ${given}, but the flow is ` +
        `unconditional (it takes no context): build its couplings with contextDim ${given}, ` +
        `or use a source without context`,
    );
  }
  throw new Error(
    `The flow takes a context of width ${contextDim}, but the ${role} data source yields ` +
      `contexts of width ${given}`,
  );
}

/** Options of {@link ArrayDataSource}. */
export interface ArrayDataSourceOptions {
  /** The condition of every example, row-major `[size × contextDim]`. */
  context: Float32Array;
  /** Width of one example's condition. */
  contextDim: number;
}

/** Examples held in one Float32Array, row-major, with an optional condition per example. */
export class ArrayDataSource implements DataSource {
  readonly size: number;
  readonly eventShape: number[];
  readonly contextDim: number;
  readonly #data: Float32Array;
  readonly #width: number;
  readonly #context: Float32Array | null;

  /**
   * @param data Row-major examples.
   * @param eventShape Shape of one example.
   * @param options The examples' conditions, for a conditional flow; shuffled with them.
   * @throws Error when the data, or the conditions, do not divide into `size` rows.
   * @example
   * ```ts
   * import { ArrayDataSource } from "./data_source.ts";
   * const src = new ArrayDataSource(new Float32Array([1, 2, 3, 4]), [2]);
   * for (const b of src.batches(1, null)) b.x.print();
   * // Two examples of width 2, each with a condition of width 1:
   * const cond = new ArrayDataSource(new Float32Array([1, 2, 3, 4]), [2], {
   *   context: new Float32Array([10, 20]),
   *   contextDim: 1,
   * });
   * for (const b of cond.batches(2, null)) b.context!.print(); // [[10], [20]]
   * ```
   */
  constructor(data: Float32Array, eventShape: number[], options?: ArrayDataSourceOptions) {
    this.#width = eventShape.reduce((a, b) => a * b, 1);
    if (this.#width === 0 || data.length % this.#width !== 0) {
      throw new Error(
        `Data of length ${data.length} does not divide into examples of shape [${eventShape}]`,
      );
    }
    this.#data = data;
    this.eventShape = eventShape;
    this.size = data.length / this.#width;
    this.#context = null;
    this.contextDim = 0;
    if (options) {
      const { context, contextDim } = options;
      if (!Number.isInteger(contextDim) || contextDim < 1) {
        throw new Error(`contextDim must be a positive integer, got ${contextDim}`);
      }
      if (context.length !== this.size * contextDim) {
        throw new Error(
          `The context must hold ${this.size} rows of contextDim=${contextDim} values ` +
            `(${this.size * contextDim}), got ${context.length}`,
        );
      }
      this.#context = context;
      this.contextDim = contextDim;
    }
  }

  *batches(batchSize: number, rng: Rng | null): Iterable<FlowBatch> {
    const order = rng ? rng.permutation(this.size) : null;
    const c = this.contextDim;
    for (let start = 0; start < this.size; start += batchSize) {
      const n = Math.min(batchSize, this.size - start);
      const buf = new Float32Array(n * this.#width);
      const ctx = this.#context ? new Float32Array(n * c) : null;
      for (let i = 0; i < n; i++) {
        const row = order ? order[start + i] : start + i;
        buf.set(this.#data.subarray(row * this.#width, (row + 1) * this.#width), i * this.#width);
        if (ctx) ctx.set(this.#context!.subarray(row * c, (row + 1) * c), i * c);
      }
      const x = tf.tensor(buf, [n, ...this.eventShape]);
      yield ctx ? { x, context: tf.tensor2d(ctx, [n, c]) } : { x };
    }
  }
}
