#!/usr/bin/env bats
# fx-features: window features, exogenous enrichment, normalisation and
# predicted segments.  Values are checked against jq or awk computations
# from the input, not against the program's earlier output; the golden
# ETTm1 case (test/cases/fx-features/NNNN/{cmd,expout}; FX_REGEN=1
# rewrites expout) is recomputed independently as well.

bats_require_minimum_version 1.5.0
load helper

CASES=$ROOT/test/cases/fx-features

# r FEEDER HH:MM KW: a reading on 2025-01-06 (a Monday).
r() {
	printf '{"type":"reading","feeder_id":"%s","timestamp":"2025-01-06T%s:00Z","load_kw":%s}\n' "$1" "$2" "$3"
}

# feats FILE: the features records of FILE.
feats() {
	grep '"type":"features"' "$1" || true
}

# close A B [TOL]: |A - B| <= TOL (default 1e-9 relative to max(1, |B|)).
close() {
	awk -v a="$1" -v b="$2" -v t="${3:-1e-9}" 'BEGIN {
		d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; if (m < 1) m = 1
		if (d > t * m) { print "want " b ", got " a; exit 1 } }'
}

usage_error() {
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "$1" ]
}

@test "-h prints the usage, every option of which is in the man page" {
	run --separate-stderr fx-features -h
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "usage: fx-features [-hqv] [-c config] [--audit] [--errors-inline]" ]
	printf '%s\n' "$output" | grep -oE -- '\[-[-a-z]+' | sed 's/^\[-//; /^hqv$/d' | sort -u > usage
	sed -n 's/^\.It Fl \([-a-z]*\).*/\1/p' "$ROOT/man/fx-features.1" | sort -u > man
	[ "$(wc -l < usage)" -ge 8 ]
	run comm -23 usage man
	[ -z "$output" ]
	run mandoc -Tlint -Wwarning "$ROOT/man/fx-features.1"
	[ -z "$output" ]
}

@test "a hand-computed window: 100 100 100 200 -> mean 125, variance 1875, b2 7/3" {
	{ r F1 10:00 100; r F1 10:05 100; r F1 10:10 100; r F1 10:14 200; r F1 10:15 50; } > in
	run --separate-stderr fx-features in
	[ "$status" -eq 0 ]
	[ "$stderr" = "fx-features: 5 records in: 5 passed, 0 rejected; 2 features written (2 history, 0 predicted)" ]
	[ "${#lines[@]}" -eq 7 ]
	# the closing reading comes first, then the window it closed
	[ "${lines[4]}" = "$(sed -n 5p in)" ]
	[[ "${lines[5]}" == '{"type":"features","feeder_id":"F1","window_start":"2025-01-06T10:00:00Z","window_end":"2025-01-06T10:15:00Z","segment":"history","count":4,"rms":'* ]]
	w=${lines[5]}
	[ "$(jq -c '[.mean,.variance,.min,.max]' <<< "$w")" = "[125,1875,100,200]" ]
	close "$(jq .rms <<< "$w")" "$(awk -v OFMT=%.17g 'BEGIN { print sqrt((3 * 100^2 + 200^2) / 4) }')"
	# b2 = m4 / m2^2 = ((3 * 25^4 + 75^4) / 4) / 1875^2 = 7/3
	close "$(jq .kurtosis <<< "$w")" "$(awk -v OFMT=%.17g 'BEGIN { print 7 / 3 }')"
	close "$(jq .crest_factor <<< "$w")" "$(awk -v OFMT=%.17g 'BEGIN { print 200 / sqrt(17500) }')"
	# the window at EOF: one reading, flat
	[ "$(jq -c '[.window_start,.count,.mean,.variance,.kurtosis,.crest_factor,.rms]' <<< "${lines[6]}")" = '["2025-01-06T10:15:00Z",1,50,0,3,1,50]' ]
}

@test "windows align to wall-clock multiples of the hop, not to the first reading" {
	{ r F1 10:07 1; r F1 10:14 3; r F1 10:16 5; r F1 10:29 7; r F1 10:31 9; } > in
	run --separate-stderr fx-features -q in
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	feats <(printf '%s\n' "${lines[@]}") | jq -c '[.window_start,.window_end,.count,.mean]' > got
	printf '%s\n' '["2025-01-06T10:00:00Z","2025-01-06T10:15:00Z",2,2]' \
	    '["2025-01-06T10:15:00Z","2025-01-06T10:30:00Z",2,6]' \
	    '["2025-01-06T10:30:00Z","2025-01-06T10:45:00Z",1,9]' > want
	diff want got
	# the first window comes right after the 10:16 reading that closed it
	[[ "${lines[3]}" == *'"window_start":"2025-01-06T10:00:00Z"'* ]]
}

@test "--window 10m --hop 5m: overlapping windows, each checked against awk" {
	for m in $(seq 0 19); do r F1 "10:$(printf %02d "$m")" "$((m * m))"; done > in
	run --separate-stderr fx-features -q --window 10m --hop 5m in
	[ "$status" -eq 0 ]
	feats <(printf '%s\n' "${lines[@]}") | jq -r '[.window_start[14:16],.count,.mean,.variance,.max] | @tsv' > got
	# window starting at minute s holds minutes s..s+9 within 0..19
	awk 'BEGIN { OFS = "\t"
		for (s = -5; s <= 15; s += 5) {
			n = 0; sum = 0; sq = 0; mx = -1
			for (m = s; m < s + 10; m++) if (m >= 0 && m <= 19) {
				x = m * m; n++; sum += x; sq += x * x; if (x > mx) mx = x }
			mean = sum / n
			printf "%02d\t%d\t%.6f\t%.6f\t%d\n", (s + 60) % 60, n, mean, sq / n - mean * mean, mx
		} }' > want
	awk -F'\t' '{ printf "%s\t%d\t%.6f\t%.6f\t%d\n", $1, $2, $3, $4, $5 }' got > got6
	diff want got6
}

@test "a gap writes no empty windows; the open window is flushed at EOF" {
	{ r F1 10:00 10; r F1 10:01 20; r F1 12:20 30; } > in
	run --separate-stderr fx-features -q in
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 5 ]
	[ "$(jq -c '[.window_start,.count,.mean]' <<< "${lines[3]}")" = '["2025-01-06T10:00:00Z",2,15]' ]
	[ "$(jq -c '[.window_start,.count,.mean]' <<< "${lines[4]}")" = '["2025-01-06T12:15:00Z",1,30]' ]
}

@test "feeders are windowed independently; EOF flushes them in first-seen order" {
	{ r F2 10:00 1; r F1 10:00 2; r F2 10:20 3; r F1 10:05 4; } > in
	run --separate-stderr fx-features -q in
	[ "$status" -eq 0 ]
	feats <(printf '%s\n' "${lines[@]}") | jq -c '[.feeder_id,.window_start,.count,.mean]' > got
	printf '%s\n' '["F2","2025-01-06T10:00:00Z",1,1]' '["F2","2025-01-06T10:15:00Z",1,3]' \
	    '["F1","2025-01-06T10:00:00Z",2,3]' > want
	diff want got
}

@test "exo as-of join: latest at or before the start, per-feeder beats system-wide" {
	cat > in <<-'IN'
	{"type":"exo","timestamp":"2025-01-06T09:00:00Z","temperature_c":5,"event_flag":true,"wind_ms":3.5}
	{"type":"exo","feeder_id":"F1","timestamp":"2025-01-06T09:30:00Z","temperature_c":9,"humidity":70}
	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T10:00:00Z","load_kw":1}
	{"type":"reading","feeder_id":"F2","timestamp":"2025-01-06T10:00:00Z","load_kw":1}
	{"type":"exo","timestamp":"2025-01-06T10:05:00Z","temperature_c":7,"event_flag":false}
	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T10:15:00Z","load_kw":1}
	{"type":"reading","feeder_id":"F2","timestamp":"2025-01-06T10:15:00Z","load_kw":1}
	{"type":"reading","feeder_id":"F3","timestamp":"2025-01-06T08:00:00Z","load_kw":1}
	IN
	run --separate-stderr fx-features -q in
	[ "$status" -eq 0 ]
	feats <(printf '%s\n' "${lines[@]}") | jq -c '[.feeder_id,.window_start[11:16],.temperature_c,.event_flag,.other_exogenous]' > got
	printf '%s\n' '["F1","10:00",9,true,{"humidity":70,"wind_ms":3.5}]' \
	    '["F2","10:00",5,true,{"wind_ms":3.5}]' \
	    '["F1","10:15",9,false,{"humidity":70}]' \
	    '["F2","10:15",7,false,{}]' \
	    '["F3","08:00",null,false,{}]' > want
	diff want got
}

@test "holiday_flag from --holidays (England and Wales file) or from exo" {
	hol=$SAMPLES/holidays-england-wales.json
	# independent checks of the shipped calendar
	[ "$(jq '.dates | length' "$hol")" -eq 131 ]
	for d in 2020-05-08 2022-06-02 2022-06-03 2022-09-19 2023-05-08 2021-12-27 2021-12-28 2025-04-18 2025-04-21 2030-08-26; do
		jq -e --arg d "$d" '.dates | index($d)' "$hol" > /dev/null || { echo "missing $d"; return 1; }
	done
	for d in 2020-05-04 2022-05-30 2021-12-25; do
		! jq -e --arg d "$d" '.dates | index($d)' "$hol" > /dev/null || { echo "extra $d"; return 1; }
	done
	{ printf '{"type":"reading","feeder_id":"F1","timestamp":"2025-12-25T23:50:00Z","load_kw":1}\n'
	  printf '{"type":"reading","feeder_id":"F1","timestamp":"2025-12-27T00:00:00Z","load_kw":1}\n'
	  printf '{"type":"exo","timestamp":"2025-12-27T00:00:00Z","holiday_flag":true}\n'
	  printf '{"type":"reading","feeder_id":"F1","timestamp":"2025-12-27T00:15:00Z","load_kw":1}\n'; } > in
	run --separate-stderr fx-features -q --holidays "$hol" in
	[ "$status" -eq 0 ]
	[ "$(feats <(printf '%s\n' "${lines[@]}") | jq -c '[.window_start[0:16],.holiday_flag,.dow]' | paste -sd' ')" = \
	    '["2025-12-25T23:45",true,4] ["2025-12-27T00:00",true,6] ["2025-12-27T00:15",true,6]' ]
	run --separate-stderr fx-features -q in
	[ "$(printf '%s\n' "${lines[@]}" | feats /dev/stdin | jq -c .holiday_flag | paste -sd' ')" = 'false true true' ]
}

@test "tod_sin/tod_cos and dow at the window start, in UTC and with --tz" {
	{ printf '{"type":"reading","feeder_id":"F1","timestamp":"2025-07-06T06:00:00Z","load_kw":1}\n'
	  printf '{"type":"reading","feeder_id":"F1","timestamp":"2025-07-06T23:10:00Z","load_kw":1}\n'; } > in
	run --separate-stderr fx-features -q in
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.dow,.tod_sin]' <<< "${lines[2]}")" = '[0,1]' ]
	close "$(jq .tod_cos <<< "${lines[2]}")" 0 1e-15
	close "$(jq .tod_sin <<< "${lines[3]}")" "$(awk -v OFMT=%.17g 'BEGIN { print sin(2 * 3.141592653589793 * 82800 / 86400) }')"
	# London is UTC+1 in July: 23:00Z is local midnight of Monday
	run --separate-stderr fx-features -q --tz Europe/London --window 1h --hop 1h in
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.window_start,.dow,.tod_sin,.tod_cos]' <<< "${lines[3]}")" = '["2025-07-06T23:00:00Z",1,0,1]' ]
	[ "$(jq -c '[.window_start,.dow]' <<< "${lines[2]}")" = '["2025-07-06T06:00:00Z",0]' ]
	close "$(jq .tod_sin <<< "${lines[2]}")" "$(awk -v OFMT=%.17g 'BEGIN { print sin(2 * 3.141592653589793 * 7 / 24) }')"
}

@test "--normalize zscore (default) and minmax use the feeder's earlier windows" {
	{ r F1 10:00 100; r F1 10:15 200; r F1 10:30 300; r F1 10:45 250; } > in
	run --separate-stderr fx-features -q in
	[ "$status" -eq 0 ]
	feats <(printf '%s\n' "${lines[@]}") | jq -c .z.mean > got
	# window 3: earlier means 100, 200 (sd 70.71); window 4: 100, 200, 300 (sd 100)
	awk -v OFMT=%.17g 'BEGIN { print 0; print 0; print 150 / sqrt(5000); print 0.5 }' > want
	paste got want | while read -r g w; do close "$g" "$w"; done
	[ "$(feats <(printf '%s\n' "${lines[@]}") | jq -c '.z | keys | length' | sort -u)" = 7 ]
	run --separate-stderr fx-features -q --normalize minmax in
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "${lines[@]}" | feats /dev/stdin | jq -c .z.mean | paste -sd' ')" = '0 0 2 0.75' ]
	run --separate-stderr fx-features -q --normalize none in
	[ "$(printf '%s\n' "${lines[@]}" | feats /dev/stdin | jq -c .z | sort -u)" = '{}' ]
}

@test "--normalize scaler:FILE: top level and per feeder" {
	printf '%s\n' '{"features":["mean","max"],"mean":[100,150],"sd":[50,10],' \
	    '"feeders":{"F2":{"features":["rms"],"mean":[0],"sd":[4]}}}' > sc.json
	{ r F1 10:00 200; r F2 10:00 20; } > in
	run --separate-stderr fx-features -q --normalize scaler:sc.json in
	[ "$status" -eq 0 ]
	[ "$(jq -c .z <<< "${lines[2]}")" = '{"mean":2,"max":5}' ]
	[ "$(jq -c .z <<< "${lines[3]}")" = '{"rms":5}' ]
	printf '{"features":["bogus"],"mean":[1],"sd":[1]}\n' > bad.json
	run --separate-stderr fx-features --normalize scaler:bad.json in
	usage_error "fx-features: bad.json: unknown feature 'bogus'"
	printf '{"features":["rms"],"mean":[1],"sd":[0]}\n' > bad.json
	run --separate-stderr fx-features --normalize scaler:bad.json in
	usage_error "fx-features: bad.json: mean must be a number and sd a number > 0 'rms'"
}

@test "a forecast gives one predicted vector per step, with the documented mapping" {
	cat > in <<-'IN'
	{"type":"exo","timestamp":"2025-01-06T10:00:00Z","temperature_c":4}
	{"type":"forecast","feeder_id":"F1","issued_at":"2025-01-06T10:00:00Z","step_min":15,"steps":[{"start":"2025-01-06T10:00:00Z","end":"2025-01-06T10:15:00Z","p50":500,"lo80":450,"hi80":550,"lo95":400,"hi95":600},{"start":"2025-01-06T10:15:00Z","end":"2025-01-06T10:30:00Z","p50":0,"lo80":0,"hi80":0,"lo95":0,"hi95":0}],"model":"m"}
	IN
	run --separate-stderr fx-features in
	[ "$status" -eq 0 ]
	[ "$stderr" = "fx-features: 2 records in: 2 passed, 0 rejected; 2 features written (0 history, 2 predicted)" ]
	[ "${#lines[@]}" -eq 4 ]
	[[ "${lines[2]}" == '{"type":"features","feeder_id":"F1","window_start":"2025-01-06T10:00:00Z","window_end":"2025-01-06T10:15:00Z","segment":"predicted","step":1,"issued_at":"2025-01-06T10:00:00Z","rms":'* ]]
	p=${lines[2]}
	[ "$(jq -c '[.mean,.kurtosis,.min,.max,.lo80,.hi80,.lo95,.hi95,.temperature_c,has("count")]' <<< "$p")" = '[500,3,400,600,450,550,400,600,4,false]' ]
	sd=$(awk -v OFMT=%.17g 'BEGIN { print 200 / (2 * 1.959963984540054) }')
	close "$(jq .variance <<< "$p")" "$(awk -v OFMT=%.17g -v s="$sd" 'BEGIN { print s * s }')"
	close "$(jq .rms <<< "$p")" "$(awk -v OFMT=%.17g -v s="$sd" 'BEGIN { print sqrt(250000 + s * s) }')"
	close "$(jq .crest_factor <<< "$p")" "$(awk -v OFMT=%.17g -v s="$sd" 'BEGIN { print 600 / sqrt(250000 + s * s) }')"
	[ "$(jq -c '[.step,.rms,.crest_factor,.variance,.window_start[11:16]]' <<< "${lines[3]}")" = '[2,0,0,0,"10:15"]' ]
}

@test "--audit marks every features record" {
	{ r F1 10:00 1; r F1 10:20 2; } > in
	run --separate-stderr fx-features -q --audit in
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "${lines[@]}" | feats /dev/stdin | grep -c ',"audit":true}$')" -eq 2 ]
	run --separate-stderr fx-features -q in
	! printf '%s\n' "${lines[@]}" | grep -q audit
}

@test "pass-through is byte-exact; records in = passed + rejected" {
	printf '{"type":"spike", "x" : 1 }\r\n' > in
	printf '{ "load_kw":5,"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T10:00:00.000Z" }\n' >> in
	printf '\n' >> in
	printf '{"type":"state","feeder_id":"\xc3\xa9"}\n' >> in
	printf '{"feeder_id":"F1","type":"reading","timestamp":"2025-01-06T10:16:00+00:00","load_kw":7}' >> in
	run --separate-stderr fx-features in
	[ "$status" -eq 0 ]
	[ "$stderr" = "fx-features: 4 records in: 4 passed, 0 rejected; 2 features written (2 history, 0 predicted)" ]
	fx-features -q in > out
	grep -v '"type":"features"' out > passed
	grep -v '^$' in > want
	cmp want passed
}

@test "bad input: each class is reported, counted, and nothing else lost" {
	cat > in <<-'IN'
	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T10:00:00Z","load_kw":1}
	not json
	{"type":"reading","timestamp":"2025-01-06T10:01:00Z","load_kw":1}
	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T10:02:00Z","load_kw":"abc"}
	{"type":"reading","feeder_id":"F1","timestamp":"yesterday","load_kw":1}
	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T09:59:00Z","load_kw":1}
	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T10:00:00Z","load_kw":2}
	{"type":"exo","timestamp":"2025-01-06T10:00:00Z","temperature_c":"warm"}
	{"type":"exo","timestamp":"2025-01-06T10:00:00Z","temperature_c":3}
	{"type":"exo","timestamp":"2025-01-06T09:00:00Z","temperature_c":3}
	{"type":"forecast","feeder_id":"F1","issued_at":"2025-01-06T10:00:00Z","steps":[{"start":"2025-01-06T10:00:00Z","end":"2025-01-06T10:15:00Z","p50":5,"lo80":6,"hi80":7,"lo95":1,"hi95":9}]}
	{"type":"forecast","feeder_id":"F1","issued_at":"2025-01-06T10:00:00Z"}
	{"type":"forecast","issued_at":"2025-01-06T10:00:00Z","steps":[]}
	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T10:15:00Z","load_kw":3}
	IN
	run --separate-stderr fx-features in
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 5 ]
	[ "${lines[0]}" = "$(sed -n 1p in)" ]
	[ "${lines[1]}" = "$(sed -n 9p in)" ]
	[ "${lines[2]}" = "$(sed -n 14p in)" ]
	[[ "${lines[3]}" == *'"count":1,"rms":1,'*'"temperature_c":3,'* ]]
	[[ "${lines[4]}" == *'"count":1,"rms":3,'* ]]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 12 ]
	[ "${stderr##*$'\n'}" = "fx-features: 14 records in: 3 passed, 11 rejected; 2 features written (2 history, 0 predicted)" ]
	grep -qx "fx-features: in:2: invalid JSON: .*" <<< "$stderr"
	grep -qx "fx-features: in:3: feeder_id: .*" <<< "$stderr"
	grep -qx "fx-features: in:4: load_kw: .*" <<< "$stderr"
	grep -qx "fx-features: in:5: timestamp: .*" <<< "$stderr"
	grep -qx "fx-features: in:6: timestamp: '2025-01-06T09:59:00Z' goes back in time: feeder 'F1' is at '2025-01-06T10:00:00Z'" <<< "$stderr"
	grep -qx "fx-features: in:7: timestamp: '2025-01-06T10:00:00Z' repeats the last reading of feeder 'F1' (duplicate)" <<< "$stderr"
	grep -qx "fx-features: in:8: temperature_c: .*" <<< "$stderr"
	grep -qx "fx-features: in:10: timestamp: '2025-01-06T09:00:00Z' goes back in time: the system-wide exo data is at '2025-01-06T10:00:00Z'" <<< "$stderr"
	grep -qx "fx-features: in:11: steps\[0\]: bounds out of order: want lo95 <= lo80 <= p50 <= hi80 <= hi95" <<< "$stderr"
	grep -qx "fx-features: in:12: steps: not an array of 1 to 96 steps" <<< "$stderr"
	grep -qx "fx-features: in:13: feeder_id: missing, empty or not a string" <<< "$stderr"
}

@test "--errors-inline writes error records; --strict stops at the first bad one" {
	{ r F1 10:00 1; r F1 09:00 1; r F1 10:20 1; } > in
	run --separate-stderr fx-features -q --errors-inline in
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = '{"type":"error","program":"fx-features","input":"in","line":2,"reason":"timestamp: '"'"'2025-01-06T09:00:00Z'"'"' goes back in time: feeder '"'"'F1'"'"' is at '"'"'2025-01-06T10:00:00Z'"'"'"}' ]
	[ "${#lines[@]}" -eq 5 ]
	printf '%s\n' "${lines[@]}" | validate
	run --separate-stderr fx-features --strict in
	[ "$status" -eq 1 ]
	[ "$output" = "$(sed -n 1p in)" ]
	[ "$stderr" = "fx-features: in:2: timestamp: '2025-01-06T09:00:00Z' goes back in time: feeder 'F1' is at '2025-01-06T10:00:00Z'" ]
}

@test "usage and configuration errors exit 2 with a clear message" {
	run --separate-stderr fx-features --window 0
	usage_error "fx-features: --window: not a duration > 0 '0'"
	run --separate-stderr fx-features --hop 1h
	usage_error "fx-features: --hop: longer than the window (3600000 ms > 900000 ms)"
	run --separate-stderr fx-features --normalize l2
	usage_error "fx-features: --normalize: want zscore, minmax, scaler:FILE or none, not 'l2'"
	run --separate-stderr fx-features --holidays nonexistent.json
	usage_error "fx-features: nonexistent.json: No such file or directory"
	printf '{"dates":["2025-13-01"]}\n' > h.json
	run --separate-stderr fx-features --holidays h.json
	usage_error "fx-features: h.json: dates[0]: month out of range"
	run --separate-stderr fx-features --tz Mars/Olympus
	[ "$status" -eq 2 ]
	[[ "$stderr" == "fx-features: --tz: "* ]]
	run --separate-stderr fx-features --bogus
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"usage: fx-features"* ]]
	printf '{"defaults":{},"feeders":[],"features":{"window":15}}\n' > c.json
	run --separate-stderr fx-features -c c.json
	usage_error "fx-features: c.json: features.window: not a string"
}

@test "the config's features section sets defaults; options override it" {
	printf '{"defaults":{},"feeders":[],"features":{"window":"30m","hop":"30m","normalize":"none"}}\n' > c.json
	{ r F1 10:00 1; r F1 10:20 3; r F1 10:40 5; } > in
	run --separate-stderr fx-features -q -c c.json in
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "${lines[@]}" | feats /dev/stdin | jq -c '[.window_start[11:16],.count,.z]' | paste -sd' ')" = '["10:00",2,{}] ["10:30",1,{}]' ]
	run --separate-stderr fx-features -q -c c.json --window 15m --hop 15m in
	[ "$(printf '%s\n' "${lines[@]}" | feats /dev/stdin | wc -l)" -eq 3 ]
	run --separate-stderr fx-features -v -q -c c.json in < /dev/null
	[ "${stderr%%$'\n'*}" = "fx-features: window 1800000 ms, hop 1800000 ms, normalize none, tz UTC, 0 holidays" ]
}

@test "every record emitted validates against its schema; stats hold their identities" {
	fx-sim -n 3 -d 6h > sim
	fx-features --window 30m --hop 10m --audit -q sim > out
	[ "$(count_type features out)" -gt 100 ]
	validate out
	bad=$(feats out | jq -n '[inputs | select((.rms * .rms - (.mean * .mean + .variance)) as $d | $d * $d > 1e-12 * .rms * .rms * .rms * .rms
	    or .min > .mean or .mean > .max or .kurtosis < 1)] | length')
	[ "$bad" -eq 0 ]
}

@test "golden: a slice of ETTm1, recomputed independently with awk" {
	need_shared data
	for d in "$CASES"/0*/; do
		SHARED=$SHARED sh "$d/cmd" > got
		if [ -n "${FX_REGEN:-}" ]; then cp got "$d/expout"; fi
		diff "$d/expout" got
	done
	# mean and population variance of every 1-hour window from the CSV itself
	head -n 194 "$SHARED/data/ETTm1.csv" | awk -F, 'NR > 1 { v[NR - 2] = $2 } END {
		for (w = -3; w < 193; w++) { n = 0; s = 0; q = 0
			for (i = w; i < w + 4; i++) if (i >= 0 && i < 193) { n++; s += v[i]; q += v[i] ^ 2 }
			printf "%d %.9f %.9f\n", n, s / n, q / n - (s / n) ^ 2 } }' > want
	jq -r '"\(.count) \(.mean) \(.variance)"' "$CASES/0001/expout" | awk '{ printf "%d %.9f %.9f\n", $1, $2, $3 }' > got
	diff want got
}

@test "every EXAMPLES line of fx-features(1) runs" {
	ln -s "$SAMPLES" samples
	awk '/^\.Sh EXAMPLES/ { f = 1; next } /^\.Sh/ { f = 0 }
	    f && /^\.Dl / { sub(/^\.Dl /, ""); print }' \
	    "$ROOT/man/fx-features.1" > examples
	[ "$(wc -l < examples)" -ge 3 ]
	while IFS= read -r line; do
		rc=0
		sh -c "$line" < /dev/null > out 2> err || rc=$?
		[ "$rc" -eq 0 ] || { echo "$line: exit $rc: $(cat err)"; return 1; }
		grep -q '"type":"features"' out || { echo "$line: no features"; return 1; }
	done < examples
}
