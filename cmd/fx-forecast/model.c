/* model.c - fx-forecast's models and intervals; see forecast.h */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "forecast.h"

const char *const fc_model_name[FC_NMODELS] = {
	"persistence", "snaive-day", "snaive-week", "dmr"
};

/* Error quantile levels of fc_step.q[] (q[2] is 0: p50 is the point). */
static const double qlevel[5] = { 0.025, 0.10, 0, 0.90, 0.975 };

int
fc_model_parse(const char *name)
{
	int i;

	for (i = 0; i < FC_NMODELS; i++)
		if (strcmp(name, fc_model_name[i]) == 0)
			return i;
	return -1;
}

void
fc_params_default(fc_params *p)
{
	p->model = FC_DMR;
	p->halflife_days = 28;
	p->ridge = 1e-4;
	p->min_train = 0;	/* 0: two days of bins */
	p->nres = 0;		/* 0: a week of bins */
	p->refit = 0;		/* 0: four hours of bins */
}

static int64_t
imod(int64_t a, int64_t n)
{
	int64_t r = a % n;

	return r < 0 ? r + n : r;
}

/* The value of bin i, NaN when unknown or out of the ring. */
static double
yat(const fc_series *s, int64_t i)
{
	if (!s->started || i > s->k || i <= s->k - s->len)
		return NAN;
	return s->y[imod(i, s->len)];
}

/* ----------------------------------------------------------------- */
/* Conformal error windows */

static void
res_init(fc_resid *r, int n)
{
	r->ring = fx_xcalloc((size_t)n, sizeof *r->ring);
	r->sorted = fx_xcalloc((size_t)n, sizeof *r->sorted);
	r->n = 0;
	r->head = 0;
}

static void
res_free(fc_resid *r)
{
	free(r->ring);
	free(r->sorted);
}

/* Index of the first sorted value >= v. */
static int
lower_bound(const float *a, int n, float v)
{
	int lo = 0, hi = n;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (a[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
res_add(fc_resid *r, int cap, double e)
{
	float v = (float)e;
	int i;

	if (r->n == cap) {
		float old = r->ring[r->head];

		i = lower_bound(r->sorted, r->n, old);
		memmove(r->sorted + i, r->sorted + i + 1,
		    (size_t)(r->n - i - 1) * sizeof *r->sorted);
		r->n--;
	}
	r->ring[r->head] = v;
	r->head = (r->head + 1) % cap;
	i = lower_bound(r->sorted, r->n, v);
	memmove(r->sorted + i + 1, r->sorted + i,
	    (size_t)(r->n - i) * sizeof *r->sorted);
	r->sorted[i] = v;
	r->n++;
}

/*
 * The error quantile at level a over n sorted errors: the split-conformal
 * order statistic, rank ceil((n + 1) a) for an upper bound and
 * floor((n + 1) a) for a lower one (clamped to the sample).
 */
static double
res_quantile(const fc_resid *r, double a)
{
	int n = r->n, i;

	if (a > 0.5)
		i = (int)ceil((n + 1) * a) - 1;
	else
		i = (int)floor((n + 1) * a) - 1;
	if (i < 0)
		i = 0;
	if (i > n - 1)
		i = n - 1;
	return r->sorted[i];
}

/* ----------------------------------------------------------------- */

int
fc_init(fc_series *s, const fc_params *p, fx_time step)
{
	int h, i, nres;

	memset(s, 0, sizeof *s);
	if (step <= 0 || 3600000 % step != 0)
		return -1;
	s->p = *p;
	s->model = p->model;
	s->step = step;
	s->nsteps = (int)(3600000 / step);
	s->m = (int)(FX_MS_PER_DAY / step);
	s->w = 7 * s->m;
	s->len = s->w + FC_HMAX + 4;
	s->y = fx_xmalloc((size_t)s->len * sizeof *s->y);
	for (i = 0; i < s->len; i++)
		s->y[i] = NAN;
	if (s->p.min_train <= 0)
		s->p.min_train = 2 * s->m;
	if (s->p.min_train < 2 * FC_NFEAT)
		s->p.min_train = 2 * FC_NFEAT;
	if (s->p.refit < 1)
		s->p.refit = 4 * s->nsteps;
	nres = s->p.nres > 0 ? s->p.nres : 7 * s->m;
	s->p.nres = nres;
	for (h = 0; h < FC_HMAX; h++) {
		res_init(&s->res[h], nres);
		s->pend_k[h] = INT64_MIN;
	}
	if (s->model == FC_DMR) {
		size_t pp = (size_t)FC_NFEAT * FC_NFEAT;

		s->xtx = fx_xcalloc(FC_HMAX * pp, sizeof *s->xtx);
		s->xty = fx_xcalloc(FC_HMAX * FC_NFEAT, sizeof *s->xty);
		s->beta = fx_xcalloc(FC_HMAX * FC_NFEAT, sizeof *s->beta);
		s->xs = fx_xcalloc(FC_HMAX * FC_HMAX * FC_NFEAT,
		    sizeof *s->xs);
		s->bx = fx_xcalloc(FC_HMAX * FC_BATCH * FC_NFEAT,
		    sizeof *s->bx);
		s->grow = exp2(1.0 / (s->p.halflife_days * s->m));
		for (h = 0; h < FC_HMAX; h++) {
			s->wgt[h] = 1;
			s->next_fit[h] = 1 + h * s->p.refit / s->nsteps;
		}
	}
	return 0;
}

void
fc_free(fc_series *s)
{
	int h;

	free(s->y);
	for (h = 0; h < FC_HMAX; h++)
		res_free(&s->res[h]);
	free(s->xtx);
	free(s->xty);
	free(s->beta);
	free(s->xs);
	free(s->bx);
}

int64_t
fc_known(const fc_series *s)
{
	return s->nknown;
}

int
fc_nres(const fc_series *s, int h)
{
	return s->res[h].n;
}

/* ----------------------------------------------------------------- */
/* dmr */

/*
 * Daily and weekly Fourier terms at the middle of each bin of the day and
 * of the week, computed once per bin length: sin and cos of harmonics
 * 1..4 of the day (8 values) and 1..3 of the week (6).
 */
#define NCAL 14

static struct caltab {
	fx_time step;
	int w;
	double *v;		/* w rows of NCAL */
} caltab[4];

static void
calendar_direct(double t, double *x)
{
	const double two_pi = 6.283185307179586;
	double day, week;
	int j, i = 0;

	day = fmod(t, (double)FX_MS_PER_DAY) / (double)FX_MS_PER_DAY;
	if (day < 0)
		day += 1;
	/* days since Thursday 1970-01-01 + 3: 0 = Monday 00:00 */
	week = fmod(t / (double)FX_MS_PER_DAY + 3, 7) / 7;
	if (week < 0)
		week += 1;
	for (j = 1; j <= 4; j++) {
		x[i++] = sin(two_pi * j * day);
		x[i++] = cos(two_pi * j * day);
	}
	for (j = 1; j <= 3; j++) {
		x[i++] = sin(two_pi * j * week);
		x[i++] = cos(two_pi * j * week);
	}
}

/* The calendar terms of bin tau (local time: offset minutes) into x. */
static void
calendar(const fc_series *s, int64_t tau, int tzoff_min, double *x)
{
	int64_t off = (int64_t)tzoff_min * 60000;
	struct caltab *c = NULL;
	size_t i;

	if (off % s->step != 0) {
		calendar_direct(((double)tau + 0.5) * (double)s->step +
		    (double)off, x);
		return;
	}
	for (i = 0; i < sizeof caltab / sizeof caltab[0]; i++)
		if (caltab[i].step == s->step || caltab[i].step == 0) {
			c = &caltab[i];
			break;
		}
	if (c == NULL) {
		calendar_direct(((double)tau + 0.5) * (double)s->step +
		    (double)off, x);
		return;
	}
	if (c->step == 0) {
		int b;

		c->w = s->w;
		c->v = fx_xmalloc((size_t)c->w * NCAL * sizeof *c->v);
		for (b = 0; b < c->w; b++)
			calendar_direct(((double)b + 0.5) * (double)s->step,
			    c->v + (size_t)b * NCAL);
		c->step = s->step;
	}
	memcpy(x, c->v + imod(tau + off / s->step, c->w) * NCAL,
	    NCAL * sizeof *x);
}

/*
 * The inputs of the regression for origin k and step h (1-based) into x;
 * the target is y[k+h] - y[k].  Unknown history falls back to the
 * nearest stand-in (a week ago -> a day ago -> the origin), so that the
 * inputs mean the same in training and forecasting.
 */
static void
features(const fc_series *s, int64_t k, int h, const fc_exo *exo,
    int tzoff_min, double *x)
{
	int64_t tau = k + h;
	double yk = yat(s, k), l1, l2, l3, l4;
	double dm, km, dw, kw, avg;
	int n, d, i = 0;

	l1 = yat(s, k - 1);
	if (isnan(l1))
		l1 = yk;
	l2 = yat(s, k - 2);
	if (isnan(l2))
		l2 = l1;
	l3 = yat(s, k - 3);
	if (isnan(l3))
		l3 = l2;
	l4 = yat(s, k - 4);
	if (isnan(l4))
		l4 = l3;
	dm = yat(s, tau - s->m);
	km = yat(s, k - s->m);
	if (isnan(dm) || isnan(km))
		dm = km = yk;
	dw = yat(s, tau - s->w);
	kw = yat(s, k - s->w);
	if (isnan(dw) || isnan(kw)) {
		dw = dm;
		kw = km;
	}
	avg = 0;
	n = 0;
	for (d = 1; d <= 7; d++) {
		double a = yat(s, tau - (int64_t)d * s->m);
		double b = yat(s, k - (int64_t)d * s->m);

		if (!isnan(a) && !isnan(b)) {
			avg += a - b;
			n++;
		}
	}
	avg = n > 0 ? avg / n : 0;

	x[i++] = 1;
	x[i++] = yk - l1;
	x[i++] = l1 - l2;
	x[i++] = l2 - l3;
	x[i++] = l3 - l4;
	x[i++] = dm - km;
	x[i++] = dw - kw;
	x[i++] = dm - yk;
	x[i++] = dw - yk;
	x[i++] = avg;
	calendar(s, tau, tzoff_min, x + i);
	i += NCAL;
	if (exo != NULL && exo->has_temp) {
		double u = (exo->temp_c - 18) / 10;

		x[i++] = u;
		x[i++] = u * u;
	} else {
		x[i++] = 0;
		x[i++] = 0;
	}
	x[i++] = exo != NULL && exo->holiday;
	x[i++] = exo != NULL && exo->event;
}

/* Adds step h's queued samples to its weighted normal equations: the
 * matrix is read and written once for the batch. */
static void
dmr_flush(fc_series *s, int h)
{
	double *restrict a = s->xtx + (size_t)h * FC_NFEAT * FC_NFEAT;
	double *restrict b = s->xty + (size_t)h * FC_NFEAT;
	const double *restrict bx = s->bx + (size_t)h * FC_BATCH * FC_NFEAT;
	int i, j, q, n = s->nb[h];

	/* the whole square, not the triangle: twice the products, but in
	 * straight loops the compiler turns into vector instructions */
	for (i = 0; i < FC_NFEAT; i++) {
		double *restrict row = a + (size_t)i * FC_NFEAT;

		for (q = 0; q < n; q++) {
			const double *restrict x = bx + (size_t)q * FC_NFEAT;
			double wx = s->bw[h][q] * x[i];

			for (j = 0; j < FC_NFEAT; j++)
				row[j] += wx * x[j];
			b[i] += wx * s->bt[h][q];
		}
	}
	s->nb[h] = 0;
}

/* Queues sample (x, target) for step h's normal equations. */
static void
dmr_add(fc_series *s, int h, const double *x, double target)
{
	int q;

	if (s->nb[h] == FC_BATCH)
		dmr_flush(s, h);
	q = s->nb[h]++;
	memcpy(s->bx + ((size_t)h * FC_BATCH + (size_t)q) * FC_NFEAT, x,
	    FC_NFEAT * sizeof *x);
	s->bt[h][q] = target;
	s->bw[h][q] = s->wgt[h];
	s->nw[h] += s->wgt[h];
	s->ntrain[h]++;
	s->wgt[h] *= s->grow;
	if (s->wgt[h] > 1e100) {
		/* rescale before the weights overflow; the solution is the
		 * same at any scale */
		double *a = s->xtx + (size_t)h * FC_NFEAT * FC_NFEAT;
		double *b = s->xty + (size_t)h * FC_NFEAT;
		int i;

		dmr_flush(s, h);
		for (i = 0; i < FC_NFEAT * FC_NFEAT; i++)
			a[i] *= 1e-100;
		for (i = 0; i < FC_NFEAT; i++)
			b[i] *= 1e-100;
		s->nw[h] *= 1e-100;
		s->wgt[h] *= 1e-100;
	}
}

/*
 * Solves a x = b for a symmetric positive definite n x n matrix (row
 * major, overwritten by its Cholesky factor L in the lower triangle) and
 * b (overwritten by x).  Returns -1 when a is not positive definite.
 * Written out because GSL's blocked, recursive factorisation costs
 * several times more at n = 27 than the arithmetic; the unit tests check
 * it against gsl_linalg_cholesky_solve.
 */
/* The dot product of p[0..n) and q[0..n), in four independent sums so
 * that the additions overlap. */
static double
dot(const double *p, const double *q, int n)
{
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	int k;

	for (k = 0; k + 4 <= n; k += 4) {
		s0 += p[k] * q[k];
		s1 += p[k + 1] * q[k + 1];
		s2 += p[k + 2] * q[k + 2];
		s3 += p[k + 3] * q[k + 3];
	}
	for (; k < n; k++)
		s0 += p[k] * q[k];
	return (s0 + s1) + (s2 + s3);
}

int
fc_cholesky_solve(double *a, double *b, int n)
{
	int i, j, k;

	for (j = 0; j < n; j++) {
		double *rj = a + (size_t)j * n, d = rj[j] - dot(rj, rj, j);

		if (!(d > 0))
			return -1;
		d = sqrt(d);
		rj[j] = d;
		for (i = j + 1; i < n; i++) {
			double *ri = a + (size_t)i * n;

			ri[j] = (ri[j] - dot(ri, rj, j)) / d;
		}
	}
	for (i = 0; i < n; i++) {	/* L y = b */
		const double *ri = a + (size_t)i * n;

		b[i] = (b[i] - dot(ri, b, i)) / ri[i];
	}
	for (i = n - 1; i >= 0; i--) {	/* L' x = y */
		double v = b[i];

		for (k = i + 1; k < n; k++)
			v -= a[(size_t)k * n + i] * b[k];
		b[i] = v / a[(size_t)i * n + i];
	}
	return 0;
}

/* Solves step h's ridge-regularised normal equations into beta. */
static void
dmr_solve(fc_series *s, int h)
{
	double a[FC_NFEAT * FC_NFEAT], b[FC_NFEAT];
	const double *xa = s->xtx + (size_t)h * FC_NFEAT * FC_NFEAT;
	const double *xb = s->xty + (size_t)h * FC_NFEAT;
	int i, j;

	dmr_flush(s, h);
	for (i = 0; i < FC_NFEAT; i++) {
		for (j = i; j < FC_NFEAT; j++)
			a[i * FC_NFEAT + j] = a[j * FC_NFEAT + i] =
			    xa[i * FC_NFEAT + j];
		/* the scaled ridge; the intercept is not shrunk */
		if (i > 0)
			a[i * FC_NFEAT + i] += s->p.ridge * xa[i * FC_NFEAT +
			    i] + 1e-9 * s->nw[h];
		b[i] = xb[i];
	}
	for (i = 0; i < FC_NFEAT; i++)
		if (!isfinite(b[i]))
			return;
	if (fc_cholesky_solve(a, b, FC_NFEAT) != 0)
		return;
	for (i = 0; i < FC_NFEAT; i++)
		if (!isfinite(b[i]))
			return;
	memcpy(s->beta + (size_t)h * FC_NFEAT, b, sizeof b);
	s->solved[h] = 1;
}

/* ----------------------------------------------------------------- */

/* The point forecast of model for step h (1-based) from origin k, or NaN. */
static double
point(const fc_series *s, int model, int h)
{
	int64_t k = s->k;
	double v;

	switch (model) {
	case FC_PERSIST:
		return yat(s, k);
	case FC_SNAIVE_DAY:
		return yat(s, k + h - s->m);
	case FC_SNAIVE_WEEK:
		return yat(s, k + h - s->w);
	case FC_DMR: {
		const double *x = s->xs + ((size_t)imod(k, FC_HMAX) * FC_HMAX +
		    (size_t)(h - 1)) * FC_NFEAT;
		const double *b = s->beta + (size_t)(h - 1) * FC_NFEAT;
		int i;

		v = yat(s, k);
		for (i = 0; i < FC_NFEAT; i++)
			v += b[i] * x[i];
		return v;
	}
	}
	return NAN;
}

static int
dmr_ready(const fc_series *s)
{
	int h;

	for (h = 0; h < s->nsteps; h++)
		if (!s->solved[h] || s->ntrain[h] < s->p.min_train)
			return 0;
	return 1;
}

/* Makes the forecast from the current origin into s->out. */
static void
forecast_now(fc_series *s)
{
	int h, j, model = s->model, slot = (int)imod(s->k, FC_HMAX);

	s->have = 0;
	s->pend_k[slot] = s->k;
	for (h = 0; h < FC_HMAX; h++)
		s->pend[slot][h] = NAN;
	if (isnan(yat(s, s->k)))
		return;
	/* fallbacks while history is short */
	if (model == FC_DMR && !dmr_ready(s))
		model = FC_SNAIVE_DAY;
	if (model == FC_SNAIVE_WEEK)
		for (h = 1; h <= s->nsteps; h++)
			if (isnan(point(s, model, h)))
				model = FC_SNAIVE_DAY;
	if (model == FC_SNAIVE_DAY)
		for (h = 1; h <= s->nsteps; h++)
			if (isnan(point(s, model, h)))
				model = FC_PERSIST;
	s->used = model;
	for (h = 1; h <= s->nsteps; h++) {
		fc_step *o = &s->out[h - 1];
		const fc_resid *r = &s->res[h - 1];

		o->point = point(s, model, h);
		s->pend[slot][h - 1] = o->point;
		if (r->n >= FC_MIN_RES) {
			for (j = 0; j < 5; j++)
				o->q[j] = j == 2 ? 0 :
				    res_quantile(r, qlevel[j]);
		} else {
			/* Gaussian from recent changes, z at 2.5 .. 97.5 % */
			static const double z[5] = { -1.959963984540054,
			    -1.2815515655446004, 0, 1.2815515655446004,
			    1.959963984540054 };
			double sd = s->sd_diff * sqrt((double)h);

			for (j = 0; j < 5; j++)
				o->q[j] = z[j] * sd;
		}
	}
	s->have = 1;
}

/* Scores and learns from the value y of bin j (already stored). */
static void
learn(fc_series *s, int64_t j, double y)
{
	int h;

	for (h = 1; h <= s->nsteps; h++) {
		int64_t o = j - h;
		int slot = (int)imod(o, FC_HMAX);
		double base;

		if (s->pend_k[slot] != o)
			continue;
		if (!isnan(s->pend[slot][h - 1]))
			res_add(&s->res[h - 1], s->p.nres,
			    y - s->pend[slot][h - 1]);
		base = yat(s, o);
		if (s->model == FC_DMR && !isnan(base))
			dmr_add(s, h - 1, s->xs + ((size_t)slot * FC_HMAX +
			    (size_t)(h - 1)) * FC_NFEAT, y - base);
	}
}

void
fc_close(fc_series *s, int64_t k, double y, const fc_exo *exo,
    int tzoff_min)
{
	int64_t i;
	int h, slot;

	if (!s->started) {
		s->started = 1;
		s->k = k - 1;
	}
	if (k <= s->k)
		return;
	if (k - s->k > s->len) {
		/* a gap longer than the history: start over, keeping the
		 * model and its errors */
		for (i = 0; i < s->len; i++)
			s->y[i] = NAN;
		for (h = 0; h < FC_HMAX; h++)
			s->pend_k[h] = INT64_MIN;
		s->k = k - 1;
	}
	/* bins skipped since the last one are missing */
	for (i = s->k + 1; i < k; i++) {
		s->k = i;
		s->y[imod(i, s->len)] = NAN;
		s->pend_k[imod(i, FC_HMAX)] = INT64_MIN;
	}
	s->k = k;
	s->y[imod(k, s->len)] = y;
	if (!isnan(y)) {
		double prev = yat(s, k - 1);

		s->nknown++;
		if (!isnan(prev)) {
			double d = y - prev, a = s->ndiff < 100 ?
			    1.0 / (s->ndiff + 1) : 0.01;

			s->sd_diff = sqrt((1 - a) * s->sd_diff * s->sd_diff +
			    a * d * d);
			s->ndiff++;
		}
		learn(s, k, y);
	}
	if (s->model == FC_DMR) {
		slot = (int)imod(k, FC_HMAX);
		if (!isnan(y))
			for (h = 1; h <= s->nsteps; h++)
				features(s, k, h, exo, tzoff_min, s->xs +
				    ((size_t)slot * FC_HMAX + (size_t)(h - 1)) *
				    FC_NFEAT);
		/* each step is re-solved every `refit` bins, the steps in
		 * turn, so that a bin costs at most one solve */
		for (h = 0; h < s->nsteps; h++)
			if (--s->next_fit[h] <= 0) {
				s->next_fit[h] = s->p.refit;
				if (s->ntrain[h] >= FC_NFEAT)
					dmr_solve(s, h);
			}
	}
	forecast_now(s);
}
