#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages StarPlugin needs, and says what and why first.
#   tools/apt-deps.sh            building and running: what run-example.sh and
#                                packaging/install.sh need (plus the .NET 10 SDK, not in Debian)
#   tools/apt-deps.sh --tests    also what only the tests need (test.sh and .ci/run call this)
#   tools/apt-deps.sh --bench    also the benchmarks' peers (tests/bench); STARPLUGIN_FULL_DEPS=1 too
# Idempotent: packages already present are skipped. Users of a release tarball need none
# of this: its binaries need only glibc, libstdc++ and, for JPEG, libturbojpeg0.
set -euo pipefail
level=build
case "${1:-}" in
  --tests) level=tests ;;
  --bench) level=bench ;;
  "") ;;
  *) echo "usage: tools/apt-deps.sh [--tests | --bench]" >&2; exit 1 ;;
esac
[ "${STARPLUGIN_FULL_DEPS:-0}" = 1 ] && level=bench
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "need root or sudo to install packages" >&2; exit 1; }
  SUDO="sudo"
fi
# Building and running.
PKGS=(
  libturbojpeg0                  # JPEG codec (P/Invoke)
  clang gcc zlib1g-dev binutils  # NativeAOT link, the dispatcher and launcher, the C shims
  pkg-config libgimp2.0-dev      # the GIMP 2.10 plug-in
)
# Only the tests.
TEST_PKGS=(
  libtiff-tools                  # tiffcp: cross-checks our TIFF codec against libtiff
  gimp gmic gimp-gmic            # headless host tests (gimp-console-2.10, gmic, G'MIC-Qt)
  xvfb                           # the GIMP dialogs, tested on a virtual display
  python3-numpy python3-onnx python3-torch python3-scipy  # training (CI runs a two-step smoke training and checks the real-picture library) and export
  postgresql chromium fonts-wqy-microhei  # lens finder: two servers on one PostgreSQL; browser tests in /usr/bin/chromium (Chinese glyphs)
  libcfitsio-bin python3-astropy python3-sep python3-pil  # fpack/funpack and astropy write and read the compressed-FITS fixtures
  imagemagick                    # writes and reads the PNG/JPEG interop fixtures
  liblz4-1 libzstd1              # the reference lz4/zstd the XISF tests check our blocks against
  slurm-wlm munge                # the survey pipeline's job arrays on a single-node Slurm (tests/slurm/cluster.sh)
)
# Only the benchmarks: the peers they compare against.
BENCH_PKGS=(
  source-extractor python3-sep python3-photutils python3-astropy
  python3-scipy python3-pil stellarium-data  # the real-image removal bench (tests/bench/real_dev_bench.sh)
)
[ "$level" = build ] || PKGS+=("${TEST_PKGS[@]}")
[ "$level" = bench ] && PKGS+=("${BENCH_PKGS[@]}")
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> apt: installing for $level: ${missing[*]} (with their dependencies; apt lists them and the size below)" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}" \
    | grep -E "^(The following NEW|  [a-z0-9]|[0-9]+ upgraded|Need to get|After this operation)" >&2 || true
  for p in "${missing[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || { echo "apt-deps.sh: $p did not install" >&2; exit 1; }; done
else
  echo "==> apt: everything for $level is installed (${#PKGS[@]} packages)" >&2
fi
command -v dotnet >/dev/null || { echo "the .NET SDK 10 is required to build (https://dot.net); it is not in Debian's archive" >&2; exit 1; }
