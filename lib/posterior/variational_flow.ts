/**
 * The flow of {@link ./variational.ts VariationalPosterior}: an elementwise affine layer
 * that sets where q starts and how wide, then affine couplings (zero-initialised, so q
 * starts exactly Gaussian) with fixed random permutations between them; and the data
 * source of its fit, fresh standard-normal base samples every step.
 *
 * @module
 */
import { tf } from "../core/tf.ts";
import { Rng } from "../core/random.ts";
import type { Matrix } from "../linalg/matrix.ts";
import { ActNorm } from "../bijectors/act_norm.ts";
import { AffineCoupling } from "../bijectors/affine_coupling.ts";
import type { Bijector } from "../bijectors/bijector.ts";
import { Chain } from "../bijectors/chain.ts";
import { Permute } from "../bijectors/permute.ts";
import { UnitTriangular } from "../bijectors/unit_triangular.ts";
import { DiagonalNormal } from "../distributions/normal.ts";
import { TransformedDistribution } from "../distributions/transformed.ts";
import type { DataSource, FlowBatch } from "../training/data_source.ts";

/** The flow's architecture (saved with the posterior). */
export interface VariationalArchitecture {
  /** Affine couplings (0 when `dims` is 1: q is then Gaussian in u). */
  flowSteps: number;
  /** Hidden widths of each coupling's network. */
  hiddenLayers: number[];
  /** Soft bound of the couplings' log-scales. */
  logScaleClip: number;
  /**
   * A learned unit-triangular linear map ({@link UnitTriangular}) between the elementwise
   * affine layer and the couplings: q then holds every full-covariance Gaussian.
   */
  fullRank: boolean;
}

/**
 * The flow used for `dims` parameters when no architecture is given: one
 * parameter, none (q is Gaussian); up to 8, 4 couplings of [32, 32]; up to
 * 64, 6 of [128]; above, 6 of [256] (for ≈ 400 parameters about 1 M
 * weights, a few milliseconds per step on the wasm backend).
 * @param dims Number of parameters.
 * @returns Couplings, hidden widths, log-scale clip.
 * @example
 * ```ts
 * import { defaultVariationalArchitecture } from "./variational_flow.ts";
 * defaultVariationalArchitecture(441); // { flowSteps: 6, hiddenLayers: [256], logScaleClip: 5, fullRank: false }
 * ```
 */
export function defaultVariationalArchitecture(dims: number): VariationalArchitecture {
  if (dims <= 1) return { flowSteps: 0, hiddenLayers: [], logScaleClip: 5, fullRank: false };
  if (dims <= 8) return { flowSteps: 4, hiddenLayers: [32, 32], logScaleClip: 5, fullRank: false };
  if (dims <= 64) return { flowSteps: 6, hiddenLayers: [128], logScaleClip: 5, fullRank: false };
  return { flowSteps: 6, hiddenLayers: [256], logScaleClip: 5, fullRank: false };
}

/**
 * Builds q's flow: u = mean + scale·ε (or mean + C·ε with a Cholesky factor C) before the
 * couplings, which start at the identity.
 * @param dims Number of parameters.
 * @param arch Couplings, hidden widths, log-scale clip, full rank.
 * @param seed Seed of the permutations and weights.
 * @param mean Where q starts, in u.
 * @param scale Its starting standard deviation, in u; or the lower Cholesky factor `C` of its
 *   starting covariance (needs `arch.fullRank`: the triangular map holds `C`'s shape, the
 *   elementwise layer its diagonal).
 * @returns The flow (base: standard normal).
 * @example
 * ```ts
 * import { buildVariationalFlow } from "./variational_flow.ts";
 * const flow = buildVariationalFlow(2, { flowSteps: 1, hiddenLayers: [4], logScaleClip: 5, fullRank: true }, 1,
 *   new Float64Array(2), 1);
 * flow.dispose();
 * ```
 */
export function buildVariationalFlow(
  dims: number,
  arch: VariationalArchitecture,
  seed: number,
  mean: Float64Array,
  scale: number | Matrix,
): TransformedDistribution {
  const rng = new Rng(seed);
  const affine = new ActNorm({ dims });
  // C = diag(c)·L with L unit lower-triangular: the triangular map gives a = L·ε and
  // ActNorm's inverse u = (a − b)·e^{−s} = mean + c·a with e^{−s} = c, b = −mean/c.
  const diag = typeof scale === "number"
    ? new Float64Array(dims).fill(scale)
    : Float64Array.from({ length: dims }, (_, i) => scale.data[i * dims + i]);
  tf.tidy(() => {
    affine.logScale.assign(tf.tensor1d(Array.from(diag, (c) => -Math.log(c))));
    affine.bias.assign(tf.tensor1d(Array.from(mean, (m, i) => -m / diag[i])));
    affine.initialized.assign(tf.scalar(1));
  });
  const layers: Bijector[] = [affine];
  if (arch.fullRank && dims > 1) {
    const triangular = new UnitTriangular({ dims });
    if (typeof scale !== "number") {
      // L = diag(c)⁻¹·C; the trained matrix is Lᵀ − I: entry (j, i), j < i, is C[i][j] / c_i.
      const upper = new Float32Array(dims * dims);
      for (let i = 0; i < dims; i++) {
        for (let j = 0; j < i; j++) upper[j * dims + i] = scale.data[i * dims + j] / diag[i];
      }
      tf.tidy(() => triangular.upper.assign(tf.tensor2d(upper, [dims, dims])));
    }
    layers.push(triangular);
  }
  const network = {
    hiddenLayers: arch.hiddenLayers,
    activation: "tanh" as const,
    zeroInitOutput: true,
  };
  for (let step = 0; step < arch.flowSteps; step++) {
    if (step > 0) {
      layers.push(dims === 2 ? Permute.reverse(2) : Permute.random(dims, rng.seed()));
    }
    layers.push(
      new AffineCoupling({ dims, network, seed: rng.seed(), logScaleClip: arch.logScaleClip }),
    );
  }
  return new TransformedDistribution(DiagonalNormal.standard(dims), new Chain(layers));
}

/**
 * Fresh standard-normal base samples, one batch per pass (one optimizer step).
 * @example
 * ```ts
 * import { BaseSampleSource } from "./variational_flow.ts";
 * const source = new BaseSampleSource(8, 3); // 8 samples of 3 dimensions per step
 * console.log(source.size); // 8
 * ```
 */
export class BaseSampleSource implements DataSource {
  readonly size: number;
  readonly eventShape: number[];
  readonly contextDim = 0;

  constructor(samplesPerStep: number, dims: number) {
    this.size = samplesPerStep;
    this.eventShape = [dims];
  }

  *batches(_batchSize: number, rng: Rng | null): Iterable<FlowBatch> {
    // One uniform of the trainer's generator per step, so that a resumed run
    // (which restores that generator) draws the same ε as an uninterrupted one.
    const draw = new Rng(rng ? rng.seed() : 0);
    const eps = new Float32Array(this.size * this.eventShape[0]);
    for (let i = 0; i < eps.length; i++) eps[i] = draw.normal();
    yield { x: tf.tensor2d(eps, [this.size, this.eventShape[0]]) };
  }
}
