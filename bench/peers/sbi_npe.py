"""sbi's neural posterior estimation (NPE) with its defaults, on simulations made by
bench/estimator_vs_sbi.ts, so that both tools see exactly the same data.

Usage: python sbi_npe.py IN.json OUT.json [--threads N]

IN.json:  {"theta": [...], "x": [...], "dim_theta": d, "dim_x": m,
           "prior": {"type": "box", "low": [...], "high": [...]}
                  | {"type": "gaussian", "mean": [...], "cov": [[...], ...]},
           "observations": [[...], ...], "num_samples": n, "seed": s}
OUT.json: {"versions": {...}, "threads": t, "train_seconds": ..., "epochs": ...,
           "sample_seconds": [per observation], "samples": [[row-major floats], ...]}

Defaults are sbi's own: NPE with a masked autoregressive flow (5 transforms, 50 hidden
units), z-scored parameters and data, 10 % held out, early stopping after 20 epochs
without improvement, batch 200, Adam at 5e-4. Logs go to stderr.
"""

from __future__ import annotations

import json
import sys
import time


def main() -> None:
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    threads = 1
    if "--threads" in args:
        threads = int(args[args.index("--threads") + 1])
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    import sbi
    from sbi.inference import NPE
    from sbi.utils import BoxUniform

    spec = json.load(open(args[0]))
    torch.manual_seed(spec["seed"])
    d, m = spec["dim_theta"], spec["dim_x"]
    theta = torch.tensor(np.asarray(spec["theta"], dtype=np.float32).reshape(-1, d))
    x = torch.tensor(np.asarray(spec["x"], dtype=np.float32).reshape(-1, m))
    p = spec["prior"]
    if p["type"] == "box":
        prior = BoxUniform(torch.tensor(p["low"], dtype=torch.float32), torch.tensor(p["high"], dtype=torch.float32))
    else:
        prior = torch.distributions.MultivariateNormal(
            torch.tensor(p["mean"], dtype=torch.float32), torch.tensor(p["cov"], dtype=torch.float32)
        )
    inference = NPE(prior=prior, show_progress_bars=False)
    t0 = time.perf_counter()
    estimator = inference.append_simulations(theta, x).train()
    train_seconds = time.perf_counter() - t0
    posterior = inference.build_posterior(estimator)
    epochs = None
    try:
        epochs = int(inference.summary["epochs_trained"][-1])
    except Exception:  # noqa: BLE001 - the summary's layout differs between sbi versions
        pass
    samples, seconds = [], []
    for obs in spec["observations"]:
        xo = torch.tensor(np.asarray(obs, dtype=np.float32)).reshape(1, m)
        t0 = time.perf_counter()
        s = posterior.sample((spec["num_samples"],), x=xo, show_progress_bars=False)
        seconds.append(time.perf_counter() - t0)
        samples.append(s.numpy().astype(float).reshape(-1).tolist())
    out = {
        "versions": {"sbi": sbi.__version__, "torch": torch.__version__, "numpy": np.__version__},
        "threads": threads,
        "train_seconds": train_seconds,
        "epochs": epochs,
        "sample_seconds": seconds,
        "samples": samples,
    }
    json.dump(out, open(args[1], "w"))
    print(f"sbi NPE: {len(theta)} simulations, trained in {train_seconds:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
