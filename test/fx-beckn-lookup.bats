#!/usr/bin/env bats
# fx-beckn lookup against a stand-in registry (test/registry_stub.py):
# the query sent, the entries kept, bad entries skipped with a warning,
# and a registry that does not answer.

bats_require_minimum_version 1.5.0
load helper

start_registry() {
	/usr/bin/python3 -u "$ROOT/test/registry_stub.py" "$1" > regport 2> reg.err &
	REGPID=$!
	for _ in $(seq 50); do [ -s regport ] && break; sleep 0.1; done
	REG=http://127.0.0.1:$(head -n 1 regport)
}

teardown() {
	[ -n "${REGPID:-}" ] && kill "$REGPID" 2>/dev/null; wait 2>/dev/null
	cd /
	rm -rf "$TMP"
}

@test "lookup: the registry's matching subscriptions, as a registry file fx-bpp and send take" {
	fx-beckn keygen --id bap.example --key-id k1 --url http://127.0.0.1:9000 -o bap > /dev/null
	fx-beckn keygen --id bpp.example --key-id k1 --url http://127.0.0.1:9001 --type BPP --profile v1.1 -o bpp > /dev/null
	jq -s . bap.json bpp.json > all.json
	start_registry all.json
	run --separate-stderr fx-beckn lookup --registry-url "$REG" --type BPP
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(jq -c '[.[] | [.subscriber_id, .type, .beckn_version]]' <<< "$output")" = '[["bpp.example","BPP","1.1.0"]]' ]
	[ "$(jq -r '.[0].signing_public_key' <<< "$output")" = "$(jq -r .signing_public_key bpp.json)" ]
	run --separate-stderr fx-beckn lookup --registry-url "$REG/" --id bap.example
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].subscriber_id' <<< "$output")" = bap.example ]
	# what it prints is a registry file
	fx-beckn lookup --registry-url "$REG" > reg.json
	[ "$(jq length reg.json)" -eq 2 ]
	fx-bpp --catalog "$SAMPLES/ders.json" --key bpp.key --id bpp.example --registry reg.json --port-file port -q > /dev/null &
	BPP=$!
	for _ in $(seq 50); do [ -s port ] && break; sleep 0.1; done
	FX_BMSG_DUMP=$PWD "${FX_UNIT:-$ROOT/build/unit}/test_bmsg" > /dev/null
	run --separate-stderr fx-beckn send --id bap.example --key bap.key --to "http://127.0.0.1:$(cat port)" --listen 127.0.0.1:0 --registry reg.json --fresh v1-search.json
	kill $BPP; wait $BPP || true
	[ "$status" -eq 0 ]
	[ "$(jq -r 'select(.direction == "in") | .signature' <<< "$output")" = "ok: bpp.example|k1" ]
	run --separate-stderr fx-beckn lookup --registry-url "$REG" --id nobody
	[ "$status" -eq 0 ]
	[ "$output" = "[]" ]
}

@test "lookup: an entry that is not valid is skipped with a warning naming it, and the exit is 1" {
	fx-beckn keygen --id bpp.example --key-id k1 --url http://127.0.0.1:9001 --type BPP -o bpp > /dev/null
	jq -s '. + [{subscriber_id: "bpp.bad", url: "ftp://x", type: "BPP", key_id: "k1", signing_public_key: .[0].signing_public_key}]' bpp.json > all.json
	start_registry all.json
	run --separate-stderr fx-beckn lookup --registry-url "$REG"
	[ "$status" -eq 1 ]
	[ "$(jq -c '[.[].subscriber_id]' <<< "$output")" = '["bpp.example"]' ]
	[ "$stderr" = "fx-beckn: warning: lookup: [1] (subscriber_id bpp.bad) skipped: url: not http(s) 'ftp://x'" ]
}

@test "lookup: no registry there, a 404, or an answer that is not a list: exit 1 with the reason; bad options exit 2" {
	run --separate-stderr fx-beckn lookup --registry-url http://127.0.0.1:1 --timeout 2s
	[ "$status" -eq 1 ]
	[[ "$stderr" == "fx-beckn: lookup: http://127.0.0.1:1/lookup: "* ]]
	echo '[]' > none.json
	start_registry none.json
	run --separate-stderr fx-beckn lookup --registry-url "$REG/nowhere"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"not 200 OK"* ]]
	run --separate-stderr fx-beckn lookup
	[ "$status" -eq 2 ]
	[[ "$stderr" == "fx-beckn: lookup: --registry-url is required"* ]]
	run --separate-stderr fx-beckn lookup --registry-url "$REG" --type SELLER
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-beckn: --type: want BAP, BPP or BG, not 'SELLER'" ]
}
