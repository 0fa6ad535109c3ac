#!/usr/bin/env bash
# Time per picture of star removal inside GIMP 2.10 (issue 17: "a 1 Mpx picture takes well
# under a second in the CLI and in GIMP"), with the command line and the peer in the same run.
#
# usage: tests/bench/gimp_bench.sh [--runs N] [--model M.onnx] [--out FILE.md] [PICTURE.png ...]
#   default pictures: four 1 Mpx real-dev photographs (../shared/data/real-dev or SHARED_DIR)
#   --runs N     calls per picture in each tool (default 3; the median is reported)
#   --model M    the model (default models/starless-v1.onnx)
#   --out FILE   the report (default tests/bench/results/gimp.md)
#
# GIMP: headless gimp-console with StarPlugin installed in a private profile
# (packaging/install.sh --no-build --prefix). A first, untimed session opens a picture, runs
# the filter and quits, so the profile is one GIMP has been used with: GIMP writes babl's
# cache of pixel conversions (~/.cache/babl) when it quits, and every later process that
# starts babl (GIMP, each plug-in call) reads it. A brand-new profile has none and timed
# the plug-in a second faster than a user's second session would see it. Then two timed
# sessions, per picture N calls of plug-in-starplugin-remove-stars, each on the picture
# opened afresh: at its defaults (replace the layer, stretch auto, cleanup on,
# keep-galaxies auto, the model's tile), then with output = new layers (Starless and Stars
# that add up to the original, and the star mask as a channel). Each call is timed from the Script-Fu message
# just before it to the one just after, as gimp-console prints them: what a user waits for
# after pressing OK (the plug-in process starting, the library and model loading, the
# pixels going to the plug-in and back, the removal), without GIMP's own start-up.
# The command line: `starplugin remove IN --starless OUT` as a whole process.
# The peer: starrem2k13 by RemovalBench peer-run (its pipeline, whole process; no GIMP plug-in).
# Needs gimp-console-2.10 and a build (packaging/install.sh --build-only, and
# `dotnet build tests/bench/RemovalBench -c Release -o artifacts/bench` for the peer).
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=3 model=models/starless-v1.onnx out=tests/bench/results/gimp.md pics=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift ;;
    --model) model="$2"; shift ;;
    --out) out="$2"; shift ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    -*) echo "gimp_bench.sh: unknown option $1" >&2; exit 1 ;;
    *) pics+=("$(realpath "$1")") ;;
  esac
  shift
done
shared="${SHARED_DIR:-}"
if [ -z "$shared" ]; then for d in ../shared ../../shared; do [ -d "$d/data/real-dev" ] && { shared="$d"; break; }; done; fi
if [ ${#pics[@]} -eq 0 ]; then
  [ -n "$shared" ] || { echo "gimp_bench.sh: ../shared not found; set SHARED_DIR or name the pictures" >&2; exit 1; }
  for s in ic1805 m3 barnard150 n3603; do pics+=("$(realpath "$shared/data/real-dev/$s.png")"); done
fi
command -v gimp-console-2.10 >/dev/null || { echo "gimp_bench.sh: gimp-console-2.10 not installed (tools/apt-deps.sh --bench)" >&2; exit 1; }
[ -x artifacts/bin/starplugin ] && [ -d artifacts/gimp ] || { echo "gimp_bench.sh: no build: run packaging/install.sh --build-only" >&2; exit 1; }
[ -f "$model" ] || { echo "gimp_bench.sh: $model: no such model" >&2; exit 1; }
peer="${shared:+$shared/peers/starrem2k13/model.onnx}"

work="$(mktemp -d /tmp/sp-gimp-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
home="$work/home"
mkdir -p "$home/gimp2/gradients" "$work/tmp"
export HOME="$home" XDG_CACHE_HOME="$home/.cache" XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share" \
  GIMP2_DIRECTORY="$home/gimp2" TMPDIR="$work/tmp" STARPLUGIN_MODEL="$(realpath "$model")"
packaging/install.sh --no-build --prefix "$home/.local" >/dev/null

/usr/bin/python3 - "$work" "$runs" "$out" "$(realpath "$model")" "${peer:-}" "${pics[@]}" <<'EOF'
import os, statistics, subprocess, sys, time, json
work, runs, out, model, peer, pics = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:]
cli = os.path.abspath("artifacts/bin/starplugin")

def gimp_times(output, runs, pics):
    """One gimp-console session; per picture the wall time of each call (output 0: replace
    the layer, 1: new layers), from the message before it to the one after, stamped as the
    lines arrive."""
    script = ['(define (say s) (gimp-message s))']
    for k, p in enumerate(pics):
        # The picture is opened afresh for each call (not timed), so every call starts from
        # the same image: new layers would otherwise pile up and become the active drawable.
        # Palette pictures are made RGB first, as the filter asks a user to (not timed).
        for r in range(runs):
            script.append(f'(let* ((i (car (gimp-file-load RUN-NONINTERACTIVE "{p}" "{p}")))) (if (= (car (gimp-image-base-type i)) INDEXED) (gimp-image-convert-rgb i)) '
                          f'(say "BEGIN {k} {r}") (plug-in-starplugin-remove-stars RUN-NONINTERACTIVE i (car (gimp-image-get-active-drawable i)) {output} 0 1 0 0 0) (say "END {k} {r}") (gimp-image-delete i))')
    args = ["gimp-console-2.10", "-i", "-d", "-f", "--stack-trace-mode=never", "-b", "(begin " + " ".join(script) + ")", "-b", "(gimp-quit 0)"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    begin, times, lines = {}, {}, []
    for line in proc.stdout:
        now = time.monotonic()
        lines.append(line)
        for word in ("BEGIN", "END"):
            at = line.find(word + " ")
            if at >= 0:
                key = tuple(int(v) for v in line[at + len(word) + 1:].split()[:2])
                if word == "BEGIN": begin[key] = now
                elif key in begin: times.setdefault(key[0], []).append(now - begin[key])
    proc.wait()
    if any(len(times.get(k, [])) != runs for k in range(len(pics))):
        sys.exit("gimp_bench.sh: not every call finished; GIMP said:\n" + "".join(lines[-40:]))
    return times

def process_times(cmd_of):
    times = {}
    for k, p in enumerate(pics):
        for r in range(runs):
            dst = os.path.join(work, f"out{k}.png")
            t0 = time.monotonic()
            subprocess.run(cmd_of(p, dst), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times.setdefault(k, []).append(time.monotonic() - t0)
    return times

def megapixels(p):
    from PIL import Image
    with Image.open(p) as im:
        return im.size[0] * im.size[1] / 1e6

load = os.getloadavg()[0]
gimp_times(0, 1, pics[:1])  # the profile's first GIMP session (untimed): GIMP writes babl's cache
cache = os.path.join(os.environ["XDG_CACHE_HOME"], "babl", "babl-fishes")
if not os.path.exists(cache):
    sys.exit(f"gimp_bench.sh: GIMP wrote no babl cache ({cache}): the timed session would not be a used profile")
gimp = gimp_times(0, runs, pics)
gimp_layers = gimp_times(1, runs, pics)
ours = process_times(lambda p, d: [cli, "remove", p, "--starless", d, "--model", model, "--force"])
theirs = None
if peer and os.path.exists(peer) and os.path.exists("artifacts/bench/RemovalBench.dll"):
    theirs = process_times(lambda p, d: ["dotnet", "artifacts/bench/RemovalBench.dll", "peer-run", peer, p, d])
rows = []
for k, p in enumerate(pics):
    mp = megapixels(p)
    med = lambda t: statistics.median(t[k])
    rows.append((os.path.basename(p), mp, med(gimp), med(gimp_layers), med(ours), med(theirs) if theirs else None))
md = ["# Star removal per picture in GIMP 2.10, the command line and the peer", "",
      f"One run of `tests/bench/gimp_bench.sh` on {time.strftime('%Y-%m-%d')}: model `{os.path.relpath(model)}`, "
      f"{runs} calls per picture in each tool, median wall seconds; load average {load:.1f} before the run, 2 cores. "
      "GIMP: from pressing OK to the result (plug-in start, library and model load, pixels to the plug-in and back, removal) "
      "at the filter's defaults (replace the layer) and with output = new layers, in gimp-console sessions of a profile GIMP "
      "has been used with once (its babl cache written; GIMP's own start-up not counted). "
      "Command line: `starplugin remove IN --starless OUT`, the whole process. Peer: starrem2k13's pipeline by "
      "RemovalBench peer-run, the whole process (it has no GIMP plug-in).", "",
      "| picture | Mpx | GIMP s | GIMP, new layers s | command line s | peer s |", "|---|---:|---:|---:|---:|---:|"]
for name, mp, g, gl, c, t in rows:
    md.append(f"| {name} | {mp:.2f} | {g:.2f} | {gl:.2f} | {c:.2f} | {'–' if t is None else f'{t:.2f}'} |")
md.append("")
os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
with open(out, "w") as f:
    f.write("\n".join(md) + "\n")
print("\n".join(md))
EOF
