"""PyTorch peer of application 1's reference flow (workload a: affine coupling;
b: rational-quadratic spline coupling), written here in plain torch (no
normflows/zuko) so that it follows flow_models' architecture exactly; workloads
c (application 2's Glow, torch_glow.py) and d (application 5's cINN,
torch_cinn.py) are timed the same way by run_model_workload.

Workloads a and b:

  per step, data -> latent: BatchNorm (batch statistics in training, moving
  averages otherwise, TFP semantics) -> fixed random permutation (not in step
  0) -> coupling on dims 1|1 whose parameters come from a dense net
  [1 -> 512 -> 512 -> out], relu, Glorot-uniform kernels, zero biases.
  Affine: y2 = x2*exp(s) + t with s = 5*tanh(s_raw/5). Spline: monotone
  rational-quadratic spline on [-3, 3] with 8 bins and identity (linear)
  tails, parameters from 23 network outputs per transformed dim. Standard
  normal base, loss = mean NLL, Adam.

The training direction (data -> latent) runs the couplings' forward maps, as
flow_models does; sampling runs their inverses (the spline's by the quadratic
root).

Usage: bench/peers/.venv/bin/python bench/peers/torch_flow.py [--steps N] [--warmup W]
       [--workloads a,b,c,d] [--threads 2] [--compile]
"""

from __future__ import annotations

import argparse
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402


def dense(widths: list[int]) -> nn.Sequential:
    """Linear layers of the given widths with ReLU between them (Glorot weights, zero biases)."""
    layers: list[nn.Module] = []
    for i, (fi, fo) in enumerate(zip(widths[:-1], widths[1:])):
        lin = nn.Linear(fi, fo)
        nn.init.xavier_uniform_(lin.weight)
        nn.init.zeros_(lin.bias)
        layers.append(lin)
        if i < len(widths) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def dense_net(in_dim: int, out_dim: int) -> nn.Sequential:
    return dense([in_dim, *C.HIDDEN, out_dim])


class BatchNormFlow(nn.Module):
    """z = (x - mu)/sqrt(var + eps)*gamma + beta; batch statistics when training."""

    def __init__(self, dims: int):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(dims))
        self.beta = nn.Parameter(torch.zeros(dims))
        self.register_buffer("moving_mean", torch.zeros(dims))
        self.register_buffer("moving_var", torch.ones(dims))

    def forward(self, x: torch.Tensor, training: bool):
        if training:
            mean = x.mean(0)
            var = x.var(0, unbiased=False)
            with torch.no_grad():
                m = C.BN_MOMENTUM
                self.moving_mean.mul_(m).add_(mean.detach(), alpha=1 - m)
                self.moving_var.mul_(m).add_(var.detach(), alpha=1 - m)
        else:
            mean, var = self.moving_mean, self.moving_var
        inv_std = torch.rsqrt(var + C.BN_EPSILON)
        z = (x - mean) * inv_std * self.gamma + self.beta
        log_det = (torch.log(torch.abs(self.gamma)) + torch.log(inv_std)).sum()
        return z, log_det.expand(x.shape[0])

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        std = torch.sqrt(self.moving_var + C.BN_EPSILON)
        return (z - self.beta) / self.gamma * std + self.moving_mean


class PermuteFlow(nn.Module):
    def __init__(self, perm: np.ndarray):
        super().__init__()
        self.register_buffer("perm", torch.as_tensor(perm, dtype=torch.long))
        self.register_buffer("inv", torch.as_tensor(np.argsort(perm), dtype=torch.long))

    def forward(self, x: torch.Tensor, training: bool):
        return x[:, self.perm], None

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        return z[:, self.inv]


class AffineCoupling(nn.Module):
    def __init__(self, dims: int, masked: int):
        super().__init__()
        self.masked = masked
        self.net = dense_net(masked, 2 * (dims - masked))

    def _params(self, x1):
        shift, raw = self.net(x1).chunk(2, dim=1)
        return shift, C.LOG_SCALE_CLIP * torch.tanh(raw / C.LOG_SCALE_CLIP)

    def forward(self, x: torch.Tensor, training: bool):
        x1, x2 = x[:, : self.masked], x[:, self.masked :]
        shift, log_scale = self._params(x1)
        return torch.cat([x1, x2 * torch.exp(log_scale) + shift], 1), log_scale.sum(1)

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        z1, z2 = z[:, : self.masked], z[:, self.masked :]
        shift, log_scale = self._params(z1)
        return torch.cat([z1, (z2 - shift) * torch.exp(-log_scale)], 1)


def _knots(theta: torch.Tensor, min_size: float, k: int, b: float):
    """Bin sizes (summing to 2B) and the K+1 knot positions from -B to B, from logits [..., K]."""
    sizes = 2 * b * (min_size + (1 - k * min_size) * F.softmax(theta, dim=-1))
    inner = torch.cumsum(sizes[..., :-1], dim=-1) - b
    # The outer knots are exactly -B and B (rounding in the cumulative sum would move them).
    knots = F.pad(F.pad(inner, (1, 0), value=-b), (0, 1), value=b)
    return sizes, knots


def rq_spline(v: torch.Tensor, raw: torch.Tensor, inverse: bool):
    """Monotone rational-quadratic spline with identity tails, elementwise.

    v: [n, m]; raw: [n, m, 3K-1] network outputs. Returns (value, log|dvalue/dv|), both [n, m].
    """
    k, b = C.NUM_BINS, C.TAIL_BOUND
    tw, th, td = raw.split([k, k, k - 1], dim=-1)
    widths, xk = _knots(tw, C.MIN_BIN_WIDTH, k, b)
    heights, yk = _knots(th, C.MIN_BIN_HEIGHT, k, b)
    d = F.pad(C.MIN_DERIVATIVE + F.softplus(td), (1, 1), value=1.0)  # [n, m, K+1], 1 at both ends

    inside = (v >= -b) & (v <= b)
    vc = v.clamp(-b, b)  # keeps the unused branch finite for the tails
    search = yk if inverse else xk
    idx = torch.searchsorted(search[..., 1:-1].contiguous(), vc.unsqueeze(-1).contiguous(), right=True)
    pick = lambda t, i=idx: t.gather(-1, i).squeeze(-1)  # noqa: E731
    x0, w, y0, h = pick(xk), pick(widths), pick(yk), pick(heights)
    d0, d1 = pick(d), pick(d, idx + 1)
    s = h / w
    if not inverse:
        xi = (vc - x0) / w
        t = xi * (1 - xi)
        den = s + (d0 + d1 - 2 * s) * t
        out = y0 + h * (s * xi * xi + d0 * t) / den
        deriv = s * s * (d1 * xi * xi + 2 * s * t + d0 * (1 - xi) ** 2) / (den * den)
        log_det = torch.log(deriv)
    else:
        dy = vc - y0
        q = d0 + d1 - 2 * s
        a = h * (s - d0) + dy * q
        bq = h * d0 - dy * q
        c = -s * dy
        disc = (bq * bq - 4 * a * c).clamp_min(0)
        xi = (2 * c) / (-bq - torch.sqrt(disc))
        out = x0 + xi * w
        t = xi * (1 - xi)
        den = s + q * t
        deriv = s * s * (d1 * xi * xi + 2 * s * t + d0 * (1 - xi) ** 2) / (den * den)
        log_det = -torch.log(deriv)
    return torch.where(inside, out, v), torch.where(inside, log_det, torch.zeros_like(log_det))


class SplineCoupling(nn.Module):
    def __init__(self, dims: int, masked: int):
        super().__init__()
        self.masked = masked
        self.per_dim = 3 * C.NUM_BINS - 1
        self.net = dense_net(masked, self.per_dim * (dims - masked))

    def _run(self, x: torch.Tensor, inverse: bool):
        x1, x2 = x[:, : self.masked], x[:, self.masked :]
        raw = self.net(x1).view(x.shape[0], x2.shape[1], self.per_dim)
        y2, log_det = rq_spline(x2, raw, inverse)
        return torch.cat([x1, y2], 1), log_det.sum(1)

    def forward(self, x: torch.Tensor, training: bool):
        return self._run(x, False)

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        return self._run(z, True)[0]


class Flow(nn.Module):
    def __init__(self, coupling: str, seed: int = 1):
        super().__init__()
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        layers: list[nn.Module] = []
        for step in range(C.FLOW_STEPS):
            layers.append(BatchNormFlow(C.DIMS))
            if step > 0:
                layers.append(PermuteFlow(rng.permutation(C.DIMS)))
            layers.append(AffineCoupling(C.DIMS, 1) if coupling == "affine" else SplineCoupling(C.DIMS, 1))
        self.layers = nn.ModuleList(layers)

    def log_prob(self, x: torch.Tensor, training: bool) -> torch.Tensor:
        total = torch.zeros(x.shape[0])
        for layer in self.layers:
            x, ld = layer(x, training)
            if ld is not None:
                total = total + ld
        base = -0.5 * (x * x).sum(1) - 0.5 * C.DIMS * math.log(2 * math.pi)
        return base + total

    def sample(self, n: int) -> torch.Tensor:
        z = torch.randn(n, C.DIMS)
        for layer in reversed(self.layers):
            z = layer.inverse(z)
        return z


def run_workload(coupling: str, args) -> dict:
    flow = Flow(coupling)
    params = [p for p in flow.parameters() if p.requires_grad]
    n_params = sum(p.numel() for p in params)
    C.log(f"[torch] workload {coupling}: {len(params)} parameter tensors, {n_params} parameters")
    gen = torch.Generator().manual_seed(1)
    batch = torch.randn(C.BATCH, C.DIMS, generator=gen)
    eval_x = torch.randn(C.EVAL_BATCH, C.DIMS, generator=gen)
    opt = torch.optim.Adam(params, lr=C.LEARNING_RATE)

    def loss_fn(model=flow):
        return -model.log_prob(batch, True).mean()

    loss_impl = loss_fn
    if args.compile:
        compiled = torch.compile(flow.log_prob)
        loss_impl = lambda: -compiled(batch, True).mean()  # noqa: E731

    def train_step():
        nonlocal opt
        opt.zero_grad(set_to_none=True)
        loss = loss_impl()
        loss.backward()
        opt.step()
        return loss.item()

    def grad_step():
        opt.zero_grad(set_to_none=True)
        loss = loss_impl()
        loss.backward()
        return loss.item()

    def log_prob():
        with torch.inference_mode():
            return flow.log_prob(eval_x, False).sum().item()

    def sample():
        with torch.inference_mode():
            return flow.sample(C.EVAL_BATCH).sum().item()

    clock = C.Phases("torch " + coupling)
    stats: dict[str, list[float]] = {}
    extra: dict = {}
    first_loss = train_step()
    clock.done("first train_step" + (" (compiles)" if args.compile else ""))
    stats["train_step"] = C.time_calls(train_step, args.warmup, args.steps)
    extra["peak_rss_mb_train_only"] = C.peak_rss_mb()
    clock.done("train_step")
    stats["grad_step"] = C.time_calls(grad_step, args.warmup, args.steps)
    clock.done("grad_step")
    # The same step with Adam's multi-tensor (foreach) implementation, which
    # torch enables by default only on GPUs: on CPU the default loops over tensors.
    default_opt = opt
    opt = torch.optim.Adam(params, lr=C.LEARNING_RATE, foreach=True)
    stats["train_step_foreach_adam"] = C.time_calls(train_step, args.warmup, args.steps)
    opt = default_opt
    clock.done("train_step, foreach Adam")
    stats["log_prob_1000"] = C.time_calls(log_prob, args.warmup, args.steps)
    clock.done("log_prob")
    stats["sample_1000"] = C.time_calls(sample, args.warmup, args.steps)
    clock.done("sample")
    with torch.no_grad():
        last_loss = loss_fn().item()
        samples = flow.sample(C.EVAL_BATCH)
        # Round trip data -> latent -> data in inference mode, as a correctness check.
        z = eval_x[:200].clone()
        for layer in flow.layers:
            z, _ = layer(z, False)
        back = z
        for layer in reversed(flow.layers):
            back = layer.inverse(back)
        roundtrip = (back - eval_x[:200]).abs().max().item()
    extra.update(
        {
            "parameters": n_params,
            "loss_first": round(first_loss, 4),
            "loss_last": round(last_loss, 4),
            "samples_finite": bool(torch.isfinite(samples).all()),
            "inverse_roundtrip_max_abs_err": roundtrip,
            "architecture": C.architecture(coupling),
        }
    )
    return C.workload_report(stats, extra, label=f"[torch] {coupling}")


def count_flops(step) -> dict:
    """FLOPs torch itself counts (torch.utils.flop_counter: convolutions and matrix products,
    forward and backward) in one call of `step`, by operator."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        step()
    by_op = {str(k): int(v) for k, v in counter.get_flop_counts().get("Global", {}).items()}
    return {"total": int(counter.get_total_flops()), "by_op": by_op}


def run_model_workload(key: str, args) -> dict:
    """Workload c (Glow) or d (cINN): the model of torch_glow.py / torch_cinn.py, timed as a and b."""
    import torch_cinn
    import torch_glow

    spec = {"c": torch_glow, "d": torch_cinn}[key].build()
    model, batch, eval_x = spec["model"], spec["batch"], spec["eval"]
    params = [p for p in model.parameters() if p.requires_grad]
    n_params = sum(p.numel() for p in params)
    C.log(
        f"[torch] workload {key}: {n_params} parameters (flow_models: {spec['parameters_expected']}), "
        f"{spec['flops_expected'] / 1e9:.3f} GFLOP per step as bench/workloads.ts counts them"
    )
    opt = torch.optim.Adam(params, lr=spec["lr"])

    def loss_fn():
        return -model.log_prob(batch, True).mean()

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn()
        loss.backward()
        opt.step()
        return loss.item()

    def grad_step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn()
        loss.backward()
        return loss.item()

    def log_prob():
        with torch.inference_mode():
            return model.log_prob(eval_x, False).sum().item()

    def sample():
        with torch.inference_mode():
            return spec["sample_1000"]().sum().item()

    clock = C.Phases(f"torch {key}")
    first_loss = train_step()  # also the ActNorms' data-dependent initialisation
    clock.done("first train_step")
    flops = count_flops(grad_step)
    C.log(
        f"[torch] {key}: torch counts {flops['total'] / 1e9:.3f} GFLOP in loss + gradients "
        f"(bench/workloads.ts: {spec['flops_expected'] / 1e9:.3f}); {flops['by_op']}"
    )
    stats = C.time_quantities(
        f"torch {key}",
        [
            ("train_step", train_step, args.steps),
            ("grad_step", grad_step, args.steps),
            ("log_prob_1000", log_prob, args.steps),
            ("sample_1000", sample, args.steps),
        ],
        args.warmup,
    )
    with torch.no_grad():
        last_loss = loss_fn().item()
        samples = spec["sample_1000"]()
    extra = {
        "parameters": n_params,
        "parameters_flow_models": spec["parameters_expected"],
        "flops_per_step": spec["flops_expected"],
        "flops_counted_by_torch": flops,
        "loss_first": round(first_loss, 4),
        "loss_last": round(last_loss, 4),
        "samples_finite": bool(torch.isfinite(samples).all()),
        "architecture": spec["architecture"],
    }
    return C.workload_report(stats, extra, batch=C.BATCH_SIZES[key], label=f"[torch] {key}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=30, help="timed repeats per quantity (>= 30 for the report)")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--workloads", default="a,b,c,d")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--compile", action="store_true", help="torch.compile the training log-prob (inductor)")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    wanted = args.workloads.split(",")
    if not args.child and len(wanted) > 1:
        argv = list(sys.argv[1:])
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

    torch.set_num_threads(args.threads)
    names = {"a": "affine", "b": "spline"}
    workloads = {w: run_workload(names[w], args) if w in names else run_model_workload(w, args) for w in wanted}
    cfg = torch.__config__.show()
    blas = [
        part.strip()
        for part in cfg.replace("\n", ",").split(",")
        if part.strip().startswith(("BLAS_INFO", "LAPACK_INFO", "USE_OPENMP", "CUDA_VERSION"))
    ]
    blas += [line.strip() for line in cfg.splitlines() if "CPU capability" in line or "Intel(R)" in line]
    C.emit(
        {
            "peer": "torch",
            "label": C.peer_label("torch", args.threads),
            "versions": {"torch": torch.__version__, "numpy": np.__version__},
            "threads": torch.get_num_threads(),
            "machine": C.machine(),
            "config": {
                "steps": args.steps,
                "warmup": args.warmup,
                "interop_threads": torch.get_num_interop_threads(),
                "compile": args.compile,
                "mkl": torch.backends.mkl.is_available(),
                "mkldnn": torch.backends.mkldnn.is_available(),
                "blas": blas,
                "implementation": "plain torch, written in bench/peers/torch_flow.py (no normflows/zuko)",
            },
            "workloads": workloads,
        }
    )


if __name__ == "__main__":
    main()
