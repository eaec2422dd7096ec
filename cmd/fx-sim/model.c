/* fx-sim's load model: daily shapes, temperature, EV, noise; feeder setup. */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "json.h"
#include "timeutil.h"

#include "sim.h"

#define DAYS_PER_YEAR	365.2425

static const char *const profile_name[] = {
	"residential", "commercial", "industrial", "mixed"
};

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

/* Day of week of a day number: 0 Sunday .. 6 Saturday. */
int
day_dow(int64_t day)
{
	return (int)(((day % 7) + 7 + 4) % 7);
}

int
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
void
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
int64_t
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
void
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

int
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

void
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
