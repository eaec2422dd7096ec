/*
 * fx-detect - spike events from feeder readings (SRS R6-R10).
 *
 * Reads a record stream and passes every record through unchanged.  For
 * each reading it evaluates five rules on the feeder's own history -
 * absolute limits, deviation from a moving average, rate of change,
 * crest factor and RMS over a feature window - and after the reading
 * writes a "spike" record when a rule starts to hold (phase "start") and
 * when it has stopped holding for the hold-off time (phase "end").
 * Thresholds come from the configuration, per feeder, with defaults.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
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

#define PROG "fx-detect"

enum rule { R_LIMIT, R_DEVIATION, R_RATE, R_CREST, R_RMS, NRULE };
static const char *const rule_name[NRULE] = {
	"limit", "deviation", "rate", "crest", "rms"
};

enum reason { E_JSON, E_FIELD, E_RANGE, E_BACKWARDS, E_DUPLICATE,
	E_TOOLONG, NREASON };
static const char *const reason_name[NREASON] = {
	"invalid", "bad field", "out of range", "time going backwards",
	"duplicate", "too long"
};

/* The thresholds of one feeder, resolved once from config and options. */
struct params {
	double limit_kw;	/* 0: no limit, the limit and rms rules off */
	double alert_ratio, critical_ratio;
	int64_t dev_window_ms;
	double k;
	double dev_min_kw;	/* floor under k * sd */
	long min_history;
	double min_span;	/* fraction of a window the history must span */
	double rate_kw_per_min;	/* effective; 0: rate rule off */
	int64_t feat_window_ms;
	double crest_max;
	double rms_ratio;
	int64_t holdoff_ms;
	unsigned rules;		/* bit per enum rule: enabled and thresholded */
};

struct rule_state {
	fx_time start_t, clear_t;
	double peak;
	unsigned char active, clearing, severity;
};

struct feeder {
	const struct params *p;
	fx_window dev, feat;
	fx_time last_t;
	double last_x;
	unsigned char has_last, undetected, warm_said, ready_said;
	struct rule_state rs[NRULE];
};

/* Options; a NaN or negative value means "not given". */
static struct {
	const char *config;
	int64_t dev_window_ms, feat_window_ms, holdoff_ms;
	double k, crest_max, rate, limit;
	long min_history;
	unsigned rules;
	int rules_given, strict, errors_inline, quiet, verbose, known_only;
} opt = { NULL, -1, -1, -1, NAN, NAN, NAN, NAN, -1, 0, 0, 0, 0, 0, 0, 0 };

static fx_config *cfg;
static fx_feeders *configured;	/* feeder id -> struct params */
static struct params dflt;	/* for feeders not in the configuration */
static fx_feeders *feeders;
static fx_writer *out;
static fx_buf ob = FX_BUF_INIT;
static const char *in_name;
static long in_line;
static int status = FX_EXIT_OK;

static unsigned long long n_in, n_pass, n_readings, n_rej, n_unknown;
static unsigned long long n_reason[NREASON], n_start[NRULE], n_end[NRULE];

static void
usage(int st)
{
	fprintf(st ? stderr : stdout,
"usage: fx-detect [-hqv] [-c config] [-k k] [--crest-max x]\n"
"                 [--errors-inline] [--feature-window duration]\n"
"                 [--holdoff duration] [--known-only] [--limit kw]\n"
"                 [--min-history n] [--rate kw_per_min] [--rules list]\n"
"                 [--strict] [--window duration] [file ...]\n");
	exit(st);
}

/* ---- configuration ---- */

static jv
detect_obj(jv parent)
{
	jv d = fx_json_get(parent, "detect");

	if (jv_get_kind(d) == JV_KIND_OBJECT)
		return d;
	if (jv_get_kind(d) != JV_KIND_NULL && jv_is_valid(d))
		fx_die(FX_EXIT_USAGE, "%s: \"detect\": not an object",
		    fx_config_path(cfg));
	jv_free(d);
	return jv_object();
}

static const char *const detect_keys[] = {
	"crest_max", "deviation_min_kw", "deviation_window", "feature_window",
	"holdoff", "k", "min_history", "min_span", "rate_kw_per_min",
	"rate_ratio_per_min", "rms_ratio", "rules", NULL
};

/* Exits 2 on a key a "detect" object should not have: typos would
 * otherwise be silently ignored. */
static void
check_keys(jv d, const char *where)
{
	jv keys = jv_keys(jv_copy(d));
	int i, j, n = jv_array_length(jv_copy(keys));

	for (i = 0; i < n; i++) {
		jv key = jv_array_get(jv_copy(keys), i);
		const char *s = jv_string_value(key);

		for (j = 0; detect_keys[j] != NULL; j++)
			if (strcmp(s, detect_keys[j]) == 0)
				break;
		if (detect_keys[j] == NULL)
			fx_die(FX_EXIT_USAGE, "%s: %s.detect: unknown key '%s'",
			    fx_config_path(cfg), where, s);
		jv_free(key);
	}
	jv_free(keys);
}

/* The layers a detect setting is looked up in, first match wins: the
 * feeder's "detect", the command line (handled by callers), "defaults"
 * "detect", the top-level "detect". */
struct layers {
	jv own, defaults, global;
	const char *where;
};

static jv
lookup(const struct layers *l, const char *key, int *from_own)
{
	jv v = fx_json_get(l->own, key);

	*from_own = 1;
	if (jv_get_kind(v) != JV_KIND_NULL)
		return v;
	jv_free(v);
	*from_own = 0;
	v = fx_json_get(l->defaults, key);
	if (jv_get_kind(v) != JV_KIND_NULL)
		return v;
	jv_free(v);
	return fx_json_get(l->global, key);
}

/* A number setting > 0 (>= 0 when zero_ok); cli (NaN/negative: absent)
 * overrides all but the feeder's own entry. */
static double
get_num(const struct layers *l, const char *key, double cli, double dfl,
    int zero_ok)
{
	int own;
	jv v = lookup(l, key, &own);
	double x;

	if (jv_get_kind(v) == JV_KIND_NULL) {
		jv_free(v);
		return cli >= 0 ? cli : dfl;
	}
	if (jv_get_kind(v) != JV_KIND_NUMBER)
		fx_die(FX_EXIT_USAGE, "%s: %s.detect.%s: not a number",
		    fx_config_path(cfg), l->where, key);
	x = jv_number_value(v);
	jv_free(v);
	if (!isfinite(x) || x < 0 || (x == 0 && !zero_ok))
		fx_die(FX_EXIT_USAGE, "%s: %s.detect.%s: must be %s",
		    fx_config_path(cfg), l->where, key,
		    zero_ok ? ">= 0" : "> 0");
	return !own && cli >= 0 ? cli : x;
}

/* A duration setting: seconds as a number, or text such as "15m". */
static int64_t
get_dur(const struct layers *l, const char *key, int64_t cli, int64_t dfl,
    int zero_ok)
{
	int own;
	jv v = lookup(l, key, &own);
	int64_t ms = 0;

	if (jv_get_kind(v) == JV_KIND_NULL) {
		jv_free(v);
		return cli >= 0 ? cli : dfl;
	}
	if (jv_get_kind(v) == JV_KIND_NUMBER) {
		double s = jv_number_value(v);

		if (!isfinite(s) || s < 0 || (s == 0 && !zero_ok) || s > 1e9)
			goto bad;
		ms = (int64_t)llround(s * 1000);
	} else if (jv_get_kind(v) == JV_KIND_STRING) {
		if (zero_ok && strcmp(jv_string_value(v), "0") == 0)
			ms = 0;
		else if (fx_duration_parse(jv_string_value(v), &ms) != 0)
			goto bad;
	} else
		goto bad;
	jv_free(v);
	return !own && cli >= 0 ? cli : ms;
bad:
	jv_free(v);
	fx_die(FX_EXIT_USAGE, "%s: %s.detect.%s: not a duration",
	    fx_config_path(cfg), l->where, key);
}

/* Parses a comma list of rule names into a bit set; -1 on a bad name. */
static long
parse_rules(const char *s)
{
	unsigned bits = 0;
	int r;

	while (*s != '\0') {
		size_t n = strcspn(s, ",");

		for (r = 0; r < NRULE; r++)
			if (strlen(rule_name[r]) == n &&
			    strncmp(s, rule_name[r], n) == 0)
				break;
		if (r == NRULE)
			return -1;
		bits |= 1u << r;
		s += n + (s[n] == ',');
	}
	return bits;
}

static unsigned
get_rules(const struct layers *l)
{
	int own;
	jv v = lookup(l, "rules", &own);
	unsigned bits = (1u << NRULE) - 1;
	long b = -1;

	if (jv_get_kind(v) == JV_KIND_NULL) {
		jv_free(v);
		return opt.rules_given ? opt.rules : bits;
	}
	if (jv_get_kind(v) == JV_KIND_STRING)
		b = parse_rules(jv_string_value(v));
	else if (jv_get_kind(v) == JV_KIND_ARRAY) {
		int i, n = jv_array_length(jv_copy(v));

		b = 0;
		for (i = 0; i < n && b >= 0; i++) {
			jv e = jv_array_get(jv_copy(v), i);
			long one = jv_get_kind(e) == JV_KIND_STRING ?
			    parse_rules(jv_string_value(e)) : -1;

			b = one < 0 ? -1 : (b | one);
			jv_free(e);
		}
	}
	jv_free(v);
	if (b < 0)
		fx_die(FX_EXIT_USAGE, "%s: %s.detect.rules: not a list of "
		    "limit, deviation, rate, crest, rms", fx_config_path(cfg),
		    l->where);
	return !own && opt.rules_given ? opt.rules : (unsigned)b;
}

/* Resolves the parameters of a feeder (entry {} for an unconfigured one). */
static void
resolve(struct params *p, jv entry, const char *where)
{
	struct layers l;
	jv root = fx_config_root(cfg);
	jv defaults = fx_json_get(root, "defaults");
	double x, rate_ratio;

	l.own = detect_obj(entry);
	l.defaults = detect_obj(defaults);
	l.global = detect_obj(root);
	l.where = where;
	check_keys(l.own, where);
	/* limit_kw: the feeder's entry, --limit, "defaults", none. */
	if (fx_json_num(entry, "limit_kw", &x) == 1)
		p->limit_kw = x;
	else if (opt.limit >= 0)
		p->limit_kw = opt.limit;
	else if (fx_json_num(defaults, "limit_kw", &x) == 1)
		p->limit_kw = x;
	else
		p->limit_kw = 0;
	p->alert_ratio = fx_json_num(entry, "alert_ratio", &x) == 1 ? x :
	    fx_json_num(defaults, "alert_ratio", &x) == 1 ? x : 0.8;
	p->critical_ratio = fx_json_num(entry, "critical_ratio", &x) == 1 ?
	    x : fx_json_num(defaults, "critical_ratio", &x) == 1 ? x : 0.95;
	if (p->critical_ratio < p->alert_ratio)
		fx_die(FX_EXIT_USAGE, "%s: %s: critical_ratio %g below "
		    "alert_ratio %g", fx_config_path(cfg), where,
		    p->critical_ratio, p->alert_ratio);
	p->dev_window_ms = get_dur(&l, "deviation_window", opt.dev_window_ms,
	    3600000, 0);
	p->k = get_num(&l, "k", opt.k, 4, 0);
	p->dev_min_kw = get_num(&l, "deviation_min_kw", -1, 0, 1);
	x = get_num(&l, "min_history", opt.min_history, 8, 0);
	if (x != floor(x) || x < 2 || x > 1e9)
		fx_die(FX_EXIT_USAGE, "%s: %s.detect.min_history: not an "
		    "integer >= 2", fx_config_path(cfg), where);
	p->min_history = (long)x;
	p->min_span = get_num(&l, "min_span", -1, 0.5, 1);
	if (p->min_span > 1)
		fx_die(FX_EXIT_USAGE, "%s: %s.detect.min_span: above 1",
		    fx_config_path(cfg), where);
	p->rate_kw_per_min = get_num(&l, "rate_kw_per_min", opt.rate, 0, 1);
	rate_ratio = get_num(&l, "rate_ratio_per_min", -1, 0, 1);
	if (p->rate_kw_per_min == 0 && rate_ratio > 0)
		p->rate_kw_per_min = rate_ratio * p->limit_kw;
	p->feat_window_ms = get_dur(&l, "feature_window", opt.feat_window_ms,
	    FX_WINDOW_DEFAULT_MS, 0);
	p->crest_max = get_num(&l, "crest_max", opt.crest_max, 1.5, 0);
	p->rms_ratio = get_num(&l, "rms_ratio", -1, p->alert_ratio, 0);
	p->holdoff_ms = get_dur(&l, "holdoff", opt.holdoff_ms, 300000, 1);
	p->rules = get_rules(&l);
	/* A rule without a threshold is off. */
	if (p->limit_kw <= 0)
		p->rules &= ~(1u << R_LIMIT | 1u << R_RMS);
	if (p->rate_kw_per_min <= 0)
		p->rules &= ~(1u << R_RATE);
	jv_free(l.own);
	jv_free(l.defaults);
	jv_free(l.global);
	jv_free(defaults);
	jv_free(root);
}

static void
load_config(void)
{
	char err[512];
	size_t i, n;
	jv root;

	if ((cfg = fx_config_load(opt.config, err, sizeof err)) == NULL) {
		fx_error("%s", err);
		exit(FX_EXIT_USAGE);
	}
	root = fx_config_root(cfg);
	{
		jv d = detect_obj(root), defs = fx_json_get(root, "defaults");
		jv dd = detect_obj(defs);

		check_keys(d, "(top level)");
		check_keys(dd, "defaults");
		jv_free(d);
		jv_free(defs);
		jv_free(dd);
	}
	jv_free(root);
	{
		jv none = jv_object();

		resolve(&dflt, none, "defaults");
		jv_free(none);
	}
	configured = fx_feeders_new(sizeof(struct params), NULL);
	n = fx_config_nfeeders(cfg);
	for (i = 0; i < n; i++) {
		const char *id = fx_config_feeder_id(cfg, i);
		jv entry = fx_config_feeder(cfg, id);
		char where[128];

		snprintf(where, sizeof where, "feeder %.100s", id);
		resolve(fx_feeders_get(configured, id, strlen(id), NULL),
		    entry, where);
		jv_free(entry);
	}
	if (opt.known_only && n == 0)
		fx_die(FX_EXIT_USAGE, "--known-only needs a configuration "
		    "with feeders");
}

/* ---- output ---- */

static void
put_kw(const char *key, double x)
{
	fx_buf_jkey(&ob, key);
	fx_buf_fixed(&ob, x, 3);
}

static void
put_ratio(const char *key, double x)
{
	fx_buf_jkey(&ob, key);
	fx_buf_fixed(&ob, x, 4);
}

struct eval {
	fx_time t;
	double x;
	fx_window_stats dev, feat;	/* dev: baseline before x */
	double rate;
	int has_rate;
};

static void
emit(const char *id, size_t idlen, const struct feeder *f, int r,
    const struct eval *e, int end)
{
	const struct params *p = f->p;
	const struct rule_state *s = &f->rs[r];
	static const char *const sev[] = { "null", "\"alert\"",
		"\"critical\"" };

	fx_buf_puts(&ob, "{\"type\":\"spike\",\"feeder_id\":");
	fx_buf_jstr(&ob, id, idlen);
	fx_buf_jkey(&ob, "timestamp");
	fx_buf_time(&ob, e->t);
	fx_buf_jkey(&ob, "phase");
	fx_buf_puts(&ob, end ? "\"end\"" : "\"start\"");
	fx_buf_jkey(&ob, "rule");
	fx_buf_jstr(&ob, rule_name[r], strlen(rule_name[r]));
	fx_buf_jkey(&ob, "severity");
	fx_buf_puts(&ob, sev[s->severity]);
	fx_buf_jkey(&ob, "value_kw");
	fx_buf_num(&ob, e->x);
	fx_buf_jkey(&ob, "peak_kw");
	fx_buf_num(&ob, s->peak);
	fx_buf_jkey(&ob, "started_at");
	fx_buf_time(&ob, s->start_t);
	fx_buf_jkey(&ob, "ended_at");
	if (end)
		fx_buf_time(&ob, s->clear_t);
	else
		fx_buf_puts(&ob, "null");
	fx_buf_jkey(&ob, "duration_s");
	if (end)
		fx_buf_fixed(&ob, (double)(s->clear_t - s->start_t) / 1000, 3);
	else
		fx_buf_puts(&ob, "null");
	fx_buf_jkey(&ob, "thresholds");
	fx_buf_putc(&ob, '{');
	switch (r) {
	case R_LIMIT:
		put_kw("limit_kw", p->limit_kw);
		put_kw("alert_kw", p->alert_ratio * p->limit_kw);
		put_kw("critical_kw", p->critical_ratio * p->limit_kw);
		break;
	case R_DEVIATION: {
		double band = fmax(p->k * e->dev.sd, p->dev_min_kw);

		put_ratio("k", p->k);
		fx_buf_jkey(&ob, "window_s");
		fx_buf_int(&ob, p->dev_window_ms / 1000);
		put_kw("mean_kw", e->dev.mean);
		put_kw("sd_kw", e->dev.sd);
		put_kw("lower_kw", e->dev.mean - band);
		put_kw("upper_kw", e->dev.mean + band);
		break;
	}
	case R_RATE:
		put_kw("rate_kw_per_min", p->rate_kw_per_min);
		break;
	case R_CREST:
		put_ratio("crest_max", p->crest_max);
		break;
	case R_RMS:
		put_kw("limit_kw", p->limit_kw);
		put_kw("rms_kw", p->rms_ratio * p->limit_kw);
		break;
	}
	fx_buf_putc(&ob, '}');
	fx_buf_jkey(&ob, "features");
	fx_buf_putc(&ob, '{');
	fx_buf_jkey(&ob, "window_s");
	fx_buf_int(&ob, p->feat_window_ms / 1000);
	fx_buf_jkey(&ob, "count");
	fx_buf_int(&ob, (int64_t)e->feat.count);
	put_kw("mean", e->feat.mean);
	put_kw("sd", e->feat.sd);
	put_kw("min", e->feat.min);
	put_kw("max", e->feat.max);
	put_kw("rms", e->feat.rms);
	put_ratio("crest_factor", e->feat.crest_factor);
	put_ratio("kurtosis", e->feat.kurtosis);
	fx_buf_jkey(&ob, "rate_kw_per_min");
	if (e->has_rate)
		fx_buf_fixed(&ob, e->rate, 3);
	else
		fx_buf_puts(&ob, "null");
	fx_buf_puts(&ob, "}}");
	fx_writer_record(out, &ob);
	if (end)
		n_end[r]++;
	else
		n_start[r]++;
}

/* ---- input ---- */

__attribute__((format(printf, 2, 3))) static void
reject(enum reason why, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	n_rej++;
	n_reason[why]++;
	fx_error_at(in_name, in_line, "%s", msg);
	if (opt.errors_inline) {
		fx_record_error(&ob, PROG, in_name, in_line > 0 ? in_line : 1,
		    msg);
		fx_writer_record(out, &ob);
	}
	if (opt.strict) {
		fx_writer_close(out);
		exit(FX_EXIT_FAIL);
	}
}

static int
ready(const fx_window_stats *s, const struct params *p, int64_t width)
{
	return (long)s->count >= p->min_history &&
	    (double)(s->last_t - s->first_t) >= p->min_span * (double)width;
}

static void
step(const char *id, size_t idlen, struct feeder *f, int r, int cond,
    int severity, const struct eval *e)
{
	struct rule_state *s = &f->rs[r];

	if (cond) {
		s->clearing = 0;
		if (!s->active) {
			s->active = 1;
			s->start_t = e->t;
			s->peak = e->x;
			s->severity = (unsigned char)severity;
			emit(id, idlen, f, r, e, 0);
			return;
		}
		if (e->x > s->peak)
			s->peak = e->x;
		if (severity > s->severity)
			s->severity = (unsigned char)severity;
		return;
	}
	if (!s->active)
		return;
	if (!s->clearing) {
		s->clearing = 1;
		s->clear_t = e->t;
	}
	if (e->t - s->clear_t >= f->p->holdoff_ms) {
		emit(id, idlen, f, r, e, 1);
		s->active = 0;
		s->clearing = 0;
	}
}

static void
say_time(const char *id, const char *what, fx_time t)
{
	char ts[FX_TIME_MAX_TEXT];

	fx_time_format(t, ts);
	fprintf(stderr, "%s: %s: %s at %s\n", PROG, id, what, ts);
}

static void
detect(const fx_reading *rd, struct feeder *f)
{
	const struct params *p = f->p;
	const char *id = rd->feeder_id;
	size_t idlen = rd->feeder_len;
	struct eval e;
	int cond, sev;

	memset(&e, 0, sizeof e);
	e.t = rd->t;
	e.x = rd->load_kw;
	if (f->has_last) {
		e.rate = (e.x - f->last_x) / ((double)(e.t - f->last_t) /
		    60000.0);
		e.has_rate = 1;
	}
	if (p->rules & 1u << R_DEVIATION) {
		fx_window_advance(&f->dev, e.t);
		fx_window_stats_get(&f->dev, &e.dev);
	}
	fx_window_push(&f->feat, e.t, e.x);
	fx_window_stats_get(&f->feat, &e.feat);

	if (p->rules & 1u << R_LIMIT) {
		cond = e.x >= p->alert_ratio * p->limit_kw;
		sev = e.x >= p->critical_ratio * p->limit_kw ? 2 : 1;
		step(id, idlen, f, R_LIMIT, cond, cond ? sev : 0, &e);
	}
	if (p->rules & 1u << R_DEVIATION) {
		int ok = ready(&e.dev, p, p->dev_window_ms);

		if (opt.verbose && !ok && !f->warm_said) {
			f->warm_said = 1;
			say_time(id, "deviation rule warming up", e.t);
		}
		if (opt.verbose && ok && !f->ready_said) {
			f->ready_said = 1;
			say_time(id, "deviation rule ready", e.t);
		}
		cond = ok && fabs(e.x - e.dev.mean) >
		    fmax(p->k * e.dev.sd, p->dev_min_kw);
		step(id, idlen, f, R_DEVIATION, cond, 0, &e);
		fx_window_push(&f->dev, e.t, e.x);
	}
	if (p->rules & 1u << R_RATE) {
		cond = e.has_rate && fabs(e.rate) > p->rate_kw_per_min;
		step(id, idlen, f, R_RATE, cond, 0, &e);
	}
	if (p->rules & (1u << R_CREST | 1u << R_RMS)) {
		int ok = ready(&e.feat, p, p->feat_window_ms);

		if (p->rules & 1u << R_CREST)
			/* The reading's own peak-to-RMS ratio: the window's
			 * crest factor would fire again when the peak is
			 * the window's maximum long after it passed. */
			step(id, idlen, f, R_CREST, ok && e.feat.rms > 0 &&
			    fabs(e.x) / e.feat.rms > p->crest_max, 0, &e);
		if (p->rules & 1u << R_RMS) {
			cond = ok && e.feat.rms > p->rms_ratio * p->limit_kw;
			step(id, idlen, f, R_RMS, cond, cond, &e);
		}
	}
}

static void
free_feeder(void *state)
{
	struct feeder *f = state;

	fx_window_clear(&f->dev);
	fx_window_clear(&f->feat);
}

static void
reading(const fx_line *line)
{
	char err[512], ts[FX_TIME_MAX_TEXT];
	fx_reading rd;
	struct feeder *f;
	int created;
	jv hold;

	if (fx_record_parse_reading(line->text, line->len, &rd, &hold, err,
	    sizeof err) != 0) {
		reject(jv_is_valid(hold) || strncmp(err, "invalid JSON", 12)
		    ? E_FIELD : E_JSON, "%s", err);
		jv_free(hold);
		return;
	}
	if (fabs(rd.load_kw) > FX_WINDOW_MAX_ABS) {
		reject(E_RANGE, "load_kw: out of range '%g'", rd.load_kw);
		goto done;
	}
	f = fx_feeders_get(feeders, rd.feeder_id, rd.feeder_len, &created);
	if (created) {
		const struct params *p = fx_feeders_find(configured,
		    rd.feeder_id, rd.feeder_len);

		if (p == NULL) {
			p = &dflt;
			n_unknown++;
			if (opt.known_only) {
				f->undetected = 1;
				if (!opt.quiet)
					fx_warn("%s: not in the configuration;"
					    " passed through without detection",
					    rd.feeder_id);
			}
		}
		f->p = p;
		fx_window_init(&f->dev, p->dev_window_ms);
		fx_window_init(&f->feat, p->feat_window_ms);
	}
	if (f->has_last && rd.t <= f->last_t) {
		fx_time_format(f->last_t, ts);
		if (rd.t == f->last_t)
			reject(E_DUPLICATE, "timestamp: duplicate of %s's "
			    "last reading at %s", rd.feeder_id, ts);
		else
			reject(E_BACKWARDS, "timestamp: before %s's last "
			    "reading at %s", rd.feeder_id, ts);
		goto done;
	}
	n_readings++;
	fx_writer_pass(out, line);
	if (!f->undetected)
		detect(&rd, f);
	f->last_t = rd.t;
	f->last_x = rd.load_kw;
	f->has_last = 1;
done:
	jv_free(hold);	/* rd.feeder_id may point into it */
}

static void
run_file(const char *path)
{
	fx_reader *r = fx_reader_open(path, 0);
	fx_line line;
	int rc;

	if (r == NULL) {
		status = FX_EXIT_FAIL;
		return;
	}
	fx_reader_tie(r, out);
	in_name = fx_reader_name(r);
	while ((rc = fx_reader_next(r, &line)) != FX_LINE_EOF) {
		const char *type;
		size_t tlen;
		char err[512];
		jv rec;

		n_in++;
		in_line = line.lineno;
		if (rc == FX_LINE_TOOLONG) {
			reject(E_TOOLONG, "line too long");
			continue;
		}
		type = fx_record_peek_type(line.text, line.len, &tlen);
		if (type != NULL) {
			if (tlen == 7 && memcmp(type, "reading", 7) == 0)
				reading(&line);
			else {
				n_pass++;
				fx_writer_pass(out, &line);
			}
			continue;
		}
		rec = fx_json_parse_record(line.text, line.len, &type, err,
		    sizeof err);
		if (!jv_is_valid(rec)) {
			reject(E_JSON, "%s", err);
			continue;
		}
		if (strcmp(type, "reading") == 0)
			reading(&line);
		else {
			n_pass++;
			fx_writer_pass(out, &line);
		}
		jv_free(rec);
	}
	fx_reader_close(r);
}

static void
summary(void)
{
	char why[512];
	size_t len = 0;
	unsigned long long starts = 0, ends = 0;
	int i;

	why[0] = '\0';
	for (i = 0; i < NREASON; i++)
		if (n_reason[i] > 0)
			len += (size_t)snprintf(why + len, sizeof why - len,
			    "%s%llu %s", len ? ", " : " (", n_reason[i],
			    reason_name[i]);
	if (len)
		snprintf(why + len, sizeof why - len, ")");
	for (i = 0; i < NRULE; i++) {
		starts += n_start[i];
		ends += n_end[i];
	}
	fprintf(stderr, "%s: %llu records in: %llu readings, %llu passed "
	    "through, %llu rejected%s; %zu feeders (%llu not configured); "
	    "%llu spikes started, %llu ended, %llu open\n", PROG, n_in,
	    n_readings, n_pass, n_rej, why, fx_feeders_count(feeders),
	    n_unknown, starts, ends, starts - ends);
}

static double
num_arg(const char *name, const char *s, int zero_ok)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !isfinite(x) ||
	    x < 0 || (x == 0 && !zero_ok)) {
		fx_error("%s: not a number %s 0 '%s'", name,
		    zero_ok ? ">=" : ">", s);
		usage(FX_EXIT_USAGE);
	}
	return x;
}

static int64_t
dur_arg(const char *name, const char *s, int zero_ok)
{
	int64_t ms;

	if (zero_ok && strcmp(s, "0") == 0)
		return 0;
	if (fx_duration_parse(s, &ms) != 0) {
		fx_error("%s: not a duration '%s'", name, s);
		usage(FX_EXIT_USAGE);
	}
	return ms;
}

enum {
	O_CREST_MAX = 256, O_ERRORS_INLINE, O_FEATURE_WINDOW, O_HOLDOFF,
	O_KNOWN_ONLY, O_LIMIT, O_MIN_HISTORY, O_RATE, O_RULES, O_STRICT,
	O_WINDOW
};

static void
parse_options(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "crest-max", required_argument, NULL, O_CREST_MAX },
		{ "errors-inline", no_argument, NULL, O_ERRORS_INLINE },
		{ "feature-window", required_argument, NULL,
		    O_FEATURE_WINDOW },
		{ "help", no_argument, NULL, 'h' },
		{ "holdoff", required_argument, NULL, O_HOLDOFF },
		{ "known-only", no_argument, NULL, O_KNOWN_ONLY },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "min-history", required_argument, NULL, O_MIN_HISTORY },
		{ "quiet", no_argument, NULL, 'q' },
		{ "rate", required_argument, NULL, O_RATE },
		{ "rules", required_argument, NULL, O_RULES },
		{ "strict", no_argument, NULL, O_STRICT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "window", required_argument, NULL, O_WINDOW },
		{ NULL, 0, NULL, 0 }
	};
	int ch;
	long bits;
	double x;

	while ((ch = getopt_long(argc, argv, "c:hk:qv", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c': opt.config = optarg; break;
		case 'h': usage(FX_EXIT_OK); break;
		case 'k': opt.k = num_arg("-k", optarg, 0); break;
		case 'q': opt.quiet = 1; break;
		case 'v': opt.verbose = 1; break;
		case O_CREST_MAX:
			opt.crest_max = num_arg("--crest-max", optarg, 0);
			break;
		case O_ERRORS_INLINE: opt.errors_inline = 1; break;
		case O_FEATURE_WINDOW:
			opt.feat_window_ms = dur_arg("--feature-window",
			    optarg, 0);
			break;
		case O_HOLDOFF:
			opt.holdoff_ms = dur_arg("--holdoff", optarg, 1);
			break;
		case O_KNOWN_ONLY: opt.known_only = 1; break;
		case O_LIMIT: opt.limit = num_arg("--limit", optarg, 0); break;
		case O_MIN_HISTORY:
			x = num_arg("--min-history", optarg, 0);
			if (x != floor(x) || x < 2 || x > 1e9) {
				fx_error("--min-history: not an integer >= 2 "
				    "'%s'", optarg);
				usage(FX_EXIT_USAGE);
			}
			opt.min_history = (long)x;
			break;
		case O_RATE: opt.rate = num_arg("--rate", optarg, 0); break;
		case O_RULES:
			if ((bits = parse_rules(optarg)) <= 0) {
				fx_error("--rules: not a list of limit, "
				    "deviation, rate, crest, rms '%s'", optarg);
				usage(FX_EXIT_USAGE);
			}
			opt.rules = (unsigned)bits;
			opt.rules_given = 1;
			break;
		case O_STRICT: opt.strict = 1; break;
		case O_WINDOW:
			opt.dev_window_ms = dur_arg("--window", optarg, 0);
			break;
		default: usage(FX_EXIT_USAGE);
		}
	}
}

int
main(int argc, char **argv)
{
	int i;

	fx_err_init(PROG);
	parse_options(argc, argv);
	load_config();
	out = fx_writer_new(1, 0);
	feeders = fx_feeders_new(sizeof(struct feeder), free_feeder);
	argc -= optind;
	argv += optind;
	for (i = 0; i < (argc ? argc : 1); i++)
		run_file(argc ? argv[i] : "-");
	in_name = NULL;
	if (n_in != n_readings + n_pass + n_rej) {
		fx_error("internal error: %llu records in, %llu accounted for",
		    n_in, n_readings + n_pass + n_rej);
		status = FX_EXIT_FAIL;
	}
	if (fx_writer_close(out) != 0)
		status = FX_EXIT_FAIL;
	if (!opt.quiet)
		summary();
	fx_feeders_free(feeders);
	fx_feeders_free(configured);
	fx_config_free(cfg);
	fx_buf_free(&ob);
	return status;
}
