#!/usr/bin/env bash
# ONNX Runtime 1.22.0 (the pinned npm onnxruntime-node build StarPlugin used to ship)
# against 1.32.0 (Microsoft.ML.OnnxRuntime from NuGet, what it ships now), in one run:
# the same bench binary, model, image and options, the two builds alternating round by
# round so that this shared machine's load falls on both alike. Writes
# tests/bench/results/ort.md. Needs npm (for 1.22) and ../shared/data/real.
set -euo pipefail
cd "$(dirname "$0")/../.."
real="${REAL_DIR:-../shared/data/real}"
peer="${PEER_MODEL:-../shared/peers/starrem2k13/model.onnx}"
rounds="${ROUNDS:-3}"
ours_size="${OURS_SIZE:-6000 4000}" peer_size="${PEER_SIZE:-1536 1536}"
work=tests/bench/work/ort
tests/bench/fetch-onnxruntime-npm.sh "$work/1.22"
dotnet build tests/bench/RemovalBench -c Release -o artifacts/bench --nologo -v q
mkdir -p "$work/1.32" && cp artifacts/bench/libonnxruntime.so "$work/1.32/"
bench="dotnet artifacts/bench/RemovalBench.dll"
img="$real/samples_rim_nebula.jpg"
log="$work/runs.jsonl"; : > "$log"
for r in $(seq "$rounds"); do
  for v in 1.22 1.32; do
    echo "round $r, ONNX Runtime $v" >&2
    # Network only: the stages after it do not call ONNX Runtime.
    BENCH_ORT_DIR="$work/$v" BENCH_CLEANUP=0 BENCH_KEEP_GALAXIES=0 $bench throughput ours $ours_size models/starless-v1.onnx "$img" | sed "s/^{/{\"case\":\"starless-v1 network only ${ours_size/ /x}\",\"round\":$r,/" >> "$log"
    if [ -f "$peer" ]; then
      BENCH_ORT_DIR="$work/$v" $bench throughput peer $peer_size "$peer" "$img" | sed "s/^{/{\"case\":\"starrem2k13 ${peer_size/ /x}\",\"round\":$r,/" >> "$log"
    fi
  done
done
/usr/bin/python3 - "$log" "$rounds" > tests/bench/results/ort.md <<'PY'
import json, statistics, sys, os
rows = [json.loads(l) for l in open(sys.argv[1])]
print("# ONNX Runtime 1.22.0 (npm) against 1.32.0 (NuGet)\n")
print(f"One run of `tests/bench/ort_bench.sh` on {os.cpu_count()} cores, CPU execution provider: {sys.argv[2]} rounds, "
      "the two builds alternating; each entry is the median of 3 timed runs after a warm-up run in one process. "
      "The machine is shared, so compare the medians over rounds, each round's pair, and the CPU seconds "
      "(the process's own CPU time per run, which other processes' load does not inflate as much).\n")
print("| model, image | ORT | wall seconds per round | median wall s | Mpx/s | CPU seconds per round | median CPU s | peak RSS MB |")
print("|---|---|---|---:|---:|---|---:|---:|")
for case in dict.fromkeys(r["case"] for r in rows):
    for v in dict.fromkeys(r["ort"] for r in rows):
        sel = [r for r in rows if r["case"] == case and r["ort"] == v]
        s = [r["seconds"] for r in sel]
        med = statistics.median(s)
        mpx = sel[0]["width"] * sel[0]["height"] / 1e6 / med
        c = [r.get("cpu_seconds", float("nan")) for r in sel]
        print(f"| {case} | {v} | {' '.join(f'{x:.2f}' for x in s)} | {med:.2f} | {mpx:.3f} | {' '.join(f'{x:.2f}' for x in c)} | {statistics.median(c):.2f} | {max(r['peak_rss_mb'] for r in sel):.0f} |")
PY
cat tests/bench/results/ort.md
