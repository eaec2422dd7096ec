#!/bin/sh
# fx-bpp under load.  Target: fx-bpp sustains >= 2,000 signed requests/s
# on loopback with p99 < 10 ms.
#
# Keys (fx-beckn keygen) for a BAP and for the BPP, and a registry of both,
# are made in a temp dir.  fx-bpp serves samples/ders.json on 127.0.0.1,
# pinned to CPU 0 with taskset, its stdout (one beckn record a message,
# each flushed) to /dev/null, with --forget $FORGET (30s: the select
# runs' drafts, never confirmed, are forgotten during the benchmark; the
# default is 10m); its summary line (message ids and transactions held
# and forgotten) is in the report.  bench/bpp_load.c, built here
# against build/libfx.a, is the client, pinned to CPU 1: it signs every
# request of a run before the clock starts (signing is not in the
# measured client path), then sends them open loop at a fixed rate
# (latency from each request's scheduled time, so queueing is not hidden)
# and answers the BPP's signed callbacks on its own server, counting them.
# Each run: 1 s of warm-up (not counted), then $DUR s at the rate; a
# server that falls behind gets $CUTOFF s more, then what is unanswered
# or unsent counts as such (infinite latency).
#
#   - v2 discover for feeder F001, each with a fresh message id and
#     transaction id, at each of $RATES req/s; the on_discover callback
#     carries the offers fx-bpp makes (the report says how many, and the
#     callbacks' mean size);
#   - the baseline, in the same invocation, each of its runs right after
#     fx-bpp's at the same rate: the same requests against
#     `bpp_load --serve`, a plain HTTP server on the same event loop
#     (common/http), pinned to CPU 0 too, that answers every
#     POST with a constant ACK of fx-bpp's size and does no Beckn work and
#     no callback: the floor of HTTP on loopback with this client;
#   - v2 select of did:fx:bat-0001, each in a new transaction, at
#     each of $SELECT_RATES req/s (a small on_select callback);
#   - in-process costs (bpp_load --micro, median of 5 rounds of 2,000):
#     BLAKE2b digest, fx_bsign_sign, countersign, header parse,
#     fx_bsign_verify, JSON parse and schema check of a discover body,
#     beside `openssl speed ed25519` (OpenSSL's own loop, the floor).
#
# $RUNS repetitions, interleaved (rate by rate, fx-bpp then the baseline);
# the reported run of each row is the median by p99 (then by achieved
# rate).  fx-bpp runs through all of them as one process, as it would in
# service.  Load average before and after, and for each run the share of
# it that the server and the client were runnable but waited for their
# CPU (/proc/PID/schedstat): the VM is shared, other jobs may run on both
# CPUs.
#
# Usage: sh bench/bpp.sh > bench/results/bpp.md  (RUNS=3 DUR=5 CUTOFF=2
# FORGET=30s RATES="500 1000 2000 3000" SELECT_RATES="1000 2000": about 4 minutes on
# an idle machine; DUR=10 about 7).  Every run's JSON line goes to
# bench/out/bpp-runs.ndjson.
set -eu
cd "$(dirname "$0")/.."
export LC_ALL=C
OUT=bench/out
RUNS=${RUNS:-3}
DUR=${DUR:-5}
CUTOFF=${CUTOFF:-2}
FORGET=${FORGET:-30s}
RATES=${RATES-500 1000 2000 3000}
SELECT_RATES=${SELECT_RATES-1000 2000}
TARGET_RPS=2000 TARGET_P99=10
mkdir -p "$OUT"
for c in jq openssl; do
	command -v $c >/dev/null || { echo "bpp.sh: $c missing" >&2; exit 2; }
done
make -s >&2
LDLIBS=$(sed -n 's/^LDLIBS = //p' Makefile)
# shellcheck disable=SC2086
${CC:-cc} -std=c11 -O2 -g -D_GNU_SOURCE -Icommon -o "$OUT/bpp_load" \
    bench/bpp_load.c build/libfx.a $LDLIBS
REV=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
git diff --quiet HEAD -- common cmd/fx-bpp 2>/dev/null || REV="$REV with local changes"
PIN0= PIN1=
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
	PIN0="taskset -c 0" PIN1="taskset -c 1"
fi

TMPD=$(mktemp -d "${TMPDIR:-/tmp}/fx-bpp-bench.XXXXXX")
BPP_PID= ACK_PID=
cleanup() {
	[ -n "$BPP_PID" ] && kill "$BPP_PID" 2>/dev/null
	[ -n "$ACK_PID" ] && kill "$ACK_PID" 2>/dev/null
	rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

BAP=bap.bench.fluxeon BPPID=bpp.fluxeon.sandbox
bin/fx-beckn keygen --id $BAP --key-id k1 --url http://127.0.0.1:9/ \
    -o "$TMPD/bap" > /dev/null
bin/fx-beckn keygen --id $BPPID --key-id k1 --type BPP \
    --url http://127.0.0.1:9/ -o "$TMPD/bpp" > /dev/null
jq -s . "$TMPD/bap.json" "$TMPD/bpp.json" > "$TMPD/registry.json"

# the servers; a port file appears once each listens
$PIN0 bin/fx-bpp --catalog samples/ders.json --key "$TMPD/bpp.key" \
    --registry "$TMPD/registry.json" --id $BPPID --forget "$FORGET" \
    --port-file "$TMPD/bpp.port" > /dev/null 2> "$TMPD/bpp.err" &
BPP_PID=$!
$PIN0 "$OUT/bpp_load" --serve --port-file "$TMPD/ack.port" 2> "$TMPD/ack.err" &
ACK_PID=$!
i=0
while [ ! -s "$TMPD/bpp.port" ] || [ ! -s "$TMPD/ack.port" ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "bpp.sh: the servers did not start" >&2;
	    cat "$TMPD/bpp.err" "$TMPD/ack.err" >&2; exit 1; }
	sleep 0.05
done
BPP_URL=http://127.0.0.1:$(cat "$TMPD/bpp.port")
ACK_URL=http://127.0.0.1:$(cat "$TMPD/ack.port")
rss() { awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { printf "%d kB resident, %d kB peak", r, h }' "/proc/$1/status"; }
RSS0=$(rss $BPP_PID)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
T0=$(date +%s)

R=$OUT/bpp-runs.ndjson
: > "$R"
# run SERVER MIX RATE REP
run() {
	case $1 in
	fx-bpp) url=$BPP_URL pid=$BPP_PID ;;
	*) url=$ACK_URL pid=$ACK_PID ;;
	esac
	sel=0
	[ "$2" = select ] && sel=1
	$PIN1 "$OUT/bpp_load" --key "$TMPD/bap.key" --id $BAP --to "$url" \
	    -r "$3" -d "${DUR}s" --cutoff "${CUTOFF}s" --select $sel \
	    --server-pid "$pid" |
	    jq -c --arg s "$1" --arg m "$2" --argjson rep "$4" \
	    '. + {server: $s, mix: $m, rep: $rep}' >> "$R"
	sleep 0.5
}
rep=1
while [ $rep -le "$RUNS" ]; do
	for r in $RATES; do
		run fx-bpp discover "$r" $rep
		run baseline discover "$r" $rep
	done
	for r in $SELECT_RATES; do
		run fx-bpp select "$r" $rep
	done
	rep=$((rep + 1))
done
MICRO=$($PIN1 "$OUT/bpp_load" --micro --key "$TMPD/bap.key" --id $BAP \
    --schemas schemas/beckn -n 2000)
SPEED=$($PIN1 openssl speed -seconds 2 ed25519 2>/dev/null |
    sed -n 's/.*EdDSA (Ed25519) *[0-9.]*s *[0-9.]*s *\([0-9.]*\) *\([0-9.]*\)$/\1 \2/p')
T1=$(date +%s)
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
RSS1=$(rss $BPP_PID)
kill $BPP_PID $ACK_PID
wait $BPP_PID $ACK_PID 2>/dev/null || true
BPP_PID= ACK_PID=
SUMMARY=$(tail -n 1 "$TMPD/bpp.err")

# ---- the report ----
# the median run by p99 (no answer: infinite) of each server, mix and rate
MED=$(jq -s -c 'group_by([.server, .mix, .offered_rps]) |
    map(sort_by([.p99_ms // 1e18, -.achieved_rps]) | .[(length - 1) / 2 | floor]) | .[]' "$R")
echo "## fx-bpp under load ($(date -u +%Y-%m-%d), $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1))"
echo
echo "FLUXEON $REV, gcc $(${CC:-cc} -dumpfullversion)," \
    "libmicrohttpd $(dpkg-query -W -f='${Version}' libmicrohttpd12 2>/dev/null || echo '?')," \
    "libcurl $(dpkg-query -W -f='${Version}' libcurl4 2>/dev/null || echo '?')," \
    "OpenSSL $(openssl version | cut -d' ' -f2), libjq $(dpkg-query -W -f='${Version}' libjq1 2>/dev/null || echo '?')."
echo "fx-bpp and the baseline server pinned with \`$PIN0\`, the load tool with \`$PIN1\`."
echo "Load average $LOAD0 at the start, $LOAD1 at the end (1, 5, 15 min; the VM is" \
    "shared, other jobs may have run on both CPUs); $((T1 - T0)) s of runs."
awk -v a="${LOAD0%% *}" -v b="${LOAD1%% *}" -v n="$(nproc)" 'BEGIN { if (a > n / 2 || b > n / 2)
	printf "**Loaded**: a 1-minute load average over %d at the start or the end; the figures are the machine'"'"'s as much as fx-bpp'"'"'s (the columns in parentheses: the share of the run the server or the client was runnable but waited for its CPU, from /proc/PID/schedstat).\n", n / 2 }'
echo "$RUNS runs of each row, interleaved; each: 1 s warm-up, then $DUR s at the" \
    "offered rate, open loop, up to 256 requests in flight (16 connections, libcurl's" \
    "per-host limit in common/http); a server behind gets $CUTOFF s more."
echo "Latency from each request's scheduled send time to its answer (so queueing in" \
    "the client counts); percentiles exact (nearest rank) over every counted request," \
    "an unanswered one infinite (—). The row shown is the median run by p99" \
    "(by achieved rate when p99 is infinite in several)."
echo
echo "| server | mix | offered req/s | achieved req/s | ACK | unanswered + unsent | p50 ms | p90 ms | p99 ms | max ms | callbacks (p99 ms) | server CPU (runnable, waiting for it) | server CPU µs/answer | client send lag p99 ms (client waiting for CPU) | p99 of each run |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
echo "$MED" | while read -r l; do
	s=$(echo "$l" | jq -r '.server') m=$(echo "$l" | jq -r '.mix')
	o=$(echo "$l" | jq -r '.offered_rps')
	each=$(jq -r --arg s "$s" --arg m "$m" --argjson o "$o" \
	    'select(.server == $s and .mix == $m and .offered_rps == $o) | (.p99_ms // "—" | tostring)' "$R" |
	    awk '{ printf "%s%s", (NR > 1 ? ", " : ""), ($1 == "—" ? $1 : sprintf("%.2f", $1)) }')
	echo "$l" | jq -r --arg each "$each" '
	    def ms: if . == null then "—" else (. * 100 | round / 100 | tostring) end;
	    "| \(.server) | v2 \(.mix) | \(.offered_rps) | \(.achieved_rps) | \(.ack) of \(.requests) (\(.ack * 1000 / .requests | floor / 10)%) | \(.unanswered + .unsent) | \(.p50_ms | ms) | \(.p90_ms | ms) | \(.p99_ms | ms) | \(.max_ms | ms) | \(.callbacks_counted) (\(.cb_p99_ms | ms)) | \(.server_cpu_pct)% (\(.server_wait_pct)%) | \(.server_cpu_us_per_answer | round) | \(.lag_p99_ms | ms) (\(.client_wait_pct)%) | \($each) |"'
done | sort -t'|' -k3,3 -k4,4n -k2,2r
echo
# the verdict: the discover mix at the target rate, median run
V=$(echo "$MED" | jq -c --argjson t $TARGET_RPS 'select(.server == "fx-bpp" and .mix == "discover" and .offered_rps == $t)')
VS=$(echo "$MED" | jq -c --argjson t $TARGET_RPS 'select(.server == "fx-bpp" and .mix == "select" and .offered_rps == $t)')
verdict() {
	echo "$1" | jq -r --argjson t $TARGET_RPS --argjson p $TARGET_P99 '
	    def ms: if . == null then "no answer (cut off)" else "\(. * 100 | round / 100) ms" end;
	    if .achieved_rps >= 0.99 * $t and .ack == .requests and .p99_ms != null and .p99_ms < $p
	    then "**met**: \(.achieved_rps) req/s achieved, \(.ack) of \(.requests) ACKed, p99 \(.p99_ms | ms)"
	    else "**missed**: \(.achieved_rps) req/s achieved of \($t) offered, \(.ack) of \(.requests) ACKed, \(.unanswered + .unsent) unanswered or unsent, p99 \(.p99_ms | ms)" end'
}
CB=$(echo "$MED" | jq -r -s '[.[] | select(.server == "fx-bpp" and .callbacks > 0)] | group_by(.mix) | map(.[0]) | .[] |
    if .mix == "discover" then "each on_discover carried \(.first_callback_offers) offers, \(.callback_bytes_mean) bytes on average"
    else "each on_select \(.callback_bytes_mean) bytes" end' | paste -sd';' - | sed 's/;/; /g')
echo "Callbacks (fx-bpp, signed, to the load tool's server): $CB."
echo
echo "Target ≥ $TARGET_RPS signed requests/s with p99 < $TARGET_P99 ms, median run:"
echo
[ -n "$V" ] && echo "- v2 discover: $(verdict "$V")."
[ -n "$VS" ] && echo "- v2 select: $(verdict "$VS")."
BEST=$(echo "$MED" | jq -r -s --argjson p $TARGET_P99 '[.[] | select(.server == "fx-bpp" and .mix == "discover" and
    .ack == .requests and .p99_ms != null and .p99_ms < $p and .achieved_rps >= 0.99 * .offered_rps) | .offered_rps] |
    if length > 0 then "\(max) req/s" else "none" end')
echo "- Highest discover rate tested at which fx-bpp answered every request with an ACK, kept up and had p99 < $TARGET_P99 ms: $BEST."
echo
echo "In-process, one core (\`bpp_load --micro\`, a $(echo "$MICRO" | jq '.body_bytes')-byte discover body," \
    "µs a call, median of 5 rounds of 2,000):"
echo
echo "| step | µs |"
echo "|---|---|"
echo "$MICRO" | jq -r '
    "| fx_bsign_verify (Ed25519 verify of the signing string, BLAKE2b-512 of the body) | \(.verify_us) |",
    "| fx_bsign_sign (the same, signing) | \(.sign_us) |",
    "| fx_bsign_countersign (a v2 ACK counter-signature) | \(.countersign_us) |",
    "| fx_bsign_digest (BLAKE2b-512 of the body) | \(.digest_us) |",
    "| fx_bsign_parse (the Authorization header) | \(.parse_us) |",
    "| fx_json_parse of the body (libjq) | \(.json_parse_us) |",
    "| fx_bschema_check of the discover (schemas/beckn) | \(.schema_check_discover_us // "—") |"'
if [ -n "$SPEED" ]; then
	set -- $SPEED
	awk -v s="$1" -v v="$2" 'BEGIN { printf "| `openssl speed ed25519`: sign / verify (OpenSSL'"'"'s own loop, no digest) | %.1f / %.1f |\n", 1e6 / s, 1e6 / v }'
fi
echo
echo "fx-bpp memory: $RSS0 at the start; $RSS1 at the end (--forget $FORGET; message ids held while their message could be accepted, here the requests' ttl, $((60 + 2 * (1 + DUR + CUTOFF))) s, plus 30 s of skew)."
echo "Its summary when stopped: \`$SUMMARY\`."
echo
echo "Command: \`sh bench/bpp.sh\` (RUNS=$RUNS DUR=$DUR CUTOFF=$CUTOFF FORGET=$FORGET RATES=\"$RATES\" SELECT_RATES=\"$SELECT_RATES\");" \
    "every run's JSON line is in \`$R\`."
