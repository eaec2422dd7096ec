#!/bin/sh
# fx-classify cost (SRS R21-R26).  Targets: classifying a feature vector
# <= 5 us; fx-classify >= 200,000 feature records/s on one core; training
# on a year of 1,000 feeders at 15 minutes in under a minute.
#
# Input, written once: fx-sim -n 1000 -d 7d --step 15m | fx-forecast
# --every 15m | fx-features: 672,000 history and 2,684,000 predicted
# features records (every feeder forecast at every 15-minute step), with
# the readings and forecasts removed so that fx-classify reads features
# only.  hyperfine ($RUNS runs after a warm-up, output to /dev/null,
# pinned to one CPU) times, in the same invocation:
#   - fx-classify -m model.json (the trained model, explanations on);
#   - fx-classify --rules (no model: the normal-CDF rules);
#   - jq -c empty: libjq parsing every line and nothing else, the floor for
#     a program that parses each record with libjq.
# Training: fx-classify train on the same 7 days (1000 feeders, levels at
# --limit 560: Alert 448 kW, Critical 532 kW), timed as a whole, from the
# features records (labelling as it reads) and from the training matrix
# that `fx-classify label --matrix` wrote from them once (the labelling
# timed apart); $RUNS runs each, pinned to one CPU with --threads 1.
#
# The year: with YEAR=1 the training matrix of 1,000 feeders x 365 days is
# made by fx-sim -d 365d | fx-forecast --every 15m | fx-features |
# fx-classify label --matrix (about an hour; 9.5 GB in $YEAR_DIR, default
# /tmp), or YEAR_MATRIX=path names one made so; then fx-classify train on
# it is timed, $RUNS runs each with --threads 1 pinned to one CPU and with
# every CPU, beside `cat matrix > /dev/null` (reading the file, the floor).
#
# Per vector: bench/vector.c, compiled here against the program's own
# cmd/fx-classify/lr.c and build/libfx.a, times 5,000,000 vectors through
# the model (inputs, probabilities, decision; and with the explanation)
# and through the rules, without reading or writing records.
#
# Usage: sh bench/classify.sh (uses bin/ and build/ from make).  Prints a
# Markdown report.
set -eu
cd "$(dirname "$0")/.."
export PATH="$PWD/bin:$PATH" LC_ALL=C
OUT=bench/out
RUNS=${RUNS:-5}
mkdir -p "$OUT"
command -v hyperfine >/dev/null || { echo "classify.sh: hyperfine missing" >&2; exit 2; }
PIN=
command -v taskset >/dev/null && PIN="taskset -c 0"
TMPD=$(mktemp -d /tmp/fx-classify-bench.XXXXXX)
trap 'rm -rf "$TMPD"' EXIT
F=$TMPD/features.ndjson

${CC:-cc} -D_GNU_SOURCE -Icommon -Icmd/fx-classify -std=c11 -O2 -o "$TMPD/vector" \
    bench/vector.c cmd/fx-classify/lr.c build/libfx.a -ljq -lgsl -lgslcblas -lm
$PIN "$TMPD/vector" > "$TMPD/vector.out"

fx-sim -n 1000 -d 7d --step 15m --exo-interval 1h | fx-forecast -q --every 15m |
    fx-features -q | grep '"type":"features"' > "$F"
N=$(wc -l < "$F")
# the model timed: trained on the same data, timed below
start=$(date +%s.%N)
$PIN fx-classify train -v --threads 1 --limit 560 -o "$TMPD/m.json" "$F" 2> "$TMPD/train.log"
end=$(date +%s.%N)
lstart=$(date +%s.%N)
$PIN fx-classify label -q --limit 560 --matrix "$TMPD/week.fxm" "$F"
lend=$(date +%s.%N)
hyperfine -N --runs "$RUNS" --export-json "$OUT/classify-train.json" \
    -n train-features "$PIN fx-classify train -q --threads 1 --limit 560 -o $TMPD/mf.json $F" \
    -n train-matrix "$PIN fx-classify train -q --threads 1 -o $TMPD/mm.json $TMPD/week.fxm" > /dev/null
same=different
[ "$(jq -S -c 'del(.created, .model_version)' "$TMPD/mf.json")" = \
    "$(jq -S -c 'del(.created, .model_version)' "$TMPD/mm.json")" ] && same=identical
hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$OUT/classify.json" \
    -n fx-classify-model "$PIN fx-classify -q --limit 560 -m $TMPD/m.json $F" \
    -n fx-classify-rules "$PIN fx-classify -q --limit 560 --rules $F" \
    -n jq-parse "$PIN jq -c empty $F" > /dev/null

echo "## fx-classify ($(date -u +%Y-%m-%d), $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1))"
echo
echo "Input: \`fx-sim -n 1000 -d 7d --step 15m | fx-forecast --every 15m | fx-features\`," \
    "features records only: $N records, $(wc -c < "$F") bytes; median of $RUNS runs."
echo
echo "| command | median s | records/s | us per record |"
echo "|---|---|---|---|"
jq -r --argjson n "$N" '.results[] | "| \(.command) | \(.median * 1000 | round / 1000) | \($n / .median | round) | \(.median / $n * 1e7 | round / 10) |"' "$OUT/classify.json"
echo
echo "Per vector (bench/vector.c, 5,000,000 vectors, no record I/O):"
echo
echo "| case | vectors | s | ns per vector |"
echo "|---|---|---|---|"
awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$TMPD/vector.out"
echo
echo "Training on all $N records (1,000 feeders x 7 days):" \
    "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s in all;" \
    "$(grep -c "iteration [0-9]" "$TMPD/train.log") Newton iterations;" \
    "$(tail -1 "$TMPD/train.log" | sed 's/^fx-classify: //')"
echo
echo "Training on 7 days, $RUNS runs each (median s): from the features" \
    "$(jq -r '.results[] | select(.command == "train-features") | .median * 100 | round / 100' "$OUT/classify-train.json");" \
    "from the training matrix" \
    "$(jq -r '.results[] | select(.command == "train-matrix") | .median * 100 | round / 100' "$OUT/classify-train.json")" \
    "($(wc -c < "$TMPD/week.fxm") bytes, written by label in" \
    "$(awk -v a="$lstart" -v b="$lend" 'BEGIN { printf "%.1f", b - a }') s); the two model files are $same."

YM=${YEAR_MATRIX:-}
if [ -z "$YM" ] && [ "${YEAR:-0}" = 1 ]; then
	YM=${YEAR_DIR:-/tmp}/fx-classify-year.fxm
	ystart=$(date +%s)
	fx-sim -n 1000 -d 365d --step 15m --exo-interval 1h | fx-forecast -q --every 15m |
	    fx-features -q | fx-classify label -q --limit 560 --matrix "$YM"
	echo
	echo "The year's training matrix: $(wc -c < "$YM") bytes, made in $(( $(date +%s) - ystart )) s."
fi
if [ -n "$YM" ]; then
	cat "$YM" > /dev/null	# in the page cache for every run alike
	fx-classify train -v --threads 1 -o "$TMPD/y.json" "$YM" 2> "$TMPD/year.log"
	hyperfine -N --runs "$RUNS" --export-json "$OUT/classify-year.json" \
	    -n cat "cat $YM" \
	    -n train-1-thread "$PIN fx-classify train -q --threads 1 -o $TMPD/y1.json $YM" \
	    -n train-all-cpus "fx-classify train -q -o $TMPD/yn.json $YM" > /dev/null
	echo
	echo "Training on a year of 1,000 feeders ($(wc -c < "$YM") bytes of training matrix), $RUNS runs each:"
	echo
	echo "| command | median s | min s | max s |"
	echo "|---|---|---|---|"
	jq -r '.results[] | "| \(.command) | \(.median * 100 | round / 100) | \(.min * 100 | round / 100) | \(.max * 100 | round / 100) |"' "$OUT/classify-year.json"
	echo
	echo "$(head -1 "$TMPD/year.log" | sed 's/^fx-classify: //');" \
	    "$(grep -c "iteration [0-9]" "$TMPD/year.log") Newton iterations;" \
	    "$(tail -1 "$TMPD/year.log" | sed 's/^fx-classify: //')"
fi
