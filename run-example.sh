#!/usr/bin/env bash
# One command on a fresh Debian/Ubuntu machine: installs dependencies, builds
# StarPlugin and runs the main job on the bundled example image.
set -euo pipefail
cd "$(dirname "$0")"
tools/apt-deps.sh
tools/fetch-onnxruntime.sh
dotnet publish src/StarPlugin.Cli -c Release -o artifacts/bin --nologo -v q
mkdir -p out
# Main job (until the star-removal model lands): detect the stars of the bundled example.
./artifacts/bin/starplugin detect examples/hubble_deep_field.jpg --force \
    --csv out/hubble_deep_field.stars.csv --overlay out/hubble_deep_field.overlay.png --mask out/hubble_deep_field.mask.png
echo "catalogue: out/hubble_deep_field.stars.csv   overlay: out/hubble_deep_field.overlay.png   mask: out/hubble_deep_field.mask.png"
