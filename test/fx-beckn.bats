#!/usr/bin/env bats
# fx-beckn: keygen (the key file, the registry entry that fx-bpp takes,
# no overwriting, bad options) and send against the sandbox BPP fx-bpp
# (an ACK with its callback verified, a NACK, an unsigned message refused
# with its challenge, a message failing its schema refused before it is
# sent or sent anyway with --no-validate, usage errors, a callback whose
# signature fails, no callback in time, the context fields rewritten and
# no others), the records it writes, and the man page (-h, SYNOPSIS,
# EXAMPLES; these run the buyer on one plan too).
#
# The signatures are checked by a second implementation, independent of
# common/bsign.c: test/node/crosscheck.js over libsodium
# (libsodium-wrappers).  It verifies what fx-beckn send and fx-bpp sign,
# caught on the wire by a capture server in python3 below; it signs
# requests and callbacks that fx-bpp and fx-beckn send must take (and
# altered ones they must refuse); and it checks the BECKN-006 test
# vector.  Those tests are skipped when node or
# test/node/node_modules/libsodium-wrappers is missing (cd test/node &&
# npm install).
#
# Tests of a known bug are skipped with "BUG: ..."; FX_BECKN_BUGS=1 runs
# them anyway.

bats_require_minimum_version 1.5.0
load helper

UNIT=${FX_UNIT:-$ROOT/build/unit}
SCHEMAS=$ROOT/schemas/beckn
CROSS=$ROOT/test/node/crosscheck.js
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

# Background processes (the BPP, the capture server, a send waiting for
# its callback, the EXAMPLES' BPP) are ended by their own ids.
teardown() {
	local p
	[ -s "$TMP/ex/bpp.pid" ] && BG_PIDS="${BG_PIDS:-} $(cat "$TMP/ex/bpp.pid")"
	for p in ${BG_PIDS:-}; do
		kill "$p" 2> /dev/null || true
		wait "$p" 2> /dev/null || true
	done
	cd /
	rm -rf "$TMP"
}

# known_bug WHAT: skips the test (a bug found, reported, not yet fixed).
known_bug() {
	[ -n "${FX_BECKN_BUGS:-}" ] || skip "BUG: $*"
}

uuid() {
	cat /proc/sys/kernel/random/uuid
}

# keys: key pairs and registry entries for bap.test (BAP) and bpp.test
# (BPP), and reg.json, the registry of the two.
keys() {
	fx-beckn keygen --id bap.test --key-id k1 --url http://127.0.0.1:1/beckn -o bap > /dev/null
	fx-beckn keygen --id bpp.test --key-id k1 --url http://127.0.0.1:1/beckn --type BPP -o bpp > /dev/null
	jq -s . bap.json bpp.json > reg.json
}

# pub NAME: the base64 public key of NAME.json.
pub() {
	jq -r .signing_public_key "$1.json"
}

# dump: every message common/bmsg builds, m/v2-<action>.json and
# m/v1-<action>.json, the templates sent here, their BAP URI made
# http://127.0.0.1:1/beckn (nothing there: callbacks of a send without
# --listen go nowhere).
dump() {
	local f
	mkdir -p m
	FX_BMSG_DUMP=$PWD/m "$UNIT/test_bmsg" > m/tap
	! grep -q '^not ok' m/tap
	for f in m/v*.json; do
		jq -c '(.context | objects | select(has("bapUri")) | .bapUri) |= "http://127.0.0.1:1/beckn" |
		    (.context | objects | select(has("bap_uri")) | .bap_uri) |= "http://127.0.0.1:1/beckn"' "$f" > m/tmp
		mv m/tmp "$f"
	done
}

# bpp [OPTION...]: the sandbox BPP bpp.test on reg.json, in the
# background: PORT, its records in bpp.log (with payloads), its stderr in
# bpp.err.
bpp() {
	fx-bpp --catalog "$SAMPLES/ders.json" --key bpp.key --id bpp.test \
	    --registry reg.json --schemas "$SCHEMAS" --payloads --port-file port \
	    "$@" > bpp.log 2> bpp.err 3>&- &
	BG_PIDS="${BG_PIDS:-} $!"
	waitfor port
	PORT=$(cat port)
}

# send ARG...: fx-beckn send as bap.test with bap.key.
send() {
	fx-beckn send --id bap.test --key bap.key --schemas "$SCHEMAS" "$@"
}

# The capture server: python3 -c "$CAPTURE" DIR serves on a free port of
# 127.0.0.1, written to DIR/port, and saves the Nth POST's exact body,
# Authorization value and path in DIR/N.body, DIR/N.auth (when there is
# one), DIR/N.path, then DIR/N.done, before it answers 200 with an ACK
# of the message's profile (an unsigned one).
CAPTURE=$(cat <<'PY'
import http.server, json, os, sys
d = sys.argv[1]
os.makedirs(d, exist_ok=True)
n = 0

def put(name, data):
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *a):
        pass

    def do_POST(self):
        global n
        n += 1
        body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
        put('%d.body' % n, body)
        auth = self.headers.get('Authorization')
        if auth is not None:
            put('%d.auth' % n, auth.encode('latin-1'))
        put('%d.path' % n, self.path.encode())
        try:
            v1 = json.loads(body)['context']['version'].startswith('1.1')
        except Exception:
            v1 = False
        ans = (b'{"message":{"ack":{"status":"ACK"}}}' if v1 else
               b'{"status":"ACK","signature":""}')
        put('%d.done' % n, b'done\n')
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(ans)))
        self.send_header('Connection', 'close')
        self.end_headers()
        self.wfile.write(ans)

s = http.server.HTTPServer(('127.0.0.1', 0), H)
put('port.tmp', b'%d\n' % s.server_address[1])
os.rename(os.path.join(d, 'port.tmp'), os.path.join(d, 'port'))
s.serve_forever()
PY
)

# capture: the capture server on ./cap in the background: CAPPORT.
capture() {
	"$PY" -c "$CAPTURE" cap 3>&- &
	BG_PIDS="${BG_PIDS:-} $!"
	waitfor cap/port
	CAPPORT=$(cat cap/port)
}

# fresh TEMPLATE URI: the template as bap.test sends it, its callbacks
# to URI, with a new transaction and message id and the time now; one
# line, no newline.
fresh() {
	jq -j --arg u "$2" --arg t "$(uuid)" --arg m "$(uuid)" \
	    --arg now "$(date -u +%Y-%m-%dT%H:%M:%SZ)" -c '
	    if .context.version == "2.0.0" then
	        .context += {bapId: "bap.test", bapUri: $u, transactionId: $t,
	            messageId: $m, timestamp: $now}
	    else
	        .context += {bap_id: "bap.test", bap_uri: $u, transaction_id: $t,
	            message_id: $m, timestamp: $now}
	    end' "$1"
}

# need_node: skips the test without node and libsodium-wrappers.
need_node() {
	command -v node > /dev/null ||
		skip "node is not installed: the libsodium cross-check needs Node.js"
	[ -d "$ROOT/test/node/node_modules/libsodium-wrappers" ] ||
		skip "test/node/node_modules/libsodium-wrappers is absent: cd test/node && npm install"
}

cross() {
	node "$CROSS" "$@"
}

USAGE_FIRST='usage: fx-beckn --id bap_id --key file --registry file [-q]'

# --- the man page ---

@test "-h prints the usage on stdout and exits 0, every option of which is in the man page, and no other" {
	run --separate-stderr fx-beckn -h
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "$USAGE_FIRST" ]
	usage=$output
	printf '%s\n' "$output" | grep -oE -- '(^|[][ (|])--?[a-z][-a-z0-9]*' | sed 's/^[][ (|]//' | sort -u > usage
	echo -h >> usage
	sed -n 's/^\.It Fl \([-a-z0-9]*\).*/-\1/p' "$ROOT/man/fx-beckn.1" | sort -u > man
	[ "$(sort -u usage | wc -l)" -ge 18 ]
	run comm -3 <(sort -u usage) man
	[ -z "$output" ]
	# --help, and -h after either command, print the same
	for args in --help "keygen -h" "send -h"; do
		run --separate-stderr fx-beckn $args
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		[ "$output" = "$usage" ]
	done
	# no command, or an unknown one: the usage on stderr, exit 2
	run --separate-stderr fx-beckn
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "$usage" ]
	run --separate-stderr fx-beckn order
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "fx-beckn: unknown command 'order'" ]
	[ "${stderr_lines[1]}" = "$USAGE_FIRST" ]
}

@test "the SYNOPSIS of fx-beckn(1) is fx-beckn -h, word for word; mandoc -Tlint finds nothing" {
	fx-beckn -h | sed 's/^usage: //' | tr -s ' \n' '  ' | sed 's/^ *//; s/ *$//' > usage
	mandoc -Tascii "$ROOT/man/fx-beckn.1" | sed 's/.\x08//g' |
	    awk '/^SYNOPSIS/ { f = 1; next } /^[A-Z]/ { f = 0 } f' |
	    tr -s ' \n' '  ' | sed 's/^ *//; s/ *$//; s/ | /|/g' > man
	[ -s usage ]
	diff usage man
	run mandoc -Tlint -Wwarning "$ROOT/man/fx-beckn.1"
	[ -z "$output" ]
}

@test "every EXAMPLES line of fx-beckn(1) runs" {
	ln -s "$SAMPLES" samples
	# the BPP's port 8001 made a free one
	port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	awk '/^\.Sh EXAMPLES/ { f = 1; next } /^\.Sh/ { f = 0 }
	    f && /^\.Dl / { sub(/^\.Dl /, ""); print }' "$ROOT/man/fx-beckn.1" |
	    sed 's/\\(dq/"/g; s/\\e/\\/g' | sed "s|/tmp/fx-beckn-ex|$TMP/ex|g; s|127\.0\.0\.1:8001|127.0.0.1:$port|g" > examples
	[ "$(wc -l < examples)" -ge 10 ]
	grep -q "127.0.0.1:$port" examples
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		rc=0
		sh -c "$line" < /dev/null > "out.$n" 2> "err.$n" 3>&- || rc=$?
		[ "$rc" -eq 0 ] || { echo "$line: exit $rc: $(cat "err.$n")"; return 1; }
	done < examples
	# what they show: the buyer's order active then completed, its DER's
	# participation verified; the select ACKed and its on_select
	# verified, the contract made active, the COMPLETE's on_update, the
	# 401 challenge (schema "unchecked" for programs without
	# schemas/beckn beside them, as make check's)
	[ "$(jq -c '[.status, .der_id, .verified, (.obp_id | test("^OBP-"))]' out.4 | paste -sd' ')" = '["active","did:fx:bat-0001",true,true] ["completed","did:fx:bat-0001",true,true]' ]
	[ "$(jq -r .delivered_kwh out.4 | tail -n 1)" != null ]
	schema=ok
	[ -d "$FX_BIN/../schemas/beckn" ] || [ -n "${FX_SCHEMA_DIR:-}" ] || schema=unchecked
	[ "$(cat out.6)" = '{"direction":"out","http_status":200,"ack":"ACK"}
{"direction":"in","path":"/on_select","signature":"ok: bpp.example|k1","schema":"'$schema'"}' ]
	[[ "$(cat out.7)" =~ ^\{\"id\":\"[-0-9a-f]{36}\",\"status\":\"ACTIVE\"\}$ ]]
	[[ "$(cat out.8)" =~ ^\{\"status\":\"COMPLETE\",\"delivered_kwh\":[0-9.]+\}$ ]]
	[ "$(cat out.9)" = '{"http_status":401,"ack":"NACK","www_authenticate":"Signature realm=\"bpp.example\",headers=\"(created) (expires) digest\""}' ]
	[[ "$(cat out.10)" == *" 1 NACK (1 unsigned or badly signed, 0 invalid); 2 orders, 0 declined; "* ]]
}

# --- keygen ---

@test "keygen: PREFIX.key (0600) the base64 of the 64-byte seed || public key, PREFIX.json the registry entry, printed too" {
	run --separate-stderr fx-beckn keygen --id bap.test --key-id k1 --url http://127.0.0.1:1/beckn -o bap
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "$(cat bap.json)" ]
	[ "$(wc -l < bap.json)" -eq 1 ]
	[ "$(stat -c %a bap.key)" = 600 ]
	[ "$(wc -l < bap.key)" -eq 1 ]
	[[ "$(cat bap.key)" =~ ^[A-Za-z0-9+/]{86}==$ ]]
	[ "$(base64 -d bap.key | wc -c)" -eq 64 ]
	pk=$(pub bap)
	[[ "$pk" =~ ^[A-Za-z0-9+/]{43}=$ ]]
	# the entry, member for member
	[ "$(jq -c . bap.json)" = "{\"subscriber_id\":\"bap.test\",\"url\":\"http://127.0.0.1:1/beckn\",\"type\":\"BAP\",\"key_id\":\"k1\",\"signing_public_key\":\"$pk\",\"status\":\"SUBSCRIBED\",\"beckn_version\":\"2.0.0\"}" ]
	# the second half of the key is the public key, and the one its seed
	# gives (python's cryptography, when it is there)
	[ "$(base64 -d bap.key | tail -c 32 | base64)" = "$pk" ]
	if "$PY" -c 'import cryptography' 2> /dev/null; then
		derived=$("$PY" -c '
import base64, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization as s
k = base64.b64decode(open(sys.argv[1]).read())
p = Ed25519PrivateKey.from_private_bytes(k[:32]).public_key()
print(base64.b64encode(p.public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)).decode())' bap.key)
		[ "$derived" = "$pk" ]
	fi
	# --profile v1.1 and --type: in the entry
	run --separate-stderr fx-beckn keygen --id bpp.test --key-id k2 --url https://bpp.example/beckn --type BPP --profile v1.1 -o bpp
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.type, .key_id, .url, .beckn_version]' bpp.json)" = '["BPP","k2","https://bpp.example/beckn","1.1.0"]' ]
	# two keys are two keys
	[ "$(pub bpp)" != "$pk" ]
	[ "$(base64 -d bpp.key | head -c 32 | base64)" != "$(base64 -d bap.key | head -c 32 | base64)" ]
}

@test "keygen's entry is one fx-bpp loads, and its key signs what fx-bpp verifies: the send is ACKed, the signature logged ok" {
	dump
	keys
	# a v1.1 BAP as well, in the same registry
	fx-beckn keygen --id bap1.test --key-id k7 --url http://127.0.0.1:1/beckn --profile v1.1 -o bap1 > /dev/null
	jq -s . bap.json bpp.json bap1.json > reg.json
	bpp
	run --separate-stderr send --to "http://127.0.0.1:$PORT" --fresh --transaction "$(uuid)" m/v2-select.json
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(jq -r .ack <<< "$output")" = ACK ]
	run --separate-stderr fx-beckn send --id bap1.test --key bap1.key --key-id k7 --schemas "$SCHEMAS" --to "http://127.0.0.1:$PORT" --fresh --transaction "$(uuid)" m/v1-select.json
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(jq -r .answer.message.ack.status <<< "$output")" = ACK ]
	[ "$(jq -r 'select(.direction == "in") | .signature' bpp.log)" = "ok: bap.test|k1
ok: bap1.test|k7" ]
	# the key under another key id is not the registry's
	run --separate-stderr send --key-id k2 --to "http://127.0.0.1:$PORT" --fresh m/v2-select.json
	[ "$status" -eq 1 ]
	[ "$(jq -r .http_status <<< "$output")" = 401 ]
	[ "$(jq -r .answer.error.errorMessage <<< "$output")" = "key k2 of bap.test: unknown key id" ]
}

@test "keygen refuses to overwrite a key: PREFIX.json or PREFIX.key there, exit 1 and nothing written" {
	fx-beckn keygen --id bap.test --key-id k1 --url http://127.0.0.1:1/beckn -o k > /dev/null
	cp k.key k.key.0
	cp k.json k.json.0
	run --separate-stderr fx-beckn keygen --id bap.test --key-id k1 --url http://127.0.0.1:1/beckn -o k
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-beckn: k.json: exists; not overwriting a key" ]
	cmp k.key k.key.0
	cmp k.json k.json.0
	# only the key there
	mv k.json k.json.1
	run --separate-stderr fx-beckn keygen --id bap.test --key-id k1 --url http://127.0.0.1:1/beckn -o k
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-beckn: k.key: File exists" ]
	cmp k.key k.key.0
	[ ! -e k.json ]
	# only the entry there: no key is written that would not match it
	mv k.json.1 k.json
	rm k.key
	run --separate-stderr fx-beckn keygen --id bap.test --key-id k1 --url http://127.0.0.1:1/beckn -o k
	[ "$status" -eq 1 ]
	[ "$stderr" = "fx-beckn: k.json: exists; not overwriting a key" ]
	[ ! -e k.key ]
	cmp k.json k.json.0
}

@test "keygen: a bad --type, --profile, --url or id, or a missing option: exit 2 and nothing written" {
	ok='--id bap.test --key-id k1 --url http://127.0.0.1:1/beckn -o x'
	while IFS='#' read -r args want; do
		run --separate-stderr fx-beckn keygen $ok $args
		[ "$status" -eq 2 ] || { echo "$args: exit $status"; return 1; }
		[ -z "$output" ]
		[ "${stderr_lines[0]}" = "$want" ] || { echo "$args: $stderr"; return 1; }
		[ ! -e x.key ] && [ ! -e x.json ]
	done <<-'EOF'
	--type BUYER#fx-beckn: keygen: type: 'BUYER' is not BAP, BPP or BG
	--type bap#fx-beckn: keygen: type: 'bap' is not BAP, BPP or BG
	--profile v3#fx-beckn: --profile: want v2 or v1.1, not 'v3'
	--url ftp://127.0.0.1/beckn#fx-beckn: keygen: url: not http(s) 'ftp://127.0.0.1/beckn'
	--url bpp.example#fx-beckn: keygen: url: not http(s) 'bpp.example'
	--id a|b#fx-beckn: keygen: subscriber_id and key_id may not hold '|' or '"'
	--key-id k"1#fx-beckn: keygen: subscriber_id and key_id may not hold '|' or '"'
	--bogus#fx-beckn: unrecognized option '--bogus'
	EOF
	for args in "--key-id k1 --url http://h/ -o x" "--id a --url http://h/ -o x" \
	    "--id a --key-id k1 -o x" "--id a --key-id k1 --url http://h/"; do
		run --separate-stderr fx-beckn keygen $args
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[ "${stderr_lines[0]}" = "fx-beckn: keygen: --id, --key-id, --url and -o are required" ]
		[ "${stderr_lines[1]}" = "$USAGE_FIRST" ]
	done
	[ ! -e x.key ] && [ ! -e x.json ]
}

# --- send ---

@test "send: an ACK, then the callback, its signature verified against the registry and its schema checked; exit 0, both profiles" {
	dump
	keys
	bpp
	for p in v2 v1; do
		t=$(uuid)
		run --separate-stderr send --to "http://127.0.0.1:$PORT" --listen 127.0.0.1:0 --registry reg.json --fresh --transaction "$t" "m/$p-select.json"
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		[ "${#lines[@]}" -eq 2 ]
		printf '%s\n' "$output" > out
		validate out
		# the answer first
		head -n 1 out | jq -e '.type == "beckn" and .direction == "out" and .http_status == 200 and .ack == "ACK" and (.ms | type) == "number"'
		# then the callback, of this transaction, to the URI sent
		tail -n 1 out > in
		[ "$(jq -r '[.direction, .path, .signature, .schema] | join(" ")' in)" = "in /on_select ok: bpp.test|k1 ok" ]
		if [ $p = v2 ]; then
			jq -e --arg t "$t" '.payload.context |
			    .action == "on_select" and .transactionId == $t and .bapId == "bap.test" and
			    (.bapUri | test("^http://127\\.0\\.0\\.1:[0-9]+$")) and .bppId == "bpp.test"' in
			head -n 1 out | jq -e '.answer.signature | startswith("Signature keyId=\"bpp.test|k1|ed25519\"")'
		else
			jq -e --arg t "$t" '.payload.context |
			    .action == "on_select" and .transaction_id == $t and .bap_id == "bap.test" and
			    (.bap_uri | test("^http://127\\.0\\.0\\.1:[0-9]+$"))' in
			[ "$(head -n 1 out | jq -c .answer)" = '{"message":{"ack":{"status":"ACK"}}}' ]
		fi
	done
	# fx-bpp's log: each callback delivered and ACKed by fx-beckn
	[ "$(jq -r 'select(.direction == "out") | [.action, .http_status, .ack] | join(" ")' bpp.log)" = "on_select 200 ACK
on_select 200 ACK" ]
}

@test "send: a NACK is printed with its error, exit 1; so is a refused connection, http_status 0" {
	dump
	keys
	bpp
	# init before select: the BPP knows no such transaction
	t=$(uuid)
	run --separate-stderr send --to "http://127.0.0.1:$PORT/" --listen 127.0.0.1:0 --registry reg.json --fresh --transaction "$t" m/v2-init.json
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -c '[.direction, .http_status, .ack, .answer.status, .answer.error]' <<< "$output")" = "[\"out\",400,\"NACK\",\"NACK\",{\"errorCode\":\"30009\",\"errorMessage\":\"no transaction $t here (select first)\"}]" ]
	validate <<< "$output"
	# the same in v1.1
	run --separate-stderr send --to "http://127.0.0.1:$PORT" --fresh --transaction "$t" m/v1-init.json
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	[ "$(jq -c '[.http_status, .ack, .answer]' <<< "$output")" = "[400,\"NACK\",{\"message\":{\"ack\":{\"status\":\"NACK\"}},\"error\":{\"code\":\"30009\",\"message\":\"no transaction $t here (select first)\"}}]" ]
	# the template as it is, not --fresh: past its ttl
	run --separate-stderr send --to "http://127.0.0.1:$PORT" m/v2-select.json
	[ "$status" -eq 1 ]
	[ "$(jq -c '.answer.error' <<< "$output")" = '{"errorCode":"30012","errorMessage":"the message is past its ttl"}' ]
	# nobody there
	run --separate-stderr send --to http://127.0.0.1:1 --fresh m/v2-select.json
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	[ "$(jq -c '[.direction, .http_status, has("answer"), (.error | type)]' <<< "$output")" = '["out",0,false,"string"]' ]
	validate <<< "$output"
}

@test "send --no-sign: no Authorization, a 401 NACK whose WWW-Authenticate is printed, exit 1" {
	dump
	keys
	bpp
	run --separate-stderr send --to "http://127.0.0.1:$PORT" --no-sign --fresh m/v2-select.json
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -r .www_authenticate <<< "$output")" = 'Signature realm="bpp.test",headers="(created) (expires) digest"' ]
	[ "$(jq -c '[.http_status, .ack, .answer.error]' <<< "$output")" = '[401,"NACK",{"errorCode":"30016","errorMessage":"authorization: header missing"}]' ]
	validate <<< "$output"
	[ "$(jq -r .signature bpp.log)" = "missing: authorization: header missing" ]
	# and nothing was signed: the capture server saw no Authorization
	capture
	run --separate-stderr send --to "http://127.0.0.1:$CAPPORT" --no-sign m/v2-select.json
	[ "$status" -eq 0 ]
	[ -e cap/1.body ] && [ ! -e cap/1.auth ]
}

@test "send: a message failing its schema is not sent (exit 2, the schema error named); --no-validate sends it and the BPP names the same error" {
	dump
	keys
	bpp
	jq -c '.message.contract.commitments[0].offer = {}' m/v2-select.json > bad.json
	run --separate-stderr send --to "http://127.0.0.1:$PORT" --fresh bad.json
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-beckn: send: not sent: the select fails its schema: /message/contract/commitments/0/offer: required property 'id' missing (--no-validate sends it anyway)" ]
	sleep 0.2
	[ ! -s bpp.log ]
	run --separate-stderr send --to "http://127.0.0.1:$PORT" --fresh --no-validate bad.json
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	[ "$(jq -c '[.http_status, .ack, .answer.error]' <<< "$output")" = "[400,\"NACK\",{\"errorCode\":\"30001\",\"errorMessage\":\"/message/contract/commitments/0/offer: required property 'id' missing\"}]" ]
	[ "$(wc -l < bpp.log)" -eq 1 ]
	[ "$(jq -r .schema bpp.log)" = "invalid: /message/contract/commitments/0/offer: required property 'id' missing" ]
	# v1.1: a price that is not a decimal
	jq -c '.message.order.items[0].price.value = "abc"' m/v1-select.json > bad1.json
	run --separate-stderr send --to "http://127.0.0.1:$PORT" --fresh bad1.json
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ "$stderr" == "fx-beckn: send: not sent: the select fails its schema: /message/order/items/0/price/value: "* ]]
	[ "$(wc -l < bpp.log)" -eq 1 ]
}

@test "send: usage errors exit 2 and send nothing: --listen without --registry and the reverse, missing options, a bad key, message or context" {
	dump
	keys
	capture
	to="--to http://127.0.0.1:$CAPPORT"
	cp bap.key open.key
	chmod 644 open.key
	echo '{"context":' > notjson
	jq -c 'del(.context.bapUri)' m/v2-select.json > nouri.json
	echo '{"subscriptions": []}' > notreg.json
	while IFS='#' read -r args want; do
		run --separate-stderr fx-beckn send --schemas "$SCHEMAS" $args
		[ "$status" -eq 2 ] || { echo "$args: exit $status: $stderr"; return 1; }
		[ -z "$output" ]
		[ "${stderr_lines[0]}" = "$want" ] || { echo "$args: $stderr"; return 1; }
	done <<-EOF
	--id bap.test --key bap.key $to --listen 127.0.0.1:0 m/v2-select.json#fx-beckn: send: --listen and --registry go together (a callback's signature is checked)
	--id bap.test --key bap.key $to --registry reg.json m/v2-select.json#fx-beckn: send: --listen and --registry go together (a callback's signature is checked)
	--key bap.key $to m/v2-select.json#fx-beckn: send: --id, --key and --to are required
	--id bap.test $to m/v2-select.json#fx-beckn: send: --id, --key and --to are required
	--id bap.test --key bap.key m/v2-select.json#fx-beckn: send: --id, --key and --to are required
	--id bap.test --key bap.key $to m/v2-select.json m/v2-init.json#fx-beckn: send: one message file at most
	--id bap.test --key open.key $to m/v2-select.json#fx-beckn: open.key: signing key is accessible by group or others (mode 0644); chmod 600 it
	--id bap.test --key none.key $to m/v2-select.json#fx-beckn: none.key: No such file or directory
	--id bap.test --key bap.key $to notjson#fx-beckn: send: invalid JSON: Unfinished JSON term at EOF at line 2, column 0
	--id bap.test --key bap.key $to nouri.json#fx-beckn: send: /context/bapUri: missing
	--id bap.test --key bap.key $to --transaction txn-1 m/v2-select.json#fx-beckn: send: /context/transactionId: not a uuid 'txn-1'
	--id bap.test --key bap.key $to --listen 127.0.0.1 --registry reg.json m/v2-select.json#fx-beckn: --listen: want HOST:PORT, not '127.0.0.1'
	--id bap.test --key bap.key $to --listen 127.0.0.1:65536 --registry reg.json m/v2-select.json#fx-beckn: --listen: bad port '65536': want 0 to 65535
	--id bap.test --key bap.key $to --listen 127.0.0.1:0 --registry notreg.json m/v2-select.json#fx-beckn: notreg.json: want an array of subscribers, or {"subscribers": [...]}
	--id bap.test --key bap.key $to --wait 5x m/v2-select.json#fx-beckn: --wait: not a duration > 0 '5x'
	--id bap.test --key bap.key $to --expires 0 m/v2-select.json#fx-beckn: --expires: not a duration > 0 '0'
	--id bap|test --key bap.key $to m/v2-select.json#fx-beckn: send: subscriber id: expected 1 to 255 visible ascii characters without '|', '"' or '\\'
	EOF
	# a key file that holds no key
	printf 'not a key\n' > bad.key
	chmod 600 bad.key
	run --separate-stderr send --key bad.key --to "http://127.0.0.1:$CAPPORT" m/v2-select.json
	[ "$status" -eq 2 ]
	[[ "$stderr" == "fx-beckn: bad.key: "* ]]
	# nothing reached the capture server
	[ ! -e cap/1.body ]
	# an unreadable message file is a runtime failure
	run --separate-stderr send --to "http://127.0.0.1:$CAPPORT" none.json
	[ "$status" -eq 1 ]
	[ "$stderr" = "fx-beckn: none.json: No such file or directory" ]
}

@test "send: a callback whose signature does not verify (the registry has another key for bpp.test) is reported and refused: exit 1" {
	dump
	keys
	bpp
	mkdir other
	fx-beckn keygen --id bpp.test --key-id k1 --url http://127.0.0.1:1/beckn --type BPP -o other/bpp > /dev/null
	jq -s . bap.json other/bpp.json > reg2.json
	t=$(uuid)
	run --separate-stderr send --to "http://127.0.0.1:$PORT" --listen 127.0.0.1:0 --registry reg2.json --fresh --transaction "$t" m/v2-select.json
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 2 ]
	printf '%s\n' "$output" > out
	validate out
	[ "$(jq -r 'select(.direction == "out") | .ack' out)" = ACK ]
	[ "$(jq -r 'select(.direction == "in") | .signature' out)" = "bad signature: authorization: signature by 'bpp.test|k1' does not verify (wrong key, or altered body or signature)" ]
	[ "$(jq -r 'select(.direction == "in") | .payload.context.transactionId' out)" = "$t" ]
	# the BPP was told: 401, NACK
	[ "$(jq -r 'select(.direction == "out") | [.action, .http_status, .ack] | join(" ")' bpp.log)" = "on_select 401 NACK" ]
	# a registry without bpp.test at all
	jq -s . bap.json > reg3.json
	run --separate-stderr send --to "http://127.0.0.1:$PORT" --listen 127.0.0.1:0 --registry reg3.json --fresh --transaction "$(uuid)" m/v1-select.json
	[ "$status" -eq 1 ]
	[ "$(jq -r 'select(.direction == "in") | .signature' <<< "$output")" = "bad public key: bpp.test: unknown subscriber" ]
}

@test "send --wait: no callback in time: the ACK printed, then the message on stderr, exit 1" {
	dump
	keys
	capture
	t=$(uuid)
	start=$(date +%s%N)
	run --separate-stderr send --to "http://127.0.0.1:$CAPPORT" --listen 127.0.0.1:0 --registry reg.json --wait 1s --fresh --transaction "$t" m/v2-select.json
	end=$(date +%s%N)
	[ "$status" -eq 1 ]
	[ "$stderr" = "fx-beckn: send: no callback for transaction $t in time" ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -c '[.direction, .http_status, .ack]' <<< "$output")" = '["out",200,"ACK"]' ]
	validate <<< "$output"
	# it waited the second, and not much more
	[ $(( (end - start) / 1000000 )) -ge 1000 ]
	[ $(( (end - start) / 1000000 )) -lt 4000 ]
}

@test "send rewrites bapId always, bapUri with --listen, transactionId with --transaction, messageId and timestamp with --fresh, and nothing else; the body sent is compact JSON" {
	dump
	keys
	capture
	to="http://127.0.0.1:$CAPPORT"
	t=$(uuid)
	send --to "$to" m/v2-select.json > /dev/null
	send --to "$to/" --transaction "$t" m/v2-select.json > /dev/null
	before=$(date -u +%s)
	send --to "$to" --fresh m/v2-select.json > /dev/null
	after=$(date -u +%s)
	send --to "$to" --fresh --transaction "$t" m/v1-select.json > /dev/null
	# --listen: the URI of the server it listens on (no callback comes)
	send --to "$to" --listen 127.0.0.1:0 --registry reg.json --wait 200ms m/v2-select.json > /dev/null 2>&1 || true
	for n in 1 2 3 4 5; do
		[ "$(cat cap/$n.path)" = /select ] || { echo "$n: $(cat cap/$n.path)"; return 1; }
		# compact: what jq -c writes, one line, no newline
		[ "$(jq -jc . cap/$n.body)" = "$(cat cap/$n.body)" ]
		[ "$(wc -l < cap/$n.body)" -eq 0 ]
	done
	# 1: only bapId
	[ "$(jq -c '.context.bapId = "bap.test"' m/v2-select.json)" = "$(cat cap/1.body)" ]
	# 2: and the transaction
	[ "$(jq -c --arg t "$t" '.context.bapId = "bap.test" | .context.transactionId = $t' m/v2-select.json)" = "$(cat cap/2.body)" ]
	# 3: a new UUID v4 message id and the time now, in milliseconds
	jq -c 'del(.context.messageId, .context.timestamp)' cap/3.body > got
	jq -c '.context.bapId = "bap.test" | del(.context.messageId, .context.timestamp)' m/v2-select.json | cmp - got
	id=$(jq -r .context.messageId cap/3.body)
	[[ "$id" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]]
	[ "$id" != "$(jq -r .context.messageId m/v2-select.json)" ]
	ts=$(jq -r .context.timestamp cap/3.body)
	[[ "$ts" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3})?Z$ ]]
	s=$(date -u -d "$ts" +%s)
	[ "$s" -ge "$before" ] && [ "$s" -le "$after" ]
	# 4: v1.1, its snake_case context
	jq -c 'del(.context.message_id, .context.timestamp)' cap/4.body > got
	jq -c --arg t "$t" '.context.bap_id = "bap.test" | .context.transaction_id = $t | del(.context.message_id, .context.timestamp)' m/v1-select.json | cmp - got
	[ "$(jq -r .context.message_id cap/4.body)" != "$(jq -r .context.message_id m/v1-select.json)" ]
	# 5: bapUri is where it listened
	[[ "$(jq -r .context.bapUri cap/5.body)" =~ ^http://127\.0\.0\.1:[1-9][0-9]*$ ]]
	[ "$(jq -c '.context.bapId = "bap.test" | del(.context.bapUri)' m/v2-select.json)" = "$(jq -c 'del(.context.bapUri)' cap/5.body)" ]
}

@test "send --expires: the signature's window, 30 s by default; the header names the key id given" {
	dump
	keys
	capture
	to="http://127.0.0.1:$CAPPORT"
	send --to "$to" m/v2-select.json > /dev/null
	send --to "$to" --expires 2m --key-id k9 m/v2-select.json > /dev/null
	window() {
		sed -E 's/.*created="([0-9]+)",expires="([0-9]+)".*/\2 - \1/' "$1" | xargs expr
	}
	[ "$(window cap/1.auth)" -eq 30 ]
	[ "$(window cap/2.auth)" -eq 120 ]
	[[ "$(cat cap/1.auth)" =~ ^Signature\ keyId=\"bap\.test\|k1\|ed25519\",algorithm=\"ed25519\",created=\"[0-9]+\",expires=\"[0-9]+\",headers=\"\(created\)\ \(expires\)\ digest\",signature=\"[A-Za-z0-9+/]{86}==\"$ ]]
	[[ "$(cat cap/2.auth)" == 'Signature keyId="bap.test|k9|ed25519",'* ]]
	created=$(sed -E 's/.*created="([0-9]+)".*/\1/' cap/1.auth)
	[ $(( created - $(date +%s) )) -le 1 ] && [ $(( $(date +%s) - created )) -le 10 ]
}

@test "every line send writes is a beckn record: ACK, NACK, 401, no answer, a good and a bad callback" {
	dump
	keys
	bpp
	mkdir other
	fx-beckn keygen --id bpp.test --key-id k1 --url http://127.0.0.1:1/beckn --type BPP -o other/bpp > /dev/null
	jq -s . bap.json other/bpp.json > reg2.json
	{
		send --to "http://127.0.0.1:$PORT" --listen 127.0.0.1:0 --registry reg.json --fresh --transaction "$(uuid)" m/v2-select.json || true
		send --to "http://127.0.0.1:$PORT" --listen 127.0.0.1:0 --registry reg.json --fresh --transaction "$(uuid)" m/v1-select.json || true
		send --to "http://127.0.0.1:$PORT" --listen 127.0.0.1:0 --registry reg2.json --fresh --transaction "$(uuid)" m/v2-select.json || true
		send --to "http://127.0.0.1:$PORT" --fresh m/v2-confirm.json || true
		send --to "http://127.0.0.1:$PORT" --no-sign --fresh m/v1-select.json || true
		send --to http://127.0.0.1:1 --fresh m/v2-select.json || true
	} > out 2> err
	[ -z "$(cat err)" ]
	[ "$(wc -l < out)" -eq 9 ]
	validate out
	# fx-bpp's records too
	validate bpp.log
	[ "$(jq -r .direction out | sort | uniq -c | awk '{ print $1 $2 }' | paste -sd,)" = "3in,6out" ]
}

@test "send: a stray callback of another transaction is printed and answered, and the wait goes on for its own" {
	need_node
	dump
	keys
	capture
	t=$(uuid)
	fx-beckn send --id bap.test --key bap.key --schemas "$SCHEMAS" --to "http://127.0.0.1:$CAPPORT" --listen 127.0.0.1:0 --registry reg.json --wait 5s --fresh --transaction "$t" m/v2-select.json > out 2> err 3>&- &
	SEND=$!
	BG_PIDS="${BG_PIDS:-} $SEND"
	waitfor cap/1.done
	uri=$(jq -r .context.bapUri cap/1.body)
	for tx in "$(uuid)" "$t"; do
		jq -jc --arg t "$tx" --arg u "$uri" '.context += {transactionId: $t, bapId: "bap.test", bapUri: $u, bppId: "bpp.test"}' m/v2-on_select.json > cb
		code=$(curl -sS -o resp -w '%{http_code}' -H 'Content-Type: application/json' \
		    -H "Authorization: $(cross sign cb bpp.test k1 @bpp.key)" --data-binary @cb "$uri/on_select")
		[ "$code" = 200 ]
		[ "$(jq -r .status resp)" = ACK ]
	done
	rc=0
	wait "$SEND" || rc=$?
	[ "$rc" -eq 0 ]
	[ -z "$(cat err)" ]
	[ "$(wc -l < out)" -eq 3 ]
	validate out
	# the stray one has no schema member; the own one ends the wait
	[ "$(jq -c 'select(.direction == "in") | [.signature, .schema]' out)" = '["ok: bpp.test|k1",null]
["ok: bpp.test|k1","ok"]' ]
}

# --- the cross-check: a second implementation (libsodium, in node) ---

@test "node: the BECKN-006 vector (fox BLAKE2b-512, body digest, signing string, signature, re-signing with either key form) passes; an altered vector fails" {
	need_node
	need_shared beckn/signing
	vec=$SHARED/beckn/signing/test-vector-BECKN-006.json
	run --separate-stderr cross vector
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${#lines[@]}" -ge 10 ]
	[ "$(printf '%s\n' "$output" | grep -vc '^ok: ')" -eq 0 ]
	[[ "$output" == *"ok: BLAKE2b-512 of the fox string, hex"* ]]
	[[ "$output" == *"ok: signature verifies with the public key"* ]]
	[[ "$output" == *"ok: re-signing reproduces the signature (32-byte seed)"* ]]
	# not a rubber stamp: a changed digest, body or signature fails
	for f in '.digest_base64 |= sub("^b"; "c")' '.body |= sub("Kochi"; "Kochj")' '.signature_base64 |= sub("^c"; "d")'; do
		jq "$f" "$vec" > bad.json
		run --separate-stderr cross vector bad.json
		[ "$status" -eq 1 ] || { echo "$f: exit $status"; return 1; }
		[[ "$output" == *FAILED* ]]
	done
	# the same vector through node's verify: the header, the body, the key
	jq -j .body "$vec" > body
	run cross verify --now 1641287900 body "$(jq -r .authorization_header "$vec")" "$(jq -r .signing_public_key_base64 "$vec")"
	[ "$status" -eq 0 ]
	[ "$output" = "ok: example-bap.com|ae3ea24b-cfec-495e-81f8-044aaef164ac" ]
	run cross sign --created 1641287875 --expires 1641291475 body example-bap.com ae3ea24b-cfec-495e-81f8-044aaef164ac "$(jq -r .signing_private_key_base64 "$vec")"
	[ "$status" -eq 0 ]
	[ "$output" = "$(jq -r .authorization_header "$vec")" ]
}

@test "node verifies the Authorization fx-beckn send signs, v2 and v1.1, 32-byte seed keys too; and refuses it for another key or an altered body" {
	need_node
	dump
	keys
	capture
	to="http://127.0.0.1:$CAPPORT"
	send --to "$to" --fresh m/v2-select.json > /dev/null
	send --to "$to" --fresh --expires 1h m/v1-confirm.json > /dev/null
	# a beckn-onix style key: the 32-byte seed alone
	base64 -d bap.key | head -c 32 | base64 > seed.key
	chmod 600 seed.key
	fx-beckn send --id bap.test --key seed.key --schemas "$SCHEMAS" --to "$to" --fresh m/v2-status.json > /dev/null
	for n in 1 2 3; do
		run cross verify cap/$n.body "$(cat cap/$n.auth)" "$(pub bap)"
		[ "$status" -eq 0 ] || { echo "$n: $output"; return 1; }
		[ "$output" = "ok: bap.test|k1" ]
	done
	[ "$(cat cap/3.path)" = /status ]
	# another key
	run cross verify cap/1.body "$(cat cap/1.auth)" "$(pub bpp)"
	[ "$status" -eq 1 ]
	[ "$output" = "authorization: signature by 'bap.test|k1' does not verify" ]
	# the body altered by one byte
	sed 's/"requestedReduction":42.5/"requestedReduction":42.6/' cap/1.body > altered
	! cmp -s altered cap/1.body
	run cross verify altered "$(cat cap/1.auth)" "$(pub bap)"
	[ "$status" -eq 1 ]
	[ "$output" = "authorization: signature by 'bap.test|k1' does not verify" ]
	# the signature's time checked too
	run cross verify --now 1 cap/1.body "$(cat cap/1.auth)" "$(pub bap)"
	[ "$status" -eq 1 ]
	[[ "$output" == "authorization: created "*" is in the future (now 1)" ]]
}

@test "node verifies the Authorization of fx-bpp's callbacks, v2 and v1.1, with bpp.test's key; not with another" {
	need_node
	dump
	keys
	capture
	bpp
	cb="http://127.0.0.1:$CAPPORT/beckn"
	# the callbacks go to the capture server: the context's BAP URI
	fresh m/v2-select.json "$cb" > v2.json
	fresh m/v1-select.json "$cb" > v1.json
	send --to "http://127.0.0.1:$PORT" v2.json > /dev/null
	waitfor cap/1.done
	send --to "http://127.0.0.1:$PORT" v1.json > /dev/null
	waitfor cap/2.done
	[ "$(cat cap/1.path)" = /beckn/on_select ]
	[ "$(cat cap/2.path)" = /beckn/on_select ]
	[ "$(jq -r .context.transactionId cap/1.body)" = "$(jq -r .context.transactionId v2.json)" ]
	[ "$(jq -r .context.transaction_id cap/2.body)" = "$(jq -r .context.transaction_id v1.json)" ]
	for n in 1 2; do
		run cross verify cap/$n.body "$(cat cap/$n.auth)" "$(pub bpp)"
		[ "$status" -eq 0 ] || { echo "$n: $output"; return 1; }
		[ "$output" = "ok: bpp.test|k1" ]
		run cross verify cap/$n.body "$(cat cap/$n.auth)" "$(pub bap)"
		[ "$status" -eq 1 ]
	done
	# fx-bpp logged both delivered and ACKed by the capture server
	[ "$(jq -r 'select(.direction == "out") | [.action, .http_status, .ack, .signature] | join(" ")' bpp.log)" = "on_select 200 ACK signed
on_select 200 ACK signed" ]
}

@test "fx-bpp accepts a request node signed (64-byte key or 32-byte seed): HTTP 200 ACK, whose counter-signature node verifies; altered after signing: 401" {
	need_node
	dump
	keys
	capture
	bpp
	cb="http://127.0.0.1:$CAPPORT"
	fresh m/v2-select.json "$cb" > body
	auth=$(cross sign body bap.test k1 @bap.key)
	code=$(curl -sS -D hdr -o resp -w '%{http_code}' -H 'Content-Type: application/json' -H "Authorization: $auth" --data-binary @body "http://127.0.0.1:$PORT/select")
	[ "$code" = 200 ]
	[ "$(jq -r .status resp)" = ACK ]
	[ "$(jq -r 'select(.direction == "in") | .signature' bpp.log)" = "ok: bap.test|k1" ]
	# the ACK's counter-signature: bpp.test's, over {"status":"ACK"}, the
	# request's digest and its message id
	mid=$(jq -r .context.messageId body)
	run cross counter body "$(jq -r .signature resp)" "$(pub bpp)" "$mid"
	[ "$status" -eq 0 ]
	[ "$output" = "ok: bpp.test|k1" ]
	run cross counter body "$(jq -r .signature resp)" "$(pub bpp)" "$(uuid)"
	[ "$status" -eq 1 ]
	run cross counter --ack '{"status":"NACK"}' body "$(jq -r .signature resp)" "$(pub bpp)" "$mid"
	[ "$status" -eq 1 ]
	# and its callback, to the capture server, verifies too
	waitfor cap/1.done
	[ "$(cross verify cap/1.body "$(cat cap/1.auth)" "$(pub bpp)")" = "ok: bpp.test|k1" ]
	# the seed alone signs the same
	fresh m/v1-select.json "$cb" > body1
	seed=$(base64 -d bap.key | head -c 32 | base64)
	code=$(curl -sS -o resp -w '%{http_code}' -H 'Content-Type: application/json' -H "Authorization: $(cross sign body1 bap.test k1 "$seed")" --data-binary @body1 "http://127.0.0.1:$PORT/select")
	[ "$code" = 200 ]
	[ "$(jq -c . resp)" = '{"message":{"ack":{"status":"ACK"}}}' ]
	# the body altered after signing: 401, NACK, the challenge
	fresh m/v2-select.json "$cb" > body2
	auth=$(cross sign body2 bap.test k1 @bap.key)
	sed 's/"requestedReduction":42.5/"requestedReduction":425/' body2 > altered
	! cmp -s body2 altered
	code=$(curl -sS -D hdr -o resp -w '%{http_code}' -H 'Content-Type: application/json' -H "Authorization: $auth" --data-binary @altered "http://127.0.0.1:$PORT/select")
	[ "$code" = 401 ]
	[ "$(jq -c '[.status, .error.errorCode]' resp)" = '["NACK","30016"]' ]
	[ "$(jq -r .error.errorMessage resp)" = "authorization: signature by 'bap.test|k1' does not verify (wrong key, or altered body or signature)" ]
	grep -qx $'WWW-Authenticate: Signature realm="bpp.test",headers="(created) (expires) digest"\r' hdr
	[ "$(jq -r 'select(.direction == "in") | .signature' bpp.log | tail -n 1)" = "bad signature: authorization: signature by 'bap.test|k1' does not verify (wrong key, or altered body or signature)" ]
	# the unaltered body with that signature is still good
	code=$(curl -sS -o resp -w '%{http_code}' -H 'Content-Type: application/json' -H "Authorization: $auth" --data-binary @body2 "http://127.0.0.1:$PORT/select")
	[ "$code" = 200 ]
	# signed by node a minute ago, expired 30 s ago: 401 expired
	fresh m/v2-select.json "$cb" > body3
	now=$(date +%s)
	code=$(curl -sS -o resp -w '%{http_code}' -H "Authorization: $(cross sign --created $((now - 120)) --expires $((now - 60)) body3 bap.test k1 @bap.key)" --data-binary @body3 "http://127.0.0.1:$PORT/select")
	[ "$code" = 401 ]
	[[ "$(jq -r 'select(.direction == "in") | .signature' bpp.log | tail -n 1)" == "expired: authorization: expired at $((now - 60)) "* ]]
}

@test "fx-beckn send accepts a callback node signed as bpp.test, answering an ACK whose counter-signature node verifies; refuses one node signed with another key" {
	need_node
	dump
	keys
	capture
	for key in bpp other; do
		[ $key = bpp ] || {
			mkdir -p other
			fx-beckn keygen --id bpp.test --key-id k1 --url http://127.0.0.1:1/beckn --type BPP -o other/other > /dev/null
			cp other/other.key other.key
		}
		rm -f cap/*
		capture
		t=$(uuid)
		fx-beckn send --id bap.test --key bap.key --schemas "$SCHEMAS" --to "http://127.0.0.1:$CAPPORT" --listen 127.0.0.1:0 --registry reg.json --wait 5s --fresh --transaction "$t" m/v2-select.json > out 2> err 3>&- &
		SEND=$!
		BG_PIDS="${BG_PIDS:-} $SEND"
		waitfor cap/1.done
		uri=$(jq -r .context.bapUri cap/1.body)
		jq -jc --arg t "$t" --arg u "$uri" '.context += {transactionId: $t, bapId: "bap.test", bapUri: $u, bppId: "bpp.test"}' m/v2-on_select.json > cb
		code=$(curl -sS -o resp -w '%{http_code}' -H 'Content-Type: application/json' \
		    -H "Authorization: $(cross sign cb bpp.test k1 @$key.key)" --data-binary @cb "$uri/on_select")
		rc=0
		wait "$SEND" || rc=$?
		[ -z "$(cat err)" ]
		validate out
		mid=$(jq -r .context.messageId cb)
		if [ $key = bpp ]; then
			[ "$code" = 200 ]
			[ "$rc" -eq 0 ]
			[ "$(jq -r 'select(.direction == "in") | .signature' out)" = "ok: bpp.test|k1" ]
			# fx-beckn's ACK, counter-signed by bap.test over the callback
			[ "$(jq -r .status resp)" = ACK ]
			[ "$(cross counter cb "$(jq -r .signature resp)" "$(pub bap)" "$mid")" = "ok: bap.test|k1" ]
		else
			[ "$code" = 401 ]
			[ "$rc" -eq 1 ]
			[ "$(jq -r 'select(.direction == "in") | .signature' out)" = "bad signature: authorization: signature by 'bpp.test|k1' does not verify (wrong key, or altered body or signature)" ]
			[ "$(jq -c '[.status, .error.errorCode]' resp)" = '["NACK","20016"]' ]
			run cross counter --ack '{"status":"NACK"}' cb "$(jq -r .signature resp)" "$(pub bap)" "$mid"
			[ "$output" = "ok: bap.test|k1" ]
		fi
	done
}

# --- bugs found ---

@test "send: a badly signed callback is answered 401 with WWW-Authenticate, as BECKN-006 and bsign.h require" {
	need_node
	dump
	keys
	capture
	t=$(uuid)
	fx-beckn send --id bap.test --key bap.key --schemas "$SCHEMAS" --to "http://127.0.0.1:$CAPPORT" --listen 127.0.0.1:0 --registry reg.json --wait 5s --fresh --transaction "$t" m/v2-select.json > out 2> err 3>&- &
	SEND=$!
	BG_PIDS="${BG_PIDS:-} $SEND"
	waitfor cap/1.done
	uri=$(jq -r .context.bapUri cap/1.body)
	jq -jc --arg t "$t" --arg u "$uri" '.context += {transactionId: $t, bapId: "bap.test", bapUri: $u, bppId: "bpp.test"}' m/v2-on_select.json > cb
	code=$(curl -sS -D hdr -o resp -w '%{http_code}' -H "Authorization: $(cross sign cb bpp.test k1 @bap.key)" --data-binary @cb "$uri/on_select")
	wait "$SEND" || true
	[ "$code" = 401 ]
	grep -qx $'WWW-Authenticate: Signature realm="bap.test",headers="(created) (expires) digest"\r' hdr
}

@test "send: a callback signed by a subscriber other than the context's BPP is refused (signature not ok, 401, exit 1)" {
	need_node
	dump
	keys
	capture
	t=$(uuid)
	fx-beckn send --id bap.test --key bap.key --schemas "$SCHEMAS" --to "http://127.0.0.1:$CAPPORT" --listen 127.0.0.1:0 --registry reg.json --wait 5s --fresh --transaction "$t" m/v2-select.json > out 2> err 3>&- &
	SEND=$!
	BG_PIDS="${BG_PIDS:-} $SEND"
	waitfor cap/1.done
	uri=$(jq -r .context.bapUri cap/1.body)
	jq -jc --arg t "$t" --arg u "$uri" '.context += {transactionId: $t, bapId: "bap.test", bapUri: $u, bppId: "bpp.test"}' m/v2-on_select.json > cb
	code=$(curl -sS -o resp -w '%{http_code}' -H "Authorization: $(cross sign cb bap.test k1 @bap.key)" --data-binary @cb "$uri/on_select")
	rc=0
	wait "$SEND" || rc=$?
	[ "$code" = 401 ]
	[ "$rc" -eq 1 ]
	[[ "$(jq -r 'select(.direction == "in") | .signature' out)" != ok* ]]
}

@test "fx-bpp's callback carries the request's message id (Beckn: the message id persists through a request/callback cycle)" {
	dump
	keys
	bpp
	for p in v2 v1; do
		fresh m/$p-select.json http://127.0.0.1:1 > msg.json
		run --separate-stderr send --to "http://127.0.0.1:$PORT" --listen 127.0.0.1:0 --registry reg.json "msg.json"
		[ "$status" -eq 0 ]
		sent=$(jq -r '.context.messageId // .context.message_id' msg.json)
		got=$(jq -r 'select(.direction == "in") | .payload.context | .messageId // .message_id' <<< "$output")
		[ "$got" = "$sent" ]
	done
}
