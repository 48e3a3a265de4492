"""scikit-fmm on the eikonal benchmark's fine grids: the peer of bench/eikonal.ts.

Usage: bench/peers/.venv-fmm/bin/python bench/peers/fmm_peer.py INPUT.json > fmm.json
(`bash bench/peers/setup_fmm.sh` creates the venv; bench/eikonal.ts writes INPUT.json
and runs this script itself.)

INPUT.json, written by bench/eikonal.ts:

    {"fine": {"nx", "ny", "spacing", "x0", "y0"},   the fine grid, node (i, j) at index j*nx + i
     "stations": [[x, y], ...],                     each a source and a receiver; data: pairs i < j
     "source_radius": r,                            km: the start circle around each source
     "models": {name: [velocity at every fine node]},
     "orders": [1, 2], "warmup": n, "repeats": n}

For every model and order, one repeat is `skfmm.travel_time(phi, speed, dx, order)` on
the whole fine grid from each of the stations (16 by default), with
`phi = |x - source| - r` (the zero contour is the circle of radius r around the
source: scikit-fmm takes a contour, not a point, as its start). The time of datum
(i, j) is the travel time from source i interpolated bilinearly at station j,
plus `r / v(source)` for the circle (bilinear velocity at the source). Only the
travel_time calls are timed; phi is built beforehand.

Prints one JSON object: {"peer": "scikit-fmm", "label", "versions", "machine",
"config", "models": {name: {"order1": {"times": [...], "stats": {...}}, ...}}},
with `stats` as in _common.summarize (ms per repeat of all sources) plus the
contention check of _common.time_calls. Logs go to stderr.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import skfmm

from _common import log, machine, summarize, time_calls


def bilinear(field: np.ndarray, grid: dict, x: float, y: float) -> float:
    fx = (x - grid["x0"]) / grid["spacing"]
    fy = (y - grid["y0"]) / grid["spacing"]
    i = min(max(int(np.floor(fx)), 0), grid["nx"] - 2)
    j = min(max(int(np.floor(fy)), 0), grid["ny"] - 2)
    ax, ay = fx - i, fy - j
    return float(
        (1 - ax) * (1 - ay) * field[j, i]
        + ax * (1 - ay) * field[j, i + 1]
        + (1 - ax) * ay * field[j + 1, i]
        + ax * ay * field[j + 1, i + 1]
    )


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    grid, stations, radius = cfg["fine"], cfg["stations"], cfg["source_radius"]
    nx, ny, h = grid["nx"], grid["ny"], grid["spacing"]
    xs = grid["x0"] + h * np.arange(nx)
    ys = grid["y0"] + h * np.arange(ny)
    X, Y = np.meshgrid(xs, ys)  # [ny, nx]
    phis = [np.hypot(X - sx, Y - sy) - radius for sx, sy in stations]
    out = {}
    for name, velocity in cfg["models"].items():
        speed = np.asarray(velocity, dtype=np.float64).reshape(ny, nx)
        out[name] = {}
        for order in cfg["orders"]:
            fields: list[np.ndarray] = []

            def solve_all() -> None:
                fields.clear()
                for phi in phis:
                    fields.append(skfmm.travel_time(phi, speed, dx=h, order=order))

            timings = time_calls(solve_all, cfg["warmup"], cfg["repeats"])
            times = []
            for i, (sx, sy) in enumerate(stations):
                start = radius / bilinear(speed, grid, sx, sy)
                for rx, ry in stations[i + 1:]:
                    times.append(start + bilinear(np.asarray(fields[i]), grid, rx, ry))
            out[name][f"order{order}"] = {"times": times, "stats": summarize(timings)}
            log(f"[scikit-fmm] {name}, order {order}: {summarize(timings)['median']} ms")
    report = {
        "peer": "scikit-fmm",
        "label": "scikit-fmm",
        "versions": {"scikit-fmm": skfmm.__version__, "numpy": np.__version__},
        "machine": machine(),
        "config": {
            "grid": grid,
            "stations": len(stations),
            "source_radius": radius,
            "warmup": cfg["warmup"],
            "repeats": cfg["repeats"],
            "timed": "skfmm.travel_time on the whole grid from every station, single thread",
        },
        "models": out,
    }
    json.dump(report, sys.stdout)
    print()


if __name__ == "__main__":
    main()
