#!/usr/bin/env bats
# fx-eval: forecasts scored against the readings that followed.  Values
# are computed by hand (in the comments) or independently with awk and
# python3 from the input, never taken from the program's earlier output.

bats_require_minimum_version 1.5.0
load helper

# r FEEDER HH:MM KW: a reading on 2026-01-05.
r() {
	printf '{"type":"reading","feeder_id":"%s","timestamp":"2026-01-05T%s:00Z","load_kw":%s}\n' "$1" "$2" "$3"
}

# fc FEEDER ISSUED MODEL STEP...: a forecast issued at HH:MM on 2026-01-05;
# each STEP is "START END P50 LO80 HI80 LO95 HI95", times HH:MM.
fc() {
	local id=$1 at=$2 model=$3 sep= s st en p l8 h8 l9 h9
	shift 3
	printf '{"type":"forecast","feeder_id":"%s","issued_at":"2026-01-05T%s:00Z","step_min":15,"steps":[' "$id" "$at"
	for s in "$@"; do
		read -r st en p l8 h8 l9 h9 <<< "$s"
		printf '%s{"start":"2026-01-05T%s:00Z","end":"2026-01-05T%s:00Z","p50":%s,"lo80":%s,"hi80":%s,"lo95":%s,"hi95":%s}' \
		    "$sep" "$st" "$en" "$p" "$l8" "$h8" "$l9" "$h9"
		sep=,
	done
	printf '],"model":"%s"}\n' "$model"
}

# row FEEDER STEP [MODEL]: the eval record of that group from $output
# (found by its keys, which come in a fixed order).
row() {
	local step=$2 pat
	[ "$step" = all ] && step='"all"'
	pat="\"feeder_id\":\"$1\",\"step\":$step,"
	[ -n "${3:-}" ] && pat="\"model\":\"$3\",$pat"
	printf '%s\n' "$output" | grep -F -- "$pat"
}

# close A B [TOL]: |A - B| <= TOL (default 1e-9 relative to max(1, |B|)).
close() {
	awk -v a="$1" -v b="$2" -v t="${3:-1e-9}" 'BEGIN {
		d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; if (m < 1) m = 1
		if (d > t * m) { print "want " b ", got " a; exit 1 } }'
}

calc() {
	awk "BEGIN { OFMT = \"%.17g\"; print $1 }"
}

usage_error() {
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "$1" ]
}

# step 1 [10:00,10:15): actual (100+110+120)/3 = 110, p50 100, e = -10
# step 2 [10:15,10:30): actual (200+220)/2 = 210, p50 240, e = +30
hand_input() {
	r F1 10:00 100
	fc F1 10:02 m1 "10:00 10:15 100 95 115 90 130" "10:15 10:30 240 215 245 205 250"
	r F1 10:05 110; r F1 10:10 120; r F1 10:15 200; r F1 10:20 220; r F1 10:30 50
}

# m1 issued 10:06: step 1 gets the readings of 10:00 and 10:05 too; m2
# comes after its first step has ended.
gap_input() {
	r F1 10:00 1; r F1 10:05 3
	fc F1 10:06 m1 "10:00 10:15 2 1 3 0 4" "10:15 10:30 9 8 10 7 11" "10:30 10:45 7 6 8 5 9" "10:45 11:00 5 4 6 3 7"
	r F1 10:12 8
	r F1 10:31 6
	r F1 10:40 8
	fc F1 09:00 m2 "10:00 10:15 4 3 5 2 6" "10:30 10:45 4 3 5 2 6"
}

# X crosses zero, Y is all negative, Z touches zero.
zero_input() {
	r X 10:00 -5; r Y 10:00 -10; r Z 10:00 0
	fc X 10:00 m "10:00 10:15 -4 -6 -3 -7 -2" "10:15 10:30 6 5 7 4 8"
	fc Y 10:00 m "10:00 10:15 -12 -13 -11 -14 -10" "10:15 10:30 -18 -19 -17 -20 -16"
	fc Z 10:00 m "10:00 10:15 1 0 2 0 2" "10:15 10:30 0 0 0 0 0"
	r X 10:15 5; r Y 10:15 -20; r Z 10:15 0
	r X 10:30 0; r Y 10:30 0; r Z 10:30 0
}

# Two feeders on a 15-minute grid before 02:00, then forecasts for 02:00
# and 02:15.  With --season 1h (m = 4 bins) the seasonal naive errors
# before 02:00 are F1 |12-10| |18-20| |33-30| |41-40| = 2 2 3 1 (scale 2)
# and F2 4 4 4 4 (scale 4).
mase_input() {
	local t f1=(10 20 30 40 12 18 33 41) f2=(50 50 50 50 54 46 54 46) i=0
	for t in 00:00 00:15 00:30 00:45 01:00 01:15 01:30 01:45; do
		r F1 $t ${f1[$i]}
		r F2 $t ${f2[$i]}
		i=$((i + 1))
	done
	fc F1 02:00 m "02:00 02:15 96 90 100 80 110" "02:15 02:30 6 0 10 -10 20"
	fc F2 02:00 m "02:00 02:15 52 50 55 45 60" "02:15 02:30 50 45 55 40 60"
	r F1 02:00 100; r F2 02:00 50
	r F1 02:15 0; r F2 02:15 40
	r F1 02:30 100; r F2 02:30 60
}

@test "-h prints the usage, every option of which is in the man page; -V the version" {
	run --separate-stderr fx-eval -h
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "usage: fx-eval [-hqV] [-o file] [--alarm-window duration]" ]
	printf '%s\n' "$output" | grep -oE -- '\[-[-a-z]+' | sed 's/^\[-//; /^hq$/d' | sort -u > usage
	sed -n 's/^\.It Fl \([-a-z]*\).*/\1/p' "$ROOT/man/fx-eval.1" | sort -u > man
	[ "$(wc -l < usage)" -ge 8 ]
	run comm -23 usage man
	[ -z "$output" ]
	run mandoc -Tlint -Wwarning "$ROOT/man/fx-eval.1"
	[ -z "$output" ]
	run --separate-stderr fx-eval --help
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: fx-eval "* ]]
	run --separate-stderr fx-eval -V
	[ "$status" -eq 0 ]
	[[ "$output" == "fx-eval (FLUXEON) "[0-9]* ]]
}

@test "a hand-computed case: MAE, RMSE, MAPE, sMAPE, bias, coverage, widths" {
	hand_input > in
	run --separate-stderr fx-eval in
	[ "$status" -eq 0 ]
	[ "$stderr" = "fx-eval: 7 records in: 1 forecasts (0 outside --from/--to), 6 readings (0 late), 0 other, 0 rejected; 2 steps: 2 scored, 0 missing, 0 unresolved; 6 results" ]
	[ "${#lines[@]}" -eq 6 ]
	[[ "${lines[0]}" == '{"type":"eval","kind":"forecast","model":"m1","feeder_id":"F1","step":1,"step_min":15,"n":1,"mae":10,"rmse":10,"mape":'* ]]
	# step 1 alone: in both intervals
	[ "$(row F1 1 | jq -c '[.n,.mae,.rmse,.bias,.cov80,.cov95,.width80,.width95,.missing,.unresolved,.first,.last]')" = \
	    '[1,10,10,-10,1,1,20,40,0,0,"2026-01-05T10:00:00Z","2026-01-05T10:15:00Z"]' ]
	close "$(row F1 1 | jq .mape)" "$(calc '100 * 10 / 110')"
	close "$(row F1 1 | jq .smape)" "$(calc '200 * 10 / 210')"
	# step 2: 210 is below lo80 = 215, inside [205, 250]
	[ "$(row F1 2 | jq -c '[.n,.mae,.rmse,.bias,.cov80,.cov95,.width80,.width95]')" = '[1,30,30,30,0,1,30,45]' ]
	# both steps
	w=$(row F1 all)
	[ "$(jq -c '[.n,.mae,.bias,.cov80,.cov95,.width80,.width95,.missing,.unresolved,.mase,.mase_scale,.first,.last]' <<< "$w")" = \
	    '[2,20,10,0.5,1,25,42.5,0,0,null,null,"2026-01-05T10:00:00Z","2026-01-05T10:30:00Z"]' ]
	close "$(jq .rmse <<< "$w")" "$(calc 'sqrt((100 + 900) / 2)')"
	close "$(jq .mape <<< "$w")" "$(calc '100 * (10 / 110 + 30 / 210) / 2')"
	close "$(jq .smape <<< "$w")" "$(calc '(200 * 10 / 210 + 200 * 30 / 450) / 2')"
	# one feeder: the all-feeder groups are the same, without mase_scale
	[ "$(row '*' all | jq -c 'del(.feeder_id)')" = "$(jq -c 'del(.feeder_id, .mase_scale)' <<< "$w")" ]
}

@test "step 1 starting before issued_at gets the readings before the forecast" {
	# issued 10:07 mid-step: the 10:00 and 10:05 readings came before it
	{ r F1 10:00 100; r F1 10:05 100
	  fc F1 10:07 m "10:00 10:15 150 140 160 130 170"
	  r F1 10:10 400; r F1 10:15 0; } > in
	run --separate-stderr fx-eval -q in
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	# actual (100 + 100 + 400) / 3 = 200, not 400
	[ "$(row F1 1 | jq -c '[.n,.mae,.bias,.cov95]')" = '[1,50,-50,0]' ]
}

@test "readings out of order within the ring still count; duplicates are averaged in" {
	{ fc F1 09:59 m "10:00 10:15 25 20 30 10 40"
	  r F1 10:00 10; r F1 10:10 30; r F1 10:05 20; r F1 10:10 40; r F1 10:15 0; } > in
	run --separate-stderr fx-eval -q in
	[ "$status" -eq 0 ]
	# (10 + 30 + 20 + 40) / 4 = 25
	[ "$(row F1 1 | jq -c '[.n,.mae]')" = '[1,0]' ]
}

@test "missing and unresolved steps; a forecast whose steps have ended is scored at once" {
	gap_input > in
	run --separate-stderr fx-eval in
	[ "$status" -eq 0 ]
	# m1: step 1 actual (1+3+8)/3 = 4; step 2 has no reading (missing);
	# steps 3 and 4 end after the last reading, 10:40 (unresolved)
	[ "$stderr" = "fx-eval: 7 records in: 2 forecasts (0 outside --from/--to), 5 readings (0 late), 0 other, 0 rejected; 6 steps: 2 scored, 1 missing, 3 unresolved; 16 results" ]
	[ "$(row F1 1 m1 | jq -c '[.n,.mae,.missing,.unresolved]')" = '[1,2,0,0]' ]
	[ "$(row F1 2 m1 | jq -c '[.n,.mae,.missing,.unresolved,.first,.last,.cov80]')" = '[0,null,1,0,null,null,null]' ]
	[ "$(row F1 3 m1 | jq -c '[.n,.missing,.unresolved]')" = '[0,0,1]' ]
	[ "$(row F1 all m1 | jq -c '[.n,.missing,.unresolved]')" = '[1,1,2]' ]
	# m2 arrived after 10:40: its first step is scored at once, exactly
	[ "$(row F1 1 m2 | jq -c '[.n,.mae,.missing,.unresolved]')" = '[1,0,0,0]' ]
	[ "$(row F1 2 m2 | jq -c '[.n,.missing,.unresolved]')" = '[0,0,1]' ]
}

@test "late readings and steps whose readings left the ring" {
	{ r F1 00:00 1; r F1 05:00 1; r F1 00:30 1
	  fc F1 00:00 m "00:00 00:15 1 1 1 1 1" "04:00 04:15 1 1 1 1 1"; } > in
	run --separate-stderr fx-eval in
	[ "$status" -eq 0 ]
	# 00:30 is more than 240 minutes behind 05:00: late.  Step 1's 00:00
	# reading was evicted (unresolved); step 2 has no reading (missing).
	[ "$stderr" = "fx-eval: 4 records in: 1 forecasts (0 outside --from/--to), 3 readings (1 late), 0 other, 0 rejected; 2 steps: 0 scored, 1 missing, 1 unresolved; 6 results" ]
	[ "$(row F1 1 | jq -c '[.n,.missing,.unresolved]')" = '[0,0,1]' ]
	[ "$(row F1 2 | jq -c '[.n,.missing,.unresolved]')" = '[0,1,0]' ]
}

@test "MAPE is null when actuals cross or touch zero; sMAPE skips 0/0" {
	zero_input > in
	run --separate-stderr fx-eval -q in
	[ "$status" -eq 0 ]
	# X: actuals -5 and 5 cross zero: each step has a MAPE, the pair none
	close "$(row X 1 | jq .mape)" 20
	close "$(row X 2 | jq .mape)" 20
	[ "$(row X all | jq .mape)" = null ]
	close "$(row X all | jq .smape)" "$(calc '(200 / 9 + 200 / 11) / 2')"
	# Y: all negative: |-12 - -10| / 10 = 20 %, |-18 - -20| / 20 = 10 %
	close "$(row Y all | jq .mape)" 15
	# Z: actual 0 touches zero; the 0-for-0 step has no sMAPE
	[ "$(row Z 1 | jq -c '[.mape,.smape]')" = '[null,200]' ]
	[ "$(row Z 2 | jq -c '[.n,.mae,.mape,.smape]')" = '[1,0,null,null]' ]
	[ "$(row Z all | jq -c '[.n,.mape,.smape]')" = '[2,null,200]' ]
	[ "$(row '*' all | jq .mape)" = null ]
}

@test "MASE: the seasonal naive scale of the readings before --from, per feeder and over all" {
	mase_input > in
	run --separate-stderr fx-eval -q --season 1h --from 2026-01-05T02:00:00Z in
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(row F1 all | jq -c '[.mase_scale,.mae]')" = '[2,5]' ]
	[ "$(row F2 all | jq -c '[.mase_scale,.mae]')" = '[4,6]' ]
	close "$(row F1 1 | jq .mase)" 2		# |96 - 100| / 2
	close "$(row F1 2 | jq .mase)" 3		# |6 - 0| / 2
	close "$(row F1 all | jq .mase)" 2.5
	close "$(row F2 all | jq .mase)" 1.5	# (2 + 10) / 2 / 4
	# all feeders: each error over its own feeder's scale, then the mean:
	# (4/2 + 2/4) / 2, (6/2 + 10/4) / 2, and all four (not MAE / mean scale)
	close "$(row '*' 1 | jq .mase)" 1.25
	close "$(row '*' 2 | jq .mase)" 2.75
	close "$(row '*' all | jq .mase)" 2
	# a bare date works as --from: midnight, so no reading is before it
	run --separate-stderr fx-eval -q --season 1h --from 2026-01-05 in
	[ "$(row F1 all | jq -c '[.n,.mase,.mase_scale]')" = '[2,null,null]' ]
	[ "$(row '*' all | jq .mase)" = null ]
}

@test "MASE: without --from every reading makes the scale (checked with awk)" {
	mase_input > in
	run --separate-stderr fx-eval -q --season 1h in
	[ "$status" -eq 0 ]
	for f in F1 F2; do
		want=$(jq -r --arg f $f 'select(.type == "reading" and .feeder_id == $f) | .load_kw' in |
		    awk -v OFMT=%.17g '{ y[NR] = $1 } NR > 4 { s += (y[NR] > y[NR-4] ? y[NR] - y[NR-4] : y[NR-4] - y[NR]); n++ }
		        END { print s / n }')
		close "$(row $f all | jq .mase_scale)" "$want"
		close "$(row $f all | jq .mase)" "$(calc "$(row $f all | jq .mae) / $want")"
	done
	# the default season, a day, has no pair in 2.5 hours of data
	run --separate-stderr fx-eval -q in
	[ "$(row F1 all | jq -c '[.mase,.mase_scale]')" = '[null,null]' ]
}

@test "MASE warnings: forecast steps off the feeder's grid; a season that is not whole steps" {
	{ mase_input
	  fc F1 02:30 m "02:30 03:00 1 1 1 1 1"
	  fc F1 03:00 m "03:00 03:30 1 1 1 1 1"; } > in
	run --separate-stderr fx-eval --season 1h in
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$stderr" | grep -c warning)" -eq 1 ]
	[ "${stderr%%$'\n'*}" = "fx-eval: warning: feeder 'F1': forecast steps of 30 min but readings on a 15-min grid: its MASE scale is that of 15-min steps" ]
	[ "$(row F1 1 | jq .step_min)" = null ]	# 15 and 30 minutes
	[ "$(row F2 1 | jq .step_min)" = 15 ]
	mase_input > in
	run --separate-stderr fx-eval -q --season 50m in
	[ "$status" -eq 0 ]
	[ "$stderr" = "fx-eval: warning: feeder 'F1': --season is not a whole number of its 15-min steps: no MASE for it
fx-eval: warning: feeder 'F2': --season is not a whole number of its 15-min steps: no MASE for it" ]
	[ "$(row F1 all | jq -c '[.mase,.mase_scale]')" = '[null,null]' ]
}

@test "--from and --to select forecasts by issued_at" {
	{ r F1 09:00 10
	  fc F1 09:00 m "09:00 09:15 11 10 12 9 13"
	  r F1 10:00 20
	  fc F1 10:00 m "10:00 10:15 22 21 23 20 24"
	  r F1 11:00 30
	  fc F1 11:00 m "11:00 11:15 33 32 34 31 35"
	  r F1 12:00 40; } > in
	run --separate-stderr fx-eval --from 2026-01-05T10:00:00Z --to 2026-01-05T11:00:00Z in
	[ "$status" -eq 0 ]
	# hourly readings: a 60-minute grid, which the forecast's steps are not on
	[ "$stderr" = "fx-eval: warning: feeder 'F1': forecast steps of 15 min but readings on a 60-min grid: its MASE scale is that of 60-min steps
fx-eval: 7 records in: 3 forecasts (2 outside --from/--to), 4 readings (0 late), 0 other, 0 rejected; 1 steps: 1 scored, 0 missing, 0 unresolved; 4 results" ]
	[ "$(row F1 1 | jq -c '[.n,.mae,.first]')" = '[1,2,"2026-01-05T10:00:00Z"]' ]
	# a zone offset is honoured: 11:00+01:00 is 10:00Z
	run --separate-stderr fx-eval -q --from 2026-01-05T11:00:00+01:00 in
	[ "$(row F1 1 | jq -c '[.n,.mae]')" = '[2,2.5]' ]
	run --separate-stderr fx-eval -q --to 2026-01-05T10:00:00Z in
	[ "$(row F1 1 | jq -c '[.n,.mae]')" = '[1,1]' ]
}

@test "models are grouped separately, in the order first seen; feeders too, then *" {
	{ r F2 10:00 10; r F1 10:00 20
	  fc F1 10:00 b "10:00 10:15 21 20 22 19 23" "10:15 10:30 21 20 22 19 23"
	  fc F2 10:00 a "10:00 10:15 12 11 13 10 14"
	  fc F2 10:00 b "10:00 10:15 14 13 15 12 16"
	  r F1 10:15 20; r F2 10:15 10; r F1 10:30 20; r F2 10:30 10; } > in
	run --separate-stderr fx-eval -q in
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | jq -r '[.model, .feeder_id, .step] | join(" ")' > got
	printf '%s\n' "b F2 1" "b F2 all" "b F1 1" "b F1 2" "b F1 all" "b * 1" "b * 2" "b * all" \
	    "a F2 1" "a F2 all" "a * 1" "a * all" > want
	diff want got
	[ "$(row F2 1 a | jq .mae)" = 2 ]
	[ "$(row F2 1 b | jq .mae)" = 4 ]
	# model b over both feeders, step 1: errors 1 (F1) and 4 (F2)
	[ "$(row '*' 1 b | jq -c '[.n,.mae,.bias]')" = '[2,2.5,2.5]' ]
	[ "$(row '*' 2 b | jq -c '[.n,.mae]')" = '[1,1]' ]
	[ "$(row '*' all b | jq -c '[.n,.mae,.first,.last]')" = '[3,2,"2026-01-05T10:00:00Z","2026-01-05T10:30:00Z"]' ]
	# --no-feeders: just the all-feeder groups, the same values
	printf '%s\n' "$output" | grep '"feeder_id":"\*"' > want
	run --separate-stderr fx-eval -q --no-feeders in
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat want)" ]
}

@test "--format table: one header, aligned columns, - for null" {
	mase_input > in
	fc F1 02:30 x "02:30 02:45 1 1 1 1 1" >> in
	run --separate-stderr fx-eval -q --format table --season 1h --from 2026-01-05T02:00:00Z in
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 14 ]	# header, 6 + 3 + ... rows
	read -r -a head <<< "${lines[0]}"
	[ "${head[*]}" = "model feeder step n MAE RMSE MAPE sMAPE MASE cov80 cov95 w80 w95" ]
	# every line is as long as the header, and each header word ends
	# where the right-aligned numbers below it end
	len=${#lines[0]}
	for l in "${lines[@]}"; do [ "${#l}" -eq "$len" ]; done
	hdr=${lines[0]}
	for w in n MAE RMSE MASE cov80 w95; do
		pre=${hdr%%" $w"*}
		end=$(( ${#pre} + 1 + ${#w} ))
		for l in "${lines[@]:1}"; do
			[ "${l:$((end - 1)):1}" != " " ]
			[ "$end" -eq "$len" ] || [ "${l:$end:1}" = " " ]
		done
	done
	# F1, step 2: a column's decimals give its smallest value three
	# digits (MAE 2.00 .. 10.00, w95 15.0 .. 30.0); MAPE null (actual 0)
	read -r -a f1 <<< "$(printf '%s\n' "${lines[@]}" | grep '^m  *F1  *2 ')"
	[ "${f1[*]}" = "m F1 2 1 6.00 6.00 - 200.00 3.000 1.000 1.000 10.00 30.0" ]
	# x: never resolved, all null
	read -r -a x <<< "$(printf '%s\n' "${lines[@]}" | grep '^x  *F1  *1 ')"
	[ "${x[*]}" = "x F1 1 0 - - - - - - - - -" ]
}

@test "bad input is reported as file:line, counted, and the valid records are still scored" {
	{ r F1 10:00 100
	  echo 'not json'
	  echo '{"type":"forecast","feeder_id":"F1","issued_at":"2026-01-05T10:00:00Z","steps":[{"start":"2026-01-05T10:00:00Z","end":"2026-01-05T10:15:00Z","p50":5,"lo80":6,"hi80":7,"lo95":1,"hi95":9}]}'
	  echo '{"type":"forecast","feeder_id":"F1","issued_at":"2026-01-05T10:00:00Z","steps":[{"start":"2026-01-05T10:00:30Z","end":"2026-01-05T10:15:00Z","p50":5,"lo80":4,"hi80":7,"lo95":1,"hi95":9}]}'
	  echo '{"type":"forecast","feeder_id":"F1","issued_at":"2026-01-05T10:00:00Z","steps":[{"start":"2026-01-05T10:00:00Z","end":"2026-01-05T15:00:00Z","p50":5,"lo80":4,"hi80":7,"lo95":1,"hi95":9}]}'
	  echo '{"type":"forecast","feeder_id":"F1","issued_at":"2026-01-05T10:00:00Z"}'
	  echo '{"type":"reading","feeder_id":"F1","timestamp":"2026-01-05T10:05:00Z","load_kw":"abc"}'
	  echo '{"type":"spike","feeder_id":"F1"}'
	  echo '{"feeder_id":"F1"}'
	  fc F1 10:00 m "10:00 10:15 110 100 120 90 130"
	  r F1 10:15 0; } > in
	run --separate-stderr fx-eval in
	[ "$status" -eq 0 ]
	grep -qx "fx-eval: in:2: invalid JSON: .*" <<< "$stderr"
	grep -qx "fx-eval: in:3: steps\[0\]: bounds out of order: want lo95 <= lo80 <= p50 <= hi80 <= hi95" <<< "$stderr"
	grep -qx "fx-eval: in:4: steps\[0\].start: not on a whole minute '2026-01-05T10:00:30Z'" <<< "$stderr"
	grep -qx "fx-eval: in:5: steps\[0\]: longer than the 240 minutes fx-eval can score" <<< "$stderr"
	grep -qx "fx-eval: in:6: steps: not an array of 1 to 96 steps" <<< "$stderr"
	grep -qx "fx-eval: in:7: load_kw: .*" <<< "$stderr"
	grep -qx "fx-eval: in:9: .*type.*" <<< "$stderr"
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 8 ]
	[ "${stderr##*$'\n'}" = "fx-eval: 11 records in: 1 forecasts (0 outside --from/--to), 2 readings (0 late), 1 other, 7 rejected; 1 steps: 1 scored, 0 missing, 0 unresolved; 4 results" ]
	[ "$(row F1 1 | jq -c '[.n,.mae]')" = '[1,10]' ]
	# --strict: the first bad record ends the run, with no results
	run --separate-stderr fx-eval --strict in
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "$(printf '%s\n' "$stderr" | grep -x 'fx-eval: in:2: invalid JSON: .*')" ]
}

@test "usage errors exit 2 with a clear message" {
	run --separate-stderr fx-eval --season abc
	usage_error "fx-eval: --season: want whole minutes up to a year, such as 1d or 1h, not 'abc'"
	run --separate-stderr fx-eval --season 90s
	usage_error "fx-eval: --season: want whole minutes up to a year, such as 1d or 1h, not '90s'"
	run --separate-stderr fx-eval --season 0
	usage_error "fx-eval: --season: want whole minutes up to a year, such as 1d or 1h, not '0'"
	run --separate-stderr fx-eval --from 2026-13-01
	usage_error "fx-eval: --from: month out of range '2026-13-01'"
	run --separate-stderr fx-eval --from yesterday
	[ "$status" -eq 2 ]
	[[ "$stderr" == "fx-eval: --from: "*" 'yesterday'" ]]
	run --separate-stderr fx-eval --from 2026-01-05T10:00Z --to 2026-01-05T10:00Z
	usage_error "fx-eval: --to: not after --from"
	run --separate-stderr fx-eval --format xml
	usage_error "fx-eval: --format: want ndjson or table, not 'xml'"
	run --separate-stderr fx-eval --bogus
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ "$stderr" == *"unrecognized option"*"usage: fx-eval "* ]]
	run --separate-stderr fx-eval nonexistent.ndjson
	[ "$status" -eq 1 ]
	[[ "$stderr" == "fx-eval: nonexistent.ndjson: "* ]]
}

@test "several files in order, - for stdin, -o for the output file" {
	mase_input > in
	head -n 12 in > a
	tail -n +13 in > b
	run --separate-stderr fx-eval -q --season 1h in
	want=$output
	run --separate-stderr fx-eval -q --season 1h a - < b
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
	run --separate-stderr fx-eval --season 1h -o res.ndjson a b
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(cat res.ndjson)" = "$want" ]
	[[ "$stderr" == "fx-eval: 24 records in: 2 forecasts"* ]]
	printf 'not json\n' > c
	run --separate-stderr fx-eval -q a - < c
	[[ "$stderr" == "fx-eval: stdin:1: invalid JSON: "* ]]
}

@test "fx-sim | fx-forecast | fx-eval: every group recomputed independently (python3)" {
	fx-sim -n 2 -d 2d | fx-forecast -q > s.ndjson
	run --separate-stderr fx-eval s.ndjson
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" > e.ndjson
	[ "$(wc -l < e.ndjson)" -ge 15 ]
	# the summary accounts for every step
	read -r steps scored missing unres <<< "$(sed -E 's/.*; ([0-9]+) steps: ([0-9]+) scored, ([0-9]+) missing, ([0-9]+) unresolved.*/\1 \2 \3 \4/' <<< "$stderr")"
	[ "$steps" -eq $((scored + missing + unres)) ]
	[ "$steps" -eq "$(jq -s '[.[] | select(.type == "forecast") | .steps | length] | add' s.ndjson)" ]
	/usr/bin/python3 - s.ndjson e.ndjson <<-'PY'
	import json, math, sys
	from datetime import datetime
	def ms(s):
	    return int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000)
	reads, fcs = {}, []
	for line in open(sys.argv[1]):
	    r = json.loads(line)
	    if r["type"] == "reading":
	        reads.setdefault(r["feeder_id"], []).append((ms(r["timestamp"]), r["load_kw"]))
	    elif r["type"] == "forecast":
	        fcs.append(r)
	# the MASE scale: grid from the first readings, daily season
	scale = {}
	for f, rs in reads.items():
	    first = []
	    for t, v in rs:
	        first.append(t)
	        if len(first) == 16 or t - first[0] >= 3600000:
	            break
	    gaps = [b - a for a, b in zip(first, first[1:]) if b > a]
	    gap = min(gaps) if gaps else 900000
	    step = next(s * 60000 for s in (15, 20, 30, 60) if gap <= s * 60000)
	    bins = {}
	    for t, v in rs:
	        bins.setdefault(t // step, []).append(v)
	    y = {k: sum(v) / len(v) for k, v in bins.items()}
	    m = 86400000 // step
	    d = [abs(y[k] - y[k - m]) for k in y if k - m in y]
	    scale[f] = sum(d) / len(d) if d and sum(d) > 0 else None
	pts = {}   # (model, feeder, step) -> [(f, a, lo80, hi80, lo95, hi95)]
	for r in fcs:
	    f = r["feeder_id"]
	    last = max(t for t, v in reads[f])
	    for i, s in enumerate(r["steps"], 1):
	        st, en = ms(s["start"]), ms(s["end"])
	        key = (r["model"], f, i)
	        pts.setdefault(key, [])
	        if en > last:
	            continue
	        xs = [v for t, v in reads[f] if st <= t < en]
	        if xs:
	            pts[key].append((s["p50"], sum(xs) / len(xs), s["lo80"], s["hi80"], s["lo95"], s["hi95"]))
	def metrics(p, sc):
	    n = len(p)
	    if n == 0:
	        return {"n": 0}
	    e = [f - a for f, a, *_ in p]
	    out = {"n": n, "mae": sum(map(abs, e)) / n,
	           "rmse": math.sqrt(sum(x * x for x in e) / n),
	           "bias": sum(e) / n,
	           "cov80": sum(l <= a <= h for f, a, l, h, *_ in p) / n,
	           "cov95": sum(l <= a <= h for f, a, _, _, l, h in p) / n,
	           "width80": sum(h - l for f, a, l, h, *_ in p) / n,
	           "width95": sum(h - l for *_, l, h in p) / n}
	    a = [q[1] for q in p]
	    out["mape"] = (100 * sum(abs(x) / abs(y) for x, y in zip(e, a)) / n
	                   if all(y > 0 for y in a) or all(y < 0 for y in a) else None)
	    s = [200 * abs(f - a) / (abs(f) + abs(a)) for f, a, *_ in p if f or a]
	    out["smape"] = sum(s) / len(s) if s else None
	    sc = [(abs(q[0] - q[1]), c) for q, c in zip(p, sc) if c]
	    out["mase"] = sum(x / c for x, c in sc) / len(sc) if sc else None
	    return out
	want = {}
	models = {k[0] for k in pts}
	for mo in models:
	    for f in list(reads) + ["*"]:
	        keys = [k for k in pts if k[0] == mo and (f == "*" or k[1] == f)]
	        if not keys:
	            continue
	        for st in sorted({k[2] for k in keys}) + ["all"]:
	            ks = [k for k in keys if st == "all" or k[2] == st]
	            p = [q for k in ks for q in pts[k]]
	            sc = [scale[k[1]] for k in ks for q in pts[k]]
	            want[(mo, f, st)] = metrics(p, sc)
	got = {}
	for line in open(sys.argv[2]):
	    r = json.loads(line)
	    got[(r["model"], r["feeder_id"], r["step"])] = r
	bad = 0
	if set(got) != set(want):
	    print("groups differ:", sorted(set(got) ^ set(want), key=str))
	    bad += 1
	for k, w in want.items():
	    g = got.get(k, {})
	    for name, v in w.items():
	        x = g.get(name)
	        if v is None or x is None:
	            ok = v is None and x is None
	        else:
	            ok = abs(x - v) <= 1e-9 * max(1, abs(v))
	        if not ok:
	            print(k, name, "want", v, "got", x)
	            bad += 1
	    if k[1] != "*" and g.get("n"):
	        s = scale[k[1]]
	        if (s is None) != (g["mase_scale"] is None) or (s and abs(g["mase_scale"] - s) > 1e-9 * s):
	            print(k, "mase_scale want", s, "got", g["mase_scale"])
	            bad += 1
	sys.exit(1 if bad else 0)
	PY
}

@test "every EXAMPLES line of fx-eval(1) runs" {
	ln -s "$SAMPLES" samples
	awk '/^\.Sh EXAMPLES/ { f = 1; next } /^\.Sh/ { f = 0 }
	    f && /^\.Dl / { sub(/^\.Dl /, ""); print }' \
	    "$ROOT/man/fx-eval.1" > examples
	[ "$(wc -l < examples)" -ge 3 ]
	while IFS= read -r line; do
		rc=0
		sh -c "$line" < /dev/null > out 2> err || rc=$?
		[ "$rc" -eq 0 ] || { echo "$line: exit $rc: $(cat err)"; return 1; }
		if [ "$(head -c 1 out)" = "{" ]; then
			grep -q '"type":"eval"' out || { echo "$line: no eval records"; return 1; }
			cat out >> all.ndjson
		else
			[ "$(head -n 1 out | awk '{ print $1, $2, $3 }')" = "model feeder step" ] ||
			    { echo "$line: no table"; return 1; }
		fi
	done < examples
	validate all.ndjson
}

@test "every eval record validates against schemas/records/eval.json" {
	# null metrics, missing and unresolved steps, mixed step lengths, MASE
	# with and without a scale, several models, and a real pipeline
	hand_input > hand
	gap_input > gap
	zero_input > zero
	{ mase_input; fc F1 02:30 m "02:30 03:00 1 1 1 1 1"; } > mase
	fx-sim -n 2 -d 2d | fx-forecast -q > sim
	{ fx-eval -q hand; fx-eval -q gap; fx-eval -q zero
	  fx-eval -q --season 1h --from 2026-01-05T02:00:00Z mase
	  fx-eval -q --no-feeders mase
	  fx-eval -q sim; } > all.ndjson 2> err
	[ -z "$(grep -v ': warning: ' err)" ]
	[ "$(grep -c . all.ndjson)" -ge 40 ]
	grep -q '"n":0,' all.ndjson
	grep -q '"step_min":null' all.ndjson
	grep -q '"mase_scale":2,' all.ndjson
	validate all.ndjson
}

# ---- states (fx-classify's state and state_change records) ----

# hm VAR MINUTES: VAR = HH:MM of minutes after midnight (no subshell:
# the streams are built fast).
hm() {
	printf -v "$1" '%02d:%02d' $(($2 / 60)) $(($2 % 60))
}

# plus15 VAR HH:MM: VAR = fifteen minutes later.
plus15() {
	hm "$1" $((10#${2%:*} * 60 + 10#${2#*:} + 15))
}

# obs FEEDER HH:MM STATE: the observed 15-minute slice starting HH:MM.
obs() {
	local e
	plus15 e "$2"
	printf '{"type":"state","feeder_id":"%s","slice_start":"2026-01-05T%s:00Z","slice_end":"2026-01-05T%s:00Z","horizon":0,"state":%s,"probs":[1,0,0],"model":"observed","alert_kw":80,"critical_kw":95}\n' \
	    "$1" "$2" "$e" "$3"
}

# pred FEEDER HH:MM HORIZON STATE [MODEL] [END]: a predicted slice.
pred() {
	local e
	plus15 e "$2"
	printf '{"type":"state","feeder_id":"%s","slice_start":"2026-01-05T%s:00Z","slice_end":"2026-01-05T%s:00Z","horizon":%s,"issued_at":"2026-01-05T%s:00Z","state":%s,"probs":[0.2,0.3,0.5],"model":"%s","alert_kw":80,"critical_kw":95}\n' \
	    "$1" "$2" "${6:-$e}" "$3" "$2" "$4" "${5:-m}"
}

# chg FEEDER HH:MM PREV NEW [MODEL]: a state change.
chg() {
	printf '{"type":"state_change","event_id":"%s@%s","feeder_id":"%s","timestamp":"2026-01-05T%s:00Z","prev_state":%s,"new_state":%s,"confidence":0.9,"cause":{"horizon":1},"model":"%s","alert_kw":80,"critical_kw":95,"detected_at_wall":"2026-01-05T%s:00.123Z"}\n' \
	    "$1" "$2" "$1" "$2" "$3" "$4" "${5:-m}" "$2"
}

# srow FEEDER HORIZON [MODEL]: the state eval record of that group.
srow() {
	local h=$2 pat
	[ "$h" = all ] && h='"all"'
	pat="\"kind\":\"state\",\"model\":\"${3-m}\",\"feeder_id\":\"$1\",\"horizon\":$h,"
	printf '%s\n' "$output" | grep -F -- "$pat"
}

# erow FEEDER [MODEL]: the state_events eval record of that group.
erow() {
	printf '%s\n' "$output" | grep -F -- "\"kind\":\"state_events\",\"model\":\"${2-m}\",\"feeder_id\":\"$1\","
}

# F1, slices 10:00 .. 10:45 observed 0 1 2 2; predicted at horizon 1
# 0 2 2 1 and at horizon 2 1 1 0 2.  F2: two slices, 0 and 0, both
# predicted 0.  Rows are the observed state, columns the predicted:
#   h1  [[1,0,0],[0,0,1],[0,1,1]]   h2  [[0,1,0],[0,1,0],[1,0,1]]
cm_input() {
	local t h1=(0 2 2 1) h2=(1 1 0 2) o=(0 1 2 2) i=0
	for t in 10:00 10:15 10:30 10:45; do
		pred F1 $t 1 ${h1[$i]}
		pred F1 $t 2 ${h2[$i]}
		i=$((i + 1))
	done
	pred F2 10:00 1 0; pred F2 10:15 1 0
	i=0
	for t in 10:00 10:15 10:30 10:45; do
		obs F1 $t ${o[$i]}
		i=$((i + 1))
	done
	obs F2 10:00 0; obs F2 10:15 0
}

# Feeder E observed 06:00 .. 14:45 (36 slices, 9 hours): Critical at
# 09:00, 09:15 (episode A), 11:00, 11:15 (B), 14:00 (C); Alert at 08:45,
# so the Alert-or-worse episode A starts at 08:45.  Its state changes:
#   06:30 0>2, 07:00 2>0   false alarm: nothing Critical in 06:30-07:30
#   08:40 0>2, 10:00 2>0   catches A: lead 20 min (Alert or worse: 5)
#   11:10 0>2, 12:00 2>0   B is late; a true alarm (B ends 11:30)
#   12:30 0>2, 12:45 2>0   false with a 1h window, true with 2h (C 14:00)
#   14:50 0>2              window runs past 15:00, meets nothing: unjudged
# C is missed.  Feeder G, observed 06:00 .. 08:45 (3 hours), Critical at
# 07:00 and 08:00: 06:45 0>2 catches the first (lead 15), 07:10 2>0,
# 07:15 0>2 catches the second (lead 45) and is a true alarm twice over
# (the first episode ends at 07:15), 08:30 2>0.  Model m2 predicted a
# slice of E but never changed its state: every episode missed, no
# escalation.
ev_input() {
	local m st t
	for m in $(seq 360 15 885); do
		hm t $m
		case $t in
		09:00|09:15|11:00|11:15|14:00) st=2 ;;
		08:45) st=1 ;;
		*) st=0 ;;
		esac
		obs E $t $st
		case $t in
		06:15) chg E 06:30 0 2; chg E 07:00 2 0 ;;
		08:30) chg E 08:40 0 2 ;;
		09:45) chg E 10:00 2 0 ;;
		11:00) chg E 11:10 0 2 ;;
		11:45) chg E 12:00 2 0 ;;
		12:15) chg E 12:30 0 2; chg E 12:45 2 0 ;;
		14:30) chg E 14:50 0 2 ;;
		esac
	done
	pred E 10:00 1 0 m2
	for m in $(seq 360 15 525); do
		hm t $m
		case $t in
		07:00|08:00) st=2 ;;
		*) st=0 ;;
		esac
		obs G $t $st
		case $t in
		06:30) chg G 06:45 0 2 ;;
		07:00) chg G 07:10 2 0; chg G 07:15 0 2 ;;
		08:15) chg G 08:30 2 0 ;;
		esac
	done
}

@test "states: a hand-computed confusion matrix with precision, recall and F1 per state" {
	cm_input > in
	run --separate-stderr fx-eval in
	[ "$status" -eq 0 ]
	[ "$stderr" = "fx-eval: 16 records in: 0 forecasts (0 outside --from/--to), 0 readings (0 late), 16 states (0 predicted outside --from/--to, 0 observed out of order), 0 state changes, 0 other, 0 rejected; 0 steps: 0 scored, 0 missing, 0 unresolved; 10 predicted slices: 10 scored, 0 unmatched, 0 unresolved; 11 results" ]
	# F1 h1, F1 h2, F1 all, F2 h1, F2 all, * h1, * h2, * all; events of
	# F1, F2, *
	[ "${lines[0]}" = '{"type":"eval","kind":"state","model":"m","feeder_id":"F1","horizon":1,"n":4,"confusion":[[1,0,0],[0,0,1],[0,1,1]],"precision":[1,0,0.5],"recall":[1,0,0.5],"f1":[1,0,0.5],"unmatched":0,"unresolved":0}' ]
	[ "$(srow F1 2 | jq -c '[.n,.confusion,.precision,.recall]')" = '[4,[[0,1,0],[0,1,0],[1,0,1]],[0,0.5,1],[0,1,0.5]]' ]
	close "$(srow F1 2 | jq '.f1[1]')" "$(calc '2 / 3')"
	close "$(srow F1 2 | jq '.f1[2]')" "$(calc '2 / 3')"
	[ "$(srow F1 2 | jq '.f1[0]')" = 0 ]
	# all horizons: [[1,1,0],[0,1,1],[1,1,2]]
	w=$(srow F1 all)
	[ "$(jq -c '[.n,.confusion,.recall]' <<< "$w")" = '[8,[[1,1,0],[0,1,1],[1,1,2]],[0.5,0.5,0.5]]' ]
	close "$(jq '.precision[0]' <<< "$w")" 0.5
	close "$(jq '.precision[1]' <<< "$w")" "$(calc '1 / 3')"
	close "$(jq '.precision[2]' <<< "$w")" "$(calc '2 / 3')"
	close "$(jq '.f1[0]' <<< "$w")" 0.5
	close "$(jq '.f1[1]' <<< "$w")" 0.4
	close "$(jq '.f1[2]' <<< "$w")" "$(calc '4 / 7')"
	# F2: nothing observed or predicted 1 or 2: those are null
	[ "$(srow F2 1 | jq -c '[.n,.confusion,.precision,.recall,.f1]')" = '[2,[[2,0,0],[0,0,0],[0,0,0]],[1,null,null],[1,null,null],[1,null,null]]' ]
	# all feeders, horizon 1: F1's matrix plus 2 in the Normal corner
	[ "$(srow '*' 1 | jq -c '[.n,.confusion]')" = '[6,[[3,0,0],[0,0,1],[0,1,1]]]' ]
	[ "$(srow '*' all | jq -c '[.n,.confusion]')" = '[10,[[3,1,0],[0,1,1],[1,1,2]]]' ]
	# the order: feeders as first seen, horizons, all; then *
	printf '%s\n' "$output" | jq -r 'select(.kind == "state") | [.feeder_id, .horizon] | join(" ")' > got
	printf '%s\n' "F1 1" "F1 2" "F1 all" "F2 1" "F2 all" "* 1" "* 2" "* all" > want
	diff want got
	# --no-feeders: the all-feeder groups only, the same values
	printf '%s\n' "$output" | grep '"feeder_id":"\*"' > want
	run --separate-stderr fx-eval -q --no-feeders in
	[ "$output" = "$(cat want)" ]
}

@test "states: predictions never observed are unmatched; those still waiting at the end, unresolved" {
	{ pred F1 10:00 1 2
	  pred F1 10:15 1 1; pred F1 10:15 2 1
	  pred F1 10:30 1 0 m 11:00	# a 30-minute slice
	  pred F1 10:45 1 1
	  obs F1 10:00 2		# 10:00 h1: (2, 2)
	  obs F1 10:30 0		# 10:15 never observed, 10:30 ends
	  obs F1 10:30 1		# elsewhere: 3 unmatched; a repeat, ignored
	  pred F1 10:00 2 2		# 10:00 observed before it: (2, 2)
	  pred F1 09:00 3 0		# never observed: unmatched
	  pred F1 11:00 1 1
	  obs F1 10:45 1		# 10:45 h1: (1, 1)
	  for m in $(seq 660 15 900); do hm t $m; obs F1 $t 0; done	# 11:00 h1: (0, 1)
	  pred F1 10:00 4 2		# 10:00 has left the 16 kept: unmatched
	  pred F1 11:15 4 0		# 11:15 is kept: (0, 0)
	  pred F1 15:15 1 0; } > in	# never observed: unresolved
	run --separate-stderr fx-eval in
	[ "$status" -eq 0 ]
	[[ "$stderr" == *" 32 states (0 predicted outside --from/--to, 1 observed out of order), "*"; 11 predicted slices: 5 scored, 5 unmatched, 1 unresolved; "* ]]
	[ "$(srow F1 1 | jq -c '[.n,.confusion,.unmatched,.unresolved]')" = '[3,[[0,1,0],[0,1,0],[0,0,1]],2,1]' ]
	[ "$(srow F1 2 | jq -c '[.n,.confusion,.unmatched,.unresolved]')" = '[1,[[0,0,0],[0,0,0],[0,0,1]],1,0]' ]
	[ "$(srow F1 3 | jq -c '[.n,.precision,.recall,.f1,.unmatched]')" = '[0,[null,null,null],[null,null,null],[null,null,null],1]' ]
	[ "$(srow F1 4 | jq -c '[.n,.confusion,.unmatched]')" = '[1,[[1,0,0],[0,0,0],[0,0,0]],1]' ]
	[ "$(srow F1 all | jq -c '[.n,.unmatched,.unresolved]')" = '[5,5,1]' ]
	[ "$(srow '*' all | jq -c '[.n,.unmatched,.unresolved]')" = '[5,5,1]' ]
}

@test "state events: caught with a lead time, late and missed episodes; true, false and unjudged alarms" {
	ev_input > in
	run --separate-stderr fx-eval in
	[ "$status" -eq 0 ]
	[[ "$stderr" == *", 49 states (0 predicted outside --from/--to, 0 observed out of order), 13 state changes, "* ]]
	# Critical: A caught (lead 20), B late, C missed; 06:30 and 12:30
	# false; 14:50 unjudged; 36 slices of 15 minutes = 0.375 days
	e=$(erow E)
	[ "$(jq -c '[.episodes,.caught,.late,.median_lead_min,.mean_lead_min,.escalations,.false_alarms,.unjudged,.precision,.feeder_days]' <<< "$e")" = \
	    '[3,1,1,20,20,4,2,1,0.5,0.375]' ]
	close "$(jq .recall <<< "$e")" "$(calc '1 / 3')"
	close "$(jq .false_alarms_per_feeder_day <<< "$e")" "$(calc '2 / 0.375')"
	# Alert or worse: A starts at 08:45 (lead 5); the same escalations
	[ "$(jq -c '[.alert_episodes,.alert_caught,.alert_late,.alert_median_lead_min,.alert_escalations,.alert_false_alarms,.alert_unjudged,.alert_precision]' <<< "$e")" = \
	    '[3,1,1,5,4,2,1,0.5]' ]
	# G: both caught, leads 15 and 45; no false alarm
	[ "$(erow G | jq -c '[.episodes,.caught,.late,.recall,.median_lead_min,.mean_lead_min,.escalations,.false_alarms,.precision,.feeder_days,.false_alarms_per_feeder_day]')" = \
	    '[2,2,0,1,30,30,2,0,1,0.125,0]' ]
	# all feeders: leads 20, 15, 45 (median 20); Alert or worse 5, 15, 45
	a=$(erow '*')
	[ "$(jq -c '[.episodes,.caught,.late,.median_lead_min,.escalations,.false_alarms,.unjudged,.feeder_days,.false_alarms_per_feeder_day]' <<< "$a")" = \
	    '[5,3,1,20,6,2,1,0.5,4]' ]
	close "$(jq .mean_lead_min <<< "$a")" "$(calc '80 / 3')"
	close "$(jq .precision <<< "$a")" "$(calc '4 / 6')"
	[ "$(jq -c '[.alert_median_lead_min,.alert_mean_lead_min]' <<< "$a")" = '[15,21.666666666666668]' ]
	# m2 never changed E's state
	[ "$(erow E m2 | jq -c '[.episodes,.caught,.late,.recall,.median_lead_min,.escalations,.precision,.false_alarms_per_feeder_day]')" = \
	    '[3,0,0,0,null,0,null,0]' ]
	[ "$(erow '*' m2 | jq -c '[.episodes,.feeder_days]')" = '[3,0.375]' ]
	[ -z "$(erow G m2)" ]
	# the event groups come after every slice group, m before m2
	printf '%s\n' "$output" | jq -r '[.kind, .model, .feeder_id] | join(" ")' | uniq > got
	printf '%s\n' "state m2 E" "state m2 *" "state_events m E" "state_events m G" "state_events m *" \
	    "state_events m2 E" "state_events m2 *" > want
	diff want got
}

@test "state events: the timeline orders changes by timestamp; a lead runs from the change that reached the level" {
	# the changes last and in reverse: the same results (no two changes
	# of a feeder share a timestamp; models may come in another order)
	ev_input > in
	{ grep -v state_change in; grep state_change in | tac; } > shuffled
	run --separate-stderr fx-eval -q in
	printf '%s\n' "$output" | sort > want
	run --separate-stderr fx-eval -q shuffled
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | sort > got
	diff want got
	# equal timestamps: the one that came last sets the state
	{ obs H 10:00 0; chg H 09:50 0 2; chg H 10:15 2 0; chg H 10:15 0 2; obs H 10:15 2; } > tie
	run --separate-stderr fx-eval -q tie
	[ "$(erow H | jq -c '[.episodes,.caught,.median_lead_min]')" = '[1,1,0]' ]
	{ obs H 10:00 0; chg H 09:50 0 2; chg H 10:15 0 2; chg H 10:15 2 0; obs H 10:15 2; } > tie
	run --separate-stderr fx-eval -q tie
	[ "$(erow H | jq -c '[.episodes,.caught,.late]')" = '[1,0,0]' ]
	# 0>1 at 09:30, 1>2 at 09:45, Critical from 10:00: a lead of 15 for
	# Critical, of 30 for Alert or worse (at >= 1 since 09:30)
	{ chg K 09:30 0 1; obs K 09:30 0; chg K 09:45 1 2; obs K 09:45 0; obs K 10:00 2; } > run
	run --separate-stderr fx-eval -q run
	[ "$(erow K | jq -c '[.caught,.median_lead_min,.escalations,.alert_caught,.alert_median_lead_min,.alert_escalations]')" = '[1,15,1,1,30,1]' ]
	# held at 2 through a dip: the second episode's lead runs from the
	# first one's end (10:15), not from the escalation at 09:30
	{ chg J 09:30 0 2; obs J 09:45 0; obs J 10:00 2; obs J 10:15 0; obs J 10:30 2; } > held
	run --separate-stderr fx-eval -q held
	[ "$(erow J | jq -c '[.episodes,.caught,.median_lead_min,.mean_lead_min]')" = '[2,2,22.5,22.5]' ]
	# a change at the episode's end is not late; one before it is
	{ obs L 10:00 2; chg L 10:15 0 2; obs L 10:15 0; chg L 10:30 2 0; obs L 10:30 0
	  obs M 10:00 2; chg M 10:10 0 2; obs M 10:15 0; } > late
	run --separate-stderr fx-eval -q late
	[ "$(erow L | jq -c '[.episodes,.caught,.late,.escalations,.false_alarms]')" = '[1,0,0,1,0]' ]
	[ "$(erow M | jq -c '[.episodes,.caught,.late,.escalations,.false_alarms]')" = '[1,0,1,1,0]' ]
}

@test "state events: --alarm-window judges escalations over a longer or shorter window" {
	ev_input > in
	# 2h: 12:30's window reaches C at 14:00; 06:30's still ends before A
	run --separate-stderr fx-eval -q --alarm-window 2h in
	[ "$status" -eq 0 ]
	[ "$(erow E | jq -c '[.escalations,.false_alarms,.unjudged,.precision,.alert_false_alarms]')" = '[4,1,1,0.75,1]' ]
	close "$(erow E | jq .false_alarms_per_feeder_day)" "$(calc '1 / 0.375')"
	# 15m: 08:40's window [08:40, 08:55] misses A (09:00) but meets the
	# Alert-or-worse A (08:45); 11:10's meets B, which ends at 11:30
	run --separate-stderr fx-eval -q --alarm-window 15m in
	[ "$(erow E | jq -c '[.escalations,.false_alarms,.unjudged,.alert_escalations,.alert_false_alarms]')" = '[4,3,1,4,2]' ]
	# G: 06:45's window [06:45, 07:00] meets the episode starting at
	# 07:00, 07:15's [07:15, 07:30] the one that ended at 07:15
	[ "$(erow G | jq -c '[.escalations,.false_alarms]')" = '[2,0]' ]
	# 5m: 14:50's window ends before the last slice does: judged, false
	run --separate-stderr fx-eval -q --alarm-window 5m in
	[ "$(erow E | jq -c '[.escalations,.false_alarms,.unjudged]')" = '[5,4,0]' ]
	# the default is 1h
	run --separate-stderr fx-eval -q --alarm-window 1h in
	want=$output
	run --separate-stderr fx-eval -q in
	[ "$output" = "$want" ]
}

@test "states: --from and --to select predicted slices by start, episodes by onset, escalations by time" {
	cm_input > in
	run --separate-stderr fx-eval --from 2026-01-05T10:30:00Z in
	[ "$status" -eq 0 ]
	[[ "$stderr" == *" 16 states (6 predicted outside --from/--to, 0 observed out of order), "*"; 4 predicted slices: 4 scored, 0 unmatched, 0 unresolved; "* ]]
	# 10:30 and 10:45, observed 2 and 2: h1 predicted 2, 1; h2 0, 2
	[ "$(srow F1 1 | jq -c '[.n,.confusion]')" = '[2,[[0,0,0],[0,0,0],[0,1,1]]]' ]
	[ "$(srow F1 2 | jq -c '[.n,.confusion]')" = '[2,[[0,0,0],[0,0,0],[1,0,1]]]' ]
	# F2 predicted nothing in range: no slice groups, but its events
	[ -z "$(srow F2 1)" ]
	[ "$(erow F2 | jq -c '[.episodes,.feeder_days]')" = '[0,0]' ]
	run --separate-stderr fx-eval -q --to 2026-01-05T10:15:00Z in
	[ "$(srow '*' all | jq -c '[.n,.confusion]')" = '[3,[[2,1,0],[0,0,0],[0,0,0]]]' ]
	# events: the 08:40 escalation before --from still catches A
	ev_input > in
	run --separate-stderr fx-eval -q --from 2026-01-05T09:00:00Z in
	[ "$status" -eq 0 ]
	e=$(erow E)
	[ "$(jq -c '[.episodes,.caught,.late,.median_lead_min,.escalations,.false_alarms,.unjudged,.precision,.feeder_days,.false_alarms_per_feeder_day]' <<< "$e")" = \
	    '[3,1,1,20,2,1,1,0.5,0.25,4]' ]
	# Alert or worse: A's onset 08:45 is before --from
	[ "$(jq -c '[.alert_episodes,.alert_caught,.alert_late]' <<< "$e")" = '[2,0,1]' ]
	run --separate-stderr fx-eval -q --from 2026-01-05T09:00:00Z --to 2026-01-05T12:00:00Z in
	[ "$(erow E | jq -c '[.episodes,.caught,.late,.escalations,.false_alarms,.unjudged,.precision,.feeder_days]')" = '[2,1,1,1,0,0,1,0.125]' ]
}

@test "states: bad state and state_change records are reported, counted and skipped" {
	{ obs F1 10:00 0
	  echo '{"type":"state","feeder_id":"F1","slice_start":"2026-01-05T10:15:00Z","slice_end":"2026-01-05T10:15:00Z","horizon":0,"state":0}'
	  echo '{"type":"state","feeder_id":"F1","slice_start":"2026-01-05T10:15:00Z","slice_end":"2026-01-05T10:30:00Z","horizon":1.5,"state":0}'
	  echo '{"type":"state","feeder_id":"F1","slice_start":"2026-01-05T10:15:00Z","slice_end":"2026-01-05T10:30:00Z","horizon":1,"state":3}'
	  echo '{"type":"state","feeder_id":"F1","slice_start":"2026-01-05T10:15:00Z","slice_end":"2026-01-05T10:30:00Z","horizon":1,"state":1,"model":7}'
	  echo '{"type":"state","slice_start":"2026-01-05T10:15:00Z","slice_end":"2026-01-05T10:30:00Z","horizon":1,"state":1}'
	  echo '{"type":"state_change","feeder_id":"F1","timestamp":"10:00","prev_state":0,"new_state":2}'
	  echo '{"type":"state_change","feeder_id":"F1","timestamp":"2026-01-05T10:00:00Z","prev_state":0,"new_state":-1}'
	  echo '{"type":"state_change","feeder_id":"F1","timestamp":"2026-01-05T10:00:00Z","new_state":2}'
	  echo '{"type":"state","feeder_id":"F1","slice_start":"2026-01-05T10:15:00Z","slice_end":"2026-01-05T10:30:00Z","horizon":1,"state":1}'
	  obs F1 10:15 1; } > in
	run --separate-stderr fx-eval in
	[ "$status" -eq 0 ]
	grep -qx "fx-eval: in:2: slice_start, slice_end: want RFC 3339 times, start before end" <<< "$stderr"
	grep -qx "fx-eval: in:3: horizon: not an integer 0 to 96" <<< "$stderr"
	grep -qx "fx-eval: in:4: state: not 0, 1 or 2" <<< "$stderr"
	grep -qx "fx-eval: in:5: model: not a string" <<< "$stderr"
	grep -qx "fx-eval: in:6: feeder_id: missing, empty or not a string" <<< "$stderr"
	grep -qx "fx-eval: in:7: timestamp: missing or not an RFC 3339 time" <<< "$stderr"
	grep -qx "fx-eval: in:8: new_state: not 0, 1 or 2" <<< "$stderr"
	grep -qx "fx-eval: in:9: prev_state: not 0, 1 or 2" <<< "$stderr"
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 9 ]
	[ "${stderr##*$'\n'}" = "fx-eval: 11 records in: 0 forecasts (0 outside --from/--to), 0 readings (0 late), 3 states (0 predicted outside --from/--to, 0 observed out of order), 0 state changes, 0 other, 8 rejected; 0 steps: 0 scored, 0 missing, 0 unresolved; 1 predicted slices: 1 scored, 0 unmatched, 0 unresolved; 6 results" ]
	# the prediction without a model is model "": observed 1, predicted 1
	[ "$(srow F1 1 '' | jq -c '[.n,.confusion[1]]')" = '[1,[0,1,0]]' ]
	run --separate-stderr fx-eval --strict in
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	run --separate-stderr fx-eval --alarm-window 0
	usage_error "fx-eval: --alarm-window: want a duration up to a year, such as 1h or 30m, not '0'"
	run --separate-stderr fx-eval --alarm-window soon
	usage_error "fx-eval: --alarm-window: want a duration up to a year, such as 1h or 30m, not 'soon'"
}

@test "a stream of forecasts and states: the forecast results are those of the forecasts alone" {
	{ hand_input; cm_input; ev_input; } > in
	hand_input > fc
	run --separate-stderr fx-eval -q fc
	want=$output
	run --separate-stderr fx-eval in
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep '"kind":"forecast"')" = "$want" ]
	# and the state results those of the states alone
	printf '%s\n' "$output" | grep -v '"kind":"forecast"' > got
	{ cm_input; ev_input; } > st
	run --separate-stderr fx-eval -q st
	[ "$output" = "$(cat got)" ]
	# without states, the summary line is as it always was
	run --separate-stderr fx-eval fc
	[[ "$stderr" != *state* ]]
}

@test "--format table: the state and event tables, aligned, - for null" {
	{ hand_input; cm_input; ev_input; } > in
	run --separate-stderr fx-eval -q --format table in
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	# three tables, a blank line between them
	[ "$(printf '%s\n' "$output" | grep -c '^$')" -eq 2 ]
	printf '%s\n' "$output" | awk -v RS= '{ print $1, $2, $3 }' > heads
	printf '%s\n' "model feeder step" "model feeder horizon" "model feeder episodes" > want
	diff want heads
	printf '%s\n' "$output" | awk -v RS= 'NR == 2' > states
	printf '%s\n' "$output" | awk -v RS= 'NR == 3' > events
	read -r -a head < states
	[ "${head[*]}" = "model feeder horizon n P_crit R_crit F1_crit P_alert R_alert F1_alert unmatched" ]
	read -r -a head < events
	[ "${head[*]}" = "model feeder episodes caught late recall lead_med lead_mean alarms false precision FA/day" ]
	for t in states events; do
		len=$(head -n 1 $t | awk '{ print length }')
		[ "$(awk -v n="$len" 'length != n' $t | wc -l)" -eq 0 ]
		# each right-aligned heading ends where its numbers end
		hdr=$(head -n 1 $t)
		for w in n R_crit unmatched episodes lead_med FA/day; do
			[[ " $hdr " == *" $w "* ]] || continue
			pre=${hdr%%" $w"*}
			end=$(( ${#pre} + 1 + ${#w} ))
			while IFS= read -r l; do
				[ "${l:$((end - 1)):1}" != " " ]
			done < <(tail -n +2 $t)
		done
	done
	# F1, horizon 2: P/R/F1 of Critical 1 0.5 0.667, Alert 0.5 1 0.667
	read -r -a r <<< "$(grep '^m  *F1  *2 ' states)"
	[ "${r[*]}" = "m F1 2 4 1.000 0.500 0.667 0.500 1.000 0.667 0" ]
	read -r -a r <<< "$(grep '^m  *F2  *1 ' states)"
	[ "${r[*]}" = "m F2 1 2 - - - - - - 0" ]
	read -r -a r <<< "$(grep '^m  *E ' events)"
	[ "${r[*]}" = "m E 3 1 1 0.333 20.0 20.0 4 2 0.500 5.333" ]
	read -r -a r <<< "$(grep '^m2  *E ' events)"
	[ "${r[*]}" = "m2 E 3 0 0 0.000 - - 0 0 - 0.000" ]
}

@test "every state and state_events record validates against schemas/records/eval.json" {
	cm_input > cm
	ev_input > ev
	{ fx-eval -q cm; fx-eval -q --from 2026-01-05T10:30:00Z cm; fx-eval -q ev
	  fx-eval -q --alarm-window 15m --from 2026-01-05T09:00:00Z ev
	  fx-eval -q --no-feeders ev; } > all.ndjson
	grep -q '"kind":"state",' all.ndjson
	grep -q '"kind":"state_events",' all.ndjson
	grep -q '"median_lead_min":null' all.ndjson
	grep -q '"precision":\[1,null,null\]' all.ndjson
	validate all.ndjson
	# the schema tells the kinds apart
	printf '%s\n' "$(head -n 1 all.ndjson | sed 's/"kind":"state"/"kind":"forecast"/')" > bad
	run validate bad
	[ "$status" -ne 0 ]
}

@test "fx-sim | fx-ingest | fx-forecast | fx-features | fx-classify | fx-eval: both tables; every state group recomputed (python3)" {
	fx-sim -n 2 -d 3d --spike 'F001@2025-01-06T18:00:00Z+20m:250' | fx-ingest -q --format ndjson |
	    fx-forecast -q | fx-features -q | fx-classify -q --limit 600 > s.ndjson
	[ "$(count_type state_change s.ndjson)" -ge 2 ]
	run --separate-stderr fx-eval --format table s.ndjson
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | awk -v RS= '{ print $1, $2, $3 }' > heads
	printf '%s\n' "model feeder step" "model feeder horizon" "model feeder episodes" > want
	diff want heads
	[[ "$stderr" == *" predicted slices: "* ]]
	run --separate-stderr fx-eval -q s.ndjson
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" > e.ndjson
	validate e.ndjson
	/usr/bin/python3 - s.ndjson e.ndjson <<-'PY'
	import json, statistics, sys
	from datetime import datetime
	def ms(s):
	    return int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000)
	obs, preds, changes = {}, [], {}
	for line in open(sys.argv[1]):
	    r = json.loads(line)
	    if r["type"] == "state" and r["horizon"] == 0:
	        obs.setdefault(r["feeder_id"], {})[ms(r["slice_start"])] = (ms(r["slice_end"]), r["state"])
	    elif r["type"] == "state":
	        preds.append(r)
	    elif r["type"] == "state_change":
	        changes.setdefault((r["model"], r["feeder_id"]), []).append(r)
	# slices: every prediction whose slice was observed (the stream is in
	# order, so the streaming rules give the same pairs)
	cms = {}
	for r in preds:
	    o = obs.get(r["feeder_id"], {}).get(ms(r["slice_start"]))
	    for f in (r["feeder_id"], "*"):
	        for h in (r["horizon"], "all"):
	            c = cms.setdefault((r["model"], f, h), [[0] * 3 for _ in range(3)])
	            if o and o[0] == ms(r["slice_end"]):
	                c[o[1]][r["state"]] += 1
	got = {}
	for line in open(sys.argv[2]):
	    r = json.loads(line)
	    got[(r["kind"], r["model"], r["feeder_id"], r.get("horizon"))] = r
	bad = 0
	for (m, f, h), c in cms.items():
	    g = got.get(("state", m, f, h))
	    if g is None or g["confusion"] != c:
	        print("confusion", m, f, h, "want", c, "got", g and g["confusion"])
	        bad += 1
	        continue
	    for k in range(3):
	        col = sum(c[j][k] for j in range(3)); row = sum(c[k])
	        p = c[k][k] / col if col else None
	        rc = c[k][k] / row if row else None
	        f1 = None if p is None or rc is None else (0 if p + rc == 0 else 2 * p * rc / (p + rc))
	        for name, v in (("precision", p), ("recall", rc), ("f1", f1)):
	            x = g[name][k]
	            if (v is None) != (x is None) or (v is not None and abs(v - x) > 1e-12):
	                print(name, m, f, h, k, "want", v, "got", x); bad += 1
	if len([k for k in got if k[0] == "state"]) != len(cms):
	    print("state groups differ"); bad += 1
	# events, level L: episodes from the observed slices, the timeline
	# from the state changes, with the 1-hour window
	def episodes(f, L):
	    eps = []
	    for s in sorted(obs[f]):
	        e, st = obs[f][s]
	        if st >= L:
	            if eps and eps[-1][1] == s:
	                eps[-1][1] = e
	            else:
	                eps.append([s, e])
	    return eps
	def state_at(ch, t):
	    st = 0
	    for c in ch:
	        if ms(c["timestamp"]) <= t:
	            st = c["new_state"]
	    return st
	W = 3600000
	for m in {r["model"] for r in preds}:
	    tot = {}
	    for f in obs:
	        ch = sorted(changes.get((m, f), []), key=lambda c: ms(c["timestamp"]))
	        last = max(e for e, _ in obs[f].values())
	        days = sum(e - s for s, (e, _) in obs[f].items()) / 86400000
	        for L, pre in ((2, ""), (1, "alert_")):
	            eps = episodes(f, L)
	            caught = late = 0; leads = []
	            prev_end = None
	            for s, e in eps:
	                if state_at(ch, s) >= L:
	                    caught += 1
	                    since = max(ms(c["timestamp"]) for c in ch if ms(c["timestamp"]) <= s and c["new_state"] >= L
	                                and state_at([d for d in ch if ms(d["timestamp"]) < ms(c["timestamp"])], ms(c["timestamp"])) < L)
	                    # a warning held on from the previous episode
	                    # counts from that episode's end
	                    if prev_end is not None and prev_end > since:
	                        since = prev_end
	                    leads.append((s - since) / 60000)
	                elif any(s < ms(c["timestamp"]) < e and c["new_state"] >= L for c in ch):
	                    late += 1
	                prev_end = e
	            esc = fa = unj = 0
	            for c in ch:
	                t = ms(c["timestamp"])
	                if not (c["new_state"] >= L and (c["prev_state"] == 0 if L == 1 else c["prev_state"] < 2)):
	                    continue
	                if any(s <= t + W and e >= t for s, e in eps):
	                    esc += 1
	                elif t + W > last:
	                    unj += 1
	                else:
	                    esc += 1; fa += 1
	            want = {pre + "episodes": len(eps), pre + "caught": caught, pre + "late": late,
	                    pre + "escalations": esc, pre + "false_alarms": fa, pre + "unjudged": unj,
	                    pre + "median_lead_min": statistics.median(leads) if leads else None,
	                    pre + "mean_lead_min": statistics.mean(leads) if leads else None}
	            if L == 2:
	                want["feeder_days"] = days
	            g = got.get(("state_events", m, f, None), {})
	            for k, v in want.items():
	                x = g.get(k)
	                if (v is None) != (x is None) or (v is not None and abs(v - x) > 1e-9):
	                    print(m, f, k, "want", v, "got", x); bad += 1
	            for k in ("episodes", "caught", "late", "escalations", "false_alarms"):
	                tot[pre + k] = tot.get(pre + k, 0) + want[pre + k]
	    g = got.get(("state_events", m, "*", None), {})
	    for k, v in tot.items():
	        if g.get(k) != v:
	            print(m, "*", k, "want", v, "got", g.get(k)); bad += 1
	sys.exit(1 if bad else 0)
	PY
}
