/*
 * fx-classify - Normal / Alert / Critical per feeder and slice (SRS
 * R21-R26), trained on history and explained.
 *
 *   fx-classify [options] [file ...]          classify (a filter)
 *   fx-classify label [options] [file ...]    training rows out
 *   fx-classify train -o model.json [options] file ...
 *
 * Reads `features` records (fx-features: one per observed 15-minute
 * window, segment "history", and one per forecast step, segment
 * "predicted") and `spike` records, and passes every record through.
 * For each observed slice it writes a `state` record (horizon 0, from the
 * slice's mean load against the feeder's levels, raised by an open limit
 * spike); for each predicted slice a `state` record with the probability
 * of each state, from the trained model or, without one, from the
 * forecast's interval against the levels.  The feeder's state is the
 * worst of its observed slice and the slices of its latest forecast,
 * escalated at once and lowered only after --hold of event time below;
 * each change is a `state_change` record.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>

#include "buf.h"
#include "classify.h"
#include "reservoir.h"
#include "config.h"
#include "err.h"
#include "feeders.h"
#include "json.h"
#include "ndjson.h"
#include "record.h"
#include "timeutil.h"

#define PROG "fx-classify"
#define MAXH 4
#define MAXPEND 512

enum mode { M_CLASSIFY, M_LABEL, M_TRAIN };

struct sampleset;

/* A predicted slice waiting for what actually happened (label, train). */
struct pend {
	fx_time start, end, issued;
	int horizon;
	double x[CL_NIN];
};

struct feeder {
	char *id;
	uint32_t idx;		/* order of appearance: the matrix's index */
	int levels;		/* 0 unknown, 1 known, -1 warned */
	double alert_kw, critical_kw;
	const char *levels_from;	/* "model", "config", "--limit", "derived" */
	char *levels_text;	/* their JSON members, made when first written */
	/* the latest observed slice */
	int has_now, now_state;
	double now_mean, now_max;
	fx_time now_end;
	int spike;		/* open limit spike: 0, 1 alert, 2 critical */
	/* the observed slices' means over the last week or so, by slot
	 * (start / step) mod nring, with their starts */
	double *ring;
	fx_time *ring_t, ring_step;
	size_t nring;
	double rise1h, max4h;	/* of the latest observed slice */
	/* the latest forecast's slices */
	fx_time pred_issued;
	int npred;
	int pred_state[MAXH + 1];
	double pred_p[MAXH + 1][CL_K];
	fx_time pred_start[MAXH + 1], pred_end[MAXH + 1];
	/* the feeder's state */
	int state;
	int up_count, up_min;	/* --confirm: forecasts in a row showing a rise */
	fx_time below_since;
	int below, below_max;
	unsigned long changes;
	/* labelling */
	struct pend *pend;
	size_t npend;
	int levels_given;	/* levels taken from a training row */
	cl_model *own;		/* its own model in the model file (-m) */
	char *own_name;		/* the state records' model for it */
	struct sampleset *fset;	/* train --per-feeder: its rows, [2] */
	/* derived levels: the observed slices' means */
	double *hist;
	size_t nhist, hcap;
};

static struct {
	enum mode mode;
	const char *model_path, *out_path, *matrix_path;
	double limit;
	double q_alert, q_critical;	/* --derive-levels quantiles */
	int derive;
	fx_time from, to, train_to;	/* INT64_MIN/MAX when unset */
	int64_t hold_ms;
	double l2, precision;
	double t_alert, t_critical;	/* --decision */
	long max_samples;
	int rules, strict, quiet, verbose, errors_inline, no_slices;
	int confirm;
	int threads;		/* train --threads */
	long per_feeder;	/* train --per-feeder: rows a feeder needs */
	long feeder_max;	/* --feeder-max-samples */
} opt;

static fx_feeders *feeders;
static fx_config *config;
static cl_model model;
static int have_model;
static fx_writer *out;
static fx_buf ob;
static const char *in_name;
static long in_line;
static unsigned long long n_in, n_pass, n_rej, n_state, n_change, n_label;

/* training samples: [0] training, [1] held out; each class
 * reservoir-sampled down to --max-samples */
static struct sampleset {
	cl_sample *s;
	size_t n, cap;
	size_t kept[CL_K];	/* samples of each class kept */
	cl_sample *cs[CL_K];	/* while sampling: each class's own */
	size_t ccap[CL_K];
	int64_t count[CL_K];	/* samples of each class offered */
	cl_res res[CL_K];	/* which of them are kept */
} sets[2];
static cl_mwriter *mw;		/* label --matrix */
static gsl_rng *rng, *frng;	/* sampling: all rows; each feeder's */
static int pass_derive;		/* first pass of --derive-levels */

static void
usage(int st)
{
	fprintf(st ? stderr : stdout,
"usage: fx-classify [-hqv] [-c config] [-m model.json | --rules] [--errors-inline]\n"
"                   [--confirm n] [--decision p_alert,p_critical] [--hold duration]\n"
"                   [--limit kw] [--no-slices] [--strict] [file ...]\n"
"       fx-classify label [-qv] [-c config] [-m model.json] [--limit kw]\n"
"                   [--derive-levels p_alert,p_critical] [--from time] [--to time]\n"
"                   [--matrix file] file ...\n"
"       fx-classify train -o model.json [-qv] [-c config] [--limit kw]\n"
"                   [--derive-levels p_alert,p_critical] [--from time] [--to time]\n"
"                   [--train-to time] [--l2 x] [--max-samples n]\n"
"                   [--per-feeder n] [--feeder-max-samples n] [--precision p]\n"
"                   [--threads n] file ...\n");
	exit(st);
}

static void
finish_output(void)
{
	if (out != NULL && fx_writer_close(out) != 0)
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
	if (pass_derive)
		return;		/* reported on the second pass */
	fx_error_at(in_name, in_line, "%s", msg);
	if (opt.errors_inline && out != NULL) {
		fx_record_error(&ob, PROG, in_name, in_line > 0 ? in_line : 1,
		    msg);
		fx_writer_record(out, &ob);
	}
	if (opt.strict) {
		finish_output();
		exit(FX_EXIT_FAIL);
	}
}

static void
pass(const fx_line *ln)
{
	n_pass++;
	if (out != NULL && opt.mode == M_CLASSIFY)
		fx_writer_pass(out, ln);
}

/* ---- levels ---- */

/* The feeder's alert and critical levels: the model file's, the
 * config's limit_kw x ratios, --limit x ratios, or none. */
static void
find_levels(struct feeder *fs)
{
	double limit = 0, ar, cr, a, c;
	jv entry;

	ar = fx_config_num(config, fs->id, "alert_ratio", 0.8);
	cr = fx_config_num(config, fs->id, "critical_ratio", 0.95);
	if (have_model) {
		jv f = fx_json_get(model.doc, "feeders");
		jv e = fx_json_get(f, fs->id);

		if (fx_json_num(e, "alert_kw", &a) == 1 &&
		    fx_json_num(e, "critical_kw", &c) == 1 && a > 0 &&
		    c >= a) {
			fs->alert_kw = a;
			fs->critical_kw = c;
			fs->levels = 1;
			fs->levels_from = "model";
		}
		if (fs->levels && opt.mode == M_CLASSIFY && !opt.rules) {
			/* its own model, checked when the file was loaded */
			jv om = fx_json_get(e, "model");
			char err[256];

			if (jv_get_kind(om) == JV_KIND_OBJECT) {
				fx_buf t = FX_BUF_INIT;

				fs->own = fx_xcalloc(1, sizeof *fs->own);
				if (cl_model_parse(fs->own, om, "", err,
				    sizeof err) != 0)
					fx_die(FX_EXIT_USAGE, "%s", err);
				fs->own->doc = jv_null();
				fx_buf_puts(&t, model.version);
				fx_buf_putc(&t, '#');
				fx_buf_puts(&t, fs->id);
				fs->own_name = fx_xstrndup(t.data, t.len);
				fx_buf_free(&t);
			}
			jv_free(om);
		}
		jv_free(e);
		jv_free(f);
		if (fs->levels)
			return;
	}
	entry = fx_config_feeder(config, fs->id);
	if (fx_json_num(entry, "limit_kw", &limit) == 1 && limit > 0)
		fs->levels_from = "config";
	else if (opt.limit > 0) {
		limit = opt.limit;
		fs->levels_from = "--limit";
	} else if ((limit = fx_config_num(config, NULL, "limit_kw", 0)) > 0)
		fs->levels_from = "config";
	jv_free(entry);
	if (limit > 0) {
		fs->alert_kw = ar * limit;
		fs->critical_kw = cr * limit;
		fs->levels = 1;
	}
}

static struct feeder *
feeder_get(const char *id, size_t len)
{
	int created;
	struct feeder *fs = fx_feeders_get(feeders, id, len, &created);

	if (created) {
		fs->id = fx_xstrndup(id, len);
		fs->idx = (uint32_t)(fx_feeders_count(feeders) - 1);
		if (!opt.derive)
			find_levels(fs);
	}
	return fs;
}

static void
free_feeder(void *p)
{
	struct feeder *fs = p;

	free(fs->id);
	free(fs->levels_text);
	free(fs->pend);
	free(fs->hist);
	free(fs->ring);
	free(fs->ring_t);
	free(fs->own);
	free(fs->own_name);
	if (fs->fset != NULL) {
		int i, k;

		for (i = 0; i < 2; i++) {
			free(fs->fset[i].s);
			for (k = 0; k < CL_K; k++)
				free(fs->fset[i].cs[k]);
		}
		free(fs->fset);
	}
}

static int
has_levels(struct feeder *fs)
{
	if (fs->levels > 0)
		return 1;
	if (fs->levels == 0 && !pass_derive) {
		fx_warn("feeder '%s': no limit_kw (config, --limit or model "
		    "file): not classified", fx_quote(fs->id, strlen(fs->id)));
		fs->levels = -1;
	}
	return 0;
}

static int
level_state(const struct feeder *fs, double kw)
{
	return kw >= fs->critical_kw ? 2 : kw >= fs->alert_kw ? 1 : 0;
}

/* ---- output ---- */

static void
put_probs(const double p[CL_K])
{
	int k;

	fx_buf_puts(&ob, ",\"probs\":[");
	for (k = 0; k < CL_K; k++) {
		if (k)
			fx_buf_putc(&ob, ',');
		fx_buf_fixed(&ob, p[k], 6);
	}
	fx_buf_putc(&ob, ']');
}

static void
put_levels(struct feeder *fs)
{
	/* the levels do not change: their text is made once per feeder */
	if (fs->levels_text == NULL) {
		fx_buf t = FX_BUF_INIT;

		fx_buf_puts(&t, ",\"alert_kw\":");
		fx_buf_num(&t, fs->alert_kw);
		fx_buf_puts(&t, ",\"critical_kw\":");
		fx_buf_num(&t, fs->critical_kw);
		fs->levels_text = fx_xstrndup(t.data, t.len);
		fx_buf_free(&t);
	}
	fx_buf_puts(&ob, fs->levels_text);
}

/* The model that classifies fs's predicted slices: its own, the file's,
 * or none (the rules). */
static const cl_model *
feeder_model(const struct feeder *fs)
{
	if (!have_model || opt.rules)
		return NULL;
	return fs->own != NULL ? fs->own : &model;
}

static const char *
model_name(const struct feeder *fs)
{
	if (!have_model || opt.rules)
		return "rules";
	return fs->own_name != NULL ? fs->own_name : model.version;
}

static void
put_state(struct feeder *fs, fx_time start, fx_time end, int h,
    fx_time issued, int state, const double p[CL_K], const double *x)
{
	if (opt.no_slices || out == NULL)
		return;
	fx_buf_puts(&ob, "{\"type\":\"state\",\"feeder_id\":");
	fx_buf_jstr(&ob, fs->id, strlen(fs->id));
	fx_buf_puts(&ob, ",\"slice_start\":");
	fx_buf_time(&ob, start);
	fx_buf_puts(&ob, ",\"slice_end\":");
	fx_buf_time(&ob, end);
	fx_buf_puts(&ob, ",\"horizon\":");
	fx_buf_int(&ob, h);
	if (h > 0) {
		fx_buf_puts(&ob, ",\"issued_at\":");
		fx_buf_time(&ob, issued);
	}
	fx_buf_puts(&ob, ",\"state\":");
	fx_buf_int(&ob, state);
	put_probs(p);
	fx_buf_puts(&ob, ",\"model\":");
	if (h == 0)
		fx_buf_puts(&ob, "\"observed\"");
	else
		fx_buf_jstr(&ob, model_name(fs), strlen(model_name(fs)));
	put_levels(fs);
	if (x != NULL && feeder_model(fs) != NULL) {
		int idx[3], i, n;
		double c[3];

		n = cl_top(feeder_model(fs), x, state > 0 ? state : 2, idx, c,
		    3);
		fx_buf_puts(&ob, ",\"top\":[");
		for (i = 0; i < n; i++) {
			if (i)
				fx_buf_putc(&ob, ',');
			fx_buf_puts(&ob, "{\"input\":");
			fx_buf_jstr(&ob, cl_input_name[idx[i]],
			    strlen(cl_input_name[idx[i]]));
			fx_buf_puts(&ob, ",\"value\":");
			fx_buf_fixed(&ob, x[idx[i]], 4);
			fx_buf_puts(&ob, ",\"contribution\":");
			fx_buf_fixed(&ob, c[i], 4);
			fx_buf_putc(&ob, '}');
		}
		fx_buf_putc(&ob, ']');
	}
	fx_buf_putc(&ob, '}');
	fx_writer_record(out, &ob);
	n_state++;
}


static void
put_change(struct feeder *fs, fx_time t, int prev, int next, int h,
    double conf)
{
	char tt[FX_TIME_MAX_TEXT];

	fs->changes++;
	n_change++;
	if (out == NULL)
		return;
	fx_time_format(t, tt);
	fx_buf_puts(&ob, "{\"type\":\"state_change\",\"event_id\":");
	fx_buf_jstr(&ob, fs->id, strlen(fs->id));
	ob.len--;	/* the id's closing quote: the event id goes on */
	fx_buf_puts(&ob, "@");
	fx_buf_puts(&ob, tt);
	fx_buf_puts(&ob, "#");
	fx_buf_int(&ob, (int64_t)fs->changes);
	fx_buf_puts(&ob, "\",\"feeder_id\":");
	fx_buf_jstr(&ob, fs->id, strlen(fs->id));
	fx_buf_puts(&ob, ",\"timestamp\":");
	fx_buf_time(&ob, t);
	fx_buf_puts(&ob, ",\"prev_state\":");
	fx_buf_int(&ob, prev);
	fx_buf_puts(&ob, ",\"new_state\":");
	fx_buf_int(&ob, next);
	fx_buf_puts(&ob, ",\"confidence\":");
	fx_buf_fixed(&ob, conf, 6);
	fx_buf_puts(&ob, ",\"cause\":{\"horizon\":");
	fx_buf_int(&ob, h);
	if (h > 0) {
		fx_buf_puts(&ob, ",\"slice_start\":");
		fx_buf_time(&ob, fs->pred_start[h]);
		fx_buf_puts(&ob, ",\"slice_end\":");
		fx_buf_time(&ob, fs->pred_end[h]);
		put_probs(fs->pred_p[h]);
	} else if (fs->has_now) {
		fx_buf_puts(&ob, ",\"slice_end\":");
		fx_buf_time(&ob, fs->now_end);
		fx_buf_puts(&ob, ",\"mean_kw\":");
		fx_buf_num(&ob, fs->now_mean);
	}
	fx_buf_puts(&ob, "},\"model\":");
	fx_buf_jstr(&ob, model_name(fs), strlen(model_name(fs)));
	put_levels(fs);
	fx_buf_puts(&ob, ",\"detected_at_wall\":");
	fx_buf_time(&ob, fx_time_now());
	fx_buf_putc(&ob, '}');
	fx_writer_record(out, &ob);
}

/*
 * The feeder's state at event time t: the worst of its observed slice and
 * of its latest forecast's slices still ahead; up at once, down only
 * after --hold below.
 */
static void
evaluate(struct feeder *fs, fx_time t, int fresh)
{
	int cand = fs->has_now ? fs->now_state : 0, h, cause = 0;
	double conf = 1;

	for (h = 1; h <= fs->npred; h++)
		if (fs->pred_end[h] > t && fs->pred_state[h] > cand) {
			cand = fs->pred_state[h];
			cause = h;
		}
	if (cause > 0)
		conf = fs->pred_p[cause][cand];
	else if (!fs->has_now)
		return;
	/* --confirm: a rise that only forecasts show must be shown by that
	 * many forecasts in a row; an observed one is taken at once */
	if (cand > fs->state && cause > 0 && opt.confirm > 1) {
		if (fresh) {
			fs->up_min = fs->up_count > 0 && fs->up_min < cand ?
			    fs->up_min : cand;
			fs->up_count++;
		}
		if (fs->up_count < opt.confirm)
			return;
		cand = fs->up_min;
	}
	if (fresh && cand <= fs->state)
		fs->up_count = 0;	/* the run of forecasts is broken */
	if (cand > fs->state) {
		fs->up_count = 0;
		put_change(fs, t, fs->state, cand, cause, conf);
		fs->state = cand;
		fs->below = 0;
	} else if (cand < fs->state) {
		if (!fs->below) {
			fs->below = 1;
			fs->below_since = t;
			fs->below_max = cand;
		} else if (cand > fs->below_max)
			fs->below_max = cand;
		if (t - fs->below_since >= opt.hold_ms) {
			put_change(fs, t, fs->state, fs->below_max, cause,
			    cause > 0 ? conf : 1);
			fs->state = fs->below_max;
			fs->below = 0;
		}
	} else
		fs->below = 0;
}

/* ---- training samples ---- */

/*
 * Offers a row of class y to ss, each class a uniform sample of at most
 * cap (reservoir.c): the slot the row is to be written to, or NULL when it
 * is not kept.  Each kept row stands for count / kept of its class.
 */
static cl_sample *
sample_slot(struct sampleset *ss, size_t cap, gsl_rng *r, int y)
{
	int64_t at;

	if (ss->count[y]++ == 0)
		cl_res_init(&ss->res[y], cap);
	at = cl_res_offer(&ss->res[y], r);
	if (at < 0)
		return NULL;
	if ((size_t)at < ss->kept[y])
		return &ss->cs[y][at];	/* it replaces one */
	if (ss->kept[y] == ss->ccap[y]) {
		ss->ccap[y] = ss->ccap[y] ? 2 * ss->ccap[y] : 4096;
		if (ss->ccap[y] > cap)
			ss->ccap[y] = cap;
		ss->cs[y] = fx_xrealloc(ss->cs[y], ss->ccap[y] *
		    sizeof *ss->cs[y]);
	}
	return &ss->cs[y][ss->kept[y]++];
}

/* The samples of every class in one array, s[0 .. n - 1], Normal first:
 * what fitting and scoring read. */
static void
flatten(struct sampleset *ss)
{
	int k;

	if (ss->s != NULL)
		return;
	ss->n = ss->kept[0] + ss->kept[1] + ss->kept[2];
	ss->cap = ss->n;
	ss->s = fx_xmalloc((ss->n ? ss->n : 1) * sizeof *ss->s);
	ss->n = 0;
	for (k = 0; k < CL_K; k++) {
		if (ss->kept[k] > 0)
			memcpy(ss->s + ss->n, ss->cs[k], ss->kept[k] *
			    sizeof *ss->s);
		ss->n += ss->kept[k];
		free(ss->cs[k]);
		ss->cs[k] = NULL;
	}
}

/*
 * Where a training row of feeder fs (state y, of a slice starting at
 * start) is kept: in none, one or two samples (the training or held-out
 * one, and its feeder's own); their count, the slots in dst with y, w
 * and the intercept set, the other inputs for the caller to fill in.
 */
static int
row_slots(struct feeder *fs, fx_time start, int y, cl_sample *dst[2])
{
	int held, n = 0, i;

	if (start < opt.from || start >= opt.to)
		return 0;
	held = start >= opt.train_to;
	if ((dst[n] = sample_slot(&sets[held], (size_t)opt.max_samples, rng,
	    y)) != NULL)
		n++;
	if (opt.per_feeder > 0) {
		if (fs->fset == NULL)
			fs->fset = fx_xcalloc(2, sizeof *fs->fset);
		if ((dst[n] = sample_slot(&fs->fset[held],
		    (size_t)opt.feeder_max, frng, y)) != NULL)
			n++;
	}
	for (i = 0; i < n; i++) {
		dst[i]->y = (uint8_t)y;
		dst[i]->w = 1;
		dst[i]->x[0] = 1;
	}
	return n;
}

/* A training row with its inputs x (x[0] the intercept). */
static void
add_row(struct feeder *fs, fx_time start, int y, const float x[CL_NIN])
{
	cl_sample *dst[2];
	int n = row_slots(fs, start, y, dst), i;

	for (i = 0; i < n; i++)
		memcpy(dst[i]->x + 1, x + 1, (CL_NIN - 1) * sizeof *x);
}

static void
add_sample(struct feeder *fs, const struct pend *p, int y)
{
	float x[CL_NIN];
	int j;

	for (j = 0; j < CL_NIN; j++)
		x[j] = (float)p->x[j];
	add_row(fs, p->start, y, x);
}

/* train: the rows in --from, --to, before sampling. */
static unsigned long long
rows_offered(void)
{
	unsigned long long n = 0;
	int i, k;

	for (i = 0; i < 2; i++)
		for (k = 0; k < CL_K; k++)
			n += (unsigned long long)sets[i].count[k];
	return n;
}

/* What a kept sample of each class stands for. */
static void
class_weights(const struct sampleset *ss, double w[CL_K])
{
	int k;

	for (k = 0; k < CL_K; k++)
		w[k] = ss->kept[k] > 0 ? (double)ss->count[k] /
		    (double)ss->kept[k] : 1;
}

static void
put_label(struct feeder *fs, const struct pend *p, int y)
{
	int j;

	if (p->start < opt.from || p->start >= opt.to)
		return;
	n_label++;
	if (mw != NULL) {
		cl_row r;

		r.start = p->start;
		r.feeder = fs->idx;
		r.horizon = (uint8_t)p->horizon;
		r.state = (uint8_t)y;
		r.reserved = 0;
		for (j = 1; j < CL_NIN; j++)
			r.x[j - 1] = (float)p->x[j];
		if (cl_mwriter_row(mw, &r) != 0) {
			fx_error("%s: %s", opt.matrix_path, strerror(errno));
			exit(FX_EXIT_FAIL);
		}
		return;
	}
	fx_buf_puts(&ob, "{\"type\":\"label\",\"feeder_id\":");
	fx_buf_jstr(&ob, fs->id, strlen(fs->id));
	fx_buf_puts(&ob, ",\"slice_start\":");
	fx_buf_time(&ob, p->start);
	fx_buf_puts(&ob, ",\"slice_end\":");
	fx_buf_time(&ob, p->end);
	fx_buf_puts(&ob, ",\"horizon\":");
	fx_buf_int(&ob, p->horizon);
	fx_buf_puts(&ob, ",\"issued_at\":");
	fx_buf_time(&ob, p->issued);
	fx_buf_puts(&ob, ",\"state\":");
	fx_buf_int(&ob, y);
	put_levels(fs);
	fx_buf_puts(&ob, ",\"levels_from\":");
	fx_buf_jstr(&ob, fs->levels_from, strlen(fs->levels_from));
	fx_buf_puts(&ob, ",\"x\":{");
	for (j = 1; j < CL_NIN; j++) {
		if (j > 1)
			fx_buf_putc(&ob, ',');
		fx_buf_jstr(&ob, cl_input_name[j], strlen(cl_input_name[j]));
		fx_buf_putc(&ob, ':');
		fx_buf_fixed(&ob, p->x[j], 6);
	}
	fx_buf_puts(&ob, "}}");
	fx_writer_record(out, &ob);
}

/* An observed slice [start, end) with state y: the predicted slices it
 * settles become training rows. */
static void
settle(struct feeder *fs, fx_time start, int y)
{
	size_t i, keep = 0;

	for (i = 0; i < fs->npend; i++) {
		struct pend *p = &fs->pend[i];

		if (p->start == start) {
			if (opt.mode == M_LABEL)
				put_label(fs, p, y);
			else
				add_sample(fs, p, y);
		} else if (p->start > start)
			fs->pend[keep++] = *p;
		/* older: its slice was never observed (a gap) */
	}
	fs->npend = keep;
}

/* ---- records ---- */

/* A features record, as much of it as fx-classify reads. */
struct fin {
	const char *id;
	size_t idlen;
	int predicted;
	fx_time start, end, issued;
	int has_issued, has_step, has_mean, has_max, has_bounds;
	int has_tod, has_temp;
	double step, mean, max, lo80, hi80, hi95, tod_sin, tod_cos, temp;
};

#define DAY_MS 86400000LL

/*
 * The observed history.  A feeder's ring holds enough slots for a week
 * and an hour of its slices (at most RING_MAX: finer steps keep less); a
 * slot remembers the slice that started at the time it holds, so a gap,
 * a change of step or a slot reused leaves the older slice not found.
 */
#define RING_MAX 4096

/* The observed mean of the slice [start, start + step); 1 when known. */
static int
recall(const struct feeder *fs, fx_time start, fx_time step, double *v)
{
	size_t k;

	if (fs->ring == NULL || step != fs->ring_step || start < 0)
		return 0;
	k = (size_t)(start / step) % fs->nring;
	if (fs->ring_t[k] != start)
		return 0;
	*v = fs->ring[k];
	return 1;
}

/* Remembers an observed slice and works out the inputs that look back
 * from it: the rise over the last hour, the highest mean in 4 hours. */
static void
remember(struct feeder *fs, fx_time start, fx_time end, double mean)
{
	fx_time step = end - start, t;
	double v;
	size_t k;

	if (step <= 0)
		return;
	if (fs->ring == NULL || step != fs->ring_step) {
		size_t need = (size_t)((7 * DAY_MS + 3600000) / step) + 2;

		for (fs->nring = 64; fs->nring < need &&
		    fs->nring < RING_MAX; fs->nring *= 2)
			;
		fs->ring = fx_xrealloc(fs->ring, fs->nring * sizeof *fs->ring);
		fs->ring_t = fx_xrealloc(fs->ring_t, fs->nring *
		    sizeof *fs->ring_t);
		for (k = 0; k < fs->nring; k++)
			fs->ring_t[k] = -1;
		fs->ring_step = step;
	}
	if (start >= 0) {
		k = (size_t)(start / step) % fs->nring;
		fs->ring[k] = mean;
		fs->ring_t[k] = start;
	}
	fs->rise1h = recall(fs, start - 3600000, step, &v) ? mean - v : 0;
	fs->max4h = mean;
	for (t = start - step; t > start - 4 * 3600000 &&
	    (size_t)((start - t) / step) < fs->nring; t -= step)
		if (recall(fs, t, step, &v) && v > fs->max4h)
			fs->max4h = v;
}

static void
do_history(struct feeder *fs, const struct fin *r)
{
	double mx = r->has_max ? r->max : r->mean, p[CL_K] = { 0 };

	if (pass_derive) {
		if (r->start >= opt.from && r->start < opt.train_to) {
			if (fs->nhist == fs->hcap) {
				fs->hcap = fs->hcap ? 2 * fs->hcap : 1024;
				fs->hist = fx_xrealloc(fs->hist, fs->hcap *
				    sizeof *fs->hist);
			}
			fs->hist[fs->nhist++] = r->mean;
		}
		return;
	}
	if (!has_levels(fs))
		return;
	remember(fs, r->start, r->end, r->mean);
	fs->has_now = 1;
	fs->now_mean = r->mean;
	fs->now_max = mx;
	fs->now_end = r->end;
	fs->now_state = level_state(fs, r->mean);
	if (fs->spike > fs->now_state)
		fs->now_state = fs->spike;
	if (opt.mode != M_CLASSIFY) {
		settle(fs, r->start, fs->now_state);
		return;
	}
	p[fs->now_state] = 1;
	put_state(fs, r->start, r->end, 0, 0, fs->now_state, p, NULL);
	evaluate(fs, r->end, 0);
}

static void
do_predicted(struct feeder *fs, const struct fin *r)
{
	cl_slice sl;
	double x[CL_NIN], p[CL_K];
	int h, st;

	if (pass_derive || !has_levels(fs))
		return;
	memset(&sl, 0, sizeof sl);
	h = (int)r->step;
	sl.p50 = r->mean;
	sl.lo80 = r->lo80;
	sl.hi80 = r->hi80;
	sl.hi95 = r->hi95;
	sl.alert_kw = fs->alert_kw;
	sl.critical_kw = fs->critical_kw;
	sl.now_mean = fs->has_now ? fs->now_mean : sl.p50;
	sl.now_max = fs->has_now ? fs->now_max : sl.p50;
	sl.horizon = h;
	sl.nsteps = (int)(3600000 / (r->end - r->start));
	if (sl.nsteps < 1)
		sl.nsteps = 1;
	if (sl.nsteps > MAXH)
		sl.nsteps = MAXH;
	if (r->has_tod) {
		sl.tod_sin = r->tod_sin;
		sl.tod_cos = r->tod_cos;
	}
	sl.has_temp = r->has_temp;
	sl.temp_c = r->temp;
	sl.spike = fs->spike;
	sl.rise1h = fs->has_now ? fs->rise1h : 0;
	sl.max4h = fs->has_now ? fs->max4h : sl.now_mean;
	if (!recall(fs, r->start - DAY_MS, r->end - r->start, &sl.yday))
		sl.yday = sl.p50;
	if (!recall(fs, r->start - 7 * DAY_MS, r->end - r->start, &sl.week))
		sl.week = sl.p50;
	cl_inputs(&sl, x);
	if (opt.mode != M_CLASSIFY) {
		struct pend *pp;

		if (fs->npend == MAXPEND)
			return;
		if (fs->pend == NULL)
			fs->pend = fx_xmalloc(MAXPEND * sizeof *fs->pend);
		pp = &fs->pend[fs->npend++];
		pp->start = r->start;
		pp->end = r->end;
		pp->issued = r->issued;
		pp->horizon = h;
		memcpy(pp->x, x, sizeof x);
		return;
	}
	if (feeder_model(fs) != NULL)
		cl_probs(feeder_model(fs), x, p);
	else
		cl_rules(&sl, p);
	if (opt.t_critical > 0) {
		/* --decision: the operator's thresholds over the model's */
		cl_model d;

		d.t_alert = opt.t_alert;
		d.t_critical = opt.t_critical;
		st = cl_decide(&d, p);
	} else
		st = cl_decide(feeder_model(fs), p);
	if (r->issued != fs->pred_issued || h == 1) {
		fs->pred_issued = r->issued;
		fs->npred = 0;
	}
	if (h > fs->npred)
		fs->npred = h;
	fs->pred_state[h] = st;
	memcpy(fs->pred_p[h], p, sizeof p);
	fs->pred_start[h] = r->start;
	fs->pred_end[h] = r->end;
	put_state(fs, r->start, r->end, h, r->issued, st, p, x);
	if (h >= sl.nsteps)
		evaluate(fs, r->issued, 1);
}

/* Why r cannot be used (NULL when it can). */
static const char *
fin_problem(const struct fin *r)
{
	static char msg[80];

	if (!r->has_mean)
		return "mean: missing or not a number";
	if (!r->predicted)
		return NULL;
	if (!r->has_step || r->step != floor(r->step) || r->step < 1 ||
	    r->step > MAXH) {
		snprintf(msg, sizeof msg, "step: not an integer 1 to %d", MAXH);
		return msg;
	}
	if (!r->has_issued)
		return "issued_at: missing or not an RFC 3339 time";
	if (!r->has_bounds)
		return "a predicted features record needs numbers mean, lo80, "
		    "hi80 and hi95";
	return NULL;
}

/* A valid record: out first, then what it causes. */
static void
do_fin(const fx_line *ln, const struct fin *r)
{
	struct feeder *fs;

	pass(ln);
	fs = feeder_get(r->id, r->idlen);

	if (r->predicted)
		do_predicted(fs, r);
	else
		do_history(fs, r);
}

/* A finite number field into *v; 1 when present. */
static int
jnum(jv rec, const char *key, double *v)
{
	return fx_json_num(rec, key, v) == 1 && isfinite(*v);
}

static void
do_features(const fx_line *ln, jv rec)
{
	const char *id = fx_json_str(rec, "feeder_id");
	const char *seg = fx_json_str(rec, "segment");
	const char *ws = fx_json_str(rec, "window_start");
	const char *we = fx_json_str(rec, "window_end");
	const char *iss = fx_json_str(rec, "issued_at");
	const char *why;
	struct fin r;

	memset(&r, 0, sizeof r);
	if (id == NULL || *id == '\0') {
		reject("feeder_id: missing, empty or not a string");
		return;
	}
	if (ws == NULL || we == NULL ||
	    fx_time_parse_rfc3339(ws, strlen(ws), &r.start, &why) != 0 ||
	    fx_time_parse_rfc3339(we, strlen(we), &r.end, &why) != 0 ||
	    r.end <= r.start) {
		reject("window_start, window_end: want RFC 3339 times, start "
		    "before end");
		return;
	}
	if (seg == NULL || (strcmp(seg, "history") != 0 &&
	    strcmp(seg, "predicted") != 0)) {
		reject("segment: want \"history\" or \"predicted\"");
		return;
	}
	r.id = id;
	r.idlen = strlen(id);
	r.predicted = strcmp(seg, "predicted") == 0;
	r.has_issued = iss != NULL && fx_time_parse_rfc3339(iss, strlen(iss),
	    &r.issued, &why) == 0;
	r.has_step = fx_json_num(rec, "step", &r.step) == 1;
	r.has_mean = jnum(rec, "mean", &r.mean);
	r.has_max = jnum(rec, "max", &r.max);
	r.has_bounds = jnum(rec, "lo80", &r.lo80) &&
	    jnum(rec, "hi80", &r.hi80) && jnum(rec, "hi95", &r.hi95);
	r.has_tod = jnum(rec, "tod_sin", &r.tod_sin) &&
	    jnum(rec, "tod_cos", &r.tod_cos);
	r.has_temp = jnum(rec, "temperature_c", &r.temp);
	if ((why = fin_problem(&r)) != NULL) {
		reject("%s", why);
		return;
	}
	do_fin(ln, &r);
}

/*
 * The fast path for features records: a scan of the line's members
 * (fx_json_scan).  Returns 1 when the record was handled, 0 when it needs
 * the full parse (unusual text, or something to reject, which the slow
 * path words).
 */
enum { F_TYPE, F_ID, F_SEG, F_WS, F_WE, F_STEP, F_ISS, F_MEAN, F_MAX,
	F_LO80, F_HI80, F_HI95, F_TODS, F_TODC, F_TEMP, NF };

static int
fast_features(const fx_line *ln)
{
	static fx_jfield f[NF] = {
		{ "type", 0, 0, 0 }, { "feeder_id", 0, 0, 0 },
		{ "segment", 0, 0, 0 }, { "window_start", 0, 0, 0 },
		{ "window_end", 0, 0, 0 }, { "step", 0, 0, 0 },
		{ "issued_at", 0, 0, 0 }, { "mean", 0, 0, 0 },
		{ "max", 0, 0, 0 }, { "lo80", 0, 0, 0 }, { "hi80", 0, 0, 0 },
		{ "hi95", 0, 0, 0 }, { "tod_sin", 0, 0, 0 },
		{ "tod_cos", 0, 0, 0 }, { "temperature_c", 0, 0, 0 }
	};
	const char *why;
	struct fin r;
	double d;
	int i;

	if (fx_json_scan(ln->text, ln->len, f, NF) != 1 ||
	    f[F_TYPE].kind != FX_JS_STRING || f[F_TYPE].len != 8 ||
	    memcmp(f[F_TYPE].v, "features", 8) != 0 ||
	    f[F_ID].kind != FX_JS_STRING || f[F_ID].len == 0 ||
	    f[F_SEG].kind != FX_JS_STRING || f[F_WS].kind != FX_JS_STRING ||
	    f[F_WE].kind != FX_JS_STRING)
		return 0;
	memset(&r, 0, sizeof r);
	r.id = f[F_ID].v;
	r.idlen = f[F_ID].len;
	if (f[F_SEG].len == 9 && memcmp(f[F_SEG].v, "predicted", 9) == 0)
		r.predicted = 1;
	else if (!(f[F_SEG].len == 7 && memcmp(f[F_SEG].v, "history", 7) == 0))
		return 0;
	if (fx_time_parse_rfc3339(f[F_WS].v, f[F_WS].len, &r.start,
	    &why) != 0 || fx_time_parse_rfc3339(f[F_WE].v, f[F_WE].len,
	    &r.end, &why) != 0 || r.end <= r.start)
		return 0;
	if (f[F_ISS].kind == FX_JS_STRING)
		r.has_issued = fx_time_parse_rfc3339(f[F_ISS].v, f[F_ISS].len,
		    &r.issued, &why) == 0;
	for (i = F_STEP; i < NF; i++)
		if (f[i].kind == FX_JS_NUMBER &&
		    (!fx_jfield_num(&f[i], &d) || !isfinite(d)))
			return 0;	/* let the full parse judge it */
	r.has_step = fx_jfield_num(&f[F_STEP], &r.step);
	r.has_mean = fx_jfield_num(&f[F_MEAN], &r.mean);
	r.has_max = fx_jfield_num(&f[F_MAX], &r.max);
	r.has_bounds = fx_jfield_num(&f[F_LO80], &r.lo80) &&
	    fx_jfield_num(&f[F_HI80], &r.hi80) &&
	    fx_jfield_num(&f[F_HI95], &r.hi95);
	r.has_tod = fx_jfield_num(&f[F_TODS], &r.tod_sin) &&
	    fx_jfield_num(&f[F_TODC], &r.tod_cos);
	r.has_temp = fx_jfield_num(&f[F_TEMP], &r.temp);
	if (fin_problem(&r) != NULL)
		return 0;	/* to be rejected: the slow path words it */
	do_fin(ln, &r);
	return 1;
}

/* Only limit spikes (fx-detect's rule "limit") carry a severity against
 * the feeder's levels; the other rules' starts and ends leave the state
 * alone. */
static void
do_spike(const fx_line *ln, jv rec)
{
	const char *id = fx_json_str(rec, "feeder_id");
	const char *phase = fx_json_str(rec, "phase");
	const char *sev = fx_json_str(rec, "severity");
	const char *rule = fx_json_str(rec, "rule");
	struct feeder *fs;

	if (id == NULL || *id == '\0' || phase == NULL) {
		reject("spike: feeder_id or phase missing");
		return;
	}
	pass(ln);
	if (rule == NULL || strcmp(rule, "limit") != 0)
		return;
	fs = feeder_get(id, strlen(id));
	if (strcmp(phase, "end") == 0)
		fs->spike = 0;
	else if (strcmp(phase, "start") == 0 && sev != NULL)
		fs->spike = strcmp(sev, "critical") == 0 ? 2 :
		    strcmp(sev, "alert") == 0 ? 1 : 0;
}

/* ---- training rows given whole: label records and matrix files ---- */

/* The levels_from a training row names, as one of ours (persistent). */
static const char *
levels_origin(const char *s, size_t len)
{
	static const char *const known[] = { "model", "config", "--limit",
		"derived" };
	size_t i;

	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		if (s != NULL && strlen(known[i]) == len &&
		    memcmp(s, known[i], len) == 0)
			return known[i];
	return "label";
}

/* A feeder's levels as a training row has them: the first row's win. */
static struct feeder *
row_feeder(const char *id, size_t len, double a, double c, const char *from)
{
	struct feeder *fs = feeder_get(id, len);

	if (!fs->levels_given) {
		fs->alert_kw = a;
		fs->critical_kw = c;
		fs->levels_from = from;
		fs->levels = 1;
		free(fs->levels_text);
		fs->levels_text = NULL;
	}
	fs->levels_given = 1;
	return fs;
}

/* A label record, as much of it as train reads. */
struct lab {
	const char *id, *from;
	size_t idlen, fromlen;
	fx_time start;
	double state, alert, critical, x[CL_NIN - 1];
	int has_start, has_state, has_alert, has_critical, nx;
};

static const char *
lab_problem(const struct lab *l)
{
	if (l->id == NULL || l->idlen == 0)
		return "feeder_id: missing, empty or not a string";
	if (!l->has_start)
		return "slice_start: missing or not an RFC 3339 time";
	if (!l->has_state || !(l->state == 0 || l->state == 1 || l->state == 2))
		return "state: want 0, 1 or 2";
	if (!l->has_alert || !l->has_critical || !(l->alert > 0) ||
	    !(l->critical >= l->alert))
		return "alert_kw, critical_kw: want numbers 0 < alert_kw <= "
		    "critical_kw";
	if (l->nx != CL_NIN - 1)
		return "x: want an object of the 17 model inputs (see "
		    "fx-classify(1)), each a finite number";
	return NULL;
}

_Static_assert(CL_NIN - 1 == 17, "lab_problem's message counts the inputs");

static void
do_lab(const fx_line *ln, const struct lab *l)
{
	struct feeder *fs;
	float x[CL_NIN];
	int j;

	pass(ln);
	fs = row_feeder(l->id, l->idlen, l->alert, l->critical,
	    levels_origin(l->from, l->fromlen));
	x[0] = 1;
	for (j = 1; j < CL_NIN; j++)
		x[j] = (float)l->x[j - 1];
	add_row(fs, l->start, (int)l->state, x);
}

/* The fast path, as fast_features: 1 when handled. */
static int
fast_label(const fx_line *ln)
{
	enum { L_TYPE, L_ID, L_START, L_STATE, L_ALERT, L_CRIT, L_FROM, L_X,
		NL };
	static fx_jfield f[NL] = {
		{ "type", 0, 0, 0 }, { "feeder_id", 0, 0, 0 },
		{ "slice_start", 0, 0, 0 }, { "state", 0, 0, 0 },
		{ "alert_kw", 0, 0, 0 }, { "critical_kw", 0, 0, 0 },
		{ "levels_from", 0, 0, 0 }, { "x", 0, 0, 0 }
	};
	static fx_jfield xf[CL_NIN - 1];
	const char *why;
	struct lab l;
	int j;

	if (xf[0].key == NULL)
		for (j = 1; j < CL_NIN; j++)
			xf[j - 1].key = cl_input_name[j];
	if (fx_json_scan(ln->text, ln->len, f, NL) != 1 ||
	    f[L_ID].kind != FX_JS_STRING || f[L_START].kind != FX_JS_STRING ||
	    f[L_X].kind != FX_JS_OBJECT ||
	    fx_json_scan(f[L_X].v, f[L_X].len, xf, CL_NIN - 1) != 1)
		return 0;
	memset(&l, 0, sizeof l);
	l.id = f[L_ID].v;
	l.idlen = f[L_ID].len;
	if (f[L_FROM].kind == FX_JS_STRING) {
		l.from = f[L_FROM].v;
		l.fromlen = f[L_FROM].len;
	}
	l.has_start = fx_time_parse_rfc3339(f[L_START].v, f[L_START].len,
	    &l.start, &why) == 0;
	l.has_state = fx_jfield_num(&f[L_STATE], &l.state);
	l.has_alert = fx_jfield_num(&f[L_ALERT], &l.alert) &&
	    isfinite(l.alert);
	l.has_critical = fx_jfield_num(&f[L_CRIT], &l.critical) &&
	    isfinite(l.critical);
	for (j = 0; j < CL_NIN - 1; j++)
		if (fx_jfield_num(&xf[j], &l.x[j]) && isfinite(l.x[j]))
			l.nx++;
	if (lab_problem(&l) != NULL)
		return 0;	/* the slow path words it */
	do_lab(ln, &l);
	return 1;
}

static void
do_label(const fx_line *ln, jv rec)
{
	const char *ss = fx_json_str(rec, "slice_start");
	const char *why;
	jv x = fx_json_get(rec, "x");
	struct lab l;
	int j;

	memset(&l, 0, sizeof l);
	l.id = fx_json_str(rec, "feeder_id");
	l.idlen = l.id != NULL ? strlen(l.id) : 0;
	l.from = fx_json_str(rec, "levels_from");
	l.fromlen = l.from != NULL ? strlen(l.from) : 0;
	l.has_start = ss != NULL && fx_time_parse_rfc3339(ss, strlen(ss),
	    &l.start, &why) == 0;
	l.has_state = fx_json_num(rec, "state", &l.state) == 1;
	l.has_alert = jnum(rec, "alert_kw", &l.alert);
	l.has_critical = jnum(rec, "critical_kw", &l.critical);
	if (jv_get_kind(x) == JV_KIND_OBJECT)
		for (j = 1; j < CL_NIN; j++)
			if (jnum(x, cl_input_name[j], &l.x[j - 1]))
				l.nx++;
	jv_free(x);
	if ((why = lab_problem(&l)) != NULL) {
		reject("%s", why);
		return;
	}
	do_lab(ln, &l);
}

/* A training matrix (label --matrix): every row a training row. */
static void
run_matrix(const char *path)
{
	cl_matrix m;
	struct feeder **fv = NULL;
	unsigned long long bad = 0;
	char err[512];
	jv list;
	uint64_t i;
	size_t nf = 0, f;

	if (cl_matrix_open(&m, path, err, sizeof err) != 0) {
		fx_error("%s", err);
		exit(FX_EXIT_FAIL);
	}
	list = fx_json_get(m.trailer, "feeders");
	if (jv_get_kind(list) != JV_KIND_ARRAY) {
		fx_error("%s: not a training matrix: the trailer has no "
		    "feeders array", path);
		exit(FX_EXIT_FAIL);
	}
	nf = (size_t)jv_array_length(jv_copy(list));
	fv = fx_xcalloc(nf ? nf : 1, sizeof *fv);
	for (f = 0; f < nf; f++) {
		jv e = jv_array_get(jv_copy(list), (int)f);
		const char *id = fx_json_str(e, "feeder_id");
		const char *from = fx_json_str(e, "levels_from");
		double a, c;

		if (id != NULL && *id != '\0' &&
		    fx_json_num(e, "alert_kw", &a) == 1 &&
		    fx_json_num(e, "critical_kw", &c) == 1 && a > 0 && c >= a &&
		    isfinite(c))
			fv[f] = row_feeder(id, strlen(id), a, c,
			    levels_origin(from, from ? strlen(from) : 0));
		jv_free(e);
	}
	jv_free(list);
	for (i = 0; i < m.nrows; i++) {
		const char *why = NULL;
		cl_sample *dst[2];
		cl_row r;
		int n;

		cl_matrix_head(&m, i, &r);
		n_in++;
		if (r.feeder >= nf || fv[r.feeder] == NULL)
			why = "feeder: not one with levels in the trailer";
		else if (r.horizon < 1 || r.horizon > MAXH)
			why = "horizon: not 1 to 4";
		else if (r.state > 2)
			why = "state: not 0, 1 or 2";
		else if (r.reserved != 0)
			why = "reserved bytes not 0";
		else if (!cl_matrix_finite(&m, i))
			why = "x: not a finite number";
		if (why != NULL) {
			n_rej++;
			if (++bad <= 10)
				fx_error("%s: row %llu: %s", path,
				    (unsigned long long)i + 1, why);
			if (opt.strict)
				exit(FX_EXIT_FAIL);
			continue;
		}
		n_pass++;
		/* the inputs are decoded only for the rows that are kept */
		n = row_slots(fv[r.feeder], r.start, r.state, dst);
		if (n > 0) {
			cl_matrix_x(&m, i, dst[0]->x + 1);
			if (n > 1)
				memcpy(dst[1]->x + 1, dst[0]->x + 1,
				    (CL_NIN - 1) * sizeof dst[0]->x[0]);
		}
	}
	if (bad > 10)
		fx_error("%s: %llu rows refused in all", path, bad);
	free(fv);
	cl_matrix_close(&m);
}

static void
do_line(const fx_line *ln)
{
	char err[256];
	const char *type;
	size_t tlen;
	jv rec;

	type = fx_record_peek_type(ln->text, ln->len, &tlen);
	if (type != NULL && tlen == 8 && memcmp(type, "features", 8) == 0 &&
	    fast_features(ln))
		return;
	if (opt.mode == M_TRAIN && !pass_derive && type != NULL &&
	    tlen == 5 && memcmp(type, "label", 5) == 0 && fast_label(ln))
		return;
	if (type != NULL &&
	    !(tlen == 8 && memcmp(type, "features", 8) == 0) &&
	    !(tlen == 5 && memcmp(type, "spike", 5) == 0) &&
	    !(tlen == 5 && memcmp(type, "label", 5) == 0 &&
	    opt.mode == M_TRAIN && !pass_derive)) {
		pass(ln);
		return;
	}
	rec = fx_json_parse_record(ln->text, ln->len, &type, err,
	    sizeof err);
	if (!jv_is_valid(rec)) {
		jv_free(rec);
		reject("%s", err);
		return;
	}
	if (strcmp(type, "features") == 0)
		do_features(ln, rec);
	else if (strcmp(type, "spike") == 0)
		do_spike(ln, rec);
	else if (strcmp(type, "label") == 0 && opt.mode == M_TRAIN &&
	    !pass_derive)
		do_label(ln, rec);
	else
		pass(ln);
	jv_free(rec);
}

static void
run_input(const char *path)
{
	fx_reader *r;
	fx_line ln;
	int rc;

	if (strcmp(path, "-") != 0 && cl_matrix_sniff(path)) {
		if (opt.mode != M_TRAIN) {
			fx_error("%s: a training matrix is read by train only",
			    path);
			exit(FX_EXIT_USAGE);
		}
		if (!pass_derive)
			run_matrix(path);
		return;
	}
	r = fx_reader_open(path, 0);
	if (r == NULL)
		exit(FX_EXIT_FAIL);
	if (out != NULL)
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

/* ---- --derive-levels ---- */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
quantile(const double *v, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t i = (size_t)pos;

	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (pos - (double)i) * (v[i + 1] - v[i]);
}

/* First pass: each feeder's levels from its observed slices' means. */
static void
derive_levels(int argc, char **argv)
{
	size_t f;
	int i;

	pass_derive = 1;
	for (i = 0; i < argc; i++)
		run_input(argv[i]);
	pass_derive = 0;
	n_in = n_pass = n_rej = 0;
	for (f = 0; f < fx_feeders_count(feeders); f++) {
		struct feeder *fs = fx_feeders_state(feeders, f);

		fs->spike = 0;
		if (fs->nhist < 96) {
			fx_warn("feeder '%s': %zu observed slices before "
			    "--train-to: too few to derive levels",
			    fx_quote(fs->id, strlen(fs->id)), fs->nhist);
			continue;
		}
		qsort(fs->hist, fs->nhist, sizeof *fs->hist, cmp_double);
		fs->alert_kw = quantile(fs->hist, fs->nhist, opt.q_alert);
		fs->critical_kw = quantile(fs->hist, fs->nhist, opt.q_critical);
		if (fs->critical_kw <= fs->alert_kw)
			fs->critical_kw = nextafter(fs->alert_kw, INFINITY);
		fs->levels = 1;
		fs->levels_from = "derived";
		fs->spike = 0;	/* the second read starts afresh */
		free(fs->hist);
		fs->hist = NULL;
		fs->nhist = fs->hcap = 0;
	}
}

/* ---- train ---- */

static void
confusion(const cl_model *m, const struct sampleset *ss, int64_t cm[3][3])
{
	size_t i;
	int j;

	memset(cm, 0, 9 * sizeof cm[0][0]);
	for (i = 0; i < ss->n; i++) {
		double x[CL_NIN], p[CL_K];

		for (j = 0; j < CL_NIN; j++)
			x[j] = ss->s[i].x[j];
		cl_probs(m, x, p);
		cm[ss->s[i].y][cl_decide(m, p)]++;
	}
}

static void
put_metrics(const struct sampleset *ss, const cl_model *m)
{
	int64_t cm[3][3];
	double w[CL_K];
	int a, b;

	class_weights(ss, w);
	confusion(m, ss, cm);
	fx_buf_puts(&ob, "{\"samples\":[");
	for (a = 0; a < 3; a++) {
		if (a)
			fx_buf_putc(&ob, ',');
		fx_buf_int(&ob, ss->count[a]);
	}
	/* a kept row of class a stands for w[a] rows */
	fx_buf_puts(&ob, "],\"confusion\":[");
	for (a = 0; a < 3; a++) {
		fx_buf_puts(&ob, a ? ",[" : "[");
		for (b = 0; b < 3; b++) {
			if (b)
				fx_buf_putc(&ob, ',');
			fx_buf_int(&ob, (int64_t)llround((double)cm[a][b] *
			    w[a]));
		}
		fx_buf_putc(&ob, ']');
	}
	fx_buf_puts(&ob, "],\"recall\":[");
	for (a = 0; a < 3; a++) {
		double row = 0;

		for (b = 0; b < 3; b++)
			row += (double)cm[a][b];
		if (a)
			fx_buf_putc(&ob, ',');
		if (row > 0)
			fx_buf_fixed(&ob, (double)cm[a][a] / row, 4);
		else
			fx_buf_puts(&ob, "null");
	}
	fx_buf_puts(&ob, "],\"precision\":[");
	for (b = 0; b < 3; b++) {
		double col = 0;

		for (a = 0; a < 3; a++)
			col += (double)cm[a][b] * w[a];
		if (b)
			fx_buf_putc(&ob, ',');
		if (col > 0)
			fx_buf_fixed(&ob, (double)cm[b][b] * w[b] /
			    col, 4);
		else
			fx_buf_puts(&ob, "null");
	}
	fx_buf_puts(&ob, "]}");
}

/*
 * The decision thresholds, on the training samples: for Critical the
 * lowest probability threshold whose precision reaches --precision (the
 * most recall for that precision), else the one with the best F1; for
 * Alert-or-worse the best F1.  A kept sample of class k counts w[k]
 * times.
 */
/* The highest t in 0..99 with t / 100 <= p (0 when none): a sample is
 * positive at threshold t / 100, t >= 1, exactly when t <= bin(p). */
static int
bin100(double p)
{
	int t = p >= 1 ? 99 : p > 0 ? (int)(p * 100) : 0;

	if (t > 99)
		t = 99;
	while (t < 99 && (t + 1) / 100.0 <= p)
		t++;
	while (t > 0 && t / 100.0 > p)
		t--;
	return t;
}

static void
tune(cl_model *m, const struct sampleset *ss, const double cw[CL_K])
{
	/* by the bin of each probability, the weight of the samples that are
	 * and are not of the class: [0] Alert or worse, [1] Critical */
	double yes[2][100] = { { 0 } }, no[2][100] = { { 0 } };
	double best_f1 = -1, best_t = 0.5, f1_a = -1;
	double tp[2] = { 0, 0 }, fp[2] = { 0, 0 }, all[2] = { 0, 0 };
	double tpa[2][100], fpa[2][100];	/* at threshold t / 100 */
	size_t i;
	int t, j, c;

	for (i = 0; i < ss->n; i++) {
		double x[CL_NIN], p[CL_K], w = cw[ss->s[i].y];
		int b1, b2;

		for (j = 0; j < CL_NIN; j++)
			x[j] = ss->s[i].x[j];
		cl_probs(m, x, p);
		b1 = bin100(p[1] + p[2]);
		b2 = bin100(p[2]);
		if (ss->s[i].y >= 1)
			yes[0][b1] += w;
		else
			no[0][b1] += w;
		if (ss->s[i].y == 2)
			yes[1][b2] += w;
		else
			no[1][b2] += w;
	}
	for (c = 0; c < 2; c++)
		for (t = 0; t < 100; t++)
			all[c] += yes[c][t];
	/* the positives at threshold t / 100 are the bins t..99: from 99
	 * down, then read from 1 up */
	for (t = 99; t >= 1; t--)
		for (c = 0; c < 2; c++) {
			tp[c] += yes[c][t];
			fp[c] += no[c][t];
			tpa[c][t] = tp[c];
			fpa[c][t] = fp[c];
		}
	m->t_critical = -1;
	for (t = 1; t < 100; t++) {
		double th = t / 100.0, p2 = tpa[1][t], f2 = fpa[1][t];
		double fn = all[1] - p2, prec, rec, f1;

		prec = p2 + f2 > 0 ? p2 / (p2 + f2) : 0;
		rec = p2 + fn > 0 ? p2 / (p2 + fn) : 0;
		f1 = prec + rec > 0 ? 2 * prec * rec / (prec + rec) : 0;
		if (m->t_critical < 0 && prec >= opt.precision &&
		    p2 > 0)
			m->t_critical = th;
		if (f1 > best_f1) {
			best_f1 = f1;
			best_t = th;
		}
	}
	if (m->t_critical < 0)
		m->t_critical = best_f1 > 0 ? best_t : 0.5;
	m->t_alert = 0.5;
	for (t = 1; t < 100; t++) {
		double p1 = tpa[0][t], f1v = fpa[0][t];
		double fn = all[0] - p1;
		double f1 = p1 > 0 ? 2 * p1 / (2 * p1 + f1v + fn) : 0;

		if (f1 > f1_a && f1 > 0) {
			f1_a = f1;
			m->t_alert = t / 100.0;
		}
	}
}

/*
 * train --per-feeder: fs's own model, on its rows alone, when it has
 * enough of them and of every state; written into its entry of the
 * model file's feeders.  Returns 1 when it has one.
 */
static int
put_own(struct feeder *fs)
{
	struct sampleset *tr = &fs->fset[0], *ho = &fs->fset[1];
	cl_train_opts o = { opt.l2, 1, 50, 0, opt.threads };
	cl_model m;
	double w[CL_K];
	size_t i;
	int it, k;

	if ((long)(tr->count[0] + tr->count[1] + tr->count[2]) <
	    opt.per_feeder)
		return 0;
	for (k = 0; k < CL_K; k++)
		if (tr->count[k] < 10)
			return 0;
	flatten(tr);
	flatten(ho);
	memset(&m, 0, sizeof m);
	class_weights(tr, w);
	for (i = 0; i < tr->n; i++)
		tr->s[i].w = (float)w[tr->s[i].y];
	if ((it = cl_train(&m, tr->s, tr->n, &o)) < 0) {
		fx_warn("train: feeder '%s': its own model failed; the "
		    "global model serves it", fx_quote(fs->id,
		    strlen(fs->id)));
		return 0;
	}
	tune(&m, tr, w);
	fx_buf_puts(&ob, ",\"model\":{");
	cl_model_put_params(&m, &ob);
	fx_buf_puts(&ob, ",\"iterations\":");
	fx_buf_int(&ob, it);
	fx_buf_puts(&ob, ",\"training\":{\"kept\":[");
	for (k = 0; k < CL_K; k++) {
		if (k)
			fx_buf_putc(&ob, ',');
		fx_buf_int(&ob, (int64_t)tr->kept[k]);
	}
	fx_buf_puts(&ob, "],\"metrics\":");
	put_metrics(tr, &m);
	fx_buf_puts(&ob, ",\"global_metrics\":");
	put_metrics(tr, &model);
	fx_buf_puts(&ob, "},\"heldout\":");
	if (ho->n > 0) {
		fx_buf_puts(&ob, "{\"metrics\":");
		put_metrics(ho, &m);
		fx_buf_puts(&ob, ",\"global_metrics\":");
		put_metrics(ho, &model);
		fx_buf_putc(&ob, '}');
	} else
		fx_buf_puts(&ob, "null");
	fx_buf_putc(&ob, '}');
	return 1;
}

static void
train(void)
{
	struct sampleset *tr = &sets[0];
	cl_train_opts o = { opt.l2, 1, 50, opt.verbose, opt.threads };
	char ts[FX_TIME_MAX_TEXT];
	size_t i, f, nown = 0;
	int it, k;
	FILE *fp;
	double w[CL_K];
	char ownmsg[64] = "";

	flatten(&sets[0]);
	flatten(&sets[1]);
	class_weights(tr, w);
	for (i = 0; i < tr->n; i++)
		tr->s[i].w = (float)w[tr->s[i].y];
	if (tr->count[2] == 0)
		fx_warn("train: no Critical slices in the training period");
	it = cl_train(&model, tr->s, tr->n, &o);
	if (it < 0)
		exit(FX_EXIT_FAIL);
	tune(&model, tr, w);
	fx_time_format(fx_time_now(), ts);
	snprintf(model.version, sizeof model.version, "lr-%.4s%.2s%.2s-%zu",
	    ts, ts + 5, ts + 8, tr->n);
	fx_buf_puts(&ob, "{\"format\":\"fluxeon-classify-model\","
	    "\"model_version\":");
	fx_buf_jstr(&ob, model.version, strlen(model.version));
	fx_buf_puts(&ob, ",\"created\":\"");
	fx_buf_puts(&ob, ts);
	fx_buf_puts(&ob, "\",\"kind\":\"multinomial logistic regression\",");
	cl_model_put(&model, &ob);
	fx_buf_puts(&ob, ",\"iterations\":");
	fx_buf_int(&ob, it);
	fx_buf_puts(&ob, ",\"training\":{\"from\":");
	if (opt.from == INT64_MIN)
		fx_buf_puts(&ob, "null");
	else
		fx_buf_time(&ob, opt.from);
	fx_buf_puts(&ob, ",\"to\":");
	if (opt.train_to == INT64_MAX)
		fx_buf_puts(&ob, "null");
	else
		fx_buf_time(&ob, opt.train_to);
	fx_buf_puts(&ob, ",\"class0_kept\":");
	fx_buf_int(&ob, (int64_t)tr->kept[0]);
	fx_buf_puts(&ob, ",\"kept\":[");
	for (k = 0; k < CL_K; k++) {
		if (k)
			fx_buf_putc(&ob, ',');
		fx_buf_int(&ob, (int64_t)tr->kept[k]);
	}
	fx_buf_putc(&ob, ']');
	fx_buf_puts(&ob, ",\"metrics\":");
	put_metrics(tr, &model);
	fx_buf_puts(&ob, "},\"heldout\":");
	if (sets[1].n > 0) {
		fx_buf_puts(&ob, "{\"from\":");
		fx_buf_time(&ob, opt.train_to);
		fx_buf_puts(&ob, ",\"to\":");
		if (opt.to == INT64_MAX)
			fx_buf_puts(&ob, "null");
		else
			fx_buf_time(&ob, opt.to);
		fx_buf_puts(&ob, ",\"metrics\":");
		put_metrics(&sets[1], &model);
		fx_buf_putc(&ob, '}');
	} else
		fx_buf_puts(&ob, "null");
	fx_buf_puts(&ob, ",\"feeders\":{");
	for (f = 0; f < fx_feeders_count(feeders); f++) {
		struct feeder *fs = fx_feeders_state(feeders, f);

		if (fs->levels <= 0)
			continue;
		if (ob.data[ob.len - 1] != '{')
			fx_buf_putc(&ob, ',');
		fx_buf_jstr(&ob, fs->id, strlen(fs->id));
		fx_buf_puts(&ob, ":{\"alert_kw\":");
		fx_buf_num(&ob, fs->alert_kw);
		fx_buf_puts(&ob, ",\"critical_kw\":");
		fx_buf_num(&ob, fs->critical_kw);
		fx_buf_puts(&ob, ",\"levels_from\":");
		fx_buf_jstr(&ob, fs->levels_from, strlen(fs->levels_from));
		if (fs->fset != NULL)
			nown += (size_t)put_own(fs);
		fx_buf_putc(&ob, '}');
	}
	fx_buf_puts(&ob, "}}\n");
	if (opt.per_feeder > 0)
		snprintf(ownmsg, sizeof ownmsg, "; %zu feeders with their own "
		    "model", nown);
	if ((fp = fopen(opt.out_path, "w")) == NULL ||
	    fwrite(ob.data, 1, ob.len, fp) != ob.len || fclose(fp) != 0) {
		fx_error("%s: %s", opt.out_path, strerror(errno));
		exit(FX_EXIT_FAIL);
	}
	if (!opt.quiet)
		fprintf(stderr, "%s: train: %zu samples (%lld normal, %lld "
		    "alert, %lld critical; kept 1 in %.3g, %.3g, %.3g), %d "
		    "iterations; held out %zu%s; wrote %s\n", PROG, tr->n,
		    (long long)tr->count[0], (long long)tr->count[1],
		    (long long)tr->count[2], w[0], w[1], w[2], it, sets[1].n,
		    ownmsg, opt.out_path);
	fx_buf_free(&ob);
}

/* ---- label --matrix ---- */

/* The trailer: every feeder in order of appearance, with its levels. */
static void
close_matrix(void)
{
	fx_buf t = FX_BUF_INIT;
	char err[512];
	size_t f;

	fx_buf_puts(&t, "{\"labels\":");
	fx_buf_int(&t, (int64_t)n_label);
	fx_buf_puts(&t, ",\"feeders\":[");
	for (f = 0; f < fx_feeders_count(feeders); f++) {
		struct feeder *fs = fx_feeders_state(feeders, f);

		if (f)
			fx_buf_putc(&t, ',');
		fx_buf_puts(&t, "{\"feeder_id\":");
		fx_buf_jstr(&t, fs->id, strlen(fs->id));
		if (fs->levels > 0) {
			fx_buf_puts(&t, ",\"alert_kw\":");
			fx_buf_num(&t, fs->alert_kw);
			fx_buf_puts(&t, ",\"critical_kw\":");
			fx_buf_num(&t, fs->critical_kw);
			fx_buf_puts(&t, ",\"levels_from\":");
			fx_buf_jstr(&t, fs->levels_from,
			    strlen(fs->levels_from));
		}
		fx_buf_putc(&t, '}');
	}
	fx_buf_puts(&t, "]}");
	if (cl_mwriter_close(mw, t.data, t.len, err, sizeof err) != 0) {
		fx_error("%s", err);
		exit(FX_EXIT_FAIL);
	}
	mw = NULL;
	fx_buf_free(&t);
}

/* Every feeder's own model in the model file must read (exit 2). */
static void
check_own_models(const char *path)
{
	jv f = fx_json_get(model.doc, "feeders");
	char where[512], err[768];
	int it, ok = 1;

	if (jv_get_kind(f) == JV_KIND_OBJECT)
		for (it = jv_object_iter(f); ok && jv_object_iter_valid(f, it);
		    it = jv_object_iter_next(f, it)) {
			jv key = jv_object_iter_key(f, it);
			jv e = jv_object_iter_value(f, it);
			jv om = fx_json_get(e, "model");
			cl_model m;

			if (jv_get_kind(om) != JV_KIND_NULL) {
				snprintf(where, sizeof where,
				    "%s: feeders.%s.model", path,
				    jv_string_value(key));
				if (jv_get_kind(om) != JV_KIND_OBJECT) {
					fx_error("%s: not an object", where);
					ok = 0;
				} else if (cl_model_parse(&m, om, where, err,
				    sizeof err) != 0) {
					fx_error("%s", err);
					ok = 0;
				}
			}
			jv_free(om);
			jv_free(e);
			jv_free(key);
		}
	jv_free(f);
	if (!ok)
		exit(FX_EXIT_USAGE);
}

/* ---- options ---- */

enum { O_CONFIRM = 256, O_DECISION, O_DERIVE, O_ERRORS_INLINE, O_FROM, O_HOLD, O_L2, O_LIMIT,
	O_FEEDER_MAX, O_MATRIX, O_MAX_SAMPLES, O_NO_SLICES, O_PER_FEEDER, O_PRECISION, O_RULES, O_STRICT, O_THREADS, O_TO,
	O_TRAIN_TO };

static void
parse_time(const char *what, const char *s, fx_time *t)
{
	const char *why;
	int zoned;

	if (fx_time_parse(s, strlen(s), t, &zoned, &why) != 0) {
		fx_error("%s: %s '%s'", what, why, fx_quote(s, strlen(s)));
		exit(FX_EXIT_USAGE);
	}
}

static double
parse_number(const char *what, const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi)) {
		fx_error("%s: want a number from %g to %g, not '%s'", what, lo,
		    hi, fx_quote(s, strlen(s)));
		exit(FX_EXIT_USAGE);
	}
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "confirm", required_argument, NULL, O_CONFIRM },
		{ "decision", required_argument, NULL, O_DECISION },
		{ "derive-levels", required_argument, NULL, O_DERIVE },
		{ "errors-inline", no_argument, NULL, O_ERRORS_INLINE },
		{ "feeder-max-samples", required_argument, NULL, O_FEEDER_MAX },
		{ "from", required_argument, NULL, O_FROM },
		{ "hold", required_argument, NULL, O_HOLD },
		{ "l2", required_argument, NULL, O_L2 },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "matrix", required_argument, NULL, O_MATRIX },
		{ "max-samples", required_argument, NULL, O_MAX_SAMPLES },
		{ "no-slices", no_argument, NULL, O_NO_SLICES },
		{ "per-feeder", required_argument, NULL, O_PER_FEEDER },
		{ "precision", required_argument, NULL, O_PRECISION },
		{ "rules", no_argument, NULL, O_RULES },
		{ "strict", no_argument, NULL, O_STRICT },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "to", required_argument, NULL, O_TO },
		{ "train-to", required_argument, NULL, O_TRAIN_TO },
		{ NULL, 0, NULL, 0 }
	};
	const char *cfg = NULL;
	char err[512], *comma;
	int ch, i, status = FX_EXIT_OK;

	fx_err_init(PROG);
	gsl_set_error_handler_off();
	opt.from = opt.train_to = INT64_MIN;
	opt.to = INT64_MAX;
	opt.train_to = INT64_MAX;
	opt.hold_ms = 30 * 60000;
	opt.l2 = 1e-4;
	opt.max_samples = 2000000;
	opt.feeder_max = 20000;
	opt.precision = 0.7;
	if (argc > 1 && strcmp(argv[1], "label") == 0) {
		opt.mode = M_LABEL;
		argv++;
		argc--;
	} else if (argc > 1 && strcmp(argv[1], "train") == 0) {
		opt.mode = M_TRAIN;
		argv++;
		argc--;
	}
	while ((ch = getopt_long(argc, argv, "c:hm:o:qv", longopts,
	    NULL)) != -1)
		switch (ch) {
		case 'c': cfg = optarg; break;
		case 'h': usage(FX_EXIT_OK); break;
		case 'm': opt.model_path = optarg; break;
		case 'o': opt.out_path = optarg; break;
		case 'q': opt.quiet = 1; break;
		case 'v': opt.verbose = 1; break;
		case O_DERIVE:
			opt.derive = 1;
			opt.q_alert = strtod(optarg, &comma);
			if (*comma != ',' ||
			    sscanf(comma + 1, "%lf", &opt.q_critical) != 1 ||
			    !(opt.q_alert > 0 && opt.q_alert < opt.q_critical &&
			    opt.q_critical < 1)) {
				fx_error("--derive-levels: want two quantiles "
				    "0 < alert < critical < 1, e.g. 0.95,0.99, "
				    "not '%s'", fx_quote(optarg, strlen(optarg)));
				exit(FX_EXIT_USAGE);
			}
			break;
		case O_CONFIRM:
			opt.confirm = (int)parse_number("--confirm", optarg, 1,
			    100);
			break;
		case O_DECISION:
			opt.t_alert = strtod(optarg, &comma);
			if (*comma != ',' ||
			    sscanf(comma + 1, "%lf", &opt.t_critical) != 1 ||
			    !(opt.t_alert > 0 && opt.t_alert <= 1 &&
			    opt.t_critical > 0 && opt.t_critical <= 1)) {
				fx_error("--decision: want two probabilities in "
				    "(0, 1], alert and critical, e.g. 0.5,0.3, "
				    "not '%s'", fx_quote(optarg, strlen(optarg)));
				exit(FX_EXIT_USAGE);
			}
			break;
		case O_ERRORS_INLINE: opt.errors_inline = 1; break;
		case O_FROM: parse_time("--from", optarg, &opt.from); break;
		case O_HOLD:
			opt.hold_ms = fx_opt_duration("--hold", optarg);
			break;
		case O_L2: opt.l2 = parse_number("--l2", optarg, 0, 1e6); break;
		case O_LIMIT:
			opt.limit = parse_number("--limit", optarg, 1e-9, 1e15);
			break;
		case O_MATRIX: opt.matrix_path = optarg; break;
		case O_FEEDER_MAX:
			opt.feeder_max = (long)parse_number(
			    "--feeder-max-samples", optarg, 100, 1e9);
			break;
		case O_PER_FEEDER:
			opt.per_feeder = (long)parse_number("--per-feeder",
			    optarg, 30, 1e12);
			break;
		case O_MAX_SAMPLES:
			opt.max_samples = (long)parse_number("--max-samples",
			    optarg, 100, 1e9);
			break;
		case O_NO_SLICES: opt.no_slices = 1; break;
		case O_PRECISION:
			opt.precision = parse_number("--precision", optarg, 0.01,
			    1);
			break;
		case O_RULES: opt.rules = 1; break;
		case O_STRICT: opt.strict = 1; break;
		case O_THREADS:
			opt.threads = (int)parse_number("--threads", optarg, 1,
			    64);
			break;
		case O_TO: parse_time("--to", optarg, &opt.to); break;
		case O_TRAIN_TO:
			parse_time("--train-to", optarg, &opt.train_to);
			break;
		default: usage(FX_EXIT_USAGE);
		}
	argc -= optind;
	argv += optind;
	if (opt.mode == M_TRAIN && opt.out_path == NULL) {
		fx_error("train: -o model.json is required");
		usage(FX_EXIT_USAGE);
	}
	if (opt.threads == 0) {
		/* the CPUs this process may run on */
		cpu_set_t cs;

		opt.threads = sched_getaffinity(0, sizeof cs, &cs) == 0 ?
		    CPU_COUNT(&cs) : 1;
		if (opt.threads < 1)
			opt.threads = 1;
	}
	if ((opt.per_feeder > 0 || opt.feeder_max != 20000) &&
	    opt.mode != M_TRAIN) {
		fx_error("--per-feeder, --feeder-max-samples: only with train");
		exit(FX_EXIT_USAGE);
	}
	if (opt.matrix_path != NULL && opt.mode != M_LABEL) {
		fx_error("--matrix: only with label");
		exit(FX_EXIT_USAGE);
	}
	if (opt.derive && (opt.mode == M_CLASSIFY || argc == 0)) {
		fx_error("--derive-levels: only with label or train, on files "
		    "(they are read twice)");
		exit(FX_EXIT_USAGE);
	}
	if (opt.derive && opt.train_to == INT64_MAX && opt.to == INT64_MAX) {
		fx_error("--derive-levels: give --train-to (or --to): the "
		    "levels come from the slices before it");
		exit(FX_EXIT_USAGE);
	}
	if (opt.derive && opt.train_to == INT64_MAX)
		opt.train_to = opt.to;
	if ((config = fx_config_load(cfg, err, sizeof err)) == NULL) {
		fx_error("%s", err);
		exit(FX_EXIT_USAGE);
	}
	if (opt.model_path != NULL) {
		if (cl_model_load(&model, opt.model_path, err,
		    sizeof err) != 0) {
			fx_error("%s", err);
			exit(FX_EXIT_USAGE);
		}
		have_model = 1;
		check_own_models(opt.model_path);
	}
	rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 1);
	frng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(frng, 2);
	if (opt.mode != M_TRAIN)
		out = fx_writer_new(1, 0);
	feeders = fx_feeders_new(sizeof(struct feeder), free_feeder);
	if (opt.derive)
		derive_levels(argc, argv);
	if (opt.matrix_path != NULL &&
	    (mw = cl_mwriter_open(opt.matrix_path, err, sizeof err)) == NULL) {
		fx_error("%s", err);
		exit(FX_EXIT_FAIL);
	}
	for (i = 0; i < (argc ? argc : 1); i++)
		run_input(argc ? argv[i] : "-");
	finish_output();
	if (mw != NULL)
		close_matrix();
	if (n_in != n_pass + n_rej) {
		fx_error("internal error: %llu records in, %llu accounted for",
		    n_in, n_pass + n_rej);
		status = FX_EXIT_FAIL;
	}
	if (!opt.quiet)
		fprintf(stderr, "%s: %llu records in: %llu passed, %llu "
		    "rejected; %llu states, %llu state changes, %llu labels\n",
		    PROG, n_in, n_pass, n_rej, n_state, n_change,
		    opt.mode == M_TRAIN ? rows_offered() : n_label);
	if (opt.mode == M_TRAIN)
		train();
	fx_feeders_free(feeders);
	fx_config_free(config);
	gsl_rng_free(rng);
	gsl_rng_free(frng);
	jv_free(model.doc);
	fx_buf_free(&ob);
	free(sets[0].s);
	free(sets[1].s);
	for (i = 0; i < CL_K; i++) {
		free(sets[0].cs[i]);
		free(sets[1].cs[i]);
	}
	return status;
}
