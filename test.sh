#!/usr/bin/env bash
# Runs every test: the .NET suite (unit, codec corpus, CLI, engine), the C API test
# program against the NativeAOT library, and the GIMP/G'MIC host tests.
set -euo pipefail
cd "$(dirname "$0")"
tools/fetch-onnxruntime.sh
dotnet publish src/StarPlugin.Native -c Release -r linux-x64 -o artifacts/native --nologo -v q
rm -f artifacts/native/*.dbg artifacts/native/*.pdb
export STARPLUGIN_REQUIRE_NATIVE=1
dotnet test StarPlugin.sln -c Release --nologo -v q "$@"
