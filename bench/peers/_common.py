"""Shared helpers of the peer benchmarks: timing, statistics, peak RSS, the JSON report.

Every peer script prints one JSON object to stdout:

    {"peer": "tfp" | "torch" | "numpy",
     "versions": {...}, "threads": n, "machine": {...}, "config": {...},
     "workloads": {"a": {...}, "b": {...}}}

Each training workload ("a": affine coupling, "b": rational-quadratic spline
coupling) carries, with every time a median over the timed repeats:

    train_step_ms        loss + gradients + Adam update, batch 128 (the primary number)
    samples_per_s        128 / train_step_ms
    grad_step_ms         loss + gradients only (what bench/train_step_bench.ts times)
    log_prob_1000_ms     log-prob of a batch of 1000 points, inference mode
    sample_1000_ms       1000 samples: base draw + inverse (latent -> data)
    peak_rss_mb          getrusage maxrss of the process when the workload ended
                         (cumulative: "b" includes whatever "a" reached)
    stats                {name: {"median", "p10", "p90", "min", "n"}} per measured quantity

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


def log(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


def summarize(samples_s: list[float]) -> dict:
    """Milliseconds: median, 10th/90th percentile, min, count."""
    ms = sorted(s * 1e3 for s in samples_s)
    n = len(ms)

    def pct(p: float) -> float:
        return ms[min(n - 1, max(0, round(p * (n - 1))))]

    return {
        "median": round(statistics.median(ms), 3),
        "p10": round(pct(0.1), 3),
        "p90": round(pct(0.9), 3),
        "min": round(ms[0], 3),
        "n": n,
    }


def time_calls(fn: Callable[[], object], warmup: int, repeats: int) -> list[float]:
    """Runs `fn` `warmup` times untimed, then `repeats` times timed; `fn` must block until done."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


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


def workload_report(stats: dict[str, list[float]], extra: dict | None = None) -> dict:
    """Builds one workload's entry from raw timings (seconds) keyed by quantity."""
    summaries = {k: summarize(v) for k, v in stats.items() if v}
    out: dict = {}
    for key in ("train_step_ms", "grad_step_ms", "log_prob_1000_ms", "sample_1000_ms"):
        name = key[:-3]
        if name in summaries:
            out[key] = summaries[name]["median"]
    if "train_step_ms" in out:
        out["samples_per_s"] = round(BATCH / (out["train_step_ms"] / 1e3), 1)
    for k, s in summaries.items():
        if k not in ("train_step", "grad_step", "log_prob_1000", "sample_1000"):
            out[k + "_ms"] = s["median"]
    out["peak_rss_mb"] = peak_rss_mb()
    if extra:
        out.update(extra)
    out["stats"] = summaries
    return out


def emit(report: dict) -> None:
    json.dump(report, sys.stdout, indent=1)
    sys.stdout.write("\n")
    sys.stdout.flush()
