#!/usr/bin/env bash
# Runs every test: the .NET suite (unit, codec corpus, CLI, engine), the C API test
# program against the NativeAOT library, and the GIMP/G'MIC host tests.
set -euo pipefail
cd "$(dirname "$0")"
# Builds libstarplugin.so, the CLI and the GIMP shim (fetching the pinned ONNX Runtime).
packaging/install.sh --build-only
export STARPLUGIN_REQUIRE_NATIVE=1 STARPLUGIN_REQUIRE_HOSTS=1 STARPLUGIN_REQUIRE_TRAINING=1
dotnet test StarPlugin.sln -c Release --nologo -v q "$@"
