/*
 * test_buf.c - the growable buffer and its JSON writers.
 *
 * References: strtod(3) and printf's %.*g / %.*f (glibc's are exact), a
 * search for the fewest %.Ng digits that read back, mbrtowc(3) in
 * C.UTF-8 for what valid UTF-8 is, and libjq's parser for what valid
 * JSON is.
 */
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <jv.h>

#include "buf.h"
#include "tap.h"

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static double
rnd_unit(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

static void
test_basics(void)
{
	fx_buf b = FX_BUF_INIT;
	size_t i;
	int good = 1;

	is_str(fx_buf_cstr(&b), "", "cstr of an empty buffer is \"\"");
	ok(b.len == 0, "cstr does not count the NUL");
	fx_buf_puts(&b, "abc");
	fx_buf_putc(&b, 'd');
	fx_buf_put(&b, "e\0f", 3);
	ok(b.len == 7 && memcmp(b.data, "abcde\0f", 7) == 0,
	    "put, puts and putc append (NUL bytes too)");
	ok(strlen(fx_buf_cstr(&b)) == 5 && b.data[7] == '\0' && b.len == 7,
	    "cstr terminates after the data");
	ok(fx_buf_reserve(&b, 1000) == b.data + 7 && b.cap >= 7 + 1000 + 1,
	    "reserve returns the free space and makes room");
	b.len = 0;
	for (i = 0; i < 1000000; i++)
		fx_buf_putc(&b, (char)('a' + i % 26));
	for (i = 0; i < 1000000; i++)
		good &= b.data[i] == (char)('a' + i % 26);
	ok(good && b.len == 1000000, "a million putc keep every byte");
	fx_buf_free(&b);
	ok(b.data == NULL && b.len == 0 && b.cap == 0, "free empties the buffer");
	fx_buf_free(&b);
	ok(1, "free twice is harmless");
}

/* Significant digits of a decimal text (mantissa, no leading or
 * trailing zeros). */
static int
sigdigits(const char *s)
{
	char m[64];
	size_t n = 0, i, j;
	const char *e = strpbrk(s, "eE");
	size_t len = e ? (size_t)(e - s) : strlen(s);

	for (i = 0; i < len && n < sizeof m - 1; i++)
		if (s[i] >= '0' && s[i] <= '9')
			m[n++] = s[i];
	m[n] = '\0';
	for (i = 0; i < n && m[i] == '0'; i++)
		;
	for (j = n; j > i && m[j - 1] == '0'; j--)
		;
	return (int)(j - i);
}

/* Whether %.Ng of x reads back as x. */
static int
g_reads_back(double x, int p, char *s, size_t size)
{
	snprintf(s, size, "%.*g", p, x);
	return strtod(s, NULL) == x;
}

/* The fewest %.Ng digits that read back as x (bisection: more digits
 * are never further from x). */
static int
ref_shortest(double x)
{
	char s[400];
	int lo = 0, hi = 17;	/* lo fails (or is 0), hi reads back */

	while (hi - lo > 1) {
		int mid = (lo + hi) / 2;

		if (g_reads_back(x, mid, s, sizeof s))
			hi = mid;
		else
			lo = mid;
	}
	g_reads_back(x, hi, s, sizeof s);
	return sigdigits(s);
}

/* Is s a JSON number (RFC 8259 grammar)? */
static int
json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return 0;
	if (*s == '.') {
		if (!(*++s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/* Checks one x: round trip, JSON grammar, no longer than %.17g, and as
 * few significant digits as the shortest %.Ng. */
static int
num_good(double x, int verbose)
{
	char out[64], ref[64];
	size_t n;

	memset(out, 'X', sizeof out);
	n = fx_fmt_num(out, x);
	snprintf(ref, sizeof ref, "%.17g", x);
	if (n == strlen(out) && n < 32 && strtod(out, NULL) == x &&
	    json_number(out) && strlen(out) <= strlen(ref) &&
	    sigdigits(out) == ref_shortest(x))
		return 1;
	if (verbose)
		printf("# %s: got '%s' (%d digits, shortest %d)\n", ref, out,
		    sigdigits(out), ref_shortest(x));
	return 0;
}

static void
num_is(double x, const char *want)
{
	char out[64];
	fx_buf b = FX_BUF_INIT;

	fx_fmt_num(out, x);
	is_str(out, want, want);
	fx_buf_puts(&b, "[");
	fx_buf_num(&b, x);
	fx_buf_puts(&b, "]");
	ok(b.len == strlen(want) + 2 && memcmp(b.data + 1, want, b.len - 2) == 0,
	    "  fx_buf_num writes the same");
	fx_buf_free(&b);
}

static void
test_num(void)
{
	long i, bad = 0, badd = 0, bads = 0, badi = 0;

	num_is(0.1, "0.1");
	num_is(0.3, "0.3");
	num_is(0.1 + 0.2, "0.30000000000000004");
	num_is(1e21, "1e+21");
	num_is(1e16, "1e+16");
	num_is(1e15, "1000000000000000");
	num_is(123, "123");
	num_is(-123, "-123");
	num_is(1.5, "1.5");
	num_is(-1.5, "-1.5");
	num_is(0.0, "0");
	num_is(-0.0, "0");
	num_is(5e-324, "5e-324");
	num_is(-5e-324, "-5e-324");
	num_is(1e-323, "1e-323");
	num_is(2.2250738585072014e-308, "2.2250738585072014e-308");
	num_is(DBL_MAX, "1.7976931348623157e+308");
	num_is(9007199254740992.0, "9007199254740992");
	num_is(9007199254740993.0, "9007199254740992");
	num_is(4503599627370497.0, "4503599627370497");
	num_is(123456.789, "123456.789");
	num_is(1e-7, "1e-07");
	num_is(NAN, "null");
	num_is(INFINITY, "null");
	num_is(-INFINITY, "null");

	for (i = 0; i < 100000; i++) {	/* random bit patterns */
		uint64_t u = rnd();
		double x;

		memcpy(&x, &u, sizeof x);
		if (!isfinite(x)) {
			i--;
			continue;
		}
		bad += !num_good(x, bad < 5);
	}
	ok(bad == 0, "100000 random doubles round-trip, shortest (%ld bad)", bad);
	for (i = 0; i < 100000; i++) {	/* random short decimals */
		char s[64];
		int digits = 1 + (int)(rnd() % 17), e = (int)(rnd() % 40) - 20;
		double x;

		snprintf(s, sizeof s, "%s%.*fe%d", rnd() & 1 ? "-" : "",
		    digits - 1, 1 + 9 * rnd_unit(), e);
		x = strtod(s, NULL);
		badd += !num_good(x, badd < 5);
	}
	ok(badd == 0, "100000 random decimals round-trip, shortest (%ld bad)",
	    badd);
	for (i = 0; i < 10000; i++) {	/* subnormals */
		uint64_t u = rnd() & 0x000fffffffffffffULL;
		double x;

		memcpy(&x, &u, sizeof x);
		bads += !num_good(x, bads < 5);
	}
	ok(bads == 0, "10000 subnormals round-trip, shortest (%ld bad)", bads);
	for (i = 0; i < 10000; i++) {	/* integers and near 2^53 */
		double x = (double)(int64_t)(rnd() >> (rnd() % 64));

		if (i & 1)
			x = -x;
		badi += !num_good(x, badi < 5);
	}
	ok(badi == 0, "10000 integers round-trip, shortest (%ld bad)", badi);
}

/*
 * The reference for fx_buf_fixed: x's exact binary value in decimal
 * (glibc prints it exactly), rounded half away from zero by digit
 * arithmetic, trailing zeros dropped, no "-0".
 */
static void
ref_fixed(double x, int d, char *out)
{
	static char s[1500];
	char *dot, *p;
	int i, neg = x < 0, nz = 0;

	/* A double of magnitude >= 2^-40 has at most 92 decimals. */
	snprintf(s, sizeof s, "0%.*f", fabs(x) >= 1e-12 ? 100 : 1100,
	    fabs(x));		/* the leading 0 takes a carry */
	dot = strchr(s, '.');
	if (dot[d + 1] >= '5') {
		for (p = dot + d; p >= s; p--) {
			if (*p == '.')
				continue;
			if (*p == '9') {
				*p = '0';
				continue;
			}
			(*p)++;
			break;
		}
	}
	dot[d + 1] = '\0';
	for (i = d; i > 0 && dot[i] == '0'; i--)
		dot[i] = '\0';
	if (i == 0)
		*dot = '\0';
	p = s;
	while (*p == '0' && p[1] != '\0' && p[1] != '.')
		p++;
	for (i = 0; p[i]; i++)
		nz |= p[i] >= '1' && p[i] <= '9';
	snprintf(out, 64, "%s%.62s", neg && nz ? "-" : "", p);
}

static void
fixed_is(double x, int d, const char *want)
{
	fx_buf b = FX_BUF_INIT;

	fx_buf_fixed(&b, x, d);
	if (!is_str(fx_buf_cstr(&b), want, want))
		printf("#   x %.17g decimals %d\n", x, d);
	fx_buf_free(&b);
}

static void
test_fixed(void)
{
	fx_buf b = FX_BUF_INIT;
	char ref[1500];
	long i, bad = 0;

	fixed_is(12.5, 3, "12.5");
	fixed_is(12.0, 3, "12");
	fixed_is(0.0, 3, "0");
	fixed_is(-0.0, 3, "0");
	fixed_is(-0.0004, 3, "0");
	fixed_is(-0.0005, 3, "-0.001");	/* 0.0005 is a little above .0005 */
	fixed_is(2.5, 0, "3");
	fixed_is(-2.5, 0, "-3");
	fixed_is(0.125, 2, "0.13");
	fixed_is(-0.125, 2, "-0.13");
	fixed_is(0.375, 2, "0.38");
	fixed_is(1.005, 2, "1");	/* 1.00499999999999989... */
	fixed_is(1.015, 2, "1.01");	/* 1.01499999999999990... */
	fixed_is(1.025, 2, "1.02");	/* 1.02499999999999991... */
	fixed_is(2.675, 2, "2.67");	/* 2.67499999999999982... */
	fixed_is(0.1, 9, "0.1");
	fixed_is(123.456789, 4, "123.4568");
	fixed_is(-123.456789, 4, "-123.4568");
	fixed_is(99.995, 2, "100");	/* 99.99500000000000454... */
	fixed_is(0.999, 1, "1");
	fixed_is(1234567.891, 9, "1234567.891");
	fixed_is(1e-10, 9, "0");
	fixed_is(5e-10, 9, "0.000000001");
	fixed_is(7.0, -3, "7");		/* decimals below 0 mean 0 */
	fixed_is(0.1234567891234, 12, "0.123456789");	/* above 9 mean 9 */
	fixed_is(NAN, 2, "null");
	fixed_is(INFINITY, 2, "null");
	fixed_is(-INFINITY, 0, "null");
	fixed_is(1e20, 2, "1e+20");	/* too large: shortest form */
	fixed_is(-9.5e15, 0, "-9.5e+15");
	fixed_is(8.9e15, 0, "8900000000000000");

	/* Large values fall back to fx_buf_num, which reads back exactly. */
	fx_buf_fixed(&b, 123456789012345.678, 2);
	ok(strtod(fx_buf_cstr(&b), NULL) == 123456789012345.678,
	    "a value too large for %d decimals reads back (%s)", 2,
	    fx_buf_cstr(&b));

	for (i = 0; i < 200000; i++) {
		int d = (int)(rnd() % 10), e = (int)(rnd() % 14) - 6;
		double x = (rnd_unit() - 0.5) * pow(10, e);
		char got[64];

		if (i % 4 == 0)	/* exact halves and near-halves */
			x = (double)(int64_t)(rnd() % 2000001 - 1000000) / 8 /
			    pow(10, d > 3 ? 3 : d);
		if (fabs(x) * pow(10, d) >= 9e15)
			continue;
		b.len = 0;
		fx_buf_fixed(&b, x, d);
		snprintf(got, sizeof got, "%s", fx_buf_cstr(&b));
		ref_fixed(x, d, ref);
		if (strcmp(got, ref) != 0 && bad++ < 8)
			printf("# %.17g to %d: got %s want %s\n", x, d, got, ref);
	}
	ok(bad == 0, "fx_buf_fixed rounds 200000 random values exactly, half "
	    "away from zero (%ld bad)", bad);
	fx_buf_free(&b);
}

static void
test_int(void)
{
	fx_buf b = FX_BUF_INIT;

	fx_buf_int(&b, INT64_MIN);
	fx_buf_putc(&b, ' ');
	fx_buf_int(&b, INT64_MAX);
	fx_buf_putc(&b, ' ');
	fx_buf_int(&b, 0);
	fx_buf_putc(&b, ' ');
	fx_buf_int(&b, -1);
	fx_buf_putc(&b, ' ');
	fx_buf_int(&b, 1000000);
	is_str(fx_buf_cstr(&b), "-9223372036854775808 9223372036854775807 0 -1 "
	    "1000000", "fx_buf_int: INT64_MIN, INT64_MAX, 0, -1, 1000000");
	fx_buf_free(&b);
}

/*
 * The reference for fx_buf_jstr's text: valid UTF-8 sequences (mbrtowc
 * in C.UTF-8, up to 4 bytes and U+10FFFF as RFC 3629 says) kept, every
 * other byte replaced by U+FFFD.
 */
static size_t
ref_utf8(const char *s, size_t n, char *out)
{
	size_t i = 0, o = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		mbstate_t st;
		wchar_t w = 0;
		size_t r;

		if (c < 0x80) {
			out[o++] = (char)c;
			i++;
			continue;
		}
		memset(&st, 0, sizeof st);
		r = mbrtowc(&w, s + i, n - i, &st);
		if (r == (size_t)-1 || r == (size_t)-2 || r > 4 ||
		    (unsigned long)w > 0x10ffff || (w >= 0xd800 && w <= 0xdfff)) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else {
			memcpy(out + o, s + i, r);
			o += r;
			i += r;
		}
	}
	return o;
}

/* fx_buf_jstr(s) parsed back by libjq equals want (wn bytes). */
static int
jstr_parses_to(const char *s, size_t n, const char *want, size_t wn,
    int verbose)
{
	fx_buf b = FX_BUF_INIT;
	jv v;
	int good;

	fx_buf_jstr(&b, s, n);
	v = jv_parse_sized(fx_buf_cstr(&b), (int)b.len);
	good = jv_get_kind(v) == JV_KIND_STRING &&
	    (size_t)jv_string_length_bytes(jv_copy(v)) == wn &&
	    memcmp(jv_string_value(v), want, wn) == 0;
	if (!good && verbose) {
		size_t i;

		printf("#   wrote:");
		for (i = 0; i < b.len && i < 60; i++)
			printf(" %02x", (unsigned char)b.data[i]);
		printf("\n");
	}
	jv_free(v);
	fx_buf_free(&b);
	return good;
}

static void
jstr_is(const char *in, size_t n, const char *want_json, const char *name)
{
	fx_buf b = FX_BUF_INIT;

	fx_buf_jstr(&b, in, n);
	is_str(fx_buf_cstr(&b), want_json, name);
	fx_buf_free(&b);
}

static void
jstr_decodes(const char *in, size_t n, const char *want, size_t wn,
    const char *name)
{
	char ref[256];
	size_t rn = ref_utf8(in, n, ref);

	ok(rn == wn && memcmp(ref, want, wn) == 0, "%s: the mbrtowc reference "
	    "agrees with the expected text", name);
	ok(jstr_parses_to(in, n, want, wn, 1), "%s: libjq reads back the "
	    "expected text", name);
}

static void
test_jstr(void)
{
	static char big[70000], ref[70000 * 3];
	long i, bad = 0;
	char ctl[32];
	fx_buf b = FX_BUF_INIT;
	int good = 1;

	jstr_is("plain", 5, "\"plain\"", "plain ASCII");
	jstr_is("", 0, "\"\"", "empty string");
	jstr_is("a\"b\\c/d", 7, "\"a\\\"b\\\\c/d\"", "quote and backslash");
	jstr_is("\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"", "short escapes");
	jstr_is("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\x7f\"",
	    "other controls as \\u00XX, DEL kept");
	jstr_is("a\0b", 3, "\"a\\u0000b\"", "NUL as \\u0000");
	jstr_is("caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e", 14,
	    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e\"",
	    "valid 2-, 3- and 4-byte UTF-8 kept");
	jstr_is("\xef\xbf\xbf\xf4\x8f\xbf\xbf\xee\x80\x80\xc2\x80", 12,
	    "\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\xee\x80\x80\xc2\x80\"",
	    "U+FFFF, U+10FFFF, U+E000, U+0080 kept");

	for (i = 0; i < 32; i++)
		ctl[i] = (char)i;
	ok(jstr_parses_to(ctl, 32, ctl, 32, 1),
	    "all 32 control characters read back");

#define R "\xef\xbf\xbd"
	jstr_decodes("a\x80z", 3, "a" R "z", 5, "lone continuation byte");
	jstr_decodes("\xbf\x80", 2, R R, 6, "two continuation bytes");
	jstr_decodes("\xc0\x80", 2, R R, 6, "overlong NUL (C0 80)");
	jstr_decodes("\xc1\xbf", 2, R R, 6, "overlong C1 BF");
	jstr_decodes("\xe0\x80\xaf", 3, R R R, 9, "overlong 3-byte '/'");
	jstr_decodes("\xf0\x82\x82\xac", 4, R R R R, 12, "overlong 4-byte euro");
	jstr_decodes("\xed\xa0\x80", 3, R R R, 9, "surrogate U+D800");
	jstr_decodes("\xed\xbf\xbf", 3, R R R, 9, "surrogate U+DFFF");
	jstr_decodes("\xed\x9f\xbf", 3, "\xed\x9f\xbf", 3, "U+D7FF is valid");
	jstr_decodes("\xf4\x90\x80\x80", 4, R R R R, 12, "U+110000");
	jstr_decodes("\xf5\x80\x80\x80", 4, R R R R, 12, "F5 lead byte");
	jstr_decodes("\xf8\x88\x80\x80\x80", 5, R R R R R, 15, "5-byte form");
	jstr_decodes("\xfe\xff", 2, R R, 6, "FE and FF");
	jstr_decodes("x\xe2\x82", 3, "x" R R, 7, "truncated 3-byte at the end");
	jstr_decodes("\xe2\x82x", 3, R R "x", 7, "truncated 3-byte before ASCII");
	jstr_decodes("\xf0\x9d\x84", 3, R R R, 9, "truncated 4-byte at the end");
	jstr_decodes("\xc3", 1, R, 3, "truncated 2-byte at the end");
	jstr_decodes("\xc3\xc3\xa9", 3, R "\xc3\xa9", 5,
	    "a lead byte followed by a valid sequence");
#undef R

	for (i = 0; i < 20000; i++) {	/* random bytes, biased to UTF-8 */
		char s[40];
		size_t n = rnd() % sizeof s, k, rn;

		for (k = 0; k < n; k++) {
			uint64_t r = rnd();

			s[k] = (char)(r % 4 == 0 ? 0x80 + (r >> 8) % 64 :
			    r % 4 == 1 ? 0xc0 + (r >> 8) % 64 : r >> 8);
		}
		rn = ref_utf8(s, n, ref);
		bad += !jstr_parses_to(s, n, ref, rn, bad < 3);
	}
	ok(bad == 0, "20000 random byte strings: libjq reads back the "
	    "mbrtowc reference (%ld bad)", bad);
	/* Long strings of the worst case, and after existing data. */
	memset(big, 1, sizeof big);
	fx_buf_puts(&b, "[1,");
	fx_buf_jstr(&b, big, sizeof big);
	ok(b.len == 3 + 2 + 6 * sizeof big, "70000 controls escape to 6 bytes "
	    "each (%zu)", b.len);
	memset(big, 0xff, sizeof big);
	b.len = 0;
	fx_buf_jstr(&b, big, sizeof big);
	for (i = 0; i < (long)sizeof big; i++)
		good &= memcmp(b.data + 1 + 3 * i, "\xef\xbf\xbd", 3) == 0;
	ok(good && b.len == 2 + 3 * sizeof big, "70000 bad bytes become 70000 "
	    "U+FFFD");
	fx_buf_free(&b);
}

static void
test_jkey(void)
{
	fx_buf b = FX_BUF_INIT;

	fx_buf_jkey(&b, "first");
	is_str(fx_buf_cstr(&b), "\"first\":", "jkey on an empty buffer: no comma");
	b.len = 0;
	fx_buf_putc(&b, '{');
	fx_buf_jkey(&b, "a");
	fx_buf_int(&b, 1);
	fx_buf_jkey(&b, "b");
	fx_buf_jstr(&b, "x", 1);
	fx_buf_jkey(&b, "c");
	fx_buf_putc(&b, '{');
	fx_buf_jkey(&b, "d");
	fx_buf_num(&b, 0.5);
	fx_buf_putc(&b, '}');
	fx_buf_jkey(&b, "e");
	fx_buf_puts(&b, "[]");
	fx_buf_jkey(&b, "");
	fx_buf_puts(&b, "null");
	fx_buf_putc(&b, '}');
	is_str(fx_buf_cstr(&b),
	    "{\"a\":1,\"b\":\"x\",\"c\":{\"d\":0.5},\"e\":[],\"\":null}",
	    "jkey: comma after values, none after '{'");
	fx_buf_free(&b);
}

int
main(void)
{
	if (!ok(setlocale(LC_CTYPE, "C.UTF-8") != NULL,
	    "C.UTF-8 locale for the mbrtowc reference"))
		return done();
	test_basics();
	test_num();
	test_fixed();
	test_int();
	test_jstr();
	test_jkey();
	return done();
}
