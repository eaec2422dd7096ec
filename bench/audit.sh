#!/bin/sh
# fx-audit cost (issue 7; SRS R48-R54, NFR8).  Targets: append >= 50,000
# entries/s with batched commits; on a 10-million-entry store, a query by
# OBP ID <= 10 ms and a one-month feeder query <= 1 s (NFR8 asks <= 5 s);
# verify >= 500,000 entries/s.
#
# Input, written once by awk (deterministic, srand(1)): $N audit records
# (1,000,000; 10,000,000 with BIG=1), a stream of events over 2025 in time
# order, each on one of 1,000 feeders: a state_change; half the time a
# plan (2 slots, 2 activations) and the OBP it books, as two order records
# (active, then completed: obp_id, plan_id, event_id, feeder_id, der_ids,
# order_id, transaction_id, timestamps, created_at, evidence); one time in
# ten an operator control record.  About 2.6 records an event, so a feeder
# has about N/1,000 entries and a one-month query selects about 1/12 of
# them.  Every record is of a type append keeps by default.
#
# hyperfine (pinned to one CPU with taskset, output to /dev/null) times,
# in the same invocation, a fresh store each run:
#   - fx-audit append --key (default --batch 10000, --sync normal),
#     --sync full, and with --enc-key --encrypt evidence (the orders'
#     evidence member as AES-256-GCM envelopes);
#   - sqlite3 CLI .import of the same lines into a plain one-column table
#     (WAL, one transaction, no hashing, no index): the cost of SQLite
#     storing the bytes;
#   - cat > /dev/null: reading the input, the floor.
# On the store of the last default append: query --obp (ten OBP IDs,
# $QRUNS runs each), query --feeder --from --to for June 2025 (three
# feeders; beside the first, the same SELECT by the sqlite3 CLI and
# fx-audit -h: process start, the floor), obp --id ($RUNS runs), verify --pubkey, prove --seq (middle entry) and
# export of one day.
#
# Usage: sh bench/audit.sh (uses bin/fx-audit from make).  RUNS (3),
# QRUNS (20), BIG=1 or N=... to change the size.  Prints a Markdown
# report; hyperfine's JSON goes to bench/out/.
set -eu
cd "$(dirname "$0")/.."
export PATH="$PWD/bin:$PATH" LC_ALL=C
OUT=bench/out
RUNS=${RUNS:-3}
QRUNS=${QRUNS:-10}
if [ "${BIG:-0}" = 1 ]; then N=${N:-10000000}; else N=${N:-1000000}; fi
mkdir -p "$OUT"
for c in hyperfine sqlite3 jq awk; do
	command -v $c >/dev/null || { echo "audit.sh: $c missing" >&2; exit 2; }
done
PIN=
command -v taskset >/dev/null && PIN="taskset -c 0"
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/fx-audit-bench.XXXXXX")
trap 'rm -rf "$TMPD"' EXIT
IN=$TMPD/audit.ndjson DB=$TMPD/audit.db
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

# the input: see the header
awk -v n="$N" '
function iso(t,  d, m, s) {
	d = int(t / 86400); s = t - d * 86400
	if (d > 364) d = 364	# never past 2025
	for (m = 1; d >= ml[m]; m++) d -= ml[m]
	return sprintf("2025-%02d-%02dT%02d:%02d:%02dZ", m, d + 1,
	    int(s / 3600), int(s % 3600 / 60), s % 60)
}
function emit(line) { if (k < n) { print line; k++ } }
BEGIN {
	srand(1)
	split("31 28 31 30 31 30 31 31 30 31 30 31", ml, " ")
	step = 360 * 86400 / (n / 2.55)	# the events end before the year does
	for (i = 0; k < n; i++) {
		t = int(i * step)
		fi = int(rand() * 1000); f = sprintf("F%04d", fi)
		ev = f "@" iso(t) "#" (++cnt[f])
		p = rand()
		emit("{\"type\":\"state_change\",\"event_id\":\"" ev "\",\"feeder_id\":\"" f \
		    "\",\"timestamp\":\"" iso(t) "\",\"prev_state\":0,\"new_state\":2," \
		    "\"confidence\":" sprintf("%.6f", p) ",\"cause\":{\"horizon\":2," \
		    "\"slice_start\":\"" iso(t + 600) "\",\"slice_end\":\"" iso(t + 1500) \
		    "\",\"probs\":[0.00105,0.219917,0.779033]},\"model\":\"rules\"," \
		    "\"alert_kw\":480,\"critical_kw\":570,\"detected_at_wall\":\"2026-11-27T03:15:14.691Z\"}")
		if (rand() < 0.5) {
			o++; pl = ev "/1"; obp = sprintf("OBP-%07d", o)
			d1 = sprintf("did:fx:bat-%04d-%d", fi, o % 7)
			d2 = sprintf("did:fx:ev-%04d-%d", fi, o % 5)
			ag = "agg-" (o % 5)
			emit("{\"type\":\"plan\",\"plan_id\":\"" pl "\",\"event_id\":\"" ev \
			    "\",\"feeder_id\":\"" f "\",\"issued_at\":\"" iso(t) "\",\"state\":2," \
			    "\"prev_state\":1,\"status\":\"dispatch\",\"quantile\":\"hi95\"," \
			    "\"target\":\"alert\",\"target_kw\":560,\"slots\":[{\"start\":\"" \
			    iso(t) "\",\"end\":\"" iso(t + 300) "\",\"forecast_kw\":715.922," \
			    "\"required_kw\":155.922,\"allocations\":[{\"der_id\":\"" d1 \
			    "\",\"aggregator_id\":\"" ag "\",\"kw\":120}]},{\"start\":\"" \
			    iso(t + 300) "\",\"end\":\"" iso(t + 600) "\",\"forecast_kw\":690.1," \
			    "\"required_kw\":130.1,\"allocations\":[{\"der_id\":\"" d2 \
			    "\",\"aggregator_id\":\"" ag "\",\"kw\":80}]}],\"activations\":[" \
			    "{\"der_id\":\"" d1 "\",\"aggregator_id\":\"" ag "\",\"type\":\"battery\"," \
			    "\"start\":\"" iso(t) "\",\"end\":\"" iso(t + 1800) "\",\"kw\":120,\"kwh\":60}," \
			    "{\"der_id\":\"" d2 "\",\"aggregator_id\":\"" ag "\",\"type\":\"EV\"," \
			    "\"start\":\"" iso(t) "\",\"end\":\"" iso(t + 1800) "\",\"kw\":80,\"kwh\":40}]," \
			    "\"required_kwh\":95.487,\"allocated_kwh\":100,\"expected_kwh\":92.13," \
			    "\"unmet_kw\":0,\"unmet_kwh\":0,\"cost\":13.2865,\"solver\":\"glpk\"," \
			    "\"solver_status\":\"optimal\",\"solve_ms\":0.488,\"objective\":47.81," \
			    "\"gap\":0,\"candidates\":3,\"planned_at_wall\":\"2026-11-27T06:17:09.583Z\"}")
			common = "\"order_id\":\"ord-" o "\",\"obp_id\":\"" obp "\",\"plan_id\":\"" pl \
			    "\",\"event_id\":\"" ev "\",\"feeder_id\":\"" f "\",\"der_ids\":[\"" d1 \
			    "\",\"" d2 "\"],\"aggregator_id\":\"" ag "\",\"transaction_id\":\"tx-" o "\""
			emit("{\"type\":\"order\"," common ",\"status\":\"active\",\"created_at\":\"" \
			    iso(t + 60) "\",\"timestamps\":{\"initiation\":\"" iso(t + 30) \
			    "\",\"confirmation\":\"" iso(t + 60) "\",\"activation\":\"" iso(t + 120) \
			    "\"},\"requested_kwh\":100,\"price\":0.21,\"evidence\":{\"alg\":\"ed25519\"," \
			    "\"sig\":\"NXSZbIYR4NEYEEQdJrMpj79uy9/Oxxg2fQ7kRhn0s5Vw2xJpVqkqJ8XkR3oF0sq8QmX9Yk1iZ0m6a9w==\"}}")
			emit("{\"type\":\"order\"," common ",\"status\":\"completed\",\"created_at\":\"" \
			    iso(t + 1920) "\",\"timestamps\":{\"completion\":\"" iso(t + 1920) \
			    "\"},\"requested_kwh\":100,\"delivered_kwh\":" sprintf("%.1f", 80 + 20 * p) \
			    ",\"price\":0.21}")
		}
		if (rand() < 0.1)
			emit("{\"type\":\"control\",\"user\":\"ana\",\"role\":\"operator\"," \
			    "\"action\":\"approve_plan\",\"params\":{\"plan_id\":\"" ev "/1\"}," \
			    "\"timestamp\":\"" iso(t + 90) "\",\"feeder_id\":\"" f "\"}")
	}
}' > "$IN"
NIN=$(wc -l < "$IN")
BYTES=$(wc -c < "$IN")
fx-audit keygen --name fluxeon.bench/audit -o "$TMPD/k" > /dev/null
fx-audit keygen --encryption -o "$TMPD/aes.key"

# the sqlite3 baseline and the fresh-store preparation, as scripts
US=$(printf '\037')
cat > "$TMPD/import.sh" <<EOF
exec sqlite3 $TMPD/plain.db 'PRAGMA journal_mode=WAL;' 'PRAGMA page_size=16384;' \
    'CREATE TABLE t(line TEXT);' '.mode ascii' '.separator $US \\n' '.import $IN t' > /dev/null
EOF
CLEAN="rm -f $DB $DB-wal $DB-shm $TMPD/plain.db $TMPD/plain.db-wal $TMPD/plain.db-shm"

hyperfine -N --runs "$RUNS" --prepare "$CLEAN" --export-json "$OUT/audit-append.json" \
    -n "fx-audit append --sync full" "$PIN fx-audit append -q --db $DB --key $TMPD/k.key --sync full $IN" \
    -n "sqlite3 .import (plain table)" "$PIN sh $TMPD/import.sh" \
    -n "cat > /dev/null" "$PIN cat $IN" \
    -n "fx-audit append --enc-key --encrypt evidence" "$PIN fx-audit append -q --db $DB --key $TMPD/k.key --enc-key $TMPD/aes.key --encrypt evidence $IN" \
    -n "fx-audit append" "$PIN fx-audit append -q --db $DB --key $TMPD/k.key $IN" > /dev/null
# the store of the last run, the default append, is measured below
[ "$(sqlite3 "$DB" 'SELECT count(*) FROM entries')" = "$NIN" ] ||
	{ echo "audit.sh: the store does not hold $NIN entries" >&2; exit 1; }
STORE=$(du -cb "$DB" "$DB-wal" "$DB-shm" 2>/dev/null | tail -1 | cut -f1)
PLAIN_SIZE=$(sh "$TMPD/import.sh" && du -cb "$TMPD"/plain.db* | tail -1 | cut -f1)
rm -f "$TMPD"/plain.db*
CPS=$(sqlite3 "$DB" 'SELECT count(*) FROM checkpoints')

# ten OBP IDs spread over the store; three feeders
OBPS=$(sqlite3 "$DB" 'SELECT MAX(obp_id) FROM entries' |
    awk '{ m = substr($0, 5) + 0; for (i = 1; i <= 10; i++) printf "%sOBP-%07d", (i > 1 ? "," : ""), int(m * (i - 0.5) / 10) + 1 }')
FEEDERS=F0001,F0500,F0999
FROM=2025-06-01T00:00:00Z TO=2025-07-01T00:00:00Z
DFROM=2025-06-15T00:00:00Z DTO=2025-06-16T00:00:00Z
OBP1=${OBPS%%,*}
MID=$((NIN / 2))
Q_OBP_ROWS=$(fx-audit query --db "$DB" --obp "$OBP1" | wc -l)
Q_F_ROWS=$(fx-audit query --db "$DB" --feeder F0500 --from $FROM --to $TO | wc -l)
Q_F_ALL=$(fx-audit query --db "$DB" --feeder F0500 | wc -l)
EXP_ROWS=$(fx-audit export --db "$DB" --from $DFROM --to $DTO | wc -l)
fx-audit prove --db "$DB" --seq $MID | fx-audit verify-proof --pubkey "$TMPD/k.pub" > /dev/null

hyperfine -N --warmup 2 --runs "$QRUNS" --export-json "$OUT/audit-query-obp.json" -L obp "$OBPS" \
    "$PIN fx-audit query --db $DB --obp {obp}" > /dev/null
hyperfine -N --warmup 1 --runs "$QRUNS" --export-json "$OUT/audit-query-feeder.json" -L feeder "$FEEDERS" \
    "$PIN fx-audit query --db $DB --feeder {feeder} --from $FROM --to $TO" > /dev/null
hyperfine -N --warmup 1 --runs "$QRUNS" --export-json "$OUT/audit-query-base.json" \
    -n "fx-audit query --obp $OBP1" "$PIN fx-audit query --db $DB --obp $OBP1" \
    -n "sqlite3 same SELECT" "$PIN sqlite3 $DB \"SELECT body FROM entries WHERE obp_id = '$OBP1'\"" \
    -n "fx-audit -h" "$PIN fx-audit -h" > /dev/null
hyperfine -N --runs "$RUNS" --export-json "$OUT/audit-obp.json" \
    -n "fx-audit obp" "$PIN fx-audit obp --db $DB --id $OBP1" > /dev/null
hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$OUT/audit-read.json" \
    -n "fx-audit verify --pubkey" "$PIN fx-audit verify --db $DB --pubkey $TMPD/k.pub" \
    -n "fx-audit prove --seq $MID" "$PIN fx-audit prove --db $DB --seq $MID" \
    -n "fx-audit export (one day)" "$PIN fx-audit export --db $DB --from $DFROM --to $DTO" \
    -n "sqlite3 SELECT leaf, body (every entry)" "$PIN sqlite3 $DB 'SELECT leaf, body FROM entries'" > /dev/null
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# figures: medians in seconds
med() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .median' "$OUT/audit-$1.json"; }
medmed() { jq -r '[.results[].median] | sort | .[length / 2 | floor]' "$OUT/audit-$1.json"; }
maxmed() { jq -r '[.results[].median] | max' "$OUT/audit-$1.json"; }
A=$(med append "fx-audit append")
AF=$(med append "fx-audit append --sync full")
AE=$(med append "fx-audit append --enc-key --encrypt evidence")
AS=$(med append "sqlite3 .import (plain table)")
AC=$(med append "cat > /dev/null")
QO=$(medmed query-obp) QOMAX=$(maxmed query-obp)
QF=$(medmed query-feeder) QFMAX=$(maxmed query-feeder)
OB=$(medmed obp)
QB1=$(med query-base "fx-audit query --obp $OBP1")
QBS=$(med query-base "sqlite3 same SELECT")
QBH=$(med query-base "fx-audit -h")
V=$(med read "fx-audit verify --pubkey")
P=$(med read "fx-audit prove --seq $MID")
E=$(med read "fx-audit export (one day)")
SL=$(med read "sqlite3 SELECT leaf, body (every entry)")
f() { awk -v x="$1" -v m="$2" -v d="${3:-0}" 'BEGIN { printf "%.*f", d, x * m }'; }
r() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }	# per second
# met/missed: "ge" rate >= target, "le" value <= target
judge() { awk -v x="$1" -v t="$2" -v op="$3" 'BEGIN {
	if (op == "ge") { if (x >= t) print "met"; else printf "**missed** (%.0f%% of the target)", 100 * x / t }
	else { if (x <= t) print "met"; else printf "**missed** (%.1f× the target)", x / t } }'; }

echo "## fx-audit ($(date -u +%Y-%m-%d), $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1))"
echo
echo "Load average $LOAD0 at the start, $LOAD1 at the end (1, 5, 15 min)."
[ "$NIN" -lt 10000000 ] &&
	echo "**Run at N = $NIN entries, not 10 million**: the query targets are stated for a 10-million-entry store (BIG=1); the figures below are on $NIN."
echo
echo "Input: awk generator (bench/audit.sh), $NIN records, $BYTES bytes" \
    "($(awk -v b="$BYTES" -v n="$NIN" 'BEGIN { printf "%.0f", b / n }') bytes a record):" \
    "$(grep -c '"type":"state_change"' "$IN") state_change," \
    "$(grep -c '"type":"plan"' "$IN") plan, $(grep -c '"type":"order"' "$IN") order," \
    "$(grep -c '"type":"control"' "$IN") control; 1,000 feeders, times over 2025."
echo "Store after the default append: $STORE bytes ($(f "$STORE" 1e-6 0) MB," \
    "$(awk -v s="$STORE" -v n="$NIN" 'BEGIN { printf "%.0f", s / n }') bytes an entry, WAL included)," \
    "$CPS checkpoints; the plain sqlite3 table of the same lines: $PLAIN_SIZE bytes."
echo
echo "| target | measured | verdict |"
echo "|---|---|---|"
echo "| append ≥ 50,000 entries/s (default --batch 10000, --sync normal, --key) | $(r "$NIN" "$A") entries/s ($(f "$A" 1 1) s, median of $RUNS) | $(judge "$(r "$NIN" "$A")" 50000 ge) |"
echo "| query --obp ≤ 10 ms (on $NIN entries) | $(f "$QO" 1000 1) ms (median over 10 OBP IDs of the medians of $QRUNS runs; worst $(f "$QOMAX" 1000 1) ms) | $(judge "$QO" 0.010 le) |"
echo "| one-month feeder query ≤ 1 s (on $NIN entries) | $(f "$QF" 1000 1) ms (3 feeders, $QRUNS runs each; worst $(f "$QFMAX" 1000 1) ms; $Q_F_ROWS of F0500's $Q_F_ALL records) | $(judge "$QF" 1 le) |"
echo "| verify ≥ 500,000 entries/s | $(r "$NIN" "$V") entries/s ($(f "$V" 1 2) s, median of $RUNS) | $(judge "$(r "$NIN" "$V")" 500000 ge) |"
echo
echo "Append, a fresh store each run, median of $RUNS, pinned to one CPU:"
echo
echo "| command | median s | entries/s |"
echo "|---|---|---|"
for x in "fx-audit append:$A" "fx-audit append --sync full:$AF" \
    "fx-audit append --enc-key --encrypt evidence (AES-256-GCM, the orders' evidence):$AE" \
    "sqlite3 .import (plain table, one transaction):$AS" "cat > /dev/null (floor):$AC"; do
	echo "| ${x%:*} | $(f "${x##*:}" 1 2) | $(r "$NIN" "${x##*:}") |"
done
echo
echo "Reading the store:"
echo
echo "| command | median | note |"
echo "|---|---|---|"
echo "| query --obp ID | $(f "$QO" 1000 1) ms | $Q_OBP_ROWS records an OBP ID; process start and store open included |"
echo "| query --feeder F --from 2025-06-01 --to 2025-07-01 | $(f "$QF" 1000 1) ms | $Q_F_ROWS records |"
echo "| query --obp $OBP1 (one ID) | $(f "$QB1" 1000 1) ms | beside the two rows below, same hyperfine run |"
echo "| sqlite3 CLI, SELECT body FROM entries WHERE obp_id = '$OBP1' | $(f "$QBS" 1000 1) ms | the same lookup by SQLite's own CLI |"
echo "| fx-audit -h | $(f "$QBH" 1000 1) ms | process start and exit only: the floor of any query |"
echo "| obp --id $OBP1 (settlement evidence) | $(f "$OB" 1000 1) ms | median of $RUNS |"
echo "| verify --pubkey | $(f "$V" 1 2) s | $(r "$NIN" "$V") entries/s, every leaf and checkpoint |"
echo "| prove --seq $MID | $(f "$P" 1000 0) ms | the path from the nodes table (subtree roots of 256 entries and up) and at most about 256 leaves |"
echo "| export --from 2025-06-15 --to 2025-06-16 | $(f "$E" 1000 0) ms | $EXP_ROWS lines (entries and the checkpoint) |"
echo "| sqlite3 'SELECT leaf, body FROM entries' (baseline) | $(f "$SL" 1 2) s | reading every row and nothing else: verify's floor |"
