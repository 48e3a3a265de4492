"""TensorFlow Probability peer of application 1's reference flow (workload a: affine
RealNVP coupling; b: rational-quadratic spline coupling), written the way a TFP
user writes it: tfb.BatchNormalization, tfb.Permute, tfb.RealNVP in a tfb.Chain
under a TransformedDistribution, trained with a tf.function-compiled
GradientTape step and Adam. Workloads c (application 2's Glow, tfp_glow.py) and
d (application 5's cINN, tfp_cinn.py) are timed the same way by
run_model_workload.

Direction. TFP bijectors run latent -> data, so `log_prob` runs the chain's
inverse: BatchNormalization.inverse normalizes with the batch statistics
(training=True) and RealNVP.inverse applies the coupling's inverse. The chain
is built so that its inverse visits, per step, BatchNorm -> Permute (not in
step 0) -> coupling, as flow_models' data -> latent order does. With
`--direction tfp` (default) the training path uses RealNVP.inverse (the affine
x2 = (y2 - t)*exp(-s), or the spline's inverse); `--direction ours` wraps each
coupling in tfb.Invert so the training path runs the coupling's forward map
(x2*exp(s) + t, or the spline's forward), as flow_models does. For the affine
coupling both are the same computation.

Usage: bench/peers/.venv/bin/python bench/peers/tfp_flow.py [--steps N] [--warmup W]
       [--workloads a,b,c,d] [--direction tfp|ours] [--log-prob ildj|td] [--no-eager] [--xla]

Log-prob. See flow_log_prob: by default the script computes
base.log_prob(chain.inverse(y)) + chain.inverse_log_det_jacobian(y), because
TFP 0.25's TransformedDistribution.log_prob takes the BatchNormalization
log-det from the moving variance even in training mode; `--log-prob td` times
TransformedDistribution.log_prob itself.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_probability as tfp  # noqa: E402
import tf_keras  # noqa: E402

tfb = tfp.bijectors
tfd = tfp.distributions


class DenseNet(tf.Module):
    """[in -> 512 -> 512 -> out] (or the given hidden widths), relu, Glorot-uniform kernels,
    zero biases."""

    calls = 0  # Python-level calls (counted while tracing: network evaluations per graph)

    def __init__(self, in_dim: int, out_dim: int, rng: np.random.Generator, name: str, hidden=C.HIDDEN):
        super().__init__(name=name)
        widths = [in_dim, *hidden, out_dim]
        self.kernels, self.biases = [], []
        for i, (fi, fo) in enumerate(zip(widths[:-1], widths[1:])):
            limit = np.sqrt(6.0 / (fi + fo))
            self.kernels.append(
                tf.Variable(rng.uniform(-limit, limit, (fi, fo)).astype(np.float32), name=f"k{i}")
            )
            self.biases.append(tf.Variable(np.zeros(fo, np.float32), name=f"b{i}"))

    def __call__(self, x):
        DenseNet.calls += 1
        h = x
        last = len(self.kernels) - 1
        for i, (k, b) in enumerate(zip(self.kernels, self.biases)):
            h = tf.matmul(h, k) + b
            if i < last:
                h = tf.nn.relu(h)
        return h


def affine_fn(net: DenseNet):
    def shift_and_log_scale(x0, output_units):
        shift, raw = tf.split(net(x0), 2, axis=-1)
        return shift, C.LOG_SCALE_CLIP * tf.tanh(raw / C.LOG_SCALE_CLIP)

    return shift_and_log_scale


def spline_fn(net: DenseNet):
    k, b = C.NUM_BINS, C.TAIL_BOUND

    def bijector_fn(x0, output_units, **_):
        raw = tf.reshape(net(x0), tf.concat([tf.shape(x0)[:-1], [output_units, 3 * k - 1]], 0))
        tw, th, td = tf.split(raw, [k, k, k - 1], axis=-1)
        widths = 2 * b * (C.MIN_BIN_WIDTH + (1 - k * C.MIN_BIN_WIDTH) * tf.nn.softmax(tw))
        heights = 2 * b * (C.MIN_BIN_HEIGHT + (1 - k * C.MIN_BIN_HEIGHT) * tf.nn.softmax(th))
        slopes = C.MIN_DERIVATIVE + tf.nn.softplus(td)
        return tfb.RationalQuadraticSpline(widths, heights, slopes, range_min=-b)

    return bijector_fn


def build(coupling: str, direction: str, seed: int = 1, perms_override=None):
    """Returns (train_flow, eval_flow, trainable variables, nets); the two flows share all variables.
    `perms_override[step]` replaces step's permutation (used by check_equivalence.py)."""
    rng = np.random.default_rng(seed)
    bn_layers, perms, couplings, nets = [], [], [], []
    for step in range(C.FLOW_STEPS):
        layer = tf_keras.layers.BatchNormalization(
            momentum=C.BN_MOMENTUM,
            epsilon=C.BN_EPSILON,
            # TFP's default gamma constraint, kept as a TFP user gets it.
            gamma_constraint=lambda x: tf.nn.relu(x) + 1e-6,
        )
        layer.build((None, C.DIMS))
        bn_layers.append(layer)
        perm = rng.permutation(C.DIMS).astype(np.int32) if step > 0 else None
        if perms_override is not None and step > 0:
            perm = np.asarray(perms_override[step], np.int32)
        perms.append(perm)
        out = 2 if coupling == "affine" else 3 * C.NUM_BINS - 1
        net = DenseNet(1, out * (C.DIMS - 1), rng, name=f"net{step}")
        nets.append(net)
        nvp = (
            tfb.RealNVP(num_masked=1, shift_and_log_scale_fn=affine_fn(net))
            if coupling == "affine"
            else tfb.RealNVP(num_masked=1, bijector_fn=spline_fn(net))
        )
        # The chain's inverse is the data -> latent direction; `ours` makes that
        # direction run the coupling's forward map.
        couplings.append(tfb.Invert(nvp) if direction == "ours" else nvp)

    def chain(training: bool):
        parts = []
        for step in range(C.FLOW_STEPS):
            parts.append(tfb.BatchNormalization(batchnorm_layer=bn_layers[step], training=training))
            if perms[step] is not None:
                parts.append(tfb.Permute(permutation=perms[step]))
            parts.append(couplings[step])
        # Chain([b1, ..., bn]).inverse applies b1.inverse first: data -> latent order.
        return tfb.Chain(parts)

    base = tfd.MultivariateNormalDiag(loc=tf.zeros(C.DIMS))
    train_flow = tfd.TransformedDistribution(base, chain(True))
    eval_flow = tfd.TransformedDistribution(base, chain(False))
    variables = [v for l in bn_layers for v in l.trainable_variables]
    variables += [v for n in nets for v in n.trainable_variables]
    return train_flow, eval_flow, variables, nets, bn_layers


def flow_log_prob(flow, y, mode: str = "ildj"):
    """log p(y). `td`: TransformedDistribution.log_prob. `ildj` (default): the base
    log-prob of chain.inverse(y) plus chain.inverse_log_det_jacobian(y).

    They differ in training mode. TFP 0.25's TransformedDistribution.log_prob
    (through experimental_local_measure) uses -forward_log_det_jacobian(x) at
    x = inverse(y), and BatchNormalization's forward log-det always uses the
    *moving* variance, so the log-det of a training-mode BatchNormalization is
    then that of the moving statistics while the value uses the batch ones.
    `ildj` gives the documented semantics (batch variance in both), which is
    what flow_models and the torch peer compute.
    """
    if mode == "td":
        return flow.log_prob(y)
    return flow.distribution.log_prob(flow.bijector.inverse(y)) + flow.bijector.inverse_log_det_jacobian(
        y, event_ndims=1
    )


def run_workload(coupling: str, args) -> dict:
    tf.random.set_seed(1)
    train_flow, eval_flow, variables, _, _ = build(coupling, args.direction)
    n_params = int(sum(np.prod(v.shape) for v in variables))
    C.log(f"[tfp] workload {coupling}: {len(variables)} trainable variables, {n_params} parameters")
    batch = tf.random.normal([C.BATCH, C.DIMS], seed=1)
    eval_x = tf.random.normal([C.EVAL_BATCH, C.DIMS], seed=2)
    opt = tf_keras.optimizers.Adam(learning_rate=C.LEARNING_RATE)

    def loss_fn():
        return -tf.reduce_mean(flow_log_prob(train_flow, batch, args.log_prob))

    def train_step_py():
        with tf.GradientTape() as tape:
            loss = loss_fn()
        grads = tape.gradient(loss, variables)
        opt.apply_gradients(zip(grads, variables))
        return loss

    def grad_step_py():
        with tf.GradientTape() as tape:
            loss = loss_fn()
        grads = tape.gradient(loss, variables)
        return loss, grads

    train_step = tf.function(train_step_py)
    grad_step = tf.function(grad_step_py)
    log_prob = tf.function(lambda: flow_log_prob(eval_flow, eval_x, args.log_prob))
    sample = tf.function(lambda: eval_flow.sample(C.EVAL_BATCH))

    clock = C.Phases("tfp " + coupling)
    stats: dict[str, list[float]] = {}
    extra: dict = {}
    first_loss = float(train_step())  # traces (twice: Adam creates its slots) and compiles
    clock.done("trace + first train_step")
    stats["train_step"] = C.time_calls(lambda: train_step().numpy(), args.warmup, args.steps)
    extra["peak_rss_mb_train_only"] = C.peak_rss_mb()
    clock.done("train_step")
    # Network evaluations per coupling, counted while tracing: TFP's RealNVP calls
    # its shift_and_log_scale_fn / bijector_fn once for the value and once more
    # for the log-det (grad_step creates no variables, so it is traced once).
    DenseNet.calls = 0
    grad_step.get_concrete_function()
    extra["net_calls_per_coupling_train"] = DenseNet.calls / C.FLOW_STEPS
    stats["grad_step"] = C.time_calls(lambda: grad_step()[0].numpy(), args.warmup, args.steps)
    clock.done("grad_step")
    DenseNet.calls = 0
    log_prob.get_concrete_function()
    extra["net_calls_per_coupling_log_prob"] = DenseNet.calls / C.FLOW_STEPS
    stats["log_prob_1000"] = C.time_calls(lambda: log_prob().numpy(), args.warmup, args.steps)
    clock.done("log_prob")
    stats["sample_1000"] = C.time_calls(lambda: sample().numpy(), args.warmup, args.steps)
    clock.done("sample")
    extra["peak_rss_mb_compiled"] = C.peak_rss_mb()
    if not args.no_eager:
        stats["eager_train_step"] = C.time_calls(
            lambda: train_step_py().numpy(), 1, args.eager_steps
        )
        stats["eager_log_prob_1000"] = C.time_calls(
            lambda: flow_log_prob(eval_flow, eval_x, args.log_prob).numpy(), 1, args.eager_steps
        )
        clock.done("eager")
    if args.xla:
        try:
            xla_step = tf.function(train_step_py, jit_compile=True)
            stats["xla_train_step"] = C.time_calls(lambda: xla_step().numpy(), args.warmup, args.steps)
            clock.done("xla")
        except Exception as e:  # noqa: BLE001 - report, don't fail the run
            extra["xla_error"] = f"{type(e).__name__}: {str(e)[:300]}"
            C.log("[tfp] XLA step failed:", extra["xla_error"])
    last_loss = float(loss_fn())
    samples = sample().numpy()
    extra.update(
        {
            "parameters": n_params,
            "loss_first": round(first_loss, 4),
            "loss_last": round(last_loss, 4),
            "samples_finite": bool(np.isfinite(samples).all()),
            "architecture": C.architecture(coupling),
        }
    )
    return C.workload_report(stats, extra, label=f"[tfp] {coupling}")


_FLOP_OPS = ("Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter", "MatMul", "BatchMatMulV2", "BatchMatMulV3")


def graph_flops(concrete) -> dict:
    """FLOPs of the convolutions and matrix products in a traced (not yet grappler-optimised)
    graph, from the ops' static shapes, by op type; nested function bodies (tf.cond branches)
    are not counted."""
    out: dict[str, int] = {}
    for op in concrete.graph.get_operations():
        if op.type not in _FLOP_OPS:
            continue
        try:
            if op.type == "Conv2D":
                n, h, w, co = op.outputs[0].shape.as_list()
                kh, kw, ci, _ = op.inputs[1].shape.as_list()
                f = 2 * n * h * w * co * kh * kw * ci
            elif op.type == "Conv2DBackpropInput":
                n, h, w, ci = op.outputs[0].shape.as_list()
                kh, kw, _, co = op.inputs[1].shape.as_list()
                f = 2 * n * h * w * ci * kh * kw * co
            elif op.type == "Conv2DBackpropFilter":
                kh, kw, ci, co = op.outputs[0].shape.as_list()
                n, h, w, _ = op.inputs[2].shape.as_list()
                f = 2 * n * h * w * co * kh * kw * ci
            else:
                a, b = (t.shape.as_list() for t in op.inputs[:2])
                ta = op.get_attr("transpose_a" if op.type == "MatMul" else "adj_x")
                tb = op.get_attr("transpose_b" if op.type == "MatMul" else "adj_y")
                m, k = (a[-1], a[-2]) if ta else (a[-2], a[-1])
                n_ = b[-2] if tb else b[-1]
                batch = int(np.prod(op.outputs[0].shape.as_list()[:-2] or [1]))
                f = 2 * batch * m * k * n_
        except (TypeError, ValueError):  # an unknown dimension
            continue
        out[op.type] = out.get(op.type, 0) + int(f)
    return {"total": sum(out.values()), "by_op": out}


def run_model_workload(key: str, args) -> dict:
    """Workload c (Glow) or d (cINN): the flow of tfp_glow.py / tfp_cinn.py, timed as a and b
    (tf.function train step, grad step, log-prob and sampling)."""
    import tfp_cinn
    import tfp_glow

    tf.random.set_seed(1)
    spec = {"c": tfp_glow, "d": tfp_cinn}[key].build()
    variables, batch, eval_x = spec["variables"], spec["batch"], spec["eval"]
    n_params = int(sum(np.prod(v.shape) for v in variables))
    extra: dict = {}
    if "parameters_packed_lu" in spec:
        extra["parameters_flow_models_packed_lu"] = spec["parameters_packed_lu"]
    C.log(
        f"[tfp] workload {key}: {len(variables)} trainable variables, {n_params} parameters "
        f"(flow_models: {spec['parameters_expected']}"
        + (f", {spec['parameters_packed_lu']} with a packed LU" if "parameters_packed_lu" in spec else "")
        + f"), {spec['flops_expected'] / 1e9:.3f} GFLOP per step as bench/workloads.ts counts them"
    )
    opt = tf_keras.optimizers.Adam(learning_rate=spec["lr"])

    def loss_fn():
        return -tf.reduce_mean(spec["log_prob_train"](batch))

    def train_step_py():
        with tf.GradientTape() as tape:
            loss = loss_fn()
        opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    def grad_step_py():
        with tf.GradientTape() as tape:
            loss = loss_fn()
        return loss, tape.gradient(loss, variables)

    train_step = tf.function(train_step_py)
    grad_step = tf.function(grad_step_py)
    log_prob = tf.function(lambda: spec["log_prob_eval"](eval_x))
    sample = tf.function(spec["sample_1000"])
    counter = spec["net_counter"]

    clock = C.Phases(f"tfp {key}")
    first_loss = float(train_step())  # traces, compiles, initialises the ActNorms
    clock.done("trace + first train_step")
    counter.calls = 0
    concrete = grad_step.get_concrete_function()
    other = spec.get("other_net_calls", 0)  # the cINN's conditioner, once per log-prob
    extra["net_calls_per_coupling_train"] = (counter.calls - other) / spec["couplings"]
    extra["graph_flops_grad_step"] = graph_flops(concrete)
    counter.calls = 0
    log_prob.get_concrete_function()
    extra["net_calls_per_coupling_log_prob"] = (counter.calls - other) / spec["couplings"]
    C.log(
        f"[tfp] {key}: network calls per coupling: {extra['net_calls_per_coupling_train']} (train), "
        f"{extra['net_calls_per_coupling_log_prob']} (log-prob); traced graph of loss + gradients: "
        f"{extra['graph_flops_grad_step']['total'] / 1e9:.3f} GFLOP {extra['graph_flops_grad_step']['by_op']}"
    )
    stats = C.time_quantities(
        f"tfp {key}",
        [
            ("train_step", lambda: train_step().numpy(), args.steps),
            ("grad_step", lambda: grad_step()[0].numpy(), args.steps),
            ("log_prob_1000", lambda: log_prob().numpy(), args.steps),
            ("sample_1000", lambda: sample().numpy(), args.steps),
        ],
        args.warmup,
    )
    samples = sample().numpy()
    extra.update(
        {
            "parameters": n_params,
            "parameters_flow_models": spec["parameters_expected"],
            "flops_per_step": spec["flops_expected"],
            "loss_first": round(first_loss, 4),
            "loss_last": round(float(loss_fn()), 4),
            "samples_finite": bool(np.isfinite(samples).all()),
            "architecture": spec["architecture"],
        }
    )
    return C.workload_report(stats, extra, batch=C.BATCH_SIZES[key], label=f"[tfp] {key}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=30, help="timed repeats per quantity (>= 30 for the report)")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--eager-steps", type=int, default=5, help="timed repeats of the eager quantities (slow)")
    p.add_argument("--workloads", default="a,b,c,d")
    p.add_argument("--direction", choices=["tfp", "ours"], default="tfp")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument(
        "--log-prob",
        choices=["ildj", "td"],
        default="ildj",
        help="ildj: base.log_prob(inverse(y)) + inverse_log_det_jacobian(y) (batch variance in the BN "
        "log-det, as flow_models); td: TransformedDistribution.log_prob (TFP 0.25 then uses the moving "
        "variance in the BN log-det)",
    )
    p.add_argument("--no-eager", action="store_true")
    p.add_argument("--xla", action="store_true", help="also time the train step under jit_compile=True (slow to compile)")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    wanted = args.workloads.split(",")
    if not args.child and len(wanted) > 1:
        # One process per workload, so that each one's peak RSS is its own.
        argv = [a for a in sys.argv[1:]]
        if "--workloads" in argv:
            i = argv.index("--workloads")
            del argv[i : i + 2]
        argv = [a for a in argv if not a.startswith("--workloads=")]
        children = C.run_in_children(os.path.abspath(__file__), argv, wanted)
        report = children[wanted[0]]
        report["workloads"] = {w: children[w]["workloads"][w] for w in wanted}
        report["config"]["process_per_workload"] = True
        C.emit(report)
        return

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    workloads = {}
    names = {"a": "affine", "b": "spline"}
    for w in wanted:
        workloads[w] = run_workload(names[w], args) if w in names else run_model_workload(w, args)
    C.emit(
        {
            "peer": "tfp",
            "label": C.peer_label("tfp", args.threads),
            "versions": {
                "tensorflow": tf.__version__,
                "tensorflow_probability": tfp.__version__,
                "tf_keras": tf_keras.__version__,
                "numpy": np.__version__,
            },
            "threads": args.threads,
            "machine": C.machine(),
            "config": {
                "steps": args.steps,
                "warmup": args.warmup,
                "eager_steps": args.eager_steps,
                "direction": args.direction,
                "log_prob": args.log_prob,
                "intra_op_threads": args.threads,
                "inter_op_threads": args.threads,
                "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default (on)"),
            },
            "workloads": workloads,
        }
    )


if __name__ == "__main__":
    main()
