"""Shared helpers of the peer benchmarks: timing, statistics, peak RSS, the JSON report.

Every peer script prints one JSON object to stdout:

    {"peer": "tfp" | "torch" | "numpy", "label": "tfp" | "tfp, 1 thread" | ...,
     "versions": {...}, "threads": n, "machine": {...}, "config": {...},
     "workloads": {"a": {...}, "b": {...}, "c": {...}, "d": {...}}}

Each training workload ("a": affine coupling, "b": rational-quadratic spline
coupling, batch 128; "c": application 2's Glow, batch 64; "d": application 5's
cINN, batch 256) carries, with every time a median over the timed repeats:

    train_step_ms        loss + gradients + Adam update, one batch (the primary number)
    samples_per_s        batch / train_step_ms
    grad_step_ms         loss + gradients only (what bench/train_step_bench.ts times)
    log_prob_1000_ms     log-prob of a batch of 1000 points, inference mode
    sample_1000_ms       1000 samples: base draw + inverse (latent -> data)
    peak_rss_mb          getrusage maxrss of the process when the workload ended (each
                         workload runs in its own process); peak_rss_mb_train_only is the
                         same right after the train-step timing, before the other quantities
    <name>_ms            medians of any extra quantity (eager_train_step_ms, ...)
    load_avg_1min        the 1-minute load average (`uptime`) when the workload ended
    max_other_load_cores the most CPU cores other processes kept busy, on average, while
                         one quantity was timed (the machine is shared; ~0 = clean numbers)
    stats                {name: {"median", "p10", "p90", "min", "n", "other_load_cores"}}

Logs go to stderr.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import sys
import time
from typing import Callable

BATCH = 128
DIMS = 2
FLOW_STEPS = 12
HIDDEN = (512, 512)
LOG_SCALE_CLIP = 5.0
NUM_BINS = 8
TAIL_BOUND = 3.0
MIN_BIN_WIDTH = 1e-3
MIN_BIN_HEIGHT = 1e-3
MIN_DERIVATIVE = 1e-3
BN_MOMENTUM = 0.99
BN_EPSILON = 1e-3
LEARNING_RATE = 1e-3
EVAL_BATCH = 1000

# Workload c: application 2's default Glow (params/app2.json; lib/flows/glow_flow.ts).
GLOW_IMAGE = (28, 28, 1)
GLOW_LEVELS = 2
GLOW_STEPS = 4
GLOW_HIDDEN = 64
GLOW_BATCH = 64
GLOW_ALPHA = 1e-6  # logit margin
GLOW_PIXEL_LEVELS = 256
GLOW_LOG_SCALE_CLIP = 5.0  # "clamp" log-scale c*tanh(raw/c), couplings and split priors
GLOW_LEARNING_RATE = 1e-3

# Workload d: application 5's cINN (params/app5.json; lib/inn/cinn.ts), robot arm.
CINN_DIM_X = 4
CINN_DIM_Y = 2
CINN_BLOCKS = 6
CINN_HIDDEN = (128, 128)
CINN_COND_HIDDEN = (64, 64)
CINN_CONTEXT = 16
CINN_LOG_SCALE_CLIP = 2.0
CINN_BATCH = 256
CINN_LEARNING_RATE = 2e-3
ARM_LENGTHS = (0.5, 0.5, 1.0)
ARM_PRIOR_STD = (0.25, 0.5, 0.5, 0.5)

BATCH_SIZES = {"a": BATCH, "b": BATCH, "c": GLOW_BATCH, "d": CINN_BATCH}


def log(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


def summarize(samples_s: list[float]) -> dict:
    """Milliseconds: median, 10th/90th percentile, min, count."""
    ms = sorted(s * 1e3 for s in samples_s)
    n = len(ms)

    def pct(p: float) -> float:
        return ms[min(n - 1, max(0, round(p * (n - 1))))]

    out = {
        "median": round(statistics.median(ms), 3),
        "p10": round(pct(0.1), 3),
        "p90": round(pct(0.9), 3),
        "min": round(ms[0], 3),
        "n": n,
    }
    load = getattr(samples_s, "other_load_cores", None)
    if load is not None:
        out["other_load_cores"] = load
    attempts = getattr(samples_s, "attempts", None)
    if attempts is not None:
        out["attempts"] = attempts
    return out


class Timings(list):
    """Per-call seconds, plus `other_load_cores`: the mean number of CPU cores kept busy
    by *other* processes while they were taken (from /proc/stat minus this process's
    CPU time). The machine is shared; a value well above 0 means the numbers are
    inflated by contention."""

    other_load_cores: float | None = None


def _busy_seconds() -> float | None:
    try:
        with open("/proc/stat") as f:
            vals = [int(v) for v in f.readline().split()[1:9]]
    except OSError:
        return None
    busy = sum(vals) - vals[3] - vals[4]  # minus idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


_quiet_budget_s = float(os.environ.get("PEERS_QUIET_WAIT_S", "120"))


def wait_quiet(threshold_cores: float = 0.3, max_wait_s: float | None = None) -> float:
    """Waits (at most `max_wait_s`, and at most PEERS_QUIET_WAIT_S over the whole
    process) until other processes keep fewer than `threshold_cores` cores busy over
    a 0.5 s window. Returns the last load seen."""
    global _quiet_budget_s
    if max_wait_s is None:
        max_wait_s = float(os.environ.get("PEERS_QUIET_WAIT_BLOCK_S", "30"))
    t_start = time.perf_counter()
    while True:
        b0, o0, w0 = _busy_seconds(), sum(os.times()[:2]), time.perf_counter()
        time.sleep(0.5)
        b1, o1, w1 = _busy_seconds(), sum(os.times()[:2]), time.perf_counter()
        if b0 is None or b1 is None:
            return 0.0
        load = max(0.0, (b1 - b0) - (o1 - o0)) / (w1 - w0)
        waited = time.perf_counter() - t_start
        if load < threshold_cores or waited >= min(max_wait_s, _quiet_budget_s):
            _quiet_budget_s -= waited
            if waited > 1:
                log(f"[quiet] waited {waited:.0f} s for other load to drop (now {load:.2f} cores)")
            return load


MAX_OTHER_LOAD = float(os.environ.get("PEERS_MAX_OTHER_LOAD", "0.25"))
MAX_ATTEMPTS = int(os.environ.get("PEERS_MAX_ATTEMPTS", "4"))


def _timed_block(fn: Callable[[], object], repeats: int) -> Timings:
    out = Timings()
    busy0, own0, wall0 = _busy_seconds(), sum(os.times()[:2]), time.perf_counter()
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    busy1, own1, wall1 = _busy_seconds(), sum(os.times()[:2]), time.perf_counter()
    if busy0 is not None and busy1 is not None and wall1 > wall0:
        out.other_load_cores = round(max(0.0, (busy1 - busy0) - (own1 - own0)) / (wall1 - wall0), 2)
    return out


def time_calls(fn: Callable[[], object], warmup: int, repeats: int) -> Timings:
    """Runs `fn` `warmup` times untimed, then `repeats` times timed; `fn` must block until done.

    The machine is shared with other sessions, and a 2-thread BLAS/OpenMP kernel
    slows down many times over when another process takes one of the 2 cores. So:
    wait for a quiet machine (wait_quiet), and when other processes kept more than
    PEERS_MAX_OTHER_LOAD cores busy during the timed block, time it again (up to
    PEERS_MAX_ATTEMPTS blocks); the block with the least outside load is kept.
    """
    wait_quiet()
    for _ in range(warmup):
        fn()
    best: Timings | None = None
    attempts = 0
    while attempts < MAX_ATTEMPTS:
        attempts += 1
        cur = _timed_block(fn, repeats)
        if best is None or (cur.other_load_cores or 0) < (best.other_load_cores or 0):
            best = cur
        if (best.other_load_cores or 0) <= MAX_OTHER_LOAD:
            break
        log(f"[contention] other processes used {cur.other_load_cores} cores; timing again")
        wait_quiet()
    assert best is not None
    best.attempts = attempts  # type: ignore[attr-defined]
    return best


class Phases:
    """Logs the wall time of successive phases to stderr."""

    def __init__(self, label: str):
        self.label = label
        self.t = time.perf_counter()

    def done(self, what: str) -> None:
        now = time.perf_counter()
        log(f"[{self.label}] {what}: {now - self.t:.1f} s, maxrss {peak_rss_mb()} MB")
        self.t = now


def peak_rss_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def machine() -> dict:
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": model,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def architecture(coupling: str) -> dict:
    base = {
        "dims": DIMS,
        "flow_steps": FLOW_STEPS,
        "hidden": list(HIDDEN),
        "activation": "relu",
        "init": "glorot_uniform, zero bias",
        "batch": BATCH,
        "step": "BatchNorm(batch stats, momentum 0.99, eps 1e-3) -> Permute(random, not in step 0) -> coupling 1|1",
        "optimizer": f"Adam(lr={LEARNING_RATE})",
        "loss": "mean NLL",
    }
    if coupling == "affine":
        base["coupling"] = f"affine, net out 2, log-scale {LOG_SCALE_CLIP}*tanh(s/{LOG_SCALE_CLIP})"
    else:
        base["coupling"] = (
            f"rational-quadratic spline, K={NUM_BINS}, B={TAIL_BOUND}, linear tails, net out {3 * NUM_BINS - 1}, "
            f"min width/height/derivative {MIN_BIN_WIDTH}/{MIN_BIN_HEIGHT}/{MIN_DERIVATIVE}"
        )
    return base


def glow_level_shapes() -> list[tuple[int, int, int, int]]:
    """(h, w, c, factored channels) per level after its squeeze, as lib/bijectors/multiscale.ts."""
    h, w, c = GLOW_IMAGE
    out = []
    for i in range(GLOW_LEVELS):
        c *= 4
        h, w = h // 2, w // 2
        last = i == GLOW_LEVELS - 1
        out.append((h, w, c, 0 if last else c - c // 2))
        if not last:
            c //= 2
    return out


def glow_train_flops() -> int:
    """FLOPs of one training step of workload c as bench/workloads.ts counts them:
    3 x batch x glowForwardFlops (lib/flows/glow_flow.ts): convolutions of the coupling
    networks and split priors and the 1x1 convolutions, 2 per multiply-add."""
    hid = GLOW_HIDDEN
    macs = 0
    for h, w, c, factored in glow_level_shapes():
        half, rest = c // 2, c - c // 2
        coupling = 9 * half * hid + hid * hid + 9 * hid * 2 * rest
        macs += GLOW_STEPS * h * w * (coupling + c * c)
        if factored:
            macs += h * w * 9 * half * 2 * rest
    return 3 * GLOW_BATCH * 2 * macs


def glow_parameters(lu: str) -> int:
    """Trainable parameters of workload c. `lu="ours"`: the 1x1 convolution as flow_models
    stores it (full c x c `lower` and `upper` variables, of which only the strict triangles
    are used, plus c log-scales: 2c^2 + c); `lu="packed"`: c^2 (TFP's lower_upper)."""
    hid = GLOW_HIDDEN
    total = 0
    for _, _, c, factored in glow_level_shapes():
        half, rest = c // 2, c - c // 2
        net = (9 * half * hid + hid) + (hid * hid + hid) + (9 * hid * 2 * rest + 2 * rest)
        conv = 2 * c * c + c if lu == "ours" else c * c
        total += GLOW_STEPS * (net + 2 * c + conv)
        if factored:
            total += 9 * half * 2 * rest + 2 * rest
    return total


def cinn_widths() -> tuple[list[int], list[int]]:
    """Layer widths of one coupling network and of the conditioner (workload d)."""
    half = CINN_DIM_X // 2
    coupling = [half + CINN_CONTEXT, *CINN_HIDDEN, 2 * (CINN_DIM_X - half)]
    conditioner = [CINN_DIM_Y, *CINN_COND_HIDDEN, CINN_CONTEXT]
    return coupling, conditioner


def cinn_train_flops() -> int:
    """Matrix-product FLOPs of one cINN training step (3 x forward), as bench/workloads.ts."""
    coupling, conditioner = cinn_widths()

    def fwd(widths):
        return sum(2 * CINN_BATCH * a * b for a, b in zip(widths[:-1], widths[1:]))

    return 3 * (2 * CINN_BLOCKS * fwd(coupling) + fwd(conditioner))


def cinn_parameters() -> int:
    coupling, conditioner = cinn_widths()

    def dense(widths):
        return sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))

    return 2 * CINN_BLOCKS * dense(coupling) + dense(conditioner) + CINN_BLOCKS * 2 * CINN_DIM_X


def glow_data(n: int, seed: int):
    """Dequantised pixels [n, 28, 28, 1]: integers 0..255 (uniform) + U(0, 1), float32."""
    import numpy as np

    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, GLOW_PIXEL_LEVELS, (n, *GLOW_IMAGE)).astype(np.float32)
    return pixels + rng.uniform(0, 1, pixels.shape).astype(np.float32)


def robot_arm_rows(n: int, seed: int):
    """Rows [x (4), y (2)] of robot-arm pairs, x from the prior, y the end point, each column
    standardised with the mean and std of 20 000 pairs (as the app's training set), float32."""
    import numpy as np

    rng = np.random.default_rng(seed)

    def simulate(m):
        x = rng.normal(size=(m, 4)) * np.asarray(ARM_PRIOR_STD)
        l1, l2, l3 = ARM_LENGTHS
        a1 = x[:, 1]
        a2 = a1 + x[:, 2]
        a3 = a2 + x[:, 3]
        y1 = l1 * np.cos(a1) + l2 * np.cos(a2) + l3 * np.cos(a3)
        y2 = x[:, 0] + l1 * np.sin(a1) + l2 * np.sin(a2) + l3 * np.sin(a3)
        return np.concatenate([x, np.stack([y1, y2], 1)], 1)

    pool = simulate(20_000)
    mean, std = pool.mean(0), pool.std(0)
    return ((simulate(n) - mean) / std).astype(np.float32)


def glow_architecture() -> dict:
    return {
        "image": list(GLOW_IMAGE),
        "levels": GLOW_LEVELS,
        "steps_per_level": GLOW_STEPS,
        "hidden": GLOW_HIDDEN,
        "batch": GLOW_BATCH,
        "preprocessing": f"logit, alpha {GLOW_ALPHA}, {GLOW_PIXEL_LEVELS} levels",
        "step": "ActNorm (data-dependent init) -> 1x1 conv (LU) -> affine coupling (x2 + t) * exp(s)",
        "coupling_net": f"conv3x3 {GLOW_HIDDEN} relu -> conv1x1 {GLOW_HIDDEN} relu -> conv3x3 (zero init)",
        "log_scale": f"{GLOW_LOG_SCALE_CLIP}*tanh(raw/{GLOW_LOG_SCALE_CLIP})",
        "split_prior": "coupling of the factored half on the kept half, one conv3x3 (zero init)",
        "optimizer": f"Adam(lr={GLOW_LEARNING_RATE})",
        "loss": "mean NLL (nats per image)",
        "flops_per_step": glow_train_flops(),
    }


def cinn_architecture() -> dict:
    coupling, conditioner = cinn_widths()
    return {
        "dim_x": CINN_DIM_X,
        "dim_y": CINN_DIM_Y,
        "blocks": CINN_BLOCKS,
        "block": "ActNorm -> random permutation -> affine coupling (2|2) -> swap -> affine coupling",
        "coupling_net": coupling,
        "conditioner": conditioner,
        "log_scale": f"{CINN_LOG_SCALE_CLIP}*tanh(raw/{CINN_LOG_SCALE_CLIP})",
        "init": "glorot_uniform, zero bias",
        "batch": CINN_BATCH,
        "optimizer": f"Adam(lr={CINN_LEARNING_RATE})",
        "loss": "mean NLL of x given y",
        "flops_per_step": cinn_train_flops(),
    }


def time_quantities(label: str, quantities: list[tuple[str, Callable[[], object], int]], warmup: int) -> dict:
    """Times each (name, fn, repeats) with time_calls, logging each phase; returns raw timings."""
    clock = Phases(label)
    stats: dict[str, list[float]] = {}
    for name, fn, repeats in quantities:
        stats[name] = time_calls(fn, warmup, repeats)
        clock.done(name)
    return stats


def workload_report(
    stats: dict[str, list[float]], extra: dict | None = None, batch: int = BATCH, label: str | None = None
) -> dict:
    """Builds one workload's entry from raw timings (seconds) keyed by quantity; with a label
    (e.g. "[tfp] c"), logs its four headline times on one line."""
    summaries = {k: summarize(v) for k, v in stats.items() if v}
    out: dict = {}
    for key in ("train_step_ms", "grad_step_ms", "log_prob_1000_ms", "sample_1000_ms"):
        name = key[:-3]
        if name in summaries:
            out[key] = summaries[name]["median"]
    if "train_step_ms" in out:
        out["samples_per_s"] = round(batch / (out["train_step_ms"] / 1e3), 1)
    for k, s in summaries.items():
        if k not in ("train_step", "grad_step", "log_prob_1000", "sample_1000"):
            out[k + "_ms"] = s["median"]
    out["peak_rss_mb"] = peak_rss_mb()
    out["load_avg_1min"] = round(os.getloadavg()[0], 2)
    loads = [s["other_load_cores"] for s in summaries.values() if "other_load_cores" in s]
    if loads:
        out["max_other_load_cores"] = max(loads)
    if extra:
        out.update(extra)
    out["stats"] = summaries
    if label:
        log(
            f"{label}: train {out['train_step_ms']:.1f} ms, grad {out['grad_step_ms']:.1f} ms, "
            f"log_prob(1000) {out['log_prob_1000_ms']:.1f} ms, sample(1000) {out['sample_1000_ms']:.1f} ms"
        )
    return out


def run_in_children(script: str, argv: list[str], workloads: list[str]) -> dict:
    """Runs each workload in a fresh process (`script --workloads w --child ...argv`) so that
    peak RSS is per workload; returns the children's reports keyed by workload."""
    import subprocess

    out = {}
    for w in workloads:
        cmd = [sys.executable, script, *argv, "--workloads", w, "--child"]
        log(f"[{os.path.basename(script)}] workload {w} in a child process")
        res = subprocess.run(cmd, stdout=subprocess.PIPE, check=True)
        out[w] = json.loads(res.stdout)
    return out


def peer_label(peer: str, threads: int) -> str:
    """Table label of a peer run: the peer's name at the default 2 threads, else with the count."""
    return peer if threads == 2 else f"{peer}, {threads} thread{'s' if threads > 1 else ''}"


def emit(report: dict) -> None:
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    sys.stdout.flush()
