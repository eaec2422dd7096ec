/*
 * b64.h - the standard base64 encoding of RFC 4648 section 4 (alphabet
 * A-Z a-z 0-9 + /, padded with '='), as signed notes, checkpoints and
 * Merkle proofs carry hashes and signatures.
 *
 * Decoding is strict, so one byte string has exactly one text: the length
 * is a multiple of 4, '=' appears only as the last one or two characters,
 * the bits padding leaves unused are zero, and nothing else (no blanks,
 * no line breaks, no URL-safe alphabet) is accepted.
 */
#ifndef FX_B64_H
#define FX_B64_H

#include <stddef.h>

/* Characters in the text of n bytes: 4 * ceil(n / 3), without a NUL. */
size_t fx_b64_len(size_t n);

/*
 * Encodes src[0..n) into dst, which must hold fx_b64_len(n) + 1 bytes,
 * and NUL-terminates it.  Returns the text's length.  Cannot fail.
 */
size_t fx_b64_encode(const void *src, size_t n, char *dst);

/*
 * Decodes s[0..len) into dst (room for cap bytes) and sets *outlen to the
 * number of bytes.  Returns 0, or -1 when s is not strict base64 (above)
 * or decodes to more than cap bytes; dst may then be partly written.
 * Empty text decodes to no bytes.  s need not be NUL-terminated.
 */
int fx_b64_decode(const char *s, size_t len, void *dst, size_t cap,
    size_t *outlen);

#endif
