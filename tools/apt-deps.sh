#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages StarPlugin builds, tests and benchmarks with.
# Idempotent: packages already present are skipped by apt.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "need root or sudo to install packages" >&2; exit 1; }
  SUDO="sudo"
fi
PKGS=(
  libturbojpeg0                  # JPEG codec (P/Invoke)
  libtiff-tools                  # tiffcp: cross-checks our TIFF codec against libtiff
  clang gcc zlib1g-dev binutils  # NativeAOT link, the C shims and the C API test; nm/readelf in the ABI tests
  pkg-config libgimp2.0-dev      # the GIMP 2.10 plug-in
  gimp gmic gimp-gmic            # headless host tests (gimp-console-2.10, gmic, G'MIC-Qt)
  python3-numpy python3-onnx python3-torch  # training (CI runs a two-step smoke training) and export
  postgresql chromium fonts-wqy-microhei  # lens finder: two servers on one PostgreSQL; browser tests in /usr/bin/chromium (Chinese glyphs)
)
# npm fetches the pinned onnxruntime-node package; a nodejs build that bundles npm
# conflicts with Debian's npm package, so only install it when the command is missing.
command -v npm >/dev/null || PKGS+=(npm)
if [ "${STARPLUGIN_FULL_DEPS:-0}" = 1 ]; then
  PKGS+=(source-extractor python3-sep python3-photutils python3-astropy)  # benchmark peers
fi
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
command -v dotnet >/dev/null || { echo "the .NET SDK 10 is required (https://dot.net); it is not in Debian's archive" >&2; exit 1; }
