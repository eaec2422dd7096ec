#!/usr/bin/env bats
# fx-sim: synthetic feeder load curves.  Exit status, stdout and stderr of
# every option and every class of bad input; the model's properties
# (counts, determinism, spikes, shapes, temperature, calendar); the golden
# cases in test/cases/fx-sim/NNNN/{cmd,expout} (FX_REGEN=1 rewrites
# expout; review the diff); and the man page's EXAMPLES.

bats_require_minimum_version 1.5.0
load helper

CASES=$ROOT/test/cases/fx-sim

# added BASE OTHER FEEDER TIME KW [FEEDER TIME KW ...]: fails unless the
# reading of FEEDER at TIME in OTHER is KW above the one in BASE, to the
# rounding of 1 W, for each triple.  One awk for all: processes are dear.
added() {
	local base=$1 other=$2
	shift 2
	awk -v spec="$*" '
	BEGIN {
		n = split(spec, a, " ")
		for (i = 1; i <= n; i += 3)
			want[a[i] " " a[i + 1]] = a[i + 2]
	}
	/"type":"reading"/ {
		match($0, /"feeder_id":"[^"]*"/); f = substr($0, RSTART + 13, RLENGTH - 14)
		match($0, /"timestamp":"[^"]*"/); t = substr($0, RSTART + 13, RLENGTH - 14)
		k = f " " t
		if (!(k in want))
			next
		match($0, /"load_kw":[-0-9.]+/)
		v = substr($0, RSTART + 10, RLENGTH - 10) + 0
		if (FILENAME == ARGV[1]) was[k] = v; else now[k] = v
	}
	END {
		for (k in want) {
			d = now[k] - was[k] - want[k]
			if (!(k in now) || !(k in was) || d > 0.0015 || d < -0.0015) {
				print "at " k ": " was[k] " -> " now[k] ", want +" want[k]
				bad = 1
			}
		}
		exit bad
	}' "$base" "$other"
}

# sim FILE ARGS...: runs fx-sim ARGS with its output in FILE; fails
# unless it exits 0 with nothing on stderr.  (Cheaper than `run` for long
# outputs, which bats would split into an array.)
sim() {
	local out=$1 rc=0
	shift
	fx-sim "$@" > "$out" 2> "$out.err" || rc=$?
	[ "$rc" -eq 0 ] || { echo "fx-sim $*: exit $rc: $(cat "$out.err")"; return 1; }
	[ ! -s "$out.err" ] || { echo "fx-sim $*: stderr: $(cat "$out.err")"; return 1; }
}

# Exit 2, nothing on stdout, and exactly the message $1 on stderr.
usage_error() {
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "$1" ]
}

@test "-h prints the usage on stdout, matching the man page synopsis" {
	run --separate-stderr fx-sim -h
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "usage: fx-sim [-hv] [-c file] [-d duration | -e time] [-f ndjson | csv] [-n feeders]" ]
	# Every option of the usage is documented in the man page.
	printf '%s\n' "$output" | grep -oE -- '[[|] ?-[-a-z]+' |
	    sed 's/^[[|] *-//; /^hv$/d' | sort -u > usage
	sed -n 's/^\.It Fl \([-a-z]*\).*/\1/p' "$ROOT/man/fx-sim.1" | sort -u > man
	[ "$(wc -l < usage)" -ge 20 ]
	run comm -23 usage man
	[ -z "$output" ]
}

@test "defaults: one feeder, one day from Monday 2025-01-06 every minute, exo every 15 min" {
	run --separate-stderr fx-sim
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 1536 ]
	[ "${lines[0]}" = '{"type":"exo","timestamp":"2025-01-06T00:00:00Z","temperature_c":3.75,"holiday_flag":false,"event_flag":false,"dow":1,"source":"sim"}' ]
	[ "${lines[1]}" = '{"type":"reading","feeder_id":"F001","timestamp":"2025-01-06T00:00:00Z","load_kw":273.466,"source":"sim"}' ]
	[[ "${lines[2]}" == '{"type":"reading","feeder_id":"F001","timestamp":"2025-01-06T00:01:00Z","load_kw":'* ]]
	[[ "${lines[1535]}" == *'"timestamp":"2025-01-06T23:59:00Z"'* ]]
	printf '%s\n' "$output" > out
	[ "$(count_type reading out)" -eq 1440 ]
	[ "$(count_type exo out)" -eq 96 ]
}

@test "counts: feeders x steps readings, each step's exo first then feeders in order" {
	sim out -n 4 -d 6h --step 5m
	[ "$(count_type reading out)" -eq 288 ]
	[ "$(count_type exo out)" -eq 24 ]
	# The first 15 minutes: exo, F001..F004 at :00, then :05 and :10.
	run jq -rs '.[0:16] | map(.type + " " + (.feeder_id // "-")) | join(",")' out
	[ "$output" = "exo -,reading F001,reading F002,reading F003,reading F004,reading F001,reading F002,reading F003,reading F004,reading F001,reading F002,reading F003,reading F004,exo -,reading F001,reading F002" ]
}

@test "-n 1000 names feeders with enough digits" {
	run --separate-stderr fx-sim -n 1000 -d 1m --no-exo
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 1000 ]
	[[ "${lines[0]}" == *'"feeder_id":"F0001"'* ]]
	[[ "${lines[999]}" == *'"feeder_id":"F1000"'* ]]
	run --separate-stderr fx-sim --feeders 12 -d 1m --no-exo
	[[ "${lines[11]}" == *'"feeder_id":"F012"'* ]]
}

@test "--step 1s, 5m, 15m and 7s: count and spacing of readings" {
	for spec in "1s 10m 600 1 00:00:01" "5m 1d 288 96 00:05:00" \
	    "15m 1d 96 96 00:15:00" "7s 1d 12343 96 00:00:07"; do
		set -- $spec
		sim out --step "$1" -d "$2"
		[ "$(count_type reading out)" -eq "$3" ]
		[ "$(count_type exo out)" -eq "$4" ]
		sed -n 3p out | grep -q "\"timestamp\":\"2025-01-06T$5Z\""
	done
}

@test "--start, --end and -d bound the run; the end is excluded" {
	run --separate-stderr fx-sim --start 2025-06-01T12:00:00Z --end 2025-06-01T13:00:00Z --no-exo
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 60 ]
	[[ "${lines[0]}" == *'"timestamp":"2025-06-01T12:00:00Z"'* ]]
	[[ "${lines[59]}" == *'"timestamp":"2025-06-01T12:59:00Z"'* ]]
	run --separate-stderr fx-sim --start 2025-06-01T12:00:00+02:00 --duration 1h30m --step 15m --no-exo
	[ "${#lines[@]}" -eq 6 ]
	[[ "${lines[0]}" == *'"timestamp":"2025-06-01T10:00:00Z"'* ]]
	run --separate-stderr fx-sim -e 2025-01-06T00:03:00Z --no-exo
	[ "${#lines[@]}" -eq 3 ]
}

@test "every record validates against the schemas" {
	sim a.ndjson -n 3 -d 1d --step 5m
	sim b.ndjson -c "$SAMPLES/fluxeon.json" --scenario "$SAMPLES/scenario.json" \
	    --electrical --step 15m
	sim c.ndjson -n 2 -d 1h --step 1s --electrical --tz Europe/London \
	    --source 'meter "7"'

	run validate a.ndjson b.ndjson c.ndjson
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "deterministic: same seed same bytes, another seed differs, more feeders leave F001 alone" {
	fx-sim -n 3 --seed 5 > a
	fx-sim -n 3 --seed 5 > b
	cmp a b
	fx-sim -n 3 --seed 6 > c
	! cmp -s a c
	fx-sim -n 3 > d
	fx-sim -n 3 --seed 1 > e
	cmp d e
	# Feeder streams are independent of how many feeders there are.
	fx-sim -n 1 --seed 5 --no-exo > one
	fx-sim -n 8 --seed 5 --no-exo | grep '"F001"' > eight
	cmp one eight
}

@test "--spike adds the magnitude at the spike's times and nothing elsewhere" {
	fx-sim -n 2 --no-exo > base
	sim spiked -n 2 --no-exo --spike F001@2025-01-06T18:00:00Z+20m:250
	added base spiked F001 2025-01-06T18:00:00Z 250 \
	    F001 2025-01-06T18:10:00Z 250 F001 2025-01-06T18:20:00Z 250 \
	    F001 2025-01-06T17:59:00Z 0 F001 2025-01-06T18:21:00Z 0 \
	    F002 2025-01-06T18:10:00Z 0
	# A trapezoid: 0 at 17:59, full from 18:00 to 18:20 inclusive, 0 at
	# 18:21 (default ramp 1 min); every other reading, and F002, unchanged.
	[ "$(diff base spiked | grep -c '^>')" -eq 21 ]
	# '*' hits every feeder, a percentage is of peak_kw (F001 residential
	# peak 520 scaled, so compare with the configured one below).
	fx-sim -n 2 --no-exo --spike '*@2025-01-06T12:00:00Z+10m:-30' > star
	[ "$(diff base star | grep -c '^>')" -eq 22 ]
	added base star F001 2025-01-06T12:05:00Z -30 F002 2025-01-06T12:05:00Z -30
}

@test "--scenario spikes (kW and ratio of peak_kw), events and holidays" {
	cat > cfg.json <<-'EOF'
	{ "defaults": {}, "feeders": [
	    { "id": "A", "profile": "commercial", "base_kw": 100, "peak_kw": 400 },
	    { "id": "B", "profile": "residential", "base_kw": 50, "peak_kw": 120 } ] }
	EOF
	cat > scen.json <<-'EOF'
	{ "name": "test",
	  "spikes": [ { "feeder_id": "A", "at": "2025-01-06T10:00:00Z", "duration": "30m", "magnitude_ratio": 0.5, "ramp": "5m" },
	              { "feeder_id": "B", "at": "2025-01-06T19:00:00Z", "duration": 600, "magnitude_kw": 75 } ],
	  "events": [ { "start": "2025-01-06T17:00:00Z", "end": "2025-01-06T18:00:00Z" } ],
	  "holidays": [ "2025-01-07" ] }
	EOF
	fx-sim -c cfg.json -d 2d > base
	sim scen -c cfg.json -d 2d --scenario scen.json
	# A: half of peak_kw 400; the 5-minute ramp starts at 09:55, so at
	# 09:58 it is 3/5 up.  B: 75 kW for 600 s.
	added base scen A 2025-01-06T10:15:00Z 200 A 2025-01-06T09:58:00Z 120 \
	    B 2025-01-06T19:05:00Z 75 A 2025-01-06T12:00:00Z 0
	# 4 exo records in the event hour, 96 on the holiday, none otherwise.
	[ "$(grep -c '"event_flag":true' scen)" -eq 4 ]
	[ "$(grep '"event_flag":true' scen | grep -c 'T17:')" -eq 4 ]
	[ "$(grep -c '"holiday_flag":true' scen)" -eq 96 ]
	[ "$(grep '"holiday_flag":true' scen | grep -c '2025-01-07T')" -eq 96 ]
	[ "$(grep -c '"event_flag":true\|"holiday_flag":true' base)" -eq 0 ]
}

@test "the configuration's sim section and spikes; FX_CONFIG is read like -c" {
	sim out -c "$SAMPLES/fluxeon.json"
	# sim: start 2025-11-17, 7d, 1m: 3 feeders x 10080 readings, 672 exo.
	[ "$(count_type reading out)" -eq 30240 ]
	[ "$(count_type exo out)" -eq 672 ]
	head -4 out | cut -d, -f2 > first
	printf '%s\n' '"timestamp":"2025-11-17T00:00:00Z"' \
	    '"feeder_id":"F001"' '"feeder_id":"F002"' '"feeder_id":"F003"' |
	    cmp - first
	# Its spike: F001 +250 kW from 2025-11-19T18:00Z for 20 minutes.
	FX_CONFIG=$SAMPLES/fluxeon.json sim env
	cmp out env
	jq -c 'del(.sim.spikes)' "$SAMPLES/fluxeon.json" > nospike.json
	sim base -c nospike.json
	added base out F001 2025-11-19T18:10:00Z 250 F002 2025-11-19T18:10:00Z 0
	# The command line overrides the configuration.
	run --separate-stderr fx-sim -c "$SAMPLES/fluxeon.json" -d 1h --step 15m -n 1
	[ "${#lines[@]}" -eq 8 ]
}

@test "commercial: working days far above the weekend" {
	sim out -p commercial -d 7d --step 15m --noise 0 --no-exo -f csv
	# Monday's mean well above Sunday's; 11:00 far above 03:00 on
	# Monday (office hours), not on Sunday.
	awk -F, '
	$1 ~ /^2025-01-06/ { mon += $3; nm++ }
	$1 ~ /^2025-01-12/ { sun += $3; ns++ }
	{ at[$1] = $3 }
	END {
		exit !(mon / nm > 1.3 * sun / ns &&
		    at["2025-01-06T11:00:00Z"] > 1.8 * at["2025-01-06T03:00:00Z"] &&
		    at["2025-01-12T11:00:00Z"] < 1.3 * at["2025-01-12T03:00:00Z"])
	}' out
}

@test "profiles: residential evening peak, industrial shifts; --profile overrides" {
	fx-sim -p residential -d 1d --step 15m --noise 0 --no-exo -f csv > res
	fx-sim -p industrial -d 1d --step 15m --noise 0 --no-exo -f csv > ind
	! cmp -s res ind
	# Residential: the day's maximum between 18:00 and 20:59.  Industrial:
	# 10:00 on a shift far above 03:00 (after Sunday, no night shift).
	awk -F, 'FNR == 1 { next } FILENAME == "res" && $3 + 0 > max { max = $3 + 0; h = substr($1, 12, 2) + 0 }
	    FILENAME == "ind" { at[$1] = $3 }
	    END { exit !(h >= 18 && h <= 20 &&
		at["2025-01-06T10:00:00Z"] > 1.4 * at["2025-01-06T03:00:00Z"]) }' res ind
	# --profile mixed (the default) cycles residential, commercial, industrial.
	fx-sim -n 3 -d 1d --step 15m --noise 0 --no-exo -f csv > mixed
	grep ',F001,' mixed | cut -d, -f3 > m1
	cut -d, -f3 res | tail -n +2 > r1
	cmp m1 r1
}

@test "temperature: plausible diurnal range, coldest near dawn, same at any step" {
	sim out -d 7d --step 5m --exo-csv exo.csv
	[ "$(head -1 exo.csv)" = "timestamp,temperature_c,holiday_flag,event_flag,dow" ]
	[ "$(wc -l < exo.csv)" -eq 673 ]
	# Each day: range 3..15 C, within -25..40; averaged over the week,
	# the coldest hour is 03..07 and the warmest 13..17 (05 and 15 in
	# the model, moved a little by the weather noise).
	awk -F, 'NR > 1 {
		d = substr($1, 1, 10); h = substr($1, 12, 2) + 0; t = $2 + 0
		if (!(d in lo) || t < lo[d]) lo[d] = t
		if (!(d in hi) || t > hi[d]) hi[d] = t
		sum[h] += t; n[h]++
	} END {
		for (d in lo)
			if (hi[d] - lo[d] < 3 || hi[d] - lo[d] > 15 ||
			    lo[d] < -25 || hi[d] > 40)
				exit 1
		cold = warm = 0
		for (h = 0; h < 24; h++) {
			m[h] = sum[h] / n[h]
			if (m[h] < m[cold]) cold = h
			if (m[h] > m[warm]) warm = h
		}
		exit !(cold >= 3 && cold <= 7 && warm >= 13 && warm <= 17)
	}' exo.csv
	# The same instants at 1 s and 1 min resolution have the same
	# temperature.
	sim a -d 1h --step 1s --exo-csv a.csv
	cmp a.csv <(head -5 exo.csv)
	# Summer is warmer than winter.
	sim w -d 1d --step 1h --exo-csv w.csv
	sim s --start 2025-07-20T00:00:00Z -d 1d --step 1h --exo-csv s.csv
	awk -F, 'FNR > 1 { t[FILENAME] += $2 } END { exit !(t["s.csv"] > t["w.csv"] + 8 * 24) }' w.csv s.csv
}

@test "--holiday: holiday_flag, the Sunday shape, dow" {
	sim out -p commercial -d 2d --step 1h --noise 0 --holiday 2025-01-07
	[ "$(grep -c '"holiday_flag":true' out)" -eq 24 ]
	[ "$(grep '"holiday_flag":true' out | grep -c '"dow":2')" -eq 24 ]
	[ "$(grep '"holiday_flag":false' out | grep -c '"dow":1')" -eq 24 ]
	grep '"F001","timestamp":"2025-01-0[67]T11:00' out |
	    sed 's/.*"load_kw":\([0-9.]*\).*/\1/' > at11
	awk 'NR == 1 { m = $1 } NR == 2 { t = $1 } END { exit !(m > 1.8 * t) }' at11
}

@test "--format csv: header and rows equal to the NDJSON readings" {
	run --separate-stderr fx-sim -n 3 -d 2h -f csv
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "timestamp,feeder_id,load_kw" ]
	[ "${#lines[@]}" -eq 361 ]
	[[ "${lines[1]}" =~ ^2025-01-06T00:00:00Z,F001,[0-9]+(\.[0-9]{1,3})?$ ]]
	printf '%s\n' "$output" | tail -n +2 > csv
	sim nd -n 3 -d 2h
	jq -r 'select(.type=="reading") | "\(.timestamp),\(.feeder_id),\(.load_kw)"' nd | cmp csv -
	run --separate-stderr fx-sim -d 1m --format csv --electrical
	[ "${lines[0]}" = "timestamp,feeder_id,load_kw,kva,voltage_v,current_a" ]
	[ "${#lines[@]}" -eq 2 ]
	# Feeder ids that need quoting are quoted.
	printf '{"defaults":{},"feeders":[{"id":"a,b"},{"id":"say \\"x\\""}]}\n' > q.json
	run --separate-stderr fx-sim -c q.json -d 1m -f csv
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == '2025-01-06T00:00:00Z,"a,b",'* ]]
	[[ "${lines[2]}" == '2025-01-06T00:00:00Z,"say ""x""",'* ]]
}

@test "--exo-csv, --no-exo, --exo-interval" {
	run --separate-stderr fx-sim -d 1h --exo-csv exo.csv
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 60 ]
	[ "$(count_type exo <(printf '%s\n' "$output"))" -eq 0 ]
	[ "$(wc -l < exo.csv)" -eq 5 ]
	sim nd -d 1h
	jq -r 'select(.type=="exo") | "\(.timestamp),\(.temperature_c),\(.holiday_flag),\(.event_flag),\(.dow)"' nd |
	    cmp - <(tail -n +2 exo.csv)
	sim none -d 1h --no-exo --exo-csv no.csv
	[ "$(wc -l < none)" -eq 60 ]
	[ "$(count_type exo none)" -eq 0 ]
	[ ! -e no.csv ]
	sim hourly -d 1d --exo-interval 1h
	[ "$(count_type exo hourly)" -eq 24 ]
	sim each -d 1h --exo-interval 30s
	[ "$(count_type exo each)" -eq 60 ]
	# Aligned to the clock: a start at :07 gives :07, then :15, :30, :45.
	sim late --start 2025-01-06T10:07:00Z -d 1h --step 1m
	grep '"exo"' late | cut -d'"' -f8 > at
	printf '2025-01-06T%sZ\n' 10:07:00 10:15:00 10:30:00 10:45:00 11:00:00 | cmp - at
}

@test "--source, --electrical (validated with the other records above)" {
	run --separate-stderr fx-sim -d 10m --electrical --source 'feeder "A" meter'
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(printf '%s\n' "$output" | grep -c '"source":"feeder \\"A\\" meter"}$')" -eq 11 ]
	[[ "${lines[1]}" =~ ^\{\"type\":\"reading\",\"feeder_id\":\"F001\",\"timestamp\":\"[^\"]*\",\"load_kw\":[0-9.]+,\"kva\":[0-9.]+,\"voltage_v\":[0-9.]+,\"current_a\":[0-9.]+,\"source\": ]]
	# current = kva * 1000 / (sqrt(3) V); kva = kW / pf (residential 0.97);
	# the voltage within 3% of 11 kV.
	printf '%s\n' "$output" | jq -e 'select(.type=="reading") |
	    (.current_a - .kva * 1000 / (1.7320508 * .voltage_v) | fabs) < 0.01 and
	    (.kva * 0.97 - .load_kw | fabs) < 0.01 and
	    (.voltage_v > 10670 and .voltage_v < 11330)' > checks
	! grep -q false checks
}

@test "--noise: 0 gives a smooth model curve, more noise more roughness" {
	rough() {
		fx-sim -d 1d --no-exo -f csv --noise "$1" |
		    awk -F, 'NR > 2 { d = $3 - p; s += d * d; n++ } NR > 1 { p = $3 } END { print sqrt(s / n) }'
	}
	r0=$(rough 0)
	r2=$(rough 0.02)
	r10=$(rough 0.1)
	awk -v a="$r0" -v b="$r2" -v c="$r10" 'BEGIN { exit !(a < 2 && b > a && c > 3 * b) }'
}

@test "--tz: the shapes follow local time, timestamps stay UTC" {
	fx-sim -p commercial --noise 0 --no-exo -f csv --step 1h > utc
	fx-sim -p commercial --noise 0 --no-exo -f csv --step 1h --tz America/New_York > ny
	# 11:00Z is office hours in London, 06:00 in New York; 15:00Z is
	# 10:00 there.
	awk -F, '{ at[FILENAME " " $1] = $3 }
	    END { n = at["ny 2025-01-06T11:00:00Z"]
		exit !(at["utc 2025-01-06T11:00:00Z"] > 1.8 * n &&
		    at["ny 2025-01-06T15:00:00Z"] > 1.8 * n) }' utc ny
	# A local start time is read in the zone (UTC-5 in January).
	run --separate-stderr fx-sim --tz America/New_York --start 2025-01-06T00:00:00 -d 1m --no-exo
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *'"timestamp":"2025-01-06T05:00:00Z"'* ]]
	# dow is the local day: 2025-01-06T02:00Z is still Sunday in New York.
	run --separate-stderr fx-sim --tz America/New_York --start 2025-01-06T02:00:00Z -d 1m
	[[ "${lines[0]}" == *'"dow":0'* ]]
}

@test "-v prints the summary on stderr; a write error exits 1" {
	run --separate-stderr fx-sim -v -n 2 -d 1h
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 124 ]
	[ "$stderr" = "fx-sim: 120 readings, 4 exo records for 2 feeders" ]
	run --separate-stderr fx-sim --verbose -d 1h --no-exo -f csv
	[ "$stderr" = "fx-sim: 60 readings, 0 exo records for 1 feeder" ]
	if [ -w /dev/full ]; then
		run --separate-stderr sh -c 'fx-sim > /dev/full'
		[ "$status" -eq 1 ]
		[ "$stderr" = "fx-sim: write error: No space left on device" ]
	fi
}

@test "online: --speed paces the steps to the wall clock and flushes each" {
	start=$(date +%s%N)
	run --separate-stderr fx-sim -n 2 --speed 600 -d 10m
	end=$(date +%s%N)
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 21 ]
	# Step 9 is due 9 min / 600 = 0.9 s after the start.
	[ $(( (end - start) / 1000000 )) -ge 880 ]
	# Offline, the same records, without waiting.
	sim off -n 2 -d 10m
	printf '%s\n' "$output" | cmp - off
	# Each step is written when due, not at exit: the first record is
	# out long before the run ends.
	start=$(date +%s%N)
	fx-sim --online --speed 240 -d 2m | { read -r first; date +%s%N > t1; cat > /dev/null; }
	first_ms=$(( ($(cat t1) - start) / 1000000 ))
	[ "$first_ms" -lt 240 ]
}

@test "golden cases in test/cases/fx-sim" {
	ln -s "$SAMPLES" samples
	for dir in "$CASES"/*/; do
		run --separate-stderr sh "$dir/cmd"
		if [ -n "${FX_REGEN:-}" ]; then
			printf '%s\n' "$output" > "$dir/expout"
			continue
		fi
		[ "$status" -eq 0 ] || { echo "$dir: exit $status"; return 1; }
		[ -z "$stderr" ] || { echo "$dir: $stderr"; return 1; }
		printf '%s\n' "$output" | diff -u "$dir/expout" - ||
			{ echo "$dir: output differs"; return 1; }
	done
}

@test "every EXAMPLES line of fx-sim(1) runs" {
	ln -s "$SAMPLES" samples
	awk '/^\.Sh EXAMPLES/ { f = 1; next } /^\.Sh/ { f = 0 }
	    f && /^\.Dl fx-sim/ { sub(/^\.Dl /, ""); print }' \
	    "$ROOT/man/fx-sim.1" > examples
	[ "$(wc -l < examples)" -ge 5 ]
	while IFS= read -r line; do
		rc=0
		sh -c "$line" < /dev/null > /dev/null 2> err || rc=$?
		[ "$rc" -eq 0 ] || { echo "$line: exit $rc: $(cat err)"; return 1; }
		[ ! -s err ] || { echo "$line: $(cat err)"; return 1; }
	done < examples
}

# Bad input, one class at a time: exit 2, no output, the exact message.

@test "bad option: unknown, missing value, value not wanted, extra argument" {
	run --separate-stderr fx-sim --bogus
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "${stderr%%$'\n'*}" = "fx-sim: unknown option '--bogus'" ]
	[[ "$stderr" == *$'\n'"usage: fx-sim "* ]]
	run --separate-stderr fx-sim -x
	[ "${stderr%%$'\n'*}" = "fx-sim: unknown option '-x'" ]
	run --separate-stderr fx-sim --step
	[ "$status" -eq 2 ]
	[ "${stderr%%$'\n'*}" = "fx-sim: option '--step' needs a value" ]
	run --separate-stderr fx-sim -n
	[ "${stderr%%$'\n'*}" = "fx-sim: option '-n' needs a value" ]
	run --separate-stderr fx-sim --online=yes
	[ "$status" -eq 2 ]
	[ "${stderr%%$'\n'*}" = "fx-sim: option '--online' takes no value" ]
	run --separate-stderr fx-sim now
	[ "$status" -eq 2 ]
	[ "${stderr%%$'\n'*}" = "fx-sim: unexpected argument 'now'" ]
}

@test "bad durations and steps" {
	run --separate-stderr fx-sim -d 1x
	usage_error "fx-sim: -d: not a duration '1x'"
	run --separate-stderr fx-sim --duration 0
	usage_error "fx-sim: --duration: not a duration '0'"
	run --separate-stderr fx-sim --step 1x
	usage_error "fx-sim: --step: not a duration '1x'"
	run --separate-stderr fx-sim --step 500ms
	usage_error "fx-sim: --step: not a whole number of seconds '500ms'"
	run --separate-stderr fx-sim --step 1.5s
	usage_error "fx-sim: --step: not a whole number of seconds '1.5s'"
	run --separate-stderr fx-sim --exo-interval 0.5s
	usage_error "fx-sim: --exo-interval: not a whole number of seconds '0.5s'"
	run --separate-stderr fx-sim -d 1h -e 2025-01-07
	usage_error "fx-sim: -d and -e cannot be used together"
}

@test "bad times and dates" {
	run --separate-stderr fx-sim --start 2025-13-01
	usage_error "fx-sim: --start: month out of range '2025-13-01'"
	run --separate-stderr fx-sim --start yesterday
	usage_error "fx-sim: --start: not a date-time (want YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM]) 'yesterday'"
	run --separate-stderr fx-sim -e 2025-01-05T00:00:00Z
	usage_error "fx-sim: -e: not after the start '2025-01-05T00:00:00Z'"
	run --separate-stderr fx-sim --holiday 2025-02-30
	usage_error "fx-sim: --holiday: day out of range '2025-02-30'"
	run --separate-stderr fx-sim --holiday 2025-12-25T00:00
	usage_error "fx-sim: --holiday: not a date (want YYYY-MM-DD) '2025-12-25T00:00'"
	run --separate-stderr fx-sim --tz Europe/London --start 2025-03-30T01:30:00
	usage_error "fx-sim: --start: local time skipped by a clock change '2025-03-30T01:30:00'"
	# The reason after the zone's name is common/timeutil's wording.
	run --separate-stderr fx-sim --tz Mars/Olympus
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ "$stderr" == "fx-sim: --tz: unknown time zone 'Mars/Olympus'"* ]]
	[ "${#stderr_lines[@]}" -eq 1 ]
}

@test "bad spike specs" {
	run --separate-stderr fx-sim --spike F001
	usage_error "fx-sim: --spike: want FEEDER@TIME+DURATION:KW 'F001'"
	run --separate-stderr fx-sim --spike 'F001@2025-01-06T18:00:00Z:250'
	usage_error "fx-sim: --spike: want FEEDER@TIME+DURATION:KW 'F001@2025-01-06T18:00:00Z:250'"
	run --separate-stderr fx-sim --spike 'F001@2025-01-06T18:00:00Z+20m:lots'
	usage_error "fx-sim: --spike: not a number of kW 'lots'"
	run --separate-stderr fx-sim --spike 'F001@2025-01-06T28:00:00Z+20m:250'
	usage_error "fx-sim: --spike: time of day out of range '2025-01-06T28:00:00Z'"
	run --separate-stderr fx-sim --spike 'F001@2025-01-06T18:00:00Z+20x:250'
	usage_error "fx-sim: --spike: not a duration '20x'"
	run --separate-stderr fx-sim --spike 'F009@2025-01-06T18:00:00Z+20m:250'
	usage_error "fx-sim: --spike: unknown feeder 'F009'"
}

@test "bad profile, format, numbers: --speed 0, -n 0, --noise, --seed" {
	run --separate-stderr fx-sim --profile farm
	usage_error "fx-sim: --profile: unknown profile 'farm' (want residential, commercial, industrial or mixed)"
	run --separate-stderr fx-sim -f xml
	usage_error "fx-sim: -f: unknown format 'xml' (want ndjson or csv)"
	run --separate-stderr fx-sim --speed 0
	usage_error "fx-sim: --speed: not a positive number '0'"
	run --separate-stderr fx-sim --speed fast
	usage_error "fx-sim: --speed: not a positive number 'fast'"
	run --separate-stderr fx-sim -n 0
	usage_error "fx-sim: -n: not an integer in 1..1000000 '0'"
	run --separate-stderr fx-sim --feeders 2.5
	usage_error "fx-sim: --feeders: not an integer in 1..1000000 '2.5'"
	run --separate-stderr fx-sim --noise 1
	usage_error "fx-sim: --noise: not a number in [0, 1) '1'"
	run --separate-stderr fx-sim --seed -3
	usage_error "fx-sim: --seed: not a non-negative integer '-3'"
}

@test "bad scenario files: missing, invalid JSON, wrong types, unknown keys" {
	run --separate-stderr fx-sim --scenario nosuch.json
	usage_error "fx-sim: nosuch.json: No such file or directory"
	printf '{"spikes": [\n' > bad.json
	run --separate-stderr fx-sim --scenario bad.json
	usage_error "fx-sim: bad.json: invalid JSON: Unfinished JSON term at EOF at line 2, column 0"
	echo '[]' > arr.json
	run --separate-stderr fx-sim --scenario arr.json
	usage_error "fx-sim: arr.json: scenario must be a JSON object"
	echo '{"spikes": {}}' > s1.json
	run --separate-stderr fx-sim --scenario s1.json
	usage_error "fx-sim: s1.json: spikes: not an array '{}'"
	echo '{"spikes": [{"feeder_id": "F001", "at": "2025-01-06T18:00:00Z", "duration": "20m", "magnitude_kw": "250"}]}' > s2.json
	run --separate-stderr fx-sim --scenario s2.json
	usage_error "fx-sim: s2.json: spikes[0].magnitude_kw: not a number '\"250\"'"
	echo '{"spikes": [{"feeder_id": 1}]}' > s3.json
	run --separate-stderr fx-sim --scenario s3.json
	usage_error "fx-sim: s3.json: spikes[0].feeder_id: not a string '1'"
	echo '{"spikes": [{"feeder_id": "F001", "at": "2025-01-06T18:00:00Z", "duration": true, "magnitude_kw": 1}]}' > s4.json
	run --separate-stderr fx-sim --scenario s4.json
	usage_error "fx-sim: s4.json: spikes[0].duration: not a string or number 'true'"
	echo '{"spikes": [{"feeder_id": "F001", "at": "2025-01-06T18:00:00Z", "duration": "20m"}]}' > s5.json
	run --separate-stderr fx-sim --scenario s5.json
	usage_error "fx-sim: s5.json: spikes[0]: want one of \"magnitude_kw\" and \"magnitude_ratio\""
	echo '{"spikes": [{"feeder_id": "F001", "at": "tomorrow", "duration": "20m", "magnitude_kw": 1}]}' > s6.json
	run --separate-stderr fx-sim --scenario s6.json
	usage_error "fx-sim: s6.json: spikes[0].at: not a date-time (want YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM]) 'tomorrow'"
	echo '{"spikes": [{"feeder_id": "F007", "at": "2025-01-06T18:00:00Z", "duration": "20m", "magnitude_kw": 1}]}' > s7.json
	run --separate-stderr fx-sim --scenario s7.json
	usage_error "fx-sim: s7.json: spikes[0].feeder_id: unknown feeder 'F007'"
	echo '{"spike": []}' > s8.json
	run --separate-stderr fx-sim --scenario s8.json
	usage_error "fx-sim: s8.json: unknown key 'spike'"
	echo '{"events": [{"start": "2025-01-06T18:00:00Z", "end": "2025-01-06T17:00:00Z"}]}' > s9.json
	run --separate-stderr fx-sim --scenario s9.json
	usage_error "fx-sim: s9.json: events[0]: end is not after start"
	echo '{"holidays": [20250101]}' > s10.json
	run --separate-stderr fx-sim --scenario s10.json
	usage_error "fx-sim: s10.json: holidays[0]: not a string '20250101'"
}

@test "bad configurations" {
	run --separate-stderr fx-sim -c nosuch.json
	usage_error "fx-sim: nosuch.json: No such file or directory"
	printf '{\n' > c1.json
	run --separate-stderr fx-sim -c c1.json
	usage_error "fx-sim: c1.json: invalid JSON: Unfinished JSON term at EOF at line 2, column 0"
	echo '{"defaults": {}, "feeders": [], "sim": {"step": "1x"}}' > c2.json
	run --separate-stderr fx-sim -c c2.json
	usage_error "fx-sim: c2.json: sim.step: not a duration '1x'"
	echo '{"defaults": {}, "feeders": [], "sim": {"stepp": "1m"}}' > c3.json
	run --separate-stderr fx-sim -c c3.json
	usage_error "fx-sim: c3.json: sim: unknown key 'stepp'"
	echo '{"defaults": {}, "feeders": [{"id": "F1", "base_kw": 500, "peak_kw": 100}]}' > c4.json
	run --separate-stderr fx-sim -c c4.json
	usage_error "fx-sim: c4.json: feeder 'F1': want 0 <= base_kw <= peak_kw"
	echo '{"defaults": {}, "feeders": [{"id": "F1", "base_kw": "lots"}]}' > c5.json
	run --separate-stderr fx-sim -c c5.json
	usage_error "fx-sim: c5.json: feeder 'F1'.base_kw: not a number '\"lots\"'"
	echo '{"defaults": {}, "feeders": [{"id": "F1", "profile": "farm"}]}' > c6.json
	run --separate-stderr fx-sim -c c6.json
	usage_error "fx-sim: c6.json: feeder 'F1': unknown profile 'farm'"
	echo '{"defaults": {}, "feeders": [], "sim": {"location": {"coldest_doy": 400}}}' > c7.json
	run --separate-stderr fx-sim -c c7.json
	usage_error "fx-sim: c7.json: sim.location: want 1 <= coldest_doy <= 366 and amplitudes >= 0"
	echo '{"defaults": {}, "feeders": [], "sim": 3}' > c8.json
	run --separate-stderr fx-sim -c c8.json
	usage_error "fx-sim: c8.json: sim: not an object '3'"
	echo '{"defaults": {"limit_kw": 0}, "feeders": []}' > c9.json
	FX_CONFIG=c9.json run --separate-stderr fx-sim
	usage_error "fx-sim: c9.json: feeder 'defaults': limit_kw must be a number > 0"
}

@test "R5: fx-sim's CSV read back by fx-ingest gives fx-sim's NDJSON readings" {
	command -v fx-ingest > /dev/null || skip "fx-ingest not built"
	sim nd -n 3 -d 6h --electrical --no-exo
	sim csv -n 3 -d 6h --electrical -f csv
	run --separate-stderr fx-ingest --format csv --time-col timestamp \
	    --feeder-col feeder_id --load-col load_kw --kva-col kva \
	    --voltage-col voltage_v --current-col current_a --source sim csv
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | cmp - nd
}
