#!/usr/bin/env bash
# The release tarball on a machine with no .NET: installs it for a fresh user and runs
# the command line, the G'MIC commands and the GIMP plug-in in a private mount namespace
# where every .NET install folder is an empty tmpfs, with no dotnet on PATH and no
# DOTNET_ROOT; and checks with ldd that no shipped binary links a .NET runtime host.
# Usage: tests/packaging/release_without_dotnet.sh dist/starplugin-VERSION-linux-x64.tar.gz
# Exit 0: all passed; 1: a check failed; 77: cannot make a mount namespace here.
# G'MIC and GIMP parts are skipped (loudly) when those hosts are missing, unless
# STARPLUGIN_REQUIRE_HOSTS=1.
set -euo pipefail
tarball="$(realpath "${1:?usage: release_without_dotnet.sh TARBALL}")"

if [ "${STARPLUGIN_NO_DOTNET_NS:-}" != 1 ]; then
  # Root can make a mount namespace directly; anyone else through a user namespace.
  ns=(unshare --mount --propagation private)
  [ "$(id -u)" = 0 ] || ns=(unshare --user --map-root-user --mount --propagation private)
  "${ns[@]}" true 2>/dev/null || { echo "SKIPPED: cannot create a mount namespace here (${ns[*]})" >&2; exit 77; }
  exec "${ns[@]}" env STARPLUGIN_NO_DOTNET_NS=1 bash "$0" "$@"
fi

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*" >&2; }
require_hosts="${STARPLUGIN_REQUIRE_HOSTS:-0}"

# Hide .NET: every install folder becomes an empty tmpfs, and nothing points at one.
for d in /usr/share/dotnet /usr/lib/dotnet /usr/lib64/dotnet /usr/local/share/dotnet /opt/dotnet "${HOME:-/root}/.dotnet"; do
  [ -d "$d" ] && mount -t tmpfs -o size=1m,mode=755 none "$d"
done
unset DOTNET_ROOT DOTNET_ROOT_X64 DOTNET_HOST_PATH DOTNET_CLI_HOME MSBuildSDKsPath
export PATH=/usr/local/bin:/usr/bin:/bin
command -v dotnet >/dev/null && fail "dotnet is still on PATH: $(command -v dotnet)"
[ -e /usr/share/dotnet/dotnet ] && fail "/usr/share/dotnet is still visible"
step "no .NET visible: no dotnet on PATH, /usr/share/dotnet empty, no DOTNET_ROOT"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" TMPDIR="$work/tmp" GIMP2_DIRECTORY="$work/home/gimp2"
export XDG_CONFIG_HOME="$HOME/.config" XDG_CACHE_HOME="$HOME/.cache" XDG_DATA_HOME="$HOME/.local/share"
mkdir -p "$HOME" "$TMPDIR" "$GIMP2_DIRECTORY/gradients"
unset STARPLUGIN_MODEL STARPLUGIN_CPU

step "unpack and install $(basename "$tarball")"
tar -xzf "$tarball" -C "$work"
release=("$work"/starplugin-*-linux-x64)
"${release[0]}/install.sh" --prefix "$HOME/.local" >&2
sp="$HOME/.local/bin/starplugin"
lib="$HOME/.local/lib/starplugin"
plugin="$GIMP2_DIRECTORY/plug-ins/starplugin"
[ -x "$sp" ] || fail "$sp not installed"

step "ldd: no .NET runtime host library, nothing missing"
for f in "$lib"/starplugin "$lib"/starplugin-avx2 "$lib"/starplugin-baseline "$plugin"/starplugin "$plugin"/*.so; do
  out="$(ldd "$f" 2>&1)" || true
  if grep -Eq 'libhostfxr|libhostpolicy|libcoreclr|libclrjit|not found' <<<"$out"; then fail "$f: $out"; fi
  echo "    $(basename "$f"): $(grep -c '=>' <<<"$out") libraries, none from .NET" >&2
done

cd "$work"
step "command line: synth, detect, remove (shipped model), info, convert"
"$sp" --help >/dev/null || fail "starplugin --help"
"$sp" synth stars field.fits --width 160 --height 160 --stars 60 --seed 3 >/dev/null || fail "synth stars"
"$sp" detect field.fits --csv catalogue.csv >/dev/null || fail "detect"
stars=$(($(wc -l < catalogue.csv) - 1))
[ "$stars" -ge 20 ] || fail "detect found $stars stars on a field of 60"
STARPLUGIN_CPU=baseline STARPLUGIN_VERBOSE=1 "$sp" detect field.fits --csv catalogue-baseline.csv 2>"$work/launch.log" >/dev/null || fail "detect (baseline build): $(cat "$work/launch.log")"
grep -q "running .*/starplugin-baseline" "$work/launch.log" || fail "STARPLUGIN_CPU=baseline did not run the baseline build: $(cat "$work/launch.log")"
[ "$(wc -l < catalogue-baseline.csv)" -ge 21 ] || fail "the baseline build found $(wc -l < catalogue-baseline.csv) rows"
"$sp" remove field.fits --starless starless.fits --stars stars.fits >/dev/null || fail "remove"
"$sp" info starless.fits >/dev/null || fail "info"
"$sp" convert field.fits field.png --depth u16 >/dev/null || fail "convert"
echo "    detect: $stars stars; remove wrote starless.fits and stars.fits" >&2

if command -v gmic >/dev/null; then
  step "G'MIC: the installed commands, through the native CLI"
  gmic field.png starless 0 -o gmic-starless.png >"$work/gmic.log" 2>&1 || fail "gmic starless: $(cat "$work/gmic.log")"
  gmic field.png star_detect 0.58,5 -o gmic-detect.png >>"$work/gmic.log" 2>&1 || fail "gmic star_detect: $(cat "$work/gmic.log")"
  [ -s gmic-starless.png ] && [ -s gmic-detect.png ] || fail "gmic wrote no output"
elif [ "$require_hosts" = 1 ]; then fail "gmic is not installed"
else echo "SKIPPED: gmic is not installed" >&2; fi

if command -v gimp-console-2.10 >/dev/null; then
  step "GIMP 2.10: Remove Stars through the installed plug-in"
  # Every parameter after run-mode, image and drawable at its default (0, or "" for text),
  # read from the PDB so this check does not depend on the plug-in's parameter list.
  script='(let* ((proc "plug-in-starplugin-remove-stars")
                 (n (nth 6 (gimp-procedural-db-proc-info proc)))
                 (img (car (gimp-file-load RUN-NONINTERACTIVE "field.png" "field.png")))
                 (d (car (gimp-image-get-active-drawable img)))
                 (extra (let loop ((k 3) (acc (list)))
                          (if (>= k n) (reverse acc)
                              (loop (+ k 1) (cons (if (= (car (gimp-procedural-db-proc-arg proc k)) PDB-STRING) "" 0) acc))))))
            (apply (eval (string->symbol proc)) (append (list RUN-NONINTERACTIVE img d) extra))
            (gimp-file-save RUN-NONINTERACTIVE img d "gimp-starless.tif" "gimp-starless.tif"))'
  gimp-console-2.10 -i -d -f --stack-trace-mode=never -b "$script" -b '(gimp-quit 0)' >"$work/gimp.log" 2>&1 || true
  if grep -Eq "execution error|Calling error|GIMP-Error|StarPlugin: " "$work/gimp.log" || [ ! -s gimp-starless.tif ]; then
    fail "GIMP: $(cat "$work/gimp.log")"
  fi
elif [ "$require_hosts" = 1 ]; then fail "gimp-console-2.10 is not installed"
else echo "SKIPPED: gimp-console-2.10 is not installed" >&2; fi

echo "PASS: the release runs with no .NET on the machine" >&2
