/* note.c - see note.h */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "b64.h"
#include "buf.h"
#include "err.h"
#include "note.h"

#define ED25519_TYPE 0x01
#define ED25519_SIG_LEN 64
#define EM_DASH "\xe2\x80\x94"
#define SIG_PREFIX EM_DASH " "
#define SIG_PREFIX_LEN 4
#define KEY_FILE_MAX 4096	/* bytes in a key file: a key is ~100 */

struct fx_note_signer {
	char *name;
	uint32_t id;
	uint8_t pub[32];
	EVP_PKEY *pkey;
};

struct fx_note_verifier {
	char *name;
	uint32_t id;
	uint8_t pub[32];
	EVP_PKEY *pkey;
};

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

/*
 * The UTF-8 sequence at s[0..n): its length (1..4) and code point, or 0
 * when it is not valid UTF-8 (overlong forms and surrogates included).
 */
static size_t
utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		*cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		*cp = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		*cp = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	return len;
}

/*
 * Is s[0..n) UTF-8 without control characters but newline?  On no, the
 * reason (with the byte offset) in err.
 */
static int
text_ok(const char *s, size_t n, const char *what, char *err, size_t errlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;
	uint32_t cp;

	while (i < n) {
		if ((k = utf8_next(p + i, n - i, &cp)) == 0) {
			say(err, errlen, "%s: byte %zu: not UTF-8", what, i);
			return 0;
		}
		if (cp < 0x20 && cp != '\n') {
			say(err, errlen, "%s: byte %zu: control character "
			    "0x%02x", what, i, (unsigned)cp);
			return 0;
		}
		i += k;
	}
	return 1;
}

/* Unicode White_Space, as Go's unicode.IsSpace sees it. */
static int
is_space(uint32_t cp)
{
	return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 ||
	    cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
	    cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f ||
	    cp == 0x3000;
}

int
fx_note_name_ok(const char *name, size_t len)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t i = 0, k;
	uint32_t cp;

	if (len == 0)
		return 0;
	while (i < len) {
		if ((k = utf8_next(p + i, len - i, &cp)) == 0 || cp < 0x20 ||
		    cp == '+' || is_space(cp))
			return 0;
		i += k;
	}
	return 1;
}

static uint32_t
key_id(const char *name, size_t namelen, const uint8_t pub[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	const unsigned char sep[2] = { '\n', ED25519_TYPE };
	unsigned char h[EVP_MAX_MD_SIZE];

	if (c == NULL || !EVP_DigestInit_ex2(c, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(c, name, namelen) ||
	    !EVP_DigestUpdate(c, sep, 2) || !EVP_DigestUpdate(c, pub, 32) ||
	    !EVP_DigestFinal_ex(c, h, NULL))
		fx_die(FX_EXIT_FAIL, "sha-256: %s", ossl_reason());
	EVP_MD_CTX_free(c);
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
	    (uint32_t)h[2] << 8 | h[3];
}

uint32_t
fx_note_key_id(const char *name, const uint8_t pub[32])
{
	return key_id(name, strlen(name), pub);
}

/* "name+hexid+base64(0x01 || key)", owned by the caller. */
static char *
key_text(const char *prefix, const char *name, uint32_t id,
    const uint8_t key[32])
{
	uint8_t raw[33];
	char b64[45], *s;
	size_t n;

	raw[0] = ED25519_TYPE;
	memcpy(raw + 1, key, 32);
	fx_b64_encode(raw, sizeof raw, b64);
	n = strlen(prefix) + strlen(name) + 1 + 8 + 1 + 44 + 1;
	s = fx_xmalloc(n);
	snprintf(s, n, "%s%s+%08x+%s", prefix, name, (unsigned)id, b64);
	OPENSSL_cleanse(raw, sizeof raw);
	OPENSSL_cleanse(b64, sizeof b64);
	return s;
}

void
fx_note_key_free(char *key)
{
	if (key == NULL)
		return;
	OPENSSL_cleanse(key, strlen(key));
	free(key);
}

/*
 * Splits "name+hexid+base64" (s, NUL-terminated) into its name (pointer
 * and length into s), the key id and the 32 key bytes after a 0x01 type
 * byte.  Returns 0, or -1 with the reason in err.  what is "verifier key"
 * or "signer key".
 */
static int
key_parse(const char *s, const char *what, const char **name,
    size_t *namelen, uint32_t *id, uint8_t key[32], char *err, size_t errlen)
{
	const char *plus1 = strchr(s, '+'), *plus2, *hex, *b64;
	uint8_t raw[33];
	size_t rawlen;
	uint32_t v = 0;
	int i;

	if (plus1 == NULL || (plus2 = strchr(plus1 + 1, '+')) == NULL) {
		say(err, errlen, "%s: want name+hexid+key", what);
		return -1;
	}
	*name = s;
	*namelen = (size_t)(plus1 - s);
	if (!fx_note_name_ok(s, *namelen)) {
		say(err, errlen, "%s: bad key name '%s'", what,
		    fx_quote(s, *namelen));
		return -1;
	}
	hex = plus1 + 1;
	if (plus2 - hex != 8) {
		say(err, errlen, "%s: key id '%s' is not 8 hex digits", what,
		    fx_quote(hex, (size_t)(plus2 - hex)));
		return -1;
	}
	for (i = 0; i < 8; i++) {
		char c = hex[i];
		int d = c >= '0' && c <= '9' ? c - '0' :
		    c >= 'a' && c <= 'f' ? c - 'a' + 10 :
		    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (d < 0) {
			say(err, errlen, "%s: key id '%s' is not 8 hex digits",
			    what, fx_quote(hex, 8));
			return -1;
		}
		v = v << 4 | (uint32_t)d;
	}
	*id = v;
	b64 = plus2 + 1;
	if (fx_b64_decode(b64, strlen(b64), raw, sizeof raw, &rawlen) != 0) {
		say(err, errlen, "%s: key is not base64 of at most 33 bytes",
		    what);
		return -1;
	}
	if (rawlen == 0 || raw[0] != ED25519_TYPE) {
		if (rawlen == 0)
			say(err, errlen, "%s: key type missing", what);
		else
			say(err, errlen, "%s: key type 0x%02x is not Ed25519 "
			    "(0x01)", what, raw[0]);
		OPENSSL_cleanse(raw, sizeof raw);
		return -1;
	}
	if (rawlen != 33) {
		say(err, errlen, "%s: Ed25519 key has %zu bytes, want 32", what,
		    rawlen - 1);
		OPENSSL_cleanse(raw, sizeof raw);
		return -1;
	}
	memcpy(key, raw + 1, 32);
	OPENSSL_cleanse(raw, sizeof raw);
	return 0;
}

int
fx_note_keygen(const char *name, char **skey, char **vkey, char *err,
    size_t errlen)
{
	EVP_PKEY *pkey;
	uint8_t seed[32], pub[32];
	size_t slen = 32, plen = 32;
	uint32_t id;

	*skey = *vkey = NULL;
	if (!fx_note_name_ok(name, strlen(name))) {
		say(err, errlen, "bad key name '%s': want non-empty UTF-8 "
		    "without spaces, control characters or '+'",
		    fx_quote(name, strlen(name)));
		return -1;
	}
	if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL) {
		say(err, errlen, "cannot make an Ed25519 key: %s",
		    ossl_reason());
		return -1;
	}
	if (!EVP_PKEY_get_raw_private_key(pkey, seed, &slen) || slen != 32 ||
	    !EVP_PKEY_get_raw_public_key(pkey, pub, &plen) || plen != 32) {
		say(err, errlen, "cannot read the Ed25519 key: %s",
		    ossl_reason());
		EVP_PKEY_free(pkey);
		OPENSSL_cleanse(seed, sizeof seed);
		return -1;
	}
	EVP_PKEY_free(pkey);
	id = fx_note_key_id(name, pub);
	*skey = key_text("PRIVATE+KEY+", name, id, seed);
	*vkey = key_text("", name, id, pub);
	OPENSSL_cleanse(seed, sizeof seed);
	return 0;
}

int
fx_note_key_write(const char *path, const char *key, char *err,
    size_t errlen)
{
	size_t len = strlen(key), off = 0;
	char *text = fx_xmalloc(len + 1);
	int fd, e = 0;

	memcpy(text, key, len);
	text[len++] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY,
	    0600);
	if (fd < 0) {
		say(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			e = w < 0 ? errno : EIO;
			break;
		}
		off += (size_t)w;
	}
	if (e == 0 && fsync(fd) != 0)
		e = errno;
	if (close(fd) != 0 && e == 0)
		e = errno;
	if (e != 0) {
		say(err, errlen, "%s: %s", path, strerror(e));
		unlink(path);
		fd = -1;
	}
out:
	OPENSSL_cleanse(text, len);
	free(text);
	return fd < 0 ? -1 : 0;
}

/*
 * Reads a key file of one line (a final newline allowed) into a new
 * NUL-terminated string; private (the key's name for the message):
 * refuse group or other access.  NULL with "path: reason" in err.
 */
static char *
key_file(const char *path, const char *private, char *err, size_t errlen)
{
	char buf[KEY_FILE_MAX + 1], *s = NULL;
	struct stat st;
	size_t len = 0;
	int fd;

	/* O_NONBLOCK: a FIFO put in its place must not hang the open */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		say(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	/* the open file's mode, not the path's: no race with a rename */
	if (fstat(fd, &st) != 0) {
		say(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		say(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (private != NULL && (st.st_mode & 077) != 0) {
		say(err, errlen, "%s: %s is accessible by group or "
		    "others (mode %04o); chmod 600 it", path, private,
		    (unsigned)(st.st_mode & 07777));
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, buf + len, sizeof buf - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			say(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len == sizeof buf) {
			say(err, errlen, "%s: over %d bytes: not a key file",
			    path, KEY_FILE_MAX);
			goto out;
		}
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len == 0 || memchr(buf, '\n', len) != NULL ||
	    memchr(buf, '\0', len) != NULL) {
		say(err, errlen, "%s: want one key on one line", path);
		goto out;
	}
	s = fx_xstrndup(buf, len);
out:
	OPENSSL_cleanse(buf, sizeof buf);
	close(fd);
	return s;
}

char *
fx_note_secret_read(const char *path, const char *what, char *err,
    size_t errlen)
{
	return key_file(path, what, err, errlen);
}

fx_note_signer *
fx_note_signer_new(const char *skey, char *err, size_t errlen)
{
	static const char priv[] = "PRIVATE+KEY+";
	fx_note_signer *s;
	const char *name;
	size_t namelen, plen = 32;
	uint8_t seed[32], pub[32];
	uint32_t id;
	EVP_PKEY *pkey;

	if (strncmp(skey, priv, sizeof priv - 1) != 0) {
		say(err, errlen, "signer key: want PRIVATE+KEY+name+hexid+key");
		return NULL;
	}
	if (key_parse(skey + sizeof priv - 1, "signer key", &name, &namelen,
	    &id, seed, err, errlen) != 0)
		return NULL;
	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	OPENSSL_cleanse(seed, sizeof seed);
	if (pkey == NULL || !EVP_PKEY_get_raw_public_key(pkey, pub, &plen) ||
	    plen != 32) {
		say(err, errlen, "signer key: %s", ossl_reason());
		EVP_PKEY_free(pkey);
		return NULL;
	}
	if (key_id(name, namelen, pub) != id) {
		say(err, errlen, "signer key: key id %08x is not that of the "
		    "key", (unsigned)id);
		EVP_PKEY_free(pkey);
		return NULL;
	}
	s = fx_xcalloc(1, sizeof *s);
	s->name = fx_xstrndup(name, namelen);
	s->id = id;
	memcpy(s->pub, pub, 32);
	s->pkey = pkey;
	return s;
}

fx_note_signer *
fx_note_signer_load(const char *path, char *err, size_t errlen)
{
	char *text = key_file(path, "signer key", err, errlen), why[200];
	fx_note_signer *s;

	if (text == NULL)
		return NULL;
	s = fx_note_signer_new(text, why, sizeof why);
	if (s == NULL)
		say(err, errlen, "%s: %s", path, why);
	fx_note_key_free(text);
	return s;
}

void
fx_note_signer_free(fx_note_signer *s)
{
	if (s == NULL)
		return;
	EVP_PKEY_free(s->pkey);
	free(s->name);
	free(s);
}

const char *
fx_note_signer_name(const fx_note_signer *s)
{
	return s->name;
}

uint32_t
fx_note_signer_id(const fx_note_signer *s)
{
	return s->id;
}

char *
fx_note_signer_vkey(const fx_note_signer *s)
{
	return key_text("", s->name, s->id, s->pub);
}

fx_note_verifier *
fx_note_verifier_new(const char *vkey, char *err, size_t errlen)
{
	fx_note_verifier *v;
	const char *name;
	size_t namelen;
	uint8_t pub[32];
	uint32_t id;
	EVP_PKEY *pkey;

	if (key_parse(vkey, "verifier key", &name, &namelen, &id, pub, err,
	    errlen) != 0)
		return NULL;
	if (key_id(name, namelen, pub) != id) {
		say(err, errlen, "verifier key: key id %08x is not that of the "
		    "key", (unsigned)id);
		return NULL;
	}
	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	if (pkey == NULL) {
		say(err, errlen, "verifier key: %s", ossl_reason());
		return NULL;
	}
	v = fx_xcalloc(1, sizeof *v);
	v->name = fx_xstrndup(name, namelen);
	v->id = id;
	memcpy(v->pub, pub, 32);
	v->pkey = pkey;
	return v;
}

fx_note_verifier *
fx_note_verifier_load(const char *path, char *err, size_t errlen)
{
	char *text = key_file(path, NULL, err, errlen), why[200];
	fx_note_verifier *v;

	if (text == NULL)
		return NULL;
	v = fx_note_verifier_new(text, why, sizeof why);
	if (v == NULL)
		say(err, errlen, "%s: %s", path, why);
	free(text);
	return v;
}

void
fx_note_verifier_free(fx_note_verifier *v)
{
	if (v == NULL)
		return;
	EVP_PKEY_free(v->pkey);
	free(v->name);
	free(v);
}

const char *
fx_note_verifier_name(const fx_note_verifier *v)
{
	return v->name;
}

uint32_t
fx_note_verifier_id(const fx_note_verifier *v)
{
	return v->id;
}

/* Ed25519 (pure: no digest of ours) of msg[0..len) into sig[64]. */
static int
ed25519_sign(EVP_PKEY *pkey, const char *msg, size_t len,
    uint8_t sig[ED25519_SIG_LEN])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	size_t siglen = ED25519_SIG_LEN;
	int ok;

	ok = c != NULL && EVP_DigestSignInit(c, NULL, NULL, NULL, pkey) == 1 &&
	    EVP_DigestSign(c, sig, &siglen, (const unsigned char *)msg,
	    len) == 1 && siglen == ED25519_SIG_LEN;
	EVP_MD_CTX_free(c);
	return ok ? 0 : -1;
}

static int
ed25519_verify(EVP_PKEY *pkey, const char *msg, size_t len,
    const uint8_t *sig, size_t siglen)
{
	EVP_MD_CTX *c;
	int ok;

	if (siglen != ED25519_SIG_LEN)
		return 0;
	c = EVP_MD_CTX_new();
	ok = c != NULL && EVP_DigestVerifyInit(c, NULL, NULL, NULL,
	    pkey) == 1 && EVP_DigestVerify(c, sig, siglen,
	    (const unsigned char *)msg, len) == 1;
	EVP_MD_CTX_free(c);
	ERR_clear_error();	/* a bad signature queues an error */
	return ok;
}

char *
fx_note_sign(const char *text, size_t len, fx_note_signer *const *signers,
    int n, size_t *outlen, char *err, size_t errlen)
{
	fx_buf b = FX_BUF_INIT;
	uint8_t sig[4 + ED25519_SIG_LEN];
	char b64[4 * ((sizeof sig + 2) / 3) + 1];
	int i, j;

	*outlen = 0;
	if (n < 1 || n > FX_NOTE_MAX_SIGS) {
		say(err, errlen, "%d signers: want 1 to %d", n,
		    FX_NOTE_MAX_SIGS);
		return NULL;
	}
	if (len == 0 || text[len - 1] != '\n') {
		say(err, errlen, "note text %s", len == 0 ? "is empty" :
		    "does not end in a newline");
		return NULL;
	}
	if (!text_ok(text, len, "note text", err, errlen))
		return NULL;
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (signers[i]->id == signers[j]->id &&
			    strcmp(signers[i]->name, signers[j]->name) == 0) {
				say(err, errlen, "key %s+%08x signs twice",
				    signers[i]->name, (unsigned)signers[i]->id);
				return NULL;
			}

	fx_buf_put(&b, text, len);
	fx_buf_putc(&b, '\n');
	for (i = 0; i < n; i++) {
		const fx_note_signer *s = signers[i];

		sig[0] = (uint8_t)(s->id >> 24);
		sig[1] = (uint8_t)(s->id >> 16);
		sig[2] = (uint8_t)(s->id >> 8);
		sig[3] = (uint8_t)s->id;
		if (ed25519_sign(s->pkey, text, len, sig + 4) != 0) {
			say(err, errlen, "key %s+%08x: cannot sign: %s",
			    s->name, (unsigned)s->id, ossl_reason());
			fx_buf_free(&b);
			return NULL;
		}
		fx_b64_encode(sig, sizeof sig, b64);
		fx_buf_puts(&b, SIG_PREFIX);
		fx_buf_puts(&b, s->name);
		fx_buf_putc(&b, ' ');
		fx_buf_puts(&b, b64);
		fx_buf_putc(&b, '\n');
	}
	if (b.len > FX_NOTE_MAX_LEN) {
		say(err, errlen, "signed note would have %zu bytes, over %d",
		    b.len, FX_NOTE_MAX_LEN);
		fx_buf_free(&b);
		return NULL;
	}
	fx_buf_cstr(&b);
	*outlen = b.len;
	return b.data;
}

int
fx_note_verify(const char *note, size_t len,
    fx_note_verifier *const *verifiers, int n, fx_note_result *res,
    char *err, size_t errlen)
{
	fx_note_result r = { 0, 0, 0, 0, 0 };
	const char *sigs, *end = note + len, *line, *nl;
	char bad[160] = "", unknown[160] = "";
	size_t split, textlen;
	uint8_t *raw;
	int status;

	if (res != NULL)
		memset(res, 0, sizeof *res);
	if (n < 0 || n > FX_NOTE_MAX_VERIFIERS) {
		say(err, errlen, "%d verifiers: want 0 to %d", n,
		    FX_NOTE_MAX_VERIFIERS);
		return FX_NOTE_MALFORMED;
	}
	if (len > FX_NOTE_MAX_LEN) {
		say(err, errlen, "note has %zu bytes, over %d", len,
		    FX_NOTE_MAX_LEN);
		return FX_NOTE_MALFORMED;
	}
	if (!text_ok(note, len, "note", err, errlen))
		return FX_NOTE_MALFORMED;
	/* the text ends at the last blank line */
	for (split = len; split >= 2; split--)
		if (note[split - 2] == '\n' && note[split - 1] == '\n')
			break;
	if (split < 2) {
		say(err, errlen, "note has no blank line before signatures");
		return FX_NOTE_MALFORMED;
	}
	textlen = split - 1;
	sigs = note + split;
	if (sigs == end) {
		say(err, errlen, "note has no signature lines");
		return FX_NOTE_MALFORMED;
	}
	if (end[-1] != '\n') {
		say(err, errlen, "note does not end in a newline");
		return FX_NOTE_MALFORMED;
	}

	/* a decoded signature is shorter than its line */
	raw = fx_xmalloc((size_t)(end - sigs));
	status = FX_NOTE_OK;
	for (line = sigs; line < end; line = nl + 1) {
		const char *name, *sp, *b64;
		size_t rawlen;
		uint32_t id;
		int j, known = 0, good = 0;

		nl = memchr(line, '\n', (size_t)(end - line));
		if (++r.nsigs > FX_NOTE_MAX_SIGS) {
			say(err, errlen, "note has over %d signatures",
			    FX_NOTE_MAX_SIGS);
			status = FX_NOTE_MALFORMED;
			break;
		}
		if (nl - line < SIG_PREFIX_LEN ||
		    memcmp(line, SIG_PREFIX, SIG_PREFIX_LEN) != 0) {
			say(err, errlen, "signature line %d does not start "
			    "with an em dash and a space: '%s'", r.nsigs,
			    fx_quote(line, (size_t)(nl - line)));
			status = FX_NOTE_MALFORMED;
			break;
		}
		name = line + SIG_PREFIX_LEN;
		sp = memchr(name, ' ', (size_t)(nl - name));
		if (sp == NULL || !fx_note_name_ok(name, (size_t)(sp - name))) {
			say(err, errlen, "signature line %d: %s", r.nsigs,
			    sp == NULL ? "no space after the key name" :
			    "bad key name");
			status = FX_NOTE_MALFORMED;
			break;
		}
		b64 = sp + 1;
		if (b64 == nl || fx_b64_decode(b64, (size_t)(nl - b64), raw,
		    (size_t)(end - sigs), &rawlen) != 0 || rawlen < 5) {
			say(err, errlen, "signature line %d: signature is not "
			    "base64 of a key id and a signature", r.nsigs);
			status = FX_NOTE_MALFORMED;
			break;
		}
		id = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 |
		    (uint32_t)raw[2] << 8 | raw[3];
		for (j = 0; j < n; j++) {
			const fx_note_verifier *v = verifiers[j];

			if (v->id != id || strlen(v->name) !=
			    (size_t)(sp - name) || memcmp(v->name, name,
			    (size_t)(sp - name)) != 0)
				continue;
			known = 1;
			if (ed25519_verify(v->pkey, note, textlen, raw + 4,
			    rawlen - 4)) {
				r.verified |= (uint64_t)1 << j;
				good = 1;
			}
		}
		if (!known) {
			r.nunknown++;
			if (unknown[0] == '\0')
				snprintf(unknown, sizeof unknown, "%s+%08x",
				    fx_quote(name, (size_t)(sp - name)),
				    (unsigned)id);
		} else if (good)
			r.nverified++;
		else if (bad[0] == '\0')
			snprintf(bad, sizeof bad, "%s+%08x",
			    fx_quote(name, (size_t)(sp - name)), (unsigned)id);
	}
	free(raw);
	if (status == FX_NOTE_MALFORMED)
		return status;

	r.text_len = textlen;
	if (res != NULL)
		*res = r;
	if (bad[0] != '\0') {
		say(err, errlen, "signature by key '%s' does not verify", bad);
		return FX_NOTE_BAD_SIGNATURE;
	}
	if (r.nverified == 0) {
		say(err, errlen, "no signature by a known key (first unknown "
		    "'%s')", unknown);
		return FX_NOTE_UNVERIFIED;
	}
	return FX_NOTE_OK;
}

/* Is ext (len bytes) non-empty lines each ending in a newline? */
static int
ext_ok(const char *ext, size_t len, char *err, size_t errlen)
{
	size_t i;

	if (len == 0)
		return 1;
	if (ext[len - 1] != '\n') {
		say(err, errlen, "checkpoint extension lines do not end in a "
		    "newline");
		return 0;
	}
	for (i = 0; i < len; i++)
		if (ext[i] == '\n' && (i == 0 || ext[i - 1] == '\n')) {
			say(err, errlen, "checkpoint has an empty extension "
			    "line");
			return 0;
		}
	return text_ok(ext, len, "checkpoint extension", err, errlen);
}

char *
fx_note_checkpoint_format(const char *origin, uint64_t size,
    const uint8_t root[32], const char *ext, size_t *outlen, char *err,
    size_t errlen)
{
	size_t olen = strlen(origin), elen = ext ? strlen(ext) : 0;
	fx_buf b = FX_BUF_INIT;
	char num[24], b64[45];

	if (outlen != NULL)
		*outlen = 0;
	if (olen == 0 || memchr(origin, '\n', olen) != NULL) {
		say(err, errlen, "checkpoint origin %s", olen == 0 ?
		    "is empty" : "holds a newline");
		return NULL;
	}
	if (!text_ok(origin, olen, "checkpoint origin", err, errlen) ||
	    !ext_ok(ext, elen, err, errlen))
		return NULL;
	snprintf(num, sizeof num, "%llu", (unsigned long long)size);
	fx_b64_encode(root, 32, b64);
	fx_buf_put(&b, origin, olen);
	fx_buf_putc(&b, '\n');
	fx_buf_puts(&b, num);
	fx_buf_putc(&b, '\n');
	fx_buf_puts(&b, b64);
	fx_buf_putc(&b, '\n');
	if (elen > 0)
		fx_buf_put(&b, ext, elen);
	fx_buf_cstr(&b);
	if (outlen != NULL)
		*outlen = b.len;
	return b.data;
}

int
fx_note_checkpoint_parse(const char *text, size_t len,
    fx_note_checkpoint *cp, char *err, size_t errlen)
{
	const char *end = text + len, *line[3], *nl[3], *p, *q;
	uint8_t root[32];
	uint64_t size = 0;
	size_t rootlen;
	int i;

	if (len == 0 || end[-1] != '\n') {
		say(err, errlen, "checkpoint %s", len == 0 ? "is empty" :
		    "does not end in a newline");
		return -1;
	}
	if (!text_ok(text, len, "checkpoint", err, errlen))
		return -1;
	for (p = text, i = 0; i < 3; i++) {
		static const char *const what[3] = { "origin", "size",
		    "root hash" };

		if (p == end) {
			say(err, errlen, "checkpoint has no %s line", what[i]);
			return -1;
		}
		line[i] = p;
		nl[i] = memchr(p, '\n', (size_t)(end - p));
		p = nl[i] + 1;
	}
	if (nl[0] == line[0]) {
		say(err, errlen, "checkpoint origin is empty");
		return -1;
	}
	if (nl[1] == line[1] || (line[1][0] == '0' && nl[1] - line[1] > 1)) {
		say(err, errlen, "checkpoint size '%s': want a decimal without "
		    "leading zeros", fx_quote(line[1],
		    (size_t)(nl[1] - line[1])));
		return -1;
	}
	for (q = line[1]; q < nl[1]; q++) {
		unsigned d = (unsigned)(*q - '0');

		if (*q < '0' || *q > '9' || size > (UINT64_MAX - d) / 10) {
			say(err, errlen, "checkpoint size '%s': %s",
			    fx_quote(line[1], (size_t)(nl[1] - line[1])),
			    *q < '0' || *q > '9' ? "not a decimal number" :
			    "over 2^64 - 1");
			return -1;
		}
		size = size * 10 + d;
	}
	if (fx_b64_decode(line[2], (size_t)(nl[2] - line[2]), root, 32,
	    &rootlen) != 0 || rootlen != 32) {
		say(err, errlen, "checkpoint root hash '%s': want base64 of 32 "
		    "bytes", fx_quote(line[2], (size_t)(nl[2] - line[2])));
		return -1;
	}
	if (!ext_ok(p, (size_t)(end - p), err, errlen))
		return -1;
	cp->origin = text;
	cp->origin_len = (size_t)(nl[0] - line[0]);
	cp->size = size;
	memcpy(cp->root, root, 32);
	cp->ext = p;
	cp->ext_len = (size_t)(end - p);
	return 0;
}
