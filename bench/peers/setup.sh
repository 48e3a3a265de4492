#!/usr/bin/env bash
# Creates bench/peers/.venv with the Python peers of our benchmarks
# (TensorFlow Probability, PyTorch, sbi, numpy/threadpoolctl), pinned.
# Idempotent: a stamp records the pins; rerunning with the same pins does nothing.
# Usage: bash bench/peers/setup.sh   (env PYTHON=... to choose the interpreter)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
# The pyenv interpreter (first python3 on PATH), not /usr/bin/python3.
python="${PYTHON:-$(command -v python3)}"

# TF stack: tensorflow-probability 0.25 is the release built against TF 2.19.
# tf-keras 2.19 declares a dependency on the full `tensorflow` distribution,
# which would install a second copy of TF on top of tensorflow-cpu: it goes in
# with --no-deps (tensorflow-cpu provides the same `tensorflow` module).
tf_pins=(tensorflow-cpu==2.19.1 tensorflow-probability==0.25.0 numpy==2.1.3 threadpoolctl==3.8.0)
keras_pins=(tf-keras==2.19.0)
# PyTorch: PyPI's Linux x86_64 wheel is the CUDA build and pulls the nvidia-*
# CUDA 12.8 runtime wheels (~3 GB); a CPU-only wheel exists only on the
# PyTorch index, which is not reachable here. `import torch` fails without
# the CUDA runtime libraries, so --no-deps is not an option either.
torch_pins=(torch==2.9.1)
# sbi (neural posterior estimation), the peer of lib/posterior's estimator
# (bench/estimator_vs_sbi.ts); it needs torch ≥ 1.13, so the pin above holds.
sbi_pins=(sbi==0.27.0)

stamp_text="$("$python" --version 2>&1) ${tf_pins[*]} ${keras_pins[*]} ${torch_pins[*]} ${sbi_pins[*]}"
stamp="$venv/.peers-stamp"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$stamp_text" ]] && "$venv/bin/python" -c "import tensorflow_probability, torch, threadpoolctl, sbi" 2>/dev/null; then
  echo "bench/peers/.venv is up to date" >&2
  exit 0
fi

start=$(date +%s)
[[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip install --no-cache-dir --disable-pip-version-check -q)
"${pip[@]}" "${tf_pins[@]}"
"${pip[@]}" --no-deps "${keras_pins[@]}"
"${pip[@]}" "${torch_pins[@]}"
"${pip[@]}" "${sbi_pins[@]}" "${torch_pins[@]}"
"$venv/bin/python" -c "import tensorflow_probability as tfp, tensorflow as tf, torch, numpy; print('tf', tf.__version__, 'tfp', tfp.__version__, 'torch', torch.__version__, 'numpy', numpy.__version__)" >&2
echo "$stamp_text" > "$stamp"
echo "installed in $(( $(date +%s) - start )) s; venv size $(du -sh "$venv" | cut -f1)" >&2
