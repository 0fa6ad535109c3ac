#!/usr/bin/env bash
# Prints each failed test's name, message and stack from a .trx file, so that the
# end of a CI log (often all that is kept) says which test failed and why.
set -euo pipefail
trx="$1"
[ -f "$trx" ] || { echo "no test results at $trx" >&2; exit 0; }
# The trx is XML; awk keeps this free of a Python or xmllint dependency.
awk '
  /<UnitTestResult / && /outcome="Failed"/ {
    match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11)
    print "FAILED: " name; inside = 1; next }
  inside && /<\/UnitTestResult>/ { inside = 0; print ""; next }
  inside { gsub(/<[^>]*>/, ""); if ($0 ~ /[^ \t]/) print "  " $0 }
' "$trx" | sed -e 's/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&apos;/'"'"'/g; s/&amp;/\&/g' | head -200
