/* bsign.c - see bsign.h */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "b64.h"
#include "bsign.h"
#include "err.h"

#define SIG_LEN 64
#define ALGORITHM "ed25519"
#define REQUEST_HEADERS "(created) (expires) digest"
#define COUNTER_HEADERS "(created) (expires) digest (request-digest) " \
	"(message-id)"

struct fx_bsign_key {
	EVP_PKEY *pkey;
	uint8_t pub[32];
};

/* The parameters of a header value, in the order they are checked. */
enum { P_KEYID, P_ALGORITHM, P_CREATED, P_EXPIRES, P_HEADERS, P_SIGNATURE,
	NPARAMS };
static const char *const param_name[NPARAMS] = { "keyId", "algorithm",
	"created", "expires", "headers", "signature" };

__attribute__((format(printf, 3, 4))) static void
say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* OpenSSL's reason for its last failure, its error queue emptied. */
static const char *
ossl_reason(void)
{
	static char buf[160];
	unsigned long e = ERR_get_error();

	if (e == 0)
		snprintf(buf, sizeof buf, "openssl failed");
	else
		ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	return buf;
}

static const char *
kind_name(int kind)
{
	switch (kind) {
	case FX_BSIGN_AUTHORIZATION:
		return "authorization";
	case FX_BSIGN_GATEWAY:
		return "x-gateway-authorization";
	case FX_BSIGN_COUNTER:
		return "counter-signature";
	}
	return NULL;
}

const char *
fx_bsign_status_name(int status)
{
	static const char *const name[] = { "ok", "missing", "too long",
	    "bad scheme", "bad syntax", "duplicate parameter",
	    "missing parameter", "bad keyid", "bad algorithm", "bad time",
	    "bad headers", "bad signature format", "created after expires",
	    "not yet valid", "expired", "bad public key", "bad signature",
	    "error" };

	if (status < 0 || (size_t)status >= sizeof name / sizeof name[0])
		return "unknown";
	return name[status];
}

void
fx_bsign_digest(const void *body, size_t len,
    char out[FX_BSIGN_DIGEST_LEN + 1])
{
	static const unsigned char none;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (body == NULL)
		body = &none;
	if (!EVP_Digest(body, len, md, &mdlen, EVP_blake2b512(), NULL) ||
	    mdlen != 64)
		fx_die(FX_EXIT_FAIL, "blake2b-512: %s", ossl_reason());
	fx_b64_encode(md, mdlen, out);
}

size_t
fx_bsign_signing_string(const void *body, size_t len, int64_t created,
    int64_t expires, char out[FX_BSIGN_STRING_MAX])
{
	char d[FX_BSIGN_DIGEST_LEN + 1];
	int n;

	fx_bsign_digest(body, len, d);
	n = snprintf(out, FX_BSIGN_STRING_MAX, "(created): %" PRId64
	    "\n(expires): %" PRId64 "\ndigest: BLAKE-512=%s", created,
	    expires, d);
	return (size_t)n;
}

/* Visible ASCII but '"' and '\' (and '|' when bar is 0), 1..max bytes? */
static int
text_ok(const char *s, size_t n, size_t max, int bar)
{
	size_t i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x21 || c > 0x7e || c == '"' || c == '\\' ||
		    (c == '|' && !bar))
			return 0;
	}
	return 1;
}

static int
id_ok(const char *s)
{
	return s != NULL && text_ok(s, strnlen(s, FX_BSIGN_MAX_ID + 1),
	    FX_BSIGN_MAX_ID, 0);
}

size_t
fx_bsign_counter_string(const void *ack, size_t acklen, const void *request,
    size_t reqlen, const char *message_id, int64_t created, int64_t expires,
    char out[FX_BSIGN_STRING_MAX])
{
	char d[FX_BSIGN_DIGEST_LEN + 1];
	size_t n;

	out[0] = '\0';
	if (message_id == NULL || !text_ok(message_id, strnlen(message_id,
	    FX_BSIGN_MAX_ID + 1), FX_BSIGN_MAX_ID, 1))
		return 0;
	n = fx_bsign_signing_string(ack, acklen, created, expires, out);
	fx_bsign_digest(request, reqlen, d);
	n += (size_t)snprintf(out + n, FX_BSIGN_STRING_MAX - n,
	    "\n(request-digest): BLAKE-512=%s\n(message-id): %s", d,
	    message_id);
	return n;
}

/* An Ed25519 key from its 32-byte seed, its public key into pub. */
static EVP_PKEY *
key_from_seed(const uint8_t seed[32], uint8_t pub[32])
{
	EVP_PKEY *pkey;
	size_t plen = 32;

	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	if (pkey == NULL)
		return NULL;
	if (!EVP_PKEY_get_raw_public_key(pkey, pub, &plen) || plen != 32) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	return pkey;
}

fx_bsign_key *
fx_bsign_key_new(const char *priv, char *err, size_t errlen)
{
	uint8_t raw[64], pub[32];
	size_t rawlen = 0;
	fx_bsign_key *k = NULL;
	EVP_PKEY *pkey;

	if (priv == NULL || fx_b64_decode(priv, strlen(priv), raw, sizeof raw,
	    &rawlen) != 0 || (rawlen != 32 && rawlen != 64)) {
		say(err, errlen, "private key: expected base64 of a 32-byte "
		    "seed or of a 64-byte seed and public key");
		goto out;
	}
	if ((pkey = key_from_seed(raw, pub)) == NULL) {
		say(err, errlen, "private key: %s", ossl_reason());
		goto out;
	}
	if (rawlen == 64 && CRYPTO_memcmp(raw + 32, pub, 32) != 0) {
		say(err, errlen, "private key: its public half is not that "
		    "of its seed");
		EVP_PKEY_free(pkey);
		goto out;
	}
	k = fx_xcalloc(1, sizeof *k);
	k->pkey = pkey;
	memcpy(k->pub, pub, 32);
out:
	OPENSSL_cleanse(raw, sizeof raw);
	return k;
}

void
fx_bsign_key_free(fx_bsign_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);	/* OpenSSL clears the private key */
	free(k);
}

static char *
b64_dup(const uint8_t *p, size_t n)
{
	char *s = fx_xmalloc(fx_b64_len(n) + 1);

	fx_b64_encode(p, n, s);
	return s;
}

char *
fx_bsign_key_public(const fx_bsign_key *k)
{
	return b64_dup(k->pub, 32);
}

int
fx_bsign_keygen(char **priv, char **pub, char *err, size_t errlen)
{
	EVP_PKEY *pkey;
	uint8_t raw[64];
	size_t slen = 32, plen = 32;
	int rc = -1;

	*priv = *pub = NULL;
	if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL) {
		say(err, errlen, "cannot make an Ed25519 key: %s",
		    ossl_reason());
		return -1;
	}
	if (!EVP_PKEY_get_raw_private_key(pkey, raw, &slen) || slen != 32 ||
	    !EVP_PKEY_get_raw_public_key(pkey, raw + 32, &plen) || plen != 32)
		say(err, errlen, "cannot read the Ed25519 key: %s",
		    ossl_reason());
	else {
		*priv = b64_dup(raw, 64);
		*pub = b64_dup(raw + 32, 32);
		rc = 0;
	}
	EVP_PKEY_free(pkey);
	OPENSSL_cleanse(raw, sizeof raw);
	return rc;
}

void
fx_bsign_secret_free(char *priv)
{
	if (priv == NULL)
		return;
	OPENSSL_cleanse(priv, strlen(priv));
	free(priv);
}

int
fx_bsign_key_sign(const fx_bsign_key *k, const void *msg, size_t len,
    uint8_t sig[64])
{
	static const unsigned char none;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	size_t siglen = SIG_LEN;
	int ok;

	ok = c != NULL && EVP_DigestSignInit(c, NULL, NULL, NULL,
	    k->pkey) == 1 && EVP_DigestSign(c, sig, &siglen, msg ? msg : &none,
	    len) == 1 && siglen == SIG_LEN;
	EVP_MD_CTX_free(c);
	return ok ? 0 : -1;
}

/*
 * The header value signing str[0..len) with k, after checking the ids
 * and times; headers is the list to write.
 */
static char *
sign_value(const fx_bsign_key *k, const char *subscriber_id,
    const char *key_id, const char *str, size_t len, const char *headers,
    int64_t created, int64_t expires, char *err, size_t errlen)
{
	uint8_t sig[SIG_LEN];
	char b64[4 * ((SIG_LEN + 2) / 3) + 1], *v;
	size_t n;

	if (!id_ok(subscriber_id) || !id_ok(key_id)) {
		say(err, errlen, "%s: expected 1 to %d visible ascii "
		    "characters without '|', '\"' or '\\'",
		    !id_ok(subscriber_id) ? "subscriber id" : "key id",
		    FX_BSIGN_MAX_ID);
		return NULL;
	}
	if (created < 0 || created > expires || expires > FX_BSIGN_MAX_TIME) {
		say(err, errlen, "created %" PRId64 ", expires %" PRId64
		    ": expected 0 <= created <= expires <= %lld", created,
		    expires, FX_BSIGN_MAX_TIME);
		return NULL;
	}
	if (fx_bsign_key_sign(k, str, len, sig) != 0) {
		say(err, errlen, "cannot sign: %s", ossl_reason());
		return NULL;
	}
	fx_b64_encode(sig, SIG_LEN, b64);
	n = strlen(subscriber_id) + strlen(key_id) + strlen(headers) + 256;
	v = fx_xmalloc(n);
	snprintf(v, n, "Signature keyId=\"%s|%s|" ALGORITHM "\",algorithm=\""
	    ALGORITHM "\",created=\"%" PRId64 "\",expires=\"%" PRId64 "\","
	    "headers=\"%s\",signature=\"%s\"", subscriber_id, key_id,
	    created, expires, headers, b64);
	return v;
}

char *
fx_bsign_sign(const fx_bsign_key *k, const char *subscriber_id,
    const char *key_id, const void *body, size_t len, int64_t created,
    int64_t expires, char *err, size_t errlen)
{
	char str[FX_BSIGN_STRING_MAX];
	size_t n = fx_bsign_signing_string(body, len, created, expires, str);

	return sign_value(k, subscriber_id, key_id, str, n, REQUEST_HEADERS,
	    created, expires, err, errlen);
}

char *
fx_bsign_countersign(const fx_bsign_key *k, const char *subscriber_id,
    const char *key_id, const void *ack, size_t acklen, const void *request,
    size_t reqlen, const char *message_id, int64_t created, int64_t expires,
    char *err, size_t errlen)
{
	char str[FX_BSIGN_STRING_MAX];
	size_t n = fx_bsign_counter_string(ack, acklen, request, reqlen,
	    message_id, created, expires, str);

	if (n == 0) {
		say(err, errlen, "message id: expected 1 to %d visible ascii "
		    "characters without '\"' or '\\'", FX_BSIGN_MAX_ID);
		return NULL;
	}
	return sign_value(k, subscriber_id, key_id, str, n, COUNTER_HEADERS,
	    created, expires, err, errlen);
}

/* ---- parsing ---- */

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Is s[0..n) the NUL-terminated word w, in any case? */
static int
same_word(const char *s, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (w[i] == '\0' || lower((unsigned char)s[i]) !=
		    lower((unsigned char)w[i]))
			return 0;
	return w[n] == '\0';
}

/* Is s[0..n) exactly the NUL-terminated w? */
static int
equals(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(s, w, n) == 0;
}

/* RFC 7230 tchar. */
static int
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static size_t
skip_ows(const char *s, size_t i, size_t len)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/*
 * Unix seconds: decimal digits, no sign, no leading zero but in "0", at
 * most FX_BSIGN_MAX_TIME.  Returns 0 or -1.
 */
static int
parse_time(const char *s, size_t n, int64_t *t)
{
	int64_t v = 0;
	size_t i;

	if (n == 0 || n > 12 || (s[0] == '0' && n > 1))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > FX_BSIGN_MAX_TIME)
		return -1;
	*t = v;
	return 0;
}

/*
 * The keyId value v[0..n): its ids into a.  Returns FX_BSIGN_OK or a code
 * with the reason in err.
 */
static int
parse_keyid(const char *what, const char *v, size_t n, fx_bsign_auth *a,
    char *err, size_t errlen)
{
	static const char *const field[2] = { "subscriber id", "key id" };
	const char *start[3];
	size_t flen[3], i, nf = 1, f;
	char *dst[2];

	start[0] = v;
	for (i = 0; i < n; i++)
		if (v[i] == '|') {
			if (nf < 3) {
				flen[nf - 1] = (size_t)(v + i - start[nf - 1]);
				start[nf] = v + i + 1;
			}
			nf++;
		}
	if (nf != 3) {
		say(err, errlen, "%s: keyId '%s' has %zu field%s: expected "
		    "'subscriber|key_id|" ALGORITHM "'", what, fx_quote(v, n),
		    nf, nf == 1 ? "" : "s");
		return FX_BSIGN_BAD_KEYID;
	}
	flen[2] = (size_t)(v + n - start[2]);
	dst[0] = a->subscriber_id;
	dst[1] = a->key_id;
	for (f = 0; f < 2; f++) {
		if (flen[f] == 0) {
			say(err, errlen, "%s: keyId '%s': empty %s", what,
			    fx_quote(v, n), field[f]);
			return FX_BSIGN_BAD_KEYID;
		}
		if (flen[f] > FX_BSIGN_MAX_ID) {
			say(err, errlen, "%s: keyId: %s over %d bytes", what,
			    field[f], FX_BSIGN_MAX_ID);
			return FX_BSIGN_BAD_KEYID;
		}
		/* qchar already: only a blank is left to refuse */
		if (!text_ok(start[f], flen[f], FX_BSIGN_MAX_ID, 0)) {
			say(err, errlen, "%s: keyId '%s': %s holds a blank",
			    what, fx_quote(v, n), field[f]);
			return FX_BSIGN_BAD_KEYID;
		}
		memcpy(dst[f], start[f], flen[f]);
		dst[f][flen[f]] = '\0';
	}
	if (!equals(start[2], flen[2], ALGORITHM)) {
		say(err, errlen, "%s: keyId algorithm '%s': expected '"
		    ALGORITHM "'", what, fx_quote(start[2], flen[2]));
		return FX_BSIGN_BAD_ALGORITHM;
	}
	return FX_BSIGN_OK;
}

/* The checks on the parameters' values, in param_name order. */
static int
check_params(const char *what, int kind, const char *const val[NPARAMS],
    const size_t vlen[NPARAMS], fx_bsign_auth *a, char *err, size_t errlen)
{
	const char *headers = kind == FX_BSIGN_COUNTER ? COUNTER_HEADERS :
	    REQUEST_HEADERS;
	uint8_t sig[FX_BSIGN_MAX_HEADER];	/* room for any length */
	size_t siglen;
	int rc, p;

	if ((rc = parse_keyid(what, val[P_KEYID], vlen[P_KEYID], a, err,
	    errlen)) != FX_BSIGN_OK)
		return rc;
	if (!equals(val[P_ALGORITHM], vlen[P_ALGORITHM], ALGORITHM)) {
		say(err, errlen, "%s: algorithm '%s': expected '" ALGORITHM
		    "'", what, fx_quote(val[P_ALGORITHM], vlen[P_ALGORITHM]));
		return FX_BSIGN_BAD_ALGORITHM;
	}
	for (p = P_CREATED; p <= P_EXPIRES; p++)
		if (parse_time(val[p], vlen[p], p == P_CREATED ? &a->created :
		    &a->expires) != 0) {
			say(err, errlen, "%s: %s '%s': expected unix seconds "
			    "(digits, no leading zero, at most %lld)", what,
			    param_name[p], fx_quote(val[p], vlen[p]),
			    FX_BSIGN_MAX_TIME);
			return FX_BSIGN_BAD_TIME;
		}
	if (!equals(val[P_HEADERS], vlen[P_HEADERS], headers)) {
		say(err, errlen, "%s: headers '%s': expected '%s'", what,
		    fx_quote(val[P_HEADERS], vlen[P_HEADERS]), headers);
		return FX_BSIGN_BAD_HEADERS;
	}
	if (fx_b64_decode(val[P_SIGNATURE], vlen[P_SIGNATURE], sig,
	    sizeof sig, &siglen) != 0) {
		say(err, errlen, "%s: signature: expected strict base64 of %d "
		    "bytes", what, SIG_LEN);
		return FX_BSIGN_BAD_SIGFORMAT;
	}
	if (siglen != SIG_LEN) {
		say(err, errlen, "%s: signature: base64 of %zu bytes, expected "
		    "%d", what, siglen, SIG_LEN);
		return FX_BSIGN_BAD_SIGFORMAT;
	}
	memcpy(a->signature, sig, SIG_LEN);
	return FX_BSIGN_OK;
}

int
fx_bsign_parse(const char *value, size_t len, int kind, fx_bsign_auth *a,
    char *err, size_t errlen)
{
	static const char scheme[] = "Signature";
	const char *what = kind_name(kind), *s = value;
	const char *val[NPARAMS] = { NULL };
	size_t vlen[NPARAMS] = { 0 }, i, nparams = 0;
	int p, rc;

	memset(a, 0, sizeof *a);
	a->kind = kind;
	if (what == NULL) {
		say(err, errlen, "unknown signature kind %d", kind);
		return FX_BSIGN_ERROR;
	}
	if (s == NULL || len == 0) {
		say(err, errlen, "%s: header missing", what);
		return FX_BSIGN_MISSING;
	}
	if (len > FX_BSIGN_MAX_HEADER) {
		say(err, errlen, "%s: %zu bytes, over %d", what, len,
		    FX_BSIGN_MAX_HEADER);
		return FX_BSIGN_TOO_LONG;
	}
	for (i = 0; i < len && s[i] != ' '; i++)
		;
	if (!same_word(s, i, scheme)) {
		say(err, errlen, "%s: scheme '%s': expected '%s'", what,
		    fx_quote(s, i), scheme);
		return FX_BSIGN_BAD_SCHEME;
	}
	while (i < len && s[i] == ' ')
		i++;
	if (i == len) {
		say(err, errlen, "%s: no parameters after '%s'", what, scheme);
		return FX_BSIGN_NO_PARAM;
	}

	for (;;) {
		size_t name = i, namelen, v;

		while (i < len && is_tchar((unsigned char)s[i]))
			i++;
		namelen = i - name;
		if (namelen == 0) {
			say(err, errlen, "%s: byte %zu: expected a parameter "
			    "name, got '%s'", what, i, fx_quote(s + i,
			    len - i));
			return FX_BSIGN_BAD_SYNTAX;
		}
		if (++nparams > FX_BSIGN_MAX_PARAMS) {
			say(err, errlen, "%s: over %d parameters", what,
			    FX_BSIGN_MAX_PARAMS);
			return FX_BSIGN_BAD_SYNTAX;
		}
		if (i == len || s[i] != '=') {
			say(err, errlen, "%s: parameter '%s': expected '=' "
			    "after its name, got '%s'", what, fx_quote(s + name,
			    namelen), fx_quote(s + i, len - i));
			return FX_BSIGN_BAD_SYNTAX;
		}
		if (++i == len || s[i] != '"') {
			say(err, errlen, "%s: parameter '%s': expected a "
			    "quoted string", what, fx_quote(s + name,
			    namelen));
			return FX_BSIGN_BAD_SYNTAX;
		}
		for (v = ++i; i < len && s[i] != '"'; i++) {
			unsigned char c = (unsigned char)s[i];

			if (c == '\\') {
				say(err, errlen, "%s: parameter '%s': "
				    "backslash escapes are not accepted", what,
				    fx_quote(s + name, namelen));
				return FX_BSIGN_BAD_SYNTAX;
			}
			if (c < 0x20 || c > 0x7e) {
				say(err, errlen, "%s: parameter '%s': byte "
				    "%zu: control or non-ascii byte 0x%02x",
				    what, fx_quote(s + name, namelen), i,
				    (unsigned)c);
				return FX_BSIGN_BAD_SYNTAX;
			}
		}
		if (i == len) {
			say(err, errlen, "%s: parameter '%s': unterminated "
			    "quoted string", what, fx_quote(s + name,
			    namelen));
			return FX_BSIGN_BAD_SYNTAX;
		}
		for (p = 0; p < NPARAMS; p++)
			if (same_word(s + name, namelen, param_name[p]))
				break;
		if (p < NPARAMS) {
			if (val[p] != NULL) {
				say(err, errlen, "%s: parameter '%s' given "
				    "twice", what, param_name[p]);
				return FX_BSIGN_DUP_PARAM;
			}
			val[p] = s + v;
			vlen[p] = i - v;
		}
		if (++i == len)
			break;
		i = skip_ows(s, i, len);
		if (i == len) {
			say(err, errlen, "%s: blanks end the header", what);
			return FX_BSIGN_BAD_SYNTAX;
		}
		if (s[i] != ',') {
			say(err, errlen, "%s: byte %zu: expected ',' after "
			    "parameter '%s', got '%s'", what, i,
			    fx_quote(s + name, namelen), fx_quote(s + i,
			    len - i));
			return FX_BSIGN_BAD_SYNTAX;
		}
		i = skip_ows(s, i + 1, len);
		if (i == len) {
			say(err, errlen, "%s: ',' ends the header", what);
			return FX_BSIGN_BAD_SYNTAX;
		}
	}
	for (p = 0; p < NPARAMS; p++)
		if (val[p] == NULL) {
			say(err, errlen, "%s: parameter '%s' missing", what,
			    param_name[p]);
			return FX_BSIGN_NO_PARAM;
		}
	rc = check_params(what, kind, val, vlen, a, err, errlen);
	if (rc != FX_BSIGN_OK) {
		memset(a, 0, sizeof *a);
		a->kind = kind;
	}
	return rc;
}

/* ---- verification ---- */

/* The time and signature checks of both verify calls. */
static int
verify_string(const fx_bsign_auth *a, const char *pub, const char *str,
    size_t len, int64_t now, int64_t skew, char *err, size_t errlen)
{
	const char *what = kind_name(a->kind);
	uint8_t raw[32];
	size_t rawlen;
	EVP_PKEY *pkey;
	EVP_MD_CTX *c;
	int ok;

	if (now < 0 || now > FX_BSIGN_MAX_TIME || skew < 0 ||
	    skew > FX_BSIGN_MAX_TIME) {
		say(err, errlen, "%s: now %" PRId64 " or skew %" PRId64
		    " out of range", what, now, skew);
		return FX_BSIGN_ERROR;
	}
	if (a->created > a->expires) {
		say(err, errlen, "%s: created %" PRId64 " is after expires %"
		    PRId64, what, a->created, a->expires);
		return FX_BSIGN_BAD_WINDOW;
	}
	if (a->created > now + skew) {
		say(err, errlen, "%s: created %" PRId64 " is in the future "
		    "(now %" PRId64 ", skew %" PRId64 " s)", what, a->created,
		    now, skew);
		return FX_BSIGN_NOT_YET_VALID;
	}
	if (a->expires < now - skew) {
		say(err, errlen, "%s: expired at %" PRId64 " (now %" PRId64
		    ", skew %" PRId64 " s)", what, a->expires, now, skew);
		return FX_BSIGN_EXPIRED;
	}
	if (pub == NULL || fx_b64_decode(pub, strlen(pub), raw, sizeof raw,
	    &rawlen) != 0 || rawlen != 32) {
		say(err, errlen, "%s: public key of '%s|%s': expected base64 "
		    "of 32 bytes", what, a->subscriber_id, a->key_id);
		return FX_BSIGN_BAD_PUBKEY;
	}
	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, 32);
	if (pkey == NULL) {
		say(err, errlen, "%s: public key of '%s|%s': %s", what,
		    a->subscriber_id, a->key_id, ossl_reason());
		return FX_BSIGN_BAD_PUBKEY;
	}
	c = EVP_MD_CTX_new();
	ok = c != NULL && EVP_DigestVerifyInit(c, NULL, NULL, NULL,
	    pkey) == 1 && EVP_DigestVerify(c, a->signature, SIG_LEN,
	    (const unsigned char *)str, len) == 1;
	EVP_MD_CTX_free(c);
	EVP_PKEY_free(pkey);
	ERR_clear_error();	/* a bad signature queues an error */
	if (!ok) {
		say(err, errlen, "%s: signature by '%s|%s' does not verify "
		    "(wrong key, or altered %s or signature)", what,
		    a->subscriber_id, a->key_id,
		    a->kind == FX_BSIGN_COUNTER ? "ack, request, message id" :
		    "body");
		return FX_BSIGN_BAD_SIGNATURE;
	}
	return FX_BSIGN_OK;
}

int
fx_bsign_verify(const fx_bsign_auth *a, const char *pub, const void *body,
    size_t len, int64_t now, int64_t skew, char *err, size_t errlen)
{
	char str[FX_BSIGN_STRING_MAX];
	size_t n;

	if (a->kind != FX_BSIGN_AUTHORIZATION && a->kind != FX_BSIGN_GATEWAY) {
		say(err, errlen, "%s: not a request signature",
		    kind_name(a->kind) ? kind_name(a->kind) : "signature");
		return FX_BSIGN_ERROR;
	}
	n = fx_bsign_signing_string(body, len, a->created, a->expires, str);
	return verify_string(a, pub, str, n, now, skew, err, errlen);
}

int
fx_bsign_verify_counter(const fx_bsign_auth *a, const char *pub,
    const void *ack, size_t acklen, const void *request, size_t reqlen,
    const char *message_id, int64_t now, int64_t skew, char *err,
    size_t errlen)
{
	char str[FX_BSIGN_STRING_MAX];
	size_t n;

	if (a->kind != FX_BSIGN_COUNTER) {
		say(err, errlen, "%s: not a counter-signature",
		    kind_name(a->kind) ? kind_name(a->kind) : "signature");
		return FX_BSIGN_ERROR;
	}
	n = fx_bsign_counter_string(ack, acklen, request, reqlen, message_id,
	    a->created, a->expires, str);
	if (n == 0) {
		say(err, errlen, "counter-signature: message id: expected 1 "
		    "to %d visible ascii characters", FX_BSIGN_MAX_ID);
		return FX_BSIGN_ERROR;
	}
	return verify_string(a, pub, str, n, now, skew, err, errlen);
}

int
fx_bsign_verify_raw(const char *pub, const void *msg, size_t len,
    const uint8_t sig[64])
{
	uint8_t raw[32];
	size_t rawlen;
	EVP_PKEY *pkey;
	EVP_MD_CTX *c;
	int ok;

	if (pub == NULL || fx_b64_decode(pub, strlen(pub), raw, sizeof raw,
	    &rawlen) != 0 || rawlen != 32)
		return FX_BSIGN_BAD_PUBKEY;
	if ((pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw,
	    32)) == NULL) {
		ERR_clear_error();
		return FX_BSIGN_BAD_PUBKEY;
	}
	c = EVP_MD_CTX_new();
	ok = c != NULL && EVP_DigestVerifyInit(c, NULL, NULL, NULL,
	    pkey) == 1 && EVP_DigestVerify(c, sig, SIG_LEN, msg, len) == 1;
	EVP_MD_CTX_free(c);
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return ok ? FX_BSIGN_OK : FX_BSIGN_BAD_SIGNATURE;
}

char *
fx_bsign_challenge(const char *realm, char *err, size_t errlen)
{
	size_t n;
	char *v;

	if (!id_ok(realm)) {
		say(err, errlen, "realm: expected 1 to %d visible ascii "
		    "characters without '|', '\"' or '\\'", FX_BSIGN_MAX_ID);
		return NULL;
	}
	n = strlen(realm) + sizeof REQUEST_HEADERS + 64;
	v = fx_xmalloc(n);
	snprintf(v, n, "Signature realm=\"%s\",headers=\"" REQUEST_HEADERS
	    "\"", realm);
	return v;
}
