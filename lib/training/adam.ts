/**
 * Adam (Kingma & Ba 2015) with bias correction, the learning rate given per
 * step (so schedules live outside), and state exposed for checkpoints. On
 * wasm each variable is updated by one fused kernel ({@link ../kernels/adam_kernel.ts}).
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { makeVariable } from "../core/variables.ts";
import { fusedAdamAvailable, fusedAdamUpdateInPlace, ownsBuffer } from "../kernels/adam_kernel.ts";

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
    if (fusedAdamAvailable()) {
      const attrs = { alpha, beta1: b1, beta2: b2, epsilon: this.#epsilon, gradScale };
      // One kernel updates every variable in place. A variable (or moment)
      // whose buffer another tensor shares (a snapshot of the best epoch, a
      // restored checkpoint) first gets a private copy, so the sharer keeps
      // its values.
      const own = (t: tf.Variable) => {
        if (!ownsBuffer(t)) {
          const copy = tf.mul(t, 1);
          t.assign(copy);
          copy.dispose();
        }
        return t;
      };
      fusedAdamUpdateInPlace(
        this.#vars.map(own),
        grads,
        this.#m.map(own),
        this.#v.map(own),
        attrs,
      );
      return;
    }
    tf.tidy(() => {
      this.#vars.forEach((variable, i) => {
        const g = gradScale === 1 ? grads[i] : tf.mul(grads[i], gradScale);
        const m = tf.add(tf.mul(this.#m[i], b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(this.#v[i], b2), tf.mul(tf.square(g), 1 - b2));
        this.#m[i].assign(m);
        this.#v[i].assign(v);
        variable.assign(
          tf.sub(variable, tf.div(tf.mul(m, alpha), tf.add(tf.sqrt(v), this.#epsilon))),
        );
      });
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
