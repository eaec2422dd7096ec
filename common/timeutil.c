/* timeutil.c - see timeutil.h */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "err.h"
#include "timeutil.h"

/* Howard Hinnant's days_from_civil / civil_from_days algorithms
 * (chrono-compatible low-level date algorithms, public domain). */
int64_t
fx_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void
fx_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int
fx_time_dow(fx_time t)
{
	int64_t days = floor_div(t, FX_MS_PER_DAY);

	/* 1970-01-01 was a Thursday (4). */
	return (int)(((days % 7) + 7 + 4) % 7);
}

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
days_in_month(int64_t y, unsigned m)
{
	static const unsigned dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Reads exactly n digits at *p; returns -1 if they are not all digits. */
static int
digits(const char **p, const char *end, int n)
{
	int v = 0;

	if (end - *p < n)
		return -1;
	while (n-- > 0) {
		unsigned c = (unsigned char)**p - '0';

		if (c > 9)
			return -1;
		v = v * 10 + (int)c;
		(*p)++;
	}
	return v;
}

int
fx_time_parse(const char *s, size_t len, fx_time *t, int *zoned,
    const char **why)
{
	const char *p = s, *end = s + len;
	int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, off = 0;
	int64_t v;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*zoned = 0;
	if ((y = digits(&p, end, 4)) < 0 || p >= end || *p++ != '-' ||
	    (mo = digits(&p, end, 2)) < 0 || p >= end || *p++ != '-' ||
	    (d = digits(&p, end, 2)) < 0) {
		*why = "not a date-time (want YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM])";
		return -1;
	}
	if (mo < 1 || mo > 12) {
		*why = "month out of range";
		return -1;
	}
	if (d < 1 || (unsigned)d > days_in_month(y, (unsigned)mo)) {
		*why = "day out of range";
		return -1;
	}
	if (p < end) {
		if (*p != 'T' && *p != 't' && *p != ' ') {
			*why = "bad separator between date and time";
			return -1;
		}
		p++;
		if ((h = digits(&p, end, 2)) < 0 || p >= end || *p++ != ':' ||
		    (mi = digits(&p, end, 2)) < 0) {
			*why = "bad time of day (want HH:MM[:SS])";
			return -1;
		}
		if (p < end && *p == ':') {
			p++;
			if ((sec = digits(&p, end, 2)) < 0) {
				*why = "bad seconds";
				return -1;
			}
			if (p < end && (*p == '.' || *p == ',')) {
				int scale = 100;

				p++;
				if (p >= end || (unsigned)(*p - '0') > 9) {
					*why = "bad fraction of a second";
					return -1;
				}
				while (p < end && (unsigned)(*p - '0') <= 9) {
					ms += (*p - '0') * scale;
					scale /= 10;
					p++;
				}
			}
		}
		if (h > 24 || (h == 24 && (mi || sec || ms)) || mi > 59 ||
		    sec > 59) {
			*why = "time of day out of range";
			return -1;
		}
		if (p < end) {
			if (*p == 'Z' || *p == 'z') {
				p++;
				*zoned = 1;
			} else if (*p == '+' || *p == '-') {
				int sign = *p++ == '-' ? -1 : 1, oh, om = 0;

				if ((oh = digits(&p, end, 2)) < 0) {
					*why = "bad UTC offset";
					return -1;
				}
				/* +HH, +HHMM or +HH:MM; a ':' wants minutes. */
				if (p < end && *p == ':' && p + 1 == end) {
					*why = "bad UTC offset";
					return -1;
				}
				if (p < end && *p == ':')
					p++;
				if (p < end && (om = digits(&p, end, 2)) < 0) {
					*why = "bad UTC offset";
					return -1;
				}
				if (oh > 23 || om > 59) {
					*why = "UTC offset out of range";
					return -1;
				}
				off = sign * (oh * 3600 + om * 60);
				*zoned = 1;
			}
		}
	}
	if (p != end) {
		*why = "trailing characters after date-time";
		return -1;
	}
	v = fx_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + sec - off;
	*t = v * 1000 + ms;
	return 0;
}

int
fx_time_parse_rfc3339(const char *s, size_t len, fx_time *t, const char **why)
{
	int zoned;

	if (fx_time_parse(s, len, t, &zoned, why) != 0)
		return -1;
	if (!zoned) {
		*why = "no time zone (want Z or +HH:MM)";
		return -1;
	}
	return 0;
}

/* The instants fx_time_format() can write: 0000-01-01 to 9999-12-31. */
#define MIN_MS (-62167219200000LL)
#define MAX_MS (253402300799999LL)

int
fx_time_parse_epoch(const char *s, size_t len, int unit_ms, fx_time *t,
    const char **why)
{
	const char *p = s, *end = s + len;
	int neg = 0, ndig = 0, keep = 0, inexact = 0;
	int64_t ip = 0, frac = 0, per_digit = unit_ms, v;

	/*
	 * Exact decimal arithmetic rather than strtod(): "1.0005" s is
	 * 1000 ms (finer fractions truncated toward the past, as in
	 * fx_time_parse), and strtod's hex, "inf" and exponents are not
	 * epoch times.  A fraction digit is worth unit_ms / 10^k ms; digits
	 * past the last whole millisecond only make the value inexact.
	 */
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (unit_ms <= 0) {
		*why = "not an epoch time";
		return -1;
	}
	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	for (; p < end && (unsigned)(*p - '0') <= 9; p++, ndig++) {
		if (ip > MAX_MS) {	/* out of range whatever the unit */
			*why = "epoch time out of range";
			return -1;
		}
		ip = ip * 10 + (*p - '0');
	}
	if (p < end && *p == '.') {
		for (p++; p < end && (unsigned)(*p - '0') <= 9; p++, ndig++) {
			if (per_digit % 10 == 0 && keep < 9) {
				per_digit /= 10;
				frac += (*p - '0') * per_digit;
				keep++;
			} else if (*p != '0')
				inexact = 1;
		}
	}
	if (p != end || ndig == 0) {
		*why = "not an epoch time";
		return -1;
	}
	if (ip > (MAX_MS + 1) / unit_ms + 1) {
		*why = "epoch time out of range";
		return -1;
	}
	v = ip * unit_ms + frac;
	if (neg)
		v = -v - inexact;
	if (v < MIN_MS || v > MAX_MS) {
		*why = "epoch time out of range";
		return -1;
	}
	*t = v;
	return 0;
}

size_t
fx_time_format(fx_time t, char *out)
{
	/* Consecutive records share a day, so cache its text. */
	static __thread int64_t cached_day = INT64_MIN;
	static __thread char day_text[16];
	int64_t days, rem;
	int sod, ms;
	char *o = out;

	/* The text has four digits of year: clamp the instant, not the
	 * year, so that what is written is at least the nearest bound. */
	if (t < MIN_MS)
		t = MIN_MS;
	if (t > MAX_MS)
		t = MAX_MS;
	days = floor_div(t, FX_MS_PER_DAY);
	rem = t - days * FX_MS_PER_DAY;
	sod = (int)(rem / 1000);
	ms = (int)(rem % 1000);
	if (days != cached_day) {
		int64_t y;
		unsigned m, d;

		fx_civil_from_days(days, &y, &m, &d);
		snprintf(day_text, sizeof day_text, "%04d-%02u-%02uT",
		    (int)y, m, d);
		cached_day = days;
	}
	memcpy(o, day_text, 11);
	o += 11;
	o[0] = (char)('0' + sod / 36000);
	o[1] = (char)('0' + sod / 3600 % 10);
	o[2] = ':';
	o[3] = (char)('0' + sod / 600 % 6);
	o[4] = (char)('0' + sod / 60 % 10);
	o[5] = ':';
	o[6] = (char)('0' + sod % 60 / 10);
	o[7] = (char)('0' + sod % 10);
	o += 8;
	if (ms) {
		o[0] = '.';
		o[1] = (char)('0' + ms / 100);
		o[2] = (char)('0' + ms / 10 % 10);
		o[3] = (char)('0' + ms % 10);
		o += 4;
	}
	*o++ = 'Z';
	*o = '\0';
	return (size_t)(o - out);
}

void
fx_buf_time(fx_buf *b, fx_time t)
{
	char *o = fx_buf_reserve(b, FX_TIME_MAX_TEXT + 2);

	o[0] = '"';
	b->len += 1 + fx_time_format(t, o + 1);
	b->data[b->len++] = '"';
}

int
fx_duration_parse(const char *s, int64_t *ms)
{
	int64_t total = 0;

	if (s == NULL || *s == '\0')
		return -1;
	while (*s) {
		const char *q = s;
		double v;
		int64_t unit;
		int ndig = 0, dot = 0;

		/* Plain decimal only: strtod() alone would take "0x1p4",
		 * "1e3" or "inf". */
		for (; (unsigned)(*q - '0') <= 9 || (*q == '.' && !dot); q++) {
			if (*q == '.')
				dot = 1;
			else
				ndig++;
		}
		if (ndig == 0 || ndig > 18)
			return -1;
		v = strtod(s, NULL);
		s = q;
		if (strncmp(s, "ms", 2) == 0)
			unit = 1, s += 2;
		else if (*s == 's')
			unit = 1000, s++;
		else if (*s == 'm')
			unit = 60000, s++;
		else if (*s == 'h')
			unit = 3600000, s++;
		else if (*s == 'd')
			unit = 86400000, s++;
		else if (*s == '\0' && total == 0)
			unit = 1000;
		else
			return -1;
		if (v * (double)unit > 9.2e15)
			return -1;
		total += (int64_t)(v * (double)unit + 0.5);
		if (total > (int64_t)9.2e15)
			return -1;
	}
	if (total <= 0)
		return -1;
	*ms = total;
	return 0;
}

struct fx_tz {
	char *name;
	int utc;
	int64_t cache_key;	/* local time / 15 min of the cached answer */
	int cache_n;
	int cache_off[2];
};

/*
 * Whether path is a compiled zone (TZif).  A directory ("Europe") or a
 * table ("zone.tab") is not, and tzset() would silently fall back to UTC.
 */
static int
is_tzif(const char *path)
{
	char magic[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok;
	struct stat st;

	if (fd < 0)
		return 0;
	ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    read(fd, magic, 4) == 4 && memcmp(magic, "TZif", 4) == 0;
	close(fd);
	return ok;
}

fx_tz *
fx_tz_open(const char *name, char *err, size_t errlen)
{
	fx_tz *tz;
	char path[512];

	if (name == NULL || *name == '\0' || strstr(name, "..") != NULL ||
	    name[0] == '/') {
		snprintf(err, errlen, "bad time zone name '%s'",
		    name ? name : "");
		return NULL;
	}
	tz = fx_xcalloc(1, sizeof *tz);
	tz->name = fx_xstrdup(name);
	tz->cache_key = INT64_MIN;
	if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0 ||
	    strcmp(name, "Z") == 0) {
		tz->utc = 1;
		return tz;
	}
	snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
	if (!is_tzif(path)) {
		snprintf(err, errlen, "unknown time zone '%s' (no zone file %s; "
		    "is tzdata installed?)", name, path);
		fx_tz_close(tz);
		return NULL;
	}
	setenv("TZ", name, 1);
	tzset();
	return tz;
}

void
fx_tz_close(fx_tz *tz)
{
	if (tz == NULL)
		return;
	free(tz->name);
	free(tz);
}

static int
offset_at_sec(const fx_tz *tz, int64_t sec)
{
	time_t tt = (time_t)sec;
	struct tm tm;

	if (tz->utc || localtime_r(&tt, &tm) == NULL)
		return 0;
	return (int)tm.tm_gmtoff;
}

int
fx_tz_offset(fx_tz *tz, fx_time t)
{
	return offset_at_sec(tz, floor_div(t, 1000));
}

/*
 * The UTC offsets (seconds) at which the wall-clock second lsec happens,
 * larger offset (earlier instant) first; returns how many (0..2).
 * Offsets lie within +-15 h, so the instant is within 15 h of the
 * reading; the offsets in force 30 h either side cover every candidate
 * when zones change at most once in 60 h, as all real zones do.
 */
static int
resolve_sec(const fx_tz *tz, int64_t lsec, int off[2], int cand[2])
{
	int k, n = 0;

	cand[0] = offset_at_sec(tz, lsec - 30 * 3600);
	cand[1] = offset_at_sec(tz, lsec + 30 * 3600);
	for (k = 0; k < 2; k++) {
		if (k == 1 && cand[1] == cand[0])
			break;
		if (offset_at_sec(tz, lsec - cand[k]) == cand[k])
			off[n++] = cand[k];
	}
	if (n == 2 && off[0] < off[1]) {
		int t = off[0];

		off[0] = off[1];
		off[1] = t;
	}
	return n;
}

int
fx_tz_resolve(fx_tz *tz, fx_time local, fx_time out[2])
{
	int64_t lsec = floor_div(local, 1000), key = floor_div(lsec, 900);
	int i, n, off[2] = { 0, 0 }, cand[2];

	if (tz->utc) {
		out[0] = local;
		return 1;
	}
	if (key == tz->cache_key && tz->cache_n >= 0) {
		n = tz->cache_n;
		off[0] = tz->cache_off[0];
		off[1] = tz->cache_off[1];
	} else if (key == tz->cache_key) {
		n = resolve_sec(tz, lsec, off, cand);
	} else {
		/*
		 * Readings come in order, so answer for the whole 15-minute
		 * bucket of local time at once - when no offset changes
		 * within it for either candidate.  Modern zones change at
		 * quarter hours of local time, but historic ones did not
		 * (London 1847: -0:01:15 to GMT), so that is checked; a
		 * bucket with a change inside is answered per second
		 * (cache_n -1).
		 */
		int64_t b = key * 900;
		int k, uniform = 1;

		n = resolve_sec(tz, b, off, cand);
		for (k = 0; k < 2 && uniform; k++)
			uniform = offset_at_sec(tz, b - cand[k]) ==
			    offset_at_sec(tz, b + 899 - cand[k]);
		tz->cache_key = key;
		if (uniform) {
			tz->cache_n = n;
			tz->cache_off[0] = off[0];
			tz->cache_off[1] = off[1];
		} else {
			tz->cache_n = -1;
			n = resolve_sec(tz, lsec, off, cand);
		}
	}
	for (i = 0; i < n; i++)
		out[i] = local - (fx_time)off[i] * 1000;
	return n;
}

fx_time
fx_step_for_spacing(fx_time spacing)
{
	static const fx_time step[] = { 15 * 60000, 20 * 60000, 30 * 60000,
	    60 * 60000 };
	size_t i;

	if (spacing <= 0)
		return 0;
	for (i = 0; i < sizeof step / sizeof step[0]; i++)
		if (spacing <= step[i])
			return step[i];
	return 0;
}

int64_t
fx_opt_duration(const char *what, const char *s)
{
	int64_t ms;

	if (fx_duration_parse(s, &ms) != 0)
		fx_die(FX_EXIT_USAGE, "%s: not a duration > 0 '%s'", what,
		    fx_quote(s, strlen(s)));
	return ms;
}

fx_time
fx_time_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (fx_time)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
