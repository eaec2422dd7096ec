#!/bin/sh
# classify-bound.sh - the backtest's data sets scored for richer models
# (bench/classify-bound.py: a 29-input logistic regression and gradient-
# boosted trees, thresholds chosen on the test period itself) by the same
# fx-eval event scoring as pipelines/backtest-classify.sh, to show how far
# the accuracy target is from what these data allow.
#
# Needs python3 with numpy and scikit-learn (Debian: python3-sklearn) and
# the models pipelines/backtest-classify.sh wrote (their levels and
# training period).  Usage: bench/classify-bound.sh [data-dir]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
PATH=$root/bin:$PATH
export LC_ALL=C
data=${1:-$root/../shared/data}
out=$root/out/backtest-classify
py=/usr/bin/python3
$py -c 'import sklearn' 2>/dev/null || { echo "classify-bound.sh: needs $py with scikit-learn (apt-get install python3-sklearn)" >&2; exit 2; }
tmp=$(mktemp -d /tmp/fx-classify-bound.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

at() {
	jq -r --arg f "$2" 'select(.type == "reading" and .feeder_id == $f) | .timestamp' "$1" |
	    awk -v q="$3" '{ t[NR] = $0 } END { print t[int(NR * q) + 1] }'
}

echo "| data set | model, threshold / hold | episodes | caught | late | median lead (min) | escalations | event precision |"
echo "|---|---|---|---|---|---|---|---|"
for set in ETTm1 STEEL; do
	m=$out/$set-model.json
	[ -r "$m" ] || { echo "classify-bound.sh: $m: run pipelines/backtest-classify.sh first" >&2; exit 2; }
	case $set in
	ETTm1)	"$root/pipelines/ingest-ettm1.sh" "$data/ETTm1.csv" 2>/dev/null > "$tmp/r.ndjson"; feeder=HUFL ;;
	STEEL)	"$root/pipelines/ingest-steel.sh" "$data/steel_industry_15min.csv" 2>/dev/null > "$tmp/r.ndjson"; feeder=STEEL ;;
	esac
	t70=$(at "$tmp/r.ndjson" $feeder 0.7)
	t60=$(jq -r .training.to "$m")
	fx-features -q "$tmp/r.ndjson" | grep '"segment":"history"' > "$tmp/h.ndjson"
	jq -c '[.feeder_id, .window_start, .window_end, .mean]' "$tmp/h.ndjson" > "$tmp/slices"
	# the observed states, by the model's levels
	fx-classify -q --rules -m "$m" "$tmp/h.ndjson" | grep '^{"type":"state",.*"horizon":0,' > "$tmp/obs"
	rm -f "$tmp"/logit-* "$tmp"/gbm-*
	$py "$root/bench/classify-bound.py" "$tmp/slices" "$m" "$t60" "$tmp" > "$tmp/list"
	while read -r f; do
		cat "$tmp/obs" "$f" | fx-eval -q --from "$t70" --no-feeders - |
		jq -rs --arg set "$set" --arg name "$(basename "$f" .ndjson)" '
		    def r: if . == null then "-" else . * 1000 | round / 1000 end;
		    (map(select(.kind == "state_events")) | .[0]) as $e |
		    ($name | split("-")) as $n |
		    "| \($set) | \($n[0]), \($n[1]) / \($n[2]) | \($e.episodes) | \($e.caught) | \($e.late) | \($e.median_lead_min | r) | \($e.escalations) | \($e.precision | r) |"'
	done < "$tmp/list"
done
