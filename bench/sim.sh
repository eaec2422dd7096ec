#!/bin/sh
# fx-sim offline throughput and memory (SRS R1-R5).  Target: >= 1,000,000
# readings/s on one core; memory flat in the length of the stream.
#
# Each case runs under hyperfine ($RUNS runs after a warm-up, output to
# /dev/null, pinned to one CPU with taskset when there is one) in the same
# hyperfine invocation as two baselines for the same output:
#   - dd if=/dev/zero bs=256k: writing as many bytes, in the same 256 KiB
#     blocks as fx-sim's writer, with no work at all: the floor for any
#     producer of that volume;
#   - jq -n building the same number of equivalent reading records (one
#     feeder id, time stamp and load per record, from a counter): what a
#     general-purpose JSON tool costs for the same output.  jq makes a
#     tenth as many records; its rate is scaled accordingly.
# Max RSS comes from /usr/bin/time -v at 1x and 10x the duration.
#
# Usage: sh bench/sim.sh  (from anywhere; uses bin/fx-sim, run `make`
# first).  Prints a Markdown report; hyperfine's JSON in bench/out/.
set -eu
cd "$(dirname "$0")/.."
export PATH="$PWD/bin:$PATH" LC_ALL=C
OUT=bench/out
RUNS=${RUNS:-5}
mkdir -p "$OUT"

command -v hyperfine >/dev/null || { echo "sim.sh: hyperfine missing" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "sim.sh: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
[ -x bin/fx-sim ] || { echo "sim.sh: bin/fx-sim missing (make bin/fx-sim)" >&2; exit 2; }
PIN=
command -v taskset >/dev/null && PIN="taskset -c 0"

# The input: a scenario of 200 spikes spread over the first day's feeders.
awk 'BEGIN {
	printf "{ \"spikes\": [\n"
	for (i = 0; i < 200; i++)
		printf "  { \"feeder_id\": \"F%03d\", \"at\": \"2025-01-06T%02d:%02d:00Z\", \"duration\": \"%dm\", \"magnitude_kw\": %d }%s\n",
		    i % 100 + 1, (i * 7) % 24, (i * 13) % 60, 5 + i % 40, 50 + i % 300,
		    i < 199 ? "," : ""
	printf "] }\n"
}' > "$OUT/sim-scenario.json"

# bench NAME READINGS FX-SIM-ARGS: one hyperfine run of fx-sim and the
# baselines; prints a table row per command.
bench() {
	name=$1 readings=$2
	shift 2
	bytes=$(fx-sim "$@" | wc -c)
	jqn=$((readings / 10))
	blocks=$(((bytes + 262143) / 262144))
	hyperfine --runs "$RUNS" --warmup 1 --style none \
	    --export-json "$OUT/sim-$name.json" \
	    -n "fx-sim $*" "$PIN fx-sim $* > /dev/null" \
	    -n "dd bs=256k count=$blocks" "$PIN dd if=/dev/zero of=/dev/null bs=256k count=$blocks status=none" \
	    -n "jq -n, $jqn records" "$PIN jq -n -c --argjson n $jqn 'range(\$n) | {type: \"reading\", feeder_id: \"F\\(. % 100 + 1)\", timestamp: \"2025-01-06T00:00:00Z\", load_kw: (. / 1000), source: \"sim\"}' > /dev/null" \
	    > /dev/null
	jq -r --argjson r "$readings" --argjson jqn "$jqn" --argjson b "$((blocks * 262144))" '
	    .results[] |
	    (if (.command | startswith("jq")) then $jqn else $r end) as $n |
	    "| `\(.command)` | \(.median * 1000 | floor) ms | \(.min * 1000 | floor)-\(.max * 1000 | floor) ms | " +
	    (if (.command | startswith("dd")) then "\($b / .median / 1e6 | floor) MB/s"
	     else "\($n / .median | floor | tostring | gsub("(?<d>[0-9])(?=([0-9]{3})+$)"; "\(.d),")) readings/s" end) + " |"' \
	    "$OUT/sim-$name.json"
}

rss() {
	/usr/bin/time -v fx-sim "$@" 2>&1 >/dev/null |
	    sed -n 's/.*Maximum resident set size (kbytes): //p'
}

echo "fx-sim $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u +%Y-%m-%dT%H:%MZ)," \
    "$(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), load average $(cut -d' ' -f1-3 /proc/loadavg)," \
    "median of $RUNS runs${PIN:+, pinned to CPU 0}."
echo
echo "| command | median | min-max | rate |"
echo "|---|---|---|---|"
bench wide 8640000 -n 100 -d 1d --step 1s --scenario "$OUT/sim-scenario.json"
bench long 8640000 -n 1 -d 100d --step 1s
bench many 960000 -n 10000 -d 1d --step 15m
bench csv 8640000 -n 100 -d 1d --step 1s -f csv
bench electrical 8640000 -n 100 -d 1d --step 1s --electrical
echo
r1=$(rss -n 100 -d 1d --step 1s)
r10=$(rss -n 100 -d 10d --step 1s)
f1=$(rss -n 1000 -d 1d --step 15m)
f10=$(rss -n 10000 -d 1d --step 15m)
echo "| max RSS (/usr/bin/time -v) | kB |"
echo "|---|---|"
echo "| \`fx-sim -n 100 -d 1d --step 1s\` (8.64 M readings) | $r1 |"
echo "| \`fx-sim -n 100 -d 10d --step 1s\` (86.4 M readings) | $r10 |"
echo "| \`fx-sim -n 1000 -d 1d --step 15m\` | $f1 |"
echo "| \`fx-sim -n 10000 -d 1d --step 15m\` | $f10 |"
