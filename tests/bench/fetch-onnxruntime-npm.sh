#!/usr/bin/env bash
# Fetches the ONNX Runtime build StarPlugin used before it took ORT from NuGet: the
# pinned onnxruntime-node 1.22.0 npm package, SHA-256-checked (tarball and library),
# into DEST/libonnxruntime.so.1. Only ort_bench.sh needs it, to compare the two builds.
# Usage: tests/bench/fetch-onnxruntime-npm.sh DEST
set -euo pipefail
ORT_VERSION=1.22.0
TGZ_SHA256=8007ce525b5b185b77d2b4103d3ec147ecef6d861eb14726d0bdda5e2947dbd7
SO_SHA256=08cf3bf4218f0e816c2a534e960d85221274cb319569bdf1136b29da7065b015
dest="${1:?usage: fetch-onnxruntime-npm.sh DEST}"
lib="$dest/libonnxruntime.so.1"
if [ -f "$lib" ] && echo "$SO_SHA256  $lib" | sha256sum -c --status; then exit 0; fi
mkdir -p "$dest"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
tgz="$tmp/onnxruntime-node-$ORT_VERSION.tgz"
if [ -n "${ORT_TGZ:-}" ]; then cp "$ORT_TGZ" "$tgz"; else (cd "$tmp" && npm pack --silent "onnxruntime-node@$ORT_VERSION" >/dev/null); fi
echo "$TGZ_SHA256  $tgz" | sha256sum -c --status || { echo "onnxruntime-node-$ORT_VERSION.tgz: SHA-256 mismatch, refusing to use it" >&2; exit 1; }
tar -xzf "$tgz" -C "$tmp" package/bin/napi-v6/linux/x64/libonnxruntime.so.1
echo "$SO_SHA256  $tmp/package/bin/napi-v6/linux/x64/libonnxruntime.so.1" | sha256sum -c --status || { echo "libonnxruntime.so.1: SHA-256 mismatch" >&2; exit 1; }
install -m 644 "$tmp/package/bin/napi-v6/linux/x64/libonnxruntime.so.1" "$lib"
echo "ONNX Runtime $ORT_VERSION (npm) -> $lib"
