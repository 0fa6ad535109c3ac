#!/usr/bin/env bash
# The survey pipeline from a catalogue and survey images to machine-scored cutouts and
# mocks, on one machine or as Slurm job arrays (the same commands, the same results):
#   1. cutouts of every catalogue object (FITS cube + colour PNG, manifest.csv)
#   2. mock lenses in those cutouts (mock-lens batch, labelled manifest.csv)
#   3. machine lens-finder scores of the cutouts and the mocks (scores.csv)
#   4. a lens-finding platform project (OUTDIR/platform): the cutouts to search (label -1),
#      the mocks and their originals as training images, and the machine's scores as a
#      voter (lensfinder import, import-scores); serve it with
#      `starplugin lensfinder serve --data OUTDIR/platform`
#
#   pipeline.sh [--local | --tasks N] CATALOG.csv OUTDIR SIZE IMAGE...
# Environment: STARPLUGIN (command), MOCKS (number of mocks, default 100), SEED (1),
# LENS_MODEL (default: the shipped model), SBATCH_ARGS (extra sbatch options, e.g. a partition).
# Slurm mode submits each step as an array of N tasks plus a merge job, chained with
# afterok dependencies, and prints the last job's id; `sbatch --wait` style waiting is
# left to the caller (squeue, or the merge job's output). Rerunning resumes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mode=local tasks=1
case "${1:-}" in
  --local) shift ;;
  --tasks) mode=slurm tasks="${2:?N}"; shift 2 ;;
esac
catalog="${1:?CATALOG.csv}"; out="${2:?OUTDIR}"; size="${3:?SIZE}"; shift 3
[ $# -ge 1 ] || { echo "pipeline.sh: give at least one --image file" >&2; exit 1; }
read -ra SP <<< "${STARPLUGIN:-starplugin}"
mocks="${MOCKS:-100}" seed="${SEED:-1}"
mkdir -p "$out"
images=(); for im in "$@"; do images+=(--image "$im"); done
model=(); [ -n "${LENS_MODEL:-}" ] && model=(--model "$LENS_MODEL")

if [ "$mode" = local ]; then
  "${SP[@]}" cutouts "$catalog" "${images[@]}" --size "$size" --out "$out/cutouts"
  "${SP[@]}" mock-lens batch --cutouts "$out/cutouts/manifest.csv" --n "$mocks" --out "$out/mocks" --seed "$seed"
  "${SP[@]}" lens score "$out/cutouts" "$out/mocks" --out "$out/scores.csv" "${model[@]}"
  bash "$here/platform.sbatch" "$out"
else
  read -ra extra <<< "${SBATCH_ARGS:-}"
  sub() { sbatch --parsable "${extra[@]}" --export=ALL "$@"; }
  last=$((tasks - 1))
  j1=$(sub --array=0-$last "$here/cutouts.sbatch" "$catalog" "$out/cutouts" "$size" "$@")
  m1=$(sub --dependency=afterok:$j1 "$here/merge.sbatch" "$out/cutouts/manifest.csv" "$tasks" "$out/cutouts")
  sub --dependency=afterok:$j1 "$here/merge.sbatch" "$out/cutouts/outside.csv" "$tasks" "$out/cutouts" >/dev/null
  j2=$(sub --dependency=afterok:$m1 --array=0-$last "$here/mock-lens.sbatch" "$out/cutouts/manifest.csv" "$mocks" "$out/mocks" "$seed")
  m2=$(sub --dependency=afterok:$j2 "$here/merge.sbatch" "$out/mocks/manifest.csv" "$tasks" "$out/mocks")
  j3=$(sub --dependency=afterok:$m2 --array=0-$last "$here/lens-score.sbatch" "$out/scores.csv" "$out/cutouts" "$out/mocks")
  m3=$(sub --dependency=afterok:$j3 "$here/merge.sbatch" "$out/scores.csv" "$tasks" "$out")
  j4=$(sub --dependency=afterok:$m3 "$here/platform.sbatch" "$out")
  echo "$j4"
fi
