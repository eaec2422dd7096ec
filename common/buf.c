/* buf.c - see buf.h */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"

void
fx_buf_free(fx_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *
fx_buf_reserve(fx_buf *b, size_t n)
{
	if (b->cap - b->len < n + 1) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap - b->len < n + 1)
			cap *= 2;
		b->data = fx_xrealloc(b->data, cap);
		b->cap = cap;
	}
	return b->data + b->len;
}

void
fx_buf_put(fx_buf *b, const void *p, size_t n)
{
	memcpy(fx_buf_reserve(b, n), p, n);
	b->len += n;
}

void
fx_buf_puts(fx_buf *b, const char *s)
{
	fx_buf_put(b, s, strlen(s));
}

void
fx_buf_putc(fx_buf *b, char c)
{
	*fx_buf_reserve(b, 1) = c;
	b->len++;
}

const char *
fx_buf_cstr(fx_buf *b)
{
	fx_buf_reserve(b, 0)[0] = '\0';
	return b->data;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

void
fx_buf_jstr(fx_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	char *o = fx_buf_reserve(b, n * 6 + 2);	/* worst case \u00XX */

	*o++ = '"';
	while (p < end) {
		unsigned c = *p;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			*o++ = (char)c;
			p++;
			continue;
		}
		if (c >= 0x80) {
			size_t l = utf8_len(p, (size_t)(end - p));

			if (l == 0) {	/* U+FFFD, 3 bytes, fits in 6 */
				memcpy(o, "\xef\xbf\xbd", 3);
				o += 3;
				p++;
			} else {
				memcpy(o, p, l);
				o += l;
				p += l;
			}
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		default:
			*o++ = 'u'; *o++ = '0'; *o++ = '0';
			*o++ = hex[c >> 4]; *o++ = hex[c & 15];
		}
		p++;
	}
	*o++ = '"';
	b->len = (size_t)(o - b->data);
}

void
fx_buf_jkey(fx_buf *b, const char *key)
{
	size_t n = strlen(key);
	char *o = fx_buf_reserve(b, n + 4);

	if (b->len > 0 && b->data[b->len - 1] != '{' && b->data[b->len - 1] != '[')
		*o++ = ',';
	*o++ = '"';
	memcpy(o, key, n);
	o += n;
	*o++ = '"';
	*o++ = ':';
	b->len = (size_t)(o - b->data);
}

size_t
fx_fmt_num(char *out, double x)
{
	int prec, n = 0;
	char *e;

	if (!isfinite(x)) {
		memcpy(out, "null", 5);
		return 4;
	}
	if (x == 0) {	/* also -0: JSON readers treat "-0" oddly */
		memcpy(out, "0", 2);
		return 1;
	}
	/* Integers below 2^53 print exactly without the %g search. */
	if (fabs(x) < 9007199254740992.0 && x == (double)(long long)x)
		return (size_t)snprintf(out, 32, "%lld", (long long)x);
	/*
	 * When any decimal of at most 15 digits reads back as a normal x,
	 * %.15g finds it (15-digit decimals are further apart than doubles),
	 * so the search starts there; subnormals have fewer bits and may
	 * need as few as one digit (5e-324).
	 */
	for (prec = fabs(x) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
		n = snprintf(out, 32, "%.*g", prec, x);
		if (prec == 17 || strtod(out, NULL) == x)
			break;
	}
	/*
	 * %g switches to an exponent once the exponent reaches the
	 * precision, so an integer from 2^53 to 1e17 may come out as
	 * "5.20717145102991e+16": write the same digits in full when that
	 * is no longer ("52071714510299100"), as %.17g and JavaScript do.
	 */
	if ((e = strchr(out, 'e')) != NULL && fabs(x) < 1e17 &&
	    x == floor(x)) {
		int exp10 = atoi(e + 1), neg = out[0] == '-', i, k = 0;
		char digits[20];

		for (i = neg; out + i < e; i++)
			if (out[i] != '.')
				digits[k++] = out[i];
		if (exp10 >= k - 1 && neg + exp10 + 1 <= n) {
			n = 0;
			if (neg)
				out[n++] = '-';
			for (i = 0; i <= exp10; i++)
				out[n++] = i < k ? digits[i] : '0';
			out[n] = '\0';
		}
	}
	return (size_t)n;
}

void
fx_buf_num(fx_buf *b, double x)
{
	char *o = fx_buf_reserve(b, 32);

	b->len += fx_fmt_num(o, x);
}

void
fx_buf_int(fx_buf *b, int64_t v)
{
	char tmp[24], *t = tmp + sizeof tmp;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	char *o;

	do {
		*--t = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--t = '-';
	o = fx_buf_reserve(b, (size_t)(tmp + sizeof tmp - t));
	memcpy(o, t, (size_t)(tmp + sizeof tmp - t));
	b->len += (size_t)(tmp + sizeof tmp - t);
}

void
fx_buf_fixed(fx_buf *b, double x, int decimals)
{
	static const double pow10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6,
	    1e7, 1e8, 1e9 };
	double scaled, ax, p, k;
	int64_t v, ip, fp;
	char frac[10];
	int nd, up;

	if (decimals < 0)
		decimals = 0;
	if (decimals > 9)
		decimals = 9;
	p = pow10[decimals];
	scaled = x * p;
	if (!isfinite(x) || fabs(scaled) >= 9e15) {
		fx_buf_num(b, x);
		return;
	}
	/*
	 * x * p is rounded, and may land on a half that the exact value
	 * is not (2.675 is 2.67499999999999982..., but 2.675 * 100 is
	 * 267.5).  fma() computes ax * p - c with one rounding, whose sign
	 * is exact: find k = floor(ax * p) exactly, then compare with
	 * k + 0.5 (exact while k < 2^52; above, the product's fraction is a
	 * multiple of 2^-30, so comparing the rounded remainder is exact).
	 */
	ax = fabs(x);
	k = floor(fabs(scaled));
	while (fma(ax, p, -(k + 1)) >= 0)
		k++;
	while (k > 0 && fma(ax, p, -k) < 0)
		k--;
	if (k < 4503599627370496.0)
		up = fma(ax, p, -(k + 0.5)) >= 0;
	else
		up = fma(ax, p, -k) >= 0.5;
	v = (int64_t)k + up;
	if (v == 0) {
		fx_buf_putc(b, '0');
		return;
	}
	if (x < 0)
		fx_buf_putc(b, '-');
	ip = v / (int64_t)p;
	fp = v % (int64_t)p;
	fx_buf_int(b, ip);
	if (fp == 0)
		return;
	for (nd = decimals; nd > 0; nd--) {
		frac[nd - 1] = (char)('0' + fp % 10);
		fp /= 10;
	}
	nd = decimals;
	while (nd > 0 && frac[nd - 1] == '0')
		nd--;
	fx_buf_putc(b, '.');
	fx_buf_put(b, frac, (size_t)nd);
}
