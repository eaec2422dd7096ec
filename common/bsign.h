/*
 * bsign.h - Beckn HTTP message signatures as BECKN-006 profiles
 * draft-cavage-http-signatures-12: the body digest, the signing string,
 * Ed25519 keys, the Authorization header value, its parser and its
 * verification, the 401 challenge, and the v2 Ack CounterSignature.
 *
 * A request carries, in Authorization (a BAP or BPP) or in
 * X-Gateway-Authorization (a gateway), the one-line value
 *
 *   Signature keyId="SUB|KEY|ed25519",algorithm="ed25519",created="C",
 *   expires="E",headers="(created) (expires) digest",signature="S"
 *
 * SUB the subscriber id, KEY its unique key id in the registry, C and E
 * unix seconds, S the standard base64 of the Ed25519 signature of the
 * signing string
 *
 *   "(created): C\n(expires): E\ndigest: BLAKE-512=D"    (no final newline)
 *
 * D being the standard base64 (b64.h) of BLAKE2b-512 of the exact body
 * bytes.  A v2 Ack's CounterSignature has the same form, signed by the
 * receiver, with headers="(created) (expires) digest (request-digest)
 * (message-id)" and two more lines (see fx_bsign_counter_string).
 *
 * fx_bsign_parse() accepts exactly
 *
 *   value  = scheme 1*SP param *( OWS "," OWS param )
 *   param  = name "=" DQUOTE *qchar DQUOTE
 *
 * scheme "Signature" and the names matched in any case (RFC 7235
 * section 2.1); name a token (RFC 7230 tchar); qchar printable ASCII but
 * '"' and '\' (no escapes: no Beckn value needs one); OWS spaces and tabs;
 * nothing before the scheme, nothing after the last param, no blank
 * around '='.  The six parameters above are all required, each at most
 * once (cavage-12 section 2.1: a duplicated one MUST NOT be processed);
 * any other well-formed parameter is ignored, as cavage-12 requires, up to
 * FX_BSIGN_MAX_PARAMS in all.  keyId is exactly three '|'-separated
 * fields, the ids 1..FX_BSIGN_MAX_ID visible ASCII characters other than
 * '|'; both algorithms are "ed25519"; created and expires are decimal
 * integers without sign or leading zero, at most FX_BSIGN_MAX_TIME (no
 * fractions: BECKN-006 asks for integers where cavage-12 allows them);
 * headers is byte for byte the list above for the kind of signature;
 * signature is strict base64 of 64 bytes.  The value is at most
 * FX_BSIGN_MAX_HEADER bytes.
 *
 * Results are FX_BSIGN_* codes, a distinct one for each way a signature
 * fails, with a lowercase reason in err that starts with the header's
 * name ("authorization: keyId 'a|b' has 2 fields: expected
 * 'subscriber|key_id|ed25519'").  Every failure is an HTTP 401 with
 * fx_bsign_challenge() in WWW-Authenticate (Proxy-Authenticate when it
 * was X-Gateway-Authorization that failed).
 *
 * Strings returned are allocated here, NUL-terminated, owned by the
 * caller and freed with free(), but private key texts, which are freed
 * with fx_bsign_secret_free().  Allocation failure exits 1 ("out of
 * memory"), and so does an OpenSSL without BLAKE2b-512 (the digest calls
 * cannot fail otherwise).  Private key bytes this module copies are wiped
 * after use.
 */
#ifndef FX_BSIGN_H
#define FX_BSIGN_H

#include <stddef.h>
#include <stdint.h>

#define FX_BSIGN_MAX_HEADER 4096	/* bytes in a header value */
#define FX_BSIGN_MAX_PARAMS 16		/* parameters in a header value */
#define FX_BSIGN_MAX_ID 255		/* bytes in an id or message id */
#define FX_BSIGN_MAX_TIME 253402300799LL /* 9999-12-31T23:59:59Z */
#define FX_BSIGN_DIGEST_LEN 88		/* base64 of a BLAKE2b-512 digest */
#define FX_BSIGN_STRING_MAX 640		/* signing string + NUL, any kind */

/* Which signature a header value is: sets the reasons' prefix and, for
 * FX_BSIGN_COUNTER, the headers list and signing string. */
enum {
	FX_BSIGN_AUTHORIZATION,	/* "authorization": a BAP's or BPP's */
	FX_BSIGN_GATEWAY,	/* "x-gateway-authorization": a gateway's */
	FX_BSIGN_COUNTER	/* "counter-signature": a v2 Ack's */
};

/* What parsing and verification say.  Malformed: TOO_LONG .. BAD_SIGFORMAT. */
enum {
	FX_BSIGN_OK = 0,
	FX_BSIGN_MISSING,	/* no header value, or an empty one */
	FX_BSIGN_TOO_LONG,	/* over FX_BSIGN_MAX_HEADER bytes */
	FX_BSIGN_BAD_SCHEME,	/* not the Signature scheme */
	FX_BSIGN_BAD_SYNTAX,	/* not name="value" parameters as above */
	FX_BSIGN_DUP_PARAM,	/* a known parameter given twice */
	FX_BSIGN_NO_PARAM,	/* a required parameter absent */
	FX_BSIGN_BAD_KEYID,	/* keyId not subscriber|key_id|algorithm */
	FX_BSIGN_BAD_ALGORITHM,	/* algorithm, or keyId's, not ed25519 */
	FX_BSIGN_BAD_TIME,	/* created or expires not unix seconds */
	FX_BSIGN_BAD_HEADERS,	/* headers not the list this kind signs */
	FX_BSIGN_BAD_SIGFORMAT,	/* signature not base64 of 64 bytes */
	FX_BSIGN_BAD_WINDOW,	/* created after expires */
	FX_BSIGN_NOT_YET_VALID,	/* created after now + skew */
	FX_BSIGN_EXPIRED,	/* expires before now - skew */
	FX_BSIGN_BAD_PUBKEY,	/* the caller's public key is not one */
	FX_BSIGN_BAD_SIGNATURE,	/* does not verify (see fx_bsign_verify) */
	FX_BSIGN_ERROR		/* bad arguments, or OpenSSL failed */
};

/* A parsed header value.  The ids are NUL-terminated copies. */
typedef struct fx_bsign_auth {
	int kind;				/* FX_BSIGN_AUTHORIZATION .. */
	char subscriber_id[FX_BSIGN_MAX_ID + 1];
	char key_id[FX_BSIGN_MAX_ID + 1];	/* unique_key_id */
	int64_t created, expires;		/* unix seconds */
	uint8_t signature[64];
} fx_bsign_auth;

/* An Ed25519 private key, for signing. */
typedef struct fx_bsign_key fx_bsign_key;

/* A short lowercase name of an FX_BSIGN_* result ("expired"), for logs;
 * "unknown" for any other number. */
const char *fx_bsign_status_name(int status);

/*
 * The standard base64 of BLAKE2b-512 of body[0..len) (body may be NULL
 * when len is 0) into out, NUL-terminated: the D of "BLAKE-512=D".
 */
void fx_bsign_digest(const void *body, size_t len,
    char out[FX_BSIGN_DIGEST_LEN + 1]);

/*
 * The signing string of a request: "(created): C\n(expires): E\ndigest:
 * BLAKE-512=D" for body[0..len), into out, NUL-terminated.  Returns its
 * length.  Cannot fail.
 */
size_t fx_bsign_signing_string(const void *body, size_t len, int64_t created,
    int64_t expires, char out[FX_BSIGN_STRING_MAX]);

/*
 * The signing string of a v2 Ack's CounterSignature, as the
 * CounterSignature schema of beckn-2.0.0-lts.yaml gives it: the request's
 * three lines over the Ack body ack[0..acklen), then
 *   "\n(request-digest): BLAKE-512=" D(request[0..reqlen))
 *   "\n(message-id): " message_id
 * into out, NUL-terminated.  Returns its length, or 0 when message_id is
 * not 1..FX_BSIGN_MAX_ID visible ASCII characters (a newline in it would
 * forge a line).
 *
 * The schema leaves open which bytes "the Ack response body" is, as the
 * counter-signature sits inside that body: ack is whatever bytes the two
 * sides agree on, hashed as given.  It does not list the `headers`
 * parameter either; this module writes and requires the five names in
 * signing-string order.
 */
size_t fx_bsign_counter_string(const void *ack, size_t acklen,
    const void *request, size_t reqlen, const char *message_id,
    int64_t created, int64_t expires, char out[FX_BSIGN_STRING_MAX]);

/*
 * A signing key from priv, the base64 of either the 32-byte Ed25519 seed
 * (beckn-onix) or the 64-byte seed || public key (libsodium, the Beckn
 * protocol server), the public half then required to be the one the seed
 * gives.  Returns the key (free with fx_bsign_key_free), or NULL with the
 * reason in err.
 */
fx_bsign_key *fx_bsign_key_new(const char *priv, char *err, size_t errlen);

/* Frees and wipes a key (NULL is fine). */
void fx_bsign_key_free(fx_bsign_key *k);

/* The base64 of the key's 32-byte public key, as a registry lists it. */
char *fx_bsign_key_public(const fx_bsign_key *k);

/*
 * A new key pair from OpenSSL's random generator: *priv the base64 of
 * the 64-byte seed || public key (free with fx_bsign_secret_free), *pub
 * the base64 of the 32-byte public key (free with free).  Returns 0, or
 * -1 with both NULL and the reason in err.
 */
int fx_bsign_keygen(char **priv, char **pub, char *err, size_t errlen);

/* Wipes and frees a private key text (NULL is fine). */
void fx_bsign_secret_free(char *priv);

/*
 * The Ed25519 signature (RFC 8032 pure Ed25519) of msg[0..len) by k into
 * sig.  Returns 0, or -1 when OpenSSL fails.  The header functions below
 * sign through this; it is exported for tools and tests.
 */
int fx_bsign_key_sign(const fx_bsign_key *k, const void *msg, size_t len,
    uint8_t sig[64]);

/*
 * The header value above signing body[0..len) with k, as subscriber_id
 * and key_id (1..FX_BSIGN_MAX_ID visible ASCII characters, no '|', '"' or
 * '\'), for 0 <= created <= expires <= FX_BSIGN_MAX_TIME.  The same value
 * serves Authorization and X-Gateway-Authorization.  Returns it, or NULL
 * with the reason in err (an argument out of range, OpenSSL).
 */
char *fx_bsign_sign(const fx_bsign_key *k, const char *subscriber_id,
    const char *key_id, const void *body, size_t len, int64_t created,
    int64_t expires, char *err, size_t errlen);

/*
 * The CounterSignature value for an Ack: the same as fx_bsign_sign, but
 * over fx_bsign_counter_string(ack, request, message_id) and with the
 * five-name headers list.  The signer is the receiver of the request.
 */
char *fx_bsign_countersign(const fx_bsign_key *k, const char *subscriber_id,
    const char *key_id, const void *ack, size_t acklen, const void *request,
    size_t reqlen, const char *message_id, int64_t created, int64_t expires,
    char *err, size_t errlen);

/*
 * Parses the header value value[0..len) (untrusted; need not end in a
 * NUL, may hold any bytes; value may be NULL when len is 0) as a
 * signature of the given kind, strictly as above.  Only syntax is
 * checked: neither time nor signature.  Returns FX_BSIGN_OK with a
 * filled; FX_BSIGN_MISSING for no value; a malformed code
 * (FX_BSIGN_TOO_LONG .. FX_BSIGN_BAD_SIGFORMAT) with a zeroed but for its
 * kind; FX_BSIGN_ERROR for an unknown kind.  The reason is in err.
 */
int fx_bsign_parse(const char *value, size_t len, int kind, fx_bsign_auth *a,
    char *err, size_t errlen);

/*
 * Verifies a parsed request signature a (kind FX_BSIGN_AUTHORIZATION or
 * FX_BSIGN_GATEWAY) over the received body[0..len) with pub, the base64
 * of the 32-byte public key the caller found in the registry for
 * a->subscriber_id and a->key_id.  now is the current unix time and skew
 * the clock difference allowed (both 0..FX_BSIGN_MAX_TIME).  In order:
 * FX_BSIGN_BAD_WINDOW when created > expires, FX_BSIGN_NOT_YET_VALID when
 * created > now + skew, FX_BSIGN_EXPIRED when expires < now - skew,
 * FX_BSIGN_BAD_PUBKEY when pub is not base64 of 32 bytes,
 * FX_BSIGN_BAD_SIGNATURE when the signature is not that of the signing
 * string rebuilt from body by that key.  A wrong key, an altered body
 * and an altered signature cannot be told apart: all three are
 * FX_BSIGN_BAD_SIGNATURE.  FX_BSIGN_ERROR for a counter-signature, now or
 * skew out of range, or OpenSSL failing.  Returns FX_BSIGN_OK or the
 * code, with the reason in err.
 */
int fx_bsign_verify(const fx_bsign_auth *a, const char *pub,
    const void *body, size_t len, int64_t now, int64_t skew, char *err,
    size_t errlen);

/*
 * The same for a parsed CounterSignature (kind FX_BSIGN_COUNTER): its
 * signing string rebuilt from the Ack body ack[0..acklen) received, the
 * request[0..reqlen) sent and its message_id.  A changed Ack, request or
 * message id is FX_BSIGN_BAD_SIGNATURE; a message id that is not one
 * (see fx_bsign_counter_string) is FX_BSIGN_ERROR.
 */
int fx_bsign_verify_counter(const fx_bsign_auth *a, const char *pub,
    const void *ack, size_t acklen, const void *request, size_t reqlen,
    const char *message_id, int64_t now, int64_t skew, char *err,
    size_t errlen);

/*
 * The WWW-Authenticate (or Proxy-Authenticate) value of a 401:
 *   Signature realm="REALM",headers="(created) (expires) digest"
 * realm being the answering subscriber's id (checked as fx_bsign_sign
 * checks ids, so it cannot break the header).  Returns it, or NULL with
 * the reason in err.
 */
char *fx_bsign_challenge(const char *realm, char *err, size_t errlen);

/*
 * A bare Ed25519 verification: sig over msg[0..len) with the public key
 * pub (base64 of 32 bytes), as a DER's signed participation is checked.
 * FX_BSIGN_OK, FX_BSIGN_BAD_PUBKEY or FX_BSIGN_BAD_SIGNATURE.
 */
int fx_bsign_verify_raw(const char *pub, const void *msg, size_t len,
    const uint8_t sig[64]);

#endif
