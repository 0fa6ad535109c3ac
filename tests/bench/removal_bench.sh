#!/usr/bin/env bash
# Star-removal benchmark: StarPlugin's starless-v1 against the peer model starrem2k13,
# both run through StarPlugin's ONNX Runtime engine in one run (the peer with its own
# pipeline, see RemovalBench/PeerPipeline.cs). Writes tests/bench/results/removal.md.
# Needs ../shared (peer model and real images) beside the checkout.
set -euo pipefail
cd "$(dirname "$0")/../.."
peer="${PEER_MODEL:-../shared/peers/starrem2k13/model.onnx}"
real="${REAL_DIR:-../shared/data/real}"
dotnet build tests/bench/RemovalBench -c Release -o artifacts/bench --nologo -v q
bench="dotnet artifacts/bench/RemovalBench.dll"
out=tests/bench/results
mkdir -p "$out/removal"
ours=$($bench throughput ours 6000 4000 models/starless-v1.onnx "$real/samples_rim_nebula.jpg")
network=$(BENCH_CLEANUP=0 BENCH_KEEP_GALAXIES=0 $bench throughput ours 6000 4000 models/starless-v1.onnx "$real/samples_rim_nebula.jpg")
keep=$(BENCH_KEEP_GALAXIES=1 $bench throughput ours 6000 4000 models/starless-v1.onnx "$real/samples_rim_nebula.jpg")
theirs=$($bench throughput peer 1536 1536 "$peer" "$real/samples_rim_nebula.jpg")
fits=tests/bench/work/removal-fits
rm -rf "$fits"
$bench quality models/starless-v1.onnx "$peer" "$real" "$out/removal" "$fits"
/usr/bin/python3 tests/bench/residual_sep.py "$fits" > "$out/removal/residual_sep.md"
$bench galaxies models/starless-v1.onnx "$peer" examples/hubble_deep_field.jpg "$out/removal"
$bench heldout models/starless-v1.onnx 24 "$out/heldout.md"
cp "$out/removal/rim_comparison.png" docs/removal_rim_nebula_comparison.png
cp "$out/removal/galaxy_comparison.png" docs/removal_galaxy_field_comparison.png
field() { echo "$1" | sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p"; }
{
  echo "# Star-removal benchmark"
  echo
  echo "One run of \`tests/bench/removal_bench.sh\` on $(nproc) cores, CPU execution provider, ONNX Runtime $(echo "$ours" | sed -n 's/.*"ort":"\([^"]*\)".*/\1/p'). Throughput: median of 3 runs each after a warm-up run, one loaded session (this VM's timings vary by about ±10 % between runs)."
  echo
  echo "## Throughput and memory"
  echo
  echo "| pipeline | image | seconds | Mpx/s | peak RSS MB |"
  echo "|---|---|---:|---:|---:|"
  echo "| StarPlugin starless-v1, default pipeline (network + residual cleanup + keep-galaxies auto; the model's tiling: tile 1024, overlap 32, batch 1; RGB in one pass) | 6000×4000 RGB | $(field "$ours" seconds) | $(field "$ours" mpx_per_s) | $(field "$ours" peak_rss_mb) |"
  echo "| StarPlugin starless-v1, network only (\`--no-cleanup --keep-galaxies never\`) | 6000×4000 RGB | $(field "$network" seconds) | $(field "$network" mpx_per_s) | $(field "$network" peak_rss_mb) |"
  echo "| StarPlugin starless-v1, default + \`--keep-galaxies\` (always) | 6000×4000 RGB | $(field "$keep" seconds) | $(field "$keep" mpx_per_s) | $(field "$keep" peak_rss_mb) |"
  echo "| starrem2k13 (its pipeline: per channel, 512 tiles) | 1536×1536 RGB | $(field "$theirs" seconds) | $(field "$theirs" mpx_per_s) | $(field "$theirs" peak_rss_mb) |"
  echo
  echo "Speed-up over the peer: $(awk -v a="$(field "$ours" mpx_per_s)" -v b="$(field "$theirs" mpx_per_s)" 'BEGIN { printf "%.1f", a / b }')× (default pipeline), $(awk -v a="$(field "$network" mpx_per_s)" -v b="$(field "$theirs" mpx_per_s)" 'BEGIN { printf "%.1f", a / b }')× (network only)."
  echo
  echo "## Quality"
  echo
  echo "Residual stars: confident stars (coefficient ≥ 0.8, S/N ≥ 10, FWHM ≤ 6 px) still detected within 2 px after removal ÷ those before (on real nebula data the detector also marks nebula knots, which must stay). Off-star change: mean |starless − input| outside a disc of min(3·FWHM + 2, 10) px around every detection, % of the range; signed: negative = darkening. Seam error ratio: error on 512-px tile boundaries ÷ interior error (1 = no seams). Ring chroma: colour error around the 50 brightest stars against the truth."
  echo
  cat "$out/removal/quality.md"
  echo
  echo "### Residual stars counted by an independent detector"
  echo
  echo "The same results counted by sep (tests/bench/residual_sep.py): star-like sep objects of the input (unblended, S/N ≥ 10, FWHM ≤ 6 px, elongation ≤ 1.5) with any sep object within 2 px after removal. StarPlugin's cleanup uses StarPlugin's detector, so this count does not share its blind spots. At 3σ sep also takes compact clumps of nebulosity and JPEG noise on the real crop for stars; they stay in every result."
  echo
  cat "$out/removal/residual_sep.md"
  echo
  echo "## Galaxy field"
  echo
  echo "The bundled Hubble eXtreme Deep Field (examples/hubble_deep_field.jpg, 1000×872): nearly every object is a galaxy, which a star remover must keep. Objects: 8-connected regions of the input's luminance above sky + 3σ with ≥ 12 px (a handful of them are stars). Light kept: the object's light above the sky in the starless result ÷ in the input. Picture: docs/removal_galaxy_field_comparison.png (input | network only | default | default + --keep-galaxies always | peer)."
  echo
  cat "$out/removal/galaxies.md"
  echo
  echo "## Held-out synthetic pairs"
  echo
  echo "Training pairs from seeds the trainer never draws (900,000,000 + i), against their true starless image. Galaxy light kept: over the pixels where the pair's galaxies add more than 3σ of noise and no star adds more than 1σ, the result's light above the same pair rendered without galaxies ÷ the galaxies' light."
  echo
  cat "$out/heldout.md"
} > "$out/removal.md"
cat "$out/removal.md"
