/*
 * fx-features - feature vectors for history and predicted segments
 * (SRS R16-R20).
 *
 * Reads the record stream and passes every record through byte for byte.
 * For each feeder it keeps the `reading` records of sliding windows
 * [start, start + window) whose starts are multiples of the hop since the
 * epoch (or since local midnight with --tz) and, when a reading at or
 * after a window's end arrives, adds one `features` record after it: the
 * window's shape statistics, the exogenous data as of the window's start
 * (from `exo` records and a holiday calendar), time-of-day and day-of-week
 * encodings, and normalised values.  Each `forecast` record adds one
 * `predicted` features record per step.  Open windows are flushed at end
 * of input.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "feeders.h"
#include "json.h"
#include "ndjson.h"
#include "record.h"
#include "timeutil.h"
#include "window.h"

#define PROG "fx-features"

/* The features that are normalised, in the order of z{}. */
enum { F_RMS, F_KURT, F_CREST, F_MEAN, F_VAR, F_MIN, F_MAX, F_TEMP, NFEAT };
static const char *const feat_name[NFEAT] = {
	"rms", "kurtosis", "crest_factor", "mean", "variance", "min", "max",
	"temperature_c"
};

enum norm_mode { NORM_NONE, NORM_ZSCORE, NORM_MINMAX, NORM_SCALER };

/* An extra numeric field of an exo record, kept for other_exogenous{}. */
struct extra {
	char *name;
	double value;
};

/* One exo record, as much of it as the features use. */
struct exo {
	fx_time t;
	int has_temp, has_holiday, has_event;
	double temp;
	int holiday, event;
	size_t nextra;
	struct extra *extra;
};

/* The exo records of one scope (a feeder, or system-wide), oldest first;
 * those superseded long enough ago are pruned. */
struct exo_hist {
	struct exo *e;
	size_t n, cap;
};

/* Running normaliser statistics over a feeder's earlier history windows
 * (Welford), one set per feature. */
struct norm {
	double n[NFEAT], mean[NFEAT], m2[NFEAT], min[NFEAT], max[NFEAT];
};

/* A fixed scaler: for each feature, whether it is scaled and how. */
struct scaler {
	int has[NFEAT];
	double mean[NFEAT], sd[NFEAT];
};

struct feeder {
	fx_window win;
	fx_time last_t;		/* latest reading, once has_last */
	fx_time next_end;	/* end of the next window to close */
	int has_last;
	struct exo_hist *exo;	/* per-feeder exo records, or NULL */
	const struct scaler *scaler;
	int scaler_set;
	struct norm norm;
};

static struct {
	int64_t window_ms, hop_ms;
	const char *tzname, *holidays, *normalize;
	enum norm_mode norm;
	int audit, errors_inline, strict, quiet, verbose;
} opt;

static fx_writer *out;
static fx_buf ob = FX_BUF_INIT;
static fx_feeders *feeders, *scalers;
static struct scaler global_scaler;
static int has_global_scaler;
static struct exo_hist global_exo;
static fx_tz *zone;
static int64_t *holiday_days;
static size_t nholidays;
static const char *in_name;
static long in_line;
static unsigned long long n_in, n_pass, n_rej, n_hist, n_pred;

static void
usage(int st)
{
	fprintf(st ? stderr : stdout,
"usage: fx-features [-hqv] [-c config] [--audit] [--errors-inline]\n"
"                   [--holidays file] [--hop duration]\n"
"                   [--normalize zscore | minmax | scaler:file | none]\n"
"                   [--strict] [--tz zone] [--window duration] [file ...]\n");
	exit(st);
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static void
finish_output(void)
{
	if (fx_writer_close(out) != 0)
		exit(FX_EXIT_FAIL);
	out = NULL;
}

/*
 * Rejects the current input record: the message on stderr (and inline with
 * --errors-inline); the record is not passed on.  With --strict, ends the
 * program with status 1.
 */
__attribute__((format(printf, 1, 2))) static void
reject(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	n_rej++;
	fx_error_at(in_name, in_line, "%s", msg);
	if (opt.errors_inline) {
		fx_record_error(&ob, PROG, in_name, in_line > 0 ? in_line : 1,
		    msg);
		fx_writer_record(out, &ob);
	}
	if (opt.strict) {
		finish_output();
		exit(FX_EXIT_FAIL);
	}
}

/* UTC offset in milliseconds at t: 0 without --tz. */
static int64_t
offset_ms(fx_time t)
{
	return zone ? (int64_t)fx_tz_offset(zone, t) * 1000 : 0;
}

/* End of the first window (aligned) whose end is after t. */
static fx_time
first_end_after(fx_time t)
{
	int64_t off = offset_ms(t);
	int64_t k = floor_div(t + off - opt.window_ms, opt.hop_ms) + 1;

	return k * opt.hop_ms + opt.window_ms - off;
}

/* ---- exogenous data ---- */

static void
exo_free_entry(struct exo *e)
{
	size_t i;

	for (i = 0; i < e->nextra; i++)
		free(e->extra[i].name);
	free(e->extra);
}

static void
exo_hist_free(struct exo_hist *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->n; i++)
		exo_free_entry(&h->e[i]);
	free(h->e);
	h->e = NULL;
	h->n = h->cap = 0;
}

/* The latest entry of h at or before t, or NULL. */
static const struct exo *
exo_asof(const struct exo_hist *h, fx_time t)
{
	size_t lo = 0, hi;

	if (h == NULL || h->n == 0 || h->e[0].t > t)
		return NULL;
	hi = h->n;		/* e[lo].t <= t < e[hi].t */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (h->e[mid].t <= t)
			lo = mid;
		else
			hi = mid;
	}
	return &h->e[lo];
}

/*
 * Adds e to h (taking its extras).  An entry at the same time as the
 * latest replaces it.  Entries superseded by one at least `keep` before
 * the newest are dropped: a window as far back as that still finds its
 * as-of record.
 */
static void
exo_hist_add(struct exo_hist *h, struct exo *e)
{
	int64_t keep = 2 * (opt.window_ms + opt.hop_ms) + 3600000;
	size_t drop = 0;

	if (h->n > 0 && h->e[h->n - 1].t == e->t) {
		exo_free_entry(&h->e[h->n - 1]);
		h->e[h->n - 1] = *e;
		return;
	}
	while (drop + 1 < h->n && h->e[drop + 1].t <= e->t - keep)
		drop++;
	if (drop > 0) {
		size_t i;

		for (i = 0; i < drop; i++)
			exo_free_entry(&h->e[i]);
		memmove(h->e, h->e + drop, (h->n - drop) * sizeof *h->e);
		h->n -= drop;
	}
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 4;
		h->e = fx_xrealloc(h->e, h->cap * sizeof *h->e);
	}
	h->e[h->n++] = *e;
}

static int
is_exo_key(const char *k)
{
	static const char *const known[] = {
		"type", "timestamp", "feeder_id", "temperature_c",
		"holiday_flag", "event_flag", "dow", "source", NULL
	};
	int i;

	for (i = 0; known[i] != NULL; i++)
		if (strcmp(k, known[i]) == 0)
			return 1;
	return 0;
}

/* The extra numeric fields of an exo record into e. */
static void
exo_extras(jv rec, struct exo *e)
{
	int it;

	for (it = jv_object_iter(rec); jv_object_iter_valid(rec, it);
	    it = jv_object_iter_next(rec, it)) {
		jv key = jv_object_iter_key(rec, it);
		jv val = jv_object_iter_value(rec, it);
		const char *k = jv_string_value(key);

		if (!is_exo_key(k) && jv_get_kind(val) == JV_KIND_NUMBER &&
		    isfinite(jv_number_value(val))) {
			e->extra = fx_xrealloc(e->extra,
			    (e->nextra + 1) * sizeof *e->extra);
			e->extra[e->nextra].name = fx_xstrdup(k);
			e->extra[e->nextra].value = jv_number_value(val);
			e->nextra++;
		}
		jv_free(key);
		jv_free(val);
	}
}

/* ---- holidays ---- */

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Loads a calendar {"dates":["YYYY-MM-DD",...]}; exits 2 on a bad one. */
static void
load_holidays(const char *path)
{
	char err[1024];
	size_t i, len;
	jv doc, dates;

	doc = fx_json_load(path, err, sizeof err);
	if (!jv_is_valid(doc)) {
		fx_error("%s", err);
		exit(FX_EXIT_USAGE);
	}
	dates = fx_json_get(doc, "dates");
	if (jv_get_kind(dates) != JV_KIND_ARRAY) {
		jv_free(dates);
		jv_free(doc);
		fx_error("%s: dates: not an array", path);
		exit(FX_EXIT_USAGE);
	}
	len = (size_t)jv_array_length(jv_copy(dates));
	holiday_days = fx_xmalloc((len ? len : 1) * sizeof *holiday_days);
	for (i = 0; i < len; i++) {
		jv d = jv_array_get(jv_copy(dates), (int)i);
		const char *why = "not a string";
		fx_time t;
		int zoned;

		if (jv_get_kind(d) != JV_KIND_STRING ||
		    jv_string_length_bytes(jv_copy(d)) != 10 ||
		    fx_time_parse(jv_string_value(d), 10, &t, &zoned,
		    &why) != 0 || t % FX_MS_PER_DAY != 0) {
			if (jv_get_kind(d) == JV_KIND_STRING &&
			    strcmp(why, "not a string") == 0)
				why = "not a date YYYY-MM-DD";
			fx_error("%s: dates[%zu]: %s", path, i, why);
			jv_free(d);
			jv_free(dates);
			jv_free(doc);
			exit(FX_EXIT_USAGE);
		}
		holiday_days[i] = t / FX_MS_PER_DAY;
		jv_free(d);
	}
	nholidays = len;
	qsort(holiday_days, nholidays, sizeof *holiday_days, cmp_i64);
	jv_free(dates);
	jv_free(doc);
}

static int
is_holiday(int64_t day)
{
	return nholidays > 0 && bsearch(&day, holiday_days, nholidays,
	    sizeof *holiday_days, cmp_i64) != NULL;
}

/* ---- normalisation ---- */

static int
feat_index(const char *name)
{
	int i;

	for (i = 0; i < NFEAT; i++)
		if (strcmp(name, feat_name[i]) == 0)
			return i;
	return -1;
}

/* Reads {"features":[..],"mean":[..],"sd":[..]} from obj into s. */
static void
scaler_parse(const char *path, const char *where, jv obj, struct scaler *s)
{
	jv fs = fx_json_get(obj, "features"), ms = fx_json_get(obj, "mean");
	jv ss = fx_json_get(obj, "sd");
	const char *bad = NULL;
	char name[64] = "";
	int i, n;

	memset(s, 0, sizeof *s);
	if (jv_get_kind(fs) != JV_KIND_ARRAY ||
	    jv_get_kind(ms) != JV_KIND_ARRAY ||
	    jv_get_kind(ss) != JV_KIND_ARRAY)
		bad = "features, mean and sd must be arrays";
	else if ((n = jv_array_length(jv_copy(fs))) !=
	    jv_array_length(jv_copy(ms)) ||
	    n != jv_array_length(jv_copy(ss)))
		bad = "features, mean and sd differ in length";
	else
		for (i = 0; i < n && bad == NULL; i++) {
			jv f = jv_array_get(jv_copy(fs), i);
			jv m = jv_array_get(jv_copy(ms), i);
			jv d = jv_array_get(jv_copy(ss), i);
			int k = -1;

			if (jv_get_kind(f) == JV_KIND_STRING) {
				snprintf(name, sizeof name, "%s",
				    jv_string_value(f));
				k = feat_index(name);
			}
			if (k < 0)
				bad = "unknown feature";
			else if (jv_get_kind(m) != JV_KIND_NUMBER ||
			    jv_get_kind(d) != JV_KIND_NUMBER ||
			    !isfinite(jv_number_value(m)) ||
			    !(jv_number_value(d) > 0) ||
			    !isfinite(jv_number_value(d)))
				bad = "mean must be a number and sd a "
				    "number > 0";
			else {
				s->has[k] = 1;
				s->mean[k] = jv_number_value(m);
				s->sd[k] = jv_number_value(d);
			}
			jv_free(f);
			jv_free(m);
			jv_free(d);
		}
	jv_free(fs);
	jv_free(ms);
	jv_free(ss);
	if (bad != NULL) {
		fx_error("%s: %s%s%s%s%s", path, where, bad, *name ? " '" : "",
		    *name ? fx_quote(name, strlen(name)) : "", *name ? "'" : "");
		exit(FX_EXIT_USAGE);
	}
}

static void
load_scaler(const char *path)
{
	char err[1024];
	jv doc, per;

	doc = fx_json_load(path, err, sizeof err);
	if (!jv_is_valid(doc) || jv_get_kind(doc) != JV_KIND_OBJECT) {
		if (jv_is_valid(doc))
			fx_error("%s: not a JSON object", path);
		else
			fx_error("%s", err);
		jv_free(doc);
		exit(FX_EXIT_USAGE);
	}
	scalers = fx_feeders_new(sizeof(struct scaler), NULL);
	per = fx_json_get(doc, "features");
	if (jv_get_kind(per) != JV_KIND_NULL) {
		scaler_parse(path, "", doc, &global_scaler);
		has_global_scaler = 1;
	}
	jv_free(per);
	per = fx_json_get(doc, "feeders");
	if (jv_get_kind(per) == JV_KIND_OBJECT) {
		int it;

		for (it = jv_object_iter(per); jv_object_iter_valid(per, it);
		    it = jv_object_iter_next(per, it)) {
			jv key = jv_object_iter_key(per, it);
			jv val = jv_object_iter_value(per, it);
			const char *id = jv_string_value(key);
			char where[128];

			snprintf(where, sizeof where, "feeders.%s: ",
			    fx_quote(id, strlen(id)));
			scaler_parse(path, where, val,
			    fx_feeders_get(scalers, id, strlen(id), NULL));
			jv_free(key);
			jv_free(val);
		}
	} else if (jv_get_kind(per) != JV_KIND_NULL) {
		fx_error("%s: feeders: not an object", path);
		exit(FX_EXIT_USAGE);
	}
	jv_free(per);
	jv_free(doc);
	if (!has_global_scaler && fx_feeders_count(scalers) == 0) {
		fx_error("%s: no features: neither features nor feeders",
		    path);
		exit(FX_EXIT_USAGE);
	}
}

/* Writes the z{} value of x for feature k of feeder fs. */
static void
put_z(struct feeder *fs, const char *id, int k, double x)
{
	const struct norm *nm = &fs->norm;
	double z = 0;

	switch (opt.norm) {
	case NORM_NONE:
		return;
	case NORM_ZSCORE:
		if (nm->n[k] >= 2) {
			double sd = sqrt(nm->m2[k] / (nm->n[k] - 1));

			if (sd > 0)
				z = (x - nm->mean[k]) / sd;
		}
		break;
	case NORM_MINMAX:
		if (nm->n[k] >= 1 && nm->max[k] > nm->min[k])
			z = (x - nm->min[k]) / (nm->max[k] - nm->min[k]);
		break;
	case NORM_SCALER:
		if (!fs->scaler_set) {
			fs->scaler = fx_feeders_find(scalers, id, strlen(id));
			if (fs->scaler == NULL && has_global_scaler)
				fs->scaler = &global_scaler;
			fs->scaler_set = 1;
		}
		if (fs->scaler == NULL || !fs->scaler->has[k])
			return;
		z = (x - fs->scaler->mean[k]) / fs->scaler->sd[k];
		break;
	}
	if (!isfinite(z))	/* an overflow: leave the feature out */
		return;
	fx_buf_jkey(&ob, feat_name[k]);
	fx_buf_num(&ob, z);
}

static void
norm_update(struct norm *nm, int k, double x)
{
	double d;

	nm->n[k]++;
	if (nm->n[k] == 1) {
		nm->mean[k] = nm->min[k] = nm->max[k] = x;
		nm->m2[k] = 0;
		return;
	}
	d = x - nm->mean[k];
	nm->mean[k] += d / nm->n[k];
	nm->m2[k] += d * (x - nm->mean[k]);
	if (!isfinite(nm->m2[k]))
		nm->m2[k] = 1e308;
	if (x < nm->min[k])
		nm->min[k] = x;
	if (x > nm->max[k])
		nm->max[k] = x;
}

/* ---- the features record ---- */

struct vec {
	double v[NFEAT];
	int has_temp;
};

/*
 * Appends the part of a features record from temperature_c on: exogenous
 * data as of `start`, calendar and time encodings, z{} and audit; writes
 * the record.
 */
static void
finish_record(struct feeder *fs, const char *id, fx_time start,
    struct vec *vec)
{
	const struct exo *own = exo_asof(fs->exo, start);
	const struct exo *sys = exo_asof(&global_exo, start);
	const struct exo *src[2] = { own, sys };
	int64_t off = offset_ms(start), local = start + off;
	int64_t day = floor_div(local, FX_MS_PER_DAY);
	double secs = (double)(local - day * FX_MS_PER_DAY) / 1000.0;
	double ang = 2 * M_PI * secs / 86400.0;
	int holiday = is_holiday(day), event = 0, dow, i, k;
	size_t j;

	vec->has_temp = 0;
	for (i = 0; i < 2; i++) {
		if (src[i] == NULL)
			continue;
		if (!vec->has_temp && src[i]->has_temp) {
			vec->has_temp = 1;
			vec->v[F_TEMP] = src[i]->temp;
		}
		if (src[i]->has_holiday && (i == 0 || own == NULL ||
		    !own->has_holiday))
			holiday |= src[i]->holiday;
		if (src[i]->has_event && (i == 0 || own == NULL ||
		    !own->has_event))
			event = src[i]->event;
	}
	dow = (int)((day + 4) % 7);
	if (dow < 0)
		dow += 7;
	fx_buf_puts(&ob, ",\"temperature_c\":");
	if (vec->has_temp)
		fx_buf_num(&ob, vec->v[F_TEMP]);
	else
		fx_buf_puts(&ob, "null");
	fx_buf_puts(&ob, holiday ? ",\"holiday_flag\":true" :
	    ",\"holiday_flag\":false");
	fx_buf_puts(&ob, event ? ",\"event_flag\":true" :
	    ",\"event_flag\":false");
	fx_buf_puts(&ob, ",\"dow\":");
	fx_buf_int(&ob, dow);
	fx_buf_puts(&ob, ",\"tod_sin\":");
	fx_buf_num(&ob, secs == 0 ? 0 : sin(ang));
	fx_buf_puts(&ob, ",\"tod_cos\":");
	fx_buf_num(&ob, secs == 0 ? 1 : cos(ang));
	/* other_exogenous: the feeder's own extras win over system-wide. */
	fx_buf_puts(&ob, ",\"other_exogenous\":{");
	for (i = 0; i < 2; i++) {
		if (src[i] == NULL)
			continue;
		for (j = 0; j < src[i]->nextra; j++) {
			const struct extra *x = &src[i]->extra[j];
			int dup = 0;

			if (i == 1 && own != NULL) {
				size_t m;

				for (m = 0; m < own->nextra; m++)
					dup |= strcmp(own->extra[m].name,
					    x->name) == 0;
			}
			if (dup)
				continue;
			if (ob.data[ob.len - 1] != '{')
				fx_buf_putc(&ob, ',');
			fx_buf_jstr(&ob, x->name, strlen(x->name));
			fx_buf_putc(&ob, ':');
			fx_buf_num(&ob, x->value);
		}
	}
	fx_buf_puts(&ob, "},\"z\":{");
	for (k = 0; k < NFEAT; k++)
		if (k != F_TEMP || vec->has_temp)
			put_z(fs, id, k, vec->v[k]);
	fx_buf_putc(&ob, '}');
	if (opt.audit)
		fx_buf_puts(&ob, ",\"audit\":true");
	fx_buf_putc(&ob, '}');
	fx_writer_record(out, &ob);
}

static void
put_head(const char *id, fx_time start, fx_time end, const char *segment)
{
	fx_buf_puts(&ob, "{\"type\":\"features\",\"feeder_id\":");
	fx_buf_jstr(&ob, id, strlen(id));
	fx_buf_puts(&ob, ",\"window_start\":");
	fx_buf_time(&ob, start);
	fx_buf_puts(&ob, ",\"window_end\":");
	fx_buf_time(&ob, end);
	fx_buf_puts(&ob, ",\"segment\":\"");
	fx_buf_puts(&ob, segment);
	fx_buf_putc(&ob, '"');
}

static void
put_shape(const struct vec *vec)
{
	int k;

	for (k = 0; k < F_TEMP; k++) {
		fx_buf_jkey(&ob, feat_name[k]);
		fx_buf_num(&ob, vec->v[k]);
	}
}

/* Emits the history window ending at fs->next_end if it holds readings. */
static void
emit_window(struct feeder *fs, const char *id)
{
	fx_time end = fs->next_end, start = end - opt.window_ms;
	fx_window_stats st;
	struct vec vec;
	double n;
	int k;

	fx_window_advance(&fs->win, end - 1);
	if (fx_window_count(&fs->win) == 0)
		return;
	fx_window_stats_get(&fs->win, &st);
	n = (double)st.count;
	vec.v[F_RMS] = st.rms;
	/* Pearson's b2 = m4 / m2^2 from GSL's m4 / s^4. */
	vec.v[F_KURT] = st.count >= 2 && st.variance_pop > 0 ?
	    st.kurtosis * (n / (n - 1)) * (n / (n - 1)) : 3;
	vec.v[F_CREST] = st.crest_factor;
	vec.v[F_MEAN] = st.mean;
	vec.v[F_VAR] = st.variance_pop;
	vec.v[F_MIN] = st.min;
	vec.v[F_MAX] = st.max;
	put_head(id, start, end, "history");
	fx_buf_puts(&ob, ",\"count\":");
	fx_buf_int(&ob, (int64_t)st.count);
	put_shape(&vec);
	finish_record(fs, id, start, &vec);
	for (k = 0; k < NFEAT; k++)
		if (k != F_TEMP || vec.has_temp)
			norm_update(&fs->norm, k, vec.v[k]);
	n_hist++;
}

/* Emits the windows that end at or before t (t: a reading's time, or
 * INT64_MAX at end of input), skipping the empty ones of a gap. */
static void
close_windows(struct feeder *fs, const char *id, fx_time t)
{
	while (fs->next_end <= t &&
	    fs->next_end - opt.window_ms <= fs->last_t) {
		emit_window(fs, id);
		fs->next_end += opt.hop_ms;
	}
	if (fs->next_end <= t && t != INT64_MAX)
		fs->next_end = first_end_after(t);
}

static void
free_feeder(void *p)
{
	struct feeder *fs = p;

	fx_window_clear(&fs->win);
	exo_hist_free(fs->exo);
	free(fs->exo);
}

static struct feeder *
feeder_get(const char *id, size_t len)
{
	int created;
	struct feeder *fs = fx_feeders_get(feeders, id, len, &created);

	if (created)
		fx_window_init(&fs->win, opt.window_ms);
	return fs;
}

/* ---- the records read ---- */

/* A reading, once parsed. */
static void
do_reading_parsed(const fx_reading *rp, const fx_line *ln)
{
	char a[FX_TIME_MAX_TEXT], b[FX_TIME_MAX_TEXT];
	struct feeder *fs;
	fx_reading r = *rp;

	if (rp->feeder_id == rp->id_store)
		r.feeder_id = r.id_store;

	if (fabs(r.load_kw) > FX_WINDOW_MAX_ABS) {
		reject("load_kw: out of range %g", r.load_kw);
		return;
	}
	fs = feeder_get(r.feeder_id, r.feeder_len);
	if (fs->has_last && r.t <= fs->last_t) {
		fx_time_format(r.t, a);
		fx_time_format(fs->last_t, b);
		reject(r.t == fs->last_t ?
		    "timestamp: '%s' repeats the last reading of feeder '%s' "
		    "(duplicate)" :
		    "timestamp: '%s' goes back in time: feeder '%s' is at "
		    "'%s'", a, fx_quote(r.feeder_id, r.feeder_len), b);
		return;
	}
	n_pass++;
	fx_writer_pass(out, ln);
	if (!fs->has_last)
		fs->next_end = first_end_after(r.t);
	else {
		/* the id, NUL-terminated, for the records */
		const char *id = r.feeder_id;
		char *tmp = NULL;

		if (id[r.feeder_len] != '\0')
			id = tmp = fx_xstrndup(id, r.feeder_len);
		close_windows(fs, id, r.t);
		free(tmp);
	}
	if (fx_window_push(&fs->win, r.t, r.load_kw) != 0)
		fx_die(FX_EXIT_FAIL, "internal error: window rejected a "
		    "reading");
	fs->last_t = r.t;
	fs->has_last = 1;
}

/* A reading: the fast parse, libjq only for unusual lines. */
static void
do_reading(const fx_line *ln)
{
	char err[256];
	fx_reading r;
	jv hold;

	if (fx_record_parse_reading(ln->text, ln->len, &r, &hold, err,
	    sizeof err) != 0)
		reject("%s", err);
	else
		do_reading_parsed(&r, ln);
	jv_free(hold);	/* r's strings may point into it */
}

static void
do_exo(jv rec, const fx_line *ln)
{
	char err[256], a[FX_TIME_MAX_TEXT], b[FX_TIME_MAX_TEXT];
	struct exo_hist *h = &global_exo;
	struct exo e;
	fx_exo x;

	if (fx_record_exo(rec, &x, err, sizeof err) != 0) {
		reject("%s", err);
		return;
	}
	if (x.feeder_id != NULL) {
		struct feeder *fs = feeder_get(x.feeder_id,
		    strlen(x.feeder_id));

		if (fs->exo == NULL)
			fs->exo = fx_xcalloc(1, sizeof *fs->exo);
		h = fs->exo;
	}
	if (h->n > 0 && x.t < h->e[h->n - 1].t) {
		fx_time_format(x.t, a);
		fx_time_format(h->e[h->n - 1].t, b);
		reject("timestamp: '%s' goes back in time: the %s%s%s exo "
		    "data is at '%s'", a, x.feeder_id ? "feeder '" : "",
		    x.feeder_id ? fx_quote(x.feeder_id, strlen(x.feeder_id)) :
		    "system-wide", x.feeder_id ? "'" : "", b);
		return;
	}
	memset(&e, 0, sizeof e);
	e.t = x.t;
	e.has_temp = x.has_temperature;
	e.temp = x.temperature_c;
	e.has_holiday = x.has_holiday;
	e.holiday = x.holiday_flag;
	e.has_event = x.has_event;
	e.event = x.event_flag;
	exo_extras(rec, &e);
	exo_hist_add(h, &e);
	n_pass++;
	fx_writer_pass(out, ln);
}

static void
do_forecast(jv rec, const fx_line *ln)
{
	static fx_forecast fc;
	char err[256];
	struct feeder *fs;
	const char *id;
	fx_time issued_t;
	int n, i;

	if (fx_record_forecast(rec, &fc, err, sizeof err) != 0) {
		reject("%s", err);
		return;
	}
	id = fc.feeder_id;
	issued_t = fc.issued_at;
	n = fc.nsteps;
	n_pass++;
	fx_writer_pass(out, ln);
	fs = feeder_get(id, strlen(id));
	for (i = 0; i < n; i++) {
		const fx_fstep *s = &fc.steps[i];
		double sd = (s->hi95 - s->lo95) / (2 * 1.959963984540054);
		double mx = fmax(fabs(s->lo95), fabs(s->hi95));
		struct vec vec;

		vec.v[F_MEAN] = s->p50;
		vec.v[F_VAR] = sd * sd;
		vec.v[F_RMS] = sqrt(s->p50 * s->p50 + sd * sd);
		vec.v[F_KURT] = 3;
		vec.v[F_CREST] = vec.v[F_RMS] > 0 ? mx / vec.v[F_RMS] : 0;
		vec.v[F_MIN] = s->lo95;
		vec.v[F_MAX] = s->hi95;
		put_head(id, s->start, s->end, "predicted");
		fx_buf_puts(&ob, ",\"step\":");
		fx_buf_int(&ob, i + 1);
		fx_buf_puts(&ob, ",\"issued_at\":");
		fx_buf_time(&ob, issued_t);
		put_shape(&vec);
		fx_buf_puts(&ob, ",\"lo80\":");
		fx_buf_num(&ob, s->lo80);
		fx_buf_puts(&ob, ",\"hi80\":");
		fx_buf_num(&ob, s->hi80);
		fx_buf_puts(&ob, ",\"lo95\":");
		fx_buf_num(&ob, s->lo95);
		fx_buf_puts(&ob, ",\"hi95\":");
		fx_buf_num(&ob, s->hi95);
		finish_record(fs, id, s->start, &vec);
		n_pred++;
	}
}

static void
do_line(const fx_line *ln)
{
	char err[256];
	const char *type;
	size_t tlen;
	jv rec;

	type = fx_record_peek_type(ln->text, ln->len, &tlen);
	if (type != NULL && tlen == 7 && memcmp(type, "reading", 7) == 0) {
		do_reading(ln);
		return;
	}
	if (type != NULL &&
	    !(tlen == 3 && memcmp(type, "exo", 3) == 0) &&
	    !(tlen == 8 && memcmp(type, "forecast", 8) == 0)) {
		n_pass++;
		fx_writer_pass(out, ln);
		return;
	}
	rec = fx_json_parse_record(ln->text, ln->len, &type, err,
	    sizeof err);
	if (!jv_is_valid(rec)) {
		jv_free(rec);
		reject("%s", err);
		return;
	}
	if (strcmp(type, "reading") == 0)
		do_reading(ln);
	else if (strcmp(type, "exo") == 0)
		do_exo(rec, ln);
	else if (strcmp(type, "forecast") == 0)
		do_forecast(rec, ln);
	else {
		n_pass++;
		fx_writer_pass(out, ln);
	}
	jv_free(rec);
}

static void
run_input(const char *path, size_t max_line)
{
	fx_reader *r = fx_reader_open(path, max_line);
	fx_line ln;
	int rc;

	if (r == NULL)
		exit(FX_EXIT_FAIL);
	fx_reader_tie(r, out);
	in_name = fx_reader_name(r);
	while ((rc = fx_reader_next(r, &ln)) != FX_LINE_EOF) {
		in_line = ln.lineno;
		if (rc == FX_LINE_TOOLONG) {
			n_in++;
			reject("line too long");
			continue;
		}
		if (ln.len == 0)	/* a blank line is no record */
			continue;
		n_in++;
		do_line(&ln);
	}
	fx_reader_close(r);
}

/* ---- options and configuration ---- */

enum {
	O_AUDIT = 256, O_ERRORS_INLINE, O_HOLIDAYS, O_HOP, O_NORMALIZE,
	O_STRICT, O_TZ, O_WINDOW
};

static void
set_normalize(const char *what, const char *s)
{
	if (strcmp(s, "zscore") == 0)
		opt.norm = NORM_ZSCORE;
	else if (strcmp(s, "minmax") == 0)
		opt.norm = NORM_MINMAX;
	else if (strcmp(s, "none") == 0)
		opt.norm = NORM_NONE;
	else if (strncmp(s, "scaler:", 7) == 0 && s[7] != '\0')
		opt.norm = NORM_SCALER;
	else {
		fx_error("%s: want zscore, minmax, scaler:FILE or none, not "
		    "'%s'", what, fx_quote(s, strlen(s)));
		exit(FX_EXIT_USAGE);
	}
	opt.normalize = s;
}

/* Defaults from the config's "features" section, under the options. */
static void
load_config(const char *path, const char *cli_window, const char *cli_hop)
{
	static const char *const keys[] = { "window", "hop", "normalize",
	    "holidays", "tz", NULL };
	static char *keep[5];
	char err[512];
	fx_config *c = fx_config_load(path, err, sizeof err);
	jv sec;
	int i;

	if (c == NULL) {
		fx_error("%s", err);
		exit(FX_EXIT_USAGE);
	}
	sec = fx_config_section(c, "features");
	for (i = 0; keys[i] != NULL; i++) {
		jv v = fx_json_get(sec, keys[i]);

		if (jv_get_kind(v) == JV_KIND_STRING)
			keep[i] = fx_xstrdup(jv_string_value(v));
		else if (jv_get_kind(v) != JV_KIND_NULL) {
			fx_error("%s: features.%s: not a string",
			    fx_config_path(c), keys[i]);
			exit(FX_EXIT_USAGE);
		}
		jv_free(v);
	}
	jv_free(sec);
	if (cli_window == NULL && keep[0] != NULL)
		opt.window_ms = fx_opt_duration("features.window", keep[0]);
	if (cli_hop == NULL && keep[1] != NULL)
		opt.hop_ms = fx_opt_duration("features.hop", keep[1]);
	if (opt.normalize == NULL && keep[2] != NULL)
		set_normalize("features.normalize", keep[2]);
	if (opt.holidays == NULL && keep[3] != NULL)
		opt.holidays = keep[3];
	if (opt.tzname == NULL && keep[4] != NULL)
		opt.tzname = keep[4];
	fx_config_free(c);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "audit", no_argument, NULL, O_AUDIT },
		{ "errors-inline", no_argument, NULL, O_ERRORS_INLINE },
		{ "holidays", required_argument, NULL, O_HOLIDAYS },
		{ "hop", required_argument, NULL, O_HOP },
		{ "normalize", required_argument, NULL, O_NORMALIZE },
		{ "strict", no_argument, NULL, O_STRICT },
		{ "tz", required_argument, NULL, O_TZ },
		{ "window", required_argument, NULL, O_WINDOW },
		{ NULL, 0, NULL, 0 }
	};
	const char *config = NULL, *cli_window = NULL, *cli_hop = NULL;
	int ch, i, status = FX_EXIT_OK;
	size_t f;

	fx_err_init(PROG);
	opt.window_ms = opt.hop_ms = 15 * 60 * 1000LL;
	while ((ch = getopt_long(argc, argv, "c:hqv", longopts, NULL)) != -1)
		switch (ch) {
		case 'c': config = optarg; break;
		case 'h': usage(FX_EXIT_OK); break;
		case 'q': opt.quiet = 1; break;
		case 'v': opt.verbose = 1; break;
		case O_AUDIT: opt.audit = 1; break;
		case O_ERRORS_INLINE: opt.errors_inline = 1; break;
		case O_HOLIDAYS: opt.holidays = optarg; break;
		case O_HOP:
			cli_hop = optarg;
			opt.hop_ms = fx_opt_duration("--hop", optarg);
			break;
		case O_NORMALIZE: set_normalize("--normalize", optarg); break;
		case O_STRICT: opt.strict = 1; break;
		case O_TZ: opt.tzname = optarg; break;
		case O_WINDOW:
			cli_window = optarg;
			opt.window_ms = fx_opt_duration("--window", optarg);
			break;
		default: usage(FX_EXIT_USAGE);
		}
	load_config(config, cli_window, cli_hop);
	if (opt.normalize == NULL)
		set_normalize("--normalize", "zscore");
	if (opt.hop_ms > opt.window_ms) {
		fx_error("--hop: longer than the window (%lld ms > %lld ms)",
		    (long long)opt.hop_ms, (long long)opt.window_ms);
		exit(FX_EXIT_USAGE);
	}
	if (opt.tzname != NULL) {
		char err[256];

		if ((zone = fx_tz_open(opt.tzname, err, sizeof err)) == NULL) {
			fx_error("--tz: %s", err);
			exit(FX_EXIT_USAGE);
		}
	}
	if (opt.holidays != NULL)
		load_holidays(opt.holidays);
	if (opt.norm == NORM_SCALER)
		load_scaler(opt.normalize + 7);
	if (opt.verbose)
		fprintf(stderr, "%s: window %lld ms, hop %lld ms, normalize %s, "
		    "tz %s, %zu holidays\n", PROG, (long long)opt.window_ms,
		    (long long)opt.hop_ms, opt.normalize,
		    opt.tzname ? opt.tzname : "UTC", nholidays);

	out = fx_writer_new(1, 0);
	feeders = fx_feeders_new(sizeof(struct feeder), free_feeder);
	argc -= optind;
	argv += optind;
	for (i = 0; i < (argc ? argc : 1); i++)
		run_input(argc ? argv[i] : "-", 0);
	/* End of input: the open windows, partial ones included. */
	in_name = NULL;
	in_line = 0;
	for (f = 0; f < fx_feeders_count(feeders); f++) {
		struct feeder *fs = fx_feeders_state(feeders, f);

		if (fs->has_last)
			close_windows(fs, fx_feeders_id(feeders, f),
			    INT64_MAX);
	}
	finish_output();
	if (n_in != n_pass + n_rej) {
		fx_error("internal error: %llu records in, %llu accounted for",
		    n_in, n_pass + n_rej);
		status = FX_EXIT_FAIL;
	}
	if (!opt.quiet)
		fprintf(stderr, "%s: %llu records in: %llu passed, %llu "
		    "rejected; %llu features written (%llu history, %llu "
		    "predicted)\n", PROG, n_in, n_pass, n_rej,
		    n_hist + n_pred, n_hist, n_pred);
	fx_feeders_free(feeders);
	if (scalers != NULL)
		fx_feeders_free(scalers);
	exo_hist_free(&global_exo);
	free(holiday_days);
	fx_tz_close(zone);
	fx_buf_free(&ob);
	return status;
}
