/*
 * fx-sim - synthetic feeder load curves (SRS R1-R5).
 *
 * For each time step from the start to the end, writes an exo record
 * (temperature and calendar) when one is due, then one reading per feeder
 * in feeder order, in the same form fx-ingest gives real telemetry.  The
 * load of a feeder is its profile's calendar shape between base_kw and
 * peak_kw, plus temperature-driven HVAC, an evening EV-charging bump,
 * AR(1) noise and the injected spikes.  Offline it runs as fast as it can;
 * online (--online, --speed) it paces the steps to the wall clock and
 * flushes each one.  The same arguments and seed give the same bytes.
 * The model is described in fx-sim(1).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "json.h"
#include "ndjson.h"
#include "timeutil.h"

#define MS_PER_SEC	1000LL
#define MS_PER_MIN	60000LL
#define MS_PER_HOUR	3600000LL
#define TIME_LIMIT	253402300800000LL	/* 10000-01-01T00:00:00Z */
#define MAX_FEEDERS	1000000
#define DAYS_PER_YEAR	365.2425

enum { RESIDENTIAL, COMMERCIAL, INDUSTRIAL, NPROFILES, MIXED = NPROFILES };
static const char *const profile_name[] = {
	"residential", "commercial", "industrial", "mixed"
};

/* Day types; a holiday is a SUNDAY. */
enum { WEEKDAY, SATURDAY, SUNDAY, NDAYTYPES };

/*
 * A daily shape is a sum of components in local hours of its day.  A
 * component of one day may reach into the next (x1 > 24): the shape at
 * an instant sums the components of the day before, the day and the day
 * after, so it is smooth across midnight even when the day type changes.
 */
enum { BUMP, PLATEAU };
struct component {
	int kind;
	double x0, x1;	/* BUMP: centre, unused; PLATEAU: from, to (hours) */
	double w;	/* BUMP: standard deviation; PLATEAU: edge width (h) */
	double amp;
};
#define MAXCOMP 3
struct dayshape {
	int n;
	struct component c[MAXCOMP];
};

static const struct dayshape shapes[NPROFILES][NDAYTYPES] = {
	[RESIDENTIAL] = {
		[WEEKDAY] = { 3, { { BUMP, 7.25, 0, 1.0, 0.55 },
		    { BUMP, 13.0, 0, 2.5, 0.20 }, { BUMP, 19.25, 0, 1.7, 1.0 } } },
		[SATURDAY] = { 3, { { BUMP, 9.5, 0, 1.6, 0.60 },
		    { BUMP, 13.5, 0, 2.5, 0.35 }, { BUMP, 19.0, 0, 1.9, 0.95 } } },
		[SUNDAY] = { 3, { { BUMP, 10.0, 0, 1.8, 0.60 },
		    { BUMP, 13.5, 0, 2.5, 0.40 }, { BUMP, 18.75, 0, 1.9, 0.95 } } },
	},
	[COMMERCIAL] = {
		[WEEKDAY] = { 2, { { PLATEAU, 7.5, 18.5, 0.6, 0.9 },
		    { BUMP, 12.75, 0, 1.2, 0.12 } } },
		[SATURDAY] = { 1, { { PLATEAU, 9.0, 17.0, 0.6, 0.35 } } },
		[SUNDAY] = { 1, { { PLATEAU, 10.0, 16.0, 0.6, 0.12 } } },
	},
	[INDUSTRIAL] = {
		/* Two day shifts 06-22 with a dip at the change, a light
		 * night shift 22-06 on weekday nights. */
		[WEEKDAY] = { 3, { { PLATEAU, 6.0, 22.0, 0.35, 1.0 },
		    { BUMP, 14.0, 0, 0.25, -0.08 },
		    { PLATEAU, 22.0, 30.0, 0.35, 0.25 } } },
		[SATURDAY] = { 1, { { PLATEAU, 6.0, 14.0, 0.35, 0.6 } } },
		[SUNDAY] = { 1, { { PLATEAU, 8.0, 16.0, 0.5, 0.08 } } },
	},
};

/* Built-in feeder defaults by profile. */
static const struct {
	double base_kw, peak_kw;
	double ev;		/* EV bump at amplitude 1, fraction of peak_kw */
	double heat, cool;	/* HVAC per degree C, fractions of peak_kw */
	double pf;		/* power factor */
} pdef[NPROFILES] = {
	[RESIDENTIAL] = { 300, 520, 0.15, 0.012, 0.020, 0.97 },
	[COMMERCIAL] = { 250, 600, 0.03, 0.008, 0.025, 0.92 },
	[INDUSTRIAL] = { 500, 900, 0.01, 0.004, 0.008, 0.88 },
};

#define EV_CENTRE	19.75	/* hours; raised-cosine bump 16:15-23:15 */
#define EV_HALFWIDTH	3.5

/* A text setting, from the command line or the configuration. */
struct param {
	const char *text;	/* NULL: not given */
	char *where;		/* "--step" or "file: sim.step", for messages */
};

/* A spike as given, before feeders are resolved. */
struct spikedef {
	char *feeder;		/* "*" for every feeder */
	char *where;
	fx_time at;
	int64_t dur, ramp;	/* ramp < 0: default */
	double value;
	int ratio;		/* value is a fraction of peak_kw */
};

/* A spike of one feeder: a trapezoid, full from at to end. */
struct spike {
	fx_time rise, at, end, fall;	/* rise = at - ramp, fall = end + ramp */
	double kw;
};

struct feeder {
	char *id;
	size_t idlen;
	int profile;
	double base, span, peak;	/* span = peak - base */
	double heat, cool;		/* kW per degree C */
	double ev_kw, ev_amp;
	double pf, vnom;
	double z;			/* AR(1) noise state, unit variance */
	gsl_rng *rng;
	struct spike *spikes;
	size_t nspikes, cursor;
	fx_buf prefix;			/* {"type":"reading","feeder_id":..,"timestamp": */
	fx_buf csvid;			/* the id as a CSV field, then ',' */
};

/* Values shared by every feeder at an instant, smooth in time. */
struct slow {
	double shape[NPROFILES];	/* 0 night .. 1 typical weekday peak */
	double ev;			/* EV bump, 0..1 */
	double temp;			/* degrees C */
};

struct event {
	fx_time from, to;
};

struct sim {
	/* settings */
	fx_time start, end;		/* end exclusive; INT64_MAX: never */
	int64_t step, exo_interval;
	uint64_t seed;
	double noise, noise_phi, noise_innov;
	int exo, csv, electrical, online, verbose;
	double speed;
	char *source;
	fx_tz *tz;
	fx_buf suffix;			/* ,"source":"sim"} */
	/* temperature model */
	double mean_c, seasonal_c, diurnal_c, coldest_doy, wx_sd;
	double heat_below, cool_above;
	/* calendar */
	int64_t *holidays;		/* sorted local day numbers */
	size_t nholidays;
	struct event *events;
	size_t nevents;
	/* feeders */
	struct feeder *feeders;
	size_t nfeeders;
	int used[NPROFILES];
	double norm[NPROFILES];
	/* weather AR(1) on hourly knots */
	gsl_rng *wx_rng;
	int64_t wx_hour;
	double wx0, wx1, wx_phi;
	/* two cached minute knots of the slow values */
	int64_t kidx[2];
	int kvalid[2];
	struct slow kval[2];
	/* UTC offset cache, per quarter hour */
	int64_t tz_key;
	int tz_off;
};

static void
usage(int status)
{
	fputs("usage: fx-sim [-hv] [-c file] [-d duration | -e time] "
	    "[-f ndjson | csv] [-n feeders]\n"
	    "\t[-p profile] [--electrical] [--exo-csv file] "
	    "[--exo-interval duration]\n"
	    "\t[--holiday date] [--no-exo] [--noise frac] [--online] "
	    "[--scenario file]\n"
	    "\t[--seed n] [--source name] [--speed n] [--spike spec] "
	    "[--start time]\n"
	    "\t[--step duration] [--tz zone]\n",
	    status ? stderr : stdout);
	exit(status);
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* splitmix64's finaliser: a counter-based source for day-level draws. */
static uint64_t
mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* A uniform number in [0, 1) determined by (a, b, c). */
static double
unit_hash(uint64_t a, uint64_t b, uint64_t c)
{
	return (double)(mix64(mix64(mix64(a) ^ b) ^ c) >> 11) * 0x1.0p-53;
}

static char *
xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		fx_die(FX_EXIT_FAIL, "out of memory");
	va_end(ap);
	return s;
}

/* A JSON value as short text for messages. */
static char *
jv_text(jv v)
{
	fx_buf b = FX_BUF_INIT;
	char *s;

	fx_buf_jv(&b, v);
	if (b.len > 60) {
		b.len = 57;
		fx_buf_puts(&b, "...");
	}
	s = fx_xstrdup(fx_buf_cstr(&b));
	fx_buf_free(&b);
	return s;
}

static int
parse_num(const char *s, double *out)
{
	char *end;
	double v;

	if (*s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || errno != 0 || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

static int
parse_uint(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || errno != 0)
		return -1;
	*out = v;
	return 0;
}

/* A duration in whole seconds >= 1 s, for steps and intervals. */
static int64_t
param_seconds(const struct param *p)
{
	int64_t ms;

	if (fx_duration_parse(p->text, &ms) != 0)
		fx_die(FX_EXIT_USAGE, "%s: not a duration '%s'", p->where,
		    p->text);
	if (ms % MS_PER_SEC != 0)
		fx_die(FX_EXIT_USAGE, "%s: not a whole number of seconds '%s'",
		    p->where, p->text);
	return ms;
}

static int64_t
param_duration(const struct param *p)
{
	int64_t ms;

	if (fx_duration_parse(p->text, &ms) != 0)
		fx_die(FX_EXIT_USAGE, "%s: not a duration '%s'", p->where,
		    p->text);
	return ms;
}

/*
 * Parses a date-time; one without a zone is local time in --tz, or UTC.
 * Returns 0, or -1 with a static reason in *why.
 */
static int
parse_time(const struct sim *s, const char *text, fx_time *t,
    const char **why)
{
	fx_time out[2];
	int zoned;

	if (fx_time_parse(text, strlen(text), t, &zoned, why) != 0)
		return -1;
	if (!zoned && s->tz != NULL) {
		if (fx_tz_resolve(s->tz, *t, out) == 0) {
			*why = "local time skipped by a clock change";
			return -1;
		}
		*t = out[0];
	}
	if (*t < 0 || *t >= TIME_LIMIT) {
		*why = "time out of range";
		return -1;
	}
	return 0;
}

static fx_time
param_time(const struct sim *s, const struct param *p)
{
	const char *why;
	fx_time t;

	if (parse_time(s, p->text, &t, &why) != 0)
		fx_die(FX_EXIT_USAGE, "%s: %s '%s'", p->where, why, p->text);
	return t;
}

/* A holiday: a bare date, as a local day number. */
static int64_t
parse_holiday(const char *where, const char *text)
{
	const char *why = "not a date (want YYYY-MM-DD)";
	fx_time t;
	int zoned;

	if (strlen(text) != 10 ||
	    fx_time_parse(text, 10, &t, &zoned, &why) != 0)
		fx_die(FX_EXIT_USAGE, "%s: %s '%s'", where, why, text);
	return floor_div(t, FX_MS_PER_DAY);
}

static void
add_holiday(struct sim *s, int64_t day)
{
	s->holidays = fx_xrealloc(s->holidays,
	    (s->nholidays + 1) * sizeof *s->holidays);
	s->holidays[s->nholidays++] = day;
}

static int
cmp_day(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int
is_holiday(const struct sim *s, int64_t day)
{
	return s->nholidays > 0 && bsearch(&day, s->holidays, s->nholidays,
	    sizeof *s->holidays, cmp_day) != NULL;
}

/* Day of week of a day number: 0 Sunday .. 6 Saturday. */
static int
day_dow(int64_t day)
{
	return (int)(((day % 7) + 7 + 4) % 7);
}

static int
day_type(const struct sim *s, int64_t day)
{
	int dow = day_dow(day);

	if (dow == 0 || is_holiday(s, day))
		return SUNDAY;
	return dow == 6 ? SATURDAY : WEEKDAY;
}

static double
component_at(const struct component *c, double h)
{
	double d;

	if (c->kind == BUMP) {
		d = (h - c->x0) / c->w;
		if (fabs(d) > 8)
			return 0;
		return c->amp * exp(-0.5 * d * d);
	}
	if (h < c->x0 - 10 * c->w || h > c->x1 + 10 * c->w)
		return 0;
	return c->amp * 0.5 * (tanh((h - c->x0) / c->w) +
	    tanh((c->x1 - h) / c->w));
}

/* The unnormalised shape at hour h of a day of type cur between days of
 * types prev and next. */
static double
shape_raw(int profile, const int type[3], double h)
{
	double sum = 0;
	int d, i;

	for (d = -1; d <= 1; d++) {
		const struct dayshape *ds = &shapes[profile][type[d + 1]];

		for (i = 0; i < ds->n; i++)
			sum += component_at(&ds->c[i], h - 24.0 * d);
	}
	return sum;
}

/* Scales each profile so its maximum on a working week day is 1. */
static void
init_norm(struct sim *s)
{
	static const int week[3] = { WEEKDAY, WEEKDAY, WEEKDAY };
	int p, m;

	for (p = 0; p < NPROFILES; p++) {
		double max = 0;

		for (m = 0; m <= 24 * 60; m++) {
			double v = shape_raw(p, week, m / 60.0);

			if (v > max)
				max = v;
		}
		s->norm[p] = 1 / max;
	}
}

/* Diurnal temperature cycle: -1 at 05:00, +1 at 15:00, cosine segments
 * (10 h rising, 14 h falling) with zero slope at both turns. */
static double
diurnal(double h)
{
	if (h >= 5 && h < 15)
		return -cos(M_PI * (h - 5) / 10);
	return cos(M_PI * (h >= 15 ? h - 15 : h + 9) / 14);
}

static double
ev_shape(double h)
{
	double d = h - EV_CENTRE;

	if (fabs(d) >= EV_HALFWIDTH)
		return 0;
	return 0.5 * (1 + cos(M_PI * d / EV_HALFWIDTH));
}

/* UTC offset in ms at t (0 without --tz); zones change on quarter hours. */
static int64_t
utc_offset(struct sim *s, fx_time t)
{
	int64_t key;

	if (s->tz == NULL)
		return 0;
	key = floor_div(t, 15 * MS_PER_MIN);
	if (key != s->tz_key) {
		s->tz_off = fx_tz_offset(s->tz, t);
		s->tz_key = key;
	}
	return (int64_t)s->tz_off * MS_PER_SEC;
}

/* The slow weather noise at t: AR(1) on whole UTC hours, interpolated.
 * Instants must not go back by more than the hour already generated. */
static double
weather_noise(struct sim *s, fx_time t)
{
	int64_t hour = floor_div(t, MS_PER_HOUR);
	double innov = s->wx_sd * sqrt(1 - s->wx_phi * s->wx_phi);

	while (s->wx_hour < hour) {
		s->wx0 = s->wx1;
		s->wx1 = s->wx_phi * s->wx1 +
		    innov * gsl_ran_gaussian_ziggurat(s->wx_rng, 1);
		s->wx_hour++;
	}
	return s->wx0 + (s->wx1 - s->wx0) *
	    (double)(t - hour * MS_PER_HOUR) / MS_PER_HOUR;
}

static void
eval_slow(struct sim *s, fx_time t, struct slow *out)
{
	fx_time local = t + utc_offset(s, t);
	int64_t day = floor_div(local, FX_MS_PER_DAY);
	double h = (double)(local - day * FX_MS_PER_DAY) / MS_PER_HOUR;
	double days = (double)t / FX_MS_PER_DAY;
	int type[3], p;

	type[0] = day_type(s, day - 1);
	type[1] = day_type(s, day);
	type[2] = day_type(s, day + 1);
	for (p = 0; p < NPROFILES; p++)
		out->shape[p] = s->used[p] ?
		    s->norm[p] * shape_raw(p, type, h) : 0;
	out->ev = ev_shape(h);
	/* 1970-01-01 is day-of-year 1. */
	out->temp = s->mean_c - s->seasonal_c *
	    cos(2 * M_PI * (days - (s->coldest_doy - 1)) / DAYS_PER_YEAR) +
	    s->diurnal_c * diurnal(h) + weather_noise(s, t);
}

/* The slow values at minute k, from a two-entry cache; never evicts the
 * entry for minute keep. */
static const struct slow *
knot(struct sim *s, int64_t k, int64_t keep)
{
	int i;

	for (i = 0; i < 2; i++)
		if (s->kvalid[i] && s->kidx[i] == k)
			return &s->kval[i];
	i = !s->kvalid[0] ? 0 : !s->kvalid[1] ? 1 : s->kidx[0] == keep;
	eval_slow(s, k * MS_PER_MIN, &s->kval[i]);
	s->kidx[i] = k;
	s->kvalid[i] = 1;
	return &s->kval[i];
}

/*
 * The slow values at t: exact on whole minutes, linear between them
 * (the shapes change little in a minute), so a 1-second run costs one
 * evaluation a minute and agrees with a 1-minute run on the minutes.
 */
static void
slow_at(struct sim *s, fx_time t, struct slow *out)
{
	int64_t k = floor_div(t, MS_PER_MIN), off = t - k * MS_PER_MIN;
	const struct slow *a, *b;
	double f;
	int p;

	a = knot(s, k, k + 1);
	if (off == 0) {
		*out = *a;
		return;
	}
	b = knot(s, k + 1, k);
	f = (double)off / MS_PER_MIN;
	for (p = 0; p < NPROFILES; p++)
		out->shape[p] = a->shape[p] + (b->shape[p] - a->shape[p]) * f;
	out->ev = a->ev + (b->ev - a->ev) * f;
	out->temp = a->temp + (b->temp - a->temp) * f;
}

static double
spike_at(struct feeder *f, fx_time t)
{
	double kw = 0;
	size_t i;

	while (f->cursor < f->nspikes && f->spikes[f->cursor].fall <= t)
		f->cursor++;
	for (i = f->cursor; i < f->nspikes && f->spikes[i].rise <= t; i++) {
		const struct spike *sp = &f->spikes[i];

		if (t >= sp->fall)
			continue;
		if (t < sp->at)
			kw += sp->kw * (double)(t - sp->rise) /
			    (double)(sp->at - sp->rise);
		else if (t < sp->end)
			kw += sp->kw;
		else
			kw += sp->kw * (double)(sp->fall - t) /
			    (double)(sp->fall - sp->end);
	}
	return kw;
}

static int
cmp_spike(const void *a, const void *b)
{
	const struct spike *x = a, *y = b;

	return (x->rise > y->rise) - (x->rise < y->rise);
}

/* Fails unless obj's keys are all in allowed (NULL-terminated). */
static void
check_keys(jv obj, const char *where, const char *const *allowed)
{
	jv keys = jv_keys(jv_copy(obj));
	int i, n = jv_array_length(jv_copy(keys));

	for (i = 0; i < n; i++) {
		jv k = jv_array_get(jv_copy(keys), i);
		const char *name = jv_string_value(k);
		const char *const *a;

		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, name) == 0)
				break;
		if (*a == NULL)
			fx_die(FX_EXIT_USAGE, "%s: unknown key '%s'", where,
			    name);
		jv_free(k);
	}
	jv_free(keys);
}

/* obj[key] as text (a string, or a number's shortest text); NULL if
 * absent.  The result is owned by the caller. */
static char *
json_text(jv obj, const char *key, const char *where)
{
	jv v = fx_json_get(obj, key);
	char *s = NULL, tmp[32];

	switch (jv_get_kind(v)) {
	case JV_KIND_INVALID:
	case JV_KIND_NULL:
		break;
	case JV_KIND_STRING:
		s = fx_xstrdup(jv_string_value(v));
		break;
	case JV_KIND_NUMBER:
		fx_fmt_num(tmp, jv_number_value(v));
		s = fx_xstrdup(tmp);
		break;
	default:
		s = jv_text(v);
		fx_die(FX_EXIT_USAGE, "%s.%s: not a string or number '%s'",
		    where, key, s);
	}
	jv_free(v);
	return s;
}

/* obj[key] as a number into *out (unchanged if absent). */
static void
json_number(jv obj, const char *key, const char *where, double *out)
{
	if (fx_json_num(obj, key, out) < 0) {
		jv v = fx_json_get(obj, key);

		fx_die(FX_EXIT_USAGE, "%s.%s: not a number '%s'", where, key,
		    jv_text(v));
	}
}

/* obj[key] as a string borrowed from obj, NULL if absent. */
static const char *
json_string(jv obj, const char *key, const char *where)
{
	jv v = fx_json_get(obj, key);
	const char *s = fx_json_str(obj, key);

	if (s == NULL && jv_is_valid(v) && jv_get_kind(v) != JV_KIND_NULL)
		fx_die(FX_EXIT_USAGE, "%s.%s: not a string '%s'", where, key,
		    jv_text(v));
	jv_free(v);
	return s;
}

/* obj[key] as an array (new reference) or jv_null() when absent; named
 * prefix + key in messages. */
static jv
json_array(jv obj, const char *key, const char *prefix)
{
	jv v = fx_json_get(obj, key);

	if (!jv_is_valid(v)) {
		jv_free(v);
		return jv_null();
	}
	if (jv_get_kind(v) != JV_KIND_ARRAY && jv_get_kind(v) != JV_KIND_NULL)
		fx_die(FX_EXIT_USAGE, "%s%s: not an array '%s'", prefix, key,
		    jv_text(v));
	return v;
}

static void
add_spikedef(struct spikedef **list, size_t *n, const struct spikedef *d)
{
	*list = fx_xrealloc(*list, (*n + 1) * sizeof **list);
	(*list)[(*n)++] = *d;
}

/* FEEDER@TIME+DURATION:KW, KW a number of kW or a percentage of peak_kw. */
static void
parse_spike_spec(const struct sim *s, const char *spec, const char *where,
    struct spikedef **list, size_t *n)
{
	const char *at = strchr(spec, '@'), *colon = strrchr(spec, ':');
	const char *plus = NULL, *p, *why;
	struct spikedef d = { 0 };
	char *tmp, *mag;
	size_t len;

	if (at != NULL && colon != NULL && colon > at)
		for (p = at + 1; p < colon; p++)
			if (*p == '+')
				plus = p;
	if (at == NULL || at == spec || plus == NULL || plus == at + 1 ||
	    colon == plus + 1 || colon[1] == '\0')
		fx_die(FX_EXIT_USAGE, "%s: want FEEDER@TIME+DURATION:KW '%s'",
		    where, spec);
	d.feeder = fx_xstrndup(spec, (size_t)(at - spec));
	d.where = fx_xstrdup(where);
	tmp = fx_xstrndup(at + 1, (size_t)(plus - at - 1));
	if (parse_time(s, tmp, &d.at, &why) != 0)
		fx_die(FX_EXIT_USAGE, "%s: %s '%s'", where, why, tmp);
	free(tmp);
	tmp = fx_xstrndup(plus + 1, (size_t)(colon - plus - 1));
	if (fx_duration_parse(tmp, &d.dur) != 0)
		fx_die(FX_EXIT_USAGE, "%s: not a duration '%s'", where, tmp);
	free(tmp);
	mag = fx_xstrdup(colon + 1);
	len = strlen(mag);
	if (mag[len - 1] == '%') {
		mag[len - 1] = '\0';
		d.ratio = 1;
	}
	if (parse_num(mag, &d.value) != 0)
		fx_die(FX_EXIT_USAGE, "%s: not a number of kW '%s'", where,
		    colon + 1);
	if (d.ratio)
		d.value /= 100;
	free(mag);
	d.ramp = -1;
	add_spikedef(list, n, &d);
}

static void
parse_spike_json(const struct sim *s, jv o, const char *where,
    struct spikedef **list, size_t *n)
{
	static const char *const keys[] = { "feeder_id", "at", "duration",
	    "magnitude_kw", "magnitude_ratio", "ramp", "note", NULL };
	struct spikedef d = { 0 };
	const char *feeder, *at, *why;
	char *text;
	double kw = NAN, ratio = NAN;

	if (jv_get_kind(o) != JV_KIND_OBJECT)
		fx_die(FX_EXIT_USAGE, "%s: not an object '%s'", where,
		    jv_text(o));
	check_keys(o, where, keys);
	if ((feeder = json_string(o, "feeder_id", where)) == NULL ||
	    *feeder == '\0')
		fx_die(FX_EXIT_USAGE, "%s: no \"feeder_id\"", where);
	if ((at = json_string(o, "at", where)) == NULL)
		fx_die(FX_EXIT_USAGE, "%s: no \"at\"", where);
	if (parse_time(s, at, &d.at, &why) != 0)
		fx_die(FX_EXIT_USAGE, "%s.at: %s '%s'", where, why, at);
	if ((text = json_text(o, "duration", where)) == NULL)
		fx_die(FX_EXIT_USAGE, "%s: no \"duration\"", where);
	if (fx_duration_parse(text, &d.dur) != 0)
		fx_die(FX_EXIT_USAGE, "%s.duration: not a duration '%s'",
		    where, text);
	free(text);
	d.ramp = -1;
	if ((text = json_text(o, "ramp", where)) != NULL) {
		if (fx_duration_parse(text, &d.ramp) != 0)
			fx_die(FX_EXIT_USAGE, "%s.ramp: not a duration '%s'",
			    where, text);
		free(text);
	}
	json_number(o, "magnitude_kw", where, &kw);
	json_number(o, "magnitude_ratio", where, &ratio);
	if (isnan(kw) == isnan(ratio))
		fx_die(FX_EXIT_USAGE, "%s: want one of \"magnitude_kw\" and "
		    "\"magnitude_ratio\"", where);
	d.ratio = !isnan(ratio);
	d.value = d.ratio ? ratio : kw;
	d.feeder = fx_xstrdup(feeder);
	d.where = xasprintf("%s.feeder_id", where);
	add_spikedef(list, n, &d);
}

/*
 * The spikes, events and holidays of a scenario object (the scenario
 * file's root, or the configuration's "sim" section).  Items are named
 * prefix + "spikes[0]" in messages, e.g. "file: spikes[0]".
 */
static void
parse_lists(struct sim *s, jv root, const char *prefix,
    struct spikedef **spikes, size_t *nspikes)
{
	jv a;
	int i, n;
	char *w;

	a = json_array(root, "spikes", prefix);
	n = jv_get_kind(a) == JV_KIND_ARRAY ? jv_array_length(jv_copy(a)) : 0;
	for (i = 0; i < n; i++) {
		jv o = jv_array_get(jv_copy(a), i);

		w = xasprintf("%sspikes[%d]", prefix, i);
		parse_spike_json(s, o, w, spikes, nspikes);
		free(w);
		jv_free(o);
	}
	jv_free(a);

	a = json_array(root, "events", prefix);
	n = jv_get_kind(a) == JV_KIND_ARRAY ? jv_array_length(jv_copy(a)) : 0;
	for (i = 0; i < n; i++) {
		static const char *const keys[] = { "start", "end", "note",
		    NULL };
		jv o = jv_array_get(jv_copy(a), i);
		const char *from, *to, *why;
		struct event e;

		w = xasprintf("%sevents[%d]", prefix, i);
		if (jv_get_kind(o) != JV_KIND_OBJECT)
			fx_die(FX_EXIT_USAGE, "%s: not an object '%s'", w,
			    jv_text(o));
		check_keys(o, w, keys);
		if ((from = json_string(o, "start", w)) == NULL ||
		    (to = json_string(o, "end", w)) == NULL)
			fx_die(FX_EXIT_USAGE, "%s: want \"start\" and \"end\"",
			    w);
		if (parse_time(s, from, &e.from, &why) != 0)
			fx_die(FX_EXIT_USAGE, "%s.start: %s '%s'", w, why,
			    from);
		if (parse_time(s, to, &e.to, &why) != 0)
			fx_die(FX_EXIT_USAGE, "%s.end: %s '%s'", w, why, to);
		if (e.to <= e.from)
			fx_die(FX_EXIT_USAGE, "%s: end is not after start", w);
		s->events = fx_xrealloc(s->events,
		    (s->nevents + 1) * sizeof *s->events);
		s->events[s->nevents++] = e;
		free(w);
		jv_free(o);
	}
	jv_free(a);

	a = json_array(root, "holidays", prefix);
	n = jv_get_kind(a) == JV_KIND_ARRAY ? jv_array_length(jv_copy(a)) : 0;
	for (i = 0; i < n; i++) {
		jv d = jv_array_get(jv_copy(a), i);

		w = xasprintf("%sholidays[%d]", prefix, i);
		if (jv_get_kind(d) != JV_KIND_STRING)
			fx_die(FX_EXIT_USAGE, "%s: not a string '%s'", w,
			    jv_text(d));
		add_holiday(s, parse_holiday(w, jv_string_value(d)));
		free(w);
		jv_free(d);
	}
	jv_free(a);
}

/* Loads the scenario file: its root object (new reference). */
static jv
load_scenario(const char *path)
{
	static const char *const keys[] = { "spikes", "events", "holidays",
	    "name", "description", NULL };
	char err[1024];
	jv root = fx_json_load(path, err, sizeof err);

	if (!jv_is_valid(root))
		fx_die(FX_EXIT_USAGE, "%s", err);
	if (jv_get_kind(root) != JV_KIND_OBJECT)
		fx_die(FX_EXIT_USAGE, "%s: scenario must be a JSON object", path);
	check_keys(root, path, keys);
	return root;
}

static int
lookup_profile(const char *name)
{
	int p;

	for (p = 0; p <= MIXED; p++)
		if (strcmp(name, profile_name[p]) == 0)
			return p;
	return -1;
}

/* A feeder's numeric setting: its own entry, then "defaults", else dflt;
 * a value of another type is an error (fx_config_num would skip it). */
static double
feeder_num(const fx_config *cfg, jv entry, jv defaults, const char *id,
    const char *key, double dflt, int *given)
{
	double v = dflt;
	char *w;

	*given = 1;
	if (fx_json_num(entry, key, &v) == 1)
		return v;
	if (fx_json_num(entry, key, &v) < 0) {
		w = xasprintf("%s: feeder '%s'", fx_config_path(cfg), id);
		json_number(entry, key, w, &v);
	}
	if (fx_json_num(defaults, key, &v) == 1)
		return v;
	if (fx_json_num(defaults, key, &v) < 0) {
		w = xasprintf("%s: defaults", fx_config_path(cfg));
		json_number(defaults, key, w, &v);
	}
	*given = 0;
	return dflt;
}

static void
setup_feeder(struct sim *s, const fx_config *cfg, jv defaults,
    struct feeder *f, size_t index, int cli_profile, const char *sim_profile)
{
	jv entry = fx_config_feeder(cfg, f->id);
	const char *pname, *cfgname = fx_config_path(cfg);
	int p = -1, gb, gp, g;
	double base, peak, scale;

	if (cli_profile >= 0)
		p = cli_profile;
	else if ((pname = fx_json_str(entry, "profile")) != NULL ||
	    (pname = fx_json_str(defaults, "profile")) != NULL ||
	    (pname = sim_profile) != NULL) {
		if ((p = lookup_profile(pname)) < 0)
			fx_die(FX_EXIT_USAGE, "%s: feeder '%s': unknown profile "
			    "'%s'", cfgname, f->id, pname);
	} else
		p = MIXED;
	if (p == MIXED)
		p = (int)(index % NPROFILES);
	f->profile = p;
	s->used[p] = 1;

	/* Unconfigured feeders differ in size by a fixed factor of their
	 * index, the same for every seed. */
	scale = 0.75 + 0.5 * unit_hash(0x5eed, index, 1);
	base = feeder_num(cfg, entry, defaults, f->id, "base_kw", -1, &gb);
	peak = feeder_num(cfg, entry, defaults, f->id, "peak_kw", -1, &gp);
	if (!gb && !gp) {
		base = pdef[p].base_kw * scale;
		peak = pdef[p].peak_kw * scale;
	} else if (!gb)
		base = peak * pdef[p].base_kw / pdef[p].peak_kw;
	else if (!gp)
		peak = base * pdef[p].peak_kw / pdef[p].base_kw;
	if (base < 0 || peak < base)
		fx_die(FX_EXIT_USAGE, "%s: feeder '%s': want 0 <= base_kw <= "
		    "peak_kw", cfgname, f->id);
	f->base = base;
	f->peak = peak;
	f->span = peak - base;
	f->ev_kw = feeder_num(cfg, entry, defaults, f->id, "ev_kw",
	    pdef[p].ev * peak, &g);
	f->heat = feeder_num(cfg, entry, defaults, f->id,
	    "hvac_heat_kw_per_c", pdef[p].heat * peak, &g);
	f->cool = feeder_num(cfg, entry, defaults, f->id,
	    "hvac_cool_kw_per_c", pdef[p].cool * peak, &g);
	f->pf = feeder_num(cfg, entry, defaults, f->id, "power_factor",
	    pdef[p].pf, &g);
	f->vnom = feeder_num(cfg, entry, defaults, f->id, "nominal_v", 11000,
	    &g);
	if (f->ev_kw < 0 || f->heat < 0 || f->cool < 0)
		fx_die(FX_EXIT_USAGE, "%s: feeder '%s': ev_kw and hvac_*_kw_per_c "
		    "must be >= 0", cfgname, f->id);
	if (!(f->pf > 0 && f->pf <= 1) || !(f->vnom > 0))
		fx_die(FX_EXIT_USAGE, "%s: feeder '%s': want 0 < power_factor "
		    "<= 1 and nominal_v > 0", cfgname, f->id);
	jv_free(entry);

	/* Independent streams: feeder i's noise depends on seed and i only. */
	f->rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(f->rng, (unsigned long)(mix64(s->seed ^ mix64(index + 1)) &
	    0xffffffffUL));
	f->z = s->noise > 0 ? gsl_ran_gaussian_ziggurat(f->rng, 1) : 0;

	fx_buf_puts(&f->prefix, "{\"type\":\"reading\",\"feeder_id\":");
	fx_buf_jstr(&f->prefix, f->id, f->idlen);
	fx_buf_puts(&f->prefix, ",\"timestamp\":");
	if (strpbrk(f->id, ",\"\r\n") != NULL || isspace((unsigned char)
	    f->id[0]) || isspace((unsigned char)f->id[f->idlen - 1])) {
		const char *c;

		fx_buf_putc(&f->csvid, '"');
		for (c = f->id; *c; c++) {
			if (*c == '"')
				fx_buf_putc(&f->csvid, '"');
			fx_buf_putc(&f->csvid, *c);
		}
		fx_buf_putc(&f->csvid, '"');
	} else
		fx_buf_put(&f->csvid, f->id, f->idlen);
	fx_buf_putc(&f->csvid, ',');
}

/* Gives each feeder its spikes, sorted. */
static void
place_spikes(struct sim *s, const struct spikedef *defs, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		const struct spikedef *d = &defs[i];
		int all = strcmp(d->feeder, "*") == 0, found = 0;

		for (j = 0; j < s->nfeeders; j++) {
			struct feeder *f = &s->feeders[j];
			struct spike *sp;
			int64_t ramp;

			if (!all && strcmp(f->id, d->feeder) != 0)
				continue;
			found = 1;
			ramp = d->ramp >= 0 ? d->ramp : d->dur / 4 < MS_PER_MIN ?
			    d->dur / 4 : MS_PER_MIN;
			f->spikes = fx_xrealloc(f->spikes,
			    (f->nspikes + 1) * sizeof *f->spikes);
			sp = &f->spikes[f->nspikes++];
			sp->at = d->at;
			sp->end = d->at + d->dur;
			sp->rise = sp->at - ramp;
			sp->fall = sp->end + ramp;
			sp->kw = d->ratio ? d->value * f->peak : d->value;
		}
		if (!found)
			fx_die(FX_EXIT_USAGE, "%s: unknown feeder '%s'",
			    d->where, d->feeder);
	}
	for (j = 0; j < s->nfeeders; j++)
		if (s->feeders[j].nspikes > 0)
			qsort(s->feeders[j].spikes, s->feeders[j].nspikes,
			    sizeof(struct spike), cmp_spike);
}

static void
set_param(struct param *p, const char *text, char *where)
{
	free(p->where);
	p->text = text;
	p->where = where;
}

/* Reads the text settings of the configuration's "sim" section. */
static void
config_params(jv sim, const char *cfgname, const char *const *names,
    struct param *params, char **texts)
{
	char *where = xasprintf("%s: sim", cfgname);
	int i;

	for (i = 0; names[i] != NULL; i++) {
		texts[i] = json_text(sim, names[i], where);
		if (texts[i] != NULL)
			set_param(&params[i], texts[i],
			    xasprintf("%s: sim.%s", cfgname, names[i]));
	}
	free(where);
}

/* The location and HVAC settings of the "sim" section. */
static void
config_model(struct sim *s, jv sim, const char *cfgname)
{
	static const char *const lkeys[] = { "mean_temp_c", "seasonal_amp_c",
	    "diurnal_amp_c", "coldest_doy", "latitude_hemisphere",
	    "temp_noise_c", NULL };
	static const char *const hkeys[] = { "heating_below_c",
	    "cooling_above_c", NULL };
	jv loc = fx_json_get(sim, "location"), hvac = fx_json_get(sim, "hvac");
	char *w = xasprintf("%s: sim.location", cfgname);
	const char *hemi;
	double doy = NAN;

	if (jv_is_valid(loc) && jv_get_kind(loc) != JV_KIND_NULL) {
		if (jv_get_kind(loc) != JV_KIND_OBJECT)
			fx_die(FX_EXIT_USAGE, "%s: not an object '%s'", w,
			    jv_text(loc));
		check_keys(loc, w, lkeys);
		json_number(loc, "mean_temp_c", w, &s->mean_c);
		json_number(loc, "seasonal_amp_c", w, &s->seasonal_c);
		json_number(loc, "diurnal_amp_c", w, &s->diurnal_c);
		json_number(loc, "temp_noise_c", w, &s->wx_sd);
		json_number(loc, "coldest_doy", w, &doy);
		hemi = json_string(loc, "latitude_hemisphere", w);
		if (hemi != NULL && strcmp(hemi, "north") != 0 &&
		    strcmp(hemi, "south") != 0)
			fx_die(FX_EXIT_USAGE, "%s.latitude_hemisphere: want "
			    "north or south '%s'", w, hemi);
		if (!isnan(doy))
			s->coldest_doy = doy;
		else if (hemi != NULL && strcmp(hemi, "south") == 0)
			s->coldest_doy = 20 + 182;
		if (s->coldest_doy < 1 || s->coldest_doy > 366 ||
		    s->seasonal_c < 0 || s->diurnal_c < 0 || s->wx_sd < 0)
			fx_die(FX_EXIT_USAGE, "%s: want 1 <= coldest_doy <= 366 "
			    "and amplitudes >= 0", w);
	}
	free(w);
	w = xasprintf("%s: sim.hvac", cfgname);
	if (jv_is_valid(hvac) && jv_get_kind(hvac) != JV_KIND_NULL) {
		if (jv_get_kind(hvac) != JV_KIND_OBJECT)
			fx_die(FX_EXIT_USAGE, "%s: not an object '%s'", w,
			    jv_text(hvac));
		check_keys(hvac, w, hkeys);
		json_number(hvac, "heating_below_c", w, &s->heat_below);
		json_number(hvac, "cooling_above_c", w, &s->cool_above);
	}
	free(w);
	jv_free(loc);
	jv_free(hvac);
}

/* Sleeps until the wall-clock instant of simulated time t. */
static void
pace(const struct sim *s, const struct timespec *t0, fx_time t)
{
	double ns = (double)(t - s->start) * 1e6 / s->speed;
	struct timespec due;
	long long whole = (long long)(ns / 1e9);

	due.tv_sec = t0->tv_sec + (time_t)whole;
	due.tv_nsec = t0->tv_nsec + (long)(ns - (double)whole * 1e9);
	if (due.tv_nsec >= 1000000000L) {
		due.tv_sec++;
		due.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) ==
	    EINTR)
		;
}

static void
put_text(fx_writer *w, const char *s)
{
	fx_writer_put(w, s, strlen(s));
}

static void
put_bool(fx_buf *b, int v)
{
	if (v)
		fx_buf_put(b, "true", 4);
	else
		fx_buf_put(b, "false", 5);
}

static int
event_at(const struct sim *s, fx_time t)
{
	size_t i;

	for (i = 0; i < s->nevents; i++)
		if (s->events[i].from <= t && t < s->events[i].to)
			return 1;
	return 0;
}

/* What the records of one step share. */
struct stepinfo {
	fx_time t;
	uint64_t stepno;
	struct slow sl;
	int dow, holiday;
	double heat_deg, cool_deg;	/* below heating_below_c, above cooling_above_c */
	char text[FX_TIME_MAX_TEXT];	/* the time, for CSV */
	size_t textlen;
	fx_buf json;			/* "time","load_kw": for NDJSON */
};

/* The load of feeder i at the step; advances its noise. */
static double
feeder_load(const struct sim *s, struct feeder *f, const struct stepinfo *st)
{
	double shape = st->sl.shape[f->profile], model, hvac;

	hvac = f->heat * st->heat_deg + f->cool * st->cool_deg;
	model = f->base + f->span * shape + hvac * (0.5 + 0.5 * shape) +
	    f->ev_kw * f->ev_amp * st->sl.ev;
	if (s->noise > 0) {
		f->z = s->noise_phi * f->z + s->noise_innov *
		    gsl_ran_gaussian_ziggurat(f->rng, 1);
		model *= 1 + s->noise * f->z;
	}
	if (f->nspikes > 0)
		model += spike_at(f, st->t);
	return model;
}

/* Appends one reading to rec (without its newline). */
static void
format_reading(const struct sim *s, size_t i, double load,
    const struct stepinfo *st, fx_buf *rec)
{
	const struct feeder *f = &s->feeders[i];

	if (s->csv) {
		fx_buf_put(rec, st->text, st->textlen);
		fx_buf_putc(rec, ',');
		fx_buf_put(rec, f->csvid.data, f->csvid.len);
	} else {
		fx_buf_put(rec, f->prefix.data, f->prefix.len);
		fx_buf_put(rec, st->json.data, st->json.len);
	}
	fx_buf_fixed(rec, load, 3);
	if (s->electrical) {
		double kva = fabs(load) / f->pf, v, amps;
		double u = unit_hash(s->seed ^ 0x766f6c74, i, st->stepno) - 0.5;

		/* The voltage sags with the load: 2% above nominal with no
		 * load, 2% below at peak_kw, and a little noise. */
		v = f->vnom * (1.02 - 0.04 * load / (f->peak > 0 ? f->peak : 1) +
		    0.004 * u);
		if (v < 0.5 * f->vnom)
			v = 0.5 * f->vnom;
		amps = kva * 1000 / (sqrt(3) * v);
		fx_buf_puts(rec, s->csv ? "," : ",\"kva\":");
		fx_buf_fixed(rec, kva, 3);
		fx_buf_puts(rec, s->csv ? "," : ",\"voltage_v\":");
		fx_buf_fixed(rec, v, 1);
		fx_buf_puts(rec, s->csv ? "," : ",\"current_a\":");
		fx_buf_fixed(rec, amps, 2);
	}
	if (!s->csv)
		fx_buf_put(rec, s->suffix.data, s->suffix.len);
}

/* Appends the step's exo record to rec, as CSV or NDJSON. */
static void
format_exo(const struct sim *s, const struct stepinfo *st, int csv,
    fx_buf *rec)
{
	int event = event_at(s, st->t);
	char text[FX_TIME_MAX_TEXT];

	if (csv) {
		fx_buf_put(rec, text, fx_time_format(st->t, text));
		fx_buf_putc(rec, ',');
		fx_buf_fixed(rec, st->sl.temp, 2);
		fx_buf_puts(rec, st->holiday ? ",true" : ",false");
		fx_buf_puts(rec, event ? ",true," : ",false,");
		fx_buf_int(rec, st->dow);
		return;
	}
	fx_buf_puts(rec, "{\"type\":\"exo\",\"timestamp\":");
	fx_buf_time(rec, st->t);
	fx_buf_puts(rec, ",\"temperature_c\":");
	fx_buf_fixed(rec, st->sl.temp, 2);
	fx_buf_puts(rec, ",\"holiday_flag\":");
	put_bool(rec, st->holiday);
	fx_buf_puts(rec, ",\"event_flag\":");
	put_bool(rec, event);
	fx_buf_puts(rec, ",\"dow\":");
	fx_buf_int(rec, st->dow);
	fx_buf_put(rec, s->suffix.data, s->suffix.len);
}

/*
 * The main loop: every step from start to end, the exo record when due
 * (to exo_out if not NULL, else into out unless it is CSV), then each
 * feeder's reading.  Online, each step waits for its wall-clock time and
 * is flushed.  Counts what it writes in *nreadings and *nexo.
 */
static void
simulate(struct sim *s, fx_writer *out, fx_writer *exo_out,
    uint64_t *nreadings, uint64_t *nexo)
{
	struct stepinfo st = { .json = FX_BUF_INIT };
	fx_buf rec = FX_BUF_INIT;
	struct timespec t0;
	int64_t local_day, last_day = INT64_MIN, slot, exo_slot = INT64_MIN;
	int exo = s->exo && (exo_out != NULL || !s->csv);
	size_t i;

	fx_buf_puts(&s->suffix, ",\"source\":");
	fx_buf_jstr(&s->suffix, s->source, strlen(s->source));
	fx_buf_putc(&s->suffix, '}');
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (st.t = s->start; st.t < s->end; st.t += s->step, st.stepno++) {
		if (st.t >= TIME_LIMIT)
			fx_die(FX_EXIT_FAIL, "time ran past the year 9999");
		if (s->online)
			pace(s, &t0, st.t);
		slow_at(s, st.t, &st.sl);
		st.heat_deg = st.sl.temp < s->heat_below ?
		    s->heat_below - st.sl.temp : 0;
		st.cool_deg = st.sl.temp > s->cool_above ?
		    st.sl.temp - s->cool_above : 0;
		local_day = floor_div(st.t + utc_offset(s, st.t),
		    FX_MS_PER_DAY);
		if (local_day != last_day) {
			/* A new local day: its calendar, and each feeder's
			 * EV amplitude (0.8 of it on weekends and holidays). */
			double scale = day_type(s, local_day) == WEEKDAY ? 1 :
			    0.8;

			st.dow = day_dow(local_day);
			st.holiday = is_holiday(s, local_day);
			for (i = 0; i < s->nfeeders; i++)
				s->feeders[i].ev_amp = scale * (0.5 +
				    unit_hash(s->seed ^ 0x6576, i,
				    (uint64_t)local_day));
			last_day = local_day;
		}
		if (s->csv)
			st.textlen = fx_time_format(st.t, st.text);
		else {
			st.json.len = 0;
			fx_buf_time(&st.json, st.t);
			fx_buf_puts(&st.json, ",\"load_kw\":");
		}

		slot = floor_div(st.t, s->exo_interval);
		if (exo && slot != exo_slot) {
			format_exo(s, &st, exo_out != NULL, &rec);
			fx_writer_record(exo_out != NULL ? exo_out : out, &rec);
			exo_slot = slot;
			(*nexo)++;
		}
		for (i = 0; i < s->nfeeders; i++) {
			format_reading(s, i, feeder_load(s, &s->feeders[i],
			    &st), &st, &rec);
			fx_writer_record(out, &rec);
		}
		*nreadings += s->nfeeders;
		if (s->online) {
			if (exo_out != NULL)
				fx_writer_flush(exo_out);
			fx_writer_flush(out);
		}
	}
	fx_buf_free(&rec);
	fx_buf_free(&st.json);
}

int
main(int argc, char *argv[])
{
	enum { O_ELECTRICAL = 256, O_EXO_CSV, O_EXO_INTERVAL, O_HOLIDAY,
	    O_NO_EXO, O_NOISE, O_ONLINE, O_SCENARIO, O_SEED, O_SOURCE,
	    O_SPEED, O_SPIKE, O_START, O_STEP, O_TZ };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "electrical", no_argument, NULL, O_ELECTRICAL },
		{ "end", required_argument, NULL, 'e' },
		{ "exo-csv", required_argument, NULL, O_EXO_CSV },
		{ "exo-interval", required_argument, NULL, O_EXO_INTERVAL },
		{ "feeders", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "holiday", required_argument, NULL, O_HOLIDAY },
		{ "no-exo", no_argument, NULL, O_NO_EXO },
		{ "noise", required_argument, NULL, O_NOISE },
		{ "online", no_argument, NULL, O_ONLINE },
		{ "profile", required_argument, NULL, 'p' },
		{ "scenario", required_argument, NULL, O_SCENARIO },
		{ "seed", required_argument, NULL, O_SEED },
		{ "source", required_argument, NULL, O_SOURCE },
		{ "speed", required_argument, NULL, O_SPEED },
		{ "spike", required_argument, NULL, O_SPIKE },
		{ "start", required_argument, NULL, O_START },
		{ "step", required_argument, NULL, O_STEP },
		{ "tz", required_argument, NULL, O_TZ },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	/* Settings that the configuration's "sim" section may also give. */
	enum { P_START, P_DURATION, P_END, P_STEP, P_SEED, P_NOISE,
	    P_NOISE_TAU, P_EXO_INTERVAL, P_PROFILE, P_SOURCE, P_TZ, NPARAMS };
	static const char *const pnames[] = { "start", "duration", "end",
	    "step", "seed", "noise", "noise_tau", "exo_interval", "profile",
	    "source", "tz", NULL };
	static const char *const simkeys[] = { "start", "duration", "end",
	    "step", "seed", "noise", "noise_tau", "exo_interval", "profile",
	    "source", "tz", "location", "hvac", "spikes", "events",
	    "holidays", NULL };
	struct param cli[NPARAMS] = { { 0 } }, par[NPARAMS] = { { 0 } };
	char *cfgtexts[NPARAMS] = { 0 };
	struct sim sim = { 0 }, *s = &sim;
	const char *cfgpath = NULL, *format = "ndjson", *nfeeders = NULL;
	const char *speed = NULL, *exo_csv = NULL, *scenario_path = NULL;
	const char *sim_profile = NULL;
	char nwhere[64] = "-n", fwhere[64] = "-f";
	const char **cli_spikes = NULL, **cli_holidays = NULL;
	size_t ncli_spikes = 0, ncli_holidays = 0, nspikedefs = 0, i;
	struct spikedef *spikedefs = NULL;
	fx_config *cfg;
	jv simsec, scenario = jv_invalid(), root, defaults;
	char err[1024], optname[64];
	int c, li, cli_profile = -1, online = 0, no_exo = 0;
	fx_writer *out, *exo_out = NULL;
	uint64_t nreadings = 0, nexo = 0;
	int status = FX_EXIT_OK;

	fx_err_init("fx-sim");
	opterr = 0;
	for (;;) {
		li = -1;
		c = getopt_long(argc, argv, ":c:d:e:f:hn:p:v", longopts, &li);
		if (c == -1)
			break;
		if (li >= 0)
			snprintf(optname, sizeof optname, "--%s",
			    longopts[li].name);
		else
			snprintf(optname, sizeof optname, "-%c", c);
		switch (c) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'd':
			set_param(&cli[P_DURATION], optarg, fx_xstrdup(optname));
			break;
		case 'e':
			set_param(&cli[P_END], optarg, fx_xstrdup(optname));
			break;
		case 'f':
			format = optarg;
			snprintf(fwhere, sizeof fwhere, "%s", optname);
			break;
		case 'h':
			usage(FX_EXIT_OK);
			break;
		case 'n':
			nfeeders = optarg;
			snprintf(nwhere, sizeof nwhere, "%s", optname);
			break;
		case 'p':
			set_param(&cli[P_PROFILE], optarg, fx_xstrdup(optname));
			break;
		case 'v':
			s->verbose = 1;
			break;
		case O_ELECTRICAL:
			s->electrical = 1;
			break;
		case O_EXO_CSV:
			exo_csv = optarg;
			break;
		case O_EXO_INTERVAL:
			set_param(&cli[P_EXO_INTERVAL], optarg,
			    fx_xstrdup(optname));
			break;
		case O_HOLIDAY:
			cli_holidays = fx_xrealloc(cli_holidays,
			    (ncli_holidays + 1) * sizeof *cli_holidays);
			cli_holidays[ncli_holidays++] = optarg;
			break;
		case O_NO_EXO:
			no_exo = 1;
			break;
		case O_NOISE:
			set_param(&cli[P_NOISE], optarg, fx_xstrdup(optname));
			break;
		case O_ONLINE:
			online = 1;
			break;
		case O_SCENARIO:
			scenario_path = optarg;
			break;
		case O_SEED:
			set_param(&cli[P_SEED], optarg, fx_xstrdup(optname));
			break;
		case O_SOURCE:
			set_param(&cli[P_SOURCE], optarg, fx_xstrdup(optname));
			break;
		case O_SPEED:
			speed = optarg;
			break;
		case O_SPIKE:
			cli_spikes = fx_xrealloc(cli_spikes,
			    (ncli_spikes + 1) * sizeof *cli_spikes);
			cli_spikes[ncli_spikes++] = optarg;
			break;
		case O_START:
			set_param(&cli[P_START], optarg, fx_xstrdup(optname));
			break;
		case O_STEP:
			set_param(&cli[P_STEP], optarg, fx_xstrdup(optname));
			break;
		case O_TZ:
			set_param(&cli[P_TZ], optarg, fx_xstrdup(optname));
			break;
		case ':':
			if (strncmp(argv[optind - 1], "--", 2) == 0)
				fx_error("option '%s' needs a value",
				    argv[optind - 1]);
			else
				fx_error("option '-%c' needs a value", optopt);
			usage(FX_EXIT_USAGE);
			break;
		default:
			if (strncmp(argv[optind - 1], "--", 2) != 0)
				fx_error("unknown option '-%c'", optopt);
			else if (optopt != 0)
				fx_error("option '%.*s' takes no value",
				    (int)strcspn(argv[optind - 1], "="),
				    argv[optind - 1]);
			else
				fx_error("unknown option '%s'",
				    argv[optind - 1]);
			usage(FX_EXIT_USAGE);
		}
	}
	if (optind < argc) {
		fx_error("unexpected argument '%s'", argv[optind]);
		usage(FX_EXIT_USAGE);
	}
	if (cli[P_DURATION].text != NULL && cli[P_END].text != NULL)
		fx_die(FX_EXIT_USAGE, "%s and %s cannot be used together",
		    cli[P_DURATION].where, cli[P_END].where);

	/* The configuration, then the command line over it. */
	if ((cfg = fx_config_load(cfgpath, err, sizeof err)) == NULL) {
		fx_die(FX_EXIT_USAGE, "%s", err);
	}
	simsec = fx_config_section(cfg, "sim");
	{
		char *w = xasprintf("%s: sim", fx_config_path(cfg));
		jv r = fx_config_root(cfg), v = fx_json_get(r, "sim");

		if (jv_is_valid(v) && jv_get_kind(v) != JV_KIND_OBJECT &&
		    jv_get_kind(v) != JV_KIND_NULL)
			fx_die(FX_EXIT_USAGE, "%s: not an object '%s'", w,
			    jv_text(v));
		jv_free(v);
		jv_free(r);

		check_keys(simsec, w, simkeys);
		free(w);
	}
	config_params(simsec, fx_config_path(cfg), pnames, par, cfgtexts);
	if (cli[P_DURATION].text != NULL || cli[P_END].text != NULL) {
		set_param(&par[P_DURATION], NULL, NULL);
		set_param(&par[P_END], NULL, NULL);
	} else if (par[P_DURATION].text != NULL && par[P_END].text != NULL)
		fx_die(FX_EXIT_USAGE, "%s and %s cannot be used together",
		    par[P_DURATION].where, par[P_END].where);
	for (i = 0; i < NPARAMS; i++)
		if (cli[i].text != NULL)
			set_param(&par[i], cli[i].text, cli[i].where);

	if (strcmp(format, "csv") == 0)
		s->csv = 1;
	else if (strcmp(format, "ndjson") != 0)
		fx_die(FX_EXIT_USAGE, "%s: unknown format '%s' (want ndjson or "
		    "csv)", fwhere, format);
	if (par[P_TZ].text != NULL &&
	    (s->tz = fx_tz_open(par[P_TZ].text, err, sizeof err)) == NULL)
		fx_die(FX_EXIT_USAGE, "%s: %s", par[P_TZ].where, err);
	s->tz_key = INT64_MIN;

	s->step = par[P_STEP].text ? param_seconds(&par[P_STEP]) : MS_PER_MIN;
	s->exo_interval = par[P_EXO_INTERVAL].text ?
	    param_seconds(&par[P_EXO_INTERVAL]) : 15 * MS_PER_MIN;
	s->exo = !no_exo;
	s->seed = 1;
	if (par[P_SEED].text && parse_uint(par[P_SEED].text, &s->seed) != 0)
		fx_die(FX_EXIT_USAGE, "%s: not a non-negative integer '%s'",
		    par[P_SEED].where, par[P_SEED].text);
	s->noise = 0.02;
	if (par[P_NOISE].text && (parse_num(par[P_NOISE].text, &s->noise) ||
	    s->noise < 0 || s->noise >= 1))
		fx_die(FX_EXIT_USAGE, "%s: not a number in [0, 1) '%s'",
		    par[P_NOISE].where, par[P_NOISE].text);
	{
		int64_t tau = par[P_NOISE_TAU].text ?
		    param_duration(&par[P_NOISE_TAU]) : 10 * MS_PER_MIN;

		s->noise_phi = exp(-(double)s->step / (double)tau);
		s->noise_innov = sqrt(1 - s->noise_phi * s->noise_phi);
	}
	s->source = fx_xstrdup(par[P_SOURCE].text ? par[P_SOURCE].text : "sim");
	/* --profile overrides the feeders' own; sim.profile only fills in
	 * for feeders without one. */
	if (par[P_PROFILE].text != NULL) {
		int p = lookup_profile(par[P_PROFILE].text);

		if (p < 0)
			fx_die(FX_EXIT_USAGE, "%s: unknown profile '%s' (want "
			    "residential, commercial, industrial or mixed)",
			    par[P_PROFILE].where, par[P_PROFILE].text);
		if (cli[P_PROFILE].text != NULL)
			cli_profile = p;
		else
			sim_profile = par[P_PROFILE].text;
	}
	if (speed != NULL) {
		if (parse_num(speed, &s->speed) != 0 || s->speed <= 0)
			fx_die(FX_EXIT_USAGE, "--speed: not a positive number "
			    "'%s'", speed);
		online = 1;
	} else
		s->speed = 1;
	s->online = online;

	if (par[P_START].text != NULL && strcmp(par[P_START].text, "now") == 0) {
		struct timespec now;
		fx_time t;

		clock_gettime(CLOCK_REALTIME, &now);
		t = (fx_time)now.tv_sec * MS_PER_SEC + now.tv_nsec / 1000000;
		s->start = floor_div(t, s->step) * s->step;
	} else if (par[P_START].text != NULL)
		s->start = param_time(s, &par[P_START]);
	else
		s->start = 1736121600000LL;	/* 2025-01-06T00:00:00Z, a Monday */
	if (par[P_END].text != NULL) {
		s->end = param_time(s, &par[P_END]);
		if (s->end <= s->start)
			fx_die(FX_EXIT_USAGE, "%s: not after the start '%s'",
			    par[P_END].where, par[P_END].text);
	} else if (par[P_DURATION].text != NULL) {
		int64_t d = param_duration(&par[P_DURATION]);

		if (d >= TIME_LIMIT - s->start)
			fx_die(FX_EXIT_USAGE, "%s: runs past the year 9999 '%s'",
			    par[P_DURATION].where, par[P_DURATION].text);
		s->end = s->start + d;
	} else if (online)
		s->end = INT64_MAX;	/* online without an end: forever */
	else
		s->end = s->start + FX_MS_PER_DAY;

	/* Temperature model defaults (a temperate northern climate). */
	s->mean_c = 11;
	s->seasonal_c = 7;
	s->diurnal_c = 4;
	s->coldest_doy = 20;
	s->wx_sd = 1.5;
	s->heat_below = 15;
	s->cool_above = 22;
	config_model(s, simsec, fx_config_path(cfg));

	/* Feeders: -n, else the configured ones, else one. */
	if (nfeeders != NULL) {
		uint64_t n;

		if (parse_uint(nfeeders, &n) != 0 || n < 1 || n > MAX_FEEDERS)
			fx_die(FX_EXIT_USAGE, "%s: not an integer in 1..%d '%s'",
			    nwhere, MAX_FEEDERS, nfeeders);
		s->nfeeders = (size_t)n;
	} else if ((s->nfeeders = fx_config_nfeeders(cfg)) == 0)
		s->nfeeders = 1;
	s->feeders = fx_xcalloc(s->nfeeders, sizeof *s->feeders);
	root = fx_config_root(cfg);
	defaults = fx_json_get(root, "defaults");
	{
		int width = 3;
		size_t n;
		for (n = s->nfeeders; n >= 1000; n /= 10)
			width++;
		for (i = 0; i < s->nfeeders; i++) {
			struct feeder *f = &s->feeders[i];

			if (nfeeders != NULL || fx_config_nfeeders(cfg) == 0)
				f->id = xasprintf("F%0*zu", width, i + 1);
			else
				f->id = fx_xstrdup(fx_config_feeder_id(cfg, i));
			f->idlen = strlen(f->id);
			setup_feeder(s, cfg, defaults, f, i, cli_profile,
			    sim_profile);
		}
	}

	/* Spikes, events and holidays: configuration, scenario, command
	 * line, all together. */
	{
		char *w = xasprintf("%s: sim.", fx_config_path(cfg));

		parse_lists(s, simsec, w, &spikedefs, &nspikedefs);
		free(w);
	}
	if (scenario_path != NULL) {
		char *w = xasprintf("%s: ", scenario_path);

		scenario = load_scenario(scenario_path);
		parse_lists(s, scenario, w, &spikedefs, &nspikedefs);
		free(w);
	}
	for (i = 0; i < ncli_spikes; i++)
		parse_spike_spec(s, cli_spikes[i], "--spike", &spikedefs,
		    &nspikedefs);
	for (i = 0; i < ncli_holidays; i++)
		add_holiday(s, parse_holiday("--holiday", cli_holidays[i]));
	if (s->nholidays > 0)
		qsort(s->holidays, s->nholidays, sizeof *s->holidays, cmp_day);
	place_spikes(s, spikedefs, nspikedefs);

	/* The model's shared state. */
	init_norm(s);
	s->wx_rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(s->wx_rng, (unsigned long)(mix64(s->seed ^
	    0x77656174686572ULL) & 0xffffffffUL));
	s->wx_phi = exp(-1.0 / 12);	/* 12-hour time constant */
	s->wx_hour = floor_div(s->start, MS_PER_HOUR);
	s->wx0 = s->wx_sd * gsl_ran_gaussian_ziggurat(s->wx_rng, 1);
	s->wx1 = s->wx_phi * s->wx0 + s->wx_sd * sqrt(1 - s->wx_phi *
	    s->wx_phi) * gsl_ran_gaussian_ziggurat(s->wx_rng, 1);

	/* Output. */
	out = fx_writer_new(1, 0);
	if (exo_csv != NULL && s->exo) {
		int fd = open(exo_csv, O_WRONLY | O_CREAT | O_TRUNC, 0666);

		if (fd < 0)
			fx_die(FX_EXIT_FAIL, "%s: %s", exo_csv, strerror(errno));
		exo_out = fx_writer_new(fd, 0);
		put_text(exo_out,
		    "timestamp,temperature_c,holiday_flag,event_flag,dow\n");
	}
	if (s->csv) {
		put_text(out, s->electrical ?
		    "timestamp,feeder_id,load_kw,kva,voltage_v,current_a\n" :
		    "timestamp,feeder_id,load_kw\n");
	}
	simulate(s, out, exo_out, &nreadings, &nexo);

	if (exo_out != NULL && fx_writer_close(exo_out) != 0)
		status = FX_EXIT_FAIL;
	if (fx_writer_close(out) != 0)
		status = FX_EXIT_FAIL;
	if (s->verbose || isatty(2))
		fprintf(stderr, "fx-sim: %llu readings, %llu exo records for "
		    "%zu feeder%s\n", (unsigned long long)nreadings,
		    (unsigned long long)nexo, s->nfeeders,
		    s->nfeeders == 1 ? "" : "s");

	/* Release everything, so leak checkers see a clean exit. */
	for (i = 0; i < s->nfeeders; i++) {
		struct feeder *f = &s->feeders[i];

		free(f->id);
		free(f->spikes);
		gsl_rng_free(f->rng);
		fx_buf_free(&f->prefix);
		fx_buf_free(&f->csvid);
	}
	for (i = 0; i < nspikedefs; i++) {
		free(spikedefs[i].feeder);
		free(spikedefs[i].where);
	}
	for (i = 0; i < NPARAMS; i++) {
		free(par[i].where);
		free(cfgtexts[i]);
	}
	free(spikedefs);
	free(cli_spikes);
	free(cli_holidays);
	free(s->feeders);
	free(s->holidays);
	free(s->events);
	free(s->source);
	fx_buf_free(&s->suffix);
	gsl_rng_free(s->wx_rng);
	fx_tz_close(s->tz);
	jv_free(scenario);
	jv_free(defaults);
	jv_free(root);
	jv_free(simsec);
	fx_config_free(cfg);
	return status;
}
