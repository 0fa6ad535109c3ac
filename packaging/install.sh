#!/usr/bin/env bash
# StarPlugin installer: builds (or takes prebuilt files from a release tarball) and
# installs
#   - the GIMP 2.10 plug-in into $GIMP2_DIRECTORY/plug-ins/starplugin/ (default
#     ~/.config/GIMP/2.10), shared libraries mode 644 beside the executable;
#   - the GIMP 3 plug-in, when built (libgimp-3.0 present), into ~/.config/GIMP/3.0;
#   - the `starplugin` command line into $PREFIX/lib/starplugin with a link in
#     $PREFIX/bin (default PREFIX ~/.local), and, when built from the sources, the
#     lens-finding platform (`starplugin lensfinder`, needs the .NET runtime) beside it;
#   - the G'MIC commands into the user command file ~/.gmic (between markers, so a
#     user's own commands stay), which G'MIC and G'MIC-Qt load automatically.
# Usage: packaging/install.sh [--build-only | --no-build | --uninstall | --release [--no-build]] [--prefix DIR]
# A release tarball holds prebuilt files: its install.sh installs them and needs no .NET.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mode=install prefix="${PREFIX:-$HOME/.local}" nobuild=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build-only) mode=build ;;
    --no-build) nobuild=1 ;;
    --uninstall) mode=uninstall ;;
    --release) mode=release ;;
    --prefix) prefix="$2"; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 1 ;;
  esac
  shift
done
[ "$nobuild" = 1 ] && [ "$mode" = install ] && mode=install-prebuilt

if [ -d "$here/prebuilt" ]; then root="$here"; built="$here/prebuilt"; [ "$mode" = install ] && mode=install-prebuilt
else root="$(cd "$here/.." && pwd)"; built="$root/artifacts"; fi
gimp_dir="${GIMP2_DIRECTORY:-$HOME/.config/GIMP/2.10}"
gimp3_dir="${GIMP3_DIRECTORY:-$HOME/.config/GIMP/3.0}"
gmic_file="$HOME/.gmic"
version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props" 2>/dev/null || echo 0.1.0)"

step() { echo "==> $*" >&2; }

# NativeAOT compiles name the step and how long it took: two cores take minutes.
publish() { # $1 = project, $2 = output folder, $3 = core (avx2 | baseline)
  local t0=$SECONDS
  dotnet publish "$1" -c Release -r linux-x64 -o "$2" --nologo -v q -p:StarPluginCore="$3"
  echo "    $(basename "$1") $3: $((SECONDS - t0)) s" >&2
}

build() {
  cd "$root"
  command -v dotnet >/dev/null || { echo "install.sh: building needs the .NET 10 SDK (users of a release tarball need no .NET)" >&2; exit 1; }
  mkdir -p artifacts/native
  # Two NativeAOT cores, one for AVX2 CPUs and one for any x86-64-v2 CPU, behind libstarplugin.so,
  # which loads the one this CPU runs (native/dispatch/starplugin-dispatch.c says why).
  # (Each into a folder of its own: a publish deletes what the previous one put in its folder.)
  step "libstarplugin: NativeAOT cores for AVX2 and for x86-64-v2 (a few minutes on two cores)"
  for core in avx2 baseline; do
    publish src/StarPlugin.Native "artifacts/native-$core" "$core"
    cp "artifacts/native-$core/libstarplugin-$core.so" artifacts/native/
  done
  # ONNX Runtime, from the Microsoft.ML.OnnxRuntime NuGet package (the publish copies it).
  cp artifacts/native-avx2/libonnxruntime.so artifacts/native/
  step "libstarplugin.so: the dispatcher"
  gcc -O2 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden -o artifacts/native/libstarplugin.so \
      native/dispatch/starplugin-dispatch.c -Inative/include -ldl -lpthread \
      -Wl,-soname,libstarplugin.so -Wl,-z,nodelete -Wl,-rpath,'$ORIGIN' -Wl,--enable-new-dtags
  # The command line: two NativeAOT executables and a launcher that runs the one this CPU
  # can, with ONNX Runtime and the model beside them. No .NET runtime needed to run it.
  step "starplugin command line: NativeAOT executables for AVX2 and for x86-64-v2, and the launcher"
  rm -rf artifacts/bin && mkdir -p artifacts/bin/models
  for core in avx2 baseline; do
    publish src/StarPlugin.Cli "artifacts/cli-$core" "$core"
    install -m 755 "artifacts/cli-$core/starplugin-$core" artifacts/bin/
  done
  gcc -O2 -Wall -Wextra -Werror -Inative/cpu -o artifacts/bin/starplugin native/cli/starplugin-launcher.c
  install -m 644 artifacts/native/libonnxruntime.so artifacts/bin/
  # starless-v1.onnx, the 8-bit network, is the default; its float original is there for
  # GPUs (--model .../starless-v1-float.onnx), which have no integer convolutions to gain.
  install -m 644 models/starless-v1.onnx models/starless-v1-float.onnx models/lensfinder-v1.onnx artifacts/bin/models/
  # The lens-finding platform runs on ASP.NET Core: its own program, which needs the .NET 10
  # runtime (with ASP.NET Core), in lensfinder/ beside the CLI (`starplugin lensfinder`
  # starts it). Release tarballs leave it out: they run with no .NET.
  step "lens-finding platform: artifacts/bin/lensfinder (needs the .NET runtime)"
  # For this platform only (no other platforms' SQLite natives), and without what only the
  # CLI uses: ONNX Runtime and the models (the platform imports scores, it runs no network).
  rm -rf artifacts/bin/lensfinder
  dotnet publish src/StarPlugin.Web -c Release -r linux-x64 --self-contained false -o artifacts/bin/lensfinder --nologo -v q
  rm -rf artifacts/bin/lensfinder/libonnxruntime.so artifacts/bin/lensfinder/models
  # The GIMP shims: GIMP 2.10 and GIMP 3 share native/hosts (the filter table, the work
  # on the image, the one door to libstarplugin); the table also writes the help pages.
  step "GIMP 2.10 plug-in"
  local hosts="native/hosts/filters.c native/hosts/engine.c native/hosts/gimp-filters.c"
  mkdir -p artifacts/gimp/starplugin artifacts/hosts
  gcc -O2 -Wall -Wextra -Werror -o artifacts/hosts/starplugin-table native/hosts/table-dump.c native/hosts/filters.c -lm
  rm -rf artifacts/gimp/starplugin/help
  artifacts/hosts/starplugin-table help artifacts/gimp/starplugin/help
  gcc -O2 -Wall -Wextra -Werror -Wno-deprecated-declarations -o artifacts/gimp/starplugin/starplugin native/gimp/starplugin-gimp.c $hosts \
      -Inative/include -Inative/hosts $(pkg-config --cflags --libs gimpui-2.0 gegl-0.4) -Lartifacts/native -lstarplugin -lm \
      -Wl,-rpath,'$ORIGIN' -Wl,--enable-new-dtags
  if pkg-config --exists gimp-3.0 gimpui-3.0 2>/dev/null; then
    step "GIMP 3 plug-in"
    mkdir -p artifacts/gimp3/starplugin
    cp -r artifacts/gimp/starplugin/help artifacts/gimp3/starplugin/
    gcc -O2 -Wall -o artifacts/gimp3/starplugin/starplugin native/gimp3/starplugin-gimp3.c $hosts -Inative/include -Inative/hosts \
        $(pkg-config --cflags --libs gimpui-3.0 gegl-0.4) -Lartifacts/native -lstarplugin -lm -Wl,-rpath,'$ORIGIN' -Wl,--enable-new-dtags
  fi
  step "built: artifacts/bin/starplugin (command line), artifacts/bin/lensfinder (web platform), artifacts/native (libstarplugin.so), artifacts/gimp (GIMP plug-in)"
}

install_plugin() { # $1 = plug-in binary folder, $2 = target plug-ins dir
  local dest="$2/starplugin"
  rm -rf "$dest"; mkdir -p "$dest/models"
  install -m 755 "$1/starplugin" "$dest/starplugin"
  if [ -d "$1/help" ]; then cp -r "$1/help" "$dest/help"; fi
  # GIMP tries to run every executable in plug-ins/: libraries must not be executable.
  install -m 644 "$built/native/libstarplugin.so" "$built/native/libstarplugin-avx2.so" \
      "$built/native/libstarplugin-baseline.so" "$built/native/libonnxruntime.so" "$dest/"
  install -m 644 "$root/models/starless-v1.onnx" "$dest/models/"
}

gmic_block() {
  echo "#@starplugin-begin (installed by StarPlugin $version; remove with packaging/install.sh --uninstall)"
  sed "s|u \"starplugin\"|u \"$prefix/bin/starplugin\"|" "$root/native/gmic/starplugin.gmic" | grep -v '^#@gmic$'
  echo "#@starplugin-end"
}

strip_gmic() {
  [ -f "$gmic_file" ] || return 0
  local tmp; tmp="$(mktemp "$gmic_file.XXXXXX")"
  sed '/^#@starplugin-begin/,/^#@starplugin-end/d' "$gmic_file" > "$tmp" && mv "$tmp" "$gmic_file"
}

install_all() {
  [ -f "$built/native/libstarplugin.so" ] || { echo "install.sh: not built yet (run without --no-build)" >&2; exit 1; }
  mkdir -p "$gimp_dir/plug-ins"
  install_plugin "$built/gimp/starplugin" "$gimp_dir/plug-ins"
  if [ -f "$built/gimp3/starplugin/starplugin" ]; then mkdir -p "$gimp3_dir/plug-ins"; install_plugin "$built/gimp3/starplugin" "$gimp3_dir/plug-ins"; fi
  local lib="$prefix/lib/starplugin"
  rm -rf "$lib"; mkdir -p "$lib/models" "$prefix/bin"
  cp -r "$built/bin/." "$lib/"
  [ -f "$lib/libonnxruntime.so" ] || install -m 644 "$built/native/libonnxruntime.so" "$lib/"
  ln -sfn "$lib/starplugin" "$prefix/bin/starplugin"
  strip_gmic
  gmic_block >> "$gmic_file"
  echo "StarPlugin $version installed:"
  echo "  GIMP:  $gimp_dir/plug-ins/starplugin (Filters > Astronomy)"
  echo "  CLI:   $prefix/bin/starplugin"
  if [ -d "$lib/lensfinder" ]; then echo "  Web:   $prefix/bin/starplugin lensfinder (needs the .NET 10 runtime with ASP.NET Core)"; fi
  echo "  G'MIC: commands starless, star_reduce, star_mask, star_detect, mock_lens in $gmic_file"
}

uninstall_all() {
  rm -rf "$gimp_dir/plug-ins/starplugin" "$gimp3_dir/plug-ins/starplugin" "$prefix/lib/starplugin"
  [ -L "$prefix/bin/starplugin" ] && rm -f "$prefix/bin/starplugin"
  strip_gmic
  echo "StarPlugin removed."
}

release() {
  if [ "$nobuild" = 1 ]; then [ -f "$root/artifacts/bin/starplugin" ] || { echo "install.sh: not built yet (run without --no-build)" >&2; exit 1; }
  else build; fi
  step "release tarball"
  local name="starplugin-$version-linux-x64" dist="$root/dist"
  local stage; stage="$(mktemp -d)"
  mkdir -p "$stage/$name/prebuilt" "$stage/$name/models" "$stage/$name/native/gmic"
  cp -r "$root/artifacts/native" "$root/artifacts/bin" "$root/artifacts/gimp" "$stage/$name/prebuilt/"
  rm -f "$stage/$name/prebuilt/bin/libonnxruntime.so"  # one copy, in native/; install.sh puts it beside the CLI
  rm -rf "$stage/$name/prebuilt/bin/lensfinder"  # the web platform needs .NET: built from the sources
  [ -d "$root/artifacts/gimp3" ] && cp -r "$root/artifacts/gimp3" "$stage/$name/prebuilt/"
  cp "$root/models/starless-v1.onnx" "$root/models/MODEL_CARD.md" "$stage/$name/models/" 2>/dev/null || cp "$root/models/starless-v1.onnx" "$stage/$name/models/"
  cp "$root/models/lensfinder-v1.onnx" "$root/models/LENSFINDER_CARD.md" "$stage/$name/models/"
  cp "$root/native/gmic/starplugin.gmic" "$stage/$name/native/gmic/"
  cp "$root/Directory.Build.props" "$root/LICENSE" "$root/README.md" "$stage/$name/"
  cp "$0" "$stage/$name/install.sh"
  mkdir -p "$dist"
  tar -C "$stage" -czf "$dist/$name.tar.gz" "$name"
  rm -rf "$stage"
  echo "$dist/$name.tar.gz (unpack, then ./install.sh)"
}

case "$mode" in
  build) build ;;
  install) build; install_all ;;
  install-prebuilt) install_all ;;
  uninstall) uninstall_all ;;
  release) release ;;
esac
