"""TensorFlow Probability peer of workload c: application 2's Glow (lib/flows/glow_flow.ts), built
from TFP's own bijectors the way a TFP user builds a Glow:

  TransformedDistribution(Sample(Normal(0, 1), 784),
                          Chain([Scale(256/(1 - 2a)), Shift(-a), Sigmoid(), tfb.Glow(...)]))

so that log_prob (data -> latent) runs the logit pre-processing and then tfb.Glow's inverse:
per level a squeeze, `num_steps_per_block` GlowBlock steps of ActivationNormalization
(data-dependent init) -> Invert(OneByOneConv) (ScaleMatvecLU: W = P L U, one packed c x c
`lower_upper` variable) -> Invert(RealNVP) (the coupling's forward map), and the exit (split
prior) coupling. tfb.Glow's own networks (GlowDefaultNetwork: sigmoid scale, 400 filters) are
replaced by ours through `coupling_bijector_fn` / `exit_bijector_fn`, which return the coupling
bijector itself: Chain([Scale(log_scale=s), Shift(t)]), i.e. (x2 + t) * exp(s) with
s = 5 tanh(raw/5), [t, raw] from conv3x3(64) relu conv1x1(64) relu conv3x3 (zero init) of the
masked half (the exit: one zero-initialised conv3x3). tfb.Glow's default
`grab_after_block=(0.5, 0.)` factors out half of the channels after the first (28 -> 14) level,
as flow_models does.

Differences from flow_models, none of which changes the counted FLOPs:
- squeeze order: tfb.Glow's squeeze puts the channel slowest (c*4 + dy*2 + dx), flow_models'
  puts it fastest (dy*2c + dx*c + c); the factored-out channels stay in the tensor and are
  squeezed along (tfb.Blockwise passes them around the later blocks) where flow_models drops
  them from the level's tensor;
- the 1x1 convolution has c^2 parameters (TFP's packed LU) where flow_models stores 2c^2 + c
  (full `lower` and `upper` matrices whose unused triangles get zero gradients), and TFP applies
  it as a batched matvec (tf.linalg.matvec) rather than a 1x1 convolution;
- TFP's RealNVP evaluates its bijector_fn (the coupling network) once for the value and once
  more for the log-det (`net_calls_per_coupling_*` in the report, counted while tracing).

Imported by tfp_flow.py (`--workloads c`).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

import _common as C

tfb = tfp.bijectors
tfd = tfp.distributions


class ConvNet(tf.Module):
    """Our coupling network: [3x3 hidden, relu, 1x1 hidden, relu,] 3x3 (zero init) -> [t, raw]."""

    calls = 0  # Python-level calls, counted while tracing

    def __init__(self, cin: int, cout: int, hidden: int, rng: np.random.Generator, name: str):
        super().__init__(name=name)
        layers = [(3, hidden), (1, hidden)] if hidden else []
        layers.append((3, cout))
        self.kernels, self.biases = [], []
        c = cin
        for i, (k, f) in enumerate(layers):
            if i == len(layers) - 1:
                init = np.zeros((k, k, c, f), np.float32)
            else:
                init = rng.normal(0.0, np.sqrt(2.0 / (k * k * c)), (k, k, c, f)).astype(np.float32)
            self.kernels.append(tf.Variable(init, name=f"k{i}"))
            self.biases.append(tf.Variable(np.zeros(f, np.float32), name=f"b{i}"))
            c = f
        self.rest = cout // 2

    def __call__(self, x):
        ConvNet.calls += 1
        h = x
        last = len(self.kernels) - 1
        for i, (k, b) in enumerate(zip(self.kernels, self.biases)):
            h = tf.nn.conv2d(h, k, 1, "SAME") + b
            if i < last:
                h = tf.nn.relu(h)
        shift, raw = tf.split(h, 2, axis=-1)
        clip = C.GLOW_LOG_SCALE_CLIP
        # Chain applies Shift first: (x2 + t) * exp(s), as flow_models' GlowCoupling.
        return tfb.Chain([tfb.Scale(log_scale=clip * tf.tanh(raw / clip)), tfb.Shift(shift)])


def build() -> dict:
    """The flow, its variables, batch, evaluation images, learning rate and network counter."""
    rng = np.random.default_rng(1)
    nets: list[ConvNet] = []

    def coupling_fn(input_shape):
        half = input_shape[-1]
        nets.append(ConvNet(half, 2 * half, C.GLOW_HIDDEN, rng, name=f"coupling{len(nets)}"))
        return nets[-1]

    def exit_fn(input_shape, output_chan):
        nets.append(ConvNet(input_shape[-1], 2 * output_chan, 0, rng, name=f"exit{len(nets)}"))
        return nets[-1]

    glow = tfb.Glow(
        output_shape=C.GLOW_IMAGE,
        num_glow_blocks=C.GLOW_LEVELS,
        num_steps_per_block=C.GLOW_STEPS,
        coupling_bijector_fn=coupling_fn,
        exit_bijector_fn=exit_fn,
        grab_after_block=(0.5, 0.0),
        seed=1,
    )
    a, levels = C.GLOW_ALPHA, C.GLOW_PIXEL_LEVELS
    bijector = tfb.Chain([tfb.Scale(levels / (1 - 2 * a)), tfb.Shift(-a), tfb.Sigmoid(), glow])
    dims = int(np.prod(C.GLOW_IMAGE))
    flow = tfd.TransformedDistribution(tfd.Sample(tfd.Normal(0.0, 1.0), [dims]), bijector)
    variables = list(glow.trainable_variables)
    return {
        "flow": flow,
        "variables": variables,
        "batch": tf.constant(C.glow_data(C.GLOW_BATCH, 1)),
        "eval": tf.constant(C.glow_data(C.EVAL_BATCH, 2)),
        "lr": C.GLOW_LEARNING_RATE,
        "couplings": len(nets),
        "net_counter": ConvNet,
        "log_prob_train": lambda x: flow.log_prob(x),
        "log_prob_eval": lambda x: flow.log_prob(x),
        "sample_1000": lambda: flow.sample(C.EVAL_BATCH),
        "parameters_expected": C.glow_parameters("ours"),
        "parameters_packed_lu": C.glow_parameters("packed"),
        "flops_expected": C.glow_train_flops(),
        "architecture": {
            **C.glow_architecture(),
            "implementation": "tfb.Glow(grab_after_block=(0.5, 0)) with our coupling and exit networks "
            "(coupling_bijector_fn / exit_bijector_fn), logit as Scale/Shift/Sigmoid",
        },
    }
