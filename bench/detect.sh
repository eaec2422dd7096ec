#!/bin/sh
# bench/detect.sh - fx-detect throughput and memory (results: bench/results/detect.md).
#
#   sh bench/detect.sh            1,000 feeders, 1-minute data, 6 h: 360,000 readings
# Compares with the parse-only ceiling: `jq -c . >/dev/null` on the same
# input.  Memory: max RSS of 100,000 feeders x 2 h of 1-minute data.
set -eu
BIN=${BIN:-bin}
OUT=${OUT:-bench/out}
RUNS=${RUNS:-5}
mkdir -p "$OUT"
in=$OUT/detect-1000x6h.ndjson
[ -s "$in" ] || "$BIN"/fx-sim -n 1000 -d 6h --no-exo > "$in"
n=$(wc -l < "$in")
echo "input: $in ($n readings)"
hyperfine -N -w 1 -r "$RUNS" --export-json "$OUT/detect.json" \
    "$BIN/fx-detect -q --limit 700 $in" \
    "$BIN/fx-detect -q --limit 700 --rate 50 --rules limit,deviation,rate,crest,rms $in" \
    "jq -c . $in"
big=$OUT/detect-100000x2h.ndjson
[ -s "$big" ] || "$BIN"/fx-sim -n 100000 -d 2h --no-exo > "$big"
/usr/bin/time -v "$BIN"/fx-detect -q --limit 700 "$big" 2>&1 >/dev/null |
    grep -E 'Maximum resident|Elapsed'
