#!/usr/bin/env bash
# One command on a fresh Debian/Ubuntu machine: installs dependencies, builds
# StarPlugin and runs the main job on the bundled example image.
set -euo pipefail
cd "$(dirname "$0")"
tools/apt-deps.sh
tools/fetch-onnxruntime.sh
dotnet publish src/StarPlugin.Cli -c Release -o artifacts/bin --nologo -v q
mkdir -p out
./artifacts/bin/starplugin info examples/hubble_deep_field.jpg
