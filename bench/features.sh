#!/bin/sh
# fx-features throughput and memory (SRS R16-R20).  Target: >= 300,000
# readings/s on one core with 1,000 feeders at 1-minute data; 100,000
# feeders within 4 GiB.
#
# Input: fx-sim -n 1000 -d 6h (360,000 readings and 24 exo records, 1 min),
# written once to a file.  hyperfine ($RUNS runs after a warm-up, output to
# /dev/null, pinned to one CPU with taskset when there is one) times, in
# the same invocation:
#   - fx-features with its defaults (15-min windows, z-score);
#   - fx-features --window 1h --hop 15m (overlapping windows);
#   - jq -c empty: libjq parsing every line and nothing else, the ceiling
#     for a program that parses each record with libjq as fx-features does.
# Max RSS from /usr/bin/time -v on the same input and on 100,000 feeders
# (fx-sim -n 100000 -d 20m: 2,000,000 readings, every feeder holding a
# full 15-min window and its exo and normaliser state).
#
# Usage: sh bench/features.sh  (uses bin/fx-sim and bin/fx-features).
# Prints a Markdown report; hyperfine's JSON in bench/out/.
set -eu
cd "$(dirname "$0")/.."
export PATH="$PWD/bin:$PATH" LC_ALL=C
OUT=bench/out
RUNS=${RUNS:-5}
mkdir -p "$OUT"
command -v hyperfine >/dev/null || { echo "features.sh: hyperfine missing" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "features.sh: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
PIN=
command -v taskset >/dev/null && PIN="taskset -c 0"
IN=$(mktemp /tmp/fx-features-bench.XXXXXX)
trap 'rm -f "$IN" "$IN.big"' EXIT

fx-sim -n 1000 -d 6h > "$IN"
N=$(grep -c '"type":"reading"' "$IN")
hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$OUT/features.json" \
    -n fx-features "$PIN fx-features -q $IN" \
    -n fx-features-1h-15m "$PIN fx-features -q --window 1h --hop 15m $IN" \
    -n jq-parse "$PIN jq -c empty $IN" > /dev/null

rss() {	# max RSS in KiB of a command reading file $1
	f=$1; shift
	/usr/bin/time -v "$@" < "$f" 2>&1 > /dev/null | sed -n 's/.*Maximum resident set size (kbytes): //p'
}

echo "## fx-features ($(date -u +%Y-%m-%d), $(nproc) CPUs, $RUNS runs)"
echo
echo "Input: \`fx-sim -n 1000 -d 6h\`, $N readings, $(wc -c < "$IN") bytes."
echo
echo "| command | median s | readings/s |"
echo "|---|---|---|"
jq -r --argjson n "$N" '.results[] | "| \(.command) | \(.median * 1000 | round / 1000) | \($n / .median | round) |"' "$OUT/features.json"
echo
R1=$(rss "$IN" fx-features -q)
fx-sim -n 100000 -d 20m > "$IN.big"
R2=$(rss "$IN.big" fx-features -q)
echo "Max RSS: $R1 KiB with 1,000 feeders; $R2 KiB with 100,000 feeders" \
    "($(( R2 * 1024 / 100000 )) bytes a feeder, all included)."
