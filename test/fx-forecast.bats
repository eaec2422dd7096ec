#!/usr/bin/env bats
# fx-forecast: binning, when forecasts are written, the models and their
# fallbacks, the intervals, exogenous inputs, configuration and bad input.
# Expected values are recomputed from the input with awk, jq or Python,
# never taken from the program's earlier output.

bats_require_minimum_version 1.5.0
load helper

T0=1736121600	# 2025-01-06T00:00:00Z, a Monday

# series FEEDER OFFSET STEP N EXPR: N readings of FEEDER, STEP seconds
# apart from T0 + OFFSET seconds; load_kw is the jq expression EXPR of $i
# (0 first).
series() {
	jq -nc --arg f "$1" --argjson t0 "$((T0 + $2))" --argjson dt "$3" \
	    --argjson n "$4" "range(0; \$n) as \$i | {type: \"reading\",
	    feeder_id: \$f, timestamp: (\$t0 + \$i * \$dt | todate),
	    load_kw: ($5)}"
}

# fc FILE: the forecast records of FILE.
fc() {
	grep '"type":"forecast"' "$1" || true
}

usage_error() {
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "$1" ]
}

# option_error OPTION: exit 2, nothing on stdout, one line on stderr that
# names the option.
option_error() {
	[ "$status" -eq 2 ] || { echo "exit $status"; return 1; }
	[ -z "$output" ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" == "fx-forecast: $1: "* ]] || { echo "stderr: $stderr"; return 1; }
}

# in_order FILE EVERY: every forecast of FILE is issued at a multiple of
# EVERY seconds, after every reading of its feeder before it, and is
# followed at once by its feeder's reading that reached issued_at (at or
# after it, before the next multiple).
in_order() {
	jq -r '[.type, .feeder_id // "", ((.timestamp // .issued_at) | fromdate)] | @tsv' "$1" |
	awk -F'\t' -v every="$2" '
	want { if ($1 != "reading" || $2 != wf || $3 < wt || $3 >= wt + every) {
		print "line " NR ": not the reading that reached the forecast before it"; bad = 1 }
		want = 0 }
	$1 == "forecast" { n++
		if (($2 in last) && last[$2] >= $3) { print "line " NR ": issued at or before a reading already seen"; bad = 1 }
		if ($3 % every != 0) { print "line " NR ": issued_at not a multiple of " every " s"; bad = 1 }
		want = 1; wf = $2; wt = $3 }
	$1 == "reading" { last[$2] = $3 }
	END { if (want) { print "a forecast at the end"; bad = 1 }
		if (n == 0) { print "no forecasts"; bad = 1 }
		exit bad }'
}

@test "-h prints the usage, every option of which is in the man page" {
	run --separate-stderr fx-forecast -h
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "usage: fx-forecast [-hqv] [-c config] [--errors-inline] [--every duration]" ]
	printf '%s\n' "$output" | grep -oE -- '\[-[-a-z]+' | sed 's/^\[-//; /^hqv$/d' | sort -u > usage
	sed -n 's/^\.It Fl \([-a-z]*\).*/\1/p' "$ROOT/man/fx-forecast.1" | sort -u > man
	[ "$(wc -l < usage)" -ge 8 ]
	run comm -23 usage man
	[ -z "$output" ]
	run mandoc -Tlint -Wwarning "$ROOT/man/fx-forecast.1"
	[ -z "$output" ]
}

@test "every input record passes through byte for byte, in order" {
	fx-sim -n 2 -d 3h > sim
	{ head -n 100 sim
	  printf '{"type":"spike", "x" : 1 }\r\n'
	  printf '{ "load_kw":5,"type":"reading","feeder_id":"F9","timestamp":"2025-01-06T00:49:00.000Z" }\n'
	  printf '\n'
	  printf '{"type":"state","feeder_id":"\xc3\xa9"}\n'
	  printf '{"type":"forecast","feeder_id":"F0","issued_at":"2025-01-06T00:50:00Z"}\n'
	  tail -n +101 sim
	  printf '{"feeder_id":"F001","type":"reading","timestamp":"2025-01-06T03:00:00+00:00","load_kw":7}'; } > in
	run --separate-stderr fx-forecast in
	[ "$status" -eq 0 ]
	n=$(grep -vc '^$' in)
	[ "$stderr" = "fx-forecast: $n records in: $n passed, 0 rejected; 49 forecasts written" ]
	fx-forecast -q in > out
	[ "$(fc out | wc -l)" -eq 50 ]	# the one forecast of the input, and 49
	grep -v '"type":"forecast","feeder_id":"F00' out > passed
	grep -v '^$' in > want
	cmp want passed
}

@test "no forecast before an hour of history; the first comes with the reading that completes it" {
	series F1 0 900 4 '100 + 10 * $i' > in	# 00:00 .. 00:45
	run --separate-stderr fx-forecast in
	[ "$status" -eq 0 ]
	[ "$stderr" = "fx-forecast: 4 records in: 4 passed, 0 rejected; 0 forecasts written" ]
	[ "$output" = "$(cat in)" ]
	series F1 3600 900 1 140 >> in		# 01:00
	run --separate-stderr fx-forecast in
	[ "$status" -eq 0 ]
	[ "$stderr" = "fx-forecast: 5 records in: 5 passed, 0 rejected; 1 forecasts written" ]
	[ "${#lines[@]}" -eq 6 ]
	[ "${lines[5]}" = "$(sed -n 5p in)" ]
	[ "$(jq -c '[.feeder_id, .issued_at, .step_min, (.steps | length), .steps[0].start, .steps[3].end, .history_bins, .errors, has("observed")]' <<< "${lines[4]}")" = \
	    '["F1","2025-01-06T01:00:00Z",15,4,"2025-01-06T01:00:00Z","2025-01-06T02:00:00Z",4,3,false]' ]
	# minute readings: bins of 15, still the first at 01:00
	series F1 0 60 60 '100 + $i % 7' > m
	[ -z "$(fx-forecast -q m | fc /dev/stdin)" ]
	series F1 3600 60 1 100 >> m
	fx-forecast -q m > out
	[ "$(fc out | jq -r .issued_at)" = 2025-01-06T01:00:00Z ]
	[ "$(tail -n 2 out | head -n 1 | jq -r .type)" = forecast ]
	# 30-minute and hourly readings: an hour is two bins, and one
	series F1 0 1800 2 '100 + $i' > h
	[ -z "$(fx-forecast -q h | fc /dev/stdin)" ]
	series F1 3600 1800 1 90 >> h
	[ "$(fx-forecast -q h | fc /dev/stdin | jq -c '[.issued_at, .step_min, .history_bins]')" = '["2025-01-06T01:00:00Z",30,2]' ]
	series F1 0 3600 2 '100 + $i' > hh
	[ "$(fx-forecast -q hh | fc /dev/stdin | jq -c '[.issued_at, .step_min, .history_bins, (.steps | length)]')" = '["2025-01-06T01:00:00Z",60,1,1]' ]
}

@test "one forecast per --every of event time (5m by default), issued at its multiples" {
	series F1 0 900 24 '200 + $i % 5' > q	# 00:00 .. 05:45
	fx-forecast -q q > out
	# readings 15 minutes apart: one forecast per reading from 01:00
	fc out | jq -r .issued_at > got
	jq -nr "range(4; 24) | $T0 + . * 900 | todate" > want
	diff want got
	fx-forecast -q --every 1h q > out
	[ "$(fc out | jq -r '.issued_at[11:16]' | paste -sd' ')" = "01:00 02:00 03:00 04:00 05:00" ]
	# minute readings: every 5 minutes from 01:00 to 05:55
	series F1 0 60 360 '300 + $i % 13' > m
	fx-forecast -q m > out
	fc out | jq -r .issued_at > got
	jq -nr "range(12; 72) | $T0 + . * 300 | todate" > want
	diff want got
	in_order out 300
	for e in 7m:420 10m:600 1h30m:5400 3600:3600; do
		fx-forecast -q --every "${e%:*}" m > out
		in_order out "${e#*:}"
		# one per multiple: consecutive issues are --every apart
		[ "$(fc out | jq -r '.issued_at | fromdate' | awk -v e="${e#*:}" 'NR > 1 && $1 - p != e { bad = 1 } { p = $1 } END { print bad + 0 }')" = 0 ]
	done
}

@test "each forecast is written before the reading that reached issued_at, after those before it" {
	fx-sim -n 3 -d 5h > sim
	fx-forecast -q sim > out
	[ "$(count_type forecast out)" -eq 144 ]	# 3 feeders x 48
	in_order out 300
	# three feeders on different grids, interleaved
	{ series A 0 60 300 '100 + $i % 9'; series B 0 300 60 '200 + $i % 4'; series C 420 900 20 '50 + $i'; } |
	    jq -sc 'sort_by(.timestamp)[]' > mix
	fx-forecast -q mix > out
	in_order out 300
	fx-forecast -q --every 20m mix > out
	in_order out 1200
}

@test "the grid: 4 x 15 min for 15-min or finer data, 3 x 20, 2 x 30, 1 x 60 for coarser; --step forces it" {
	check() {	# FILE WANT [OPTION...]
		local f=$1 want=$2 got
		shift 2
		got=$(fx-forecast -q "$@" "$f" | fc /dev/stdin | jq -c '[.step_min, (.steps | length)]' | sort -u)
		[ "$got" = "$want" ] || { echo "$f $*: want $want, got $got"; return 1; }
		# steps are the consecutive bins of the grid from the one holding issued_at
		fx-forecast -q "$@" "$f" | fc /dev/stdin | jq -e -s 'length > 0 and all(.[];
		    (.step_min * 60) as $s | (.issued_at | fromdate) as $t | [.steps[] | [(.start | fromdate), (.end | fromdate)]] as $b
		    | $b[0][0] == $t - $t % $s and all(range(0; $b | length); $b[.][1] - $b[.][0] == $s)
		    and all(range(1; $b | length); $b[.][0] == $b[. - 1][1]))' > /dev/null ||
		    { echo "$f $*: steps not the bins from issued_at"; return 1; }
	}
	series F1 0 60 240 '300 + $i % 11' > d1
	series F1 0 600 24 '300 + $i % 5' > d10
	series F1 0 900 16 '300 + $i % 5' > d15
	series F1 0 1200 12 '300 + $i % 5' > d20
	series F1 0 1800 8 '300 + $i % 5' > d30
	series F1 0 2400 8 '300 + $i % 5' > d40
	series F1 0 3600 5 '300 + $i % 5' > d60
	# the grid comes from the smallest gap among the first readings
	{ series F1 0 1800 2 300; series F1 2700 900 12 '300 + $i % 5'; } > d30-15
	check d30-15 '[15,4]'
	check d1 '[15,4]'
	check d10 '[15,4]'
	check d15 '[15,4]'
	check d20 '[20,3]'
	check d30 '[30,2]'
	check d40 '[60,1]'
	check d60 '[60,1]'
	check d1 '[30,2]' --step 30m
	check d15 '[30,2]' --step 30m
	check d15 '[20,3]' --step 20m
	check d1 '[60,1]' --step 1h
	check d15 '[60,1]' --step 3600
}

@test "readings 2 h apart: a warning, and no forecasts for that feeder" {
	{ series F1 0 7200 5 5; series F2 0 900 40 '9 + $i % 2'; } | jq -sc 'sort_by(.timestamp)[]' > in
	run --separate-stderr fx-forecast in
	[ "$status" -eq 0 ]
	[ "$stderr" = "fx-forecast: warning: feeder 'F1': readings 7200 s apart are too coarse to forecast the next hour; no forecasts for it
fx-forecast: 45 records in: 45 passed, 0 rejected; 36 forecasts written" ]
	[ "$(printf '%s\n' "${lines[@]}" | fc /dev/stdin | jq -r .feeder_id | sort -u)" = F2 ]
	[ "$(printf '%s\n' "${lines[@]}" | grep -v '"type":"forecast"')" = "$(cat in)" ]
}

@test "mid-bin forecasts blend step 1 with the readings the bin has seen (persistence, checked in awk)" {
	series F1 0 300 36 '100 + ($i * 7) % 23' > d5	# 3 hours of 5-minute readings
	series F1 0 60 180 '100 + ($i * 11) % 37' > d1
	for f in d5 d1; do
		fx-forecast -q --model persistence "$f" > out
		jq -r 'select(.type == "reading") | [(.timestamp | fromdate), .load_kw] | @tsv' "$f" > rd
		fc out | jq -r '[(.issued_at | fromdate), (.observed // 0), (.steps[0].start | fromdate),
		    .steps[0].p50, .steps[1].p50, .steps[3].p50, .steps[0].hi95 - .steps[0].lo95,
		    .steps[1].hi95 - .steps[1].lo95, .interval] | @tsv' > got
		[ "$(wc -l < got)" -eq 24 ]
		# observed is the fraction of the bin elapsed: 0 (absent), 1/3, 2/3
		[ "$(cut -f2 got | sort | uniq -c | awk '{ print $1 ":" $2 }' | paste -sd' ')" = \
		    "8:0 8:0.3333333333333333 8:0.6666666666666666" ]
		awk -F'\t' 'NR == FNR { t[NR] = $1; v[NR] = $2; n = NR; next }
		function off(a, b) { d = a - b; if (d < 0) d = -d; return d > 0.0015 }
		{	I = $1; B = I - I % 900; f = (I - B) / 900; s = c = s2 = c2 = 0
			for (i = 1; i <= n; i++) {
				if (t[i] >= B - 900 && t[i] < B) { s += v[i]; c++ }
				if (t[i] >= B && t[i] < I) { s2 += v[i]; c2++ }
			}
			M = s / c; mp = c2 ? s2 / c2 : 0
			if ($2 - f > 1e-15 || f - $2 > 1e-15) { print I ": observed " $2 ", want " f; bad = 1 }
			if ($3 != B || (f > 0) != ($3 < I)) { print I ": step 1 starts at " $3 ", want " B; bad = 1 }
			if (off($4, f * mp + (1 - f) * M)) { print I ": step 1 p50 " $4 ", want " f * mp + (1 - f) * M; bad = 1 }
			if (off($5, M) || off($6, M)) { print I ": steps 2, 4 p50 " $5 " " $6 ", want " M; bad = 1 }
			# the Gaussian width grows with sqrt(h); step 1 shrinks by 1 - f
			if (off($7, $8 * (1 - f) / sqrt(2)) && off($7 + 0.0015, $8 * (1 - f) / sqrt(2)) && off($7 - 0.0015, $8 * (1 - f) / sqrt(2))) { print I ": step 1 width " $7 ", want " $8 * (1 - f) / sqrt(2); bad = 1 }
			if ($9 != "gaussian") { print I ": " $9; bad = 1 }
		}
		END { exit bad }' rd got
	done
}

@test "--model persistence: p50 is the last bin's mean, the bounds from the RMS of bin changes (awk)" {
	series F1 0 60 360 '400 + ($i * 13) % 41 - ($i / 60 | floor) * 5' > m
	fx-forecast -q --model persistence --every 15m m > out
	[ "$(fc out | jq -r '[.model, has("fallback_for"), (.inputs | join(",")), .interval] | @tsv' | sort -u)" = "$(printf 'persistence\tfalse\tlast\tgaussian')" ]
	jq -r 'select(.type == "reading") | [(.timestamp | fromdate), .load_kw] | @tsv' m |
	    awk -F'\t' '{ k = int(($1 - '"$T0"') / 900); s[k] += $2; c[k]++ } END { for (k = 0; k in c; k++) printf "%.17g\n", s[k] / c[k] }' > bins
	fc out | jq -r '.issued_at as $i | .steps | to_entries[] | [($i | fromdate), .key + 1, .value.lo95, .value.lo80, .value.p50, .value.hi80, .value.hi95] | @tsv' > got
	[ "$(wc -l < got)" -eq 80 ]
	awk -F'\t' -v t0="$T0" 'NR == FNR { y[NR - 1] = $1; next }
	function off(a, b) { d = a - b; if (d < 0) d = -d; return d > 0.0015 }
	{	k = ($1 - t0) / 900 - 1; q = 0
		for (j = 1; j <= k; j++) q += (y[j] - y[j - 1]) ^ 2
		sd = sqrt(q / k) * sqrt($2)
		split("-1.959963984540054 -1.2815515655446004 0 1.2815515655446004 1.959963984540054", z, " ")
		for (j = 1; j <= 5; j++) if (off($(j + 2), y[k] + z[j] * sd)) {
			print $1 " step " $2 " bound " j ": " $(j + 2) ", want " y[k] + z[j] * sd; bad = 1 }
	}
	END { exit bad }' bins got
}

@test "conformal intervals from each step's last errors, Gaussian before 24 (persistence, Python)" {
	series F1 0 900 192 '400 + (150 * ($i * 6.283185307179586 / 96 | sin) | floor) + ($i * 37) % 29 - 14' > q
	for nres in 0 30; do
		opt=; [ "$nres" -eq 0 ] || opt="--nres $nres"
		fx-forecast -q --model persistence $opt q > out
		fc out > f
		[ "$(wc -l < f)" -eq 188 ]
		NRES=$nres python3 - q f <<-'PY'
		import datetime, json, math, os, sys
		ys = [json.loads(l)["load_kw"] for l in open(sys.argv[1])]
		cap = int(os.environ["NRES"]) or 7 * 96
		Z = [-1.959963984540054, -1.2815515655446004, 0, 1.2815515655446004, 1.959963984540054]
		LEVEL = [0.025, 0.10, 0.50, 0.90, 0.975]
		def quantile(e, a):
		    # the split-conformal order statistic; the median interpolated
		    n = len(e)
		    if a == 0.5:
		        pos = 0.5 * (n - 1); j = int(pos)
		        return e[j] + (pos - j) * (e[j + 1] - e[j]) if j + 1 < n else e[j]
		    i = (math.ceil((n + 1) * a) if a > 0.5 else math.floor((n + 1) * a)) - 1
		    return e[min(max(i, 0), n - 1)]
		bad = 0
		kinds = set()
		for line in open(sys.argv[2]):
		    r = json.loads(line)
		    issued = datetime.datetime.fromisoformat(r["issued_at"].replace("Z", "+00:00"))
		    k = int(issued.timestamp() - 1736121600) // 900 - 1	# the last bin closed
		    n1 = min(k, cap)
		    want = {"interval": "conformal" if n1 >= 24 else "gaussian", "errors": n1, "history_bins": k + 1}
		    for key in want:
		        if r[key] != want[key]:
		            print(f"{r['issued_at']}: {key} {r[key]}, want {want[key]}"); bad = 1
		    sd = math.sqrt(sum((ys[j] - ys[j - 1]) ** 2 for j in range(1, k + 1)) / k)
		    for h in range(1, 5):
		        e = sorted([ys[j] - ys[j - h] for j in range(h, k + 1)][-cap:])
		        if len(e) >= 24:
		            q = [quantile(e, a) for a in LEVEL]; kinds.add("conformal")
		        else:
		            q = [z * sd * math.sqrt(h) for z in Z]; kinds.add("gaussian")
		        # p50 is the forecast itself; a bound that would leave it
		        # outside its interval is moved to it
		        q[2] = 0
		        q[1] = min(q[1], 0); q[0] = min(q[0], q[1])
		        q[3] = max(q[3], 0); q[4] = max(q[4], q[3])
		        s = r["steps"][h - 1]
		        for name, v in zip(["lo95", "lo80", "p50", "hi80", "hi95"], q):
		            if abs(s[name] - (ys[k] + v)) > 0.0015:
		                print(f"{r['issued_at']} step {h} {name}: {s[name]}, want {ys[k] + v}"); bad = 1
		if kinds != {"conformal", "gaussian"}:
		    print("not both kinds:", kinds); bad = 1
		sys.exit(bad)
		PY
	done
	# the window holds the last --nres errors
	[ "$(jq -s 'map(.errors) | max' f)" -eq 30 ]
}

@test "snaive-day repeats yesterday after a day; persistence stands in before" {
	# a daily shape of flat stretches: 200 at night, 400 by day, 300 in the evening
	series F1 0 900 288 '($i % 96) as $b | if $b < 28 then 200 elif $b < 72 then 400 elif $b < 92 then 300 else 200 end' > d
	fx-forecast -q --model snaive-day d > out
	fc out > f
	[ "$(jq -r '[.model, .fallback_for // "-", (.inputs | join(","))] | @tsv' f | uniq -c | awk '{ print $1, $2, $3, $4 }' | paste -sd' ')" = \
	    "92 persistence snaive-day last 192 snaive-day - day_ago" ]
	[ "$(jq -r 'select(.model == "snaive-day") | .issued_at' f | head -n 1)" = 2025-01-07T00:00:00Z ]
	# from the second day every step is the same bin a day before
	jq -r 'select(.type == "reading") | [(.timestamp | fromdate), .load_kw] | @tsv' d > rd
	jq -r 'select(.model == "snaive-day") | .steps[] | [(.start | fromdate), .p50] | @tsv' f > got
	[ "$(wc -l < got)" -eq 768 ]
	awk -F'\t' 'NR == FNR { v[$1] = $2; next } $2 != v[$1 - 86400] && bad++ < 5 { print $1 ": " $2 ", want " v[$1 - 86400] } END { exit bad > 0 }' rd got
	# snaive-week without a week: snaive-day, then persistence, stand in
	fx-forecast -q --model snaive-week d | fc /dev/stdin | jq -r '[.model, .fallback_for] | @tsv' | uniq > got
	printf 'persistence\tsnaive-week\nsnaive-day\tsnaive-week\n' > want
	diff want got
}

@test "snaive-day repeats yesterday after a day, whatever the first day's errors" {
	# a daily sawtooth: 300, 302, ... 490, then back to 300
	series F1 0 900 288 '300 + 2 * ($i % 96)' > d
	fx-forecast -q --model snaive-day d | fc /dev/stdin > f
	jq -r 'select(.type == "reading") | [(.timestamp | fromdate), .load_kw] | @tsv' d > rd
	jq -r 'select(.model == "snaive-day") | .steps[] | [(.start | fromdate), .p50] | @tsv' f > got
	[ "$(wc -l < got)" -eq 768 ]
	awk -F'\t' 'NR == FNR { v[$1] = $2; next } $2 != v[$1 - 86400] && bad++ < 5 { print $1 ": " $2 ", want " v[$1 - 86400] } END { exit bad > 0 }' rd got
}

@test "the default model: persistence, then snaive-day for dmr, then dmr; intervals Gaussian, then conformal" {
	fx-sim -n 1 -d 3d > sim
	fx-forecast -q sim | fc /dev/stdin > f
	[ "$(jq -r '[.model, .fallback_for // "-"] | @tsv' f | uniq | paste -sd' ')" = \
	    "$(printf 'persistence\tdmr snaive-day\tdmr dmr\t-')" ]
	# a day of history for snaive-day; dmr once each step has two days of samples
	[ "$(jq -r 'select(.model == "snaive-day") | .issued_at' f | head -n 1)" = 2025-01-07T00:00:00Z ]
	[ "$(jq -r 'select(.model == "dmr") | .issued_at' f | head -n 1)" = 2025-01-08T01:00:00Z ]
	[ "$(jq -r '[.model, (.inputs | join(","))] | @tsv' f | sort -u | paste -sd' ')" = \
	    "$(printf 'dmr\tlags,day_ago,week_ago,fourier_day,fourier_week,temperature,holiday,event persistence\tlast snaive-day\tday_ago')" ]
	[ "$(jq -r .interval f | uniq | paste -sd' ')" = "gaussian conformal" ]
	[ "$(jq -r 'select(.interval == "conformal") | .errors' f | head -n 1)" -eq 24 ]
	[ "$(jq -r 'select(.interval == "gaussian") | .errors' f | tail -n 1)" -eq 23 ]
	# errors count up by one a bin, history_bins likewise
	[ "$(jq -r '[.issued_at, .errors, .history_bins] | @tsv' f | awk -F'\t' '$1 ~ /:(00|15|30|45):/ && NR > 1 && ($2 != pe + 1 || $3 != ph + 1) { bad = 1 } $1 ~ /:(00|15|30|45):/ { pe = $2; ph = $3 } END { print bad + 0 }')" = 0 ]
}

@test "bounds are ordered and finite on every step of every forecast; all validate against the schema" {
	fx-sim -c "$SAMPLES/fluxeon.json" -d 3d | fx-forecast -q --every 15m | fc /dev/stdin > all
	fx-sim -n 2 -d 2d --step 5m | fx-forecast -q --every 10m | fc /dev/stdin >> all
	fx-sim -n 1 -d 2d --step 30m --no-exo | fx-forecast -q | fc /dev/stdin >> all
	fx-sim -n 1 -d 1d --step 1h | fx-forecast -q | fc /dev/stdin >> all
	series F1 0 1200 200 '300 + $i % 17' | fx-forecast -q --model snaive-day | fc /dev/stdin >> all
	fx-sim -n 1 -d 9d --step 15m | fx-forecast -q --model snaive-week --every 1h | fc /dev/stdin >> all
	[ "$(jq -r .model all | sort -u | paste -sd' ')" = "dmr persistence snaive-day snaive-week" ]
	[ "$(jq -r .step_min all | sort -un | paste -sd' ')" = "15 20 30 60" ]
	[ "$(jq -r 'select(.model == "snaive-week") | .inputs | join(",")' all | sort -u)" = week_ago ]
	grep -q '"observed":' all
	bad=$(jq -n '[inputs | .steps[] | select([.lo95, .lo80, .p50, .hi80, .hi95] as $v
	    | ($v | map(type == "number" and . > -1e300 and . < 1e300) | all | not)
	    or $v[0] > $v[1] or $v[1] > $v[2] or $v[2] > $v[3] or $v[3] > $v[4])] | length' all)
	[ "$bad" -eq 0 ]
	validate all
}

@test "exo records: dmr's inputs name temperature and holiday once seen, per feeder or system-wide" {
	fx-sim -n 2 -d 3d --no-exo > ne
	awk -v e1='{"type":"exo","timestamp":"2025-01-08T06:00:00Z","temperature_c":4.5}' \
	    -v e2='{"type":"exo","feeder_id":"F002","timestamp":"2025-01-08T12:00:00Z","holiday_flag":true}' \
	    '!d1 && index($0, "\"2025-01-08T06:00:00Z\"") { print e1; d1 = 1 }
	     !d2 && index($0, "\"2025-01-08T12:00:00Z\"") { print e2; d2 = 1 } { print }' ne > ex
	[ "$(count_type exo ex)" -eq 2 ]
	fx-forecast -q ne | fc /dev/stdin > f0
	fx-forecast -q ex | fc /dev/stdin > f1
	# without exo: dmr all the same, on its calendar and lag inputs only
	[ "$(jq -r 'select(.model == "dmr") | .inputs | join(",")' f0 | sort -u)" = lags,day_ago,week_ago,fourier_day,fourier_week ]
	[ "$(jq -r 'select(.model == "dmr") | [.feeder_id,
	    (if .issued_at < "2025-01-08T06:00" then "before" elif .issued_at < "2025-01-08T12:00" then "temp" else "holiday" end),
	    (.inputs[5:] | join(","))] | @tsv' f1 | sort -u | paste -sd' ')" = \
	    "$(printf 'F001\tbefore\t F001\tholiday\ttemperature F001\ttemp\ttemperature F002\tbefore\t F002\tholiday\ttemperature,holiday F002\ttemp\ttemperature')" ]
	# forecasts before the first exo record are unchanged; the temperature changes later ones
	[ "$(wc -l < f0)" -eq "$(wc -l < f1)" ]
	paste -d'\t' f0 f1 | awk -F'\t' '$1 != $2' > differ
	[ -s differ ]
	[ "$(cut -f1 differ | jq -r '.issued_at >= "2025-01-08T06:00"' | sort -u)" = true ]
	[ "$(jq -r 'select(.model != "dmr") | .inputs | join(",")' f1 | sort -u | paste -sd' ')" = "day_ago last" ]
}

@test "a gap of a few hours, and a feeder that appears mid-stream" {
	{ series F1 0 900 16 '100 + $i'; series F1 25200 900 20 '200 + $i'; series F2 21600 900 24 '50 + $i % 3'
	  series F3 0 900 8 '10 + $i'; series F3 8100 900 4 '20 + $i'; } |
	    jq -sc 'sort_by(.timestamp)[]' > in	# F1 00:00-03:45, 07:00-11:45; F2 06:00-11:45; F3 without 02:00
	run --separate-stderr fx-forecast in
	[ "$status" -eq 0 ]
	[ "$stderr" = "fx-forecast: 72 records in: 72 passed, 0 rejected; 58 forecasts written" ]
	printf '%s\n' "${lines[@]}" > out
	in_order out 300
	# F1: none in the gap, none from the empty bin before 07:00, then every bin again
	fc out | jq -r 'select(.feeder_id == "F1") | [.issued_at[11:16], .steps[0].start[11:16], .history_bins] | @tsv' > got
	{ for i in $(seq 4 15); do printf '%02d:%02d\t%02d:%02d\t%d\n' $((i / 4)) $((i % 4 * 15)) $((i / 4)) $((i % 4 * 15)) "$i"; done
	  for i in $(seq 1 19); do m=$((420 + 15 * i)); printf '%02d:%02d\t%02d:%02d\t%d\n' $((m / 60)) $((m % 60)) $((m / 60)) $((m % 60)) $((16 + i)); done; } > want
	diff want got
	# F2: its own first hour, from 07:00
	[ "$(fc out | jq -r 'select(.feeder_id == "F2") | .issued_at[11:16]' | sed -n '1p;$p' | paste -sd' ')" = "07:00 11:45" ]
	[ "$(fc out | jq -r 'select(.feeder_id == "F2") | .issued_at' | wc -l)" -eq 20 ]
	# F3: one missing bin, and the forecast after it is skipped too
	[ "$(fc out | jq -r 'select(.feeder_id == "F3") | "\(.issued_at[11:16])/\(.history_bins)"' | paste -sd' ')" = \
	    "01:00/4 01:15/5 01:30/6 01:45/7 02:30/9 02:45/10 03:00/11" ]
}

@test "interleaved feeders each get their own forecasts, the same as alone" {
	fx-sim -n 3 -d 3d --step 5m > sim
	fx-forecast -q --every 15m sim > out
	[ "$(fc out | jq -r .feeder_id | sort | uniq -c | awk '{ print $1, $2 }' | paste -sd' ')" = "284 F001 284 F002 284 F003" ]
	for f in F001 F003; do
		grep -v -e '"feeder_id":"F00[^'"${f#F00}"']"' sim > alone
		fx-forecast -q --every 15m alone | fc /dev/stdin > got
		[ "$(jq -r .feeder_id got | sort -u)" = "$f" ]
		fc out | grep "\"feeder_id\":\"$f\"" | cmp - got
	done
}

@test "the config: forecast_model per feeder and in defaults, under --model; the forecast section" {
	printf '%s\n' '{"defaults":{"forecast_model":"snaive-day"},' \
	    '"feeders":[{"id":"F001","forecast_model":"persistence"},{"id":"F002"}],' \
	    '"forecast":{"every":"1h"}}' > c.json
	fx-sim -n 3 -d 26h --step 15m > sim
	fx-forecast -q -c c.json sim | fc /dev/stdin > f
	[ "$(jq -r '[.feeder_id, .model, .fallback_for // "-"] | @tsv' f | sort -u | paste -sd' ')" = \
	    "$(printf 'F001\tpersistence\t- F002\tpersistence\tsnaive-day F002\tsnaive-day\t- F003\tpersistence\tsnaive-day F003\tsnaive-day\t-')" ]
	# forecast.every: hourly, unless --every says otherwise
	[ "$(jq -r '.issued_at[14:16]' f | sort -u)" = 00 ]
	[ "$(jq -r .issued_at f | wc -l)" -eq 75 ]
	fx-forecast -q -c c.json --every 15m sim | fc /dev/stdin > f
	[ "$(jq -r .issued_at f | wc -l)" -eq 300 ]
	# --model wins over the config
	fx-forecast -q -c c.json --model dmr sim | fc /dev/stdin | jq -r '.fallback_for' | sort -u > got
	[ "$(cat got)" = dmr ]
	# $FX_CONFIG stands for -c
	FX_CONFIG=c.json fx-forecast -q sim | cmp - <(fx-forecast -q -c c.json sim)
}

@test "the config's half-life and time zone act as --halflife and --tz" {
	fx-sim -n 1 -d 3d --step 15m > sim
	fx-forecast -q sim > base
	[ "$(fc base | jq -r .model | tail -n 1)" = dmr ]
	fx-forecast -q --halflife 28d sim | cmp - base
	printf '{"defaults":{"forecast_halflife_days":7}}\n' > c.json
	fx-forecast -q -c c.json sim > h7
	fx-forecast -q --halflife 7d sim | cmp - h7
	if cmp -s h7 base; then echo "a half-life of 7 days changed nothing"; return 1; fi
	printf '{"feeders":[{"id":"F001","forecast_halflife_days":7}]}\n' > c.json
	fx-forecast -q -c c.json sim | cmp - h7
	# --tz moves the calendar terms: London is UTC in January, New York is not
	fx-forecast -q --tz Europe/London sim | cmp - base
	fx-forecast -q --tz America/New_York sim > ny
	if cmp -s ny base; then echo "--tz America/New_York changed nothing"; return 1; fi
	printf '{"forecast":{"tz":"America/New_York"}}\n' > c.json
	fx-forecast -q -c c.json sim | cmp - ny
}

@test "a bad model in the config or --model, and bad option values, exit 2 naming the culprit" {
	want="unknown model 'arima' (want persistence, snaive-day, snaive-week or dmr)"
	run --separate-stderr fx-forecast --model arima < /dev/null
	usage_error "fx-forecast: --model: $want"
	printf '{"feeders":[{"id":"F001","forecast_model":"arima"}]}\n' > c.json
	run --separate-stderr fx-forecast -c c.json < /dev/null
	usage_error "fx-forecast: c.json: feeder 'F001': forecast_model: $want"
	printf '{"feeders":{"F7":{"forecast_model":"arima"}}}\n' > c.json
	run --separate-stderr fx-forecast -c c.json < /dev/null
	usage_error "fx-forecast: c.json: feeder 'F7': forecast_model: $want"
	printf '{"defaults":{"forecast_model":"arima"}}\n' > c.json
	run --separate-stderr fx-forecast -c c.json < /dev/null
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ "$stderr" == "fx-forecast: "*"defaults.forecast_model: $want" ]]
	printf '{"feeders":[{"id":"F001","forecast_halflife_days":0}]}\n' > c.json
	run --separate-stderr fx-forecast -c c.json < /dev/null
	usage_error "fx-forecast: c.json: feeder 'F001': forecast_halflife_days: want a number > 0"
	printf '{"forecast":{"every":"soon"}}\n' > c.json
	run --separate-stderr fx-forecast -c c.json < /dev/null
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"forecast.every: not a duration > 0 'soon'" ]]
	for bad in "--every 0" "--every 5x" "--every -5m" "--step 7m" "--step 45m" "--step 2h" "--step x" \
	    "--nres 10" "--nres 2.5" "--nres x" "--ridge -1" "--ridge x" "--ridge nan" \
	    "--halflife 0" "--halflife 2w" "--refit 0" "--tz Mars/Olympus"; do
		run --separate-stderr fx-forecast $bad < /dev/null
		option_error "${bad%% *}" || { echo "for $bad"; return 1; }
	done
	run --separate-stderr fx-forecast --bogus < /dev/null
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"usage: fx-forecast"* ]]
}

@test "a step shorter than 15 minutes is refused with exit 2" {
	series F1 0 60 120 '300 + $i % 7' > m
	for s in 1m 90s 5m 10m 12m; do
		run --separate-stderr fx-forecast --step "$s" m
		option_error --step || { echo "for --step $s"; return 1; }
	done
}

@test "bad config values of the wrong type are refused, not ignored" {
	for c in '{"feeders":[{"id":"F001","forecast_model":5}]}' '{"defaults":{"forecast_model":true}}' \
	    '{"forecast":{"every":15}}' '{"defaults":{"forecast_halflife_days":-3}}' \
	    '{"defaults":{"forecast_halflife_days":"x"}}'; do
		printf '%s\n' "$c" > c.json
		run --separate-stderr fx-forecast -c c.json < /dev/null
		[ "$status" -eq 2 ] || { echo "accepted: $c"; return 1; }
		[[ "$stderr" == "fx-forecast: c.json: "* ]]
	done
}

@test "step 1 is the bin in progress at issued_at, whatever --every" {
	series F1 0 900 24 '300 + $i % 5' > q
	for e in 10m 7m 25m; do
		fx-forecast -q --every "$e" q | fc /dev/stdin > f
		[ -s f ]
		jq -e -s 'all(.[]; (.issued_at | fromdate) as $t | (.steps[0].start | fromdate) <= $t and $t < (.steps[0].end | fromdate))' f > /dev/null ||
		    { echo "--every $e: $(jq -c '[.issued_at, .steps[0].start]' f | head -n 2)"; return 1; }
		[ "$(head -n 1 f | jq -r .issued_at)" \> 2025-01-06T00:59:59Z ]
	done
}

@test "bad input lines are reported, counted and skipped; the records around them are forecast" {
	cat > in <<-'IN'
	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T00:00:00Z","load_kw":100}
	not json
	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T00:15:00Z","load_kw":"abc"}
	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T00:15:00Z","load_kw":110}
	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T00:10:00Z","load_kw":900}
	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T00:15:00Z","load_kw":900}
	{"type":"exo","timestamp":"2025-01-06T00:15:00Z","temperature_c":"warm"}
	{"type":"reading","timestamp":"2025-01-06T00:20:00Z","load_kw":1}
	{"type":"reading","feeder_id":"F1","timestamp":"yesterday","load_kw":1}
	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T00:30:00Z","load_kw":120}
	[1,2]
	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T00:45:00Z","load_kw":130}
	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T00:45:00Z","load_kw":999}
	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T01:00:00Z","load_kw":140}
	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T01:15:00Z","load_kw":150}
	IN
	run --separate-stderr fx-forecast in
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 10 ]
	grep -qx "fx-forecast: in:2: invalid JSON: .*" <<< "$stderr"
	grep -qx "fx-forecast: in:3: load_kw: .*" <<< "$stderr"
	grep -qx "fx-forecast: in:5: timestamp: '2025-01-06T00:10:00Z' goes back in time: feeder 'F1' is at '2025-01-06T00:15:00Z'" <<< "$stderr"
	grep -qx "fx-forecast: in:6: timestamp: '2025-01-06T00:15:00Z' repeats the last reading of feeder 'F1' (duplicate)" <<< "$stderr"
	grep -qx "fx-forecast: in:7: temperature_c: .*" <<< "$stderr"
	grep -qx "fx-forecast: in:8: feeder_id: .*" <<< "$stderr"
	grep -qx "fx-forecast: in:9: timestamp: .*" <<< "$stderr"
	grep -qx "fx-forecast: in:11: .*" <<< "$stderr"
	grep -qx "fx-forecast: in:13: timestamp: '2025-01-06T00:45:00Z' repeats the last reading of feeder 'F1' (duplicate)" <<< "$stderr"
	[ "${stderr##*$'\n'}" = "fx-forecast: 15 records in: 6 passed, 9 rejected; 2 forecasts written" ]
	# records in = passed + rejected
	[[ "${stderr##*$'\n'}" =~ ([0-9]+)\ records\ in:\ ([0-9]+)\ passed,\ ([0-9]+)\ rejected ]]
	[ "${BASH_REMATCH[1]}" -eq $((BASH_REMATCH[2] + BASH_REMATCH[3])) ]
	# the valid readings pass in order, with the forecasts before 01:00 and 01:15
	[ "$(printf '%s\n' "${lines[@]}" | grep -v '"type":"forecast"')" = "$(sed -n '1p;4p;10p;12p;14p;15p' in)" ]
	[ "${#lines[@]}" -eq 8 ]
	# built from the valid readings only: the last bins were 130 and 140
	[ "$(jq -c '[.issued_at[11:16], .steps[1].p50, .history_bins]' <<< "${lines[4]}")" = '["01:00",130,4]' ]
	[ "$(jq -c '[.issued_at[11:16], .steps[1].p50, .history_bins]' <<< "${lines[6]}")" = '["01:15",140,5]' ]
	# a line over the 1 MiB limit is rejected whole
	{ sed -n 1p in; printf '{"type":"note","x":"%s"}\n' "$(head -c 1100000 /dev/zero | tr '\0' x)"; sed -n 4p in; } > long
	run --separate-stderr fx-forecast long
	[ "$status" -eq 0 ]
	[ "$output" = "$(sed -n '1p;4p' in)" ]
	[ "$stderr" = "fx-forecast: long:2: line too long
fx-forecast: 3 records in: 2 passed, 1 rejected; 0 forecasts written" ]
}

@test "--errors-inline writes error records; --strict stops at the first bad line" {
	series F1 0 900 6 '100 + $i' > good
	{ head -n 2 good; printf '{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T00:05:00Z","load_kw":1}\n'; tail -n 4 good; } > in
	run --separate-stderr fx-forecast -q --errors-inline in
	[ "$status" -eq 0 ]
	[ "${lines[2]}" = '{"type":"error","program":"fx-forecast","input":"in","line":3,"reason":"timestamp: '"'"'2025-01-06T00:05:00Z'"'"' goes back in time: feeder '"'"'F1'"'"' is at '"'"'2025-01-06T00:15:00Z'"'"'"}' ]
	[ "${#lines[@]}" -eq 9 ]
	printf '%s\n' "${lines[@]}" | validate
	run --separate-stderr fx-forecast --strict in
	[ "$status" -eq 1 ]
	[ "$output" = "$(head -n 2 in)" ]
	[ "$stderr" = "fx-forecast: in:3: timestamp: '2025-01-06T00:05:00Z' goes back in time: feeder 'F1' is at '2025-01-06T00:15:00Z'" ]
}

@test "deterministic: two runs, or the input split over two files, give the same output" {
	fx-sim -n 2 -d 3d > sim
	fx-forecast -q sim > a
	fx-forecast -q sim > b
	cmp a b
	[ "$(count_type forecast a)" -gt 1000 ]
	head -n 5000 sim > s1
	tail -n +5001 sim > s2
	fx-forecast -q s1 s2 | cmp - a
	fx-forecast -q < sim | cmp - a
}

@test "every EXAMPLES line of fx-forecast(1) runs" {
	ln -s "$SAMPLES" samples
	awk '/^\.Sh EXAMPLES/ { f = 1; next } /^\.Sh/ { f = 0 }
	    f && /^\.Dl / { sub(/^\.Dl /, ""); gsub(/\\e/, "\\"); print }' \
	    "$ROOT/man/fx-forecast.1" > examples
	[ "$(wc -l < examples)" -ge 3 ]
	while IFS= read -r line; do
		rc=0
		sh -c "$line" < /dev/null > out 2> err || rc=$?
		[ "$rc" -eq 0 ] || { echo "$line: exit $rc: $(cat err)"; return 1; }
		[ -s out ] || { echo "$line: no output"; return 1; }
		! grep -q 'fx-forecast: .*:[0-9]*: ' err || { echo "$line: $(cat err)"; return 1; }
	done < examples
}
