#!/bin/sh
# backtest-classify.sh - the classification backtest on the shared real data.
#
# The data sets have no feeder limits, so the levels are derived from
# history: Alert at a feeder's 95th and Critical at its 99th percentile of
# 15-minute (vic_elec: 30-minute) mean load over the training period.
# Per data set: forecasts at every step (fx-forecast --every 15m) and their
# features (fx-features); fx-classify train fits the logistic model on the
# first 60% (levels from the same 60%) with 60-70% held out for the metrics
# written into the model file; the last 30% is scored by fx-eval, for the
# trained model and for the rules (the same levels, no model) side by side,
# the trained model with --confirm 3 (a rise seen only in forecasts must be
# in three forecasts in a row), and the rules with a lower Critical
# threshold (--decision 0.5,0.3).
#
# Usage: pipelines/backtest-classify.sh [data-dir]   (default ../shared/data)
# Writes out/backtest-classify/<set>-{model.json,lr.ndjson,rules.ndjson}
# and prints a Markdown table.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
command -v fx-classify >/dev/null 2>&1 || PATH=$root/bin:$PATH
export LC_ALL=C
data=${1:-$root/../shared/data}
out=$root/out/backtest-classify
for f in ETTm1.csv steel_industry_15min.csv vic_elec_halfhourly.csv; do
	if [ ! -r "$data/$f" ]; then
		echo "backtest-classify.sh: $data/$f: not found (give the data directory)" >&2
		exit 2
	fi
done
mkdir -p "$out"
tmp=$(mktemp -d /tmp/fx-backtest-classify.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# time of reading number floor(q n) of feeder $2 in stream $1
at() {
	jq -r --arg f "$2" 'select(.type == "reading" and .feeder_id == $f) | .timestamp' "$1" |
	    awk -v q="$3" '{ t[NR] = $0 } END { print t[int(NR * q) + 1] }'
}

echo "| data set | classifier | Critical slices P / R (h=1..4) | episodes | caught | late | median lead (min) | escalations | event precision | false alarms / feeder-day |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for set in ETTm1 STEEL VIC; do
	case $set in
	ETTm1)	"$root/pipelines/ingest-ettm1.sh" "$data/ETTm1.csv" 2>/dev/null > "$tmp/r.ndjson"
		feeder=HUFL fopt= wopt= ;;
	STEEL)	"$root/pipelines/ingest-steel.sh" "$data/steel_industry_15min.csv" 2>/dev/null > "$tmp/r.ndjson"
		feeder=STEEL fopt= wopt= ;;
	VIC)	"$root/pipelines/ingest-vic-elec.sh" "$data/vic_elec_halfhourly.csv" 2>/dev/null > "$tmp/r.ndjson"
		feeder=VIC fopt="--tz Australia/Melbourne" wopt="--window 30m --hop 30m" ;;
	esac
	t60=$(at "$tmp/r.ndjson" $feeder 0.6)
	t70=$(at "$tmp/r.ndjson" $feeder 0.7)
	fx-forecast -q --every 15m $fopt "$tmp/r.ndjson" | fx-features -q $wopt > "$tmp/f.ndjson"
	fx-classify train -q --derive-levels 0.95,0.99 --train-to "$t60" --to "$t70" \
	    -o "$out/$set-model.json" "$tmp/f.ndjson"
	for c in lr lr-confirm3 rules rules-0.3; do
		case $c in
		lr) copt= ;;
		lr-confirm3) copt="--confirm 3" ;;
		rules) copt=--rules ;;
		rules-0.3) copt="--rules --decision 0.5,0.3" ;;
		esac
		fx-classify -q $copt -m "$out/$set-model.json" "$tmp/f.ndjson" |
		    grep '"type":"state' > "$out/$set-$c.ndjson"
		fx-eval -q --from "$t70" --no-feeders "$out/$set-$c.ndjson" > "$tmp/e.ndjson"
		jq -rs --arg set "$set" --arg c "$c" '
		    def r: if . == null then "-" else . * 1000 | round / 1000 end;
		    (map(select(.kind == "state" and .horizon == "all")) | .[0]) as $s |
		    (map(select(.kind == "state_events")) | .[0]) as $e |
		    "| \($set) | \(if $c == "lr" then "trained (" + $s.model + ")" elif $c == "lr-confirm3" then "trained, --confirm 3" elif $c == "rules" then "rules" else "rules, Critical at P >= 0.3" end) | \($s.precision[2] | r) / \($s.recall[2] | r) | \($e.episodes) | \($e.caught) | \($e.late) | \($e.median_lead_min | r) | \($e.escalations) | \($e.precision | r) | \($e.false_alarms_per_feeder_day | r) |"' "$tmp/e.ndjson"
	done
done
