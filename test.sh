#!/usr/bin/env bash
# Runs every test: the .NET suite (unit, codec corpus, CLI, engine), the C API test
# program against the NativeAOT library, and the GIMP/G'MIC host tests.
set -euo pipefail
cd "$(dirname "$0")"
# Builds libstarplugin.so, the CLI and the GIMP shim (fetching the pinned ONNX Runtime).
packaging/install.sh --build-only
export STARPLUGIN_REQUIRE_NATIVE=1 STARPLUGIN_REQUIRE_HOSTS=1 STARPLUGIN_REQUIRE_TRAINING=1
results=artifacts/test-results
rm -rf "$results"
# The lens finder's PostgreSQL tests run on a throwaway cluster, stopped again on exit.
eval "$(tools/pg-test-cluster.sh start)"
trap 'tools/pg-test-cluster.sh stop' EXIT
export STARPLUGIN_REQUIRE_POSTGRES=1
# On failure, name the failed tests last: CI logs keep only the tail.
if ! dotnet test StarPlugin.sln -c Release --nologo -v q \
    --logger "trx;LogFileName=results.trx" --results-directory "$results" "$@"; then
  tools/print-failed-tests.sh "$results/results.trx"
  exit 1
fi
