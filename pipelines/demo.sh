#!/bin/sh
# The main job on its embedded defaults: simulated feeders through every
# stage (simulate, ingest, detect spikes, forecast the next hour, extract
# 15-minute features, classify each feeder Normal / Alert / Critical
# against the limits in samples/fluxeon.json, plan the flexibility each
# Alert or Critical feeder needs from the DERs in samples/ders.json, buy
# it over Beckn from a sandbox aggregator (fx-bpp, started here on
# 127.0.0.1 and stopped at the end), and append the audit records to a
# tamper-evident store - the raw Beckn payloads encrypted at rest - then
# verified).  Keys are made afresh each run.
# No configuration file of your own is needed; extra arguments go to
# fx-sim.
#
#   pipelines/demo.sh                 3 feeders, three days at 1-min steps
#   pipelines/demo.sh -n 50 --duration 7d
#
# The stream is written to $OUT (default out/demo.ndjson), the audit
# store beside it (demo.audit.db), and both are summarised.
set -eu
cd "$(dirname "$0")/.."
PATH=$PWD/bin:$PATH
OUT=${OUT:-out/demo.ndjson}
DB=${OUT%.ndjson}.audit.db
mkdir -p "$(dirname "$OUT")"
rm -f "$DB" "$DB-wal" "$DB-shm"
KEYS=$(mktemp -d "${TMPDIR:-/tmp}/fluxeon-demo.XXXXXX")
BPP=
trap '[ -n "$BPP" ] && kill "$BPP" 2>/dev/null; rm -rf "$KEYS"' EXIT

# the buyer's and the aggregator's Beckn keys, the registry that names
# them, and the audit store's signing key
fx-beckn keygen --id bap.fluxeon.demo --key-id k1 --url http://127.0.0.1:1 -o "$KEYS/bap" > /dev/null
fx-beckn keygen --id bpp.sandbox.demo --key-id k1 --url http://127.0.0.1:1 --type BPP -o "$KEYS/bpp" > /dev/null
jq -s . "$KEYS/bap.json" "$KEYS/bpp.json" > "$KEYS/registry.json"
fx-audit keygen --name fluxeon.demo/audit -o "$KEYS/audit" > /dev/null
fx-audit keygen --encryption -o "$KEYS/audit.aes"
fx-bpp -q --catalog samples/ders.json --key "$KEYS/bpp.key" --id bpp.sandbox.demo \
	--registry "$KEYS/registry.json" --port-file "$KEYS/port" > "$KEYS/bpp.ndjson" &
BPP=$!
i=0
while [ ! -s "$KEYS/port" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "demo: fx-bpp did not start" >&2; exit 1; }
	sleep 0.05
done
jq --arg url "http://127.0.0.1:$(cat "$KEYS/port")" \
	'map(if .subscriber_id == "bpp.sandbox.demo" then .url = $url else . end)' \
	"$KEYS/registry.json" > "$KEYS/registry.tmp" && mv "$KEYS/registry.tmp" "$KEYS/registry.json"

fx-sim -n 3 --duration 3d --spike 'F001@2025-01-06T18:00:00Z+20m:250' "$@" |
	fx-ingest -q --format ndjson --source sim |
	fx-detect -q |
	fx-forecast -q |
	fx-features -q |
	fx-classify -q -c samples/fluxeon.json |
	fx-plan -q -c samples/fluxeon.json |
	fx-beckn -q --payloads --id bap.fluxeon.demo --key "$KEYS/bap.key" --registry "$KEYS/registry.json" |
	fx-audit append -q --db "$DB" --key "$KEYS/audit.key" --origin fluxeon.demo/audit \
	    --enc-key "$KEYS/audit.aes" --pass > "$OUT"

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
jq -r -s '
	[.[] | select(.type == "order")] as $o |
	($o | map(select(.status == "completed"))) as $c |
	"  orders: \($c | length) completed, \($o | map(select(.status == "failed")) | length) attempts failed; \($c | map(.delivered_kwh) | add // 0 | . * 10 | round / 10) kWh delivered; detection to CONFIRM at most \($o | map(.detection_to_confirm_ms // 0) | max // 0 | round) ms"
' "$OUT"
echo "  audit: $(fx-audit verify --db "$DB" --pubkey "$KEYS/audit.pub" | head -n 1)"
