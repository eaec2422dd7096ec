/* b64.c - see b64.h */
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "b64.h"

/* OpenSSL takes int lengths: whole quanta per call, well below INT_MAX. */
#define CHUNK_QUANTA (1 << 20)

/* The 6-bit value of a base64 character, or -1. */
static int
sextet(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

size_t
fx_b64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

size_t
fx_b64_encode(const void *src, size_t n, char *dst)
{
	const unsigned char *p = src;
	unsigned char *out = (unsigned char *)dst;
	size_t chunk = (size_t)3 * CHUNK_QUANTA, done = 0;

	*out = '\0';
	while (n > 0) {
		size_t k = n < chunk ? n : chunk;

		/* all chunks but the last are whole quanta: no padding */
		done += (size_t)EVP_EncodeBlock(out + done, p, (int)k);
		p += k;
		n -= k;
	}
	return done;
}

int
fx_b64_decode(const char *s, size_t len, void *dst, size_t cap,
    size_t *outlen)
{
	const unsigned char *t = (const unsigned char *)s;
	unsigned char *out = dst, last[4], tail[3];
	size_t pad = 0, body, i, n;

	*outlen = 0;
	if (len == 0)
		return 0;
	if (len % 4 != 0)
		return -1;
	if (t[len - 1] == '=')
		pad = t[len - 2] == '=' ? 2 : 1;
	for (i = 0; i < len - pad; i++)
		if (sextet(t[i]) < 0)
			return -1;
	/* canonical: the bits the padding leaves over are zero */
	if (pad == 2 && (sextet(t[len - 3]) & 0x0f) != 0)
		return -1;
	if (pad == 1 && (sextet(t[len - 2]) & 0x03) != 0)
		return -1;
	n = len / 4 * 3 - pad;
	if (n > cap)
		return -1;

	/* the quanta before the last go straight to dst, 3 bytes each */
	body = len - 4;
	for (i = 0; i < body; ) {
		size_t k = body - i < (size_t)4 * CHUNK_QUANTA ? body - i :
		    (size_t)4 * CHUNK_QUANTA;

		if (EVP_DecodeBlock(out + i / 4 * 3, t + i, (int)k) < 0)
			return -1;
		i += k;
	}
	/* the last one through a scratch quantum: EVP_DecodeBlock writes 3
	 * bytes whatever the padding, which may be more than dst holds */
	memcpy(last, t + body, 4);
	if (pad >= 1)
		last[3] = 'A';
	if (pad == 2)
		last[2] = 'A';
	if (EVP_DecodeBlock(tail, last, 4) != 3)
		return -1;
	memcpy(out + body / 4 * 3, tail, 3 - pad);
	*outlen = n;
	return 0;
}
