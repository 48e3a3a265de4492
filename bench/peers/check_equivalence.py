"""Checks that the TFP and torch peers compute the same model: copies the torch
flow's weights and permutations into the TFP flow (built with --direction ours,
so both run the couplings' forward maps from data to latent) and compares
log-probs in inference and training mode, the loss gradient, and sampling's
inverse (the same latent points pushed to the data side). The TFP side uses
tfp_flow.flow_log_prob (base log-prob + chain inverse log-det); the training
loss of TransformedDistribution.log_prob is reported too, for information (it
differs: see tfp_flow.flow_log_prob).

Usage: bench/peers/.venv/bin/python bench/peers/check_equivalence.py
Prints a JSON summary; exits 1 if any difference exceeds the tolerance.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import torch  # noqa: E402

import _common as C  # noqa: E402
import tfp_flow  # noqa: E402
import torch_flow  # noqa: E402


def compare(coupling: str) -> dict:
    tflow = torch_flow.Flow(coupling, seed=3)
    perms = {}
    step = -1
    for layer in tflow.layers:
        if isinstance(layer, torch_flow.BatchNormFlow):
            step += 1
        if isinstance(layer, torch_flow.PermuteFlow):
            perms[step] = layer.perm.numpy()
    train_flow, eval_flow, _, nets, bns = tfp_flow.build(coupling, "ours", perms_override=perms)
    couplings = [l for l in tflow.layers if isinstance(l, (torch_flow.AffineCoupling, torch_flow.SplineCoupling))]
    for net, coup in zip(nets, couplings):
        lins = [m for m in coup.net if isinstance(m, torch.nn.Linear)]
        for k, b, lin in zip(net.kernels, net.biases, lins):
            k.assign(lin.weight.detach().numpy().T)
            b.assign(lin.bias.detach().numpy())
    # Non-trivial BN affine parameters and moving statistics, the same on both sides.
    rng = np.random.default_rng(5)
    tbns = [l for l in tflow.layers if isinstance(l, torch_flow.BatchNormFlow)]
    for bn, tbn in zip(bns, tbns):
        g, bt = rng.uniform(0.5, 1.5, C.DIMS), rng.normal(0, 0.3, C.DIMS)
        mm, mv = rng.normal(0, 0.3, C.DIMS), rng.uniform(0.5, 2, C.DIMS)
        bn.gamma.assign(g.astype(np.float32)); bn.beta.assign(bt.astype(np.float32))
        bn.moving_mean.assign(mm.astype(np.float32)); bn.moving_variance.assign(mv.astype(np.float32))
        with torch.no_grad():
            tbn.gamma.copy_(torch.tensor(g)); tbn.beta.copy_(torch.tensor(bt))
            tbn.moving_mean.copy_(torch.tensor(mm)); tbn.moving_var.copy_(torch.tensor(mv))

    x = rng.normal(0, 1.5, (256, C.DIMS)).astype(np.float32)  # some points beyond the spline's tail bound
    lp_tf = tfp_flow.flow_log_prob(eval_flow, x).numpy()
    with torch.no_grad():
        lp_torch = tflow.log_prob(torch.tensor(x), False).numpy()
    # Sampling's inverse, before training mode moves the moving statistics.
    z = rng.normal(0, 1, (256, C.DIMS)).astype(np.float32)
    x_tf = eval_flow.bijector.forward(z).numpy()
    with torch.no_grad():
        xz = torch.tensor(z)
        for layer in reversed(tflow.layers):
            xz = layer.inverse(xz)
    # Training mode: log-prob with batch statistics and the gradient of the loss w.r.t. the first net's kernel.
    with tf.GradientTape() as tape:
        loss_tf = -tf.reduce_mean(tfp_flow.flow_log_prob(train_flow, x))
    g_tf = tape.gradient(loss_tf, nets[0].kernels[1]).numpy()
    # What TransformedDistribution.log_prob gives in training mode (BN log-det from the moving variance).
    loss_td = -float(tf.reduce_mean(train_flow.log_prob(x)))
    loss_torch = -tflow.log_prob(torch.tensor(x), True).mean()
    loss_torch.backward()
    loss_torch_value = float(loss_torch.detach())
    g_torch = [m for m in couplings[0].net if isinstance(m, torch.nn.Linear)][1].weight.grad.numpy().T
    rel = lambda a, b: float(np.max(np.abs(a - b)) / (np.max(np.abs(b)) + 1e-12))  # noqa: E731
    return {
        "log_prob_inference_max_abs_diff": float(np.max(np.abs(lp_tf - lp_torch))),
        "loss_training_abs_diff": abs(float(loss_tf) - loss_torch_value),
        "info_loss_training_abs_diff_td_log_prob": abs(loss_td - loss_torch_value),
        "grad_rel_diff": rel(g_tf, g_torch),
        "sample_inverse_max_abs_diff": float(np.max(np.abs(x_tf - xz.numpy()))),
        "points_outside_tail_bound": int(np.sum(np.abs(x) > C.TAIL_BOUND)),
    }


def main() -> None:
    out = {c: compare(c) for c in ("affine", "spline")}
    ok = all(
        r["log_prob_inference_max_abs_diff"] < 1e-3
        and r["loss_training_abs_diff"] < 1e-3
        and r["grad_rel_diff"] < 1e-3
        and r["sample_inverse_max_abs_diff"] < 1e-3
        for r in out.values()
    )
    out["ok"] = ok
    print(json.dumps(out, indent=1))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
