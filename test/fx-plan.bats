#!/usr/bin/env bats
# fx-plan: pass-through, the required volume per slot, the allocation over
# the DER catalog (price, reliability, response time, constraints,
# aggregator share, weights), bookings between plans, the catalog (newest
# wins, withdrawal, bad entries, files), operator control, bad input and
# options.  The catalogs are small enough that the optimum is plain by
# hand; expected volumes are recomputed from the input records with jq
# (want_slots) and every plan is checked against itself (check_plans),
# never against the program's earlier output.

bats_require_minimum_version 1.5.0
load helper

unset FX_CONFIG

# recs: records from a spec on stdin, one per line, times in minutes after
# 2025-01-06T00:00:00Z (a Monday); lines starting with { are copied as is,
# blank lines and # comments are skipped:
#   f FEEDER ISSUED Q...         forecast issued at ISSUED, 15-minute steps
#                                from ISSUED; each Q is P50 or P50/HI95
#                                (HI95 defaults to P50 + 20; lo95 = P50 - 20,
#                                lo80 = P50 - 10, hi80 halfway to HI95)
#   c EVENT FEEDER MIN PREV NEW [ALERT_KW CRITICAL_KW]
#                                state_change (levels 800 and 950 by default)
#   k DER AGG TYPE FEEDER[,FEEDER...] CAPACITY PRICE [key=value...]
#                                a catalog record of one DER; keys: rel
#                                (reliability), resp (response_time_s, 0),
#                                dur (duration_min, 240), minkw, mind
#                                (min_duration_min), maxact, from, to
#                                (available_from/to, in minutes)
#   x USER ROLE ACTION FEEDER|- PARAMS MIN
#                                control record (PARAMS compact JSON)
recs() {
	jq -nRr '
	def iso($m): 1736121600 + 60 * $m | todate;
	def num: tonumber;
	def kv: [.[] | capture("^(?<k>[a-z]+)=(?<v>.*)$") | {(.k): .v}] | add // {};
	inputs | select(test("^\\s*(#|$)") | not) | sub("^\\s+"; "") |
	if startswith("{") then . else
	[splits(" +") | select(. != "")] |
	if .[0] == "f" then
		(.[2] | num) as $m |
		{type: "forecast", feeder_id: .[1], issued_at: iso($m), step_min: 15,
		 steps: [.[3:] | to_entries[] | (.value | split("/") | map(num)) as $q |
		   $q[0] as $p | ($q[1] // ($p + 20)) as $h |
		   {start: iso($m + 15 * .key), end: iso($m + 15 * .key + 15),
		    p50: $p, lo80: ($p - 10), hi80: (($p + $h) / 2), lo95: ($p - 20),
		    hi95: $h}]}
	elif .[0] == "c" then
		(.[3] | num) as $m |
		{type: "state_change", event_id: .[1], feeder_id: .[2],
		 timestamp: iso($m), prev_state: (.[4] | num),
		 new_state: (.[5] | num), confidence: 0.9,
		 alert_kw: ((.[6] // "800") | num),
		 critical_kw: ((.[7] // "950") | num),
		 detected_at_wall: "2025-01-06T12:00:00.000Z"}
	elif .[0] == "k" then
		(.[7:] | kv) as $o |
		({} + (if $o.minkw then {min_kw: ($o.minkw | num)} else {} end)
		 + (if $o.mind then {min_duration_min: ($o.mind | num)} else {} end)
		 + (if $o.maxact then {max_activations_per_day: ($o.maxact | num)} else {} end)
		 + (if $o.from then {available_from: iso($o.from | num)} else {} end)
		 + (if $o.to then {available_to: iso($o.to | num)} else {} end)) as $c |
		{type: "catalog", ders: [{der_id: .[1], aggregator_id: .[2],
		  type: .[3],
		  location: (if .[4] | contains(",") then {feeders: (.[4] | split(","))}
		             else {feeder_id: .[4]} end),
		  capacity_kw: (.[5] | num), response_time_s: ($o.resp // "0" | num),
		  duration_min: ($o.dur // "240" | num), price_per_kwh: (.[6] | num)}
		  + (if $o.rel then {reliability: ($o.rel | num)} else {} end)
		  + (if $c == {} then {} else {constraints: $c} end)]}
	elif .[0] == "x" then
		{type: "control", user: .[1], role: .[2], action: .[3]}
		+ (if .[4] == "-" then {} else {feeder_id: .[4]} end)
		+ {params: (.[5] | fromjson), timestamp: iso(.[6] | num)}
	else error("bad spec: \(.)") end | tojson end'
}

# of TYPE FILE: the records of FILE of that type.
of() {
	grep "\"type\":\"$1\"" "$2" || true
}

# q FILTER EVENT FILE: jq -c FILTER on the (last) plan made for EVENT.
q() {
	jq -cs --arg e "$2" "map(select(.type == \"plan\" and .event_id == \$e)) | last | $1" "$3"
}

# acts EVENT FILE: the activations of the (last) plan made for EVENT as
# "DER HH:MM-HH:MM kW kWh", sorted, on one line.
acts() {
	jq -rs --arg e "$1" 'map(select(.type == "plan" and .event_id == $e)) | last |
	    [.activations[] | "\(.der_id) \(.start[11:16])-\(.end[11:16]) \(.kw) \(.kwh)"] | sort | join(" ")' "$2"
}

# want_slots EVENT QUANTILE LEVEL FILE: the slots the plan for EVENT should
# have, from the last forecast of its feeder before it in FILE: the steps
# ending after the change, the first starting at the change, required kW
# the forecast QUANTILE above LEVEL kW (nothing booked), as
# [start, end, forecast_kw, required_kw, required_kwh rounded to 3 places].
want_slots() {
	jq -sc --arg ev "$1" --arg q "$2" --argjson lvl "$3" '
	(map(.type == "state_change" and .event_id == $ev) | index(true)) as $i |
	.[$i] as $c | ($c.timestamp | fromdate) as $t |
	[.[:$i][] | select(.type == "forecast" and .feeder_id == $c.feeder_id)] |
	last | [.steps[] | (.start | fromdate) as $a | (.end | fromdate) as $b |
	select($b > $t) | ([$a, $t] | max) as $s |
	([.[$q] - $lvl, 0] | max) as $r |
	[($s | todate), .end, .[$q], $r, ($r * ($b - $s) / 3600 * 1000 | round / 1000)]]' "$4"
}

# got_slots EVENT FILE: the same from the plan.
got_slots() {
	q '[.slots[] | [.start, .end, .forecast_kw, .required_kw, .required_kwh]]' "$1" "$2"
}

# check_plans FILE [--full]: every plan in FILE is consistent with itself:
# required kW from forecast, level and booked relief, kWh from kW and slot
# hours, allocated and expected kW per slot, activations that are maximal
# runs at one level (by priority, then time), expected = reliability x
# kWh, cost = price x kWh, totals the sums of their parts, priorities by
# expected energy, the objective recomputed from the weights.  --full: every allocated DER is
# available for the whole of every slot (no response time inside the
# horizon), so kWh = kW x hours and the cover holds slot by slot.
# Prints what is wrong and fails.
check_plans() {
	local bad
	bad=$(jq -rs --argjson full "$([ "${2:-}" = --full ] && echo true || echo false)" '
	def near($a; $b; $tol): ($a - $b | fabs) <= $tol;
	def near($a; $b): near($a; $b; 2.5e-3);
	def sum(f): reduce f as $x (0; . + $x);
	[.[] | select(.type == "plan")] as $plans |
	if $plans == [] then "no plans" else $plans[] | . as $p |
	def err($m): "\($p.plan_id) (\($p.status)): \($m)";
	.slots as $S | ($S | length) as $n | .activations as $A |
	[$S[] | ((.end | fromdate) - (.start | fromdate)) / 3600] as $H |
	([$A[] | {key: .der_id, value: .reliability}] | from_entries) as $rel |
	def kw($d; $k): if $k < 0 or $k >= $n then 0 else sum($S[$k].allocations[] | select(.der_id == $d) | .kw) end;
	(range(0; $n - 1) | select($S[.].end != $S[. + 1].start) | err("slots not contiguous")),
	(range(0; $n) as $i | $S[$i] as $s |
	    ([$s.forecast_kw - $p.target_kw - $s.booked_kw, 0] | max) as $r |
	    sum($s.allocations[] | ($rel[.der_id] // 0) * .kw) as $give |
	    (if near($s.required_kw; $r) then empty else err("slot \($i): required_kw \($s.required_kw), want \($r)") end),
	    (if near($s.required_kwh; $s.required_kw * $H[$i]) then empty else err("slot \($i): required_kwh") end),
	    (if near($s.allocated_kw; sum($s.allocations[].kw)) then empty else err("slot \($i): allocated_kw") end),
	    (if near($s.expected_kw; $s.required_kw - $s.unmet_kw) then empty else err("slot \($i): expected_kw") end),
	    (if $s.unmet_kw >= 0 and $s.unmet_kw <= $s.required_kw + 1e-3 then empty else err("slot \($i): unmet_kw out of [0, required]") end),
	    (if ($s.allocations | map(.der_id) | unique | length) == ($s.allocations | length) then empty else err("slot \($i): a DER twice") end),
	    (if $full and $give + $s.unmet_kw < $s.required_kw - 2e-3 then err("slot \($i): not covered") else empty end),
	    (if $full and $s.expected_kw > $give + 2e-3 then err("slot \($i): more expected than booked") else empty end)),
	([$A[] | . as $a | ([$S[].start] | index($a.start)) as $i | ([$S[].end] | index($a.end)) as $j |
	  if $i == null or $j == null then {bad: [err("activation \($a.der_id) \($a.start)-\($a.end) not on slot bounds")]}
	  else ($a.kw * sum($H[$i:$j + 1][])) as $e | {len: ($j - $i + 1), bad: [
	    (if all(range($i; $j + 1); near(kw($a.der_id; .); $a.kw)) then empty else err("activation \($a.der_id): not one level \($a.kw)") end),
	    (if kw($a.der_id; $i - 1) > 0 or kw($a.der_id; $j + 1) > 0 then err("activation \($a.der_id): not a maximal run") else empty end),
	    (if ($full and (near($a.kwh; $e) | not)) or $a.kwh > $e + 2e-3 then err("activation \($a.der_id): kwh \($a.kwh), at most \($e)") else empty end),
	    (if near($a.expected_kwh; $a.reliability * $a.kwh) then empty else err("activation \($a.der_id): expected_kwh") end),
	    (if near($a.cost; $a.price_per_kwh * $a.kwh) then empty else err("activation \($a.der_id): cost") end),
	    (if all(range($i; $j + 1); [$S[.].allocations[] | select(.der_id == $a.der_id) | .priority] == [$a.priority]) then empty else err("activation \($a.der_id): priority") end)
	  ]} end] | .[].bad[], (if sum(.[].len // 0) == sum($S[].allocations | length) then empty else err("allocations outside activations") end)),
	(if ($A | map([.priority, .start])) == ($A | map([.priority, .start]) | sort) then empty else err("activations not by priority then time") end),
	(if near(.required_kwh; sum($S[].required_kwh); 1e-3 * ($n + 1)) then empty else err("required_kwh") end),
	(if near(.unmet_kwh; sum(range(0; $n) | $S[.].unmet_kw * $H[.]); 1e-3 * ($n + 1)) then empty else err("unmet_kwh") end),
	(if near(.unmet_kw; [$S[].unmet_kw, 0] | max) then empty else err("unmet_kw") end),
	(if near(.allocated_kwh; sum($A[].kwh); 1e-3 * ($A | length + 1)) then empty else err("total kwh") end),
	(if near(.expected_kwh; sum($A[].expected_kwh); 1e-3 * ($A | length + 1)) then empty else err("total expected_kwh") end),
	(if near(.cost; sum($A[].cost); 1e-3 * ($A | length + 1)) then empty else err("total cost") end),
	($A | group_by(.der_id) | map({d: .[0].der_id, p: .[0].priority, e: sum(.[].expected_kwh), ps: (map(.priority) | unique)}) |
	    sort_by(-(.e * 100 | round), .d) |
	    if map(.p) == [range(1; length + 1)] and all(.[]; .ps | length == 1) then empty else err("priorities \(.)") end),
	(.weights as $w | (sum($A[] | .kwh * ([$w.cost * .price_per_kwh + $w.reliability * (1 - .reliability) + $w.type_preference[.type], 1e-6] | max)) + $w.curtailment * $p.unmet_kwh) as $obj |
	    if .solver != "none" and (near(.objective; $obj; 1e-2 + 1e-4 * $obj) | not) then err("objective \(.objective), want \($obj)") else empty end),
	(if (.status == "none") == ($A == []) or .status == "rejected" or .status == "expired" then empty else err("status and activations") end),
	(if .solver == "none" and (.solver_status != "not_run" or .gap != null) then err("solver none") else empty end),
	(if .solver == "glpk" and .solver_status == "optimal" and .gap != 0 then err("optimal with gap \(.gap)") else empty end)
	end' "$1") || return 1
	[ -z "$bad" ] || { printf '%s\n' "$bad"; return 1; }
}

# validate_made OUT [IN]: fx-plan's records in OUT (plan, alert, error)
# and the hand-made catalog and control records of IN validate against
# their schemas (the forecast and state_change records of the tests carry
# only what fx-plan reads).
validate_made() {
	{ grep -E '^\{"type":"(plan|alert|error)",' "$1"
	  [ -z "${2:-}" ] || grep -E '^\{"type":"(catalog|control)",' "$2"; } | validate
}

# summary IN PASSED REJECTED PLANS DISPATCHED PENDING NONE ALERTS REFUSED
#     DERS DERS_REJECTED: the summary line fx-plan ends with.
summary() {
	echo "fx-plan: $1 records in, $2 passed, $3 rejected; $4 plans ($5 dispatched, $6 awaiting approval, $7 without action), $8 alerts, $9 controls refused; catalog ${10} DERs, ${11} entries rejected"
}

@test "-h prints the usage on stdout and exits 0, every option of which is in the man page" {
	run --separate-stderr fx-plan -h
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "usage: fx-plan [-hqv] [-c config] [--catalog file] [--errors-inline]" ]
	[ "${#lines[@]}" -eq 4 ]
	printf '%s\n' "$output" | grep -oE -- '\[-[-a-z0-9]+' | sed 's/^\[-//; /^hqv$/d' | sort -u > usage
	printf '%s\n' h q v >> usage
	sed -n 's/^\.It Fl \([-a-z0-9]*\).*/\1/p' "$ROOT/man/fx-plan.1" | sort -u > man
	[ "$(sort -u usage | wc -l)" -eq 13 ]
	run comm -3 <(sort -u usage) man
	[ -z "$output" ]
}

@test "every EXAMPLES line of fx-plan(1) runs; the sample pipeline's plans are consistent and valid" {
	ln -s "$SAMPLES" samples
	awk '/^\.Sh EXAMPLES/ { f = 1; next } /^\.Sh/ { f = 0 }
	    f && /^\.Dl / { sub(/^\.Dl /, ""); print }' "$ROOT/man/fx-plan.1" > examples
	[ "$(wc -l < examples)" -ge 3 ]
	while IFS= read -r line; do
		rc=0
		sh -c "$line" < /dev/null > out 2> err || rc=$?
		[ "$rc" -eq 0 ] || { echo "$line: exit $rc: $(cat err)"; return 1; }
		[ -s out ] || { echo "$line: no output"; return 1; }
	done < examples
	[ -s events.ndjson ] || skip "the examples keep no events.ndjson"
	fx-plan -q -c samples/fluxeon.json events.ndjson > out
	[ "$(of plan out | wc -l)" -gt 3 ]
	check_plans out
	validate_made out
}

@test "every input record passes through byte for byte, in order, each plan (and its alert) right after its state_change" {
	recs > in <<-'EOF'
	{"type":"reading","feeder_id":"F1","timestamp":"2025-01-06T09:59:00Z","load_kw":870}
	k D1 A1 battery F1 100 0.2
	{ "type" : "catalog", "ders" : [ { "der_id":"D2","aggregator_id":"A2","type":"hvac","location":{"feeders":["F2"]},"capacity_kw":50,"response_time_s":0,"duration_min":60,"price_per_kwh":0.1 } ] }
	f F1 600 850 900 700
	{"type":"features","feeder_id":"F1","segment":"history","window_start":"2025-01-06T09:45:00Z","window_end":"2025-01-06T10:00:00Z","mean":860}
	{"type":"state","feeder_id":"F1","state":1}
	c E1 F1 600 0 1
	{"type":"exo","x":1}
	x ann operator open_dashboard F1 {} 601
	f F2 600 700/1100 700/1100
	c E2 F2 602 0 2
	c E3 F1 603 1 0
	{"type":"spike","feeder_id":"F9","phase":"end"}
	EOF
	{ head -n 3 in; printf '\n'; sed -n 4,6p in
	  sed -n 7p in | tr -d '\n'; printf '\r\n'
	  printf 'not json\n'; tail -n +8 in; } > in2
	run --separate-stderr fx-plan in2
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "fx-plan: in2:9: invalid JSON: Invalid literal at line 1, column 1" ]
	[ "${stderr_lines[1]}" = "$(summary 14 13 1 2 2 0 0 1 0 2 0)" ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	printf '%s\n' "$output" > out
	grep -vE '^$|^not json$' in2 > want
	grep -vE '^\{"type":"(plan|alert)",' out > passed
	cmp want passed
	# E1 (Alert) and E2 (Critical) each make a plan, right after their
	# state_change; E2 needs 300 kW and F2's only DER has 50: an alert
	# right after its plan; E3 (to Normal) none
	[ "$(of plan out | jq -r .plan_id | paste -sd' ')" = "E1/1 E2/1" ]
	grep -A1 '"type":"state_change","event_id":"E1",' out | tail -n 1 | grep -q '^{"type":"plan","plan_id":"E1/1",'
	grep -A1 '"type":"state_change","event_id":"E2",' out | tail -n 1 | grep -q '^{"type":"plan","plan_id":"E2/1",'
	grep -A1 '"type":"plan","plan_id":"E2/1",' out | tail -n 1 | grep -q '^{"type":"alert",'
	[ "$(of alert out | wc -l)" -eq 1 ]
	check_plans out
	validate_made out
	# -q: no summary, the same stdout
	run --separate-stderr fx-plan -q in2
	[ "$status" -eq 0 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	printf '%s\n' "$output" | grep -v planned_at_wall | cmp - <(grep -v planned_at_wall out)
}

@test "required volume: Alert takes p50, Critical hi95, above the alert level per slot, clamped at 0, from the change on" {
	recs > in <<-'EOF'
	f F1 600 850 900/1000 700 820/900
	c E1 F1 605 0 1
	f F2 600 850 900/1000 700 820/900
	c E2 F2 605 0 2
	f F3 600 850 900/1000 700 820/900
	c E3 F3 605 1 2
	f F4 600 850 900/1000 700 820/900
	c E4 F4 615 0 1
	EOF
	run --separate-stderr fx-plan in
	[ "$status" -eq 0 ]
	[ "$stderr" = "$(summary 8 8 0 4 0 0 4 4 0 0 0)" ]
	printf '%s\n' "$output" > out
	# the slot in progress runs from the change (10:05) to its end: 1/6 h;
	# a change on a step boundary (E4 at 10:15): that step is over
	for e in E1:p50 E2:hi95 E3:hi95 E4:p50; do
		[ "$(got_slots "${e%:*}" out)" = "$(want_slots "${e%:*}" "${e#*:}" 800 in)" ] || { echo "$e"; return 1; }
	done
	# no DER: nothing allocated, all of it unmet, and an alert for each
	jq -c 'select(.type == "plan") | [.plan_id, .quantile, .target, .target_kw, .state, .prev_state,
	    (.slots | length), .slots[0].start[11:16], .slots[0].required_kwh, .status, .reason, .candidates,
	    .activations, .required_kwh == .unmet_kwh]' out > got
	cat > want <<-'EOF'
	["E1/1","p50","alert",800,1,0,4,"10:05",8.333,"none","no DER in the catalog serves the feeder",0,[],true]
	["E2/1","hi95","alert",800,2,0,4,"10:05",11.667,"none","no DER in the catalog serves the feeder",0,[],true]
	["E3/1","hi95","alert",800,2,1,4,"10:05",11.667,"none","no DER in the catalog serves the feeder",0,[],true]
	["E4/1","p50","alert",800,1,0,3,"10:15",25,"none","no DER in the catalog serves the feeder",0,[],true]
	EOF
	diff want got
	jq -s -e '(map(select(.type == "plan")) | map({key: .plan_id, value: .}) | from_entries) as $p |
	    map(select(.type == "alert")) | length == 4 and all(.[]; $p[.plan_id] as $q | .event_id == $q.event_id and
	    .source == "fx-plan" and .unmet_kwh == $q.unmet_kwh and .timestamp == $q.issued_at and
	    .severity == (if $q.state == 2 then "critical" else "warning" end) and
	    .action == "no plan: no DER in the catalog serves the feeder")' out > /dev/null
	check_plans out
}

@test "no plan when nothing is required; no forecast, another feeder's or a stale one: status none with the reason" {
	recs > in <<-'EOF'
	k D1 A1 battery F1,F2,F3,F4 100 0.1
	f F1 600 700 800 790/900
	c E1 F1 600 0 1
	c E2 F2 600 0 1
	f F3 600 900 900
	c E3 F3 631 0 1
	c E4 F3 632 1 2
	f F4 600 900 900 900
	c E5 F4 630 0 1
	EOF
	run --separate-stderr fx-plan in
	[ "$status" -eq 0 ]
	[ "$stderr" = "$(summary 9 9 0 5 1 0 4 3 0 1 0)" ]
	printf '%s\n' "$output" > out
	[ "$(q '[.status, .reason]' E1 out)" = '["none","the forecast p50 stays at or below the alert level (800 kW) in every slot"]' ]
	[ "$(q '[.slots[].required_kw] | add' E1 out)" = 0 ]
	[ "$(q '[.status, .reason, .slots, .forecast_issued_at]' E2 out)" = '["none","no forecast for the feeder yet",[],null]' ]
	[ "$(q '[.status, .reason, .slots, .forecast_issued_at]' E3 out)" = '["none","the latest forecast (issued 2025-01-06T10:00:00Z) is older than 30 min",[],"2025-01-06T10:00:00Z"]' ]
	[ "$(q '[.status, .quantile, .slots]' E4 out)" = '["none","hi95",[]]' ]
	# 30 minutes old is not stale: the last step is still ahead
	[ "$(q '[.status, (.slots | length), .slots[0].start]' E5 out)" = '["dispatch",1,"2025-01-06T10:30:00Z"]' ]
	# an alert when a rise gets no plan for want of a forecast, none when
	# nothing is needed
	[ "$(of alert out | jq -c '[.plan_id, .severity, .what, .action, .unmet_kwh]')" = "$(cat <<-'EOF'
	["E2/1","warning","F2 turned Alert and no flexibility is planned for it","no plan: no forecast for the feeder yet",0]
	["E3/1","warning","F3 turned Alert and no flexibility is planned for it","no plan: the latest forecast (issued 2025-01-06T10:00:00Z) is older than 30 min",0]
	["E4/2","critical","F3 turned Critical and no flexibility is planned for it","no plan: the latest forecast (issued 2025-01-06T10:00:00Z) is older than 30 min",0]
	EOF
	)" ]
	validate_made out
	# --max-forecast-age 1h: F3's forecast is fresh enough, but its steps
	# are over at 10:31 (it covers 10:00-10:30)
	run --separate-stderr fx-plan -q --max-forecast-age 1h in
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" > out
	[ "$(q '[.status, .reason, .slots]' E3 out)" = '["none","the latest forecast has no step after the change",[]]' ]
	recs > in <<-'EOF'
	f F3 560 900 900 900 900
	f F3 600 700 700 700
	c E3 F3 630 0 1
	EOF
	# the newest forecast replaces the older one
	fx-plan -q --max-forecast-age 1h in > out
	[ "$(q '[.status, .forecast_issued_at, .slots[0].forecast_kw]' E3 out)" = '["none","2025-01-06T10:00:00Z",700]' ]
	check_plans out
}

@test "a change down, to Normal or to the same state makes no plan" {
	recs > in <<-'EOF'
	f F1 600 900 900
	c E1 F1 600 2 1
	c E2 F1 601 1 0
	c E3 F1 602 2 0
	c E4 F1 603 1 1
	c E5 F1 604 0 0
	c E6 F1 605 2 2
	EOF
	run --separate-stderr fx-plan in
	[ "$status" -eq 0 ]
	[ "$stderr" = "$(summary 7 7 0 0 0 0 0 0 0 0 0)" ]
	[ "$output" = "$(cat in)" ]
}

@test "config plan.alert / plan.critical choose the quantile and the level; levels from the config without alert_kw" {
	cat > cfg.json <<-'EOF'
	{ "defaults": { "limit_kw": 1000, "alert_ratio": 0.7, "critical_ratio": 0.9 },
	  "plan": { "alert": { "quantile": "hi80" },
	            "critical": { "quantile": "p50", "target": "critical" } } }
	EOF
	recs > in <<-'EOF'
	f F1 600 850 900/1000 760 820/900
	c E1 F1 605 0 1
	f F2 600 850 900/1000 760 960/1000
	c E2 F2 605 0 2
	f F3 600 650 800/1000
	c E3 F3 600 0 1
	EOF
	# E3 without levels: 0.7 and 0.9 of the 1000 kW limit
	jq -c 'if .event_id == "E3" then del(.alert_kw, .critical_kw) else . end' in > in2
	run --separate-stderr fx-plan -c cfg.json in2
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" > out
	[ "$(q '[.quantile, .target, .target_kw]' E1 out)" = '["hi80","alert",800]' ]
	[ "$(got_slots E1 out)" = "$(want_slots E1 hi80 800 in2)" ]
	[ "$(q '[.quantile, .target, .target_kw]' E2 out)" = '["p50","critical",950]' ]
	[ "$(got_slots E2 out)" = "$(want_slots E2 p50 950 in2)" ]
	[ "$(q '[.slots[].required_kw]' E2 out)" = '[0,0,0,10]' ]
	[ "$(q '[.quantile, .target_kw]' E3 out)" = '["hi80",700]' ]
	[ "$(got_slots E3 out)" = "$(want_slots E3 hi80 700 in2)" ]
	check_plans out
	# the defaults: p50 and hi95 over the alert level
	fx-plan -q in2 > out
	[ "$(got_slots E2 out)" = "$(want_slots E2 hi95 800 in2)" ]
	[ "$(q '[.quantile, .target_kw]' E3 out)" = '["p50",800]' ]
}

@test "allocation: the cheapest DER that serves the feeder, at the kW required; glpk optimal with gap 0, --greedy the same here" {
	recs > in <<-'EOF'
	k D1 A1 battery F1 200 0.3
	k D2 A2 HVAC F1 200 0.1
	k D3 A3 EV F1 200 0.2
	k D4 A4 other F2 200 0.01
	f F1 600 900 900 780
	c E1 F1 600 0 1
	EOF
	run --separate-stderr fx-plan in
	[ "$status" -eq 0 ]
	[ "$stderr" = "$(summary 6 6 0 1 1 0 0 0 0 4 0)" ]
	printf '%s\n' "$output" > out
	# 100 kW for two quarter hours from D2 at 0.1 per kWh; D4 is F2's
	[ "$(acts E1 out)" = "D2 10:00-10:30 100 50" ]
	[ "$(q '[.status, .solver, .solver_status, .gap, .candidates, .cost, .objective, .unmet_kwh]' E1 out)" = '["dispatch","glpk","optimal",0,3,5,5,0]' ]
	[ "$(q '[.slots[].allocations]' E1 out)" = '[[{"der_id":"D2","aggregator_id":"A2","kw":100,"priority":1}],[{"der_id":"D2","aggregator_id":"A2","kw":100,"priority":1}],[]]' ]
	[ "$(q '.activations[0] | [.type, .aggregator_id, .expected_kwh, .price_per_kwh, .cost, .reliability, .priority]' E1 out)" = '["HVAC","A2",50,0.1,5,1,1]' ]
	[ "$(of alert out | wc -l)" -eq 0 ]
	check_plans out --full
	validate_made out in
	run --separate-stderr fx-plan -q --greedy in
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" > out
	[ "$(acts E1 out)" = "D2 10:00-10:30 100 50" ]
	[ "$(q '[.solver, .solver_status, .gap]' E1 out)" = '["greedy","greedy",null]' ]
	check_plans out --full
}

@test "allocation: reliability below 1 books required / reliability kW and prices the shortfall in" {
	recs > in <<-'EOF'
	k D1 A1 battery F1 200 0.1 rel=0.8
	k D2 A2 battery F1 200 0.2
	f F1 600 900 900
	c E1 F1 600 0 1
	EOF
	fx-plan -q in > out
	# per expected kWh D1 costs (0.1 + 0.1 x 0.2) / 0.8 = 0.15 < 0.2
	kw=$(jq -n '100 / 0.8')
	[ "$(acts E1 out)" = "D1 10:00-10:30 $kw $(jq -n "$kw / 2")" ]
	[ "$(q '[.expected_kwh, .required_kwh, .unmet_kwh, .objective]' E1 out)" = "[50,50,0,$(jq -n "$kw / 2 * (0.1 + 0.1 * 0.2) * 1e6 | round / 1e6")]" ]
	check_plans out --full
	# 100 kW of D1 gives 80 expected: D2 makes up the other 20
	sed 's/"capacity_kw":200,"response_time_s":0,"duration_min":240,"price_per_kwh":0.1,/"capacity_kw":100,"response_time_s":0,"duration_min":240,"price_per_kwh":0.1,/' in > in2
	fx-plan -q in2 > out
	[ "$(acts E1 out)" = "D1 10:00-10:30 100 50 D2 10:00-10:30 20 10" ]
	[ "$(q '[.activations[] | [.der_id, .expected_kwh, .priority]]' E1 out)" = '[["D1",40,1],["D2",10,2]]' ]
	check_plans out --full
}

@test "allocation: a DER is used from when its response time lets it, with the share of the slot it is ready; beyond the horizon excluded" {
	recs > in <<-'EOF'
	k D1 A1 battery F1 300 0.1 resp=1200
	k D2 A2 battery F1 300 0.3
	k D3 A1 battery F1 300 0.01 resp=1801
	f F1 600 900 900
	c E1 F1 600 0 1
	EOF
	fx-plan -q in > out
	# D1 is ready at 10:20, two thirds into the second slot: 150 kW there
	# give 100 on average (25 kWh, 2.5); D2 covers the first (7.5)
	kw=$(jq -n '100 / ((30 - 20) / 15)')
	[ "$(acts E1 out)" = "D1 10:15-10:30 $kw 25 D2 10:00-10:15 100 25" ]
	[ "$(q '[.candidates, .excluded, .unmet_kwh, .objective]' E1 out)" = '[3,{"unavailable":0,"response_time":1,"activations":0,"booked":0},0,10]' ]
	check_plans out
}

@test "allocation: an activation's kWh counts the share of its own slots the DER is ready" {
	recs > in <<-'EOF'
	k D1 A1 battery F1 100 0.2 resp=600 dur=15
	f F1 600 900 900 900
	c E1 F1 600 0 1
	EOF
	fx-plan -q in > out
	# two runs of one slot (they may not touch), 100 kW: ready 10:10, the
	# first gives a third of its quarter hour, the last all of it
	[ "$(q '[.activations[] | [.start[11:16], .kw]]' E1 out)" = '[["10:00",100],["10:30",100]]' ]
	[ "$(q '.allocated_kwh' E1 out)" = "$(jq -n '100 * 0.25 / 3 + 100 * 0.25 | . * 1000 | round / 1000')" ]
	check_plans out
	[ "$(q '[.activations[] | .kwh]' E1 out)" = "[$(jq -n '100 * 0.25 / 3 * 1000 | round / 1000'),25]" ]
}

@test "allocation: min_kw is a floor (more than required when it pays), and counts in the cost" {
	recs > in <<-'EOF'
	k D1 A1 battery F1 100 0.1 minkw=50
	k D2 A2 battery F1 100 0.5
	f F1 600 830 700
	c E1 F1 600 0 1
	EOF
	fx-plan -q in > out
	# 30 kW required: D1 at its 50 kW floor costs 1.25, D2 at 30 3.75
	[ "$(acts E1 out)" = "D1 10:00-10:15 50 12.5" ]
	[ "$(q '.slots[0] | [.required_kw, .allocated_kw, .expected_kw, .unmet_kw]' E1 out)" = '[30,50,30,0]' ]
	check_plans out --full
	# at 0.35 D1's floor costs 4.375: D2 at 30 kW
	sed 's/"price_per_kwh":0.1,/"price_per_kwh":0.35,/' in > in2
	fx-plan -q in2 > out
	[ "$(acts E1 out)" = "D2 10:00-10:15 30 7.5" ]
	check_plans out --full
}

@test "allocation: min_duration_min makes a run of that many slots; duration_min caps a run; runs of a DER do not touch" {
	recs > in <<-'EOF'
	k D1 A1 battery F1 100 0.1 mind=30
	k D2 A2 battery F1 100 0.3
	f F1 600 700 900 700
	c E1 F1 600 0 1
	EOF
	fx-plan -q in > out
	# 100 kW in the middle slot: D1 must run two slots (5.0) against D2's
	# one (7.5); either neighbour will do
	acts E1 out | grep -qxE 'D1 (10:00-10:30|10:15-10:45) 100 50'
	check_plans out --full
	sed 's/"price_per_kwh":0.3/"price_per_kwh":0.15/' in > in2
	fx-plan -q in2 > out
	[ "$(acts E1 out)" = "D2 10:15-10:30 100 25" ]
	# three slots of 100 kW and a DER of 15 minutes: the first and the
	# last (a run in the middle would touch them), the middle one unmet
	recs > in <<-'EOF'
	k D1 A1 battery F1 100 0.2 dur=15
	f F1 600 900 900 900
	c E1 F1 600 0 1
	EOF
	fx-plan -q in > out
	[ "$(acts E1 out)" = "D1 10:00-10:15 100 25 D1 10:30-10:45 100 25" ]
	[ "$(q '[[.slots[].unmet_kw], .unmet_kwh, .status]' E1 out)" = '[[0,100,0],25,"dispatch"]' ]
	[ "$(of alert out | jq -c '[.event_id, .plan_id, .severity, .unmet_kwh, .what, .action]')" = \
	    "[\"E1\",\"E1/1\",\"warning\",25,\"F1 needs $(printf %.3f "$(jq -n '3 * 100 * 0.25')") kWh of flexibility over the horizon and $(printf %.3f 25) kWh of it cannot be covered\",\"plan E1/1 books 1 DERs for $(printf %.3f 50) kWh expected\"]" ]
	check_plans out --full
	# --greedy gives a DER further activations while need is left
	fx-plan -q --greedy in > out
	[ "$(acts E1 out)" = "D1 10:00-10:15 100 25 D1 10:30-10:45 100 25" ]
	[ "$(q '.unmet_kwh' E1 out)" = 25 ]
	check_plans out --full
	# a second plan for the middle slot, with a DER of 30 minutes there
	recs >> in <<-'EOF'
	k D2 A2 battery F1 100 0.3 dur=30
	c E2 F1 601 0 1
	EOF
	fx-plan -q in > out
	[ "$(q '[[.slots[].required_kw], .unmet_kwh]' E2 out)" = '[[0,100,0],0]' ]
	check_plans out
	# D1's runs of both plans together: none longer than its 15 minutes
	[ "$(acts E2 out)" = "D2 10:15-10:30 100 25" ]
}

@test "allocation: min_duration_min counts minutes when the first slot is cut short by the change" {
	# 100 kW needed 10:15-10:30 only; the change at 10:10 cuts the first
	# slot to 5 minutes; D1 must run at least 30 minutes at a time
	recs > in <<-'EOF'
	k D1 A1 battery F1 100 0.1 mind=30
	f F1 600 700 900 700
	c E1 F1 610 0 1
	EOF
	fx-plan -q in > out
	[ "$(q '[.status, .unmet_kwh, [.activations[].der_id]]' E1 out)" = '["dispatch",0,["D1"]]' ]
	check_plans out --full
	q '.activations[] | [.start, .end]' E1 out | jq -e -s 'all(.[]; ((.[1] | fromdate) - (.[0] | fromdate)) >= 30 * 60)' > /dev/null
}

@test "allocation: max_activations_per_day limits the runs in a plan and across the day's plans" {
	recs > in <<-'EOF'
	k D1 A1 battery F1,F2 100 0.2 dur=15 maxact=1
	f F1 600 900 900 900
	c E1 F1 600 0 1
	f F2 700 900 900
	c E2 F2 700 0 1
	f F2 2040 900 900
	c E3 F2 2040 0 1
	EOF
	run --separate-stderr fx-plan in
	[ "$status" -eq 0 ]
	[ "$stderr" = "$(summary 7 7 0 3 2 0 1 3 0 1 0)" ]
	printf '%s\n' "$output" > out
	[ "$(q '[(.activations | length), .unmet_kwh]' E1 out)" = '[1,50]' ]
	# the one activation of 2025-01-06 is spent
	[ "$(q '[.status, .reason, .excluded.activations]' E2 out)" = '["none","none of the 1 DERs serving the feeder can run in the horizon (0 unavailable, 0 too slow to respond, 1 out of activations, 0 fully booked)",1]' ]
	# the next day it is back
	[ "$(q '[.status, .excluded.activations, .activations[0].der_id]' E3 out)" = '["dispatch",0,"D1"]' ]
	check_plans out --full
}

@test "allocation: outside available_from/available_to a DER is excluded, inside a window only the slots in it" {
	recs > in <<-'EOF'
	k D1 A1 battery F1 100 0.1 from=700 to=800
	k D2 A2 battery F1 100 0.3
	f F1 600 900 900
	c E1 F1 600 0 1
	k D1 A1 battery F1 100 0.1 from=615 to=700
	c E2 F1 601 1 2
	EOF
	fx-plan -q in > out
	[ "$(acts E1 out)" = "D2 10:00-10:30 100 50" ]
	[ "$(q '[.candidates, .excluded.unavailable]' E1 out)" = '[2,1]' ]
	# E2 (Critical, hi95 920: 120 kW, 100 booked from E1): D2 is fully
	# booked, D1 there from 10:15 only
	[ "$(q '[.slots[] | [.booked_kw, .required_kw, .unmet_kw]]' E2 out)" = '[[100,20,20],[100,20,0]]' ]
	[ "$(acts E2 out)" = "D1 10:15-10:30 20 5" ]
	[ "$(q '[.candidates, .excluded.unavailable, .excluded.booked]' E2 out)" = '[2,0,1]' ]
	check_plans out --full
}

@test "allocation: --share (and plan.max_aggregator_share) caps one aggregator's part of each slot's need" {
	recs > in <<-'EOF'
	k D1 A1 battery F1 200 0.1
	k D1b A1 HVAC F1 200 0.15
	k D2 A2 battery F1 200 0.3
	f F1 600 900 900
	c E1 F1 600 0 1
	EOF
	fx-plan -q in > out
	[ "$(acts E1 out)" = "D1 10:00-10:30 100 50" ]
	[ "$(q .max_aggregator_share E1 out)" = 1 ]
	fx-plan -q --share 0.6 in > out
	# A1 gives at most 60 of the 100 kW (its cheaper D1), A2 the rest
	[ "$(acts E1 out)" = "D1 10:00-10:30 60 30 D2 10:00-10:30 40 20" ]
	[ "$(q '[.max_aggregator_share, .unmet_kwh, .cost]' E1 out)" = '[0.6,0,9]' ]
	check_plans out --full
	q '.slots[] | [.required_kw, ([.allocations[] | select(.aggregator_id == "A1") | .kw] | add)]' E1 out |
		jq -e -s 'all(.[]; .[1] <= 0.6 * .[0] + 1e-3)' > /dev/null
	echo '{ "plan": { "max_aggregator_share": 0.6 } }' > cfg.json
	fx-plan -q -c cfg.json in > out2
	[ "$(acts E1 out2)" = "D1 10:00-10:30 60 30 D2 10:00-10:30 40 20" ]
	# the option wins over the config
	fx-plan -q -c cfg.json --share 1 in > out2
	[ "$(acts E1 out2)" = "D1 10:00-10:30 100 50" ]
}

@test "allocation: type preference (--weights battery=-0.1, plan.type_preference) and the cost and reliability weights change the choice" {
	recs > in <<-'EOF'
	k D1 A1 battery F1 200 0.25 rel=0.9
	k D2 A2 HVAC F1 200 0.2
	f F1 600 900 900
	c E1 F1 600 0 1
	EOF
	fx-plan -q in > out
	[ "$(q '[.activations[].der_id]' E1 out)" = '["D2"]' ]
	# D1 per expected kWh: (0.25 + 0.1 x 0.1 - 0.1) / 0.9 = 0.178 < 0.2
	fx-plan -q --weights battery=-0.1 in > out
	kw=$(jq -n '100 / 0.9')
	[ "$(q '[.activations[].der_id]' E1 out)" = '["D1"]' ]
	[ "$(q '.weights' E1 out)" = '{"cost":1,"reliability":0.1,"curtailment":10,"type_preference":{"battery":-0.1,"EV":0,"HVAC":0,"other":0}}' ]
	q '[.activations[0].kw, .objective]' E1 out | jq -e --argjson kw "$kw" '(.[0] - $kw | fabs) < 1e-3 and (.[1] - $kw / 2 * (0.25 + 0.01 - 0.1) | fabs) < 1e-4' > /dev/null
	check_plans out --full
	echo '{ "plan": { "type_preference": { "Battery": -0.1 } } }' > cfg.json
	fx-plan -q -c cfg.json in > out
	[ "$(q '[.activations[].der_id]' E1 out)" = '["D1"]' ]
	[ "$(q .weights.type_preference.battery E1 out)" = -0.1 ]
	# weights: reliability counts 1 per kWh lost, cost nothing: D2
	# (no loss) over D1 even at a higher price; cost weight 2 doubles the
	# price part of the objective
	fx-plan -q --weights cost=0,reliability=1,battery=-0.01 in > out
	[ "$(q '[.activations[].der_id]' E1 out)" = '["D2"]' ]
	check_plans out --full
	fx-plan -q --weights cost=2 in > out
	[ "$(q '[.weights.cost, .objective]' E1 out)" = '[2,20]' ]
	echo '{ "plan": { "weights": { "cost": 2, "curtailment": 50 } } }' > cfg.json
	fx-plan -q -c cfg.json in > out
	[ "$(q '[.weights.cost, .weights.reliability, .weights.curtailment, .objective]' E1 out)" = '[2,0.1,50,20]' ]
}

@test "allocation: a DER dearer than the curtailment weight is not used: status none, unmet, an alert" {
	recs > in <<-'EOF'
	k D1 A1 battery F1 200 0.2
	f F1 600 900 900
	c E1 F1 600 1 2
	EOF
	run --separate-stderr fx-plan --weights curtailment=0.1 in
	[ "$status" -eq 0 ]
	[ "$stderr" = "$(summary 3 3 0 1 0 0 1 1 0 1 0)" ]
	printf '%s\n' "$output" > out
	[ "$(q '[.status, .reason, .activations, .candidates]' E1 out)" = '["none","no allocation of the 1 DERs that can run is worth its cost against unmet volume (curtailment weight 0.1 per kWh)",[],1]' ]
	want=$(want_slots E1 hi95 800 in | jq '[.[][4]] | add')
	q '[.required_kwh, .unmet_kwh, .objective]' E1 out | jq -e --argjson w "$want" '.[0] == $w and .[1] == $w and (.[2] - 0.1 * $w | fabs) < 1e-6' > /dev/null
	[ "$(of alert out | jq -c '[.severity, .event_id, .plan_id, .unmet_kwh, .what, .action]')" = "[\"critical\",\"E1\",\"E1/1\",$want,\"F1 turned Critical and no flexibility is planned for it\",\"no plan: no allocation of the 1 DERs that can run is worth its cost against unmet volume (curtailment weight 0.1 per kWh)\"]" ]
	check_plans out
	# just above the price: used
	fx-plan -q --weights curtailment=0.21 in > out
	[ "$(q '[.status, .unmet_kwh]' E1 out)" = '["dispatch",0]' ]
}

@test "allocation: larger problems (16 slots, 6 DERs with every constraint): consistent, GLPK never worse than greedy, within --time-limit" {
	# eight feeders with pseudo-random forecasts and catalogs
	awk 'BEGIN { srand(7); split("battery EV HVAC other", types, " ")
	    for (k = 0; k < 8; k++) {
		t = 600 + 300 * k; line = "f G" k " " t
		for (s = 0; s < 16; s++) {
			p = 780 + int(rand() * 200); line = line " " p "/" (p + int(rand() * 80))
		}
		print line
		for (d = 0; d < 6; d++) {
			dur = 15 * (1 + int(rand() * 8))
			x = "k D" k "_" d " A" d % 3 " " types[d % 4 + 1] " G" k " " 20 + int(rand() * 120) " " 0.05 + int(rand() * 30) / 100 " dur=" dur
			if (rand() < 0.5) x = x " rel=" 0.7 + int(rand() * 30) / 100
			if (rand() < 0.4) x = x " resp=" int(rand() * 1200)
			if (rand() < 0.4) x = x " mind=" 15 * (1 + int(rand() * dur / 15))
			if (rand() < 0.3) x = x " minkw=" int(rand() * 20)
			if (rand() < 0.4) x = x " maxact=" 1 + int(rand() * 3)
			print x
		}
		print "c E" k " G" k " " t + int(rand() * 14) " 0 " 1 + int(rand() * 2)
	    } }' | recs > in
	fx-plan -q --time-limit 20 --share 0.6 in > milp
	fx-plan -q --greedy --share 0.6 in > greedy
	check_plans milp
	check_plans greedy
	# GLPK starts from the greedy allocation: it keeps or betters it, or
	# falls back to it when the limit passes with no integer solution
	jq -s -e 'map(select(.type == "plan")) | length == 8 and
	    all(.[]; ([.solver, .solver_status] | . == ["glpk", "optimal"] or . == ["glpk", "time_limit"] or
	    . == ["greedy", "time_limit_greedy"]) and .solve_ms < 150 and (.slots | length) == 16 and
	    .max_aggregator_share == 0.6)' milp > /dev/null
	paste -d' ' <(jq -c 'select(.type == "plan") | [.plan_id, .objective]' milp) <(jq -c 'select(.type == "plan") | [.plan_id, .objective]' greedy) |
	    jq -s -e '[_nwise(2) | .[0][0] == .[1][0] and .[0][1] <= .[1][1] + 1e-6] | length == 8 and all' > /dev/null
}

@test "bookings: feeders sharing a DER in the same slots share its capacity; a fully booked DER is excluded" {
	recs > in <<-'EOF'
	k D1 A1 battery F1,F2,F3 100 0.1
	k D2 A2 battery F2 100 0.3
	f F1 600 860 860
	f F2 600 900 900
	f F3 600 900 900
	c E1 F1 600 0 1
	c E2 F2 601 0 1
	c E3 F3 602 0 1
	f F3 630 900 900
	c E4 F3 630 1 2
	EOF
	run --separate-stderr fx-plan in
	[ "$status" -eq 0 ]
	[ "$stderr" = "$(summary 10 10 0 4 3 0 1 2 0 2 0)" ]
	printf '%s\n' "$output" > out
	[ "$(acts E1 out)" = "D1 10:00-10:30 60 30" ]
	# F2 gets what is left of D1 (40 kW), and D2 for the rest
	[ "$(q '[.activations[] | [.der_id, .kw, .priority]]' E2 out)" = '[["D2",60,1],["D1",40,2]]' ]
	[ "$(q '[.slots[].unmet_kw]' E2 out)" = '[0,0]' ]
	cat out | jq -s -e '[.[] | select(.type == "plan" and .status == "dispatch") | .slots[] | (.start | fromdate / 900 | floor) as $t |
	    .allocations[] | select(.der_id == "D1") | {t: $t, kw}] |
	    group_by(.t) | all(.[]; (map(.kw) | add) <= 100 + 1e-6)' > /dev/null
	# F3: D1 is taken in both slots
	[ "$(q '[.status, .candidates, .excluded.booked, .unmet_kwh]' E3 out)" = "[\"none\",1,1,$(want_slots E3 p50 800 in | jq '[.[][4]] | add')]" ]
	[ "$(q .reason E3 out)" = '"none of the 1 DERs serving the feeder can run in the horizon (0 unavailable, 0 too slow to respond, 0 out of activations, 1 fully booked)"' ]
	# after the booked slots end, D1 is free again
	[ "$(acts E4 out)" = "D1 10:30-11:00 100 50" ]
	check_plans out --full
	# a plan awaiting approval books nothing
	fx-plan -q --no-auto-dispatch in > out
	[ "$(of plan out | jq -c 'select(.plan_id == "E2/1") | [.status, (.activations | map([.der_id, .kw]))]' | head -n 1)" = '["pending_approval",[["D1",100]]]' ]
}

@test "bookings: an escalation of a feeder counts the relief booked for it (reliability x kW) and what is left of its DERs" {
	recs > in <<-'EOF'
	k D1 A1 battery F1 500 0.1 rel=0.5
	f F1 600 900/1000 900/1000
	c E1 F1 600 0 1
	c E2 F1 605 1 2
	c E3 F1 606 2 1
	c E4 F1 607 1 2
	f F1 690 900/1000 900/1000
	c E5 F1 690 0 2
	EOF
	fx-plan -q in > out
	[ "$(acts E1 out)" = "D1 10:00-10:30 200 100" ]
	# booked relief 0.5 x 200 = 100 kW; hi95 1000 - 800 - 100 = 100 more
	[ "$(q '[.plan_id, .status, [.slots[] | [.forecast_kw, .booked_kw, .required_kw]]]' E2 out)" = '["E2/2","dispatch",[[1000,100,100],[1000,100,100]]]' ]
	[ "$(q '[.activations[] | [.der_id, .kw]]' E2 out)" = '[["D1",200]]' ]
	# a third plan: 200 kW booked covers it
	[ "$(q '[.plan_id, .status, .reason, [.slots[].required_kw]]' E4 out)" = '["E4/3","none","the forecast hi95 stays at or below the alert level (800 kW) in every slot, once the relief already booked for it is counted",[0,0]]' ]
	# bookings over before the change do not count
	[ "$(q '[.plan_id, [.slots[].booked_kw], (.activations | map([.der_id, .kw]))]' E5 out)" = '["E5/4",[0,0],[["D1",400]]]' ]
	check_plans out --full
}

@test "bookings: a slot across two booked slots: relief counted once, a DER never booked beyond its capacity" {
	# E1 books D1 at 100 kW from 10:00 to 10:45 in three quarter hours; a
	# forecast on another grid (10:05, 10:20) for E2: 100 kW of relief is
	# booked at every instant, so hi95 1000 still needs 100 kW more
	recs > in <<-'EOF'
	k D1 A1 battery F1 500 0.1
	f F1 600 900/1000 900/1000 900/1000
	c E1 F1 600 0 1
	f F1 605 900/1000 900/1000
	c E2 F1 605 1 2
	EOF
	fx-plan -q in > out
	[ "$(acts E1 out)" = "D1 10:00-10:45 100 75" ]
	# D1 (cap 100) has 50 kW booked by F1 from 10:00 to 10:30; F2's plan
	# on the other grid may not take more than the other 50 at any time
	# (fx-plan(1): a booking overlapping the slot counts in full, so here
	# it takes none in 10:05-10:20)
	recs > in2 <<-'EOF'
	k D1 A1 battery F1,F2 100 0.1
	f F1 600 850 850
	c E1 F1 600 0 1
	f F2 605 850 850
	c E2 F2 605 0 1
	EOF
	fx-plan -q in2 > out2
	[ "$(acts E1 out2)" = "D1 10:00-10:30 50 25" ]
	of plan out2 | jq -e -s '[.[] | select(.status == "dispatch") | .activations[] | select(.der_id == "D1") |
	    {s: (.start | fromdate), e: (.end | fromdate), kw}] as $b |
	    all(range(1736157600; 1736160000; 60) as $t | [$b[] | select(.s <= $t and $t < .e) | .kw] | add // 0; . <= 100)' > /dev/null
	check_plans out2 --full
	[ "$(q '[.slots[] | [.booked_kw, .required_kw]]' E2 out)" = '[[100,100],[100,100]]' ]
	[ "$(q '[.status, (.activations | map([.der_id, .kw]))]' E2 out)" = '["dispatch",[["D1",100]]]' ]
}

@test "catalog: the newest entry of a DER wins (price, capacity); complete:true withdraws the aggregator's DERs not in it" {
	recs > in <<-'EOF'
	k D1 A1 battery F1 200 0.1
	k D2 A2 battery F1 200 0.2
	f F1 600 900 900
	c E1 F1 600 0 1
	k D1 A1 battery F1 200 0.3
	c E2 F2 600 0 1
	f F2 600 900 900
	c E3 F2 600 0 1
	EOF
	sed -i 's/"feeder_id":"F1"}/"feeders":["F1","F2"]}/' in
	recs >> in <<-'EOF'
	k D1 A1 battery F1,F2,F3 50 0.1
	f F3 630 900 900
	c E4 F3 630 0 1
	{"type":"catalog","aggregator_id":"A1","complete":true,"ders":[{"der_id":"D3","aggregator_id":"A1","type":"EV","location":{"feeders":["F3","F4"]},"capacity_kw":300,"response_time_s":0,"duration_min":60,"price_per_kwh":0.25}]}
	f F4 630 900 900
	c E5 F4 631 0 1
	{"type":"catalog","aggregator_id":"A2","complete":true,"ders":[]}
	f F1 640 900 900
	c E6 F1 640 0 1
	EOF
	run --separate-stderr fx-plan in
	[ "$status" -eq 0 ]
	[ "$stderr" = "$(summary 17 17 0 6 4 0 2 3 0 1 0)" ]
	printf '%s\n' "$output" > out
	[ "$(acts E1 out)" = "D1 10:00-10:30 100 50" ]
	# D1 now at 0.3: D2 (E2 had no forecast yet)
	[ "$(q .status E2 out)" = '"none"' ]
	[ "$(acts E3 out)" = "D2 10:00-10:30 100 50" ]
	# D1 back at 0.1 but only 50 kW (after E1's booking); D2 is F1 and F2's
	[ "$(q '[.candidates, (.activations | map([.der_id, .kw])), .unmet_kwh]' E4 out)" = '[1,[["D1",50]],25]' ]
	# A1's complete offer is D3 alone: D1 is withdrawn
	[ "$(q '[.candidates, (.activations | map([.der_id, .kw]))]' E5 out)" = '[1,[["D3",100]]]' ]
	# and A2's empty one withdraws D2: F1 has nothing left
	[ "$(q '[.status, .candidates, .reason]' E6 out)" = '["none",0,"no DER in the catalog serves the feeder"]' ]
	check_plans out --full
}

@test "catalog: a catalog record received earlier than the one that gave a DER does not replace it" {
	e() { printf '{"der_id":"%s","aggregator_id":"A1","type":"battery","location":{"feeder_id":"F1"},"capacity_kw":100,"response_time_s":0,"duration_min":60,"price_per_kwh":%s}' "$1" "$2"; }
	{ echo "{\"type\":\"catalog\",\"received_at\":\"2025-01-06T09:50:00Z\",\"ders\":[$(e D1 0.1),$(e D2 0.2)]}"
	  echo "{\"type\":\"catalog\",\"received_at\":\"2025-01-06T09:40:00Z\",\"ders\":[$(e D1 0.5)]}"
	  recs <<-'EOF'
	f F1 600 900 900
	c E1 F1 600 0 1
	EOF
	} > in
	fx-plan -q in > out
	[ "$(q '[.activations[] | [.der_id, .price_per_kwh]]' E1 out)" = '[["D1",0.1]]' ]
	# a later receipt does
	sed -i '2s/09:40/09:55/' in
	fx-plan -q in > out
	[ "$(q '[.activations[] | [.der_id, .price_per_kwh]]' E1 out)" = '[["D2",0.2]]' ]
}

@test "catalog: an older complete offer arriving late withdraws nothing newer" {
	e() { printf '{"der_id":"%s","aggregator_id":"A1","type":"battery","location":{"feeder_id":"F1"},"capacity_kw":100,"response_time_s":0,"duration_min":60,"price_per_kwh":%s}' "$1" "$2"; }
	{ echo "{\"type\":\"catalog\",\"aggregator_id\":\"A1\",\"complete\":true,\"received_at\":\"2025-01-06T09:50:00Z\",\"ders\":[$(e D1 0.1),$(e D2 0.2)]}"
	  echo "{\"type\":\"catalog\",\"aggregator_id\":\"A1\",\"complete\":true,\"received_at\":\"2025-01-06T09:40:00Z\",\"ders\":[$(e D1 0.5)]}"
	  recs <<-'EOF'
	f F1 600 900 900
	c E1 F1 600 0 1
	EOF
	} > in
	run --separate-stderr fx-plan in
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" > out
	[ "$stderr" = "$(summary 4 4 0 1 1 0 0 0 0 2 0)" ]
	[ "$(q '[.candidates, (.activations | map([.der_id, .price_per_kwh]))]' E1 out)" = '[2,[["D1",0.1]]]' ]
}

@test "catalog: each bad entry is reported with its index and skipped, the rest used; a record that is no catalog is rejected" {
	good='"aggregator_id":"A1","type":"battery","location":{"feeder_id":"F1"},"capacity_kw":100,"response_time_s":0,"duration_min":60,"price_per_kwh":0.1'
	{
	printf '{"type":"catalog","ders":['
	printf '%s,' \
	    '{"aggregator_id":"A1"}' \
	    '{"der_id":"","aggregator_id":"A1"}' \
	    '{"der_id":"X2","type":"battery"}' \
	    "{\"der_id\":\"X3\",${good/battery/solar}}" \
	    "{\"der_id\":\"X4\",${good/capacity_kw\":100/capacity_kw\":0}}" \
	    "{\"der_id\":\"X5\",${good/price_per_kwh\":0.1/price_per_kwh\":-0.1}}" \
	    "{\"der_id\":\"X6\",$good,\"constraints\":{\"min_kw\":150}}" \
	    "{\"der_id\":\"X7\",$good,\"constraints\":{\"min_duration_min\":90}}" \
	    "{\"der_id\":\"X8\",$good,\"constraints\":{\"available_from\":\"tomorrow\"}}" \
	    "{\"der_id\":\"X9\",$good,\"constraints\":{\"available_from\":\"2025-01-06T12:00:00Z\",\"available_to\":\"2025-01-06T11:00:00Z\"}}" \
	    "{\"der_id\":\"X10\",$good,\"reliability\":0}" \
	    "{\"der_id\":\"X11\",$good,\"reliability\":1.5}" \
	    "{\"der_id\":\"X12\",${good/\"feeder_id\":\"F1\"/\"name\":\"north\"}}" \
	    "{\"der_id\":\"X13\",$good,\"crypto_proof\":\"abc\"}" \
	    '42' \
	    "{\"der_id\":\"X15\",${good/\"response_time_s\":0,/}}" \
	    "{\"der_id\":\"X16\",$good,\"constraints\":{\"max_activations_per_day\":1.5}}"
	printf '{"der_id":"OK",%s,"crypto_proof":{"alg":"ed25519"},"extra":[1]}]}\n' "$good"
	} > cat.json
	jq -e '.ders | length == 18' cat.json > /dev/null
	recs > in <<-'EOF'
	f F1 600 900 900
	c E1 F1 600 0 1
	{"type":"catalog","ders":{}}
	{"type":"catalog","note":"empty"}
	{"type":"catalog","aggregator_id":"A1","complete":true}
	{"type":"catalog","complete":true,"ders":[]}
	{"type":"catalog","aggregator_id":"A1","complete":"yes","ders":[]}
	{"type":"catalog","received_at":"noon","ders":[]}
	EOF
	cat cat.json in > in2
	run --separate-stderr fx-plan in2
	[ "$status" -eq 0 ]
	printf '%s\n' "${stderr_lines[@]}" > err
	cat > want <<-'EOF'
	fx-plan: in2:1: ders[0]: der_id: missing, empty or not a string
	fx-plan: in2:1: ders[1] (der_id ): der_id: missing, empty or not a string
	fx-plan: in2:1: ders[2] (der_id X2): aggregator_id: missing, empty or not a string
	fx-plan: in2:1: ders[3] (der_id X3): type: want battery, EV, HVAC or other, not solar
	fx-plan: in2:1: ders[4] (der_id X4): capacity_kw: 0 out of range (above 0 to 1e+09)
	fx-plan: in2:1: ders[5] (der_id X5): price_per_kwh: -0.1 out of range (0 to 1e+06)
	fx-plan: in2:1: ders[6] (der_id X6): constraints: min_kw: 150 out of range (0 to 100)
	fx-plan: in2:1: ders[7] (der_id X7): constraints: min_duration_min: 90 out of range (above 0 to 60)
	fx-plan: in2:1: ders[8] (der_id X8): constraints: available_from: not a date-time (want YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM]) 'tomorrow'
	fx-plan: in2:1: ders[9] (der_id X9): constraints: available_from is not before available_to
	fx-plan: in2:1: ders[10] (der_id X10): reliability: 0 out of range (above 0 to 1)
	fx-plan: in2:1: ders[11] (der_id X11): reliability: 1.5 out of range (above 0 to 1)
	fx-plan: in2:1: ders[12] (der_id X12): location: no feeder_id or feeders
	fx-plan: in2:1: ders[13] (der_id X13): crypto_proof: not an object
	fx-plan: in2:1: ders[14]: not an object (number)
	fx-plan: in2:1: ders[15] (der_id X15): response_time_s: missing
	fx-plan: in2:1: ders[16] (der_id X16): constraints: max_activations_per_day: not a whole number 1.5
	fx-plan: in2:4: catalog: ders: not an array
	fx-plan: in2:5: catalog: not a catalog: an object with neither ders nor der_id
	fx-plan: in2:6: catalog: not a catalog: an object with neither ders nor der_id
	fx-plan: in2:7: catalog: complete: true needs an aggregator_id
	fx-plan: in2:8: catalog: complete: not a boolean
	fx-plan: in2:9: catalog: received_at: not a date-time (want YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM]) 'noon'
	EOF
	summary 9 3 6 1 1 0 0 0 0 1 17 >> want
	diff want err
	# the catalog record passes, the good entry is used
	printf '%s\n' "$output" > out
	[ "$(head -n 1 out)" = "$(head -n 1 in2)" ]
	[ "$(acts E1 out)" = "OK 10:00-10:30 100 50" ]
	[ "$(of catalog out | wc -l)" -eq 1 ]
	# --strict: a bad entry ends the run (the record passed first), in a
	# record or a file
	run --separate-stderr fx-plan --strict in2
	[ "$status" -eq 1 ]
	[ "${stderr_lines[17]}" = "fx-plan: --strict: a bad catalog entry" ]
	[ "${#stderr_lines[@]}" -eq 18 ]
	[ "$output" = "$(head -n 1 in2)" ]
	jq -c .ders cat.json > ders.json
	run --separate-stderr fx-plan --strict --catalog ders.json in
	[ "$status" -eq 1 ]
	[ "${stderr_lines[17]}" = "fx-plan: --strict: 17 bad entries in ders.json" ]
	[ -z "$output" ]
}

@test "--catalog: a JSON document or NDJSON, bad entries reported and skipped; a file with no catalog exits 2; later catalogs win" {
	recs > in <<-'EOF'
	f F001 600 900 900
	c E1 F001 600 0 1
	f F002 600 900 900
	c E2 F002 600 0 1
	EOF
	run --separate-stderr fx-plan --catalog "$SAMPLES/ders.json" in
	[ "$status" -eq 0 ]
	[ "$stderr" = "$(summary 4 4 0 2 2 0 0 0 0 6 0)" ]
	printf '%s\n' "$output" > out
	# the feeders each entry names
	for e in E1:F001 E2:F002; do
		want=$(jq -c --arg f "${e#*:}" '[.ders[] | select(.location.feeder_id == $f or (.location.feeders // [] | index($f))) | .der_id] | sort' "$SAMPLES/ders.json")
		[ "$(q .candidates "${e%%:*}" out)" = "$(jq -n "$want | length")" ]
		q '[.activations[].der_id] | unique' "${e%%:*}" out | jq -e --argjson w "$want" '. - $w == [] and length > 0' > /dev/null
	done
	check_plans out
	# NDJSON: an entry, an array, a catalog; a blank line, a bad line, a
	# bad entry
	entry() { printf '{"der_id":"%s","aggregator_id":"A1","type":"battery","location":{"feeder_id":"F001"},"capacity_kw":%s,"response_time_s":0,"duration_min":60,"price_per_kwh":%s}' "$@"; }
	{ entry N1 100 0.05; echo; echo
	  printf '['; entry N2 100 0.06; printf ','; entry N3 100 0.07; echo ']'
	  echo 'not json'
	  printf '{"ders":[{"der_id":"N4"},'; entry N1 40 0.05; echo ']}'; } > cat.ndjson
	run --separate-stderr fx-plan --catalog cat.ndjson in
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "fx-plan: cat.ndjson:4: invalid JSON: Invalid literal at line 1, column 1" ]
	[ "${stderr_lines[1]}" = "fx-plan: cat.ndjson:5: ders[0] (der_id N4): aggregator_id: missing, empty or not a string" ]
	[ "${stderr_lines[2]}" = "$(summary 4 4 0 2 1 0 1 1 0 3 2)" ]
	printf '%s\n' "$output" > out
	# N1 at 40 kW (its later line), then N2
	[ "$(q '[.activations[] | [.der_id, .kw]]' E1 out)" = '[["N2",60],["N1",40]]' ]
	# a later --catalog wins over an earlier one, a catalog record over both
	{ entry N1 100 0.5; echo; } > cat2.ndjson
	{ printf '{"type":"catalog","ders":['; entry N2 100 0.9; echo ']}'; cat in; } > in2
	fx-plan -q --catalog cat.ndjson --catalog cat2.ndjson in2 > out
	[ "$(q '[.activations[] | [.der_id, .kw]]' E1 out)" = '[["N3",100]]' ]
	# a document with a bad entry: reported without a line
	{ echo '{"ders": ['; entry N5 100 0.05; echo ','; echo '{"der_id":"N6","aggregator_id":"A1"}]}'; } > cat.json
	run --separate-stderr fx-plan --catalog cat.json /dev/null
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "fx-plan: cat.json: ders[1] (der_id N6): type: want battery, EV, HVAC or other, not (missing)" ]
	[ "${stderr_lines[1]}" = "$(summary 0 0 0 0 0 0 0 0 0 1 1)" ]
	# no catalog at all: exit 2, one message, nothing on stdout
	echo '{"a":1}' > a.json; echo 42 > b.json; echo 'xx' > c.json
	printf '{"a":1}\n{"b":2}\n' > d.json
	for f in a.json:"not a catalog: an object with neither ders nor der_id" b.json:"not a catalog: number" \
	    c.json:"invalid JSON: Unexpected character 'x' at line 1, column 1" nope.json:"No such file or directory"; do
		run --separate-stderr fx-plan --catalog "${f%%:*}" in
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[ "$stderr" = "fx-plan: ${f%%:*}: ${f#*:}" ] || { echo "$f: $stderr"; return 1; }
	done
	run --separate-stderr fx-plan --catalog d.json in
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "${stderr_lines[2]}" = "fx-plan: d.json: no catalog in it" ]
	[ "${#stderr_lines[@]}" -eq 3 ]
}

@test "config plan.catalog: a file or a list, relative to the config file; bad values exit 2" {
	mkdir conf
	cp "$SAMPLES/ders.json" conf/ders.json
	printf '{"der_id":"Z1","aggregator_id":"AZ","type":"other","location":{"feeder_id":"F001"},"capacity_kw":500,"response_time_s":0,"duration_min":60,"price_per_kwh":0.01}\n' > conf/extra.ndjson
	echo '{ "plan": { "catalog": "ders.json" } }' > conf/cfg.json
	echo '{ "plan": { "catalog": ["ders.json", "extra.ndjson"] } }' > conf/cfg2.json
	recs > in <<-'EOF'
	f F001 600 900 900
	c E1 F001 600 0 1
	EOF
	run --separate-stderr fx-plan -c conf/cfg.json in
	[ "$status" -eq 0 ]
	[ "$stderr" = "$(summary 2 2 0 1 1 0 0 0 0 6 0)" ]
	run --separate-stderr fx-plan -c conf/cfg2.json in
	[ "$status" -eq 0 ]
	[ "$stderr" = "$(summary 2 2 0 1 1 0 0 0 0 7 0)" ]
	printf '%s\n' "$output" > out
	[ "$(acts E1 out)" = "Z1 10:00-10:30 100 50" ]
	# FX_CONFIG too, and an absolute path
	echo "{ \"plan\": { \"catalog\": \"$TMP/conf/extra.ndjson\" } }" > abs.json
	FX_CONFIG=conf/cfg.json run --separate-stderr fx-plan -q in
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | of plan /dev/stdin | jq .candidates)" = 3 ]
	run --separate-stderr fx-plan -c abs.json in
	[ "$status" -eq 0 ]
	[ "$stderr" = "$(summary 2 2 0 1 1 0 0 0 0 1 0)" ]
	# --catalog adds to the config's
	run --separate-stderr fx-plan -c conf/cfg.json --catalog conf/extra.ndjson in
	[ "${stderr_lines[0]}" = "$(summary 2 2 0 1 1 0 0 0 0 7 0)" ]
	echo '{ "plan": { "catalog": "nope.json" } }' > conf/bad1.json
	echo '{ "plan": { "catalog": 5 } }' > conf/bad2.json
	echo '{ "plan": { "catalog": ["ders.json", 5] } }' > conf/bad3.json
	for f in bad1:"conf/nope.json: No such file or directory" \
	    bad2:"conf/bad2.json: plan.catalog: want a file name or a list of them" \
	    bad3:"conf/bad3.json: plan.catalog[1]: not a string"; do
		run --separate-stderr fx-plan -c "conf/${f%%:*}.json" in
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[ "$stderr" = "fx-plan: ${f#*:}" ] || { echo "$f: $stderr"; return 1; }
	done
}

@test "control: set_weights changes the weights of later plans; bad weights refused with a warning and passed on" {
	recs > in <<-'EOF'
	k D1 A1 battery F1,F2,F3 200 0.2
	k D2 A2 HVAC F1,F2,F3 200 0.25
	f F1 600 900 900
	f F2 600 900 900
	f F3 600 900 900
	c E1 F1 600 0 1
	x ann operator set_weights - {"curtailment":0.1} 601
	c E2 F2 602 0 1
	x ann admin set_weights - {"curtailment":10,"type_preference":{"hvac":-0.1}} 603
	c E3 F3 604 0 1
	x ann operator set_weights - {"cost":-1} 605
	x ann operator set_weights - {"type_preference":{"solar":1}} 606
	x ann operator set_weights - {"reliability":"high"} 607
	x ann operator set_weights - [] 608
	EOF
	run --separate-stderr fx-plan in
	[ "$status" -eq 0 ]
	printf '%s\n' "${stderr_lines[@]}" > err
	cat > want <<-EOF
	fx-plan: warning: in:11: control: set_weights: params: cost: want a number >= 0
	fx-plan: warning: in:12: control: set_weights: params: type_preference: want battery, EV, HVAC or other with a number, not solar
	fx-plan: warning: in:13: control: set_weights: params: reliability: want a number >= 0
	fx-plan: in:14: control: set_weights: params: missing or not an object
	$(summary 14 13 1 3 2 0 1 1 3 2 0)
	EOF
	diff want err
	printf '%s\n' "$output" > out
	[ "$(q '[.weights.curtailment, .activations[0].der_id]' E1 out)" = '[10,"D1"]' ]
	[ "$(q '[.weights.curtailment, .status, .activations]' E2 out)" = '[0.1,"none",[]]' ]
	[ "$(q '[.weights, .activations[0].der_id]' E3 out)" = '[{"cost":1,"reliability":0.1,"curtailment":10,"type_preference":{"battery":0,"EV":0,"HVAC":-0.1,"other":0}},"D2"]' ]
	# every control passes but the malformed one
	[ "$(of control out | wc -l)" -eq 5 ]
	check_plans out
}

@test "control: auto-dispatch off for a feeder: pending_approval, then approve_plan (approved, booked) or reject_plan; unknown plans and roles refused" {
	recs > in <<-'EOF'
	k D1 A1 battery F1,F2,F3 100 0.1
	f F1 600 900 900
	f F2 600 900 900
	f F3 600 900 900
	x ann operator set_auto_dispatch F1 {"enabled":false} 599
	x ann operator set_auto_dispatch F3 {"enabled":false} 599
	c E1 F1 600 0 1
	c E3 F3 600 0 1
	x bob operator approve_plan F1 {"plan_id":"E1/1"} 605
	c E2 F2 606 0 1
	x bob admin reject_plan F3 {"plan_id":"E3/1"} 607
	x bob operator approve_plan F1 {"plan_id":"E1/1"} 608
	x bob operator approve_plan F1 {"plan_id":"E9/1"} 609
	x eve auditor approve_plan F3 {"plan_id":"E3/1"} 610
	x eve viewer set_weights - {"cost":0} 610
	x eve operator shutdown_everything - {} 611
	EOF
	run --separate-stderr fx-plan in
	[ "$status" -eq 0 ]
	printf '%s\n' "${stderr_lines[@]}" > err
	cat > want <<-EOF
	fx-plan: warning: in:12: control: approve_plan: no plan E1/1 awaits approval
	fx-plan: warning: in:13: control: approve_plan: no plan E9/1 awaits approval
	fx-plan: warning: in:14: control: approve_plan by eve: role auditor may not do this (operator or admin)
	fx-plan: warning: in:15: control: set_weights by eve: role viewer may not do this (operator or admin)
	$(summary 16 16 0 5 1 2 1 1 4 1 0)
	EOF
	diff want err
	printf '%s\n' "$output" > out
	of plan out | jq -c '[.plan_id, .status]' | paste -sd' ' > got
	[ "$(cat got)" = '["E1/1","pending_approval"] ["E3/1","pending_approval"] ["E1/1","approved"] ["E2/1","none"] ["E3/1","rejected"]' ]
	[ "$(of plan out | head -n 1 | jq -c '[.reason, .decided_by]')" = '["auto-dispatch is off for the feeder: an operator approves or rejects the plan",null]' ]
	# the approved plan is the same plan, decided by bob at 10:05
	[ "$(of plan out | jq -c 'select(.plan_id == "E1/1") | del(.status, .reason, .decided_by, .decided_at, .planned_at_wall)' | uniq | wc -l)" -eq 1 ]
	[ "$(q '[.status, .decided_by, .decided_at, has("reason"), has("replaces")]' E1 out)" = '["approved","bob","2025-01-06T10:05:00Z",false,false]' ]
	[ "$(q '[.status, .decided_by, .decided_at, (.activations | length)]' E3 out)" = '["rejected","bob","2025-01-06T10:07:00Z",1]' ]
	# each decision right after its control record
	grep -A1 '"action":"approve_plan","feeder_id":"F1","params":{"plan_id":"E1/1"},"timestamp":"2025-01-06T10:05:00Z"' out | tail -n 1 | grep -q '"plan_id":"E1/1",.*"status":"approved"'
	grep -A1 '"action":"reject_plan"' out | tail -n 1 | grep -q '"plan_id":"E3/1",.*"status":"rejected"'
	# approval booked D1 for F1: F2 finds it full; the rejected plan booked nothing
	[ "$(q '[.excluded.booked, .reason]' E2 out)" = '[1,"none of the 1 DERs serving the feeder can run in the horizon (0 unavailable, 0 too slow to respond, 0 out of activations, 1 fully booked)"]' ]
	# every control passes, the refused ones and the unknown action too
	[ "$(of control out | wc -l)" -eq 9 ]
	check_plans out
	# the inputs are valid but for the roles fx-plan refuses
	grep -vE '"role":"(auditor|viewer)"' in > in2
	validate_made out in2
}

@test "control: approving a plan whose DERs were booked meanwhile plans again, approved, naming the plan it replaces" {
	recs > in <<-'EOF'
	k D1 A1 battery F1,F2 100 0.1
	k D2 A2 battery F1 100 0.3
	f F1 600 900 900
	f F2 600 900 900
	x ann operator set_auto_dispatch F1 {"enabled":false} 599
	c E1 F1 600 0 1
	c E2 F2 601 0 1
	x bob operator approve_plan F1 {"plan_id":"E1/1"} 603
	EOF
	run --separate-stderr fx-plan in
	[ "$status" -eq 0 ]
	[ "$stderr" = "$(summary 8 8 0 4 2 1 0 0 0 2 0)" ]
	printf '%s\n' "$output" > out
	[ "$(of plan out | jq -c '[.plan_id, .status, (.activations | map(.der_id))]' | paste -sd' ')" = \
	    '["E1/1","pending_approval",["D1"]] ["E2/1","dispatch",["D1"]] ["E1/1","superseded",["D1"]] ["E1/2","approved",["D2"]]' ]
	[ "$(of plan out | jq -c 'select(.status == "superseded") | [.reason, .decided_by, .decided_at]')" = \
	    '["approved, but D1 has 0 kW of 100 left in a slot the plan books 100 kW: planned again as E1/2","bob","2025-01-06T10:03:00Z"]' ]
	# planned again from the approval on, with the latest forecast
	[ "$(q '[.replaces, .decided_by, .decided_at, .issued_at, .reason]' E1 out)" = \
	    '["E1/1","bob","2025-01-06T10:03:00Z","2025-01-06T10:03:00Z","planned again at approval: D1 has 0 kW of 100 left in a slot the plan books 100 kW"]' ]
	recs > in2 <<-'EOF'
	f F1 600 900 900
	c E1 F1 603 0 1
	EOF
	[ "$(got_slots E1 out)" = "$(want_slots E1 p50 800 in2)" ]
	[ "$(acts E1 out)" = "D2 10:03-10:30 100 45" ]
	check_plans out --full
	validate_made out in
}

@test "control: --no-auto-dispatch, plan.auto_dispatch, defaults and the feeder's auto_dispatch; set_auto_dispatch without a feeder; pending plans expire with their horizon" {
	recs > in <<-'EOF'
	k D1 A1 battery F1,F2,F3 100 0.1
	f F1 600 900 900
	f F2 600 900 900
	c E1 F1 600 0 1
	c E2 F2 600 0 1
	x ann operator set_auto_dispatch - {"enabled":true} 601
	c E3 F2 602 1 2
	x ann operator approve_plan F1 {"plan_id":"E1/1"} 630
	EOF
	run --separate-stderr fx-plan --no-auto-dispatch in
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "fx-plan: warning: in:8: control: approve_plan: no plan E1/1 awaits approval" ]
	printf '%s\n' "$output" > out
	# the pending plans expire at 10:30, when their horizon is over
	[ "$(of plan out | jq -c '[.plan_id, .status]' | paste -sd' ')" = '["E1/1","pending_approval"] ["E2/1","pending_approval"] ["E3/2","dispatch"] ["E1/1","expired"] ["E2/1","expired"]' ]
	[ "$(of plan out | jq -c 'select(.status == "expired") | [.reason, .decided_by]' | uniq)" = '["no operator decision before the plan'"'"'s horizon ended",null]' ]
	# E3 (hi95: 120 kW) is short of 20 kW: an alert for it alone
	[ "$(of alert out | jq -r .plan_id)" = "E3/2" ]
	# the config: plan.auto_dispatch, defaults over it, a feeder's own
	# setting over both
	head -n 5 in > in2
	for c in '{ "plan": { "auto_dispatch": false } }|["E1/1","pending_approval"] ["E2/1","pending_approval"]' \
	    '{ "defaults": { "auto_dispatch": true }, "plan": { "auto_dispatch": false } }|["E1/1","dispatch"] ["E2/1","none"]' \
	    '{ "feeders": [ { "id": "F1", "limit_kw": 1000, "auto_dispatch": false } ], "defaults": { "auto_dispatch": true } }|["E1/1","pending_approval"] ["E2/1","dispatch"]'; do
		echo "${c%%|*}" > cfg.json
		fx-plan -q -c cfg.json in2 > out
		[ "$(of plan out | jq -c '[.plan_id, .status]' | paste -sd' ')" = "${c#*|}" ] || { echo "$c"; return 1; }
	done
	# a control record for a feeder wins over the config
	echo '{ "feeders": [ { "id": "F2", "limit_kw": 1000, "auto_dispatch": true } ], "plan": { "auto_dispatch": false } }' > cfg.json
	{ head -n 3 in; recs <<-'EOF'
	x ann operator set_auto_dispatch F2 {"enabled":false} 599
	x ann operator set_auto_dispatch F1 {"enabled":true} 599
	EOF
	sed -n 5p in; sed -n 4p in; } > in3
	fx-plan -q -c cfg.json in3 > out
	[ "$(of plan out | jq -c '[.plan_id, .status]' | paste -sd' ')" = '["E2/1","pending_approval"] ["E1/1","dispatch"]' ]
	# bad auto_dispatch settings in the config
	echo '{ "feeders": [ { "id": "F2", "limit_kw": 1000, "auto_dispatch": "yes" } ] }' > cfg.json
	run --separate-stderr fx-plan -c cfg.json in3
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-plan: cfg.json: feeder F2: auto_dispatch: not a boolean" ]
	echo '{ "defaults": { "auto_dispatch": 1 } }' > cfg.json
	run --separate-stderr fx-plan -c cfg.json in3
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-plan: cfg.json: defaults.auto_dispatch: not a boolean" ]
	# the expired plans validate
	fx-plan -q --no-auto-dispatch in > out
	validate_made out in
}

@test "control: malformed control records are rejected, well-formed ones fx-plan will not act on refused and passed on" {
	recs > in <<-'EOF'
	{"type":"control","user":"ann","role":"operator","params":{},"timestamp":"2025-01-06T10:00:00Z"}
	{"type":"control","role":"operator","action":"set_weights","params":{},"timestamp":"2025-01-06T10:00:00Z"}
	{"type":"control","user":"ann","action":"set_weights","params":{},"timestamp":"2025-01-06T10:00:00Z"}
	{"type":"control","user":"ann","role":"operator","action":"set_weights","params":{}}
	{"type":"control","user":"ann","role":"operator","action":"set_weights","params":{},"timestamp":"soon"}
	{"type":"control","user":"ann","role":"operator","action":"set_auto_dispatch","params":{"enabled":"no"},"timestamp":"2025-01-06T10:00:00Z"}
	{"type":"control","user":"ann","role":"operator","action":"approve_plan","params":{},"timestamp":"2025-01-06T10:00:00Z"}
	{"type":"control","user":"ann","role":"operator","action":"reject_plan","params":{"plan_id":7},"timestamp":"2025-01-06T10:00:00Z"}
	{"type":"control","user":"ann","role":"operator","action":"set_weights","params":"cost=1","timestamp":"2025-01-06T10:00:00Z"}
	{"type":"control","user":"ann","role":"operator","action":"set_weights","params":{},"timestamp":"2025-01-06T10:00:00Z"}
	EOF
	run --separate-stderr fx-plan in
	[ "$status" -eq 0 ]
	printf '%s\n' "${stderr_lines[@]}" > err
	cat > want <<-EOF
	fx-plan: in:1: control: action: missing or not a string
	fx-plan: in:2: control: set_weights: user: missing, empty or not a string
	fx-plan: warning: in:3: control: set_weights by ann: role (missing) may not do this (operator or admin)
	fx-plan: in:4: control: set_weights: timestamp: missing or not RFC 3339
	fx-plan: in:5: control: set_weights: timestamp: missing or not RFC 3339
	fx-plan: warning: in:6: control: set_auto_dispatch: params.enabled: missing or not a boolean
	fx-plan: warning: in:7: control: approve_plan: params.plan_id: missing or not a string
	fx-plan: warning: in:8: control: reject_plan: params.plan_id: missing or not a string
	fx-plan: in:9: control: set_weights: params: missing or not an object
	$(summary 10 5 5 0 0 0 0 0 4 0 0)
	EOF
	diff want err
	sed -n '3p;6,8p;10p' in > want
	[ "$output" = "$(cat want)" ]
}

@test "bad input: each class reported as FILE:LINE, skipped and counted; --strict exits 1 at the first; --errors-inline writes error records" {
	recs > good <<-'EOF'
	k D1 A1 battery F1 200 0.1
	f F1 600 900 900
	c E1 F1 600 0 1
	EOF
	sc='{"type":"state_change","event_id":"E9","feeder_id":"F1","timestamp":"2025-01-06T10:05:00Z","prev_state":0,"new_state":1}'
	fc=$(sed -n 2p good)
	{ cat good
	  echo 'not json'
	  echo '[1,2]'
	  echo '{"feeder_id":"F1"}'
	  echo "$sc" | jq -c 'del(.event_id), (.event_id = ""), del(.feeder_id),
	      del(.timestamp), (.timestamp = "2025-13-06T10:05:00Z"),
	      (.prev_state = 3), (.new_state = 1.5), (.new_state = "2"), del(.prev_state)'
	  echo "$fc" | jq -c '(.steps = []), (.steps[1].hi95 = 850), del(.issued_at),
	      (.steps[0].end = .steps[0].start), (.steps[0].p50 = "900"), (.feeder_id = 7)'
	  echo "$sc"; } > in
	run --separate-stderr fx-plan in
	[ "$status" -eq 0 ]
	printf '%s\n' "${stderr_lines[@]}" > err
	cat > want <<-EOF
	fx-plan: in:4: invalid JSON: Invalid literal at line 1, column 1
	fx-plan: in:5: record is a JSON array, not an object
	fx-plan: in:6: record has no string "type"
	fx-plan: in:7: state_change: event_id: missing, empty or not a string
	fx-plan: in:8: state_change: event_id: missing, empty or not a string
	fx-plan: in:9: state_change: feeder_id: missing, empty or not a string
	fx-plan: in:10: state_change: timestamp: missing or not a string
	fx-plan: in:11: state_change: timestamp: month out of range '2025-13-06T10:05:00Z'
	fx-plan: in:12: state_change: prev_state and new_state: want 0, 1 or 2
	fx-plan: in:13: state_change: prev_state and new_state: want 0, 1 or 2
	fx-plan: in:14: state_change: prev_state and new_state: want 0, 1 or 2
	fx-plan: in:15: state_change: prev_state and new_state: want 0, 1 or 2
	fx-plan: in:16: forecast: steps: not an array of 1 to 96 steps
	fx-plan: in:17: forecast: steps[1]: bounds out of order: want lo95 <= lo80 <= p50 <= hi80 <= hi95
	fx-plan: in:18: forecast: issued_at: missing or not a string
	fx-plan: in:19: forecast: steps[0]: end is not after start
	fx-plan: in:20: forecast: steps[0].p50: not a number
	fx-plan: in:21: forecast: feeder_id: missing, empty or not a string
	$(summary 22 4 18 2 1 0 1 0 0 1 0)
	EOF
	diff want err
	# the bad lines are dropped, the good ones pass; the bad forecasts did
	# not replace the good one (E9 plans with it: E1's booking covers it)
	printf '%s\n' "$output" > out
	grep -vE '^\{"type":"(plan|alert)",' out > passed
	{ cat good; tail -n 1 in; } | cmp - passed
	[ "$(q '[.status, .forecast_issued_at, [.slots[].forecast_kw], [.slots[].booked_kw]]' E9 out)" = '["none","2025-01-06T10:00:00Z",[900,900],[100,100]]' ]
	# --strict: exit 1 at the first, what came before written
	run --separate-stderr fx-plan --strict in
	[ "$status" -eq 1 ]
	[ "$stderr" = "fx-plan: in:4: invalid JSON: Invalid literal at line 1, column 1" ]
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[3]}" = "$(fx-plan -q good | tail -n 1)" ] || [[ "${lines[3]}" == '{"type":"plan","plan_id":"E1/1",'* ]]
	run --separate-stderr fx-plan --strict good
	[ "$status" -eq 0 ]
	# --errors-inline: an error record in place of each bad line; stdin
	run --separate-stderr fx-plan -q --errors-inline < in
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "fx-plan: stdin:4: invalid JSON: Invalid literal at line 1, column 1" ]
	[ "${#stderr_lines[@]}" -eq 18 ]
	printf '%s\n' "$output" > out
	[ "$(of error out | wc -l)" -eq 18 ]
	[ "$(of error out | jq -r '.line' | paste -sd' ')" = "$(seq 4 21 | paste -sd' ')" ]
	of error out | jq -e -s --rawfile want want '
	    ($want | split("\n") | map(select(startswith("fx-plan: in:")) | sub("^fx-plan: in:[0-9]+: "; ""))) as $w |
	    map(.reason) == $w and all(.[]; .program == "fx-plan" and .input == "stdin")' > /dev/null
	validate_made out
}

@test "usage errors: exit 2 and one message, nothing on stdout" {
	for args in "--time-limit 0" "--time-limit x" "--time-limit 700000" "--share 2" "--share 0" "--share -1" \
	    "--weights foo=1" "--weights cost" "--weights cost=-1" "--weights curtailment=x" "--weights battery=1e10" \
	    "--max-forecast-age x" "--max-forecast-age 0" "--catalog /nonexistent.json" "-c /nonexistent.json"; do
		run --separate-stderr fx-plan $args /dev/null
		[ "$status" -eq 2 ] || { echo "$args: exit $status"; return 1; }
		[ -z "$output" ]
		[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$args: $stderr"; return 1; }
		[[ "$stderr" == "fx-plan: "* ]] || { echo "$args: $stderr"; return 1; }
	done
	run --separate-stderr fx-plan --time-limit 0 /dev/null
	[ "$stderr" = "fx-plan: --time-limit: want a number from 1 to 600000, not '0'" ]
	run --separate-stderr fx-plan --time-limit 1.5 /dev/null
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-plan: --time-limit: want whole milliseconds, not '1.5'" ]
	run --separate-stderr fx-plan --share 2 /dev/null
	[ "$stderr" = "fx-plan: --share: want a number from 1e-06 to 1, not '2'" ]
	run --separate-stderr fx-plan --weights cost=1,foo=1 /dev/null
	[ "$stderr" = "fx-plan: --weights: want name=number pairs (cost, reliability, curtailment >= 0; battery, EV, HVAC, other), not 'cost=1,foo=1'" ]
	run --separate-stderr fx-plan --max-forecast-age x /dev/null
	[[ "$stderr" == "fx-plan: --max-forecast-age: "*"'x'"* ]]
	run --separate-stderr fx-plan --bogus
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "fx-plan: unrecognized option '--bogus'" ]
	[[ "${stderr_lines[1]}" == "usage: fx-plan "* ]]
	run --separate-stderr fx-plan /nonexistent.ndjson
	[ "$status" -eq 1 ]
	[[ "$stderr" == "fx-plan: /nonexistent.ndjson: "* ]]
	# fine: the bounds, a type by any case
	run --separate-stderr fx-plan -q --time-limit 600000 --share 1e-6 --weights EV=-1,hvac=0.5,reliability=0 --max-forecast-age 2h /dev/null
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

@test "config: bad values of the plan section exit 2 naming the file and the key" {
	recs > in <<-'EOF'
	f F1 600 900 900
	c E1 F1 600 0 1
	EOF
	while IFS='|' read -r plan msg; do
		echo "{ \"plan\": $plan }" > cfg.json
		run --separate-stderr fx-plan -c cfg.json in
		[ "$status" -eq 2 ] || { echo "$plan: exit $status"; return 1; }
		[ -z "$output" ]
		[ "$stderr" = "fx-plan: cfg.json: $msg" ] || { echo "$plan: $stderr"; return 1; }
	done <<-'EOF'
	{ "time_limit_ms": 0 }|plan.time_limit_ms: want a whole number of milliseconds, 1 to 600000
	{ "time_limit_ms": 1.5 }|plan.time_limit_ms: want a whole number of milliseconds, 1 to 600000
	{ "time_limit_ms": "fast" }|plan.time_limit_ms: want a whole number of milliseconds, 1 to 600000
	{ "max_aggregator_share": 0 }|plan.max_aggregator_share: want a number in (0, 1]
	{ "max_aggregator_share": 1.5 }|plan.max_aggregator_share: want a number in (0, 1]
	{ "auto_dispatch": "no" }|plan.auto_dispatch: not a boolean
	{ "max_forecast_age": "soon" }|plan.max_forecast_age: not a duration > 0
	{ "max_forecast_age": 30 }|plan.max_forecast_age: not a duration string
	{ "weights": [] }|plan.weights: not an object
	{ "weights": { "cost": -1 } }|plan.weights: cost: want a number >= 0
	{ "weights": { "type_preference": { "solar": 1 } } }|plan.weights: type_preference: want battery, EV, HVAC or other with a number, not solar
	{ "type_preference": { "EV": "low" } }|plan: type_preference: want battery, EV, HVAC or other with a number, not EV
	{ "type_preference": 3 }|plan: type_preference: not an object
	5|plan: not an object
	{ "alert": "p50" }|plan.alert: not an object
	{ "alert": { "quantile": 50 } }|plan.alert: quantile and target are strings
	{ "alert": { "quantile": "p99" } }|plan.alert.quantile: want p50, hi80 or hi95, not p99
	{ "critical": { "target": "normal" } }|plan.critical.target: want alert or critical, not normal
	EOF
	# good values are used: the time limit, the forecast age
	echo '{ "plan": { "time_limit_ms": 50, "max_forecast_age": "5m" } }' > cfg.json
	recs > in <<-'EOF'
	f F1 600 900 900
	c E1 F1 606 0 1
	EOF
	fx-plan -q -c cfg.json in > out
	[ "$(q .reason E1 out)" = '"the latest forecast (issued 2025-01-06T10:00:00Z) is older than 5 min"' ]
	# the option wins over the config
	fx-plan -q -c cfg.json --max-forecast-age 10m in > out
	[ "$(q '.slots | length' E1 out)" = 2 ]
}
