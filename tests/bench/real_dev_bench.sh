#!/usr/bin/env bash
# Real-image star-removal benchmark (issue 17): all 49 dev photographs, StarPlugin default,
# StarPlugin network only and the peer starrem2k13 in one run, measured against the inputs
# (residual stars by sep and by our detector, bright-star artefacts, off-star bias and
# detail, seams, nebula and galaxy light, keep-galaxies auto == never, time per picture)
# plus the synthetic fields with truth. See tests/bench/real_dev.py for the definitions.
#
# usage: tests/bench/real_dev_bench.sh [--model M.onnx] [--only-ours] [--images a,b,...]
#                                      [--no-sheets] [--reuse] [--report-only] [--no-build] [--out DIR]
#   --model M.onnx  the StarPlugin model to judge (default models/starless-v1.onnx)
#   --only-ours     never run the peer (its cached results are still reported when all are there)
#   --images a,b    only these pictures (file stems), for a quick look
#   --no-sheets     skip the contact sheets
#   --reuse         measure the results of an earlier run of the same model again, without rerunning it
#   --report-only   rewrite the report (and index) from the last measures of this model
#   --out DIR       where the report and contact sheets go. Default: for the shipped model
#                   tests/bench/results/real_dev.md and docs/real-dev/; for any other model
#                   tests/bench/work/real-dev/report-NAME/ (not committed).
# The peer runs once: its outputs and timings are cached in tests/bench/work/real-dev/peer-HASH/.
# Needs ../shared (or SHARED_DIR): data/real-dev and peers/starrem2k13. One picture at a time, 2 threads
# (BENCH_THREADS). Roughly 15 s per picture for ours and, the first time, 10-40 s for the peer.
set -euo pipefail
cd "$(dirname "$0")/../.."
model=models/starless-v1.onnx out="" build=1 args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model="$2"; shift ;;
    --out) out="$2"; shift ;;
    --images) args+=(--images "$2"); shift ;;
    --only-ours|--no-sheets|--reuse|--report-only) args+=("$1") ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "real_dev_bench.sh: unknown option $1" >&2; exit 1 ;;
  esac
  shift
done
shared="${SHARED_DIR:-}"
if [ -z "$shared" ]; then for d in ../shared ../../shared; do [ -d "$d/data/real-dev" ] && { shared="$d"; break; }; done; fi
[ -n "$shared" ] || { echo "real_dev_bench.sh: ../shared not found; set SHARED_DIR" >&2; exit 1; }
[ -f "$model" ] || { echo "real_dev_bench.sh: $model: no such model" >&2; exit 1; }
if [ -z "$out" ]; then
  if [ "$(realpath "$model")" = "$(realpath models/starless-v1.onnx)" ]; then report=tests/bench/results/real_dev.md sheets=docs/real-dev
  else out="tests/bench/work/real-dev/report-$(basename "$model" .onnx)"; fi
fi
if [ -n "$out" ]; then report="$out/real_dev.md" sheets="$out"; fi
if [ "$build" = 1 ]; then
  packaging/install.sh --build-only   # the native CLI in artifacts/bin, ONNX Runtime from NuGet
  dotnet build tests/bench/RemovalBench -c Release -o artifacts/bench --nologo -v q
fi
export BENCH_THREADS="${BENCH_THREADS:-2}"
/usr/bin/python3 tests/bench/real_dev.py --model "$model" --peer "$shared/peers/starrem2k13/model.onnx" \
  --data "$shared/data/real-dev" --work tests/bench/work/real-dev --cli artifacts/bin/starplugin \
  --bench artifacts/bench/RemovalBench.dll --report "$report" --sheets "$sheets" --threads "$BENCH_THREADS" "${args[@]}"
