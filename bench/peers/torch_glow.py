"""PyTorch peer of workload c: application 2's Glow (lib/flows/glow_flow.ts) in plain torch,
layer for layer as flow_models builds it, in torch's channels-first layout:

  dequantised pixels in [0, 256) -> logit pre-processing p = x(1 - 2a)/256 + a, logit(p)
  -> per level: squeeze 2x2 (space to depth, flow_models' channel order)
     -> 4 x (ActNorm (data-dependent init on the first training batch)
             -> invertible 1x1 convolution, W = P L (U + diag(sign * exp(log_scale)))
             -> affine coupling on channels half|rest: (x2 + t) * exp(s), s = 5 tanh(raw/5),
                [t, raw] = conv3x3(64) relu conv1x1(64) relu conv3x3 (zero init) of x1)
     -> on all but the last level: split prior, the same coupling with one zero-initialised
        conv3x3 of the kept half, then the second half leaves the flow
  -> standard normal on the 784 latent values.

Imported by torch_flow.py (`--workloads c`).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import _common as C


def squeeze(x: torch.Tensor) -> torch.Tensor:
    """[n, c, h, w] -> [n, 4c, h/2, w/2], channel dy*2c + dx*c + k (flow_models' squeeze2x2)."""
    n, c, h, w = x.shape
    x = x.view(n, c, h // 2, 2, w // 2, 2).permute(0, 3, 5, 1, 2, 4)
    return x.reshape(n, 4 * c, h // 2, w // 2)


def unsqueeze(y: torch.Tensor) -> torch.Tensor:
    n, c4, h, w = y.shape
    c = c4 // 4
    y = y.view(n, 2, 2, c, h, w).permute(0, 3, 4, 1, 5, 2)
    return y.reshape(n, c, 2 * h, 2 * w)


class ActNorm(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.log_scale = nn.Parameter(torch.zeros(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.initialized = False

    def forward(self, x: torch.Tensor, training: bool):
        if training and not self.initialized:
            with torch.no_grad():
                mean = x.mean((0, 2, 3))
                var = x.var((0, 2, 3), unbiased=False)
                self.log_scale.copy_(-torch.log(var.sqrt() + 1e-6))
                self.bias.copy_(-mean * self.log_scale.exp())
            self.initialized = True
        y = x * self.log_scale.exp()[:, None, None] + self.bias[:, None, None]
        return y, self.log_scale.sum() * (x.shape[2] * x.shape[3])

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        return (y - self.bias[:, None, None]) * (-self.log_scale).exp()[:, None, None]


class InvConv1x1(nn.Module):
    """LU-parametrised 1x1 convolution, stored as flow_models stores it: full `lower` and `upper`
    matrices (only their strict triangles are used) and `log_scale`, with fixed P and signs."""

    def __init__(self, c: int, gen: torch.Generator):
        super().__init__()
        q, _ = torch.linalg.qr(torch.randn(c, c, generator=gen))
        p, lower, upper = torch.linalg.lu(q)
        self.register_buffer("p", p)
        self.register_buffer("sign", torch.sign(torch.diagonal(upper)))
        self.register_buffer("lmask", torch.tril(torch.ones(c, c), -1))
        self.register_buffer("eye", torch.eye(c))
        self.lower = nn.Parameter(lower.clone())
        self.upper = nn.Parameter(upper.clone())
        self.log_scale = nn.Parameter(torch.log(torch.abs(torch.diagonal(upper))))

    def weight(self) -> torch.Tensor:
        lower = self.lower * self.lmask + self.eye
        upper = self.upper * self.lmask.T + torch.diag(self.sign * self.log_scale.exp())
        return self.p @ lower @ upper

    def forward(self, x: torch.Tensor, training: bool):
        w = self.weight()
        return F.conv2d(x, w[:, :, None, None]), self.log_scale.sum() * (x.shape[2] * x.shape[3])

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        return F.conv2d(y, torch.linalg.inv(self.weight())[:, :, None, None])


def conv(cin: int, cout: int, k: int, zero: bool) -> nn.Conv2d:
    layer = nn.Conv2d(cin, cout, k, padding=k // 2)
    if zero:
        nn.init.zeros_(layer.weight)
    else:
        nn.init.normal_(layer.weight, 0.0, math.sqrt(2.0 / (k * k * cin)))  # as ConvNetwork
    nn.init.zeros_(layer.bias)
    return layer


class Coupling(nn.Module):
    """Glow affine coupling on channels; `hidden=0` gives the split prior's single conv3x3."""

    def __init__(self, c: int, hidden: int):
        super().__init__()
        self.half, self.rest = c // 2, c - c // 2
        if hidden:
            self.net = nn.Sequential(
                conv(self.half, hidden, 3, False),
                nn.ReLU(),
                conv(hidden, hidden, 1, False),
                nn.ReLU(),
                conv(hidden, 2 * self.rest, 3, True),
            )
        else:
            self.net = conv(self.half, 2 * self.rest, 3, True)

    def _params(self, x1):
        shift, raw = self.net(x1).split([self.rest, self.rest], 1)
        clip = C.GLOW_LOG_SCALE_CLIP
        return shift, clip * torch.tanh(raw / clip)

    def forward(self, x: torch.Tensor, training: bool):
        x1, x2 = x.split([self.half, self.rest], 1)
        shift, s = self._params(x1)
        return torch.cat([x1, (x2 + shift) * s.exp()], 1), s.sum((1, 2, 3))

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        y1, y2 = y.split([self.half, self.rest], 1)
        shift, s = self._params(y1)
        return torch.cat([y1, y2 * (-s).exp() - shift], 1)


class Glow(nn.Module):
    def __init__(self, seed: int = 1):
        super().__init__()
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(seed)
        self.levels = nn.ModuleList()
        self.priors = nn.ModuleList()
        self.shapes = C.glow_level_shapes()
        for _, _, c, factored in self.shapes:
            steps: list[nn.Module] = []
            for _ in range(C.GLOW_STEPS):
                steps += [ActNorm(c), InvConv1x1(c, gen), Coupling(c, C.GLOW_HIDDEN)]
            self.levels.append(nn.ModuleList(steps))
            if factored:
                self.priors.append(Coupling(c, 0))
        self.dims = int(np.prod(C.GLOW_IMAGE))
        a, levels = C.GLOW_ALPHA, C.GLOW_PIXEL_LEVELS
        self.logit_scale = (1 - 2 * a) / levels

    def log_prob(self, x: torch.Tensor, training: bool) -> torch.Tensor:
        """x: dequantised pixels [n, 28, 28, 1] (channels-last, as the data) -> log p, [n]."""
        n = x.shape[0]
        a = C.GLOW_ALPHA
        p = x.permute(0, 3, 1, 2) * self.logit_scale + a
        h = torch.log(p) - torch.log1p(-p)
        log_det = (F.softplus(h) + F.softplus(-h)).sum((1, 2, 3)) + self.dims * math.log(self.logit_scale)
        zs = []
        for i, steps in enumerate(self.levels):
            h = squeeze(h)
            for layer in steps:
                h, ld = layer(h, training)
                log_det = log_det + ld
            factored = self.shapes[i][3]
            if factored:
                h, ld = self.priors[i](h, training)
                log_det = log_det + ld
                kept = h.shape[1] - factored
                zs.append(h[:, kept:].reshape(n, -1))
                h = h[:, :kept]
        zs.append(h.reshape(n, -1))
        z = torch.cat(zs, 1)
        return -0.5 * (z * z).sum(1) - 0.5 * self.dims * math.log(2 * math.pi) + log_det

    def sample(self, n: int) -> torch.Tensor:
        z = torch.randn(n, self.dims)
        sizes = [hh * ww * (cc if i == len(self.shapes) - 1 else f) for i, (hh, ww, cc, f) in enumerate(self.shapes)]
        parts = z.split(sizes, 1)
        last = len(self.shapes) - 1
        hh, ww, cc, _ = self.shapes[last]
        h = parts[last].reshape(n, cc, hh, ww)
        for i in range(last, -1, -1):
            hh, ww, cc, f = self.shapes[i]
            if f:
                h = torch.cat([h, parts[i].reshape(n, f, hh, ww)], 1)
                h = self.priors[i].inverse(h)
            for layer in reversed(self.levels[i]):
                h = layer.inverse(h)
            h = unsqueeze(h)
        x = (torch.sigmoid(h) - C.GLOW_ALPHA) / self.logit_scale
        return x.permute(0, 2, 3, 1)


def build() -> dict:
    """The model, its training batch, 1000 evaluation images, the learning rate and a sampler."""
    model = Glow()
    return {
        "model": model,
        "batch": torch.from_numpy(C.glow_data(C.GLOW_BATCH, 1)),
        "eval": torch.from_numpy(C.glow_data(C.EVAL_BATCH, 2)),
        "lr": C.GLOW_LEARNING_RATE,
        "sample_1000": lambda: model.sample(C.EVAL_BATCH),
        "parameters_expected": C.glow_parameters("ours"),
        "flops_expected": C.glow_train_flops(),
        "architecture": C.glow_architecture(),
    }
