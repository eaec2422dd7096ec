/*
 * fuzz_bsign.c - libFuzzer harness for the Beckn signature header parser
 * (make fuzz).
 *
 * The input is parsed as each kind of signature header.  Checked: no
 * crash, no read past the input (it is copied to a buffer of its exact
 * size); the result is a known code with a reason that names the header;
 * a failure leaves the ids empty; an accepted value has ids of 1 to
 * FX_BSIGN_MAX_ID visible characters without '|', times in range, and
 * its canonical form (as fx_bsign_sign writes it) parses back to the same
 * fields; verifying it against a fixed key and body gives a known code,
 * and OK only when the header parsed.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "bsign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "check failed: %s " \
    "(line %d)\n", #c, __LINE__); abort(); } } while (0)

/* Any 32 bytes do as a public key for the verify path: RFC 8032 TEST 1's. */
static const char pub[] = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
static const char body[] = "{\"context\":{\"action\":\"search\"}}";

static int
ids_ok(const char *s)
{
	size_t n = strnlen(s, FX_BSIGN_MAX_ID + 1), i;

	if (n == 0 || n > FX_BSIGN_MAX_ID)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e || s[i] == '|' || s[i] == '"' ||
		    s[i] == '\\')
			return 0;
	return 1;
}

static void
one(const char *v, size_t size, int kind)
{
	static const char *const prefix[3] = { "authorization: ",
	    "x-gateway-authorization: ", "counter-signature: " };
	char err[512], sig[FX_BSIGN_DIGEST_LEN + 1], *canon;
	fx_bsign_auth a, b;
	int rc, n;

	err[0] = '\0';
	rc = fx_bsign_parse(v, size, kind, &a, err, sizeof err);
	CHECK(rc >= FX_BSIGN_OK && rc <= FX_BSIGN_BAD_SIGFORMAT);
	CHECK(a.kind == kind);
	if (rc != FX_BSIGN_OK) {
		CHECK(strncmp(err, prefix[kind], strlen(prefix[kind])) == 0);
		CHECK(a.subscriber_id[0] == '\0' && a.key_id[0] == '\0');
		return;
	}
	CHECK(ids_ok(a.subscriber_id) && ids_ok(a.key_id));
	CHECK(a.created >= 0 && a.created <= FX_BSIGN_MAX_TIME);
	CHECK(a.expires >= 0 && a.expires <= FX_BSIGN_MAX_TIME);

	fx_b64_encode(a.signature, 64, sig);
	canon = malloc(FX_BSIGN_MAX_HEADER);
	n = snprintf(canon, FX_BSIGN_MAX_HEADER, "Signature keyId=\"%s|%s|"
	    "ed25519\",algorithm=\"ed25519\",created=\"%" PRId64 "\","
	    "expires=\"%" PRId64 "\",headers=\"%s\",signature=\"%s\"",
	    a.subscriber_id, a.key_id, a.created, a.expires,
	    kind == FX_BSIGN_COUNTER ? "(created) (expires) digest "
	    "(request-digest) (message-id)" : "(created) (expires) digest",
	    sig);
	CHECK(n > 0 && n < FX_BSIGN_MAX_HEADER);
	CHECK(fx_bsign_parse(canon, (size_t)n, kind, &b, err, sizeof err) ==
	    FX_BSIGN_OK);
	CHECK(strcmp(a.subscriber_id, b.subscriber_id) == 0 &&
	    strcmp(a.key_id, b.key_id) == 0 && a.created == b.created &&
	    a.expires == b.expires && memcmp(a.signature, b.signature,
	    64) == 0);
	free(canon);

	if (kind == FX_BSIGN_COUNTER)
		rc = fx_bsign_verify_counter(&a, pub, "{}", 2, body,
		    sizeof body - 1, "m-1", a.created, 0, err, sizeof err);
	else
		rc = fx_bsign_verify(&a, pub, body, sizeof body - 1,
		    a.created, 0, err, sizeof err);
	CHECK(rc == FX_BSIGN_OK || rc == FX_BSIGN_BAD_WINDOW ||
	    rc == FX_BSIGN_EXPIRED || rc == FX_BSIGN_BAD_SIGNATURE);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *v;
	int kind;

	if (size > 2 * FX_BSIGN_MAX_HEADER)
		return 0;
	/* an exact copy, so that AddressSanitizer sees any read past it */
	v = malloc(size ? size : 1);
	memcpy(v, data, size);
	for (kind = FX_BSIGN_AUTHORIZATION; kind <= FX_BSIGN_COUNTER; kind++)
		one(v, size, kind);
	free(v);
	return 0;
}
