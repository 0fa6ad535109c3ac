#!/usr/bin/env bash
# The lens finder from scratch, reproducibly: training sets (sets.sh, fixed seeds), the
# training (train.py: resumable, seed 20261202; rerun this script to continue a stopped
# run), and the export to models/lensfinder-v1.onnx with its metadata.
#   models/lensfinder/train.sh [STARPLUGIN] [REAL_DEV_DIR]
# Runs niced on 2 threads (the machine is shared); the committed checkpoint.pt is where
# the shipped model came from, and training resumes from it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
sp="${1:-$here/../../artifacts/bin/starplugin}"
real="${2:-$here/../../../shared/data/real-dev}"
runs="$here/runs"
mkdir -p "$runs"
nice -n 10 "$here/sets.sh" "$runs/sets" "$sp" "$real"
OMP_NUM_THREADS=2 nice -n 10 /usr/bin/python3 "$here/train.py" --train "$runs/sets/train" --val "$runs/sets/val" \
  --checkpoint "$here/checkpoint.pt" --epochs "${EPOCHS:-6}" --threads 2 | tee -a "$runs/train.log"
/usr/bin/python3 "$here/export.py" "$here/checkpoint.pt" "$here/../lensfinder-v1.onnx"
