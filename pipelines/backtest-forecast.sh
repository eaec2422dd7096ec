#!/bin/sh
# backtest-forecast.sh - the forecast backtest on the shared real data.
#
# Protocol, per series: the first 70% of the readings are history (the
# models warm up on them and the MASE scale is the in-sample MAE of the
# daily seasonal naive forecast over them); the last 30% are scored with a
# rolling origin at every step (fx-forecast --every 15m: one forecast per
# 15-minute bin, steps 1..4; vic_elec at its native 30 minutes: steps 1..2,
# one hour).  Each model runs over the whole series and fx-eval scores the
# forecasts issued from the cut on, so every model is scored on exactly
# the same origins and targets.
#
# Series: ETTm1 HUFL, MUFL, LUFL (15 min); steel industry Usage_kWh x 4
# (15-min energy as mean kW); vic_elec Demand (30 min, with its
# temperature and holiday flags as exo records, calendar in
# Australia/Melbourne time).
#
# Usage: pipelines/backtest-forecast.sh [data-dir]   (default ../shared/data)
# Writes out/backtest-forecast/<series>-<model>.ndjson (fx-eval results)
# and prints a Markdown table: MASE, MAE and coverage over all steps, and
# MASE per step.  MODELS="dmr persistence" limits the models.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
command -v fx-forecast >/dev/null 2>&1 || PATH=$root/bin:$PATH
export LC_ALL=C
data=${1:-$root/../shared/data}
out=$root/out/backtest-forecast
models=${MODELS:-persistence snaive-day snaive-week dmr}
for f in ETTm1.csv steel_industry_15min.csv vic_elec_halfhourly.csv; do
	if [ ! -r "$data/$f" ]; then
		echo "backtest-forecast.sh: $data/$f: not found (give the data directory)" >&2
		exit 2
	fi
done
mkdir -p "$out"
tmp=$(mktemp -d /tmp/fx-backtest.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

"$root/pipelines/ingest-ettm1.sh" "$data/ETTm1.csv" 2>/dev/null > "$tmp/ettm1.ndjson"
"$root/pipelines/ingest-steel.sh" "$data/steel_industry_15min.csv" 2>/dev/null > "$tmp/steel.ndjson"
"$root/pipelines/ingest-vic-elec.sh" "$data/vic_elec_halfhourly.csv" 2>/dev/null > "$tmp/vic.ndjson"

# The timestamp of the first scored reading: index floor(0.7 n) of the
# series' n readings (one feeder's; ETTm1's three share their timestamps).
cut() {
	jq -r --arg f "$2" 'select(.type == "reading" and .feeder_id == $f) | .timestamp' "$1" |
	    awk '{ t[NR] = $0 } END { print t[int(NR * 0.7) + 1] }'
}

echo "| series | model | MASE | MAE | cov80 | cov95 | width80 | MASE by step |"
echo "|---|---|---|---|---|---|---|---|"
for s in HUFL MUFL LUFL STEEL VIC; do
	case $s in
	HUFL|MUFL|LUFL) in=$tmp/ettm1.ndjson name="ETTm1 $s" opts= ;;
	STEEL) in=$tmp/steel.ndjson name="steel Usage_kWh x4" opts= ;;
	VIC) in=$tmp/vic.ndjson name="vic_elec Demand (30 min)" opts="--tz Australia/Melbourne" ;;
	esac
	from=$(cut "$in" "$s")
	for m in $models; do
		res=$out/$s-$m.ndjson
		jq -c --arg f "$s" 'select(.feeder_id == $f or .type == "exo")' "$in" |
		    fx-forecast -q --every 15m --model "$m" $opts |
		    fx-eval -q --from "$from" > "$res"
		jq -rs --arg name "$name" --arg f "$s" '
		    def r3: . * 1000 | round / 1000;
		    def r: if . == null then "-" elif (. | fabs) >= 100 then round
		        else . * 1000 | round / 1000 end;
		    (map(select(.feeder_id == $f)) | map(select(.step != "all"))
		        | sort_by(.step) | map(.mase | r3 | tostring) | join(" / ")) as $steps
		    | .[] | select(.feeder_id == $f and .step == "all")
		    | "| \($name) | \(.model) | \(.mase | r3) | \(.mae | r) | \(.cov80 | r3) | \(.cov95 | r3) | \(.width80 | r) | \($steps) |"' "$res"
	done
done
