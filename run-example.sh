#!/usr/bin/env bash
# One command on a fresh Debian/Ubuntu machine (with the .NET 10 SDK): installs the
# dependencies, builds StarPlugin (library, CLI, GIMP shim, pinned ONNX Runtime) and
# runs the main job on the bundled example: star removal, plus star detection.
set -euo pipefail
cd "$(dirname "$0")"
tools/apt-deps.sh
packaging/install.sh --build-only
mkdir -p out
sp=./artifacts/bin/starplugin
$sp remove examples/hubble_deep_field.jpg --force \
    --starless out/hubble_deep_field_starless.png --stars out/hubble_deep_field_stars.png --mask out/hubble_deep_field_mask.png
$sp detect examples/hubble_deep_field.jpg --force \
    --csv out/hubble_deep_field_stars.csv --overlay out/hubble_deep_field_overlay.png
echo "starless: out/hubble_deep_field_starless.png  stars: out/hubble_deep_field_stars.png  mask: out/hubble_deep_field_mask.png"
echo "catalogue: out/hubble_deep_field_stars.csv  overlay: out/hubble_deep_field_overlay.png"
echo "Install into GIMP and G'MIC: packaging/install.sh"
