/*
 * test_note.c - signed notes, Ed25519 keys, checkpoints and base64.
 *
 * The references are published examples, transcribed with their sources:
 * the signed note of the C2SP signed-note specification, the keys and
 * signatures of Go's golang.org/x/mod/sumdb/note (Ed25519 signing is
 * deterministic, so signing its text with its key must give its signature
 * byte for byte), the checkpoint of the C2SP tlog-checkpoint
 * specification, and the base64 examples of RFC 4648 section 10.  Key ids
 * are recomputed here with OpenSSL's SHA256() from the definition.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "b64.h"
#include "merkle.h"
#include "note.h"
#include "tap.h"

#define EM "\xe2\x80\x94"	/* U+2014 em dash */

/*
 * c2sp.org/signed-note (C2SP/C2SP, signed-note.md), its example, as
 * listed in ../shared/testvectors/rfc6962/SOURCES.md.
 */
static const char c2sp_vkey[] =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
static const char c2sp_note[] =
    "This is an example message.\n"
    "\n"
    EM " example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK"
    "7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

/*
 * golang.org/x/mod, sumdb/note: the package documentation of note.go and
 * note_test.go (TestSign, TestOpen, TestNewVerifier).
 */
static const char peter_skey[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUv"
    "xdXHKDFz";
static const char peter_vkey[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char enoch_vkey[] =
    "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
static const char go_text[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
static const char peter_sig[] =
    EM " PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1"
    "FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
static const char enoch_sig[] =
    EM " EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1"
    "aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

/* c2sp.org/tlog-checkpoint, the note text of its example. */
static const char spec_checkpoint[] =
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The concatenation of up to four strings (NULLs end it), malloc'ed. */
static char *
cat(const char *a, const char *b, const char *c, const char *d)
{
	const char *part[4] = { a, b, c, d };
	size_t n = 0, i;
	char *s;

	for (i = 0; i < 4 && part[i] != NULL; i++)
		n += strlen(part[i]);
	s = malloc(n + 1);
	s[0] = '\0';
	for (i = 0; i < 4 && part[i] != NULL; i++)
		strcat(s, part[i]);
	return s;
}

/* fx_note_verify of a C string; err and res to the caller's. */
static int
open_note(const char *note, fx_note_verifier *const *v, int n,
    fx_note_result *res, char *err, size_t errlen)
{
	return fx_note_verify(note, strlen(note), v, n, res, err, errlen);
}

static fx_note_verifier *
verifier(const char *vkey)
{
	char err[256];
	fx_note_verifier *v = fx_note_verifier_new(vkey, err, sizeof err);

	if (v == NULL) {
		printf("Bail out! verifier '%s': %s\n", vkey, err);
		exit(1);
	}
	return v;
}

static fx_note_signer *
signer(const char *skey)
{
	char err[256];
	fx_note_signer *s = fx_note_signer_new(skey, err, sizeof err);

	if (s == NULL) {
		printf("Bail out! signer: %s\n", err);
		exit(1);
	}
	return s;
}

/* A note signed by s, as a C string (Bail out on failure). */
static char *
sign1(fx_note_signer *s, const char *text)
{
	char err[256], *note;
	size_t len;

	note = fx_note_sign(text, strlen(text), &s, 1, &len, err, sizeof err);
	if (note == NULL || strlen(note) != len) {
		printf("Bail out! sign: %s\n", err);
		exit(1);
	}
	return note;
}

/* ---- base64 ---- */

static void
test_b64(void)
{
	/* RFC 4648 section 10 */
	static const char *const plain[] = { "", "f", "fo", "foo", "foob",
	    "fooba", "foobar" };
	static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v",
	    "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	static const char *const bad[] = { "Zg=", "Zg", "Zh==", "Zm9=",
	    "Zm9v\n", " Zm9v", "Zm9v ", "Zm9-", "Zm9_", "Zm==Zm9v", "====",
	    "Z===", "Zm9vYg=", "Zm9vY===", "Zm9v=Zm9", "Zm8=Zm9v" };
	char out[16], *text;
	uint8_t buf[16], *exact, big[3000], back[3000];
	size_t i, n, bad_ok = 0, big_ok = 1;

	for (i = 0; i < 7; i++) {
		size_t len = fx_b64_encode(plain[i], strlen(plain[i]), out);

		is_str(out, coded[i], "base64 of RFC 4648's example");
		ok(len == strlen(coded[i]) && fx_b64_len(strlen(plain[i])) ==
		    len && fx_b64_decode(coded[i], strlen(coded[i]), buf,
		    sizeof buf, &n) == 0 && n == strlen(plain[i]) &&
		    memcmp(buf, plain[i], n) == 0, "  and it decodes back to "
		    "'%s'", plain[i]);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (fx_b64_decode(bad[i], strlen(bad[i]), buf, sizeof buf,
		    &n) != 0)
			bad_ok++;
		else
			printf("#   accepted '%s'\n", bad[i]);
	ok(bad_ok == sizeof bad / sizeof bad[0], "strict decoding refuses "
	    "all %zu of: bad length, bits left over by the padding, blanks, "
	    "URL-safe letters, padding inside", sizeof bad / sizeof bad[0]);
	ok(fx_b64_decode("Zm9vYmFy", 8, buf, 5, &n) != 0 &&
	    fx_b64_decode("Zm9vYmFy", 8, buf, 6, &n) == 0 && n == 6,
	    "decoding refuses more bytes than the room given");

	/* 32 bytes into exactly 32: OpenSSL's decoder writes 33 for 44
	 * characters, AddressSanitizer would see it */
	for (i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 7 + 3);
	text = malloc(fx_b64_len(32) + 1);
	exact = malloc(32);
	fx_b64_encode(big, 32, text);
	ok(strlen(text) == 44 && fx_b64_decode(text, 44, exact, 32, &n) == 0 &&
	    n == 32 && memcmp(exact, big, 32) == 0, "a hash decodes into "
	    "exactly 32 bytes of room");
	free(text);
	free(exact);
	for (n = 0; n <= sizeof big && big_ok; n += 97) {
		size_t m;

		text = malloc(fx_b64_len(n) + 1);
		fx_b64_encode(big, n, text);
		big_ok = fx_b64_decode(text, strlen(text), back, n, &m) == 0 &&
		    m == n && memcmp(back, big, n) == 0;
		free(text);
	}
	ok(big_ok, "every length 0..3000 (step 97) round-trips");
}

/* ---- the published examples ---- */

static void
test_c2sp_example(void)
{
	fx_note_verifier *v = verifier(c2sp_vkey);
	fx_note_result r;
	uint8_t raw[33], h[32], in[64];
	size_t n;
	char err[256], *changed;
	uint32_t want;

	is_str(fx_note_verifier_name(v), "example.com/foo",
	    "C2SP signed-note example key: name");
	ok(fx_note_verifier_id(v) == 0x530d903a, "  key id 530d903a");
	fx_b64_decode(strchr(strchr(c2sp_vkey, '+') + 1, '+') + 1, 44, raw,
	    sizeof raw, &n);
	memcpy(in, "example.com/foo\n", 16);
	memcpy(in + 16, raw, 33);
	SHA256(in, 49, h);
	want = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
	    (uint32_t)h[2] << 8 | h[3];
	ok(n == 33 && raw[0] == 0x01 && want == 0x530d903a &&
	    fx_note_key_id("example.com/foo", raw + 1) == want,
	    "  the key id is SHA-256(name || 0x0A || 0x01 || key)[:4]");

	ok(open_note(c2sp_note, &v, 1, &r, err, sizeof err) == FX_NOTE_OK,
	    "the C2SP signed-note example verifies");
	ok(r.text_len == 28 && memcmp(c2sp_note, "This is an example "
	    "message.\n", 28) == 0 && r.nsigs == 1 && r.nverified == 1 &&
	    r.nunknown == 0 && r.verified == 1, "  its text and counts");
	changed = cat(c2sp_note, NULL, NULL, NULL);
	changed[8] = 'A';
	ok(open_note(changed, &v, 1, &r, err, sizeof err) ==
	    FX_NOTE_BAD_SIGNATURE && strstr(err, "example.com/foo+530d903a") !=
	    NULL, "  one letter of its text changed: bad signature (%s)", err);
	free(changed);
	fx_note_verifier_free(v);
}

static void
test_go_examples(void)
{
	fx_note_signer *s = signer(peter_skey);
	fx_note_verifier *peter = verifier(peter_vkey);
	fx_note_verifier *enoch = verifier(enoch_vkey);
	fx_note_verifier *both[2] = { peter, enoch };
	fx_note_verifier *dup[3] = { enoch, peter, enoch };
	fx_note_result r;
	char err[256], *note, *want, *vk, *two, *many, *p;
	const char *bad[7];
	int i, all;

	is_str(fx_note_signer_name(s), "PeterNeumann", "Go's example signer "
	    "key: name");
	ok(fx_note_signer_id(s) == 0xc74f20a3, "  key id c74f20a3, checked "
	    "against the public key of the seed");
	vk = fx_note_signer_vkey(s);
	is_str(vk, peter_vkey, "  its verifier key is Go's");
	free(vk);

	note = sign1(s, go_text);
	want = cat(go_text, "\n", peter_sig, NULL);
	is_str(note, want, "signing Go's text gives Go's signed note byte "
	    "for byte");
	free(note);
	free(want);

	two = cat(go_text, "\n", peter_sig, enoch_sig);
	ok(open_note(two, &peter, 1, &r, err, sizeof err) == FX_NOTE_OK &&
	    r.nverified == 1 && r.nunknown == 1 && r.verified == 1,
	    "Peter's and Enoch's note opened knowing Peter: one verified, one "
	    "unknown");
	ok(open_note(two, both, 2, &r, err, sizeof err) == FX_NOTE_OK &&
	    r.nverified == 2 && r.nunknown == 0 && r.verified == 3,
	    "  knowing both: both verified");
	ok(open_note(two, &enoch, 1, &r, err, sizeof err) == FX_NOTE_OK &&
	    r.nverified == 1 && r.nunknown == 1 && r.verified == 1,
	    "  knowing Enoch: his verified, Peter's unknown");
	ok(open_note(two, NULL, 0, &r, err, sizeof err) == FX_NOTE_UNVERIFIED &&
	    r.nunknown == 2 && r.nverified == 0 &&
	    strstr(err, "PeterNeumann+c74f20a3") != NULL,
	    "  knowing neither: unverified, not bad (%s)", err);
	free(two);

	two = cat(go_text, "\n", enoch_sig, NULL);
	ok(open_note(two, dup, 3, &r, err, sizeof err) == FX_NOTE_OK &&
	    r.verified == 5, "a key given twice verifies for both");
	free(two);

	/* Go's TestOpen: too many signatures, and an invalid one */
	many = malloc(strlen(go_text) + 1 + 101 * strlen(peter_sig) + 1);
	strcpy(many, go_text);
	strcat(many, "\n");
	for (i = 0; i < 100; i++)
		strcat(many, peter_sig);
	ok(open_note(many, &peter, 1, &r, err, sizeof err) == FX_NOTE_OK &&
	    r.nverified == 100, "100 signature lines are accepted");
	strcat(many, peter_sig);
	ok(open_note(many, &peter, 1, &r, err, sizeof err) ==
	    FX_NOTE_MALFORMED && strstr(err, "over 100") != NULL,
	    "101 are malformed (%s)", err);
	free(many);

	p = cat(go_text, "\n", peter_sig, NULL);
	two = malloc(strlen(p) + 5);
	i = (int)strlen(go_text) + 1 + 60;
	memcpy(two, p, (size_t)i);
	strcpy(two + i, "ABCD");
	strcat(two, p + i);
	ok(open_note(two, &peter, 1, &r, err, sizeof err) ==
	    FX_NOTE_BAD_SIGNATURE, "Go's invalid signature (ABCD inserted): "
	    "bad signature (%s)", err);
	free(two);

	/* Go's badMsgs */
	bad[0] = go_text;
	bad[1] = cat(go_text, "\n", NULL, NULL);
	bad[2] = cat(go_text, "\n", peter_sig, NULL);
	((char *)bad[2])[strlen(bad[2]) - 1] = '\0';
	bad[3] = cat("\x01", go_text, "\n", peter_sig);
	bad[4] = cat("\xff", go_text, "\n", peter_sig);
	bad[5] = cat(go_text, "\n", EM " Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBt"
	    "iFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
	    NULL);
	bad[6] = cat(go_text, "\n", peter_sig, "Unexpected line.\n");
	for (all = 1, i = 0; i < 7; i++) {
		if (open_note(bad[i], &peter, 1, &r, err, sizeof err) !=
		    FX_NOTE_MALFORMED) {
			all = 0;
			printf("#   accepted bad message %d\n", i);
		}
		if (i > 0)
			free((char *)bad[i]);
	}
	ok(all, "Go's seven malformed messages are malformed");
	free(p);

	fx_note_signer_free(s);
	fx_note_verifier_free(peter);
	fx_note_verifier_free(enoch);
}

/* Go's TestNewVerifier and TestNewSigner: every proper substring of the
 * key, and the key with any one byte incremented, is refused. */
static void
test_key_manglings(void)
{
	char err[256], buf[128];
	size_t i, j, n;
	long tried = 0, took = 0;
	fx_note_verifier *v;
	fx_note_signer *s;

	n = strlen(peter_vkey);
	for (i = 0; i <= n; i++)
		for (j = i + 1; j <= n; j++) {
			if (i == 0 && j == n)
				continue;
			memcpy(buf, peter_vkey + i, j - i);
			buf[j - i] = '\0';
			tried++;
			if ((v = fx_note_verifier_new(buf, err, sizeof err))) {
				took++;
				fx_note_verifier_free(v);
			}
		}
	strcpy(buf, peter_vkey);
	for (i = 0; i < n; i++) {
		buf[i]++;
		tried++;
		if ((v = fx_note_verifier_new(buf, err, sizeof err))) {
			took++;
			fx_note_verifier_free(v);
		}
		buf[i]--;
	}
	ok(took == 0, "%ld manglings of Go's verifier key are all refused",
	    tried);
	ok(fx_note_verifier_new("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqi"
	    "BfsVkmqq/LDE4izWy10TWBADKEY==", err, sizeof err) == NULL &&
	    strstr(err, "bytes") != NULL, "  a key of the wrong length with "
	    "its id adjusted (%s)", err);
	ok(fx_note_verifier_new("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqi"
	    "BfsVkmqq/LDE4izWy10TW", err, sizeof err) == NULL &&
	    strstr(err, "0x65") != NULL, "  an unknown key type with its id "
	    "adjusted (%s)", err);
	ok(fx_note_verifier_new("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqi"
	    "BfsVkmqq/LDE4izWy10TW", err, sizeof err) == NULL &&
	    strstr(err, "not that of the key") != NULL, "  a wrong key id "
	    "(%s)", err);
	ok((v = fx_note_verifier_new("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxb"
	    "zhKqiBfsVkmqq/LDE4izWy10TW", err, sizeof err)) != NULL,
	    "  the key id in capitals is read, as Go reads it");
	fx_note_verifier_free(v);

	n = strlen(peter_skey);
	tried = took = 0;
	for (i = 0; i <= n; i++)
		for (j = i + 1; j <= n; j++) {
			if (i == 0 && j == n)
				continue;
			memcpy(buf, peter_skey + i, j - i);
			buf[j - i] = '\0';
			tried++;
			if ((s = fx_note_signer_new(buf, err, sizeof err))) {
				took++;
				fx_note_signer_free(s);
			}
		}
	strcpy(buf, peter_skey);
	for (i = 0; i < n; i++) {
		buf[i]++;
		tried++;
		if ((s = fx_note_signer_new(buf, err, sizeof err))) {
			took++;
			fx_note_signer_free(s);
		}
		buf[i]--;
	}
	ok(took == 0, "%ld manglings of Go's signer key are all refused",
	    tried);
	ok(fx_note_signer_new(peter_vkey, err, sizeof err) == NULL &&
	    strstr(err, "PRIVATE+KEY") != NULL, "a verifier key is not a "
	    "signer key (%s)", err);
	ok(fx_note_verifier_new(peter_skey, err, sizeof err) == NULL,
	    "  nor a signer key a verifier key (%s)", err);
}

/* ---- keys of our own ---- */

static void
test_keygen(void)
{
	static const char *const bad_names[] = { "", "a b", "a\tb", "a\nb",
	    "a\xc2\xa0" "b", "a\xe3\x80\x80" "b", "a\xe2\x80\xa8" "b", "\xff",
	    "a\xc0\xaf", "a+b" };
	static const char *const texts[] = { "hello\n", "\n",
	    "a\n\nb\n", "a\n\n", "\n\n\n", "\xc3\xa9nergie \xe2\x9a\xa1 "
	    "U+2028:\xe2\x80\xa8 DEL:\x7f\n", EM " looks like a signature\n" };
	char *skey, *vkey, *skey2, *vkey2, *vk, err[256], prefix[64];
	fx_note_signer *s;
	fx_note_verifier *v;
	fx_note_result r;
	size_t i, refused = 0;
	int good = 1;

	ok(fx_note_keygen("log.fluxeon.example/audit", &skey, &vkey, err,
	    sizeof err) == 0, "a new key pair");
	s = signer(skey);
	v = verifier(vkey);
	snprintf(prefix, sizeof prefix, "log.fluxeon.example/audit+%08x+",
	    (unsigned)fx_note_signer_id(s));
	ok(strncmp(vkey, prefix, strlen(prefix)) == 0 &&
	    strlen(vkey) == strlen(prefix) + 44 &&
	    strncmp(vkey + strlen(prefix), "A", 1) == 0, "  verifier key "
	    "name+hexid+base64(0x01 || key): %s", vkey);
	ok(strncmp(skey, "PRIVATE+KEY+", 12) == 0 &&
	    strncmp(skey + 12, prefix, strlen(prefix)) == 0 &&
	    strlen(skey) == 12 + strlen(prefix) + 44, "  signer key "
	    "PRIVATE+KEY+name+hexid+base64(0x01 || seed)");
	ok(fx_note_signer_id(s) == fx_note_verifier_id(v), "  signer and "
	    "verifier share the key id");
	vk = fx_note_signer_vkey(s);
	is_str(vk, vkey, "  the signer gives back the verifier key");
	free(vk);
	ok(fx_note_keygen("log.fluxeon.example/audit", &skey2, &vkey2, err,
	    sizeof err) == 0 && strcmp(skey, skey2) != 0 &&
	    strcmp(vkey, vkey2) != 0, "a second key pair differs");
	fx_note_key_free(skey2);
	free(vkey2);

	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		char *note = sign1(s, texts[i]);

		if (open_note(note, &v, 1, &r, err, sizeof err) != FX_NOTE_OK ||
		    r.text_len != strlen(texts[i]) ||
		    memcmp(note, texts[i], r.text_len) != 0) {
			good = 0;
			printf("#   text %zu: %s\n", i, err);
		}
		free(note);
	}
	ok(good, "sign then verify gives the text back, for %zu texts: blank "
	    "lines inside or last, only newlines, UTF-8, a line like a "
	    "signature", sizeof texts / sizeof texts[0]);

	for (i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
		char *a = NULL, *b = NULL;

		if (fx_note_keygen(bad_names[i], &a, &b, err, sizeof err) !=
		    0 && a == NULL && b == NULL &&
		    !fx_note_name_ok(bad_names[i], strlen(bad_names[i])))
			refused++;
	}
	ok(refused == sizeof bad_names / sizeof bad_names[0], "key names "
	    "empty, with a space (ASCII, tab, NBSP, ideographic, line "
	    "separator), '+', a newline or bad UTF-8 are refused (%s)", err);
	ok(fx_note_name_ok("example.com/log42", 17) &&
	    fx_note_name_ok("\xc3\xa9t\xc3\xa9", 5), "  URL-like and "
	    "accented names are fine");

	fx_note_key_free(skey);
	free(vkey);
	fx_note_signer_free(s);
	fx_note_verifier_free(v);
}

/* Replaces the base64 of the first signature line of note (NUL-ended)
 * with that of sig[0..n): a new string. */
static char *
with_sig(const char *note, size_t textlen, const uint8_t *sig, size_t n)
{
	const char *line = note + textlen + 1, *sp = strchr(line + 4, ' ');
	const char *nl = strchr(line, '\n');
	char *b64 = malloc(fx_b64_len(n) + 1), *out;
	size_t head = (size_t)(sp + 1 - note);

	fx_b64_encode(sig, n, b64);
	out = malloc(head + strlen(b64) + strlen(nl) + 1);
	memcpy(out, note, head);
	strcpy(out + head, b64);
	strcat(out, nl);
	free(b64);
	return out;
}

static void
test_tampering(void)
{
	static const char text[] = "log.fluxeon.example/audit\n42\n"
	    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
	char *skey, *vkey, *skey2, *vkey2, *note, *t, err[256], vk[128];
	fx_note_signer *s, *s2, *pair[2];
	fx_note_verifier *v, *v2, *renamed;
	fx_note_result r;
	uint8_t raw[68], pub[33];
	size_t i, n, textlen = strlen(text);
	long body_bad = 0, body_n = 0, sig_bad = 0, id_unknown = 0;
	const char *b64, *key64;

	fx_note_keygen("log.fluxeon.example/audit", &skey, &vkey, err,
	    sizeof err);
	fx_note_keygen("log.fluxeon.example/audit", &skey2, &vkey2, err,
	    sizeof err);
	s = signer(skey);
	s2 = signer(skey2);
	v = verifier(vkey);
	v2 = verifier(vkey2);
	note = sign1(s, text);
	ok(open_note(note, &v, 1, &r, err, sizeof err) == FX_NOTE_OK,
	    "a signed checkpoint body verifies");

	/* every byte of the body but its newlines, changed */
	for (i = 0; i < textlen; i++) {
		if (text[i] == '\n')
			continue;
		t = cat(note, NULL, NULL, NULL);
		t[i] = t[i] == 'x' ? 'y' : 'x';
		body_n++;
		if (open_note(t, &v, 1, &r, err, sizeof err) ==
		    FX_NOTE_BAD_SIGNATURE)
			body_bad++;
		free(t);
	}
	ok(body_bad == body_n, "each of the %ld body bytes changed: bad "
	    "signature", body_n);

	/* every bit of the signature, and of the key id */
	b64 = note + textlen + 1 + 4 + strlen("log.fluxeon.example/audit") + 1;
	fx_b64_decode(b64, strlen(b64) - 1, raw, sizeof raw, &n);
	for (i = 0; i < 8 * n; i++) {
		int rc;

		raw[i / 8] ^= (uint8_t)(1 << (i % 8));
		t = with_sig(note, textlen, raw, n);
		rc = open_note(t, &v, 1, &r, err, sizeof err);
		if (i >= 32 && rc == FX_NOTE_BAD_SIGNATURE)
			sig_bad++;
		if (i < 32 && rc == FX_NOTE_UNVERIFIED && r.nunknown == 1)
			id_unknown++;
		raw[i / 8] ^= (uint8_t)(1 << (i % 8));
		free(t);
	}
	ok(n == 68 && sig_bad == 8 * 64, "each of the 512 signature bits "
	    "flipped: bad signature (%ld)", sig_bad);
	ok(id_unknown == 32, "each of the 32 key id bits flipped: an unknown "
	    "key, so unverified");

	ok(open_note(note, &v2, 1, &r, err, sizeof err) == FX_NOTE_UNVERIFIED &&
	    r.nunknown == 1, "another key under the same name: unverified "
	    "(%s)", err);
	/* the same public key under another name */
	key64 = strchr(strchr(vkey, '+') + 1, '+') + 1;	/* '+' is base64 */
	fx_b64_decode(key64, 44, pub, sizeof pub, &n);
	snprintf(vk, sizeof vk, "log.fluxeon.example/other+%08x+%s",
	    (unsigned)fx_note_key_id("log.fluxeon.example/other", pub + 1),
	    key64);
	renamed = verifier(vk);
	ok(open_note(note, &renamed, 1, &r, err, sizeof err) ==
	    FX_NOTE_UNVERIFIED, "the same key under another name: unverified "
	    "(%s)", err);

	t = cat(text, "\n", NULL, NULL);
	ok(open_note(t, &v, 1, &r, err, sizeof err) == FX_NOTE_MALFORMED,
	    "the signature removed: malformed (%s)", err);
	free(t);
	ok(open_note(text, &v, 1, &r, err, sizeof err) == FX_NOTE_MALFORMED,
	    "  and the blank line too: malformed (%s)", err);

	{
		char *other = sign1(s2, text);
		const char *line2 = other + textlen + 1;
		char *three = cat(note, line2, EM " other.example/x AAAAAAAA\n",
		    NULL);
		char *first = cat(text, "\n", line2, note + textlen + 1);

		ok(open_note(three, &v, 1, &r, err, sizeof err) == FX_NOTE_OK &&
		    r.nverified == 1 && r.nunknown == 2, "extra signatures by "
		    "unknown keys (another key, a made-up one): still "
		    "verified, 2 unknown");
		ok(open_note(first, &v, 1, &r, err, sizeof err) == FX_NOTE_OK,
		    "  an unknown one before the known one");
		ok(open_note(three, NULL, 0, &r, err, sizeof err) ==
		    FX_NOTE_UNVERIFIED && r.nunknown == 3, "  and with no key "
		    "known, unverified with 3 unknown");
		free(three);
		free(first);
		pair[0] = s;
		pair[1] = s2;
		three = fx_note_sign(text, textlen, pair, 2, &n, err,
		    sizeof err);
		{
			fx_note_verifier *vs[2] = { v2, v };

			ok(three != NULL && open_note(three, vs, 2, &r, err,
			    sizeof err) == FX_NOTE_OK && r.verified == 3 &&
			    r.nverified == 2, "signed by two keys, both "
			    "verify");
		}
		free(three);
		free(other);
	}

	/* a second line by the known key, bad: the whole note is bad */
	fx_b64_decode(b64, strlen(b64) - 1, raw, sizeof raw, &n);
	raw[40] ^= 1;
	t = with_sig(note, textlen, raw, n);
	{
		char *both = cat(note, t + textlen + 1, NULL, NULL);
		char *twice = cat(note, note + textlen + 1, NULL, NULL);

		ok(open_note(both, &v, 1, &r, err, sizeof err) ==
		    FX_NOTE_BAD_SIGNATURE, "a good and a bad signature by the "
		    "known key: bad (%s)", err);
		ok(open_note(twice, &v, 1, &r, err, sizeof err) == FX_NOTE_OK &&
		    r.nverified == 2, "  the good one twice: verified twice");
		free(both);
		free(twice);
	}
	free(t);

	fx_note_key_free(skey);
	fx_note_key_free(skey2);
	free(vkey);
	free(vkey2);
	free(note);
	fx_note_signer_free(s);
	fx_note_signer_free(s2);
	fx_note_verifier_free(v);
	fx_note_verifier_free(v2);
	fx_note_verifier_free(renamed);
}

/* Malformed notes, each named with the reason it gets. */
static void
test_malformed(void)
{
	fx_note_verifier *peter = verifier(peter_vkey);
	fx_note_signer *s = signer(peter_skey);
	fx_note_signer *twice[2] = { s, s };
	struct {
		const char *note, *what, *reason;
	} cases[] = {
		{ "abc\n" EM " PeterNeumann x\n", "no blank line",
		    "no blank line" },
		{ "abc\n\n", "a blank line and nothing after", "no signature" },
		{ "abc\n\n- PeterNeumann AAAAAAAA\n", "a hyphen for the dash",
		    "em dash" },
		{ "abc\n\n\xe2\x80\x93 PeterNeumann AAAAAAAA\n", "an en dash",
		    "em dash" },
		{ "abc\n\n" EM "PeterNeumann AAAAAAAA\n", "no space after the "
		    "dash", "em dash" },
		{ "abc\n\n" EM " Peter+Neumann AAAAAAAA\n", "'+' in the name",
		    "bad key name" },
		{ "abc\n\n" EM "  AAAAAAAA\n", "an empty name",
		    "bad key name" },
		{ "abc\n\n" EM " PeterNeumann\n", "no signature after the name",
		    "no space" },
		{ "abc\n\n" EM " PeterNeumann \n", "an empty signature",
		    "base64" },
		{ "abc\n\n" EM " PeterNeumann !!!!\n", "bad base64", "base64" },
		{ "abc\n\n" EM " PeterNeumann AAAAAAB=\n", "non-canonical "
		    "base64", "base64" },
		{ "abc\n\n" EM " PeterNeumann AAAAAA==\n", "a signature of 4 "
		    "bytes", "base64" },
		{ "abc\n\n" EM " PeterNeumann AAAAAAAA", "no final newline",
		    "end in a newline" },
		{ "a\rb\n\n" EM " PeterNeumann AAAAAAAA\n", "a carriage return",
		    "control character" },
		{ "a\tb\n\n" EM " PeterNeumann AAAAAAAA\n", "a tab",
		    "control character" },
		{ "a\xc0\xaf\n\n" EM " PeterNeumann AAAAAAAA\n", "an overlong "
		    "UTF-8 form", "not UTF-8" },
		{ "a\xed\xa0\x80\n\n" EM " PeterNeumann AAAAAAAA\n", "a UTF-16 "
		    "surrogate", "not UTF-8" },
		{ "a\xf4\x90\x80\x80\n\n" EM " PeterNeumann AAAAAAAA\n",
		    "a code point past U+10FFFF", "not UTF-8" },
		{ "a\xe2\x80\n\n" EM " PeterNeumann AAAAAAAA\n", "a cut UTF-8 "
		    "sequence", "not UTF-8" },
	};
	char err[256], *big, *note;
	size_t i, n, textlen, all = 0;
	fx_note_result r;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = open_note(cases[i].note, &peter, 1, &r, err,
		    sizeof err);

		if (!ok(rc == FX_NOTE_MALFORMED && strstr(err,
		    cases[i].reason) != NULL, "malformed: %s (%s)",
		    cases[i].what, err))
			printf("#   rc %d, want a reason with '%s'\n", rc,
			    cases[i].reason);
	}
	{
		static const char nul[] = "a\0c\n\n" EM " PeterNeumann "
		    "AAAAAAAA\n";

		ok(fx_note_verify(nul, sizeof nul - 1, &peter, 1, &r, err,
		    sizeof err) == FX_NOTE_MALFORMED && strstr(err,
		    "control") != NULL, "malformed: a NUL byte (%s)", err);
	}

	/* the longest note, and one byte more */
	textlen = FX_NOTE_MAX_LEN - strlen(peter_sig) - 1;
	big = malloc(FX_NOTE_MAX_LEN + 2);
	memset(big, 'a', textlen);
	for (i = 99; i < textlen; i += 100)
		big[i] = '\n';
	big[textlen - 1] = '\n';
	note = fx_note_sign(big, textlen, &s, 1, &n, err, sizeof err);
	ok(note != NULL && n == FX_NOTE_MAX_LEN && open_note(note, &peter, 1,
	    &r, err, sizeof err) == FX_NOTE_OK, "a note of FX_NOTE_MAX_LEN "
	    "(%d) bytes is signed and verifies", FX_NOTE_MAX_LEN);
	free(note);
	memmove(big + 1, big, textlen);
	big[0] = 'b';
	ok(fx_note_sign(big, textlen + 1, &s, 1, &n, err, sizeof err) ==
	    NULL && strstr(err, "over") != NULL, "  one byte more is not "
	    "signed (%s)", err);
	{
		char *longer = malloc(FX_NOTE_MAX_LEN + 2);

		memcpy(longer, big, textlen + 1);
		longer[textlen + 1] = '\n';
		memcpy(longer + textlen + 2, peter_sig, strlen(peter_sig));
		ok(fx_note_verify(longer, FX_NOTE_MAX_LEN + 1, &peter, 1, &r,
		    err, sizeof err) == FX_NOTE_MALFORMED && strstr(err,
		    "over") != NULL, "  nor read (%s)", err);
		free(longer);
	}
	free(big);

	/* what fx_note_sign refuses */
	all += fx_note_sign("", 0, &s, 1, &n, err, sizeof err) == NULL &&
	    strstr(err, "empty") != NULL;
	all += fx_note_sign("abc", 3, &s, 1, &n, err, sizeof err) == NULL &&
	    strstr(err, "newline") != NULL;
	all += fx_note_sign("a\rb\n", 4, &s, 1, &n, err, sizeof err) ==
	    NULL && strstr(err, "control") != NULL;
	all += fx_note_sign("a\xff\n", 3, &s, 1, &n, err, sizeof err) ==
	    NULL && strstr(err, "UTF-8") != NULL;
	all += fx_note_sign("abc\n", 4, &s, 0, &n, err, sizeof err) == NULL;
	all += fx_note_sign("abc\n", 4, twice, 2, &n, err, sizeof err) ==
	    NULL && strstr(err, "twice") != NULL;
	ok(all == 6, "signing refuses an empty text, one without a final "
	    "newline, a control character, bad UTF-8, no signer, a signer "
	    "twice");
	ok(fx_note_verify(c2sp_note, strlen(c2sp_note), NULL, 65, NULL, err,
	    sizeof err) == FX_NOTE_MALFORMED, "more than %d verifiers are "
	    "refused (%s)", FX_NOTE_MAX_VERIFIERS, err);

	fx_note_verifier_free(peter);
	fx_note_signer_free(s);
}

/* ---- checkpoints ---- */

static void
test_checkpoint(void)
{
	static const char *const bad_sizes[] = { "00", "01", "+1", "-1", " 1",
	    "1 ", "", "18446744073709551616", "99999999999999999999",
	    "1e3", "0x1", "\xef\xbc\x91" /* fullwidth 1 */ };
	static const char *const bad_roots[] = {
	    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I",	/* no pad */
	    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=",	/* bits */
	    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==",	/* 31 */
	    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I2",	/* 33 */
	    "CsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=",	/* URL */
	    "", "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I= " };
	static const char *const bad_bodies[] = {
	    "", "origin\n", "origin\n5\n", "origin\n5",
	    "\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
	    "o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n",
	    "o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\next",
	    "o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\na\n\nb\n",
	    "o\r\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
	    "o\xff\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n" };
	fx_note_checkpoint cp;
	uint8_t root[32], leaves[8 * 32];
	char err[256], body[256], *text, *note, *skey, *vkey;
	size_t i, n, refused;
	fx_note_signer *s;
	fx_note_verifier *v;
	fx_note_result r;

	ok(fx_note_checkpoint_parse(spec_checkpoint, strlen(spec_checkpoint),
	    &cp, err, sizeof err) == 0 && cp.origin_len == 27 &&
	    memcmp(cp.origin, "example.com/behind-the-sofa", 27) == 0 &&
	    cp.size == 20852163 && cp.ext_len == 0, "the tlog-checkpoint "
	    "example parses: origin, size 20852163, no extension lines");
	text = fx_note_checkpoint_format("example.com/behind-the-sofa",
	    cp.size, cp.root, NULL, &n, err, sizeof err);
	is_str(text, spec_checkpoint, "  and formats back byte for byte");
	ok(n == strlen(spec_checkpoint), "  its length given");
	free(text);

	memcpy(root, cp.root, 32);
	text = fx_note_checkpoint_format("o", 0, root, "ext one\nx y\n", &n,
	    err, sizeof err);
	ok(text != NULL && fx_note_checkpoint_parse(text, n, &cp, err,
	    sizeof err) == 0 && cp.size == 0 && memcmp(cp.root, root, 32) ==
	    0 && cp.ext_len == 12 && memcmp(cp.ext, "ext one\nx y\n", 12) ==
	    0, "size 0 and extension lines round-trip");
	free(text);
	text = fx_note_checkpoint_format("o", UINT64_MAX, root, "", NULL,
	    err, sizeof err);
	ok(text != NULL && fx_note_checkpoint_parse(text, strlen(text), &cp,
	    err, sizeof err) == 0 && cp.size == UINT64_MAX &&
	    strstr(text, "\n18446744073709551615\n") != NULL,
	    "size 2^64 - 1 round-trips");
	free(text);

	for (refused = 0, i = 0; i < sizeof bad_sizes / sizeof bad_sizes[0];
	    i++) {
		snprintf(body, sizeof body, "o\n%s\n%s", bad_sizes[i],
		    spec_checkpoint + 37);
		if (fx_note_checkpoint_parse(body, strlen(body), &cp, err,
		    sizeof err) == -1 && strstr(err, "size") != NULL)
			refused++;
		else
			printf("#   size '%s' accepted\n", bad_sizes[i]);
	}
	ok(refused == sizeof bad_sizes / sizeof bad_sizes[0], "sizes with "
	    "leading zeros, signs, blanks, empty, over 2^64 - 1, exponents, "
	    "hex, non-ASCII digits are refused (%s)", err);
	for (refused = 0, i = 0; i < sizeof bad_roots / sizeof bad_roots[0];
	    i++) {
		snprintf(body, sizeof body, "o\n5\n%s\n", bad_roots[i]);
		if (fx_note_checkpoint_parse(body, strlen(body), &cp, err,
		    sizeof err) == -1 && strstr(err, "root hash") != NULL)
			refused++;
		else
			printf("#   root '%s' accepted\n", bad_roots[i]);
	}
	ok(refused == sizeof bad_roots / sizeof bad_roots[0], "roots without "
	    "padding, with bits left over, of 31 or 33 bytes, URL-safe, empty "
	    "or with a blank are refused (%s)", err);
	for (refused = 0, i = 0; i < sizeof bad_bodies / sizeof bad_bodies[0];
	    i++)
		if (fx_note_checkpoint_parse(bad_bodies[i],
		    strlen(bad_bodies[i]), &cp, err, sizeof err) == -1)
			refused++;
		else
			printf("#   body %zu accepted\n", i);
	ok(refused == sizeof bad_bodies / sizeof bad_bodies[0], "bodies "
	    "empty, short of lines, without a final newline, with an empty "
	    "origin or extension line, a control character or bad UTF-8 are "
	    "refused");

	refused = 0;
	refused += fx_note_checkpoint_format("", 1, root, NULL, NULL, err,
	    sizeof err) == NULL;
	refused += fx_note_checkpoint_format("a\nb", 1, root, NULL, NULL, err,
	    sizeof err) == NULL;
	refused += fx_note_checkpoint_format("a\rb", 1, root, NULL, NULL, err,
	    sizeof err) == NULL;
	refused += fx_note_checkpoint_format("o", 1, root, "x", NULL, err,
	    sizeof err) == NULL;
	refused += fx_note_checkpoint_format("o", 1, root, "\n", NULL, err,
	    sizeof err) == NULL;
	refused += fx_note_checkpoint_format("o", 1, root, "a\n\nb\n", NULL,
	    err, sizeof err) == NULL;
	ok(refused == 6, "formatting refuses an empty origin, one with a "
	    "newline or control character, extension lines empty or "
	    "without a newline");

	/* end to end: the RFC 6962 test tree's root of 8, signed */
	{
		static const char *const in[8] = { "", "\x00", "\x10",
		    "\x20\x21", "\x30\x31", "\x40\x41\x42\x43",
		    "\x50\x51\x52\x53\x54\x55\x56\x57",
		    ("\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c"
		    "\x6d\x6e\x6f") };
		static const size_t len[8] = { 0, 1, 1, 2, 2, 4, 8, 16 };
		uint8_t want[32];
		char hex[65];

		for (i = 0; i < 8; i++)
			fx_merkle_leaf_hash(in[i], len[i], leaves + 32 * i);
		fx_merkle_root(leaves, 8, root);
		fx_merkle_hex(root, hex);
		fx_merkle_unhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f"
		    "4960cfe370eff4604328", 64, want);
		fx_note_keygen("log.fluxeon.example/audit", &skey, &vkey, err,
		    sizeof err);
		s = signer(skey);
		v = verifier(vkey);
		text = fx_note_checkpoint_format("log.fluxeon.example/audit", 8,
		    root, NULL, &n, err, sizeof err);
		note = sign1(s, text);
		ok(open_note(note, &v, 1, &r, err, sizeof err) == FX_NOTE_OK &&
		    fx_note_checkpoint_parse(note, r.text_len, &cp, err,
		    sizeof err) == 0 && cp.size == 8 && memcmp(cp.root, want,
		    32) == 0, "a checkpoint of the RFC 6962 test tree (8 "
		    "leaves, root %.16s...) signed, verified and parsed", hex);
		free(text);
		free(note);
		fx_note_key_free(skey);
		free(vkey);
		fx_note_signer_free(s);
		fx_note_verifier_free(v);
	}
}

/* ---- key files ---- */

static void
test_key_files(void)
{
	char dir[] = "/tmp/fx-test-note.XXXXXX", path[128], vpath[128];
	char other[128], err[512], want[256], *skey, *vkey, *vk;
	fx_note_signer *s;
	fx_note_verifier *v;
	struct stat st;
	mode_t old = umask(022);
	FILE *f;

	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		exit(1);
	}
	snprintf(path, sizeof path, "%s/signer.key", dir);
	snprintf(vpath, sizeof vpath, "%s/verifier.key", dir);
	fx_note_keygen("log.fluxeon.example/audit", &skey, &vkey, err,
	    sizeof err);

	ok(fx_note_key_write(path, skey, err, sizeof err) == 0 &&
	    stat(path, &st) == 0 && (st.st_mode & 07777) == 0600 &&
	    st.st_size == (off_t)strlen(skey) + 1, "a signer key file is "
	    "written with mode 0600 (umask 022)");
	ok(fx_note_key_write(path, skey, err, sizeof err) == -1 &&
	    strstr(err, path) != NULL && strstr(err, "File exists") != NULL,
	    "  never over an existing file (%s)", err);
	s = fx_note_signer_load(path, err, sizeof err);
	vk = s ? fx_note_signer_vkey(s) : NULL;
	ok(s != NULL && vk != NULL && strcmp(vk, vkey) == 0, "  it loads, "
	    "the same key");
	free(vk);
	fx_note_signer_free(s);

	chmod(path, 0640);
	snprintf(want, sizeof want, "%s: signer key is accessible by group or "
	    "others (mode 0640); chmod 600 it", path);
	ok(fx_note_signer_load(path, err, sizeof err) == NULL &&
	    strcmp(err, want) == 0, "a group-readable signer key is refused: "
	    "%s", err);
	chmod(path, 0604);
	ok(fx_note_signer_load(path, err, sizeof err) == NULL &&
	    strstr(err, "(mode 0604)") != NULL, "  a world-readable one too");
	chmod(path, 0620);
	ok(fx_note_signer_load(path, err, sizeof err) == NULL,
	    "  and a group-writable one");
	chmod(path, 0400);
	ok((s = fx_note_signer_load(path, err, sizeof err)) != NULL,
	    "  mode 0400 is fine");
	fx_note_signer_free(s);

	umask(077);
	ok(fx_note_key_write(vpath, vkey, err, sizeof err) == 0 &&
	    stat(vpath, &st) == 0 && (st.st_mode & 07777) == 0600,
	    "a key file is 0600 under umask 077 too");
	umask(022);
	chmod(vpath, 0644);
	v = fx_note_verifier_load(vpath, err, sizeof err);
	ok(v != NULL && strcmp(fx_note_verifier_name(v),
	    "log.fluxeon.example/audit") == 0, "a verifier key file may be "
	    "world-readable");
	fx_note_verifier_free(v);
	chmod(vpath, 0600);
	ok(fx_note_signer_load(vpath, err, sizeof err) == NULL &&
	    strstr(err, vpath) != NULL && strstr(err, "PRIVATE+KEY") != NULL,
	    "a verifier key file is not a signer key (%s)", err);

	snprintf(other, sizeof other, "%s/missing.key", dir);
	ok(fx_note_signer_load(other, err, sizeof err) == NULL &&
	    strstr(err, "No such file") != NULL, "a missing file (%s)", err);
	ok(fx_note_signer_load(dir, err, sizeof err) == NULL &&
	    strstr(err, "not a regular file") != NULL, "a directory (%s)",
	    err);
	snprintf(other, sizeof other, "%s/two.key", dir);
	f = fopen(other, "w");
	fprintf(f, "%s\n%s\n", skey, skey);
	fclose(f);
	chmod(other, 0600);
	ok(fx_note_signer_load(other, err, sizeof err) == NULL &&
	    strstr(err, "one key on one line") != NULL, "two lines (%s)",
	    err);
	unlink(other);
	f = fopen(other, "w");
	fclose(f);
	chmod(other, 0600);
	ok(fx_note_signer_load(other, err, sizeof err) == NULL &&
	    strstr(err, "one key on one line") != NULL, "an empty file");
	unlink(other);
	snprintf(other, sizeof other, "%s/no/such/dir.key", dir);
	ok(fx_note_key_write(other, skey, err, sizeof err) == -1 &&
	    strstr(err, other) != NULL, "writing where no directory is (%s)",
	    err);

	unlink(path);
	unlink(vpath);
	rmdir(dir);
	umask(old);
	fx_note_key_free(skey);
	free(vkey);
}

int
main(void)
{
	double t0 = now();

	test_b64();
	test_c2sp_example();
	test_go_examples();
	test_key_manglings();
	test_keygen();
	test_tampering();
	test_malformed();
	test_checkpoint();
	test_key_files();
	printf("# %.2f s\n", now() - t0);
	return done();
}
