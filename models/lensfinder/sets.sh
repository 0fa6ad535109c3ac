#!/usr/bin/env bash
# Builds the lens finder's training and validation sets with `starplugin lens trainset`
# (our mock-lens engine and impostor renderers), reproducibly from fixed seeds:
#   train: 40000 examples, seed 1; val: 4000 examples, seed 2.
# Real backgrounds: the left 70 % (x < 0.7·width) of five cluster pictures from
# shared/data/real-dev. Held out from training and validation entirely: the right
# 30 % of those five, the whole Hydra cluster picture, and the "heldout" galaxy
# textures of galaxies.txt; the benchmark (tests/bench/lens_bench.sh) cuts from those.
#   sets.sh OUTDIR [STARPLUGIN] [REAL_DEV_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: sets.sh OUTDIR [STARPLUGIN] [REAL_DEV_DIR]}"
sp="${2:-$here/../../artifacts/bin/starplugin}"
real="${3:-$here/../../../shared/data/real-dev}"
tex=/usr/share/stellarium/nebulae/default
pictures=()
for c in coma fornax hercules leo perseus; do pictures+=(--picture "$real/${c}_cluster.png"); done
galaxies=()
while read -r kind name split; do
  [[ "$kind" == \#* || -z "$kind" || "$split" != train ]] && continue
  galaxies+=(--galaxy "$kind=$tex/$name.png")
done < "$here/galaxies.txt"
make_set() { # name n seed
  [ -f "$out/$1/labels.csv" ] && { echo "$out/$1: exists"; return; }
  "$sp" lens trainset --out "$out/$1" --n "$2" --seed "$3" --region 0:0.7 "${pictures[@]}" "${galaxies[@]}" --previews 96
}
make_set val 4000 2
make_set train 40000 1
