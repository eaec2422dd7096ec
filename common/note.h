/*
 * note.h - signed notes (c2sp.org/signed-note) with Ed25519 keys, and the
 * transparency log checkpoints they carry (c2sp.org/tlog-checkpoint).
 *
 * A signed note is a text (non-empty, ending in a newline, blank lines
 * allowed), a blank line, and one or more signature lines
 *   <em dash> <space> name <space> base64(key id || signature) <newline>
 * the em dash being U+2014 (bytes E2 80 94).  The whole note is
 * UTF-8 without ASCII control characters other than newline, and the text
 * ends at the last blank line.  A key name is non-empty UTF-8 with no
 * Unicode space, no control character and no '+'.
 *
 * Ed25519 keys (signature type 0x01) are written as Go's
 * golang.org/x/mod/sumdb/note writes them:
 *   verifier key  name+hexid+base64(0x01 || 32-byte public key)
 *   signer key    PRIVATE+KEY+name+hexid+base64(0x01 || 32-byte seed)
 * hexid being the 8 hex digits of the key id,
 *   key id = SHA-256(name || 0x0A || 0x01 || public key)[:4], big-endian.
 *
 * Base64 is strict (b64.h): a non-canonical encoding is malformed.
 * Notes are limited to FX_NOTE_MAX_LEN bytes and FX_NOTE_MAX_SIGS
 * signature lines (the specification asks verifiers to accept 16).
 *
 * Strings returned are allocated here, NUL-terminated, and the caller
 * frees them with free(); allocation failure exits 1 ("out of memory").
 * Signer and verifier handles are freed with their _free() calls, which
 * take NULL.  Private key bytes this module copies are wiped after use.
 */
#ifndef FX_NOTE_H
#define FX_NOTE_H

#include <stddef.h>
#include <stdint.h>

#define FX_NOTE_MAX_LEN (256 * 1024)	/* bytes in a signed note */
#define FX_NOTE_MAX_SIGS 100		/* signature lines in a note */
#define FX_NOTE_MAX_VERIFIERS 64	/* verifiers one fx_note_verify takes */

typedef struct fx_note_signer fx_note_signer;
typedef struct fx_note_verifier fx_note_verifier;

/* The key id of an Ed25519 public key under name (see above). */
uint32_t fx_note_key_id(const char *name, const uint8_t pub[32]);

/* Is name[0..len) a valid key name (see above)? 1 or 0. */
int fx_note_name_ok(const char *name, size_t len);

/*
 * A new Ed25519 key pair named name, from OpenSSL's random generator:
 * *skey the signer key text, *vkey the verifier key text (both owned by
 * the caller; free *skey with fx_note_key_free(), which wipes it).
 * Returns 0, or -1 with the reason in err (an invalid name, OpenSSL).
 */
int fx_note_keygen(const char *name, char **skey, char **vkey, char *err,
    size_t errlen);

/* Wipes and frees a key text (NULL is fine). */
void fx_note_key_free(char *key);

/*
 * Reads a secret of one line (a final newline allowed, at most 4 KiB)
 * from the regular file path, refusing one that group or others may
 * access: "path: WHAT is accessible by group or others (mode 0640);
 * chmod 600 it".  Returns a new string to free with fx_note_key_free(),
 * or NULL with "path: reason" in err.
 */
char *fx_note_secret_read(const char *path, const char *what, char *err,
    size_t errlen);

/*
 * Writes key followed by a newline to a new file at path, created with
 * O_CREAT | O_EXCL and mode 0600 (less any umask bits): an existing file
 * is never overwritten.  Returns 0, or -1 with "path: reason" in err, the
 * partial file removed.
 */
int fx_note_key_write(const char *path, const char *key, char *err,
    size_t errlen);

/*
 * A signer from a signer key text (the key id is checked against the
 * public key the seed gives).  Returns the handle, or NULL with the
 * reason in err.
 */
fx_note_signer *fx_note_signer_new(const char *skey, char *err,
    size_t errlen);

/*
 * A signer from a key file holding one signer key and an optional final
 * newline.  Refuses a file that is not a regular file or that its group or
 * others may access in any way (st_mode & 077), as ssh does: "path: signer
 * key is accessible by group or others (mode 0644); chmod 600 it".
 * Returns the handle, or NULL with "path: reason" in err.
 */
fx_note_signer *fx_note_signer_load(const char *path, char *err,
    size_t errlen);

void fx_note_signer_free(fx_note_signer *s);

/* The signer's name (borrowed, lives as s does) and key id. */
const char *fx_note_signer_name(const fx_note_signer *s);
uint32_t fx_note_signer_id(const fx_note_signer *s);

/* The verifier key text of a signer (owned by the caller). */
char *fx_note_signer_vkey(const fx_note_signer *s);

/*
 * A verifier from a verifier key text: name, key id (checked against the
 * key) and Ed25519 public key.  Returns the handle, or NULL with the
 * reason in err.
 */
fx_note_verifier *fx_note_verifier_new(const char *vkey, char *err,
    size_t errlen);

/* The same from a file of one verifier key and an optional newline;
 * "path: reason" in err. */
fx_note_verifier *fx_note_verifier_load(const char *path, char *err,
    size_t errlen);

void fx_note_verifier_free(fx_note_verifier *v);

/* The verifier's name (borrowed, lives as v does) and key id. */
const char *fx_note_verifier_name(const fx_note_verifier *v);
uint32_t fx_note_verifier_id(const fx_note_verifier *v);

/*
 * Signs text[0..len) with each of the n signers.  Returns the signed
 * note: the text, a blank line, and one signature line per signer in
 * their order (owned by the caller, NUL-terminated, its length in
 * *outlen).  Returns NULL with the reason in err when text is empty, does
 * not end in a newline, is not UTF-8, holds a control character other
 * than newline, or the note would pass FX_NOTE_MAX_LEN; when n is not
 * 1..FX_NOTE_MAX_SIGS, when two signers share a name and key id, or when
 * OpenSSL fails.
 */
char *fx_note_sign(const char *text, size_t len,
    fx_note_signer *const *signers, int n, size_t *outlen, char *err,
    size_t errlen);

/* What fx_note_verify() says of a note. */
enum {
	FX_NOTE_OK = 0,			/* a known key's signature verified */
	FX_NOTE_MALFORMED = -1,		/* not a signed note at all */
	FX_NOTE_BAD_SIGNATURE = -2,	/* a known key's signature is bad */
	FX_NOTE_UNVERIFIED = -3		/* well formed, no known key signed */
};

typedef struct fx_note_result {
	size_t text_len;	/* the text is note[0 .. text_len) */
	int nsigs;		/* signature lines */
	int nverified;		/* lines by known keys, all verified */
	int nunknown;		/* lines by keys not among the verifiers */
	uint64_t verified;	/* bit i: verifiers[i] signed the text */
} fx_note_result;

/*
 * Opens the signed note note[0..len) (borrowed; need not end in NUL)
 * with the n verifiers (0..FX_NOTE_MAX_VERIFIERS, more is refused as
 * FX_NOTE_MALFORMED; the same key may be given twice).  A signature line
 * whose name and key id are those of a verifier must be a valid Ed25519
 * signature of the text by that key, every such line (a repeated one
 * too); a line by any other key, even one sharing the name or the key id
 * but not both, is counted as unknown and otherwise ignored, as the
 * specification requires.
 *
 * Returns FX_NOTE_OK when at least one known key signed the text and no
 * known key's signature is bad; FX_NOTE_BAD_SIGNATURE when one is (the
 * whole note is to be rejected); FX_NOTE_UNVERIFIED when the note is well
 * formed but no line is by a known key (err names the first unknown key
 * as "name+hexid"); FX_NOTE_MALFORMED when note is not a signed note:
 * over FX_NOTE_MAX_LEN, not UTF-8 or with a control character, no blank
 * line, a signature block not ending in a newline, a line not starting
 * with the em dash and a space, a bad key name, bad base64, a signature
 * shorter than 5 bytes, more than FX_NOTE_MAX_SIGS lines.  Each failure
 * gives the reason in err.  res (may be NULL) is filled for every return
 * but FX_NOTE_MALFORMED, which leaves it zeroed.
 */
int fx_note_verify(const char *note, size_t len,
    fx_note_verifier *const *verifiers, int n, fx_note_result *res,
    char *err, size_t errlen);

/*
 * A checkpoint body: origin line, tree size, root hash, extension lines.
 * From fx_note_checkpoint_parse() the pointers are into the parsed text.
 */
typedef struct fx_note_checkpoint {
	const char *origin;	/* origin_len bytes, no newline */
	size_t origin_len;
	uint64_t size;
	uint8_t root[32];
	const char *ext;	/* extension lines, each ending in a newline */
	size_t ext_len;		/* 0 when there are none */
} fx_note_checkpoint;

/*
 * Formats "origin\nsize\nbase64(root)\n" then ext (NULL or "" for no
 * extension lines; else non-empty lines each ending in a newline).
 * Returns the text (owned by the caller, length in *outlen when outlen is
 * not NULL), or NULL with the reason in err when origin is empty, holds a
 * newline or control character or is not UTF-8, or ext is not as said.
 */
char *fx_note_checkpoint_format(const char *origin, uint64_t size,
    const uint8_t root[32], const char *ext, size_t *outlen, char *err,
    size_t errlen);

/*
 * Parses a checkpoint body text[0..len) (a note's text) strictly: a
 * non-empty origin line; the size in decimal with no sign, no blank and
 * no leading zero (but "0"), below 2^64; the root as strict base64 of
 * exactly 32 bytes; then only non-empty lines; everything UTF-8 without
 * control characters, every line ending in a newline.  Returns 0 and
 * fills cp (pointing into text), or -1 with the reason in err.
 */
int fx_note_checkpoint_parse(const char *text, size_t len,
    fx_note_checkpoint *cp, char *err, size_t errlen);

#endif
