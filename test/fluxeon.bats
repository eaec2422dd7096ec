#!/usr/bin/env bats
# The toolkit as a whole: fluxeon(7)'s examples and the pipelines/ scripts
# that README.md shows.

bats_require_minimum_version 1.5.0
load helper

@test "every EXAMPLES line of fluxeon(7) runs and writes records" {
	awk '/^\.Sh EXAMPLES/ { f = 1; next } /^\.Sh/ { f = 0 }
	    f && /^\.Dl / { sub(/^\.Dl /, ""); print }' \
	    "$ROOT/man/fluxeon.7" > examples
	[ "$(wc -l < examples)" -ge 2 ]
	while IFS= read -r line; do
		rc=0
		sh -c "$line" < /dev/null > out 2> err || rc=$?
		[ "$rc" -eq 0 ] || { echo "$line: exit $rc: $(cat err)"; return 1; }
		[ -s out ] || { echo "$line: no output"; return 1; }
		validate out
	done < examples
}

@test "pipelines/demo.sh: the main job on embedded defaults" {
	run --separate-stderr env OUT="$TMP/demo.ndjson" "$ROOT/pipelines/demo.sh"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "demo: wrote $TMP/demo.ndjson" ]
	[ "${#lines[@]}" -eq 6 ]
	[[ "${lines[1]}" == "  F001: 4320 readings, load "*" kW, "*" spikes, 852 forecasts (last by dmr), "*" state changes ("*" to Critical), "*" plans ("*" dispatched, "*" kWh expected, "*" kWh unmet)" ]]
	[[ "${lines[4]}" == "  orders: "*" completed, "*" attempts failed; "*" kWh delivered; detection to CONFIRM at most "*" ms" ]]
	[[ "${lines[5]}" == "  audit: fx-audit: verify: OK: fluxeon.demo/audit: "*" entries (0 pruned), "*" checkpoints, the latest at "*"; root "* ]]
	[ "$(count_type reading demo.ndjson)" -eq 12960 ]
	# a forecast every 5 minutes once a feeder has an hour of history
	[ "$(count_type forecast demo.ndjson)" -eq $((3 * (3 * 288 - 12))) ]
	# the injected 250 kW spike at 18:00 is detected on F001
	grep -q '"type":"spike","feeder_id":"F001","timestamp":"2025-01-06T18:00:00Z","phase":"start"' demo.ndjson
	# 15-min history windows, and 4 predicted slices per forecast
	[ "$(count_type features demo.ndjson)" -eq $((3 * 3 * 96 + 4 * 3 * 852)) ]
	# a state for every slice, observed or predicted; F001 turns Critical
	# once, during the injected spike (18:00-18:20)
	[ "$(count_type state demo.ndjson)" -eq $((3 * 3 * 96 + 4 * 3 * 852)) ]
	jq -e -s 'map(select(.type == "state_change" and .feeder_id == "F001" and .new_state == 2
	    and .timestamp >= "2025-01-06T18:00:00Z" and .timestamp <= "2025-01-06T18:20:00Z")) | length == 1' demo.ndjson
	# the turn to Critical gets a plan from samples/ders.json: F001's DERs
	# only, each slot's expected relief plus unmet volume is what it needs
	jq -e -s '[.[] | select(.type == "plan" and .feeder_id == "F001" and .state == 2)] |
	    length >= 1 and all(.[]; .status == "dispatch" and (.activations | length) >= 1 and
	    all(.activations[]; .der_id | IN("did:fx:bat-0001", "did:fx:ev-0042", "did:fx:hvac-0107")) and
	    all(.slots[]; (.expected_kw + .unmet_kw - .required_kw | fabs) < 0.01))' demo.ndjson
	# every activation of a dispatched plan is bought from the sandbox
	# aggregator and completed: its order names the plan's DER, the OBP ID
	# and a DER participation that verified
	[ "$(jq -s '[.[] | select(.type == "plan" and .status == "dispatch") | .activations[]] | length' demo.ndjson)" = \
	    "$(jq -s '[.[] | select(.type == "order" and .status == "completed")] | length' demo.ndjson)" ]
	jq -e -s '[.[] | select(.type == "order" and .status == "completed")] | length >= 1 and
	    all(.[]; .participation.verified and (.obp_id | startswith("OBP-")) and .delivered_kwh > 0 and
	    .detection_to_confirm_ms >= 0)' demo.ndjson
	# and the audit store holds them, keyed by OBP ID
	o=$(jq -r 'select(.type == "order" and .status == "completed") | .obp_id' demo.ndjson | head -n 1)
	[ "$(fx-audit query --db "$TMP/demo.audit.db" --obp "$o" | jq -r .status | sort | paste -sd,)" = "active,active,completed" ] ||
	    [ "$(fx-audit query --db "$TMP/demo.audit.db" --obp "$o" | jq -r .status | sort | paste -sd,)" = "active,completed" ]
	validate demo.ndjson
}

@test "pipelines/export.sh: archive, rejects kept, accounting, checksum" {
	fx-sim -n 2 -d 1h -f csv > day.csv
	printf '2025-01-06T01:00:00Z,F001,abc\n2025-01-06T01:01:00Z,F001,12.5\n' >> day.csv
	run --separate-stderr "$ROOT/pipelines/export.sh" day.csv arch
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[ "$(cat arch/day.summary)" = "fx-ingest: day.csv:122: load_kw: not a number 'abc'
fx-ingest: warning: F001: gap of 2m before 2025-01-06T01:01:00Z
fx-ingest: 122 rows read, 122 records: 121 accepted, 1 rejected, 0 duplicates; 121 written, 1 gaps; rejected: 1 not a number" ]
	[ "$stderr" = "$(cat arch/day.summary)" ]
	[ "$(cat arch/day.rejects.csv)" = "2025-01-06T01:00:00Z,F001,abc" ]
	[ "$(zcat arch/day.ndjson.gz | wc -l)" -eq 121 ]
	zcat arch/day.ndjson.gz | validate
	(cd arch && sha256sum -c --quiet SHA256SUMS)
	[ -z "$(ls -A arch | grep '^\.')" ]	# no temporaries left
}

@test "pipelines/export.sh: usage error without its two operands" {
	run --separate-stderr "$ROOT/pipelines/export.sh" day.csv
	[ "$status" -eq 2 ]
	[[ "$stderr" == "usage: "*"export.sh FILE.csv DESTDIR" ]]
}

@test "pipelines/live.sh: a growing CSV crosses every stage at once" {
	printf 'timestamp,feeder_id,load_kw\n' > feed.csv
	# its own process group, so that tail -F and every stage can be
	# stopped together
	SOURCE=feed.csv setsid "$ROOT/pipelines/live.sh" > live.ndjson 2> live.err &
	pid=$!
	# Append readings while the pipeline runs: each must come out the far
	# end before the input ends, which is what flushing on idle gives.
	for i in 0 1 2 3 4 5 6 7 8 9; do
		printf '2025-01-06T00:%02d:00Z,F001,%d\n' "$i" $((100 + i)) >> feed.csv
	done
	for _ in $(seq 50); do
		[ "$(count_type reading live.ndjson)" -eq 10 ] && break
		sleep 0.1
	done
	kill -TERM -- -$pid 2>/dev/null || true
	wait $pid || true
	[ "$(count_type reading live.ndjson)" -eq 10 ]
	validate live.ndjson
}

@test "pipelines/backtest.sh: ETTm1 through ingest, detect and features" {
	need_shared data
	run --separate-stderr "$ROOT/pipelines/backtest.sh"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" > bt.ndjson
	[ "$(count_type reading bt.ndjson)" -eq 209040 ]
	[ "$(count_type features bt.ndjson)" -eq 209040 ]
	[ "$(count_type spike bt.ndjson)" -gt 0 ]
	[ "$stderr" = "fx-ingest: 69680 rows read, 209040 records: 209040 accepted, 0 rejected, 0 duplicates; 209040 written, 0 gaps" ]
}

@test "pipelines/backtest-forecast.sh: dmr beats persistence with calibrated intervals" {
	need_shared data
	run --separate-stderr env MODELS="persistence dmr" "$ROOT/pipelines/backtest-forecast.sh"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 12 ]	# header, rule, 5 series x 2 models
	printf '%s\n' "${lines[@]:2}" > table
	# per series: dmr's MASE below persistence's, and its coverage within
	# 3 points of 80% and 95%
	awk -F' *[|] *' '
	    $3 == "persistence" { p[$2] = $4 }
	    $3 == "dmr" { d[$2] = $4; c80[$2] = $6; c95[$2] = $7 }
	    END {
		for (s in d) {
			n++
			if (!(d[s] < p[s])) { print s ": dmr " d[s] " >= persistence " p[s]; bad = 1 }
			if (c80[s] < 0.77 || c80[s] > 0.83) { print s ": cov80 " c80[s]; bad = 1 }
			if (c95[s] < 0.92 || c95[s] > 0.98) { print s ": cov95 " c95[s]; bad = 1 }
		}
		exit bad || n != 5
	    }' table
	[ -s "$ROOT/out/backtest-forecast/VIC-dmr.ndjson" ]
	validate "$ROOT/out/backtest-forecast/VIC-dmr.ndjson"
}
