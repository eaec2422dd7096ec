/*
 * crypt.c - fx-audit's encryption at rest (SRS NFR17): chosen top-level
 * members of a record are stored as AES-256-GCM envelopes
 *
 *   {"fx_enc":"A256GCM","kid":"1a2b3c4d","iv":B64,"ct":B64,"tag":B64}
 *
 * in place of their value, the rest of the line byte for byte.  The entry
 * body, and so the leaf hash, the tree and every checkpoint and proof, are
 * over the envelopes: verify needs no key to check the log, and with the
 * key it also authenticates every envelope.  The plaintext is the member's
 * value text exactly as read, so decrypting gives the original line back.
 * The additional data binds an envelope to its place,
 *
 *   "fluxeon-audit-enc/1\n" origin "\n" seq "\n" member name
 *
 * so one moved to another entry, member or store does not decrypt.  The
 * IV is 12 random bytes (NIST SP 800-38D 8.2.2: at most 2^32 envelopes a
 * key); the key id is the first 4 bytes of SHA-256(key) in hex.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <jq.h>

#include "audit.h"
#include "b64.h"
#include "err.h"
#include "json.h"
#include "note.h"

#define ENC_TAG "\"fx_enc\":\"A256GCM\""

/* Members that make an entry's columns: encrypting them would hide what
 * verify re-derives and the queries select on. */
static const char *const index_members[] = {
	"type", "timestamp", "issued_at", "window_start", "slice_start",
	"received_at", "created_at", "feeder_id", "obp_id", "event_id",
	"plan_id", "order_id", "aggregator_id", "transaction_id", "der_id",
	"der_ids", "activations", "ders", "audit", NULL
};

int
enc_member_ok(const char *name, char *err, size_t errlen)
{
	int i;

	if (*name == '\0') {
		snprintf(err, errlen, "an empty member name");
		return -1;
	}
	for (i = 0; index_members[i] != NULL; i++)
		if (strcmp(name, index_members[i]) == 0) {
			snprintf(err, errlen, "'%s' makes an index column and "
			    "cannot be encrypted", name);
			return -1;
		}
	return 0;
}

int
enc_key_load(const char *path, enc_key *k, char *err, size_t errlen)
{
	char *text = fx_note_secret_read(path, "encryption key", err, errlen);
	uint8_t h[32];
	size_t n = 0;
	int rc = -1;

	if (text == NULL)
		return -1;
	if (fx_b64_decode(text, strlen(text), k->key, sizeof k->key, &n) != 0 ||
	    n != sizeof k->key)
		snprintf(err, errlen, "%s: want the base64 of 32 bytes (an "
		    "AES-256 key, as fx-audit keygen --encryption writes)",
		    path);
	else {
		EVP_Digest(k->key, sizeof k->key, h, NULL, EVP_sha256(), NULL);
		snprintf(k->kid, sizeof k->kid, "%02x%02x%02x%02x", h[0], h[1],
		    h[2], h[3]);
		rc = 0;
	}
	fx_note_key_free(text);
	return rc;
}

int
enc_key_generate(const char *path, char *err, size_t errlen)
{
	uint8_t key[32];
	char text[64];
	int rc;

	if (RAND_bytes(key, sizeof key) != 1) {
		snprintf(err, errlen, "no random bytes from OpenSSL");
		return -1;
	}
	fx_b64_encode(key, sizeof key, text);
	rc = fx_note_key_write(path, text, err, errlen);
	OPENSSL_cleanse(key, sizeof key);
	OPENSSL_cleanse(text, sizeof text);
	return rc;
}

/* ---- member spans of a record known to be one valid JSON object ---- */

struct span {
	const char *key;	/* the key's text between its quotes */
	size_t klen;
	const char *v;		/* the value's text */
	size_t vlen;
};

static const char *
skip_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* After a string's opening quote: its closing quote. */
static const char *
skip_str(const char *p, const char *e)
{
	for (; p < e && *p != '"'; p++)
		if (*p == '\\' && p + 1 < e)
			p++;
	return p;
}

/* A value's end (valid JSON assumed: only nesting is tracked). */
static const char *
skip_value(const char *p, const char *e)
{
	int depth = 0;

	if (p < e && *p == '"')
		return (p = skip_str(p + 1, e)) < e ? p + 1 : e;
	if (p < e && *p != '{' && *p != '[') {
		while (p < e && *p != ',' && *p != '}' && *p != ']' &&
		    *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			p++;
		return p;
	}
	for (; p < e; p++) {
		if (*p == '"') {
			if ((p = skip_str(p + 1, e)) >= e)
				return e;
		} else if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && --depth == 0)
			return p + 1;
	}
	return e;
}

/* The top-level members of rec (valid JSON object text), in order, into
 * a new array; their count in *n. */
static struct span *
spans(const char *rec, size_t len, int *n)
{
	const char *p = rec, *e = rec + len;
	struct span *sp = NULL;
	int cap = 0;

	*n = 0;
	p = skip_ws(p, e);
	if (p >= e || *p != '{')
		return NULL;
	p = skip_ws(p + 1, e);
	while (p < e && *p == '"') {
		struct span s;

		s.key = p + 1;
		p = skip_str(p + 1, e);
		s.klen = (size_t)(p - s.key);
		if (p >= e)
			break;
		p = skip_ws(p + 1, e);
		if (p < e && *p == ':')
			p = skip_ws(p + 1, e);
		s.v = p;
		p = skip_value(p, e);
		s.vlen = (size_t)(p - s.v);
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			sp = fx_xrealloc(sp, (unsigned long)cap * sizeof *sp);
		}
		sp[(*n)++] = s;
		p = skip_ws(p, e);
		if (p < e && *p == ',')
			p = skip_ws(p + 1, e);
	}
	return sp;
}

/* The key's name, its escapes decoded, into a new string. */
static char *
key_name(const struct span *s)
{
	fx_buf b = FX_BUF_INIT;
	char *out;
	jv v;

	if (memchr(s->key, '\\', s->klen) == NULL)
		return fx_xstrndup(s->key, s->klen);
	fx_buf_putc(&b, '"');
	fx_buf_put(&b, s->key, s->klen);
	fx_buf_putc(&b, '"');
	v = jv_parse_sized(b.data, (int)b.len);
	out = jv_get_kind(v) == JV_KIND_STRING ?
	    fx_xstrdup(jv_string_value(v)) : fx_xstrndup(s->key, s->klen);
	jv_free(v);
	fx_buf_free(&b);
	return out;
}

static void
aad(fx_buf *b, const char *origin, uint64_t seq, const char *name)
{
	b->len = 0;
	fx_buf_puts(b, "fluxeon-audit-enc/1\n");
	fx_buf_puts(b, origin);
	fx_buf_putc(b, '\n');
	fx_buf_int(b, (int64_t)seq);
	fx_buf_putc(b, '\n');
	fx_buf_puts(b, name);
}

static void
put_b64(fx_buf *b, const uint8_t *p, size_t n)
{
	char *t = fx_xmalloc(fx_b64_len(n) + 1);

	fx_b64_encode(p, n, t);
	fx_buf_puts(b, t);
	free(t);
}

/*
 * AES-256-GCM of in[0..n) into out (the same length) with its 16-byte tag
 * (written when encrypting, checked when decrypting).  The cipher is
 * fetched and its contexts made once: OpenSSL 3's implicit fetch on every
 * init cost more than the encryption of a record.
 */
static int
gcm(int enc, const enc_key *k, const uint8_t iv[12], const fx_buf *ad,
    const uint8_t *in, size_t n, uint8_t *out, uint8_t tag[16])
{
	static EVP_CIPHER *aes;
	static EVP_CIPHER_CTX *ctx[2];
	static uint8_t keyed[2][32];
	static int have[2];
	EVP_CIPHER_CTX *c;
	int len, ok;

	if (aes == NULL && (aes = EVP_CIPHER_fetch(NULL, "AES-256-GCM",
	    NULL)) == NULL)
		return -1;
	if (ctx[enc] == NULL && (ctx[enc] = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	c = ctx[enc];
	/* the key schedule again only for another key */
	if (!have[enc] || memcmp(keyed[enc], k->key, 32) != 0) {
		if (!EVP_CipherInit_ex(c, aes, NULL, k->key, NULL, enc))
			return -1;
		memcpy(keyed[enc], k->key, 32);
		have[enc] = 1;
	}
	ok = EVP_CipherInit_ex(c, NULL, NULL, NULL, iv, enc) &&
	    EVP_CipherUpdate(c, NULL, &len, (const uint8_t *)ad->data,
	    (int)ad->len) &&
	    EVP_CipherUpdate(c, out, &len, in, (int)n) &&
	    (enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag)) &&
	    EVP_CipherFinal_ex(c, out + len, &len) &&
	    (!enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag));
	return ok ? 0 : -1;
}

int
enc_record(const enc_key *k, const char *origin, uint64_t seq,
    const char *rec, size_t len, char *const *members, int nmembers,
    fx_buf *out)
{
	struct span *sp;
	fx_buf ad = FX_BUF_INIT;
	const char *at = rec;
	int n, i, j, done = 0;

	out->len = 0;
	sp = spans(rec, len, &n);
	for (i = 0; i < n; i++) {
		char *name = key_name(&sp[i]);
		uint8_t iv[12], tag[16], *ct;

		for (j = 0; j < nmembers; j++)
			if (strcmp(name, members[j]) == 0)
				break;
		if (j == nmembers) {
			free(name);
			continue;
		}
		ct = fx_xmalloc(sp[i].vlen + 16);
		aad(&ad, origin, seq, name);
		if (RAND_bytes(iv, sizeof iv) != 1 || gcm(1, k, iv, &ad,
		    (const uint8_t *)sp[i].v, sp[i].vlen, ct, tag) != 0)
			fx_die(FX_EXIT_FAIL, "AES-256-GCM: OpenSSL failed");
		fx_buf_put(out, at, (size_t)(sp[i].v - at));
		fx_buf_puts(out, "{" ENC_TAG ",\"kid\":\"");
		fx_buf_puts(out, k->kid);
		fx_buf_puts(out, "\",\"iv\":\"");
		put_b64(out, iv, sizeof iv);
		fx_buf_puts(out, "\",\"ct\":\"");
		put_b64(out, ct, sp[i].vlen);
		fx_buf_puts(out, "\",\"tag\":\"");
		put_b64(out, tag, sizeof tag);
		fx_buf_puts(out, "\"}");
		at = sp[i].v + sp[i].vlen;
		done++;
		free(ct);
		free(name);
	}
	fx_buf_put(out, at, (size_t)(rec + len - at));
	fx_buf_free(&ad);
	free(sp);
	return done;
}

/* The base64 string member key of an envelope (scanned) into a new
 * buffer, its length in *n; NULL when absent or not base64. */
static uint8_t *
env_bytes(const fx_jfield *f, size_t *n)
{
	uint8_t *p;

	if (f->kind != FX_JS_STRING)
		return NULL;
	p = fx_xmalloc(f->len / 4 * 3 + 3);
	if (fx_b64_decode(f->v, f->len, p, f->len / 4 * 3 + 3, n) != 0) {
		free(p);
		return NULL;
	}
	return p;
}

int
dec_record(const enc_key *k, const char *origin, uint64_t seq,
    const char *rec, size_t len, fx_buf *out, char *err, size_t errlen)
{
	struct span *sp;
	fx_buf ad = FX_BUF_INIT;
	const char *at = rec;
	int n, i, done = 0, rc = 0;

	out->len = 0;
	sp = spans(rec, len, &n);
	for (i = 0; i < n && rc == 0; i++) {
		fx_jfield f[5] = { { "fx_enc", 0, 0, 0 }, { "kid", 0, 0, 0 },
		    { "iv", 0, 0, 0 }, { "ct", 0, 0, 0 }, { "tag", 0, 0, 0 } };
		uint8_t *iv = NULL, *ct = NULL, *tag = NULL, *pt = NULL;
		size_t niv = 0, nct = 0, ntag = 0;
		char *name;

		if (sp[i].vlen < sizeof ENC_TAG || sp[i].v[0] != '{' ||
		    memcmp(sp[i].v + 1, ENC_TAG, sizeof ENC_TAG - 1) != 0)
			continue;
		name = key_name(&sp[i]);
		if (fx_json_scan(sp[i].v, sp[i].vlen, f, 5) != 1 ||
		    (iv = env_bytes(&f[2], &niv)) == NULL || niv != 12 ||
		    (ct = env_bytes(&f[3], &nct)) == NULL ||
		    (tag = env_bytes(&f[4], &ntag)) == NULL || ntag != 16 ||
		    f[1].kind != FX_JS_STRING) {
			snprintf(err, errlen, "%s: a malformed envelope", name);
			rc = -1;
		} else if (f[1].len != strlen(k->kid) ||
		    memcmp(f[1].v, k->kid, f[1].len) != 0) {
			snprintf(err, errlen, "%s: encrypted with key %.*s, not "
			    "this key (%s)", name, (int)f[1].len, f[1].v,
			    k->kid);
			rc = -1;
		} else {
			pt = fx_xmalloc(nct + 16);
			aad(&ad, origin, seq, name);
			if (gcm(0, k, iv, &ad, ct, nct, pt, tag) != 0) {
				snprintf(err, errlen, "%s: the envelope does not "
				    "authenticate (changed, or moved from "
				    "another entry)", name);
				rc = -1;
			} else {
				fx_buf_put(out, at, (size_t)(sp[i].v - at));
				fx_buf_put(out, (const char *)pt, nct);
				at = sp[i].v + sp[i].vlen;
				done++;
			}
		}
		free(iv);
		free(ct);
		free(tag);
		if (pt != NULL)
			OPENSSL_cleanse(pt, nct);
		free(pt);
		free(name);
	}
	fx_buf_put(out, at, (size_t)(rec + len - at));
	fx_buf_free(&ad);
	free(sp);
	return rc != 0 ? -1 : done;
}
