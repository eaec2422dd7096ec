/*
 * forecast.c - fx-eval's forecast scorer.
 *
 * Each step of a forecast record waits, in its feeder's list of pending
 * steps ordered by end, until a reading of the feeder at or after the
 * step's end arrives; the actual value is then the mean of the feeder's
 * readings in [start, end), and the error goes into the sums of the
 * step's group (model, feeder, step index).  Only sums are kept, so the
 * memory is that of the pending steps and one accumulator per group.
 *
 * The MASE scale of a feeder is the mean absolute error of the seasonal
 * naive forecast y[k] = y[k - m] over its readings before --from, binned
 * on the feeder's own grid (fx_step_for_spacing of the smallest gap among
 * its first readings, as fx-forecast chooses it); m = season / step, and
 * only the last m bins are kept.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "eval.h"
#include "json.h"
#include "record.h"
#include "timeutil.h"

struct fc_pend {
	fx_time start, end;
	double p50, lo80, hi80, lo95, hi95;
	unsigned model;		/* index in models[] */
	unsigned step;		/* 0-based index in the record */
};

/* The sums of one group. */
struct acc {
	unsigned long long n, missing, unresolved;
	unsigned long long npos, nneg;	/* actuals > 0, < 0 */
	unsigned long long nsape, in80, in95;
	/* sums of |e|, e^2 and e, e = forecast - actual */
	double sae, sse, se;
	double sape;		/* sum of |e| / |a| */
	double ssape;		/* sum of 2 |e| / (|f| + |a|) */
	double w80, w95;	/* sums of interval widths */
	fx_time first, last;	/* first start, last end scored (n > 0) */
	fx_time len;		/* step length: 0 unknown, -1 mixed */
};

/* A model's groups for one feeder: one per step index. */
struct mf {
	unsigned nsteps;
	struct acc *acc;
};

struct model {
	char *name;
	size_t nf;		/* entries of mf: feeders by index */
	struct mf *mf;
};

struct fc_stats fc_stats;
static struct model *models;
static size_t nmodels;

static int
use_for_scale(fx_time t)
{
	return !ev_opt.has_from || t < ev_opt.from;
}

static unsigned
model_index(const char *name)
{
	size_t i;

	for (i = 0; i < nmodels; i++)
		if (strcmp(models[i].name, name) == 0)
			return (unsigned)i;
	models = fx_xrealloc(models, (nmodels + 1) * sizeof *models);
	memset(&models[nmodels], 0, sizeof *models);
	models[nmodels].name = fx_xstrdup(name);
	return (unsigned)nmodels++;
}

/* The groups of model mi and feeder f, with room for nsteps steps. */
static struct mf *
groups(unsigned mi, const struct ev_feeder *f, unsigned nsteps)
{
	struct model *md = &models[mi];
	struct mf *g;

	if (f->idx >= md->nf) {
		size_t nf = f->idx + 1 > 2 * md->nf ? f->idx + 1 : 2 * md->nf;

		md->mf = fx_xrealloc(md->mf, nf * sizeof *md->mf);
		memset(md->mf + md->nf, 0, (nf - md->nf) * sizeof *md->mf);
		md->nf = nf;
	}
	g = &md->mf[f->idx];
	if (nsteps > g->nsteps) {
		g->acc = fx_xrealloc(g->acc, nsteps * sizeof *g->acc);
		memset(g->acc + g->nsteps, 0, (nsteps - g->nsteps) *
		    sizeof *g->acc);
		g->nsteps = nsteps;
	}
	return g;
}

static void
note_len(struct acc *a, fx_time len)
{
	if (a->len == 0)
		a->len = len;
	else if (a->len != len)
		a->len = -1;
}

/* ---- scoring ---- */

static void
score(struct acc *a, const struct fc_pend *p, double actual)
{
	double e = p->p50 - actual, ae = fabs(e);
	double denom = fabs(p->p50) + fabs(actual);

	if (a->n == 0 || p->start < a->first)
		a->first = p->start;
	if (a->n == 0 || p->end > a->last)
		a->last = p->end;
	a->n++;
	a->sae += ae;
	a->sse += e * e;
	a->se += e;
	if (actual > 0)
		a->npos++;
	else if (actual < 0)
		a->nneg++;
	if (actual != 0)
		a->sape += ae / fabs(actual);
	if (denom > 0) {
		a->ssape += 2 * ae / denom;
		a->nsape++;
	}
	a->in80 += p->lo80 <= actual && actual <= p->hi80;
	a->in95 += p->lo95 <= actual && actual <= p->hi95;
	a->w80 += p->hi80 - p->lo80;
	a->w95 += p->hi95 - p->lo95;
}

static struct acc *
acc_of(const struct ev_feeder *f, const struct fc_pend *p)
{
	return &models[p->model].mf[f->idx].acc[p->step];
}

/* Scores p against f's readings, or counts it missing or unresolved. */
static void
resolve(const struct ev_feeder *f, const struct fc_pend *p)
{
	struct acc *a = acc_of(f, p);
	double sum;
	long n;

	if (ev_actual(f, p->start, p->end, &sum, &n) != 0) {
		a->unresolved++;
		fc_stats.unresolved++;
	} else if (n == 0) {
		a->missing++;
		fc_stats.missing++;
	} else {
		score(a, p, sum / (double)n);
		fc_stats.scored++;
	}
}

static void
pend_add(struct fc_feeder *ff, const struct fc_pend *p)
{
	size_t lo, hi;

	if (ff->n == ff->cap && ff->head > 0) {
		memmove(ff->pend, ff->pend + ff->head, (ff->n - ff->head) *
		    sizeof *ff->pend);
		ff->n -= ff->head;
		ff->head = 0;
	}
	if (ff->n == ff->cap) {
		ff->cap = ff->cap ? 2 * ff->cap : 16;
		ff->pend = fx_xrealloc(ff->pend, ff->cap * sizeof *ff->pend);
	}
	/* after the last step that ends at or before p's end */
	lo = ff->head;
	hi = ff->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ff->pend[mid].end <= p->end)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(ff->pend + lo + 1, ff->pend + lo, (ff->n - lo) *
	    sizeof *ff->pend);
	ff->pend[lo] = *p;
	ff->n++;
}

/* ---- the MASE scale ---- */

static void
warn_step(struct ev_feeder *f)
{
	struct fc_feeder *ff = &f->fc;

	if (ff->warned || ff->grid != 1 || ff->fc_step == 0 ||
	    ff->fc_step == ff->step)
		return;
	ff->warned = 1;
	fx_warn("feeder '%s': forecast steps of %lld min but readings on a "
	    "%lld-min grid: its MASE scale is that of %lld-min steps",
	    fx_quote(f->id, strlen(f->id)), (long long)(ff->fc_step / 60000),
	    (long long)(ff->step / 60000), (long long)(ff->step / 60000));
}

/* Bin k of the feeder's grid closes with value y. */
static void
close_bin(struct fc_feeder *ff, int64_t k, double y)
{
	int64_t s = k % ff->m;

	if (s < 0)
		s += ff->m;
	if (ff->season[s].k == k - ff->m) {
		ff->sae += fabs(y - ff->season[s].v);
		ff->npairs++;
	}
	ff->season[s].k = k;
	ff->season[s].v = y;
}

static void
scale_add(struct fc_feeder *ff, fx_time t, double v)
{
	int64_t k = ev_floor_div(t, ff->step);

	if (ff->m == 0 || !use_for_scale(t))
		return;
	if (!ff->has_cur) {
		ff->cur = k;
		ff->has_cur = 1;
	}
	if (k > ff->cur) {
		close_bin(ff, ff->cur, ff->cur_sum / (double)ff->cur_n);
		ff->cur = k;
		ff->cur_sum = 0;
		ff->cur_n = 0;
	} else if (k < ff->cur)	/* out of order: the bin has closed */
		return;
	ff->cur_sum += v;
	ff->cur_n++;
}

/* Sets the feeder's grid from its first readings and bins them. */
static void
start_grid(struct ev_feeder *f)
{
	struct fc_feeder *ff = &f->fc;
	fx_time gap = 0;
	int i;

	for (i = 1; i < ff->nfirst; i++) {
		fx_time d = ff->first[i].t - ff->first[i - 1].t;

		if (d > 0 && (gap == 0 || d < gap))
			gap = d;
	}
	ff->step = fx_step_for_spacing(gap ? gap : 15 * 60000);
	if (ff->step == 0) {	/* too coarse: no grid, no scale */
		ff->grid = -1;
		return;
	}
	ff->grid = 1;
	if (ev_opt.season_ms % ff->step != 0)
		fx_warn("feeder '%s': --season is not a whole number of its "
		    "%lld-min steps: no MASE for it",
		    fx_quote(f->id, strlen(f->id)),
		    (long long)(ff->step / 60000));
	else {
		ff->m = (int)(ev_opt.season_ms / ff->step);
		ff->season = fx_xmalloc((size_t)ff->m * sizeof *ff->season);
		for (i = 0; i < ff->m; i++)
			ff->season[i].k = INT64_MIN;
	}
	for (i = 0; i < ff->nfirst; i++)
		scale_add(ff, ff->first[i].t, ff->first[i].v);
	ff->nfirst = 0;
	warn_step(f);
}

/* The feeder's MASE scale, NaN when it has none. */
static double
scale_of(const struct fc_feeder *ff)
{
	if (ff->npairs == 0 || !(ff->sae > 0))
		return NAN;
	return ff->sae / (double)ff->npairs;
}

/* ---- the records ---- */

void
fc_reading(struct ev_feeder *f, fx_time t, double v)
{
	struct fc_feeder *ff = &f->fc;

	while (ff->head < ff->n && ff->pend[ff->head].end <= t)
		resolve(f, &ff->pend[ff->head++]);
	if (ff->head == ff->n)
		ff->head = ff->n = 0;
	if (ff->grid == 0) {
		/* as fx-forecast: EV_NDETECT readings or an hour's worth,
		 * in time order (it rejects the others) */
		if (f->has_last && t <= f->last_t)
			return;
		ff->first[ff->nfirst].t = t;
		ff->first[ff->nfirst].v = v;
		if (++ff->nfirst == EV_NDETECT ||
		    t - ff->first[0].t >= 3600000)
			start_grid(f);
	} else if (ff->grid == 1)
		scale_add(ff, t, v);
}

int
fc_record(jv rec, char *err, size_t errlen)
{
	static fx_forecast fc;	/* large: not on the stack */
	struct ev_feeder *f;
	struct fc_feeder *ff;
	unsigned mi;
	struct mf *g;
	int i;

	if (fx_record_forecast(rec, &fc, err, errlen) != 0)
		return -1;
	for (i = 0; i < fc.nsteps; i++) {
		const fx_fstep *s = &fc.steps[i];
		char tmp[FX_TIME_MAX_TEXT];

		if (s->start % 60000 != 0 || s->end % 60000 != 0) {
			int bad_start = s->start % 60000 != 0;

			fx_time_format(bad_start ? s->start : s->end, tmp);
			snprintf(err, errlen, "steps[%d].%s: not on a whole "
			    "minute '%s'", i, bad_start ? "start" : "end", tmp);
			return -1;
		}
		if (s->end - s->start > (fx_time)EV_RING_MIN * 60000) {
			snprintf(err, errlen, "steps[%d]: longer than the %d "
			    "minutes fx-eval can score", i, EV_RING_MIN);
			return -1;
		}
	}
	f = ev_feeder_get(fc.feeder_id, strlen(fc.feeder_id));
	if ((ev_opt.has_from && fc.issued_at < ev_opt.from) ||
	    (ev_opt.has_to && fc.issued_at >= ev_opt.to)) {
		fc_stats.outside++;
		return 0;
	}
	ff = &f->fc;
	ff->fc_step = fc.steps[0].end - fc.steps[0].start;
	warn_step(f);
	mi = model_index(fc.model);
	g = groups(mi, f, (unsigned)fc.nsteps);
	for (i = 0; i < fc.nsteps; i++) {
		const fx_fstep *s = &fc.steps[i];
		struct fc_pend p;

		p.start = s->start;
		p.end = s->end;
		p.p50 = s->p50;
		p.lo80 = s->lo80;
		p.hi80 = s->hi80;
		p.lo95 = s->lo95;
		p.hi95 = s->hi95;
		p.model = mi;
		p.step = (unsigned)i;
		note_len(&g->acc[i], s->end - s->start);
		fc_stats.steps++;
		/* a reading at or after its end has come: score it now */
		if (f->has_last && s->end <= f->last_t)
			resolve(f, &p);
		else
			pend_add(ff, &p);
	}
	return 0;
}

void
fc_finish(void)
{
	size_t i, j;

	for (i = 0; i < ev_feeder_count(); i++) {
		struct ev_feeder *f = ev_feeder_at(i);
		struct fc_feeder *ff = &f->fc;

		for (j = ff->head; j < ff->n; j++) {
			acc_of(f, &ff->pend[j])->unresolved++;
			fc_stats.unresolved++;
		}
		ff->head = ff->n = 0;
		if (ff->grid == 0 && ff->nfirst > 0)
			start_grid(f);
		if (ff->has_cur && ff->cur_n > 0) {
			close_bin(ff, ff->cur, ff->cur_sum / (double)ff->cur_n);
			ff->has_cur = 0;
		}
	}
}

/* ---- results ---- */

static void
merge(struct acc *to, const struct acc *a)
{
	if (a->n > 0) {
		if (to->n == 0 || a->first < to->first)
			to->first = a->first;
		if (to->n == 0 || a->last > to->last)
			to->last = a->last;
	}
	to->n += a->n;
	to->missing += a->missing;
	to->unresolved += a->unresolved;
	to->npos += a->npos;
	to->nneg += a->nneg;
	to->nsape += a->nsape;
	to->in80 += a->in80;
	to->in95 += a->in95;
	to->sae += a->sae;
	to->sse += a->sse;
	to->se += a->se;
	to->sape += a->sape;
	to->ssape += a->ssape;
	to->w80 += a->w80;
	to->w95 += a->w95;
	if (a->len != 0)
		note_len(to, a->len);
}

/* The sums over feeders of |e| / scale and of the points that have one,
 * for the all-feeder MASE. */
struct scaled {
	double sum;
	unsigned long long n;
};

static void
add_scaled(struct scaled *sc, const struct acc *a, double scale)
{
	if (isfinite(scale)) {
		sc->sum += a->sae / scale;
		sc->n += a->n;
	}
}

static void
put_row(const char *model, const char *feeder, unsigned step,
    const struct acc *a, double mase, const double *scale)
{
	double n = (double)a->n;
	int one_sign = a->n > 0 && (a->npos == a->n || a->nneg == a->n);

	ev_row_begin();
	ev_row_str("kind", NULL, "forecast");
	ev_row_str("model", "model", model);
	ev_row_str("feeder_id", "feeder", feeder);
	if (step > 0)
		ev_row_int("step", "step", step);
	else
		ev_row_str("step", "step", "all");
	if (a->len > 0)
		ev_row_int("step_min", NULL, a->len / 60000);
	else
		ev_row_null("step_min", NULL);
	ev_row_int("n", "n", (int64_t)a->n);
	if (a->n > 0) {
		ev_row_num("mae", "MAE", a->sae / n, -1);
		ev_row_num("rmse", "RMSE", sqrt(a->sse / n), -1);
	} else {
		ev_row_null("mae", "MAE");
		ev_row_null("rmse", "RMSE");
	}
	ev_row_num("mape", "MAPE", one_sign ? 100 * a->sape / n : NAN, -1);
	ev_row_num("smape", "sMAPE", a->nsape > 0 ? 100 * a->ssape /
	    (double)a->nsape : NAN, -1);
	ev_row_num("mase", "MASE", mase, 3);
	if (a->n > 0) {
		ev_row_num("bias", NULL, a->se / n, -1);
		ev_row_num("cov80", "cov80", (double)a->in80 / n, 3);
		ev_row_num("cov95", "cov95", (double)a->in95 / n, 3);
		ev_row_num("width80", "w80", a->w80 / n, -1);
		ev_row_num("width95", "w95", a->w95 / n, -1);
	} else {
		ev_row_null("bias", NULL);
		ev_row_null("cov80", "cov80");
		ev_row_null("cov95", "cov95");
		ev_row_null("width80", "w80");
		ev_row_null("width95", "w95");
	}
	ev_row_int("missing", NULL, (int64_t)a->missing);
	ev_row_int("unresolved", NULL, (int64_t)a->unresolved);
	if (scale != NULL)
		ev_row_num("mase_scale", NULL, *scale, -1);
	if (a->n > 0) {
		ev_row_time("first", NULL, a->first);
		ev_row_time("last", NULL, a->last);
	} else {
		ev_row_null("first", NULL);
		ev_row_null("last", NULL);
	}
	ev_row_end();
}

static double
mase_of(const struct acc *a, double scale)
{
	return a->n > 0 && isfinite(scale) ? a->sae / (double)a->n / scale :
	    NAN;
}

static void
output_model(const struct model *md)
{
	unsigned maxsteps = 0, s;
	size_t i;

	for (i = 0; i < md->nf; i++) {
		const struct mf *g = &md->mf[i];
		const struct ev_feeder *f;
		struct acc all;
		double scale;

		if (g->nsteps == 0)
			continue;
		if (g->nsteps > maxsteps)
			maxsteps = g->nsteps;
		if (ev_opt.no_feeders)
			continue;
		f = ev_feeder_at(i);
		scale = scale_of(&f->fc);
		memset(&all, 0, sizeof all);
		for (s = 0; s < g->nsteps; s++) {
			put_row(md->name, f->id, s + 1, &g->acc[s],
			    mase_of(&g->acc[s], scale), &scale);
			merge(&all, &g->acc[s]);
		}
		put_row(md->name, f->id, 0, &all, mase_of(&all, scale),
		    &scale);
	}
	/* all feeders: step by step, then all steps */
	for (s = 0; s <= maxsteps; s++) {
		struct scaled sc = { 0, 0 };
		struct acc tot;

		if (s == maxsteps && maxsteps == 0)
			break;
		memset(&tot, 0, sizeof tot);
		for (i = 0; i < md->nf; i++) {
			const struct mf *g = &md->mf[i];
			double scale;
			unsigned k;

			if (g->nsteps == 0)
				continue;
			scale = scale_of(&ev_feeder_at(i)->fc);
			for (k = 0; k < g->nsteps; k++)
				if (s == maxsteps || k == s) {
					merge(&tot, &g->acc[k]);
					add_scaled(&sc, &g->acc[k], scale);
				}
		}
		put_row(md->name, "*", s < maxsteps ? s + 1 : 0, &tot,
		    sc.n > 0 ? sc.sum / (double)sc.n : NAN, NULL);
	}
}

void
fc_output(void)
{
	size_t i;

	for (i = 0; i < nmodels; i++)
		output_model(&models[i]);
}

void
fc_free_feeder(struct fc_feeder *ff)
{
	free(ff->pend);
	free(ff->season);
}

void
fc_free(void)
{
	size_t i, j;

	for (i = 0; i < nmodels; i++) {
		for (j = 0; j < models[i].nf; j++)
			free(models[i].mf[j].acc);
		free(models[i].mf);
		free(models[i].name);
	}
	free(models);
}
