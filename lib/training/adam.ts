/**
 * Adam (Kingma & Ba 2015) with bias correction, the learning rate given per
 * step (so schedules live outside), and state exposed for checkpoints. The
 * update itself is the kernels' `adamUpdate` op (one fused in-place kernel for
 * every variable on wasm, tf ops elsewhere).
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { makeVariable } from "../core/variables.ts";
import { adamUpdate } from "../kernels/mod.ts";

/** Adam hyper-parameters. */
export interface AdamOptions {
  /** First-moment decay. Default 0.9. */
  beta1?: number;
  /** Second-moment decay. Default 0.999. */
  beta2?: number;
  /** Denominator floor. Default 1e-7 (as Keras). */
  epsilon?: number;
}

/** Adam optimizer over a fixed list of variables. */
export class Adam {
  readonly #vars: tf.Variable[];
  readonly #m: tf.Variable[];
  readonly #v: tf.Variable[];
  readonly #beta1: number;
  readonly #beta2: number;
  readonly #epsilon: number;
  /** Number of updates applied so far. */
  step = 0;

  /**
   * @param variables The variables to update.
   * @param options Hyper-parameters.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { Adam } from "./adam.ts";
   * const w = tf.variable(tf.tensor1d([3, -2]));
   * const adam = new Adam([w]);
   * for (let i = 0; i < 100; i++) {
   *   const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(w)), [w]);
   *   adam.apply([grads[w.name]], 0.1);
   *   tf.dispose([value, grads]);
   * }
   * console.log(adam.step, w.dataSync()); // 100, both values near the minimum at 0
   * ```
   */
  constructor(variables: tf.Variable[], options: AdamOptions = {}) {
    this.#vars = variables;
    this.#beta1 = options.beta1 ?? 0.9;
    this.#beta2 = options.beta2 ?? 0.999;
    this.#epsilon = options.epsilon ?? 1e-7;
    this.#m = variables.map((v) => makeVariable(tf.zerosLike(v), false));
    this.#v = variables.map((v) => makeVariable(tf.zerosLike(v), false));
  }

  /**
   * Applies one update.
   * @param grads Gradients, in the order of the variables.
   * @param learningRate Rate for this step.
   * @param gradScale Factor applied to every gradient first (global-norm clipping).
   */
  apply(grads: tf.Tensor[], learningRate: number, gradScale = 1): void {
    this.step++;
    const t = this.step;
    const b1 = this.#beta1, b2 = this.#beta2;
    const alpha = learningRate * Math.sqrt(1 - Math.pow(b2, t)) / (1 - Math.pow(b1, t));
    adamUpdate(this.#vars, grads, this.#m, this.#v, {
      alpha,
      beta1: b1,
      beta2: b2,
      epsilon: this.#epsilon,
      gradScale,
    });
  }

  /** The moment estimates, named for a checkpoint (`adam/m/{i}`, `adam/v/{i}`). */
  stateTensors(): { name: string; tensor: tf.Tensor }[] {
    return [
      ...this.#m.map((t, i) => ({ name: `adam/m/${i}`, tensor: t as tf.Tensor })),
      ...this.#v.map((t, i) => ({ name: `adam/v/${i}`, tensor: t as tf.Tensor })),
    ];
  }

  /**
   * Restores moments and step from a checkpoint.
   * @param tensors Tensors by name as written from {@link Adam.stateTensors}.
   * @param step The saved step count.
   */
  restore(tensors: tf.NamedTensorMap, step: number): void {
    for (const { name, tensor } of this.stateTensors()) {
      const saved = tensors[name];
      if (!saved) throw new Error(`Checkpoint lacks optimizer state "${name}"`);
      (tensor as tf.Variable).assign(saved);
    }
    this.step = step;
  }

  /** Frees the moment variables. */
  dispose(): void {
    tf.dispose([...this.#m, ...this.#v]);
  }
}
