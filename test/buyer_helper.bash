# buyer_helper.bash - what the tests of fx-beckn as the buyer share
# (fx-beckn-buyer.bats, fx-beckn-replan.bats): sandbox BPPs (fx-bpp) on
# 127.0.0.1, a registry reg.json, and the buyer run with short deadlines.
# The loading file's setup makes $TMP its directory, sets BG_PIDS= and
# $CATALOG, and writes the BAP's key and entry (bap.key, bap.json) and
# reg.json; its teardown calls fresh.

SCHEMAS=$ROOT/schemas/beckn

# fresh: the BPPs stopped, reg.json the BAP's entry alone, as at setup.
fresh() {
	local p
	for p in $BG_PIDS; do
		kill "$p" 2> /dev/null || true
		wait "$p" 2> /dev/null || true
	done
	BG_PIDS=
	jq -s . bap.json > reg.json
}

# free_port: a TCP port of 127.0.0.1 nobody listens on (just now).
free_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# register NAME VERSION PORT: NAME's entry (NAME.json) added to reg.json
# with the URL http://127.0.0.1:PORT and beckn_version VERSION.
register() {
	jq --slurpfile e "$1.json" --arg v "$2" --arg url "http://127.0.0.1:$3" \
	    '. + [$e[0] | .url = $url | .beckn_version = $v]' reg.json > reg.tmp
	mv reg.tmp reg.json
}

# bpp NAME VERSION [FX-BPP-OPTION...]: the sandbox BPP NAME (its key made
# if need be) on $CATALOG, in the background on a port of its own, added
# to reg.json with beckn_version VERSION; its records in NAME.log, its
# stderr in NAME.err.
bpp() {
	local name=$1 version=$2
	shift 2
	[ -f "$name.key" ] || fx-beckn keygen --id "$name" --key-id k1 \
	    --url http://127.0.0.1:1 --type BPP -o "$name" > /dev/null
	rm -f "$name.port"
	fx-bpp --catalog "$CATALOG" --key "$name.key" --id "$name" \
	    --registry reg.json --schemas "$SCHEMAS" --port-file "$name.port" \
	    "$@" > "$name.log" 2> "$name.err" 3>&- &
	BG_PIDS="$BG_PIDS $!"
	waitfor "$name.port"
	register "$name" "$version" "$(cat "$name.port")"
}

# buy [FX-BECKN-OPTION...] FILE: runs the buyer as bap.test on reg.json
# (short deadlines), its stdout in out.ndjson as well as $output; checks
# that nothing was confirmed twice (once_confirmed) and keeps the output
# for the last test.
buy() {
	run --separate-stderr fx-beckn --id bap.test --key bap.key \
	    --registry reg.json --schemas "$SCHEMAS" --discovery-timeout 2s \
	    --step-timeout 2s --drain 30s "$@"
	printf '%s\n' "$output" > out.ndjson
	once_confirmed out.ndjson
	keep
}

# keep: out.ndjson kept as the next of $BATS_FILE_TMPDIR/runs/, for the
# last test.
keep() {
	mkdir -p "$BATS_FILE_TMPDIR/runs"
	cp out.ndjson "$(mktemp "$BATS_FILE_TMPDIR/runs/$BATS_TEST_NUMBER.XXXXXX")"
}

# once_confirmed FILE: for each activation (plan, start, end, kW), at
# most one transaction reached active; each transaction's active records
# (the confirmation's, then one per status report that changed) are of
# one order, confirmed once.
once_confirmed() {
	jq -e -s '
	    [.[] | select(.type == "order")] as $o |
	    ($o | map(select(.status == "active")) | group_by(.transaction_id) |
	     all(map([.order_id, .timestamps.confirmation, .plan_id, .start, .der_id]) | unique | length == 1)) and
	    ($o | map(select(.status == "active")) | group_by([.plan_id, .start, .end, .kw]) |
	     all(map(.transaction_id) | unique | length == 1))' "$1" > /dev/null
}
