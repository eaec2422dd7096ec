#!/usr/bin/env bats
# fx-bpp, the sandbox aggregator (a Beckn BPP), driven by fx-beckn send
# in both wire profiles (v2.0.0 LTS and v1.1.1): discovery with every DER
# of the catalog and its public key; the order lifecycle select, init,
# confirm, status, update (the COMPLETE) and cancel; the DER's
# participation signature; every refusal with its HTTP status, NACK shape
# and code (and for a 401 the WWW-Authenticate challenge); failure
# injection; the records on stdout and the summary on stderr; the usage,
# bad options and files; and the man page (-h, SYNOPSIS, EXAMPLES).
#
# Expected values are computed here, independently of fx-bpp: the DERs
# offered and the energy delivered from samples/ders.json with jq; the
# participation signature verified, the DER keys derived, and raw
# requests signed (BECKN-006: BLAKE2b-512 digest, Ed25519) by python3
# with hashlib and the `cryptography` module (the `tool` script below);
# the tests that need it are skipped when the module is missing.  Raw
# requests (a body altered after signing, malformed headers, invalid
# JSON, GET) are posted with curl.
#
# Every fx-bpp listens on 127.0.0.1, port 0 (--port-file), and is ended
# by its own pid in teardown.
#
# Tests of a known bug are skipped with "BUG: ..."; FX_BPP_BUGS=1 runs
# them anyway.

bats_require_minimum_version 1.5.0
load helper

UNIT=${FX_UNIT:-$ROOT/build/unit}
SCHEMAS=$ROOT/schemas/beckn
CATALOG=$SAMPLES/ders.json
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
CHALLENGE='Signature realm="bpp.test",headers="(created) (expires) digest"'
USAGE_FIRST='usage: fx-bpp --catalog file --key file --registry file [-q]'

# Background processes (each fx-bpp, the EXAMPLES' one) are ended by
# their own ids.
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
	[ -n "${FX_BPP_BUGS:-}" ] || skip "BUG: $*"
}

# need_crypto WHAT: skips the test when python3 has no cryptography.
need_crypto() {
	"$PY" -c 'from cryptography.hazmat.primitives.asymmetric import ed25519' 2> /dev/null ||
		skip "python3 has no cryptography module (Debian: python3-cryptography), which $1 needs"
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

# dump: the message templates common/bmsg builds, m/v2-<action>.json and
# m/v1-<action>.json; and m/v2-all.json, m/v1-all.json, their discovery
# asking for any feeder (the feeder_id tag, or the feeders filter, taken
# out), to which every DER of the catalog is offered.
dump() {
	local p
	mkdir -p m
	FX_BMSG_DUMP=$PWD/m "$UNIT/test_bmsg" > m/tap
	! grep -q '^not ok' m/tap
	for p in v2 v1; do
		jq -c --arg re " && @\\.resourceAttributes\\.feeders\\[\\*\\] == '[^']*'" '
		    .message.intent |= ((.filters.expression | strings) |= gsub($re; "") |
		        (.tags | arrays) |= map(.list |= map(select(.descriptor.code != "feeder_id"))))' \
		    "m/$p-$(disc $p).json" > "m/$p-all.json"
	done
}

# bpp [OPTION...]: fx-bpp as bpp.test on reg.json and the sample catalog,
# in the background: its pid in BPP, its port in PORT, URL, its records
# in bpp.log, its stderr in bpp.err.
bpp() {
	rm -f port
	fx-bpp --catalog "$CATALOG" --key bpp.key --id bpp.test --registry reg.json \
	    --schemas "$SCHEMAS" --port-file port "$@" > bpp.log 2> bpp.err 3>&- &
	BPP=$!
	BG_PIDS="${BG_PIDS:-} $BPP"
	waitfor port
	PORT=$(cat port)
	URL=http://127.0.0.1:$PORT
}

# stop: SIGTERM to the BPP, waited for; its exit status in BPP_STATUS.
stop() {
	BPP_STATUS=0
	kill -TERM "$BPP"
	wait "$BPP" || BPP_STATUS=$?
	BG_PIDS=${BG_PIDS/ $BPP/}
}

# send ARG...: fx-beckn send as bap.test.
send() {
	fx-beckn send --id bap.test --key bap.key --schemas "$SCHEMAS" "$@"
}

# call FILE [OPTION...]: FILE sent fresh to the BPP, and its callback
# waited for.
call() {
	local f=$1
	shift
	send --to "$URL" --listen 127.0.0.1:0 --registry reg.json --fresh "$@" "$f"
}

# disc P: the discovery action of profile P (v2 or v1).
disc() {
	if [ "$1" = v2 ]; then echo discover; else echo search; fi
}

# cb: the callback's payload in $output (of a call).
cb() {
	jq -c 'select(.direction == "in") | .payload' <<< "$output"
}

# fresh P ACTION [JQ]: the template m/P-ACTION.json from bap.test, its
# callbacks to nowhere (127.0.0.1:1), in a new transaction, with a new
# message id and the time now, then JQ applied; one line.
fresh() {
	jq -c --arg t "$(uuid)" --arg m "$(uuid)" \
	    --arg now "$(date -u +%Y-%m-%dT%H:%M:%SZ)" '
	    if .context.version == "2.0.0" then
	        .context += {bapId: "bap.test", bapUri: "http://127.0.0.1:1/beckn",
	            transactionId: $t, messageId: $m, timestamp: $now}
	    else
	        .context += {bap_id: "bap.test", bap_uri: "http://127.0.0.1:1/beckn",
	            transaction_id: $t, message_id: $m, timestamp: $now}
	    end | '"${3:-.}" "m/$1-$2.json"
}

# with_order P ACTION OID: the template of status, update or cancel
# naming the order OID.
with_order() {
	jq -c --arg o "$3" 'if .message.contract then .message.contract.id = $o
	    elif .message.order_id then .message.order_id = $o
	    else .message.order.id = $o end' "m/$1-$2.json"
}

# set_der P DER, set_kw P KW: jq programs putting another DER or kW in a
# select, init or confirm of profile P.
set_der() {
	if [ "$1" = v2 ]; then
		echo ".message.contract.commitments[0] |= (.resources[0].id = \"$2\" | .offer.resourceIds = [\"$2\"])"
	else
		echo ".message.order.items[0].id = \"$2\""
	fi
}
set_kw() {
	if [ "$1" = v2 ]; then
		echo ".message.contract.commitments[0] |= (.resources[0].quantity.value = $2 | .commitmentAttributes.requestedReduction = $2)"
	else
		echo ".message.order.items[0].quantity.selected.measure.value = \"$2\""
	fi
}

# book P [OPTION...]: select, init and confirm of the templates of P in a
# new transaction T, each ACKed and called back; the callbacks' payloads
# in on_select.json, on_init.json, on_confirm.json, the order id in OID.
book() {
	local p=$1 a
	shift
	T=$(uuid)
	for a in select init confirm; do
		run --separate-stderr call "m/$p-$a.json" --transaction "$T" "$@"
		echo "$a: exit $status: $output $stderr"
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		cb > "on_$a.json"
	done
	OID=$(jq -r '.message.contract.id // .message.order.id' on_confirm.json)
}

# order_call P ACTION: ACTION of the booked order OID in T, called back:
# the callback's payload in on_ACTION.json.
order_call() {
	with_order "$1" "$2" "$OID" > "$2.json"
	run --separate-stderr call "$2.json" --transaction "$T"
	echo "$2: exit $status: $output $stderr"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	cb > "on_$2.json"
}

# nack P HTTP CODE: $output (of a send) is the answer alone, HTTP status
# HTTP, a NACK of profile P's shape with error code CODE (see shape); its
# reason in WHY.
nack() {
	echo "$output"
	[ "${#lines[@]}" -eq 1 ]
	jq -e --argjson h "$2" '.direction == "out" and .http_status == $h and
	    .ack == "NACK"' <<< "$output" > /dev/null
	jq -c .answer <<< "$output" > ans.json
	shape "$1" "$3" ans.json
}

# shape P CODE FILE: FILE is a NACK of profile P with error code CODE:
# v2 {status, signature (bpp.test's counter-signature), error{errorCode,
# errorMessage}}, v1.1 {message{ack{status}}, error{code, message}},
# nothing else; its reason in WHY.
shape() {
	if [ "$1" = v2 ]; then
		jq -e --arg c "$2" '(keys == ["error", "signature", "status"]) and
		    .status == "NACK" and
		    (.signature | startswith("Signature keyId=\"bpp.test|k1|ed25519\"")) and
		    (.error | keys == ["errorCode", "errorMessage"]) and
		    .error.errorCode == $c' "$3" > /dev/null
		WHY=$(jq -r .error.errorMessage "$3")
	else
		jq -e --arg c "$2" '(keys == ["error", "message"]) and
		    .message == {ack: {status: "NACK"}} and
		    (.error | keys == ["code", "message"]) and
		    .error.code == $c' "$3" > /dev/null
		WHY=$(jq -r .error.message "$3")
	fi
}

# acked P: the first line of $output is an HTTP 200 ACK of profile P.
acked() {
	echo "$output"
	head -n 1 <<< "$output" > ans.rec
	if [ "$1" = v2 ]; then
		jq -e '.http_status == 200 and .ack == "ACK" and .answer.status == "ACK" and
		    (.answer | keys == ["signature", "status"])' ans.rec > /dev/null
	else
		jq -e '.http_status == 200 and .ack == "ACK" and
		    .answer == {message: {ack: {status: "ACK"}}}' ans.rec > /dev/null
	fi
}

# post PATH FILE [AUTHORIZATION]: FILE's bytes posted to the BPP's PATH
# with that Authorization value (none when empty): the HTTP status in
# CODE, the body in ans.json, the headers in hdr.
post() {
	CODE=$(curl -s -o ans.json -D hdr -w '%{http_code}' \
	    -H 'Content-Type: application/json' ${3:+-H "Authorization: $3"} \
	    --data-binary "@$2" "$URL/$1")
}

# www: the WWW-Authenticate value of hdr (of a post), or nothing.
www() {
	sed -n 's/^[Ww][Ww][Ww]-[Aa]uthenticate: //p' hdr | tr -d '\r'
}

# The reference, python3: "$PY" -c "$TOOL" COMMAND ...
#   sign KEY SUBSCRIBER KEY_ID FILE [CREATED EXPIRES]
#       the BECKN-006 Authorization value of FILE's bytes
#   derkey KEY DER_ID
#       the public key fx-bpp(1) says the DER has: seed = SHA-256(
#       "fluxeon-der-key/1" NUL SHA-256(KEY's text) DER_ID)
#   participation P DISCOVERY CONFIRM [tamper]
#       verifies the DER's signature in the on_confirm payload CONFIRM
#       with the DER's key from the on_discover/on_search payload
#       DISCOVERY, over the text of common/bmsg.c fx_bmsg_participation()
#       built from CONFIRM's fields; tamper: with 1 kW more
TOOL=$(cat <<'PY'
import base64, datetime, hashlib, json, re, sys, time
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

def b64(b):
    return base64.b64encode(b).decode()

def keytext(path):
    t = open(path, 'rb').read()
    return t[:-1] if t.endswith(b'\n') else t

def sign(keyfile, sub, kid, path, created=None, expires=None):
    c = int(created) if created else int(time.time())
    e = int(expires) if expires else c + 30
    key = ed25519.Ed25519PrivateKey.from_private_bytes(
        base64.b64decode(keytext(keyfile))[:32])
    body = open(path, 'rb').read()
    digest = b64(hashlib.blake2b(body, digest_size=64).digest())
    text = '(created): %d\n(expires): %d\ndigest: BLAKE-512=%s' % (c, e, digest)
    print('Signature keyId="%s|%s|ed25519",algorithm="ed25519",created="%d",'
          'expires="%d",headers="(created) (expires) digest",signature="%s"'
          % (sub, kid, c, e, b64(key.sign(text.encode()))))

def derkey(keyfile, der):
    secret = hashlib.sha256(keytext(keyfile)).digest()
    seed = hashlib.sha256(b'fluxeon-der-key/1\0' + secret + der.encode()).digest()
    pub = ed25519.Ed25519PrivateKey.from_private_bytes(seed).public_key()
    print(b64(pub.public_bytes(serialization.Encoding.Raw,
                               serialization.PublicFormat.Raw)))

def when(s):
    m = re.fullmatch(r'(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z', s)
    t = datetime.datetime.strptime(m.group(1), '%Y-%m-%dT%H:%M:%S')
    ms = round(float(m.group(2) or 0) * 1000)
    return t + datetime.timedelta(milliseconds=ms)

def rfc3339(t):
    # as fx_time_format writes it: milliseconds only when not 0
    ms = t.microsecond // 1000
    return t.strftime('%Y-%m-%dT%H:%M:%S') + ('.%03d' % ms if ms else '') + 'Z'

def duration(s):
    m = re.fullmatch(r'P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?', s)
    d, h, mi, se = (int(x or 0) for x in m.groups())
    return datetime.timedelta(days=d, hours=h, minutes=mi, seconds=se)

def tags(lst, group):
    return {t['descriptor']['code']: t['value'] for g in lst
            if g['descriptor']['code'] == group for t in g['list']}

def participation(profile, disc, conf, tamper=None):
    disc = json.load(open(disc))['message']
    conf = json.load(open(conf))['message']
    if profile == 'v2':
        k = conf['contract']
        com = k['commitments'][0]
        ca = com['commitmentAttributes']
        der = com['resources'][0]['id']
        oid = k['id']
        obp = ca.get('eventDetails', {}).get('obpId', '')
        kw = float(ca['requestedReduction'])
        start = when(ca['activationTime'])
        end = start + duration(ca['duration'])
        part = k['participants'][0]
        assert part['id'] == der, part['id']
        sig = part['participantAttributes']['signature']
        signed = when(part['participantAttributes']['signedAt'])
        pub = [r['resourceAttributes']['derPublicKey']
               for c in disc['catalogs'] for r in c['resources'] if r['id'] == der]
    else:
        o = conf['order']
        der = o['items'][0]['id']
        oid = o['id']
        t = tags(o['tags'], 'fluxeon')
        obp = t.get('obp_id', '')
        kw = float(o['items'][0]['quantity']['selected']['measure']['value'])
        stops = {s['type']: when(s['time']['timestamp'])
                 for s in o['fulfillments'][0]['stops']}
        start, end = stops['start'], stops['end']
        sig = t['der_participation']
        signed = when(t['der_signed_at'])
        pub = [tags(i['tags'], 'der')['der_public_key']
               for p in disc['catalog']['providers'] for i in p['items']
               if i['id'] == der]
    if tamper:
        kw += 1
    text = '\n'.join(['fluxeon-participation/1', der, oid, obp, '%.6f' % kw,
                      rfc3339(start), rfc3339(end), rfc3339(signed)])
    key = ed25519.Ed25519PublicKey.from_public_bytes(base64.b64decode(pub[0]))
    try:
        key.verify(base64.b64decode(sig), text.encode())
    except InvalidSignature:
        print('does not verify: %r' % text)
        sys.exit(1)
    print('ok: %s %s' % (der, oid))

{'sign': sign, 'derkey': derkey,
 'participation': participation}[sys.argv[1]](*sys.argv[2:])
PY
)

tool() {
	"$PY" -c "$TOOL" "$@"
}

# --- discovery ---

# discovery P: discover (search) is ACKed, and its callback lists every
# DER of the catalog with its terms and public key, verified and valid.
discovery() {
	local p=$1 a
	a=$(disc "$p")
	dump
	keys
	bpp
	T=$(uuid)
	run --separate-stderr call "m/$p-all.json" --transaction "$T"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 2 ]
	acked "$p"
	# the callback: path, signature by bpp.test, schema, context
	sed -n 2p <<< "$output" | jq -e --arg a "on_$a" '.direction == "in" and
	    .path == "/" + $a and .signature == "ok: bpp.test|k1" and .schema == "ok"' > /dev/null
	cb > cb.json
	if [ "$p" = v2 ]; then
		jq -e --arg t "$T" --arg u "$URL" '.context | .action == "on_discover" and
		    .version == "2.0.0" and .bapId == "bap.test" and .bppId == "bpp.test" and
		    .bppUri == $u and .transactionId == $t' cb.json > /dev/null
		jq -c '.message.catalogs[0] as $c | [$c.resources[] | .id as $id | {id,
		    kw: .resourceAttributes.loadCapacity.max,
		    min: .resourceAttributes.loadCapacity.min,
		    reliability: .resourceAttributes.reliability,
		    price: ($c.offers[] | select(.resourceIds == [$id]) |
		        .considerations[0].considerationAttributes.incentiveDetails.rate),
		    feeders: .resourceAttributes.feeders,
		    window: (.resourceAttributes.availabilityParameters |
		        [.availableFrom, .availableUntil])}] |
		    sort_by(.id)' cb.json > got
		asked=$(jq -c '.message.intent.filters.expression | [scan("[0-9-]{10}T[0-9:]{8}Z")]' m/v2-all.json)
		jq -r '.message.catalogs[0].resources[] | "\(.id) \(.resourceAttributes.derPublicKey)"' cb.json > pubs
	else
		jq -e --arg t "$T" --arg u "$URL" '.context | .action == "on_search" and
		    (.version | startswith("1.1.")) and .bap_id == "bap.test" and
		    .bpp_id == "bpp.test" and .bpp_uri == $u and .transaction_id == $t' cb.json > /dev/null
		jq -c 'def tag($c): [.tags[] | select(.descriptor.code == "der") | .list[] |
		        select(.descriptor.code == $c) | .value][0];
		    [.message.catalog.providers[0].items[] | {id,
		    kw: (.quantity.available.measure.value | tonumber),
		    min: (.quantity.minimum.measure.value | tonumber),
		    reliability: (tag("reliability") | tonumber),
		    price: (.price.value | tonumber),
		    feeders: (tag("feeders") | split(",")),
		    window: [.time.range.start, .time.range.end]}] | sort_by(.id)' cb.json > got
		asked=$(jq -c '[.message.intent.fulfillment.stops[].time.timestamp]' m/v1-all.json)
		jq -r 'def tag($c): [.tags[] | select(.descriptor.code == "der") | .list[] |
		        select(.descriptor.code == $c) | .value][0];
		    .message.catalog.providers[0].items[] | "\(.id) \(tag("der_public_key"))"' cb.json > pubs
	fi
	# every DER of the catalog, with its terms; their availability is open,
	# so offered as the window asked for
	echo "asked $asked"
	[ "$(jq length <<< "$asked")" -eq 2 ]
	jq -c --argjson w "$asked" '[.ders[] | {id: .der_id, kw: .capacity_kw,
	    min: (.constraints.min_kw // 0), reliability, price: .price_per_kwh,
	    feeders: (.location.feeders // [.location.feeder_id]), window: $w}] |
	    sort_by(.id)' "$CATALOG" > want
	diff want got
	# the callback keeps the request's message id
	[ "$(jq -r '.context.messageId // .context.message_id' cb.json)" = \
	    "$(jq -r 'select(.direction == "in") | .message_id' bpp.log)" ]
	# each with a public key of its own: base64 of 32 bytes
	[ "$(wc -l < pubs)" -eq "$(jq '.ders | length' "$CATALOG")" ]
	while read -r der key; do
		[ "$(printf '%s' "$key" | base64 -d | wc -c)" -eq 32 ]
	done < pubs
	[ "$(cut -d' ' -f2 pubs | sort -u | wc -l)" -eq "$(wc -l < pubs)" ]
}

@test "v2: discover is ACKed, then on_discover lists every DER of the catalog with its terms and public key, signed by bpp.test, schema ok" {
	discovery v2
}

@test "v1.1: search is ACKed, then on_search lists every DER of the catalog with its terms and public key, signed by bpp.test, schema ok" {
	discovery v1
}

@test "the DER public keys offered are those fx-bpp(1) says they are derived as, from the BPP's key; a new BPP key, new DER keys" {
	need_crypto "deriving the DER keys"
	dump
	keys
	bpp
	for p in v2 v1; do
		run --separate-stderr call "m/$p-all.json"
		[ "$status" -eq 0 ]
		if [ "$p" = v2 ]; then
			cb | jq -r '.message.catalogs[0].resources[] | "\(.id) \(.resourceAttributes.derPublicKey)"'
		else
			cb | jq -r '.message.catalog.providers[0].items[] | "\(.id) \(.tags[0].list[] |
			    select(.descriptor.code == "der_public_key") | .value)"'
		fi > "pubs.$p"
		[ "$(wc -l < "pubs.$p")" -eq 6 ]
		while read -r der key; do
			[ "$(tool derkey bpp.key "$der")" = "$key" ]
		done < "pubs.$p"
	done
	diff <(sort pubs.v2) <(sort pubs.v1)
	# another BPP key gives other DER keys
	stop
	mv bpp.key old.key
	fx-beckn keygen --id bpp.test --key-id k1 --url http://127.0.0.1:1/beckn --type BPP -o bpp2 > /dev/null
	mv bpp2.key bpp.key
	jq -s . bap.json bpp2.json > reg.json
	bpp
	run --separate-stderr call m/v2-all.json
	[ "$status" -eq 0 ]
	cb | jq -r '.message.catalogs[0].resources[] | "\(.id) \(.resourceAttributes.derPublicKey)"' > pubs.new
	[ -z "$(comm -12 <(cut -d' ' -f2 pubs.v2 | sort) <(cut -d' ' -f2 pubs.new | sort))" ]
	while read -r der key; do
		[ "$(tool derkey bpp.key "$der")" = "$key" ]
	done < pubs.new
}

@test "--aggregator: discovery offers that aggregator's DERs only, as its provider; a DER of another is not offered (30004), both profiles" {
	dump
	keys
	bpp --aggregator agg.northgrid
	jq -r '.ders[] | select(.aggregator_id == "agg.northgrid") | .der_id' "$CATALOG" | sort > want
	[ "$(wc -l < want)" -eq 2 ]
	run --separate-stderr call m/v2-all.json
	[ "$status" -eq 0 ]
	cb | jq -r '.message.catalogs[0].resources[].id' | sort > got
	diff want got
	[ "$(cb | jq -r '.message.catalogs[0].provider.id')" = agg.northgrid ]
	run --separate-stderr call m/v1-all.json
	[ "$status" -eq 0 ]
	cb | jq -r '.message.catalog.providers[0].items[].id' | sort > got
	diff want got
	[ "$(cb | jq -r '.message.catalog.providers[0].id')" = agg.northgrid ]
	for p in v2 v1; do
		jq -c "$(set_der $p did:fx:ev-0042)" "m/$p-select.json" > sel.json
		run --separate-stderr call sel.json
		[ "$status" -eq 1 ]
		[ -z "$stderr" ]
		nack "$p" 400 30004
		[ "$WHY" = "DER did:fx:ev-0042 is not offered by agg.northgrid" ]
	done
	# the BPP is still bpp.test
	grep -q '^fx-bpp: bpp.test (k1) listening on .*, 6 DERs in the catalog$' bpp.err
}

# --- the order lifecycle ---

# expected_kwh P [SHARE]: kW x hours x the DER's reliability (or SHARE)
# of the select template of P, rounded to 3 decimals, from the catalog.
expected_kwh() {
	local kw h der rel
	if [ "$1" = v2 ]; then
		kw=$(jq '.message.contract.commitments[0].commitmentAttributes.requestedReduction' m/v2-select.json)
		h=$(jq '.message.contract.commitments[0].commitmentAttributes.duration |
		    capture("^PT((?<h>[0-9]+)H)?((?<m>[0-9]+)M)?$") |
		    ((.h // "0") | tonumber) + ((.m // "0") | tonumber) / 60' m/v2-select.json)
		der=$(jq -r '.message.contract.commitments[0].resources[0].id' m/v2-select.json)
	else
		kw=$(jq '.message.order.items[0].quantity.selected.measure.value | tonumber' m/v1-select.json)
		h=$(jq '.message.order.fulfillments[0].stops | ((.[1].time.timestamp | fromdateiso8601) -
		    (.[0].time.timestamp | fromdateiso8601)) / 3600' m/v1-select.json)
		der=$(jq -r '.message.order.items[0].id' m/v1-select.json)
	fi
	rel=${2:-$(jq --arg d "$der" '.ders[] | select(.der_id == $d) | .reliability' "$CATALOG")}
	jq -n --argjson kw "$kw" --argjson h "$h" --argjson r "$rel" '$kw * $h * $r * 1000 | round / 1000'
}

# price P: the catalog's price per kWh of the DER the select of P names.
price() {
	jq --arg d "$(jq -r '.message.contract.commitments[0].resources[0].id //
	    .message.order.items[0].id' "m/$1-select.json")" \
	    '.ders[] | select(.der_id == $d) | .price_per_kwh' "$CATALOG"
}

# near A B: the numbers A and B differ by less than 1e-9.
near() {
	jq -en --argjson a "$1" --argjson b "$2" '($a - $b) | fabs < 1e-9' > /dev/null
}

UUID_RE='^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'

@test "v2: select, init, confirm, status, update: DRAFT at the catalog's price, QUOTED, ACTIVE with a contract id and the DER's signature, progress, then COMPLETE with kW x hours x reliability delivered" {
	dump
	keys
	bpp
	book v2
	want=$(expected_kwh v2)
	echo "want $want kWh"
	[ "$want" = 41.65 ]
	der=$(jq -r '.message.contract.commitments[0].resources[0].id' m/v2-select.json)
	# on_select: the draft, at the catalog's price, not yet quoted
	jq -e --arg d "$der" --argjson p "$(price v2)" '.message.contract |
	    (has("id") | not) and .status.code == "DRAFT" and
	    .commitments[0].resources[0].id == $d and
	    .commitments[0].status.descriptor.code == "DRAFT" and
	    .consideration[0].status.code == "OFFERED" and
	    .consideration[0].considerationAttributes.incentiveDetails ==
	        {rate: $p, currency: "GBP", type: "per_kWh_reduced"}' on_select.json > /dev/null
	# on_init: quoted, kW x hours x price to the penny
	quote=$(jq -n --argjson p "$(price v2)" --argjson e "$(expected_kwh v2 1)" '$e * $p * 100 | round / 100')
	jq -e --argjson q "$quote" '.message.contract | .status.code == "DRAFT" and
	    .consideration[0].status.code == "QUOTED" and
	    .consideration[0].considerationAttributes.total == $q' on_init.json > /dev/null
	# on_confirm: active, an order (contract) id, the DER's participation
	[[ "$OID" =~ $UUID_RE ]]
	jq -e --arg d "$der" '.message.contract | .status.code == "ACTIVE" and
	    .commitments[0].status.descriptor.code == "ACTIVE" and
	    .participants[0].id == $d and .participants[0].descriptor.code == "DER" and
	    (.participants[0].participantAttributes | (.signature | test("^[A-Za-z0-9+/]{86}==$")) and
	        (.signedAt | test("^[0-9-]{10}T[0-9:]{8}(\\.[0-9]{3})?Z$")))' on_confirm.json > /dev/null
	# on_status: the window (in 2025) is over: COMPLETED, the energy
	order_call v2 status
	jq -e --arg o "$OID" --argjson w "$want" '.message.contract | .id == $o and
	    .status.code == "ACTIVE" and .performance[0].status.code == "COMPLETED" and
	    .performance[0].performanceAttributes.deliveredEnergy == $w' on_status.json > /dev/null
	# on_update: the COMPLETE
	order_call v2 update
	jq -e --arg o "$OID" '.message.contract | .id == $o and .status.code == "COMPLETE" and
	    .commitments[0].status.descriptor.code == "CLOSED" and
	    .performance[0].status.code == "COMPLETED" and
	    .performance[0].performanceAttributes.deliveredEnergyUnit == "kWh"' on_update.json > /dev/null
	near "$(jq '.message.contract.performance[0].performanceAttributes.deliveredEnergy' on_update.json)" "$want"
	# closed: a cancel now is out of order
	with_order v2 cancel "$OID" > cancel.json
	run --separate-stderr call cancel.json --transaction "$T"
	[ "$status" -eq 1 ]
	nack v2 400 30010
	[ "$WHY" = "order $OID is complete" ]
	# every callback was ACKed by the BAP and logged
	[ "$(jq -c 'select(.direction == "out") | [.action, .http_status, .ack]' bpp.log | tr -d '\n')" = \
	    '["on_select",200,"ACK"]["on_init",200,"ACK"]["on_confirm",200,"ACK"]["on_status",200,"ACK"]["on_update",200,"ACK"]' ]
}

@test "v1.1: select, init, confirm, status, update: the catalog's price, the quote, ACTIVE with an order id and the DER's signature, progress, then COMPLETE with kW x hours x reliability delivered" {
	dump
	keys
	bpp
	book v1
	want=$(expected_kwh v1)
	echo "want $want kWh"
	der=$(jq -r '.message.order.items[0].id' m/v1-select.json)
	jq -e --arg d "$der" --argjson p "$(price v1)" '.message.order | (has("id") | not) and
	    .provider.id == "bpp.test" and .items[0].id == $d and
	    (.items[0].price | .currency == "GBP" and (.value | tonumber) == $p)' on_select.json > /dev/null
	quote=$(jq -n --argjson p "$(price v1)" --argjson e "$(expected_kwh v1 1)" '$e * $p * 100 | round / 100')
	jq -e --argjson q "$quote" '.message.order.quote.price | .currency == "GBP" and
	    (.value | tonumber) == $q' on_init.json > /dev/null
	[[ "$OID" =~ $UUID_RE ]]
	jq -e --arg d "$der" 'def tag($c): [.message.order.tags[] | select(.descriptor.code == "fluxeon") |
	        .list[] | select(.descriptor.code == $c) | .value][0];
	    .message.order.status == "ACTIVE" and .message.order.items[0].id == $d and
	    (tag("der_participation") | test("^[A-Za-z0-9+/]{86}==$")) and
	    (tag("der_signed_at") | test("^[0-9-]{10}T[0-9:]{8}(\\.[0-9]{3})?Z$"))' on_confirm.json > /dev/null
	order_call v1 status
	jq -e --arg o "$OID" '.message.order | .id == $o and .status == "ACTIVE" and
	    .fulfillments[0].state.descriptor.code == "COMPLETED"' on_status.json > /dev/null
	near "$(jq '.message.order.fulfillments[0].tags[] | select(.descriptor.code == "delivery") |
	    .list[] | select(.descriptor.code == "delivered_kwh") | .value | tonumber' on_status.json)" "$want"
	order_call v1 update
	jq -e --arg o "$OID" '.message.order | .id == $o and .status == "COMPLETE" and
	    .fulfillments[0].state.descriptor.code == "COMPLETED"' on_update.json > /dev/null
	got=$(jq -r '.message.order.fulfillments[0].tags[] | select(.descriptor.code == "delivery") |
	    .list[] | select(.descriptor.code == "delivered_kwh") | .value' on_update.json)
	[[ "$got" =~ ^[0-9]+(\.[0-9]{1,3})?$ ]]
	near "$got" "$want"
	with_order v1 cancel "$OID" > cancel.json
	run --separate-stderr call cancel.json --transaction "$T"
	[ "$status" -eq 1 ]
	nack v1 400 30010
	[ "$WHY" = "order $OID is complete" ]
}

@test "confirm then cancel in a transaction of its own: on_cancel CANCELLED with the reason; status still answers, update is then out of order (30010), both profiles" {
	dump
	keys
	bpp
	for p in v2 v1; do
		book "$p"
		order_call "$p" cancel
		if [ "$p" = v2 ]; then
			jq -e --arg o "$OID" '.message.contract | .id == $o and
			    .status.code == "CANCELLED" and
			    .commitments[0].status.descriptor.code == "CLOSED" and
			    .descriptor.shortDesc == "cancelled by the BAP"' on_cancel.json > /dev/null
		else
			jq -e --arg o "$OID" '.message.order | .id == $o and .status == "CANCELLED" and
			    ([.tags[] | select(.descriptor.code == "fluxeon") | .list[] |
			        select(.descriptor.code == "reason") | .value] == ["cancelled by the BAP"])' \
			    on_cancel.json > /dev/null
		fi
		order_call "$p" status
		jq -e '(.message.contract.status.code // .message.order.status) == "CANCELLED"' on_status.json > /dev/null
		with_order "$p" update "$OID" > update.json
		run --separate-stderr call update.json --transaction "$T"
		[ "$status" -eq 1 ]
		nack "$p" 400 30010
		[ "$WHY" = "order $OID is cancelled" ]
	done
}

@test "the on_confirm's participation signature verifies with the DER's key from discovery over fx_bmsg_participation's text (python3 cryptography), both profiles; with a field changed it does not" {
	need_crypto "verifying the DER's Ed25519 participation signature"
	dump
	keys
	bpp
	for p in v2 v1; do
		run --separate-stderr call "m/$p-all.json"
		[ "$status" -eq 0 ]
		cb > "disc.$p.json"
		book "$p"
		run tool participation "$p" "disc.$p.json" on_confirm.json
		echo "$output"
		[ "$status" -eq 0 ]
		[ "$output" = "ok: did:fx:bat-0001 $OID" ]
		run tool participation "$p" "disc.$p.json" on_confirm.json tamper
		[ "$status" -eq 1 ]
		[[ "$output" == "does not verify: "* ]]
	done
}

# --- refusals ---

@test "no signature (send --no-sign): 401, NACK 30016 'header missing', the WWW-Authenticate challenge; both profiles" {
	dump
	keys
	bpp
	for p in v2 v1; do
		run --separate-stderr send --to "$URL" --fresh --no-sign "m/$p-select.json"
		[ "$status" -eq 1 ]
		[ -z "$stderr" ]
		nack "$p" 401 30016
		[ "$WHY" = "authorization: header missing" ]
		[ "$(jq -r .www_authenticate <<< "$output")" = "$CHALLENGE" ]
	done
	[ "$(jq -c '[.profile, .http_status, .ack, .signature]' bpp.log | tr -d '\n')" = \
	    '["v2",401,"NACK","missing: authorization: header missing"]["v1.1",401,"NACK","missing: authorization: header missing"]' ]
}

@test "an expired signature and one created in the future (beyond --skew): 401 30016 with the challenge; within the skew it passes; --skew 0 leaves none" {
	need_crypto "signing raw requests"
	dump
	keys
	bpp
	now=$(date +%s)
	for p in v2 v1; do
		fresh "$p" "$(disc $p)" > b.json
		post "$(disc $p)" b.json "$(tool sign bap.key bap.test k1 b.json $((now - 120)) $((now - 60)))"
		[ "$CODE" = 401 ]
		shape "$p" 30016 ans.json
		[[ "$WHY" == "authorization: expired at $((now - 60)) (now "*", skew 30 s)" ]]
		[ "$(www)" = "$CHALLENGE" ]
		post "$(disc $p)" b.json "$(tool sign bap.key bap.test k1 b.json $((now + 120)) $((now + 150)))"
		[ "$CODE" = 401 ]
		shape "$p" 30016 ans.json
		[[ "$WHY" == "authorization: created $((now + 120)) is in the future (now "*", skew 30 s)" ]]
		[ "$(www)" = "$CHALLENGE" ]
		# expired 10 s ago: within the 30 s of skew
		post "$(disc $p)" b.json "$(tool sign bap.key bap.test k1 b.json $((now - 40)) $((now - 10)))"
		[ "$CODE" = 200 ]
	done
	# --skew 0: a signature that expired a second ago is refused
	stop
	bpp --skew 0
	fresh v2 discover > b.json
	now=$(date +%s)
	post discover b.json "$(tool sign bap.key bap.test k1 b.json $((now - 30)) $((now - 2)))"
	[ "$CODE" = 401 ]
	shape v2 30016 ans.json
	[[ "$WHY" == *"skew 0 s)" ]]
}

@test "a key not in the registry: an unknown subscriber, and an unknown key id of a known one: 401 30016 with the challenge, both profiles" {
	dump
	keys
	fx-beckn keygen --id bap.rogue --key-id k1 --url http://127.0.0.1:1/beckn -o rogue > /dev/null
	bpp
	for p in v2 v1; do
		run --separate-stderr fx-beckn send --id bap.rogue --key rogue.key --schemas "$SCHEMAS" \
		    --to "$URL" --fresh "m/$p-select.json"
		[ "$status" -eq 1 ]
		nack "$p" 401 30016
		[ "$WHY" = "bap.rogue: unknown subscriber" ]
		[ "$(jq -r .www_authenticate <<< "$output")" = "$CHALLENGE" ]
		# bap.test's name with another key: its key id k2 is unknown
		run --separate-stderr fx-beckn send --id bap.test --key rogue.key --key-id k2 \
		    --schemas "$SCHEMAS" --to "$URL" --fresh "m/$p-select.json"
		[ "$status" -eq 1 ]
		nack "$p" 401 30016
		[ "$WHY" = "key k2 of bap.test: unknown key id" ]
		# and under bap.test's key id: does not verify
		run --separate-stderr fx-beckn send --id bap.test --key rogue.key \
		    --schemas "$SCHEMAS" --to "$URL" --fresh "m/$p-select.json"
		[ "$status" -eq 1 ]
		nack "$p" 401 30016
		[[ "$WHY" == *"does not verify"* ]]
	done
	# an unknown key is a "bad public key" in the log, the wrong one a "bad signature"
	[ "$(jq -r .signature bpp.log | cut -d: -f1 | sort | uniq -c | tr -s ' ')" = " 4 bad public key
 2 bad signature" ]
}

@test "signed by a registered BAP, but the context names another BAP: 401 30016 with the challenge, both profiles" {
	need_crypto "signing raw requests"
	dump
	keys
	bpp
	for p in v2 v1; do
		if [ "$p" = v2 ]; then b='.context.bapId = "bap.other"'; else b='.context.bap_id = "bap.other"'; fi
		fresh "$p" select "$b" > b.json
		post select b.json "$(tool sign bap.key bap.test k1 b.json)"
		[ "$CODE" = 401 ]
		shape "$p" 30016 ans.json
		[ "$WHY" = "signed by bap.test, but the context's BAP is bap.other" ]
		[ "$(www)" = "$CHALLENGE" ]
		# the same, naming bap.test: ACK
		fresh "$p" select > b.json
		post select b.json "$(tool sign bap.key bap.test k1 b.json)"
		[ "$CODE" = 200 ]
	done
}

@test "the body altered after signing (one byte, or a member added): 401 30016 'does not verify', both profiles" {
	need_crypto "signing raw requests"
	dump
	keys
	bpp
	for p in v2 v1; do
		fresh "$p" select > b.json
		auth=$(tool sign bap.key bap.test k1 b.json)
		sed 's/42\.5/42.6/' b.json > alt.json
		! cmp -s b.json alt.json
		post select alt.json "$auth"
		[ "$CODE" = 401 ]
		shape "$p" 30016 ans.json
		[ "$WHY" = "authorization: signature by 'bap.test|k1' does not verify (wrong key, or altered body or signature)" ]
		[ "$(www)" = "$CHALLENGE" ]
		jq -c '. + {x: 1}' b.json > alt.json
		post select alt.json "$auth"
		[ "$CODE" = 401 ]
		# the body as signed: ACK
		post select b.json "$auth"
		[ "$CODE" = 200 ]
	done
}

@test "malformed Authorization headers: another algorithm, a keyId of 2 fields, a parameter twice, another scheme, a short signature: 401 30016 each with its reason and the challenge" {
	need_crypto "signing raw requests"
	dump
	keys
	bpp
	for p in v2 v1; do
		fresh "$p" select > b.json
		auth=$(tool sign bap.key bap.test k1 b.json)
		post select b.json "${auth/algorithm=\"ed25519\"/algorithm=\"rsa-sha256\"}"
		[ "$CODE" = 401 ]
		shape "$p" 30016 ans.json
		[ "$WHY" = "authorization: algorithm 'rsa-sha256': expected 'ed25519'" ]
		[ "$(www)" = "$CHALLENGE" ]
		post select b.json "${auth/bap.test|k1|ed25519/bap.test|k1}"
		[ "$CODE" = 401 ]
		shape "$p" 30016 ans.json
		[ "$WHY" = "authorization: keyId 'bap.test|k1' has 2 fields: expected 'subscriber|key_id|ed25519'" ]
		[ "$(www)" = "$CHALLENGE" ]
		post select b.json "$auth,created=\"$(date +%s)\""
		[ "$CODE" = 401 ]
		shape "$p" 30016 ans.json
		[ "$WHY" = "authorization: parameter 'created' given twice" ]
		[ "$(www)" = "$CHALLENGE" ]
		post select b.json "${auth/Signature /Bearer }"
		[ "$CODE" = 401 ]
		shape "$p" 30016 ans.json
		[ "$WHY" = "authorization: scheme 'Bearer': expected 'Signature'" ]
		[ "$(www)" = "$CHALLENGE" ]
		post select b.json "$(sed 's/signature="[^"]*"/signature="AAAA"/' <<< "$auth")"
		[ "$CODE" = 401 ]
		shape "$p" 30016 ans.json
		[ "$WHY" = "authorization: signature: base64 of 3 bytes, expected 64" ]
		[ "$(www)" = "$CHALLENGE" ]
	done
	# the log names each failure
	[ "$(jq -r '.signature | sub(":.*"; "")' bpp.log | sort | uniq -c | tr -s ' ')" = " 2 bad algorithm
 2 bad keyid
 2 bad scheme
 2 bad signature format
 2 duplicate parameter" ]
}

@test "a schema violation (the DER id removed, sent with --no-validate): 400 NACK 30001 naming the path, both profiles" {
	dump
	keys
	bpp
	jq 'del(.message.contract.commitments[0].resources[0].id)' m/v2-select.json > bad.json
	run --separate-stderr send --to "$URL" --fresh --no-validate bad.json
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	nack v2 400 30001
	[ "$WHY" = "/message/contract/commitments/0/resources/0: required property 'id' missing" ]
	jq 'del(.message.order.items[0].id)' m/v1-select.json > bad.json
	run --separate-stderr send --to "$URL" --fresh --no-validate bad.json
	[ "$status" -eq 1 ]
	nack v1 400 30001
	[ "$WHY" = "/message/order/items/0: required property 'id' missing" ]
	# logged with the schema's verdict
	[ "$(jq -r .schema bpp.log | tr '\n' '|')" = "invalid: /message/contract/commitments/0/resources/0: required property 'id' missing|invalid: /message/order/items/0: required property 'id' missing|" ]
}

@test "a replay: the same message twice: ACK, then 400 NACK 30011; both profiles" {
	dump
	keys
	bpp
	for p in v2 v1; do
		fresh "$p" "$(disc $p)" > once.json
		run --separate-stderr send --to "$URL" once.json
		[ "$status" -eq 0 ]
		acked "$p"
		run --separate-stderr send --to "$URL" once.json
		[ "$status" -eq 1 ]
		nack "$p" 400 30011
		m=$(jq -r '.context.messageId // .context.message_id' once.json)
		[ "$WHY" = "message $m was seen before (a replay)" ]
	done
}

@test "forgetting: a message id is held while its message could be accepted (ttl + --skew; without a ttl, the signature's expires + --skew), a replay inside that window still refused once others are forgotten; a transaction --forget after its last request, a confirmed order not before its window ends; the summary counts them" {
	need_crypto "signing a raw request"
	dump
	keys
	bpp --skew 0 --forget 5s
	# held: a ttl of 5 minutes
	fresh v2 discover '.context.ttl = "PT5M"' > long.json
	run --separate-stderr send --to "$URL" long.json
	[ "$status" -eq 0 ]
	acked v2
	# forgotten: five with a ttl of 3 s, one without a ttl signed for 3 s
	for i in 1 2 3 4 5; do
		fresh v2 discover '.context.ttl = "PT3S"' > "short$i.json"
		run --separate-stderr send --to "$URL" "short$i.json"
		[ "$status" -eq 0 ]
		acked v2
	done
	fresh v2 discover 'del(.context.ttl)' | tr -d '\n' > nottl.json
	now=$(date +%s)
	AUTH=$(tool sign bap.key bap.test k1 nottl.json "$now" $((now + 3)))
	post discover nottl.json "$AUTH"
	[ "$CODE" = 200 ]
	# transactions: a draft never confirmed, an order whose window is
	# over, and one whose window is tomorrow (their messages' ttl 3 s)
	fresh v2 select '.context.ttl = "PT3S"' > draft.json
	run --separate-stderr send --to "$URL" draft.json
	[ "$status" -eq 0 ]
	acked v2
	DRAFT=$(jq -r .context.transactionId draft.json)
	tomorrow=$(date -u -d '+1 day' +%Y-%m-%dT%H:00:00Z)
	for a in select init confirm; do
		jq -c '.context.ttl = "PT3S"' "m/v2-$a.json" > "m/v2short-$a.json"
		jq -c --arg t "$tomorrow" '.context.ttl = "PT3S" |
		    .message.contract.commitments[0].commitmentAttributes.activationTime = $t' \
		    "m/v2-$a.json" > "m/v2future-$a.json"
	done
	cp m/v2-status.json m/v2future-status.json
	book v2short
	PAST_T=$T PAST_OID=$OID
	book v2future
	# ttl, signatures and --forget all past, and a pass of the pruning
	sleep 7
	# the message still in its window, sent again (signed afresh): a replay
	run --separate-stderr send --to "$URL" long.json
	[ "$status" -eq 1 ]
	nack v2 400 30011
	[ "$WHY" = "message $(jq -r .context.messageId long.json) was seen before (a replay)" ]
	# forgotten ones, sent again, are refused all the same: past the ttl,
	# the very request past its signature
	run --separate-stderr send --to "$URL" short1.json
	[ "$status" -eq 1 ]
	nack v2 400 30012
	post discover nottl.json "$AUTH"
	[ "$CODE" = 401 ]
	shape v2 30016 ans.json
	[[ "$WHY" == "authorization: expired at $((now + 3)) (now "*", skew 0 s)" ]]
	# the draft and the closed order are gone: 30009
	fresh v2 init ".context.transactionId = \"$DRAFT\"" > init.json
	run --separate-stderr send --to "$URL" init.json
	[ "$status" -eq 1 ]
	nack v2 400 30009
	[ "$WHY" = "no transaction $DRAFT here (select first)" ]
	with_order v2 status "$PAST_OID" > status.json
	run --separate-stderr send --to "$URL" --fresh --transaction "$PAST_T" status.json
	[ "$status" -eq 1 ]
	nack v2 400 30009
	# the order of tomorrow is still there
	order_call v2future status
	jq -e --arg o "$OID" '.message.contract | .id == $o and .status.code == "ACTIVE"' on_status.json > /dev/null
	stop
	[ "$BPP_STATUS" -eq 0 ]
	# held: long.json's id, and those of init, and the two status; the
	# 5 + 1 discovers, the draft and the two bookings' 6 forgotten; of the
	# transactions, tomorrow's order held, the draft and the other not
	[[ "$(tail -n 1 bpp.err)" == "fx-bpp: 20 requests: 15 ACK, 5 NACK (1 unsigned or badly signed, 0 invalid); 2 orders, 0 declined; 4 message ids and 1 transactions held, 13 and 2 forgotten; "* ]]
}

@test "memory stays bounded: 20 discovers with a ttl of 6 s, then after 8 s 3 more: only the 3 message ids are held at the end, the 20 forgotten" {
	dump
	keys
	bpp --skew 0
	for i in $(seq 20); do
		fresh v2 discover '.context.ttl = "PT6S"' | send --to "$URL" > /dev/null
	done
	sleep 8
	for i in 1 2 3; do
		fresh v2 discover '.context.ttl = "PT6S"' | send --to "$URL" > /dev/null
	done
	stop
	[ "$BPP_STATUS" -eq 0 ]
	[[ "$(tail -n 1 bpp.err)" == "fx-bpp: 23 requests: 23 ACK, 0 NACK (0 unsigned or badly signed, 0 invalid); 0 orders, 0 declined; 3 message ids and 0 transactions held, 20 and 0 forgotten; "* ]]
}

@test "a stale message (the template's 2025 timestamp, ttl PT30S): 400 NACK 30012; 20 s old it passes (ttl + skew), 2 min old it does not; both profiles" {
	dump
	keys
	bpp
	for p in v2 v1; do
		# the templates are from 2025-11-17, with a ttl of 30 s
		jq -e '.context.timestamp == "2025-11-17T14:33:20Z" and .context.ttl == "PT30S"' "m/$p-select.json"
		run --separate-stderr send --to "$URL" "m/$p-select.json"
		[ "$status" -eq 1 ]
		nack "$p" 400 30012
		[ "$WHY" = "the message is past its ttl" ]
		fresh "$p" "$(disc $p)" ".context.timestamp = \"$(date -u -d '-20 sec' +%Y-%m-%dT%H:%M:%SZ)\"" > m.json
		run --separate-stderr send --to "$URL" m.json
		[ "$status" -eq 0 ]
		fresh "$p" "$(disc $p)" ".context.timestamp = \"$(date -u -d '-2 min' +%Y-%m-%dT%H:%M:%SZ)\"" > m.json
		run --separate-stderr send --to "$URL" m.json
		[ "$status" -eq 1 ]
		nack "$p" 400 30012
	done
}

@test "an unknown transaction: status, init or update in one never selected: 400 NACK 30009; a status naming another order: 30009; both profiles" {
	dump
	keys
	bpp
	for p in v2 v1; do
		for a in status init update; do
			t=$(uuid)
			run --separate-stderr call "m/$p-$a.json" --transaction "$t"
			[ "$status" -eq 1 ]
			[ -z "$stderr" ]
			nack "$p" 400 30009
			[ "$WHY" = "no transaction $t here (select first)" ]
		done
		book "$p"
		other=$(uuid)
		with_order "$p" status "$other" > st.json
		run --separate-stderr call st.json --transaction "$T"
		[ "$status" -eq 1 ]
		nack "$p" 400 30009
		[ "$WHY" = "order $other is not transaction $T's" ]
	done
}

@test "actions out of order: confirm before init, status before confirm, select after confirm, confirm twice: 400 NACK 30010; both profiles" {
	dump
	keys
	bpp
	for p in v2 v1; do
		t=$(uuid)
		run --separate-stderr call "m/$p-select.json" --transaction "$t"
		[ "$status" -eq 0 ]
		run --separate-stderr call "m/$p-confirm.json" --transaction "$t"
		[ "$status" -eq 1 ]
		nack "$p" 400 30010
		[ "$WHY" = "confirm before init in $t" ]
		run --separate-stderr call "m/$p-status.json" --transaction "$t"
		[ "$status" -eq 1 ]
		nack "$p" 400 30010
		[ "$WHY" = "transaction $t has no confirmed order" ]
		book "$p"
		for a in select confirm; do
			run --separate-stderr call "m/$p-$a.json" --transaction "$T"
			[ "$status" -eq 1 ]
			nack "$p" 400 30010
			[ "$WHY" = "transaction $T is already confirmed" ]
		done
	done
}

@test "a DER not in the catalog: 400 NACK 30004, both profiles" {
	dump
	keys
	bpp
	for p in v2 v1; do
		jq -c "$(set_der $p did:fx:nope-9)" "m/$p-select.json" > sel.json
		run --separate-stderr call sel.json
		[ "$status" -eq 1 ]
		[ -z "$stderr" ]
		nack "$p" 400 30004
		[ "$WHY" = "DER did:fx:nope-9 is not offered by bpp.test" ]
	done
}

@test "terms the DER cannot meet: kW above its capacity, below its minimum, a window longer or shorter than it runs; an init changing the kW: 400 NACK 40002, both profiles" {
	dump
	keys
	bpp
	cap=$(jq '.ders[] | select(.der_id == "did:fx:bat-0001") | .capacity_kw' "$CATALOG")
	min=$(jq '.ders[] | select(.der_id == "did:fx:bat-0001") | .constraints.min_kw' "$CATALOG")
	for p in v2 v1; do
		jq -c "$(set_kw $p 500)" "m/$p-select.json" > sel.json
		run --separate-stderr call sel.json
		[ "$status" -eq 1 ]
		nack "$p" 400 40002
		[ "$WHY" = "500 kW asked, did:fx:bat-0001 offers $cap" ]
		jq -c "$(set_kw $p 5)" "m/$p-select.json" > sel.json
		run --separate-stderr call sel.json
		[ "$status" -eq 1 ]
		nack "$p" 400 40002
		[ "$WHY" = "5 kW asked, did:fx:bat-0001 needs at least $min" ]
		if [ "$p" = v2 ]; then
			w='.message.contract.commitments[0].commitmentAttributes.duration = "PT2H"'
		else
			w='.message.order.fulfillments[0].stops[1].time.timestamp = "2025-11-17T20:00:00Z"'
		fi
		jq -c "$w" "m/$p-select.json" > sel.json
		run --separate-stderr call sel.json
		[ "$status" -eq 1 ]
		nack "$p" 400 40002
		[ "$WHY" = "120 minutes asked, did:fx:bat-0001 runs at most 60" ]
		# did:fx:ev-0042 runs 30 minutes at least
		if [ "$p" = v2 ]; then
			w='.message.contract.commitments[0].commitmentAttributes.duration = "PT15M"'
		else
			w='.message.order.fulfillments[0].stops[1].time.timestamp = "2025-11-17T18:15:00Z"'
		fi
		jq -c "$(set_der $p did:fx:ev-0042) | $w" "m/$p-select.json" > sel.json
		run --separate-stderr call sel.json
		[ "$status" -eq 1 ]
		nack "$p" 400 40002
		[ "$WHY" = "15 minutes asked, did:fx:ev-0042 runs at least $(jq '.ders[] |
		    select(.der_id == "did:fx:ev-0042") | .constraints.min_duration_min' "$CATALOG")" ]
		# selected at 42.5 kW, then an init of 50
		t=$(uuid)
		run --separate-stderr call "m/$p-select.json" --transaction "$t"
		[ "$status" -eq 0 ]
		jq -c "$(set_kw $p 50)" "m/$p-init.json" > init.json
		run --separate-stderr call init.json --transaction "$t"
		[ "$status" -eq 1 ]
		nack "$p" 400 40002
		[ "$WHY" = "init changes the selected DER, kW or window" ]
	done
}

@test "a callback action posted to the BPP (/on_select), an action not the path's, an unknown path: 400 NACK 30000 (the schema's 30001 first when there is one), both profiles" {
	dump
	keys
	bpp
	for p in v2 v1; do
		run --separate-stderr send --to "$URL" --fresh "m/$p-on_select.json"
		[ "$status" -eq 1 ]
		nack "$p" 400 30000
		[ "$WHY" = "/on_select: a callback; a BPP takes requests" ]
	done
	need_crypto "signing raw requests"
	# a select posted to /init: the init schema's action fails first
	for p in v2 v1; do
		fresh "$p" select > b.json
		post init b.json "$(tool sign bap.key bap.test k1 b.json)"
		[ "$CODE" = 400 ]
		shape "$p" 30001 ans.json
		[[ "$WHY" == "/context/action: "* ]]
		post rate b.json "$(tool sign bap.key bap.test k1 b.json)"
		[ "$CODE" = 400 ]
		shape "$p" 30000 ans.json
		[ "$WHY" = "/context/action: 'select' posted to /rate" ]
	done
	# without schemas, the context check says it
	stop
	mkdir none
	mkdir -p none
	bpp --schemas none
	grep -q '^fx-bpp: warning: no Beckn schemas found' bpp.err
	for p in v2 v1; do
		fresh "$p" select > b.json
		post init b.json "$(tool sign bap.key bap.test k1 b.json)"
		[ "$CODE" = 400 ]
		shape "$p" 30000 ans.json
		[ "$WHY" = "/context/action: 'select' posted to /init" ]
	done
}

@test "invalid JSON (curl): 400 NACK 30001 'invalid JSON', v1.1's shape on /search, v2's elsewhere; an empty body too" {
	keys
	bpp
	printf '{"context":' > bad.json
	post select bad.json
	[ "$CODE" = 400 ]
	shape v2 30001 ans.json
	[[ "$WHY" == "invalid JSON: "* ]]
	post discover bad.json
	[ "$CODE" = 400 ]
	shape v2 30001 ans.json
	post search bad.json
	[ "$CODE" = 400 ]
	shape v1 30001 ans.json
	[[ "$WHY" == "invalid JSON: "* ]]
	: > empty.json
	post select empty.json
	[ "$CODE" = 400 ]
	shape v2 30001 ans.json
	[ "$(jq -c '[.http_status, .ack, .schema]' bpp.log | sort -u)" = '[400,"NACK","invalid JSON"]' ]
}

@test "GET, PUT or DELETE: 405 'POST a Beckn message', not counted as a request" {
	keys
	bpp
	for m in GET PUT DELETE; do
		code=$(curl -s -o ans.json -w '%{http_code}' -X "$m" "$URL/discover")
		[ "$code" = 405 ]
		[ "$(cat ans.json)" = '{"error":{"code":"405","message":"POST a Beckn message"}}' ]
	done
	[ ! -s bpp.log ]
	stop
	[[ "$(tail -n 1 bpp.err)" == "fx-bpp: 0 requests: "* ]]
}

# --- failure injection ---

# ms: jq's milliseconds since 1970 of an RFC 3339 time with or without
# milliseconds.
MS='def ms: capture("^(?<s>.{19})(\\.(?<f>[0-9]{3}))?Z$") |
    (.s + "Z" | fromdateiso8601) * 1000 + ((.f // "0") | tonumber);'

@test "--latency 300ms: the callback comes, 300 ms or more after the request (the BAP's wait and fx-bpp's records), both profiles" {
	dump
	keys
	bpp --latency 300ms
	for p in v2 v1; do
		t0=$(date +%s%N)
		run --separate-stderr call "m/$p-$(disc $p).json"
		t1=$(date +%s%N)
		[ "$status" -eq 0 ]
		[ "${#lines[@]}" -eq 2 ]
		echo "send took $(( (t1 - t0) / 1000000 )) ms"
		[ $(( (t1 - t0) / 1000000 )) -ge 300 ]
	done
	# each callback logged at least 300 ms after its request
	[ "$(jq -sr "$MS"' [.[] | select(.action | test("discover|search"))] |
	    (.[0].timestamp | ms) as $a | (.[1].timestamp | ms) as $b |
	    (.[2].timestamp | ms) as $c | (.[3].timestamp | ms) as $d |
	    [.[].direction] == ["in", "out", "in", "out"] and $b - $a >= 300 and $d - $c >= 300' bpp.log)" = true ]
}

@test "--nack-rate 1: every request is refused, 400 NACK 50001, and none called back; both profiles" {
	dump
	keys
	bpp --nack-rate 1
	for p in v2 v1; do
		for a in "$(disc $p)" select; do
			run --separate-stderr call "m/$p-$a.json"
			[ "$status" -eq 1 ]
			[ -z "$stderr" ]
			nack "$p" 400 50001
			[ "$WHY" = "sandbox: an injected NACK (--nack-rate)" ]
		done
	done
	[ "$(jq -c '[.direction, .http_status, .ack, .error]' bpp.log | sort | uniq -c | tr -s ' ')" = ' 4 ["in",400,"NACK","injected"]' ]
}

@test "--decline-rate 1: the confirm is ACKed and its on_confirm says CANCELLED, 'declined by the aggregator', with an order id and no participation; then status is out of order; both profiles" {
	dump
	keys
	bpp --decline-rate 1
	for p in v2 v1; do
		T=$(uuid)
		for a in select init; do
			run --separate-stderr call "m/$p-$a.json" --transaction "$T"
			[ "$status" -eq 0 ]
		done
		run --separate-stderr call "m/$p-confirm.json" --transaction "$T"
		echo "$output $stderr"
		[ "$status" -eq 0 ]
		acked "$p"
		cb > on_confirm.json
		if [ "$p" = v2 ]; then
			jq -e '.message.contract | .status.code == "CANCELLED" and
			    .descriptor.shortDesc == "declined by the aggregator" and
			    (has("participants") | not)' on_confirm.json
		else
			jq -e '.message.order | .status == "CANCELLED" and
			    ([.tags[] | select(.descriptor.code == "fluxeon") | .list[] |
			        select(.descriptor.code == "reason") | .value] == ["declined by the aggregator"]) and
			    ([.tags[].list[].descriptor.code] | index("der_participation") | not)' on_confirm.json
		fi
		[[ "$(jq -r '.message.contract.id // .message.order.id' on_confirm.json)" =~ $UUID_RE ]]
		run --separate-stderr call "m/$p-status.json" --transaction "$T"
		[ "$status" -eq 1 ]
		nack "$p" 400 30010
		[ "$WHY" = "transaction $T has no confirmed order" ]
	done
	! grep -q 'internal error' bpp.err
	stop
	[ "$(tail -n 1 bpp.err)" = "fx-bpp: 8 requests: 6 ACK, 2 NACK (0 unsigned or badly signed, 0 invalid); 0 orders, 2 declined; 8 message ids and 2 transactions held, 0 and 0 forgotten; 6 callbacks, 0 not delivered" ]
}

@test "--silent-rate 1: ACK, but no callback ever: send --wait 1s exits 1; logged in, never out; both profiles" {
	dump
	keys
	bpp --silent-rate 1
	for p in v2 v1; do
		t=$(uuid)
		run --separate-stderr call "m/$p-$(disc $p).json" --transaction "$t" --wait 1s
		[ "$status" -eq 1 ]
		[ "${#lines[@]}" -eq 1 ]
		acked "$p"
		[ "$stderr" = "fx-beckn: send: no callback for transaction $t in time" ]
	done
	sleep 0.5
	[ "$(jq -c '[.direction, .http_status, .ack]' bpp.log | tr -d '\n')" = '["in",200,"ACK"]["in",200,"ACK"]' ]
}

@test "--partial 0.5: the COMPLETE's delivered energy is half the booked kWh, not the reliability's share; both profiles" {
	dump
	keys
	bpp --partial 0.5
	for p in v2 v1; do
		book "$p"
		order_call "$p" update
		want=$(expected_kwh "$p" 0.5)
		echo "want $want"
		[ "$want" = 21.25 ]
		got=$(jq '.message.contract.performance[0].performanceAttributes.deliveredEnergy //
		    (.message.order.fulfillments[0].tags[] | select(.descriptor.code == "delivery") |
		    .list[] | select(.descriptor.code == "delivered_kwh") | .value | tonumber)' on_update.json)
		near "$got" "$want"
	done
}

@test "--down 0:1h: every request answered 503 with NACK 50002 in its profile, whatever its signature or body; both profiles" {
	dump
	keys
	bpp --down 0:1h
	for f in v2-discover v2-select v1-search v1-select; do
		p=${f%%-*}
		run --separate-stderr call "m/$f.json"
		[ "$status" -eq 1 ]
		nack "$p" 503 50002
		[ "$WHY" = "the aggregator is down (sandbox --down)" ]
	done
	run --separate-stderr send --to "$URL" --fresh --no-sign m/v2-select.json
	nack v2 503 50002
	printf 'x' > bad.json
	post select bad.json
	[ "$CODE" = 503 ]
	shape v2 50002 ans.json
	[ "$(jq -c '[.http_status, .ack, .error]' bpp.log | sort -u)" = '[503,"NACK","down"]' ]
	[ "$(jq -r .profile bpp.log | tr '\n' ' ')" = "v2 v2 v1.1 v1.1 v2 v2 " ]
	# --down 1h:2h: up now
	stop
	bpp --down 1h:2h
	run --separate-stderr call m/v2-discover.json
	[ "$status" -eq 0 ]
}

# acks OPTION...: the ACK/NACK of 10 discovers to a new fx-bpp with the
# options, on one line; the NACKs are all 50001.
acks() {
	local i
	bpp "$@"
	for i in $(seq 10); do
		fresh v2 discover > d.json
		send --to "$URL" d.json > ans.rec || true
		jq -r '.ack + (if .ack == "NACK" then " " + .answer.error.errorCode else "" end)' ans.rec
	done | tr '\n' ' '
	stop
}

@test "--seed: with --nack-rate 0.5, the same seed gives the same ACK/NACK sequence of 10 requests in two runs; another seed another" {
	dump
	keys
	a=$(acks --nack-rate 0.5 --seed 7)
	b=$(acks --nack-rate 0.5 --seed 7)
	c=$(acks --nack-rate 0.5 --seed 8)
	echo "seed 7: $a"
	echo "seed 7: $b"
	echo "seed 8: $c"
	[ "$a" = "$b" ]
	[ "$a" != "$c" ]
	[[ "$a" == *"ACK "* && "$a" == *"NACK 50001"* ]]
	[ "$(tr ' ' '\n' <<< "$a" | grep -c '^N*ACK$')" -eq 10 ]
	# the default seed is fixed too
	[ "$(acks --nack-rate 0.5)" = "$(acks --nack-rate 0.5 --seed 1)" ]
}

# --- the records and the summary ---

@test "stdout: one beckn record per message in and out, each valid against schemas/records/beckn.json, with the checks made; --payloads adds the messages" {
	need_crypto "signing a raw request"
	dump
	keys
	bpp --payloads
	run --separate-stderr call m/v2-discover.json
	[ "$status" -eq 0 ]
	t=$(cb | jq -r .context.transactionId)
	book v1
	run --separate-stderr send --to "$URL" --fresh --no-sign m/v2-select.json
	printf 'nope' > bad.json
	post select bad.json
	jq 'del(.message.order.items[0].id)' m/v1-select.json > bad.json
	run --separate-stderr send --to "$URL" --fresh --no-validate bad.json
	run --separate-stderr send --to "$URL" m/v2-select.json
	fresh v2 discover | tr -d '\n' > nowhere.json
	post discover nowhere.json "$(tool sign bap.key bap.test k1 nowhere.json)"
	[ "$CODE" = 200 ]
	# 9 requests in, 5 callbacks out (the last to nowhere)
	for i in $(seq 100); do
		[ "$(grep -c '"direction":"out"' bpp.log)" -eq 5 ] && break
		sleep 0.1
	done
	stop
	[ "$BPP_STATUS" -eq 0 ]
	[ "$(wc -l < bpp.log)" -eq 14 ]
	validate bpp.log
	[ "$(jq -c '[.direction, .profile, .action, .http_status, .ack]' bpp.log | tr -d '\n')" = \
	    '["in","v2","discover",200,"ACK"]["out","v2","on_discover",200,"ACK"]["in","v1.1","select",200,"ACK"]["out","v1.1","on_select",200,"ACK"]["in","v1.1","init",200,"ACK"]["out","v1.1","on_init",200,"ACK"]["in","v1.1","confirm",200,"ACK"]["out","v1.1","on_confirm",200,"ACK"]["in","v2","select",401,"NACK"]["in","v2","select",400,"NACK"]["in","v1.1","select",400,"NACK"]["in","v2","select",400,"NACK"]["in","v2","discover",200,"ACK"]["out","v2","on_discover",0,null]' ]
	# what each says: the request's ids, the checks, why refused
	sed -n 1p bpp.log | jq -e --arg t "$t" '.transaction_id == $t and .bap_id == "bap.test" and
	    .bpp_id == "bpp.test" and .signature == "ok: bap.test|k1" and .schema == "ok" and
	    (.message_id | test("^[-0-9a-f]{36}$")) and .payload.context.transactionId == $t'
	sed -n 2p bpp.log | jq -e --arg t "$t" '.transaction_id == $t and .signature == "signed" and
	    .payload.context.action == "on_discover" and .payload.context.messageId == .message_id'
	sed -n 9p bpp.log | jq -e '.signature == "missing: authorization: header missing" and
	    .error == "authorization: header missing" and (has("transaction_id") | not)'
	sed -n 10p bpp.log | jq -e '.schema == "invalid JSON" and (.error | startswith("invalid JSON: "))'
	sed -n 11p bpp.log | jq -e '.schema == "invalid: /message/order/items/0: required property '"'id'"' missing"'
	sed -n 12p bpp.log | jq -e '.error == "stale"'
	sed -n 14p bpp.log | jq -e '.error | type == "string" and length > 0'
	# the summary
	[ "$(tail -n 1 bpp.err)" = "fx-bpp: 9 requests: 5 ACK, 4 NACK (1 unsigned or badly signed, 2 invalid); 1 orders, 0 declined; 5 message ids and 1 transactions held, 0 and 0 forgotten; 5 callbacks, 1 not delivered" ]
}

@test "--payloads: a request of several lines (pretty-printed JSON) still makes one record of one line" {
	need_crypto "signing a raw request"
	dump
	keys
	bpp --payloads
	fresh v2 discover | jq . > pretty.json
	[ "$(wc -l < pretty.json)" -gt 10 ]
	post discover pretty.json "$(tool sign bap.key bap.test k1 pretty.json)"
	[ "$CODE" = 200 ]
	for i in $(seq 50); do
		[ "$(grep -c '"direction":"out"' bpp.log)" -eq 1 ] && break
		sleep 0.1
	done
	stop
	[ "$(wc -l < bpp.log)" -eq 2 ]
	validate bpp.log
	[ "$(sed -n 1p bpp.log | jq -c .payload)" = "$(jq -c . pretty.json)" ]
}

@test "without --payloads no record carries a payload" {
	dump
	keys
	bpp
	book v2
	stop
	[ "$(wc -l < bpp.log)" -eq 6 ]
	validate bpp.log
	[ "$(jq -c 'has("payload")' bpp.log | sort -u)" = false ]
}

@test "SIGTERM (or SIGINT): exit 0, the start line and the summary on stderr with the counts; -q: nothing on stderr" {
	dump
	keys
	bpp
	book v2
	run --separate-stderr send --to "$URL" --fresh --no-sign m/v2-select.json
	stop
	[ "$BPP_STATUS" -eq 0 ]
	[ "$(wc -l < bpp.err)" -eq 2 ]
	[ "$(sed -n 1p bpp.err)" = "fx-bpp: bpp.test (k1) listening on $URL, 6 DERs in the catalog" ]
	[ "$(sed -n 2p bpp.err)" = "fx-bpp: 4 requests: 3 ACK, 1 NACK (1 unsigned or badly signed, 0 invalid); 1 orders, 0 declined; 3 message ids and 1 transactions held, 0 and 0 forgotten; 3 callbacks, 0 not delivered" ]
	# SIGINT alike (once it serves: see the next test)
	bpp
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/")" = 405 ]
	kill -INT "$BPP"
	rc=0
	wait "$BPP" || rc=$?
	BG_PIDS=${BG_PIDS/ $BPP/}
	[ "$rc" -eq 0 ]
	[ "$(tail -n 1 bpp.err)" = "fx-bpp: 0 requests: 0 ACK, 0 NACK (0 unsigned or badly signed, 0 invalid); 0 orders, 0 declined; 0 message ids and 0 transactions held, 0 and 0 forgotten; 0 callbacks, 0 not delivered" ]
	# -q
	bpp -q
	run --separate-stderr call m/v1-search.json
	[ "$status" -eq 0 ]
	stop
	[ "$BPP_STATUS" -eq 0 ]
	[ ! -s bpp.err ]
	[ "$(wc -l < bpp.log)" -eq 2 ]
}

@test "SIGTERM as soon as the port file is there: exit 0, every time (500 tries)" {
	keys
	# a race: each try loses it now and then, not every time
	for i in $(seq 500); do
		rm -f port
		fx-bpp -q --catalog "$CATALOG" --key bpp.key --registry reg.json --schemas "$SCHEMAS" \
		    --port-file port > /dev/null 2> bpp.err 3>&- &
		BPP=$!
		BG_PIDS="${BG_PIDS:-} $BPP"
		# no sleep: the signal as soon as the file is there
		t=$((SECONDS + 10))
		until [ -s port ] || [ "$SECONDS" -gt "$t" ]; do :; done
		stop
		[ "$BPP_STATUS" -eq 0 ] || { echo "try $i: exit $BPP_STATUS"; return 1; }
	done
}

@test "--id, --key-id, --provider-name: the callbacks' bppId, the signature's key id, the provider's name; the default subscriber id" {
	dump
	fx-beckn keygen --id bap.test --key-id k1 --url http://127.0.0.1:1/beckn -o bap > /dev/null
	fx-beckn keygen --id bpp.other --key-id k7 --url http://127.0.0.1:1/beckn --type BPP -o bpp > /dev/null
	jq -s . bap.json bpp.json > reg.json
	rm -f port
	fx-bpp --catalog "$CATALOG" --key bpp.key --id bpp.other --key-id k7 --provider-name 'North Grid Flex' \
	    --registry reg.json --schemas "$SCHEMAS" --port-file port > bpp.log 2> bpp.err 3>&- &
	BPP=$!
	BG_PIDS="${BG_PIDS:-} $BPP"
	waitfor port
	URL=http://127.0.0.1:$(cat port)
	run --separate-stderr call m/v2-discover.json
	[ "$status" -eq 0 ]
	[ "$(jq -r 'select(.direction == "in") | .signature' <<< "$output")" = "ok: bpp.other|k7" ]
	[ "$(cb | jq -c '[.context.bppId, .message.catalogs[0].provider.id, .message.catalogs[0].provider.descriptor.name]')" = '["bpp.other","bpp.other","North Grid Flex"]' ]
	[[ "$(jq -r .answer.signature <<< "${lines[0]}")" == 'Signature keyId="bpp.other|k7|ed25519"'* ]]
	stop
	# without --id: bpp.fluxeon.sandbox
	rm -f port
	fx-bpp -q --catalog "$CATALOG" --key bpp.key --registry reg.json --schemas "$SCHEMAS" \
	    --port-file port > bpp.log 2> bpp.err 3>&- &
	BPP=$!
	BG_PIDS="${BG_PIDS:-} $BPP"
	waitfor port
	URL=http://127.0.0.1:$(cat port)
	run --separate-stderr send --to "$URL" --fresh --no-sign m/v2-discover.json
	[ "$(jq -r .www_authenticate <<< "$output")" = 'Signature realm="bpp.fluxeon.sandbox",headers="(created) (expires) digest"' ]
	[ "$(jq -r .bpp_id bpp.log)" = bpp.fluxeon.sandbox ]
}

# --- usage ---

@test "-h prints the usage on stdout and exits 0, every option of which is in the man page, and no other" {
	run --separate-stderr fx-bpp -h
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "$USAGE_FIRST" ]
	printf '%s\n' "$output" | grep -oE -- '(^|[][ (|])--?[a-z][-a-z0-9]*' | sed 's/^[][ (|]//' | sort -u > usage
	echo -h >> usage
	sed -n 's/^\.It Fl \([-a-z0-9]*\).*/-\1/p' "$ROOT/man/fx-bpp.1" | sort -u > man
	[ "$(sort -u usage | wc -l)" -eq 23 ]
	run comm -3 <(sort -u usage) man
	[ -z "$output" ]
}

@test "the SYNOPSIS of fx-bpp(1) is fx-bpp -h, word for word; mandoc -Tlint finds nothing" {
	fx-bpp -h | sed 's/^usage: //' | tr -s ' \n' '  ' | sed 's/^ *//; s/ *$//' > usage
	mandoc -Tascii "$ROOT/man/fx-bpp.1" | sed 's/.\x08//g' |
	    awk '/^SYNOPSIS/ { f = 1; next } /^[A-Z]/ { f = 0 } f' |
	    tr -s ' \n' '  ' | sed 's/^ *//; s/ *$//' > man
	[ -s usage ]
	diff usage man
	run mandoc -Tlint -Wwarning "$ROOT/man/fx-bpp.1"
	[ -z "$output" ]
}

@test "bad option values exit 2 with a clear message and start nothing: a rate outside 0..1, --listen without a port or with a bad one, --down, --seed, --skew, --latency, --forget, an unknown option, an argument" {
	keys
	ok="--catalog $CATALOG --key bpp.key --registry reg.json --port-file port"
	while IFS='|' read -r opt msg; do
		run --separate-stderr timeout 10 fx-bpp $ok $opt
		echo "$opt: $status $stderr"
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[ "${stderr_lines[0]}" = "$msg" ]
		[ ! -e port ]
	done <<-'EOF'
	--nack-rate 2|fx-bpp: --nack-rate: want a share from 0 to 1, not '2'
	--decline-rate -0.1|fx-bpp: --decline-rate: want a share from 0 to 1, not '-0.1'
	--silent-rate x|fx-bpp: --silent-rate: want a share from 0 to 1, not 'x'
	--partial 1.5|fx-bpp: --partial: want a share from 0 to 1, not '1.5'
	--nack-rate nan|fx-bpp: --nack-rate: want a share from 0 to 1, not 'nan'
	--listen 127.0.0.1|fx-bpp: --listen: want HOST:PORT, not '127.0.0.1'
	--listen 127.0.0.1:99999|fx-bpp: --listen: bad port '99999': want 0 to 65535
	--down 5s|fx-bpp: --down: want FROM:TO, such as 5s:20s, not '5s'
	--down 10s:5s|fx-bpp: --down: TO must be after FROM
	--down x:5s|fx-bpp: --down: want FROM:TO, durations after the start such as 5s:20s, not 'x'
	--seed -1|fx-bpp: --seed: not a whole number '-1'
	--seed 1.5|fx-bpp: --seed: not a whole number '1.5'
	--skew 90000|fx-bpp: --skew: want seconds from 0 to 86400, not '90000'
	--latency abc|fx-bpp: --latency: not a duration > 0 'abc'
	--forget 0|fx-bpp: --forget: not a duration > 0 '0'
	--bogus|fx-bpp: unrecognized option '--bogus'
	extra|fx-bpp: unexpected argument 'extra'
	EOF
}

@test "missing --catalog, --key or --registry: exit 2, the message and the usage on stderr" {
	keys
	for args in "--key bpp.key --registry reg.json" "--catalog $CATALOG --registry reg.json" \
	    "--catalog $CATALOG --key bpp.key" ""; do
		run --separate-stderr fx-bpp $args
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[ "${stderr_lines[0]}" = "fx-bpp: --catalog, --key and --registry are required" ]
		[ "${stderr_lines[1]}" = "$USAGE_FIRST" ]
	done
}

@test "a bad catalog, registry or key file exits 2 with a message naming it: missing, not JSON, not a catalog or registry, a bad entry, a key others may read, not a key" {
	keys
	printf '{"ders": [' > notjson.json
	echo '{"x": 1}' > notcat.json
	echo '{}' > notreg.json
	jq '.[1].signing_public_key = "abc"' reg.json > badreg.json
	cp bap.key open.key
	chmod 644 open.key
	echo notakey > notkey.key
	chmod 600 notkey.key
	while IFS='|' read -r cat key reg msg; do
		run --separate-stderr timeout 10 fx-bpp --catalog "${cat/CATALOG/$CATALOG}" --key "$key" --registry "$reg" --port-file port
		echo "$cat $key $reg: $status $stderr"
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		if [[ "$msg" == *'*' ]]; then
			[[ "${stderr_lines[0]}" == "${msg%\*}"* ]]
		else
			[ "${stderr_lines[0]}" = "$msg" ]
		fi
		[ ! -e port ]
	done <<-'EOF'
	nope.json|bpp.key|reg.json|fx-bpp: nope.json: No such file or directory
	notjson.json|bpp.key|reg.json|fx-bpp: notjson.json: invalid JSON: *
	notcat.json|bpp.key|reg.json|fx-bpp: notcat.json: not a catalog: *
	CATALOG|bpp.key|nope.json|fx-bpp: nope.json: *
	CATALOG|bpp.key|notjson.json|fx-bpp: notjson.json: invalid JSON: *
	CATALOG|bpp.key|notreg.json|fx-bpp: notreg.json: want an array of subscribers, or {"subscribers": [...]}
	CATALOG|bpp.key|badreg.json|fx-bpp: badreg.json: [1] (subscriber_id bpp.test): signing_public_key: not the base64 of a 32-byte Ed25519 key
	CATALOG|nope.key|reg.json|fx-bpp: nope.key: No such file or directory
	CATALOG|open.key|reg.json|fx-bpp: open.key: signing key is accessible by group or others (mode 0644); chmod 600 it
	CATALOG|notkey.key|reg.json|fx-bpp: notkey.key: *
	EOF
}

@test "--schemas naming a directory that does not exist: exit 2" {
	keys
	run --separate-stderr timeout 10 fx-bpp --catalog "$CATALOG" --key bpp.key --registry reg.json --schemas "$TMP/nope" --port-file port 3>&-
	[ "$status" -eq 2 ]
	[ ! -e port ]
}

@test "--listen with an empty port (127.0.0.1:) is a usage error, exit 2" {
	keys
	run --separate-stderr timeout 10 fx-bpp --catalog "$CATALOG" --key bpp.key --registry reg.json --listen 127.0.0.1: --port-file port 3>&-
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "fx-bpp: --listen: bad port '': want 0 to 65535" ]
	[ ! -e port ]
}

@test "a runtime failure exits 1: --listen on a port in use; a --port-file that cannot be written" {
	keys
	bpp
	run --separate-stderr fx-bpp --catalog "$CATALOG" --key bpp.key --registry reg.json --listen "127.0.0.1:$PORT"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "${stderr_lines[0]}" == "fx-bpp: --listen 127.0.0.1:$PORT: "*"Address already in use" ]]
	run --separate-stderr fx-bpp --catalog "$CATALOG" --key bpp.key --registry reg.json --port-file "$TMP/no/such/port"
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "fx-bpp: $TMP/no/such/port: No such file or directory" ]
}

@test "every EXAMPLES line of fx-bpp(1) runs" {
	ln -s "$SAMPLES" samples
	awk '/^\.Sh EXAMPLES/ { f = 1; next } /^\.Sh/ { f = 0 }
	    f && /^\.Dl / { sub(/^\.Dl /, ""); print }' "$ROOT/man/fx-bpp.1" |
	    sed 's/\\(dq/"/g; s/\\e/\\/g' | sed "s|/tmp/fx-bpp-ex|$TMP/ex|g" > examples
	[ "$(wc -l < examples)" -ge 8 ]
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		rc=0
		sh -c "$line" < /dev/null > "out.$n" 2> "err.$n" 3>&- || rc=$?
		[ "$rc" -eq 0 ] || { echo "$line: exit $rc: $(cat "err.$n")"; return 1; }
	done < examples
	for i in $(seq "$n"); do echo "== $i"; cat "out.$i"; done
	# what they show: the two DERs of agg.northgrid in v2 and v1.1, the
	# contract made active, the COMPLETE (40 kW for 1 h x 0.98), the 401
	# challenge, the summary and the log
	[ "$(cat out.4)" = '["did:fx:bat-0001",120,0.98]
["did:fx:hvac-0107",60,0.9]' ]
	[ "$(cat out.5)" = '["did:fx:bat-0001","0.18","GBP"]
["did:fx:hvac-0107","0.09","GBP"]' ]
	[[ "$(cat out.7)" =~ ^\{\"id\":\"[-0-9a-f]{36}\",\"status\":\"ACTIVE\"\}$ ]]
	[ "$(cat out.8)" = '{"status":"COMPLETE","delivered_kwh":39.2}' ]
	[ "$(cat out.9)" = '{"http_status":401,"ack":"NACK","www_authenticate":"Signature realm=\"bpp.example\",headers=\"(created) (expires) digest\""}' ]
	[ "$(tail -n 1 out.10)" = "fx-bpp: 7 requests: 6 ACK, 1 NACK (1 unsigned or badly signed, 0 invalid); 1 orders, 0 declined; 6 message ids and 1 transactions held, 0 and 0 forgotten; 6 callbacks, 0 not delivered" ]
	[ "$(wc -l < out.11)" -eq 13 ]
	[ "$(tail -n 1 out.11)" = "$(printf 'in\tv2\tselect\t401\tNACK')" ]
	validate ex/bpp.log
}
