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
    peak_rss_mb          getrusage maxrss of the process when the workload ended (each
                         workload runs in its own process); peak_rss_mb_train_only is the
                         same right after the train-step timing, before the other quantities
    <name>_ms            medians of any extra quantity (eager_train_step_ms, ...)
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
    loads = [s["other_load_cores"] for s in summaries.values() if "other_load_cores" in s]
    if loads:
        out["max_other_load_cores"] = max(loads)
    if extra:
        out.update(extra)
    out["stats"] = summaries
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


def emit(report: dict) -> None:
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    sys.stdout.flush()
