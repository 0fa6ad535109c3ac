#!/usr/bin/env bash
# The starplugin command line as users get it (NativeAOT: the AVX2 build the launcher
# picks on this CPU, and the portable baseline build) against the same program on the
# .NET runtime (JIT), in one run: start-up (`info` on a small file), star detection on a
# 4096² synthetic field (the detection bench's), and star removal (default pipeline) on
# a real 3056² photograph. Rounds alternate the three builds; each cell is the median
# over rounds of the wall time and of the CPU time (user + system, which a shared machine's
# load inflates less), and the peak RSS. Writes tests/bench/results/cli.md.
# Needs packaging/install.sh --build-only first (artifacts/bin) and ../shared/data/real.
set -euo pipefail
cd "$(dirname "$0")/../.."
real="${REAL_DIR:-../shared/data/real}"
rounds="${ROUNDS:-3}"
work=tests/bench/work/cli
mkdir -p "$work"
[ -x artifacts/bin/starplugin-avx2 ] || { echo "cli_bench.sh: build first (packaging/install.sh --build-only)" >&2; exit 1; }
dotnet publish src/StarPlugin.Cli -c Release -o artifacts/cli-jit --nologo -v q
aot=artifacts/bin
"$aot/starplugin" synth stars "$work/small.fits" --width 64 --height 64 --stars 5 --seed 1 --force >/dev/null
"$aot/starplugin" synth stars "$work/field4096.fits" --width 4096 --height 4096 --stars 8000 --seed 11 --force >/dev/null
img="$real/samples_rim_nebula.jpg"
declare -A cmd=([jit]="dotnet artifacts/cli-jit/starplugin.dll" [aot-avx2]="$aot/starplugin-avx2" [aot-baseline]="$aot/starplugin-baseline")
log="$work/runs.tsv"; : > "$log"
for r in $(seq "$rounds"); do
  for b in jit aot-avx2 aot-baseline; do
    for t in startup detect remove; do
      case $t in
        startup) args=(info "$work/small.fits") ;;
        detect) args=(detect "$work/field4096.fits" --csv "$work/$b.csv" --force) ;;
        remove) args=(remove "$img" --starless "$work/$b-starless.tif" --force) ;;
      esac
      /usr/bin/time -f "%e %U %S %M" -o "$work/time" ${cmd[$b]} "${args[@]}" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
      read -r s u sy kb < "$work/time"
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$b" "$t" "$s" "$(echo "$u + $sy" | bc)" "$kb" >> "$log"
      echo "round $r $b $t: $s s wall, $u + $sy s CPU" >&2
    done
  done
done
/usr/bin/python3 - "$log" "$rounds" > tests/bench/results/cli.md <<'PY'
import sys, statistics, os, collections
rows = [l.split('\t') for l in open(sys.argv[1]).read().split('\n') if l]
t = collections.defaultdict(list); c = collections.defaultdict(list); m = collections.defaultdict(list)
for r, b, task, s, cpu, kb in rows: t[b, task].append(float(s)); c[b, task].append(float(cpu)); m[b, task].append(int(kb) / 1024)
print("# starplugin command line: NativeAOT against the .NET runtime (JIT)\n")
print(f"One run of `tests/bench/cli_bench.sh` on {os.cpu_count()} cores, {sys.argv[2]} rounds alternating the builds; "
      "wall seconds per round and their median, CPU seconds (user + system) per round and their median, peak RSS (median). "
      "The machine is shared: wall time includes other processes' turns, CPU time much less so.\n")
tasks = {"startup": "start-up: `info` on a 64² FITS", "detect": "`detect` 4096² field, 8000 stars + nebula (CSV out)", "remove": "`remove` real 3056² JPEG, default pipeline (TIFF out)"}
print("| task | build | wall s per round | median wall s | CPU s per round | median CPU s | peak RSS MB |")
print("|---|---|---|---:|---|---:|---:|")
for task, label in tasks.items():
    for b in ["jit", "aot-avx2", "aot-baseline"]:
        s = t[b, task]
        print(f"| {label} | {b} | {' '.join(f'{x:.2f}' for x in s)} | {statistics.median(s):.2f} | {' '.join(f'{x:.2f}' for x in c[b, task])} | {statistics.median(c[b, task]):.2f} | {statistics.median(m[b, task]):.0f} |")
PY
cat tests/bench/results/cli.md
