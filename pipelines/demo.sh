#!/bin/sh
# The main job on its embedded defaults: simulated feeders through every
# stage that exists so far.  No configuration file is needed; pass -c FILE
# (or set FX_CONFIG) to use one.  Extra arguments go to fx-sim.
#
#   pipelines/demo.sh                 3 feeders, one day at 1-min steps
#   pipelines/demo.sh -n 50 --duration 7d
#
# The stream is written to $OUT (default out/demo.ndjson) and summarised.
set -eu
cd "$(dirname "$0")/.."
PATH=$PWD/bin:$PATH
OUT=${OUT:-out/demo.ndjson}
mkdir -p "$(dirname "$OUT")"

fx-sim -n 3 --duration 1d --spike 'F001@2025-01-06T18:00:00Z+20m:250' "$@" |
	fx-ingest --format ndjson --source sim > "$OUT"

echo "demo: wrote $OUT"
jq -r -s '
	[.[] | select(.type == "reading")] | group_by(.feeder_id)[] |
	"  \(.[0].feeder_id): \(length) readings, load \(map(.load_kw) | min) .. \(map(.load_kw) | max) kW"
' "$OUT"
