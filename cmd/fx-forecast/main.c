/*
 * fx-forecast - the next hour's load per feeder in 15-minute steps, with
 * 80% and 95% intervals (SRS R11-R15).
 *
 * Reads the record stream and passes every record through byte for byte.
 * Each feeder's readings are averaged into bins on its grid (15 minutes,
 * or the data's own step when it is coarser: fx_step_for_spacing), which
 * feed the feeder's model (forecast.h).  Every --every of event time,
 * once a feeder has an hour of history, a `forecast` record is written
 * before the reading that reached that time: one step per bin of the next
 * hour from the bin in progress, each with p50 and the 80% and 95%
 * bounds.  A bin in progress that is partly observed is blended with what
 * it has seen so far.  `exo` records supply temperature and holiday and
 * event flags as of the latest one (the feeder's own, else system-wide).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "feeders.h"
#include "forecast.h"
#include "json.h"
#include "ndjson.h"
#include "record.h"
#include "timeutil.h"
#include "window.h"

#define PROG "fx-forecast"
#define NDETECT 16		/* readings that set a feeder's grid */

struct pending {
	fx_time t;
	double v;
};

struct feeder {
	char *id;
	int model;		/* enum fc_model */
	double halflife_days;
	int has_last;
	fx_time last_t;
	/* until the grid is known: the first readings */
	struct pending first[NDETECT];
	int nfirst;
	int ready;		/* grid known, series initialised */
	fc_series s;
	int64_t cur;		/* the bin in progress */
	double sum;
	long cnt;
	fx_time next_emit;	/* the next --every instant */
	int has_exo;
	fc_exo exo;
	unsigned char exo_seen;	/* inputs seen: 1 temp, 2 holiday, 4 event */
};

static struct {
	const char *model;	/* --model: for every feeder */
	const char *tzname;
	int64_t every_ms, step_ms, halflife_ms;
	int nres, refit, strict, quiet, verbose, errors_inline;
	double ridge;
} opt;

static fx_feeders *feeders;
static fx_config *config;
static fx_tz *zone;
static fx_writer *out;
static fx_buf ob;
static fc_exo global_exo;
static int has_global_exo;
static unsigned char global_seen;
static const char *in_name;
static long in_line;
static unsigned long long n_in, n_pass, n_rej, n_fc, n_late;

static void
usage(int st)
{
	fprintf(st ? stderr : stdout,
"usage: fx-forecast [-hqv] [-c config] [--errors-inline] [--every duration]\n"
"                   [--halflife duration] [--model name] [--nres n]\n"
"                   [--refit bins] [--ridge x] [--step duration] [--strict]\n"
"                   [--tz zone] [file ...]\n"
"models: persistence, snaive-day, snaive-week, dmr (the default)\n");
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

/* UTC offset in minutes at t: 0 without --tz. */
static int
tzoff_min(fx_time t)
{
	return zone ? fx_tz_offset(zone, t) / 60 : 0;
}

/* ---- the forecast record ---- */

/*
 * Appends x rounded to dec decimals (0..9), without trailing zeros: the
 * forecast's six significant digits, several times faster than the
 * exact shortest-round-trip writer, which the values do not need.
 */
static void
put_rounded(double x, int dec)
{
	static const double pow10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
	    1e8, 1e9 };
	char tmp[32], *e = tmp + sizeof tmp, *p = e;
	double r;
	uint64_t v;
	int neg, nd = 0;

	if (dec < 0)
		dec = 0;
	if (dec > 9)
		dec = 9;
	r = nearbyint(x * pow10[dec]);
	if (!(fabs(r) < 9e15)) {
		fx_buf_num(&ob, x);
		return;
	}
	neg = r < 0;
	v = (uint64_t)fabs(r);
	while (dec > 0 && v % 10 == 0) {	/* trailing zeros */
		v /= 10;
		dec--;
	}
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
		if (++nd == dec)
			*--p = '.';
	} while (v != 0 || nd < dec);
	if (p[0] == '.')
		*--p = '0';
	if (neg && !(p[0] == '0' && p + 1 == e))
		*--p = '-';
	fx_buf_put(&ob, p, (size_t)(e - p));
}

static void
put_inputs(const struct feeder *fs, int model)
{
	unsigned char seen = fs->exo_seen | global_seen;

	fx_buf_puts(&ob, ",\"inputs\":[");
	switch (model) {
	case FC_PERSIST:
		fx_buf_puts(&ob, "\"last\"");
		break;
	case FC_SNAIVE_DAY:
		fx_buf_puts(&ob, "\"day_ago\"");
		break;
	case FC_SNAIVE_WEEK:
		fx_buf_puts(&ob, "\"week_ago\"");
		break;
	default:
		fx_buf_puts(&ob, "\"lags\",\"day_ago\",\"week_ago\","
		    "\"fourier_day\",\"fourier_week\"");
		if (seen & 1)
			fx_buf_puts(&ob, ",\"temperature\"");
		if (seen & 2)
			fx_buf_puts(&ob, ",\"holiday\"");
		if (seen & 4)
			fx_buf_puts(&ob, ",\"event\"");
	}
	fx_buf_putc(&ob, ']');
}

/*
 * Writes the forecast issued at `at` from the last closed bin: steps
 * cur .. cur + nsteps - 1, the first blended with the part of the bin in
 * progress seen before `at`.
 */
static void
emit(struct feeder *fs, fx_time at)
{
	fc_series *s = &fs->s;
	double f = 0, mp = 0;
	int h, nres;

	if (!s->have || s->k != fs->cur - 1 || fc_known(s) < s->nsteps)
		return;
	if (fs->cnt > 0) {
		f = (double)(at - fs->cur * s->step) / (double)s->step;
		if (f < 0)
			f = 0;
		if (f > 1)
			f = 1;
		mp = fs->sum / (double)fs->cnt;
	}
	for (h = 0; h < s->nsteps; h++) {
		const fc_step *o = &s->out[h];
		int j;

		for (j = 0; j < 5; j++)
			if (!isfinite(o->point + o->q[j]))
				return;
	}
	fx_buf_puts(&ob, "{\"type\":\"forecast\",\"feeder_id\":");
	fx_buf_jstr(&ob, fs->id, strlen(fs->id));
	fx_buf_puts(&ob, ",\"issued_at\":");
	fx_buf_time(&ob, at);
	fx_buf_puts(&ob, ",\"step_min\":");
	fx_buf_int(&ob, s->step / 60000);
	fx_buf_puts(&ob, ",\"steps\":[");
	for (h = 0; h < s->nsteps; h++) {
		const fc_step *o = &s->out[h];
		fx_time start = (fs->cur + h) * s->step;
		double w = h == 0 ? 1 - f : 1, add = h == 0 ? f * mp : 0;
		double v[5], big = 0;
		int dec;
		static const char *const key[5] = { "lo95", "lo80", "p50",
		    "hi80", "hi95" };
		static const int order[5] = { 2, 1, 3, 0, 4 };
		int j;

		if (h > 0)
			fx_buf_putc(&ob, ',');
		fx_buf_puts(&ob, "{\"start\":");
		fx_buf_time(&ob, start);
		fx_buf_puts(&ob, ",\"end\":");
		fx_buf_time(&ob, start + s->step);
		/* six significant digits of the largest bound, the same
		 * decimals for all five so that rounding keeps their order */
		for (j = 0; j < 5; j++)
			v[j] = add + w * (o->point + (j == 2 ? 0 : o->q[j]));
		/* p50 is the point forecast; the bounds are the error
		 * quantiles around it, widened if need be to contain it */
		v[1] = fmin(v[1], v[2]);
		v[0] = fmin(v[0], v[1]);
		v[3] = fmax(v[3], v[2]);
		v[4] = fmax(v[4], v[3]);
		for (j = 0; j < 5; j++)
			if (fabs(v[j]) > big)
				big = fabs(v[j]);
		dec = big > 0 ? 5 - (int)floor(log10(big)) : 0;
		for (j = 0; j < 5; j++) {
			int q = order[j];

			fx_buf_puts(&ob, ",\"");
			fx_buf_puts(&ob, key[q]);
			fx_buf_puts(&ob, "\":");
			put_rounded(v[q], dec);
		}
		fx_buf_putc(&ob, '}');
	}
	fx_buf_puts(&ob, "],\"model\":");
	fx_buf_jstr(&ob, fc_model_name[s->used], strlen(fc_model_name[s->used]));
	if (s->used != fs->model) {
		fx_buf_puts(&ob, ",\"fallback_for\":");
		fx_buf_jstr(&ob, fc_model_name[fs->model],
		    strlen(fc_model_name[fs->model]));
	}
	put_inputs(fs, s->used);
	nres = fc_nres(s, 0);
	fx_buf_puts(&ob, ",\"interval\":");
	fx_buf_puts(&ob, nres >= FC_MIN_RES ? "\"conformal\"" : "\"gaussian\"");
	fx_buf_puts(&ob, ",\"errors\":");
	fx_buf_int(&ob, nres);
	fx_buf_puts(&ob, ",\"history_bins\":");
	fx_buf_int(&ob, fc_known(s));
	if (f > 0) {
		fx_buf_puts(&ob, ",\"observed\":");
		fx_buf_num(&ob, f);
	}
	fx_buf_putc(&ob, '}');
	fx_writer_record(out, &ob);
	n_fc++;
}

/* ---- readings ---- */

static const fc_exo *
exo_for(const struct feeder *fs)
{
	if (fs->has_exo)
		return &fs->exo;
	return has_global_exo ? &global_exo : NULL;
}

/* Closes the bin in progress and any empty ones up to (not including)
 * bin `upto`. */
static void
close_bins(struct feeder *fs, int64_t upto)
{
	fc_series *s = &fs->s;

	if (fs->cur >= upto)
		return;
	fc_close(s, fs->cur, fs->cnt > 0 ? fs->sum / (double)fs->cnt : NAN,
	    exo_for(fs), tzoff_min(fs->cur * s->step));
	if (upto - 1 > fs->cur)
		fc_close(s, upto - 1, NAN, exo_for(fs),
		    tzoff_min((upto - 1) * s->step));
	fs->cur = upto;
	fs->sum = 0;
	fs->cnt = 0;
}

/* Adds a reading to a feeder whose grid is known: closes the bins it
 * ends, writes the forecasts due before it, then bins it. */
static void
add_reading(struct feeder *fs, fx_time t, double v)
{
	fc_series *s = &fs->s;
	int64_t bin = floor_div(t, s->step);

	if (t >= fs->next_emit) {
		fx_time at = floor_div(t, opt.every_ms) * opt.every_ms;

		/* the bins before the issue instant close first; those
		 * between it and this reading after the forecast */
		close_bins(fs, floor_div(at, s->step));
		emit(fs, at);
		fs->next_emit = at + opt.every_ms;
	}
	if (bin > fs->cur)
		close_bins(fs, bin);
	if (bin < fs->cur) {	/* cannot happen: readings are in order */
		n_late++;
		return;
	}
	fs->sum += v;
	fs->cnt++;
}

/* Picks the feeder's grid from its first readings and replays them. */
static void
start_feeder(struct feeder *fs)
{
	fc_params p;
	fx_time gap = 0, step;
	int i;

	for (i = 1; i < fs->nfirst; i++) {
		fx_time d = fs->first[i].t - fs->first[i - 1].t;

		if (d > 0 && (gap == 0 || d < gap))
			gap = d;
	}
	step = opt.step_ms ? opt.step_ms : fx_step_for_spacing(gap ? gap :
	    15 * 60000);
	if (step == 0) {
		fx_warn("feeder '%s': readings %lld s apart are too coarse to "
		    "forecast the next hour; no forecasts for it",
		    fx_quote(fs->id, strlen(fs->id)), (long long)(gap / 1000));
		fs->ready = -1;
		return;
	}
	fc_params_default(&p);
	p.model = fs->model;
	p.halflife_days = fs->halflife_days;
	if (opt.nres > 0)
		p.nres = opt.nres;
	if (opt.ridge >= 0)
		p.ridge = opt.ridge;
	if (opt.refit > 0)
		p.refit = opt.refit;
	if (fc_init(&fs->s, &p, step) != 0)
		fx_die(FX_EXIT_FAIL, "internal error: step %lld ms",
		    (long long)step);
	fs->ready = 1;
	fs->cur = floor_div(fs->first[0].t, step);
	fs->next_emit = fs->first[0].t;
	for (i = 0; i < fs->nfirst; i++)
		add_reading(fs, fs->first[i].t, fs->first[i].v);
	fs->nfirst = 0;
}

/* The feeder's model and half-life from the config, under --model. */
static void
configure(struct feeder *fs)
{
	const char *name = opt.model;
	jv entry, dflt;

	jv root = fx_config_root(config);

	entry = fx_config_feeder(config, fs->id);
	dflt = fx_json_get(root, "defaults");
	jv_free(root);
	if (name == NULL)
		name = fx_json_str(entry, "forecast_model");
	if (name == NULL && jv_get_kind(dflt) == JV_KIND_OBJECT)
		name = fx_json_str(dflt, "forecast_model");
	fs->model = name ? fc_model_parse(name) : FC_DMR;
	if (fs->model < 0)	/* checked at start-up */
		fs->model = FC_DMR;
	jv_free(entry);
	jv_free(dflt);
	fs->halflife_days = opt.halflife_ms ? (double)opt.halflife_ms /
	    FX_MS_PER_DAY : fx_config_num(config, fs->id,
	    "forecast_halflife_days", 28);
}

static struct feeder *
feeder_get(const char *id, size_t len)
{
	int created;
	struct feeder *fs = fx_feeders_get(feeders, id, len, &created);

	if (created) {
		fs->id = fx_xstrndup(id, len);
		configure(fs);
	}
	return fs;
}

static void
free_feeder(void *p)
{
	struct feeder *fs = p;

	if (fs->ready == 1)
		fc_free(&fs->s);
	free(fs->id);
}

static void
do_reading(const fx_line *ln)
{
	char err[256], a[FX_TIME_MAX_TEXT], b[FX_TIME_MAX_TEXT];
	struct feeder *fs;
	fx_reading r;
	jv hold;

	if (fx_record_parse_reading(ln->text, ln->len, &r, &hold, err,
	    sizeof err) != 0) {
		reject("%s", err);
		jv_free(hold);
		return;
	}
	if (fabs(r.load_kw) > FX_WINDOW_MAX_ABS) {
		reject("load_kw: out of range %g", r.load_kw);
		jv_free(hold);
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
		    "'%s'", a, fx_quote(fs->id, strlen(fs->id)), b);
		jv_free(hold);
		return;
	}
	jv_free(hold);
	fs->has_last = 1;
	fs->last_t = r.t;
	/* the forecast due before this reading goes out first */
	if (fs->ready == 1)
		add_reading(fs, r.t, r.load_kw);
	else if (fs->ready == 0) {
		fs->first[fs->nfirst].t = r.t;
		fs->first[fs->nfirst].v = r.load_kw;
		/* an hour or NDETECT readings tell the grid */
		if (++fs->nfirst == NDETECT || opt.step_ms ||
		    r.t - fs->first[0].t >= 3600000)
			start_feeder(fs);
	}
	n_pass++;
	fx_writer_pass(out, ln);
}

static void
do_exo(jv rec, const fx_line *ln)
{
	char err[256];
	fx_exo e;
	fc_exo *dst;
	unsigned char *seen;

	if (fx_record_exo(rec, &e, err, sizeof err) != 0) {
		reject("%s", err);
		return;
	}
	if (e.has_temperature && fabs(e.temperature_c) > 1000) {
		reject("temperature_c: out of range %g", e.temperature_c);
		return;
	}
	if (e.feeder_id != NULL && *e.feeder_id != '\0') {
		struct feeder *fs = feeder_get(e.feeder_id,
		    strlen(e.feeder_id));

		if (!fs->has_exo && has_global_exo)
			fs->exo = global_exo;
		fs->has_exo = 1;
		dst = &fs->exo;
		seen = &fs->exo_seen;
	} else {
		has_global_exo = 1;
		dst = &global_exo;
		seen = &global_seen;
	}
	if (e.has_temperature) {
		dst->has_temp = 1;
		dst->temp_c = e.temperature_c;
		*seen |= 1;
	}
	if (e.has_holiday) {
		dst->holiday = e.holiday_flag;
		*seen |= 2;
	}
	if (e.has_event) {
		dst->event = e.event_flag;
		*seen |= 4;
	}
	n_pass++;
	fx_writer_pass(out, ln);
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
	if (type != NULL && !(tlen == 3 && memcmp(type, "exo", 3) == 0)) {
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
	else {
		n_pass++;
		fx_writer_pass(out, ln);
	}
	jv_free(rec);
}

static void
run_input(const char *path)
{
	fx_reader *r = fx_reader_open(path, 0);
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
		if (ln.len == 0)
			continue;
		n_in++;
		do_line(&ln);
	}
	fx_reader_close(r);
}

/* ---- options ---- */

enum { O_ERRORS_INLINE = 256, O_EVERY, O_HALFLIFE, O_MODEL, O_NRES,
	O_REFIT, O_RIDGE, O_STEP, O_STRICT, O_TZ };

static long
parse_count(const char *what, const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fx_error("%s: want an integer from %ld to %ld, not '%s'", what,
		    lo, hi, fx_quote(s, strlen(s)));
		exit(FX_EXIT_USAGE);
	}
	return v;
}

static void
check_model(const char *what, const char *name)
{
	if (fc_model_parse(name) < 0) {
		fx_error("%s: unknown model '%s' (want persistence, "
		    "snaive-day, snaive-week or dmr)", what,
		    fx_quote(name, strlen(name)));
		exit(FX_EXIT_USAGE);
	}
}

static int tz_from_config;

/* Exits with a message when obj[key] is present but not a string. */
static void
check_string(const char *what, jv obj, const char *key)
{
	jv v = fx_json_get(obj, key);
	int bad = jv_get_kind(v) != JV_KIND_NULL &&
	    jv_get_kind(v) != JV_KIND_STRING;

	jv_free(v);
	if (bad) {
		fx_error("%s: not a string", what);
		exit(FX_EXIT_USAGE);
	}
}

/* Exits with a message when obj's forecast_halflife_days is present but
 * not a number > 0. */
static void
check_halflife(const char *file, const char *where, jv obj)
{
	double x;
	int rc = fx_json_num(obj, "forecast_halflife_days", &x);

	if (rc < 0 || (rc == 1 && !(x > 0 && x < 1e6))) {
		fx_error("%s: %s: forecast_halflife_days: want a number > 0",
		    file, where);
		exit(FX_EXIT_USAGE);
	}
}

/* Loads the config and checks its forecast settings and section. */
static void
load_config(const char *path)
{
	char err[512];
	const char *v;
	char what[200];
	jv sec, d, root;
	size_t i;

	if ((config = fx_config_load(path, err, sizeof err)) == NULL) {
		fx_error("%s", err);
		exit(FX_EXIT_USAGE);
	}
	root = fx_config_root(config);
	d = fx_json_get(root, "defaults");
	jv_free(root);
	if (jv_get_kind(d) == JV_KIND_OBJECT) {
		snprintf(what, sizeof what, "%s: defaults.forecast_model",
		    fx_config_path(config));
		check_string(what, d, "forecast_model");
		if ((v = fx_json_str(d, "forecast_model")) != NULL)
			check_model(what, v);
		check_halflife(fx_config_path(config), "defaults", d);
	}
	jv_free(d);
	if (!(fx_config_num(config, NULL, "forecast_halflife_days", 28) > 0)) {
		fx_error("%s: defaults.forecast_halflife_days: want a number > "
		    "0", fx_config_path(config));
		exit(FX_EXIT_USAGE);
	}
	for (i = 0; i < fx_config_nfeeders(config); i++) {
		const char *id = fx_config_feeder_id(config, i);
		jv e = fx_config_feeder(config, id);

		snprintf(what, sizeof what, "%s: feeder '%s': forecast_model",
		    fx_config_path(config), fx_quote(id, strlen(id)));
		check_string(what, e, "forecast_model");
		if ((v = fx_json_str(e, "forecast_model")) != NULL)
			check_model(what, v);
		snprintf(what, sizeof what, "feeder '%s'", fx_quote(id, strlen(id)));
		check_halflife(fx_config_path(config), what, e);
		if (fx_config_num(config, id, "forecast_halflife_days",
		    28) <= 0) {
			fx_error("%s: feeder '%s': forecast_halflife_days: "
			    "want a number > 0", fx_config_path(config),
			    fx_quote(id, strlen(id)));
			exit(FX_EXIT_USAGE);
		}
		jv_free(e);
	}
	sec = fx_config_section(config, "forecast");
	snprintf(what, sizeof what, "%s: forecast.every",
	    fx_config_path(config));
	check_string(what, sec, "every");
	if (opt.every_ms == 0 && (v = fx_json_str(sec, "every")) != NULL)
		opt.every_ms = fx_opt_duration(what, v);
	snprintf(what, sizeof what, "%s: forecast.tz", fx_config_path(config));
	check_string(what, sec, "tz");
	if (opt.tzname == NULL && (v = fx_json_str(sec, "tz")) != NULL) {
		opt.tzname = fx_xstrdup(v);
		tz_from_config = 1;
	}
	jv_free(sec);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "errors-inline", no_argument, NULL, O_ERRORS_INLINE },
		{ "every", required_argument, NULL, O_EVERY },
		{ "halflife", required_argument, NULL, O_HALFLIFE },
		{ "model", required_argument, NULL, O_MODEL },
		{ "nres", required_argument, NULL, O_NRES },
		{ "refit", required_argument, NULL, O_REFIT },
		{ "ridge", required_argument, NULL, O_RIDGE },
		{ "step", required_argument, NULL, O_STEP },
		{ "strict", no_argument, NULL, O_STRICT },
		{ "tz", required_argument, NULL, O_TZ },
		{ NULL, 0, NULL, 0 }
	};
	const char *cfg = NULL;
	int ch, i, status = FX_EXIT_OK;
	char *end;

	fx_err_init(PROG);
	gsl_set_error_handler_off();
	opt.ridge = -1;
	while ((ch = getopt_long(argc, argv, "c:hqv", longopts, NULL)) != -1)
		switch (ch) {
		case 'c': cfg = optarg; break;
		case 'h': usage(FX_EXIT_OK); break;
		case 'q': opt.quiet = 1; break;
		case 'v': opt.verbose = 1; break;
		case O_ERRORS_INLINE: opt.errors_inline = 1; break;
		case O_EVERY:
			opt.every_ms = fx_opt_duration("--every", optarg);
			break;
		case O_HALFLIFE:
			opt.halflife_ms = fx_opt_duration("--halflife", optarg);
			break;
		case O_MODEL:
			check_model("--model", optarg);
			opt.model = optarg;
			break;
		case O_NRES:
			opt.nres = (int)parse_count("--nres", optarg, FC_MIN_RES,
			    1000000);
			break;
		case O_REFIT:
			opt.refit = (int)parse_count("--refit", optarg, 1,
			    100000);
			break;
		case O_RIDGE:
			errno = 0;
			opt.ridge = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(opt.ridge >= 0) ||
			    opt.ridge > 1e6) {
				fx_error("--ridge: want a number >= 0, not '%s'",
				    fx_quote(optarg, strlen(optarg)));
				exit(FX_EXIT_USAGE);
			}
			break;
		case O_STEP:
			opt.step_ms = fx_opt_duration("--step", optarg);
			if (opt.step_ms != 15 * 60000 &&
			    opt.step_ms != 20 * 60000 &&
			    opt.step_ms != 30 * 60000 &&
			    opt.step_ms != 60 * 60000) {
				fx_error("--step: want 15m, 20m, 30m or 1h, not "
				    "'%s'", fx_quote(optarg, strlen(optarg)));
				exit(FX_EXIT_USAGE);
			}
			break;
		case O_STRICT: opt.strict = 1; break;
		case O_TZ: opt.tzname = optarg; break;
		default: usage(FX_EXIT_USAGE);
		}
	load_config(cfg);
	if (opt.every_ms == 0)
		opt.every_ms = 5 * 60000;
	if (opt.tzname != NULL) {
		char err[256];

		if ((zone = fx_tz_open(opt.tzname, err, sizeof err)) == NULL) {
			fx_error("%s: %s", tz_from_config ? "forecast.tz" :
			    "--tz", err);
			exit(FX_EXIT_USAGE);
		}
	}
	out = fx_writer_new(1, 0);
	feeders = fx_feeders_new(sizeof(struct feeder), free_feeder);
	argc -= optind;
	argv += optind;
	for (i = 0; i < (argc ? argc : 1); i++)
		run_input(argc ? argv[i] : "-");
	/* feeders with fewer readings than the grid detection wants */
	for (size_t f = 0; f < fx_feeders_count(feeders); f++) {
		struct feeder *fs = fx_feeders_state(feeders, f);

		if (fs->ready == 0 && fs->nfirst > 0)
			start_feeder(fs);
	}
	finish_output();
	if (n_in != n_pass + n_rej) {
		fx_error("internal error: %llu records in, %llu accounted for",
		    n_in, n_pass + n_rej);
		status = FX_EXIT_FAIL;
	}
	if (!opt.quiet)
		fprintf(stderr, "%s: %llu records in: %llu passed, %llu "
		    "rejected; %llu forecasts written\n", PROG, n_in, n_pass,
		    n_rej, n_fc);
	fx_feeders_free(feeders);
	fx_config_free(config);
	fx_tz_close(zone);
	fx_buf_free(&ob);
	return status;
}
