#!/usr/bin/env bash
# Runs every test: the .NET suite (unit, codec corpus, CLI, engine, host tests).
set -euo pipefail
cd "$(dirname "$0")"
tools/fetch-onnxruntime.sh
dotnet test StarPlugin.sln -c Release --nologo -v q "$@"
