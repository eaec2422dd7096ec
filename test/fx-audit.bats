#!/usr/bin/env bats
# fx-audit: keygen, append (the types kept, the summary, bad lines,
# --pass, numbering, the entry body and its leaf hash, checkpoints), the
# append-only triggers, checkpoint, verify and what it catches when the
# store is changed behind its back with the sqlite3 CLI, prove and
# verify-proof, query, and a kill -9 in the middle of a large append.
#
# Expected values are computed independently of fx-audit: the records it
# should keep and what each query should return with jq from the input
# lines; each entry's body and leaf hash, the RFC 6962 roots and inclusion
# paths, and the Ed25519 signatures of the checkpoint notes with python3
# (hashlib, sqlite3, and cryptography when installed) by the `ref` script
# below, itself checked against the RFC 6962 roots and the C2SP
# signed-note vector.
#
# Tests of a known bug are skipped with "BUG: ..."; FX_AUDIT_BUGS=1 runs
# them anyway.

bats_require_minimum_version 1.5.0
load helper

unset FX_CONFIG

# fixture: one hand-made record of each type, 17 lines: 11 of them kept
# by default (a state change, a features record marked for audit, a plan,
# a catalog, two orders of OBP-1 and OBP-2, a Beckn message, a control, an
# alert, a config and an OBP record), 6 not (a reading, a forecast, an
# unmarked features record, a state, a spike, an exo).
fixture() {
	jq -nc '
	def t($hm): "2025-01-06T\($hm):00Z";
	{type: "reading", feeder_id: "F1", timestamp: t("10:00"), load_kw: 500},
	{type: "state_change", event_id: "E1", feeder_id: "F1", timestamp: t("10:00"),
	 prev_state: 0, new_state: 1},
	{type: "forecast", feeder_id: "F1", issued_at: t("10:00"), step_min: 15, steps: []},
	{type: "features", feeder_id: "F1", window_start: t("10:00"), rms: 1, audit: true},
	{type: "features", feeder_id: "F2", window_start: t("10:00"), rms: 2},
	{type: "plan", plan_id: "P1", event_id: "E1", feeder_id: "F1", issued_at: t("10:05"),
	 activations: [{der_id: "D1", aggregator_id: "A1"}, {der_id: "D2", aggregator_id: "A2"}]},
	{type: "catalog", received_at: t("09:00"),
	 ders: [{der_id: "D1", aggregator_id: "A1"}, {der_id: "D3", aggregator_id: "A2"}]},
	{type: "order", order_id: "ORD1", obp_id: "OBP-1", plan_id: "P1", event_id: "E1",
	 feeder_id: "F1", der_ids: ["D1", "D2"], aggregator_id: "A1", transaction_id: "T1",
	 status: "active", created_at: t("10:06")},
	{type: "beckn", direction: "in", action: "on_confirm", transaction_id: "T1",
	 aggregator_id: "A1", received_at: t("10:06"), payload: {message: {order: {id: "ORD1"}}}},
	{type: "control", user: "ana", role: "operator", action: "approve", feeder_id: "F1",
	 params: {}, timestamp: t("10:07")},
	{type: "alert", severity: "warning", feeder_id: "F2", timestamp: t("10:08"),
	 what: "aggregator A2 down"},
	{type: "config", version: 3, sha256: "ab"},
	{type: "obp", obp_id: "OBP-1", der_id: "D1", feeder_id: "F1", timestamp: t("10:30")},
	{type: "state", feeder_id: "F1", slice_start: t("10:00"), state: 1},
	{type: "spike", feeder_id: "F1", timestamp: t("10:00"), value_kw: 900},
	{type: "order", order_id: "ORD2", obp_id: "OBP-2", feeder_id: "F2", der_ids: ["D3"],
	 aggregator_id: "A2", status: "pending", created_at: t("11:00")},
	{type: "exo", timestamp: t("10:00"), temperature_c: 5}'
}

DEFAULT_TYPES='["state_change","plan","catalog","order","beckn","control","alert","config","obp"]'

# kept [TYPES_JSON | all] < FILE: the lines of FILE that append should
# keep with those types (default: its defaults), byte for byte: JSON
# objects with a string type, features only when marked "audit":true.
kept() {
	jq -Rr --argjson t "${1:-$DEFAULT_TYPES}" '. as $l |
	    try (fromjson | select(type == "object" and (.type | type) == "string") |
	    select($t == "all" or (.type as $ty | any($t[]; . == $ty)) or
	        (.type == "features" and .audit == true)) | $l) catch empty'
}

# valid < FILE: its lines that are records (what --pass passes on).
valid() {
	jq -Rr '. as $l | try (fromjson | select(type == "object" and
	    (.type | type) == "string") | $l) catch empty'
}

# summary IN APPENDED FROM TO SKIPPED REJECTED CHECKPOINT: append's last line.
summary() {
	echo "fx-audit: append: $1 records in, $2 appended (entries $3 to $4), $5 not audited, $6 rejected; checkpoint at $7"
}

NOKEY='fx-audit: warning: no --key: entries are appended but no checkpoint is signed'
STOREDKEY='fx-audit: warning: verify: checking signatures with the key stored in a.db; give --pubkey with your own copy to rule out a rebuilt store'
NOCP='fx-audit: warning: verify: no checkpoint: the entries are consistent but nothing signed vouches for them'

# keys [PREFIX]: an Ed25519 key pair PREFIX.key, PREFIX.pub (default k).
keys() {
	fx-audit keygen --name fluxeon.test/audit -o "${1:-k}" > /dev/null
}

# mkstore: keys k, in.ndjson (the fixture), kept.ndjson (its lines kept)
# and a.db of origin fluxeon.test/log holding them, checkpoint at 11.
mkstore() {
	keys
	fixture > in.ndjson
	kept < in.ndjson > kept.ndjson
	fx-audit append -q --db a.db --key k.key --origin fluxeon.test/log in.ndjson
}

# untrigger DB: drops the append-only triggers, as anyone who can write the
# file can.
untrigger() {
	sqlite3 "$1" 'DROP TRIGGER entries_no_update; DROP TRIGGER entries_no_delete;
	    DROP TRIGGER der_ids_no_update; DROP TRIGGER der_ids_no_delete;
	    DROP TRIGGER checkpoints_no_update; DROP TRIGGER checkpoints_no_delete;'
}

# keyid PUBFILE: the hex key id in a verifier key file.
keyid() {
	cut -d+ -f2 "$1"
}

# ref CMD ARGS: the independent reference, in python3.
#   ref root DB [N]       base64 RFC 6962 root of the first N leaves of DB
#   ref roots DB          the hex roots of the first 0, 1, ... all leaves
#   ref bundles DB N      for each entry below N, what its proof bundle
#                         should hold: {seq, entry (its body), leaf_hash,
#                         tree_size N, root, inclusion}, one JSON a line
#   ref path DB SEQ N     the inclusion path of SEQ in the first N leaves
#                         (RFC 6962 PATH), a JSON array of base64 hashes
#   ref bodies DB LINES   each entry's body is {"seq":N,"appended_at":T,
#                         "record":LINE N} (T its appended_at column as RFC
#                         3339) and its leaf SHA-256(0x00 || body); prints
#                         what differs
#   ref leaf FILE         base64 SHA-256(0x00 || the bytes of FILE)
#   ref keyid PUBFILE     the key id SHA-256(name || 0x0A || 0x01 || key)[:4]
#                         in hex, from the key in a verifier key file
#   ref sig NOTE PUBFILE  exit 0 if the note has a valid Ed25519 signature
#                         by that key (C2SP signed-note), 1 if not, 77
#                         without the python cryptography module
REF=$(cat <<'PY'
import base64, datetime, hashlib, json, sqlite3, sys

def H(b):
    return hashlib.sha256(b).digest()

def split(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k

def mth(d):
    if len(d) == 0:
        return H(b'')
    if len(d) == 1:
        return d[0]
    k = split(len(d))
    return H(b'\x01' + mth(d[:k]) + mth(d[k:]))

def path(m, d):
    if len(d) <= 1:
        return []
    k = split(len(d))
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]

def db(p):
    return sqlite3.connect('file:%s?mode=ro' % p, uri=True)

def leaves(p):
    return [bytes(r[0]) for r in
            db(p).execute('SELECT leaf FROM entries ORDER BY seq')]

def rfc3339(ms):
    t = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
    s = t.strftime('%Y-%m-%dT%H:%M:%S')
    if ms % 1000:
        s += '.%03d' % (ms % 1000)
    return s + 'Z'

def b64(b):
    return base64.b64encode(b).decode()

def vkey(path):
    name, hexid, k = open(path).read().strip().split('+', 2)
    k = base64.b64decode(k, validate=True)
    assert len(k) == 33 and k[0] == 1, 'not an Ed25519 verifier key'
    return name, hexid, k[1:]

cmd, a = sys.argv[1], sys.argv[2:]
if cmd == 'root':
    d = leaves(a[0])
    print(b64(mth(d[:int(a[1])] if len(a) > 1 else d)))
elif cmd == 'roots':
    d = leaves(a[0])
    for n in range(len(d) + 1):
        print(mth(d[:n]).hex())
elif cmd == 'bundles':
    c = db(a[0])
    d = leaves(a[0])
    n = int(a[1])
    for seq, body in c.execute('SELECT seq, body FROM entries WHERE seq < ? '
                               'ORDER BY seq', (n,)):
        print(json.dumps({'seq': seq, 'entry': bytes(body).decode(),
                          'leaf_hash': b64(H(b'\x00' + bytes(body))),
                          'tree_size': n, 'root': b64(mth(d[:n])),
                          'inclusion': [b64(h) for h in path(seq, d[:n])]},
                         separators=(',', ':'), ensure_ascii=False))
elif cmd == 'nodes':
    # the MTH of every aligned run of 2^l leaves, l >= 8: level|idx|HEX
    d = leaves(a[0])
    for l in range(8, 64):
        w = 1 << l
        for i in range(len(d) // w):
            print('%d|%d|%s' % (l, i, mth(d[i * w:(i + 1) * w]).hex().upper()))
elif cmd == 'path':
    d = leaves(a[0])[:int(a[2])]
    print(json.dumps([b64(h) for h in path(int(a[1]), d)],
                     separators=(',', ':')))
elif cmd == 'bodies':
    lines = open(a[1], 'rb').read().split(b'\n')
    assert lines[-1] == b''
    lines = lines[:-1]
    rows = db(a[0]).execute('SELECT seq, appended_at, body, leaf FROM '
                            'entries ORDER BY seq').fetchall()
    bad = 0
    if [r[0] for r in rows] != list(range(len(lines))):
        print('entries %s, want 0 to %d' % ([r[0] for r in rows],
                                             len(lines)))
        sys.exit(1)
    for (seq, at, body, leaf), line in zip(rows, lines):
        want = b'{"seq":%d,"appended_at":"%s","record":%s}' % (
            seq, rfc3339(at).encode(), line)
        if bytes(body) != want:
            print('entry %d: body %r, want %r' % (seq, bytes(body), want))
            bad = 1
        if bytes(leaf) != H(b'\x00' + want):
            print('entry %d: leaf %s, want %s' % (seq, bytes(leaf).hex(),
                                                  H(b'\x00' + want).hex()))
            bad = 1
    sys.exit(bad)
elif cmd == 'leaf':
    print(b64(H(b'\x00' + open(a[0], 'rb').read())))
elif cmd == 'keyid':
    name, hexid, pub = vkey(a[0])
    print(H(name.encode() + b'\n\x01' + pub)[:4].hex())
elif cmd == 'sig':
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import \
            Ed25519PublicKey
    except ImportError:
        sys.exit(77)
    note = open(a[0], 'rb').read()
    name, hexid, pub = vkey(a[1])
    kid = H(name.encode() + b'\n\x01' + pub)[:4]
    i = note.rindex(b'\n\n')
    text, sigs = note[:i + 1], note[i + 2:].decode().split('\n')
    assert sigs[-1] == '', 'the note does not end in a newline'
    for line in sigs[:-1]:
        dash, nm, s = line.split(' ')
        s = base64.b64decode(s, validate=True)
        if dash != '\u2014' or nm != name or s[:4] != kid:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(pub).verify(s[4:], text)
            sys.exit(0)
        except InvalidSignature:
            sys.exit(1)
    sys.exit(1)
elif cmd == 'decrypt':
    # decrypt DB KEYFILE: every record with its envelopes opened by
    # AES-256-GCM in python, the additional data built from the spec in
    # fx-audit(1); exit 77 without the cryptography module
    try:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    except ImportError:
        sys.exit(77)
    key = base64.b64decode(open(a[1]).read().strip(), validate=True)
    c = db(a[0])
    origin = c.execute("SELECT value FROM meta WHERE key = 'origin'").fetchone()[0]
    for seq, body in c.execute('SELECT seq, body FROM entries ORDER BY seq'):
        body = bytes(body).decode()
        rec = body[body.index(',"record":') + 10:-1]
        # every member, a duplicate name too
        for name, v in json.loads(rec, object_pairs_hook=lambda p: p):
            v = dict(v) if isinstance(v, list) and all(isinstance(x, tuple) for x in v) else v
            if isinstance(v, dict) and v.get('fx_enc') == 'A256GCM':
                assert v['kid'] == H(key)[:4].hex()
                ad = ('fluxeon-audit-enc/1\n%s\n%d\n%s' % (origin, seq, name)).encode()
                pt = AESGCM(key).decrypt(base64.b64decode(v['iv']),
                                         base64.b64decode(v['ct']) + base64.b64decode(v['tag']), ad)
                enc = json.dumps(v, separators=(',', ':'))
                assert enc in rec
                rec = rec.replace(enc, pt.decode(), 1)
        print(rec)
else:
    sys.exit('ref: unknown command ' + cmd)
PY
)

# (/usr/bin/python3 when there is one: a pyenv shim costs a second a call)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

ref() {
	"$PY" -c "$REF" "$@"
}

# sigok NOTE PUBFILE: the note's signature checks out in python (nothing
# when the cryptography module is not installed).
sigok() {
	local st=0
	ref sig "$1" "$2" || st=$?
	[ "$st" -eq 0 ] || [ "$st" -eq 77 ]
}

# sigbad NOTE PUBFILE: python rejects the note's signature (or cannot tell).
sigbad() {
	local st=0
	ref sig "$1" "$2" || st=$?
	[ "$st" -eq 1 ] || [ "$st" -eq 77 ]
}

# okline ORIGIN ENTRIES PRUNED CHECKPOINTS LATEST ROOT: verify's OK line.
okline() {
	echo "fx-audit: verify: OK: $1: $2 entries ($3 pruned), $4 checkpoints, the latest at $5; root $6"
}

# count DB SQL: the one value SQL selects.
count() {
	sqlite3 "$1" "$2"
}

# --- the man page ---

@test "-h prints the usage on stdout and exits 0, every option of which is in the man page, and no other" {
	run --separate-stderr fx-audit -h
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ "${lines[0]}" == "usage: fx-audit append --db file "* ]]
	printf '%s\n' "$output" | grep -oE -- '(^|[][ (|])--?[a-z][-a-z0-9]*' | sed 's/^[][ (|]//' | sort -u > usage
	echo -h >> usage
	sed -n 's/^\.It Fl \([-a-z0-9]*\).*/-\1/p' "$ROOT/man/fx-audit.1" | sort -u > man
	[ "$(sort -u usage | wc -l)" -ge 30 ]
	run comm -3 <(sort -u usage) man
	[ -z "$output" ]
	run fx-audit append -h
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: fx-audit append --db file "* ]]
}

@test "every EXAMPLES line of fx-audit(1) runs" {
	ln -s "$SAMPLES" samples
	awk '/^\.Sh EXAMPLES/ { f = 1; next } /^\.Sh/ { f = 0 }
	    f && /^\.Dl / { sub(/^\.Dl /, ""); print }' "$ROOT/man/fx-audit.1" |
	    sed 's/\\(dq/"/g; s/\\e/\\/g' | sed "s|/tmp/fx-audit-ex|$TMP/ex|g" > examples
	[ "$(wc -l < examples)" -ge 5 ]
	while IFS= read -r line; do
		rc=0
		sh -c "$line" < /dev/null > out 2> err || rc=$?
		[ "$rc" -eq 0 ] || { echo "$line: exit $rc: $(cat err)"; return 1; }
	done < examples
	# the store the examples made verifies, with its kept checkpoint
	fx-audit verify --db ex.db --pubkey ex.pub --checkpoint ex.cp
}

# --- the reference itself ---

@test "the reference: RFC 6962 roots of the 8-leaf tree of sizes 0 to 8, and the C2SP signed-note vector" {
	# leaf inputs and roots as published with transparency-dev/merkle
	"$PY" - <<-'PY' > roots.py
	import hashlib
	inputs = ['', '00', '10', '2021', '3031', '40414243',
	          '5051525354555657', '606162636465666768696a6b6c6d6e6f']
	for x in inputs:
	    print(hashlib.sha256(b'\x00' + bytes.fromhex(x)).hexdigest())
	PY
	awk 'BEGIN { print "CREATE TABLE entries(seq INTEGER PRIMARY KEY, leaf BLOB);" }
	    { printf "INSERT INTO entries VALUES (%d, x\047%s\047);\n", NR - 1, $1 }' roots.py | sqlite3 v.db
	want=(e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
	    6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d
	    fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125
	    aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77
	    d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7
	    4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4
	    76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef
	    ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c
	    5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328)
	cmp <(ref roots v.db) <(printf '%s\n' "${want[@]}")
	[ "$(ref root v.db 5 | base64 -d | od -An -tx1 | tr -d ' \n')" = "${want[5]}" ]
	# the path of leaf 2 of 5 is [leaf 3, MTH(0..1), leaf 4] by RFC 6962
	run ref path v.db 2 5
	l3=$(sqlite3 v.db "SELECT hex(leaf) FROM entries WHERE seq = 3" | xxd -r -p | base64)
	l4=$(sqlite3 v.db "SELECT hex(leaf) FROM entries WHERE seq = 4" | xxd -r -p | base64)
	[ "$output" = "[\"$l3\",\"$(echo "${want[2]}" | xxd -r -p | base64)\",\"$l4\"]" ]
	# the signed-note vector of c2sp.org/signed-note
	printf '%s\n' 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k' > foo.pub
	printf 'This is an example message.\n\n\xe2\x80\x94 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n' > foo.note
	[ "$(ref keyid foo.pub)" = 530d903a ]
	run ref sig foo.note foo.pub
	[ "$status" -ne 77 ] || skip "python3 has no cryptography module"
	[ "$status" -eq 0 ]
	sed 's/example message/example messagf/' foo.note > bad.note
	run ref sig bad.note foo.pub
	[ "$status" -eq 1 ]
}

# --- keygen ---

@test "keygen: a 0600 signer key and its verifier key NAME+KEYID+KEY, the key id SHA-256(name, 0x0A, 0x01, key)[:4]" {
	run --separate-stderr fx-audit keygen --name fluxeon.test/audit -o k
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "$(cat k.pub)" ]
	[ "$(stat -c %a k.key)" = 600 ]
	[[ "$(cat k.pub)" =~ ^fluxeon\.test/audit\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$ ]]
	[ "$(wc -l < k.pub)" -eq 1 ]
	[ "$(keyid k.pub)" = "$(ref keyid k.pub)" ]
	[[ "$(cat k.key)" =~ ^PRIVATE\+KEY\+fluxeon\.test/audit\+$(keyid k.pub)\+A[A-Za-z0-9+/]{43}$ ]]
	# two keys are two keys
	keys k2
	[ "$(cut -d+ -f3- k.pub)" != "$(cut -d+ -f3- k2.pub)" ]
}

@test "keygen refuses to overwrite a key; a bad or missing name or prefix is a usage error" {
	keys
	cp k.key k.key.0
	cp k.pub k.pub.0
	run --separate-stderr fx-audit keygen --name fluxeon.test/audit -o k
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-audit: k.pub: exists; not overwriting a key" ]
	cmp k.key k.key.0
	cmp k.pub k.pub.0
	# only the signer key there
	mv k.pub k.pub.1
	run --separate-stderr fx-audit keygen --name fluxeon.test/audit -o k
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-audit: k.key: File exists" ]
	cmp k.key k.key.0
	[ ! -e k.pub ]
	run --separate-stderr fx-audit keygen --name 'bad+name' -o x
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-audit: keygen: bad key name 'bad+name': want non-empty UTF-8 without spaces, control characters or '+'" ]
	run --separate-stderr fx-audit keygen -o x
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "fx-audit: keygen: --name and -o are required" ]
	run --separate-stderr fx-audit keygen --name fluxeon.test/audit
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "fx-audit: keygen: --name and -o are required" ]
	[ ! -e x.key ] && [ ! -e x.pub ]
}

@test "keygen with only PREFIX.pub there writes no PREFIX.key (which would not match it)" {
	keys
	rm k.key
	cp k.pub k.pub.0
	run --separate-stderr fx-audit keygen --name fluxeon.test/audit -o k
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-audit: k.pub: exists; not overwriting a key" ]
	cmp k.pub k.pub.0
	[ ! -e k.key ]
}

@test "a signer key readable by group or others is refused by append and checkpoint (exit 2) before the store is touched" {
	keys
	fixture > in.ndjson
	chmod 640 k.key
	run --separate-stderr fx-audit append --db a.db --key k.key in.ndjson
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-audit: k.key: signer key is accessible by group or others (mode 0640); chmod 600 it" ]
	[ ! -e a.db ]
	chmod 604 k.key
	run --separate-stderr fx-audit append --db a.db --key k.key --pass in.ndjson
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-audit: k.key: signer key is accessible by group or others (mode 0604); chmod 600 it" ]
	[ ! -e a.db ]
	fx-audit append -q --db a.db in.ndjson
	run --separate-stderr fx-audit checkpoint --db a.db --key k.key
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-audit: k.key: signer key is accessible by group or others (mode 0604); chmod 600 it" ]
	[ "$(count a.db 'SELECT count(*) FROM checkpoints')" -eq 0 ]
	# not a key, no such file, a verifier key given as the signer
	chmod 600 k.key
	echo nonsense > bad.key
	chmod 600 bad.key
	run --separate-stderr fx-audit append --db a.db --key bad.key in.ndjson
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-audit: bad.key: signer key: want PRIVATE+KEY+name+hexid+key" ]
	run --separate-stderr fx-audit checkpoint --db a.db --key none.key
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-audit: none.key: No such file or directory" ]
	chmod 600 k.pub
	run --separate-stderr fx-audit checkpoint --db a.db --key k.pub
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-audit: k.pub: signer key: want PRIVATE+KEY+name+hexid+key" ]
	[ "$(count a.db 'SELECT count(*) FROM checkpoints')" -eq 0 ]
}

@test "a store's checkpoints are all signed by its first key: append and checkpoint refuse another (exit 2); its origin is the key's name unless --origin" {
	keys
	keys k2
	fixture > in.ndjson
	fx-audit append -q --db a.db --key k.key in.ndjson
	[ "$(count a.db "SELECT value FROM meta WHERE key = 'origin'")" = fluxeon.test/audit ]
	[ "$(count a.db "SELECT value FROM meta WHERE key = 'vkey'")" = "$(cat k.pub)" ]
	sqlite3 a.db .dump > before
	run --separate-stderr fx-audit append --db a.db --key k2.key --pass in.ndjson
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-audit: a.db: its checkpoints are signed by $(cat k.pub), not by this key ($(cat k2.pub))" ]
	run --separate-stderr fx-audit checkpoint --db a.db --key k2.key
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-audit: a.db: its checkpoints are signed by $(cat k.pub), not by this key ($(cat k2.pub))" ]
	sqlite3 a.db .dump | cmp before -
	# a store without a checkpoint yet takes the first key that signs one
	fx-audit append -q --db b.db --origin fluxeon.test/b in.ndjson
	fx-audit checkpoint --db b.db --key k2.key > /dev/null
	[ "$(count b.db "SELECT value FROM meta WHERE key = 'vkey'")" = "$(cat k2.pub)" ]
	[ "$(count b.db "SELECT value FROM meta WHERE key = 'origin'")" = fluxeon.test/b ]
}

# --- append ---

@test "append keeps the audit types by default, features only when marked for audit; records in = appended + not audited + rejected" {
	keys
	fixture > in.ndjson
	kept < in.ndjson > want
	n=$(wc -l < in.ndjson)
	a=$(wc -l < want)
	[ "$n" -eq 17 ] && [ "$a" -eq 11 ]
	run --separate-stderr fx-audit append --db a.db --key k.key in.ndjson
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$stderr" = "$(summary "$n" "$a" 0 "$a" $((n - a)) 0 "$a")" ]
	fx-audit query --db a.db > got
	cmp want got
	[ "$(count a.db 'SELECT group_concat(type) FROM (SELECT type FROM entries ORDER BY seq)')" = "$(jq -r .type want | paste -sd,)" ]
	# a features record is kept for its "audit":true, not for its type
	[ "$(count a.db "SELECT count(*) FROM entries WHERE type = 'features'")" -eq 1 ]
	[ "$(jq -r 'select(.type == "features") | .feeder_id' want)" = F1 ]
}

@test "--types keeps those types (and features marked for audit), --all every record" {
	keys
	fixture > in.ndjson
	kept '["order","alert"]' < in.ndjson > want
	[ "$(wc -l < want)" -eq 4 ]
	run --separate-stderr fx-audit append --db t.db --key k.key --types order,alert in.ndjson
	[ "$status" -eq 0 ]
	[ "$stderr" = "$(summary 17 4 0 4 13 0 4)" ]
	fx-audit query --db t.db | cmp want -
	kept '["reading"]' < in.ndjson > want
	run --separate-stderr fx-audit append --db r.db -q --types reading in.ndjson
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	fx-audit query --db r.db | cmp want -
	run --separate-stderr fx-audit append --db all.db --key k.key --all in.ndjson
	[ "$status" -eq 0 ]
	[ "$stderr" = "$(summary 17 17 0 17 0 0 17)" ]
	fx-audit query --db all.db | cmp in.ndjson -
}

@test "entry N is exactly {\"seq\":N,\"appended_at\":\"wall time\",\"record\":LINE} and its leaf SHA-256(0x00 || body)" {
	keys
	{ fixture
	  # records as other writers may spell them: kept as read
	  printf '%s\n' '{"type":"alert","msg":"caf\u00e9 \u2713 \"q\"","n":1.50,"e":1e3}'
	  printf '%s\n' ' {"feeder_id":"F9", "type" : "control","x":[1, 2 ,3]} '
	  printf '{"type":"alert","msg":"Z\xc3\xbcrich \xe2\x9c\x93","nested":{"a":{"b":[{}]}}}\n'
	  printf '%s\n' '{"type":"order","obp_id":"O\"1","dup":1,"dup":2}'; } > in.ndjson
	kept < in.ndjson > want
	[ "$(wc -l < want)" -eq 15 ]
	t0=$(date +%s%3N)
	fx-audit append -q --db a.db --key k.key in.ndjson
	t1=$(date +%s%3N)
	run ref bodies a.db want
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# appended_at is the wall time of the append
	[ "$(count a.db 'SELECT min(appended_at) FROM entries')" -ge "$t0" ]
	[ "$(count a.db 'SELECT max(appended_at) FROM entries')" -le "$t1" ]
	# and one leaf by openssl over the body's bytes
	sqlite3 a.db "SELECT writefile('body13', body) FROM entries WHERE seq = 13" > /dev/null
	[ "$(head -c 9 body13)" = '{"seq":13' ]
	[ "$({ printf '\0'; cat body13; } | openssl dgst -sha256 -hex | sed 's/.*= //')" = \
	    "$(count a.db 'SELECT lower(hex(leaf)) FROM entries WHERE seq = 13')" ]
	# the index columns are the record's
	[ "$(count a.db "SELECT obp_id FROM entries WHERE seq = 14")" = 'O"1' ]
	[ "$(count a.db "SELECT feeder_id || ' ' || type FROM entries WHERE seq = 12")" = "F9 control" ]
}

@test "--pass passes every record byte for byte and in order; bad lines are reported as FILE:LINE, skipped and counted" {
	keys
	fixture > good
	{ head -n 3 good
	  echo 'not json'
	  head -n 6 good | tail -n 3
	  echo '{"no":"type"}'
	  echo
	  echo '[1,2]'
	  tail -n +7 good | head -n 5
	  echo '{"type":5}'
	  printf '%s\n' '{"type":"alert","half":'
	  tail -n +12 good; } > in.ndjson
	valid < in.ndjson > want
	cmp want good
	run --separate-stderr fx-audit append --db a.db --pass in.ndjson
	[ "$status" -eq 0 ]
	cmp <(printf '%s\n' "$output") want
	[ "${#stderr_lines[@]}" -eq 7 ]
	[ "${stderr_lines[0]}" = "$NOKEY" ]
	[[ "${stderr_lines[1]}" == "fx-audit: in.ndjson:4: invalid JSON: "* ]]
	[ "${stderr_lines[2]}" = 'fx-audit: in.ndjson:8: record has no string "type"' ]
	[ "${stderr_lines[3]}" = 'fx-audit: in.ndjson:10: record is a JSON array, not an object' ]
	[ "${stderr_lines[4]}" = 'fx-audit: in.ndjson:16: record has no string "type"' ]
	[[ "${stderr_lines[5]}" == "fx-audit: in.ndjson:17: invalid JSON: "* ]]
	# the blank line is not a record
	[ "${stderr_lines[6]}" = "$(summary 22 11 0 11 6 5 0)" ]
	kept < in.ndjson | cmp - <(fx-audit query --db a.db)
	# from stdin the file is "stdin"; what was kept goes on with the numbering
	run --separate-stderr fx-audit append -q --db a.db --pass < in.ndjson
	[ "$status" -eq 0 ]
	cmp <(printf '%s\n' "$output") want
	[[ "${stderr_lines[0]}" == "fx-audit: stdin:4: invalid JSON: "* ]]
	[ "${#stderr_lines[@]}" -eq 5 ]
	[ "$(count a.db "SELECT count(*) || ' ' || max(seq) FROM entries")" = "22 21" ]
}

@test "--pass passes CRLF lines byte for byte too" {
	printf '{"type":"alert","n":1}\r\n{"type":"reading","n":2}\r\n{"type":"order","n":3}' > in.ndjson
	run --separate-stderr fx-audit append -q --db a.db --pass in.ndjson
	[ "$status" -eq 0 ]
	printf '{"type":"alert","n":1}\r\n{"type":"reading","n":2}\r\n{"type":"order","n":3}\n' > want
	cmp <(printf '%s\n' "$output") want
}

@test "a features record is kept when marked \"audit\": true at its top, whatever the spelling, and only then" {
	printf '%s\n' '{"type":"features","feeder_id":"F1","audit":true}' \
	    '{"feeder_id":"F2","audit":true,"type":"features"}' \
	    '{"type":"features","feeder_id":"F3","audit": true}' \
	    '{"type":"features","feeder_id":"F\u0034","a\u0075dit":true}' \
	    '{"type":"features","feeder_id":"F5","audit":false,"z":{"audit":true}}' \
	    '{"type":"features","feeder_id":"F6","audit":"true"}' \
	    '{"type":"features","feeder_id":"F7","note":"\"audit\":true"}' \
	    '{"type":"features","feeder_id":"F8","audit":true,"audit":false}' \
	    '{"type":"features","feeder_id":"F9"}' > in.ndjson
	kept < in.ndjson > want
	[ "$(jq -r .feeder_id want | paste -sd' ')" = "F1 F2 F3 F4" ]
	run --separate-stderr fx-audit append --db a.db in.ndjson
	[ "$status" -eq 0 ]
	[ "${stderr_lines[1]}" = "$(summary 9 4 0 4 5 0 0)" ]
	fx-audit query --db a.db | cmp - want
	# fx-features --audit marks every features record it writes
	[ -x "$FX_BIN/fx-features" ] || skip "no fx-features"
	fx-sim -n 1 -d 2h | fx-ingest -q --format ndjson | fx-features -q --audit > feat
	n=$(count_type features feat)
	[ "$n" -gt 0 ]
	run --separate-stderr fx-audit append --db f.db --types none feat
	[ "$status" -eq 0 ]
	[ "$(count f.db 'SELECT count(*) FROM entries')" -eq "$n" ]
}

@test "--strict: the first bad line ends the run with exit 1; the records before it are kept and passed" {
	keys
	printf '%s\n' '{"type":"alert","n":1}' '{"type":"reading","n":2}' '[1,2]' '{"type":"alert","n":3}' > in.ndjson
	run --separate-stderr fx-audit append --db a.db --key k.key --strict --pass in.ndjson
	[ "$status" -eq 1 ]
	[ "$output" = "$(head -n 2 in.ndjson)" ]
	[ "${stderr_lines[0]}" = 'fx-audit: in.ndjson:3: record is a JSON array, not an object' ]
	[ "${stderr_lines[1]}" = "$(summary 3 1 0 1 1 1 0)" ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	head -n 1 in.ndjson | cmp - <(fx-audit query --db a.db)
	run --separate-stderr fx-audit verify --db a.db --pubkey k.pub
	[ "$status" -eq 0 ]
	[ "$output" = "$(okline fluxeon.test/audit 1 0 0 0 "$(ref root a.db)")" ]
}

@test "entries are numbered from 0 on, across runs and input files; each run ends with a checkpoint" {
	mkstore
	printf '%s\n' '{"type":"alert","n":1}' '{"type":"exo"}' > b1
	printf '%s\n' '{"type":"control","n":2}' '{"type":"obp","obp_id":"OBP-3"}' > b2
	run --separate-stderr fx-audit append --db a.db --key k.key b1 b2
	[ "$status" -eq 0 ]
	[ "$stderr" = "$(summary 4 3 11 14 1 0 14)" ]
	run --separate-stderr fx-audit append --db a.db --key k.key < b2
	[ "$status" -eq 0 ]
	[ "$stderr" = "$(summary 2 2 14 16 0 0 16)" ]
	cat kept.ndjson b1 b2 b2 | kept > want
	run ref bodies a.db want
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(count a.db 'SELECT group_concat(size) FROM checkpoints')" = "11,14,16" ]
	# an empty run appends nothing and signs nothing new
	run --separate-stderr fx-audit append --db a.db --key k.key < /dev/null
	[ "$status" -eq 0 ]
	[ "$stderr" = "$(summary 0 0 16 16 0 0 16)" ]
	[ "$(count a.db 'SELECT count(*) FROM checkpoints')" -eq 3 ]
	# the origin is the store's, given once
	[ "$(count a.db "SELECT value FROM meta WHERE key = 'origin'")" = fluxeon.test/log ]
}

@test "a checkpoint every --every N entries (exactly at --batch 1, at the next commit otherwise) and at the end, each the RFC 6962 root of its prefix, signed" {
	keys
	jq -nc 'range(10) | {type: "alert", n: .}' > ten
	run --separate-stderr fx-audit append --db a.db --key k.key --origin fluxeon.test/log --every 3 --batch 1 ten
	[ "$status" -eq 0 ]
	[ "$stderr" = "$(summary 10 10 0 10 0 0 10)" ]
	[ "$(count a.db 'SELECT group_concat(size) FROM checkpoints')" = "3,6,9,10" ]
	ref roots a.db > roots
	sqlite3 a.db "SELECT writefile('note' || size, note) FROM checkpoints" > /dev/null
	cmp <(sqlite3 a.db 'SELECT lower(hex(root)) FROM checkpoints ORDER BY size') <(sed -n '4p; 7p; 10p; 11p' roots)
	for n in 3 6 9 10; do
		root=$(sed -n "$((n + 1))p" roots | xxd -r -p | base64)
		printf 'fluxeon.test/log\n%s\n%s\n\n' "$n" "$root" > want
		cmp <(head -c "$(wc -c < want)" "note$n") want
		[[ "$(tail -n +5 "note$n")" =~ ^—\ fluxeon\.test/audit\ [A-Za-z0-9+/]{91}=$ ]]
		[ "$(tail -n +5 "note$n" | wc -l)" -eq 1 ]
		sigok "note$n" k.pub
	done
	# a different key's signature is not this key's
	keys k2
	sigbad note10 k2.pub
	# batches of 4: a checkpoint at the first commit 3 or more entries on
	run --separate-stderr fx-audit append --db b.db --key k.key --every 3 --batch 4 ten
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[ "$(count b.db 'SELECT group_concat(size) FROM checkpoints')" = "4,8,10" ]
}

# wait_lines FILE N: waits (5 s at most) until FILE has N lines.
wait_lines() {
	local i
	for i in $(seq 50); do
		[ "$(wc -l < "$1")" -lt "$2" ] || return 0
		sleep 0.1
	done
	return 1
}

@test "--interval: a checkpoint at the first commit that long after the last" {
	keys
	mkfifo feed
	fx-audit append --db a.db --key k.key --interval 1s --pass < feed > passed 2> err 3>&- &
	pid=$!
	exec 4> feed
	# each record alone in its commit: sent once the one before was passed
	echo '{"type":"alert","n":1}' >&4
	wait_lines passed 1
	sleep 1.2
	echo '{"type":"alert","n":2}' >&4
	wait_lines passed 2
	echo '{"type":"alert","n":3}' >&4
	wait_lines passed 3
	exec 4>&-
	wait "$pid"
	# none at 1 (under 1 s from the start), at 2 (1.2 s on), not at 3
	# (just after 2) but at the end
	[ "$(count a.db 'SELECT group_concat(size) FROM checkpoints')" = "2,3" ]
	[ "$(cat err)" = "$(summary 3 3 0 3 0 0 3)" ]
}

@test "no --key: a warning, the entries but no checkpoint, which verify then says; -q silences append" {
	keys
	fixture > in.ndjson
	run --separate-stderr fx-audit append --db a.db in.ndjson
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "$NOKEY" ]
	[ "${stderr_lines[1]}" = "$(summary 17 11 0 11 6 0 0)" ]
	[ "$(count a.db 'SELECT count(*) FROM checkpoints')" -eq 0 ]
	run --separate-stderr fx-audit append -q --db a.db in.ndjson
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(count a.db 'SELECT count(*) FROM entries')" -eq 22 ]
	# no key anywhere: nothing to check the (absent) checkpoints with
	run --separate-stderr fx-audit verify --db a.db
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-audit: verify: FAILED: no key to check the checkpoints with: the store has none and no --pubkey was given" ]
	run --separate-stderr fx-audit verify --db a.db --pubkey k.pub
	[ "$status" -eq 0 ]
	[ "$stderr" = "$NOCP" ]
	[ "$output" = "$(okline "$(count a.db "SELECT value FROM meta WHERE key = 'origin'")" 22 0 0 0 "$(ref root a.db)")" ]
	# the origin is made up: fluxeon.audit/ and 8 hex digits
	[[ "$(count a.db "SELECT value FROM meta WHERE key = 'origin'")" =~ ^fluxeon\.audit/[0-9a-f]{8}$ ]]
}

@test "--sync off, normal and full; bad values, numbers, durations, options and commands are usage errors (exit 2)" {
	fixture > in.ndjson
	for s in off normal full; do
		run --separate-stderr fx-audit append -q --db "$s.db" --sync "$s" in.ndjson
		[ "$status" -eq 0 ]
		[ -z "$output" ] && [ -z "$stderr" ]
		[ "$(count "$s.db" 'SELECT count(*) FROM entries')" -eq 11 ]
	done
	check() {
		local want=$1
		shift
		run --separate-stderr fx-audit "$@"
		[ "$status" -eq 2 ] || { echo "$*: exit $status"; return 1; }
		[ -z "$output" ]
		[ "${stderr_lines[0]}" = "$want" ] || { echo "$*: $stderr"; return 1; }
	}
	check "fx-audit: --sync: want off, normal or full, not 'FULL'" append --db x.db --sync FULL in.ndjson
	check "fx-audit: --batch: want a whole number from 1 to 10000000, not '0'" append --db x.db --batch 0 in.ndjson
	check "fx-audit: --batch: want a whole number from 1 to 10000000, not '10000001'" append --db x.db --batch 10000001 in.ndjson
	check "fx-audit: --every: want a whole number from 1 to 10000000, not '1x'" append --db x.db --every 1x in.ndjson
	check "fx-audit: --interval: not a duration > 0 '0'" append --db x.db --interval 0 in.ndjson
	check "fx-audit: append: --db is required" append in.ndjson
	check "fx-audit: unknown command 'bogus'" bogus
	check "fx-audit: checkpoint: --db and --key are required" checkpoint --db s.db
	check "fx-audit: verify: --db is required" verify
	check "fx-audit: prove: --db and one of --seq or --obp are required" prove --db s.db
	check "fx-audit: prove: --db and one of --seq or --obp are required" prove --db s.db --seq 1 --obp OBP-1
	check "fx-audit: --seq: not an entry number '-1'" prove --db s.db --seq -1
	check "fx-audit: verify-proof: --pubkey is required (the log's verifier key, from your own records)" verify-proof
	check "fx-audit: query: --db is required" query
	keys
	check "fx-audit: x.db: unable to open database file" checkpoint --db x.db --key k.key
	[ ! -e x.db ]
	run --separate-stderr fx-audit
	[ "$status" -eq 2 ]
	[[ "${stderr_lines[0]}" == "usage: fx-audit append --db file "* ]]
	run --separate-stderr fx-audit -h
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ "${lines[0]}" == "usage: fx-audit append --db file "* ]]
	# an input file that cannot be read
	run --separate-stderr fx-audit append -q --db x.db none.ndjson
	[ "$status" -eq 1 ]
	[ "$stderr" = "fx-audit: none.ndjson: No such file or directory" ]
}

@test "an unknown option: exit 2, reported as fx-audit's, with the usage" {
	for cmd in append checkpoint verify prove verify-proof query keygen export obp prune; do
		run --separate-stderr fx-audit "$cmd" --bogus
		[ "$status" -eq 2 ] || { echo "$cmd: exit $status"; return 1; }
		[ -z "$output" ]
		[ "${stderr_lines[0]}" = "fx-audit: unrecognized option '--bogus'" ] || { echo "$cmd: ${stderr_lines[0]}"; return 1; }
		[[ "${stderr_lines[1]}" == *"usage: fx-audit "* ]]
	done
}

# --- the triggers ---

@test "through SQL, UPDATE and DELETE of entries, der_ids and checkpoints fail; setting a body to NULL (pruning) is the one change allowed, and verify counts it" {
	mkstore
	sqlite3 a.db .dump > before
	for sql in "UPDATE entries SET type = 'alert' WHERE seq = 2" \
	    "UPDATE entries SET body = NULL, type = 'alert' WHERE seq = 2" \
	    "UPDATE entries SET body = NULL, leaf = x'00' WHERE seq = 2" \
	    "UPDATE entries SET body = CAST('{}' AS BLOB) WHERE seq = 2" \
	    "UPDATE entries SET seq = 99 WHERE seq = 10" \
	    "DELETE FROM entries WHERE seq = 10" \
	    "DELETE FROM entries"; do
		run --separate-stderr sqlite3 a.db "$sql"
		[ "$status" -ne 0 ] || { echo "$sql: accepted"; return 1; }
		[[ "$stderr" == *"audit entries are append-only"* ]]
	done
	[ "$(count a.db "SELECT count(*) FROM der_ids")" -eq 8 ]
	for sql in "UPDATE der_ids SET der_id = 'D9' WHERE seq = 2" "DELETE FROM der_ids WHERE seq = 4"; do
		run --separate-stderr sqlite3 a.db "$sql"
		[ "$status" -ne 0 ] || { echo "$sql: accepted"; return 1; }
		[[ "$stderr" == *"audit entries are append-only"* ]]
	done
	for sql in "UPDATE checkpoints SET note = 'x'" "UPDATE checkpoints SET size = 10" "DELETE FROM checkpoints"; do
		run --separate-stderr sqlite3 a.db "$sql"
		[ "$status" -ne 0 ] || { echo "$sql: accepted"; return 1; }
		[[ "$stderr" == *"checkpoints are append-only"* ]]
	done
	sqlite3 a.db .dump | cmp before -
	# pruning entry 3 (the catalog, naming D1 and D3)
	run --separate-stderr sqlite3 a.db "UPDATE entries SET body = NULL WHERE seq = 3"
	[ "$status" -eq 0 ]
	run --separate-stderr fx-audit verify --db a.db --pubkey k.pub
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "$(okline fluxeon.test/log 11 1 1 11 "$(ref root a.db)")" ]
	run --separate-stderr fx-audit query --db a.db --der D3
	[ "$status" -eq 0 ]
	[ "$output" = "$(sed -n 11p kept.ndjson)" ]
	[ "$stderr" = "fx-audit: warning: query: 1 matching entries were pruned (their bodies are past retention)" ]
	run --separate-stderr fx-audit prove --db a.db --seq 3
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-audit: a.db: entry 3 was pruned: its body is gone" ]
	# the entries either side still prove
	fx-audit prove --db a.db --seq 2 > p
	fx-audit prove --db a.db --seq 4 >> p
	run --separate-stderr fx-audit verify-proof --pubkey k.pub p
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	# a pruned body stays pruned
	run --separate-stderr sqlite3 a.db "UPDATE entries SET body = CAST('{}' AS BLOB) WHERE seq = 3"
	[ "$status" -ne 0 ]
}

@test "INSERT OR REPLACE is refused by the triggers too; with them dropped, verify catches it" {
	mkstore
	fx-audit checkpoint --db a.db --key k.key > kept.note
	cp a.db orig.db
	run sqlite3 a.db "INSERT OR REPLACE INTO entries(seq, leaf, body, type, ts, feeder_id, appended_at)
	    SELECT seq, leaf, CAST(replace(CAST(body AS TEXT), '\"ana\"', '\"bob\"') AS BLOB), type, ts, feeder_id, appended_at
	    FROM entries WHERE seq = 6"
	[ "$status" -ne 0 ]
	[[ "$output" == *"audit entries are append-only"* ]]
	run sqlite3 a.db "REPLACE INTO checkpoints(size, root, note, created_at)
	    SELECT size, zeroblob(32), note, created_at FROM checkpoints WHERE size = 11"
	[ "$status" -ne 0 ]
	[[ "$output" == *"checkpoints are append-only"* ]]
	# behind the program's back, the triggers dropped first
	sqlite3 a.db "DROP TRIGGER entries_no_replace; INSERT OR REPLACE INTO entries(seq, leaf, body, type, ts, feeder_id, appended_at)
	    SELECT seq, leaf, CAST(replace(CAST(body AS TEXT), '\"ana\"', '\"bob\"') AS BLOB), type, ts, feeder_id, appended_at
	    FROM entries WHERE seq = 6"
	[ "$(count a.db "SELECT count(*) FROM entries WHERE instr(CAST(body AS TEXT), '\"bob\"') > 0")" -eq 1 ]
	run --separate-stderr fx-audit verify --db a.db --pubkey k.pub
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-audit: verify: FAILED: entry 6: its body does not hash to its leaf (the body was changed)" ]
	sqlite3 orig.db "DROP TRIGGER checkpoints_no_replace; REPLACE INTO checkpoints(size, root, note, created_at)
	    SELECT size, zeroblob(32), note, created_at FROM checkpoints WHERE size = 11"
	run --separate-stderr fx-audit verify --db orig.db --pubkey k.pub
	[ "$status" -eq 1 ]
	[ "$stderr" = "fx-audit: verify: FAILED: checkpoint at size 11: its root is not the root of the first 11 entries" ]
}

# --- checkpoint ---

@test "checkpoint prints the signed note: origin, size and the RFC 6962 root of the leaves, signed by the key; again, the same note" {
	keys
	fixture > in.ndjson
	fx-audit append -q --db a.db --origin fluxeon.test/log in.ndjson
	run --separate-stderr fx-audit checkpoint --db a.db --key k.key
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	printf '%s\n' "$output" > note
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[0]}" = fluxeon.test/log ]
	[ "${lines[1]}" = 11 ]
	[ "${lines[2]}" = "$(ref root a.db)" ]
	[[ "${lines[3]}" =~ ^—\ fluxeon\.test/audit\ [A-Za-z0-9+/]{91}=$ ]]
	[ "$(sed -n 4p note)" = "" ]
	# the signature: key id then Ed25519 over the text
	[ "$(sed -n 5p note | cut -d' ' -f3 | base64 -d | head -c 4 | od -An -tx1 | tr -d ' \n')" = "$(keyid k.pub)" ]
	sigok note k.pub
	[ "$(count a.db "SELECT value FROM meta WHERE key = 'vkey'")" = "$(cat k.pub)" ]
	# nothing new: the same note, no new row
	run --separate-stderr fx-audit checkpoint --db a.db --key k.key
	[ "$status" -eq 0 ]
	cmp <(printf '%s\n' "$output") note
	[ "$(count a.db 'SELECT count(*) FROM checkpoints')" -eq 1 ]
	# verify-proof takes the note's word through a bundle
	fx-audit prove --db a.db --seq 0 | fx-audit verify-proof --pubkey k.pub
	# the empty store's root is SHA-256 of nothing
	fx-audit append -q --db e.db --origin fluxeon.test/empty < /dev/null
	run --separate-stderr fx-audit checkpoint --db e.db --key k.key
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = 0 ]
	[ "${lines[2]}" = "$(printf '' | openssl dgst -sha256 -binary | base64)" ]
	run --separate-stderr fx-audit verify --db e.db --pubkey k.pub
	[ "$status" -eq 0 ]
	[ "$output" = "$(okline fluxeon.test/empty 0 0 1 0 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=)" ]
	# not a store
	echo '{"type":"alert"}' > text.db
	run --separate-stderr fx-audit checkpoint --db text.db --key k.key
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-audit: text.db: file is not a database" ]
}

@test "checkpoint signs while a live append waits for input" {
	keys
	mkfifo feed
	fx-audit append -q --db a.db --key k.key --pass < feed > passed 3>&- &
	pid=$!
	exec 4> feed
	echo '{"type":"alert","n":1}' >&4
	# the record is committed (and passed on) once the input pauses
	wait_lines passed 1
	run --separate-stderr timeout 5 fx-audit checkpoint --db a.db --key k.key
	exec 4>&-
	wait "$pid"
	[ "$status" -eq 0 ] || { echo "exit $status: $stderr"; return 1; }
	[ "${lines[1]}" = 1 ]
}

# --- verify ---

@test "verify: OK on an intact store with its origin, entries, checkpoints and root; with the stored key, a warning to use one's own" {
	mkstore
	run --separate-stderr fx-audit verify --db a.db --pubkey k.pub
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "$(okline fluxeon.test/log 11 0 1 11 "$(ref root a.db)")" ]
	run --separate-stderr fx-audit verify --db a.db
	[ "$status" -eq 0 ]
	[ "$stderr" = "$STOREDKEY" ]
	[ "$output" = "$(okline fluxeon.test/log 11 0 1 11 "$(ref root a.db)")" ]
	# more entries and checkpoints
	fixture | fx-audit append -q --db a.db --key k.key --every 4 --batch 1
	run --separate-stderr fx-audit verify --db a.db --pubkey k.pub
	[ "$status" -eq 0 ]
	[ "$output" = "$(okline fluxeon.test/log 22 0 4 22 "$(ref root a.db)")" ]
	# not a store
	run --separate-stderr fx-audit verify --db none.db
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-audit: none.db: unable to open database file" ]
	sqlite3 other.db 'CREATE TABLE t(x)'
	run --separate-stderr fx-audit verify --db other.db
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-audit: other.db: not an fx-audit store (no such table: meta)" ]
}

@test "verify: one byte of a body changed" {
	mkstore
	untrigger a.db
	sqlite3 a.db "UPDATE entries SET body = CAST(replace(CAST(body AS TEXT), '\"ORD1\"', '\"ORD7\"') AS BLOB) WHERE seq = 4"
	[ "$(count a.db "SELECT count(*) FROM entries WHERE instr(CAST(body AS TEXT), 'ORD7') > 0")" -eq 1 ]
	run --separate-stderr fx-audit verify --db a.db --pubkey k.pub
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-audit: verify: FAILED: entry 4: its body does not hash to its leaf (the body was changed)" ]
}

@test "verify: an index column changed without its body (feeder_id, type, obp_id, ts, appended_at)" {
	mkstore
	untrigger a.db
	while IFS='#' read -r sql want; do
		cp a.db t.db
		sqlite3 t.db "$sql"
		run --separate-stderr fx-audit verify --db t.db --pubkey k.pub
		[ "$status" -eq 1 ] || { echo "$sql: exit $status"; return 1; }
		[ -z "$output" ]
		[ "$stderr" = "fx-audit: verify: FAILED: $want" ] || { echo "$sql: $stderr"; return 1; }
	done <<-'EOF'
	UPDATE entries SET feeder_id = 'F9' WHERE seq = 2#entry 2: column feeder_id differs from its body
	UPDATE entries SET feeder_id = NULL WHERE seq = 6#entry 6: column feeder_id differs from its body
	UPDATE entries SET feeder_id = 'F1' WHERE seq = 3#entry 3: column feeder_id differs from its body
	UPDATE entries SET type = 'alert' WHERE seq = 2#entry 2: column type differs from its body
	UPDATE entries SET obp_id = 'OBP-2' WHERE seq = 4#entry 4: column obp_id differs from its body
	UPDATE entries SET obp_id = NULL WHERE seq = 9#entry 9: column obp_id differs from its body
	UPDATE entries SET aggregator_id = 'A2' WHERE seq = 5#entry 5: column aggregator_id differs from its body
	UPDATE entries SET ts = ts + 1 WHERE seq = 7#entry 7: column ts differs from its body
	UPDATE entries SET ts = 0 WHERE seq = 8#entry 8: column ts differs from its body
	UPDATE entries SET appended_at = appended_at + 1 WHERE seq = 10#entry 10: appended_at differs from its body
	EOF
}

@test "verify: der_ids rows removed, added or changed" {
	mkstore
	untrigger a.db
	while IFS='#' read -r sql want; do
		cp a.db t.db
		sqlite3 t.db "$sql"
		run --separate-stderr fx-audit verify --db t.db --pubkey k.pub
		[ "$status" -eq 1 ] || { echo "$sql: exit $status"; return 1; }
		[ "$stderr" = "fx-audit: verify: FAILED: $want" ] || { echo "$sql: $stderr"; return 1; }
	done <<-'EOF'
	DELETE FROM der_ids WHERE seq = 4 AND der_id = 'D2'#entry 4: der_ids lack D2, which its body names
	INSERT INTO der_ids VALUES (5, 'D7')#der_ids: a row for entry 5, which does not name it (or not in its place)
	INSERT INTO der_ids VALUES (4, 'D2')#der_ids: a row for entry 4, which does not name it (or not in its place)
	UPDATE der_ids SET der_id = 'D9' WHERE seq = 3 AND der_id = 'D3'#entry 3: der_ids differ from its body (D3)
	INSERT INTO der_ids VALUES (99, 'D7')#der_ids: a row for entry 99, which does not name it (or not in its place)
	EOF
}

@test "verify: a row deleted" {
	mkstore
	untrigger a.db
	sqlite3 a.db "DELETE FROM entries WHERE seq = 3; DELETE FROM der_ids WHERE seq = 3"
	run --separate-stderr fx-audit verify --db a.db --pubkey k.pub
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-audit: verify: FAILED: entry 3 is missing (the next is 4)" ]
	# the first one
	sqlite3 a.db "DELETE FROM entries WHERE seq = 0"
	run --separate-stderr fx-audit verify --db a.db --pubkey k.pub
	[ "$stderr" = "fx-audit: verify: FAILED: entry 0 is missing (the next is 1)" ]
}

@test "verify: the last row deleted, its der_ids left, is told as entries removed from the end" {
	mkstore
	untrigger a.db
	sqlite3 a.db "DELETE FROM entries WHERE seq = 10"
	run --separate-stderr fx-audit verify --db a.db --pubkey k.pub
	[ "$status" -eq 1 ]
	[ "$stderr" = "fx-audit: verify: FAILED: checkpoint at size 11, but the store has 10 entries (entries were removed from its end)" ]
}

@test "verify: two rows swapped" {
	mkstore
	untrigger a.db
	cols='leaf, body, type, ts, feeder_id, obp_id, event_id, plan_id, order_id, aggregator_id, transaction_id, appended_at'
	set=$(echo "$cols" | tr -d ' ' | tr , '\n' | sed 's/.*/& = (SELECT & FROM t WHERE t.seq = 7 - entries.seq)/' | paste -sd,)
	sqlite3 a.db "CREATE TEMP TABLE t AS SELECT seq, $cols FROM entries WHERE seq IN (3, 4);
	    UPDATE entries SET $set WHERE seq IN (3, 4);
	    UPDATE der_ids SET seq = 7 - seq WHERE seq IN (3, 4);"
	[ "$(count a.db 'SELECT type FROM entries WHERE seq = 3')" = order ]
	run --separate-stderr fx-audit verify --db a.db --pubkey k.pub
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == "fx-audit: verify: FAILED: entry 3: its body is not the entry 3 (it starts '{\"seq\":4,\"appended_at\":"* ]]
	# their seq swapped instead, the bodies left
	mkstore_swapped() {
		sqlite3 "$1" "UPDATE entries SET seq = -1 WHERE seq = 3; UPDATE entries SET seq = 3 WHERE seq = 4;
		    UPDATE entries SET seq = 4 WHERE seq = -1"
	}
	rm -rf s && mkdir s && cd s && mkstore && untrigger a.db && mkstore_swapped a.db
	run --separate-stderr fx-audit verify --db a.db --pubkey k.pub
	[ "$status" -eq 1 ]
	[[ "$stderr" == "fx-audit: verify: FAILED: entry 3: its body is not the entry 3 (it starts '{\"seq\":4,\"appended_at\":"* ]]
}

@test "verify: a leaf and its body changed together are caught by the checkpoint; its root column changed too, by the signature" {
	mkstore
	untrigger a.db
	sqlite3 a.db "UPDATE entries SET body = CAST(replace(CAST(body AS TEXT), '\"ana\"', '\"bob\"') AS BLOB) WHERE seq = 6"
	sqlite3 a.db "SELECT writefile('b6', body) FROM entries WHERE seq = 6" > /dev/null
	grep -q '"bob"' b6
	sqlite3 a.db "UPDATE entries SET leaf = x'$(ref leaf b6 | base64 -d | od -An -tx1 | tr -d ' \n')' WHERE seq = 6"
	run --separate-stderr fx-audit verify --db a.db --pubkey k.pub
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-audit: verify: FAILED: checkpoint at size 11: its root is not the root of the first 11 entries" ]
	# the checkpoint's root column rewritten to match: the note says otherwise
	sqlite3 a.db "UPDATE checkpoints SET root = x'$(ref root a.db | base64 -d | od -An -tx1 | tr -d ' \n')' WHERE size = 11"
	run --separate-stderr fx-audit verify --db a.db --pubkey k.pub
	[ "$status" -eq 1 ]
	[ "$stderr" = "fx-audit: verify: FAILED: checkpoint at size 11: the signed note does not say this size, root and origin" ]
}

@test "verify: the tail truncated (entries, checkpoints and the size) passes with a warning, but not against a checkpoint kept from before" {
	mkstore
	fx-audit checkpoint --db a.db --key k.key > kept.note
	sigok kept.note k.pub
	cp a.db orig.db
	untrigger a.db
	sqlite3 a.db "DELETE FROM entries WHERE seq >= 8; DELETE FROM der_ids WHERE seq >= 8;
	    DELETE FROM checkpoints; UPDATE meta SET value = '8' WHERE key = 'size'"
	run --separate-stderr fx-audit verify --db a.db --pubkey k.pub
	[ "$status" -eq 0 ]
	[ "$stderr" = "$NOCP" ]
	[ "$output" = "$(okline fluxeon.test/log 8 0 0 0 "$(ref root orig.db 8)")" ]
	run --separate-stderr fx-audit verify --db a.db --pubkey k.pub --checkpoint kept.note
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "$NOCP" ]
	[ "${stderr_lines[1]}" = "fx-audit: verify: FAILED: kept.note: your checkpoint is of 11 entries, the store has 8 (truncated)" ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	# a truncation that left the size or the checkpoints behind
	cp orig.db b.db
	untrigger b.db
	sqlite3 b.db "DELETE FROM entries WHERE seq >= 8; DELETE FROM der_ids WHERE seq >= 8; DELETE FROM checkpoints"
	run --separate-stderr fx-audit verify --db b.db --pubkey k.pub
	[ "$status" -eq 1 ]
	[ "${stderr_lines[-1]}" = "fx-audit: verify: FAILED: the store recorded 11 entries but has 8 (entries were removed from its end)" ]
	cp orig.db c.db
	untrigger c.db
	sqlite3 c.db "DELETE FROM entries WHERE seq >= 8; DELETE FROM der_ids WHERE seq >= 8; UPDATE meta SET value = '8' WHERE key = 'size'"
	run --separate-stderr fx-audit verify --db c.db --pubkey k.pub
	[ "$status" -eq 1 ]
	[ "$stderr" = "fx-audit: verify: FAILED: checkpoint at size 11, but the store has 8 entries (entries were removed from its end)" ]
	# the honest store, grown since, extends the kept checkpoint
	fixture | fx-audit append -q --db orig.db --key k.key
	run --separate-stderr fx-audit verify --db orig.db --pubkey k.pub --checkpoint kept.note
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "$(okline fluxeon.test/log 22 0 2 22 "$(ref root orig.db)")" ]
	[ "${lines[1]}" = "fx-audit: verify: OK: extends kept.note (11 entries)" ]
}

@test "verify: a store rebuilt with a new key fails with the regulator's key and against the kept checkpoint; one rebuilt with the same key, against the kept checkpoint (a fork)" {
	mkstore
	fx-audit checkpoint --db a.db --key k.key > kept.note
	keys k2
	fx-audit append -q --db f.db --key k2.key --origin fluxeon.test/log in.ndjson
	# the same records under the same origin, so the same shape
	[ "$(count f.db 'SELECT count(*) FROM entries')" -eq 11 ]
	run --separate-stderr fx-audit verify --db f.db --pubkey k.pub
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-audit: verify: FAILED: checkpoint at size 11: signature: no signature by a known key (first unknown 'fluxeon.test/audit+$(keyid k2.pub)')" ]
	# trusting the rebuilt store's own key, it is the kept checkpoint that fails
	run --separate-stderr fx-audit verify --db f.db --checkpoint kept.note
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "fx-audit: warning: verify: checking signatures with the key stored in f.db; give --pubkey with your own copy to rule out a rebuilt store" ]
	[ "${stderr_lines[1]}" = "fx-audit: verify: FAILED: kept.note: not signed by the key: no signature by a known key (first unknown 'fluxeon.test/audit+$(keyid k.pub)')" ]
	# with only its own key and no kept checkpoint, nothing can tell
	run --separate-stderr fx-audit verify --db f.db
	[ "$status" -eq 0 ]
	# the insider: same key, same origin, one record changed
	sed 's/"ana"/"bob"/' in.ndjson | fx-audit append -q --db g.db --key k.key --origin fluxeon.test/log
	run --separate-stderr fx-audit verify --db g.db --pubkey k.pub
	[ "$status" -eq 0 ]
	run --separate-stderr fx-audit verify --db g.db --pubkey k.pub --checkpoint kept.note
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-audit: verify: FAILED: kept.note: the store's first 11 entries are not the ones your checkpoint signed (a fork)" ]
	# a kept checkpoint of another log
	fx-audit append -q --db h.db --key k.key --origin fluxeon.test/other in.ndjson
	run --separate-stderr fx-audit verify --db h.db --pubkey k.pub --checkpoint kept.note
	[ "$status" -eq 1 ]
	[ "$stderr" = "fx-audit: verify: FAILED: kept.note: a checkpoint of another log (fluxeon.test/log), not fluxeon.test/other" ]
}

@test "verify: a checkpoint note altered, in the store or the one kept" {
	mkstore
	fx-audit checkpoint --db a.db --key k.key > kept.note
	untrigger a.db
	cp a.db orig.db
	while IFS='#' read -r sql want; do
		cp orig.db a.db
		sqlite3 a.db "$sql"
		run --separate-stderr fx-audit verify --db a.db --pubkey k.pub
		[ "$status" -eq 1 ] || { echo "$sql: exit $status"; return 1; }
		[ "$stderr" = "fx-audit: verify: FAILED: $want" ] || { echo "$sql: $stderr"; return 1; }
	done <<-EOF
	UPDATE checkpoints SET note = replace(note, char(10) || '11' || char(10), char(10) || '12' || char(10))#checkpoint at size 11: signature: signature by key 'fluxeon.test/audit+$(keyid k.pub)' does not verify
	UPDATE checkpoints SET note = replace(note, 'fluxeon.test/log', 'fluxeon.test/lox')#checkpoint at size 11: signature: signature by key 'fluxeon.test/audit+$(keyid k.pub)' does not verify
	UPDATE checkpoints SET note = substr(note, 1, instr(note, char(10) || char(10)))#checkpoint at size 11: signature: note has no blank line before signatures
	EOF
	# one signature byte
	awk 'NR == 5 { c = substr($3, 20, 1); $3 = substr($3, 1, 19) (c == "A" ? "B" : "A") substr($3, 21) } 1' kept.note > bad.note
	! cmp -s kept.note bad.note
	sigbad bad.note k.pub
	run --separate-stderr fx-audit verify --db orig.db --pubkey k.pub --checkpoint bad.note
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-audit: verify: FAILED: bad.note: not signed by the key: signature by key 'fluxeon.test/audit+$(keyid k.pub)' does not verify" ]
	# its size
	sed '2 s/11/10/' kept.note > bad.note
	run --separate-stderr fx-audit verify --db orig.db --pubkey k.pub --checkpoint bad.note
	[ "$status" -eq 1 ]
	[ "$stderr" = "fx-audit: verify: FAILED: bad.note: not signed by the key: signature by key 'fluxeon.test/audit+$(keyid k.pub)' does not verify" ]
}

# --- prove, verify-proof ---

@test "prove: a bundle per entry (--seq, --obp) with the entry, its leaf hash, the RFC 6962 inclusion path and the checkpoint; verify-proof checks them offline" {
	mkstore
	fx-audit checkpoint --db a.db --key k.key > note
	for seq in 0 1 2 3 4 5 6 7 8 9 10; do
		run --separate-stderr fx-audit prove --db a.db --seq "$seq"
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		[ "${#lines[@]}" -eq 1 ]
		printf '%s\n' "$output" > "p$seq"
	done
	cat p0 p1 p2 p3 p4 p5 p6 p7 p8 p9 p10 > all
	# the entries are the stored bodies, which are right (see above)
	run ref bodies a.db kept.ndjson
	[ "$status" -eq 0 ]
	# each bundle: its fields in order, format and origin, the checkpoint
	# note, and the entry, leaf hash, size, root and path as computed in python
	[ "$(jq -c 'keys_unsorted' all | sort -u)" = '["format","origin","seq","entry","leaf_hash","tree_size","root","inclusion","checkpoint"]' ]
	[ "$(jq -r '[.format, .origin] | join(" ")' all | sort -u)" = "fluxeon-audit-proof/1 fluxeon.test/log" ]
	[ "$(jq -r '.checkpoint | @base64' all | sort -u)" = "$(base64 -w0 note)" ]
	cmp <(jq -c '{seq, entry, leaf_hash, tree_size, root, inclusion}' all) <(ref bundles a.db 11)
	run --separate-stderr fx-audit verify-proof --pubkey k.pub p0 p1 p2 p3 p4 p5 p6 p7 p8 p9 p10
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "$(for i in 0 1 2 3 4 5 6 7 8 9 10; do echo "fx-audit: verify-proof: OK: entry $i is in the log"; done)" ]
	# by OBP ID: every entry of it, in order
	run --separate-stderr fx-audit prove --db a.db --obp OBP-1
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	cmp <(printf '%s\n' "$output") <(cat p4 p9)
	printf '%s\n' "$output" | fx-audit verify-proof --pubkey k.pub > out
	[ "$(cat out)" = "$(printf 'fx-audit: verify-proof: OK: entry %s is in the log\n' 4 9)" ]
	# a proof from the first checkpoint still holds after the store grew
	fixture | fx-audit append -q --db a.db --key k.key
	run --separate-stderr fx-audit verify-proof --pubkey k.pub p4
	[ "$status" -eq 0 ]
	fx-audit prove --db a.db --obp OBP-2 > q
	[ "$(jq -c '[.seq, .tree_size]' q | paste -sd' ')" = "[10,22] [21,22]" ]
	[ "$(jq -c .inclusion q | head -n 1)" = "$(ref path a.db 10 22)" ]
	fx-audit verify-proof --pubkey k.pub q
}

@test "the nodes table holds the root of each aligned run of 256 entries and up; prove reads it, verify checks it, a store without it gets it at its next append" {
	keys
	seq 0 1099 | jq -c '{type: "control", user: "u\(.)", action: "note", timestamp: "2025-01-06T10:00:00Z"}' > big.ndjson
	fx-audit append -q --db a.db --key k.key --origin fluxeon.test/log big.ndjson
	# 4 runs of 256, 2 of 512, 1 of 1024, as python computes them
	[ "$(sqlite3 a.db 'SELECT count(*) FROM nodes')" -eq 7 ]
	cmp <(sqlite3 a.db "SELECT level, idx, hex(hash) FROM nodes ORDER BY level, idx") <(ref nodes a.db)
	for seq in 0 300 1023 1024 1099; do
		fx-audit prove --db a.db --seq $seq > p
		[ "$(jq -c .inclusion p)" = "$(ref path a.db $seq 1100)" ]
		fx-audit verify-proof --pubkey k.pub p
	done
	fx-audit verify --db a.db --pubkey k.pub
	# a node changed behind its back: verify names it; a proof through it fails
	cp a.db b.db
	sqlite3 b.db "DROP TRIGGER nodes_no_update; UPDATE nodes SET hash = zeroblob(32) WHERE level = 9 AND idx = 0"
	run --separate-stderr fx-audit verify --db b.db --pubkey k.pub
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"nodes: the root of entries [0, 512) (level 9, index 0) is not theirs"* ]]
	fx-audit prove --db b.db --seq 600 > p
	run --separate-stderr fx-audit verify-proof --pubkey k.pub p
	[ "$status" -eq 1 ]
	# one deleted, one added
	cp a.db b.db
	sqlite3 b.db "DROP TRIGGER nodes_no_delete; DELETE FROM nodes WHERE level = 8 AND idx = 3"
	run --separate-stderr fx-audit verify --db b.db --pubkey k.pub
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"nodes: the root of entries [768, 1024) (level 8, index 3) is missing"* ]]
	cp a.db b.db
	sqlite3 b.db "INSERT INTO nodes VALUES (8, 99, zeroblob(32))"
	run --separate-stderr fx-audit verify --db b.db --pubkey k.pub
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"nodes: 8 rows, but 1100 entries make 7 (rows were added)"* ]]
	# a store from before the table: verify warns, prove reads the leaves,
	# the next append makes the nodes
	cp a.db b.db
	sqlite3 b.db "DROP TABLE nodes"
	run --separate-stderr fx-audit verify --db b.db --pubkey k.pub
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"has no subtree roots"* ]]
	fx-audit prove --db b.db --seq 300 > p
	[ "$(jq -c .inclusion p)" = "$(ref path b.db 300 1100)" ]
	echo '{"type":"control","user":"x","action":"note"}' | fx-audit append -q --db b.db --key k.key
	[ "$(sqlite3 b.db 'SELECT count(*) FROM nodes')" -eq 7 ]
	run --separate-stderr fx-audit verify --db b.db --pubkey k.pub
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

@test "--enc-key: the --encrypt members (payload by default) stored as AES-256-GCM envelopes; verify needs no key, with it authenticates each; query --enc-key gives the lines back byte for byte" {
	keys
	fx-audit keygen --encryption -o aes.key
	[ "$(stat -c %a aes.key)" = 600 ]
	[ "$(base64 -d aes.key | wc -c)" -eq 32 ]
	cat > in.ndjson <<-'EOF'
	{"type":"beckn","direction":"in","transaction_id":"T1","received_at":"2025-01-06T10:06:00Z","payload":{"message":{"order":{"id":"O1","billing":{"name":"Zo\u00eb \"Z\" Smith"}}}},"n":1}
	{"type":"order","order_id":"O1","obp_id":"OBP-1","price":{"value":12.5},"created_at":"2025-01-06T10:06:00Z"}
	{"type":"beckn","payload":"plain é string", "p\u0061yload" : [1, 2] ,"price":7}
	{"type":"control","user":"ana","action":"note"}
	EOF
	fx-audit append -q --db a.db --key k.key --origin fluxeon.test/log --enc-key aes.key in.ndjson
	# by default the payload only: its text is not in the store
	! grep -q Smith a.db
	[ "$(sqlite3 a.db "SELECT count(*) FROM entries WHERE instr(body, '\"payload\":{\"fx_enc\":\"A256GCM\",\"kid\":\"') > 0")" -eq 2 ]
	[ "$(sqlite3 a.db "SELECT count(*) FROM entries WHERE instr(body, '\"price\":{\"value\":12.5}') > 0")" -eq 1 ]
	# the columns are the plaintext record's
	[ "$(sqlite3 a.db "SELECT obp_id FROM entries WHERE seq = 1")" = OBP-1 ]
	run --separate-stderr fx-audit verify --db a.db --pubkey k.pub
	[ "$status" -eq 0 ]
	run --separate-stderr fx-audit verify --db a.db --pubkey k.pub --enc-key aes.key
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "fx-audit: verify: OK: 3 encrypted members authenticated with key $(sha256sum < <(base64 -d aes.key) | cut -c1-8)" ]
	fx-audit query --db a.db --enc-key aes.key > out
	cmp out in.ndjson
	# python opens the envelopes on its own
	run ref decrypt a.db aes.key
	[ "$status" -ne 77 ] || skip "python3 has no cryptography module"
	[ "$status" -eq 0 ]
	cmp <(printf '%s\n' "$output") in.ndjson
	# without the key, query gives the envelopes
	[ "$(fx-audit query --db a.db --type order | jq -c .price)" = '{"value":12.5}' ]
	fx-audit query --db a.db --obp OBP-1 > /dev/null
	# --encrypt names them; index members are refused before the store is touched
	fx-audit append -q --db b.db --key k.key --enc-key aes.key --encrypt price,n in.ndjson
	[ "$(fx-audit query --db b.db --type order | jq -r .price.fx_enc)" = A256GCM ]
	fx-audit query --db b.db --enc-key aes.key | cmp - in.ndjson
	for m in feeder_id type obp_id der_ids activations timestamp; do
		run --separate-stderr fx-audit append -q --db c.db --enc-key aes.key --encrypt "payload,$m" in.ndjson
		[ "$status" -eq 2 ]
		[ "$stderr" = "fx-audit: --encrypt: '$m' makes an index column and cannot be encrypted" ]
		[ ! -e c.db ]
	done
	run --separate-stderr fx-audit append -q --db c.db --encrypt price in.ndjson
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-audit: --encrypt needs --enc-key" ]
	# a key readable by others, or not 32 bytes, is refused
	cp aes.key loose.key; chmod 644 loose.key
	run --separate-stderr fx-audit query --db a.db --enc-key loose.key
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-audit: loose.key: encryption key is accessible by group or others (mode 0644); chmod 600 it" ]
	printf 'c2hvcnQ=\n' > short.key; chmod 600 short.key
	run --separate-stderr fx-audit append -q --db c.db --enc-key short.key in.ndjson
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"short.key: want the base64 of 32 bytes"* ]]
	# another key: named, not mistaken for tampering
	fx-audit keygen --encryption -o other.key
	run --separate-stderr fx-audit verify --db a.db --pubkey k.pub --enc-key other.key
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"entry 0: payload: encrypted with key "*", not this key"* ]]
	run --separate-stderr fx-audit keygen --encryption -o aes.key
	[ "$status" -eq 1 ]
}

@test "--enc-key: an envelope changed, or moved to another entry with its leaf recomputed, does not authenticate" {
	keys
	fx-audit keygen --encryption -o aes.key
	for i in 1 2; do echo "{\"type\":\"beckn\",\"transaction_id\":\"T$i\",\"payload\":{\"m\":$i}}"; done > in.ndjson
	fx-audit append -q --db a.db --key k.key --enc-key aes.key in.ndjson
	untrigger a.db
	# one ciphertext byte: the leaf no longer matches (no key needed)
	cp a.db b.db
	sqlite3 b.db "UPDATE entries SET body = CAST(replace(CAST(body AS TEXT), '\"ct\":\"', '\"ct\":\"A') AS BLOB) WHERE seq = 0"
	run --separate-stderr fx-audit verify --db b.db --pubkey k.pub
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"entry 0: its body does not hash to its leaf"* ]]
	# entry 1's envelope put in entry 0, its leaf recomputed: the key
	# catches it at that entry, before the checkpoint does
	cp a.db b.db
	env1=$(sqlite3 a.db "SELECT body FROM entries WHERE seq = 1" | jq -c .record.payload)
	body0=$(sqlite3 a.db "SELECT body FROM entries WHERE seq = 0" | jq -c --argjson e "$env1" '.record.payload = $e')
	"$PY" - b.db "$body0" <<-'PY'
	import hashlib, sqlite3, sys
	c = sqlite3.connect(sys.argv[1])
	b = sys.argv[2].encode()
	c.execute('UPDATE entries SET body = ?, leaf = ? WHERE seq = 0', (b, hashlib.sha256(b'\x00' + b).digest()))
	c.execute('DROP TABLE nodes')
	c.commit()
	PY
	run --separate-stderr fx-audit verify --db b.db --pubkey k.pub --enc-key aes.key
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"entry 0: payload: the envelope does not authenticate (changed, or moved from another entry)"* ]]
}

@test "verify-proof: an altered entry, proof hash, seq, size or root, the wrong key, a truncated bundle: FAILED, exit 1" {
	mkstore
	fx-audit prove --db a.db --seq 4 > p
	fx-audit prove --db a.db --seq 9 > p9
	keys k2
	zero=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
	while IFS='#' read -r filter want; do
		jq -c "$filter" p > bad
		run --separate-stderr fx-audit verify-proof --pubkey k.pub bad
		[ "$status" -eq 1 ] || { echo "$filter: exit $status"; return 1; }
		[ -z "$output" ]
		[ "$stderr" = "fx-audit: bad:1: FAILED: $want" ] || { echo "$filter: $stderr"; return 1; }
	done <<-EOF
	.entry |= sub("ORD1"; "ORD7")#inclusion proof leads to another root
	.entry |= .[:-1] + " }"#inclusion proof leads to another root
	.inclusion[0] = "$zero"#inclusion proof leads to another root
	.inclusion[3] = "$zero"#inclusion proof leads to another root
	.inclusion |= .[:-1]#inclusion proof has 3 hashes, want 4
	.inclusion += ["$zero"]#inclusion proof has 5 hashes, want 4
	.inclusion[1] = "not base64"#inclusion[1]: not a base64 hash
	.seq = 5#the entry is not entry 5
	.seq = 5 | .entry |= sub("\"seq\":4"; "\"seq\":5")#inclusion proof leads to another root
	.tree_size = 10#the root and size are not the signed checkpoint's
	.root = "$zero"#the root and size are not the signed checkpoint's
	.checkpoint |= sub("\n11\n"; "\n12\n")#signature by key 'fluxeon.test/audit+$(keyid k.pub)' does not verify
	.format = "other"#not a fluxeon-audit-proof/1 bundle
	del(.entry)#missing or bad entry, seq, tree_size, root or checkpoint
	.seq = 11#missing or bad entry, seq, tree_size, root or checkpoint
	EOF
	# the entry of another seq, with its own hashes: the path does not fit
	jq -c --slurpfile o p9 '.entry = $o[0].entry' p > bad
	run --separate-stderr fx-audit verify-proof --pubkey k.pub bad
	[ "$status" -eq 1 ]
	[ "$stderr" = "fx-audit: bad:1: FAILED: the entry is not entry 4" ]
	# the wrong key
	run --separate-stderr fx-audit verify-proof --pubkey k2.pub p
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-audit: p:1: FAILED: no signature by a known key (first unknown 'fluxeon.test/audit+$(keyid k.pub)')" ]
	# truncated
	head -c 300 p > bad
	run --separate-stderr fx-audit verify-proof --pubkey k.pub < bad
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == "fx-audit: stdin:1: FAILED: invalid JSON: "* ]]
	# one bad among good ones: each told, exit 1
	{ cat p; jq -c '.inclusion[0] = "'"$zero"'"' p9; cat p9; } > mixed
	run --separate-stderr fx-audit verify-proof --pubkey k.pub mixed
	[ "$status" -eq 1 ]
	[ "$output" = "$(printf 'fx-audit: verify-proof: OK: entry %s is in the log\n' 4 9)" ]
	[ "$stderr" = "fx-audit: mixed:2: FAILED: inclusion proof leads to another root" ]
	# origin and leaf_hash are informative (as documented): not read
	jq -c '.leaf_hash = "'"$zero"'" | .origin = "fluxeon.test/other"' p | fx-audit verify-proof --pubkey k.pub
	# nothing at all
	run --separate-stderr fx-audit verify-proof --pubkey k.pub < /dev/null
	[ "$status" -eq 1 ]
	[ "$stderr" = "fx-audit: verify-proof: no bundle" ]
}


@test "prove: no checkpoint yet, an entry after the latest checkpoint, no such entry or OBP ID: a clear error, exit 1" {
	keys
	fixture > in.ndjson
	fx-audit append -q --db n.db in.ndjson
	run --separate-stderr fx-audit prove --db n.db --seq 1
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-audit: n.db: no checkpoint yet: run fx-audit checkpoint" ]
	fx-audit checkpoint --db n.db --key k.key > /dev/null
	fx-audit append -q --db n.db in.ndjson
	run --separate-stderr fx-audit prove --db n.db --seq 11
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-audit: n.db: entry 11 is after the latest checkpoint (11): run fx-audit checkpoint" ]
	# by OBP ID: the entries covered, then the error for the first that is not
	run --separate-stderr fx-audit prove --db n.db --obp OBP-1
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | jq -c .seq | paste -sd' ')" = "4 9" ]
	[ "$stderr" = "fx-audit: n.db: entry 15 is after the latest checkpoint (11): run fx-audit checkpoint" ]
	run --separate-stderr fx-audit prove --db n.db --seq 22
	[ "$status" -eq 1 ]
	[ "$stderr" = "fx-audit: n.db: no entry with that number" ]
	run --separate-stderr fx-audit prove --db n.db --obp OBP-9
	[ "$status" -eq 1 ]
	[ "$stderr" = "fx-audit: n.db: no entry with that OBP ID" ]
	fx-audit checkpoint --db n.db --key k.key > /dev/null
	fx-audit prove --db n.db --seq 11 | fx-audit verify-proof --pubkey k.pub
}

# --- query ---

# want FILTER [ARG] < LINES: the lines whose record FILTER selects ($v is ARG).
want() {
	jq -Rr --arg v "${2:-}" "def ders: [.der_id?, (.der_ids // [])[], (.activations // [])[].der_id, (.ders // [])[].der_id] | map(strings);
	    . as \$l | fromjson | select($1) | \$l"
}

@test "query by OBP ID, feeder, type, DER (der_id, der_ids, activations, ders), aggregator, event, plan, and together: the records byte for byte" {
	mkstore
	while IFS='#' read -r args filter arg; do
		want "$filter" "$arg" < kept.ndjson > want
		[ -s want ] || { echo "$args: nothing expected"; return 1; }
		run --separate-stderr fx-audit query --db a.db $args
		[ "$status" -eq 0 ] || { echo "$args: exit $status"; return 1; }
		[ -z "$stderr" ]
		cmp <(printf '%s\n' "$output") want || { echo "$args: $output"; return 1; }
	done <<-'EOF'
	--obp OBP-1#.obp_id == $v#OBP-1
	--obp OBP-2#.obp_id == $v#OBP-2
	--feeder F1#.feeder_id == $v#F1
	--feeder F2#.feeder_id == $v#F2
	--type order#.type == $v#order
	--type config#.type == $v#config
	--der D1#ders | index($v)#D1
	--der D2#ders | index($v)#D2
	--der D3#ders | index($v)#D3
	--aggregator A1#.aggregator_id == $v#A1
	--aggregator A2#.aggregator_id == $v#A2
	--event E1#.event_id == $v#E1
	--plan P1#.plan_id == $v#P1
	--feeder F1 --type order#.feeder_id == "F1" and .type == "order"#
	--der D1 --obp OBP-1#(ders | index("D1")) and .obp_id == "OBP-1"#
	EOF
	# D1 is named four ways: an activation, a catalog entry, der_ids, der_id
	[ "$(fx-audit query --db a.db --der D1 | jq -r .type | paste -sd' ')" = "plan catalog order obp" ]
	# no match, no output
	run --separate-stderr fx-audit query --db a.db --obp OBP-9
	[ "$status" -eq 0 ]
	[ -z "$output" ] && [ -z "$stderr" ]
	# everything
	fx-audit query --db a.db | cmp - kept.ndjson
	# records as they were spelt: read as JSON (escapes, spaces, a key twice:
	# the last), given back as written
	printf '%s\n' ' {"obp_id":"OBP-5", "type" : "order","der_ids":["D\u0035"]} ' \
	    '{"type":"alert","feeder_id":"F\u0037","obp_id":"OBP-6","obp_id":"OBP-7"}' \
	    '{"type":"al\u0065rt","feeder_id":"F\/8"}' > odd
	fx-audit append -q --db a.db --key k.key odd
	[ "$(fx-audit query --db a.db --der D5)" = "$(sed -n 1p odd)" ]
	[ "$(fx-audit query --db a.db --obp OBP-5)" = "$(sed -n 1p odd)" ]
	[ "$(fx-audit query --db a.db --feeder F7)" = "$(sed -n 2p odd)" ]
	[ "$(fx-audit query --db a.db --obp OBP-7)" = "$(sed -n 2p odd)" ]
	[ -z "$(fx-audit query --db a.db --obp OBP-6)" ]
	[ "$(fx-audit query --db a.db --feeder F/8 --type alert)" = "$(sed -n 3p odd)" ]
}

@test "query --from/--to on the record's time: timestamp, issued_at, window_start, slice_start, received_at or created_at, the first that is one; --entries gives the entries" {
	keys
	{ fixture
	  jq -nc '{type: "alert", timestamp: "soon", created_at: "2025-01-06T10:06:30Z", n: 1},
	      {type: "control", timestamp: "2025-01-06T10:07:30Z", issued_at: "2025-01-06T09:00:00Z", n: 2},
	      {type: "alert", slice_start: "2025-01-06T10:05:30Z", created_at: "2025-01-06T12:00:00Z", n: 3},
	      {type: "alert", window_start: "2025-01-06T09:59:59Z", n: 4},
	      {type: "alert", received_at: "2025-01-06T10:08:00Z", n: 5}'; } > in.ndjson
	kept < in.ndjson > kept.ndjson
	fx-audit append -q --db a.db --key k.key in.ndjson
	# the time of a record (null: none, then the append time counts)
	# ([...][0], not first(): jq 1.6's first() lets try/catch leak more values)
	tm='[(.timestamp, .issued_at, .window_start, .slice_start, .received_at, .created_at) | strings | try fromdate catch empty][0] // now'
	for range in "2025-01-06T10:05:00Z 2025-01-06T10:08:00Z" "2025-01-06T10:00:00Z 2025-01-06T10:00:01Z" \
	    "2025-01-06T09:00:00Z 2025-01-06T10:00:00Z" "2025-01-06T10:06:00Z -" "- 2025-01-06T10:05:31Z" \
	    "2025-01-06T00:00:00Z 2025-01-07T00:00:00+00:00" "2025-01-06T11:05:00+01:00 2025-01-06T10:06:00Z"; do
		set -- $range
		f=$1 t=$2
		args=()
		[ "$f" = - ] || args+=(--from "$f")
		[ "$t" = - ] || args+=(--to "$t")
		# the bounds in seconds by date(1); none: null
		fs=null ts=null
		[ "$f" = - ] || fs=$(date -d "$f" +%s)
		[ "$t" = - ] || ts=$(date -d "$t" +%s)
		want "($tm) as \$t | ($fs == null or \$t >= $fs) and ($ts == null or \$t < $ts)" < kept.ndjson > want
		[ -s want ] || { echo "$range: nothing expected"; return 1; }
		run --separate-stderr fx-audit query --db a.db "${args[@]}"
		[ "$status" -eq 0 ] || { echo "$range: $stderr"; return 1; }
		[ -z "$stderr" ]
		cmp <(printf '%s\n' "$output") want || { echo "$range: $output"; return 1; }
	done
	# the fallbacks by hand: n 1 by created_at, 2 by timestamp, 3 by slice_start
	[ "$(fx-audit query --db a.db --from 2025-01-06T10:05:30Z --to 2025-01-06T10:07:31Z | jq -c 'select(.n) | .n' | paste -sd' ')" = "1 2 3" ]
	# --entries: the entries themselves, as stored
	run --separate-stderr fx-audit query --db a.db --entries --feeder F2
	[ "$status" -eq 0 ]
	sqlite3 a.db "SELECT writefile('e' || seq, body) FROM entries WHERE feeder_id = 'F2' ORDER BY seq" > /dev/null
	cmp <(printf '%s\n' "$output") <(for f in $(ls e* | sort -k1.2n); do cat "$f"; echo; done)
	[ "$(printf '%s\n' "$output" | jq -c .record)" = "$(want '.feeder_id == "F2"' < kept.ndjson | jq -c .)" ]
	# a bad time
	run --separate-stderr fx-audit query --db a.db --from yesterday
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "fx-audit: --from: not a date-time (want YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM]) 'yesterday'" ]
	run --separate-stderr fx-audit query --db none.db
	[ "$status" -eq 2 ]
	[ "$stderr" = "fx-audit: none.db: unable to open database file" ]
}

# --- crash safety ---

@test "a store whose making was cut short is made whole by the next append" {
	keys
	fx-audit append -q --db model.db < /dev/null
	sqlite3 model.db .schema | grep -v '^CREATE TABLE sqlite_' | sqlite3 c.db
	fixture > in.ndjson
	run --separate-stderr fx-audit append -q --db c.db --key k.key --origin fluxeon.test/log in.ndjson
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	run --separate-stderr fx-audit verify --db c.db --pubkey k.pub
	[ "$status" -eq 0 ]
	[ "$output" = "$(okline fluxeon.test/log 11 0 1 11 "$(ref root c.db)")" ]
}

@test "kill -9 in the middle of large appends, again and again: the store verifies and holds every record passed on, in order; the next append goes on" {
	keys
	# state changes n = 0 ... 199999, in a file so that what the store
	# holds can be compared with them
	awk 'BEGIN { for (i = 0; i < 200000; i++)
	    printf "{\"type\":\"state_change\",\"event_id\":\"F%03d@%d\",\"feeder_id\":\"F%03d\",\"timestamp\":\"2025-01-06T00:00:00Z\",\"prev_state\":0,\"new_state\":1,\"n\":%d}\n", i % 100, i, i % 100, i }' > big
	# the store made first (its making is one transaction of its own)
	fx-audit append -q --db c.db --key k.key < /dev/null
	have=0 killed=0 round=0
	# four kills; longer ones after them only while nothing was committed
	# yet (a slow machine, a sanitizer build)
	for d in 0.2 0.5 0.8 0.3 2 4 8; do
		round=$((round + 1))
		[ "$round" -le 4 ] || [ "$have" -eq 0 ] || [ "$killed" -lt 2 ] || break
		# the rest of the records, from a pipe, killed after d seconds
		tail -n +$((have + 1)) big 3>&- | fx-audit append --db c.db --key k.key --batch 1000 --every 5000 --pass > passed 2> err 3>&- &
		pid=$!
		sleep "$d"
		kill -9 "$pid" 2> /dev/null || true
		st=0
		wait "$pid" || st=$?
		[ "$st" -eq 137 ] || [ "$st" -eq 0 ] || { echo "append: exit $st: $(cat err)"; return 1; }
		[ "$st" -eq 0 ] || killed=$((killed + 1))
		p=$(wc -l < passed)
		run --separate-stderr fx-audit verify --db c.db --pubkey k.pub
		[ "$status" -eq 0 ] || { echo "after $d s: $stderr"; return 1; }
		[ -z "$stderr" ] || [ "$stderr" = "$NOCP" ]
		[[ "$output" =~ ^fx-audit:\ verify:\ OK:\ fluxeon\.test/audit:\ ([0-9]+)\ entries ]] || { echo "$output"; return 1; }
		n=${BASH_REMATCH[1]}
		echo "# killed after $d s: $p passed on, $n entries" >&3
		# every record passed on is in the store, and in its place: the
		# store holds the first n records, and nothing else
		[ "$n" -ge $((have + p)) ]
		cmp passed <(tail -n +$((have + 1)) big | head -n "$p")
		fx-audit query --db c.db | cmp - <(head -n "$n" big)
		have=$n
		[ "$have" -lt 200000 ] || break
	done
	[ "$killed" -ge 2 ]
	[ "$have" -gt 0 ]
	# the next append numbers on from there
	jq -nc 'range(10) | {type: "state_change", event_id: "G\(.)", feeder_id: "G", timestamp: "2025-01-07T00:00:00Z", n: .}' > more
	run --separate-stderr fx-audit append --db c.db --key k.key more
	[ "$status" -eq 0 ]
	[ "$stderr" = "$(summary 10 10 "$have" $((have + 10)) 0 0 $((have + 10)))" ]
	run --separate-stderr fx-audit verify --db c.db --pubkey k.pub
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ "$output" == "fx-audit: verify: OK: fluxeon.test/audit: $((have + 10)) entries (0 pruned), "*" checkpoints, the latest at $((have + 10)); root "* ]]
	fx-audit query --db c.db | cmp - <(head -n "$have" big; cat more)
}
