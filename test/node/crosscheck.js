#!/usr/bin/env node
'use strict';
/*
 * crosscheck.js - BECKN-006 signatures made and checked by a second
 * implementation (libsodium, through libsodium-wrappers), to cross-check
 * FLUXEON's own (common/bsign.c, over OpenSSL).  Nothing here is taken
 * from FLUXEON's code: it follows the draft and its example flow.
 *
 *   node crosscheck.js verify [--now unix] [--skew s] [--no-time] body auth pub
 *   node crosscheck.js counter [--now unix] [--skew s] [--no-time]
 *                      [--ack body] request signature pub message_id
 *   node crosscheck.js sign [--created unix] [--expires unix] body
 *                      subscriber_id key_id private_key
 *   node crosscheck.js vector [file]
 *
 * body and request are files of the exact bytes ("-": the standard
 * input); auth and signature are header values ("Signature keyId=...");
 * pub is the base64 of a 32-byte Ed25519 public key; private_key the
 * base64 of the 64-byte libsodium secret key (seed || public key, as
 * fx-beckn keygen writes it) or of the 32-byte seed.  A key argument
 * "@file" is read from that file, so that no key shows in ps(1).
 *
 * verify prints "ok: SUBSCRIBER|KEY_ID" and exits 0, or prints why not
 * and exits 1.  counter does the same for a v2 Ack's CounterSignature,
 * whose signing string is the request's three lines over the Ack body
 * (--ack, default {"status":"ACK"}) followed by
 *   "(request-digest): BLAKE-512=" digest(request)
 *   "(message-id): " message_id
 * sign prints the Authorization value for body, created now and expiring
 * 30 seconds later unless told.  vector checks the published BECKN-006
 * example (../shared/beckn/signing/test-vector-BECKN-006.json by
 * default): exit 0 if every check passes, 1 if one fails, 77 if the file
 * is not there.  Usage errors exit 2.
 */
const fs = require('fs');
const path = require('path');

let sodium;
try {
	sodium = require('libsodium-wrappers');
} catch (e) {
	process.stderr.write('crosscheck: libsodium-wrappers is not installed ' +
	    '(cd test/node && npm install)\n');
	process.exit(2);
}

const PROG = 'crosscheck';
const HEADERS = '(created) (expires) digest';
const COUNTER_HEADERS = '(created) (expires) digest (request-digest) (message-id)';
const DEFAULT_VECTOR = path.resolve(__dirname, '..', '..', '..', 'shared',
    'beckn', 'signing', 'test-vector-BECKN-006.json');

class Usage extends Error {}
class Refused extends Error {}

function usage(msg) {
	throw new Usage(msg);
}

/* Strict standard base64 (RFC 4648 section 4, with padding). */
function b64decode(s, what) {
	if (typeof s !== 'string' || s.length % 4 !== 0 ||
	    !/^[A-Za-z0-9+/]*={0,2}$/.test(s))
		throw new Refused(`${what}: not standard base64`);
	const b = Buffer.from(s, 'base64');
	if (b.toString('base64') !== s)
		throw new Refused(`${what}: not canonical base64`);
	return new Uint8Array(b);
}

function b64(u8) {
	return sodium.to_base64(u8, sodium.base64_variants.ORIGINAL);
}

/* BLAKE2b-512 of the bytes, standard base64. */
function digest(bytes) {
	return b64(sodium.crypto_generichash(64, bytes));
}

function signingString(body, created, expires) {
	return `(created): ${created}\n(expires): ${expires}\n` +
	    `digest: BLAKE-512=${digest(body)}`;
}

function counterString(ack, request, messageId, created, expires) {
	return signingString(ack, created, expires) +
	    `\n(request-digest): BLAKE-512=${digest(request)}` +
	    `\n(message-id): ${messageId}`;
}

/*
 * A header value into its parameters, as draft-cavage-http-signatures-12
 * section 2.1 writes them: the scheme "Signature", then name="value"
 * pairs separated by commas (blanks around the commas allowed).  A
 * parameter given twice is refused, as the draft asks.
 */
function parseHeader(value, kind) {
	if (typeof value !== 'string' || value === '')
		throw new Refused(`${kind}: missing`);
	const m = /^Signature[ ]+(.*)$/is.exec(value);
	if (!m)
		throw new Refused(`${kind}: not the Signature scheme`);
	const params = {};
	let rest = m[1];
	const re = /^[ \t]*([A-Za-z][A-Za-z0-9_-]*)="([^"\\]*)"[ \t]*(,|$)/;
	while (rest.length > 0) {
		const p = re.exec(rest);
		if (!p)
			throw new Refused(`${kind}: not name="value" parameters ` +
			    `at '${rest.slice(0, 20)}'`);
		const name = p[1].toLowerCase();
		if (Object.prototype.hasOwnProperty.call(params, name))
			throw new Refused(`${kind}: ${p[1]} given twice`);
		params[name] = p[2];
		rest = rest.slice(p[0].length);
		if (p[3] === ',' && rest.length === 0)
			throw new Refused(`${kind}: a comma after the last parameter`);
	}
	for (const k of ['keyid', 'algorithm', 'created', 'expires', 'headers',
	    'signature'])
		if (!(k in params))
			throw new Refused(`${kind}: no ${k} parameter`);
	const ids = params.keyid.split('|');
	if (ids.length !== 3 || ids[0] === '' || ids[1] === '')
		throw new Refused(`${kind}: keyId '${params.keyid}' is not ` +
		    'subscriber_id|unique_key_id|algorithm');
	/* BECKN-006 step 2.3: keyId's algorithm must be the algorithm's */
	if (ids[2] !== params.algorithm)
		throw new Refused(`${kind}: keyId's algorithm '${ids[2]}' is not ` +
		    `the algorithm '${params.algorithm}'`);
	if (params.algorithm !== 'ed25519')
		throw new Refused(`${kind}: algorithm '${params.algorithm}' is ` +
		    'not ed25519');
	for (const k of ['created', 'expires'])
		if (!/^(0|[1-9][0-9]{0,11})$/.test(params[k]))
			throw new Refused(`${kind}: ${k} '${params[k]}' is not a ` +
			    'unix time');
	const want = kind === 'counter-signature' ? COUNTER_HEADERS : HEADERS;
	if (params.headers !== want)
		throw new Refused(`${kind}: headers '${params.headers}', want ` +
		    `'${want}'`);
	const sig = b64decode(params.signature, `${kind}: signature`);
	if (sig.length !== 64)
		throw new Refused(`${kind}: signature is ${sig.length} bytes, ` +
		    'not 64');
	return {
		subscriber: ids[0], keyId: ids[1],
		created: Number(params.created), expires: Number(params.expires),
		signature: sig
	};
}

function checkTime(a, opt, kind) {
	if (a.created > a.expires)
		throw new Refused(`${kind}: created ${a.created} is after expires ` +
		    `${a.expires}`);
	if (opt.noTime)
		return;
	if (a.created > opt.now + opt.skew)
		throw new Refused(`${kind}: created ${a.created} is in the future ` +
		    `(now ${opt.now})`);
	if (a.expires < opt.now - opt.skew)
		throw new Refused(`${kind}: expired at ${a.expires} (now ` +
		    `${opt.now})`);
}

function publicKey(s) {
	const pub = b64decode(s, 'public key');
	if (pub.length !== sodium.crypto_sign_PUBLICKEYBYTES)
		throw new Refused(`public key: ${pub.length} bytes, not 32`);
	return pub;
}

/* A libsodium 64-byte secret key from base64 of it or of the seed. */
function secretKey(s) {
	const raw = b64decode(s, 'private key');
	if (raw.length === sodium.crypto_sign_SEEDBYTES)
		return sodium.crypto_sign_seed_keypair(raw).privateKey;
	if (raw.length !== sodium.crypto_sign_SECRETKEYBYTES)
		throw new Refused(`private key: ${raw.length} bytes, not 32 (a ` +
		    'seed) or 64 (seed || public key)');
	const kp = sodium.crypto_sign_seed_keypair(raw.slice(0, 32));
	if (sodium.compare(kp.publicKey, raw.slice(32)) !== 0)
		throw new Refused('private key: its public half is not the ' +
		    "seed's");
	return kp.privateKey;
}

function keyArg(s) {
	if (s.startsWith('@'))
		return fs.readFileSync(s.slice(1), 'utf8').trim();
	return s;
}

function readBytes(file) {
	return new Uint8Array(fs.readFileSync(file === '-' ? 0 : file));
}

/* Options before the positional arguments: --name value or --flag. */
function options(argv, spec) {
	const opt = {}, args = [];
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--') {
			args.push(...argv.slice(i + 1));
			break;
		}
		if (!a.startsWith('--') || a === '-') {
			args.push(a);
			continue;
		}
		const name = a.slice(2);
		if (!(name in spec))
			usage(`unknown option '${a}'`);
		if (spec[name] === 'flag') {
			opt[name] = true;
		} else {
			if (i + 1 >= argv.length)
				usage(`${a} wants a value`);
			opt[name] = argv[++i];
		}
	}
	return { opt, args };
}

function unixArg(name, s) {
	if (!/^[0-9]+$/.test(s))
		usage(`--${name}: not a unix time '${s}'`);
	return Number(s);
}

function timeOptions(opt) {
	return {
		now: opt.now !== undefined ? unixArg('now', opt.now) :
		    Math.floor(Date.now() / 1000),
		skew: opt.skew !== undefined ? unixArg('skew', opt.skew) : 30,
		noTime: !!opt['no-time']
	};
}

function cmdVerify(argv) {
	const { opt, args } = options(argv, { now: 'value', skew: 'value',
	    'no-time': 'flag' });
	if (args.length !== 3)
		usage('verify: want body auth pub');
	const body = readBytes(args[0]);
	const pub = publicKey(keyArg(args[2]));
	const a = parseHeader(args[1], 'authorization');
	checkTime(a, timeOptions(opt), 'authorization');
	const s = signingString(body, a.created, a.expires);
	if (!sodium.crypto_sign_verify_detached(a.signature,
	    sodium.from_string(s), pub))
		throw new Refused(`authorization: signature by '${a.subscriber}|` +
		    `${a.keyId}' does not verify`);
	return `ok: ${a.subscriber}|${a.keyId}`;
}

function cmdCounter(argv) {
	const { opt, args } = options(argv, { now: 'value', skew: 'value',
	    'no-time': 'flag', ack: 'value' });
	if (args.length !== 4)
		usage('counter: want request signature pub message_id');
	const request = readBytes(args[0]);
	const pub = publicKey(keyArg(args[2]));
	const ack = sodium.from_string(opt.ack !== undefined ? opt.ack :
	    '{"status":"ACK"}');
	const a = parseHeader(args[1], 'counter-signature');
	checkTime(a, timeOptions(opt), 'counter-signature');
	const s = counterString(ack, request, args[3], a.created, a.expires);
	if (!sodium.crypto_sign_verify_detached(a.signature,
	    sodium.from_string(s), pub))
		throw new Refused(`counter-signature: signature by '${a.subscriber}` +
		    `|${a.keyId}' does not verify`);
	return `ok: ${a.subscriber}|${a.keyId}`;
}

function authorization(sk, subscriber, keyId, body, created, expires) {
	const s = signingString(body, created, expires);
	const sig = sodium.crypto_sign_detached(sodium.from_string(s), sk);
	return `Signature keyId="${subscriber}|${keyId}|ed25519",` +
	    `algorithm="ed25519",created="${created}",expires="${expires}",` +
	    `headers="${HEADERS}",signature="${b64(sig)}"`;
}

function cmdSign(argv) {
	const { opt, args } = options(argv, { created: 'value',
	    expires: 'value' });
	if (args.length !== 4)
		usage('sign: want body subscriber_id key_id private_key');
	const [file, subscriber, keyId] = args;
	for (const [what, v] of [['subscriber_id', subscriber],
	    ['key_id', keyId]])
		if (!/^[\x21-\x7e]+$/.test(v) || /[|"\\]/.test(v))
			usage(`sign: ${what} '${v}': want visible ASCII without ` +
			    "'|', '\"' or '\\'");
	let sk;
	try {
		sk = secretKey(keyArg(args[3]));
	} catch (e) {
		if (e instanceof Refused)
			usage(`sign: ${e.message}`);
		throw e;
	}
	const body = readBytes(file);
	const created = opt.created !== undefined ?
	    unixArg('created', opt.created) : Math.floor(Date.now() / 1000);
	const expires = opt.expires !== undefined ?
	    unixArg('expires', opt.expires) : created + 30;
	return authorization(sk, subscriber, keyId, body, created, expires);
}

/* The published example, every value recomputed here. */
function cmdVector(argv) {
	if (argv.length > 1)
		usage('vector: want at most a file');
	const file = argv[0] || DEFAULT_VECTOR;
	if (!fs.existsSync(file)) {
		process.stderr.write(`${PROG}: vector: ${file}: not present; ` +
		    'nothing checked\n');
		process.exit(77);
	}
	const v = JSON.parse(fs.readFileSync(file, 'utf8'));
	const out = [];
	let bad = 0;
	const check = (name, ok, detail) => {
		out.push(`${ok ? 'ok' : 'FAILED'}: ${name}` +
		    (ok || !detail ? '' : `: ${detail}`));
		if (!ok)
			bad++;
	};
	const fox = sodium.crypto_generichash(64,
	    sodium.from_string(v.blake2b512_fox.input));
	check('BLAKE2b-512 of the fox string, hex',
	    sodium.to_hex(fox) === v.blake2b512_fox.hex, sodium.to_hex(fox));
	check('BLAKE2b-512 of the fox string, base64',
	    b64(fox) === v.blake2b512_fox.base64, b64(fox));
	const body = sodium.from_string(v.body);
	check('body digest', digest(body) === v.digest_base64, digest(body));
	const ss = signingString(body, v.created, v.expires);
	check('signing string', ss === v.signing_string, JSON.stringify(ss));
	const pub = publicKey(v.signing_public_key_base64);
	const sig = b64decode(v.signature_base64, 'signature');
	check('signature verifies with the public key',
	    sig.length === 64 && sodium.crypto_sign_verify_detached(sig,
	    sodium.from_string(ss), pub));
	const raw = b64decode(v.signing_private_key_base64, 'private key');
	let sk = null;
	try {
		sk = secretKey(v.signing_private_key_base64);
	} catch (e) {
		check('the private key is seed || public key', false, e.message);
	}
	if (sk !== null) {
		check('the private key is seed || public key',
		    sodium.compare(raw.slice(32), pub) === 0);
		const again = b64(sodium.crypto_sign_detached(
		    sodium.from_string(ss), sk));
		check('re-signing reproduces the signature (64-byte key)',
		    again === v.signature_base64, again);
		const seeded = secretKey(b64(raw.slice(0, 32)));
		const fromSeed = b64(sodium.crypto_sign_detached(
		    sodium.from_string(ss), seeded));
		check('re-signing reproduces the signature (32-byte seed)',
		    fromSeed === v.signature_base64, fromSeed);
	}
	let a = null;
	try {
		a = parseHeader(v.authorization_header, 'authorization');
	} catch (e) {
		check('the header parses', false, e.message);
	}
	if (a !== null) {
		check('the header parses', true);
		check("the header's created, expires and signature",
		    a.created === v.created && a.expires === v.expires &&
		    b64(a.signature) === v.signature_base64);
		check("the header's signature verifies",
		    sodium.crypto_sign_verify_detached(a.signature,
		    sodium.from_string(signingString(body, a.created, a.expires)),
		    pub));
	}
	/* not a rubber stamp: one bit of the body changed */
	const altered = body.slice();
	altered[altered.length - 2] ^= 1;
	check('an altered body does not verify',
	    !sodium.crypto_sign_verify_detached(sig, sodium.from_string(
	    signingString(altered, v.created, v.expires)), pub));
	process.stdout.write(out.join('\n') + '\n');
	if (bad) {
		process.stderr.write(`${PROG}: vector: ${bad} of ${out.length} ` +
		    'checks failed\n');
		process.exit(1);
	}
	return null;
}

const COMMANDS = {
	verify: cmdVerify, counter: cmdCounter, sign: cmdSign,
	vector: cmdVector
};

function main() {
	const argv = process.argv.slice(2);
	const fn = COMMANDS[argv[0]];
	try {
		if (fn === undefined)
			usage(argv.length ? `unknown command '${argv[0]}'` :
			    'no command');
		const line = fn(argv.slice(1));
		if (line !== null)
			process.stdout.write(line + '\n');
		process.exit(0);
	} catch (e) {
		if (e instanceof Usage) {
			process.stderr.write(`${PROG}: ${e.message}\n` +
			    'usage: crosscheck.js verify|counter|sign|vector ... ' +
			    '(see the comment at its top)\n');
			process.exit(2);
		}
		if (e instanceof Refused) {
			process.stdout.write(`${e.message}\n`);
			process.exit(1);
		}
		if (e && e.code === 'ENOENT') {
			process.stderr.write(`${PROG}: ${e.path}: no such file\n`);
			process.exit(2);
		}
		throw e;
	}
}

sodium.ready.then(main);
