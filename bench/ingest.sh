#!/bin/sh
# fx-ingest throughput, CSV -> NDJSON, side by side with Miller.
#
# Generates a long-format CSV (timestamp,feeder_id,load_kw; 100 feeders at
# 1-minute steps; N rows, default 1,000,000) in bench/out/, then
#   1. hyperfine, warmup 1, RUNS runs (default 10), both tools pinned to
#      one core with taskset, then unpinned:
#        fx-ingest -q FILE            > /dev/null
#        mlr --icsv --ojsonl cat FILE > /dev/null
#   2. the maximum resident set size (/usr/bin/time -v) of fx-ingest at 1x
#      and 10x the input, plain, with --resample 15m and with
#      --reorder-window 1h: memory must not grow with the stream.
# Prints Markdown on stdout; raw hyperfine exports stay in bench/out/.
#
# usage: sh bench/ingest.sh        (N=... RUNS=... to change the sizes)
set -eu
cd "$(dirname "$0")/.."
export LC_ALL=C
PATH=$PWD/bin:$PATH
out=bench/out
n=${N:-1000000}
runs=${RUNS:-10}
mkdir -p "$out"
for tool in fx-ingest mlr hyperfine taskset /usr/bin/time; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "bench/ingest.sh: $tool not found" >&2; exit 2; }
done

# gen ROWS: the CSV on stdout.  Dates by Hinnant's civil_from_days, so any
# awk will do.
gen() {
	awk -v n="$1" 'BEGIN {
		print "timestamp,feeder_id,load_kw"
		day0 = 20089			# 2025-01-01
		seed = 1
		for (i = 0; i < n; i++) {
			f = i % 100
			if (f == 0) {
				m = int(i / 100)
				z = day0 + int(m / 1440) + 719468
				era = int(z / 146097)
				doe = z - era * 146097
				yoe = int((doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)) / 365)
				doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
				mp = int((5 * doy + 2) / 153)
				d = doy - int((153 * mp + 2) / 5) + 1
				mo = mp < 10 ? mp + 3 : mp - 9
				y = yoe + era * 400 + (mo <= 2)
				ts = sprintf("%04d-%02d-%02dT%02d:%02d:00Z", y, mo, d,
				    int(m % 1440 / 60), m % 60)
			}
			seed = (seed * 16807) % 2147483647	# Park-Miller
			printf "%s,F%03d,%.3f\n", ts, f, 150 + 400 * seed / 2147483647
		}
	}'
}

csv=$out/ingest-$n.csv
[ -s "$csv" ] || gen "$n" > "$csv"
rows=$n
got=$(fx-ingest -q "$csv" | wc -l)
[ "$got" -eq "$rows" ] ||
	{ echo "bench/ingest.sh: fx-ingest wrote $got records, want $rows" >&2; exit 1; }

bench() {	# bench NAME LABEL PREFIX
	hyperfine -N --style none --warmup 1 --runs "$runs" \
	    --export-csv "$out/ingest-$1.csv" --export-json "$out/ingest-$1.json" \
	    -n fx-ingest "$3 fx-ingest -q $csv" \
	    -n mlr "$3 mlr --icsv --ojsonl cat $csv" > /dev/null
	awk -F, -v rows="$rows" -v label="$2" 'NR > 1 {
		printf "| %s | %s | %.3f | %.3f | %.3f | %.0f |\n", label, $1,
		    $4, $7, $8, rows / $4
	}' "$out/ingest-$1.csv"
}

echo "fx-ingest $(git rev-parse --short HEAD 2>/dev/null || echo '?')" \
    "(working tree), $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs" \
    "($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1))," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg); $(mlr --version)."
echo
echo "Input: $rows rows, $(wc -c < "$csv") bytes ($csv), long format," \
    "100 feeders, 1-minute steps; $runs runs after 1 warmup."
echo
echo "| cores | command | median s | min s | max s | rows/s (median) |"
echo "|---|---|---|---|---|---|"
bench 1core "1 (taskset -c 0)" "taskset -c 0"
bench allcores "all ($(nproc))" ""
echo
echo "Commands: \`fx-ingest -q FILE\`, \`mlr --icsv --ojsonl cat FILE\`" \
    "(hyperfine -N, output discarded)."
echo

rss() {	# rss ROWS ARGS...: max RSS in KiB of fx-ingest on ROWS generated rows
	r=$1
	shift
	gen "$r" | /usr/bin/time -v fx-ingest -q "$@" 2>&1 >/dev/null |
		awk '/Maximum resident set size/ { print $NF }'
}

echo "Load average after the timings: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "| fx-ingest options | max RSS at 1x ($rows rows) | at 10x ($((rows * 10)) rows) |"
echo "|---|---|---|"
for opts in "" "--resample 15m" "--reorder-window 1h"; do
	a=$(rss "$rows" $opts)
	b=$(rss $((rows * 10)) $opts)
	echo "| ${opts:-(none)} | $a KiB | $b KiB |"
done
