#!/usr/bin/env bats
# fx-detect: spike events.  Each rule with hand-computed expectations on
# small windows, hold-off and end records, warm-up, per-feeder
# configuration, byte-exact pass-through, every class of bad input and
# its accounting, the options, 1-second and 15-minute data, a spike
# injected by fx-sim, the golden ETTm1 case in test/cases/fx-detect/
# (FX_REGEN=1 rewrites expout; review the diff) and the man page's
# EXAMPLES.

bats_require_minimum_version 1.5.0
load helper

CASES=$ROOT/test/cases/fx-detect

# ser FEEDER START_S STEP_S "v1 v2 ...": readings of FEEDER on 2025-01-06
# from START_S seconds after midnight every STEP_S seconds.
ser() {
	awk -v f="$1" -v t0="$2" -v st="$3" -v vals="$4" 'BEGIN {
		n = split(vals, a, " ")
		for (i = 1; i <= n; i++) {
			s = t0 + (i - 1) * st
			printf "{\"type\":\"reading\",\"feeder_id\":\"%s\",\"timestamp\":\"2025-01-06T%02d:%02d:%02dZ\",\"load_kw\":%s}\n",
			    f, int(s / 3600), int(s % 3600 / 60), s % 60, a[i]
		}
	}'
}

# The spike lines of $output.
spikes() {
	printf '%s\n' "$output" | grep '"type":"spike"' || true
}

summary() {
	printf 'fx-detect: %s records in: %s readings, %s passed through, %s rejected%s; %s feeders (%s not configured); %s spikes started, %s ended, %s open' "$@"
}

usage_error() {
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "$1" ]
}

@test "-h prints the usage on stdout; every option is in the man page" {
	run --separate-stderr fx-detect -h
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "usage: fx-detect [-hqv] [-c config] [-k k] [--crest-max x]" ]
	printf '%s\n' "$output" | grep -oE -- '[[|] ?-[-a-z]+' |
	    sed 's/^[[|] *-//; /^hqv$/d' | sort -u > usage
	sed -n 's/^\.It Fl \([-a-z]*\).*/\1/p' "$ROOT/man/fx-detect.1" | sort -u > man
	[ "$(wc -l < usage)" -ge 13 ]
	run comm -23 usage man
	[ -z "$output" ]
}

@test "limit: alert at 0.8, critical at 0.95 of --limit; end at the first clear reading with --holdoff 0" {
	ser F1 0 60 "50 85 97 50 50" > in
	run --separate-stderr fx-detect --limit 100 --holdoff 0 --rules limit in
	[ "$status" -eq 0 ]
	[ "$stderr" = "$(summary 5 5 0 0 '' 1 1 1 1 0)" ]
	[ "${#lines[@]}" -eq 7 ]
	# Readings first, byte for byte, then the spike they caused.
	[ "${lines[1]}" = "$(sed -n 2p in)" ]
	# {50, 85}: mean 67.5, sd 35/sqrt(2) = 24.749, rms sqrt(4862.5) =
	# 69.732, crest 85/69.732 = 1.219, kurtosis of two values 0.25.
	[ "${lines[2]}" = '{"type":"spike","feeder_id":"F1","timestamp":"2025-01-06T00:01:00Z","phase":"start","rule":"limit","severity":"alert","value_kw":85,"peak_kw":85,"started_at":"2025-01-06T00:01:00Z","ended_at":null,"duration_s":null,"thresholds":{"limit_kw":100,"alert_kw":80,"critical_kw":95},"features":{"window_s":900,"count":2,"mean":67.5,"sd":24.749,"min":50,"max":85,"rms":69.732,"crest_factor":1.219,"kurtosis":0.25,"rate_kw_per_min":35}}' ]
	# The end carries the highest severity reached (97 >= 95) and peak.
	# {50, 85, 97, 50}: mean 70.5, rms sqrt(21634/4) = 73.543.
	[ "${lines[5]}" = '{"type":"spike","feeder_id":"F1","timestamp":"2025-01-06T00:03:00Z","phase":"end","rule":"limit","severity":"critical","value_kw":50,"peak_kw":97,"started_at":"2025-01-06T00:01:00Z","ended_at":"2025-01-06T00:03:00Z","duration_s":120,"thresholds":{"limit_kw":100,"alert_kw":80,"critical_kw":95},"features":{"window_s":900,"count":4,"mean":70.5,"sd":24.173,"min":50,"max":97,"rms":73.543,"crest_factor":1.319,"kurtosis":0.6521,"rate_kw_per_min":-47}}' ]
	printf '%s\n' "$output" | validate
}

@test "hold-off: a flicker inside the hold-off is one spike; the end comes when it has run out" {
	ser F1 0 60 "50 85 50 85 50 50 50 50 50" |
	    { run --separate-stderr fx-detect -q --limit 100 --holdoff 3m --rules limit
	      [ "$status" -eq 0 ]; [ -z "$stderr" ]; spikes > got; }
	[ "$(wc -l < got)" -eq 2 ]
	# Clear from 00:04; 3 minutes later, at 00:07, the end: it lasted
	# from 00:01 to 00:04.
	grep -q '"timestamp":"2025-01-06T00:01:00Z","phase":"start"' got
	grep -q '"timestamp":"2025-01-06T00:07:00Z","phase":"end","rule":"limit","severity":"alert","value_kw":50,"peak_kw":85,"started_at":"2025-01-06T00:01:00Z","ended_at":"2025-01-06T00:04:00Z","duration_s":180,' got
	# The default hold-off is 5 minutes: the end at 00:09 needs input to
	# 00:09; with less the spike stays open and the summary says so.
	ser F1 0 60 "50 85 50 50 50 50 50" > in
	run --separate-stderr fx-detect --limit 100 --rules limit in
	[ "$(spikes | grep -c '"phase":"end"')" -eq 0 ]
	[ "$stderr" = "$(summary 7 7 0 0 '' 1 1 1 0 1)" ]
	ser F1 420 60 "50 50" >> in
	run --separate-stderr fx-detect -q --limit 100 --rules limit in
	spikes | grep -q '"timestamp":"2025-01-06T00:07:00Z","phase":"end"'
}

@test "deviation: |x - mean| > k sd of the window before x; both sides; k and the band in the record" {
	# Baseline 99,101 x5 over --window 11m: mean 100, sd sqrt(10/9) =
	# 1.05409, band 4 sd = 4.21637: 104.3 and 95.7 fire, 104.2 does not.
	base="99 101 99 101 99 101 99 101 99 101"
	for last in 104.3 104.2 95.7; do
		ser F1 0 60 "$base $last" | fx-detect -q --rules deviation --window 11m > out.$last
	done
	[ "$(grep '"type":"spike"' out.104.3)" = '{"type":"spike","feeder_id":"F1","timestamp":"2025-01-06T00:10:00Z","phase":"start","rule":"deviation","severity":null,"value_kw":104.3,"peak_kw":104.3,"started_at":"2025-01-06T00:10:00Z","ended_at":null,"duration_s":null,"thresholds":{"k":4,"window_s":660,"mean_kw":100,"sd_kw":1.054,"lower_kw":95.784,"upper_kw":104.216},"features":{"window_s":900,"count":11,"mean":100.391,"sd":1.637,"min":99,"max":104.3,"rms":100.403,"crest_factor":1.0388,"kurtosis":3.199,"rate_kw_per_min":3.3}}' ]
	[ "$(count_type spike out.104.2)" -eq 0 ]
	[ "$(count_type spike out.95.7)" -eq 1 ]
	# -k 5: band 5.27, so 104.3 is quiet.
	ser F1 0 60 "$base 104.3" | fx-detect -q --rules deviation --window 11m -k 5 > k5
	[ "$(count_type spike k5)" -eq 0 ]
	validate out.104.3 out.95.7
}

@test "warm-up: no deviation spike until min_history readings span half the window; -v says so" {
	# 5 readings then a 200: too little history, nothing fires.
	ser F1 0 60 "99 101 99 101 99 200" > in
	run --separate-stderr fx-detect --rules deviation --window 11m -v in
	[ "$status" -eq 0 ]
	[ "$(spikes | wc -l)" -eq 0 ]
	[ "${stderr%%$'\n'*}" = "fx-detect: F1: deviation rule warming up at 2025-01-06T00:00:00Z" ]
	# --min-history 11: the 11th reading's baseline holds only 10.
	ser F1 0 60 "99 101 99 101 99 101 99 101 99 101 95.7" > in
	run --separate-stderr fx-detect -q --rules deviation --window 11m --min-history 11 in
	[ "$(spikes | wc -l)" -eq 0 ]
	# Eight readings over 7 minutes is history enough for a 11m window
	# (half is 5.5m): ready at the ninth, and -v says when.
	ser F1 0 60 "99 101 99 101 99 101 99 101 130" > in
	run --separate-stderr fx-detect --rules deviation --window 11m -v in
	[ "$(spikes | wc -l)" -eq 1 ]
	[[ "$stderr" == *"fx-detect: F1: deviation rule ready at 2025-01-06T00:08:00Z"* ]]
}

@test "rate: |dx/dt| over --rate kW/min, at any spacing" {
	# 30 s apart: +4 kW is 8 kW/min, +6 kW is 12 kW/min, +1 is 2.
	ser F1 0 30 "100 104 110 111" > in
	run --separate-stderr fx-detect -q --rules rate --rate 10 --holdoff 0 in
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(spikes | head -1)" = '{"type":"spike","feeder_id":"F1","timestamp":"2025-01-06T00:01:00Z","phase":"start","rule":"rate","severity":null,"value_kw":110,"peak_kw":110,"started_at":"2025-01-06T00:01:00Z","ended_at":null,"duration_s":null,"thresholds":{"rate_kw_per_min":10},"features":{"window_s":900,"count":3,"mean":104.667,"sd":5.033,"min":100,"max":110,"rms":104.747,"crest_factor":1.0501,"kurtosis":0.6667,"rate_kw_per_min":12}}' ]
	spikes | sed -n 2p | grep -q '"timestamp":"2025-01-06T00:01:30Z","phase":"end","rule":"rate",.*"duration_s":30,'
	# A fall counts too; and the rule is off without a threshold.
	ser F1 0 60 "100 80" | fx-detect -q --rules rate --rate 10 > down
	[ "$(count_type spike down)" -eq 1 ]
	ser F1 0 60 "100 80" | fx-detect -q > off
	[ "$(count_type spike off)" -eq 0 ]
}

@test "crest: a reading over crest_max times the feature window's RMS" {
	# Ten 100s then 200: rms sqrt((10e4 * 10 + 4e4) / 11) = 112.815,
	# 200 / 112.815 = 1.773 > 1.5 (default); --crest-max 1.8 is quiet.
	ser F1 0 60 "100 100 100 100 100 100 100 100 100 100 200" > in
	run --separate-stderr fx-detect -q --rules crest in
	[ "$status" -eq 0 ]
	[ "$(spikes)" = '{"type":"spike","feeder_id":"F1","timestamp":"2025-01-06T00:10:00Z","phase":"start","rule":"crest","severity":null,"value_kw":200,"peak_kw":200,"started_at":"2025-01-06T00:10:00Z","ended_at":null,"duration_s":null,"thresholds":{"crest_max":1.5},"features":{"window_s":900,"count":11,"mean":109.091,"sd":30.151,"min":100,"max":200,"rms":112.815,"crest_factor":1.7728,"kurtosis":7.5207,"rate_kw_per_min":100}}' ]
	run --separate-stderr fx-detect -q --rules crest --crest-max 1.8 in
	[ "$(spikes | wc -l)" -eq 0 ]
	# --feature-window 5m: 8 readings never fit, so it never warms up.
	run --separate-stderr fx-detect -q --rules crest --feature-window 5m in
	[ "$(spikes | wc -l)" -eq 0 ]
}

@test "rms: the feature window's RMS over rms_ratio (default alert_ratio) of the limit" {
	ser F1 0 60 "85 85 85 85 85 85 85 85 85" > in
	run --separate-stderr fx-detect -q --rules rms --limit 100 in
	[ "$status" -eq 0 ]
	# Ready at the ninth reading: 8 readings over 8 minutes >= 7.5.
	[ "$(spikes)" = '{"type":"spike","feeder_id":"F1","timestamp":"2025-01-06T00:08:00Z","phase":"start","rule":"rms","severity":"alert","value_kw":85,"peak_kw":85,"started_at":"2025-01-06T00:08:00Z","ended_at":null,"duration_s":null,"thresholds":{"limit_kw":100,"rms_kw":80},"features":{"window_s":900,"count":9,"mean":85,"sd":0,"min":85,"max":85,"rms":85,"crest_factor":1,"kurtosis":3,"rate_kw_per_min":0}}' ]
	# No limit, no limit or rms rule.
	run --separate-stderr fx-detect -q --rules rms,limit in
	[ "$(spikes | wc -l)" -eq 0 ]
}

@test "per-feeder configuration: own detect object, defaults.detect, top-level detect; CLI between" {
	cat > cfg.json <<-'EOF'
	{ "defaults": { "limit_kw": 100, "detect": { "holdoff": 0 } },
	  "detect": { "rules": ["limit"], "holdoff": "1h" },
	  "feeders": [ { "id": "A", "limit_kw": 200, "alert_ratio": 0.5, "critical_ratio": 0.9,
	                 "detect": { "rules": "limit,rate", "rate_kw_per_min": 5 } },
	               { "id": "B" } ] }
	EOF
	{ ser A 0 60 "90 101 50"; ser B 0 60 "90 101 50"; ser C 0 60 "90 101 50"; } > in
	run --separate-stderr fx-detect -c cfg.json in
	[ "$status" -eq 0 ]
	[ "$stderr" = "$(summary 9 9 0 0 '' 3 1 4 3 1)" ]
	spikes > got
	# A: alert at 100 (0.5 of 200): fires at 101; rate 11 then -51
	# kW/min: one rate spike, still open.
	grep -q '"feeder_id":"A","timestamp":"2025-01-06T00:01:00Z","phase":"start","rule":"limit","severity":"alert".*"alert_kw":100,"critical_kw":180' got
	[ "$(grep -c '"feeder_id":"A".*"rule":"rate"' got)" -eq 1 ]
	# B and C: defaults (limit 100, holdoff 0 from defaults.detect).
	grep -q '"feeder_id":"B","timestamp":"2025-01-06T00:02:00Z","phase":"end"' got
	grep -q '"feeder_id":"C","timestamp":"2025-01-06T00:02:00Z","phase":"end"' got
	# --holdoff on the command line overrides defaults.detect: no end;
	# --limit overrides "defaults" (alert 120), not A's own limit_kw.
	run --separate-stderr fx-detect -q -c cfg.json --holdoff 10m --limit 150 in
	[ "$(spikes | grep -c '"phase":"end"')" -eq 0 ]
	[ "$(spikes | grep -vc '"feeder_id":"A"')" -eq 0 ]
	[ "$(spikes | wc -l)" -eq 2 ]
	validate got
}

@test "--known-only: unconfigured feeders pass through undetected, one warning each" {
	printf '{ "defaults": {}, "feeders": [ { "id": "A", "limit_kw": 100 } ] }\n' > cfg.json
	{ ser A 0 60 "90 95"; ser Z 0 60 "90 95"; } > in
	run --separate-stderr fx-detect -c cfg.json --known-only in
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 5 ]
	[ "$(spikes | grep -c '"feeder_id":"A"')" -eq 1 ]
	[ "${stderr%%$'\n'*}" = "fx-detect: warning: Z: not in the configuration; passed through without detection" ]
	run --separate-stderr fx-detect --known-only in
	usage_error "fx-detect: --known-only needs a configuration with feeders"
}

@test "pass-through is byte-exact: other types, CRLF, unpeekable lines, no final newline" {
	printf '{"type":"exo","timestamp":"2025-01-06T00:00:00Z","temperature_c":3.5}\r\n' > in
	printf '{ "type" : "reading", "feeder_id":"F1","timestamp":"2025-01-06T00:00:00Z","load_kw":1.50}\r\n' >> in
	printf '{"type":"mystery","x":[1,2,{"y":null}]}\n' >> in
	printf '{"a":1,"type":"forecast"}\n' >> in
	printf '{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T00:01:00+00:00","load_kw":2e0}' >> in
	run --separate-stderr fx-detect in
	[ "$status" -eq 0 ]
	[ "$stderr" = "$(summary 5 2 3 0 '' 1 1 0 0 0)" ]
	{ cat in; echo; } > want
	fx-detect -q in | cmp - want
}

@test "bad input: each class reported at its line, counted, not passed; the rest intact" {
	ser F1 0 60 "1 2" > in
	cat >> in <<-'EOF'
	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T00:03:00Z","load_kw":"abc"}
	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T00:03:00Z"}
	{"type":"reading","timestamp":"2025-01-06T00:03:00Z","load_kw":1}
	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06 00:03","load_kw":1}
	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T00:00:30Z","load_kw":1}
	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T00:01:00Z","load_kw":1}
	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T00:03:00Z","load_kw":1e200}
	{"type":"reading","feeder_id":"F1",
	[1,2]
	{"feeder_id":"F1"}

	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T00:03:00Z","load_kw":3}
	EOF
	run --separate-stderr fx-detect in
	[ "$status" -eq 0 ]
	[ "$output" = "$(sed -n '1p;2p;14p' in)" ]
	printf '%s\n' "$stderr" > err
	[ "$(sed -n 1p err)" = "fx-detect: in:3: load_kw: not a number" ]
	[ "$(sed -n 2p err)" = "fx-detect: in:4: load_kw: missing" ]
	[ "$(sed -n 3p err)" = "fx-detect: in:5: feeder_id: missing or not a non-empty string" ]
	[[ "$(sed -n 4p err)" == "fx-detect: in:6: timestamp: "*"'2025-01-06 00:03'" ]]
	[ "$(sed -n 5p err)" = "fx-detect: in:7: timestamp: before F1's last reading at 2025-01-06T00:01:00Z" ]
	[ "$(sed -n 6p err)" = "fx-detect: in:8: timestamp: duplicate of F1's last reading at 2025-01-06T00:01:00Z" ]
	[ "$(sed -n 7p err)" = "fx-detect: in:9: load_kw: out of range '1e+200'" ]
	[[ "$(sed -n 8p err)" == "fx-detect: in:10: invalid JSON: "* ]]
	[ "$(sed -n 9p err)" = "fx-detect: in:11: record is a JSON array, not an object" ]
	[ "$(sed -n 10p err)" = 'fx-detect: in:12: record has no string "type"' ]
	[[ "$(sed -n 11p err)" == "fx-detect: in:13: invalid JSON: "* ]]
	# records in = out + rejected: 14 = 3 + 11.
	[ "$(sed -n 12p err)" = "$(summary 14 3 0 11 ' (4 invalid, 4 bad field, 1 out of range, 1 time going backwards, 1 duplicate)' 1 1 0 0 0)" ]
}

@test "--strict ends at the first bad line with exit 1; -q drops the summary" {
	{ ser F1 0 60 "1 2"; echo '{"type":"reading"}'; ser F1 180 60 "3"; } > in
	run --separate-stderr fx-detect --strict in
	[ "$status" -eq 1 ]
	[ "$output" = "$(sed -n 1,2p in)" ]
	[ "$stderr" = "fx-detect: in:3: feeder_id: missing or not a non-empty string" ]
	run --separate-stderr fx-detect -q in
	[ "$status" -eq 0 ]
	[ "$stderr" = "fx-detect: in:3: feeder_id: missing or not a non-empty string" ]
	[ "${#lines[@]}" -eq 3 ]
}

@test "--errors-inline: an error record in the stream as well as on stderr" {
	{ ser F1 0 60 "1"; echo 'nope'; ser F1 0 60 "2"; } | {
		run --separate-stderr fx-detect -q --errors-inline
		[ "$status" -eq 0 ]
		[ "${lines[1]}" = '{"type":"error","program":"fx-detect","input":"stdin","line":2,"reason":"invalid JSON: Invalid literal at EOF at line 1, column 4 (while parsing '"'nope'"')"}' ] ||
		    [[ "${lines[1]}" == '{"type":"error","program":"fx-detect","input":"stdin","line":2,"reason":"invalid JSON: '* ]]
		[[ "${lines[2]}" == '{"type":"error","program":"fx-detect","input":"stdin","line":3,"reason":"timestamp: duplicate of F1'* ]]
		[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 2 ]
		printf '%s\n' "$output" | validate; }
}

@test "several files: one stream, state carried over, errors name the file" {
	ser F1 0 60 "50 85" > a
	ser F1 60 60 "90 50" > b
	run --separate-stderr fx-detect --limit 100 --holdoff 0 --rules limit a b
	[ "$status" -eq 0 ]
	# Started by a, ended by b's 50.
	[ "$(spikes | wc -l)" -eq 2 ]
	[[ "$stderr" == "fx-detect: b:1: timestamp: duplicate of F1's last reading at 2025-01-06T00:01:00Z"* ]]
	run --separate-stderr fx-detect a missing
	[ "$status" -eq 1 ]
	[[ "$stderr" == "fx-detect: missing: "* ]]
}

@test "1-second data: a 3 s burst is one spike per rule, ended after the hold-off" {
	vals=$(awk 'BEGIN { for (i = 0; i < 600; i++) printf "%s ", (i >= 300 && i < 303) ? 180 : 100 + (i % 2) }')
	ser F1 0 1 "$vals" > in
	run --separate-stderr fx-detect -q --limit 200 --holdoff 30s --window 5m --feature-window 5m in
	[ "$status" -eq 0 ]
	spikes > got
	# limit (160 alert), deviation and crest: a start at 00:05:00 each,
	# ended 30 s after the burst (00:05:03 + 30 s).
	[ "$(grep -c '"timestamp":"2025-01-06T00:05:00Z","phase":"start"' got)" -eq 3 ]
	[ "$(grep -c '"timestamp":"2025-01-06T00:05:33Z","phase":"end".*"duration_s":3,' got)" -eq 3 ]
	validate got
}

@test "15-minute data: warm-up needs a wider window; then deviation and limit fire" {
	vals=$(awk 'BEGIN { for (i = 0; i < 40; i++) printf "%s ", i == 30 ? 400 : 200 + 3 * (i % 3) }')
	ser F1 0 900 "$vals" > in
	# Default window 1h holds 4 readings at most: never warm.
	run --separate-stderr fx-detect -q --rules deviation in
	[ "$(spikes | wc -l)" -eq 0 ]
	run --separate-stderr fx-detect -q --rules deviation,limit --window 4h --limit 450 in
	[ "$status" -eq 0 ]
	spikes > got
	grep -q '"timestamp":"2025-01-06T07:30:00Z","phase":"start","rule":"limit","severity":"alert"' got
	grep -q '"timestamp":"2025-01-06T07:30:00Z","phase":"start","rule":"deviation"' got
	# Clear at 07:45; the next reading, 08:00, is past the 5m hold-off.
	grep -q '"timestamp":"2025-01-06T08:00:00Z","phase":"end","rule":"limit".*"ended_at":"2025-01-06T07:45:00Z"' got
}

@test "fx-sim: a 250 kW spike on F001 at 18:00 is detected at 18:00 and ends after it" {
	fx-sim --spike F001@2025-01-06T18:00:00Z+20m:250 > in
	run --separate-stderr fx-detect --limit 700 --rules limit,crest in
	[ "$status" -eq 0 ]
	spikes > got
	grep -q '"feeder_id":"F001","timestamp":"2025-01-06T18:00:00Z","phase":"start","rule":"limit","severity":"critical"' got
	grep -q '"feeder_id":"F001","timestamp":"2025-01-06T18:00:00Z","phase":"start","rule":"crest"' got
	grep -q '"feeder_id":"F001","timestamp":"2025-01-06T18:26:00Z","phase":"end","rule":"limit".*"ended_at":"2025-01-06T18:21:00Z"' got
	# Nothing fires without the spike.
	[ "$(grep -c "\"phase\":\"start\"" got)" -eq 2 ]
	# Everything fx-sim wrote is there, in order.
	grep -v '"type":"spike"' <<< "$output" | cmp - in
	validate got
}

@test "golden: ETTm1, the first week at 15 minutes" {
	need_shared data
	head -673 "$SHARED/data/ETTm1.csv" > ett.csv
	if [ -x "$FX_BIN/fx-ingest" ]; then
		fx-ingest -q -f T1 -l HUFL -t date -z UTC ett.csv > in
	else
		awk -F, 'NR > 1 { sub(/ /, "T", $1)
		    printf "{\"type\":\"reading\",\"feeder_id\":\"T1\",\"timestamp\":\"%sZ\",\"load_kw\":%s}\n", $1, $2 }' ett.csv > in
	fi
	for c in "$CASES"/0*/; do
		run --separate-stderr sh -c "$(grep -v '^#' "$c/cmd")" < in
		[ "$status" -eq 0 ]
		spikes > got
		if [ -n "${FX_REGEN:-}" ]; then cp got "$c/expout"; fi
		diff -u "$c/expout" got
		validate got
	done
}

@test "bad options and configuration: exit 2, the reason" {
	run --separate-stderr fx-detect --rules limit,bogus
	[ "$status" -eq 2 ]
	[ "${stderr%%$'\n'*}" = "fx-detect: --rules: not a list of limit, deviation, rate, crest, rms 'limit,bogus'" ]
	run --separate-stderr fx-detect --window 0
	[ "${stderr%%$'\n'*}" = "fx-detect: --window: not a duration '0'" ]
	run --separate-stderr fx-detect -k -1
	[ "${stderr%%$'\n'*}" = "fx-detect: -k: not a number > 0 '-1'" ]
	run --separate-stderr fx-detect --min-history 1
	[ "${stderr%%$'\n'*}" = "fx-detect: --min-history: not an integer >= 2 '1'" ]
	printf '{ "defaults": {}, "feeders": [ { "id": "A", "detect": { "kk": 3 } } ] }\n' > c1
	run --separate-stderr fx-detect -c c1 < /dev/null
	usage_error "fx-detect: c1: feeder A.detect: unknown key 'kk'"
	printf '{ "defaults": {}, "feeders": [], "detect": { "holdoff": "soon" } }\n' > c2
	run --separate-stderr fx-detect -c c2 < /dev/null
	usage_error "fx-detect: c2: defaults.detect.holdoff: not a duration"
	printf '{ "defaults": { "detect": { "k": "4" } }, "feeders": [] }\n' > c3
	run --separate-stderr fx-detect -c c3 < /dev/null
	usage_error "fx-detect: c3: defaults.detect.k: not a number"
	run --separate-stderr fx-detect -c nonexistent < /dev/null
	[ "$status" -eq 2 ]
}

@test "every EXAMPLES line of fx-detect(1) runs" {
	ln -s "$SAMPLES" samples
	awk '/^\.Sh EXAMPLES/ { f = 1; next } /^\.Sh/ { f = 0 }
	    f && /^\.Dl / { sub(/^\.Dl /, ""); gsub(/\\-/, "-"); gsub(/\\\(ba/, "|"); print }' \
	    "$ROOT/man/fx-detect.1" > examples
	[ "$(wc -l < examples)" -ge 4 ]
	while IFS= read -r line; do
		run --separate-stderr sh -c "$line" < /dev/null
		[ "$status" -eq 0 ] || { echo "$line: exit $status: $stderr"; return 1; }
	done < examples
}
