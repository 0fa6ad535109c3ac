#!/usr/bin/env bash
# Reproduces models/starless-v1-float.onnx and its 8-bit copy models/starless-v1.onnx: trains from scratch (or resumes the committed
# checkpoint with --resume) on pairs streamed from `starplugin synth pairs`, then
# exports and checks the ONNX model. Everything is seeded: torch.manual_seed(1234),
# training pairs from seed 1,000,000 upwards, held-out pairs from 900,000,000.
# CPU: ~25 samples/s of 128² on 2 cores; on a CUDA GPU the same script runs much faster.
#   models/training/train.sh [--minutes 100 | --steps N] [--resume] [--smoke]
# One uninterrupted run with --steps N repeats the shipped model's procedure exactly;
# the shipped checkpoint itself was trained in resumed runs (see MODEL_CARD.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
minutes=100 steps=0 resume=0 extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift ;;
    --steps) steps="$2"; shift ;;
    --resume) resume=1 ;;
    --smoke) extra+=(--smoke) ;;
    *) echo "train.sh: unknown option $1" >&2; exit 1 ;;
  esac
  shift
done
[ -x artifacts/bin/starplugin ] || packaging/install.sh --build-only  # the native CLI that makes the pairs
ckpt=models/training/checkpoint.pt
if [ $resume = 0 ] && [ ${#extra[@]} = 0 ]; then ckpt="models/training/runs/from-scratch.pt"; rm -f "$ckpt"; mkdir -p models/training/runs; fi
/usr/bin/python3 models/training/train.py --minutes "$minutes" --steps "$steps" --checkpoint "$ckpt" "${extra[@]}"
if [ ${#extra[@]} = 0 ]; then
  /usr/bin/python3 models/training/export.py "$ckpt" models/starless-v1-float.onnx
  # The shipped network is its 8-bit copy, calibrated on the real training pictures less the dev set.
  cal=models/training/runs/real-data/src
  if [ -d "$cal" ]; then
    /usr/bin/python3 models/training/quantize.py "$ckpt" models/starless-v1-float.onnx models/starless-v1.onnx "$cal" --exclude-dir=../shared/data/real-dev
  else
    echo "train.sh: no calibration pictures in $cal (models/training/realdata/build_library.py): models/starless-v1.onnx not rewritten" >&2
  fi
fi
