/*
 * test_window.c - the rolling window against GSL's batch statistics.
 *
 * Each stream scenario pushes readings into an fx_window and, alongside,
 * keeps every reading and the window's contents as the definition has it
 * (now - width < t <= now).  After each push (every k-th on long streams)
 * the window's statistics are compared with gsl_stats_mean, _variance,
 * _sd, _skew, _kurtosis, _min, _max and _variance_with_fixed_mean run on
 * those contents, and with rms and crest factor computed here in long
 * double.  The largest error of each statistic over a scenario must be at
 * most TOL:
 *
 *   err = |got - want| / max(|want|, floor)
 *
 * floor is 0 except for the mean, 1e-6 max|x|: a mean that is zero by
 * symmetry is held to 1e-15 of the data's size; and for skew and
 * kurtosis, 1e-5 (1 + max|y| / sd), y being the readings GSL gets for
 * them.  Those are dimensionless, and rounding each reading by an ulp
 * moves them by about 3 ulps max|y| / sd: that is all GSL itself can
 * promise (with n = 2 it returns a skew of up to 5e-14, not 0), so a value
 * that is zero by symmetry is held to 1e-14 (1 + max|y| / sd) absolute.
 * min and max must be exact.
 *
 * Near-constant data (1e6 + 1e-3 noise) is the one place GSL is not a
 * sound reference as is: gsl_stats_mean returns a double, which sits up to
 * half an ulp of 1e6 (6e-11) off the true mean, and gsl_stats_skew then
 * measures the third moment about that point, off by 3 delta m_2 - 1e-6
 * of sd^3, a hundred times this test's tolerance.  Those scenarios give
 * GSL the readings minus the window's first reading, y = x - x0, which is
 * exact (Sterbenz) for near-constant data and changes no central
 * statistic; the mean is still compared with GSL on the raw readings, and
 * how raw GSL would have scored is printed as a diagnostic.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_statistics_double.h>

#include "tap.h"
#include "window.h"

#define TOL 1e-9
#define SEC 1000LL
#define MIN (60 * SEC)
#define DAY (24 * 60 * MIN)

enum {
	S_MEAN, S_VAR, S_VARPOP, S_SD, S_RMS, S_SKEW, S_KURTX, S_KURT,
	S_MIN, S_MAX, S_CREST, NSTAT
};

static const char *stat_name[NSTAT] = {
	"mean", "variance", "variance_pop", "sd", "rms", "skew",
	"kurtosis_excess", "kurtosis", "min", "max", "crest_factor"
};

static double worst[NSTAT];	/* over every scenario, for the summary */
static gsl_rng *rng;

/* A scenario: the window under test and the reference's view of it. */
struct stream {
	const char *name;
	fx_window *w;
	int64_t width;
	int64_t now;
	int has_now;
	int64_t *t;		/* every accepted reading, in order */
	double *x;
	size_t n, cap;
	size_t lo;		/* the first reading still in the window */
	int shifted;		/* near-constant: see the top comment */
	double *scratch;
	size_t scratch_cap;
	double err[NSTAT];
	double raw_err[NSTAT];	/* shifted: our value vs GSL on raw data */
	long checks, bad_count, bad_times, nonfinite, rejected;
};

static void
stream_open(struct stream *st, const char *name, int64_t width)
{
	memset(st, 0, sizeof *st);
	st->name = name;
	st->width = width;
	st->w = fx_window_new(width);
}

static void
stream_close(struct stream *st)
{
	fx_window_free(st->w);
	free(st->t);
	free(st->x);
	free(st->scratch);
}

/* The definition: a reading at t is in the window ending at now iff
 * now - width < t <= now. */
static void
stream_slide(struct stream *st)
{
	while (st->lo < st->n && st->t[st->lo] <= st->now - st->width)
		st->lo++;
}

static void
feed(struct stream *st, int64_t t, double x)
{
	if (fx_window_push(st->w, t, x) != 0) {
		st->rejected++;
		return;
	}
	if (st->n == st->cap) {
		st->cap = st->cap ? 2 * st->cap : 1024;
		st->t = realloc(st->t, st->cap * sizeof *st->t);
		st->x = realloc(st->x, st->cap * sizeof *st->x);
		if (st->t == NULL || st->x == NULL)
			abort();
	}
	st->t[st->n] = t;
	st->x[st->n++] = x;
	if (!st->has_now || t > st->now)
		st->now = t;
	st->has_now = 1;
	stream_slide(st);
}

static void
stream_advance(struct stream *st, int64_t now)
{
	fx_window_advance(st->w, now);
	if (!st->has_now || now > st->now)
		st->now = now;
	st->has_now = 1;
	stream_slide(st);
}

/* Statistics of x[0..n) by GSL (central ones on y, x or x shifted), rms
 * and crest factor in long double; the header's conventions where GSL has
 * none (a flat window: GSL gives NaN). */
static void
reference(const double *x, const double *y, size_t n, double *r)
{
	long double sq = 0, rms;
	double maxabs, mean_y;
	size_t i;

	r[S_MIN] = gsl_stats_min(x, 1, n);
	r[S_MAX] = gsl_stats_max(x, 1, n);
	r[S_MEAN] = gsl_stats_mean(x, 1, n);
	for (i = 0; i < n; i++)
		sq += (long double)x[i] * x[i];
	rms = sqrtl(sq / n);
	r[S_RMS] = (double)rms;
	maxabs = fmax(fabs(r[S_MIN]), fabs(r[S_MAX]));
	r[S_CREST] = maxabs == 0 ? 0 : (double)(maxabs / rms);
	if (r[S_MIN] == r[S_MAX]) {
		r[S_VAR] = r[S_VARPOP] = r[S_SD] = r[S_SKEW] = r[S_KURTX] = 0;
		r[S_KURT] = 3;
		return;
	}
	mean_y = gsl_stats_mean(y, 1, n);
	r[S_VAR] = gsl_stats_variance(y, 1, n);
	r[S_VARPOP] = gsl_stats_variance_with_fixed_mean(y, 1, n, mean_y);
	r[S_SD] = gsl_stats_sd(y, 1, n);
	r[S_SKEW] = gsl_stats_skew(y, 1, n);
	r[S_KURTX] = gsl_stats_kurtosis(y, 1, n);
	r[S_KURT] = r[S_KURTX] + 3;
}

static void
stats_array(const fx_window_stats *s, double *v)
{
	v[S_MEAN] = s->mean;
	v[S_VAR] = s->variance;
	v[S_VARPOP] = s->variance_pop;
	v[S_SD] = s->sd;
	v[S_RMS] = s->rms;
	v[S_SKEW] = s->skew;
	v[S_KURTX] = s->kurtosis_excess;
	v[S_KURT] = s->kurtosis;
	v[S_MIN] = s->min;
	v[S_MAX] = s->max;
	v[S_CREST] = s->crest_factor;
}

/*
 * The error of statistic i.  cond is max|y| / sd, y being the readings
 * GSL got for the central statistics: it bounds how far rounding a
 * reading by one ulp can move skew or kurtosis, so it scales their floor.
 */
static double
error_of(int i, double got, double want, double maxabs, double cond)
{
	double floor = 0, diff;

	if (!isfinite(got))
		return INFINITY;
	if (i == S_MIN || i == S_MAX)
		return got == want ? 0 : INFINITY;
	if (i == S_MEAN)
		floor = 1e-6 * maxabs;
	else if (i == S_SKEW || i == S_KURTX || i == S_KURT)
		floor = 1e-5 * (1 + cond);
	diff = fabs(got - want);
	if (diff == 0)
		return 0;
	floor = fmax(fabs(want), floor);
	return floor > 0 ? diff / floor : INFINITY;
}

static void
check(struct stream *st)
{
	fx_window_stats s;
	double got[NSTAT], want[NSTAT], raw[NSTAT], maxabs, cond = 0;
	const double *x = st->x + st->lo, *y = x;
	size_t n = st->n - st->lo, i;

	fx_window_stats_get(st->w, &s);
	st->checks++;
	stats_array(&s, got);
	for (i = 0; i < NSTAT; i++)
		if (!isfinite(got[i]))
			st->nonfinite++;
	if (s.count != n || fx_window_count(st->w) != n) {
		st->bad_count++;
		return;
	}
	if (n == 0) {
		for (i = 0; i < NSTAT; i++)
			if (got[i] != 0)
				st->bad_count++;
		if (s.first_t != 0 || s.last_t != 0)
			st->bad_times++;
		return;
	}
	if (s.first_t != st->t[st->lo] || s.last_t != st->t[st->n - 1])
		st->bad_times++;
	if (st->shifted) {
		double *z;

		if (st->scratch_cap < n) {
			st->scratch_cap = 2 * n;
			st->scratch = realloc(st->scratch,
			    st->scratch_cap * sizeof *st->scratch);
			if (st->scratch == NULL)
				abort();
		}
		z = st->scratch;
		for (i = 0; i < n; i++)
			z[i] = x[i] - x[0];
		y = z;
		reference(x, x, n, raw);
	}
	reference(x, y, n, want);
	maxabs = fmax(fabs(want[S_MIN]), fabs(want[S_MAX]));
	if (want[S_SD] > 0)
		cond = fmax(fabs(gsl_stats_min(y, 1, n)),
		    fabs(gsl_stats_max(y, 1, n))) / want[S_SD];
	for (i = 0; i < NSTAT; i++) {
		st->err[i] = fmax(st->err[i], error_of(i, got[i], want[i],
		    maxabs, cond));
		if (st->shifted)
			st->raw_err[i] = fmax(st->raw_err[i],
			    error_of(i, got[i], raw[i], maxabs, cond));
	}
}

static void
report(struct stream *st)
{
	size_t i;

	ok(st->rejected == 0, "%s: every reading accepted", st->name);
	ok(st->bad_count == 0, "%s: count as defined in %ld windows",
	    st->name, st->checks);
	ok(st->bad_times == 0, "%s: first_t and last_t", st->name);
	ok(st->nonfinite == 0, "%s: no NaN or Inf", st->name);
	for (i = 0; i < NSTAT; i++) {
		ok(st->err[i] <= TOL, "%s: %s max err %.2g", st->name,
		    stat_name[i], st->err[i]);
		worst[i] = fmax(worst[i], st->err[i]);
	}
	if (st->shifted)
		printf("# %s: vs GSL on the raw readings: skew %.2g, "
		    "kurtosis_excess %.2g, variance %.2g\n", st->name,
		    st->raw_err[S_SKEW], st->raw_err[S_KURTX],
		    st->raw_err[S_VAR]);
	stream_close(st);
}

/* Exponentially distributed gap in ms with the given mean, at least 0. */
static int64_t
exp_gap(double mean_ms)
{
	return (int64_t)gsl_ran_exponential(rng, mean_ms);
}

/* ---- random streams ---- */

static void
test_uniform_regular(void)
{
	struct stream st;
	fx_window zeroed;
	int i;

	/* Also the embedding case: a zero-filled window is 15 minutes. */
	stream_open(&st, "uniform, 1 s, zeroed window (15 min)",
	    FX_WINDOW_DEFAULT_MS);
	memset(&zeroed, 0, sizeof zeroed);
	*st.w = zeroed;
	ok(fx_window_width(st.w) == 15 * MIN, "zeroed window is 15 min");
	for (i = 0; i < 1500; i++) {
		feed(&st, 1700000000000LL + i * SEC, 100 + 50 *
		    gsl_rng_uniform(rng));
		check(&st);
	}
	ok(fx_window_count(st.w) == 900, "15 min of 1 s readings is 900");
	report(&st);
}

static void
test_gaussian_irregular(void)
{
	struct stream st;
	int64_t t = 0;
	int i;

	stream_open(&st, "gaussian, irregular, 60 s", 60 * SEC);
	for (i = 0; i < 20000; i++) {
		double u = gsl_rng_uniform(rng);

		/* 5% share a timestamp, 1% follow a gap of 30-200 s. */
		if (u < 0.01)
			t += 30 * SEC + (int64_t)(170 * SEC *
			    gsl_rng_uniform(rng));
		else if (u > 0.05)
			t += exp_gap(1000);
		feed(&st, t, 50 + gsl_ran_gaussian(rng, 10));
		check(&st);
	}
	report(&st);
}

static void
test_long_stream(void)
{
	struct stream st;
	int64_t t = 1700000000000LL;
	long i, gaps = 0, emptied = 0;

	stream_open(&st, "long stream, 1e6 readings, drift and gaps, 5 min",
	    5 * MIN);
	for (i = 0; i < 1000000; i++) {
		double tod = (double)(t % DAY) / DAY, x;

		if (gsl_rng_uniform(rng) < 2e-4) {
			/* Gaps longer than the window empty it. */
			int64_t gap = 5 * MIN + (int64_t)(gsl_rng_uniform(rng)
			    * 50 * MIN);

			gaps++;
			if (gaps % 2) {
				stream_advance(&st, t + gap - 1);
				check(&st);
				if (fx_window_count(st.w) == 0)
					emptied++;
			}
			t += gap;
		} else {
			t += 1 + exp_gap(1000);
		}
		x = 500 + 200 * sin(2 * M_PI * tod) +
		    gsl_ran_gaussian(rng, 20);
		feed(&st, t, x);
		if (i % 1000 == 0 || st.n - st.lo <= 2)
			check(&st);
	}
	ok(gaps > 100 && emptied == (gaps + 1) / 2,
	    "long stream: %ld gaps, %ld emptied by fx_window_advance",
	    gaps, emptied);
	report(&st);
}

static void
test_near_constant(void)
{
	struct stream st;
	int i;

	stream_open(&st, "near-constant 1e6 + 1e-3 noise, 5 min", 5 * MIN);
	st.shifted = 1;
	for (i = 0; i < 2000; i++) {
		feed(&st, i * SEC, 1e6 + 1e-3 * gsl_rng_uniform(rng));
		check(&st);
	}
	report(&st);
}

static void
test_spiky(void)
{
	struct stream st;
	int i, spikes = 0;

	stream_open(&st, "spiky: flat 230 with 100x spikes, 60 s", 60 * SEC);
	for (i = 0; i < 10000; i++) {
		double x = 230;

		if (gsl_rng_uniform(rng) < 1.0 / 300) {
			x = 23000;
			spikes++;
		}
		feed(&st, i * SEC, x);
		check(&st);
	}
	ok(spikes > 30, "spiky: %d spikes", spikes);
	report(&st);

	stream_open(&st, "spiky near-constant: 1e6 + 1e-3 noise, 1e8 spikes",
	    60 * SEC);
	st.shifted = 1;
	for (i = 0; i < 20000; i++) {
		double x = 1e6 + 1e-3 * gsl_rng_uniform(rng);

		if (gsl_rng_uniform(rng) < 1.0 / 300)
			x = 1e8 * (1 + gsl_rng_uniform(rng));
		feed(&st, i * SEC, x);
		check(&st);
	}
	report(&st);
}

static void
test_signs(void)
{
	struct stream st;
	int i;

	stream_open(&st, "negative: gaussian -500, sd 20, 2 min", 2 * MIN);
	for (i = 0; i < 5000; i++) {
		feed(&st, i * SEC, -500 + gsl_ran_gaussian(rng, 20));
		check(&st);
	}
	report(&st);

	stream_open(&st, "around zero: exponential - 1 (skew 2), 2 min",
	    2 * MIN);
	for (i = 0; i < 5000; i++) {
		feed(&st, i * SEC, gsl_ran_exponential(rng, 1) - 1);
		check(&st);
	}
	report(&st);
}

static void
test_drift(void)
{
	struct stream st;
	double x = 1000;
	int i;

	stream_open(&st, "random walk, 200 s", 200 * SEC);
	for (i = 0; i < 8000; i++) {
		x += gsl_ran_gaussian(rng, 1);
		feed(&st, i * SEC, x);
		check(&st);
	}
	report(&st);

	stream_open(&st, "linear ramp, 5 min", 5 * MIN);
	for (i = 0; i < 3000; i++) {
		feed(&st, i * SEC, 0.25 * i);
		check(&st);
	}
	report(&st);

	/* Steps between near-constant levels: the window's mean jumps by
	 * 1e9 sd when the last reading of a level leaves. */
	stream_open(&st, "steps 1e6 <-> 2e6 with 1e-3 noise, 2 min",
	    2 * MIN);
	st.shifted = 1;
	for (i = 0; i < 4000; i++) {
		double level = (i / 500) % 2 ? 2e6 : 1e6;

		feed(&st, i * SEC, level + 1e-3 * gsl_rng_uniform(rng));
		check(&st);
	}
	report(&st);
}

static void
test_magnitudes(void)
{
	struct stream st;
	int i;

	stream_open(&st, "huge: gaussian sd 1e149", MIN);
	for (i = 0; i < 2000; i++) {
		double x = gsl_ran_gaussian(rng, 1e149);

		if (fabs(x) > FX_WINDOW_MAX_ABS)
			x = copysign(FX_WINDOW_MAX_ABS, x);
		feed(&st, i * SEC, x);
		check(&st);
	}
	report(&st);

	stream_open(&st, "tiny: 1e-150 + gaussian sd 1e-151", MIN);
	for (i = 0; i < 2000; i++) {
		feed(&st, i * SEC, 1e-150 + gsl_ran_gaussian(rng, 1e-151));
		check(&st);
	}
	report(&st);
}

static void
test_widths(void)
{
	struct stream st;
	int64_t t = 0;
	int i;

	stream_open(&st, "width 1 s, readings 0-100 ms apart", SEC);
	for (i = 0; i < 20000; i++) {
		t += (int64_t)(100 * gsl_rng_uniform(rng));
		feed(&st, t, 10 + gsl_ran_gaussian(rng, 3));
		check(&st);
	}
	report(&st);

	stream_open(&st, "width 1 day, 1 min readings over 4 days", DAY);
	for (i = 0; i < 4 * 1440; i++) {
		feed(&st, i * MIN, 300 + 100 * sin(i * 2 * M_PI / 1440) +
		    gsl_ran_gaussian(rng, 5));
		if (i % 10 == 0)
			check(&st);
	}
	ok(fx_window_count(st.w) == 1440, "1 day of 1 min readings is 1440");
	report(&st);
}

/* ---- degenerate windows and the contract ---- */

static int
is_flat(const fx_window_stats *s, size_t n, double v)
{
	return s->count == n && s->mean == v && s->min == v && s->max == v &&
	    s->variance == 0 && s->variance_pop == 0 && s->sd == 0 &&
	    s->skew == 0 && s->kurtosis_excess == 0 && s->kurtosis == 3 &&
	    s->rms == fabs(v) && s->crest_factor == (v != 0 ? 1 : 0);
}

static void
test_constant(void)
{
	static const double levels[] = { 42.5, 0, -42.5, 1e6, 1e-300 };
	fx_window_stats s;
	fx_window *w;
	size_t k;
	int i, flat;

	for (k = 0; k < sizeof levels / sizeof levels[0]; k++) {
		w = fx_window_new(30 * SEC);
		flat = 1;
		for (i = 0; i < 100; i++) {
			fx_window_push(w, i * SEC, levels[k]);
			fx_window_stats_get(w, &s);
			flat &= is_flat(&s, i < 30 ? (size_t)i + 1 : 30,
			    levels[k]);
		}
		ok(flat, "constant %g: exact mean, variance 0, skew 0, "
		    "kurtosis 3, crest %d", levels[k], levels[k] != 0);
		fx_window_free(w);
	}

	/* Flat after varied, spikes after flat: exact again once the varied
	 * readings have left. */
	w = fx_window_new(30 * SEC);
	for (i = 0; i < 60; i++)
		fx_window_push(w, i * SEC, gsl_ran_gaussian(rng, 1e3));
	flat = 1;
	for (; i < 200; i++) {
		fx_window_push(w, i * SEC, 7.25);
		fx_window_stats_get(w, &s);
		if (i >= 89)
			flat &= is_flat(&s, 30, 7.25);
	}
	ok(flat, "flat after varied readings leave: exact conventions");
	fx_window_push(w, i * SEC, 1e9);
	fx_window_stats_get(w, &s);
	ok(s.max == 1e9 && s.variance > 0, "a spike ends the flat line");
	for (i++; i < 260; i++)
		fx_window_push(w, i * SEC, 7.25);
	fx_window_stats_get(w, &s);
	ok(is_flat(&s, 30, 7.25), "and when it leaves the line is exact");
	fx_window_free(w);
}

static void
test_small_counts(void)
{
	double two[2] = { 1, 3 };
	fx_window_stats s;
	fx_window *w = fx_window_new(10 * SEC);

	fx_window_stats_get(w, &s);
	ok(s.count == 0 && s.mean == 0 && s.variance == 0 && s.rms == 0 &&
	    s.kurtosis == 0 && s.crest_factor == 0 && s.first_t == 0 &&
	    s.last_t == 0, "count 0: every field 0");

	fx_window_push(w, 5000, -3.5);
	fx_window_stats_get(w, &s);
	ok(is_flat(&s, 1, -3.5) && s.first_t == 5000 && s.last_t == 5000,
	    "count 1: mean x, variance 0 (GSL: NaN), kurtosis 3, crest 1");

	fx_window_clear(w);
	fx_window_push(w, 0, two[0]);
	fx_window_push(w, 1, two[1]);
	fx_window_stats_get(w, &s);
	ok(s.count == 2, "count 2");
	is_num(s.mean, gsl_stats_mean(two, 1, 2), 1e-15, "count 2: mean");
	is_num(s.variance, gsl_stats_variance(two, 1, 2), 1e-15,
	    "count 2: variance as gsl (2)");
	is_num(s.variance_pop, 1, 1e-15, "count 2: variance_pop 1");
	is_num(s.sd, gsl_stats_sd(two, 1, 2), 1e-15, "count 2: sd");
	is_num(s.skew, gsl_stats_skew(two, 1, 2), 1e-15, "count 2: skew 0");
	is_num(s.kurtosis_excess, gsl_stats_kurtosis(two, 1, 2), 1e-15,
	    "count 2: kurtosis_excess as gsl (-2.75)");
	is_num(s.kurtosis_excess, -2.75, 1e-15, "count 2: kurtosis_excess -2.75");
	is_num(s.kurtosis, 0.25, 1e-15, "count 2: kurtosis 0.25");
	is_num(s.rms, sqrt(5), 1e-15, "count 2: rms sqrt(5)");
	is_num(s.crest_factor, 3 / sqrt(5), 1e-15,
	    "count 2: crest 3/sqrt(5)");
	fx_window_free(w);
}

static void
test_advance(void)
{
	double xs[] = { 3, -1, 4, 1, -5, 9, 2, 6 };
	struct stream st;
	fx_window_stats s;
	int i, n = (int)(sizeof xs / sizeof xs[0]);

	stream_open(&st, "advance without push", 10 * SEC);
	for (i = 0; i < n; i++)
		feed(&st, i * SEC, xs[i]);
	check(&st);
	for (i = 0; i <= n + 1; i++) {
		/* drops reading i-1 (its t = now - width) */
		stream_advance(&st, 9 * SEC + i * SEC);
		check(&st);
	}
	ok(fx_window_count(st.w) == 0, "advance: emptied");
	report(&st);

	stream_open(&st, "advance boundaries", 10 * SEC);
	fx_window_push(st.w, 0, 1);
	fx_window_advance(st.w, 9999);
	ok(fx_window_count(st.w) == 1, "t = now - width + 1 is in");
	fx_window_advance(st.w, 10000);
	ok(fx_window_count(st.w) == 0, "t = now - width is out");
	fx_window_push(st.w, 20000, 2);
	fx_window_advance(st.w, 5000);
	fx_window_stats_get(st.w, &s);
	ok(s.count == 1 && s.last_t == 20000, "advance back does nothing");
	ok(fx_window_push(st.w, 20000, 3) == 0, "an equal time is accepted");
	fx_window_advance(st.w, 25000);
	ok(fx_window_push(st.w, 22000, 4) == 0 &&
	    fx_window_count(st.w) == 3, "late but inside is accepted");
	fx_window_advance(st.w, 40000);
	ok(fx_window_push(st.w, 30000, 5) == -1 &&
	    fx_window_count(st.w) == 0, "t = now - width: rejected");
	ok(fx_window_push(st.w, 30001, 5) == 0 &&
	    fx_window_count(st.w) == 1, "t = now - width + 1: accepted");
	fx_window_stats_get(st.w, &s);
	ok(s.first_t == 30001 && s.last_t == 30001, "and its times");
	stream_close(&st);
}

static void
test_rejects(void)
{
	fx_window_stats before, after;
	fx_window *w = fx_window_new(MIN);
	int i, same;

	for (i = 0; i < 10; i++)
		fx_window_push(w, 10000 + i * SEC, i * 1.5);
	fx_window_stats_get(w, &before);
	ok(fx_window_push(w, 18999, 1) == -1, "earlier time rejected");
	ok(fx_window_push(w, 19000, NAN) == -1, "NaN rejected");
	ok(fx_window_push(w, 19000, INFINITY) == -1, "+Inf rejected");
	ok(fx_window_push(w, 19000, -INFINITY) == -1, "-Inf rejected");
	ok(fx_window_push(w, 19000, 1.0000001e150) == -1,
	    "|x| > FX_WINDOW_MAX_ABS rejected");
	ok(fx_window_push(w, 99999, -1e151) == -1,
	    "rejected without moving the window");
	fx_window_stats_get(w, &after);
	same = memcmp(&before, &after, sizeof before) == 0;
	ok(same, "rejects change nothing");
	ok(fx_window_push(w, 19000, FX_WINDOW_MAX_ABS) == 0 &&
	    fx_window_push(w, 19000, -FX_WINDOW_MAX_ABS) == 0,
	    "+-FX_WINDOW_MAX_ABS accepted");
	fx_window_stats_get(w, &after);
	ok(isfinite(after.variance) && isfinite(after.sd) &&
	    isfinite(after.rms) && after.variance > 1e299,
	    "variance of +-1e150 is finite (%g)", after.variance);
	fx_window_free(w);

	fx_window_free(NULL);
	w = fx_window_new(1);
	ok(fx_window_width(w) == 1, "width 1 ms");
	fx_window_push(w, 0, 1);
	fx_window_push(w, 1, 2);
	ok(fx_window_count(w) == 1, "width 1 ms holds one millisecond");
	fx_window_free(w);
}

/* Subnormal and mixed extreme readings: whatever the precision, no field
 * is NaN or Inf and the documented bounds hold. */
static void
test_extremes(void)
{
	static const double xs[] = { 5e-324, 1e-320, 0, -5e-324, 2.5e-308,
	    1e150, -1e150, 1e-150, 3, 1e150, 1e150, 1e-300, -1e-300 };
	fx_window_stats s;
	fx_window *w = fx_window_new(5 * SEC);
	int i, finite = 1, bounds = 1;
	size_t k;

	for (i = 0; i < 2000; i++) {
		double x = xs[gsl_rng_uniform_int(rng, sizeof xs / sizeof xs[0])];
		double v[NSTAT];

		if (i % 300 < 100)	/* runs of subnormals alone */
			x = i % 3 ? 5e-324 : 1e-321;
		fx_window_push(w, i * SEC, x);
		fx_window_stats_get(w, &s);
		stats_array(&s, v);
		for (k = 0; k < NSTAT; k++)
			finite &= isfinite(v[k]);
		bounds &= s.min <= s.mean && s.mean <= s.max &&
		    s.crest_factor >= 1 &&
		    s.crest_factor <= sqrt((double)s.count) &&
		    s.kurtosis >= 0 && s.variance >= 0;
	}
	ok(finite, "subnormal and +-1e150 readings: no NaN or Inf");
	ok(bounds, "min <= mean <= max, 1 <= crest <= sqrt(n)");
	fx_window_free(w);
}

static void
test_embedding(void)
{
	struct feeder {
		char id[8];
		fx_window load;
	} f;
	fx_window_stats s;

	memset(&f, 0, sizeof f);
	ok(fx_window_count(&f.load) == 0 &&
	    fx_window_width(&f.load) == FX_WINDOW_DEFAULT_MS,
	    "embedded zeroed window: empty, default width");
	fx_window_push(&f.load, 0, 1);
	fx_window_push(&f.load, 15 * MIN - 1, 2);
	fx_window_push(&f.load, 15 * MIN, 3);
	fx_window_stats_get(&f.load, &s);
	ok(s.count == 2 && s.mean == 2.5, "embedded: default width applies");
	fx_window_clear(&f.load);
	ok(fx_window_count(&f.load) == 0 && f.load.ring == NULL,
	    "clear releases the readings");
	ok(fx_window_push(&f.load, 0, 4) == 0,
	    "after clear a new series starts (earlier time accepted)");
	fx_window_clear(&f.load);
	fx_window_init(&f.load, 2 * SEC);
	ok(fx_window_width(&f.load) == 2 * SEC, "init sets the width");
	fx_window_clear(&f.load);
	ok(fx_window_width(&f.load) == 2 * SEC, "clear keeps the width");
}

/* O(1) amortised: 5e6 readings through a one-reading window and 2e6
 * through a 1000-reading one must finish quickly (no wall-clock assert:
 * a quadratic engine would take hours). */
static void
test_complexity(void)
{
	fx_window_stats s;
	fx_window *w = fx_window_new(1);
	double last[1000];
	long i;

	for (i = 0; i < 5000000; i++)
		fx_window_push(w, i, (double)(i % 977));
	fx_window_stats_get(w, &s);
	ok(s.count == 1 && s.mean == (double)((5000000 - 1) % 977),
	    "5e6 readings through a 1-reading window");
	fx_window_free(w);

	w = fx_window_new(1000);
	for (i = 0; i < 2000000; i++) {
		double x = 1e3 * sin(i * 1e-3) + (double)(i % 13);

		fx_window_push(w, i, x);
		last[i % 1000] = x;
	}
	fx_window_stats_get(w, &s);
	ok(s.count == 1000, "2e6 readings through a 1000-reading window");
	is_num(s.mean, gsl_stats_mean(last, 1, 1000), 1e-12,
	    "  its mean as gsl");
	is_num(s.variance, gsl_stats_variance(last, 1, 1000), 1e-12,
	    "  its variance as gsl");
	is_num(s.kurtosis_excess, gsl_stats_kurtosis(last, 1, 1000), 1e-12,
	    "  its kurtosis as gsl");
	fx_window_free(w);
}

int
main(void)
{
	size_t i;

	rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 20251122);

	test_small_counts();
	test_constant();
	test_rejects();
	test_advance();
	test_embedding();
	test_extremes();
	test_uniform_regular();
	test_gaussian_irregular();
	test_near_constant();
	test_spiky();
	test_signs();
	test_drift();
	test_magnitudes();
	test_widths();
	test_long_stream();
	test_complexity();

	printf("# max err over all streams:");
	for (i = 0; i < NSTAT; i++)
		printf("%s %s %.2g", i ? "," : "", stat_name[i], worst[i]);
	printf("\n");
	gsl_rng_free(rng);
	return done();
}
