"""BLAS bound: float32 matmul GFLOP/s of numpy at the shapes of one coupling
network's hidden 512x512 layer, batch 128 (what dominates a training step):

  fwd     X  (128x512) . W   (512x512)   forward
  bwd_dw  X^T(512x128) . dY  (128x512)   kernel gradient (transposed view, no copy)
  bwd_dx  dY (128x512) . W^T (512x512)   input gradient (transposed view, no copy)
  fwd_1000 X (1000x512) . W  (512x512)   the log-prob / sampling batch of 1000

Each shape: median (and best decile) of many repeats, at 1 and at 2 BLAS
threads; the reported bound ("best_sustained_gflops") is the best of those
medians over the three training-step shapes. "step_mix": the three
training-step products cycled back to back for about a second, total flops /
total time (lower: each switch of shape costs cache reuse and thread wake-ups). With --torch (default on when torch is
importable) the same products through torch.mm (MKL in PyPI's torch wheel).

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, when set, can make OpenBLAS pick a slow
kernel; they are read when the library loads, so unless --keep-env is given
the script re-executes itself without them (the equivalent of
`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`) and records what was removed.

Usage: bench/peers/.venv/bin/python bench/peers/blas_bound.py [--repeats N] [--keep-env] [--no-torch]
"""

from __future__ import annotations

import os
import sys

_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
_MARK = "_BLAS_BOUND_REMOVED"
if "--keep-env" not in sys.argv and any(v in os.environ for v in _VARS):
    env = {k: v for k, v in os.environ.items() if k not in _VARS}
    env[_MARK] = ";".join(f"{k}={os.environ[k]}" for k in _VARS if k in os.environ)
    os.execve(sys.executable, [sys.executable, *sys.argv], env)

import argparse  # noqa: E402
import time  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

SHAPES = {
    # name: (m, k, n, a_transposed, b_transposed)
    "fwd": (128, 512, 512, False, False),
    "bwd_dw": (512, 128, 512, True, False),
    "bwd_dx": (128, 512, 512, False, True),
    "fwd_1000": (1000, 512, 512, False, False),
}
STEP_MIX = ("fwd", "bwd_dw", "bwd_dx")


def operands(xp_rand, m, k, n, at, bt):
    """Operands whose product is m x n, built as transposed views when asked."""
    a = xp_rand((k, m)).T if at else xp_rand((m, k))
    b = xp_rand((n, k)).T if bt else xp_rand((k, n))
    return a, b


def measure(mm, a, b, out, flops: float, repeats: int, warmup: int) -> dict:
    times = C.time_calls(lambda: mm(a, b, out), warmup, repeats)  # waits for a quiet machine first
    srt = sorted(times)
    med = srt[len(srt) // 2]
    p10 = srt[len(srt) // 10]
    return {
        "median_ms": round(med * 1e3, 4),
        "gflops_median": round(flops / med / 1e9, 1),
        "gflops_p10_time": round(flops / p10 / 1e9, 1),
        "repeats": repeats,
        "other_load_cores": times.other_load_cores,
    }


def sustained(mm, pairs, flops_each: float, seconds: float) -> float:
    C.wait_quiet()
    n, t0 = 0, time.perf_counter()
    while True:
        for a, b, out in pairs:
            mm(a, b, out)
        n += 1
        el = time.perf_counter() - t0
        if el >= seconds:
            return round(n * len(pairs) * flops_each / el / 1e9, 1)


def run_backend(label: str, mm, rand, alloc, threads_ctx, repeats: int) -> dict:
    res: dict = {}
    for threads in (1, 2):
        with threads_ctx(threads):
            per: dict = {}
            pairs = []
            for name, (m, k, n, at, bt) in SHAPES.items():
                a, b = operands(rand, m, k, n, at, bt)
                out = alloc((m, n))
                reps = max(30, repeats // 4) if name == "fwd_1000" else repeats
                per[name] = measure(mm, a, b, out, 2.0 * m * k * n, reps, warmup=20)
                if name in STEP_MIX:
                    pairs.append((a, b, out))
            per["sustained_step_mix_gflops"] = sustained(mm, pairs, 2.0 * 128 * 512 * 512, 1.0)
            res[f"threads_{threads}"] = per
            C.log(
                f"[{label}] {threads} thread(s): "
                + ", ".join(f"{k} {v['gflops_median']}" for k, v in per.items() if isinstance(v, dict))
                + f", sustained {per['sustained_step_mix_gflops']} GFLOP/s"
            )
    runs = list(res.values())
    res["best_median_gflops_step_shapes"] = max(per[k]["gflops_median"] for per in runs for k in STEP_MIX)
    res["best_step_mix_gflops"] = max(per["sustained_step_mix_gflops"] for per in runs)
    res["max_other_load_cores"] = max(per[k]["other_load_cores"] or 0 for per in runs for k in SHAPES)
    return res


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=400)
    p.add_argument("--keep-env", action="store_true", help="keep OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE")
    p.add_argument("--no-torch", action="store_true")
    args = p.parse_args()

    rng = np.random.default_rng(0)
    rand = lambda shape: rng.standard_normal(shape, dtype=np.float32)  # noqa: E731
    alloc = lambda shape: np.empty(shape, np.float32)  # noqa: E731
    np_mm = lambda a, b, out: np.matmul(a, b, out=out)  # noqa: E731
    workloads = {"numpy": run_backend("numpy", np_mm, rand, alloc, lambda t: threadpool_limits(t), args.repeats)}
    info = [
        {k: d.get(k) for k in ("internal_api", "version", "architecture", "threading_layer", "num_threads", "filepath")}
        for d in threadpool_info()
    ]
    versions = {"numpy": np.__version__}
    try:
        import threadpoolctl

        versions["threadpoolctl"] = threadpoolctl.__version__
    except Exception:  # noqa: BLE001
        pass

    if not args.no_torch:
        try:
            import contextlib

            import torch

            versions["torch"] = torch.__version__

            @contextlib.contextmanager
            def torch_threads(t):
                old = torch.get_num_threads()
                torch.set_num_threads(t)
                try:
                    yield
                finally:
                    torch.set_num_threads(old)

            g = torch.Generator().manual_seed(0)
            t_rand = lambda shape: torch.randn(*shape, generator=g)  # noqa: E731
            t_alloc = lambda shape: torch.empty(*shape)  # noqa: E731
            t_mm = lambda a, b, out: torch.mm(a, b, out=out)  # noqa: E731
            workloads["torch_mm"] = run_backend("torch.mm", t_mm, t_rand, t_alloc, torch_threads, args.repeats)
        except ImportError:
            C.log("[blas] torch not importable; skipping torch.mm")

    C.emit(
        {
            "peer": "numpy",
            "versions": versions,
            "threads": 2,
            "machine": C.machine(),
            "config": {
                "repeats": args.repeats,
                "dtype": "float32",
                "openblas_env_removed": os.environ.get(_MARK, "") or None,
                "openblas_env_now": {k: os.environ.get(k) for k in _VARS},
                "blas": info,
                "shapes": {k: f"({m}x{k_}) . ({k_}x{n}){' A^T view' if at else ''}{' B^T view' if bt else ''}"
                           for k, (m, k_, n, at, bt) in SHAPES.items()},
            },
            # Best over the three training-step shapes and over 1/2 threads of the
            # median GFLOP/s of many back-to-back repeats of one product.
            "best_sustained_gflops": workloads["numpy"]["best_median_gflops_step_shapes"],
            "step_mix_gflops": workloads["numpy"]["best_step_mix_gflops"],
            "workloads": workloads,
        }
    )


if __name__ == "__main__":
    main()
