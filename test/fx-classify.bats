#!/usr/bin/env bats
# fx-classify: states of observed and predicted slices, the feeder's state
# and its changes, levels, labels, training and the model file, bad input.
# Expected values are recomputed from the input with Python or jq (the
# normal distribution by math.erf, quantiles by hand, labels from the
# observed means), never taken from the program's earlier output.

bats_require_minimum_version 1.5.0
load helper

# recs: features and spike records from a spec on stdin, one per line,
# times in minutes after 2025-01-06T00:00:00Z (a Monday), 15-minute slices:
#   h FEEDER MIN MEAN [MAX]                 history slice [MIN, MIN + 15)
#   p FEEDER ISSUED STEP P50 LO80 HI80      predicted slice of the forecast
#                                           issued at ISSUED, starting at
#                                           ISSUED + 15 (STEP - 1)
#   s FEEDER MIN PHASE RULE SEVERITY|null   spike record
#   r FEEDER MIN KW                         a reading (passed through)
recs() {
	jq -nRc '
	def iso($m): 1736121600 + 60 * $m | todate;
	def tod($m): (8 * (1 | atan) * (60 * $m % 86400) / 86400) as $a |
	    {tod_sin: ($a | sin), tod_cos: ($a | cos)};
	inputs | [splits(" +") | select(. != "")] | select(length > 0) |
	(.[2] | tonumber) as $m |
	if .[0] == "h" then
		(.[3] | tonumber) as $mean |
		{type: "features", feeder_id: .[1], window_start: iso($m),
		 window_end: iso($m + 15), segment: "history", count: 15,
		 mean: $mean, min: $mean, max: ((.[4] // .[3]) | tonumber),
		 temperature_c: null} + tod($m)
	elif .[0] == "p" then
		(.[3] | tonumber) as $s | ($m + 15 * ($s - 1)) as $w |
		(.[5] | tonumber) as $lo | (.[6] | tonumber) as $hi |
		{type: "features", feeder_id: .[1], window_start: iso($w),
		 window_end: iso($w + 15), segment: "predicted", step: $s,
		 issued_at: iso($m), mean: (.[4] | tonumber), min: ($lo - 10),
		 max: ($hi + 10), lo80: $lo, hi80: $hi, lo95: ($lo - 10),
		 hi95: ($hi + 10), temperature_c: 25} + tod($w)
	elif .[0] == "s" then
		{type: "spike", feeder_id: .[1], timestamp: iso($m), phase: .[3],
		 rule: .[4], severity: (if .[5] == "null" then null else .[5] end)}
	else
		{type: "reading", feeder_id: .[1], timestamp: iso($m),
		 load_kw: (.[3] | tonumber)}
	end'
}

# train_data DIR: separable training data, DIR/data3 (three days) and
# DIR/data2 (two days) of two feeders G1 and G2.  Each feeder's slice means
# are pseudo-random in [300, 700), multiples of 1/8 (exact in a float);
# every 15 minutes a history record and a forecast of the next four slices
# whose p50 is the mean each will have, so that with a 600 kW limit p50
# alone decides a slice's state.
train_data() {
	python3 -S -c '
import json, math, sys, time
T0 = 1736121600
iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
for days in 3, 2:
    seed = 12345
    def rnd():
        global seed
        seed = (seed * 1103515245 + 12345) % 2 ** 31
        return seed / 2 ** 31
    n = 96 * days
    means = [[round((300 + 400 * rnd()) * 8) / 8 for _ in range(n + 4)] for f in range(2)]
    out = open("%s/data%d" % (sys.argv[1], days), "w")
    for i in range(n):
        t = T0 + 900 * i
        for f in range(2):
            fid = "G%d" % (f + 1)
            m = means[f][i]
            print(json.dumps({"type": "features", "feeder_id": fid, "window_start": iso(t), "window_end": iso(t + 900), "segment": "history", "count": 15, "mean": m, "max": m + 5}, separators=(",", ":")), file=out)
            for s in range(1, 5):
                ts = t + 900 * s
                p = means[f][i + s]
                a = 2 * math.pi * (ts % 86400) / 86400
                print(json.dumps({"type": "features", "feeder_id": fid, "window_start": iso(ts), "window_end": iso(ts + 900), "segment": "predicted", "step": s, "issued_at": iso(t + 900), "mean": p, "lo80": p - 20, "hi80": p + 20, "hi95": p + 30, "tod_sin": math.sin(a), "tod_cos": math.cos(a)}, separators=(",", ":")), file=out)
' "$1"
}

setup_file() {
	train_data "$BATS_FILE_TMPDIR"
}

# of TYPE FILE: the records of FILE of that type.
of() {
	grep "\"type\":\"$1\"" "$2" || true
}

# made FILE: the records fx-classify made (state, state_change, label),
# without the wall-clock time.
made() {
	grep -E '"type":"(state|state_change|label)"' "$1" | jq -c 'del(.detected_at_wall)'
}

# probs_sum_to_1 FILE: every state record's probs sum to 1 within the
# rounding of each to six decimals, and lie in [0, 1].
probs_sum_to_1() {
	of state "$1" | jq -e -s 'length > 0 and all(.[]; (.probs | add - 1 | fabs) <= 2e-6 and all(.probs[]; . >= 0 and . <= 1))' > /dev/null
}

# validate_model FILE...: against schemas/classify-model.json.
validate_model() {
	python3 -c '
import json, sys, jsonschema
v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])), format_checker=jsonschema.FormatChecker())
bad = 0
for f in sys.argv[2:]:
    for e in v.iter_errors(json.load(open(f))):
        print("%s: %s: %s" % (f, "/".join(map(str, e.path)), e.message))
        bad = 1
sys.exit(bad)
' "$ROOT/schemas/classify-model.json" "$@"
}

# validate_made FILE: fx-classify's records in FILE (state, state_change,
# label, error) validate against their schemas.
validate_made() {
	grep -E '"type":"(state|state_change|label|error)"' "$1" | validate
}

# pipeline DURATION: two simulated feeders through ingest, spike
# detection, forecasting and features, with a spike on F001 at 09:00.
pipeline() {
	fx-sim -n 2 -d "$1" --spike 'F001@2025-01-06T09:00:00Z+30m:300' |
		fx-ingest -q --format ndjson | fx-detect -q | fx-forecast -q |
		fx-features -q
}

@test "-h prints the usage, every option of which is in the man page" {
	run --separate-stderr fx-classify -h
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "usage: fx-classify [-hqv] [-c config] [-m model.json | --rules] [--errors-inline]" ]
	printf '%s\n' "$output" | grep -oE -- '(\[|\| )-[-a-z0-9]+' | sed 's/^\[-//; s/^| -//; /^hqv$/d; /^qv$/d' | sort -u > usage
	printf '%s\n' h o q v >> usage
	sed -n 's/^\.It Fl \([-a-z0-9]*\).*/\1/p' "$ROOT/man/fx-classify.1" | sort -u > man
	[ "$(sort -u usage | wc -l)" -ge 19 ]
	run comm -23 <(sort -u usage) man
	[ -z "$output" ]
	run comm -13 <(sort -u usage) man
	[ -z "$output" ]
	run mandoc -Tlint -Wwarning "$ROOT/man/fx-classify.1"
	[ -z "$output" ]
}

@test "usage errors: exit 2 and one message, nothing on stdout" {
	for args in "--hold 0" "--hold x" "--limit 0" "--limit -5" "--l2 -1" \
	    "--precision 0" "--max-samples 10" "--derive-levels 0.9" \
	    "--derive-levels 0.99,0.9" "--from yesterday" "-c /nonexistent.json" \
	    "--per-feeder 100" "label --per-feeder 100" "train -o m --per-feeder 10" \
	    "train -o m --threads 0" "--matrix m.fxm" "train -o m --feeder-max-samples 1"; do
		run --separate-stderr fx-classify $args /dev/null
		[ "$status" -eq 2 ] || { echo "$args: exit $status"; return 1; }
		[ -z "$output" ]
		[[ "$stderr" == "fx-classify: "* ]] || { echo "$args: $stderr"; return 1; }
	done
	run --separate-stderr fx-classify --bogus
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "fx-classify: unrecognized option '--bogus'" ]
	run --separate-stderr fx-classify train /dev/null
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "fx-classify: train: -o model.json is required" ]
}

@test "every input record passes through byte for byte, in order, with states right after their features record" {
	pipeline 1d > sim
	{ head -n 300 sim
	  printf '{"type":"spike", "feeder_id":"F9","phase" : "end" }\r\n'
	  printf '{"type":"exo", "x" : 1 }\r\n'
	  printf '{ "segment":"history","type":"features","feeder_id":"F001","window_start":"2025-01-06T03:00:00Z","window_end":"2025-01-06T03:15:00Z","mean":700 }\n'
	  printf '\n'
	  printf '{"type":"state","feeder_id":"\xc3\xa9"}\n'
	  printf '{"type":"features","feeder_id":"F\\u0030\\u00301","segment":"history","window_start":"2025-01-06T03:15:00Z","window_end":"2025-01-06T03:30:00Z","mean":1e2}\n'
	  tail -n +301 sim
	  printf '{"type":"reading","feeder_id":"F001","timestamp":"2025-01-07T00:00:00Z","load_kw":7}'; } > in
	run --separate-stderr fx-classify --limit 600 in
	[ "$status" -eq 0 ]
	n=$(grep -vc '^$' in)
	[[ "$stderr" == "fx-classify: $n records in: $n passed, 0 rejected; "* ]]
	fx-classify -q --limit 600 in > out
	grep -v '^$' in > want
	grep -vE '^\{"type":"(state|state_change)","(feeder_id|event_id)":"F00' out > passed
	cmp want passed
	[ "$(of state out | wc -l)" -gt 400 ]
	# a state comes right after its features record (or another state of
	# it); a state change right after the record that caused it, at that
	# record's window_end (observed) or issued_at (forecast)
	jq -n -c 'foreach inputs as $r ({last: null, bad: null};
	    if $r.type == "state" and ($r.feeder_id | startswith("F00")) then
		.bad = (if .last | . != null and .type == "features" and
		    .feeder_id == $r.feeder_id and .window_start == $r.slice_start and
		    .window_end == $r.slice_end and
		    ($r.horizon == 0) == (.segment == "history") and
		    ($r.horizon == 0 or (.step == $r.horizon and .issued_at == $r.issued_at))
		    then null else [.last, $r] end)
	    elif $r.type == "state_change" then
		.bad = (if .last | . != null and .feeder_id == $r.feeder_id and
		    $r.timestamp == (if .segment == "history" then .window_end else .issued_at end)
		    then null else [.last, $r] end)
	    else .last = $r | .bad = null end; .bad // empty)' out > bad
	[ ! -s bad ] || { head -n 3 bad; return 1; }
	# the hand-written records were read too (F001 Critical at 03:00, Normal
	# at 03:15), before the real ones of those slices
	[ "$(of state out | jq -c 'select(.horizon == 0 and .slice_start >= "2025-01-06T03:00" and .slice_start < "2025-01-06T03:30" and .feeder_id == "F001") | .state' | paste -sd' ')" = "2 0 0 0" ]
}

@test "observed slices: the mean against the levels, one-hot, raised by an open limit spike" {
	recs > in <<-EOF
	h F1 0 100
	h F1 15 479.99
	h F1 30 480
	h F1 45 569.99
	h F1 60 570
	h F1 75 700 100
	s F1 95 start limit critical
	h F1 90 100
	h F1 105 300
	s F1 125 end limit critical
	h F1 120 100
	s F1 140 start limit alert
	h F1 135 100
	h F1 150 700
	s F1 170 end limit alert
	h F1 165 100
	EOF
	run --separate-stderr fx-classify --limit 600 in
	[ "$status" -eq 0 ]
	[ "$stderr" = "fx-classify: 16 records in: 16 passed, 0 rejected; 12 states, 2 state changes, 0 labels" ]
	printf '%s\n' "$output" > out
	[ "$(of state out | jq -r '.state' | paste -sd' ')" = "0 0 1 1 2 2 2 2 0 1 2 0" ]
	of state out | jq -e -s 'all(.[]; .horizon == 0 and .model == "observed" and (has("issued_at") | not) and (has("top") | not)
	    and .alert_kw == 480 and .critical_kw == 570)' > /dev/null
	of state out | jq -e -s 'all(.[]; .state as $s | .probs == ([0, 1, 2] | map(if . == $s then 1 else 0 end)))' > /dev/null
	of state out | jq -r '.slice_start[11:16] + "-" + .slice_end[11:16]' | head -n 2 | paste -sd' ' | grep -qx '00:00-00:15 00:15-00:30'
}

@test "a spike of another rule does not end an open limit spike" {
	recs > in <<-EOF
	s F1 5 start limit critical
	h F1 0 100
	s F1 20 start deviation null
	s F1 25 end deviation null
	h F1 15 100
	s F1 35 start rms alert
	h F1 30 100
	s F1 50 end limit critical
	h F1 45 100
	EOF
	run --separate-stderr fx-classify -q --limit 600 in
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | of state /dev/stdin | jq -r .state | paste -sd' ')" = "2 2 2 0" ]
}

@test "predicted slices by the rules: the 80% interval as a normal distribution, decided at 0.5" {
	recs > in <<-EOF
	h F1 0 100
	p F1 15 1 450 400 500
	p F1 15 2 500 450 550
	p F1 15 3 550 500 600
	p F1 15 4 600 550 650
	h F1 15 100
	p F1 30 1 570 520 620
	p F1 30 2 520 300 740
	p F1 30 3 700 650 750
	p F1 30 4 300 250 350
	h F1 30 100
	p F1 45 1 600 600 600
	p F1 45 2 500 500 500
	p F1 45 3 100 100 100
	p F1 45 4 479 470 490
	h F1 45 100
	p F1 60 1 570.5 569 571
	p F1 60 2 480.2 470 490
	p F1 60 3 0 -50 50
	p F1 60 4 1e6 1e6 2e6
	EOF
	fx-classify -q --limit 600 in > out
	[ "$(of state out | jq -c 'select(.horizon > 0)' | wc -l)" -eq 16 ]
	probs_sum_to_1 out
	python3 -S -c '
import json, math, sys
Phi = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))
alert, crit = 480, 570
last = None
bad = 0
for line in open("out"):
    r = json.loads(line)
    if r["type"] == "features":
        last = r
        continue
    if r["type"] != "state" or r["horizon"] == 0:
        continue
    p50, lo, hi = last["mean"], last["lo80"], last["hi80"]
    sd = (hi - lo) / (2 * 1.2815515655446004)
    if sd > 0:
        ge2, ge1 = Phi((p50 - crit) / sd), Phi((p50 - alert) / sd)
    else:
        ge2, ge1 = float(p50 >= crit), float(p50 >= alert)
    want = [1 - ge1, ge1 - ge2, ge2]
    st = 2 if want[2] >= 0.5 else 1 if want[1] + want[2] >= 0.5 else 0
    if any(abs(a - b) > 5.01e-7 for a, b in zip(r["probs"], want)) or r["state"] != st or \
        r["model"] != "rules" or "top" in r or r["issued_at"] != last["issued_at"]:
        print(f"{last} -> {r}: want probs {want} state {st}")
        bad = 1
sys.exit(bad)
'
	# p50 on the critical level: P(critical) is 0.5 exactly, Critical
	[ "$(of state out | jq -c 'select(.issued_at == "2025-01-06T00:30:00Z" and .horizon == 1) | [.state, .probs[2]]')" = "[2,0.5]" ]
	# a zero-width interval: the load is p50 for certain
	[ "$(of state out | jq -c 'select(.issued_at == "2025-01-06T00:45:00Z" and .horizon < 4) | .probs' | paste -sd' ')" = "[0,0,1] [0,1,0] [1,0,0]" ]
	# --decision moves the thresholds: the same probabilities, decided at
	# P(Alert or worse) >= 0.9 and P(Critical) >= 0.05
	fx-classify -q --limit 600 --decision 0.9,0.05 in > out2
	of state out | jq -c 'select(.horizon > 0) | .probs' > p1
	of state out2 | jq -c 'select(.horizon > 0) | .probs' > p2
	cmp p1 p2
	want=$(of state out2 | jq -r 'select(.horizon > 0) | .probs | if .[2] >= 0.05 then 2 elif .[1] + .[2] >= 0.9 then 1 else 0 end')
	[ "$(of state out2 | jq -r 'select(.horizon > 0) | .state')" = "$want" ]
	[ "$want" != "$(of state out | jq -r 'select(.horizon > 0) | .state')" ]
	run --separate-stderr fx-classify --decision 0.5 in
	[ "$status" -eq 2 ]
	[[ "$stderr" == "fx-classify: --decision: want two probabilities"* ]]
}

@test "the feeder's state: up at once, down after --hold of event time below, to the worst seen below" {
	# observed means: 0 2 1 0 0 | 0 0 0 | 0 2 | 0 2 0 0 0
	i=0
	for m in 100 700 500 100 100 100 100 100 100 700 100 700 100 100 100; do
		echo "h F1 $((15 * i)) $m"; i=$((i + 1))
	done | recs > in
	run --separate-stderr fx-classify --limit 600 in
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "fx-classify: 15 records in: 15 passed, 0 rejected; 15 states, 5 state changes, 0 labels" ]
	printf '%s\n' "$output" > out
	of state_change out | jq -r '[.timestamp[11:16], .prev_state, .new_state, .confidence, .cause.horizon, .cause.slice_end[11:16], .cause.mean_kw] | @tsv' > got
	printf '%s\t%s\t%s\t1\t0\t%s\t%s\n' \
	    00:30 0 2 00:30 700 \
	    01:15 2 1 01:15 100 \
	    02:00 1 0 02:00 100 \
	    02:30 0 2 02:30 700 \
	    03:45 2 0 03:45 100 > want
	diff want got
	# a change comes right after the state of the slice that caused it
	[ "$(grep -B1 '"type":"state_change"' out | of state /dev/stdin | jq -r .slice_end[11:16] | paste -sd' ')" = "00:30 01:15 02:00 02:30 03:45" ]
	# event ids FEEDER@TIMESTAMP#N, unique; detected_at_wall an RFC 3339 time
	[ "$(of state_change out | jq -r .event_id | paste -sd' ')" = \
	    "F1@2025-01-06T00:30:00Z#1 F1@2025-01-06T01:15:00Z#2 F1@2025-01-06T02:00:00Z#3 F1@2025-01-06T02:30:00Z#4 F1@2025-01-06T03:45:00Z#5" ]
	for t in $(of state_change out | jq -r .detected_at_wall); do
		[[ "$t" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3})?Z$ ]] || { echo "$t"; return 1; }
		date -u -d "$t" +%s > /dev/null
	done
	of state_change out | jq -e -s 'all(.[]; .model == "rules" and .alert_kw == 480 and .critical_kw == 570 and .feeder_id == "F1")' > /dev/null
	# a longer hold: 2 -> 1 after an hour below; back to 2 at once; the
	# last stretch below is too short
	fx-classify -q --limit 600 --hold 1h in | of state_change /dev/stdin |
	    jq -r '[.timestamp[11:16], .prev_state, .new_state] | @tsv' > got
	printf '%s\t%s\t%s\n' 00:30 0 2 01:45 2 1 02:30 1 2 > want
	diff want got
	# --no-slices: the same changes, no states
	fx-classify -q --limit 600 --no-slices in > ns
	[ "$(of state ns | wc -l)" -eq 0 ]
	diff <(made out | grep state_change) <(made ns)
	# a state that never changes makes no state_change
	printf 'h F2 %s 200\n' 0 15 30 45 60 | recs > flat
	run --separate-stderr fx-classify --limit 600 flat
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | of state_change /dev/stdin | wc -l)" -eq 0 ]
	[ "$stderr" = "fx-classify: 5 records in: 5 passed, 0 rejected; 5 states, 0 state changes, 0 labels" ]
}

@test "the feeder's state from its latest forecast's slices still ahead" {
	recs > in <<-EOF
	h F1 0 100
	p F1 15 1 100 90 110
	p F1 15 2 100 90 110
	p F1 15 3 550 500 600
	p F1 15 4 100 90 110
	h F1 15 100
	h F1 30 100
	h F1 45 100
	h F1 60 100
	h F1 75 100
	p F1 90 1 100 90 110
	p F1 90 2 700 690 710
	p F1 90 3 100 90 110
	p F1 90 4 100 90 110
	h F1 90 100
	p F1 105 1 100 90 110
	p F1 105 2 100 90 110
	p F1 105 3 100 90 110
	p F1 105 4 100 90 110
	h F1 105 100
	h F1 120 100
	h F1 135 100
	EOF
	fx-classify -q --limit 600 in > out
	of state_change out | jq -c '[.timestamp[11:16], .prev_state, .new_state, .cause.horizon, .cause.slice_start[11:16]]' > got
	# 00:15 Alert for the slice 00:45-01:00 (its forecast's worst), held while
	# it is ahead and for 30 minutes after it ends; at 01:30 the next
	# forecast says Critical for 01:45 (up at once); the one after is all
	# Normal, and 30 minutes later the state follows
	printf '%s\n' '["00:15",0,1,3,"00:45"]' '["01:30",1,0,0,null]' '["01:30",0,2,2,"01:45"]' '["02:15",2,0,0,null]' > want
	diff want got
	[ "$(of state_change out | jq -r .event_id | sort -u | paste -sd' ')" = \
	    "F1@2025-01-06T00:15:00Z#1 F1@2025-01-06T01:30:00Z#2 F1@2025-01-06T01:30:00Z#3 F1@2025-01-06T02:15:00Z#4" ]
	# the confidence and cause of a change are the cause slice's probabilities
	of state out | jq -c 'select(.issued_at == "2025-01-06T00:15:00Z" and .horizon == 3) | .probs' > p3
	[ "$(of state_change out | head -n 1 | jq -c .cause.probs)" = "$(cat p3)" ]
	[ "$(of state_change out | head -n 1 | jq .confidence)" = "$(jq '.[1]' p3)" ]
}

@test "--confirm: a rise only forecasts show waits for that many forecasts in a row; an observed one does not" {
	# Critical forecasts at 00:15 and 00:30 (two in a row); a lone one at
	# 02:15; then the observed slice 03:15-03:30 is Critical itself
	recs > in <<-EOF
	h F1 0 100
	p F1 15 1 700 690 710
	p F1 15 2 100 90 110
	p F1 15 3 100 90 110
	p F1 15 4 100 90 110
	h F1 15 100
	p F1 30 1 700 690 710
	p F1 30 2 500 490 510
	p F1 30 3 100 90 110
	p F1 30 4 100 90 110
	h F1 30 100
	h F1 45 100
	h F1 60 100
	h F1 75 100
	h F1 90 100
	h F1 105 100
	h F1 120 100
	p F1 135 1 100 90 110
	p F1 135 2 100 90 110
	p F1 135 3 700 690 710
	p F1 135 4 100 90 110
	h F1 135 100
	h F1 150 100
	h F1 165 100
	h F1 180 100
	h F1 195 700
	EOF
	changes() { of state_change "$1" | jq -r '[.timestamp[11:16], .prev_state, .new_state, .cause.horizon] | @tsv' | paste -sd' '; }
	fx-classify -q --limit 600 in > c1
	fx-classify -q --limit 600 --confirm 2 in > c2
	# at once: up at 00:15 and at 02:15 on one forecast each (the way down
	# runs through the Alert the 00:30 forecast showed, after --hold)
	[ "$(changes c1)" = "$(printf '00:15\t0\t2\t1 01:15\t2\t1\t0 02:00\t1\t0\t0 02:15\t0\t2\t3')" ]
	# --confirm 2: up at 00:30, the second forecast in a row (the observed
	# slices between them do not break the run); the lone forecast at 02:15
	# raises nothing; the observed Critical slice ending 03:30 does, at once
	[ "$(changes c2)" = "$(printf '00:30\t0\t2\t1 01:15\t2\t1\t0 02:00\t1\t0\t0 03:30\t0\t2\t0')" ]
	# the states of the slices are the same either way
	diff <(of state c1) <(of state c2)
	run --separate-stderr fx-classify --confirm 0 in
	[ "$status" -eq 2 ]
}

@test "levels: limit_kw x ratios from the configuration per feeder or by default, --limit, or a warning" {
	cat > cfg.json <<-EOF
	{"defaults": {"limit_kw": 1000, "alert_ratio": 0.5, "critical_ratio": 0.9},
	 "feeders": [{"id": "A", "limit_kw": 200},
	             {"id": "B", "limit_kw": 400, "alert_ratio": 0.6, "critical_ratio": 0.7}]}
	EOF
	printf 'h %s 0 %s\n' A 150 B 250 C 950 | recs > in
	levels() { of state /dev/stdin | jq -r '[.feeder_id, .alert_kw, .critical_kw, .state] | @tsv' | paste -sd' '; }
	[ "$(fx-classify -q -c cfg.json in | levels)" = "A	100	180	1 B	240	280	1 C	500	900	2" ]
	FX_CONFIG=cfg.json run --separate-stderr fx-classify -q in
	[ "$(printf '%s\n' "$output" | levels)" = "A	100	180	1 B	240	280	1 C	500	900	2" ]
	# --limit before the default limit_kw, after the feeder's own
	[ "$(fx-classify -q -c cfg.json --limit 100 in | levels)" = "A	100	180	1 B	240	280	1 C	50	90	2" ]
	# the default ratios 0.8 and 0.95
	[ "$(fx-classify -q --limit 200 in | levels)" = "A	160	190	0 B	160	190	2 C	160	190	2" ]
	# no levels: one warning per feeder, records passed, no states
	echo '{"feeders": [{"id": "A", "limit_kw": 200}]}' > cfg2.json
	printf 'h B 15 250\n' | recs >> in
	run --separate-stderr fx-classify -c cfg2.json in
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "fx-classify: warning: feeder 'B': no limit_kw (config, --limit or model file): not classified" ]
	[ "${stderr_lines[1]}" = "fx-classify: warning: feeder 'C': no limit_kw (config, --limit or model file): not classified" ]
	[ "${stderr_lines[2]}" = "fx-classify: 4 records in: 4 passed, 0 rejected; 1 states, 0 state changes, 0 labels" ]
	[ "${#stderr_lines[@]}" -eq 3 ]
	printf '%s\n' "$output" > out
	[ "$(of state out | jq -r .feeder_id | paste -sd' ')" = "A" ]
	diff in <(of features out)
}

@test "train: a model of separable data reproduces the labels, and training is deterministic" {
	cp "$BATS_FILE_TMPDIR/data3" data
	run --separate-stderr fx-classify train --limit 600 --l2 1e-6 -o m.json data
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "fx-classify: 2880 records in: 2880 passed, 0 rejected; 0 states, 0 state changes, 2284 labels" ]
	[[ "${stderr_lines[1]}" == "fx-classify: train: 2284 samples ("*"kept 1 in 1, 1, 1), "*" iterations; held out 0; wrote m.json" ]]
	# converged: fewer than the 50 iterations allowed
	[ "$(jq '.iterations < 50 and .coef[0] == [range(18) | 0] and .feeders.G1.levels_from == "--limit" and .feeders.G2.alert_kw == 480' m.json)" = true ]
	fx-classify label -q --limit 600 data > labels
	[ "$(wc -l < labels)" -eq 2284 ]
	[ "$(jq -c '.training_samples' m.json)" = "$(jq -s -c '[0, 1, 2] as $k | map(.state) | [$k[] as $c | map(select(. == $c)) | length]' labels)" ]
	fx-classify -q -m m.json data > out
	probs_sum_to_1 out
	# the model's states of the predicted slices against what was observed
	jq -n -r --slurpfile l labels '
	    (reduce $l[] as $x ({}; .["\($x.feeder_id) \($x.slice_start) \($x.issued_at)"] = $x.state)) as $y |
	    reduce (inputs | select(.type == "state" and .horizon > 0) |
		[$y["\(.feeder_id) \(.slice_start) \(.issued_at)"], .state] | select(.[0] != null)) as $p
		([[0, 0, 0], [0, 0, 0], [0, 0, 0]]; .[$p[0]][$p[1]] += 1) |
	    (map(add) | add) as $n | "\($n) \(([.[0][0], .[1][1], .[2][2]] | add) / $n) \(tojson)"' out > got
	read -r n acc cm < got
	[ "$n" -eq 2284 ]
	awk -v a="$acc" 'BEGIN { exit !(a > 0.95) }' || { echo "accuracy $acc"; return 1; }
	# which is what training says of itself
	[ "$cm" = "$(jq -c .training.metrics.confusion m.json)" ]
	of state out | jq -e -s --arg v "$(jq -r .model_version m.json)" 'all(.[] | select(.horizon > 0); .model == $v and (.top | length) == 3)' > /dev/null
	# deterministic
	fx-classify train -q --limit 600 --l2 1e-6 -o m2.json data
	[ "$(jq -S -c 'del(.created, .model_version)' m.json)" = "$(jq -S -c 'del(.created, .model_version)' m2.json)" ]
}

@test "train: each class reservoir-sampled to --max-samples, later slices held out" {
	cp "$BATS_FILE_TMPDIR/data3" data
	fx-classify label -q --limit 600 data > labels
	count() { jq -s -c "map(select($1)) | [0, 1, 2] as \$k | map(.state) | [\$k[] as \$c | map(select(. == \$c)) | length]" labels; }
	run --separate-stderr fx-classify train --limit 600 --max-samples 100 --train-to 2025-01-08 -o m.json data
	[ "$status" -eq 0 ]
	tr=$(count '.slice_start < "2025-01-08"')
	ho=$(count '.slice_start >= "2025-01-08"')
	# offered: every row; kept: 100 of each class at most
	[ "$(jq -c .training.metrics.samples m.json)" = "$tr" ]
	[ "$(jq -c .heldout.metrics.samples m.json)" = "$ho" ]
	kept=$(jq -c 'map([., 100] | min)' <<< "$tr")
	[ "$(jq -c '[.training_samples, .training.kept, .training.class0_kept, .training.to, .heldout.from, .heldout.to]' m.json)" = \
	    "[$kept,$kept,100,\"2025-01-08T00:00:00Z\",\"2025-01-08T00:00:00Z\",null]" ]
	# the data has more than 100 of every class in training
	[ "$(jq -c 'map(. > 100) | all' <<< "$tr")" = true ]
	w=$(jq -r 'map(. / 100) | map(tostring) | join(" ")' <<< "$tr")
	w=$(for v in $w; do awk -v n="$v" 'BEGIN { printf "%.3g\n", n }'; done | paste -sd, | sed 's/,/, /g')
	nho=$(jq 'map([., 100] | min) | add' <<< "$ho")
	[[ "${stderr_lines[1]}" == *"kept 1 in $w), "*"; held out $nho; wrote m.json" ]] || { echo "${stderr_lines[1]} / $w"; return 1; }
	# the confusion matrix's rows are scaled back to every slice of the class
	[ "$(jq --argjson tr "$tr" '[.training.metrics.confusion | to_entries[] | (.value | add) - $tr[.key] | fabs <= 2] | all' m.json)" = true ]
	# the same rows given as label records or as a matrix: the same samples
	fx-classify label -q --limit 600 --matrix data.fxm data
	fx-classify train -q --max-samples 100 --train-to 2025-01-08 -o mm.json data.fxm
	[ "$(jq -S -c 'del(.created, .model_version)' m.json)" = "$(jq -S -c 'del(.created, .model_version)' mm.json)" ]
}

@test "train from label records or a training matrix: the same model as from the features" {
	cp "$BATS_FILE_TMPDIR/data3" data
	fx-classify train -q --limit 600 --l2 1e-6 --train-to 2025-01-08 -o m.json data
	run --separate-stderr fx-classify label --limit 600 --matrix data.fxm data
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-classify: 2880 records in: 2880 passed, 0 rejected; 0 states, 0 state changes, 2284 labels" ]
	# the file: its marks, header, 84-byte rows and trailer
	[ "$(head -c 8 data.fxm)" = FXCLMAT1 ]
	[ "$(tail -c 8 data.fxm)" = FXCLEND1 ]
	python3 -S - data.fxm <<-'PY'
	import json, struct, sys
	b = open(sys.argv[1], "rb").read()
	hl, = struct.unpack_from("<I", b, 8)
	h = json.loads(b[12:12 + hl])
	assert h["format"] == "fluxeon-classify-matrix" and h["row_bytes"] == 84, h
	assert h["inputs"][0] == "p50" and len(h["inputs"]) == 17, h
	rows, tl = struct.unpack_from("<QI", b, len(b) - 20)
	assert rows == 2284 and 12 + hl + 84 * rows + tl + 20 == len(b), (rows, tl)
	t = json.loads(b[12 + hl + 84 * rows:len(b) - 20])
	assert t["labels"] == 2284 and [f["feeder_id"] for f in t["feeders"]] == ["G1", "G2"], t
	assert t["feeders"][0]["critical_kw"] == 570 and t["feeders"][0]["levels_from"] == "--limit", t
	# the first row against the first label record
	start, feeder, horizon, state, res = struct.unpack_from("<qIBBH", b, 12 + hl)
	x = struct.unpack_from("<17f", b, 12 + hl + 16)
	assert (start, feeder, horizon, res) == (1736122500000, 0, 1, 0), (start, feeder, horizon)
	PY
	# the matrix gives the very same model, bit for bit
	fx-classify train -q --l2 1e-6 --train-to 2025-01-08 -o mm.json data.fxm
	[ "$(jq -S -c 'del(.created, .model_version)' m.json)" = "$(jq -S -c 'del(.created, .model_version)' mm.json)" ]
	# label records (inputs to six decimals) the same up to their rounding
	fx-classify label -q --limit 600 data > labels
	jq -e -s 'all(.[]; .levels_from == "--limit")' labels > /dev/null
	run --separate-stderr fx-classify train --l2 1e-6 --train-to 2025-01-08 -o ml.json labels
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "fx-classify: 2284 records in: 2284 passed, 0 rejected; 0 states, 0 state changes, 2284 labels" ]
	jq -e -n --slurpfile a m.json --slurpfile b ml.json '$a[0] as $a | $b[0] as $b |
	    $a.decision == $b.decision and $a.training_samples == $b.training_samples and
	    $a.training.metrics == $b.training.metrics and $a.heldout.metrics == $b.heldout.metrics and
	    $a.feeders == $b.feeders and
	    ([$a.coef, $b.coef] | transpose | map(transpose[]) | all((.[0] - .[1] | fabs) <= 1e-3 * (1 + (.[0] | fabs))))' > /dev/null ||
	    { jq -c .coef m.json ml.json; return 1; }
	# the number of threads does not change the model
	fx-classify train -q --threads 1 --l2 1e-6 --train-to 2025-01-08 -o t1.json data.fxm
	fx-classify train -q --threads 3 --l2 1e-6 --train-to 2025-01-08 -o t3.json data.fxm
	[ "$(jq -S -c 'del(.created, .model_version)' t1.json)" = "$(jq -S -c 'del(.created, .model_version)' t3.json)" ]
	[ "$(jq -S -c 'del(.created, .model_version)' t1.json)" = "$(jq -S -c 'del(.created, .model_version)' mm.json)" ]
	# label, features and matrix files mixed: two matrices count twice
	fx-classify train -q --l2 1e-6 -o two.json data.fxm data.fxm
	[ "$(jq -c '.training.metrics.samples | add' two.json)" -eq 4568 ]
}

@test "a training matrix that is cut short, altered or not this program's is refused; bad rows are counted" {
	cp "$BATS_FILE_TMPDIR/data2" data
	fx-classify label -q --limit 600 --matrix data.fxm data
	size=$(stat -c %s data.fxm)
	rows=$(( $(fx-classify label -q --limit 600 data | wc -l) ))
	# cut short: no end mark
	head -c $((size - 30)) data.fxm > cut.fxm
	run --separate-stderr fx-classify train -o m.json cut.fxm
	[ "$status" -eq 1 ]
	[ "$stderr" = "fx-classify: cut.fxm: not a training matrix: no end mark (cut short?)" ]
	[ ! -e m.json ]
	# a row lost in the middle: the rows no longer fill the space
	python3 -S -c 'import sys; b = open("data.fxm", "rb").read(); sys.stdout.buffer.write(b[:500] + b[584:])' > lost.fxm
	run --separate-stderr fx-classify train -o m.json lost.fxm
	[ "$status" -eq 1 ]
	[ "$stderr" = "fx-classify: lost.fxm: not a training matrix: the rows do not fill the space between header and trailer" ]
	# other inputs (another version's matrix)
	python3 -S -c 'import sys; b = open("data.fxm", "rb").read(); sys.stdout.buffer.write(b.replace(b"\"spike\"", b"\"spikz\"", 1))' > inputs.fxm
	run --separate-stderr fx-classify train -o m.json inputs.fxm
	[ "$status" -eq 1 ]
	[ "$stderr" = "fx-classify: inputs.fxm: not a training matrix: inputs are not this program's (made by another version?)" ]
	# rows of another size (a version with other inputs)
	python3 -S -c 'import sys; b = open("data.fxm", "rb").read(); sys.stdout.buffer.write(b.replace(b"\"row_bytes\":84", b"\"row_bytes\":68", 1))' > size.fxm
	run --separate-stderr fx-classify train -o m.json size.fxm
	[ "$status" -eq 1 ]
	[ "$stderr" = "fx-classify: size.fxm: not a training matrix: row_bytes is 68, not 84: made for other inputs (another version?)" ]
	# bad rows: a state of 7 in row 2, a feeder index past the trailer's in row 5, a NaN in row 9
	python3 -S - data.fxm bad.fxm <<-'PY'
	import struct, sys
	b = bytearray(open(sys.argv[1], "rb").read())
	r0 = 12 + struct.unpack_from("<I", b, 8)[0]
	b[r0 + 84 + 13] = 7
	struct.pack_into("<I", b, r0 + 4 * 84 + 8, 9)
	struct.pack_into("<f", b, r0 + 8 * 84 + 16 + 4 * 3, float("nan"))
	open(sys.argv[2], "wb").write(b)
	PY
	run --separate-stderr fx-classify train -o m.json bad.fxm
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "fx-classify: bad.fxm: row 2: state: not 0, 1 or 2" ]
	[ "${stderr_lines[1]}" = "fx-classify: bad.fxm: row 5: feeder: not one with levels in the trailer" ]
	[ "${stderr_lines[2]}" = "fx-classify: bad.fxm: row 9: x: not a finite number" ]
	[ "${stderr_lines[3]}" = "fx-classify: $rows records in: $((rows - 3)) passed, 3 rejected; 0 states, 0 state changes, $((rows - 3)) labels" ]
	[ "$(jq '.training.metrics.samples | add' m.json)" -eq $((rows - 3)) ]
	run --separate-stderr fx-classify train --strict -o m2.json bad.fxm
	[ "$status" -eq 1 ]
	[ ! -e m2.json ]
	# a matrix is for train only; --matrix for label only
	run --separate-stderr fx-classify label data.fxm
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-classify: data.fxm: a training matrix is read by train only" ]
	run --separate-stderr fx-classify --matrix x.fxm data
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-classify: --matrix: only with label" ]
	# an unwritable matrix
	run --separate-stderr fx-classify label --limit 600 --matrix /nonexistent/x.fxm data
	[ "$status" -eq 1 ]
	[[ "$stderr" == "fx-classify: /nonexistent/x.fxm: No such file or directory"* ]]
	# any byte changed anywhere: refused whole, or rows counted, never a crash
	for i in $(seq 1 40); do
		python3 -S -c 'import random, sys
random.seed(int(sys.argv[1]))
b = bytearray(open("data.fxm", "rb").read())
for _ in range(random.randint(1, 4)):
    b[random.randrange(len(b))] = random.randrange(256)
open("fz.fxm", "wb").write(b)' "$i"
		rc=0
		fx-classify train -q -o fz.json fz.fxm 2> err || rc=$?
		[ "$rc" -le 1 ] || { echo "seed $i: exit $rc"; cat err; return 1; }
		if [ "$rc" -eq 0 ]; then
			n=$(fx-classify train -o fz.json fz.fxm 2>&1 >/dev/null | sed -n 's/^fx-classify: \([0-9]*\) records in: \([0-9]*\) passed, \([0-9]*\) rejected.*/\1 \2 \3/p')
			read -r a b c <<< "$n"
			[ "$a" -eq $((b + c)) ] || { echo "seed $i: $n"; return 1; }
		fi
	done
}

@test "train: bad label records are reported, counted and skipped" {
	cp "$BATS_FILE_TMPDIR/data2" data
	fx-classify label -q --limit 600 data | head -n 50 > labels
	good=$(sed -n 1p labels)
	{ jq -c '.state = 3' <<< "$good"
	  jq -c 'del(.x.spike)' <<< "$good"
	  jq -c '.x.p50 = "1"' <<< "$good"
	  jq -c '.alert_kw = 0' <<< "$good"
	  jq -c '.critical_kw = 1' <<< "$good"
	  jq -c '.slice_start = "yesterday"' <<< "$good"
	  jq -c 'del(.feeder_id)' <<< "$good"
	  echo '{"type":"label"'
	  jq -c '.feeder_id = "G\u00e9"' <<< "$good"; } > bad
	cat labels bad > in
	run --separate-stderr fx-classify train -o m.json in
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "fx-classify: in:51: state: want 0, 1 or 2" ]
	[ "${stderr_lines[1]}" = "fx-classify: in:52: x: want an object of the 17 model inputs (see fx-classify(1)), each a finite number" ]
	[ "${stderr_lines[2]}" = "fx-classify: in:53: x: want an object of the 17 model inputs (see fx-classify(1)), each a finite number" ]
	[ "${stderr_lines[3]}" = "fx-classify: in:54: alert_kw, critical_kw: want numbers 0 < alert_kw <= critical_kw" ]
	[ "${stderr_lines[4]}" = "fx-classify: in:55: alert_kw, critical_kw: want numbers 0 < alert_kw <= critical_kw" ]
	[ "${stderr_lines[5]}" = "fx-classify: in:56: slice_start: missing or not an RFC 3339 time" ]
	[ "${stderr_lines[6]}" = "fx-classify: in:57: feeder_id: missing, empty or not a string" ]
	[[ "${stderr_lines[7]}" == "fx-classify: in:58: "* ]]
	[ "${stderr_lines[8]}" = "fx-classify: 59 records in: 51 passed, 8 rejected; 0 states, 0 state changes, 51 labels" ]
	# the escaped feeder id was read by the full parse
	[ "$(jq -r '.feeders | keys | join(" ")' m.json)" = "G1 G2 Gé" ]
	# levels of label records that do not say where they came from
	jq -c 'del(.levels_from)' labels > nofrom
	fx-classify train -q -o nf.json nofrom
	[ "$(jq -r '.feeders.G1.levels_from' nf.json)" = label ]
	validate_model nf.json
}

# accuracy MODEL DATA LABELS FEEDER: the share of FEEDER's predicted slices
# whose state under MODEL is the observed one.
accuracy() {
	fx-classify -q -m "$1" "$2" | jq -n -r --slurpfile l "$3" --arg f "$4" '
	    (reduce $l[] as $x ({}; .["\($x.feeder_id) \($x.slice_start) \($x.issued_at)"] = $x.state)) as $y |
	    [inputs | select(.type == "state" and .horizon > 0 and .feeder_id == $f) |
		[$y["\(.feeder_id) \(.slice_start) \(.issued_at)"], .state] | select(.[0] != null) | .[0] == .[1]] |
	    (map(select(.)) | length) / length'
}

@test "train --per-feeder: a feeder unlike the others gets its own model, which classifies it" {
	# G2's forecasts run 60 kW low; G3, a copy of G1 for six hours, has too few rows
	jq -c 'if .feeder_id == "G2" and .segment == "predicted" then .mean -= 60 | .lo80 -= 60 | .hi80 -= 60 | .hi95 -= 60 else . end' \
	    "$BATS_FILE_TMPDIR/data3" > data
	jq -c 'select(.feeder_id == "G1" and .window_start < "2025-01-06T06:00:00Z") | .feeder_id = "G3"' \
	    "$BATS_FILE_TMPDIR/data3" >> data
	fx-classify label -q --limit 600 data > labels
	fx-classify train -q --limit 600 --train-to 2025-01-08 -o global.json data
	run --separate-stderr fx-classify train --limit 600 --train-to 2025-01-08 --per-feeder 500 -o m.json data
	[ "$status" -eq 0 ]
	[[ "${stderr_lines[1]}" == *"; held out "*"; 2 feeders with their own model; wrote m.json" ]] || { echo "${stderr_lines[1]}"; return 1; }
	[ "$(jq -c '[.feeders.G1.model != null, .feeders.G2.model != null, .feeders.G3.model, .feeders.G3.levels_from]' m.json)" = '[true,true,null,"--limit"]' ]
	# the global model is the same with or without the feeders' own
	[ "$(jq -S -c 'del(.created, .model_version, .feeders)' m.json)" = "$(jq -S -c 'del(.created, .model_version, .feeders)' global.json)" ]
	# G2's rows: its own model against the global one, on its training and held-out rows
	[ "$(jq -c '.feeders.G2.model.training.metrics.samples' m.json)" = "$(jq -s -c 'map(select(.feeder_id == "G2" and .slice_start < "2025-01-08")) | [0, 1, 2] as $k | map(.state) | [$k[] as $c | map(select(. == $c)) | length]' labels)" ]
	jq -e 'def acc: .confusion | ([.[0][0], .[1][1], .[2][2]] | add) / (map(add) | add);
	    .feeders.G2.model.heldout | (.metrics | acc) > (.global_metrics | acc) + 0.05' m.json > /dev/null ||
	    { jq -c '.feeders.G2.model.heldout' m.json; return 1; }
	# classified by its own model, named after the file's version and the feeder
	fx-classify -q -m m.json data > out
	v=$(jq -r .model_version m.json)
	[ "$(of state out | jq -r 'select(.horizon > 0) | "\(.feeder_id) \(.model)"' | sort -u | paste -sd,)" = "G1 $v#G1,G2 $v#G2,G3 $v" ]
	probs_sum_to_1 out
	own=$(accuracy m.json data labels G2)
	glob=$(accuracy global.json data labels G2)
	awk -v a="$own" -v b="$glob" 'BEGIN { exit !(a > b + 0.05) }' || { echo "own $own, global $glob"; return 1; }
	# its explanations are its own model's
	of state out | jq -e -s 'all(.[] | select(.feeder_id == "G2" and .horizon > 0); (.top | length) == 3)' > /dev/null
	# --rules: no model at all
	[ "$(fx-classify -q -m m.json --rules data | jq -r 'select(.type == "state" and .horizon > 0) | .model' | sort -u)" = rules ]
	validate_model m.json
	# a feeder's own model that does not read is refused with the file
	jq '.feeders.G2.model.coef[1][2] = "x"' m.json > bad.json
	run --separate-stderr fx-classify -m bad.json data
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-classify: bad.json: feeders.G2.model: coef[1][2]: not a finite number" ]
	jq '.feeders.G1.model = 3' m.json > bad.json
	run --separate-stderr fx-classify -m bad.json data
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-classify: bad.json: feeders.G1.model: not an object" ]
	# --feeder-max-samples: each feeder's rows of each class kept
	fx-classify train -q --limit 600 --train-to 2025-01-08 --per-feeder 500 --feeder-max-samples 100 -o f.json data
	[ "$(jq -c '[.feeders.G1.model.training.kept, .feeders.G2.model.training.kept] | flatten | max' f.json)" -eq 100 ]
}

@test "the model file: classify with -m, --rules, levels from the model; corrupt files are refused" {
	cp "$BATS_FILE_TMPDIR/data2" data
	fx-classify train -q --limit 600 -o m.json data
	recs > in <<-EOF
	h G1 0 500
	p G1 15 1 450 400 500
	p G1 15 2 500 450 550
	p G1 15 3 650 600 700
	p G1 15 4 300 250 350
	h X9 0 500
	EOF
	# G1's levels from the model even with another --limit; X9's from --limit
	fx-classify -q -m m.json --limit 1000 in > out
	[ "$(of state out | jq -r '[.feeder_id, .horizon, .alert_kw, .critical_kw, .model] | @tsv' | paste -sd' ')" = \
	    "G1	0	480	570	observed G1	1	480	570	$(jq -r .model_version m.json) G1	2	480	570	$(jq -r .model_version m.json) G1	3	480	570	$(jq -r .model_version m.json) G1	4	480	570	$(jq -r .model_version m.json) X9	0	800	950	observed" ]
	probs_sum_to_1 out
	# top: three distinct inputs, contributions in decreasing magnitude,
	# each (coef[k] - coef[0]) x the standardised input
	jq -n -e --slurpfile m m.json '$m[0] as $m | [inputs | select(.type == "state" and .horizon > 0) |
	    (if .state == 0 then 2 else .state end) as $k |
	    (.top | map(.input) | unique | length == 3) and
	    ([.top[].contribution | fabs] | . == (sort | reverse)) and
	    all(.top[]; (.input as $in | $m.inputs | index($in)) as $j |
		((.value - $m.scaler.mean[$j]) / $m.scaler.sd[$j] * ($m.coef[$k][$j] - $m.coef[0][$j])) as $w |
		($w - .contribution | fabs) <= 1e-3 * ([1, ($w | fabs)] | max) +
		    ($m.coef[$k][$j] - $m.coef[0][$j] | fabs) * 6e-5 / $m.scaler.sd[$j])] |
	    length == 4 and all' out > /dev/null
	# --rules: the model's levels, the rules' probabilities
	fx-classify -q -m m.json --rules in > rules
	fx-classify -q --limit 600 in > plain
	diff <(made rules | grep G1) <(made plain | grep G1)
	# corrupt model files
	echo 'nope' > notjson.json
	jq '.format = "x"' m.json > format.json
	jq '.inputs[3] = "hi99"' m.json > inputs.json
	jq '.inputs |= .[0:17]' m.json > ninputs.json
	jq '.coef[1][2] = "1"' m.json > coef.json
	jq '.coef |= .[0:2]' m.json > rows.json
	jq '.decision.critical = 0' m.json > decision.json
	jq '.scaler.sd[2] = 0' m.json > sd.json
	jq 'del(.model_version)' m.json > version.json
	for f in notjson:'invalid JSON' format:'not a fluxeon-classify-model file' \
	    inputs:'inputs[3]: want "hi95"' ninputs:'inputs: want the 18 inputs' \
	    coef:'coef[1]' rows:'coef: not 3 rows' decision:'decision: want alert and critical probabilities in (0, 1]' \
	    sd:'scaler.sd[2]: not > 0' version:'model_version: missing' nonexistent:'No such file'; do
		for mode in "" label; do
			[ -z "$mode" ] || [ "${f%%:*}" = inputs ] || continue
			run --separate-stderr fx-classify $mode -m "${f%%:*}.json" in
			[ "$status" -eq 2 ] || { echo "$f: exit $status"; return 1; }
			[ -z "$output" ]
			[ "${#stderr_lines[@]}" -eq 1 ]
			[[ "$stderr" == "fx-classify: ${f%%:*}.json: "*"${f#*:}"* ]] || { echo "$f: $stderr"; return 1; }
		done
	done
}

@test "a coefficient that is not a number is named in the error" {
	cp "$BATS_FILE_TMPDIR/data2" data
	fx-classify train -q --limit 600 -o m.json data
	jq '.coef[1][2] = "1"' m.json > coef.json
	run --separate-stderr fx-classify -m coef.json /dev/null
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-classify: coef.json: coef[1][2]: not a finite number" ]
}

@test "label: a row for each predicted slice once its observed slice arrives, with its inputs" {
	recs > in <<-EOF
	h F1 0 100 120
	p F1 15 1 450 400 500
	p F1 15 2 500 450 550
	p F1 15 3 650 600 700
	p F1 15 4 300 250 350
	r F1 16 333
	h F1 15 500
	h F1 30 700
	EOF
	run --separate-stderr fx-classify label --limit 600 in
	[ "$status" -eq 0 ]
	[ "$stderr" = "fx-classify: 8 records in: 8 passed, 0 rejected; 0 states, 0 state changes, 2 labels" ]
	printf '%s\n' "$output" > out
	[ "$(jq -c '[.slice_start[11:16], .slice_end[11:16], .horizon, .issued_at[11:16], .state]' out | paste -sd' ')" = \
	    '["00:15","00:30",1,"00:15",1] ["00:30","00:45",2,"00:15",2]' ]
	# the inputs, recomputed (critical level 570, alert 480)
	jq -n -e --slurpfile in in '
	    ($in | map(select(.segment == "predicted") | {key: .window_start, value: .}) | from_entries) as $p |
	    [inputs | . as $l | $p[.slice_start] as $q |
		{p50: ($q.mean / 570), hi80: ($q.hi80 / 570), hi95: ($q.hi95 / 570),
		 lo80: ($q.lo80 / 570), now_mean: (100 / 570), now_max: (120 / 570),
		 trend: (($q.mean - 100) / 570), alert_level: (480 / 570),
		 horizon: ($q.step / 4), tod_sin: $q.tod_sin, tod_cos: $q.tod_cos,
		 temperature: ((25 - 15) / 10), spike: 0,
		 rise1h: 0, max4h: (100 / 570), yday: ($q.mean / 570),
		 week: ($q.mean / 570)} as $w |
		($l.x | keys_unsorted) == ($w | keys_unsorted) and
		all($w | to_entries[]; (.value - $l.x[.key] | fabs) <= 5.01e-7)] |
	    length == 2 and all' out > /dev/null
	# no labels until the observed slices come
	head -n 6 in > part
	[ -z "$(fx-classify label -q --limit 600 part)" ]
}

@test "label: the inputs from the feeder's history: the rise in an hour, the 4-hour peak, the slice a day and a week before" {
	# the slice at 00:15 a week and a day before, then 00:00 back to
	# 23:00 the day before; a forecast at 00:15 of 00:15 and 00:30
	recs > in <<-EOF
	h F1 -10065 200
	h F1 -1425 300
	h F1 -300 590
	h F1 -60 150
	h F1 -45 400
	h F1 -30 120
	h F1 -15 90
	h F1 0 100
	p F1 15 1 450 400 500
	p F1 15 2 500 450 550
	h F1 15 500
	h F1 30 700
	EOF
	fx-classify label -q --limit 600 in > out
	[ "$(jq -c '[.horizon] + ([.x.rise1h, .x.max4h, .x.yday, .x.week] | map(. * 570 | round))' out | paste -sd' ')" = \
	    '[1,-50,400,300,200] [2,-50,400,500,500]' ]
	# a 4-hour peak is forgotten after 4 hours; a slice not seen (a gap
	# in the readings) is not taken for another
	recs > in2 <<-EOF
	h F1 -255 590
	h F1 -240 100
	h F1 -30 120
	h F1 0 100
	p F1 15 1 450 400 500
	h F1 15 500
	EOF
	[ "$(fx-classify label -q --limit 600 in2 | jq -c '[.x.rise1h, .x.max4h, .x.yday, .x.week] | map(. * 570 | round)')" = \
	    '[0,120,450,450]' ]
	# slices of another length start the history afresh
	recs > in3 <<-EOF
	h F1 -60 300
	h F1 -45 400
	EOF
	jq -c '.window_end = (.window_start | fromdate + 1800 | todate)' in3 > in4
	recs >> in4 <<-EOF
	h F1 0 100
	p F1 15 1 450 400 500
	h F1 15 500
	EOF
	[ "$(fx-classify label -q --limit 600 in4 | jq -c '[.x.rise1h, .x.max4h] | map(. * 570 | round)')" = '[0,100]' ]
}

@test "label: --from and --to select slices; the states are the observed ones" {
	cp "$BATS_FILE_TMPDIR/data2" data
	fx-classify label -q --limit 600 data > all
	[ "$(wc -l < all)" -eq 1516 ]
	# every label's state is that of its observed slice's mean
	jq -s -c 'map(select(.segment == "history")) | map({key: "\(.feeder_id) \(.window_start)", value: (if .mean >= 570 then 2 elif .mean >= 480 then 1 else 0 end)}) | from_entries' data > obs
	jq -e -s --slurpfile o obs 'all(.[]; .state == $o[0]["\(.feeder_id) \(.slice_start)"])' all > /dev/null
	fx-classify label -q --limit 600 --from 2025-01-06T12:00:00Z --to 2025-01-07 data > some
	[ "$(wc -l < some)" -gt 100 ]
	diff some <(jq -c 'select(.slice_start >= "2025-01-06T12:00:00Z" and .slice_start < "2025-01-07T00:00:00Z")' all)
}

@test "--derive-levels: the quantiles of each feeder's observed means before --train-to" {
	cp "$BATS_FILE_TMPDIR/data2" data
	run --separate-stderr fx-classify label -q --derive-levels 0.5,0.9 --train-to 2025-01-07T06:00:00Z data
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" > out
	jq -c -r '[.feeder_id, .alert_kw, .critical_kw] | @tsv' out | sort -u > got
	jq -s -r 'map(select(.segment == "history" and .window_start < "2025-01-07T06:00:00Z")) |
	    group_by(.feeder_id)[] | (map(.mean) | sort) as $v |
	    def q($p): ($p * ($v | length - 1)) as $pos | ($pos | floor) as $i |
		$v[$i] + ($pos - $i) * ($v[$i + 1] - $v[$i]);
	    [.[0].feeder_id, q(0.5), q(0.9)] | @tsv' data > want
	[ "$(wc -l < want)" -eq 2 ]
	paste got want | awk -F'\t' '$1 != $4 || ($2 - $5) ^ 2 > 1e-8 || ($3 - $6) ^ 2 > 1e-8 { print; bad = 1 } END { exit bad }'
	# labels use them: the state of each row is its observed mean against them
	jq -s -c 'map(select(.segment == "history")) | map({key: "\(.feeder_id) \(.window_start)", value: .mean}) | from_entries' data > obs
	jq -e -s --slurpfile o obs 'all(.[]; $o[0]["\(.feeder_id) \(.slice_start)"] as $m |
	    .state == (if $m >= .critical_kw then 2 elif $m >= .alert_kw then 1 else 0 end))' out > /dev/null
	# train writes them to the model file
	fx-classify train -q --derive-levels 0.5,0.9 --train-to 2025-01-07T06:00:00Z -o m.json data
	[ "$(jq -r '.feeders | to_entries[] | [.key, .value.alert_kw, .value.critical_kw, .value.levels_from] | @tsv' m.json)" = "$(sed 's/$/\tderived/' got)" ]
	# fewer than 96 observed slices: no levels
	run --separate-stderr fx-classify label --derive-levels 0.5,0.9 --train-to 2025-01-06T23:00:00Z data
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "fx-classify: warning: feeder 'G1': 92 observed slices before --train-to: too few to derive levels" ]
	# only with label or train, on files, with --train-to or --to
	for args in "label --derive-levels 0.5,0.9 data" "train -o m.json --derive-levels 0.5,0.9 data" \
	    "--derive-levels 0.5,0.9 --train-to 2025-01-07 data" "label --derive-levels 0.5,0.9 --train-to 2025-01-07"; do
		run --separate-stderr fx-classify $args < data
		[ "$status" -eq 2 ] || { echo "$args: exit $status"; return 1; }
		[ -z "$output" ]
		[[ "$stderr" == "fx-classify: --derive-levels: "* ]] || { echo "$args: $stderr"; return 1; }
	done
}

@test "--derive-levels: a spike open at the end of the files does not raise the first slices" {
	{ for i in $(seq 0 99); do echo "h D $((15 * i)) $((100 + i))"; echo "p D $((15 * i + 15)) 1 $((100 + i)) $((90 + i)) $((110 + i))"; done
	  echo "s D 1500 start limit critical"; } | recs > in
	fx-classify label -q --derive-levels 0.5,0.9 --train-to 2025-01-08 in > out
	[ "$(head -n 1 out | jq .state)" -eq 0 ]
}

@test "bad input lines are reported, counted and skipped; the rest is classified" {
	recs > good <<-EOF
	h F1 0 100
	p F1 15 1 450 400 500
	p F1 15 2 500 450 550
	p F1 15 3 650 600 700
	p F1 15 4 300 250 350
	h F1 15 700
	EOF
	{ sed -n 1p good
	  echo 'not json'
	  echo '{"type":"features","feeder_id":"F1","window_end":"2025-01-06T00:15:00Z","segment":"history","mean":1}'
	  echo '{"type":"features","feeder_id":"F1","window_start":"2025-01-06T00:45:00Z","window_end":"2025-01-06T01:00:00Z","segment":"predicted","issued_at":"2025-01-06T00:45:00Z","mean":450,"lo80":400,"hi80":500,"hi95":510}'
	  echo '{"type":"features","feeder_id":"F1","window_start":"2025-01-06T00:45:00Z","window_end":"2025-01-06T01:00:00Z","segment":"future","mean":4}'
	  echo '{"type":"features","feeder_id":"F1","window_start":"2025-01-06T00:45:00Z","window_end":"2025-01-06T01:00:00Z","segment":"history","mean":"4"}'
	  echo '{"type":"features","feeder_id":"F1","window_start":"2025-01-06T00:45:00Z","window_end":"2025-01-06T00:45:00Z","segment":"history","mean":4}'
	  echo '{"type":"features","feeder_id":"F1","window_start":"2025-01-06T00:45:00Z","window_end":"2025-01-06T01:00:00Z","segment":"predicted","step":5,"issued_at":"2025-01-06T00:45:00Z","mean":450,"lo80":400,"hi80":500,"hi95":510}'
	  echo '{"type":"features","feeder_id":"F1","window_start":"2025-01-06T00:45:00Z","window_end":"2025-01-06T01:00:00Z","segment":"predicted","step":1,"mean":450,"lo80":400,"hi80":500,"hi95":510}'
	  echo '{"type":"features","feeder_id":"F1","window_start":"2025-01-06T00:45:00Z","window_end":"2025-01-06T01:00:00Z","segment":"predicted","step":1,"issued_at":"2025-01-06T00:45:00Z","mean":450,"lo80":400}'
	  echo '{"type":"features","window_start":"2025-01-06T00:45:00Z","window_end":"2025-01-06T01:00:00Z","segment":"history","mean":4}'
	  echo '{"type":"spike","phase":"start"}'
	  echo ''
	  sed -n '2,$p' good; } > in
	run --separate-stderr fx-classify --limit 600 in
	[ "$status" -eq 0 ]
	printf '%s\n' "${stderr_lines[@]}" > err
	cat > want <<-'EOF'
	fx-classify: in:2: invalid JSON: Invalid literal at line 1, column 1
	fx-classify: in:3: window_start, window_end: want RFC 3339 times, start before end
	fx-classify: in:4: step: not an integer 1 to 4
	fx-classify: in:5: segment: want "history" or "predicted"
	fx-classify: in:6: mean: missing or not a number
	fx-classify: in:7: window_start, window_end: want RFC 3339 times, start before end
	fx-classify: in:8: step: not an integer 1 to 4
	fx-classify: in:9: issued_at: missing or not an RFC 3339 time
	fx-classify: in:10: a predicted features record needs numbers mean, lo80, hi80 and hi95
	fx-classify: in:11: feeder_id: missing, empty or not a string
	fx-classify: in:12: spike: feeder_id or phase missing
	fx-classify: 17 records in: 6 passed, 11 rejected; 6 states, 1 state changes, 0 labels
	EOF
	diff want err
	# what is passed is the good records, classified as without the bad ones
	printf '%s\n' "$output" > out
	diff good <(of features out)
	diff <(made out) <(fx-classify -q --limit 600 good | made /dev/stdin)
	# standard input is named stdin; --errors-inline; --strict
	run --separate-stderr fx-classify -q --limit 600 --errors-inline < in
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "fx-classify: stdin:2: invalid JSON: Invalid literal at line 1, column 1" ]
	printf '%s\n' "$output" > out
	[ "$(of error out | wc -l)" -eq 11 ]
	[ "$(of error out | jq -r '[.program, .input, .line] | @tsv' | head -n 1)" = "fx-classify	stdin	2" ]
	run --separate-stderr fx-classify -q --limit 600 --strict in
	[ "$status" -eq 1 ]
	[ "$stderr" = "fx-classify: in:2: invalid JSON: Invalid literal at line 1, column 1" ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "$(sed -n 1p good)" ]
	[[ "${lines[1]}" == '{"type":"state",'* ]]
}

@test "features records read the same whatever their spelling (escapes, order, spaces, duplicate keys, nesting)" {
	recs > in <<-EOF
	h F1 0 100
	p F1 15 1 450 400 500
	p F1 15 2 500 450 550
	p F1 15 3 650 600 700
	p F1 15 4 300 250 350
	h F1 15 700
	h F1 30 500
	EOF
	fx-classify -q --limit 600 in | made /dev/stdin > want
	[ "$(wc -l < want)" -eq 8 ]
	# spaces after the separators; members reversed; a duplicate mean
	# before the real one (the later one wins); an escaped feeder id
	jq -c '.' in | sed 's/,"/, "/g; s/":/" : /g' > spaced
	jq -c 'to_entries | reverse | from_entries' in > reversed
	sed 's/"mean":/"mean":1e9,"mean":/' in > dup
	sed 's/"F1"/"\\u00461"/' in > escaped
	sed 's/"F1"/"\\u00461"/; s/"mean":/"mean":1e9,"mean":/' in > both
	# members of nested objects with the names of those read (as fx-features'
	# z and other_exogenous have) are not read
	jq -c '. + {z: {mean: 1e9, step: 9, window_start: "x", lo80: 1e9}, other_exogenous: {mean: 1e9, hi80: -1e9}}' in > nested
	for f in spaced reversed dup escaped both nested; do
		fx-classify -q --limit 600 "$f" | made /dev/stdin > got
		diff want got || { echo "$f differs"; return 1; }
	done
}

@test "every state, state_change, label and error record, and the model file, validate against their schemas" {
	pipeline 12h > sim
	echo 'not json' >> sim
	fx-classify -q --limit 600 --errors-inline sim > all
	[ "$(of state_change all | wc -l)" -gt 2 ]
	[ "$(of error all | wc -l)" -eq 1 ]
	cp "$BATS_FILE_TMPDIR/data2" data
	fx-classify train -q --limit 600 -o m.json data
	fx-classify train -q --limit 600 --max-samples 100 --train-to 2025-01-07T12:00:00Z -o ho.json data
	fx-classify train -q --derive-levels 0.9,0.98 --to 2025-01-07T12:00:00Z -o dv.json data
	fx-classify -q -m m.json --limit 600 sim >> all
	[ "$(of state all | grep -c '"top"')" -gt 100 ]
	fx-classify label -q --limit 600 sim >> all
	[ "$(of label all | wc -l)" -gt 100 ]
	probs_sum_to_1 all
	[ "$(jq -c '[.heldout == null, .feeders.G1.levels_from]' m.json)" = '[true,"--limit"]' ]
	[ "$(jq -c '[.heldout.to, .feeders.G1.levels_from, .training.to]' dv.json)" = '[null,"derived","2025-01-07T12:00:00Z"]' ]
	# the records, and some made invalid: the schemas must refuse those
	grep -E '"type":"(state|state_change|label|error)"' all > made
	n=$(wc -l < made)
	{ of state made | grep '"horizon":2' | head -n 1 | jq -c '.model = "observed"'
	  of state made | grep '"horizon":0' | head -n 1 | jq -c '.issued_at = .slice_start'
	  of state made | grep '"horizon":0' | head -n 1 | jq -c '.probs = [0.5, 0.5, 0]'
	  of state made | grep '"top"' | head -n 1 | jq -c 'del(.top)'
	  of state_change made | head -n 1 | jq -c '.new_state = .prev_state'
	  of state_change made | head -n 1 | jq -c '.event_id = "x"'
	  of label made | head -n 1 | jq -c '.horizon = 0'; } >> made
	run validate made
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "${lines[@]}" | cut -d: -f2 | sort -nu | paste -sd' ')" = "$(seq $((n + 1)) $((n + 7)) | paste -sd' ')" ] ||
	    { printf '%s\n' "${lines[@]}" | head; return 1; }
	# the model files, and some made invalid
	jq '.coef[1][2] = "1"' m.json > coef.json
	jq '.decision.critical = 0' m.json > decision.json
	jq '.inputs[3] = "hi99"' m.json > inputs.json
	run validate_model m.json ho.json dv.json coef.json decision.json inputs.json
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "${lines[@]}" | cut -d: -f1 | sort -u | paste -sd' ')" = "coef.json decision.json inputs.json" ] ||
	    { printf '%s\n' "${lines[@]}" | head; return 1; }
}

@test "every EXAMPLES line of fx-classify(1) runs" {
	ln -s "$SAMPLES" samples
	awk '/^\.Sh EXAMPLES/ { f = 1; next } /^\.Sh/ { f = 0 }
	    f && /^\.Dl / { sub(/^\.Dl /, ""); print }' \
	    "$ROOT/man/fx-classify.1" > examples
	[ "$(wc -l < examples)" -ge 3 ]
	while IFS= read -r line; do
		rc=0
		sh -c "$line" < /dev/null > out 2> err || rc=$?
		[ "$rc" -eq 0 ] || { echo "$line: exit $rc: $(cat err)"; return 1; }
		[ -s out ] || { echo "$line: no output"; return 1; }
		grep -q 'state_change\|\[\|	' out || { echo "$line: $(head -c 300 out)"; return 1; }
	done < examples
}
