#!/bin/bash
# The real-photo training of issue 17 (steps 40,406 on), from a fresh machine, resumable:
#   models/training/train_real.sh [DATA_DIR]      (default models/training/runs/real-data)
#   env: MINUTES (600), LR and MINLR (3e-4: the shipped model's rate, constant), SHARED_DIR (../shared),
#        GALAXY_SHARE (0: real samples cut around a catalogued galaxy; at 0.15 the network
#        kept the mid-sized clipped ellipticals within 2,300 steps, and with them the
#        brightest clipped star of M3, NGC 6752, IC 2944, Coma and others: balance it with
#        bright stars before raising it), CLIPPED_STAR_SHARE (0: real samples holding a
#        clipped star that the target removes, the galaxy crops' counterweight),
#        BIG_CLIPPED_STARS (unset: when 1, half of those stars are enlarged 1.5-3.5x),
#        ENLARGE_SHARE (0: real samples cut smaller and enlarged 1.5-3.5x, for oversampled pictures' wide stars),
#        BASE (16: the shipped width; 8 trains a narrower, cheaper network (12 runs no faster) from
#        models/training/checkpoint-baseN.pt, or the first time from the wide one cut down
#        by prune.py, into runs/real1-baseN.pt; it also learns the wide network's star
#        layer, DISTILL (0.5) of the loss)
# 1. the pictures: realdata/sources.py links the 535 to train on and the 10 held out
#    (realdata/pictures.csv lists them with their credits) from Debian's stellarium-data;
# 2. what the current pipeline makes of them: `starplugin remove --with-mask` (TIFF);
# 3. the library: realdata/build_library.py refines those backgrounds, gives back the
#    galaxies of Stellarium's catalogue (tests/bench/real_dev_galaxies.py places them),
#    fills the clipped stars the pipeline kept (not the catalogue's planetary nebulae) and
#    cuts the star layers;
# 4. training on 60 % real pairs, 40 % synthetic, resumed from runs/real1.pt, or the first
#    time from the committed checkpoint (models/training/checkpoint.pt).
# Steps 1-3 skip what is done (a quarter of an hour on 2 cores the first time, 1 GB); SIGTERM ends
# training with a checkpoint. Export with models/training/export.py runs/real1.pt OUT.onnx.
set -euo pipefail
[ -n "${1:-}" ] && data="$(realpath -m "$1")"   # the caller's folder, before the cd
cd "$(dirname "$0")/../.."
data="${data:-$(realpath -m models/training/runs/real-data)}"
nebulae=/usr/share/stellarium/nebulae/default
shared="${SHARED_DIR:-}"
if [ -z "$shared" ]; then for d in ../shared ../../shared; do [ -d "$d/data/real-dev" ] && { shared="$d"; break; }; done; fi
[ -d "$nebulae" ] || { echo "train_real.sh: $nebulae missing (apt install stellarium-data, or tools/apt-deps.sh --bench)" >&2; exit 1; }
[ -n "$shared" ] || { echo "train_real.sh: ../shared/data/real-dev not found; set SHARED_DIR" >&2; exit 1; }
[ -x artifacts/bin/starplugin ] || packaging/install.sh --build-only
export STARPLUGIN_CLI="$PWD/artifacts/bin/starplugin"
py=/usr/bin/python3
$py models/training/realdata/sources.py link "$nebulae" "$shared/data/real-dev" "$data"
# Where Stellarium's catalogue puts galaxies on the pictures (made afresh: seconds).
galaxies="$data/galaxies.csv"
$py tests/bench/real_dev_galaxies.py "$galaxies.tmp" "$data"/src/* "$data"/srcval/* 2>"$data/galaxies.log" \
  || { cat "$data/galaxies.log" >&2; echo "train_real.sh: placing the catalogue's galaxies failed" >&2; exit 1; }
mv "$galaxies.tmp" "$galaxies"
# And its planetary nebulae, whose clipped discs the clipped-star pass must not fill.
planetary="$data/planetary.csv"
$py tests/bench/real_dev_galaxies.py "$planetary.tmp" "$data"/src/* "$data"/srcval/* --planetary 2>"$data/planetary.log" \
  || { cat "$data/planetary.log" >&2; echo "train_real.sh: placing the catalogue's planetary nebulae failed" >&2; exit 1; }
mv "$planetary.tmp" "$planetary"
for set in src srcval; do
  clean="$data/clean1${set#src}" lib="$data/lib${set#src}"
  mkdir -p "$clean"
  # A picture that fails is reported and left out of the library (build_library skips it).
  nice -n 10 "$STARPLUGIN_CLI" remove "$data/$set" --out-dir "$clean" --with-mask --format tif --skip-existing || echo "train_real.sh: some pictures failed (above); going on without them" >&2
  nice -n 10 $py models/training/realdata/build_library.py "$data/$set" "$clean" "$lib" --galaxies "$galaxies" --planetary "$planetary"
done
base="${BASE:-16}" teach=()
mkdir -p models/training/runs
if [ "$base" = 16 ]; then
  ckpt=models/training/runs/real1.pt
  [ -f "$ckpt" ] || cp models/training/checkpoint.pt "$ckpt"
else
  # A narrower network (fewer channels at every level, cheaper to run): resumed from its
  # own committed checkpoint, or the first time cut down from the wide one (prune.py).
  ckpt=models/training/runs/real1-base$base.pt
  # It also learns the wide network's star layer (DISTILL: that target's share of the loss).
  teach=(--teacher models/training/checkpoint.pt --distill "${DISTILL:-0.5}")
  if [ ! -f "$ckpt" ]; then
    if [ -f models/training/checkpoint-base$base.pt ]; then cp models/training/checkpoint-base$base.pt "$ckpt"
    else $py models/training/prune.py models/training/checkpoint.pt "$base" "$ckpt"; fi
  fi
fi
exec nice -n 15 $py models/training/train.py --minutes "${MINUTES:-600}" --checkpoint "$ckpt" --base "$base" \
  --lr "${LR:-3e-4}" --min-lr "${MINLR:-3e-4}" --no-psf-input --real-lib "$data/lib" --real-val "$data/libval" \
  --real-share 0.6 --galaxy-weight 1 --real-galaxy-share "${GALAXY_SHARE:-0}" \
  --real-clipped-star-share "${CLIPPED_STAR_SHARE:-0}" ${BIG_CLIPPED_STARS:+--real-big-clipped-stars} \
  --real-enlarge-share "${ENLARGE_SHARE:-0}" "${teach[@]}"
