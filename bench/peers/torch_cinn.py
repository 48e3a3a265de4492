"""PyTorch peer of workload d: application 5's conditional INN (lib/inn/cinn.ts) in plain torch:

  context c = conditioner(y), dense [2 -> 64 -> 64 -> 16], relu;
  per block, x -> z: ActNorm (data-dependent init) -> random permutation -> affine coupling
  (x1 = first 2 dims, [t, raw] = dense [2 + 16 -> 128 -> 128 -> 4](x1, c), x2 * exp(s) + t,
  s = 2 tanh(raw/2)) -> swap halves -> the same coupling; 6 blocks; standard normal on z.
  Glorot-uniform kernels, zero biases (no zero-initialised output layer, as flow_models).

Imported by torch_flow.py (`--workloads d`).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

import _common as C
from torch_flow import dense


class ActNorm(nn.Module):
    def __init__(self, dims: int):
        super().__init__()
        self.log_scale = nn.Parameter(torch.zeros(dims))
        self.bias = nn.Parameter(torch.zeros(dims))
        self.initialized = False

    def forward(self, x, ctx, training):
        if training and not self.initialized:
            with torch.no_grad():
                self.log_scale.copy_(-torch.log(x.var(0, unbiased=False).sqrt() + 1e-6))
                self.bias.copy_(-x.mean(0) * self.log_scale.exp())
            self.initialized = True
        return x * self.log_scale.exp() + self.bias, self.log_scale.sum().expand(x.shape[0])

    def inverse(self, y, ctx):
        return (y - self.bias) * (-self.log_scale).exp()


class Permute(nn.Module):
    def __init__(self, perm):
        super().__init__()
        self.register_buffer("perm", torch.as_tensor(perm, dtype=torch.long))
        self.register_buffer("inv", torch.as_tensor(np.argsort(perm), dtype=torch.long))

    def forward(self, x, ctx, training):
        return x[:, self.perm], None

    def inverse(self, y, ctx):
        return y[:, self.inv]


class Coupling(nn.Module):
    def __init__(self, masked: int):
        super().__init__()
        self.masked = masked
        self.rest = C.CINN_DIM_X - masked
        widths, _ = C.cinn_widths()
        self.net = dense([masked + C.CINN_CONTEXT, *widths[1:-1], 2 * self.rest])

    def _params(self, x1, ctx):
        shift, raw = self.net(torch.cat([x1, ctx], 1)).split([self.rest, self.rest], 1)
        clip = C.CINN_LOG_SCALE_CLIP
        return shift, clip * torch.tanh(raw / clip)

    def forward(self, x, ctx, training):
        x1, x2 = x.split([self.masked, self.rest], 1)
        shift, s = self._params(x1, ctx)
        return torch.cat([x1, x2 * s.exp() + shift], 1), s.sum(1)

    def inverse(self, y, ctx):
        y1, y2 = y.split([self.masked, self.rest], 1)
        shift, s = self._params(y1, ctx)
        return torch.cat([y1, (y2 - shift) * (-s).exp()], 1)


class Cinn(nn.Module):
    def __init__(self, seed: int = 38):
        super().__init__()
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        d = C.CINN_DIM_X
        half = d // 2
        swap = [(i + half) % d for i in range(d)]
        layers: list[nn.Module] = []
        for _ in range(C.CINN_BLOCKS):
            layers += [ActNorm(d), Permute(rng.permutation(d)), Coupling(half), Permute(swap), Coupling(d - half)]
        self.layers = nn.ModuleList(layers)
        _, cond = C.cinn_widths()
        self.conditioner = dense(cond)

    def log_prob(self, rows: torch.Tensor, training: bool) -> torch.Tensor:
        """rows [n, 6] = [x, y] -> log p(x | y), [n]."""
        x, y = rows.split([C.CINN_DIM_X, C.CINN_DIM_Y], 1)
        ctx = self.conditioner(y)
        total = torch.zeros(x.shape[0])
        for layer in self.layers:
            x, ld = layer(x, ctx, training)
            if ld is not None:
                total = total + ld
        return -0.5 * (x * x).sum(1) - 0.5 * C.CINN_DIM_X * math.log(2 * math.pi) + total

    def sample(self, rows: torch.Tensor) -> torch.Tensor:
        """One draw of x | y for each row's y (the rows' x are ignored)."""
        y = rows[:, C.CINN_DIM_X :]
        ctx = self.conditioner(y)
        x = torch.randn(rows.shape[0], C.CINN_DIM_X)
        for layer in reversed(self.layers):
            x = layer.inverse(x, ctx)
        return x


def build() -> dict:
    """The model, its training batch, 1000 evaluation rows, the learning rate and a sampler."""
    model = Cinn()
    eval_rows = torch.from_numpy(C.robot_arm_rows(C.EVAL_BATCH, 2))
    return {
        "model": model,
        "batch": torch.from_numpy(C.robot_arm_rows(C.CINN_BATCH, 1)),
        "eval": eval_rows,
        "lr": C.CINN_LEARNING_RATE,
        "sample_1000": lambda: model.sample(eval_rows),
        "parameters_expected": C.cinn_parameters(),
        "flops_expected": C.cinn_train_flops(),
        "architecture": C.cinn_architecture(),
    }
