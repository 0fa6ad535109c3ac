#!/usr/bin/env bash
# One command on a fresh Debian/Ubuntu machine (with the .NET 10 SDK): installs what
# building and running need (tools/apt-deps.sh says what), builds StarPlugin (the
# NativeAOT library and command line, the GIMP plug-in) and runs the main job on the
# bundled example: star removal, plus star detection. The command line it builds is
# artifacts/bin/starplugin (a native program: it needs no .NET to run).
set -euo pipefail
cd "$(dirname "$0")"
echo "==> 1/3 packages for building and running (tools/apt-deps.sh)"
tools/apt-deps.sh
echo "==> 2/3 build (packaging/install.sh --build-only; the NativeAOT compiles take a few minutes on two cores)"
packaging/install.sh --build-only
echo "==> 3/3 star removal and detection on examples/hubble_deep_field.jpg"
mkdir -p out
sp=./artifacts/bin/starplugin
$sp remove examples/hubble_deep_field.jpg --force \
    --starless out/hubble_deep_field_starless.png --stars out/hubble_deep_field_stars.png --mask out/hubble_deep_field_mask.png
$sp detect examples/hubble_deep_field.jpg --force \
    --csv out/hubble_deep_field_stars.csv --overlay out/hubble_deep_field_overlay.png
echo "starless: out/hubble_deep_field_starless.png  stars: out/hubble_deep_field_stars.png  mask: out/hubble_deep_field_mask.png"
echo "catalogue: out/hubble_deep_field_stars.csv  overlay: out/hubble_deep_field_overlay.png"
echo "The command line: $sp (try $sp --help). Install it, the GIMP plug-in and the G'MIC commands: packaging/install.sh"
