/**
 * The class-conditional Gaussian mixture, the latent distribution of a
 * generative classifier (Ardizzone et al. 2020, IB-INN): one unit-covariance
 * Gaussian per class y with a learned mean μ_y, and class weights w_y,
 *
 *   p(z | y) = N(z; μ_y, I),   p(z) = Σ_y w_y N(z; μ_y, I),
 *   p(y | z) = w_y N(z; μ_y, I) / p(z).
 *
 * Used as the base of a flow z = f(x), it turns the flow into a classifier by
 * Bayes' rule, p(y | x) = p(y | f(x)) (the Jacobian term is the same for every
 * class and cancels), a class-conditional generator (x = f⁻¹(μ_y + T·ε)), and a
 * density p(x) for out-of-distribution detection, all from one model.
 *
 * As a flow's base it is conditional on the class: the context is a one-hot
 * row per point (`[n, numClasses]`); without a context, `logProb` is the
 * marginal log p(z) and `sample` draws the class from the weights first.
 *
 * @module
 */
import { type Tensor1D, type Tensor2D, tf } from "../core/tf.ts";
import { makeVariable, type NamedVariable } from "../core/variables.ts";
import type { BaseDistribution } from "./base.ts";

const LOG_2PI = Math.log(2 * Math.PI);

/** Pairwise distance of the initial class means: IB-INN's `mu_init`. */
export const DEFAULT_MEAN_SPACING = 5;

/** Options of {@link ClassGaussianMixture}. */
export interface ClassGaussianMixtureOptions {
  /** Latent dimensions D. */
  dims: number;
  /** Number of classes K (at least 2). */
  numClasses: number;
  /**
   * Initial means, `numClasses` rows of `dims` values. Default: orthogonal
   * means, {@link meanSpacing} apart from each other (see {@link initialClassMeans}).
   */
  means?: ArrayLike<number>[];
  /** Distance between the default initial means. Default {@link DEFAULT_MEAN_SPACING}. */
  meanSpacing?: number;
  /** Class weights w_y (positive; normalised here). Default uniform. */
  weights?: ArrayLike<number>;
  /** Whether training moves the means. Default true. */
  learnMeans?: boolean;
  /** Whether training moves the class weights (as softmax logits). Default false. */
  learnWeights?: boolean;
  /** Prefix of the variable names, for save/load. Default `class_mixture`. */
  name?: string;
}

/** JSON form of a {@link ClassGaussianMixture} (means and weights are saved as its variables). */
export interface ClassGaussianMixtureConfig {
  /** Always `"class_gaussian_mixture"`. */
  type: "class_gaussian_mixture";
  /** Latent dimensions. */
  dims: number;
  /** Number of classes. */
  numClasses: number;
  /** Whether the means are learned. */
  learnMeans: boolean;
  /** Whether the weights are learned. */
  learnWeights: boolean;
  /** Prefix of the variable names. */
  name: string;
}

/**
 * Orthogonal initial class means `spacing` apart from each other (IB-INN):
 * class k gets the value `spacing / √(2m)` on dimensions k, k + K, k + 2K, …
 * (m = ⌊D / K⌋ of them), zero elsewhere. With fewer dimensions than classes
 * they lie on a circle in the first two dimensions (on a line for D = 1),
 * neighbours `spacing` apart.
 * @param dims Latent dimensions D.
 * @param numClasses Classes K.
 * @param spacing Distance between neighbouring means.
 * @returns K rows of D values.
 * @example
 * ```ts
 * import { initialClassMeans } from "./class_mixture.ts";
 * initialClassMeans(4, 2, 2); // [[1.41, 0, 1.41, 0], [0, 1.41, 0, 1.41]]: 2 apart
 * initialClassMeans(2, 4, 2); // four points on a circle of radius √2
 * ```
 */
export function initialClassMeans(dims: number, numClasses: number, spacing: number): number[][] {
  const means = Array.from({ length: numClasses }, () => new Array<number>(dims).fill(0));
  if (dims >= numClasses) {
    const m = Math.floor(dims / numClasses);
    const value = spacing / Math.sqrt(2 * m);
    for (let k = 0; k < numClasses; k++) {
      for (let j = 0; j < m; j++) means[k][j * numClasses + k] = value;
    }
  } else if (dims === 1) {
    for (let k = 0; k < numClasses; k++) means[k][0] = spacing * (k - (numClasses - 1) / 2);
  } else {
    const radius = spacing / (2 * Math.sin(Math.PI / numClasses));
    for (let k = 0; k < numClasses; k++) {
      const angle = (2 * Math.PI * k) / numClasses;
      means[k][0] = radius * Math.cos(angle);
      means[k][1] = radius * Math.sin(angle);
    }
  }
  return means;
}

/** A Gaussian mixture with one unit-covariance component per class. */
export class ClassGaussianMixture implements BaseDistribution {
  /** Latent dimensions D. */
  readonly dims: number;
  /** Number of classes K. */
  readonly numClasses: number;
  /** The class means `[K, D]`. */
  readonly means: tf.Variable;
  /** Unnormalised log class weights `[K]` (the weights are their softmax). */
  readonly weightLogits: tf.Variable;
  readonly #name: string;

  /**
   * @param options Dimensions, classes, initial means and weights, what is learned.
   * @throws Error when a size is not a positive integer, there are fewer than two
   *   classes, or the initial means or weights do not fit.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { ClassGaussianMixture } from "./class_mixture.ts";
   * const mixture = new ClassGaussianMixture({ dims: 2, numClasses: 2, means: [[-2, 0], [2, 0]] });
   * const z = tf.tensor2d([[-2, 0], [0.1, 0]]);
   * mixture.classPosterior(z).print(); // ≈ [[1, 0], [0.4, 0.6]]
   * mixture.logProb(z, tf.oneHot([0, 0], 2).toFloat() as tf.Tensor2D).print(); // log N(z; μ₀, I)
   * mixture.logProb(z).print(); // the marginal log p(z)
   * mixture.dispose();
   * ```
   */
  constructor(options: ClassGaussianMixtureOptions) {
    const { dims, numClasses } = options;
    if (!(Number.isInteger(dims) && dims >= 1)) {
      throw new Error(`dims must be a positive integer, got ${dims}`);
    }
    if (!(Number.isInteger(numClasses) && numClasses >= 2)) {
      throw new Error(`A class mixture needs at least 2 classes, got ${numClasses}`);
    }
    const means = options.means ??
      initialClassMeans(dims, numClasses, options.meanSpacing ?? DEFAULT_MEAN_SPACING);
    if (means.length !== numClasses || means.some((m) => m.length !== dims)) {
      throw new Error(
        `The initial means must be ${numClasses} rows of ${dims} values, got ` +
          `${means.length} rows of [${means.map((m) => m.length)}]`,
      );
    }
    const weights = options.weights ? Array.from(options.weights) : null;
    if (weights && (weights.length !== numClasses || weights.some((w) => !(w > 0)))) {
      throw new Error(
        `The class weights must be ${numClasses} positive numbers, got [${weights}]`,
      );
    }
    this.dims = dims;
    this.numClasses = numClasses;
    this.#name = options.name ?? "class_mixture";
    const flat = new Float32Array(numClasses * dims);
    means.forEach((m, k) => flat.set(Array.from(m), k * dims));
    this.means = makeVariable(tf.tensor2d(flat, [numClasses, dims]), options.learnMeans ?? true);
    const logits = weights ? weights.map(Math.log) : new Array<number>(numClasses).fill(0);
    this.weightLogits = makeVariable(tf.tensor1d(logits), options.learnWeights ?? false);
  }

  /** The condition it takes: one-hot class rows of width {@link numClasses}. */
  get contextDim(): number {
    return this.numClasses;
  }

  /**
   * @returns log w_y, `[K]`, normalised.
   */
  logWeights(): Tensor1D {
    return tf.logSoftmax(this.weightLogits) as Tensor1D;
  }

  #flat(z: tf.Tensor): Tensor2D {
    const flat = tf.reshape(z, [z.shape[0], -1]) as Tensor2D;
    if (flat.shape[1] !== this.dims) {
      throw new Error(`Expected points with ${this.dims} dims, got shape [${z.shape}]`);
    }
    return flat;
  }

  /**
   * The log-density of every point under every class, log N(z; μ_y, I).
   * @param z Points `[n, D]`.
   * @returns `[n, K]`, in nats.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { ClassGaussianMixture } from "./class_mixture.ts";
   * const m = new ClassGaussianMixture({ dims: 1, numClasses: 2, means: [[0], [3]] });
   * m.classLogProb(tf.tensor2d([[0]])).print(); // [[-0.919, -5.419]]
   * ```
   */
  classLogProb(z: tf.Tensor): Tensor2D {
    return tf.tidy(() => {
      const flat = this.#flat(z);
      // ‖z − μ_y‖² = ‖z‖² − 2 z·μ_y + ‖μ_y‖², one matrix product for all classes.
      const zz = tf.sum(tf.square(flat), 1, true);
      const mm = tf.reshape(tf.sum(tf.square(this.means), 1), [1, this.numClasses]);
      const zm = tf.matMul(flat, this.means, false, true);
      const dist = tf.add(tf.sub(zz, tf.mul(2, zm)), mm);
      return tf.sub(tf.mul(-0.5, dist), 0.5 * this.dims * LOG_2PI) as Tensor2D;
    });
  }

  /**
   * log w_y + log N(z; μ_y, I) of every point and class: the joint log p(z, y).
   * @param z Points `[n, D]`.
   * @returns `[n, K]`.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { ClassGaussianMixture } from "./class_mixture.ts";
   * const m = new ClassGaussianMixture({ dims: 1, numClasses: 2, means: [[0], [3]] });
   * m.jointLogProb(tf.tensor2d([[0]])).print(); // classLogProb + log ½
   * ```
   */
  jointLogProb(z: tf.Tensor): Tensor2D {
    return tf.tidy(() => tf.add(this.classLogProb(z), this.logWeights()) as Tensor2D);
  }

  /**
   * The class posterior by Bayes' rule, log p(y | z) = log p(z, y) − log p(z).
   * @param z Points `[n, D]`.
   * @returns `[n, K]` log-probabilities.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { ClassGaussianMixture } from "./class_mixture.ts";
   * const m = new ClassGaussianMixture({ dims: 1, numClasses: 2, means: [[0], [3]] });
   * m.logClassPosterior(tf.tensor2d([[1.5]])).exp().print(); // [[0.5, 0.5]]
   * ```
   */
  logClassPosterior(z: tf.Tensor): Tensor2D {
    return tf.tidy(() => tf.logSoftmax(this.jointLogProb(z)) as Tensor2D);
  }

  /**
   * The class posterior p(y | z).
   * @param z Points `[n, D]`.
   * @returns `[n, K]` probabilities, each row summing to 1.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { ClassGaussianMixture } from "./class_mixture.ts";
   * const m = new ClassGaussianMixture({ dims: 1, numClasses: 2, means: [[0], [3]] });
   * m.classPosterior(tf.tensor2d([[0], [3]])).print(); // ≈ [[0.989, 0.011], [0.011, 0.989]]
   * ```
   */
  classPosterior(z: tf.Tensor): Tensor2D {
    return tf.tidy(() => tf.softmax(this.jointLogProb(z)) as Tensor2D);
  }

  /**
   * The log-density: class-conditional with a context, marginal without.
   * @param z Points `[n, D]`.
   * @param context One-hot class rows `[n, K]`: log p(z | y) = log N(z; μ_y, I)
   *   (a row of class probabilities gives Σ_y c_y log N(z; μ_y, I)). Absent: the
   *   marginal log p(z) = log Σ_y w_y N(z; μ_y, I).
   * @returns `[n]`, in nats.
   * @throws Error when the context is not `[n, K]`.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { ClassGaussianMixture } from "./class_mixture.ts";
   * const m = new ClassGaussianMixture({ dims: 1, numClasses: 2, means: [[0], [3]] });
   * const z = tf.tensor2d([[0]]);
   * m.logProb(z, tf.tensor2d([[1, 0]])).print(); // log N(0; 0, 1) = -0.919
   * m.logProb(z).print(); // log(½ N(0; 0, 1) + ½ N(0; 3, 1)) = -1.601
   * ```
   */
  logProb(z: tf.Tensor, context?: Tensor2D): Tensor1D {
    return tf.tidy(() => {
      if (!context) return tf.logSumExp(this.jointLogProb(z), 1) as Tensor1D;
      this.#checkContext(context, z.shape[0]);
      return tf.sum(tf.mul(this.classLogProb(z), context), 1) as Tensor1D;
    });
  }

  #checkContext(context: Tensor2D, n: number): void {
    if (context.rank !== 2 || context.shape[0] !== n || context.shape[1] !== this.numClasses) {
      throw new Error(
        `The class context must be one-hot rows of shape [${n}, ${this.numClasses}], ` +
          `got [${context.shape}]`,
      );
    }
  }

  /**
   * Draws latent points: of the given classes, or classes drawn from the weights.
   * @param n Number of draws.
   * @param seed Seed of the draw.
   * @param temperature Multiplies the unit standard deviation around each mean. Default 1.
   * @param context One-hot class rows `[n, K]` (the class of each draw); absent: drawn from w.
   * @returns `[n, D]` latent points μ_y + T·ε.
   * @example
   * ```ts
   * import { tf } from "../core/tf.ts";
   * import { ClassGaussianMixture } from "./class_mixture.ts";
   * const m = new ClassGaussianMixture({ dims: 2, numClasses: 3 });
   * const ofClass2 = m.sample(4, 1, 0.7, tf.oneHot([2, 2, 2, 2], 3).toFloat() as tf.Tensor2D);
   * const anyClass = m.sample(4, 2);
   * ```
   */
  sample(n: number, seed: number, temperature = 1, context?: Tensor2D): Tensor2D {
    return tf.tidy(() => {
      let classes: Tensor2D;
      if (context) {
        this.#checkContext(context, n);
        classes = context;
      } else {
        // Gumbel-max: argmax(log w + G) is a draw from w.
        const u = tf.randomUniform([n, this.numClasses], 1e-7, 1, "float32", seed + 1);
        const gumbel = tf.neg(tf.log(tf.neg(tf.log(u))));
        const pick = tf.argMax(tf.add(gumbel, this.logWeights()), 1);
        classes = tf.oneHot(pick, this.numClasses).toFloat() as Tensor2D;
      }
      const eps = tf.randomNormal([n, this.dims], 0, 1, "float32", seed);
      return tf.add(tf.matMul(classes, this.means), tf.mul(eps, temperature)) as Tensor2D;
    });
  }

  /**
   * Draws latent points of one class.
   * @param classIndex The class y, 0..K−1.
   * @param n Number of draws.
   * @param options Seed and temperature T (default 1).
   * @returns `[n, D]` draws of N(μ_y, T²·I).
   * @throws Error when `classIndex` is not a class.
   * @example
   * ```ts
   * import { ClassGaussianMixture } from "./class_mixture.ts";
   * const m = new ClassGaussianMixture({ dims: 2, numClasses: 2, means: [[-4, 0], [4, 0]] });
   * m.sampleClass(1, 3, { seed: 1, temperature: 0.5 }).print(); // three points near (4, 0)
   * ```
   */
  sampleClass(
    classIndex: number,
    n: number,
    options: { seed: number; temperature?: number },
  ): Tensor2D {
    if (!(Number.isInteger(classIndex) && classIndex >= 0 && classIndex < this.numClasses)) {
      throw new Error(`classIndex must be a class 0..${this.numClasses - 1}, got ${classIndex}`);
    }
    return tf.tidy(() => {
      const context = tf.oneHot(tf.fill([n], classIndex, "int32") as tf.Tensor1D, this.numClasses)
        .toFloat() as Tensor2D;
      return this.sample(n, options.seed, options.temperature ?? 1, context);
    });
  }

  /**
   * @returns The means and weight logits, named `<name>/means` and `<name>/weight_logits`.
   */
  variables(): NamedVariable[] {
    return [
      { name: `${this.#name}/means`, variable: this.means },
      { name: `${this.#name}/weight_logits`, variable: this.weightLogits },
    ];
  }

  /** The JSON form (the means and weights themselves are saved as variables). */
  config(): ClassGaussianMixtureConfig {
    return {
      type: "class_gaussian_mixture",
      dims: this.dims,
      numClasses: this.numClasses,
      learnMeans: this.means.trainable,
      learnWeights: this.weightLogits.trainable,
      name: this.#name,
    };
  }

  /**
   * Rebuilds a mixture from its JSON form, with default means and weights
   * (assign the saved variables afterwards).
   * @param config From {@link config}.
   * @returns The mixture.
   * @example
   * ```ts
   * import { ClassGaussianMixture } from "./class_mixture.ts";
   * const m = new ClassGaussianMixture({ dims: 3, numClasses: 2 });
   * const again = ClassGaussianMixture.fromConfig(m.config());
   * console.log(again.numClasses); // 2
   * ```
   */
  static fromConfig(config: ClassGaussianMixtureConfig): ClassGaussianMixture {
    return new ClassGaussianMixture({
      dims: config.dims,
      numClasses: config.numClasses,
      learnMeans: config.learnMeans,
      learnWeights: config.learnWeights,
      name: config.name,
    });
  }

  /** Frees the variables. */
  dispose(): void {
    this.means.dispose();
    this.weightLogits.dispose();
  }
}
