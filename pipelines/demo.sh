#!/bin/sh
# The main job on its embedded defaults: simulated feeders through every
# stage that exists so far (simulate, ingest, detect spikes, forecast the
# next hour, extract 15-minute features, classify each feeder Normal /
# Alert / Critical against the limits in samples/fluxeon.json, plan the
# flexibility each Alert or Critical feeder needs from the DERs in
# samples/ders.json).  No
# configuration file of your own is needed; extra arguments go to fx-sim.
#
#   pipelines/demo.sh                 3 feeders, three days at 1-min steps
#   pipelines/demo.sh -n 50 --duration 7d
#
# The stream is written to $OUT (default out/demo.ndjson) and summarised.
set -eu
cd "$(dirname "$0")/.."
PATH=$PWD/bin:$PATH
OUT=${OUT:-out/demo.ndjson}
mkdir -p "$(dirname "$OUT")"

fx-sim -n 3 --duration 3d --spike 'F001@2025-01-06T18:00:00Z+20m:250' "$@" |
	fx-ingest -q --format ndjson --source sim |
	fx-detect -q |
	fx-forecast -q |
	fx-features -q |
	fx-classify -q -c samples/fluxeon.json |
	fx-plan -q -c samples/fluxeon.json > "$OUT"

echo "demo: wrote $OUT"
jq -r -s '
	[.[] | select(.type == "reading" or .type == "spike" or .type == "forecast" or .type == "state_change" or .type == "plan")] |
	group_by(.feeder_id)[] |
	(map(select(.type == "reading")) | map(.load_kw)) as $kw |
	map(select(.type == "forecast")) as $fc |
	map(select(.type == "state_change")) as $sc |
	map(select(.type == "plan")) as $pl |
	"  \(.[0].feeder_id): \($kw | length) readings, load \($kw | min) .. \($kw | max) kW, \(map(select(.type == "spike" and .phase == "start")) | length) spikes, \($fc | length) forecasts (last by \($fc[-1].model)), \($sc | length) state changes (\($sc | map(select(.new_state == 2)) | length) to Critical), \($pl | length) plans (\($pl | map(select(.status == "dispatch")) | length) dispatched, \($pl | map(.expected_kwh) | add // 0 | . * 10 | round / 10) kWh expected, \($pl | map(.unmet_kwh) | add // 0 | . * 10 | round / 10) kWh unmet)"
' "$OUT"
