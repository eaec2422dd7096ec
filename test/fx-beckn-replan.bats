#!/usr/bin/env bats
# fx-beckn runs the optimiser again on the offers discovery brings back
# (SRS R37): the plan's slots, need, weights and aggregator share, with
# each offer as a DER, through common/flexder and common/flex, the code
# fx-plan uses on its catalog.  The reference is fx-plan itself: what
# fx-beckn orders on the offers of a catalog must be what fx-plan plans on
# that same catalog (DERs, kW, windows).  Here the plan is made on one
# catalog (plan.json) and fx-bpp offers another (the live one): the same,
# prices changed, a DER gone, capacity cut, or every price over the
# curtailment weight; and --no-reoptimise orders the plan as made.
#
# The forecast is issued an hour before now (whole minutes), so every
# window is past and each order completes at once.

bats_require_minimum_version 1.5.0
load helper
load buyer_helper

setup() {
	TMP=$(mktemp -d)
	cd "$TMP"
	BG_PIDS=
	BASE=$(( $(date +%s) / 60 * 60 - 3600 ))
	fx-beckn keygen --id bap.test --key-id k1 --url http://127.0.0.1:1 -o bap > /dev/null
	jq -s . bap.json > reg.json
	# three DERs on F1, none with a shortest run (offers do not carry it)
	catalog 'did:fx:t-bat battery 100 0.10 0.95' 'did:fx:t-ev EV 60 0.15 0.9' \
	    'did:fx:t-hvac HVAC 40 0.20 0.9' > plan-cat.json
	# a forecast over the critical level for an hour, and the change
	jq -nc --argjson b "$BASE" 'def t: todate;
	    {type: "forecast", feeder_id: "F1", issued_at: ($b | t), step_min: 15,
	     steps: [range(4) as $i | {start: ($b + 900 * $i | t), end: ($b + 900 * $i + 900 | t),
	       p50: (900 + 20 * $i), lo80: 880, hi80: (920 + 20 * $i), lo95: 860,
	       hi95: (940 + 20 * $i)}],
	     model: "persistence", inputs: ["last"], interval: "gaussian", errors: 0,
	     history_bins: 96},
	    {type: "state_change", event_id: "F1@\($b | t)#1", feeder_id: "F1",
	     timestamp: ($b | t), prev_state: 0, new_state: 2, confidence: 0.9,
	     cause: {horizon: 1, slice_start: ($b | t), slice_end: ($b + 900 | t),
	      probs: [0.01, 0.09, 0.9]}, model: "rules", alert_kw: 800, critical_kw: 950,
	     detected_at_wall: (now | todate)}' > events.ndjson
}

teardown() {
	fresh
	cd /
	rm -rf "$TMP"
}

# catalog 'DER TYPE KW PRICE REL'...: a catalog file of DERs on F1 sold by
# agg.t, ready at once, up to an hour.
catalog() {
	printf '%s\n' "$@" | jq -nR '{ders: [inputs | split(" ") |
	    {der_id: .[0], aggregator_id: "agg.t", type: .[1], location: {feeder_id: "F1"},
	     capacity_kw: (.[2] | tonumber), response_time_s: 0, duration_min: 60,
	     price_per_kwh: (.[3] | tonumber), reliability: (.[4] | tonumber)}]}'
}

# planned CATALOG: fx-plan's activations on CATALOG as sorted TSV lines
# DER, kW, start, end.
planned() {
	fx-plan -q --catalog "$1" events.ndjson |
	    jq -r 'select(.type == "plan") | .activations[] | [.der_id, .kw, .start, .end] | @tsv' | sort
}

# ordered: the activations fx-beckn ordered (its active records) as
# sorted TSV lines DER, kW, start, end.
ordered() {
	jq -r 'select(.type == "order" and .status == "active") | [.der_id, .kw, .start, .end] | @tsv' out.ndjson | sort
}

# live CATALOG [FX-BECKN-OPTION...]: the plan made on plan-cat.json, bought
# from fx-bpp serving CATALOG.
live() {
	local cat=$1
	shift
	CATALOG=$cat bpp bpp.test 2.0.0
	fx-plan -q --catalog plan-cat.json events.ndjson > plan.ndjson
	[ "$(jq -s 'map(select(.type == "plan" and .status == "dispatch")) | length' plan.ndjson)" -eq 1 ]
	buy "$@" plan.ndjson
	[ "$status" -eq 0 ]
	validate out.ndjson
}

# reallocated N: stderr says N plans were allocated again.
reallocated() {
	[[ "$stderr" == *"; $1 plans allocated again on live offers, "* ]] || { echo "stderr: $stderr"; return 1; }
}

@test "the offers are the plan's catalog: the orders are the plan's activations, allocation live, all completed" {
	live plan-cat.json
	reallocated 1
	[ -n "$(ordered)" ]
	diff <(ordered) <(planned plan-cat.json)
	jq -e -s '[.[] | select(.type == "order")] | length > 0 and all(.allocation == "live") and
	    (map(select(.status == "completed")) | length) == (map(select(.status == "active")) | length)' out.ndjson
}

@test "prices changed at the aggregator: the orders follow the live prices, as fx-plan would plan on them" {
	catalog 'did:fx:t-bat battery 100 0.30 0.95' 'did:fx:t-ev EV 60 0.15 0.9' \
	    'did:fx:t-hvac HVAC 40 0.02 0.9' 'did:fx:t-other other 150 0.05 0.99' > live.json
	live live.json
	reallocated 1
	diff <(ordered) <(planned live.json)
	# and that differs from the plan made on the old prices
	! diff <(ordered) <(planned plan-cat.json) > /dev/null
	ordered | grep -q '^did:fx:t-other	'
}

@test "the planned battery not offered: the others take its share, as fx-plan would plan without it" {
	catalog 'did:fx:t-ev EV 60 0.15 0.9' 'did:fx:t-hvac HVAC 40 0.20 0.9' \
	    'did:fx:t-spare battery 120 0.25 0.9' > live.json
	live live.json
	reallocated 1
	diff <(ordered) <(planned live.json)
	! ordered | grep -q '^did:fx:t-bat	'
	# no failed attempt at the battery: it was never ordered
	[ "$(jq -s 'map(select(.type == "order" and .status == "failed")) | length' out.ndjson)" -eq 0 ]
}

@test "capacity cut at the aggregator: no order asks a DER for more than it offers" {
	catalog 'did:fx:t-bat battery 30 0.10 0.95' 'did:fx:t-ev EV 60 0.15 0.9' \
	    'did:fx:t-hvac HVAC 40 0.20 0.9' > live.json
	live live.json
	diff <(ordered) <(planned live.json)
	jq -e -s '[.[] | select(.type == "order" and .der_id == "did:fx:t-bat")] | length > 0 and all(.kw <= 30)' out.ndjson
}

@test "every live price over the curtailment weight: nothing ordered, each activation failed with the optimiser's reason, alerts" {
	catalog 'did:fx:t-bat battery 100 50 0.95' 'did:fx:t-ev EV 60 60 0.9' \
	    'did:fx:t-hvac HVAC 40 70 0.9' > live.json
	live live.json
	reallocated 0
	[ -z "$(ordered)" ]
	jq -e -s --argjson n "$(planned plan-cat.json | wc -l)" '
	    [.[] | select(.type == "order")] as $o | [.[] | select(.type == "alert" and (.what | startswith("F1: no Beckn order")))] as $a |
	    ($o | length) == $n and all($o[]; .status == "failed" and .attempt == 0 and
	        .allocation == "plan" and (.reason | startswith("the optimiser, run again on the 3 DERs offered"))) and
	    ($a | length) == $n' out.ndjson
	# no select was sent
	[ "$(jq -s 'map(select(.type == "beckn" and .action == "select")) | length' out.ndjson)" -eq 0 ]
}

@test "--no-reoptimise: the plan's activations are ordered as made, whatever the live prices" {
	catalog 'did:fx:t-bat battery 100 0.30 0.95' 'did:fx:t-ev EV 60 0.15 0.9' \
	    'did:fx:t-hvac HVAC 40 0.02 0.9' 'did:fx:t-other other 150 0.05 0.99' > live.json
	live live.json --no-reoptimise
	reallocated 0
	diff <(ordered) <(planned plan-cat.json)
	jq -e -s '[.[] | select(.type == "order")] | all(.allocation == "plan")' out.ndjson
}

@test "--solve-limit 0: the greedy allocation on the live offers, as fx-plan --greedy" {
	catalog 'did:fx:t-bat battery 100 0.30 0.95' 'did:fx:t-ev EV 60 0.15 0.9' \
	    'did:fx:t-hvac HVAC 40 0.02 0.9' 'did:fx:t-other other 150 0.05 0.99' > live.json
	live live.json --solve-limit 0
	reallocated 1
	diff <(ordered) <(fx-plan -q --greedy --catalog live.json events.ndjson |
	    jq -r 'select(.type == "plan") | .activations[] | [.der_id, .kw, .start, .end] | @tsv' | sort)
}

@test "a hand-made plan without slots: its activations are ordered as given (allocation plan)" {
	CATALOG=plan-cat.json bpp bpp.test 2.0.0
	fx-plan -q --catalog plan-cat.json events.ndjson | jq -c 'if .type == "plan" then .slots = [] else . end' > plan.ndjson
	buy plan.ndjson
	[ "$status" -eq 0 ]
	reallocated 0
	diff <(ordered) <(planned plan-cat.json)
	jq -e -s '[.[] | select(.type == "order")] | length > 0 and all(.allocation == "plan")' out.ndjson
}

@test "usage: --solve-limit takes a duration up to 60 s" {
	run --separate-stderr fx-beckn --id bap.test --key bap.key --registry reg.json --solve-limit 61s
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--solve-limit: at most 60s"* ]]
	run --separate-stderr fx-beckn --id bap.test --key bap.key --registry reg.json --solve-limit soon
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--solve-limit"* ]]
}
