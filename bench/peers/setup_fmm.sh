#!/usr/bin/env bash
# Creates bench/peers/.venv-fmm with scikit-fmm and numpy, pinned: the peer of
# the eikonal benchmark (bench/eikonal.ts, bench/peers/fmm_peer.py). Small
# (~100 MB) and separate from the ~8 GB .venv of the training-step peers.
# Idempotent (a stamp records the pins).
# Usage: bash bench/peers/setup_fmm.sh   (env PYTHON=... to choose the interpreter)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv-fmm"
python="${PYTHON:-$(command -v python3)}"
pins=(scikit-fmm==2025.6.23 numpy==2.1.3)

stamp_text="$("$python" --version 2>&1) ${pins[*]}"
stamp="$venv/.peers-stamp"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$stamp_text" ]] && "$venv/bin/python" -c "import skfmm" 2>/dev/null; then
  echo "bench/peers/.venv-fmm is up to date" >&2
  exit 0
fi
start=$(date +%s)
[[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --no-cache-dir --disable-pip-version-check -q "${pins[@]}"
"$venv/bin/python" -c "import skfmm, numpy; print('scikit-fmm', skfmm.__version__, 'numpy', numpy.__version__)" >&2
echo "$stamp_text" > "$stamp"
echo "installed in $(( $(date +%s) - start )) s; venv size $(du -sh "$venv" | cut -f1)" >&2
