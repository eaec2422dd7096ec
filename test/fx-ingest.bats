#!/usr/bin/env bats
# fx-ingest: CSV and NDJSON in, canonical reading and exo records out.

bats_require_minimum_version 1.5.0
load helper

CASES=$ROOT/test/cases/fx-ingest
MAN=$ROOT/man/fx-ingest.1

# Compares $output (or $stderr) with stdin, showing a diff on mismatch.
same_output() { diff -u - <(printf '%s\n' "$output"); }
same_stderr() { diff -u - <(printf '%s\n' "$stderr"); }

# The last stderr line is the summary and records = accepted + rejected +
# duplicates; sets SUM_* for further checks.
balanced() {
	local s=${stderr_lines[${#stderr_lines[@]} - 1]}
	local re='^fx-ingest: ([0-9]+) rows read, ([0-9]+) records: ([0-9]+) accepted, ([0-9]+) rejected, ([0-9]+) duplicates; ([0-9]+) written, ([0-9]+) gaps'
	[[ $s =~ $re ]] || { echo "no summary: $s"; return 1; }
	SUM_ROWS=${BASH_REMATCH[1]} SUM_IN=${BASH_REMATCH[2]}
	SUM_ACC=${BASH_REMATCH[3]} SUM_REJ=${BASH_REMATCH[4]}
	SUM_DUP=${BASH_REMATCH[5]} SUM_OUT=${BASH_REMATCH[6]}
	SUM_GAPS=${BASH_REMATCH[7]}
	(( SUM_IN == SUM_ACC + SUM_REJ + SUM_DUP )) ||
		{ echo "unbalanced: $s"; return 1; }
}

# The exact text of numeric key KEY in each line of $output, space-joined
# (jq would reformat the numbers).
nums() {
	printf '%s\n' "$output" | sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" | tr '\n' ' '
}

# A long-format CSV with the canonical header and the given rows.
long_csv() {
	{ echo 'timestamp,feeder_id,load_kw'; printf '%s\n' "$@"; } > "$TMP/in.csv"
}

# --- usage, options, exit status -------------------------------------------

@test "-h prints the usage on stdout and exits 0" {
	run --separate-stderr fx-ingest -h
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "usage: fx-ingest [-hnq] [-c config]"* ]]
	[ -z "$stderr" ]
}

@test "the usage mirrors the man page SYNOPSIS and every option is documented" {
	fx-ingest -h | grep -o -- '--[a-z-]*' | sort -u > usage.txt
	sed -n '/^\.Sh SYNOPSIS/,/^\.Sh DESCRIPTION/p' "$MAN" |
		grep -o 'Fl -[a-z-]*' | sed 's/^Fl -/--/' | sort -u > synopsis.txt
	diff -u usage.txt synopsis.txt
	sed -n '/^\.Sh OPTIONS/,/^\.Sh RECORDS/p' "$MAN" |
		grep -o 'Fl -[a-z-]*' | sed 's/^Fl -/--/' | sort -u > options.txt
	comm -23 usage.txt options.txt > undocumented.txt
	[ ! -s undocumented.txt ]
	# the short options: [-hnq] and one -x per bracket
	[ "$(fx-ingest -h | grep -o '\[-[a-z]\b' | tr -d '[' | sort | tr '\n' ' ')" = \
	    "-c -d -f -l -t -u -w -z " ]
}

@test "an unknown option is a usage error (exit 2)" {
	run --separate-stderr fx-ingest --bogus
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ ${stderr_lines[0]} == *"unrecognized option '--bogus'" ]]
	[[ ${stderr_lines[1]} == "usage: fx-ingest"* ]]
}

@test "conflicting and incomplete options are usage errors" {
	long_csv '2025-01-01T00:00:00Z,F1,1'
	run --separate-stderr fx-ingest -f A --feeder-col feeder_id in.csv
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-ingest: --feeder and --feeder-col exclude each other" ]
	run --separate-stderr fx-ingest -w load_kw -l load_kw in.csv
	[ "$status" -eq 2 ]
	[[ $stderr == "fx-ingest: --wide makes one feeder of each column"* ]]
	run --separate-stderr fx-ingest --stamp end in.csv
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-ingest: --stamp end needs --interval" ]
	run --separate-stderr fx-ingest -u kWh in.csv
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-ingest: --unit kWh is energy per interval: give --interval" ]
	run --separate-stderr fx-ingest --min-kw 5 --max-kw 5 in.csv
	[ "$status" -eq 2 ]
	run --separate-stderr fx-ingest --max-gap 1h in.csv
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-ingest: --max-gap needs --resample" ]
	run --separate-stderr fx-ingest --resample 0 in.csv
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-ingest: bad duration '0' for --resample (want e.g. 900, 15m, 1h30m)" ]
	run --separate-stderr fx-ingest --ambiguous maybe in.csv
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-ingest: bad value 'maybe' for --ambiguous (want infer, earlier, later, reject)" ]
	run --separate-stderr fx-ingest -d ab in.csv
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-ingest: bad delimiter 'ab' (want one character or 'tab')" ]
	run --separate-stderr fx-ingest -w load_kw --feeder-col feeder_id in.csv
	[ "$status" -eq 2 ]
	run --separate-stderr fx-ingest -w A --exo-per-feeder in.csv
	[ "$status" -eq 2 ]
	[ -z "$output" ]
}

@test "an unknown column is a usage error that lists the columns" {
	long_csv '2025-01-01T00:00:00Z,F1,1'
	run --separate-stderr fx-ingest -l Demand in.csv
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-ingest: in.csv: no column 'Demand' for --load-col (columns: timestamp, feeder_id, load_kw)" ]
	run --separate-stderr fx-ingest -t 9 in.csv
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-ingest: in.csv: no column '9' for --time-col (columns: timestamp, feeder_id, load_kw)" ]
	printf 'when,what\n1,2\n' > other.csv
	run --separate-stderr fx-ingest other.csv
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-ingest: other.csv: no column 'timestamp' for --time-col (columns: when, what)" ]
	run --separate-stderr fx-ingest -n -t when -f A -l 2 other.csv
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-ingest: other.csv: no column 'when' for --time-col (no header: give a position from 1)" ]
}

@test "a bad unit or zone is a usage error" {
	long_csv '2025-01-01T00:00:00Z,F1,1'
	run --separate-stderr fx-ingest -u kw in.csv
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-ingest: bad unit 'kw' for --unit (want W, kW, MW, Wh, kWh, MWh)" ]
	run --separate-stderr fx-ingest --kva-unit kva in.csv
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-ingest: bad unit 'kva' for --kva-unit (want VA, kVA, MVA)" ]
	run --separate-stderr fx-ingest --temp-unit R in.csv
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-ingest: bad value 'R' for --temp-unit (want C, F, K)" ]
	run --separate-stderr fx-ingest -z Mars/Olympus_Mons in.csv
	[ "$status" -eq 2 ]
	[[ $stderr == "fx-ingest: --tz: unknown time zone 'Mars/Olympus_Mons'"* ]]
	run --separate-stderr fx-ingest -z +25:00 in.csv
	[ "$status" -eq 2 ]
	[ -z "$output" ]
}

@test "an input that cannot be opened fails with exit 1 after the others" {
	long_csv '2025-01-01T00:00:00Z,F1,1'
	run --separate-stderr fx-ingest missing.csv in.csv
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "${stderr_lines[0]}" = "fx-ingest: missing.csv: No such file or directory" ]
	balanced
}

@test "a write error is exit 1" {
	long_csv '2025-01-01T00:00:00Z,F1,1'
	run --separate-stderr sh -c 'fx-ingest in.csv > /dev/full'
	[ "$status" -eq 1 ]
	[[ $stderr == *"fx-ingest: write error: No space left on device"* ]]
}

@test "a closed output pipe ends fx-ingest quietly (SIGPIPE)" {
	awk 'BEGIN { print "timestamp,feeder_id,load_kw";
	    for (i = 0; i < 200000; i++) printf "%d,F1,1\n", i }' > big.csv
	run --separate-stderr sh -c 'fx-ingest --time-format epoch-s big.csv | head -n 1'
	[ "$status" -eq 0 ]
	[ "$output" = '{"type":"reading","feeder_id":"F1","timestamp":"1970-01-01T00:00:00Z","load_kw":1,"source":"big.csv"}' ]
	[ -z "$stderr" ]
}

# --- records and accounting ------------------------------------------------

@test "long format: records in the canonical form and the summary" {
	long_csv '2025-11-22T10:00:00Z,F001,123.456' '2025-11-22T10:00:00Z,F002,98' \
	    '2025-11-22T10:15:00Z,F001,124'
	run --separate-stderr fx-ingest in.csv
	[ "$status" -eq 0 ]
	same_output <<'EOF'
{"type":"reading","feeder_id":"F001","timestamp":"2025-11-22T10:00:00Z","load_kw":123.456,"source":"in.csv"}
{"type":"reading","feeder_id":"F002","timestamp":"2025-11-22T10:00:00Z","load_kw":98,"source":"in.csv"}
{"type":"reading","feeder_id":"F001","timestamp":"2025-11-22T10:15:00Z","load_kw":124,"source":"in.csv"}
EOF
	[ "$stderr" = "fx-ingest: 3 rows read, 3 records: 3 accepted, 0 rejected, 0 duplicates; 3 written, 0 gaps" ]
	printf '%s\n' "$output" | validate
}

@test "every bad-input class is reported, counted and balanced (messy.csv)" {
	run --separate-stderr fx-ingest "$CASES/messy.csv"
	[ "$status" -eq 0 ]
	same_output <<'EOF'
{"type":"reading","feeder_id":"F001","timestamp":"2025-11-22T10:00:00Z","load_kw":123.456,"kva":130,"source":"messy.csv"}
{"type":"reading","feeder_id":"F001","timestamp":"2025-11-22T10:45:00Z","load_kw":-12.5,"source":"messy.csv"}
{"type":"reading","feeder_id":"F0,02","timestamp":"2025-11-22T11:00:00Z","load_kw":7,"kva":1,"source":"messy.csv"}
{"type":"reading","feeder_id":"F001","timestamp":"2025-11-22T11:30:00Z","load_kw":10.5,"source":"messy.csv"}
EOF
	f=$CASES/messy.csv
	same_stderr <<EOF
fx-ingest: $f:3: load_kw: not a number 'abc'
fx-ingest: $f:4: load_kw: empty
fx-ingest: $f:5: load_kw: not finite 'NaN'
fx-ingest: $f:6: load_kw: not finite '-Inf'
fx-ingest: $f:7: load_kw: out of range '5e7' (want -1000000 to 1000000)
fx-ingest: $f:8: timestamp: time of day out of range '2025-11-22T25:00:00Z'
fx-ingest: $f:11: F001: out of order '2025-11-22T10:00:00Z' (already emitted up to 2025-11-22T10:45:00Z)
fx-ingest: $f:12: too few columns (2, want 4)
fx-ingest: $f:13: malformed quoting
fx-ingest: $f:15: kva: out of range '-3' (want 0 to 1000000)
fx-ingest: $f:16: feeder_id: empty
fx-ingest: $f:17: load_kw: not a number '1\r\n2'
fx-ingest: 17 rows read, 17 records: 4 accepted, 12 rejected, 1 duplicates; 4 written, 0 gaps; rejected: 2 not a number, 1 empty, 2 not finite, 2 out of range, 1 no feeder, 1 bad timestamp, 1 out of order, 1 too few columns, 1 malformed quoting
EOF
	balanced
	[ "$SUM_OUT" -eq "${#lines[@]}" ]
}

@test "--reject keeps the rejected raw rows byte for byte" {
	fx-ingest -q --reject rej.csv "$CASES/messy.csv" > /dev/null
	# messy.csv has CRLF line ends; row 17 spans lines 17-18 (a quoted newline)
	sed -n '3,8p; 11,13p; 15,18p' "$CASES/messy.csv" > want.csv
	cmp rej.csv want.csv
	grep -c $'\r$' rej.csv | grep -qx 13
}

@test "--strict stops at the first bad line with exit 1" {
	run --separate-stderr fx-ingest --strict --reject rej.csv "$CASES/messy.csv"
	[ "$status" -eq 1 ]
	[ "$output" = '{"type":"reading","feeder_id":"F001","timestamp":"2025-11-22T10:00:00Z","load_kw":123.456,"kva":130,"source":"messy.csv"}' ]
	[ "$stderr" = "fx-ingest: $CASES/messy.csv:3: load_kw: not a number 'abc'" ]
	sed -n 3p "$CASES/messy.csv" | cmp - rej.csv
}

@test "--strict does not stop at a duplicate" {
	long_csv '2025-01-01T00:00:00Z,F1,1' '2025-01-01T00:00:00Z,F1,1' '2025-01-01T00:15:00Z,F1,2'
	run --separate-stderr fx-ingest --strict in.csv
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$stderr" = "fx-ingest: 3 rows read, 3 records: 2 accepted, 0 rejected, 1 duplicates; 2 written, 0 gaps" ]
}

@test "--errors-inline writes error records that validate, in input order" {
	run --separate-stderr fx-ingest --errors-inline "$CASES/messy.csv"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | validate
	[ "$(count_type error <(printf '%s\n' "$output"))" -eq 12 ]
	[ "$(count_type reading <(printf '%s\n' "$output"))" -eq 4 ]
	[ "${lines[1]}" = "{\"type\":\"error\",\"program\":\"fx-ingest\",\"input\":\"$CASES/messy.csv\",\"line\":3,\"reason\":\"load_kw: not a number 'abc'\"}" ]
	[[ ${lines[14]} == *'"line":17,"reason":"load_kw: not a number '"'1\\\\r\\\\n2'"'"}' ]]
	balanced
}

@test "-q: no summary and no warnings, errors still reported" {
	long_csv '2025-01-01T00:00:00Z,F1,1' '2025-01-01T00:15:00Z,F1,2' \
	    '2025-01-01T02:00:00Z,F1,x' '2025-01-01T03:00:00Z,F1,3'
	run --separate-stderr fx-ingest -q in.csv
	[ "$status" -eq 0 ]
	[ "$stderr" = "fx-ingest: in.csv:4: load_kw: not a number 'x'" ]
}

# --- numbers and units -----------------------------------------------------

@test "numbers: valid JSON copied verbatim, others canonicalised" {
	long_csv '2025-01-01T00:00:00Z,A,+5' '2025-01-01T00:00:00Z,B,007' \
	    '2025-01-01T00:00:00Z,C,.5' '2025-01-01T00:00:00Z,D,5.' \
	    '2025-01-01T00:00:00Z,E,1e3' '2025-01-01T00:00:00Z,F,-0.50' \
	    '2025-01-01T00:00:00Z,G, 42 ' '2025-01-01T00:00:00Z,H,"-1.25E-2"' \
	    '2025-01-01T00:00:00Z,I,-0'
	run --separate-stderr fx-ingest in.csv
	[ "$status" -eq 0 ]
	[ "$(nums load_kw)" = "5 7 0.5 5 1e3 -0.50 42 -1.25E-2 -0 " ]
	printf '%s\n' "$output" | validate
}

@test "load units: W, MW exact in decimal; kWh, Wh, MWh per interval to average kW" {
	long_csv '2025-01-01T00:00:00Z,F1,1234.5678' '2025-01-01T00:15:00Z,F1,-0.001'
	run --separate-stderr fx-ingest -u W in.csv
	[ "$(nums load_kw)" = "1.2345678 -0.000001 " ]
	run --separate-stderr fx-ingest -u MW --max-kw 1e7 in.csv
	[ "$(nums load_kw)" = "1234567.8 -1 " ]
	long_csv '2025-01-01T00:00:00Z,F1,3.17' '2025-01-01T00:15:00Z,F1,0.1'
	run --separate-stderr fx-ingest -u kWh --interval 15m in.csv
	[ "$(nums load_kw)" = "12.68 0.4 " ]
	run --separate-stderr fx-ingest -u kWh --interval 10m in.csv
	[ "$(nums load_kw)" = "19.02 0.6 " ]
	run --separate-stderr fx-ingest -u Wh --interval 30m in.csv
	[ "$(nums load_kw)" = "0.00634 0.0002 " ]
	run --separate-stderr fx-ingest -u MWh --interval 1h in.csv
	[ "$(nums load_kw)" = "3170 100 " ]
	# 7 minutes is no short decimal factor: shortest round-trip of the product
	run --separate-stderr fx-ingest -u kWh --interval 7m in.csv
	[ "$(nums load_kw)" = "27.17142857142857 0.8571428571428572 " ]
}

@test "kVA, voltage and current columns with their units, in key order" {
	printf 'timestamp,feeder_id,load_kw,s,u,i\n2025-01-01T00:00:00Z,F1,400,420500,11.02,0.0226\n2025-01-01T00:15:00Z,F1,401,,,\n' > in.csv
	run --separate-stderr fx-ingest --kva-col s --kva-unit VA --voltage-col u --voltage-unit kV \
	    --current-col i --current-unit kA in.csv
	[ "$status" -eq 0 ]
	same_output <<'EOF'
{"type":"reading","feeder_id":"F1","timestamp":"2025-01-01T00:00:00Z","load_kw":400,"kva":420.5,"voltage_v":11020,"current_a":22.6,"source":"in.csv"}
{"type":"reading","feeder_id":"F1","timestamp":"2025-01-01T00:15:00Z","load_kw":401,"source":"in.csv"}
EOF
	printf '%s\n' "$output" | validate
	printf 'timestamp,feeder_id,load_kw,kva,voltage_v,current_a\n2025-01-01T00:00:00Z,F1,4,5,230,-1\n2025-01-01T00:15:00Z,F1,4,5e7,230,1\n' > canon.csv
	run --separate-stderr fx-ingest canon.csv
	[ "${#lines[@]}" -eq 0 ]
	[ "${stderr_lines[0]}" = "fx-ingest: canon.csv:2: current_a: out of range '-1' (want >= 0)" ]
	[ "${stderr_lines[1]}" = "fx-ingest: canon.csv:3: kva: out of range '5e7' (want 0 to 1000000)" ]
}

@test "negative load (export) is valid; bounds from options and config" {
	long_csv '2025-01-01T00:00:00Z,F1,-250' '2025-01-01T00:15:00Z,F1,150001'
	run --separate-stderr fx-ingest in.csv
	[ "${#lines[@]}" -eq 2 ]
	# (a configuration needs "defaults" and "feeders" until common/config.c
	# treats absent keys as absent)
	echo '{"defaults": {}, "feeders": [], "ingest": {"min_kw": -100, "max_kw": 150000}}' > cfg.json
	run --separate-stderr fx-ingest -c cfg.json in.csv
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 0 ]
	[ "${stderr_lines[0]}" = "fx-ingest: in.csv:2: load_kw: out of range '-250' (want -100 to 150000)" ]
	[ "${stderr_lines[1]}" = "fx-ingest: in.csv:3: load_kw: out of range '150001' (want -100 to 150000)" ]
	FX_CONFIG=cfg.json run --separate-stderr fx-ingest --max-kw 2e5 in.csv
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} == *'"load_kw":150001,'* ]]
	echo '{"defaults": {}, "feeders": [], "ingest": {"max_kw": "big"}}' > bad.json
	run --separate-stderr fx-ingest -c bad.json in.csv
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-ingest: bad.json: ingest: min_kw and max_kw must be numbers" ]
	echo '{"ingest": ' > broken.json
	run --separate-stderr fx-ingest -c broken.json in.csv
	[ "$status" -eq 2 ]
	[[ $stderr == "fx-ingest: broken.json: invalid JSON"* ]]
}

# --- CSV dialects ----------------------------------------------------------

@test "CRLF input gives the same records as LF input" {
	long_csv '2025-01-01T00:00:00Z,F1,1' '2025-01-01T00:15:00Z,F1,2'
	sed 's/$/\r/' in.csv > crlf.csv
	fx-ingest -q --source x in.csv > lf.out
	fx-ingest -q --source x crlf.csv > crlf.out
	cmp lf.out crlf.out
	[ "$(wc -l < lf.out)" -eq 2 ]
}

@test "quoted fields hold delimiters, quotes and newlines" {
	printf 'timestamp,feeder_id,load_kw\n"2025-01-01T00:00:00Z","North, ""A""","1.5"\n2025-01-01T00:00:00Z,"two\nlines",2\n' > in.csv
	run --separate-stderr fx-ingest in.csv
	[ "$status" -eq 0 ]
	same_output <<'EOF'
{"type":"reading","feeder_id":"North, \"A\"","timestamp":"2025-01-01T00:00:00Z","load_kw":1.5,"source":"in.csv"}
{"type":"reading","feeder_id":"two\nlines","timestamp":"2025-01-01T00:00:00Z","load_kw":2,"source":"in.csv"}
EOF
	balanced
	[ "$SUM_ROWS" -eq 2 ]
}

@test "malformed and unterminated quoting reject the row" {
	printf 'timestamp,feeder_id,load_kw\n2025-01-01T00:00:00Z,"F1"x,1\n2025-01-01T00:15:00Z,F1,2\n2025-01-01T00:30:00Z,"F1,3\n' > in.csv
	run --separate-stderr fx-ingest in.csv
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	same_stderr <<'EOF'
fx-ingest: in.csv:2: malformed quoting
fx-ingest: in.csv:4: unterminated quoted field
fx-ingest: 3 rows read, 3 records: 1 accepted, 2 rejected, 0 duplicates; 1 written, 0 gaps; rejected: 2 malformed quoting
EOF
}

@test "a line too long is rejected and reading goes on" {
	{ echo 'timestamp,feeder_id,load_kw'; printf '2025-01-01T00:00:00Z,F1,1%0100d\n' 0
	  echo '2025-01-01T00:15:00Z,F1,2'; } > in.csv
	run --separate-stderr fx-ingest --max-line 64 --reject rej.csv in.csv
	[ "$status" -eq 0 ]
	[ "$output" = '{"type":"reading","feeder_id":"F1","timestamp":"2025-01-01T00:15:00Z","load_kw":2,"source":"in.csv"}' ]
	same_stderr <<'EOF'
fx-ingest: in.csv:2: line too long
fx-ingest: 2 rows read, 2 records: 1 accepted, 1 rejected, 0 duplicates; 1 written, 0 gaps; rejected: 1 line too long
EOF
	[ ! -s rej.csv ]
}

@test "no header: columns by position; semicolon delimiter" {
	printf '2025-01-01 00:00;X;F1;12.5\n2025-01-01 00:15;X;F1;13\n' > in.csv
	run --separate-stderr fx-ingest -n -d ';' -t 1 --feeder-col 3 -l 4 in.csv
	[ "$status" -eq 0 ]
	same_output <<'EOF'
{"type":"reading","feeder_id":"F1","timestamp":"2025-01-01T00:00:00Z","load_kw":12.5,"source":"in.csv"}
{"type":"reading","feeder_id":"F1","timestamp":"2025-01-01T00:15:00Z","load_kw":13,"source":"in.csv"}
EOF
	balanced
	[ "$SUM_ROWS" -eq 2 ]
}

@test "tab delimiter: -d tab, and by default for .tsv" {
	printf 'timestamp\tfeeder_id\tload_kw\n2025-01-01T00:00:00Z\tF1\t1\n' > in.tsv
	cp in.tsv in.txt
	run --separate-stderr fx-ingest in.tsv
	[ "$output" = '{"type":"reading","feeder_id":"F1","timestamp":"2025-01-01T00:00:00Z","load_kw":1,"source":"in.tsv"}' ]
	run --separate-stderr fx-ingest -d tab in.txt
	[ "$output" = '{"type":"reading","feeder_id":"F1","timestamp":"2025-01-01T00:00:00Z","load_kw":1,"source":"in.txt"}' ]
	run --separate-stderr fx-ingest -d '\t' --source s in.txt
	[ "$output" = '{"type":"reading","feeder_id":"F1","timestamp":"2025-01-01T00:00:00Z","load_kw":1,"source":"s"}' ]
}

@test "a UTF-8 byte order mark before the header is ignored" {
	printf '\xef\xbb\xbftimestamp,feeder_id,load_kw\n2025-01-01T00:00:00Z,F1,1\n' > in.csv
	run --separate-stderr fx-ingest in.csv
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
}

@test "too few columns rejects every record of the row" {
	printf 'time,A,B,temp\n2025-01-01T00:00:00Z,1,2\n' > in.csv
	run --separate-stderr fx-ingest -t time -w A,B --temp-col temp in.csv
	[ "$status" -eq 0 ]
	same_stderr <<'EOF'
fx-ingest: in.csv:2: too few columns (3, want 4)
fx-ingest: 1 rows read, 3 records: 0 accepted, 3 rejected, 0 duplicates; 0 written, 0 gaps; rejected: 3 too few columns
EOF
}

# --- feeders: constant, column, wide ---------------------------------------

@test "a constant feeder with -f" {
	printf 'time,kw\n2025-01-01T00:00:00Z,5\n' > in.csv
	run --separate-stderr fx-ingest -t time -l kw -f 'Feeder "7"' in.csv
	[ "$output" = '{"type":"reading","feeder_id":"Feeder \"7\"","timestamp":"2025-01-01T00:00:00Z","load_kw":5,"source":"in.csv"}' ]
}

@test "wide format: one reading per column, renamed, accounting by cells" {
	printf 'date,HUFL,HULL,MUFL,temp\n2025-01-01 00:00,1.5,9,2.5,20\n2025-01-01 00:15,x,9,3,21\n2025-01-01 00:30,2,9,,22\n' > in.csv
	run --separate-stderr fx-ingest -t date -w HUFL=T1-HV,MUFL --temp-col temp in.csv
	[ "$status" -eq 0 ]
	same_output <<'EOF'
{"type":"reading","feeder_id":"T1-HV","timestamp":"2025-01-01T00:00:00Z","load_kw":1.5,"source":"in.csv"}
{"type":"reading","feeder_id":"MUFL","timestamp":"2025-01-01T00:00:00Z","load_kw":2.5,"source":"in.csv"}
{"type":"exo","timestamp":"2025-01-01T00:00:00Z","temperature_c":20,"dow":3,"source":"in.csv"}
{"type":"reading","feeder_id":"MUFL","timestamp":"2025-01-01T00:15:00Z","load_kw":3,"source":"in.csv"}
{"type":"exo","timestamp":"2025-01-01T00:15:00Z","temperature_c":21,"dow":3,"source":"in.csv"}
{"type":"reading","feeder_id":"T1-HV","timestamp":"2025-01-01T00:30:00Z","load_kw":2,"source":"in.csv"}
{"type":"exo","timestamp":"2025-01-01T00:30:00Z","temperature_c":22,"dow":3,"source":"in.csv"}
EOF
	same_stderr <<'EOF'
fx-ingest: in.csv:3: T1-HV: load_kw: not a number 'x'
fx-ingest: in.csv:4: MUFL: load_kw: empty
fx-ingest: 3 rows read, 9 records: 7 accepted, 2 rejected, 0 duplicates; 7 written, 0 gaps; rejected: 1 not a number, 1 empty
EOF
	balanced
	printf '%s\n' "$output" | validate
}

@test "--wide-all: every column but time and exo; -w by position" {
	printf 'date,A,B,temp\n2025-01-01 00:00,1,2,20\n' > in.csv
	run --separate-stderr fx-ingest -t date --wide-all --temp-col temp in.csv
	[ "$(printf '%s\n' "$output" | jq -r '.feeder_id // "exo"' | tr '\n' ' ')" = "A B exo " ]
	run --separate-stderr fx-ingest -n -t 1 -w 3=X in.csv
	[ "${stderr_lines[0]}" = "fx-ingest: in.csv:1: timestamp: not a date-time (want YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM]) 'date'" ]
	[ "${lines[0]}" = '{"type":"reading","feeder_id":"X","timestamp":"2025-01-01T00:00:00Z","load_kw":2,"source":"in.csv"}' ]
	run --separate-stderr fx-ingest -n -t 1 --wide-all in.csv
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-ingest: --wide-all needs a header" ]
}

# --- times -----------------------------------------------------------------

@test "ISO 8601 with and without offsets, fractions, bare dates" {
	long_csv '2025-01-01T01:00:00+01:00,A,1' '2025-01-01 05:30+0530,B,1' \
	    '2024-12-31T21:00:00-03,C,1' '2025-01-01t00:00:00.123456z,D,1' \
	    '2025-01-01,E,1' '2025-01-01T00:00,F,1' '2024-12-31T24:00:00Z,G,1'
	run --separate-stderr fx-ingest in.csv
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -r .timestamp | sort | uniq -c | awk '{print $1, $2}' | tr '\n' ' ')" = \
	    "1 2025-01-01T00:00:00.123Z 6 2025-01-01T00:00:00Z " ]
	printf '%s\n' "$output" | validate
}

@test "bad timestamps are rejected with the reason" {
	long_csv '2025-02-30T00:00:00Z,A,1' '2025-01-01T00:00:60Z,A,1' 'yesterday,A,1' \
	    '2025-01-01T00:00:00+24:00,A,1' '2025-01-01T00:00:00Zulu,A,1'
	run --separate-stderr fx-ingest in.csv
	same_stderr <<'EOF'
fx-ingest: in.csv:2: timestamp: day out of range '2025-02-30T00:00:00Z'
fx-ingest: in.csv:3: timestamp: time of day out of range '2025-01-01T00:00:60Z'
fx-ingest: in.csv:4: timestamp: not a date-time (want YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM]) 'yesterday'
fx-ingest: in.csv:5: timestamp: UTC offset out of range '2025-01-01T00:00:00+24:00'
fx-ingest: in.csv:6: timestamp: trailing characters after date-time '2025-01-01T00:00:00Zulu'
fx-ingest: 5 rows read, 5 records: 0 accepted, 5 rejected, 0 duplicates; 0 written, 0 gaps; rejected: 5 bad timestamp
EOF
}

@test "epoch seconds and milliseconds" {
	long_csv '1735689600,A,1' '1735690500.5,A,2' '-1,B,3'
	run --separate-stderr fx-ingest --time-format epoch-s in.csv
	[ "$(printf '%s\n' "$output" | jq -r .timestamp | tr '\n' ' ')" = \
	    "2025-01-01T00:00:00Z 2025-01-01T00:15:00.500Z 1969-12-31T23:59:59Z " ]
	long_csv '1735689600000,A,1' '1735690500123,A,2' '17356x,A,3'
	run --separate-stderr fx-ingest --time-format epoch-ms in.csv
	[ "$(printf '%s\n' "$output" | jq -r .timestamp | tr '\n' ' ')" = \
	    "2025-01-01T00:00:00Z 2025-01-01T00:15:00.123Z " ]
	[ "${stderr_lines[0]}" = "fx-ingest: in.csv:4: timestamp: not an epoch time '17356x'" ]
}

@test "--tz Europe/London: spring-forward gap rejected, fall-back inferred" {
	long_csv '2025-03-30 00:30,F1,1' '2025-03-30 01:00,F1,2' '2025-03-30 01:45,F1,3' \
	    '2025-03-30 02:00,F1,4' '2025-10-26 00:30,F2,5' '2025-10-26 01:00,F2,6' \
	    '2025-10-26 01:30,F2,7' '2025-10-26 01:00,F2,8' '2025-10-26 01:30,F2,9' \
	    '2025-10-26 02:00,F2,10'
	run --separate-stderr fx-ingest -z Europe/London in.csv
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -r '"\(.timestamp) \(.load_kw)"' | tr '\n' ,)" = \
	    "2025-03-30T00:30:00Z 1,2025-03-30T01:00:00Z 4,2025-10-25T23:30:00Z 5,2025-10-26T00:00:00Z 6,2025-10-26T00:30:00Z 7,2025-10-26T01:00:00Z 8,2025-10-26T01:30:00Z 9,2025-10-26T02:00:00Z 10," ]
	same_stderr <<'EOF'
fx-ingest: in.csv:3: timestamp: nonexistent local time '2025-03-30 01:00' in Europe/London
fx-ingest: in.csv:4: timestamp: nonexistent local time '2025-03-30 01:45' in Europe/London
fx-ingest: 10 rows read, 10 records: 8 accepted, 2 rejected, 0 duplicates; 8 written, 0 gaps; rejected: 2 nonexistent local time
EOF
}

@test "--ambiguous earlier, later and reject" {
	long_csv '2025-10-26 00:30,F1,1' '2025-10-26 01:30,F1,2' '2025-10-26 02:00,F1,3'
	run --separate-stderr fx-ingest -z Europe/London --ambiguous earlier in.csv
	[ "$(printf '%s\n' "$output" | jq -r .timestamp | tr '\n' ' ')" = \
	    "2025-10-25T23:30:00Z 2025-10-26T00:30:00Z 2025-10-26T02:00:00Z " ]
	run --separate-stderr fx-ingest -z Europe/London --ambiguous later in.csv
	[ "$(printf '%s\n' "$output" | jq -r .timestamp | tr '\n' ' ')" = \
	    "2025-10-25T23:30:00Z 2025-10-26T01:30:00Z 2025-10-26T02:00:00Z " ]
	run --separate-stderr fx-ingest -z Europe/London --ambiguous reject in.csv
	[ "${#lines[@]}" -eq 2 ]
	[ "${stderr_lines[0]}" = "fx-ingest: in.csv:3: timestamp: ambiguous local time '2025-10-26 01:30' in Europe/London" ]
}

@test "--ambiguous infer works per feeder in long format" {
	long_csv '2025-10-26 01:00,A,1' '2025-10-26 01:30,A,2' '2025-10-26 01:00,B,1' \
	    '2025-10-26 01:00,A,3' '2025-10-26 01:30,B,2' '2025-10-26 01:30,A,4'
	run --separate-stderr fx-ingest -z Europe/London in.csv
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -r '"\(.feeder_id)\(.timestamp[11:16])"' | tr '\n' ' ')" = \
	    "A00:00 A00:30 B00:00 A01:00 B00:30 A01:30 " ]
	balanced
	[ "$SUM_REJ" -eq 0 ]
}

@test "a fixed offset zone equals its Etc/GMT zone (POSIX sign)" {
	long_csv '2025-06-01 00:00,F1,1' '2025-12-01 00:00,F1,2'
	fx-ingest -q -z +08:00 in.csv > a.out
	fx-ingest -q -z Etc/GMT-8 in.csv > b.out
	fx-ingest -q -z +0800 in.csv > c.out
	cmp a.out b.out
	cmp a.out c.out
	[ "$(jq -r .timestamp a.out | tr '\n' ' ')" = "2025-05-31T16:00:00Z 2025-11-30T16:00:00Z " ]
}

@test "--stamp end moves interval ends to interval starts" {
	printf 'end,kwh\n2018-01-01 00:15,3.17\n2018-01-01 00:30,4\n' > in.csv
	run --separate-stderr fx-ingest -t end -l kwh -f S -u kWh --interval 15m --stamp end -z Asia/Seoul in.csv
	same_output <<'EOF'
{"type":"reading","feeder_id":"S","timestamp":"2017-12-31T15:00:00Z","load_kw":12.68,"source":"in.csv"}
{"type":"reading","feeder_id":"S","timestamp":"2017-12-31T15:15:00Z","load_kw":16,"source":"in.csv"}
EOF
}

# --- exogenous data --------------------------------------------------------

@test "exo records: temperature units, flags, dow in the local calendar" {
	printf 'time,t,hol,ev\n2025-01-04 23:30,41,1,no\n2025-01-05 00:30,300.15,TRUE,Y\n2025-01-05 01:30,,,\n2025-01-05 02:30,20,maybe,0\n' > in.csv
	run --separate-stderr fx-ingest -t time --temp-col t --holiday-col hol --event-col ev --exo-only -z +08:00 --temp-unit F in.csv
	[ "$status" -eq 0 ]
	same_output <<'EOF'
{"type":"exo","timestamp":"2025-01-04T15:30:00Z","temperature_c":5,"holiday_flag":true,"event_flag":false,"dow":6,"source":"in.csv"}
EOF
	same_stderr <<'EOF'
fx-ingest: in.csv:3: temperature_c: out of range '300.15' (want -90 to 70)
fx-ingest: in.csv:4: exo: every exogenous field is empty
fx-ingest: in.csv:5: holiday_flag: not a boolean 'maybe'
fx-ingest: 4 rows read, 4 records: 1 accepted, 3 rejected, 0 duplicates; 1 written, 0 gaps; rejected: 1 empty, 1 out of range, 1 not a boolean
EOF
	[ "$(echo "$output" | head -1 | jq .dow)" -eq 6 ]
	run --separate-stderr fx-ingest -t time --temp-col t --exo-only --temp-unit K in.csv
	[ "$output" = '{"type":"exo","timestamp":"2025-01-05T00:30:00Z","temperature_c":27,"dow":0,"source":"in.csv"}' ]
	printf '%s\n' "$output" | validate
}

@test "exo in long format: system-wide once per time, or per feeder" {
	printf 'timestamp,feeder_id,load_kw,temperature_c\n2025-01-01T00:00:00Z,A,1,5\n2025-01-01T00:00:00Z,B,2,5\n2025-01-01T00:15:00Z,A,3,6\n2025-01-01T00:15:00Z,B,4,6\n' > in.csv
	run --separate-stderr fx-ingest in.csv
	[ "$(count_type exo <(printf '%s\n' "$output"))" -eq 2 ]
	[ "$stderr" = "fx-ingest: 4 rows read, 8 records: 6 accepted, 0 rejected, 2 duplicates; 6 written, 0 gaps" ]
	run --separate-stderr fx-ingest --exo-per-feeder in.csv
	[ "$(count_type exo <(printf '%s\n' "$output"))" -eq 4 ]
	[ "${lines[1]}" = '{"type":"exo","timestamp":"2025-01-01T00:00:00Z","feeder_id":"A","temperature_c":5,"dow":3,"source":"in.csv"}' ]
	printf '%s\n' "$output" | validate
	run --separate-stderr fx-ingest --exo-only in.csv
	[ "$(count_type reading <(printf '%s\n' "$output"))" -eq 0 ]
	[ "$stderr" = "fx-ingest: 4 rows read, 4 records: 2 accepted, 0 rejected, 2 duplicates; 2 written, 0 gaps" ]
	run --separate-stderr fx-ingest --exo-only -t timestamp -l load_kw --feeder-col feeder_id --temp-col nope in.csv
	[ "$status" -eq 2 ]
}

# --- ordering, duplicates, gaps --------------------------------------------

@test "duplicates are dropped and counted, out-of-order rows rejected" {
	long_csv '2025-01-01T00:00:00Z,F1,1' '2025-01-01T00:00:00Z,F1,9' \
	    '2025-01-01T00:15:00Z,F1,2' '2025-01-01T00:00:00Z,F2,3' \
	    '2025-01-01T00:05:00Z,F1,4' '2025-01-01T00:15:00Z,F1,2'
	run --separate-stderr fx-ingest in.csv
	[ "${#lines[@]}" -eq 3 ]
	same_stderr <<'EOF'
fx-ingest: in.csv:6: F1: out of order '2025-01-01T00:05:00Z' (already emitted up to 2025-01-01T00:15:00Z)
fx-ingest: 6 rows read, 6 records: 3 accepted, 1 rejected, 2 duplicates; 3 written, 0 gaps; rejected: 1 out of order
EOF
}

@test "--reorder-window puts late rows back in order, rejects later ones" {
	long_csv '2025-01-01T00:15:00Z,F1,1' '2025-01-01T00:00:00Z,F1,2' \
	    '2025-01-01T00:00:00Z,F2,7' '2025-01-01T00:30:00Z,F1,3' \
	    '2025-01-01T00:15:00Z,F1,9' '2025-01-01T01:00:00Z,F1,4' \
	    '2025-01-01T00:10:00Z,F1,5' '2025-01-01T00:45:00Z,F1,6'
	run --separate-stderr fx-ingest --reorder-window 30m in.csv
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -r '"\(.feeder_id)@\(.timestamp[11:16])=\(.load_kw)"' | tr '\n' ' ')" = \
	    "F1@00:00=2 F1@00:15=1 F1@00:30=3 F1@00:45=6 F1@01:00=4 F2@00:00=7 " ]
	same_stderr <<'EOF'
fx-ingest: in.csv:8: F1: out of order '2025-01-01T00:10:00Z' (already emitted up to 2025-01-01T00:30:00Z)
fx-ingest: 8 rows read, 8 records: 6 accepted, 1 rejected, 1 duplicates; 6 written, 0 gaps; rejected: 1 out of order
EOF
}

@test "gaps are reported and counted (default 1.5 steps, or --gap)" {
	long_csv '2025-01-01T00:00:00Z,F1,1' '2025-01-01T00:15:00Z,F1,1' \
	    '2025-01-01T00:45:00Z,F1,1' '2025-01-01T01:00:00Z,F1,1' '2025-01-01T03:00:00Z,F1,1'
	run --separate-stderr fx-ingest in.csv
	same_stderr <<'EOF'
fx-ingest: warning: F1: gap of 30m before 2025-01-01T00:45:00Z
fx-ingest: warning: F1: gap of 2h before 2025-01-01T03:00:00Z
fx-ingest: 5 rows read, 5 records: 5 accepted, 0 rejected, 0 duplicates; 5 written, 2 gaps
EOF
	run --separate-stderr fx-ingest --gap 1h in.csv
	same_stderr <<'EOF'
fx-ingest: warning: F1: gap of 2h before 2025-01-01T03:00:00Z
fx-ingest: 5 rows read, 5 records: 5 accepted, 0 rejected, 0 duplicates; 5 written, 1 gaps
EOF
}

# --- resampling ------------------------------------------------------------

@test "resample 10 min to 15 min: time-weighted means" {
	long_csv '2025-01-01T00:00:00Z,F1,100' '2025-01-01T00:10:00Z,F1,130' \
	    '2025-01-01T00:20:00Z,F1,70' '2025-01-01T00:30:00Z,F1,40' \
	    '2025-01-01T00:40:00Z,F1,10' '2025-01-01T00:50:00Z,F1,10'
	run --separate-stderr fx-ingest --resample 15m in.csv
	[ "$status" -eq 0 ]
	# (10*100+5*130)/15, (5*130+10*70)/15, (10*40+5*10)/15, 10
	[ "$(printf '%s\n' "$output" | jq -r '"\(.timestamp[11:16])=\(.load_kw)"' | tr '\n' ' ')" = \
	    "00:00=110 00:15=90 00:30=30 00:45=10 " ]
	[ "$stderr" = "fx-ingest: 6 rows read, 6 records: 6 accepted, 0 rejected, 0 duplicates; 4 written, 0 gaps" ]
	printf '%s\n' "$output" | validate
}

@test "resample 30 min to 15 min: each reading fills two bins; gaps are not filled" {
	long_csv '2025-01-01T00:00:00Z,F1,100' '2025-01-01T00:30:00Z,F1,200' \
	    '2025-01-01T01:00:00Z,F1,300' '2025-01-01T03:00:00Z,F1,50'
	run --separate-stderr fx-ingest --resample 15m in.csv
	[ "$(printf '%s\n' "$output" | jq -r '"\(.timestamp[11:16])=\(.load_kw)"' | tr '\n' ' ')" = \
	    "00:00=100 00:15=100 00:30=200 00:45=200 01:00=300 01:15=300 03:00=50 03:15=50 " ]
	same_stderr <<'EOF'
fx-ingest: warning: F1: gap of 2h before 2025-01-01T03:00:00Z
fx-ingest: 4 rows read, 4 records: 4 accepted, 0 rejected, 0 duplicates; 8 written, 1 gaps
EOF
	# a longer --max-gap holds the level across the gap
	run --separate-stderr fx-ingest --resample 1h --max-gap 3h in.csv
	[ "$(printf '%s\n' "$output" | jq -r '"\(.timestamp[11:16])=\(.load_kw)"' | tr '\n' ' ')" = \
	    "00:00=150 01:00=300 02:00=300 03:00=50 " ]
}

@test "resample 1 min to 15 min: the mean of fifteen" {
	awk 'BEGIN { print "timestamp,feeder_id,load_kw"
	    for (i = 0; i < 30; i++) printf "2025-01-01T00:%02d:00Z,F1,%d\n", i, i }' > in.csv
	run --separate-stderr fx-ingest --resample 15m in.csv
	# mean(0..14) = 7, mean(15..29) = 22
	same_output <<'EOF'
{"type":"reading","feeder_id":"F1","timestamp":"2025-01-01T00:00:00Z","load_kw":7,"source":"in.csv"}
{"type":"reading","feeder_id":"F1","timestamp":"2025-01-01T00:15:00Z","load_kw":22,"source":"in.csv"}
EOF
}

@test "resample an uneven source (with --max-gap)" {
	long_csv '2025-01-01T00:00:00Z,F1,90' '2025-01-01T00:03:00Z,F1,150' \
	    '2025-01-01T00:12:00Z,F1,60' '2025-01-01T00:20:00Z,F1,30' \
	    '2025-01-01T00:30:00Z,F1,0'
	run --separate-stderr fx-ingest -q --resample 15m --max-gap 15m in.csv
	# (3*90 + 9*150 + 3*60)/15, (5*60 + 10*30)/15, then 0 held one step
	[ "$(printf '%s\n' "$output" | jq -r '"\(.timestamp[11:16])=\(.load_kw)"' | tr '\n' ' ')" = \
	    "00:00=120 00:15=40 00:30=0 " ]
	# by default (step 3m, max gap 6m) the longer spacings are gaps: a
	# reading before one holds for one step, (3*90 + 3*150 + 3*60)/9, 30
	run --separate-stderr fx-ingest -q --resample 15m in.csv
	[ "$(printf '%s\n' "$output" | jq -r '"\(.timestamp[11:16])=\(.load_kw)"' | tr '\n' ' ')" = \
	    "00:00=100 00:15=30 00:30=0 " ]
}

@test "resample with --interval: interval averages, optional fields, per feeder" {
	printf 'timestamp,feeder_id,load_kw,kva\n2025-01-01T00:05:00Z,A,10,20\n2025-01-01T00:05:00Z,B,1,\n2025-01-01T00:15:00Z,A,40,50\n2025-01-01T00:15:00Z,B,4,\n' > in.csv
	run --separate-stderr fx-ingest --resample 30m --interval 10m in.csv
	# A: 10 over 00:05-00:15 and 40 over 00:15-00:25 -> 25, kva 35
	same_output <<'EOF'
{"type":"reading","feeder_id":"A","timestamp":"2025-01-01T00:00:00Z","load_kw":25,"kva":35,"source":"in.csv"}
{"type":"reading","feeder_id":"B","timestamp":"2025-01-01T00:00:00Z","load_kw":2.5,"source":"in.csv"}
EOF
	printf '%s\n' "$output" | validate
}

# --- NDJSON input ----------------------------------------------------------

@test "NDJSON records: canonicalised, others passed through byte for byte" {
	cat > in.ndjson <<'EOF'
{"type":"reading","feeder_id":"F1","timestamp":"2025-01-01T01:00:00+01:00","load_kw":1.50,"source":"sim"}
{"type":"spike",  "feeder_id":"F1", "note":"kept as is"}

{"type":"reading","feeder_id":"F1","timestamp":"2025-01-01T00:15:00Z","load_kw":"2"}
{"type":"reading","feeder_id":"F1","timestamp":"2025-01-01T00:15:00Z","load_kw":2,"extra":1}
{"type":"reading","feeder_id":"F1","timestamp":"2025-01-01T00:30:00Z","load_kw":2,"kva":-1}
{"type":"exo","timestamp":"2025-01-01T00:00:00Z","temperature_c":5,"holiday_flag":false,"dow":3}
{"type":"exo","timestamp":"2025-01-01T00:15:00Z","temperature_c":99}
{"type":"reading","feeder_id":"F1","timestamp":"2025-01-01T00:15:00Z","load_kw":2,"voltage_v":230.0}
not json
[1,2]
EOF
	run --separate-stderr fx-ingest in.ndjson
	[ "$status" -eq 0 ]
	same_output <<'EOF'
{"type":"reading","feeder_id":"F1","timestamp":"2025-01-01T00:00:00Z","load_kw":1.5,"source":"sim"}
{"type":"spike",  "feeder_id":"F1", "note":"kept as is"}
{"type":"exo","timestamp":"2025-01-01T00:00:00Z","temperature_c":5,"holiday_flag":false,"dow":3,"source":"in.ndjson"}
{"type":"reading","feeder_id":"F1","timestamp":"2025-01-01T00:15:00Z","load_kw":2,"voltage_v":230,"source":"in.ndjson"}
EOF
	# (libjq's words after "invalid JSON: " are its own)
	stderr=$(printf '%s\n' "$stderr" | sed 's/\(invalid JSON: \).*/\1.../')
	same_stderr <<'EOF'
fx-ingest: in.ndjson:4: load_kw: not a number (string)
fx-ingest: in.ndjson:5: reading: unexpected key 'extra'
fx-ingest: in.ndjson:6: kva: out of range '-1' (want 0 to 1000000)
fx-ingest: in.ndjson:8: temperature_c: out of range '99' (want -90 to 70)
fx-ingest: in.ndjson:10: invalid JSON: ...
fx-ingest: in.ndjson:11: record is a JSON array, not an object
fx-ingest: 10 rows read, 10 records: 4 accepted, 6 rejected, 0 duplicates; 4 written, 0 gaps; rejected: 1 not a number, 2 out of range, 3 bad record
EOF
}

@test "NDJSON records round-trip: fx-ingest output through fx-ingest is unchanged" {
	fx-ingest -q "$CASES/messy.csv" > once.ndjson
	run --separate-stderr fx-ingest once.ndjson
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | cmp - once.ndjson
	balanced
	[ "$SUM_ACC" -eq 4 ]
}

@test "NDJSON with column options: keys of any object" {
	printf '{"t":"2025-01-01T00:00:00Z","id":"A","p":"12.5","hol":true}\n{"t":"2025-01-01T00:15:00Z","id":"A","p":3e2,"hol":0}\n{"t":"2025-01-01T00:30:00Z","p":1}\n' > in.jsonl
	run --separate-stderr fx-ingest -t t --feeder-col id -l p --holiday-col hol in.jsonl
	same_output <<'EOF'
{"type":"reading","feeder_id":"A","timestamp":"2025-01-01T00:00:00Z","load_kw":12.5,"source":"in.jsonl"}
{"type":"exo","timestamp":"2025-01-01T00:00:00Z","holiday_flag":true,"dow":3,"source":"in.jsonl"}
{"type":"reading","feeder_id":"A","timestamp":"2025-01-01T00:15:00Z","load_kw":300,"source":"in.jsonl"}
{"type":"exo","timestamp":"2025-01-01T00:15:00Z","holiday_flag":false,"dow":3,"source":"in.jsonl"}
EOF
	same_stderr <<'EOF'
fx-ingest: in.jsonl:3: feeder_id: empty
fx-ingest: 3 rows read, 6 records: 4 accepted, 2 rejected, 0 duplicates; 4 written, 0 gaps; rejected: 2 no feeder
EOF
}

@test "standard input: CSV and NDJSON told apart without consuming them" {
	long_csv '2025-01-01T00:00:00Z,F1,1'
	run --separate-stderr sh -c 'cat in.csv | fx-ingest'
	[ "$output" = '{"type":"reading","feeder_id":"F1","timestamp":"2025-01-01T00:00:00Z","load_kw":1,"source":"stdin"}' ]
	run --separate-stderr sh -c 'fx-ingest -q in.csv | fx-ingest --source again'
	[ "$output" = '{"type":"reading","feeder_id":"F1","timestamp":"2025-01-01T00:00:00Z","load_kw":1,"source":"again"}' ]
	fx-ingest -q in.csv > recs.out
	run --separate-stderr fx-ingest < recs.out
	[ "$output" = '{"type":"reading","feeder_id":"F1","timestamp":"2025-01-01T00:00:00Z","load_kw":1,"source":"in.csv"}' ]
	run --separate-stderr fx-ingest recs.out
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	run --separate-stderr fx-ingest --format csv < recs.out
	[ "$status" -eq 1 ]
	[ "$stderr" = "fx-ingest: stdin:1: cannot read the header: malformed quoting" ]
}

@test "output is flushed when the input pipe runs dry (live stream)" {
	mkfifo fifo
	fx-ingest < fifo > live.out 2> live.err &
	pid=$!
	exec 7> fifo
	printf 'timestamp,feeder_id,load_kw\n2025-01-01T00:00:00Z,F1,1\n' >&7
	for i in $(seq 50); do [ -s live.out ] && break; sleep 0.1; done
	[ -s live.out ]
	printf '2025-01-01T00:15:00Z,F1,2\n' >&7
	exec 7>&-
	wait "$pid"
	[ "$(wc -l < live.out)" -eq 2 ]
}

@test "several files: state carries over, each has its source" {
	long_csv '2025-01-01T00:00:00Z,F1,1' '2025-01-01T00:15:00Z,F1,2'
	mv in.csv a.csv
	long_csv '2025-01-01T00:15:00Z,F1,2' '2025-01-01T00:30:00Z,F1,3'
	mv in.csv b.csv
	run --separate-stderr fx-ingest a.csv b.csv
	[ "$(printf '%s\n' "$output" | jq -r .source | tr '\n' ' ')" = "a.csv a.csv b.csv " ]
	[ "$stderr" = "fx-ingest: 4 rows read, 4 records: 3 accepted, 0 rejected, 1 duplicates; 3 written, 0 gaps" ]
	# a later file without the columns stops with 2, keeping what was written
	printf 'x\n1\n' > c.csv
	run --separate-stderr fx-ingest a.csv c.csv b.csv
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$stderr" = "fx-ingest: c.csv: no column 'timestamp' for --time-col (columns: x)" ]
}

@test "fx-sim's records pass through unchanged; its CSV gives its NDJSON (R5)" {
	command -v fx-sim > /dev/null || skip "fx-sim not built"
	fx-sim -c "$SAMPLES/fluxeon.json" -d 1d --electrical > sim.ndjson 2> /dev/null
	[ -s sim.ndjson ]
	run --separate-stderr fx-ingest sim.ndjson
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | cmp - sim.ndjson
	balanced
	[ "$SUM_REJ" -eq 0 ]
	fx-sim -c "$SAMPLES/fluxeon.json" -d 1d --no-exo -f csv > sim.csv 2> /dev/null
	fx-sim -c "$SAMPLES/fluxeon.json" -d 1d --no-exo > want.ndjson 2> /dev/null
	fx-ingest -q --source sim sim.csv | cmp - want.ndjson
}

# --- the real data sets (../shared) ----------------------------------------

@test "ETTm1: 69,680 rows, three load columns as 209,040 readings" {
	need_shared data
	fx-ingest -t date -z +08:00 -w HUFL,MUFL,LUFL "$SHARED/data/ETTm1.csv" > out 2> err
	[ "$(cat err)" = "fx-ingest: 69680 rows read, 209040 records: 209040 accepted, 0 rejected, 0 duplicates; 209040 written, 0 gaps" ]
	[ "$(wc -l < out)" -eq 209040 ]
	[ "$(head -n 1 out)" = '{"type":"reading","feeder_id":"HUFL","timestamp":"2016-06-30T16:00:00Z","load_kw":5.827000141143799,"source":"ETTm1.csv"}' ]
	[ "$(tail -n 1 out)" = '{"type":"reading","feeder_id":"LUFL","timestamp":"2018-06-26T11:45:00Z","load_kw":4.7210001945495605,"source":"ETTm1.csv"}' ]
	[ "$(grep -c '"feeder_id":"MUFL"' out)" -eq 69680 ]
	{ head -n 1500 out; tail -n 1500 out; } | validate
}

@test "vic_elec: 52,608 demand readings in kW and 52,608 exo records" {
	need_shared data
	fx-ingest -t TimeUTC -z Australia/Melbourne -f VIC -l Demand -u MW --max-kw 2e7 \
	    --temp-col Temperature --holiday-col Holiday "$SHARED/data/vic_elec_halfhourly.csv" > vic.ndjson 2> err
	[ "$(cat err)" = "fx-ingest: 52608 rows read, 105216 records: 105216 accepted, 0 rejected, 0 duplicates; 105216 written, 0 gaps" ]
	[ "$(sed -n 1p vic.ndjson)" = '{"type":"reading","feeder_id":"VIC","timestamp":"2011-12-31T13:00:00Z","load_kw":4382825.174,"source":"vic_elec_halfhourly.csv"}' ]
	[ "$(sed -n 2p vic.ndjson)" = '{"type":"exo","timestamp":"2011-12-31T13:00:00Z","temperature_c":21.4,"holiday_flag":true,"dow":0,"source":"vic_elec_halfhourly.csv"}' ]
	[ "$(count_type reading vic.ndjson)" -eq 52608 ]
	[ "$(count_type exo vic.ndjson)" -eq 52608 ]
	# 31 holiday days of 48 half hours
	[ "$(grep -c '"holiday_flag":true' vic.ndjson)" -eq $((31 * 48)) ]
	{ head -n 1500 vic.ndjson; tail -n 1500 vic.ndjson; } | validate
}

@test "vic_elec: local Time with Australia/Melbourne equals TimeUTC over the whole file" {
	need_shared data
	f=$SHARED/data/vic_elec_halfhourly.csv
	fx-ingest -q -t TimeUTC -z Australia/Melbourne -f VIC -l Demand -u MW --max-kw 2e7 \
	    --temp-col Temperature --holiday-col Holiday "$f" > utc.ndjson
	fx-ingest -q -t Time -z Australia/Melbourne -f VIC -l Demand -u MW --max-kw 2e7 \
	    --temp-col Temperature --holiday-col Holiday "$f" > local.ndjson
	cmp utc.ndjson local.ndjson
	[ "$(wc -l < local.ndjson)" -eq 105216 ]
	# the data really crosses DST: 6 repeated labels (fall back) ...
	[ "$(cut -d, -f1 "$f" | sort | uniq -d | wc -l)" -eq 6 ]
	# ... which --ambiguous reject turns into 12 errors
	fx-ingest -t Time -z Australia/Melbourne -f VIC -l Demand -u MW \
	    --max-kw 2e7 --ambiguous reject --gap 1d "$f" > /dev/null 2> err
	[ "$(grep -c ': timestamp: ambiguous local time' err)" -eq 12 ]
	[ "$(tail -n 1 err)" = "fx-ingest: 52608 rows read, 52608 records: 52596 accepted, 12 rejected, 0 duplicates; 52596 written, 0 gaps; rejected: 12 ambiguous local time" ]
}

@test "steel: 35,040 rows of kWh per 15 min as average kW at interval starts" {
	need_shared data
	f=$SHARED/data/steel_industry_15min.csv
	fx-ingest -t timestamp_end -z Asia/Seoul --stamp end --interval 15m \
	    -u kWh -l Usage_kWh -f STEEL "$f" > out 2> err
	[ "$(cat err)" = "fx-ingest: 35040 rows read, 35040 records: 35040 accepted, 0 rejected, 0 duplicates; 35040 written, 0 gaps" ]
	[ "$(head -n 1 out)" = '{"type":"reading","feeder_id":"STEEL","timestamp":"2017-12-31T15:00:00Z","load_kw":12.68,"source":"steel_industry_15min.csv"}' ]
	[ "$(tail -n 1 out)" = '{"type":"reading","feeder_id":"STEEL","timestamp":"2018-12-31T14:45:00Z","load_kw":14.68,"source":"steel_industry_15min.csv"}' ]
	# average kW = 4 x kWh, against the file's own column
	sed 's/.*"load_kw":\([^,]*\),.*/\1/' out | awk '{ printf "%.6f\n", $1 }' > kw.txt
	cut -d, -f3 "$f" | tail -n +2 | awk '{ printf "%.6f\n", 4 * $1 }' | cmp - kw.txt
	# and times are 15-minute interval starts
	[ "$(sed 's/.*"timestamp":"[^"]*T..:\(..\).*/\1/' out | sort -u | tr '\n' ' ')" = "00 15 30 45 " ]
	head -n 1500 out | validate
}

@test "the pipelines give the documented output" {
	need_shared data
	cd "$ROOT"
	for p in ettm1 vic-elec steel; do
		sh "pipelines/ingest-$p.sh" > "$TMP/$p.out" 2> "$TMP/$p.err"
		[[ $(cat "$TMP/$p.err") == "fx-ingest: "*" 0 rejected, 0 duplicates; "* ]]
	done
	[ "$(wc -l < "$TMP/ettm1.out")" -eq 209040 ]
	[ "$(wc -l < "$TMP/vic-elec.out")" -eq 105216 ]
	[ "$(wc -l < "$TMP/steel.out")" -eq 35040 ]
	sh pipelines/ingest-steel.sh "$SHARED/data/steel_industry_15min.csv" 2> /dev/null |
		cmp - "$TMP/steel.out"
}

# --- the man page ----------------------------------------------------------

@test "the man page passes mandoc -Tlint" {
	run mandoc -Tlint -Wwarning "$MAN"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "the man page EXAMPLES run and write valid records" {
	sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$MAN" | sed -n 's/^\.Dl //p' |
		sed 's/\\-/-/g; s/\\e/\\/g' > examples.txt
	[ "$(wc -l < examples.txt)" -ge 7 ]
	n=0
	while IFS= read -r cmd; do
		if [[ $cmd == *../shared/* && -z $SHARED ]]; then
			continue
		fi
		(cd "$ROOT" && sh -c "$cmd") > ex.out 2> ex.err ||
			{ echo "failed: $cmd"; cat ex.err; return 1; }
		[ -s ex.out ]
		! grep -q 'rejected: ' ex.err || { echo "rejects: $cmd"; cat ex.err; return 1; }
		{ head -n 300 ex.out; tail -n 300 ex.out; } >> all.out
		n=$((n + 1))
	done < examples.txt
	[ "$n" -ge 3 ]
	validate all.out
}
