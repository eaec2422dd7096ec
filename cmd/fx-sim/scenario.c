/* fx-sim's settings: parsing, config, spikes, events and holidays. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "json.h"
#include "timeutil.h"

#include "sim.h"

char *
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
char *
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

int
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

int
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
int64_t
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

int64_t
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

fx_time
param_time(const struct sim *s, const struct param *p)
{
	const char *why;
	fx_time t;

	if (parse_time(s, p->text, &t, &why) != 0)
		fx_die(FX_EXIT_USAGE, "%s: %s '%s'", p->where, why, p->text);
	return t;
}

/* A holiday: a bare date, as a local day number. */
int64_t
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

void
add_holiday(struct sim *s, int64_t day)
{
	s->holidays = fx_xrealloc(s->holidays,
	    (s->nholidays + 1) * sizeof *s->holidays);
	s->holidays[s->nholidays++] = day;
}

int
cmp_day(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int
is_holiday(const struct sim *s, int64_t day)
{
	return s->nholidays > 0 && bsearch(&day, s->holidays, s->nholidays,
	    sizeof *s->holidays, cmp_day) != NULL;
}

int
event_at(const struct sim *s, fx_time t)
{
	size_t i;

	for (i = 0; i < s->nevents; i++)
		if (s->events[i].from <= t && t < s->events[i].to)
			return 1;
	return 0;
}

double
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
void
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
void
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
void
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
void
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
jv
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

/* Gives each feeder its spikes, sorted. */
void
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

void
set_param(struct param *p, const char *text, char *where)
{
	free(p->where);
	p->text = text;
	p->where = where;
}

/* Reads the text settings of the configuration's "sim" section. */
void
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
void
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
