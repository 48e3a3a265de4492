"""TensorFlow Probability peer of workload d: application 5's conditional INN (lib/inn/cinn.ts),
from TFP bijectors: a TransformedDistribution of a 4-D standard normal through a tfb.Chain whose
inverse (x -> z) visits, per block, tfb.glow.ActivationNormalization (data-dependent init) ->
tfb.Permute (random) -> Invert(RealNVP) (the coupling's forward map x2 * exp(s) + t,
s = 2 tanh(raw/2)) -> tfb.Permute (swap halves) -> Invert(RealNVP); 6 blocks. Each RealNVP's
bijector_fn is a dense net [2 + 16 -> 128 -> 128 -> 4] of the masked half and the context,
which the conditioner [2 -> 64 -> 64 -> 16] computes from y and log_prob passes to every coupling
as `bijector_kwargs={name: {"conditional_input": context}}` (TFP's conditioning mechanism).
Glorot-uniform kernels, zero biases.

As in workloads a, b and c, TFP's RealNVP evaluates its network once for the value and once more
for the log-det (`net_calls_per_coupling_*` in the report).

Imported by tfp_flow.py (`--workloads d`).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

import _common as C
from tfp_flow import DenseNet

tfb = tfp.bijectors
tfd = tfp.distributions


def coupling_fn(net: DenseNet):
    def bijector_fn(x0, output_units, conditional_input=None, **_):
        shift, raw = tf.split(net(tf.concat([x0, conditional_input], -1)), 2, axis=-1)
        clip = C.CINN_LOG_SCALE_CLIP
        # Chain applies Scale first: x2 * exp(s) + t, as flow_models' AffineCoupling.
        return tfb.Chain([tfb.Shift(shift), tfb.Scale(log_scale=clip * tf.tanh(raw / clip))])

    return bijector_fn


def build() -> dict:
    """The flow, its variables, batch, evaluation rows, learning rate and network counter."""
    rng = np.random.default_rng(38)
    d, half = C.CINN_DIM_X, C.CINN_DIM_X // 2
    coupling_widths, cond_widths = C.cinn_widths()
    swap = np.asarray([(i + half) % d for i in range(d)], np.int32)
    parts, nets, names, norms = [], [], [], []
    for b in range(C.CINN_BLOCKS):
        norms.append(tfb.glow.ActivationNormalization(d, name=f"actnorm{b}"))
        parts.append(norms[-1])
        parts.append(tfb.Permute(permutation=rng.permutation(d).astype(np.int32)))
        for j, masked in enumerate((half, d - half)):
            if j:
                parts.append(tfb.Permute(permutation=swap))
            net = DenseNet(coupling_widths[0], coupling_widths[-1], rng, f"net{b}_{j}", coupling_widths[1:-1])
            nets.append(net)
            name = f"coupling{b}_{j}"
            names.append(name)
            parts.append(tfb.Invert(tfb.RealNVP(num_masked=masked, bijector_fn=coupling_fn(net)), name=name))
    # Chain([b1, ..., bn]).inverse applies b1.inverse first: the x -> z order above.
    chain = tfb.Chain(parts)
    conditioner = DenseNet(cond_widths[0], cond_widths[-1], rng, "conditioner", cond_widths[1:-1])
    flow = tfd.TransformedDistribution(tfd.MultivariateNormalDiag(loc=tf.zeros(d)), chain)

    def kwargs(rows):
        ctx = conditioner(rows[:, d:])
        return {"bijector_kwargs": {n: {"conditional_input": ctx} for n in names}}

    def log_prob(rows):
        return flow.log_prob(rows[:, :d], **kwargs(rows))

    eval_rows = tf.constant(C.robot_arm_rows(C.EVAL_BATCH, 2))
    variables = [v for a in norms for v in a.trainable_variables]
    variables += [v for n in [*nets, conditioner] for v in n.trainable_variables]
    return {
        "flow": flow,
        "variables": variables,
        "batch": tf.constant(C.robot_arm_rows(C.CINN_BATCH, 1)),
        "eval": eval_rows,
        "lr": C.CINN_LEARNING_RATE,
        "couplings": len(nets),
        "net_counter": DenseNet,
        "other_net_calls": 1,
        "log_prob_train": log_prob,
        "log_prob_eval": log_prob,
        "sample_1000": lambda: flow.sample(C.EVAL_BATCH, **kwargs(eval_rows)),
        "parameters_expected": C.cinn_parameters(),
        "flops_expected": C.cinn_train_flops(),
        "architecture": {
            **C.cinn_architecture(),
            "implementation": "tfb.Chain of ActivationNormalization, Permute, Invert(RealNVP) with "
            "conditional_input from a dense conditioner",
        },
    }
