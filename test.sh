#!/usr/bin/env bash
# Runs every test: the .NET suite (unit, codec corpus, CLI, engine), the C API test
# program against the NativeAOT library, and the GIMP/G'MIC host tests.
set -euo pipefail
cd "$(dirname "$0")"
# What only the tests need (GIMP, G'MIC, torch...), on top of what building needs.
tools/apt-deps.sh --tests
# Builds libstarplugin.so, the native CLI and the GIMP shim.
echo "==> build (packaging/install.sh --build-only)" >&2
packaging/install.sh --build-only
echo "==> tests (dotnet test)" >&2
export STARPLUGIN_REQUIRE_NATIVE=1 STARPLUGIN_REQUIRE_HOSTS=1 STARPLUGIN_REQUIRE_TRAINING=1
results=artifacts/test-results
rm -rf "$results"
# The lens finder's PostgreSQL tests run on a throwaway cluster, stopped again on exit.
eval "$(tools/pg-test-cluster.sh start)"
trap 'tools/pg-test-cluster.sh stop' EXIT
export STARPLUGIN_REQUIRE_POSTGRES=1
# On failure, name the failed tests last: CI logs keep only the tail.
if ! dotnet test StarPlugin.sln -c Release --nologo -v q \
    --logger "trx;LogFilePrefix=results" --results-directory "$results" "$@"; then
  # One .trx per test project (a fixed name made the second overwrite the first).
  for trx in "$results"/*.trx; do tools/print-failed-tests.sh "$trx"; done
  exit 1
fi
