#!/usr/bin/env bash
# The CUDA paths on a machine with an NVIDIA GPU, in one go (a few minutes): every page's default on the GPU
# in bf16 and fp32 against the CPU (bench/gpu.py), the engine against a plain loop, the CNN page's default and
# long runs, the architectures' side-by-side training, two forecasts, the CUDA tests (AMP, model files between
# GPU and CPU), the engine's tests on cuda, and one run in a worker process on cuda.
# Figures go to stdout (and $OUT/gpu_check.txt).
# Run: bash bench/gpu_check.sh
set -uo pipefail
cd "$(dirname "$0")/.."
export PLAYGROUND_OFFLINE=1 PLAYGROUND_DEVICE=cuda PYTHONPATH=.
PY="${PYTHON:-python3}"
step() { echo; echo "=== $*"; timeout 240 "$@" || echo "(exit $?)"; }
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
  "$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name(0))"
  step "$PY" bench/gpu.py
  step "$PY" bench/engine_vs_plain.py --device cuda --repeats 5
  step "$PY" bench/cnn_mnist.py --device cuda
  step "$PY" bench/architectures.py --device cuda
  step "$PY" bench/forecast.py --device cuda --series sine sunspots
  step "$PY" -m pytest -q -p no:cacheprovider tests/test_cuda.py tests/test_engine.py tests/test_workers.py
} 2>&1 | tee "${OUT:-/tmp}/gpu_check.txt"
