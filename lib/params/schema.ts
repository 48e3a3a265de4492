/**
 * The params schema shared by all seven applications: one table of fields in
 * three groups (`run`, `training`, `model_arch`, the original's groups and
 * snake_case names). Validation, `--help`, the README table and the
 * {@link Params} type are all generated from it.
 *
 * @module
 */
import {
  bool,
  type Bounds,
  type FieldExtras,
  type FieldSpec,
  int,
  intArray,
  intTriple,
  learningRate,
  num,
  numArray,
  oneOf,
  optionalInt,
  str,
} from "./field.ts";

/** An optional real-number field (null means "not set"; the app then uses its own value). */
function optionalNum(extras: FieldExtras & Bounds): FieldSpec<number | null> {
  return { kind: "number", default: null, nullable: true, ...extras };
}

/** The schema table: group → field name → spec. */
export const PARAMS_SCHEMA = {
  run: {
    output_dir: str("output", {
      description: "Folder for figures, history, samples and the model.",
    }),
    model_dir: str("", {
      description: "Folder for model weights and checkpoints.",
      defaultNote: "<output_dir>/model",
    }),
    dataset: str("gmm", {
      description:
        "Dataset; allowed values depend on the app (app 1: a toy dataset or a .csv file of points).",
    }),
    num_gen_sims: int(1000, { min: 0, description: "Number of points or images to generate." }),
    do_train: bool(true, { description: "Train the model (false: load it from model_dir)." }),
    num_outliers_to_highlight: int(10, {
      min: 0,
      description: "Number of lowest-density points to highlight in the plots.",
    }),
    img2lat_chunk_size: int(256, {
      min: 1,
      description: "Batch size for mapping images to latent points.",
    }),
    images_path: str("", {
      description: "Image folder or s3://bucket/prefix with train/ and val/.",
      defaultNote: "the app's built-in data set",
    }),
    do_imgs_and_points: bool(true, {
      description: "Map images to latent points, generate images and plot them.",
    }),
    do_interp: bool(true, { description: "Interpolate (linear and slerp) between two images." }),
    sampling_mode: oneOf(["pca", "direct"] as const, "pca", {
      description: "Sample latent points from a PCA-reduced Gaussian or directly from N(0, I).",
    }),
    cov_scale: num(1, {
      min: 0,
      exclusiveMin: true,
      description: "Scale of the sampling covariance (temperature²).",
    }),
    pca_n_components: int(20, {
      min: 1,
      description: "Number of PCA components of latent points.",
    }),
    pca_solver: oneOf(["full", "randomized"] as const, "full", {
      description: "PCA algorithm: full eigendecomposition or randomized.",
    }),
    regen_source: oneOf(["pca_stats", "flow_base", "train_pts"] as const, "pca_stats", {
      description: "Source of latent points to regenerate data from.",
    }),
    s3_endpoint: str("", {
      ours: true,
      description:
        "Endpoint of an S3-compatible store for s3:// images, e.g. http://127.0.0.1:9000 (path-style).",
      defaultNote: "AWS_ENDPOINT_URL_S3, else AWS",
    }),
    seed: int(1, { min: 0, ours: true, description: "Seed of all randomness." }),
    backend: oneOf(["auto", "wasm", "cpu", "webgpu"] as const, "auto", {
      ours: true,
      description: "TensorFlow.js backend; auto: $FLOW_MODELS_BACKEND, else wasm.",
    }),
    resume: bool(false, {
      ours: true,
      description: "Resume training from the last checkpoint in <output_dir>/checkpoints.",
    }),
    problem: oneOf(
      ["linear", "exponentials", "robot_arm", "blurred_profile", "ballistic"] as const,
      "linear",
      {
        ours: true,
        description:
          "Inverse problem of the INN apps (app 4: linear or exponentials; app 5: robot_arm, the planar arm; app 6: blurred_profile or ballistic).",
      },
    ),
    abc_epsilon: optionalNum({
      min: 0,
      exclusiveMin: true,
      ours: true,
      description:
        "Tolerance ε of an ABC reference posterior, where one is used (robot_arm: on the end point).",
      defaultNote: "the problem's own",
    }),
    noise_sigma: optionalNum({
      min: 0,
      exclusiveMin: true,
      ours: true,
      description: "Standard deviation of the Gaussian noise on each observation.",
      defaultNote: "the problem's own",
    }),
    num_observations: int(10, {
      min: 1,
      ours: true,
      description:
        "Test observations y*, drawn from the prior predictive, whose posteriors are compared.",
    }),
    num_posterior_samples: int(2000, {
      min: 10,
      ours: true,
      description: "Posterior samples per test observation and model (and of the reference).",
    }),
    sbc_replications: int(200, {
      min: 0,
      ours: true,
      description: "Replications of simulation-based calibration per model (0: skip).",
    }),
    c2st_points: int(1000, {
      min: 0,
      ours: true,
      description: "Points of each sample in the classifier two-sample test (0: skip the test).",
    }),
    mcmc_warmup: int(2000, {
      min: 0,
      ours: true,
      description: "Warm-up iterations per chain of a reference MCMC posterior.",
    }),
    mcmc_draws: int(5000, {
      min: 10,
      ours: true,
      description: "Kept draws per chain of a reference MCMC posterior.",
    }),
    noise_sweep_factor: num(2, {
      min: 1,
      exclusiveMin: true,
      ours: true,
      description:
        "App 6: the noise-amortised model is checked at σ/f, σ and f·σ (σ: run.noise_sigma, else the problem's own).",
    }),
    noise_min_factor: num(0.2, {
      min: 0,
      exclusiveMin: true,
      ours: true,
      description:
        "App 6: the noise-amortised cINN is trained on σ drawn log-uniformly from [noise_min_factor·σ, noise_max_factor·σ].",
    }),
    noise_max_factor: num(2.5, {
      min: 1,
      ours: true,
      description: "App 6: upper end of the noise-amortised cINN's σ range, as a multiple of σ.",
    }),
    repeats: intArray([1, 4, 16], {
      min: 1,
      ours: true,
      description:
        "App 6: numbers k of repeated measurements whose posterior (their mean at σ/√k) is checked.",
    }),
    ood_class: str("", {
      ours: true,
      description:
        "App 3: a class held out of training entirely, whose test images are out-of-distribution inputs (empty: none).",
    }),
    beta_sweep: numArray([], {
      min: 0,
      ours: true,
      description:
        "App 3: information-bottleneck weights β to train one model each for, plotting accuracy, calibration and bits/dim against β (empty: no sweep).",
    }),
    do_baseline: bool(true, {
      ours: true,
      description:
        "App 3: also train the discriminative baseline (the same flow with a softmax head, cross-entropy only) on the same data and budget.",
    }),
    method: str("all", {
      ours: true,
      description:
        "App 7: the posterior methods to run: vi, cinn, inn (the maximum-likelihood INN), mcmc, a comma-separated list of them, or all (mcmc, vi, cinn; all,inn adds the INN) (--method).",
    }),
    grid_nodes: intArray([21, 21], {
      min: 2,
      ours: true,
      description: "App 7: velocity nodes along x and y.",
    }),
    grid_spacing: num(0.5, {
      min: 0,
      exclusiveMin: true,
      ours: true,
      description: "App 7: distance between velocity nodes, km.",
    }),
    grid_origin: numArray([-5, -5], {
      ours: true,
      description: "App 7: position [x, y] of the first velocity node, km.",
    }),
    grid_refinement: int(5, {
      min: 1,
      ours: true,
      description: "App 7: fine eikonal cells per node spacing (bilinear velocity between nodes).",
    }),
    eikonal_order: int(1, {
      min: 1,
      max: 2,
      ours: true,
      description:
        "App 7: upwind order of the eikonal solver. 1: travel times continuous in the velocities, which HMC and the variational flow's gradients need; 2: more accurate, but its switch between stencils makes the log-likelihood jump (by up to ≈ 0.2 nats for a 0.001 km/s step).",
    }),
    stations: int(16, {
      min: 2,
      ours: true,
      description:
        "App 7: stations evenly spaced on a circle, each a source and a receiver; every pair is one datum.",
    }),
    station_radius: num(4, {
      min: 0,
      exclusiveMin: true,
      ours: true,
      description: "App 7: radius of the station circle, km (centred at the origin).",
    }),
    velocity_bounds: numArray([0.5, 3], {
      ours: true,
      description: "App 7: the uniform prior [lower, upper] of every node's velocity, km/s.",
    }),
    true_velocity: numArray([2, 1], {
      ours: true,
      description: "App 7: the true model's [background, disc] velocities, km/s.",
    }),
    true_disc: numArray([0, 0, 2], {
      ours: true,
      description: "App 7: the true model's low-velocity disc [centre x, centre y, radius], km.",
    }),
    mcmc_chains: int(4, {
      min: 2,
      ours: true,
      description: "App 7: chains of the MCMC reference (split-R̂ needs at least 2).",
    }),
    mcmc_leapfrog_steps: int(10, {
      min: 1,
      ours: true,
      description: "App 7: mean leapfrog steps per HMC iteration of the MCMC reference.",
    }),
    mcmc_metric: oneOf(["diagonal", "full", "gauss_newton"] as const, "gauss_newton", {
      ours: true,
      description:
        "App 7: the MCMC reference's inverse mass matrix: learned in warm-up (diagonal, full), or the inverse Gauss–Newton Hessian averaged over draws of three warm-up windows (in coordinates where the prior is a standard normal), kept fixed for the draws.",
    }),
    workers: int(2, {
      min: 1,
      ours: true,
      description:
        "Worker threads. App 3: models trained at once, one per worker (the IB-INN beside the baseline and the β-sweep models; 1: one after another in the main thread). App 7: workers that simulate the training set and run the MCMC chains.",
    }),
  },
  training: {
    num_epochs: int(40, { min: 1, description: "Number of training epochs." }),
    batch_size: int(128, { min: 1, description: "Mini-batch size." }),
    reg_level: num(0, { min: 0, description: "L2 regularisation of the coupling networks." }),
    learning_rate: learningRate(1e-3, {
      description: "Adam learning rate, or [initial, decay_steps, decay_rate] staircase decay.",
    }),
    early_stopping_patience: int(10, {
      min: 0,
      description: "Epochs without validation improvement before stopping (0: never stop).",
    }),
    num_data_input: int(10000, { min: 1, description: "Number of training data points." }),
    augmentation_factor: int(1, {
      min: 1,
      description: "Augmented copies per training image (1: no augmentation).",
    }),
    horizontal_flip: bool(false, {
      description: "Augmentation: flip training images left–right with probability ½.",
    }),
    zoom_range: num(0, {
      min: 0,
      max: 0.9,
      description: "Augmentation: zoom factor drawn from [1 − z, 1 + z] (0: no zoom).",
    }),
    rotation_range: num(0, {
      min: 0,
      max: 180,
      description: "Augmentation: rotation drawn from [−r, r] degrees (0: none).",
    }),
    grad_norm_thresh: num(25, {
      min: 0,
      description: "Global gradient-norm clipping threshold (0: no clipping).",
    }),
    log_scale_clip: num(5, {
      min: 0,
      exclusiveMin: true,
      description: "Bound on the coupling log-scale.",
    }),
    save_model_weights: bool(true, { description: "Save the trained weights to model_dir." }),
    checkpoint_every_n_epochs: int(5, {
      min: 0,
      description: "Write a checkpoint every N epochs (0: never).",
    }),
    tracking_tool: oneOf(["jsonl", "none"] as const, "jsonl", {
      description: "Training history: JSON lines in output_dir, or none.",
      unavailable: Object.fromEntries(
        ["mlflow", "tensorboard"].map((tool) => [
          tool,
          `${tool} is not available in this Deno toolkit; training history is written as ` +
          `JSON lines in output_dir: use "jsonl" or "none"`,
        ]),
      ),
    }),
    validation_fraction: num(0.2, {
      min: 0,
      max: 0.5,
      ours: true,
      description: "Fraction of the data held out for validation.",
    }),
    num_val: optionalInt({
      min: 1,
      ours: true,
      description: "Number of held-out points (overrides validation_fraction).",
      defaultNote: "from validation_fraction",
    }),
    inn_fit_weight: num(1, {
      min: 0,
      ours: true,
      description: "INN (MMD): weight of the supervised L2 fit of y.",
    }),
    inn_latent_weight: num(50, {
      min: 0,
      ours: true,
      description: "INN (MMD): weight of the forward MMD on [y, z].",
    }),
    inn_backward_weight: num(50, {
      min: 0,
      ours: true,
      description: "INN (MMD): weight of the backward MMD on x (ramped up during training).",
    }),
    inn_padding_weight: num(1, {
      min: 0,
      ours: true,
      description: "INN (MMD): weight of the L2 penalty on the padding.",
    }),
    ib_beta: num(1, {
      min: 0,
      ours: true,
      description:
        "App 3: information-bottleneck weight β of the loss 2/(1+β)·L_X + 2β/(1+β)·L_Y (L_X: NLL per dimension, L_Y: label cross-entropy).",
    }),
    label_smoothing: num(0, {
      min: 0,
      max: 0.5,
      ours: true,
      description: "App 3: label smoothing ε of the cross-entropy target (1 − ε)·onehot + ε/K.",
    }),
    inn_sigma_y: num(0.05, {
      min: 0,
      exclusiveMin: true,
      ours: true,
      description: "INN (ML): width of the Gaussian around the standardized observations.",
    }),
    noise_augmentation: bool(false, {
      ours: true,
      description: "App 7: train the cINN on noise-free travel times with fresh noise of " +
        "σ = run.noise_sigma in every batch (the cached noisy set minus its replayed noise " +
        "draws), instead of the one noise draw per simulation.",
    }),
    vi_steps: int(1500, {
      min: 1,
      ours: true,
      description: "App 7: optimizer steps of the variational flow (ELBO).",
    }),
    vi_samples_per_step: int(32, {
      min: 1,
      ours: true,
      description:
        "App 7: reparameterised samples per step of the variational flow (forward-model runs with their adjoint).",
    }),
    vi_gradient: oneOf(["total", "path"] as const, "total", {
      ours: true,
      description: "App 7: the ELBO gradient estimator of the variational flow: total (the " +
        "plain reparameterised gradient) or path (sticking the landing: no score term, less " +
        "noise near the optimum, one more pass through the flow per step).",
    }),
    vi_box_map: oneOf(["logistic", "normal"] as const, "normal", {
      ours: true,
      description: "App 7: the variational flow's map from the real line to the prior's box: " +
        "θ = low + (high − low)·F(u) with F the logistic or the normal distribution function " +
        "(normal: the uniform prior is N(0, I) in u, and marginals piled against a bound keep " +
        "Gaussian tails there).",
    }),
    vi_start: oneOf(["prior", "gauss_newton"] as const, "gauss_newton", {
      ours: true,
      description: "App 7: where the variational flow starts: prior (a broad Gaussian in the " +
        "middle of the box) or gauss_newton (the Laplace approximation at the posterior mode " +
        "found by Gauss–Newton steps, with its full covariance; needs vi_box_map normal and " +
        "model_arch.vi_full_rank).",
    }),
    vi_learning_rate: learningRate([0.001, 500, 0.5], {
      ours: true,
      description:
        "App 7: learning rate of the variational flow: a number or [initial, decay_steps, decay_rate].",
    }),
  },
  model_arch: {
    image_shape: intTriple([28, 28, 1], { min: 1, description: "Image shape [h, w, c]." }),
    image_resize: oneOf(["fill", "cover", "contain", "pad"] as const, "fill", {
      ours: true,
      description:
        "How images of another size reach image_shape: stretch, crop, fit with bars, or pad (centre, never enlarge).",
    }),
    bijector: oneOf(["realnvp-based", "glow"] as const, "realnvp-based", {
      description: "Flow architecture.",
    }),
    coupling: oneOf(["affine", "spline"] as const, "affine", {
      ours: true,
      description: "Coupling transform: affine (RealNVP) or rational-quadratic spline.",
    }),
    realnvp_flow_steps: int(12, { min: 1, description: "Number of flow steps." }),
    realnvp_hidden_layers: intArray([512, 512], {
      min: 1,
      description: "Hidden layer sizes of each coupling network.",
    }),
    realnvp_permutation: oneOf(["random", "reverse", "alternating"] as const, "random", {
      description: "Permutation between steps: random, reverse, or alternating reverse/identity.",
    }),
    activation: oneOf(["relu", "tanh", "elu", "leaky_relu"] as const, "relu", {
      description: "Activation of the coupling networks.",
    }),
    spline_num_bins: int(8, { min: 2, ours: true, description: "Number of spline bins." }),
    spline_tail_bound: num(3, {
      min: 0,
      exclusiveMin: true,
      ours: true,
      description: "Spline interval [−B, B]; identity outside.",
    }),
    glow_num_blocks: int(3, { min: 1, description: "Number of Glow multi-scale blocks." }),
    glow_steps_per_block: int(12, { min: 1, description: "Glow flow steps per block." }),
    glow_num_hidden: int(256, { min: 1, description: "Filters of the Glow coupling CNNs." }),
    mixture_mean_spacing: num(5, {
      min: 0,
      exclusiveMin: true,
      ours: true,
      description:
        "App 3: distance between the initial class means of the Gaussian-mixture latent (orthogonal means, IB-INN's mu_init).",
    }),
    mixture_learn_weights: bool(false, {
      ours: true,
      description:
        "App 3: learn the class weights of the mixture (false: fixed to the training class frequencies).",
    }),
    inn_models: oneOf(
      ["mmd,ml,cinn", "mmd,ml", "mmd,cinn", "ml,cinn", "mmd", "ml", "cinn"] as const,
      "mmd,ml,cinn",
      {
        ours: true,
        description:
          "Posterior models of the INN apps: INN with MMD losses, INN by maximum likelihood, conditional INN.",
      },
    ),
    inn_blocks: int(6, {
      min: 1,
      ours: true,
      description:
        "Coupling blocks of the INN and the cINN (each: ActNorm, permutation, two couplings).",
    }),
    inn_hidden_layers: intArray([128, 128], {
      min: 1,
      ours: true,
      description: "Hidden layer sizes of each INN/cINN coupling network.",
    }),
    inn_clamp: num(2, {
      min: 0,
      exclusiveMin: true,
      ours: true,
      description: "Soft clamp c of the INN/cINN coupling log-scales, s = c·tanh(s/c).",
    }),
    inn_noise_inputs: bool(true, {
      ours: true,
      description:
        "For noisy problems, give the INN the noise draws as extra inputs [x, ε], so its forward map is exact.",
    }),
    inn_whiten: bool(false, {
      ours: true,
      description:
        "INN apps: whiten the parameters (PCA of the training pairs) instead of standardizing each, for strongly correlated parameters.",
    }),
    inn_linear_start: bool(false, {
      ours: true,
      description:
        "INN (ML/MMD): end the INN in a fixed affine map fitted to the first batch (y by least squares on the network's output, z the whitened rest) with the couplings starting as the identity, so training starts from the best linear INN.",
    }),
    cinn_regression_adjust: bool(false, {
      ours: true,
      description:
        "INN apps: the cINN models the residual of the parameters' linear regression on the observation (Beaumont et al. 2002).",
    }),
    noise_amortised: bool(false, {
      ours: true,
      description:
        "App 6: also train the noise-amortised cINN, whose condition is [y, log σ] (one model for a range of σ).",
    }),
    cinn_condition_layers: intArray([64, 64], {
      min: 1,
      ours: true,
      description: "Hidden layer sizes of the cINN's conditioning network y → context.",
    }),
    cinn_context_dim: int(16, {
      min: 1,
      ours: true,
      description: "Width of the context the cINN's conditioning network feeds to the couplings.",
    }),
    vi_flow_steps: int(12, {
      min: 1,
      ours: true,
      description: "App 7: affine couplings of the variational flow.",
    }),
    vi_hidden_layers: intArray([256], {
      min: 1,
      ours: true,
      description: "App 7: hidden layer sizes of each coupling network of the variational flow.",
    }),
    vi_full_rank: bool(true, {
      ours: true,
      description: "App 7: a learned unit-triangular linear map before the variational flow's " +
        "couplings, so that it holds every full-covariance Gaussian (neighbouring nodes' " +
        "velocities are strongly correlated where rays cross).",
    }),
    vi_members: int(1, {
      min: 1,
      ours: true,
      description: "App 7: variational flows fitted with their own seeds (one per worker), " +
        "sampled as an equal-weight mixture; their errors are partly independent, so the " +
        "mixture's mean and spread are closer to the posterior's than one flow's.",
    }),
  },
} as const;

/** The type of the schema table. */
export type Schema = typeof PARAMS_SCHEMA;

/** A params group name. */
export type GroupName = keyof Schema;

/** The group names, in schema order. */
export const GROUP_NAMES = Object.keys(PARAMS_SCHEMA) as GroupName[];

/** The values of one group, typed from the schema. */
export type GroupValues<G extends GroupName> = {
  -readonly [K in keyof Schema[G]]: Schema[G][K] extends FieldSpec<infer T> ? T : never;
};

/** Values of the `run` group. */
export type RunParams = GroupValues<"run">;
/** Values of the `training` group. */
export type TrainingParams = GroupValues<"training">;
/** Values of the `model_arch` group. */
export type ModelArchParams = GroupValues<"model_arch">;

/** The full, validated parameters of an app run. */
export interface Params {
  /** What to run and where to write. */
  run: RunParams;
  /** Optimisation settings. */
  training: TrainingParams;
  /** Flow architecture. */
  model_arch: ModelArchParams;
}

/** One row of the schema table. */
export interface SchemaRow {
  /** Group name. */
  group: GroupName;
  /** Field name. */
  name: string;
  /** The field spec. */
  spec: FieldSpec;
}

/**
 * The schema as a flat list of rows, in order.
 * @returns One row per field.
 * @example
 * ```ts
 * import { schemaRows } from "./schema.ts";
 * schemaRows().map((r) => `${r.group}.${r.name}`); // ["run.output_dir", …]
 * ```
 */
export function schemaRows(): SchemaRow[] {
  return GROUP_NAMES.flatMap((group) =>
    Object.entries(PARAMS_SCHEMA[group]).map(([name, spec]) => ({
      group,
      name,
      spec: spec as FieldSpec,
    }))
  );
}

/**
 * The field spec of `group.name`, if there is one.
 * @param group Group name (any string).
 * @param name Field name (any string).
 * @returns The spec, or undefined.
 * @example
 * ```ts
 * import { fieldSpec } from "./schema.ts";
 * fieldSpec("training", "num_epochs")?.kind; // "int"
 * ```
 */
export function fieldSpec(group: string, name: string): FieldSpec | undefined {
  if (!Object.hasOwn(PARAMS_SCHEMA, group)) return undefined;
  const fields = PARAMS_SCHEMA[group as GroupName] as Record<string, FieldSpec>;
  return Object.hasOwn(fields, name) ? fields[name] : undefined;
}

/**
 * A fresh copy of the schema defaults (arrays copied; `model_dir` still empty).
 * @returns Default values for every field.
 * @example
 * ```ts
 * import { schemaDefaults } from "./schema.ts";
 * schemaDefaults().training.batch_size; // 128
 * ```
 */
export function schemaDefaults(): Params {
  const out: Record<string, Record<string, unknown>> = {};
  for (const { group, name, spec } of schemaRows()) {
    out[group] ??= {};
    out[group][name] = structuredClone(spec.default);
  }
  return out as unknown as Params;
}
