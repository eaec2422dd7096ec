#!/bin/sh
# fx-forecast cost (SRS R11-R15).  Targets: a forecast update costs
# <= 20 us per feeder per 15-minute step on one core; a 1,000-feeder x
# 1-year backtest at 15 minutes runs in under 60 s; memory per feeder
# stated and bounded.
#
# Inputs, written once to files (fx-sim, 15-minute steps, exo every hour):
#   small: fx-sim -n 1000 -d 28d   2,688,000 readings
#   year:  fx-sim -n 1000 -d 365d  35,040,000 readings (about 3.8 GB)
# hyperfine ($RUNS runs after a warm-up on the small input, $YRUNS runs on
# the year; output to /dev/null, pinned to one CPU with taskset) times, in
# the same invocation:
#   - fx-forecast with its defaults (the dmr model, a forecast every bin);
#   - fx-forecast --model persistence: the same reading, binning, interval
#     and output work with a model that costs nothing - the floor, so the
#     difference is what the regression costs;
#   - fx-features with its defaults, a peer filter over the same stream.
# The year input (about 6 minutes a run) is run through fx-forecast alone;
# its baseline is the small input's persistence row.
# Max RSS from /usr/bin/time -v with 1,000 and with 10,000 feeders.
#
# Usage: sh bench/forecast.sh  (uses bin/fx-sim, bin/fx-forecast,
# bin/fx-features).  SKIP_YEAR=1 skips the year input.  Prints a Markdown
# report; hyperfine's JSON goes to bench/out/.
set -eu
cd "$(dirname "$0")/.."
export PATH="$PWD/bin:$PATH" LC_ALL=C
OUT=bench/out
RUNS=${RUNS:-5}
YRUNS=${YRUNS:-3}
mkdir -p "$OUT"
command -v hyperfine >/dev/null || { echo "forecast.sh: hyperfine missing" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "forecast.sh: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
PIN=
command -v taskset >/dev/null && PIN="taskset -c 0"
TMPD=$(mktemp -d /tmp/fx-forecast-bench.XXXXXX)
trap 'rm -rf "$TMPD"' EXIT
SMALL=$TMPD/small.ndjson YEAR=$TMPD/year.ndjson

fx-sim -n 1000 -d 28d --step 15m --exo-interval 1h > "$SMALL"
NS=$(grep -c '"type":"reading"' "$SMALL")
hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$OUT/forecast.json" \
    -n fx-forecast "$PIN fx-forecast -q $SMALL" \
    -n fx-forecast-persistence "$PIN fx-forecast -q --model persistence $SMALL" \
    -n fx-features "$PIN fx-features -q $SMALL" > /dev/null

rss() {	# max RSS in KiB of a command reading file $1
	f=$1; shift
	/usr/bin/time -v "$@" < "$f" 2>&1 > /dev/null | sed -n 's/.*Maximum resident set size (kbytes): //p'
}

echo "## fx-forecast ($(date -u +%Y-%m-%d), $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1))"
echo
echo "Input: \`fx-sim -n 1000 -d 28d --step 15m --exo-interval 1h\`, $NS readings" \
    "(one per feeder per 15-min step), $(wc -c < "$SMALL") bytes; median of $RUNS runs."
echo
echo "| command | median s | readings/s | us per feeder-step |"
echo "|---|---|---|---|"
jq -r --argjson n "$NS" '.results[] | "| \(.command) | \(.median * 1000 | round / 1000) | \($n / .median | round) | \(.median / $n * 1e7 | round / 10) |"' "$OUT/forecast.json"
echo
R1=$(rss "$SMALL" fx-forecast -q)
fx-sim -n 10000 -d 3d --step 15m > "$TMPD/wide.ndjson"
R2=$(rss "$TMPD/wide.ndjson" fx-forecast -q)
echo "Max RSS: $R1 KiB with 1,000 feeders; $R2 KiB with 10,000 feeders" \
    "($(( (R2 - R1) * 1024 / 9000 )) bytes per extra feeder)."
rm -f "$TMPD/wide.ndjson"

[ "${SKIP_YEAR:-0}" = 1 ] && exit 0
fx-sim -n 1000 -d 365d --step 15m --exo-interval 1h > "$YEAR"
NY=$(grep -c '"type":"reading"' "$YEAR")
hyperfine -N --runs "$YRUNS" --export-json "$OUT/forecast-year.json" \
    -n fx-forecast "$PIN fx-forecast -q $YEAR" > /dev/null
echo
echo "Year: \`fx-sim -n 1000 -d 365d --step 15m --exo-interval 1h\`, $NY readings," \
    "$(wc -c < "$YEAR") bytes; median of $YRUNS runs."
echo
echo "| command | median s | readings/s |"
echo "|---|---|---|"
jq -r --argjson n "$NY" '.results[] | "| \(.command) | \(.median * 10 | round / 10) | \($n / .median | round) |"' "$OUT/forecast-year.json"
