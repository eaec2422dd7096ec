/*
 * test_timeutil.c - calendar, RFC 3339, epoch, durations and time zones.
 *
 * References: libc's timegm(3), gmtime_r(3), mktime(3) and localtime_r(3)
 * (independent implementations over the system tz database), values from
 * date(1), and the published DST change instants of the zones tested.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "timeutil.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

/* A uniform integer in [lo, hi]. */
static int64_t
rnd_range(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

/* Seconds since the epoch of a UTC civil time, by libc. */
static int64_t
ref_utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { 0 };

	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (int64_t)timegm(&tm);
}

#define MIN_T (-62167219200LL)		/* 0000-01-01T00:00:00Z */
#define MAX_T (253402300799LL)		/* 9999-12-31T23:59:59Z */

static void
test_civil(void)
{
	int64_t y, z, bad = 0, badlib = 0, i;
	unsigned m, d;

	is_num((double)fx_days_from_civil(1970, 1, 1), 0, 0, "1970-01-01 is day 0");
	is_num((double)fx_days_from_civil(2000, 3, 1), 951868800 / 86400, 0,
	    "2000-03-01 (date -u: 951868800 s)");
	is_num((double)fx_days_from_civil(1969, 12, 31), -1, 0, "1969-12-31 is day -1");
	is_num((double)fx_days_from_civil(9999, 12, 31), 253402214400 / 86400, 0,
	    "9999-12-31 (date -u: 253402214400 s)");
	is_num((double)fx_days_from_civil(0, 1, 1), -62167219200 / 86400, 0,
	    "0000-01-01 (date -u: -62167219200 s)");
	is_num((double)fx_days_from_civil(1600, 3, 1), -11670912000 / 86400, 0,
	    "1600-03-01 (date -u)");
	is_num((double)fx_days_from_civil(2024, 2, 29), 1709164800 / 86400, 0,
	    "2024-02-29 (date -u)");
	is_num((double)fx_days_from_civil(2038, 1, 19) * 86400 + 3 * 3600 +
	    14 * 60 + 8, 2147483648.0, 0, "2038-01-19T03:14:08Z is 2^31 s");

	/* Round trips over every day from 0000 to 9999 and a margin. */
	for (z = -800000; z <= 3000000; z++) {
		fx_civil_from_days(z, &y, &m, &d);
		if (m < 1 || m > 12 || d < 1 || d > 31 ||
		    fx_days_from_civil(y, m, d) != z) {
			if (bad++ < 5)
				printf("# day %lld -> %lld-%u-%u\n", (long long)z,
				    (long long)y, m, d);
		}
	}
	ok(bad == 0, "civil_from_days/days_from_civil round trip, "
	    "3.8 million days (%lld bad)", (long long)bad);

	/* Against libc's gmtime_r and timegm for random instants. */
	for (i = 0; i < 20000; i++) {
		int64_t s = rnd_range(MIN_T, MAX_T);
		time_t tt = (time_t)s;
		struct tm tm;
		int64_t days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);

		gmtime_r(&tt, &tm);
		fx_civil_from_days(days, &y, &m, &d);
		if (y != tm.tm_year + 1900 || m != (unsigned)tm.tm_mon + 1 ||
		    d != (unsigned)tm.tm_mday ||
		    fx_days_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
		    (unsigned)tm.tm_mday) * 86400 != timegm(&tm) -
		    (tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec) ||
		    fx_time_dow(s * 1000) != tm.tm_wday) {
			if (badlib++ < 5)
				printf("# %lld: libc %d-%d-%d wday %d\n",
				    (long long)s, tm.tm_year + 1900, tm.tm_mon + 1,
				    tm.tm_mday, tm.tm_wday);
		}
	}
	ok(badlib == 0, "civil dates and weekdays agree with gmtime_r/timegm "
	    "for 20000 random instants in 0000..9999 (%lld bad)",
	    (long long)badlib);

	is_num(fx_time_dow(0), 4, 0, "1970-01-01 is a Thursday (4)");
	is_num(fx_time_dow(ref_utc(2025, 11, 22, 10, 0, 0) * 1000), 6, 0,
	    "2025-11-22 is a Saturday (6)");
	is_num(fx_time_dow(-1), 3, 0, "1969-12-31T23:59:59.999Z is a Wednesday");
	is_num(fx_time_dow(ref_utc(2000, 2, 29, 23, 59, 59) * 1000), 2, 0,
	    "2000-02-29 is a Tuesday");
}

/* Parses s; checks rc, instant (ms) and zoned. */
static void
parse_ok(const char *s, int64_t want_ms, int want_zoned)
{
	fx_time t = 0;
	int zoned = -1, rc;
	const char *why = NULL;

	rc = fx_time_parse(s, strlen(s), &t, &zoned, &why);
	if (!ok(rc == 0 && t == want_ms && zoned == want_zoned,
	    "parse '%s' -> %lld zoned %d", s, (long long)want_ms, want_zoned))
		printf("#   rc %d t %lld zoned %d why %s\n", rc, (long long)t,
		    zoned, rc ? why : "-");
}

static void
parse_bad(const char *s, const char *want_why)
{
	fx_time t = 12345;
	int zoned, rc;
	const char *why = NULL;

	rc = fx_time_parse(s, strlen(s), &t, &zoned, &why);
	if (!ok(rc == -1 && why != NULL && *why != '\0' &&
	    (want_why == NULL || strcmp(why, want_why) == 0),
	    "parse '%s' rejected (%s)", s, want_why ? want_why : "any reason"))
		printf("#   rc %d t %lld why %s\n", rc, (long long)t,
		    why ? why : "(null)");
}

static void
test_parse(void)
{
	int64_t base = ref_utc(2025, 11, 22, 10, 0, 0) * 1000;
	fx_time t;
	const char *why;
	int zoned;

	parse_ok("2025-11-22T10:00:00Z", base, 1);
	parse_ok("2025-11-22t10:00:00z", base, 1);
	parse_ok("2025-11-22 10:00:00Z", base, 1);
	parse_ok("2025-11-22T10:00Z", base, 1);
	parse_ok("2025-11-22T10:00:00", base, 0);
	parse_ok("2025-11-22T10:00", base, 0);
	parse_ok("2025-11-22", base - 10 * 3600000, 0);
	parse_ok("  2025-11-22T10:00:00Z\t", base, 1);
	parse_ok("\t2025-11-22 ", base - 10 * 3600000, 0);
	parse_ok("2025-11-22T15:30:00+05:30", base, 1);
	parse_ok("2025-11-22T15:30:00+0530", base, 1);
	parse_ok("2025-11-22T02:00:00-0800", base, 1);
	parse_ok("2025-11-22T02:00:00-08:00", base, 1);
	parse_ok("2025-11-22T18:00:00+08", base, 1);
	parse_ok("2025-11-22T10:00:00+00:00", base, 1);
	parse_ok("2025-11-22T10:00:00-00:00", base, 1);
	parse_ok("2025-11-22T10:00:00.5Z", base + 500, 1);
	parse_ok("2025-11-22T10:00:00,25Z", base + 250, 1);
	parse_ok("2025-11-22T10:00:00.123456Z", base + 123, 1);
	parse_ok("2025-11-22T10:00:00.999999999Z", base + 999, 1);
	parse_ok("2025-11-22T10:00:00.000Z", base, 1);
	parse_ok("2025-11-22T10:00:00.5+01:00", base - 3600000 + 500, 1);
	parse_ok("1969-12-31T23:59:59.5Z", -500, 1);
	parse_ok("1969-12-31T23:59:59.9999Z", -1, 1);
	parse_ok("1970-01-01T00:00:00Z", 0, 1);
	parse_ok("2038-01-19T03:14:08Z", 2147483648LL * 1000, 1);
	parse_ok("2025-11-22T24:00", base + 14 * 3600000, 0);
	parse_ok("2025-12-31T24:00:00Z", ref_utc(2026, 1, 1, 0, 0, 0) * 1000, 1);
	parse_ok("2024-02-29T12:00:00Z", ref_utc(2024, 2, 29, 12, 0, 0) * 1000, 1);
	parse_ok("2000-02-29", ref_utc(2000, 2, 29, 0, 0, 0) * 1000, 0);
	parse_ok("0000-01-01T00:00:00Z", MIN_T * 1000, 1);
	parse_ok("9999-12-31T23:59:59.999Z", MAX_T * 1000 + 999, 1);
	parse_ok("2025-11-22T10:00:00+23:59", base - (23 * 3600 + 59 * 60) * 1000LL, 1);

	parse_bad("2025-13-01", "month out of range");
	parse_bad("2025-00-01", "month out of range");
	parse_bad("2025-02-29", "day out of range");
	parse_bad("1900-02-29", "day out of range");
	parse_bad("2025-04-31", "day out of range");
	parse_bad("2025-01-00", "day out of range");
	parse_bad("2025-01-32", "day out of range");
	parse_bad("2025-11-22T25:00:00Z", "time of day out of range");
	parse_bad("2025-11-22T24:00:01Z", "time of day out of range");
	parse_bad("2025-11-22T24:30Z", "time of day out of range");
	parse_bad("2025-11-22T24:00:00.5Z", "time of day out of range");
	parse_bad("2025-11-22T10:60:00Z", "time of day out of range");
	parse_bad("2025-11-22T23:59:60Z", "time of day out of range");
	parse_bad("2025-11-22T10:00:00Zjunk", NULL);
	parse_bad("2025-11-22T10:00:00 junk", NULL);
	parse_bad("2025-11-22T10:00:00Z Z", NULL);
	parse_bad("2025-11-22x", NULL);
	parse_bad("2025-11-22T", NULL);
	parse_bad("2025-11-22T10", NULL);
	parse_bad("2025-11-22T10:", NULL);
	parse_bad("2025-11-22T10:0", NULL);
	parse_bad("2025-11-22T10:00:", NULL);
	parse_bad("2025-11-22T10:00:0", NULL);
	parse_bad("2025-11-22T10:00:00.", NULL);
	parse_bad("2025-11-22T10:00:00.Z", NULL);
	parse_bad("2025-11-22T1:00:00Z", NULL);
	parse_bad("2025-11-2", NULL);
	parse_bad("2025-11", NULL);
	parse_bad("2025", NULL);
	parse_bad("25-11-22", NULL);
	parse_bad("+2025-11-22", NULL);
	parse_bad("2025/11/22", NULL);
	parse_bad("", NULL);
	parse_bad("   ", NULL);
	parse_bad("2025-11-22T10:00:00+", "bad UTC offset");
	parse_bad("2025-11-22T10:00:00+5", "bad UTC offset");
	parse_bad("2025-11-22T10:00:00+05:", "bad UTC offset");
	parse_bad("2025-11-22T10:00:00+05:3", "bad UTC offset");
	parse_bad("2025-11-22T10:00:00+053", "bad UTC offset");
	parse_bad("2025-11-22T10:00:00+05:30:00", NULL);
	parse_bad("2025-11-22T10:00:00+24:00", "UTC offset out of range");
	parse_bad("2025-11-22T10:00:00+05:60", "UTC offset out of range");
	parse_bad("2025-11-22T10:00:00UTC", NULL);
	parse_bad("2025-11-22Z", NULL);

	/* Only len bytes are read: what follows does not count. */
	ok(fx_time_parse("2025-11-22T10:00:00Zjunk", 20, &t, &zoned, &why) == 0 &&
	    t == base && zoned == 1, "parse reads only len bytes");
	ok(fx_time_parse("2025-11-22T10:00:00Z", 19, &t, &zoned, &why) == 0 &&
	    t == base && zoned == 0, "parse of a prefix without the Z is unzoned");

	ok(fx_time_parse_rfc3339("2025-11-22T10:00:00Z", 20, &t, &why) == 0 &&
	    t == base, "rfc3339 with Z");
	ok(fx_time_parse_rfc3339("2025-11-22T11:00:00+01:00", 25, &t, &why) == 0 &&
	    t == base, "rfc3339 with an offset");
	why = NULL;
	ok(fx_time_parse_rfc3339("2025-11-22T10:00:00", 19, &t, &why) == -1 &&
	    why && strstr(why, "zone"), "rfc3339 without a zone is rejected (%s)",
	    why ? why : "");
	why = NULL;
	ok(fx_time_parse_rfc3339("2025-11-22", 10, &t, &why) == -1 && why,
	    "rfc3339 bare date is rejected");
	why = NULL;
	ok(fx_time_parse_rfc3339("2025-02-30T00:00Z", 17, &t, &why) == -1 && why &&
	    strcmp(why, "day out of range") == 0,
	    "rfc3339 passes the parse reason through");
}

/* s with control characters as \n or \xHH, for test names. */
static const char *
vis(const char *s)
{
	static char out[4][256];
	static int k;
	char *o = out[k = (k + 1) % 4];
	size_t n = 0;

	for (; *s && n + 5 < sizeof out[0]; s++) {
		if (*s == '\n')
			n += (size_t)snprintf(o + n, 5, "\\n");
		else if ((unsigned char)*s < 0x20)
			n += (size_t)snprintf(o + n, 5, "\\x%02x", *s);
		else
			o[n++] = *s;
	}
	o[n] = '\0';
	return o;
}

static void
epoch_ok(const char *s, int unit, int64_t want)
{
	fx_time t = 0;
	const char *why = "";
	int rc = fx_time_parse_epoch(s, strlen(s), unit, &t, &why);

	if (!ok(rc == 0 && t == want, "epoch '%s' unit %d -> %lld", vis(s), unit,
	    (long long)want))
		printf("#   rc %d t %lld why %s\n", rc, (long long)t, why);
}

static void
epoch_bad(const char *s, int unit)
{
	fx_time t = 0;
	const char *why = NULL;
	int rc = fx_time_parse_epoch(s, strlen(s), unit, &t, &why);

	if (!ok(rc == -1 && why != NULL, "epoch '%s' unit %d rejected", vis(s), unit))
		printf("#   rc %d t %lld\n", rc, (long long)t);
}

static void
test_epoch(void)
{
	epoch_ok("0", 1000, 0);
	epoch_ok("1763805600", 1000, 1763805600000LL);
	epoch_ok("1763805600000", 1, 1763805600000LL);
	epoch_ok("  1763805600\t", 1000, 1763805600000LL);
	epoch_ok("+1763805600", 1000, 1763805600000LL);
	epoch_ok("1763805600.5", 1000, 1763805600500LL);
	epoch_ok("1763805600.123", 1000, 1763805600123LL);
	epoch_ok("1732269600.123", 1000, 1732269600123LL);
	epoch_ok("1763805600.1239", 1000, 1763805600123LL);
	epoch_ok("1763805600.", 1000, 1763805600000LL);
	epoch_ok(".5", 1000, 500);
	epoch_ok("1.0005", 1000, 1000);
	epoch_ok("1763805600000.9", 1, 1763805600000LL);
	epoch_ok("-1", 1000, -1000);
	epoch_ok("-0.5", 1000, -500);
	epoch_ok("-1.0005", 1000, -1001);	/* truncated toward the past */
	epoch_ok("-1.5", 1, -2);
	epoch_ok("-86400", 1000, -86400000LL);
	epoch_ok("253402300799", 1000, MAX_T * 1000);
	epoch_ok("253402300799.999", 1000, MAX_T * 1000 + 999);
	epoch_ok("-62167219200", 1000, MIN_T * 1000);
	epoch_ok("253402300799999", 1, MAX_T * 1000 + 999);
	epoch_ok("-62167219200000", 1, MIN_T * 1000);
	epoch_ok("0001763805600", 1000, 1763805600000LL);

	epoch_bad("", 1000);
	epoch_bad("   ", 1000);
	epoch_bad("abc", 1000);
	epoch_bad("12abc", 1000);
	epoch_bad("12 34", 1000);
	epoch_bad("1.2.3", 1000);
	epoch_bad(".", 1000);
	epoch_bad("-", 1000);
	epoch_bad("+-1", 1000);
	epoch_bad("0x10", 1000);
	epoch_bad("1e3", 1000);
	epoch_bad("inf", 1000);
	epoch_bad("nan", 1000);
	epoch_bad("\n5", 1000);
	epoch_bad("253402300800", 1000);
	epoch_bad("-62167219201", 1000);
	epoch_bad("253402300800000", 1);
	epoch_bad("-62167219200001", 1);
	epoch_bad("-9223372036854775808", 1);
	epoch_bad("9223372036854775807", 1);
	epoch_bad("99999999999999999999999", 1000);
	epoch_bad("-9223372036854775808", 1000);
	epoch_bad("1234567890123456789012345678901234567890123456789012345678901234567890", 1);
}

static void
format_is(int64_t ms, const char *want)
{
	char out[FX_TIME_MAX_TEXT];
	size_t n = fx_time_format(ms, out);

	if (!is_str(out, want, want))
		return;
	ok(n == strlen(want), "  length %zu", n);
}

static void
test_format(void)
{
	char out[FX_TIME_MAX_TEXT], ref[64];
	fx_buf b = FX_BUF_INIT;
	int64_t i, bad = 0, badrt = 0;

	format_is(1763805600000LL, "2025-11-22T10:00:00Z");
	format_is(1763805600001LL, "2025-11-22T10:00:00.001Z");
	format_is(1763805600500LL, "2025-11-22T10:00:00.500Z");
	format_is(0, "1970-01-01T00:00:00Z");
	format_is(-1, "1969-12-31T23:59:59.999Z");
	format_is(-1000, "1969-12-31T23:59:59Z");
	format_is(-86400000LL, "1969-12-31T00:00:00Z");
	format_is(-86400001LL, "1969-12-30T23:59:59.999Z");
	format_is(2147483648LL * 1000, "2038-01-19T03:14:08Z");
	format_is(951868800000LL, "2000-03-01T00:00:00Z");
	format_is(MIN_T * 1000, "0000-01-01T00:00:00Z");
	format_is(MAX_T * 1000 + 999, "9999-12-31T23:59:59.999Z");
	/* Outside the range the text is clamped to it, never malformed. */
	format_is(MIN_T * 1000 - 3600000, "0000-01-01T00:00:00Z");
	format_is(MAX_T * 1000 + 1000, "9999-12-31T23:59:59.999Z");
	format_is(INT64_MIN, "0000-01-01T00:00:00Z");
	format_is(INT64_MAX, "9999-12-31T23:59:59.999Z");

	/* Against gmtime_r, and parse(format(t)) == t, for random t. */
	for (i = 0; i < 50000; i++) {
		int64_t t = rnd_range(MIN_T * 1000, MAX_T * 1000 + 999), s, ms;
		time_t tt;
		struct tm tm;
		fx_time back;
		int zoned;
		const char *why;
		size_t n;

		if (i % 3 == 0)
			t -= t % 1000;	/* whole seconds too */
		s = t >= 0 ? t / 1000 : -((-t + 999) / 1000);
		ms = t - s * 1000;
		tt = (time_t)s;
		gmtime_r(&tt, &tm);
		if (ms)
			snprintf(ref, sizeof ref, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
			    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			    tm.tm_hour, tm.tm_min, tm.tm_sec, (int)ms);
		else
			snprintf(ref, sizeof ref, "%04d-%02d-%02dT%02d:%02d:%02dZ",
			    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			    tm.tm_hour, tm.tm_min, tm.tm_sec);
		n = fx_time_format(t, out);
		if (strcmp(out, ref) != 0 || n != strlen(ref)) {
			if (bad++ < 5)
				printf("# %lld: got %s want %s\n", (long long)t, out, ref);
		}
		if (fx_time_parse(out, n, &back, &zoned, &why) != 0 || back != t ||
		    !zoned) {
			if (badrt++ < 5)
				printf("# %lld: %s reparsed as %lld\n", (long long)t,
				    out, (long long)back);
		}
	}
	ok(bad == 0, "format agrees with gmtime_r for 50000 random instants "
	    "(%lld bad)", (long long)bad);
	ok(badrt == 0, "parse(format(t)) == t for 50000 random instants "
	    "(%lld bad)", (long long)badrt);

	fx_buf_puts(&b, "{\"t\":");
	fx_buf_time(&b, 1763805600250LL);
	fx_buf_putc(&b, '}');
	is_str(fx_buf_cstr(&b), "{\"t\":\"2025-11-22T10:00:00.250Z\"}",
	    "fx_buf_time writes a quoted string");
	b.len = 0;
	for (i = 0; i < 1000; i++)
		fx_buf_time(&b, MAX_T * 1000 + 999);
	ok(b.len == 1000 * 26, "fx_buf_time appends (%zu bytes)", b.len);
	fx_buf_free(&b);
}

static void
dur_ok(const char *s, int64_t want)
{
	int64_t ms = -1;
	int rc = fx_duration_parse(s, &ms);

	if (!ok(rc == 0 && ms == want, "duration '%s' = %lld ms", s,
	    (long long)want))
		printf("#   rc %d ms %lld\n", rc, (long long)ms);
}

static void
dur_bad(const char *s)
{
	int64_t ms = 777;
	int rc = fx_duration_parse(s, &ms);

	if (!ok(rc == -1 && ms == 777, "duration '%.40s%s' rejected",
	    s ? s : "NULL", s && strlen(s) > 40 ? "..." : ""))
		printf("#   rc %d ms %lld\n", rc, (long long)ms);
}

static void
test_duration(void)
{
	char big[8000];
	size_t i;

	dur_ok("900", 900000);
	dur_ok("500ms", 500);
	dur_ok("30s", 30000);
	dur_ok("15m", 900000);
	dur_ok("1h", 3600000);
	dur_ok("1d", 86400000);
	dur_ok("7d", 7 * 86400000LL);
	dur_ok("1h30m", 5400000);
	dur_ok("1d2h3m4s5ms", 93784005);
	dur_ok("1.5h", 5400000);
	dur_ok("0.5s", 500);
	dur_ok("1m1ms", 60001);
	dur_ok("1.5", 1500);
	dur_ok("0h1s", 1000);

	dur_bad("");
	dur_bad(NULL);
	dur_bad("0");
	dur_bad("0s");
	dur_bad("0h0m");
	dur_bad("-5m");
	dur_bad("+5m");
	dur_bad("5x");
	dur_bad("m");
	dur_bad("ms");
	dur_bad("5 m");
	dur_bad(" 5m");
	dur_bad("5m ");
	dur_bad("1h30");
	dur_bad("1h-30m");
	dur_bad(".");
	dur_bad(".s");
	dur_bad("1..5s");
	dur_bad("0x10s");
	dur_bad("1e3s");
	dur_bad("infs");
	dur_bad("1e400s");
	dur_bad("9999999999999999999999d");
	/* Many terms each in range must not overflow the sum. */
	big[0] = '\0';
	for (i = 0; i + 20 < sizeof big; i += 19)
		strcat(big, "9000000000000000ms");
	dur_bad(big);
}

/*
 * libc's answer for a wall-clock reading in the current TZ: the distinct
 * instants t (seconds) whose localtime_r() is the reading.  Candidates are
 * mktime(3) with tm_isdst set each way, and t = reading - offset for every
 * UTC offset localtime_r() reports within 27 hours either side (sampled
 * every 20 minutes): mktime alone misses changes of standard time, such
 * as London's 1971 end of British Standard Time.  Each candidate is
 * verified with localtime_r(); the answer is sorted.
 */
static int
ref_resolve(int64_t local_sec, int64_t out[4])
{
	int n = 0, k, isdst[] = { 0, 1, -1 };
	time_t lt = (time_t)local_sec;
	struct tm want;
	int64_t cand[3 + 20];
	int ncand = 0, i, j;

	gmtime_r(&lt, &want);
	for (k = 0; k < 3; k++) {
		struct tm tm = want;
		time_t r;

		tm.tm_isdst = isdst[k];
		r = mktime(&tm);
		if (r != (time_t)-1)
			cand[ncand++] = (int64_t)r;
	}
	for (k = -9; k <= 9; k++) {
		time_t tt = (time_t)(local_sec + k * 3 * 3600);
		struct tm tm;

		if (localtime_r(&tt, &tm) != NULL)
			cand[ncand++] = local_sec - tm.tm_gmtoff;
	}
	for (i = 0; i < ncand; i++) {
		time_t r = (time_t)cand[i];
		struct tm chk;
		int dup = 0;

		if (localtime_r(&r, &chk) == NULL)
			continue;
		if (chk.tm_year != want.tm_year || chk.tm_mon != want.tm_mon ||
		    chk.tm_mday != want.tm_mday || chk.tm_hour != want.tm_hour ||
		    chk.tm_min != want.tm_min || chk.tm_sec != want.tm_sec)
			continue;
		for (j = 0; j < n; j++)
			dup |= out[j] == cand[i];
		if (!dup && n < 4)
			out[n++] = cand[i];
	}
	for (i = 1; i < n; i++)	/* insertion sort */
		for (j = i; j > 0 && out[j - 1] > out[j]; j--) {
			int64_t t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

static int
libc_offset(int64_t sec)
{
	time_t tt = (time_t)sec;
	struct tm tm;

	localtime_r(&tt, &tm);
	return (int)tm.tm_gmtoff;
}

/* One reading: fx_tz_resolve against libc. */
static int
agree(fx_tz *tz, int64_t local_ms, int verbose)
{
	fx_time out[2] = { 0, 0 };
	int64_t ref[4];
	int n = fx_tz_resolve(tz, local_ms, out), nr, i;
	int64_t frac = local_ms % 1000;

	if (frac < 0)
		frac += 1000;
	nr = ref_resolve((local_ms - frac) / 1000, ref);
	if (n != nr)
		goto bad;
	for (i = 0; i < n; i++)
		if (out[i] != ref[i] * 1000 + frac)
			goto bad;
	return 1;
bad:
	if (verbose) {
		char s[FX_TIME_MAX_TEXT];

		fx_time_format(local_ms, s);
		printf("# local %s: fx n=%d %lld %lld; libc n=%d %lld %lld\n",
		    s, n, (long long)out[0], (long long)out[1], nr,
		    (long long)(nr > 0 ? ref[0] : 0), (long long)(nr > 1 ? ref[1] : 0));
	}
	return 0;
}

struct known {
	const char *local;	/* wall clock reading */
	int n;
	const char *utc[2];	/* published instants */
};

static void
check_known(fx_tz *tz, const char *zone, const struct known *k)
{
	for (; k->local; k++) {
		fx_time local, out[2] = { 0, 0 }, want[2] = { 0, 0 };
		const char *why;
		int zoned, n, i, good;

		fx_time_parse(k->local, strlen(k->local), &local, &zoned, &why);
		for (i = 0; i < k->n; i++)
			fx_time_parse_rfc3339(k->utc[i], strlen(k->utc[i]),
			    &want[i], &why);
		n = fx_tz_resolve(tz, local, out);
		good = n == k->n;
		for (i = 0; good && i < n; i++)
			good = out[i] == want[i];
		if (!ok(good, "%s %s -> %d instant(s)%s%s%s%s", zone, k->local,
		    k->n, k->n > 0 ? " " : "", k->n > 0 ? k->utc[0] : "",
		    k->n > 1 ? " " : "", k->n > 1 ? k->utc[1] : ""))
			printf("#   got n=%d %lld %lld\n", n, (long long)out[0],
			    (long long)out[1]);
		ok(agree(tz, local, 1), "  and libc mktime agrees");
	}
}

/* Every 7 minutes across [from, to) local time, both ways. */
static void
sweep(fx_tz *tz, const char *zone, int64_t from, int64_t to)
{
	int64_t l, bad = 0, n = 0;

	for (l = from; l < to; l += 420000, n++)
		bad += !agree(tz, l, bad < 3);
	/* Backwards too: the cache must not depend on the order of calls. */
	for (l = to; l > from; l -= 619999, n++)
		bad += !agree(tz, l, bad < 3);
	ok(bad == 0, "%s: %lld readings agree with libc mktime (%lld bad)",
	    zone, (long long)n, (long long)bad);
}

/*
 * Finds every change of UTC offset in [from, to) with libc (a day's scan,
 * then bisection) and checks readings every 241 s from 2 h before to 2 h
 * after each, local time, the milliseconds either side of each edge, and
 * random readings over the whole range.
 */
static void
transitions(fx_tz *tz, const char *zone, int64_t from, int64_t to, int nrandom)
{
	int64_t s, bad = 0, n = 0, ntrans = 0, l;
	int i;

	for (s = from / 1000; s < to / 1000; s += 86400) {
		int64_t lo = s, hi = s + 86400;

		if (libc_offset(lo) == libc_offset(hi))
			continue;
		while (hi - lo > 1) {
			int64_t mid = lo + (hi - lo) / 2;

			if (libc_offset(mid) == libc_offset(lo))
				lo = mid;
			else
				hi = mid;
		}
		ntrans++;
		/* hi is the first second of the new offset. */
		for (l = (hi + libc_offset(lo) - 2 * 3600) * 1000;
		    l < (hi + libc_offset(hi) + 2 * 3600) * 1000; l += 241000, n++)
			bad += !agree(tz, l, bad < 3);
		/* The last and first millisecond around the change. */
		for (l = (hi + libc_offset(lo)) * 1000 - 1;
		    l <= (hi + libc_offset(lo)) * 1000; l++, n++)
			bad += !agree(tz, l, bad < 3);
		for (l = (hi + libc_offset(hi)) * 1000 - 1;
		    l <= (hi + libc_offset(hi)) * 1000; l++, n++)
			bad += !agree(tz, l, bad < 3);
	}
	for (i = 0; i < nrandom; i++, n++)
		bad += !agree(tz, rnd_range(from, to), bad < 3);
	ok(bad == 0 && ntrans > 0, "%s: %lld offset changes, %lld readings "
	    "agree with libc mktime (%lld bad)", zone, (long long)ntrans,
	    (long long)n, (long long)bad);
}

static void
test_zones(void)
{
	char err[256];
	fx_tz *tz;
	fx_time out[2];
	int64_t y1970 = 0, y2040 = ref_utc(2040, 1, 1, 0, 0, 0) * 1000;
	int64_t y1840 = ref_utc(1840, 1, 1, 0, 0, 0) * 1000;
	static const struct known london[] = {
		{ "2025-03-30T00:59:59", 1, { "2025-03-30T00:59:59Z" } },
		{ "2025-03-30T01:00:00", 0, { NULL } },
		{ "2025-03-30T01:30:00", 0, { NULL } },
		{ "2025-03-30T01:59:59.999", 0, { NULL } },
		{ "2025-03-30T02:00:00", 1, { "2025-03-30T01:00:00Z" } },
		{ "2025-07-01T12:00:00", 1, { "2025-07-01T11:00:00Z" } },
		{ "2025-10-26T00:59:59", 1, { "2025-10-25T23:59:59Z" } },
		{ "2025-10-26T01:00:00", 2, { "2025-10-26T00:00:00Z", "2025-10-26T01:00:00Z" } },
		{ "2025-10-26T01:30:00", 2, { "2025-10-26T00:30:00Z", "2025-10-26T01:30:00Z" } },
		{ "2025-10-26T01:59:59.5", 2, { "2025-10-26T00:59:59.5Z", "2025-10-26T01:59:59.5Z" } },
		{ "2025-10-26T02:00:00", 1, { "2025-10-26T02:00:00Z" } },
		{ "2025-12-25T09:00:00", 1, { "2025-12-25T09:00:00Z" } },
		{ NULL, 0, { NULL } }
	};
	static const struct known newyork[] = {
		{ "2025-03-09T01:59:59", 1, { "2025-03-09T06:59:59Z" } },
		{ "2025-03-09T02:00:00", 0, { NULL } },
		{ "2025-03-09T02:30:00", 0, { NULL } },
		{ "2025-03-09T03:00:00", 1, { "2025-03-09T07:00:00Z" } },
		{ "2025-11-02T00:59:59", 1, { "2025-11-02T04:59:59Z" } },
		{ "2025-11-02T01:00:00", 2, { "2025-11-02T05:00:00Z", "2025-11-02T06:00:00Z" } },
		{ "2025-11-02T01:30:00", 2, { "2025-11-02T05:30:00Z", "2025-11-02T06:30:00Z" } },
		{ "2025-11-02T02:00:00", 1, { "2025-11-02T07:00:00Z" } },
		{ NULL, 0, { NULL } }
	};
	static const struct known melbourne[] = {
		/* 2012-04-01 03:00 AEDT -> 02:00 AEST = 2012-03-31T16:00:00Z */
		{ "2012-04-01T01:59:59", 1, { "2012-03-31T14:59:59Z" } },
		{ "2012-04-01T02:00:00", 2, { "2012-03-31T15:00:00Z", "2012-03-31T16:00:00Z" } },
		{ "2012-04-01T02:30:00", 2, { "2012-03-31T15:30:00Z", "2012-03-31T16:30:00Z" } },
		{ "2012-04-01T03:00:00", 1, { "2012-03-31T17:00:00Z" } },
		/* 2012-10-07 02:00 AEST -> 03:00 AEDT = 2012-10-06T16:00:00Z */
		{ "2012-10-07T01:59:59", 1, { "2012-10-06T15:59:59Z" } },
		{ "2012-10-07T02:00:00", 0, { NULL } },
		{ "2012-10-07T02:59:59", 0, { NULL } },
		{ "2012-10-07T03:00:00", 1, { "2012-10-06T16:00:00Z" } },
		{ "2025-01-15T12:00:00", 1, { "2025-01-15T01:00:00Z" } },
		{ NULL, 0, { NULL } }
	};

	tz = fx_tz_open("Europe/London", err, sizeof err);
	if (!ok(tz != NULL, "open Europe/London"))
		printf("# %s\n", err);
	if (tz) {
		check_known(tz, "London", london);
		is_num(fx_tz_offset(tz, ref_utc(2025, 7, 1, 0, 0, 0) * 1000), 3600, 0,
		    "London offset in July is +1 h (BST)");
		is_num(fx_tz_offset(tz, ref_utc(2025, 1, 1, 0, 0, 0) * 1000), 0, 0,
		    "London offset in January is 0 (GMT)");
		is_num(fx_tz_offset(tz, ref_utc(2025, 3, 30, 1, 0, 0) * 1000 - 1), 0, 0,
		    "London offset 1 ms before 2025-03-30T01:00Z is 0");
		is_num(fx_tz_offset(tz, ref_utc(2025, 3, 30, 1, 0, 0) * 1000), 3600, 0,
		    "London offset at 2025-03-30T01:00Z is +1 h");
		is_num(fx_tz_offset(tz, ref_utc(2025, 10, 26, 1, 0, 0) * 1000 - 1), 3600, 0,
		    "London offset 1 ms before 2025-10-26T01:00Z is +1 h");
		is_num(fx_tz_offset(tz, ref_utc(2025, 10, 26, 1, 0, 0) * 1000), 0, 0,
		    "London offset at 2025-10-26T01:00Z is 0");
		sweep(tz, "London 2025 spring", ref_utc(2025, 3, 29, 0, 0, 0) * 1000,
		    ref_utc(2025, 3, 31, 0, 0, 0) * 1000);
		sweep(tz, "London 2025 autumn", ref_utc(2025, 10, 25, 0, 0, 0) * 1000,
		    ref_utc(2025, 10, 27, 0, 0, 0) * 1000);
		transitions(tz, "London 1970-2040", y1970, y2040, 2000);
		transitions(tz, "London 1840-1970", y1840, y1970, 2000);
		fx_tz_close(tz);
	}

	tz = fx_tz_open("America/New_York", err, sizeof err);
	if (!ok(tz != NULL, "open America/New_York"))
		printf("# %s\n", err);
	if (tz) {
		check_known(tz, "New York", newyork);
		is_num(fx_tz_offset(tz, ref_utc(2025, 7, 1, 0, 0, 0) * 1000), -4 * 3600,
		    0, "New York offset in July is -4 h");
		is_num(fx_tz_offset(tz, ref_utc(2025, 1, 1, 0, 0, 0) * 1000), -5 * 3600,
		    0, "New York offset in January is -5 h");
		transitions(tz, "New York 1970-2040", y1970, y2040, 2000);
		transitions(tz, "New York 1840-1970", y1840, y1970, 2000);
		fx_tz_close(tz);
	}

	tz = fx_tz_open("Australia/Melbourne", err, sizeof err);
	if (!ok(tz != NULL, "open Australia/Melbourne"))
		printf("# %s\n", err);
	if (tz) {
		check_known(tz, "Melbourne", melbourne);
		is_num(fx_tz_offset(tz, ref_utc(2012, 3, 31, 16, 0, 0) * 1000 - 1),
		    11 * 3600, 0, "Melbourne offset before 2012-03-31T16:00Z is +11 h");
		is_num(fx_tz_offset(tz, ref_utc(2012, 3, 31, 16, 0, 0) * 1000),
		    10 * 3600, 0, "Melbourne offset at 2012-03-31T16:00Z is +10 h");
		sweep(tz, "Melbourne 2012", ref_utc(2012, 3, 30, 0, 0, 0) * 1000,
		    ref_utc(2012, 4, 3, 0, 0, 0) * 1000);
		sweep(tz, "Melbourne 2012 spring", ref_utc(2012, 10, 6, 0, 0, 0) * 1000,
		    ref_utc(2012, 10, 8, 0, 0, 0) * 1000);
		transitions(tz, "Melbourne 1840-2040", y1840, y2040, 2000);
		fx_tz_close(tz);
	}

	/* Zones whose historic offsets are not whole quarter hours. */
	tz = fx_tz_open("Europe/Amsterdam", err, sizeof err);
	if (tz) {
		transitions(tz, "Amsterdam 1840-2040", y1840, y2040, 2000);
		fx_tz_close(tz);
	}
	tz = fx_tz_open("Europe/Dublin", err, sizeof err);
	if (tz) {
		transitions(tz, "Dublin 1840-2040", y1840, y2040, 2000);
		fx_tz_close(tz);
	}
	tz = fx_tz_open("Asia/Kolkata", err, sizeof err);
	if (tz) {
		transitions(tz, "Kolkata 1840-2040", y1840, y2040, 2000);
		fx_tz_close(tz);
	}
	tz = fx_tz_open("Pacific/Apia", err, sizeof err);
	if (tz) {
		sweep(tz, "Apia 2011", ref_utc(2011, 12, 27, 0, 0, 0) * 1000,
		    ref_utc(2012, 1, 2, 0, 0, 0) * 1000);
		transitions(tz, "Apia 1840-2040", y1840, y2040, 2000);
		fx_tz_close(tz);
	}

	tz = fx_tz_open("UTC", err, sizeof err);
	ok(tz != NULL, "open UTC");
	if (tz) {
		ok(fx_tz_resolve(tz, 1763805600123LL, out) == 1 &&
		    out[0] == 1763805600123LL, "UTC resolves a reading to itself");
		is_num(fx_tz_offset(tz, 1763805600000LL), 0, 0, "UTC offset is 0");
		fx_tz_close(tz);
	}
	tz = fx_tz_open("Etc/UTC", err, sizeof err);
	ok(tz != NULL && fx_tz_offset(tz, 0) == 0, "open Etc/UTC");
	fx_tz_close(tz);

	err[0] = '\0';
	tz = fx_tz_open("Mars/Olympus_Mons", err, sizeof err);
	ok(tz == NULL && strstr(err, "Mars/Olympus_Mons") != NULL,
	    "unknown zone fails with a message naming it (%s)", err);
	err[0] = '\0';
	tz = fx_tz_open("Europe", err, sizeof err);
	ok(tz == NULL && strstr(err, "Europe") != NULL,
	    "a zoneinfo directory is not a zone (%s)", err);
	fx_tz_close(tz);
	err[0] = '\0';
	tz = fx_tz_open("zone.tab", err, sizeof err);
	ok(tz == NULL && *err, "a zoneinfo table file is not a zone (%s)", err);
	fx_tz_close(tz);
	err[0] = '\0';
	tz = fx_tz_open("../../../etc/passwd", err, sizeof err);
	ok(tz == NULL && *err, "a path escaping zoneinfo is refused (%s)", err);
	err[0] = '\0';
	tz = fx_tz_open("/etc/localtime", err, sizeof err);
	ok(tz == NULL && *err, "an absolute path is refused (%s)", err);
	err[0] = '\0';
	tz = fx_tz_open("", err, sizeof err);
	ok(tz == NULL && *err, "an empty name is refused (%s)", err);
	fx_tz_close(NULL);

	/* A later open replaces the zone; offsets follow the new zone. */
	tz = fx_tz_open("Australia/Melbourne", err, sizeof err);
	if (tz) {
		is_num(fx_tz_offset(tz, ref_utc(2025, 1, 1, 0, 0, 0) * 1000),
		    libc_offset(ref_utc(2025, 1, 1, 0, 0, 0)), 0,
		    "fx_tz_offset agrees with localtime_r");
		fx_tz_close(tz);
	}
}

static void
test_step_for_spacing(void)
{
	const fx_time min = 60000;

	is_num(fx_step_for_spacing(1000), 15 * min, 0, "1 s data: 15-min step");
	is_num(fx_step_for_spacing(15 * min), 15 * min, 0, "15-min data");
	is_num(fx_step_for_spacing(16 * min), 20 * min, 0, "16 min -> 20");
	is_num(fx_step_for_spacing(30 * min), 30 * min, 0, "30-min data");
	is_num(fx_step_for_spacing(45 * min), 60 * min, 0, "45 min -> 60");
	is_num(fx_step_for_spacing(60 * min), 60 * min, 0, "hourly data");
	is_num(fx_step_for_spacing(61 * min), 0, 0, "over an hour: none");
	is_num(fx_step_for_spacing(0), 0, 0, "zero spacing: none");
	is_num(fx_step_for_spacing(-5), 0, 0, "negative spacing: none");
}

int
main(void)
{
	test_step_for_spacing();
	test_civil();
	test_parse();
	test_epoch();
	test_format();
	test_duration();
	test_zones();
	return done();
}
